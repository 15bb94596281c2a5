"""scikit-learn's estimator checks on the TABLeT estimators (2-D input: one-token runs)."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from neurost._utils.estimator_checks import expected_failed_checks
from neurost.tablet import MaskedTokenPretrainer, TabletClassifier, TabletRegressor

_TINY = dict(
    preset="tiny", n_frames=4, max_epochs=8, batch_size=32, lr=3e-3,
    validation_fraction=None, device="cpu",
)


@parametrize_with_checks(
    [TabletClassifier(**_TINY), TabletRegressor(**_TINY), MaskedTokenPretrainer(**_TINY)],
    expected_failed_checks=expected_failed_checks,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
