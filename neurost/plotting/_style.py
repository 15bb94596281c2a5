"""Conventions shared by the figures: font sizes, colour maps, ranges, palettes."""

import matplotlib
import numpy as np
from matplotlib.colors import hsv_to_rgb, to_rgba

from .._utils.validation import describe

#: Font sizes, points.
TICK_SIZE = 8
LABEL_SIZE = 9
TITLE_SIZE = 10
#: Colour map of signed data (centred at 0) and of one-signed data.
DIVERGING_CMAP = "RdBu_r"
SEQUENTIAL_CMAP = "viridis"
_GOLDEN_RATIO = 0.618033988749895
_SIGNED_FRACTION = 0.01


def color_range(values, name, vmin=None, vmax=None, symmetric=None):
    """Return the colour range of continuous data.

    Parameters
    ----------
    values : numpy.ndarray
        The data; NaN is ignored.
    name : str
        The argument name used in error messages.
    vmin, vmax : float, optional
        Imposed bounds; by default the data's range.
    symmetric : bool, optional
        Centre the range at 0 (``-vmax`` to ``vmax``). By default, when
        neither bound is imposed, True when the data hold both negative
        and positive values, each side reaching at least 1% of the largest
        absolute value (so that a positive map with rounding errors below
        0 stays one-signed); when a bound is imposed, True only if
        ``vmin == -vmax``.

    Returns
    -------
    vmin, vmax : float
    symmetric : bool
    """
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        raise ValueError(f"{name} holds no finite value to draw.")
    if symmetric is None and (vmin is not None or vmax is not None):
        symmetric = vmin is not None and vmax is not None and vmin == -vmax
    elif symmetric is None:
        low, high = -finite.min(), finite.max()
        symmetric = bool(min(low, high) > _SIGNED_FRACTION * max(low, high))
    if symmetric:
        if vmin is not None and vmax is not None and vmin != -vmax:
            raise ValueError(
                f"symmetric=True needs vmin == -vmax; got vmin={vmin}, vmax={vmax}."
            )
        if vmax is not None:
            limit = abs(float(vmax))
        elif vmin is not None:
            limit = abs(float(vmin))
        else:
            limit = float(np.abs(finite).max())
        limit = limit or 1.0
        return -limit, limit, True
    vmin = float(finite.min()) if vmin is None else float(vmin)
    vmax = float(finite.max()) if vmax is None else float(vmax)
    if vmin == vmax:
        vmin, vmax = vmin - 0.5, vmax + 0.5
    if vmin > vmax:
        raise ValueError(f"vmin ({vmin}) must be smaller than vmax ({vmax}).")
    return vmin, vmax, False


def default_cmap(cmap, symmetric):
    """Return ``cmap`` as a Colormap, diverging or sequential by default."""
    if cmap is None:
        cmap = DIVERGING_CMAP if symmetric else SEQUENTIAL_CMAP
    return matplotlib.colormaps[cmap] if isinstance(cmap, str) else cmap


def qualitative_colors(n_colors):
    """Return ``n_colors`` distinct RGBA colours for categories.

    Matplotlib's ``tab10`` or ``tab20`` up to 20 categories; beyond, hues
    spread by the golden ratio with alternating saturation and value.

    Returns
    -------
    numpy.ndarray of shape (n_colors, 4)
    """
    if n_colors <= 20:
        colors = matplotlib.colormaps["tab10" if n_colors <= 10 else "tab20"].colors
        if n_colors > 10:
            # tab20 pairs dark and light shades; dark ones first keeps
            # neighbouring categories distinct.
            colors = colors[::2] + colors[1::2]
        return np.array([to_rgba(c) for c in colors[:n_colors]]).reshape(-1, 4)
    steps = np.arange(n_colors)
    hsv = np.column_stack(
        [
            (steps * _GOLDEN_RATIO) % 1.0,
            np.where(steps % 2, 0.55, 0.85),
            np.where(steps % 3, 0.75, 0.95),
        ]
    )
    return np.column_stack([hsv_to_rgb(hsv), np.ones(n_colors)])


def image_pixels(image, name):
    """An image (H, W) or (H, W, 3) as floats in [0, 1] (uint8 divided by 255); ``name`` for errors."""
    try:
        pixels = np.asarray(image)
    except (TypeError, ValueError):
        pixels = np.asarray(None)
    if not np.issubdtype(pixels.dtype, np.number) or np.iscomplexobj(pixels):
        raise TypeError(f"{name} must be an image array; got {describe(image)}.")
    if not (pixels.ndim == 2 or (pixels.ndim == 3 and pixels.shape[2] == 3)):
        raise ValueError(
            f"{name} must have shape (H, W) or (H, W, 3); got shape {pixels.shape}."
        )
    if np.issubdtype(pixels.dtype, np.integer):
        return pixels.astype(float) / 255.0
    return np.clip(pixels.astype(float), 0.0, 1.0)
