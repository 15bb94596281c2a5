"""Bad-input battery of neurost.metrics (scores and flow errors)."""

import numpy as np
import pytest

from neurost.metrics import (
    angular_error,
    correlation_score,
    cosine_similarity,
    endpoint_error,
    explained_variance_ratio,
    ncsnr,
    noise_ceiling,
)

Y = np.arange(12.0).reshape(4, 3)
FLOW = np.ones((3, 3, 2))
RESPONSES = np.arange(8.0).reshape(4, 2)
REPEATS = np.array([0, 0, 1, 1])


def _with_nan(array):
    array = np.array(array, dtype=float)
    array.flat[1] = np.nan
    return array


CASES = [
    # correlation_score
    pytest.param(lambda: correlation_score(Y, Y[:, :2]), ValueError, "y_pred", id="correlation-shape-mismatch"),
    pytest.param(lambda: correlation_score(Y, Y.T), ValueError, "y_pred", id="correlation-transposed"),
    pytest.param(lambda: correlation_score(_with_nan(Y), Y), ValueError, "y_true", id="correlation-nan-true"),
    pytest.param(lambda: correlation_score(Y, Y + np.inf), ValueError, "y_pred", id="correlation-inf-pred"),
    pytest.param(lambda: correlation_score([], []), ValueError, "y_true", id="correlation-empty"),
    pytest.param(lambda: correlation_score(Y[:1], Y[:1]), ValueError, "y_true", id="correlation-one-sample"),
    pytest.param(lambda: correlation_score(np.ones((2, 2, 2)), np.ones((2, 2, 2))), ValueError, "y_true", id="correlation-3d"),
    pytest.param(lambda: correlation_score(["a", "b"], [1, 2]), TypeError, "y_true", id="correlation-text"),
    pytest.param(lambda: correlation_score(Y, None), TypeError, "y_pred", id="correlation-none"),
    pytest.param(lambda: correlation_score([[1, 2], [3]], [[1, 2], [3]]), TypeError, "y_true", id="correlation-ragged"),
    # ncsnr
    pytest.param(lambda: ncsnr(np.ones((4, 2, 2)), REPEATS), ValueError, "responses", id="ncsnr-3d"),
    pytest.param(lambda: ncsnr(RESPONSES, REPEATS[:3]), ValueError, "repeats", id="ncsnr-repeats-length"),
    pytest.param(lambda: ncsnr(RESPONSES, [0, 1, 2, 3]), ValueError, "repeats", id="ncsnr-no-repeat"),
    pytest.param(lambda: ncsnr(_with_nan(RESPONSES), REPEATS), ValueError, "responses", id="ncsnr-nan"),
    pytest.param(lambda: ncsnr(np.empty((0, 2)), []), ValueError, "responses", id="ncsnr-empty"),
    pytest.param(lambda: ncsnr([["x", "y"]] * 4, REPEATS), TypeError, "responses", id="ncsnr-text"),
    pytest.param(lambda: ncsnr(RESPONSES, REPEATS[:, None]), ValueError, "repeats", id="ncsnr-repeats-2d"),
    # noise_ceiling
    pytest.param(lambda: noise_ceiling([-1.0, 1.0], 3), ValueError, "ncsnr", id="ceiling-negative-snr"),
    pytest.param(lambda: noise_ceiling([np.nan], 3), ValueError, "ncsnr", id="ceiling-nan-snr"),
    pytest.param(lambda: noise_ceiling(["high"], 3), TypeError, "ncsnr", id="ceiling-text-snr"),
    pytest.param(lambda: noise_ceiling([1.0, 2.0], 0), ValueError, "n_repeats", id="ceiling-no-repeat"),
    pytest.param(lambda: noise_ceiling([1.0, 2.0], [3, 3, 3]), ValueError, "n_repeats", id="ceiling-repeats-shape"),
    pytest.param(lambda: noise_ceiling([1.0], np.inf), ValueError, "n_repeats", id="ceiling-repeats-inf"),
    pytest.param(lambda: noise_ceiling([1.0], "three"), TypeError, "n_repeats", id="ceiling-repeats-text"),
    # explained_variance_ratio
    pytest.param(lambda: explained_variance_ratio(Y, Y, [0.5, 0.5]), ValueError, "noise_ceiling", id="evr-ceiling-length"),
    pytest.param(lambda: explained_variance_ratio(Y, Y, [0.5, 0.5, 1.5]), ValueError, "noise_ceiling", id="evr-ceiling-above-1"),
    pytest.param(lambda: explained_variance_ratio(Y, Y, [0.5, np.nan, 0.5]), ValueError, "noise_ceiling", id="evr-ceiling-nan"),
    pytest.param(lambda: explained_variance_ratio(Y, Y, 50.0), ValueError, "noise_ceiling", id="evr-ceiling-percent"),
    pytest.param(lambda: explained_variance_ratio(Y, Y[:3], [0.5] * 3), ValueError, "y_pred", id="evr-shape-mismatch"),
    pytest.param(lambda: explained_variance_ratio(_with_nan(Y), Y, [0.5] * 3), ValueError, "y_true", id="evr-nan"),
    # flow errors
    pytest.param(lambda: endpoint_error(FLOW, FLOW[:2]), ValueError, "flow_pred", id="epe-shape-mismatch"),
    pytest.param(lambda: endpoint_error(np.ones((3, 0)), np.ones((3, 0))), ValueError, "flow_true", id="epe-no-component"),
    pytest.param(lambda: angular_error(np.ones((3, 3, 3)), np.ones((3, 3, 3))), ValueError, "flow_true", id="angular-last-axis-3"),
    pytest.param(lambda: cosine_similarity(np.moveaxis(FLOW, -1, 0), np.moveaxis(FLOW, -1, 0)), ValueError, "flow_true", id="cosine-channels-first"),
    pytest.param(lambda: endpoint_error(FLOW, _with_nan(FLOW)), ValueError, "flow_pred", id="epe-nan"),
    pytest.param(lambda: endpoint_error([["a", "b"]], [[1, 2]]), TypeError, "flow_true", id="epe-text"),
    pytest.param(lambda: endpoint_error(FLOW + 1j, FLOW), TypeError, "flow_true", id="epe-complex"),
    pytest.param(lambda: endpoint_error(FLOW, FLOW, reduce="sum"), ValueError, "reduce", id="epe-reduce-unknown"),
    pytest.param(lambda: endpoint_error(FLOW, FLOW, min_magnitude=-1), ValueError, "min_magnitude", id="epe-threshold-negative"),
    pytest.param(lambda: endpoint_error(FLOW, FLOW, min_magnitude=10), ValueError, "min_magnitude", id="epe-threshold-too-high"),
    pytest.param(lambda: endpoint_error(np.empty((0, 2)), np.empty((0, 2))), ValueError, "flow_true", id="epe-empty"),
    pytest.param(lambda: endpoint_error(2.0, 2.0), ValueError, "flow_true", id="epe-scalar"),
    pytest.param(lambda: angular_error(FLOW, FLOW, degrees="yes"), TypeError, "degrees", id="angular-degrees-text"),
    pytest.param(lambda: angular_error(np.zeros((2, 2)), np.zeros((2, 2))), ValueError, "flow_true", id="angular-only-zero-vectors"),
    pytest.param(lambda: angular_error(FLOW, FLOW[..., :1]), ValueError, "flow_pred", id="angular-last-axis-1"),
    pytest.param(lambda: cosine_similarity(FLOW, FLOW, reduce=None), ValueError, "reduce", id="cosine-reduce-none-object"),
    pytest.param(lambda: cosine_similarity(FLOW, FLOW, min_magnitude="0.5"), ValueError, "min_magnitude", id="cosine-threshold-text"),
]


@pytest.mark.parametrize("call, expected, fragment", CASES)
def test_bad_input(call, expected, fragment, check_row):
    check_row(call, expected, fragment)
