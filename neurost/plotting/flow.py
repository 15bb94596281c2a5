"""Optical-flow fields and motion tuning: colour-wheel images, arrows, cortex maps.

Directions follow the screen: 0 degrees is rightward and 90 degrees upward
(counter-clockwise), the convention of
:attr:`neurost.features.MotionEnergy.filters_`'s ``preferred_direction``.
Flow fields are ``(dx, dy)`` in image coordinates (OpenCV's, as returned by
:mod:`neurost.features.flow`): ``dx > 0`` is rightward and ``dy > 0``
downward, so a field's direction is ``atan2(-dy, dx)``.
"""

import math
import numbers
import os

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import hsv_to_rgb

from .._utils.validation import check_choice, check_positive_int, check_t_r, describe
from ..metrics import endpoint_error
from ._checks import check_axes, check_cmap, check_flag, check_number, check_text
from ._save import figure_files, save_figure
from ._style import LABEL_SIZE, TICK_SIZE, TITLE_SIZE, image_pixels
from .cortex import plot_on_cortex

#: Width of one flow panel, inches.
_PANEL_WIDTH = 2.2
#: Arrows drawn along the longer side of a field when ``step`` is None.
_ARROWS_PER_SIDE = 16
#: Pixels across the colour-wheel legend.
_WHEEL_SIZE = 101
#: Columns drawn by plot_flow_comparison when ``times`` is None.
_MAX_COLUMNS = 6
_DIRECTION_TICKS = (0, 90, 180, 270, 360)
KINDS = ("hsv", "quiver", "both")


def flow_to_rgb(flow, max_magnitude=None):
    """Colour a flow field: hue is the direction, saturation the magnitude.

    Hue runs around the colour circle with the direction of motion on
    screen: rightward is red (hue 0), upward yellow-green (hue 0.25),
    leftward cyan (0.5), downward violet (0.75). Saturation is the
    magnitude divided by ``max_magnitude`` (clipped to 1); value is 1, so
    still cells are white and the strongest motion fully saturated.

    Parameters
    ----------
    flow : array-like of shape (H, W, 2)
        ``(dx, dy)`` per cell, in image coordinates (``dy > 0`` is
        downward), any unit of length per frame.
    max_magnitude : float, optional
        The magnitude drawn fully saturated, in the units of ``flow``;
        give the same value to several fields to compare them. By
        default the field's largest magnitude (1 for a still field).

    Returns
    -------
    rgb : numpy.ndarray of shape (H, W, 3), float64 in [0, 1]
    max_magnitude : float
        The normalising magnitude used.

    Raises
    ------
    ValueError
        For a field not of shape (H, W, 2), a NaN or infinite value, or a
        ``max_magnitude`` that is not a positive number.
    """
    flow = _check_flow(flow, "flow", 3, "(H, W, 2)")
    max_magnitude = _max_magnitude(max_magnitude, [flow])
    return _flow_rgb(flow, max_magnitude), max_magnitude


def plot_flow(
    flow,
    image=None,
    *,
    kind="hsv",
    max_magnitude=None,
    step=None,
    alpha=0.7,
    units="pixels per frame",
    legend=True,
    title=None,
    output_file=None,
):
    """Draw a flow field as a colour-wheel image, as arrows, or both.

    Parameters
    ----------
    flow : array-like of shape (H, W, 2)
        ``(dx, dy)`` per cell, in image coordinates (``dx > 0`` rightward,
        ``dy > 0`` downward), e.g. :func:`neurost.features.compute_flow`'s
        pixels per frame or one grid of
        :class:`neurost.features.OpticalFlow` (grid cells per frame).
    image : array-like of shape (h, w) or (h, w, 3), optional
        A frame drawn underneath (uint8 0-255 or float 0-1), stretched to
        the field's extent when the sizes differ (a grid pooled from it).
    kind : {"hsv", "quiver", "both"}, default="hsv"
        ``"hsv"``: colour-wheel image (see :func:`flow_to_rgb`);
        ``"quiver"``: arrows; ``"both"``: arrows over the colours.
    max_magnitude : float, optional
        The magnitude drawn fully saturated and as an arrow ``step`` cells
        long, in the units of ``flow``. Default: the field's largest
        magnitude. Pass one value to several figures to compare them.
    step : int, optional
        One arrow every ``step`` cells in each direction; default such that
        about 16 arrows span the longer side.
    alpha : float, default=0.7
        Opacity of the colours over ``image``, in [0, 1] (1 without image).
    units : str, default="pixels per frame"
        The unit of ``flow``, written under the colour wheel.
    legend : bool, default=True
        Add the colour wheel (kind "hsv" or "both") beside the panel; it
        also states ``max_magnitude``.
    title : str, optional
        Panel title.
    output_file : str or os.PathLike, optional
        Save the figure there as PNG and PDF (see
        :func:`neurost.plotting.save_figure`).

    Returns
    -------
    figure : matplotlib.figure.Figure
    ax : matplotlib.axes.Axes
        The panel, in cell coordinates (x right, y down); the colour wheel
        is ``ax.child_axes[0]`` when drawn.

    Raises
    ------
    ValueError
        For a field not of shape (H, W, 2), NaN or infinite values, a bad
        ``kind``, ``max_magnitude``, ``step`` or ``alpha``.
    TypeError
        If ``image`` is not an image array.
    """
    if output_file is not None:
        figure_files(output_file)
    check_choice(kind, "kind", KINDS)
    flow = _check_flow(flow, "flow", 3, "(H, W, 2)")
    pixels = None if image is None else image_pixels(image, "image")
    magnitude = _max_magnitude(max_magnitude, [flow])
    step = _check_step(step, flow.shape[:2])
    alpha = check_number(alpha, "alpha", "opacity", low=0, high=1)
    legend = check_flag(legend, "legend")
    check_text(units, "units")
    check_text(title, "title")
    height, width = flow.shape[:2]
    figure, ax = plt.subplots(
        figsize=(_PANEL_WIDTH * 1.6, 1.6 * _PANEL_WIDTH * height / width),
        layout="constrained",
    )
    _draw_flow(ax, flow, pixels, kind, magnitude, step, alpha)
    if title:
        ax.set_title(title, fontsize=TITLE_SIZE)
    if legend and kind != "quiver":
        add_color_wheel(ax, magnitude, units)
    if output_file is not None:
        save_figure(figure, output_file)
    return figure, ax


def plot_flow_comparison(
    true_flow,
    decoded_flow,
    times=None,
    *,
    frame=0,
    t_r=None,
    kind="hsv",
    max_magnitude=None,
    step=None,
    units="grid cells per frame",
    title=None,
    output_file=None,
):
    """Draw true and decoded flow fields side by side, one column per time.

    The top row holds the true fields, the bottom row the decoded ones;
    all panels share one magnitude scale (one colour wheel), and each
    column's title gives the mean end-point error
    (:func:`neurost.metrics.endpoint_error`) of the field drawn.

    Parameters
    ----------
    true_flow, decoded_flow : array-like of shape (n, gh, gw, 2) or \
(n, frames_per_tr, gh, gw, 2)
        ``(dx, dy)`` per cell (``dy > 0`` downward), one field per sample,
        or :class:`neurost.features.OpticalFlow`'s layout with several frame
        pairs per TR, of which the one at index ``frame`` is drawn.
    times : sequence of int, optional
        The samples (TRs) drawn, one column each; default all of them up to
        6, else 6 evenly spaced.
    frame : int, default=0
        With 5-D input, the frame pair drawn for each TR (0: the first
        pair of the TR); ignored for 4-D input.
    t_r : float, optional
        Repetition time in seconds: columns are titled by time (``"12 s"``)
        rather than by index (``"TR 6"``).
    kind : {"hsv", "quiver", "both"}, default="hsv"
        As in :func:`plot_flow`.
    max_magnitude : float, optional
        The shared magnitude scale; default the largest magnitude among the
        fields drawn (true and decoded).
    step : int, optional
        As in :func:`plot_flow`.
    units : str, default="grid cells per frame"
        The unit of the fields and of the end-point error.
    title : str, optional
        Figure title.
    output_file : str or os.PathLike, optional
        Save the figure there as PNG and PDF.

    Returns
    -------
    figure : matplotlib.figure.Figure
    axes : numpy.ndarray of matplotlib.axes.Axes, shape (2, n_columns)
        Row 0 true, row 1 decoded; the colour wheel, when drawn, is
        ``axes[0, -1].child_axes[0]``.

    Raises
    ------
    ValueError
        For fields of different shapes or not of rank 4 or 5 with a last
        axis of 2, NaN or infinite values, ``times`` or ``frame`` out of
        range, a bad ``kind``, ``t_r``, ``max_magnitude`` or ``step``.
    """
    if output_file is not None:
        figure_files(output_file)
    check_choice(kind, "kind", KINDS)
    check_text(units, "units")
    check_text(title, "title")
    t_r = check_t_r(t_r)
    shape = "(n, gh, gw, 2) or (n, frames_per_tr, gh, gw, 2)"
    true = _check_flow(true_flow, "true_flow", (4, 5), shape)
    decoded = _check_flow(decoded_flow, "decoded_flow", (4, 5), shape)
    if true.shape != decoded.shape:
        raise ValueError(
            f"true_flow and decoded_flow must have the same shape; got "
            f"{true.shape} and {decoded.shape}."
        )
    if true.ndim == 5:
        frame = _check_frame(frame, true.shape[1])
        true, decoded = true[:, frame], decoded[:, frame]
    columns = _columns(times, len(true))
    drawn = [true[columns], decoded[columns]]
    magnitude = _max_magnitude(max_magnitude, drawn)
    step = _check_step(step, true.shape[1:3])
    height, width = true.shape[1:3]
    n_columns = len(columns)
    figure, axes = plt.subplots(
        2, n_columns, squeeze=False, layout="constrained",
        figsize=(
            _PANEL_WIDTH * n_columns + (1.4 if kind != "quiver" else 0.4),
            2 * (_PANEL_WIDTH * height / width + 0.35) + (0.3 if title else 0),
        ),
    )
    for column, index in enumerate(columns):
        for row, fields in enumerate((true, decoded)):
            _draw_flow(axes[row, column], fields[index], None, kind, magnitude, step, 1.0)
        error = endpoint_error(true[index], decoded[index])
        when = f"TR {index}" if t_r is None else f"{index * t_r:g} s"
        axes[0, column].set_title(f"{when}\nEPE {error:.3g}", fontsize=TITLE_SIZE)
    axes[0, 0].set_ylabel("true", fontsize=LABEL_SIZE)
    axes[1, 0].set_ylabel("decoded", fontsize=LABEL_SIZE)
    if kind != "quiver":
        add_color_wheel(axes[0, -1], magnitude, units)
    if title:
        figure.suptitle(title, fontsize=TITLE_SIZE)
    if output_file is not None:
        save_figure(figure, output_file)
    return figure, axes


def plot_motion_tuning_on_cortex(
    preferred_direction,
    atlas_or_mesh=None,
    *,
    speed=None,
    cmap="twilight",
    speed_cmap="viridis",
    speed_label="preferred speed",
    output_file=None,
    **cortex_kwargs,
):
    """Draw the preferred direction of motion (and speed) on the cortex.

    Directions are drawn with a cyclic colour map over 0-360 degrees, so
    that 359 and 1 degree look alike; each map is a
    :func:`plot_on_cortex` figure.

    Parameters
    ----------
    preferred_direction : dict, array-like, pandas.Series or SurfaceImage
        Degrees, 0 = rightward, 90 = upward on screen (any value, taken
        modulo 360), per vertex or per ROI as for :func:`plot_on_cortex`;
        NaN is not drawn (set it where the model predicts poorly; a
        ``threshold`` would hide directions near 0). For an encoding model on
        :class:`neurost.features.MotionEnergy` features, e.g. the
        ``preferred_direction`` of each target's largest-weight filter
        (``filters_["preferred_direction"]``), or the circular mean of the
        filters' directions weighted by their positive weights.
    atlas_or_mesh : optional
        As for :func:`plot_on_cortex`.
    speed : same layout as ``preferred_direction``, optional
        Preferred speed per vertex or ROI, drawn as a second figure; for
        motion-energy filters, ``temporal_freq / spatial_freq`` (image
        heights per second; oriented filters only).
    cmap : str or matplotlib.colors.Colormap, default="twilight"
        Cyclic colour map of the directions (``"twilight"``, ``"hsv"``...).
    speed_cmap : str or matplotlib.colors.Colormap, default="viridis"
        Colour map of the speeds.
    speed_label : str, default="preferred speed"
        The speed's quantity and unit for its colorbar, e.g. ``"preferred
        speed (image heights / s)"``.
    output_file : str or os.PathLike, optional
        Save the direction figure there (PNG and PDF), and the speed figure
        beside it with ``_speed`` added to the name.
    **cortex_kwargs
        Passed to :func:`plot_on_cortex` for both figures: ``rois``,
        ``hemispheres``, ``views``, ``surface``, ``title``, ``width``,
        ``dpi``.

    Returns
    -------
    dict of str to (matplotlib.figure.Figure, numpy.ndarray of Axes)
        ``"direction"``, and ``"speed"`` when ``speed`` is given: each
        figure and its panels as :func:`plot_on_cortex` returns them.

    Raises
    ------
    TypeError
        If ``preferred_direction`` does not hold numbers, or an argument
        reserved for the direction map (``vmin``, ``vmax``...) is given.
    ValueError
        As :func:`plot_on_cortex`, for values that do not fit the mesh.
    """
    reserved = {"vmin", "vmax", "symmetric", "threshold", "colorbar_label"}
    reserved &= set(cortex_kwargs)
    if reserved:
        raise TypeError(
            f"plot_motion_tuning_on_cortex sets {sorted(reserved)} itself "
            "(directions span 0-360 degrees); leave them out and set NaN where "
            "nothing should be drawn."
        )
    cmap = check_cmap(cmap)
    speed_cmap = check_cmap(speed_cmap, "speed_cmap")
    check_text(speed_label, "speed_label")
    outputs = {"direction": None, "speed": None}
    if output_file is not None:
        first = figure_files(output_file)[0]
        suffix = os.path.splitext(os.fspath(output_file))[1]
        suffix = suffix if suffix.lower() not in ("", ".png", ".pdf") else ""
        stem = first.with_suffix("")
        outputs["direction"] = f"{stem}{suffix}"
        outputs["speed"] = f"{stem}_speed{suffix}"
    if atlas_or_mesh is None and _is_surface_image(preferred_direction):
        atlas_or_mesh = preferred_direction.mesh
    directions = _wrap_degrees(preferred_direction)
    figures = {
        "direction": plot_on_cortex(
            directions, atlas_or_mesh, cmap=cmap, vmin=0.0, vmax=360.0,
            symmetric=False,
            colorbar_label="preferred direction (degrees; 0 right, 90 up)",
            output_file=None, **cortex_kwargs,
        )
    }
    figures["direction"][0].axes[-1].set_xticks(_DIRECTION_TICKS)
    if speed is not None:
        figures["speed"] = plot_on_cortex(
            speed, atlas_or_mesh, cmap=speed_cmap, colorbar_label=speed_label,
            output_file=None, **cortex_kwargs,
        )
    if output_file is not None:
        for name, (figure, _) in figures.items():
            save_figure(figure, outputs[name])
    return figures


def add_color_wheel(ax, max_magnitude, units="pixels per frame", *, size=0.32):
    """Add the colour-wheel legend of :func:`flow_to_rgb` beside ``ax``.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The panel; the wheel goes to its right, outside it.
    max_magnitude : float
        The magnitude at the wheel's rim (fully saturated), stated below it.
    units : str, default="pixels per frame"
    size : float, default=0.32
        Diameter of the wheel as a fraction of the panel's height.

    Returns
    -------
    matplotlib.axes.Axes
        The wheel's inset axes (``ax.child_axes``).

    Raises
    ------
    TypeError
        If ``ax`` is not 2-D matplotlib Axes or ``units`` not a string.
    ValueError
        If ``max_magnitude`` or ``size`` is not a positive number.
    """
    check_axes(ax)
    max_magnitude = check_number(
        max_magnitude, "max_magnitude", "the magnitude at the wheel's rim", low=0,
        low_open=True,
    )
    check_text(units, "units")
    size = check_number(
        size, "size", "diameter as a fraction of the panel's height", low=0,
        low_open=True,
    )
    half = _WHEEL_SIZE // 2
    y, x = np.mgrid[-half : half + 1, -half : half + 1] / half * max_magnitude
    disc = np.stack([x, y], axis=-1)
    rgba = np.ones((_WHEEL_SIZE, _WHEEL_SIZE, 4))
    rgba[..., :3] = _flow_rgb(disc, max_magnitude)
    rgba[..., 3] = np.hypot(x, y) <= max_magnitude
    inset = ax.inset_axes((1.04, 0.5 - size / 2, size, size))
    inset.imshow(rgba, extent=(-1, 1, 1, -1))
    inset.set_aspect("equal")
    inset.set_axis_off()
    for angle, label in ((0, "0°"), (90, "90°")):
        radians = math.radians(angle)
        inset.text(
            1.15 * math.cos(radians), -1.15 * math.sin(radians), label,
            ha="left" if angle == 0 else "center",
            va="center" if angle == 0 else "bottom", fontsize=TICK_SIZE,
        )
    inset.text(
        0, 1.2, f"rim: {max_magnitude:.3g}\n{units}", ha="center", va="top",
        fontsize=TICK_SIZE,
    )
    return inset


def _draw_flow(ax, flow, pixels, kind, max_magnitude, step, alpha):
    height, width = flow.shape[:2]
    extent = (-0.5, width - 0.5, height - 0.5, -0.5)
    if pixels is not None:
        ax.imshow(
            pixels, cmap="gray" if pixels.ndim == 2 else None, vmin=0, vmax=1,
            extent=extent, interpolation="antialiased",
        )
    if kind in ("hsv", "both"):
        ax.imshow(
            _flow_rgb(flow, max_magnitude), extent=extent,
            alpha=alpha if pixels is not None else 1.0, interpolation="nearest",
        )
    if kind in ("quiver", "both"):
        rows = np.arange(step // 2, height, step)
        cols = np.arange(step // 2, width, step)
        sampled = flow[np.ix_(rows, cols)]
        grid_x, grid_y = np.meshgrid(cols, rows)
        # In the panel y grows downward, like dy, so arrows point the way
        # the image content moves; max_magnitude spans step cells.
        ax.quiver(
            grid_x, grid_y, sampled[..., 0], sampled[..., 1], angles="xy",
            scale_units="xy", scale=max_magnitude / step, width=0.006,
            color="black" if kind == "both" or pixels is None else "white",
        )
    ax.set_xlim(extent[:2])
    ax.set_ylim(extent[2:])
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])


def _flow_rgb(flow, max_magnitude):
    dx, dy = flow[..., 0], flow[..., 1]
    hue = np.mod(np.arctan2(-dy, dx) / (2 * np.pi), 1.0)
    saturation = np.clip(np.hypot(dx, dy) / max_magnitude, 0.0, 1.0)
    return hsv_to_rgb(np.stack([hue, saturation, np.ones_like(hue)], axis=-1))


def _check_flow(flow, name, ndims, shape):
    try:
        array = np.asarray(flow, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(
            f"{name} must be a numeric array of shape {shape}; got {describe(flow)}."
        ) from None
    ndims = (ndims,) if isinstance(ndims, int) else ndims
    if array.ndim not in ndims or array.shape[-1] != 2 or 0 in array.shape:
        raise ValueError(
            f"{name} must have shape {shape}, (dx, dy) on the last axis; got "
            f"shape {array.shape}."
        )
    if not np.isfinite(array).all():
        raise ValueError(
            f"{name} contains {int((~np.isfinite(array)).sum())} NaN or infinite "
            "value(s); expected finite flow vectors."
        )
    return array


def _max_magnitude(max_magnitude, fields):
    if max_magnitude is None:
        largest = max(float(np.hypot(f[..., 0], f[..., 1]).max()) for f in fields)
        return largest or 1.0
    return check_number(
        max_magnitude, "max_magnitude", "in the units of the flow", low=0, low_open=True
    )


def _check_step(step, shape):
    if step is None:
        return max(1, max(shape) // _ARROWS_PER_SIDE)
    return check_positive_int(step, "step", "cells between arrows")


def _check_frame(frame, n_frames):
    if (
        not isinstance(frame, numbers.Integral)
        or isinstance(frame, bool)
        or not -n_frames <= frame < n_frames
    ):
        raise ValueError(
            f"frame must be the index of a frame pair of each TR (0 to "
            f"{n_frames - 1}); got {describe(frame)}."
        )
    return int(frame)


def _columns(times, n_samples):
    if times is None:
        if n_samples <= _MAX_COLUMNS:
            return list(range(n_samples))
        return [int(i) for i in np.linspace(0, n_samples - 1, _MAX_COLUMNS).round()]
    indices = np.atleast_1d(np.asarray(times))
    if (
        indices.ndim != 1
        or not len(indices)
        or not np.issubdtype(indices.dtype, np.integer)
        or (indices < 0).any()
        or (indices >= n_samples).any()
    ):
        raise ValueError(
            f"times must list sample indices from 0 to {n_samples - 1}; got "
            f"{describe(times)}."
        )
    return [int(i) for i in indices]


def _is_surface_image(values):
    return hasattr(values, "mesh") and hasattr(values, "data")


def _wrap_degrees(values):
    """``values`` modulo 360, in the layout given (NaN kept)."""
    if _is_surface_image(values):
        return {
            part: np.mod(np.asarray(data, dtype=float).ravel(), 360.0)
            for part, data in values.data.parts.items()
        }
    try:
        if isinstance(values, dict):
            return {
                key: np.mod(np.asarray(value, dtype=float), 360.0)
                for key, value in values.items()
            }
        if isinstance(values, pd.Series):
            return values.astype(float) % 360.0
        return np.mod(np.asarray(values, dtype=float), 360.0)
    except (TypeError, ValueError):
        raise TypeError(
            "preferred_direction must hold numbers (degrees); got "
            f"{describe(values)}."
        ) from None
