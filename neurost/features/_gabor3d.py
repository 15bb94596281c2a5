"""Spatio-temporal Gabor filters of the Nishimoto et al. (2011) motion-energy pyramid.

The filter definitions follow pymoten (``moten.core.mk_3d_gabor`` and
``moten.core.mk_moten_pyramid_params``) so that the features agree with it:

- image coordinates: horizontal ``x`` runs from 0 to the aspect ratio
  (width / height) over the columns, vertical ``y`` from 0 (top) to 1 over
  the rows, both including their end points;
- spatial Gabors: a Gaussian of s.d. ``spatial_env`` around
  ``(center_x, center_y)`` times the sine / cosine of a grating of
  ``spatial_freq`` cycles per image height with wave vector
  ``2 pi f (-cos(direction), sin(direction))``; pixels where
  ``|sin| + |cos|`` is at most 0.001 are set to zero;
- temporal Gabors: ``filter_temporal_width`` samples of
  ``t = linspace(0, 1, width, endpoint=False)`` with a Gaussian of s.d.
  ``temporal_env`` around ``t = 0.5`` times the sine / cosine of
  ``2 pi temporal_freq (width / frame_rate) (t - 0.5)``.
"""

import itertools
import math

import numpy as np
import pandas as pd

MASK_LIMIT = 0.001

FILTER_COLUMNS = (
    "center_x",
    "center_y",
    "direction",
    "preferred_direction",
    "spatial_freq",
    "spatial_env",
    "temporal_freq",
    "temporal_env",
    "spatial_index",
    "temporal_index",
)


def default_temporal_width(frame_rate):
    """Return pymoten's default temporal window: ``int(frame_rate * 2 / 3)`` frames."""
    return int(frame_rate * (2 / 3.0))


def _envelope(freq, ratio, maximum):
    """Gaussian s.d. ``ratio / freq`` capped at ``maximum`` (``maximum`` at 0 Hz)."""
    return maximum if freq == 0 else min(ratio / freq, maximum)


def pyramid_table(
    frame_shape,
    temporal_frequencies,
    spatial_frequencies,
    directions,
    sf_gauss_ratio,
    max_spatial_env,
    filter_spacing,
    tf_gauss_ratio,
    max_temporal_env,
    include_edges,
):
    """Return the filters of a motion-energy pyramid tiling a frame.

    Parameters
    ----------
    frame_shape : tuple of int
        ``(height, width)`` in pixels.
    temporal_frequencies : sequence of float
        Hz.
    spatial_frequencies : sequence of float
        Cycles per image height; 0 adds non-oriented local luminance
        filters at the positions and sizes of the lowest oriented ones.
    directions : sequence of float
        Degrees (0 = rightward, 90 = upward motion).
    sf_gauss_ratio, max_spatial_env, filter_spacing : float
        Spatial Gaussian s.d. is ``min(sf_gauss_ratio / f, max_spatial_env)``
        (image heights); centres are ``filter_spacing`` s.d. apart.
    tf_gauss_ratio, max_temporal_env : float
        Temporal Gaussian s.d. ``min(tf_gauss_ratio / f, max_temporal_env)``
        (fraction of the temporal window).
    include_edges : bool
        Add one more ring of positions, partly outside the frame.

    Returns
    -------
    pandas.DataFrame
        One row per filter in pymoten's order, with the columns of
        ``FILTER_COLUMNS``; ``direction`` is pymoten's label,
        ``preferred_direction`` the direction of motion (degrees) that drives
        the filter most (NaN at spatial frequency 0); ``spatial_index`` and ``temporal_index`` number
        the distinct spatial and temporal Gabors the filter is made of.
    """
    height, width = frame_shape
    aspect_ratio = width / float(height)
    include_dc = any(f == 0 for f in spatial_frequencies)
    oriented = [float(f) for f in spatial_frequencies if f != 0]
    rows = []
    for spatial_freq, direction in itertools.product(oriented, directions):
        spatial_env = _envelope(spatial_freq, sf_gauss_ratio, max_spatial_env)
        step = spatial_env * filter_spacing
        n_v = max(np.floor(((1.0 - step) / step) / 2.0), 0) + int(include_edges)
        n_h = max(np.floor(((aspect_ratio - step) / step) / 2.0), 0) + int(include_edges)
        y_centers = step * np.arange(-n_v, n_v + 1) + 0.5
        x_centers = step * np.arange(-n_h, n_h + 1) + aspect_ratio / 2.0
        for center_x, center_y in itertools.product(x_centers, y_centers):
            for temporal_freq in temporal_frequencies:
                # Without motion, directions d and d + 180 are the same filter.
                if temporal_freq == 0 and direction >= 180:
                    continue
                temporal_env = _envelope(
                    temporal_freq, tf_gauss_ratio, max_temporal_env
                )
                rows.append(
                    (center_x, center_y, float(direction), spatial_freq,
                     spatial_env, float(temporal_freq), temporal_env)
                )
                if direction == 0 and include_dc:
                    rows.append(
                        (center_x, center_y, 0.0, 0.0, spatial_env,
                         float(temporal_freq), temporal_env)
                    )
    table = pd.DataFrame(
        rows,
        columns=["center_x", "center_y", "direction", "spatial_freq",
                 "spatial_env", "temporal_freq", "temporal_env"],
    )
    # pymoten convolves in time (the window's last sample weighs the earliest
    # frame), so a filter whose 3-D Gabor drifts towards `direction` when
    # played forward responds most to motion the opposite way. Filters
    # without a grating have no preferred direction.
    preferred = (table["direction"] + 180.0) % 360.0
    table.insert(3, "preferred_direction", preferred.where(table["spatial_freq"] > 0))
    spatial_keys = ["center_x", "center_y", "direction", "spatial_freq", "spatial_env"]
    table["spatial_index"] = table.groupby(spatial_keys, sort=False).ngroup()
    table["temporal_index"] = table.groupby(
        ["temporal_freq", "temporal_env"], sort=False
    ).ngroup()
    return table


def spatial_gabors(frame_shape, table):
    """Return the masked spatial Gabor quadrature pairs of a pyramid.

    Parameters
    ----------
    frame_shape : tuple of int
        ``(height, width)`` in pixels.
    table : pandas.DataFrame
        From :func:`pyramid_table`.

    Returns
    -------
    ndarray of shape (n_pixels, 2 * n_spatial), float64
        Column ``2 s`` is the sine and ``2 s + 1`` the cosine Gabor of
        spatial filter ``s``, each flattened in row-major (C) order.
    """
    height, width = frame_shape
    aspect_ratio = width / float(height)
    unique = table.drop_duplicates("spatial_index").sort_values("spatial_index")
    x = np.linspace(0, aspect_ratio, width)[None, None, :]
    y = np.linspace(0, 1, height)[None, :, None]
    cx = unique["center_x"].to_numpy()[:, None, None]
    cy = unique["center_y"].to_numpy()[:, None, None]
    radians = np.deg2rad(unique["direction"].to_numpy())[:, None, None]
    freq = unique["spatial_freq"].to_numpy()[:, None, None]
    env = unique["spatial_env"].to_numpy()[:, None, None]
    f_x = -freq * np.cos(radians) * 2 * np.pi
    f_y = freq * np.sin(radians) * 2 * np.pi
    gaussian = np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * env**2))
    phase = (x - cx) * f_x + (y - cy) * f_y
    sin = gaussian * np.sin(phase)
    cos = gaussian * np.cos(phase)
    keep = (np.abs(sin) + np.abs(cos)) > MASK_LIMIT
    pairs = np.stack([sin * keep, cos * keep], axis=1)  # (n_spatial, 2, H, W)
    return pairs.reshape(len(unique) * 2, height * width).T


def temporal_gabors(table, frame_rate, temporal_width):
    """Return the temporal Gabor quadrature pairs of a pyramid.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`pyramid_table`.
    frame_rate : float
        Frames per second.
    temporal_width : int
        Window length in frames.

    Returns
    -------
    ndarray of shape (n_temporal, 2, temporal_width), float64
        ``[:, 0]`` the sine, ``[:, 1]`` the cosine Gabor; index ``k`` of
        the last axis multiplies the frame ``k - ceil(width / 2) + 1``
        frames before the output frame (negative: after it).
    """
    unique = table.drop_duplicates("temporal_index").sort_values("temporal_index")
    t = np.linspace(0, 1, temporal_width, endpoint=False)[None, :] - 0.5
    freq = unique["temporal_freq"].to_numpy()[:, None]
    env = unique["temporal_env"].to_numpy()[:, None]
    omega = freq * (temporal_width / float(frame_rate)) * 2 * np.pi
    gaussian = np.exp(-(t**2) / (2 * env**2))
    return np.stack([gaussian * np.sin(t * omega), gaussian * np.cos(t * omega)], axis=1)


def temporal_offset(temporal_width):
    """Frames of look-ahead of the temporal filters: ``ceil(width / 2) - 1``."""
    return int(math.ceil(temporal_width / 2.0)) - 1
