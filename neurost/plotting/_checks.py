"""Checks of the arguments that the figures share: axes, colour maps, ranges, numbers.

The figure functions call them before they draw anything, so that a wrong
argument is reported by name, and no half-made figure is left open.
"""

import math
import numbers

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import Colormap
from matplotlib.figure import Figure

from .._utils.validation import close_matches, describe


def check_axes(ax, name="ax"):
    """Check that ``ax`` is a 2-D matplotlib Axes (not 3-D, polar...) and return it."""
    if not isinstance(ax, Axes) or ax.name != "rectilinear":
        kind = f"{ax.name} axes" if isinstance(ax, Axes) else describe(ax)
        raise TypeError(
            f"{name} must be 2-D matplotlib Axes (e.g. from plt.subplots()); got "
            f"{kind}."
        )
    return ax


def check_figure(fig, name="fig"):
    """Check that ``fig`` is a matplotlib Figure and return it."""
    if not isinstance(fig, Figure):
        raise TypeError(
            f"{name} must be a matplotlib Figure (e.g. from plt.subplots()); got "
            f"{describe(fig)}."
        )
    return fig


def check_cmap(cmap, name="cmap"):
    """Return ``cmap`` (a registered name or a Colormap) as a Colormap; None stays None."""
    if cmap is None or isinstance(cmap, Colormap):
        return cmap
    if not isinstance(cmap, str):
        raise TypeError(
            f"{name} must be a matplotlib colour map or its name (e.g. 'viridis'); "
            f"got {describe(cmap)}."
        )
    if cmap not in matplotlib.colormaps:
        matches = close_matches(cmap, list(matplotlib.colormaps))
        hint = f" Did you mean {' or '.join(map(repr, matches))}?" if matches else ""
        raise ValueError(
            f"{name}={cmap!r} is not a matplotlib colour map name (see "
            f"matplotlib.colormaps).{hint}"
        )
    return matplotlib.colormaps[cmap]


def check_number(value, name, meaning, *, low=None, high=None, low_open=False):
    """Return ``value`` as a float after checking it is a finite real number in range.

    Parameters
    ----------
    value : object
    name : str
        The argument name used in error messages.
    meaning : str
        What the number is, with its unit (``"dots per inch"``).
    low, high : float, optional
        Bounds, included (``low`` excluded when ``low_open``).
    """
    number = isinstance(value, numbers.Real) and not isinstance(value, bool)
    inside = number and math.isfinite(value)
    if inside and low is not None:
        inside = value > low if low_open else value >= low
    if inside and high is not None:
        inside = value <= high
    if not inside:
        if low is not None and high is not None:
            kind = f"number in [{low:g}, {high:g}]"
        elif low == 0:
            kind = "positive number" if low_open else "non-negative number"
        elif low is not None:
            kind = f"number {'>' if low_open else '>='} {low:g}"
        else:
            kind = "finite number"
        raise ValueError(f"{name} must be a {kind} ({meaning}); got {describe(value)}.")
    return float(value)


def check_dpi(dpi, name="dpi"):
    """Return ``dpi`` as a float after checking it is a positive number."""
    return check_number(dpi, name, "dots per inch", low=0, low_open=True)


def check_bounds(vmin, vmax):
    """Check the imposed colour bounds: each None or a finite number, ``vmin < vmax``.

    Returns
    -------
    vmin, vmax : float or None
    """
    bounds = [
        None if value is None else check_number(value, name, "a colour bound")
        for name, value in (("vmin", vmin), ("vmax", vmax))
    ]
    if None not in bounds and bounds[0] >= bounds[1]:
        raise ValueError(
            f"vmin ({bounds[0]:g}) must be smaller than vmax ({bounds[1]:g})."
        )
    return tuple(bounds)


def check_flag(value, name, allow_none=False):
    """Check that ``value`` is a boolean (or None when allowed) and return it."""
    if value is None and allow_none:
        return None
    if not isinstance(value, (bool, np.bool_)):
        expected = "True, False or None" if allow_none else "True or False"
        raise TypeError(f"{name} must be {expected}; got {describe(value)}.")
    return bool(value)


def check_text(value, name):
    """Check that ``value`` is None or a string (a title, a label, a unit)."""
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{name} must be a string or None; got {describe(value)}.")
    return value


def check_labels(labels, n, argument, what, default):
    """``labels`` as ``n`` strings; ``"{default} 1"``... when None.

    ``argument`` and ``what`` (e.g. ``"the 5 ROIs of attention"``) word the
    error raised when the count is wrong.
    """
    if labels is None:
        return [f"{default} {i + 1}" for i in range(n)]
    if isinstance(labels, str) or not hasattr(labels, "__iter__"):
        raise TypeError(
            f"{argument} must be a sequence of names, one per item; got "
            f"{describe(labels)}."
        )
    names = [str(label) for label in labels]
    if len(names) != n:
        raise ValueError(f"{argument} must name each of {what}; got {len(names)} {argument}.")
    return names
