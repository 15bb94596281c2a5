import numpy as np
import pytest
from nilearn.glm.first_level import spm_hrf
from scipy import ndimage

from neurost.datasets.motion import convolve_hrf, make_motion_dataset, pool_flow
from neurost.features.flow import OpticalFlow, compute_flow


@pytest.fixture(scope="module")
def data():
    return make_motion_dataset(n_trs=24, n_voxels=30, random_state=0)


def _warp_back(frame_next, flow):
    """frame_next sampled at (x + dx, y + dy): frame t as predicted by the flow."""
    ys, xs = np.mgrid[0 : frame_next.shape[0], 0 : frame_next.shape[1]].astype(float)
    return ndimage.map_coordinates(
        frame_next, [ys + flow[..., 1], xs + flow[..., 0]], order=3, mode="nearest"
    )


def test_shapes_dtypes_and_units(data):
    n_frames = 24 * 12  # 2 s TRs at 6 Hz
    assert data.frames.shape == (n_frames, 64, 64) and data.frames.dtype == np.float32
    assert 0 <= data.frames.min() and data.frames.max() <= 1
    assert data.flow.shape == (n_frames - 1, 64, 64, 2)
    assert data.valid.shape == (n_frames - 1, 64, 64) and data.valid.dtype == bool
    assert data.flow_per_tr.shape == (24, 3, 8, 8, 2)
    for name in ("drive", "signal", "bold"):
        assert data[name].shape == (24, 30) and np.isfinite(data[name]).all()
    assert len(data.voxels) == 30 and data.regimes["n_trs"].sum() == 24
    assert data.hrf.ndim == 1 and np.isclose(data.hrf.sum(), 1)
    # 3 pairs evenly spaced in each TR of 12 frames
    np.testing.assert_array_equal(data.pair_starts[:2], [[0, 4, 8], [12, 16, 20]])
    np.testing.assert_allclose(
        data.flow_per_tr, pool_flow(data.flow[data.pair_starts], (8, 8)), atol=1e-6
    )


def test_same_seed_same_data_other_seed_other_data(data):
    again = make_motion_dataset(n_trs=24, n_voxels=30, random_state=0)
    np.testing.assert_array_equal(again.frames, data.frames)
    np.testing.assert_array_equal(again.bold, data.bold)
    other = make_motion_dataset(n_trs=24, n_voxels=30, random_state=1)
    assert not np.allclose(other.flow_per_tr, data.flow_per_tr)


def test_translation_flow_is_the_regime_vector_and_moves_the_frames():
    data = make_motion_dataset(n_trs=6, n_voxels=5, motions=["translation"], random_state=3)
    regime = data.regimes.iloc[0]
    pairs = slice(0, 12 * int(regime["n_trs"]) - 1)
    np.testing.assert_allclose(data.flow[pairs, ..., 0], regime["dx"], atol=1e-5)
    np.testing.assert_allclose(data.flow[pairs, ..., 1], regime["dy"], atol=1e-5)
    # grid units: pixels / (64 / 8)
    np.testing.assert_allclose(data.flow_per_tr[0, ..., 0], regime["dx"] / 8, atol=1e-5)
    for t in (0, 5):
        error = np.abs(_warp_back(data.frames[t + 1], data.flow[t]) - data.frames[t])
        still = np.abs(data.frames[t + 1] - data.frames[t])
        inner = data.valid[t]
        inner[:4], inner[-4:], inner[:, :4], inner[:, -4:] = False, False, False, False
        assert np.median(error[inner]) < 0.01
        assert np.median(error[inner]) < 0.3 * np.median(still[inner])


@pytest.mark.parametrize("motion", ["rotation", "expansion", "object"])
def test_exact_flow_maps_each_frame_onto_the_next(motion):
    data = make_motion_dataset(n_trs=4, n_voxels=5, motions=[motion], random_state=1)
    for t in (2, 20, 40):
        valid = data.valid[t]
        assert valid.mean() > 0.5
        error = np.abs(_warp_back(data.frames[t + 1], data.flow[t]) - data.frames[t])[valid]
        still = np.abs(data.frames[t + 1] - data.frames[t])[valid]
        assert np.median(error) < 0.25 * np.median(still) + 1e-3, (motion, t)


def test_optical_flow_of_the_frames_agrees_with_the_ground_truth():
    data = make_motion_dataset(
        n_trs=6, n_voxels=5, motions=["translation", "rotation", "expansion"], random_state=2
    )
    medians = []
    for t in (3, 30, 40, 60):
        estimated = compute_flow(data.frames[t], data.frames[t + 1])
        inner = data.valid[t].copy()
        inner[:6], inner[-6:], inner[:, :6], inner[:, -6:] = False, False, False, False
        epe = np.median(np.hypot(*(estimated - data.flow[t])[inner].T))
        speed = np.median(np.hypot(*data.flow[t][inner].T))
        assert epe < 0.3 * speed + 0.1, t
        medians.append(epe)
    assert np.median(medians) < 0.2  # pixels per frame
    grid_flow = OpticalFlow(frames_per_tr=3, grid=(8, 8), t_r=2.0, frame_rate=6.0).fit_transform(
        data.frames
    )
    assert grid_flow.shape == data.flow_per_tr.shape
    interior = (slice(None), slice(None), slice(1, -1), slice(1, -1))
    epe = np.hypot(*np.moveaxis(grid_flow[interior] - data.flow_per_tr[interior], -1, 0))
    assert np.median(epe) < 0.05  # grid cells per frame (8 px cells)


def test_voxels_follow_their_tuning_through_the_hrf(data):
    signal = convolve_hrf(data.drive, 2.0)
    signal = (signal - signal.mean(0)) / signal.std(0)
    np.testing.assert_allclose(data.signal, signal, atol=1e-4)
    np.testing.assert_allclose(data.hrf, spm_hrf(2.0, oversampling=16))
    np.testing.assert_allclose((data.bold - data.signal).std(), 0.5, atol=0.05)
    assert (data.drive >= 0).all() and (data.drive <= 1).all()


@pytest.mark.parametrize("hrf_model", ["spm", "glover"])
def test_convolve_hrf_settles_at_the_drive_and_is_causal(hrf_model):
    drive = np.zeros((30, 2))
    drive[5:, 0] = 1.0
    drive[10, 1] = 1.0
    signal = convolve_hrf(drive, 2.0, hrf_model=hrf_model)
    assert signal.shape == (30, 2)
    np.testing.assert_allclose(signal[:6], 0, atol=1e-12)
    np.testing.assert_allclose(signal[-1, 0], 1.0, atol=1e-3)
    # peak of a single TR's response 4-8 s after it starts
    assert 2 <= int(np.argmax(signal[:, 1])) - 10 <= 4
    np.testing.assert_allclose(convolve_hrf(drive[:, 0], 2.0, hrf_model=hrf_model), signal[:, 0])


def test_convolve_hrf_without_oversampling_is_the_hrf_sampled_per_tr():
    sticks = np.zeros((40, 1))
    sticks[[3, 20]] = 1.0
    expected = np.convolve(sticks[:, 0], spm_hrf(1.5, oversampling=1))[:40]
    np.testing.assert_allclose(convolve_hrf(sticks, 1.5, oversampling=1)[:, 0], expected,
                               atol=1e-12)


def test_convolve_hrf_holds_the_drive_over_its_tr():
    # a drive of one TR equals 16 sticks of 1/16 TR each on the fine grid
    drive = np.zeros(20)
    drive[4] = 1.0
    hrf = spm_hrf(2.0, oversampling=16)
    fine = np.convolve(np.repeat(drive, 16), hrf)[: 20 * 16]
    np.testing.assert_allclose(convolve_hrf(drive, 2.0), fine[::16], atol=1e-12)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [(dict(drive=np.zeros((3, 2, 2))), ValueError, r"drive must have shape \(n_trs,\)"),
     (dict(drive=np.zeros(0)), ValueError, "drive must have shape .* at least one value"),
     (dict(drive=[0.0, np.nan]), ValueError, "drive contains 1 NaN"),
     (dict(drive="abc"), ValueError, "drive must be an array of numbers"),
     (dict(t_r=0), ValueError, "t_r"),
     (dict(hrf_model="fir"), ValueError, "hrf_model='fir' is not valid"),
     (dict(oversampling=0), ValueError, "oversampling")],
)
def test_convolve_hrf_refuses_bad_arguments(kwargs, error, match):
    arguments = {"drive": np.zeros(5), "t_r": 2.0, **kwargs}
    drive = arguments.pop("drive")
    with pytest.raises(error, match=match):
        convolve_hrf(drive, **arguments)


@pytest.mark.parametrize(
    "kwargs, match",
    [(dict(image_size=12), "image_size"), (dict(grid=(7, 8)), "multiple"),
     (dict(frames_per_tr=20), "frames_per_tr"), (dict(motions=["spin"]), "motions"),
     (dict(motions="translation"), "motions"), (dict(noise=-1.0), "noise"),
     (dict(regime_trs=(3, 2)), "regime_trs"), (dict(frame_rate=0), "frame_rate")],
)
def test_invalid_arguments_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_motion_dataset(n_trs=4, n_voxels=3, **kwargs)
