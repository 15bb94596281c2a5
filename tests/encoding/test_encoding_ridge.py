import numpy as np
import pytest
from himalaya.ridge import GroupRidgeCV, RidgeCV
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from neurost._utils.estimator_checks import expected_failed_checks
from neurost.encoding import RidgeEncoder
from neurost.features import Delayer


@parametrize_with_checks(
    [RidgeEncoder(cv=2, alphas=(0.1, 1.0, 10.0))], expected_failed_checks=expected_failed_checks
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
