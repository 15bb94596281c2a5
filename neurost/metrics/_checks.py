"""Checks of the arrays that the scores receive."""

import numpy as np

from .._utils.validation import check_finite, describe


def float_array(values, name):
    """``values`` as a finite float64 array; TypeError when they are not numbers."""
    error = TypeError(f"{name} must be an array of numbers; got {describe(values)}.")
    if values is None:  # numpy would read it as NaN
        raise error
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise error from None
    return check_finite(array, name)
