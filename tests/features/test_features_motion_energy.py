"""Tests of the motion-energy features against pymoten and on known motion."""

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from neurost._utils.estimator_checks import expected_failed_checks
from neurost.features.motion_energy import MotionEnergy, rgb_to_luminance

moten = pytest.importorskip("moten")

FPS = 15


def smooth_video(n_frames, height, width, seed=0):
    """Spatially and temporally smooth noise with luminance around 50 +- 15."""
    rng = np.random.default_rng(seed)
    video = gaussian_filter(rng.normal(size=(n_frames, height, width)), (1, 2, 2))
    return 50.0 + 15.0 * video / video.std()


def drifting_grating(n_frames, size, direction, spatial_freq, temporal_freq):
    """A sinusoidal grating drifting in ``direction`` (degrees, 0 right, 90 up).

    ``spatial_freq`` is in cycles per image, ``temporal_freq`` in Hz.
    """
    coords = np.linspace(0, 1, size)
    x = coords[None, None, :]
    y = coords[None, :, None]
    t = np.arange(n_frames)[:, None, None] / FPS
    theta = np.deg2rad(direction)
    # Rows run downwards, so upward motion is towards smaller y.
    along = x * np.cos(theta) - y * np.sin(theta)
    phase = 2 * np.pi * (spatial_freq * along - temporal_freq * t)
    return 50.0 + 40.0 * np.cos(phase)


def reference(video, fps=FPS, log=True, **pyramid_kwargs):
    pyramid = moten.get_default_pyramid(
        vhsize=video.shape[1:], fps=fps, **pyramid_kwargs
    )
    nonlinearity = moten.utils.log_compress if log else (lambda x: x)
    return pyramid, pyramid.project_stimulus(
        video, output_nonlinearity=nonlinearity, dtype="float64"
    )


def scaled_error(ours, theirs):
    return np.abs(ours - theirs).max() / np.ptp(theirs)


def test_default_pyramid_at_96_pixels_has_1380_filters_in_pymoten_order():
    video = np.zeros((2, 96, 96))
    energy = MotionEnergy(frame_rate=FPS, device="cpu").fit(video)
    pyramid = moten.get_default_pyramid(vhsize=(96, 96), fps=FPS)
    assert energy.n_filters_ == pyramid.nfilters == 1380
    assert energy.filter_temporal_width_ == 10
    table = energy.filters_
    for ours, theirs in [
        ("center_x", "centerh"),
        ("center_y", "centerv"),
        ("direction", "direction"),
        ("spatial_freq", "spatial_freq"),
        ("spatial_env", "spatial_env"),
        ("temporal_freq", "temporal_freq"),
        ("temporal_env", "temporal_env"),
    ]:
        np.testing.assert_allclose(table[ours], pyramid.parameters[theirs])
    assert energy.spatial_filters_.shape == (96 * 96, 2 * table["spatial_index"].nunique())
    assert energy.temporal_filters_.shape == (3, 2, 10)


@pytest.mark.parametrize("dtype, tolerance", [("float32", 1e-3), ("float64", 1e-7)])
def test_smooth_noise_matches_pymoten(dtype, tolerance):
    video = smooth_video(50, 32, 32)
    _, expected = reference(video)
    energy = MotionEnergy(frame_rate=FPS, device="cpu", dtype=dtype)
    features = energy.fit_transform(video)
    assert features.shape == (50, 1380)
    assert features.dtype == np.dtype(dtype)
    assert scaled_error(features, expected) < tolerance


def test_moving_grating_matches_pymoten_raw_and_log():
    video = drifting_grating(40, 48, direction=45, spatial_freq=4, temporal_freq=2)
    for log in (True, False):
        _, expected = reference(video, log=log)
        energy = MotionEnergy(frame_rate=FPS, log_compress=log, device="cpu")
        assert scaled_error(energy.fit_transform(video), expected) < 1e-3


def test_non_square_frames_and_other_pyramid_match_pymoten():
    video = smooth_video(30, 24, 40, seed=1)
    kwargs = dict(
        temporal_frequencies=[0, 3],
        spatial_frequencies=[0, 2, 6],
        spatial_directions=[0, 60, 120, 180, 240, 300],
        include_edges=True,
    )
    pyramid, expected = reference(video, fps=24, **kwargs)
    energy = MotionEnergy(
        frame_rate=24,
        temporal_frequencies=(0, 3),
        spatial_frequencies=(0, 2, 6),
        directions=6,
        include_edges=True,
        device="cpu",
        dtype="float64",
    )
    features = energy.fit_transform(video)
    assert energy.n_filters_ == pyramid.nfilters
    assert energy.filter_temporal_width_ == 16
    assert scaled_error(features, expected) < 1e-7


def test_chunks_give_the_unchunked_result():
    video = smooth_video(37, 20, 20, seed=2)
    whole = MotionEnergy(device="cpu", dtype="float64", batch_size=512).fit_transform(video)
    chunked = MotionEnergy(device="cpu", dtype="float64", batch_size=4).fit_transform(video)
    np.testing.assert_allclose(chunked, whole, rtol=0, atol=1e-10)


@pytest.mark.parametrize("direction", [0, 90, 225])
def test_grating_drives_filters_tuned_to_its_direction(direction):
    video = drifting_grating(45, 32, direction, spatial_freq=4, temporal_freq=4)
    energy = MotionEnergy(device="cpu", log_compress=False).fit(video)
    # Skip the frames whose temporal window reaches past the video.
    response = energy.transform(video)[10:-10].mean(axis=0)
    table = energy.filters_
    moving = table["temporal_freq"] > 0
    best = table.loc[moving].iloc[np.argmax(response[moving.to_numpy()])]
    assert best["preferred_direction"] == direction
    # pymoten labels that filter with the opposite direction.
    assert best["direction"] == (direction + 180) % 360
    assert best["spatial_freq"] == 4
    assert best["temporal_freq"] == 4
    tuned = table[(table.spatial_freq == 4) & (table.temporal_freq == 4)]
    by_direction = (
        tuned.assign(energy=response[tuned.index]).groupby("preferred_direction")["energy"].mean()
    )
    assert by_direction.idxmax() == direction
    assert by_direction[direction] > 5 * by_direction[(direction + 180) % 360]


def test_rgb_frames_use_pymotens_luminance():
    rgb = np.random.default_rng(3).integers(0, 256, size=(3, 6, 5, 3), dtype=np.uint8)
    expected = np.stack([moten.colorspace.rgb2lab(im / 255.0)[..., 0] for im in rgb])
    np.testing.assert_allclose(rgb_to_luminance(rgb / 255.0), expected, atol=1e-10)
    energy = MotionEnergy(device="cpu", dtype="float64")
    from_rgb = energy.fit_transform(rgb)
    from_luminance = clone(energy).fit_transform(expected)
    np.testing.assert_allclose(from_rgb, from_luminance, atol=1e-10)


def test_flattened_frames_with_frame_shape():
    video = smooth_video(12, 8, 10, seed=4)
    energy = MotionEnergy(device="cpu", dtype="float64")
    expected = energy.fit_transform(video)
    flat = MotionEnergy(device="cpu", dtype="float64", frame_shape=(8, 10))
    np.testing.assert_allclose(flat.fit_transform(video.reshape(12, -1)), expected)
    assert flat.frame_shape_ == (8, 10)


def test_t_r_averages_frames_within_each_tr():
    video = smooth_video(40, 16, 16, seed=5)
    per_frame = MotionEnergy(device="cpu", dtype="float64").fit_transform(video)
    per_tr = MotionEnergy(device="cpu", dtype="float64", t_r=1.0).fit_transform(video)
    # 40 frames at 15 fps: TRs of 1 s hold frames 0-14, 15-29 and 30-39.
    assert per_tr.shape == (3, per_frame.shape[1])
    np.testing.assert_allclose(per_tr[0], per_frame[:15].mean(axis=0))
    np.testing.assert_allclose(per_tr[1], per_frame[15:30].mean(axis=0))
    np.testing.assert_allclose(per_tr[2], per_frame[30:].mean(axis=0))


@pytest.mark.parametrize(
    "X, params, error, match",
    [
        (np.zeros((1, 8, 8)), {}, ValueError, "1 sample"),
        (np.zeros(8), {}, ValueError, "2D array"),
        (np.zeros((4, 8, 8, 2)), {}, ValueError, r"RGB video \(n_frames, height, width, 3\)"),
        (np.zeros((4, 2, 8, 8, 3)), {}, ValueError, "luminance video"),
        (np.full((4, 8, 8), np.nan), {}, ValueError, "NaN"),
        (np.full((4, 8, 8, 3), 2.0), {}, ValueError, r"RGB frames must lie in \[0, 1\]"),
        (np.zeros((4, 8, 8)), {"t_r": 0.05}, ValueError, "shorter than one frame interval"),
        (np.zeros((4, 8, 8)), {"t_r": -2.0}, ValueError, "'t_r' parameter of MotionEnergy"),
        (np.zeros((4, 8, 8)), {"frame_rate": 0}, ValueError, "'frame_rate' parameter of MotionEnergy"),
        (np.zeros((4, 8, 8)), {"frame_rate": 1}, ValueError, "filter_temporal_width"),
        (np.zeros((4, 8, 8)), {"directions": "up"}, ValueError, "'directions' parameter"),
        (np.zeros((4, 8, 8)), {"spatial_frequencies": [-2]}, ValueError, "non-negative"),
        (np.zeros((4, 8, 8)), {"dtype": "float16"}, ValueError, "'dtype' parameter"),
        (np.zeros((4, 8, 8)), {"batch_size": 0}, ValueError, "batch_size"),
        (np.zeros((4, 60)), {"frame_shape": (7, 7)}, ValueError, "frame_shape=.7, 7."),
        (np.zeros((4, 60)), {"frame_shape": (6, 0)}, ValueError, "frame_shape must be a pair"),
        (np.zeros((4, 8, 8)), {"include_edges": "no"}, ValueError, "'include_edges' parameter"),
        (np.zeros((4, 8, 8)), {"filter_temporal_width": 0}, ValueError, "'filter_temporal_width'"),
    ],
)
def test_bad_input_raises_clear_errors(X, params, error, match):
    with pytest.raises(error, match=match):
        MotionEnergy(device="cpu", **params).fit(X)


def test_transform_refuses_frames_of_another_size():
    energy = MotionEnergy(device="cpu").fit(np.zeros((4, 8, 8)))
    with pytest.raises(ValueError, match="built in fit for 8 x 8"):
        energy.transform(np.zeros((4, 8, 9)))


@parametrize_with_checks(
    [
        MotionEnergy(
            device="cpu",
            spatial_frequencies=(0, 2),
            temporal_frequencies=(0, 2),
            directions=4,
        )
    ],
    expected_failed_checks=expected_failed_checks,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
