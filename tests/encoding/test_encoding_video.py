import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks
from threadpoolctl import threadpool_limits

from neurost._utils.estimator_checks import expected_failed_checks
from neurost.datasets import load_sample_video
from neurost.encoding.video import VideoEncoder
from neurost.features import Delayer
from neurost.io.video import Video, load_video


@pytest.fixture(autouse=True)
def one_blas_thread():
    """Small solves: spinning BLAS threads only slow them down on a busy machine."""
    with threadpool_limits(1):
        yield


@parametrize_with_checks(
    [VideoEncoder(delays=(0, 1), cv=2, alphas=(0.1, 1.0, 10.0), backend="numpy")],
    expected_failed_checks=expected_failed_checks,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def _two_spaces(n_trs=400, seed=0):
    """Targets 0-3 driven (with a 2-TR lag) by space "a" only, 4-7 by "b" only."""
    rng = np.random.default_rng(seed)
    X = {"a": rng.normal(size=(n_trs, 6)), "b": rng.normal(size=(n_trs, 8))}
    lagged = {key: np.roll(value, 2, axis=0) for key, value in X.items()}
    lagged["a"][:2] = lagged["b"][:2] = 0
    Y = np.hstack(
        [lagged["a"] @ rng.normal(size=(6, 4)), lagged["b"] @ rng.normal(size=(8, 4))]
    )
    return X, Y + 0.5 * rng.normal(size=Y.shape)


def _encoder(**params):
    defaults = dict(delays=(1, 2, 3), alphas=np.logspace(-2, 4, 7), n_iter=10,
                    backend="numpy", random_state=0)
    return VideoEncoder(**{**defaults, **params})


@pytest.mark.parametrize("metric", ["r2", "r"])
def test_split_scores_credit_the_space_that_drives_each_target(metric):
    X, Y = _two_spaces()
    train = {key: value[:300] for key, value in X.items()}
    test = {key: value[300:] for key, value in X.items()}
    encoder = _encoder().fit(train, Y[:300])
    split = encoder.split_scores(test, Y[300:], metric=metric)
    assert encoder.feature_spaces_ == ("a", "b")
    assert split.shape == (2, 8)
    np.testing.assert_array_equal(split.argmax(axis=0), [0] * 4 + [1] * 4)
    assert (split[0, :4] > 0.5).all() and (np.abs(split[1, :4]) < 0.05).all()
    if metric == "r":
        from neurost.metrics import correlation_score

        joint = correlation_score(Y[300:], encoder.predict(test))
        np.testing.assert_allclose(split.sum(axis=0), joint, atol=1e-6)
        assert encoder.score(test, Y[300:]) == pytest.approx(joint.mean())
    else:
        centred = Y[300:] - Y[300:].mean(0)
        prediction = encoder.predict(test)
        residual = centred - (prediction - prediction.mean(0))
        r2 = 1 - (residual**2).sum(0) / (centred**2).sum(0)
        np.testing.assert_allclose(split.sum(axis=0), r2, atol=1e-8)


def test_banded_penalty_follows_the_informative_space():
    X, Y = _two_spaces()
    encoder = _encoder().fit(X, Y)
    deltas = encoder.ridge_.deltas_  # log scaling of each space, per target
    assert (deltas[0, :4] > deltas[1, :4]).all() and (deltas[1, 4:] > deltas[0, 4:]).all()
    assert encoder.ridge_.coef_.shape == (3 * (6 + 8), 8)
    assert encoder.n_features_per_space_ == {"a": 6, "b": 8}


def test_delays_do_not_cross_runs():
    X, Y = _two_spaces(n_trs=200)
    runs = [{key: value[:100] for key, value in X.items()},
            {key: value[100:] for key, value in X.items()}]
    encoder = _encoder().fit(runs, [Y[:100], Y[100:]])
    design = encoder._design(encoder._features([("dict", run) for run in runs], reset=False))
    z = (np.hstack([runs[1]["a"], runs[1]["b"]]) - encoder.mean_) / encoder.scale_
    expected = Delayer((1, 2, 3)).fit_transform(z[:, :6])
    np.testing.assert_allclose(design[100:, :18], expected)
    assert (design[100, :6] == 0).all()  # first TR of run 2 sees no run-1 features
    predictions = encoder.predict(runs)
    assert [p.shape for p in predictions] == [(100, 8), (100, 8)]
    np.testing.assert_allclose(np.vstack(predictions), encoder.ridge_.predict(design))
    # responses given concatenated or per run give the same fit
    concatenated = clone(encoder).fit(runs, Y)
    np.testing.assert_allclose(concatenated.ridge_.coef_, encoder.ridge_.coef_)


def test_one_precomputed_array_is_one_space():
    X, Y = _two_spaces()
    encoder = _encoder().fit(X["a"], Y[:, :4])
    assert encoder.feature_spaces_ == ("X",) and encoder.n_features_in_ == 6
    assert encoder.split_scores(X["a"], Y[:, :4]).shape == (1, 4)
    assert encoder.score(X["a"], Y[:, :4]) > 0.8


@pytest.fixture(scope="module")
def sample_video():
    return load_video(load_sample_video())


def test_video_end_to_end_shapes(sample_video):
    rng = np.random.default_rng(0)
    frames = sample_video.frames
    # three runs of the clip played forwards and backwards: 10 frames a TR
    runs = [Video(np.concatenate([frames, frames[::-1]] * 2)[:60], 20.0) for _ in range(3)]
    runs = [Video(run.frames[rng.permutation(60)], 20.0) for run in runs]
    encoder = VideoEncoder(
        features=("motion_energy", "optical_flow", "backbone"), t_r=0.5, delays=(0, 1),
        feature_params={"motion_energy": {"spatial_frequencies": (0, 2), "device": "cpu"},
                        "optical_flow": {"grid": (3, 2), "frames_per_tr": 2},
                        "backbone": {"device": "cpu"}},
        alphas=(1.0, 100.0), cv=2, n_iter=2, backend="numpy", random_state=0,
    )
    Y = [rng.normal(size=(6, 3)) for _ in runs]
    encoder.fit(runs, Y)
    sizes = encoder.n_features_per_space_
    assert encoder.feature_spaces_ == ("motion_energy", "optical_flow", "backbone")
    assert sizes["optical_flow"] == 3 * 2 * 2 and sizes["backbone"] == 34
    assert sizes["motion_energy"] == encoder.transformers_["motion_energy"].n_filters_
    assert encoder.frame_shape_ == (25, 14) and encoder.frame_rate_ == 20.0
    assert [p.shape for p in encoder.predict(runs)] == [(6, 3)] * 3
    assert encoder.split_scores(runs, Y).shape == (3, 3)
    # an array of frames with frame_rate set is the same run as a Video
    as_array = clone(encoder).set_params(frame_rate=20.0).fit(runs[0].frames, Y[0])
    np.testing.assert_allclose(as_array.predict(runs[0].frames),
                               clone(encoder).fit(runs[0], Y[0]).predict(runs[0]))


def test_video_runs_use_complete_trs_only(sample_video):
    # 24 frames at ~14.3 Hz last 1.68 s: three complete TRs of 0.5 s
    encoder = VideoEncoder(features=("optical_flow",), t_r=0.5, delays=(0,),
                           feature_params={"optical_flow": {"grid": (2, 2)}},
                           alphas=(1.0,), cv=2, backend="numpy")
    encoder.fit(sample_video, np.arange(6.0).reshape(3, 2))
    with pytest.raises(ValueError, match="y has 4 rows but X covers 3 complete TRs"):
        encoder.fit(sample_video, np.zeros((4, 2)))


def test_errors(sample_video):
    X, Y = _two_spaces(n_trs=60)
    with pytest.raises(ValueError, match="shorter than the interval between frames"):
        VideoEncoder(t_r=0.01).fit(sample_video, np.zeros((3, 1)))
    with pytest.raises(ValueError, match="at least 2 frame"):
        VideoEncoder(t_r=0.5, frame_rate=10.0).fit(np.zeros((1, 8, 8)), np.zeros((1, 1)))
    with pytest.raises(ValueError, match="frame_rate is required"):
        VideoEncoder(t_r=0.5).fit(np.zeros((20, 8, 8)), np.zeros((2, 1)))
    with pytest.raises(ValueError, match="shorter than one TR"):
        VideoEncoder(t_r=5.0).fit(sample_video, np.zeros((1, 1)))
    with pytest.raises(ValueError, match="y holds 1 runs but X holds 2"):
        _encoder().fit([X, X], [Y])
    with pytest.raises(ValueError, match=r"y\[1\] has 59 rows but run 1 covers 60"):
        _encoder().fit([X, X], [Y, Y[1:]])
    with pytest.raises(ValueError, match="same number of TRs"):
        _encoder().fit({"a": X["a"], "b": X["b"][:50]}, Y)
    with pytest.raises(ValueError, match="features"):
        VideoEncoder(features=("motion",)).fit(sample_video, np.zeros((1, 1)))
    with pytest.raises(TypeError, match="'features' parameter"):
        VideoEncoder(features="optical_flow").fit(sample_video, np.zeros((1, 1)))
    with pytest.raises(ValueError, match="delays"):
        _encoder(delays=()).fit(X, Y)
    with pytest.raises(TypeError, match="one kind"):
        _encoder().fit([X, X["a"]], [Y, Y])
    encoder = _encoder().fit(X, Y)
    with pytest.raises(ValueError, match="fitted on"):
        encoder.predict({"a": X["a"]})
    with pytest.raises(TypeError, match="kind seen in fit"):
        encoder.predict(sample_video)
    with pytest.raises(ValueError, match="metric"):
        encoder.split_scores(X, Y, metric="mse")
    with pytest.raises(ValueError, match="NaN|infinity"):
        _encoder().fit({"a": np.full((60, 2), np.nan)}, Y)


def test_frame_size_must_match_fit(sample_video):
    encoder = VideoEncoder(features=("optical_flow",), t_r=0.5, delays=(0,),
                           feature_params={"optical_flow": {"grid": (2, 2)}},
                           alphas=(1.0,), cv=2, backend="numpy")
    encoder.fit(sample_video, np.arange(6.0).reshape(3, 2))
    smaller = Video(sample_video.frames[:, :20], sample_video.frame_rate)
    with pytest.raises(ValueError, match="fitted on 25 x 14 frames"):
        encoder.predict(smaller)


def _known_weights(n_trs=500, seed=0):
    """Responses built from delayed standardised features with known weights."""
    rng = np.random.default_rng(seed)
    X = {"a": rng.normal(size=(n_trs, 3)), "b": rng.normal(size=(n_trs, 2))}
    delays = (1, 2)
    weights = rng.normal(size=(4, 5, len(delays)))  # (n_targets, n_features, n_delays)
    z = np.hstack([X["a"], X["b"]])
    z = (z - z.mean(0)) / z.std(0)
    delayed = Delayer(delays).fit_transform(z)  # columns: features of delay 1, then 2
    Y = delayed @ weights.transpose(2, 1, 0).reshape(-1, 4) + 3.0
    return X, Y + 0.05 * rng.normal(size=Y.shape), weights, delays


def test_coef_recovers_the_weights_of_each_space_and_delay():
    X, Y, weights, delays = _known_weights()
    encoder = _encoder(delays=delays, alphas=np.logspace(-3, 1, 5)).fit(X, Y)
    assert encoder.coef_.shape == (4, 5, 2)
    np.testing.assert_allclose(encoder.coef_, weights, atol=0.02)
    np.testing.assert_allclose(encoder.intercept_, 3.0, atol=0.02)
    split = encoder.split_coef()
    assert list(split) == ["a", "b"]
    np.testing.assert_array_equal(split["a"], encoder.coef_[:, :3])
    np.testing.assert_array_equal(split["b"], encoder.coef_[:, 3:])
    with pytest.raises(ValueError, match="read-only"):
        split["a"][0, 0, 0] = 1.0


def test_coef_layout_gives_the_predictions():
    X, Y = _two_spaces(n_trs=120)
    encoder = _encoder().fit(X, Y)
    z = (np.hstack([X["a"], X["b"]]) - encoder.mean_) / encoder.scale_
    expected = np.full(Y.shape, encoder.intercept_)
    for k, delay in enumerate(encoder.delays_):
        expected[delay:] += z[: len(z) - delay] @ encoder.coef_[:, :, k].T
    np.testing.assert_allclose(encoder.predict(X), expected, rtol=1e-5, atol=1e-5)


def test_coef_of_a_one_dimensional_target_has_no_target_axis():
    X, Y, weights, delays = _known_weights()
    encoder = _encoder(delays=delays, alphas=(1e-3,)).fit(X["a"], Y[:, 0])
    assert encoder.coef_.shape == (3, 2) and isinstance(encoder.intercept_, float)
    assert encoder.split_coef()["X"].shape == (3, 2)


def test_coef_needs_a_fitted_encoder():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        VideoEncoder().coef_
    assert not hasattr(VideoEncoder(), "intercept_")


def test_preferred_direction_is_the_weighted_circular_mean():
    rng = np.random.default_rng(0)
    X = {"energy": rng.normal(size=(200, 3))}
    weights = np.array([[1.0, 1.0, 5.0], [2.0, -1.0, 0.0], [-1.0, -1.0, 3.0]])
    z = (X["energy"] - X["energy"].mean(0)) / X["energy"].std(0)
    encoder = _encoder(delays=(0,), alphas=(1e-6,)).fit(X, z @ weights.T)
    # directions of the features: right, up, none (a static filter)
    directions = encoder.preferred_direction("energy", directions=[0.0, 90.0, np.nan])
    np.testing.assert_allclose(directions[:2], [45.0, 0.0], atol=1e-3)
    assert np.isnan(directions[2])  # no positive weight on an oriented feature


def test_preferred_direction_recovers_simulated_motion_tuning():
    from neurost.datasets import make_motion_dataset
    from neurost.metrics import correlation_score

    data = make_motion_dataset(
        n_trs=160, frame_rate=8.0, image_size=32, grid=(4, 4), n_voxels=20, noise=0.2,
        motions=("translation",), random_state=1,
    )
    split = 120 * 16  # 16 frames per TR
    encoder = VideoEncoder(
        features=("motion_energy",), t_r=data.t_r, delays=(1, 2, 3),
        feature_params={"motion_energy": {"spatial_frequencies": (0, 2), "device": "cpu"}},
        backend="numpy", random_state=0,
    ).fit(Video(data.frames[:split], 8.0), data.bold[:120])
    r = correlation_score(data.bold[120:], encoder.predict(Video(data.frames[split:], 8.0)))
    estimated = encoder.preferred_direction()
    # the simulator's directions are in image coordinates (90 = down)
    true = -data.voxels["preferred_direction"].to_numpy() % 360
    error = np.abs((estimated - true + 180) % 360 - 180)
    assert np.median(r) > 0.5
    # chance: a median error of 90 degrees, a quarter of the voxels within 45
    assert np.median(error) < 30 and (error < 45).mean() >= 0.8


def test_preferred_direction_errors(sample_video):
    X, Y = _two_spaces(n_trs=60)
    encoder = _encoder().fit(X, Y)
    with pytest.raises(ValueError, match="space='c' is not valid"):
        encoder.preferred_direction("c", directions=np.zeros(6))
    with pytest.raises(ValueError, match="directions is required"):
        encoder.preferred_direction("a")
    with pytest.raises(ValueError, match=r"one direction per feature of 'a', shape \(6,\)"):
        encoder.preferred_direction("a", directions=np.zeros(5))
    with pytest.raises(ValueError, match="no direction"):
        encoder.preferred_direction("a", directions=np.full(6, np.nan))
    with pytest.raises(ValueError, match="infinity"):
        encoder.preferred_direction("a", directions=np.full(6, np.inf))
