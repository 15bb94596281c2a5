"""Errors between optical-flow fields: end-point, angular, cosine."""

import numbers

import numpy as np

from .._utils.validation import check_choice, check_finite, describe


def endpoint_error(flow_true, flow_pred, *, min_magnitude=None, reduce="mean"):
    """End-point error (EPE): Euclidean distance between flow vectors.

    Parameters
    ----------
    flow_true, flow_pred : array-like of shape (..., n_components)
        Flow fields, ``(dx, dy)`` on the last axis, any leading shape
        (e.g. (height, width, 2) or (n_trs, n_pairs, grid_h, grid_w, 2)), in
        the same units (the EPE is in those units). Vector fields of any
        number of components are accepted: the EPE is their Euclidean
        distance.
    min_magnitude : float, optional
        Ignore the cells whose true flow is shorter than this ("thresholded
        EPE"): only motion that is present counts.
    reduce : {"mean", "none"}, default="mean"
        ``"mean"``: the mean over the cells kept; ``"none"``: the error of
        every cell, NaN where a cell is ignored.

    Returns
    -------
    float or numpy.ndarray of shape (...)
        The error, >= 0.

    Raises
    ------
    ValueError
        If the shapes differ, a value is not finite, or ``min_magnitude``
        leaves no cell for the mean.
    """
    flow_true, flow_pred = _check_pair(flow_true, flow_pred, n_components=None)
    check_choice(reduce, "reduce", ("mean", "none"))
    error = np.linalg.norm(flow_true - flow_pred, axis=-1)
    keep = _kept(flow_true, min_magnitude)
    return _reduce(error, keep, reduce, min_magnitude)


def angular_error(flow_true, flow_pred, *, min_magnitude=None, degrees=True, reduce="mean"):
    """Angle between the directions of true and predicted 2-D flow vectors.

    This is the angle in the image plane, ``arccos(u . v / (|u| |v|))``,
    from 0 (same direction) to 180 degrees (opposite), which scores the
    direction of motion alone. It is not the "angular error" of Barron et
    al. (1994), which measures the angle between the 3-D vectors
    ``(dx, dy, 1)`` and so also depends on speed.

    Parameters
    ----------
    flow_true, flow_pred : array-like of shape (..., 2)
        Flow fields, ``(dx, dy)`` on the last axis.
    min_magnitude : float, optional
        Also ignore the cells whose true flow is shorter than this.
    degrees : bool, default=True
        Degrees if True, radians otherwise.
    reduce : {"mean", "none"}, default="mean"
        As in :func:`endpoint_error`.

    Returns
    -------
    float or numpy.ndarray of shape (...)
        Cells where either vector is zero have no direction and are
        ignored (NaN with ``reduce="none"``).
    """
    flow_true, flow_pred = _check_pair(flow_true, flow_pred)
    check_choice(reduce, "reduce", ("mean", "none"))
    if not isinstance(degrees, (bool, np.bool_)):
        raise TypeError(f"degrees must be True or False; got {describe(degrees)}.")
    cosine, keep = _cosine(flow_true, flow_pred, min_magnitude)
    angle = np.arccos(cosine)
    if degrees:
        angle = np.degrees(angle)
    return _reduce(angle, keep, reduce, min_magnitude)


def cosine_similarity(flow_true, flow_pred, *, min_magnitude=None, reduce="mean"):
    """Cosine of the angle between true and predicted 2-D flow vectors.

    Parameters
    ----------
    flow_true, flow_pred : array-like of shape (..., 2)
        Flow fields, ``(dx, dy)`` on the last axis.
    min_magnitude : float, optional
        Also ignore the cells whose true flow is shorter than this.
    reduce : {"mean", "none"}, default="mean"
        As in :func:`endpoint_error`.

    Returns
    -------
    float or numpy.ndarray of shape (...)
        From -1 (opposite directions) to 1 (same direction). Cells where
        either vector is zero are ignored (NaN with ``reduce="none"``).
    """
    flow_true, flow_pred = _check_pair(flow_true, flow_pred)
    check_choice(reduce, "reduce", ("mean", "none"))
    cosine, keep = _cosine(flow_true, flow_pred, min_magnitude)
    return _reduce(cosine, keep, reduce, min_magnitude)


def _check_pair(flow_true, flow_pred, n_components=2):
    """Both flows as float64 arrays; ``n_components=None`` allows any last axis."""
    arrays = []
    for name, flow in (("flow_true", flow_true), ("flow_pred", flow_pred)):
        try:
            flow = np.asarray(flow)
        except ValueError:
            raise TypeError(f"{name} must be an array of flow vectors; got {describe(flow)}.") from None
        if not np.issubdtype(flow.dtype, np.number) or np.iscomplexobj(flow):
            raise TypeError(f"{name} must hold real numbers; got {describe(flow)}.")
        if n_components is None and (flow.ndim < 1 or flow.shape[-1] < 1):
            raise ValueError(
                f"{name} must have shape (..., n_components) with the vector "
                f"components on the last axis; got {describe(flow)}."
            )
        if n_components is not None and (flow.ndim < 1 or flow.shape[-1] != 2):
            raise ValueError(
                f"{name} must have shape (..., 2) with (dx, dy) on the last axis; "
                f"got {describe(flow)}."
            )
        arrays.append(check_finite(flow, name).astype(np.float64))
    if arrays[0].shape != arrays[1].shape:
        raise ValueError(
            f"flow_true and flow_pred must have the same shape; got "
            f"{arrays[0].shape} and {arrays[1].shape}."
        )
    return arrays


def _kept(flow_true, min_magnitude):
    if min_magnitude is None:
        return np.ones(flow_true.shape[:-1], dtype=bool)
    if (
        isinstance(min_magnitude, bool)
        or not isinstance(min_magnitude, numbers.Real)
        or not np.isfinite(min_magnitude)
        or min_magnitude < 0
    ):
        raise ValueError(
            "min_magnitude must be None or a non-negative number (flow units); "
            f"got {describe(min_magnitude)}."
        )
    return np.linalg.norm(flow_true, axis=-1) >= min_magnitude


def _cosine(flow_true, flow_pred, min_magnitude):
    norm_true = np.linalg.norm(flow_true, axis=-1)
    norm_pred = np.linalg.norm(flow_pred, axis=-1)
    keep = _kept(flow_true, min_magnitude) & (norm_true > 0) & (norm_pred > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        cosine = np.sum(flow_true * flow_pred, axis=-1) / (norm_true * norm_pred)
    return np.clip(cosine, -1.0, 1.0), keep


def _reduce(values, keep, reduce, min_magnitude):
    if reduce == "none":
        return np.where(keep, values, np.nan)
    if not keep.any():
        reason = (
            f"no cell has a true flow of magnitude >= min_magnitude={min_magnitude}"
            if min_magnitude is not None
            else "flow_true and flow_pred hold no cell to score (an empty field, "
            "or only zero vectors, which have no direction)"
        )
        raise ValueError(f"Nothing to average: {reason}.")
    return float(values[keep].mean())
