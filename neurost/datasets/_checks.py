"""Checks of the simulators' arguments that the shared checks do not cover."""

from sklearn.utils import check_random_state as sklearn_random_state
from sklearn.utils._param_validation import validate_parameter_constraints


def check_random_state(random_state, caller):
    """Return a RandomState for ``random_state`` (None, a seed or a RandomState).

    Raises
    ------
    sklearn.utils._param_validation.InvalidParameterError
        A ``ValueError`` and ``TypeError`` naming ``random_state`` and
        ``caller``, for anything else (a string, a float, a negative seed).
    """
    validate_parameter_constraints(
        {"random_state": ["random_state"]},
        {"random_state": random_state},
        caller_name=caller,
    )
    return sklearn_random_state(random_state)
