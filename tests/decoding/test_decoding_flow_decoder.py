import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks
from threadpoolctl import threadpool_limits

from neurost._utils.estimator_checks import expected_failed_checks
from neurost.datasets.motion import make_motion_dataset
from neurost.decoding.flow_decoder import (
    FlowDecoder,
    mean_flow_baseline,
    shuffled_brain_baseline,
)
from neurost.decoding.windows import make_windows
from neurost.metrics.flow import endpoint_error

@pytest.fixture(autouse=True)
def one_thread():
    """One BLAS thread: the ridge solves are small, and threads contend on shared CPUs."""
    with threadpool_limits(1):
        yield


TINY = dict(hidden=8, n_blocks=1, max_epochs=2, n_codes=4, device="cpu")


@pytest.fixture(scope="module")
def motion():
    """Held-out split of a simulated run: the first 640 TRs train, the last 160 test."""
    data = make_motion_dataset(
        n_trs=800, image_size=32, frame_rate=3.0, grid=(4, 4), frames_per_tr=2, n_voxels=60,
        noise=0.3, motions=("translation", "rotation", "expansion"), random_state=0,
    )
    X, Y = data.bold, data.flow_per_tr
    _, rows = make_windows(X[640:])
    return X[:640], Y[:640], X[640:], Y[640:], Y[640:][rows]


@pytest.fixture(scope="module")
def small():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 6)).astype(np.float32)
    Y = rng.standard_normal((30, 2, 3, 3, 2)).astype(np.float32)
    return X, Y


def _recovery(motion, params, margin):
    X_train, Y_train, X_test, Y_test, Y_true = motion
    decoder = FlowDecoder(random_state=0, **params).fit(X_train, Y_train)
    decoded = decoder.predict(X_test)
    assert decoded.shape == Y_true.shape
    epe = endpoint_error(Y_true, decoded)
    assert decoder.score(X_test, Y_test) == pytest.approx(-epe, rel=1e-5)
    no_brain = endpoint_error(Y_true, mean_flow_baseline(Y_train, len(Y_true)))
    shuffled = endpoint_error(
        Y_true, shuffled_brain_baseline(decoder, X_train, Y_train, X_test, random_state=0)
    )
    assert epe < margin * no_brain, (epe, no_brain)
    assert epe < margin * shuffled, (epe, shuffled)


def test_regression_mode_decodes_held_out_flow_better_than_baselines(motion):
    _recovery(motion, dict(mode="regression"), margin=0.75)


@pytest.mark.slow
def test_codebook_mode_decodes_held_out_flow_better_than_baselines(motion):
    params = dict(mode="codebook", hidden=32, max_epochs=40, batch_size=16, lr=3e-3,
                  patience=10, device="cpu")
    _recovery(motion, params, margin=0.85)


def test_windows_given_or_built_inside_decode_the_same(small):
    X, Y = small
    windows, rows = make_windows(X)
    decoder = FlowDecoder(mode="regression").fit(X, Y)
    decoded = decoder.predict(X)
    assert decoded.shape == (len(rows), 2, 3, 3, 2)
    np.testing.assert_allclose(decoder.predict(windows), decoded, atol=1e-5)
    np.testing.assert_allclose(decoder.score(windows, Y[rows]), decoder.score(X, Y), rtol=1e-5)
    given = FlowDecoder(mode="regression").fit(windows, Y[rows])
    assert given.predict(windows).shape == decoded.shape


def test_runs_and_padded_edges(small):
    X, Y = small
    decoder = FlowDecoder(mode="regression", edges="pad").fit([X[:15], X[15:]], Y)
    assert decoder.predict([X[:15], X[15:]]).shape == (30, 2, 3, 3, 2)
    decoder = FlowDecoder(mode="regression").fit([X[:15], X[15:]], Y)
    assert decoder.predict([X[:15], X[15:]]).shape == (22, 2, 3, 3, 2)


def test_codebook_fit_attributes_and_convex_predictions(small):
    X, Y = small
    decoder = FlowDecoder(random_state=0, **TINY).fit(X, Y)
    assert decoder.codebook_.shape == (4, 2)
    assert decoder.n_features_in_ == 6 and decoder.grid_ == (3, 3)
    assert decoder.frames_per_tr_ == 2 and decoder.window_ == (-2, 2)
    assert len(decoder.history_) >= 1 and "valid_score" in decoder.history_[0]
    decoded = decoder.predict(X)
    # a probability-weighted codebook sum lies in the codebook's bounding box
    assert (decoded >= decoder.codebook_.min(0) - 1e-5).all()
    assert (decoded <= decoder.codebook_.max(0) + 1e-5).all()


def test_without_validation_trains_every_epoch_on_all_samples(small):
    X, Y = small
    params = {**TINY, "max_epochs": 3}
    decoder = FlowDecoder(validation_fraction=0, random_state=0, **params).fit(X, Y)
    assert len(decoder.history_) == 3
    assert "valid_score" not in decoder.history_[-1]


def test_same_seed_same_decoder_and_pickle_round_trip(small):
    X, Y = small
    first = FlowDecoder(random_state=3, **TINY).fit(X, Y).predict(X)
    decoder = FlowDecoder(random_state=3, **TINY).fit(X, Y)
    np.testing.assert_array_equal(decoder.predict(X), first)
    restored = pickle.loads(pickle.dumps(decoder))
    np.testing.assert_array_equal(restored.predict(X), first)


def test_image_features_condition_the_decoder(small):
    X, Y = small
    images = np.random.default_rng(1).standard_normal((30, 6, 6, 5))
    for mode in ("codebook", "regression"):
        decoder = FlowDecoder(mode=mode, random_state=0, **TINY).fit(X, Y, image_features=images)
        assert decoder.image_channels_ == 5
        with_images = decoder.predict(X, image_features=images)
        other = decoder.predict(X, image_features=images[::-1].copy())
        assert with_images.shape == (26, 2, 3, 3, 2)
        assert not np.allclose(with_images, other)
        with pytest.raises(ValueError, match="image_features is required"):
            decoder.predict(X)
        with pytest.raises(ValueError, match="channels"):
            decoder.predict(X, image_features=images[..., :3])
    with pytest.raises(ValueError, match="fitted without them"):
        FlowDecoder(mode="regression").fit(X, Y).predict(X, image_features=images)
    with pytest.raises(ValueError, match="image_features has 29 rows"):
        FlowDecoder(mode="regression").fit(X, Y, image_features=images[:29])


def test_mean_flow_baseline_repeats_the_training_mean():
    Y = np.zeros((2, 1, 1, 2, 2), np.float32)
    Y[0, 0, 0, 0] = [1.0, 2.0]
    Y[1, 0, 0, 0] = [3.0, 0.0]
    baseline = mean_flow_baseline(Y, 3)
    assert baseline.shape == (3, 1, 1, 2, 2)
    np.testing.assert_allclose(baseline[:, 0, 0, 0], [[2.0, 1.0]] * 3)
    np.testing.assert_allclose(baseline[:, 0, 0, 1], 0)


def test_shuffled_baseline_leaves_the_decoder_and_data_untouched(small):
    X, Y = small
    decoder = FlowDecoder(mode="regression")
    Y_copy = Y.copy()
    decoded = shuffled_brain_baseline(decoder, X, Y, X, random_state=0)
    assert decoded.shape == (26, 2, 3, 3, 2)
    assert not hasattr(decoder, "window_")
    np.testing.assert_array_equal(Y, Y_copy)
    fitted = FlowDecoder(mode="regression").fit(X, Y).predict(X)
    assert not np.allclose(decoded, fitted)


def test_errors_name_the_problem(small):
    X, Y = small
    with pytest.raises(ValueError, match="leaves no sample"):
        FlowDecoder(mode="regression", window=(-20, 20)).fit(X, Y)
    with pytest.raises(ValueError, match="y must be flow fields"):
        FlowDecoder(mode="regression").fit(X, Y[..., 0])
    with pytest.raises(ValueError, match="y has 29 rows but X has 30 TRs"):
        FlowDecoder(mode="regression").fit(X, Y[:29])
    bad = Y.copy()
    bad[3, 0, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="y contains"):
        FlowDecoder(mode="regression").fit(X, bad)
    bad_X = X.copy()
    bad_X[2, 1] = np.inf
    with pytest.raises(ValueError, match="X"):
        FlowDecoder(mode="regression").fit(bad_X, Y)
    few = Y[:, :1, :1, :1]  # 26 training flow vectors after the window
    with pytest.raises(ValueError, match="n_codes=40 is larger than the 26 training flow vectors"):
        FlowDecoder(device="cpu").fit(X, few)
    with pytest.raises(ValueError, match="window"):
        FlowDecoder(window=(2, -2)).fit(X, Y)
    with pytest.raises(ValueError, match="mode"):
        FlowDecoder(mode="classify").fit(X, Y)
    with pytest.raises(ValueError, match="alphas"):
        FlowDecoder(mode="regression", alphas=[1.0, -1.0]).fit(X, Y)
    with pytest.raises(ValueError, match="validation_fraction"):
        FlowDecoder(validation_fraction=1.5).fit(X, Y)
    with pytest.raises(ValueError, match="windows of 3 TRs"):
        FlowDecoder(mode="regression").fit(np.zeros((4, 3, 6)), Y[:4])
    with pytest.raises(NotFittedError):
        FlowDecoder().predict(X)
    decoder = FlowDecoder(mode="regression").fit(X, Y)
    with pytest.raises(ValueError, match="X has 5 features, but FlowDecoder is expecting 6"):
        decoder.predict(X[:, :5])


def test_clone_pipeline_and_cross_validation(small):
    X, Y = small
    decoder = FlowDecoder(mode="regression", window=(-1, 1), alphas=[1.0, 10.0])
    assert clone(decoder).get_params() == decoder.get_params()
    pipeline = make_pipeline(StandardScaler(), decoder).fit(X, Y)
    assert pipeline.predict(X).shape == (28, 2, 3, 3, 2)
    assert isinstance(pipeline.score(X, Y), float)
    scores = cross_val_score(FlowDecoder(mode="regression", window=(-1, 1)), X, Y,
                             cv=KFold(3))
    assert scores.shape == (3,) and (scores < 0).all()


# One-TR windows, so that a prediction per row of X comes back; the checks'
# targets are tables, read as fields of one cell (flow_shape=None).
@parametrize_with_checks(
    [FlowDecoder(window=(0, 0), **TINY)], expected_failed_checks=expected_failed_checks
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_flattened_flows_round_trip_through_flow_shape(small):
    X, Y = small
    fields = FlowDecoder(mode="regression", window=(-1, 1)).fit(X, Y)
    flat = FlowDecoder(mode="regression", window=(-1, 1), flow_shape=(2, 3, 3, 2)).fit(
        X, Y.reshape(len(Y), -1)
    )
    assert flat.predict(X).shape == (28, 36)
    np.testing.assert_array_equal(flat.predict(X).reshape(28, 2, 3, 3, 2), fields.predict(X))
    assert flat.score(X, Y.reshape(len(Y), -1)) == fields.score(X, Y)


def test_vector_fields_of_any_number_of_components(small):
    X, Y = small
    speed = np.linalg.norm(Y, axis=-1, keepdims=True)  # one component per cell
    decoder = FlowDecoder(random_state=0, **TINY).fit(X, speed)
    assert decoder.codebook_.shape == (4, 1)
    assert decoder.predict(X).shape == (26, 2, 3, 3, 1)
