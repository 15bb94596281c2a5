"""Square matrices (ROI-by-ROI correlations...) with a diverging colour map."""

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .._utils.validation import check_choice, describe
from ._checks import check_axes, check_bounds, check_cmap, check_text
from ._save import figure_files, save_figure
from ._style import DIVERGING_CMAP, LABEL_SIZE, TICK_SIZE, TITLE_SIZE

TRIANGLES = ("full", "lower", "diag")
#: Linkage methods of the hierarchical clustering that ``reorder`` names.
REORDER_METHODS = ("single", "complete", "average")
#: Row and column names are written up to this many rows.
MAX_LABELS = 60


def plot_matrix(
    matrix,
    labels=None,
    *,
    groups=None,
    reorder=False,
    tri="full",
    cmap=DIVERGING_CMAP,
    vmin=None,
    vmax=None,
    colorbar_label=None,
    title=None,
    ax=None,
    output_file=None,
):
    """Draw a square matrix with a colour map centred at 0 and a colorbar.

    Drawn by :func:`nilearn.plotting.plot_matrix`, with a symmetric colour
    range that ignores a constant diagonal (the 1s of a correlation
    matrix), and optional grouping of the rows and columns (e.g. by
    network).

    Parameters
    ----------
    matrix : array-like of shape (n, n) or pandas.DataFrame
        The matrix; NaN cells are left blank.
    labels : sequence of str, optional
        The name of each row (and column); default the DataFrame's index.
        Written when there are at most 60 rows and no ``groups``.
    groups : sequence of str or dict, optional
        The group of each row (``atlas.table["network"]``), or
        ``{group: [labels]}`` (``atlas.groupings["network"]``, needs
        ``labels``). Rows and columns are sorted by group (groups in order
        of appearance, rows in their order within a group), separated by
        lines and named by group.
    reorder : bool or {"single", "complete", "average"}, default=False
        Order rows and columns by hierarchical clustering (nilearn's
        ``reorder``); needs ``labels``, not with ``groups``.
    tri : {"full", "lower", "diag"}, default="full"
        Draw the whole matrix, its lower triangle, or the lower triangle
        and the diagonal.
    cmap : str or matplotlib.colors.Colormap, default="RdBu_r"
        A diverging colour map suits signed values.
    vmin, vmax : float, optional
        Colour range; default ``-m`` to ``m`` with ``m`` the largest
        absolute value off a constant diagonal.
    colorbar_label : str, optional
        The quantity and its unit, e.g. ``"Pearson r"``.
    title : str, optional
        Axes title.
    ax : matplotlib.axes.Axes, optional
        Draw there; by default in a new figure.
    output_file : str or os.PathLike, optional
        Save the figure there as PNG and PDF (see
        :func:`neurost.plotting.save_figure`).

    Returns
    -------
    figure : matplotlib.figure.Figure
    ax : matplotlib.axes.Axes
        The matrix; its colorbar is ``figure.axes[-1]``.

    Raises
    ------
    ValueError
        For a matrix that is not square or holds infinite values, labels
        or groups of the wrong length, unknown labels in ``groups``,
        ``groups`` with ``reorder``, a bad ``reorder``, or ``vmin >= vmax``.
    TypeError
        For a matrix that does not hold numbers, an ``ax`` that is not 2-D
        matplotlib Axes or a ``cmap`` that is not a colour map.
    """
    from nilearn.plotting import plot_matrix as nilearn_plot_matrix

    if output_file is not None:
        figure_files(output_file)
    if ax is not None:
        check_axes(ax)
    cmap = check_cmap(cmap)
    vmin, vmax = check_bounds(vmin, vmax)
    check_text(colorbar_label, "colorbar_label")
    check_text(title, "title")
    if not isinstance(reorder, bool):
        check_choice(reorder, "reorder", (False, True, *REORDER_METHODS))
    if isinstance(matrix, pd.DataFrame) and labels is None:
        labels = [str(name) for name in matrix.index]
    values = _square(matrix)
    n = len(values)
    labels = None if labels is None else _names(labels, n, "labels")
    check_choice(tri, "tri", TRIANGLES)
    vmin, vmax = _range(values, vmin, vmax)
    if groups is not None:
        if reorder:
            raise ValueError(
                "groups= and reorder= both order the rows; pass only one."
            )
        order, boundaries, group_names = _group_order(groups, labels, n)
        values = values[np.ix_(order, order)]
    elif reorder and labels is None:
        raise ValueError(
            "reorder= needs labels= (or a DataFrame matrix) to show the new order."
        )
    legible = labels is not None and n <= MAX_LABELS
    new_figure = ax is None
    if new_figure:
        side = max(5.0, 0.13 * n + 2.5) if legible else 5.0
        figure, ax = plt.subplots(figsize=(side + 0.8, side))
    else:
        figure = ax.figure
    nilearn_plot_matrix(
        values,
        labels=labels if groups is None else None,
        axes=ax,
        cmap=cmap,
        vmin=vmin,
        vmax=vmax,
        tri=tri,
        reorder=reorder,
        auto_fit=new_figure and legible,
    )
    colorbar = ax.images[0].colorbar
    colorbar.ax.tick_params(labelsize=TICK_SIZE)
    if colorbar_label:
        colorbar.set_label(colorbar_label, fontsize=LABEL_SIZE)
    if groups is not None:
        _mark_groups(ax, boundaries, group_names, n, tri)
    elif not legible:
        ax.set_xticks([])
        ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=TITLE_SIZE)
    if output_file is not None:
        save_figure(figure, output_file)
    return figure, ax


def _square(matrix):
    try:
        values = np.asarray(matrix, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"matrix must hold numbers; got {describe(matrix)}.") from None
    if values.ndim != 2 or values.shape[0] != values.shape[1] or values.size == 0:
        raise ValueError(
            f"matrix must be square, shape (n, n) with n >= 1; got shape "
            f"{values.shape}."
        )
    if np.isinf(values).any():
        row, column = np.argwhere(np.isinf(values))[0]
        raise ValueError(
            f"matrix contains infinite values (first at [{row}, {column}]); "
            "expected finite values or NaN (left blank)."
        )
    return values


def _names(names, n, argument):
    if isinstance(names, str) or not hasattr(names, "__iter__"):
        raise TypeError(
            f"{argument} must be a sequence of names, one per row; got "
            f"{describe(names)}."
        )
    names = [str(name) for name in names]
    if len(names) != n:
        raise ValueError(
            f"{argument} must have one entry per row of the matrix ({n}); got "
            f"{len(names)}."
        )
    return names


def _range(values, vmin, vmax):
    """Colour range: symmetric about 0 unless both bounds are given."""
    if vmin is not None and vmax is not None:
        if vmin >= vmax:
            raise ValueError(f"vmin ({vmin}) must be smaller than vmax ({vmax}).")
        return vmin, vmax
    if vmin is None and vmax is None:
        shown = values
        diagonal = np.diag(values)
        if len(values) > 1 and np.allclose(diagonal, diagonal[0], equal_nan=True):
            shown = values[~np.eye(len(values), dtype=bool)]
        limit = float(np.nanmax(np.abs(shown))) if np.isfinite(shown).any() else 1.0
    else:
        limit = abs(vmax if vmin is None else vmin)
    limit = limit or 1.0
    return -limit, limit


def _group_order(groups, labels, n):
    """Row order, group boundaries (row positions) and group names."""
    if isinstance(groups, Mapping):
        if labels is None:
            raise ValueError(
                "groups given as {group: [labels]} needs labels= (or a "
                "DataFrame matrix) to find the rows."
            )
        group_of = {}
        for group, members in groups.items():
            members = [members] if isinstance(members, str) else members
            for member in members:
                check_choice(str(member), f"groups[{group!r}]", labels)
                group_of[str(member)] = str(group)
        missing = [label for label in labels if label not in group_of]
        if missing:
            raise ValueError(
                f"groups puts no group on {len(missing)} row(s), e.g. "
                f"{missing[:3]}; every row needs one."
            )
        row_groups = [group_of[label] for label in labels]
        group_names = [str(g) for g in groups if str(g) in set(row_groups)]
    else:
        row_groups = _names(groups, n, "groups")
        group_names = list(dict.fromkeys(row_groups))
    rank = {group: position for position, group in enumerate(group_names)}
    order = np.argsort([rank[g] for g in row_groups], kind="stable")
    sizes = np.array([row_groups.count(g) for g in group_names])
    boundaries = np.cumsum(sizes)
    return order, boundaries, group_names


def _mark_groups(ax, boundaries, group_names, n, tri):
    """Separate the groups by lines and name them at their centres."""
    edge = -0.5, n - 0.5
    for boundary in boundaries[:-1] - 0.5:
        # A triangle's lines stop at the diagonal.
        stop = boundary if tri != "full" else edge[1]
        ax.plot(edge[0:1] + (stop,), (boundary, boundary), color="k", linewidth=0.8)
        start = boundary if tri != "full" else edge[0]
        ax.plot((boundary, boundary), (start, edge[1]), color="k", linewidth=0.8)
    starts = np.concatenate([[0], boundaries[:-1]])
    centres = (starts + boundaries - 1) / 2
    ax.set_xticks(centres, group_names, rotation=45, ha="right", fontsize=TICK_SIZE)
    ax.set_yticks(centres, group_names, fontsize=TICK_SIZE)
    ax.set_xlim(-0.5, n - 0.5)
    ax.set_ylim(n - 0.5, -0.5)
