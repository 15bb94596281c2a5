"""Scores per ROI: bars with confidence intervals and the noise ceiling."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .._utils.validation import check_fraction, describe
from ._checks import check_axes, check_text
from ._save import figure_files, save_figure
from ._style import LABEL_SIZE, TICK_SIZE, TITLE_SIZE, qualitative_colors

#: The columns of an ROI score table (``low`` and ``high`` optional).
SCORE_COLUMNS = ("score", "low", "high")


def plot_roi_scores(
    scores,
    *,
    noise_ceiling=None,
    ylabel="Pearson r",
    confidence=None,
    title=None,
    ax=None,
    output_file=None,
):
    """Draw one bar per ROI (and model), with confidence intervals and the noise ceiling.

    Parameters
    ----------
    scores : pandas.DataFrame or dict of str to pandas.DataFrame
        An ROI table such as the ``rois`` of
        :func:`neurost.stats.bootstrap_scores`: one row per ROI (the index,
        or a column ``roi``) with a column ``score`` and, for error bars,
        ``low`` and ``high`` (the interval's bounds, in score units). A
        dict of such tables, keyed by model name, draws grouped bars, one
        colour per model, on the ROIs of the first table.
    noise_ceiling : pandas.Series, dict or array-like, optional
        The noise ceiling of each ROI, drawn as a grey line across its
        bars (by ROI name; an array follows the first table's order); NaN
        draws none. A table's own ``noise_ceiling`` column is used when
        this is None.
    ylabel : str, default="Pearson r"
        The score's name and unit.
    confidence : float, optional
        The intervals' level (e.g. 0.95), named in the legend.
    title : str, optional
    ax : matplotlib.axes.Axes, optional
        Draw there; by default a new figure.
    output_file : str or os.PathLike, optional
        Save the figure there as PNG and PDF (see
        :func:`neurost.plotting.save_figure`).

    Returns
    -------
    figure : matplotlib.figure.Figure
    ax : matplotlib.axes.Axes

    Raises
    ------
    TypeError
        If ``scores`` is not a table or a dict of tables, or if its
        ``score``, ``low`` or ``high`` column holds anything but numbers.
    ValueError
        If a table has no ``score`` column, a ``low`` without ``high``,
        an ROI in several rows, an interval that does not contain its
        score, ROIs the first table lacks, or ``noise_ceiling`` of the
        wrong length or unknown ROIs.

    Examples
    --------
    >>> result = bootstrap_scores(Y_test, Y_pred, roi_labels=labels)  # doctest: +SKIP
    >>> plot_roi_scores(result.rois, noise_ceiling=ceiling, confidence=0.95)  # doctest: +SKIP
    """
    if output_file is not None:
        figure_files(output_file)
    if ax is not None:
        check_axes(ax)
    check_text(ylabel, "ylabel")
    check_text(title, "title")
    tables = _tables({ylabel: scores} if isinstance(scores, pd.DataFrame) else scores)
    rois = list(next(iter(tables.values())).index)
    for name, table in tables.items():
        extra = [roi for roi in table.index if roi not in rois]
        if extra:
            raise ValueError(
                f"scores: the table of {name!r} has ROIs {extra[:5]} that the first "
                f"table lacks; its ROIs are {rois[:10]}."
            )
    ceiling = _ceiling(noise_ceiling, tables, rois)
    if confidence is not None:
        confidence = check_fraction(confidence, "confidence", "a level such as 0.95")
    if ax is None:
        width = min(12.0, max(3.5, 0.45 * len(rois) * max(1, len(tables)) + 1.5))
        figure, ax = plt.subplots(figsize=(width, 3.2), layout="constrained")
    else:
        figure = ax.figure
    positions = np.arange(len(rois), dtype=float)
    bar_width = 0.8 / len(tables)
    colors = qualitative_colors(len(tables))
    for index, (name, table) in enumerate(tables.items()):
        table = table.reindex(rois)
        offsets = positions - 0.4 + bar_width * (index + 0.5)
        error = None
        if "low" in table.columns:
            error = np.vstack([table["score"] - table["low"], table["high"] - table["score"]])
        ax.bar(offsets, table["score"], width=bar_width * 0.92, color=colors[index],
               yerr=error, capsize=2, error_kw={"linewidth": 0.8}, label=name)
    if ceiling is not None:
        ax.hlines(ceiling, positions - 0.45, positions + 0.45, colors="0.35",
                  linestyles="--", linewidth=1.2, label="noise ceiling")
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_xticks(positions, [str(roi) for roi in rois], rotation=45 if len(rois) > 6 else 0,
                  ha="right" if len(rois) > 6 else "center", fontsize=TICK_SIZE)
    ax.set_ylabel(ylabel, fontsize=LABEL_SIZE)
    ax.tick_params(axis="y", labelsize=TICK_SIZE)
    ax.spines[["top", "right"]].set_visible(False)
    if len(tables) > 1 or ceiling is not None or confidence is not None:
        handles, labels = ax.get_legend_handles_labels()
        if confidence is not None and any("low" in t.columns for t in tables.values()):
            labels = [f"{label} ({confidence:.0%} CI)" if label in tables else label
                      for label in labels]
        if len(tables) == 1 and confidence is None:  # the ceiling alone needs a key
            handles, labels = zip(*[(h, t) for h, t in zip(handles, labels)
                                    if t == "noise ceiling"])
        ax.legend(handles, labels, fontsize=TICK_SIZE, frameon=False, loc="upper left",
                  bbox_to_anchor=(1.0, 1.0))
    if title:
        ax.set_title(title, fontsize=TITLE_SIZE)
    if output_file is not None:
        save_figure(figure, output_file)
    return figure, ax


def _tables(scores):
    if not isinstance(scores, dict) or not scores or not all(
        isinstance(t, pd.DataFrame) for t in scores.values()
    ):
        raise TypeError(
            "scores must be a table (pandas.DataFrame) with a 'score' column, or a "
            f"dict of them keyed by model; got {describe(scores)}."
        )
    tables = {}
    for name, table in scores.items():
        if "roi" in table.columns:
            table = table.set_index("roi")
        if "score" not in table.columns:
            raise ValueError(
                f"scores: the table of {name!r} has no 'score' column; its columns are "
                f"{list(table.columns)}."
            )
        if ("low" in table.columns) != ("high" in table.columns):
            raise ValueError(f"scores: the table of {name!r} has one of 'low' and 'high' "
                             "but not the other.")
        repeated = table.index[table.index.duplicated()]
        if len(repeated):
            raise ValueError(
                f"scores: the table of {name!r} has several rows for ROI {repeated[0]!r}; "
                "expected one row per ROI."
            )
        for column in SCORE_COLUMNS:
            if column in table.columns and not pd.api.types.is_numeric_dtype(table[column]):
                raise TypeError(
                    f"scores: the {column!r} column of the table of {name!r} must hold "
                    f"numbers; got dtype {table[column].dtype}."
                )
        if "low" in table.columns:
            bounds = table[["low", "score", "high"]].to_numpy(dtype=float)
            outside = ~((bounds[:, 0] <= bounds[:, 1]) & (bounds[:, 1] <= bounds[:, 2]))
            outside &= ~np.isnan(bounds).any(axis=1)
            if outside.any():
                roi = table.index[int(np.argmax(outside))]
                raise ValueError(
                    f"scores: in the table of {name!r}, the interval [low, high] of ROI "
                    f"{roi!r} does not contain its score."
                )
        tables[str(name)] = table
    return tables


def _ceiling(noise_ceiling, tables, rois):
    first = next(iter(tables.values()))
    if noise_ceiling is None:
        if "noise_ceiling" not in first.columns:
            return None
        noise_ceiling = first["noise_ceiling"]
    if isinstance(noise_ceiling, dict):
        noise_ceiling = pd.Series(noise_ceiling)
    if isinstance(noise_ceiling, pd.Series):
        unknown = [roi for roi in noise_ceiling.index if roi not in rois]
        if unknown:
            raise ValueError(
                f"noise_ceiling names ROIs {unknown[:5]} that the scores lack; their ROIs "
                f"are {rois[:10]}."
            )
        noise_ceiling = noise_ceiling.reindex(rois)
    try:
        values = np.asarray(noise_ceiling, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(
            "noise_ceiling must hold numbers (a Series or dict by ROI, or an array); got "
            f"{describe(noise_ceiling)}."
        ) from None
    if values.shape != (len(rois),):
        raise ValueError(
            f"noise_ceiling must have one value per ROI ({len(rois)}); got shape "
            f"{values.shape}."
        )
    return values
