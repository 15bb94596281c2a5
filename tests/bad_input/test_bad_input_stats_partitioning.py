"""Bad-input battery of neurost.stats.partitioning (variance partitioning)."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import Ridge

from neurost.encoding import RidgeEncoder, VideoEncoder
from neurost.stats.partitioning import variance_partitioning

X = np.random.default_rng(0).normal(size=(20, 4))
Y = X[:, :2] + 0.1
BANDED = RidgeEncoder(feature_spaces=[2, 2], alphas=[1.0], n_iter=1, backend="numpy", cv=2)
VIDEO = VideoEncoder(delays=(0,), alphas=[1.0], n_iter=1, backend="numpy", cv=2)
RUN = {"a": X[:, :2], "b": X[:, 2:]}


def _with_nan(array):
    array = np.array(array, dtype=float)
    array.flat[1] = np.nan
    return array


CASES = [
    pytest.param(lambda: variance_partitioning(Ridge(), X, Y, X, Y), TypeError, "estimator", id="not-an-encoder"),
    pytest.param(lambda: variance_partitioning(RidgeEncoder(), X, Y, X, Y), ValueError, "feature_spaces", id="ridge-one-space"),
    pytest.param(lambda: variance_partitioning(clone(BANDED).set_params(feature_spaces=[2, 0]), X, Y, X, Y), ValueError, "feature_spaces", id="ridge-empty-space"),
    pytest.param(lambda: variance_partitioning(BANDED, X[:, :3], Y, X, Y), ValueError, "X_train", id="ridge-columns-train"),
    pytest.param(lambda: variance_partitioning(BANDED, X, Y, X[:, None], Y), ValueError, "X_test", id="ridge-test-3d"),
    pytest.param(lambda: variance_partitioning(BANDED, _with_nan(X), Y, X, Y), ValueError, "X_train", id="ridge-nan-train"),
    pytest.param(lambda: variance_partitioning(BANDED, [["a"] * 4] * 20, Y, X, Y), TypeError, "X_train", id="ridge-text-train"),
    pytest.param(lambda: variance_partitioning(BANDED, X, Y, X, Y[:10]), ValueError, "y_test", id="ridge-test-rows"),
    pytest.param(lambda: variance_partitioning(BANDED, X, Y, X, _with_nan(Y)), ValueError, "y_test", id="ridge-nan-test"),
    pytest.param(lambda: variance_partitioning(BANDED, X, Y, X, Y, spaces=[0, 2]), ValueError, "spaces", id="ridge-space-out-of-range"),
    pytest.param(lambda: variance_partitioning(BANDED, X, Y, X, Y, spaces=[0]), ValueError, "spaces", id="ridge-one-chosen"),
    pytest.param(lambda: variance_partitioning(BANDED, X, Y, X, Y, spaces=[0, 0]), ValueError, "spaces", id="ridge-space-repeated"),
    pytest.param(lambda: variance_partitioning(BANDED, X, Y, X, Y, spaces=["space 0", "space 1"]), ValueError, "spaces", id="ridge-space-names"),
    pytest.param(lambda: variance_partitioning(BANDED, X, Y, X, Y, spaces=1), TypeError, "spaces", id="ridge-spaces-int"),
    pytest.param(lambda: variance_partitioning(VIDEO, X, Y, X, Y), ValueError, "X_train", id="video-2d-array"),
    pytest.param(lambda: variance_partitioning(VIDEO, RUN, Y, RUN, Y, spaces=["a", "c"]), ValueError, "spaces", id="video-unknown-space"),
    pytest.param(lambda: variance_partitioning(VIDEO, {"a": X}, Y, {"a": X}, Y), ValueError, "spaces", id="video-one-space"),
    pytest.param(lambda: variance_partitioning(VIDEO, RUN, Y, {"a": X[:, :2]}, Y), ValueError, "X_test", id="video-test-lacks-space"),
]


@pytest.mark.parametrize("call, expected, fragment", CASES)
def test_bad_input(call, expected, fragment, check_row):
    check_row(call, expected, fragment)
