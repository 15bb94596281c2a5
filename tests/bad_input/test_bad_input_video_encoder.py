"""Bad-input battery of VideoEncoder (precomputed features: the checks come before any video)."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from neurost.encoding import VideoEncoder

_RNG = np.random.default_rng(0)
FEATURES = {"motion_energy": _RNG.normal(size=(40, 6)), "optical_flow": _RNG.normal(size=(40, 4))}
Y = _RNG.normal(size=(40, 3))


def _fit(X=FEATURES, y=Y, **params):
    encoder = VideoEncoder(**{"backend": "numpy", "delays": (1,), **params})
    return lambda: encoder.fit(X, y)


def _fitted():
    return VideoEncoder(backend="numpy", delays=(1,)).fit(FEATURES, Y)


CASES = [
    pytest.param(_fit(features="optical_flow"), TypeError, "features", id="features-str"),
    pytest.param(_fit(features=()), ValueError, "features", id="features-empty"),
    pytest.param(_fit(features=("motion",)), ValueError, "features", id="features-unknown"),
    pytest.param(_fit(features=("optical_flow", "optical_flow")), ValueError, "features",
                 id="features-repeated"),
    pytest.param(_fit(t_r=0), ValueError, "t_r", id="t_r-0"),
    pytest.param(_fit(t_r=None), TypeError, "t_r", id="t_r-none"),
    pytest.param(_fit(t_r=float("nan")), ValueError, "t_r", id="t_r-nan"),
    pytest.param(_fit(t_r="2s"), TypeError, "t_r", id="t_r-str"),
    pytest.param(_fit(frame_rate=-1.0), ValueError, "frame_rate", id="frame_rate"),
    pytest.param(_fit(delays="1"), ValueError, "delays", id="delays-str"),
    pytest.param(_fit(feature_params=[1]), TypeError, "feature_params", id="feature_params-list"),
    pytest.param(_fit(feature_params={"gabor": {}}), ValueError, "feature_params",
                 id="feature_params-key"),
    pytest.param(_fit(feature_params={"optical_flow": 3}), TypeError, "feature_params",
                 id="feature_params-value"),
    pytest.param(_fit(alphas=[-1.0]), ValueError, "alphas", id="alphas-negative"),
    pytest.param(_fit(alphas=[np.inf]), ValueError, "alphas", id="alphas-inf"),
    pytest.param(_fit(cv=1), ValueError, "cv", id="cv-1"),
    pytest.param(_fit(cv="five"), ValueError, "cv", id="cv-str"),
    pytest.param(_fit(n_iter=0), ValueError, "n_iter", id="n_iter"),
    pytest.param(_fit(backend="jax"), ValueError, "backend", id="backend-unknown"),
    pytest.param(_fit(random_state="seed"), ValueError, "random_state", id="random_state"),
    pytest.param(_fit(y=None), ValueError, "y", id="y-none"),
    pytest.param(_fit(y=Y[:30]), ValueError, "y has 30 rows", id="y-length"),
    pytest.param(_fit(y=np.full((40, 3), np.nan)), ValueError, "NaN", id="y-nan"),
    pytest.param(lambda: _fitted().predict({"motion_energy": FEATURES["motion_energy"]}),
                 ValueError, "optical_flow", id="predict-missing-space"),
    pytest.param(lambda: _fitted().predict(
        {**FEATURES, "optical_flow": FEATURES["optical_flow"][:, :2]}),
                 ValueError, "optical_flow", id="predict-wrong-width"),
    pytest.param(_fit(X=42), TypeError, "X", id="X-int"),
    pytest.param(lambda: VideoEncoder().predict(FEATURES), NotFittedError, "fit",
                 id="predict-unfitted"),
]


@pytest.mark.parametrize("call, expected, fragment", CASES)
def test_bad_input(call, expected, fragment, check_row):
    check_row(call, expected, fragment)
