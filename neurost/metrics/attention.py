"""Scores of attention maps over a feature grid: against a truth, on a region, across images.

An attention map is one query's weights over the cells of a grid (a
backbone's patch grid), e.g. a :class:`neurost.encoding.RoutingEncoder`'s
``attention_maps``: non-negative, summing to 1. Every function takes maps
of shape (..., height, width), the grid on the last two axes, and scores
each map.
"""

import warnings

import numpy as np

from .._utils.validation import check_finite, describe


def attention_correlation(maps, truth):
    """Pearson r between each attention map and the true map of the same grid.

    Parameters
    ----------
    maps : array-like of shape (..., height, width)
        Attention maps, e.g. (n_images, n_rois, height, width).
    truth : array-like of the same shape
        The true maps (e.g. ``make_routing_dataset(...).routing``), or any
        reference maps.

    Returns
    -------
    numpy.ndarray of shape (...)
        The correlation over the cells of each map, in [-1, 1]; NaN where
        either map is constant (e.g. the uniform true map of an image that
        lacks the object), so that ``numpy.nanmean`` averages over the maps
        where it is defined.

    Raises
    ------
    ValueError
        If the shapes differ, are not at least 2-D, or a value is not finite.

    Examples
    --------
    >>> import numpy as np
    >>> maps = np.array([[[0.1, 0.2], [0.3, 0.4]], [[0.25, 0.25], [0.25, 0.25]]])
    >>> attention_correlation(maps, np.array([[[0, 0], [0, 1]], [[0, 0], [0, 1]]])).round(3)
    array([0.775,   nan])
    """
    maps = _check_maps(maps, "maps")
    truth = _check_maps(truth, "truth")
    if truth.shape != maps.shape:
        raise ValueError(
            f"truth must have the shape of maps, {maps.shape}; got {truth.shape}."
        )
    return _cell_correlation(maps, truth)


def attention_mass(maps, mask):
    """Share of each attention map's total weight that falls on the cells of a mask.

    A uniform map puts on the mask the fraction of cells the mask covers,
    ``mask.mean(axis=(-2, -1))``: the chance level to compare with.

    Parameters
    ----------
    maps : array-like of shape (..., height, width)
        Non-negative attention maps, e.g. (n_images, height, width) for one
        ROI query.
    mask : array-like of bool, of the shape of ``maps`` or broadcastable to it
        The cells of the region for each map (e.g. ``coverage > 0``, the
        cells an object covers in each image), or one (height, width) mask
        for all maps.

    Returns
    -------
    numpy.ndarray of shape (...)
        ``sum(map * mask) / sum(map)``, in [0, 1]; NaN where the mask is
        empty (no object in the image).

    Raises
    ------
    TypeError
        If ``mask`` is not boolean.
    ValueError
        If a map holds a negative or non-finite value or sums to 0, or
        ``mask`` does not broadcast to the shape of ``maps``.

    Examples
    --------
    >>> import numpy as np
    >>> maps = np.array([[[0.1, 0.2], [0.3, 0.4]], [[0.25, 0.25], [0.25, 0.25]]])
    >>> attention_mass(maps, np.array([[False, True], [False, True]]))
    array([0.6, 0.5])
    """
    maps = _check_maps(maps, "maps")
    mask = np.asarray(mask)
    if mask.dtype != bool:
        raise TypeError(
            f"mask must be a boolean array (e.g. coverage > 0); got {describe(mask)}."
        )
    if mask.ndim < 2 or mask.shape[-2:] != maps.shape[-2:]:
        raise ValueError(
            f"mask must end with the grid of maps, {maps.shape[-2:]}; got shape {mask.shape}."
        )
    try:
        mask = np.broadcast_to(mask, maps.shape)
    except ValueError:
        raise ValueError(
            f"mask of shape {mask.shape} does not broadcast to the shape of maps, "
            f"{maps.shape}."
        ) from None
    if (maps < 0).any():
        raise ValueError("maps must hold non-negative attention weights; got a negative value.")
    total = maps.sum(axis=(-2, -1))
    if (total <= 0).any():
        first = tuple(int(i) for i in np.argwhere(total <= 0)[0])
        raise ValueError(f"maps must not sum to 0; the map at index {first} does.")
    inside = np.where(mask, maps, 0.0).sum(axis=(-2, -1))
    return np.where(mask.any(axis=(-2, -1)), inside / total, np.nan)


def attention_variability(maps):
    """How much each query's attention map changes from image to image.

    One minus the mean, over images, of the Pearson r between an image's
    map and the query's mean map over images: near 0 for a map that stays
    in place (routing by location), larger the more the map follows the
    content of each image (routing by content).

    Parameters
    ----------
    maps : array-like of shape (n_images, ..., height, width)
        Attention maps, images on the first axis, e.g. (n_images, n_rois,
        height, width); at least 2 images.

    Returns
    -------
    numpy.ndarray of shape (...)
        In [0, 2]; images whose map is constant are left out of the mean,
        and NaN where no image is left or the mean map is constant.

    Raises
    ------
    ValueError
        If ``maps`` is not at least 3-D, holds fewer than 2 images, or a
        value is not finite.

    Examples
    --------
    >>> import numpy as np
    >>> still = np.tile([[0.125, 0.25], [0.375, 0.25]], (3, 1, 1))
    >>> moving = np.array([[[1, 0], [0, 0]], [[0, 1], [0, 0]], [[0, 0], [1, 0]]])
    >>> attention_variability(np.stack([still, moving], axis=1)).round(3)
    array([0.   , 0.667])
    """
    maps = _check_maps(maps, "maps")
    if maps.ndim < 3 or len(maps) < 2:
        raise ValueError(
            "maps must have shape (n_images, ..., height, width) with at least 2 "
            f"images; got shape {maps.shape}."
        )
    r = _cell_correlation(maps, np.broadcast_to(maps.mean(axis=0), maps.shape))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # "Mean of empty slice": NaN
        return 1.0 - np.nanmean(r, axis=0)


def _check_maps(maps, name):
    maps = np.asarray(maps)
    if not (np.issubdtype(maps.dtype, np.number) or maps.dtype == bool):
        raise TypeError(f"{name} must be an array of numbers; got {describe(maps)}.")
    maps = check_finite(maps.astype(np.float64), name)
    if maps.ndim < 2 or 0 in maps.shape[-2:]:
        raise ValueError(
            f"{name} must have shape (..., height, width) with a non-empty grid; got "
            f"shape {maps.shape}."
        )
    return maps


def _cell_correlation(a, b):
    """Pearson r over the last two axes; NaN where either map is constant."""
    cells = (-2, -1)
    # a constant map has a range of exactly 0, whereas its centred values
    # need not be exactly 0 (the mean is rounded)
    defined = (np.ptp(a, axis=cells) > 0) & (np.ptp(b, axis=cells) > 0)
    a = a - a.mean(axis=cells, keepdims=True)
    b = b - b.mean(axis=cells, keepdims=True)
    covariance = (a * b).sum(axis=cells)
    scale = np.sqrt((a**2).sum(axis=cells) * (b**2).sum(axis=cells))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(defined, covariance / scale, np.nan)
    return np.clip(r, -1.0, 1.0)
