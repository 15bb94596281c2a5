"""The scikit-learn estimator checks that neurost's estimators fail on purpose.

One registry for the whole package, so that every exception to
scikit-learn's API contract is listed, with its reason, in one place. The
tests pass it to ``sklearn.utils.estimator_checks.parametrize_with_checks``::

    @parametrize_with_checks([Delayer()], expected_failed_checks=expected_failed_checks)
"""

_TIME_SERIES = (
    "rows are samples of one time series: a row's output depends on the "
    "rows before it, so it changes when rows are reordered or subset"
)

EXPECTED_FAILED_CHECKS = {
    "Delayer": {
        "check_methods_sample_order_invariance": _TIME_SERIES,
        "check_methods_subset_invariance": _TIME_SERIES,
    },
    "MotionEnergy": {
        "check_methods_sample_order_invariance": _TIME_SERIES,
        "check_methods_subset_invariance": _TIME_SERIES,
    },
}


def expected_failed_checks(estimator):
    """Return ``{check name: reason}`` for the checks ``estimator`` fails."""
    return dict(EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {}))
