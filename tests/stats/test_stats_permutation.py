"""Block permutation tests: the permutations, the p-values and the ridge refits."""

import itertools

import numpy as np
import pytest
from scipy.stats import false_discovery_control
from sklearn.base import BaseEstimator
from sklearn.metrics import r2_score

from neurost.encoding import RidgeEncoder
from neurost.metrics import correlation_score
from neurost.stats.permutation import block_permutations, permutation_test


class FixedPredictions(BaseEstimator):
    """A fitted "estimator" whose predictions are given."""

    def __init__(self, prediction):
        self.prediction = prediction

    def fit(self, X=None, y=None):
        self.prediction_ = np.asarray(self.prediction)
        return self

    def predict(self, X):
        return self.prediction_


def _blocks_of(order, starts):
    """Split a sample order at the given block starts (positions in the order)."""
    return [order[a:b].tolist() for a, b in zip(starts[:-1], starts[1:])]


def test_fixed_blocks_stay_intact_and_orders_are_distinct():
    orders = block_permutations(23, 100, block_length=5, random_state=0)
    assert orders.shape == (100, 23)
    blocks = [list(range(s, min(s + 5, 23))) for s in range(0, 23, 5)]  # last: 20-22
    for order in orders:
        assert sorted(order) == list(range(23))
        pieces, position = [], 0
        while position < 23:
            block = next(b for b in blocks if b[0] == order[position])
            assert order[position : position + len(block)].tolist() == block
            pieces.append(block[0])
            position += len(block)
        assert sorted(pieces) == [0, 5, 10, 15, 20]
    assert len({tuple(o) for o in orders}) == 100
    assert not (orders == np.arange(23)).all(axis=1).any()


def test_runs_are_shuffled_whole_and_blocks_do_not_cross_runs():
    runs = np.repeat(["a", "b", "c", "d"], [4, 6, 3, 5])
    whole = block_permutations(18, 23, runs=runs, random_state=0)  # 4! - 1 orders
    run_sets = [set(np.flatnonzero(runs == r)) for r in "abcd"]
    assert len({tuple(o) for o in whole}) == 23
    for order in whole:
        starts = [0]
        for _ in range(4):
            run = next(s for s in run_sets if order[starts[-1]] in s)
            starts.append(starts[-1] + len(run))
        pieces = _blocks_of(order, starts)
        assert all(b == list(range(b[0], b[0] + len(b))) for b in pieces)  # in time order
        assert {frozenset(b) for b in pieces} == set(map(frozenset, run_sets))
    within = block_permutations(18, 50, runs=runs, block_length=4, random_state=1)
    expected = {(0, 1, 2, 3), (4, 5, 6, 7), (8, 9), (10, 11, 12), (13, 14, 15, 16), (17,)}
    for order in within:
        found, position = set(), 0
        while position < 18:
            block = next(b for b in expected if b[0] == order[position])
            assert tuple(order[position : position + len(block)]) == block
            found.add(block)
            position += len(block)
        assert found == expected


def test_every_distinct_permutation_when_there_are_few_blocks():
    orders = block_permutations(8, 23, block_length=2, random_state=0)
    block_orders = {tuple(o[::2] // 2) for o in orders}
    assert block_orders == set(itertools.permutations(range(4))) - {(0, 1, 2, 3)}
    with pytest.raises(ValueError, match="block_length=2"):
        block_permutations(8, 24, block_length=2)


def test_p_values_by_hand():
    # All 23 non-identity orders of 4 samples: only the identity gives r = 1.
    y = np.array([[1.0, 1.0, 5.0], [2.0, 2.0, 5.0], [3.0, 3.0, 5.0], [4.0, 4.0, 5.0]])
    prediction = np.c_[y[:, 0], y[::-1, 1], [1.0, 2.0, 3.0, 4.0]]
    result = permutation_test(
        FixedPredictions(prediction).fit(), None, y, n_permutations=23, block_length=1,
        random_state=0,
    )
    np.testing.assert_allclose(result.scores, [1.0, -1.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(result.p_values, [1 / 24, 1.0, 1.0])
    # The reversal gives target 1 an r of 1: the one null maximum that reaches target 0.
    np.testing.assert_allclose(result.p_fwe, [2 / 24, 1.0, 1.0])
    assert result.n_blocks == 4 and result.block_length == 1


def _null_data(seed=0, n=60, n_targets=40):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, n_targets)), rng.normal(size=(n, n_targets))


def test_null_equals_explicit_scores_and_corrections():
    prediction, y = _null_data()
    estimator = FixedPredictions(prediction).fit()
    result = permutation_test(
        estimator, None, y, n_permutations=30, block_length=6, random_state=3
    )
    orders = block_permutations(60, 30, block_length=6, random_state=3)
    explicit = np.array([correlation_score(y[o], prediction) for o in orders])
    np.testing.assert_allclose(result.null, explicit, atol=1e-5)
    np.testing.assert_allclose(result.scores, correlation_score(y, prediction), atol=1e-6)
    counts = (result.null >= result.scores).sum(axis=0)
    np.testing.assert_allclose(result.p_values, (1 + counts) / 31)
    np.testing.assert_allclose(result.null_max, result.null.max(axis=1))
    fwe = (1 + (result.null_max[:, None] >= result.scores).sum(axis=0)) / 31
    np.testing.assert_allclose(result.p_fwe, fwe)
    assert (result.p_fwe >= result.p_values).all()
    np.testing.assert_allclose(result.q_values, false_discovery_control(result.p_values))
    np.testing.assert_array_equal(result.significant(0.2, None), result.p_values <= 0.2)
    np.testing.assert_array_equal(result.significant(0.2, "max"), result.p_fwe <= 0.2)
    np.testing.assert_array_equal(result.significant(0.2), result.q_values <= 0.2)
    lean = permutation_test(
        estimator, None, y, n_permutations=30, block_length=6, random_state=3,
        return_null=False,
    )
    assert lean.null is None
    np.testing.assert_array_equal(lean.p_values, result.p_values)
    np.testing.assert_array_equal(lean.p_fwe, result.p_fwe)


def test_r2_scoring_and_decoded_fields():
    prediction, y = _null_data(1)
    result = permutation_test(
        FixedPredictions(prediction).fit(), None, y, n_permutations=5, block_length=3,
        scoring="r2", random_state=0,
    )
    orders = block_permutations(60, 5, block_length=3, random_state=0)
    explicit = [r2_score(y[o], prediction, multioutput="raw_values") for o in orders]
    np.testing.assert_allclose(result.null, explicit, rtol=1e-5)
    fields = permutation_test(  # (n, h, w, 2) flow fields: one target per value
        FixedPredictions(prediction.reshape(60, 5, 4, 2)).fit(), None, y.reshape(60, 5, 4, 2),
        n_permutations=5, block_length=3, scoring="r2", random_state=0,
    )
    np.testing.assert_array_equal(fields.null, result.null)


def _ridge_data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(120, 8))
    weights = np.zeros((8, 30))
    weights[:, 0] = 2.0  # target 0 strongly driven, the others pure noise
    return X, X @ weights + rng.normal(size=(120, 30))


@pytest.mark.parametrize("solver", ["primal", "kernel"])
def test_refit_null_equals_explicit_refits(solver):
    X, Y = _ridge_data()
    model = RidgeEncoder(backend="numpy", solver=solver, cv=3).fit(X[:80], Y[:80])
    result = permutation_test(
        model, X[80:], Y[80:], method="refit", X_train=X[:80], y_train=Y[:80],
        n_permutations=20, block_length=4, random_state=0,
    )
    np.testing.assert_allclose(
        result.scores, correlation_score(Y[80:], model.predict(X[80:])), atol=1e-4
    )
    orders = block_permutations(80, 20, block_length=4, random_state=0)
    targets = [0, 1, 2]
    for p in range(3):
        for t in targets:
            refit = RidgeEncoder(
                backend="numpy", solver=solver, cv=3, alphas=[model.best_alphas_[t]]
            ).fit(X[:80], Y[:80][orders[p], t])
            explicit = correlation_score(Y[80:, t], refit.predict(X[80:]))[0]
            assert result.null[p, t] == pytest.approx(explicit, abs=1e-4)


def test_driven_target_found_and_null_p_values_roughly_uniform():
    X, Y = _ridge_data(1)
    rng = np.random.default_rng(2)
    Y = np.c_[Y[:, :1], rng.normal(size=(120, 300))]
    model = RidgeEncoder(backend="numpy", cv=3).fit(X[:80], Y[:80])
    for method, extra in (("test", {}), ("refit", dict(X_train=X[:80], y_train=Y[:80]))):
        result = permutation_test(
            model, X[80:], Y[80:], method=method, n_permutations=99, block_length=1,
            random_state=0, **extra,
        )
        assert result.p_values[0] == pytest.approx(0.01)
        assert result.p_fwe[0] == pytest.approx(0.01)
        null_p = result.p_values[1:]
        assert 0.35 < null_p.mean() < 0.65
        assert (null_p <= 0.05).mean() < 0.15
        assert result.significant(0.05, "max")[0]
