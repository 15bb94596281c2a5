"""Values and atlases drawn on the cortex: fsaverage5, fsLR-32k, FreeSurfer subjects or any mesh."""

import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import ListedColormap, Normalize, to_rgba
from matplotlib.patches import Patch

from .._utils.validation import check_choice, describe
from ..atlases import Atlas
from ..io.meshes import HEMISPHERES, check_hemispheres
from ._cortex_data import (
    atlas_codes,
    describe_rois,
    is_per_roi,
    load_mesh,
    resolve_target,
    sulcal_background,
    vertex_arrays,
)
from ._cortex_render import (
    COLORBAR_AREA,
    VIEWS,
    bottom_colorbar,
    flat_polygons,
    legend_height,
    panel_grid,
    render_3d,
)
from ._checks import check_bounds, check_cmap, check_dpi, check_flag, check_number, check_text
from ._save import figure_files, save_figure
from ._style import LABEL_SIZE, color_range, default_cmap, qualitative_colors

DEFAULT_VIEWS = ("lateral", "medial")
#: Width of one column of panels when ``width`` is not given, inches.
_COLUMN_WIDTH = 3.3
#: Grey level of meshes without a sulcal-depth map.
_PLAIN_BACKGROUND = 0.3
_MAX_LEGEND_ENTRIES = 24


def vertex_values(values, atlas_or_mesh=None, *, rois=None, subjects_dir=None):
    """Return the per-vertex values that :func:`plot_on_cortex` draws.

    Parameters
    ----------
    values, atlas_or_mesh, rois, subjects_dir
        As for :func:`plot_on_cortex`.

    Returns
    -------
    dict of str to numpy.ndarray of float64, shape (n_vertices,)
        One array per hemisphere of the mesh; NaN where nothing is drawn
        (outside the ROIs, or NaN in ``values``).

    Examples
    --------
    >>> from neurost.atlases import load_atlas
    >>> mmp = load_atlas("mmp1")
    >>> per_vertex = vertex_values({"L_V1_ROI": 0.4}, mmp)  # doctest: +SKIP
    >>> np.nanmax(per_vertex["left"])  # doctest: +SKIP
    0.4
    """
    target = resolve_target(atlas_or_mesh, values, subjects_dir)
    return vertex_arrays(values, target, rois)


def plot_on_cortex(
    values,
    atlas_or_mesh=None,
    *,
    rois=None,
    hemispheres=HEMISPHERES,
    views=None,
    surface=None,
    subjects_dir=None,
    cmap=None,
    vmin=None,
    vmax=None,
    symmetric=None,
    threshold=None,
    colorbar_label=None,
    title=None,
    width=None,
    dpi=200,
    output_file=None,
):
    """Draw per-vertex or per-ROI values on the cortex, with one colorbar.

    The figure has one panel per view (rows) and hemisphere (columns), the
    sulcal depth in grey underneath, and a shared horizontal colorbar.

    Parameters
    ----------
    values : dict, array-like, pandas.Series or nilearn.surface.SurfaceImage
        Per vertex: ``{"left": (n_left,), "right": (n_right,)}``, one
        array of shape (n_left + n_right,) with the left hemisphere first,
        or a SurfaceImage with one sample. Per ROI of the atlas
        ``atlas_or_mesh``: an array with one value per ROI (table order,
        or the order of ``atlas.resolve_rois(rois)``), or a Series/dict
        keyed by ROI name (or by label index, the table's ``index``); ROIs
        left out are not drawn. NaN is not drawn.
    atlas_or_mesh : None, SurfaceAtlas, str or nilearn.surface.PolyMesh, optional
        A surface atlas of :mod:`neurost.atlases` (needed for per-ROI
        values), a standard space shipped by installed packages
        (``"fsaverage5"``, ``"fsLR32k"``), the name of a subject of a local
        FreeSurfer subjects folder (``"fsaverage"``: the full-resolution
        template, 163,842 vertices per hemisphere; or any other subject,
        read from ``<subjects_dir>/<name>/surf/``), or a mesh. By default
        the space is inferred from the vertex counts of ``values`` (10,242
        per hemisphere: fsaverage5; 32,492: fsLR32k; 163,842: fsaverage,
        from ``subjects_dir``), or a SurfaceImage's own mesh is used.
        Nothing is downloaded.
    rois : optional
        An ROI selection of the atlas (see
        :meth:`neurost.atlases.Atlas.resolve_rois`): per-ROI values then
        follow its output ROIs (e.g. one value per group of
        ``"visual_streams"``); per-vertex values are drawn only inside it.
    hemispheres : str or sequence of {"left", "right"}, default=("left", "right")
        The columns of the figure, left hemisphere first.
    views : sequence of str, optional
        The rows: ``"lateral"``, ``"medial"``, ``"dorsal"``, ``"ventral"``,
        ``"anterior"``, ``"posterior"``. Default ``("lateral", "medial")``;
        flat maps have one view and refuse this argument.
    surface : str, optional
        The standard surface drawn: ``"inflated"`` (default), ``"pial"``,
        ``"white"``, ``"sphere"``, ``"flat"`` (a 2-D map of the cut
        cortex), and for fsLR32k ``"midthickness"``, ``"very_inflated"``.
        With a mesh of your own: None (3-D) or ``"flat"`` (its x and y).
        With a FreeSurfer subject, the file ``surf/{lh,rh}.<surface>``:
        ``"inflated"`` (default), ``"pial"``, ``"white"``, ``"sphere"``,
        ``"smoothwm"`` or ``"orig"``; its ``surf/{lh,rh}.sulc``, when
        present, shades the background.
    subjects_dir : str or os.PathLike, optional
        The FreeSurfer subjects folder of a subject ``atlas_or_mesh``;
        default the ``SUBJECTS_DIR`` environment variable.
    cmap : str or matplotlib.colors.Colormap, optional
        Default ``"RdBu_r"`` for signed data, ``"viridis"`` otherwise.
    vmin, vmax : float, optional
        Colour range; by default the data's range (symmetric for signed
        data).
    symmetric : bool, optional
        Centre the colour range at 0. Default: when the data hold both
        signs (each side beyond 1% of the largest absolute value).
    threshold : float, optional
        Values with ``abs(value) < threshold`` are not drawn.
    colorbar_label : str, optional
        The quantity and its unit, e.g. ``"Pearson r"``, ``"BOLD (% signal
        change)"``. Default: the name of a Series ``values``, if any.
    title : str, optional
        Figure title.
    width : float, optional
        Figure width in inches; default 3.3 per hemisphere. The height
        follows from the panels' shapes.
    dpi : float, default=200
        Resolution at which 3-D views are drawn (dots per inch of a 4-inch
        square); they are images inside the figure, vector text aside.
    output_file : str or os.PathLike, optional
        Save the figure there as PNG and PDF (see
        :func:`neurost.plotting.save_figure`).

    Returns
    -------
    figure : matplotlib.figure.Figure
    axes : numpy.ndarray of matplotlib.axes.Axes, shape (n_views, n_hemispheres)
        The panels (a flat map has one row). The colorbar is
        ``figure.axes[-1]``.

    Raises
    ------
    ValueError
        For values that do not match the mesh (naming the hemisphere and
        the vertex counts), unknown ROI names (with close matches), bad
        views, surfaces or colour ranges.
    TypeError
        For values that are not numbers, or an unsupported atlas_or_mesh.
    FileNotFoundError
        For a FreeSurfer subject or surface file that is not there (the
        message names where it looked).
    """
    if output_file is not None:
        figure_files(output_file)
    cmap = check_cmap(cmap)
    vmin, vmax = check_bounds(vmin, vmax)
    symmetric = check_flag(symmetric, "symmetric", allow_none=True)
    if threshold is not None:
        check_number(threshold, "threshold", "in the units of values", low=0)
    check_text(colorbar_label, "colorbar_label")
    _check_figure_arguments(title, width, dpi)
    target = resolve_target(atlas_or_mesh, values, subjects_dir, surface)
    per_roi = is_per_roi(values, target)
    per_vertex = vertex_arrays(values, target, rois)
    all_values = np.concatenate([per_vertex[p] for p in per_vertex])
    vmin, vmax, symmetric = color_range(all_values, "values", vmin, vmax, symmetric)
    coloring = {
        "cmap": default_cmap(cmap, symmetric),
        "vmin": vmin,
        "vmax": vmax,
        "threshold": threshold,
        "average": "median" if per_roi else "mean",
    }
    if colorbar_label is None and isinstance(getattr(values, "name", None), str):
        colorbar_label = values.name
    layout = {"hemispheres": hemispheres, "views": views, "surface": surface}
    figure, axes = _draw(
        per_vertex, target, coloring, layout, title, width, dpi, COLORBAR_AREA
    )
    finite = all_values[np.isfinite(all_values)]
    below, above = (finite < vmin).any(), (finite > vmax).any()
    extend = ("both" if above else "min") if below else ("max" if above else "neither")
    bottom_colorbar(
        figure,
        ScalarMappable(Normalize(vmin, vmax), coloring["cmap"]),
        colorbar_label,
        extend,
    )
    if output_file is not None:
        save_figure(figure, output_file)
    return figure, axes


def plot_atlas_on_cortex(
    atlas,
    rois=None,
    *,
    colors=None,
    legend=None,
    hemispheres=HEMISPHERES,
    views=None,
    surface=None,
    title=None,
    width=None,
    dpi=200,
    output_file=None,
):
    """Draw the ROIs of a surface atlas on the cortex, one colour per ROI.

    Parameters
    ----------
    atlas : SurfaceAtlas
        A surface atlas of :mod:`neurost.atlases` (``load_atlas("mmp1")``,
        ``load_atlas("yeo7")``, ``Atlas.from_arrays(...)``).
    rois : optional
        The ROIs to draw (see :meth:`neurost.atlases.Atlas.resolve_rois`):
        all by default; a grouping (``"visual_streams"``) draws one colour
        per group.
    colors : dict or sequence, optional
        Colours (any matplotlib colour) per output ROI: a dict keyed by
        name or a sequence in output order. By default the atlas table's
        ``color`` column when every output ROI is one atlas ROI with a
        colour, otherwise a qualitative palette (``tab10``/``tab20``).
    legend : bool, optional
        Name the colours below the panels; default when there are at most
        24 output ROIs.
    hemispheres, views, surface, title, width, dpi, output_file
        As for :func:`plot_on_cortex`.

    Returns
    -------
    figure : matplotlib.figure.Figure
    axes : numpy.ndarray of matplotlib.axes.Axes, shape (n_views, n_hemispheres)
        The panels; the legend, if any, is ``figure.legends[0]``.
    """
    if output_file is not None:
        figure_files(output_file)
    if not isinstance(atlas, Atlas):
        raise TypeError(
            f"atlas must be a surface atlas of neurost.atlases (load_atlas, "
            f"Atlas.from_arrays); got {describe(atlas)}."
        )
    legend = check_flag(legend, "legend", allow_none=True)
    _check_figure_arguments(title, width, dpi)
    target = resolve_target(atlas, None)
    codes, selection = atlas_codes(atlas, rois)
    names = list(selection)
    palette = _roi_colors(atlas, selection, colors)
    per_vertex = {part: np.where(c >= 0, c, np.nan) for part, c in codes.items()}
    coloring = {
        "cmap": ListedColormap(palette),
        "vmin": -0.5,
        "vmax": len(names) - 0.5,
        "threshold": None,
        "average": "median",
    }
    if legend is None:
        legend = len(names) <= _MAX_LEGEND_ENTRIES
    n_legend_columns = min(len(names), 6)
    bottom = legend_height(len(names), n_legend_columns) if legend else 0.05
    layout = {"hemispheres": hemispheres, "views": views, "surface": surface}
    figure, axes = _draw(
        per_vertex, target, coloring, layout, title, width, dpi, bottom
    )
    if legend:
        handles = [Patch(facecolor=c, edgecolor="none") for c in palette]
        figure.legend(
            handles, names, loc="lower center", ncol=n_legend_columns,
            frameon=False, fontsize=LABEL_SIZE - 1, handlelength=1.0,
            columnspacing=1.0, borderaxespad=0.2,
        )
    if output_file is not None:
        save_figure(figure, output_file)
    return figure, axes


def _roi_colors(atlas, selection, colors):
    """RGBA colour of each output ROI."""
    names = list(selection)
    if colors is not None:
        if isinstance(colors, dict):
            unknown = [key for key in colors if key not in names]
            if unknown:
                raise ValueError(
                    f"colors: {unknown[0]!r} is not an ROI drawn "
                    f"({describe_rois(names)})."
                )
            missing = [name for name in names if name not in colors]
            if missing:
                raise ValueError(
                    f"colors has no colour for {missing[:5]}"
                    f"{' ...' if len(missing) > 5 else ''}; give one per ROI."
                )
            colors = [colors[name] for name in names]
        if isinstance(colors, str) or not hasattr(colors, "__iter__"):
            raise TypeError(
                "colors must be a dict {ROI: colour} or a sequence of colours, "
                f"one per ROI drawn; got {describe(colors)}."
            )
        colors = list(colors)
        if len(colors) != len(names):
            raise ValueError(
                f"colors must give one colour per ROI drawn ({len(names)}); got "
                f"{len(colors)}."
            )
        try:
            return np.array([to_rgba(color) for color in colors])
        except (TypeError, ValueError):
            raise ValueError(
                f"colors must be matplotlib colours; got {describe(colors)}."
            ) from None
    table = atlas.table
    single = all(len(members) == 1 for members in selection.values())
    if single and "color" in table and table["color"].notna().all():
        color_of = dict(zip(table["index"], table["color"]))
        return np.array([to_rgba(color_of[m[0]]) for m in selection.values()])
    return qualitative_colors(len(names))


def _names(value, name):
    """``value`` (one name or a sequence of names) as a tuple."""
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, (list, tuple)):
        raise TypeError(
            f"{name} must be a name or a list of names; got {describe(value)}."
        )
    return tuple(value)


def _check_layout(hemispheres, views, surface, available):
    hemispheres = check_hemispheres(hemispheres)
    for hemisphere in hemispheres:
        if hemisphere not in available:
            raise ValueError(
                f"hemispheres: the data have no {hemisphere} hemisphere (only "
                f"{available}); pass hemispheres={tuple(available)}."
            )
    if surface == "flat":
        if views is not None:
            raise ValueError(
                "views= does not apply to flat maps (surface='flat'), which "
                "have a single view; leave it out."
            )
        return hemispheres, (None,)
    views = _names(DEFAULT_VIEWS if views is None else views, "views")
    if not views:
        raise ValueError("views must name at least one view.")
    for view in views:
        check_choice(view, "views", VIEWS)
    return hemispheres, views


def _check_figure_arguments(title, width, dpi):
    check_text(title, "title")
    if width is not None:
        check_number(width, "width", "inches", low=0, low_open=True)
    check_dpi(dpi)


def _draw(per_vertex, target, coloring, layout, title, width, dpi, bottom):
    """Draw every panel; return the figure and the panels' axes."""
    hemispheres, views = _check_layout(
        layout["hemispheres"], layout["views"], layout["surface"], list(per_vertex)
    )
    mesh = load_mesh(target, layout["surface"])
    if target["space"] is not None:
        background = sulcal_background(target["space"])
    elif target["background"] is not None:
        background = target["background"]
    else:
        background = {
            part: np.full(n, _PLAIN_BACKGROUND) for part, n in target["sizes"].items()
        }
    width = _COLUMN_WIDTH * len(hemispheres) if width is None else width
    grid = {
        "width": width,
        "title": title,
        "column_titles": [f"{h.capitalize()} hemisphere" for h in hemispheres],
        "bottom": bottom,
    }
    if layout["surface"] == "flat":
        drawn = [
            flat_polygons(mesh.parts[h], per_vertex[h], background[h], coloring)
            for h in hemispheres
        ]
        figure, axes = panel_grid([[extent for _, extent in drawn]], **grid)
        for ax, (collection, _) in zip(axes[0], drawn):
            ax.add_collection(collection)
        return figure, axes
    images = [
        [
            render_3d(
                mesh.parts[h], per_vertex[h], background[h], h, view, coloring, dpi
            )
            for h in hemispheres
        ]
        for view in views
    ]
    extents = [[(0, im.shape[1], 0, im.shape[0]) for im in row] for row in images]
    figure, axes = panel_grid(extents, **grid)
    for ax, image, extent in zip(axes.flat, sum(images, []), sum(extents, [])):
        limits = ax.get_xlim(), ax.get_ylim()
        ax.imshow(image, extent=extent, interpolation="antialiased")
        ax.set_xlim(limits[0])
        ax.set_ylim(limits[1])
    return figure, axes
