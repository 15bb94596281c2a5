import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from neurost._utils.estimator_checks import expected_failed_checks
from neurost.features import Delayer


@parametrize_with_checks([Delayer()], expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_delays_by_hand():
    X = np.arange(1.0, 9.0).reshape(4, 2)
    out = Delayer(delays=(0, 2, -1)).fit_transform(X)
    expected = np.array(
        [
            [1, 2, 0, 0, 3, 4],
            [3, 4, 0, 0, 5, 6],
            [5, 6, 1, 2, 7, 8],
            [7, 8, 3, 4, 0, 0],
        ],
        dtype=float,
    )
    np.testing.assert_array_equal(out, expected)


def test_delay_longer_than_run_gives_zeros():
    out = Delayer(delays=(5,)).fit_transform(np.ones((3, 2)))
    np.testing.assert_array_equal(out, np.zeros((3, 2)))


def test_ridge_on_delays_recovers_an_impulse_response():
    rng = np.random.default_rng(0)
    stimulus = rng.normal(size=(600, 1))
    kernel = np.array([0.0, 0.5, 1.0, 0.6, 0.2])  # response at lags 0..4
    response = np.convolve(stimulus[:, 0], kernel)[:600]
    response += 0.05 * rng.normal(size=600)
    model = make_pipeline(Delayer(delays=range(5)), Ridge(alpha=1e-3))
    model.fit(stimulus, response)
    np.testing.assert_allclose(model[-1].coef_, kernel, atol=0.02)


def test_feature_names():
    frame = pd.DataFrame({"motion": [1.0, 2.0], "faces": [0.0, 1.0]})
    names = Delayer(delays=(1, 2)).fit(frame).get_feature_names_out()
    assert list(names) == ["motion_delay1", "faces_delay1", "motion_delay2", "faces_delay2"]


@pytest.mark.parametrize("delays", [(), (1.5, 2), (1, 1), "12"])
def test_bad_delays(delays):
    with pytest.raises(ValueError, match="delays"):
        Delayer(delays=delays).fit(np.ones((4, 2)))


def test_feature_count_must_match_fit():
    delayer = Delayer().fit(np.ones((4, 2)))
    with pytest.raises(ValueError, match="features"):
        delayer.transform(np.ones((4, 3)))
