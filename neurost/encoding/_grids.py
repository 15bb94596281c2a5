"""Input handling shared by the encoders: feature grids and response matrices."""

import warnings

import numpy as np
from scipy import sparse
from sklearn.utils.validation import validate_data

from .._utils.validation import check_real_array, describe


def check_grid(estimator, X, *, reset, grid_shape=None):
    """Validate features and return them as a grid ``(n, h, w, c)`` float32.

    Parameters
    ----------
    estimator : BaseEstimator
        Records ``n_features_in_`` and ``grid_shape_`` when ``reset``.
    X : array-like of shape (n, h, w, c) or (n, n_features)
        A patch-feature grid, or flattened features; the latter are read as
        a ``grid_shape`` grid (``n_features = h * w * c``), or as a 1 x 1
        grid of ``n_features`` channels when ``grid_shape`` is None.
    reset : bool
        True in ``fit``; False checks ``X`` against the fitted shape.
    """
    if sparse.issparse(X):
        # scikit-learn's own message: sparse input is not supported.
        validate_data(estimator, X, reset=reset)
    array = check_real_array(X, "X")
    if array.ndim < 2:
        raise ValueError(
            f"X must be (n_samples, n_features) or a (n_samples, h, w, c) grid; got a "
            f"{array.ndim}-D array. Reshape your data with X.reshape(-1, 1) for one "
            "feature or X.reshape(1, -1) for one sample."
        )
    ndim = array.ndim
    if ndim not in (2, 4):
        raise ValueError(
            "X must be a feature grid of shape (n_samples, h, w, channels) or "
            f"flattened features (n_samples, n_features); got {describe(array)}."
        )
    if ndim == 4:
        n, h, w, c = array.shape
        flat = array.reshape(n, h * w * c)
    else:
        flat = array
        h, w = (1, 1) if grid_shape is None else grid_shape
    flat = validate_data(estimator, flat, reset=reset, dtype=np.float32)
    if flat.shape[1] % (h * w):
        raise ValueError(
            f"X has {flat.shape[1]} features, which is not a multiple of the "
            f"{h} x {w} cells of grid_shape={grid_shape}."
        )
    c = flat.shape[1] // (h * w)
    if reset:
        estimator.grid_shape_ = (h, w)
    elif (h, w) != estimator.grid_shape_:
        raise ValueError(
            f"X is a {h} x {w} grid; the estimator was fitted on a "
            f"{estimator.grid_shape_[0]} x {estimator.grid_shape_[1]} grid."
        )
    return flat.reshape(len(flat), h, w, c)


def check_responses(Y, n_samples, stacklevel=3):
    """Validate responses; return them 2-D, with the mask of varying targets.

    Targets with zero variance cannot be predicted or scored: they get a
    warning here and NaN scores later.

    Parameters
    ----------
    Y : array-like of shape (n_samples,) or (n_samples, n_targets)
    n_samples : int
    stacklevel : int, default=3
        Of the zero-variance warning, so that it points at the user's call.

    Returns
    -------
    Y : ndarray of shape (n_samples, n_targets), float32
    varying : ndarray of bool, shape (n_targets,)
    """
    Y = check_real_array(Y, "Y").astype(np.float32)
    if Y.ndim not in (1, 2):
        raise ValueError(
            f"Y must be (n_samples,) or (n_samples, n_targets); got {describe(Y)}."
        )
    if len(Y) != n_samples:
        raise ValueError(
            f"X and Y must have the same number of samples; got {n_samples} "
            f"and {len(Y)}."
        )
    if not np.isfinite(Y).all():
        raise ValueError("Y contains NaN or infinite values; expected finite responses.")
    Y = Y.reshape(n_samples, -1)
    varying = (Y != Y[:1]).any(axis=0)
    if not varying.all():
        warnings.warn(
            f"{int((~varying).sum())} target(s) of Y have zero variance "
            f"(first: column {int(np.flatnonzero(~varying)[0])}); they are "
            "predicted as their constant value and scored as NaN.",
            UserWarning,
            stacklevel=stacklevel,
        )
    return Y, varying

