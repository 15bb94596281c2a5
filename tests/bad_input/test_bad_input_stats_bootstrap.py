"""Bad-input battery of neurost.stats.bootstrap (bootstrap confidence intervals)."""

import numpy as np
import pytest

from neurost.stats.bootstrap import bootstrap_difference, bootstrap_indices, bootstrap_scores

Y = np.arange(24.0).reshape(8, 3) % 5
P = Y[::-1].copy()


def _with_nan(array):
    array = np.array(array, dtype=float)
    array.flat[1] = np.nan
    return array


CASES = [
    # bootstrap_scores: responses
    pytest.param(lambda: bootstrap_scores(Y, P[:, :2]), ValueError, "y_pred", id="scores-shape-mismatch"),
    pytest.param(lambda: bootstrap_scores(_with_nan(Y), P), ValueError, "y_true", id="scores-nan-true"),
    pytest.param(lambda: bootstrap_scores(Y, P + np.inf), ValueError, "y_pred", id="scores-inf-pred"),
    pytest.param(lambda: bootstrap_scores(Y[:1], P[:1]), ValueError, "y_true", id="scores-one-sample"),
    pytest.param(lambda: bootstrap_scores(Y, None), TypeError, "y_pred", id="scores-pred-none"),
    pytest.param(lambda: bootstrap_scores([["a"], ["b"]], [[1], [2]]), TypeError, "y_true", id="scores-text"),
    pytest.param(lambda: bootstrap_scores(np.zeros((8, 0)), np.zeros((8, 0))), ValueError, "y_true", id="scores-no-target"),
    # bootstrap_scores: options
    pytest.param(lambda: bootstrap_scores(Y, P, scoring="pearson"), ValueError, "scoring", id="scores-unknown-scoring"),
    pytest.param(lambda: bootstrap_scores(Y, P, n_bootstraps=0), ValueError, "n_bootstraps", id="scores-no-resample"),
    pytest.param(lambda: bootstrap_scores(Y, P, n_bootstraps=10.5), ValueError, "n_bootstraps", id="scores-resamples-float"),
    pytest.param(lambda: bootstrap_scores(Y, P, confidence=95), ValueError, "confidence", id="scores-confidence-percent"),
    pytest.param(lambda: bootstrap_scores(Y, P, confidence=1.0), ValueError, "confidence", id="scores-confidence-one"),
    pytest.param(lambda: bootstrap_scores(Y, P, confidence="0.95"), ValueError, "confidence", id="scores-confidence-text"),
    pytest.param(lambda: bootstrap_scores(Y, P, confidence=True), ValueError, "confidence", id="scores-confidence-bool"),
    pytest.param(lambda: bootstrap_scores(Y, P, block_length=0), ValueError, "block_length", id="scores-block-zero"),
    pytest.param(lambda: bootstrap_scores(Y, P, block_length=9), ValueError, "block_length", id="scores-block-too-long"),
    pytest.param(lambda: bootstrap_scores(Y, P, block_length=2.5), ValueError, "block_length", id="scores-block-float"),
    pytest.param(lambda: bootstrap_scores(Y, P, groups=[0, 1] * 3), ValueError, "groups", id="scores-groups-length"),
    pytest.param(lambda: bootstrap_scores(Y, P, groups=[0] * 8), ValueError, "groups", id="scores-one-group"),
    pytest.param(lambda: bootstrap_scores(Y, P, block_length=8), ValueError, "block_length", id="scores-block-whole-series"),
    pytest.param(lambda: bootstrap_scores(Y, P, block_length=5), ValueError, "block_length", id="scores-block-one-block"),
    pytest.param(lambda: bootstrap_scores(Y, P, groups=[0] * 6 + [1] * 2, block_length=3), ValueError, "block_length", id="scores-block-longer-than-group"),
    pytest.param(lambda: bootstrap_scores(Y, P, groups=["a", None] * 4), ValueError, "groups", id="scores-groups-none-and-text"),
    pytest.param(lambda: bootstrap_scores(Y, P, roi_labels=["V1", "V2"]), ValueError, "roi_labels", id="scores-roi-length"),
    pytest.param(lambda: bootstrap_scores(Y, P, roi_labels=[1.0, np.nan, 2.0]), ValueError, "roi_labels", id="scores-roi-nan"),
    pytest.param(lambda: bootstrap_scores(Y, P, roi_labels=["V1", None, "V2"]), TypeError, "roi_labels", id="scores-roi-none-and-text"),
    pytest.param(lambda: bootstrap_scores(Y, P, random_state="seed"), ValueError, "random_state", id="scores-seed-text"),
    # bootstrap_difference: the two predictions are named
    pytest.param(lambda: bootstrap_difference(Y, P, P[:4]), ValueError, "y_pred_b", id="difference-shape-b"),
    pytest.param(lambda: bootstrap_difference(Y, _with_nan(P), P), ValueError, "y_pred_a", id="difference-nan-a"),
    pytest.param(lambda: bootstrap_difference(Y, P, P, confidence=0), ValueError, "confidence", id="difference-confidence-zero"),
    pytest.param(lambda: bootstrap_difference(Y[:, :0], P[:, :0], P[:, :0]), ValueError, "y_true", id="difference-no-target"),
    # bootstrap_indices
    pytest.param(lambda: bootstrap_indices(0), ValueError, "n_samples", id="indices-no-sample"),
    pytest.param(lambda: bootstrap_indices(5, block_length=6), ValueError, "block_length", id="indices-block-too-long"),
    pytest.param(lambda: bootstrap_indices(4, groups=np.zeros((2, 2))), ValueError, "groups", id="indices-groups-2d"),
    pytest.param(lambda: bootstrap_indices(4, n_bootstraps=-1), ValueError, "n_bootstraps", id="indices-negative-resamples"),
]


@pytest.mark.parametrize("call, expected, fragment", CASES)
def test_bad_input(call, expected, fragment, check_row):
    check_row(call, expected, fragment)
