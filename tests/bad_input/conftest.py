"""The bad-input battery: one row per wrong call a careful user might make.

Each module's file lists rows ``(call, expected, fragment)``: ``call`` takes
no argument and makes the wrong call, ``expected`` is the exception (or
warning) class neurost must raise (or emit), and ``fragment`` is a piece of
the message that tells the user what was wrong: the argument's name or the
file's. A row fails when the call is accepted silently, when it raises
another type (a raw error from torch, h5py, OpenCV...), or when the message
does not name the culprit (as a word of its own; short fragments such as
``X`` must match case included).
"""

import re
import warnings

import pytest


def _check_row(call, expected, fragment):
    if issubclass(expected, Warning):
        with warnings.catch_warnings():
            warnings.simplefilter("error", expected)
            with pytest.raises(expected) as excinfo:
                call()
    else:
        with pytest.raises(Exception) as excinfo:
            call()
        if not isinstance(excinfo.value, expected):
            raise AssertionError(
                f"expected {expected.__name__}, got {type(excinfo.value).__module__}."
                f"{type(excinfo.value).__name__}: {excinfo.value}"
            )
    message = str(excinfo.value)
    assert _names(message, fragment), f"the message does not name {fragment!r}: {message}"


def _names(message, fragment):
    """Whether ``message`` holds ``fragment`` as a word of its own.

    Short fragments (an argument such as ``X`` or ``y``) must match exactly,
    case included, so that they are not found inside ordinary words.
    """
    pattern = rf"(?<![A-Za-z0-9_]){re.escape(fragment)}(?![A-Za-z0-9_])"
    if len(fragment) <= 3:
        return re.search(pattern, message) is not None
    return re.search(pattern, message, flags=re.IGNORECASE) is not None


@pytest.fixture
def check_row():
    """``check_row(call, expected, fragment)``: assert one row of the battery."""
    return _check_row
