"""Drawing cortical panels and laying them out in one figure.

3-D views are drawn by nilearn's ``plot_surf`` (matplotlib engine) in an
off-screen figure, cropped to the brain and placed as an image: the panels
then sit tight against each other whatever the view (matplotlib keeps 3-D
axes square), and saving stays fast (as vector polygons, one fsLR-32k
hemisphere takes about 3 s and 1.7 MB of PDF). Flat maps are drawn directly
as 2-D polygons, rasterised in vector files.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

from ._style import LABEL_SIZE, TICK_SIZE, TITLE_SIZE

VIEWS = ("lateral", "medial", "dorsal", "ventral", "anterior", "posterior")
#: Side of the square off-screen figure in which a 3-D view is drawn, inches.
_RENDER_INCHES = 4.0
#: Layout of the figure, inches.
_GAP = 0.04
_COLUMN_TITLE = 0.22
_TITLE = 0.32
#: Height below the panels taken by a colorbar, inches.
COLORBAR_AREA = 0.72
_LEGEND_ROW = 0.19


def face_values(values, faces, average):
    """One value per triangle: the mean or the median of its vertices' values.

    The median of three ROI values or labels is one of them, so that a
    triangle on an ROI border takes the value of one of its ROIs rather
    than a blend.
    """
    corners = values[faces]
    return np.median(corners, axis=1) if average == "median" else corners.mean(axis=1)


def face_colors(values, faces, background, coloring):
    """RGBA colour of each triangle: the data's colour over the background.

    Parameters
    ----------
    values : numpy.ndarray of shape (n_vertices,)
        NaN where nothing is drawn.
    faces : numpy.ndarray of shape (n_faces, 3)
    background : numpy.ndarray of shape (n_vertices,)
        Grey levels in [0, 1] (0 = white).
    coloring : dict
        ``cmap``, ``vmin``, ``vmax``, ``threshold`` and ``average``
        (``"mean"`` or ``"median"``, see :func:`face_values`).

    Returns
    -------
    numpy.ndarray of shape (n_faces, 4)
    """
    colors = plt.get_cmap("gray_r")(background[faces].mean(axis=1))
    per_face = face_values(values, faces, coloring["average"])
    shown = np.isfinite(per_face)
    if coloring["threshold"] is not None:
        shown &= np.abs(np.nan_to_num(per_face)) >= coloring["threshold"]
    span = coloring["vmax"] - coloring["vmin"]
    colors[shown] = coloring["cmap"]((per_face[shown] - coloring["vmin"]) / span)
    return colors


def render_3d(mesh, values, background, hemisphere, view, coloring, dpi):
    """Draw one hemisphere from one viewpoint with nilearn; return the image.

    Parameters
    ----------
    mesh : nilearn.surface.InMemoryMesh
        One hemisphere.
    values, background : numpy.ndarray of shape (n_vertices,)
        As for :func:`face_colors`.
    hemisphere : {"left", "right"}
    view : str
        One of :data:`VIEWS`.
    coloring : dict
        As for :func:`face_colors`.
    dpi : float
        Resolution of the off-screen drawing.

    Returns
    -------
    numpy.ndarray of shape (height, width, 4), uint8
        RGBA, cropped to the brain, transparent around it.
    """
    from nilearn.plotting import plot_surf

    figure = Figure(
        figsize=(_RENDER_INCHES, _RENDER_INCHES), dpi=dpi, facecolor="none"
    )
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0, 0, 1, 1), projection="3d")
    plot_surf(
        surf_mesh=mesh,
        surf_map=values,
        bg_map=background,
        hemi=hemisphere,
        view=view,
        cmap=coloring["cmap"],
        vmin=coloring["vmin"],
        vmax=coloring["vmax"],
        threshold=coloring["threshold"],
        avg_method=coloring["average"],
        colorbar=False,
        axes=axes,
        figure=figure,
    )
    axes.set_facecolor("none")
    figure.canvas.draw()
    image = np.asarray(figure.canvas.buffer_rgba())
    rows = np.flatnonzero(image[..., 3].any(axis=1))
    columns = np.flatnonzero(image[..., 3].any(axis=0))
    return image[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1].copy()


def flat_polygons(mesh, values, background, coloring):
    """The triangles of a flat mesh as a rasterised 2-D collection.

    Parameters
    ----------
    mesh : nilearn.surface.InMemoryMesh
        A flat hemisphere: the x and y coordinates (mm) are drawn.
    values, background, coloring
        As for :func:`face_colors`.

    Returns
    -------
    collection : matplotlib.collections.PolyCollection
    extent : tuple of float
        ``(x_min, x_max, y_min, y_max)`` of the drawn vertices, mm.
    """
    faces = np.asarray(mesh.faces)
    xy = np.asarray(mesh.coordinates)[:, :2]
    colors = face_colors(values, faces, background, coloring)
    # Edges in the faces' colours hide the hairline seams of antialiasing.
    collection = PolyCollection(
        xy[faces], facecolors=colors, edgecolors=colors, linewidths=0.3,
        rasterized=True,
    )
    drawn = xy[np.unique(faces)]
    (x_min, y_min), (x_max, y_max) = drawn.min(axis=0), drawn.max(axis=0)
    return collection, (x_min, x_max, y_min, y_max)


def panel_grid(extents, *, width, title, column_titles, bottom):
    """A figure with one axes per panel, the panels at one common scale.

    Parameters
    ----------
    extents : list of list of tuple
        ``extents[row][column] = (x_min, x_max, y_min, y_max)`` of each
        panel's content, in units shared by all panels (pixels or mm).
    width : float
        Figure width, inches.
    title : str or None
        Figure title.
    column_titles : list of str
        One per column, above the top row.
    bottom : float
        Height left free below the panels (colorbar or legend), inches.

    Returns
    -------
    figure : matplotlib.figure.Figure
    axes : numpy.ndarray of matplotlib.axes.Axes, shape (n_rows, n_columns)
        Axis-less, with limits centred on each panel's content.
    """
    n_rows, n_columns = len(extents), len(extents[0])
    spans = np.array([[(e[1] - e[0], e[3] - e[2]) for e in row] for row in extents])
    column_widths = spans[..., 0].max(axis=0)
    row_heights = spans[..., 1].max(axis=1)
    scale = (width - _GAP * (n_columns + 1)) / column_widths.sum()
    top = _COLUMN_TITLE + (_TITLE if title else 0.0)
    height = top + scale * row_heights.sum() + _GAP * (n_rows - 1) + bottom
    figure = plt.figure(figsize=(width, height))
    axes = np.empty((n_rows, n_columns), dtype=object)
    y = height - top
    for row in range(n_rows):
        y -= scale * row_heights[row]
        x = _GAP
        for column in range(n_columns):
            cell = (column_widths[column], row_heights[row])
            size = (scale * cell[0] / width, scale * cell[1] / height)
            ax = figure.add_axes((x / width, y / height, *size))
            ax.set_axis_off()
            x_min, x_max, y_min, y_max = extents[row][column]
            ax.set_xlim((x_min + x_max - cell[0]) / 2, (x_min + x_max + cell[0]) / 2)
            ax.set_ylim((y_min + y_max - cell[1]) / 2, (y_min + y_max + cell[1]) / 2)
            axes[row, column] = ax
            x += scale * column_widths[column] + _GAP
        y -= _GAP
    for ax, text in zip(axes[0], column_titles):
        ax.set_title(text, fontsize=LABEL_SIZE, pad=3)
    if title:
        figure.suptitle(title, fontsize=TITLE_SIZE, y=1 - 0.05 / height, va="top")
    return figure, axes


def bottom_colorbar(figure, mappable, label, extend):
    """Add a horizontal colorbar centred below the panels.

    Returns
    -------
    matplotlib.colorbar.Colorbar
    """
    width, height = figure.get_size_inches()
    bar_width = min(0.5 * width, 3.0)
    left = (width - bar_width) / 2
    cax = figure.add_axes(
        (left / width, 0.42 / height, bar_width / width, 0.1 / height)
    )
    colorbar = figure.colorbar(
        mappable, cax=cax, orientation="horizontal", extend=extend
    )
    colorbar.ax.tick_params(labelsize=TICK_SIZE)
    if label:
        colorbar.set_label(label, fontsize=LABEL_SIZE)
    return colorbar


def legend_height(n_entries, n_columns):
    """Height needed below the panels by a legend, inches."""
    return _LEGEND_ROW * int(np.ceil(n_entries / n_columns)) + 0.12
