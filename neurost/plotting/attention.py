"""Attention maps of ROI queries over the images they attend to."""

import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from skimage.transform import resize

from .._utils.validation import check_positive_int, describe
from ._checks import check_cmap, check_labels, check_number, check_text
from ._save import figure_files, save_figure
from ._style import LABEL_SIZE, TICK_SIZE, TITLE_SIZE, image_pixels

#: Width of one panel, inches.
_PANEL_WIDTH = 2.0
#: Panels per row of a single image's maps, by default.
_DEFAULT_NCOLS = 5


def plot_attention_on_image(
    image,
    attention,
    roi_names=None,
    *,
    ncols=None,
    cmap="inferno",
    alpha=0.6,
    output_file=None,
    title=None,
):
    """Overlay each ROI's attention map on the image it attends to.

    Each map (e.g. a transformer brain encoder's 31 x 31 softmax attention
    of one ROI query over the patch grid) is upsampled bilinearly to the
    image's size and drawn over it; all panels share one colour scale and
    one colorbar.

    Parameters
    ----------
    image : array-like of shape (H, W) or (H, W, 3), or list of them
        The image (uint8 0-255 or float 0-1; grey levels drawn in grey),
        or one image per row of the figure.
    attention : array-like of shape (n_rois, h, w), or (n_images, n_rois, h, w)
        The attention weights over the patch grid, one map per ROI (and per
        image when ``image`` is a list).
    roi_names : sequence of str, optional
        One name per ROI, used as panel titles; default ``"ROI 1"``...
    ncols : int, optional
        Panels per row for a single image (default up to 5); with a list of
        images, each row holds one image's ROIs and ``ncols`` must be None.
    cmap : str or matplotlib.colors.Colormap, default="inferno"
        Colour map of the attention weights.
    alpha : float, default=0.6
        Opacity of the maps over the image, in [0, 1].
    output_file : str or os.PathLike, optional
        Save the figure there as PNG and PDF (see
        :func:`neurost.plotting.save_figure`).
    title : str, optional
        Figure title.

    Returns
    -------
    figure : matplotlib.figure.Figure
    axes : numpy.ndarray of matplotlib.axes.Axes, shape (n_rows, n_columns)
        The panels (panels beyond the last ROI are hidden); the colorbar
        is ``figure.axes[-1]``.

    Raises
    ------
    ValueError
        For arrays of the wrong rank, a number of images that differs from
        ``attention``'s first axis, ``roi_names`` of the wrong length,
        non-finite weights, or a bad ``alpha`` or ``ncols``.
    TypeError
        For an image that is not an array, or a ``cmap`` that is not a
        colour map.
    """
    if output_file is not None:
        figure_files(output_file)
    cmap = check_cmap(cmap)
    alpha = check_number(alpha, "alpha", "opacity", low=0, high=1)
    check_text(title, "title")
    several = isinstance(image, (list, tuple))
    if several:
        images = [image_pixels(one, f"image[{i}]") for i, one in enumerate(image)]
    else:
        images = [image_pixels(image, "image")]
    maps = _attention(attention, several, len(images))
    n_images, n_rois = maps.shape[:2]
    names = check_labels(roi_names, n_rois, "roi_names", f"the {n_rois} ROIs of attention", "ROI")
    if several:
        if ncols is not None:
            raise ValueError(
                "ncols applies to a single image; with a list of images each "
                "row holds one image's ROIs."
            )
        n_rows, n_cols = n_images, n_rois
    else:
        n_cols = min(n_rois, _DEFAULT_NCOLS) if ncols is None else min(
            check_positive_int(ncols, "ncols", "panels per row"), n_rois
        )
        n_rows = math.ceil(n_rois / n_cols)
    height, width = images[0].shape[:2]
    panel_height = _PANEL_WIDTH * height / width + 0.3
    figure, axes = plt.subplots(
        n_rows, n_cols, squeeze=False, layout="constrained",
        figsize=(_PANEL_WIDTH * n_cols + 0.8, panel_height * n_rows + (0.3 if title else 0)),
    )
    norm = Normalize(min(0.0, float(maps.min())), float(maps.max()) or 1.0)
    for index in range(n_images * n_rois):
        image_index, roi = divmod(index, n_rois)
        ax = axes.flat[index]
        pixels = images[image_index]
        ax.imshow(pixels, cmap="gray" if pixels.ndim == 2 else None, vmin=0, vmax=1)
        upsampled = resize(
            maps[image_index, roi], pixels.shape[:2], order=1, mode="edge",
            anti_aliasing=False,
        )
        ax.imshow(upsampled, cmap=cmap, norm=norm, alpha=alpha)
        ax.set_title(names[roi], fontsize=TITLE_SIZE)
        ax.set_xticks([])
        ax.set_yticks([])
    for ax in axes.flat[n_images * n_rois :]:
        ax.set_visible(False)
    colorbar = figure.colorbar(
        ScalarMappable(norm=norm, cmap=cmap), ax=axes.ravel().tolist(), shrink=0.8
    )
    colorbar.set_label("attention weight", fontsize=LABEL_SIZE)
    colorbar.ax.tick_params(labelsize=TICK_SIZE)
    if title:
        figure.suptitle(title, fontsize=TITLE_SIZE)
    if output_file is not None:
        save_figure(figure, output_file)
    return figure, axes


def _attention(attention, several, n_images):
    try:
        maps = np.asarray(attention, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(
            f"attention must be an array of weights; got {describe(attention)}."
        ) from None
    expected = 4 if several else 3
    if maps.ndim != expected:
        shape = (
            "(n_images, n_rois, h, w) for a list of images" if several
            else "(n_rois, h, w) for one image"
        )
        raise ValueError(f"attention must have shape {shape}; got shape {maps.shape}.")
    if not several:
        maps = maps[np.newaxis]
    if maps.shape[0] != n_images:
        raise ValueError(
            f"attention holds maps for {maps.shape[0]} images; image holds {n_images}."
        )
    if 0 in maps.shape:
        raise ValueError(f"attention is empty (shape {maps.shape}).")
    if not np.isfinite(maps).all():
        raise ValueError(
            "attention contains NaN or infinite values; expected finite weights."
        )
    return maps
