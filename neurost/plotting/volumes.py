"""Orthogonal slices of several volumes side by side, on one colour scale."""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize

from .._utils.validation import describe
from ._checks import check_bounds, check_cmap, check_labels, check_text
from ._save import figure_files, save_figure
from ._style import LABEL_SIZE, TICK_SIZE, TITLE_SIZE, color_range

#: Size of one slice panel, inches.
_PANEL_SIZE = 1.7
_VIEWS = ("sagittal", "coronal", "axial")


def plot_volume_slices(
    volumes,
    labels=None,
    *,
    coords=None,
    cmap="gray",
    vmin=None,
    vmax=None,
    units=None,
    title=None,
    output_file=None,
):
    """Draw the same three orthogonal slices of several volumes, one row each.

    Made to compare volumes on one grid, e.g. a brain volume, its
    reconstruction from tokens and a baseline reconstruction: every panel
    shares one colour scale, so differences in contrast are visible.

    Parameters
    ----------
    volumes : sequence of 3D images or arrays of shape (X, Y, Z)
        nibabel images or arrays, all of the same shape (voxel grids are
        compared index by index; resample first if they differ). NaN is
        drawn transparent.
    labels : sequence of str, optional
        One row label per volume; default ``"volume 1"``...
    coords : tuple of int (i, j, k), optional
        Voxel indices of the sagittal, coronal and axial slices; default the
        centre of the grid.
    cmap : str or matplotlib.colors.Colormap, default="gray"
    vmin, vmax : float, optional
        Colour range; default the 1st to 99th percentile of the first
        volume's finite non-zero voxels (symmetric about 0 for signed data).
    units : str, optional
        Label of the colorbar (e.g. ``"BOLD (a.u.)"``).
    title : str, optional
        Figure title.
    output_file : str or os.PathLike, optional
        Save the figure there as PNG and PDF (see
        :func:`neurost.plotting.save_figure`).

    Returns
    -------
    figure : matplotlib.figure.Figure
    axes : numpy.ndarray of matplotlib.axes.Axes, shape (n_volumes, 3)
        Sagittal, coronal and axial panels of each volume; the colorbar is
        ``figure.axes[-1]``.

    Raises
    ------
    ValueError
        If ``volumes`` is empty, a volume is not 3-D, shapes differ,
        ``labels`` has the wrong length or ``coords`` falls outside the grid.
    TypeError
        If a volume is neither an image nor a numeric array, or ``cmap`` is
        not a colour map.
    """
    if output_file is not None:
        figure_files(output_file)
    cmap = check_cmap(cmap)
    vmin, vmax = check_bounds(vmin, vmax)
    check_text(units, "units")
    check_text(title, "title")
    arrays = _volumes(volumes)
    shape = arrays[0].shape
    names = check_labels(labels, len(arrays), "labels", f"the {len(arrays)} volumes", "volume")
    centre = _coords(coords, shape)
    first = arrays[0][np.isfinite(arrays[0]) & (arrays[0] != 0)]
    if vmin is None and vmax is None and first.size:
        low, high = np.percentile(first, [1, 99])
        vmin, vmax = (-max(-low, high), max(-low, high)) if low < 0 < high else (low, high)
    norm = Normalize(*color_range(arrays[0], "volumes", vmin=vmin, vmax=vmax)[:2])
    figure, axes = plt.subplots(
        len(arrays), 3, squeeze=False, layout="constrained",
        figsize=(3 * _PANEL_SIZE + 0.9, _PANEL_SIZE * len(arrays) + (0.3 if title else 0)),
    )
    for row, (array, name) in enumerate(zip(arrays, names)):
        for column, view in enumerate(_VIEWS):
            ax = axes[row, column]
            ax.imshow(
                _slice(array, column, centre[column]).T, origin="lower", cmap=cmap,
                norm=norm, interpolation="nearest",
            )
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title(f"{view} {centre[column]}", fontsize=TITLE_SIZE)
        axes[row, 0].set_ylabel(name, fontsize=LABEL_SIZE)
    colorbar = figure.colorbar(
        ScalarMappable(norm=norm, cmap=cmap), ax=axes.ravel().tolist(), shrink=0.8
    )
    if units:
        colorbar.set_label(units, fontsize=LABEL_SIZE)
    colorbar.ax.tick_params(labelsize=TICK_SIZE)
    if title:
        figure.suptitle(title, fontsize=TITLE_SIZE)
    if output_file is not None:
        save_figure(figure, output_file)
    return figure, axes


def _volumes(volumes):
    if isinstance(volumes, np.ndarray) or not isinstance(volumes, (list, tuple)) or not volumes:
        raise ValueError(
            "volumes must be a non-empty list of 3D images or arrays; got "
            f"{describe(volumes)}."
        )
    arrays = []
    for i, volume in enumerate(volumes):
        data = volume.get_fdata() if hasattr(volume, "get_fdata") else volume
        try:
            array = np.asarray(data, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(
                f"volumes[{i}] must be a 3D image or numeric array; got {describe(volume)}."
            ) from None
        if array.ndim != 3:
            raise ValueError(
                f"volumes[{i}] must be 3-D (X, Y, Z); got shape {array.shape}."
            )
        if array.shape != np.shape(arrays[0] if arrays else array):
            raise ValueError(
                f"volumes[{i}] has shape {array.shape} but volumes[0] has "
                f"{arrays[0].shape}; resample the volumes to one grid first."
            )
        arrays.append(array)
    return arrays


def _coords(coords, shape):
    if coords is None:
        return tuple(size // 2 for size in shape)
    if (
        not isinstance(coords, (tuple, list))
        or len(coords) != 3
        or not all(isinstance(c, (int, np.integer)) and 0 <= c < s for c, s in zip(coords, shape))
    ):
        raise ValueError(
            f"coords must be three voxel indices inside the grid {shape}; got "
            f"{describe(coords)}."
        )
    return tuple(int(c) for c in coords)


def _slice(array, axis, index):
    return np.take(array, index, axis=axis)
