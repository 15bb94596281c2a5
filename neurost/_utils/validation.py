"""Argument validation that produces clear, uniform error messages.

Every public function of neurost checks its inputs with these helpers so
that a user sees which argument was wrong, what was expected and what was
received, instead of a traceback from deep inside numpy or nibabel.
"""

import difflib
import inspect
import math
import numbers
import os
from pathlib import Path

import numpy as np


def describe(value):
    """Return a short description of ``value`` for an error message."""
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, (str, os.PathLike)):
        return repr(os.fspath(value))
    text = repr(value)
    if len(text) > 80:
        text = text[:77] + "..."
    return f"{type(value).__name__} {text}"


#: Packages whose frames :func:`caller_stacklevel` skips.
_INTERNAL_PACKAGES = frozenset({"neurost", "sklearn", "joblib", "nilearn"})


def caller_stacklevel():
    """The ``stacklevel`` that makes a warning point at the user's call.

    Counted from the function that calls this one (level 1): the first
    frame outside neurost and the packages that call neurost on the user's
    behalf or that neurost calls back through (scikit-learn's ``Pipeline``
    or ``cross_val_score``, their joblib workers, nilearn's maskers), so
    that a warning raised by a helper reached through several layers (say
    ``VideoEncoder.split_scores`` then ``RidgeEncoder.split_scores``) names
    the line of the user's script.

    Returns
    -------
    int
    """
    level, frame = 1, inspect.currentframe().f_back
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module.partition(".")[0] not in _INTERNAL_PACKAGES:
            return level
        level, frame = level + 1, frame.f_back
    return level - 1  # no frame outside (the neurost command): the outermost one


def close_matches(value, choices, n=3):
    """Return up to ``n`` entries of ``choices`` that resemble ``value``."""
    choices = [str(choice) for choice in choices]
    matches = difflib.get_close_matches(str(value), choices, n=n, cutoff=0.6)
    if not matches:
        lowered = str(value).lower()
        matches = [c for c in choices if lowered in c.lower()][:n]
    return matches


def check_choice(value, name, choices):
    """Check that ``value`` is one of ``choices``.

    Raises
    ------
    ValueError
        Naming ``name``, the value received, the valid choices and the
        closest matches.
    """
    choices = list(choices)
    if value in choices:
        return value
    message = f"{name}={value!r} is not valid; expected one of {choices}."
    suggestions = close_matches(value, choices)
    if suggestions:
        message += f" Did you mean {' or '.join(map(repr, suggestions))}?"
    raise ValueError(message)


def check_positive_int(value, name, meaning=""):
    """Check that ``value`` is an integer >= 1 (booleans are refused).

    Parameters
    ----------
    value : object
        The value to check.
    name : str
        The argument name used in error messages.
    meaning : str, optional
        What the number counts (``"frames per block"``), for the message.

    Returns
    -------
    int
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or value < 1
    ):
        what = f" ({meaning})" if meaning else ""
        raise ValueError(
            f"{name} must be a positive integer{what}; got {describe(value)}."
        )
    return int(value)


def check_fraction(value, name, meaning=""):
    """Check that ``value`` is a number strictly between 0 and 1 (booleans are refused).

    Parameters
    ----------
    value : object
        The value to check: an int, float or NumPy floating number.
    name : str
        The argument name used in error messages.
    meaning : str, optional
        What the fraction is (``"0.95 for 95% intervals"``), for the message.

    Returns
    -------
    float
    """
    if (
        isinstance(value, (bool, np.bool_))
        or not isinstance(value, (numbers.Integral, float, np.floating))
        or not 0 < value < 1
    ):
        what = f" ({meaning})" if meaning else ""
        raise ValueError(
            f"{name} must be a number strictly between 0 and 1{what}; got "
            f"{describe(value)}."
        )
    return float(value)


def check_t_r(t_r, name="t_r"):
    """Return ``t_r`` as a float after checking it is a positive duration.

    Parameters
    ----------
    t_r : float or None
        Repetition time in seconds.
    name : str, default="t_r"
        The argument name used in error messages.

    Returns
    -------
    float or None
    """
    if t_r is None:
        return None
    if (
        isinstance(t_r, bool)
        or not isinstance(t_r, numbers.Real)
        or not math.isfinite(t_r)
        or t_r <= 0
    ):
        raise ValueError(
            f"{name} must be a positive, finite number of seconds; got {describe(t_r)}."
        )
    return float(t_r)


def check_path(path, name, suffixes=None):
    """Check that ``path`` names an existing file, optionally by suffix.

    Parameters
    ----------
    path : str or os.PathLike
        The file to check.
    name : str
        The argument name used in error messages.
    suffixes : sequence of str, optional
        Accepted file-name endings (e.g. ``(".nii", ".nii.gz")``), compared
        case-insensitively.

    Returns
    -------
    pathlib.Path
        The path, with ``~`` expanded.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"{name} must be a path (str or os.PathLike); got {describe(path)}."
        )
    path = Path(path).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"{name}: no such file: '{path}'.")
    if path.is_dir():
        raise ValueError(f"{name} must be a file; '{path}' is a directory.")
    if suffixes is not None and not path.name.lower().endswith(tuple(suffixes)):
        raise ValueError(
            f"{name}: unsupported file type '{path.name}'; expected a file "
            f"ending in one of {list(suffixes)}."
        )
    return path


def check_finite(array, name):
    """Raise ``ValueError`` naming ``name`` if ``array`` holds NaN or Inf.

    The message gives how many values are not finite and the index of the
    first one, so that the user can find it.
    """
    array = np.asarray(array)
    if not np.issubdtype(array.dtype, np.inexact):
        return array
    bad = ~np.isfinite(array)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{name} contains {int(bad.sum())} NaN or infinite value(s) "
            f"(first at index {first}); expected finite values. Clean or "
            "mask them before passing the data."
        )
    return array


def check_real_array(values, name):
    """Return ``values`` as a NumPy array of real numbers.

    Object arrays of numbers are converted to float64; booleans and every
    real dtype pass as they are.

    Raises
    ------
    ValueError
        For complex values ("Complex data not supported", scikit-learn's
        wording).
    TypeError
        For values that are not numbers (strings, dicts, ...).
    """
    array = np.asarray(values)
    if np.iscomplexobj(array):
        raise ValueError(f"{name} must hold real numbers: Complex data not supported.")
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError) as error:
            raise TypeError(
                f"{name} must hold real numbers ({error}); got {describe(values)}."
            ) from None
    return array


def check_index(index, name, size, axis_name):
    """Validate an integer index array (or slice) against an axis length.

    Parameters
    ----------
    index : None, slice, int or sequence of int
        The selection; negative integers count from the end.
    name : str
        The argument name used in error messages.
    size : int
        The length of the axis being indexed.
    axis_name : str
        What the axis holds (``"rows"``), for the error message.

    Returns
    -------
    numpy.ndarray of int64
        Non-negative indices, in the order given.
    """
    if index is None:
        return np.arange(size)
    if isinstance(index, slice):
        return np.arange(size)[index]
    values = np.atleast_1d(np.asarray(index))
    if values.dtype == bool:
        if values.shape != (size,):
            raise ValueError(
                f"{name}: boolean mask of shape {values.shape} does not match "
                f"the {size} {axis_name}."
            )
        return np.flatnonzero(values)
    if values.ndim != 1 or not np.issubdtype(values.dtype, np.integer):
        raise TypeError(
            f"{name} must be None, a slice, or a 1-D sequence of integers; "
            f"got {describe(index)}."
        )
    out_of_range = (values < -size) | (values >= size)
    if out_of_range.any():
        raise IndexError(
            f"{name}: index {int(values[out_of_range][0])} is out of range for "
            f"{size} {axis_name} (valid: {-size} to {size - 1})."
        )
    return np.where(values < 0, values + size, values).astype(np.int64)


def check_int_pair(value, name, meaning="height, width"):
    """Return ``value`` as a pair of positive ints (booleans are refused).

    Parameters
    ----------
    value : object
        The value to check: a tuple, list or array of two integers >= 1.
    name : str
        The argument name used in error messages.
    meaning : str, default="height, width"
        What the two numbers are, for the message.

    Returns
    -------
    tuple of (int, int)
    """
    if (
        isinstance(value, (str, bytes))
        or np.ndim(value) != 1
        or len(value) != 2
        or any(
            isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral) or v < 1
            for v in value
        )
    ):
        raise ValueError(
            f"{name} must be a pair ({meaning}) of positive integers; got "
            f"{describe(value)}."
        )
    return int(value[0]), int(value[1])


def check_image_grid(grid, image_size):
    """Return ``grid`` (cells per side of a square image) as two ints dividing ``image_size``."""
    grid = check_int_pair(grid, "grid")
    if image_size % grid[0] or image_size % grid[1]:
        raise ValueError(
            f"image_size={image_size} must be a multiple of both grid dimensions "
            f"{grid}, so that every cell covers the same pixels."
        )
    return grid


def check_groups(groups, n_samples, unit="samples", name="groups"):
    """Return ``groups`` as a 1-D array of one label per sample, or None.

    Raises
    ------
    ValueError
        If ``groups`` is not 1-D, has another length or holds missing
        values (NaN, infinite, None); the message names ``name``.
    """
    if groups is None:
        return None
    array = np.asarray(groups)
    if array.ndim != 1 or len(array) != n_samples:
        raise ValueError(
            f"{name} must hold one label per {unit[:-1]}: {n_samples} {unit}; got "
            f"{describe(groups)}."
        )
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        raise ValueError(f"{name} holds NaN or infinite labels; expected one label per "
                         f"{unit[:-1]}.")
    if array.dtype == object and any(label is None for label in array):
        raise ValueError(f"{name} holds None; expected one label per {unit[:-1]}.")
    return array


def check_random_state(random_state, caller):
    """Return a RandomState for ``random_state`` (None, a seed or a RandomState).

    Raises
    ------
    sklearn.utils._param_validation.InvalidParameterError
        A ``ValueError`` and ``TypeError`` naming ``random_state`` and
        ``caller``, for anything else (a string, a float, a negative seed).
    """
    from sklearn.utils import check_random_state as sklearn_random_state
    from sklearn.utils._param_validation import validate_parameter_constraints

    validate_parameter_constraints(
        {"random_state": ["random_state"]},
        {"random_state": random_state},
        caller_name=caller,
    )
    return sklearn_random_state(random_state)
