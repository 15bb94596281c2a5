"""Bad-input battery of neurost.stats.permutation (block permutations and tests)."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from neurost.encoding import RidgeEncoder
from neurost.stats.permutation import block_permutations, permutation_test

_RNG = np.random.default_rng(0)
X = _RNG.normal(size=(40, 3))
Y = _RNG.normal(size=(40, 2))
MODEL = RidgeEncoder(backend="numpy", cv=2).fit(X[:20], Y[:20])
TEST = dict(block_length=2, n_permutations=5)
REFIT = dict(method="refit", X_train=X[:20], y_train=Y[:20], **TEST)


def _with_nan(array):
    array = np.array(array, dtype=float)
    array.flat[1] = np.nan
    return array


def _result():
    return permutation_test(MODEL, X[20:], Y[20:], random_state=0, **TEST)


CASES = [
    pytest.param(lambda: block_permutations(6, 3, runs=[np.nan] * 6), ValueError, "runs", id="blocks-runs-nan"),
    # block_permutations
    pytest.param(lambda: block_permutations(20, 5), ValueError, "block_length", id="blocks-no-setting"),
    pytest.param(lambda: block_permutations(20, 5, block_length=0), ValueError, "block_length", id="blocks-zero-length"),
    pytest.param(lambda: block_permutations(20, 5, block_length=2.5), ValueError, "block_length", id="blocks-float-length"),
    pytest.param(lambda: block_permutations(20, 100, block_length=5), ValueError, "n_permutations", id="blocks-too-few-blocks"),
    pytest.param(lambda: block_permutations(20, 5, block_length=20), ValueError, "block_length", id="blocks-one-block"),
    pytest.param(lambda: block_permutations(20, 0, block_length=2), ValueError, "n_permutations", id="blocks-zero-permutations"),
    pytest.param(lambda: block_permutations(0, 5, block_length=2), ValueError, "n_samples", id="blocks-no-samples"),
    pytest.param(lambda: block_permutations(6, 5, runs=[0, 0, 1]), ValueError, "runs", id="blocks-runs-length"),
    pytest.param(lambda: block_permutations(6, 5, runs=[0, 1, 0, 1, 2, 2]), ValueError, "runs", id="blocks-runs-interleaved"),
    pytest.param(lambda: block_permutations(6, 5, runs=[0] * 6), ValueError, "runs", id="blocks-one-run"),
    pytest.param(lambda: block_permutations(20, 5, block_length=2, random_state="seed"), ValueError, "random_state", id="blocks-bad-seed"),
    # permutation_test
    pytest.param(lambda: permutation_test(MODEL, X[20:], Y[20:], n_permutations=5), ValueError, "block_length", id="test-no-block-setting"),
    pytest.param(lambda: permutation_test(MODEL, X[20:], Y[20:], method="refitt", **TEST), ValueError, "method", id="test-bad-method"),
    pytest.param(lambda: permutation_test(MODEL, X[20:], Y[20:], scoring="pearson", **TEST), ValueError, "scoring", id="test-bad-scoring"),
    pytest.param(lambda: permutation_test(MODEL, X[20:], Y[20:, :1], **TEST), ValueError, "y", id="test-y-shape"),
    pytest.param(lambda: permutation_test(MODEL, X[20:], Y[25:], **TEST), ValueError, "y", id="test-y-samples"),
    pytest.param(lambda: permutation_test(MODEL, X[20:], _with_nan(Y[20:]), **TEST), ValueError, "y", id="test-y-nan"),
    pytest.param(lambda: permutation_test(MODEL, X[20:], [["a", "b"]] * 20, **TEST), TypeError, "y", id="test-y-text"),
    pytest.param(lambda: permutation_test(MODEL, X[20:], None, **TEST), TypeError, "y", id="test-y-none"),
    pytest.param(lambda: permutation_test(MODEL, X[20:], np.zeros((20, 0)), **TEST), ValueError, "y", id="test-y-no-target"),
    pytest.param(lambda: permutation_test(RidgeEncoder(), X[20:], Y[20:], **TEST), NotFittedError, "RidgeEncoder", id="test-unfitted"),
    pytest.param(lambda: permutation_test("model", X[20:], Y[20:], **TEST), TypeError, "estimator", id="test-not-estimator"),
    pytest.param(lambda: permutation_test(MODEL, X[20:], Y[20:], X_train=X[:20], **TEST), ValueError, "X_train", id="test-train-data-unused"),
    pytest.param(lambda: permutation_test(MODEL, X[20:], Y[20:], return_null="yes", **TEST), TypeError, "return_null", id="test-return-null-text"),
    pytest.param(lambda: permutation_test(MODEL, X[20:], Y[20:], runs=[0] * 5, n_permutations=5), ValueError, "runs", id="test-runs-length"),
    pytest.param(lambda: permutation_test(MODEL, X[20:], Y[20:], block_length=10, n_permutations=5), ValueError, "n_permutations", id="test-too-few-blocks"),
    # method="refit"
    pytest.param(lambda: permutation_test(MODEL, X[20:], Y[20:], method="refit", **TEST), ValueError, "X_train", id="refit-no-train-data"),
    pytest.param(lambda: permutation_test(MODEL, X[20:], Y[20:], **dict(REFIT, y_train=Y[:15])), ValueError, "y_train", id="refit-train-samples"),
    pytest.param(lambda: permutation_test(MODEL, X[20:], Y[20:], **dict(REFIT, y_train=Y[:20, :1])), ValueError, "y_train", id="refit-train-targets"),
    pytest.param(lambda: permutation_test(MODEL, X[20:], Y[20:], **dict(REFIT, y_train=Y[:20, :0])), ValueError, "y_train", id="refit-train-no-target"),
    pytest.param(lambda: permutation_test(MODEL, X[20:], Y[20:], **dict(REFIT, X_train=X[:20, :2])), ValueError, "X", id="refit-train-features"),
    pytest.param(lambda: permutation_test(MODEL, X[20:], _with_nan(Y[20:]), **REFIT), ValueError, "y", id="refit-y-nan"),
    pytest.param(lambda: permutation_test(MODEL, X[25:], Y[20:], **REFIT), ValueError, "X", id="refit-test-samples"),
    pytest.param(lambda: permutation_test(_result(), X[20:], Y[20:], **REFIT), TypeError, "estimator", id="refit-not-ridge"),
    # PermutationResult.significant
    pytest.param(lambda: _result().significant(1.5), ValueError, "alpha", id="significant-alpha-range"),
    pytest.param(lambda: _result().significant(True), ValueError, "alpha", id="significant-alpha-bool"),
    pytest.param(lambda: _result().significant("0.05"), ValueError, "alpha", id="significant-alpha-text"),
    pytest.param(lambda: _result().significant(0.05, "bonferroni"), ValueError, "correction", id="significant-bad-correction"),
]


@pytest.mark.parametrize(("call", "expected", "fragment"), CASES)
def test_bad_input(call, expected, fragment, check_row):
    check_row(call, expected, fragment)
