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


def _explicit_refit(model, X_train, y_train, X_test, target):
    """Float64 ridge of one target at the model's fitted penalty (and scalings).

    One space: penalty ``best_alphas_``; several: columns scaled by
    ``exp(deltas_ / 2)``, penalty 1, as himalaya's banded ridge.
    """
    if model.deltas_ is None:
        scale, penalty = np.ones(X_train.shape[1]), model.best_alphas_[target]
    else:
        sizes = model.feature_spaces
        scale, penalty = np.repeat(np.exp(model.deltas_[:, target] / 2), sizes), 1.0
    x_mean = X_train.mean(0) if model.fit_intercept else 0.0
    y_mean = y_train.mean() if model.fit_intercept else 0.0
    design = (X_train - x_mean) * scale
    weights = np.linalg.solve(
        design.T @ design + penalty * np.eye(len(scale)), design.T @ (y_train - y_mean)
    )
    return ((X_test - x_mean) * scale) @ weights + y_mean


@pytest.mark.parametrize(
    ("feature_spaces", "solver", "fit_intercept", "scoring"),
    [
        (None, "primal", False, "r"),
        (None, "primal", True, "r2"),
        (None, "kernel", False, "r2"),
        ([4, 4], "primal", True, "r"),
        ([4, 4], "kernel", True, "r2"),
        ([4, 4], "primal", False, "r2"),
    ],
)
def test_refit_null_equals_explicit_float64_refits(
    feature_spaces, solver, fit_intercept, scoring, monkeypatch
):
    # Responses offset by 5: with R2 the training mean added back to each
    # refit's prediction matters (leaving it out would cost about 25).
    X, Y = _ridge_data(3)
    Y = Y + 5.0
    model = RidgeEncoder(
        backend="numpy", solver=solver, cv=3, feature_spaces=feature_spaces, n_iter=6,
        alphas=np.logspace(-1, 3, 5), fit_intercept=fit_intercept, random_state=0,
    ).fit(X[:80], Y[:80])
    svd, calls = np.linalg.svd, []
    monkeypatch.setattr(np.linalg, "svd", lambda *a, **k: calls.append(1) or svd(*a, **k))
    result = permutation_test(
        model, X[80:], Y[80:], method="refit", X_train=X[:80], y_train=Y[:80],
        n_permutations=10, block_length=4, scoring=scoring, random_state=1,
    )
    monkeypatch.undo()
    # One SVD per relative scaling of the spaces: at most one per search iteration,
    # however many penalties the targets chose.
    assert len(calls) == 1 if feature_spaces is None else 1 <= len(calls) <= model.n_iter

    def score(y_true, y_pred):
        if scoring == "r":
            return correlation_score(y_true, y_pred)
        return r2_score(y_true, y_pred, multioutput="raw_values")

    np.testing.assert_allclose(result.scores, score(Y[80:], model.predict(X[80:])), atol=1e-3)
    orders = block_permutations(80, 10, block_length=4, random_state=1)
    for t in range(0, 30, 3):
        explicit = [
            _explicit_refit(model, X[:80], Y[:80][orders[p], t], X[80:], t) for p in range(10)
        ]
        np.testing.assert_allclose(
            result.null[:, t], score(np.tile(Y[80:, t], (10, 1)).T, np.array(explicit).T),
            atol=1e-4,
        )


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


def _ar1(rng, n_samples, n_targets, phi=0.8, burn_in=50):
    """Independent AR(1) series (one per column), started in their stationary regime."""
    noise = rng.normal(size=(n_samples + burn_in, n_targets))
    series = np.zeros_like(noise)
    for t in range(1, len(noise)):
        series[t] = phi * series[t - 1] + noise[t]
    return series[burn_in:]


def test_blocks_keep_the_null_calibrated_where_single_trs_do_not():
    # Predictions and responses are independent AR(1) series (phi 0.8: about
    # 5 TRs of memory), so every target is null. Blocks of 20 TRs keep the
    # false-positive rate near 0.05 (0.050-0.071 over 12 seeds; binomial
    # standard deviation 0.007 for 1,000 targets): below 0.09, which a null
    # too liberal by a factor of 2 would exceed. Shuffling single TRs
    # ignores the autocorrelation: its null is about half as wide as the
    # real one, and about 0.2 of the targets come out significant.
    rng = np.random.default_rng(2)
    prediction, y = _ar1(rng, 200, 1000), _ar1(rng, 200, 1000)
    estimator = FixedPredictions(prediction).fit()
    rates = {
        block_length: (
            permutation_test(
                estimator, None, y, n_permutations=199, block_length=block_length,
                random_state=0, return_null=False,
            ).p_values
            <= 0.05
        ).mean()
        for block_length in (20, 1)
    }
    assert 0.02 < rates[20] < 0.09
    assert rates[1] > 0.12


@pytest.mark.parametrize("scoring", ["r", "r2"])
def test_constant_targets_score_zero_and_are_never_significant(scoring):
    # 3.3 repeated 99 times: centring it in float32 would leave rounding-size
    # values, scores of about -1e11 (R2) and p-values spread over (0, 1].
    rng = np.random.default_rng(4)
    prediction = rng.normal(size=(99, 50))
    y = np.c_[np.full((99, 49), 3.3), prediction[:, 49:] + 0.1 * rng.normal(size=(99, 1))]
    prediction[:, :5] = 2.0  # constant predictions too, of constant targets
    result = permutation_test(
        FixedPredictions(prediction).fit(), None, y, n_permutations=99, block_length=1,
        scoring=scoring, random_state=0,
    )
    np.testing.assert_array_equal(result.scores[:49], 0.0)
    np.testing.assert_array_equal(result.null[:, :49], 0.0)
    np.testing.assert_array_equal(result.p_values[:49], 1.0)
    assert result.p_values[49] == pytest.approx(0.01)  # the one real target
    # method="refit": a target constant in the held-out responses
    X, Y = _ridge_data(5)
    Y[80:, :10] = 3.3
    model = RidgeEncoder(backend="numpy", cv=3).fit(X[:80], Y[:80])
    refit = permutation_test(
        model, X[80:], Y[80:], method="refit", X_train=X[:80], y_train=Y[:80],
        n_permutations=20, block_length=4, scoring=scoring, random_state=0,
    )
    np.testing.assert_array_equal(refit.scores[:10], 0.0)
    np.testing.assert_array_equal(refit.p_values[:10], 1.0)
    assert not refit.significant(0.5, None)[:10].any()
