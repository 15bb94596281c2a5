"""The score shared by the encoders: mean Pearson r over predictable targets."""

import numpy as np

from ..metrics import correlation_score


def mean_correlation(y_true, y_pred, varying):
    """Mean Pearson r over the targets that varied during ``fit``.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,) or (n_samples, n_targets)
    varying : ndarray of bool, shape (n_targets,)
        Targets with non-zero variance in the training responses; the others
        cannot be predicted and are left out of the mean.

    Returns
    -------
    float
        NaN when no target varied.
    """
    scores = np.where(varying, correlation_score(y_true, y_pred), np.nan)
    return float(np.nanmean(scores)) if np.isfinite(scores).any() else float("nan")
