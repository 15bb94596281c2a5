import warnings

import numpy as np
import pytest
import sklearn
from himalaya.kernel_ridge import KernelRidgeCV
from himalaya.ridge import GroupRidgeCV, RidgeCV
from sklearn.model_selection import GroupKFold, LeaveOneGroupOut, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from neurost._utils.estimator_checks import expected_failed_checks
from neurost.encoding import RidgeEncoder
from neurost.features import Delayer
from neurost.metrics import correlation_score


@parametrize_with_checks(
    [
        RidgeEncoder(cv=2, alphas=(0.1, 1.0, 10.0)),
        RidgeEncoder(cv=2, alphas=(0.1, 1.0, 10.0), solver="kernel"),
    ],
    expected_failed_checks=expected_failed_checks,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.fixture
def linear_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 40)).astype(np.float32)
    weights = rng.normal(size=(40, 6))
    Y = X @ weights + rng.normal(size=(300, 6))
    return X, Y


def test_predictions_equal_himalaya_called_directly(linear_data):
    X, Y = linear_data
    alphas = np.logspace(-1, 4, 6)
    encoder = RidgeEncoder(alphas=alphas, cv=5, backend="numpy").fit(X[:200], Y[:200])
    reference = RidgeCV(alphas=alphas, cv=5, fit_intercept=True).fit(X[:200], Y[:200])
    np.testing.assert_allclose(encoder.predict(X[200:]), reference.predict(X[200:]), rtol=1e-4, atol=1e-4)
    np.testing.assert_array_equal(encoder.best_alphas_, reference.best_alphas_)


def test_per_target_alpha_follows_noise_level():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 50))
    signal = X @ rng.normal(size=(50, 1))
    Y = np.hstack([signal + 0.1 * rng.normal(size=(200, 1)), signal + 30 * rng.normal(size=(200, 1))])
    encoder = RidgeEncoder(backend="numpy").fit(X, Y)
    assert encoder.best_alphas_[1] > 10 * encoder.best_alphas_[0]


def test_grid_input_flattened_or_pooled():
    rng = np.random.default_rng(2)
    grid = rng.normal(size=(120, 3, 4, 5)).astype(np.float32)
    Y = grid.mean(axis=(1, 2)) @ rng.normal(size=(5, 2))
    flat = RidgeEncoder(backend="numpy").fit(grid, Y)
    pooled = RidgeEncoder(features="pool", backend="numpy").fit(grid, Y)
    assert flat.coef_.shape == (60, 2) and pooled.coef_.shape == (5, 2)
    assert flat.grid_shape_ == (3, 4) and flat.n_features_in_ == 60
    assert pooled.score(grid, Y) > 0.99
    with pytest.raises(ValueError, match="grid"):
        flat.predict(grid.reshape(120, 4, 3, 5))


def test_banded_ridge_matches_himalaya_and_finds_the_informative_space():
    rng = np.random.default_rng(3)
    useful, noise = rng.normal(size=(240, 10)), rng.normal(size=(240, 30))
    Y = useful @ rng.normal(size=(10, 4)) + 0.3 * rng.normal(size=(240, 4))
    X = np.hstack([useful, noise]).astype(np.float32)
    encoder = RidgeEncoder(feature_spaces=(10, 30), n_iter=15, random_state=0, backend="numpy")
    encoder.fit(X, Y)
    reference = GroupRidgeCV(
        groups=np.repeat([0, 1], [10, 30]), cv=5, random_state=0, fit_intercept=True,
        solver_params=dict(n_iter=15, alphas=np.logspace(-2, 7, 19), progress_bar=False),
    ).fit(X, Y)
    np.testing.assert_allclose(encoder.predict(X), reference.predict(X), rtol=1e-4, atol=1e-4)
    assert encoder.deltas_.shape == (2, 4)
    assert (encoder.deltas_[0] > encoder.deltas_[1]).all()


def test_delayed_events_predict_bold_in_a_pipeline():
    rng = np.random.default_rng(4)
    events = (rng.random(size=(400, 2)) < 0.1).astype(float)
    kernel = np.array([0.0, 0.4, 1.0, 0.7, 0.3])
    bold = np.column_stack([np.convolve(events[:, i], kernel)[:400] for i in range(2)])
    bold += 0.2 * rng.normal(size=bold.shape)
    model = make_pipeline(Delayer(delays=(0, 1, 2, 3, 4)), RidgeEncoder(backend="numpy"))
    scores = cross_val_score(model, events, bold, cv=4)
    assert scores.min() > 0.8


def test_standard_scaler_pipeline_and_1d_target(linear_data):
    X, Y = linear_data
    model = make_pipeline(StandardScaler(), RidgeEncoder(backend="numpy")).fit(X, Y[:, 0])
    assert model.predict(X).shape == (300,)


def test_zero_variance_target_warns_and_scores_nan(linear_data):
    X, Y = linear_data
    Y = Y.copy()
    Y[:, 2] = 3.0
    with pytest.warns(UserWarning, match="zero variance"):
        encoder = RidgeEncoder(backend="numpy").fit(X, Y)
    assert np.isfinite(encoder.score(X, Y))
    np.testing.assert_allclose(encoder.predict(X)[:, 2], 3.0, atol=1e-3)


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(features="mean"), "features"),
        (dict(alphas=(-1.0, 2.0)), "alphas"),
        (dict(feature_spaces=(10, 10)), "feature_spaces sum"),
        (dict(feature_spaces=(0, 40)), "feature_spaces"),
        (dict(backend="cupy-ish"), "backend"),
    ],
)
def test_bad_parameters(linear_data, params, match):
    X, Y = linear_data
    with pytest.raises(ValueError, match=match):
        RidgeEncoder(**params).fit(X, Y)


def test_bad_inputs(linear_data):
    X, Y = linear_data
    with pytest.raises(ValueError, match="same number of samples"):
        RidgeEncoder().fit(X, Y[:10])
    with pytest.raises(ValueError, match="feature grid"):
        RidgeEncoder().fit(X[:, :, None], Y)
    with pytest.raises(ValueError, match="NaN"):
        RidgeEncoder().fit(X, np.where(Y > 2, np.nan, Y))


@pytest.fixture
def wide_data():
    """Fewer samples (60) than features (150): the kernel route's case."""
    rng = np.random.default_rng(5)
    X = rng.normal(size=(60, 150))
    Y = X @ rng.normal(size=(150, 4)) + 2.0 + rng.normal(size=(60, 4))
    return X, Y


def assert_close(actual, desired):
    """Equal up to the precision of a float32 fit (1e-3 of the largest value)."""
    np.testing.assert_allclose(actual, desired, rtol=1e-3, atol=1e-3 * np.abs(desired).max())


def closed_form_ridge(X, Y, alpha):
    """Ridge with an unpenalised intercept, in float64: (coef, intercept)."""
    X_mean, Y_mean = X.mean(0), Y.mean(0)
    Xc = X - X_mean
    coef = np.linalg.solve(Xc.T @ Xc + alpha * np.eye(X.shape[1]), Xc.T @ (Y - Y_mean))
    return coef, Y_mean - X_mean @ coef


@pytest.mark.parametrize("solver", ["primal", "kernel"])
def test_both_routes_equal_closed_form_ridge(wide_data, solver):
    X, Y = wide_data
    encoder = RidgeEncoder(alphas=(30.0,), solver=solver, backend="numpy").fit(X, Y)
    coef, intercept = closed_form_ridge(X, Y, 30.0)
    assert encoder.solver_ == solver and encoder.coef_.shape == (150, 4)
    assert_close(encoder.coef_, coef)
    assert_close(encoder.intercept_, intercept)
    assert_close(encoder.predict(X), X @ coef + intercept)


def test_routes_choose_the_same_penalties_and_predictions(wide_data):
    X, Y = wide_data
    alphas = np.logspace(-1, 4, 11)
    kernel = RidgeEncoder(alphas=alphas, solver="kernel", backend="numpy").fit(X, Y)
    primal = RidgeEncoder(alphas=alphas, solver="primal", backend="numpy").fit(X, Y)
    np.testing.assert_array_equal(kernel.best_alphas_, primal.best_alphas_)
    assert_close(kernel.coef_, primal.coef_)
    assert_close(kernel.predict(X), primal.predict(X))
    assert kernel.deltas_ is None and primal.dual_coef_ is None


def test_kernel_route_equals_himalaya_kernel_ridge(wide_data):
    X, Y = wide_data
    alphas = np.logspace(-1, 4, 6)
    encoder = RidgeEncoder(alphas=alphas, backend="numpy").fit(X[:40], Y[:40])
    reference = KernelRidgeCV(alphas=alphas, kernel="linear", cv=5, fit_intercept=True)
    reference.fit(X[:40].astype(np.float32), Y[:40].astype(np.float32))
    assert encoder.solver_ == "kernel"
    np.testing.assert_array_equal(encoder.best_alphas_, reference.best_alphas_)
    np.testing.assert_allclose(
        encoder.predict(X[40:]), reference.predict(X[40:]), rtol=1e-4, atol=1e-4
    )
    np.testing.assert_allclose(encoder.coef_, reference.get_primal_coef(), rtol=1e-4, atol=1e-5)


def test_banded_routes_agree_on_scalings_and_weights(wide_data):
    X, Y = wide_data
    params = dict(feature_spaces=(50, 100), n_iter=8, random_state=0, backend="numpy")
    kernel = RidgeEncoder(solver="kernel", **params).fit(X, Y)
    primal = RidgeEncoder(solver="primal", **params).fit(X, Y)
    assert kernel.deltas_.shape == (2, 4)
    assert_close(kernel.deltas_, primal.deltas_)
    assert_close(kernel.best_alphas_, primal.best_alphas_)
    assert_close(kernel.coef_, primal.coef_)
    assert_close(kernel.predict(X), primal.predict(X))


def test_auto_solver_takes_the_kernel_route_for_wide_designs(wide_data, linear_data):
    assert RidgeEncoder(backend="numpy").fit(*wide_data).solver_ == "kernel"
    assert RidgeEncoder(backend="numpy").fit(*linear_data).solver_ == "primal"


@pytest.mark.parametrize("solver", ["auto", "primal", "kernel"])
@pytest.mark.parametrize("n_spaces", [1, 2])
@pytest.mark.parametrize("n_samples, n_features", [(20, 40), (40, 10)])
def test_himalaya_never_warns_about_the_route(solver, n_spaces, n_samples, n_features):
    rng = np.random.default_rng(6)
    X, Y = rng.normal(size=(n_samples, n_features)), rng.normal(size=(n_samples, 2))
    spaces = (n_features // 2, n_features // 2) if n_spaces == 2 else None
    encoder = RidgeEncoder(solver=solver, feature_spaces=spaces, n_iter=2, cv=2, backend="numpy")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        encoder.fit(X, Y)


@pytest.fixture
def grouped_data():
    """Groups share a prototype input and an output: only memorising them helps.

    The samples are interleaved (``groups`` = 0, 1, ..., 7, 0, 1, ...), so
    that plain folds hold every group on both sides.
    """
    rng = np.random.default_rng(5)
    groups = np.tile(np.arange(8), 10)
    X = rng.normal(size=(8, 30))[groups] + 0.1 * rng.normal(size=(80, 30))
    Y = rng.normal(size=(8, 3))[groups] + 0.1 * rng.normal(size=(80, 3))
    return X, Y, groups


@pytest.mark.parametrize("solver", ["primal", "kernel"])
def test_groups_stay_on_one_side_of_the_penalty_search(grouped_data, solver):
    # When a group's samples are on both sides of a split, a small penalty
    # (memorising the groups) wins; kept together, the groups tell nothing
    # about a new one, and the largest penalty wins.
    X, Y, groups = grouped_data
    params = dict(alphas=np.logspace(-2, 4, 7), backend="numpy", solver=solver)
    leaky = RidgeEncoder(cv=4, **params).fit(X, Y)
    kept = RidgeEncoder(cv=4, **params).fit(X, Y, groups=groups)
    left_out = RidgeEncoder(cv=LeaveOneGroupOut(), **params).fit(X, Y, groups=groups)
    assert kept.best_alphas_.min() >= 100 * leaky.best_alphas_.max()
    assert left_out.best_alphas_.min() >= 100 * leaky.best_alphas_.max()


def test_groups_route_through_cross_val_score(grouped_data):
    X, Y, groups = grouped_data
    with sklearn.config_context(enable_metadata_routing=True):
        encoder = RidgeEncoder(cv=3, backend="numpy").set_fit_request(groups=True)
        scores = cross_val_score(encoder, X, Y, cv=GroupKFold(4), params={"groups": groups})
    assert scores.shape == (4,)


@pytest.mark.parametrize("solver", ["primal", "kernel"])
def test_a_row_prediction_does_not_depend_on_the_other_rows(wide_data, solver):
    X, Y = wide_data
    encoder = RidgeEncoder(solver=solver, feature_spaces=(50, 100), n_iter=2, backend="numpy")
    encoder.fit(X, Y)
    together = encoder.predict(X)
    alone = np.vstack([encoder.predict(X[i : i + 1]) for i in range(len(X))])
    assert together.dtype == np.float64
    np.testing.assert_allclose(alone, together, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(encoder.predict(X[::-1]), together[::-1], rtol=1e-12, atol=1e-12)


def test_refit_on_another_route_leaves_no_stale_solution(wide_data, linear_data):
    encoder = RidgeEncoder(feature_spaces=(50, 100), n_iter=2, backend="numpy").fit(*wide_data)
    encoder.set_params(feature_spaces=None).fit(*linear_data)
    assert encoder.solver_ == "primal"
    assert encoder.deltas_ is None and encoder.dual_coef_ is None and encoder.X_fit_ is None
    assert encoder.coef_.shape == (40, 6)


def test_split_scores_share_the_joint_r2_between_spaces():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 6))
    Y = X[:, :3] @ rng.standard_normal((3, 4)) + 0.5 * X[:, 3:] @ rng.standard_normal((3, 4))
    Y += 0.3 * rng.standard_normal(Y.shape)
    encoder = RidgeEncoder(feature_spaces=[3, 3], backend="numpy", random_state=0).fit(X[:80], Y[:80])
    split = encoder.split_scores(X[80:], Y[80:])
    prediction = encoder.predict(X[80:])
    centred = Y[80:] - Y[80:].mean(0)
    joint = 1 - ((centred - (prediction - prediction.mean(0))) ** 2).sum(0) / (centred**2).sum(0)
    assert split.shape == (2, 4)
    np.testing.assert_allclose(split.sum(axis=0), joint, atol=1e-4)
    assert (split[0] > split[1]).all()
    r = encoder.split_scores(X[80:], Y[80:], metric="r")
    np.testing.assert_allclose(r.sum(axis=0), correlation_score(Y[80:], prediction), atol=1e-4)
