"""ROI time series: stacked traces for a few ROIs, a carpet for many."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .._utils.validation import check_choice, check_t_r, describe
from ._checks import check_axes, check_flag, check_labels, check_text
from ._save import figure_files, save_figure
from ._style import (
    LABEL_SIZE,
    TICK_SIZE,
    TITLE_SIZE,
    color_range,
    default_cmap,
    qualitative_colors,
)

KINDS = ("auto", "lines", "carpet")
#: ``kind="auto"`` draws traces up to this many ROIs, a carpet beyond.
MAX_TRACES = 10
#: ROI names are written beside a carpet up to this many ROIs.
_MAX_CARPET_LABELS = 40


def plot_timeseries(
    data,
    t_r=None,
    labels=None,
    *,
    kind="auto",
    units=None,
    standardize=False,
    title=None,
    ax=None,
    output_file=None,
):
    """Draw ROI time series as stacked traces or as a carpet.

    Parameters
    ----------
    data : array-like of shape (n_frames,) or (n_frames, n_rois), or pandas.DataFrame
        One column per ROI (a DataFrame's columns name the ROIs). NaN
        leaves a gap.
    t_r : float, optional
        Repetition time in seconds: the time axis is then in seconds
        (frame ``i`` at ``i * t_r``), otherwise in frames.
    labels : sequence of str, optional
        One name per ROI; default the DataFrame's columns, or
        ``"ROI 1"``, ``"ROI 2"``...
    kind : {"auto", "lines", "carpet"}, default="auto"
        ``"lines"``: one trace per ROI, offset vertically, with a scale
        bar; ``"carpet"``: an ROI x time heat map with a colorbar;
        ``"auto"``: lines up to 10 ROIs, a carpet beyond.
    units : str, optional
        The signal's unit (``"% signal change"``, ``"a.u."``), used in the
        y label, the scale bar and the colorbar.
    standardize : bool, default=False
        Z-score each ROI over time first (the unit becomes ``"z"``).
    title : str, optional
        Axes title.
    ax : matplotlib.axes.Axes, optional
        Draw there; by default a new figure of 7 inches wide.
    output_file : str or os.PathLike, optional
        Save the figure there as PNG and PDF (see
        :func:`neurost.plotting.save_figure`).

    Returns
    -------
    figure : matplotlib.figure.Figure
    ax : matplotlib.axes.Axes
        The traces or the carpet; a carpet's colorbar is
        ``figure.axes[-1]``.

    Raises
    ------
    ValueError
        For data that are not 1-D or 2-D, hold infinite values or have no
        frames, labels of the wrong length, or a non-positive ``t_r``.
    TypeError
        For data that do not hold numbers, or an ``ax`` that is not 2-D
        matplotlib Axes.
    """
    if output_file is not None:
        figure_files(output_file)
    if ax is not None:
        check_axes(ax)
    t_r = check_t_r(t_r)
    standardize = check_flag(standardize, "standardize")
    check_text(units, "units")
    check_text(title, "title")
    if isinstance(data, pd.DataFrame) and labels is None:
        labels = [str(column) for column in data.columns]
    signals = _signals(data)
    n_frames, n_rois = signals.shape
    labels = check_labels(labels, n_rois, "labels", f"the {n_rois} ROIs (columns of data)", "ROI")
    check_choice(kind, "kind", KINDS)
    if kind == "auto":
        kind = "lines" if n_rois <= MAX_TRACES else "carpet"
    if standardize:
        signals = _zscore(signals)
        units = "z"
    times, time_label = _time_axis(n_frames, t_r)
    if ax is None:
        height = (
            max(2.2, 0.45 * n_rois + 1.0) if kind == "lines"
            else min(6.0, max(2.5, 0.14 * n_rois + 1.2))
        )
        figure, ax = plt.subplots(figsize=(7.0, height), layout="constrained")
    else:
        figure = ax.figure
    if kind == "lines":
        _draw_lines(ax, times, signals, labels, units)
    else:
        _draw_carpet(figure, ax, times, signals, labels, units)
    ax.set_xlabel(time_label, fontsize=LABEL_SIZE)
    ax.tick_params(labelsize=TICK_SIZE)
    if title:
        ax.set_title(title, fontsize=TITLE_SIZE)
    if output_file is not None:
        save_figure(figure, output_file)
    return figure, ax


def _signals(data):
    try:
        signals = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"data must hold numbers; got {describe(data)}.") from None
    if signals.ndim == 1:
        signals = signals[:, np.newaxis]
    if signals.ndim != 2 or signals.shape[0] == 0 or signals.shape[1] == 0:
        raise ValueError(
            "data must be (n_frames,) or (n_frames, n_rois) with at least one "
            f"frame and ROI; got shape {signals.shape}."
        )
    if not np.isfinite(signals).any():
        raise ValueError("data holds no finite value to draw.")
    if np.isinf(signals).any():
        frame, roi = np.argwhere(np.isinf(signals))[0]
        raise ValueError(
            f"data contains infinite values (first at frame {frame}, ROI {roi}); "
            "expected finite values or NaN (a gap)."
        )
    return signals


def _zscore(signals):
    mean = np.nanmean(signals, axis=0)
    std = np.nanstd(signals, axis=0)
    return (signals - mean) / np.where(std > 0, std, 1.0)


def _time_axis(n_frames, t_r):
    if t_r is None:
        return np.arange(n_frames, dtype=float), "Frame"
    return np.arange(n_frames) * t_r, "Time (s)"


def _nice_length(value):
    """The largest 1, 2 or 5 times a power of ten not above ``value``."""
    power = 10.0 ** np.floor(np.log10(value))
    return max(step * power for step in (1, 2, 5) if step * power <= value)


def _draw_lines(ax, times, signals, labels, units):
    n_rois = signals.shape[1]
    centred = signals - np.nanmedian(signals, axis=0)
    if n_rois == 1:
        ax.plot(times, signals[:, 0], color="k", linewidth=0.9)
        ylabel = f"{labels[0]} ({units})" if units else labels[0]
        ax.set_ylabel(ylabel, fontsize=LABEL_SIZE)
        ax.set_xlim(times[0], times[-1])
        ax.spines[["top", "right"]].set_visible(False)
        return
    low, high = np.nanpercentile(centred, [0.5, 99.5], axis=0)
    spacing = float(np.nanmax(high - low)) * 1.1 or 1.0
    offsets = -spacing * np.arange(n_rois)
    for column, (offset, color) in enumerate(zip(offsets, qualitative_colors(n_rois))):
        ax.plot(times, centred[:, column] + offset, color=color, linewidth=0.8)
    ax.set_yticks(offsets, labels)
    ax.spines[["top", "right", "left"]].set_visible(False)
    ax.tick_params(axis="y", length=0)
    span = times[-1] - times[0] or 1.0
    ax.set_xlim(times[0], times[-1] + 0.06 * span)
    # A vertical scale bar at the right end gives the traces' amplitude.
    bar = _nice_length(spacing / 2)
    x = times[-1] + 0.03 * span
    ax.plot([x, x], [offsets[-1], offsets[-1] + bar], color="k", linewidth=1.5)
    ax.annotate(
        f"{bar:g}" + (f" {units}" if units else ""),
        (x, offsets[-1] + bar / 2), xytext=(3, 0), textcoords="offset points",
        va="center", ha="left", fontsize=TICK_SIZE,
    )


def _draw_carpet(figure, ax, times, signals, labels, units):
    n_rois = signals.shape[1]
    vmin, vmax, symmetric = color_range(signals, "data")
    step = times[1] - times[0] if len(times) > 1 else 1.0
    image = ax.imshow(
        signals.T,
        aspect="auto",
        interpolation="nearest",
        cmap=default_cmap(None, symmetric),
        vmin=vmin,
        vmax=vmax,
        extent=(times[0] - step / 2, times[-1] + step / 2, n_rois - 0.5, -0.5),
    )
    if n_rois <= _MAX_CARPET_LABELS:
        ax.set_yticks(np.arange(n_rois), labels, fontsize=TICK_SIZE - 1)
    else:
        ax.set_ylabel("ROI", fontsize=LABEL_SIZE)
    colorbar = figure.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
    colorbar.ax.tick_params(labelsize=TICK_SIZE)
    if units:
        colorbar.set_label(units, fontsize=LABEL_SIZE)
