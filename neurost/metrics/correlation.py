"""Pearson correlation between measured and predicted responses, per target."""

import numpy as np

from ._checks import float_array


def check_paired(y_true, y_pred):
    """Validate two response matrices of the same shape; return them as 2-D.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,) or (n_samples, n_targets)

    Returns
    -------
    y_true, y_pred : ndarray of shape (n_samples, n_targets), float64
    """
    y_true = float_array(y_true, "y_true")
    y_pred = float_array(y_pred, "y_pred")
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true and y_pred must have the same shape; got {y_true.shape} "
            f"and {y_pred.shape}."
        )
    if y_true.ndim not in (1, 2):
        raise ValueError(
            "y_true must be 1-D (n_samples,) or 2-D (n_samples, n_targets); "
            f"got {y_true.ndim}-D."
        )
    if y_true.shape[0] < 2:
        raise ValueError(
            f"y_true must hold at least 2 samples; got {y_true.shape[0]}."
        )
    return y_true.reshape(len(y_true), -1), y_pred.reshape(len(y_pred), -1)


def correlation_score(y_true, y_pred):
    """Pearson correlation between measured and predicted values, per target.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_targets)
        Measured responses.
    y_pred : array-like of the same shape
        Predicted responses.

    Returns
    -------
    ndarray of shape (n_targets,)
        Pearson r of each target (column). A target whose measured or
        predicted values are constant has no defined correlation and gets 0.
    """
    y_true, y_pred = check_paired(y_true, y_pred)
    true_centred = y_true - y_true.mean(axis=0)
    pred_centred = y_pred - y_pred.mean(axis=0)
    covariance = (true_centred * pred_centred).sum(axis=0)
    scale = np.sqrt((true_centred**2).sum(axis=0) * (pred_centred**2).sum(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(scale > 0, covariance / scale, 0.0)
    return np.clip(r, -1.0, 1.0)
