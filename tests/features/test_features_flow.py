import subprocess
import sys
import textwrap

import numpy as np
import pytest
from scipy import ndimage
from skimage import data
from sklearn.base import clone

from neurost.features.flow import OpticalFlow, compute_flow
from neurost.io.video import Video

MARGIN = 40  # pixels left out at the borders, where content enters or leaves


@pytest.fixture(scope="module")
def camera():
    return data.camera()


def interior_epe(flow, dx, dy):
    inner = flow[MARGIN:-MARGIN, MARGIN:-MARGIN]
    return float(np.hypot(inner[..., 0] - dx, inner[..., 1] - dy).mean())


@pytest.mark.parametrize("shift", [(0.0, 2.0), (1.5, -2.5), (-0.3, 0.7)])
def test_dis_recovers_translation(camera, shift):
    # ndimage.shift moves content by (rows, columns): dy = shift[0], dx = shift[1]
    moved = ndimage.shift(camera.astype(np.float32), shift, order=3, mode="reflect")
    flow = compute_flow(camera.astype(np.float32), moved, method="dis", preset="medium")
    assert flow.shape == camera.shape + (2,) and flow.dtype == np.float32
    assert interior_epe(flow, shift[1], shift[0]) < 0.3


def test_farneback_and_fast_presets_recover_translation(camera):
    moved = np.roll(camera, (-1, 3), axis=(0, 1))
    for method, preset, tolerance in [
        ("farneback", "medium", 0.1),
        ("dis", "fast", 0.25),
        ("dis", "ultrafast", 0.4),
    ]:
        flow = compute_flow(camera, moved, method=method, preset=preset)
        # medians: the image's flat sky leaves any method unconstrained there
        inner = flow[MARGIN:-MARGIN, MARGIN:-MARGIN]
        np.testing.assert_allclose(np.median(inner, axis=(0, 1)), [3.0, -1.0], atol=0.15)
        epe = np.hypot(inner[..., 0] - 3.0, inner[..., 1] + 1.0)
        assert np.median(epe) < tolerance, (method, preset)


def test_compute_flow_rgb_and_float_inputs_agree(camera):
    rgb = np.repeat(camera[..., None], 3, axis=-1)
    moved = np.roll(rgb, 2, axis=1)
    from_uint8 = compute_flow(rgb, moved)
    # same frames as floats in L*-like units: the joint min-max rescaling
    # brings them back to the uint8 levels
    from_float = compute_flow(rgb / 2.55, moved / 2.55)
    np.testing.assert_allclose(from_float, from_uint8, atol=0.05)
    assert interior_epe(from_uint8, 2.0, 0.0) < 0.3


def test_compute_flow_errors(camera):
    with pytest.raises(ValueError, match="same shape"):
        compute_flow(camera, camera[:-1])
    with pytest.raises(ValueError, match=r"frame_b must have shape \(height, width\)"):
        compute_flow(camera, camera[None])
    bad = camera.astype(float)
    bad[3, 4] = np.nan
    with pytest.raises(ValueError, match=r"frame_a contains 1 NaN .* index \(3, 4\)"):
        compute_flow(bad, camera)
    with pytest.raises(ValueError, match="method='lk' is not valid"):
        compute_flow(camera, camera, method="lk")
    with pytest.raises(ValueError, match="preset='slow' is not valid"):
        compute_flow(camera, camera, preset="slow")
    with pytest.raises(ValueError, match="RAFT needs torchvision's raft_large"):
        compute_flow(camera, camera, method="raft")


def panning_video(camera, steps, size=128):
    """Windows moving right by ``steps[k]`` pixels between frames k and k+1."""
    offsets = np.concatenate([[0], np.cumsum(steps)])
    return np.stack([camera[100 : 100 + size, x : x + size] for x in offsets])


def test_optical_flow_is_aligned_to_trs(camera):
    # 4 frames per TR, 2 pairs per TR start at frames 0, 2 | 4, 6 | 8, 10;
    # the window moves right by 1 + k // 2 px between frames k and k + 1,
    # so the content moves left by that much.
    steps = 1 + np.arange(12) // 2
    frames = panning_video(camera, steps)
    video = Video(frames, 4.0)
    flow = OpticalFlow(frames_per_tr=2, grid=(4, 4), t_r=1.0).fit_transform(video)
    assert flow.shape == (3, 2, 4, 4, 2) and flow.dtype == np.float32
    expected_px = -np.array([[1, 2], [3, 4], [5, 6]], dtype=float)
    # grid units: 128 px / 4 cells = 32 px per cell
    inner = flow[:, :, 1:-1, 1:-1]
    np.testing.assert_allclose(
        inner[..., 0], np.broadcast_to((expected_px / 32)[..., None, None], inner.shape[:-1]),
        atol=0.01,
    )
    np.testing.assert_allclose(inner[..., 1], 0.0, atol=0.01)


def test_optical_flow_constant_speed_gives_uniform_grid(camera):
    frames = panning_video(camera, np.full(11, 3))
    transformer = OpticalFlow(frames_per_tr=3, grid=(8, 8), frame_rate=6.0, t_r=0.5)
    flow = transformer.fit_transform(frames)
    assert flow.shape == (4, 3, 8, 8, 2)
    inner = flow[:, :, 2:-2, 2:-2]
    np.testing.assert_allclose(inner[..., 0], -3.0 / 16, atol=0.015)
    np.testing.assert_allclose(inner[..., 1], 0.0, atol=0.015)
    # a list of runs gives a list, run by run
    runs = transformer.transform([frames, frames[:6]])
    assert isinstance(runs, list) and [run.shape for run in runs] == [
        (4, 3, 8, 8, 2),
        (2, 3, 8, 8, 2),
    ]
    np.testing.assert_array_equal(runs[0], flow)


def test_optical_flow_sklearn_api_and_errors(camera):
    transformer = OpticalFlow(frames_per_tr=2, grid=(4, 4), t_r=1.0, verbose=1)
    assert clone(transformer).get_params() == transformer.get_params()
    frames = panning_video(camera, np.ones(7, int), size=64)
    with pytest.raises(ValueError, match="frame_rate is required for X"):
        transformer.fit_transform(frames)
    with pytest.raises(ValueError, match="t_r is required"):
        OpticalFlow().fit(frames)
    with pytest.raises(ValueError, match="frames_per_tr=3 is more than the 2 frame"):
        OpticalFlow(frames_per_tr=3, grid=(4, 4), t_r=1.0, frame_rate=2.0).transform(frames)
    with pytest.raises(ValueError, match="shorter than one TR"):
        OpticalFlow(frames_per_tr=1, grid=(4, 4), t_r=10.0, frame_rate=2.0).transform(frames)
    with pytest.raises(ValueError, match=r"grid=\(100, 4\) is finer than the frames"):
        OpticalFlow(grid=(100, 4), t_r=1.0, frame_rate=8.0).transform(frames)
    with pytest.raises(ValueError, match="grid must be a pair"):
        OpticalFlow(grid=(0, 4), t_r=1.0).fit(frames)
    with pytest.raises(ValueError, match="'frames_per_tr' parameter of OpticalFlow"):
        OpticalFlow(frames_per_tr=0, t_r=1.0).fit(frames)
    with pytest.raises(ValueError, match="'t_r' parameter of OpticalFlow"):
        OpticalFlow(t_r=float("nan")).transform(frames)
    with pytest.raises(ValueError, match="too small for method='dis'"):
        OpticalFlow(grid=(2, 2), t_r=1.0, frame_rate=8.0).transform(frames[:, :10, :10])
    farneback = OpticalFlow(
        frames_per_tr=1, grid=(2, 2), method="farneback", t_r=1.0, frame_rate=8.0
    ).transform(frames[:, :10, :10])
    assert farneback.shape == (1, 1, 2, 2, 2)
    with pytest.raises(TypeError, match=r"X\[1\] must be a Video"):
        OpticalFlow(grid=(4, 4), t_r=1.0, frame_rate=8.0).transform([frames, "clip"])


def test_optical_flow_progress_bar_follows_verbose(camera, capsys):
    frames = panning_video(camera, np.ones(7, int), size=64)
    OpticalFlow(frames_per_tr=2, grid=(4, 4), t_r=1.0, frame_rate=4.0).transform(frames)
    assert "optical flow" not in capsys.readouterr().err
    OpticalFlow(
        frames_per_tr=2, grid=(4, 4), t_r=1.0, frame_rate=4.0, verbose=1
    ).transform(frames)
    assert "optical flow" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("shape", "method", "preset"),
    [((0, 40), "farneback", "medium"), ((11, 11), "dis", "medium"),
     ((12, 200), "dis", "medium"), ((31, 93), "dis", "ultrafast"),
     ((7, 7), "dis", "fast")],
)
def test_frames_too_small_for_opencv_are_refused(shape, method, preset):
    frame = np.zeros(shape, np.uint8)
    with pytest.raises(ValueError, match="frame_a and frame_b .*(empty|too small)"):
        compute_flow(frame, frame, method=method, preset=preset)


_ACCEPTED_SIZES = textwrap.dedent(
    """
    import numpy as np
    from neurost.features.flow import _dis_fits, compute_flow

    rng = np.random.default_rng(0)
    for preset in ("ultrafast", "fast", "medium"):
        for short in range(8, 34, 2):
            for ratio in (1, 1.5, 3, 8):
                for shape in ((short, int(short * ratio)), (int(short * ratio), short)):
                    if _dis_fits(*shape, preset):
                        frame = rng.integers(0, 255, shape, dtype=np.uint8)
                        compute_flow(frame, frame, "dis", preset)
    """
)


def test_every_accepted_frame_size_runs_in_opencv():
    # OpenCV crashes the interpreter on some sizes: try them in a child process.
    result = subprocess.run(
        [sys.executable, "-c", _ACCEPTED_SIZES], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
