import sys

import cv2
import imageio.v3 as iio
import numpy as np
import pytest

from neurost.datasets import load_sample_video
from neurost.datasets._package_data import package_file
from neurost.io.video import (
    Video,
    frames_per_tr,
    load_video,
    resample_video,
    to_luminance,
)


@pytest.fixture(scope="module")
def sample():
    return load_sample_video()


def test_load_video_from_gif_reads_frame_rate(sample):
    video = load_video(package_file("skimage", "data", "no_time_for_that_tiny.gif"))
    assert video.frames.shape == (24, 25, 14, 3)
    assert video.frames.dtype == np.uint8
    assert video.frame_rate == pytest.approx(1000 / 70)
    assert video.n_frames == 24
    np.testing.assert_allclose(video.frame_times[:3], [0.0, 0.07, 0.14])
    assert video.duration == pytest.approx(24 * 0.07)
    # the first frame matches the one Pillow composites in load_sample_video
    np.testing.assert_array_equal(video.frames[0], sample.frames[0])


def test_load_video_from_array_bunch_and_frame_rate_override(sample):
    video = load_video(sample.frames, frame_rate=10)
    assert isinstance(video, Video) and video.frame_rate == 10.0
    assert load_video(sample).frame_rate == pytest.approx(sample.frame_rate)
    assert load_video(sample, frame_rate=5).frame_rate == 5.0
    rgba = np.concatenate([sample.frames, sample.frames[..., :1]], axis=-1)
    assert load_video(rgba, frame_rate=10).frames.shape == sample.frames.shape


def test_load_video_from_image_files_and_directory(tmp_path, sample):
    # written in reverse so that a directory is read in sorted name order
    for index in reversed(range(4)):
        iio.imwrite(tmp_path / f"frame_{index:03d}.png", sample.frames[index])
    (tmp_path / "notes.txt").write_text("not an image")
    video = load_video(tmp_path, frame_rate=24)
    np.testing.assert_array_equal(video.frames, sample.frames[:4])
    files = [tmp_path / "frame_002.png", tmp_path / "frame_000.png"]
    np.testing.assert_array_equal(
        load_video(files, frame_rate=24).frames, sample.frames[[2, 0]]
    )


def test_load_video_from_mp4(tmp_path):
    path = tmp_path / "clip.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 12.5, (32, 24))
    for level in range(0, 250, 50):
        writer.write(np.full((24, 32, 3), level, np.uint8))
    writer.release()
    video = load_video(path)
    assert video.frames.shape == (5, 24, 32, 3)
    assert video.frame_rate == pytest.approx(12.5)
    # lossy codec: grey levels come back within a few units
    np.testing.assert_allclose(video.frames.mean(axis=(1, 2, 3)), range(0, 250, 50), atol=4)


def test_load_video_errors(tmp_path, sample):
    with pytest.raises(ValueError, match="frame_rate is required"):
        load_video(sample.frames)
    with pytest.raises(ValueError, match="frame_rate must be a positive number"):
        load_video(sample.frames, frame_rate=0)
    with pytest.raises(ValueError, match="at least 2 frame"):
        load_video(sample.frames[:1], frame_rate=10)
    with pytest.raises(ValueError, match=r"same size; got frames of shapes \[\(4, 4\), \(5, 4\)\]"):
        load_video([np.zeros((4, 4)), np.zeros((5, 4))], frame_rate=10)
    with pytest.raises(ValueError, match="source contains 1 NaN"):
        load_video(np.where(np.arange(8).reshape(2, 2, 2) == 3, np.nan, 0.0), frame_rate=1)
    with pytest.raises(ValueError, match=r"shape \(n_frames, height, width\)"):
        load_video(np.zeros((3, 4, 4, 2)), frame_rate=10)
    with pytest.raises(FileNotFoundError, match="no such file"):
        load_video(tmp_path / "missing.mp4")
    (tmp_path / "movie.xyz").write_text("?")
    with pytest.raises(ValueError, match="unsupported file type 'movie.xyz'"):
        load_video(tmp_path / "movie.xyz")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="holds no image files"):
        load_video(tmp_path / "empty", frame_rate=10)
    with pytest.raises(TypeError, match="source must be an array of frames"):
        load_video(3.0)


def test_to_luminance_matches_pymoten(sample):
    moten_io = pytest.importorskip("moten.io")
    expected = moten_io.imagearray2luminance(sample.frames[:3])
    np.testing.assert_allclose(to_luminance(sample.frames[:3]), expected, atol=1e-3)


def test_to_luminance_scale_and_greyscale():
    grey = np.array([[[0, 255], [119, 255]]], dtype=np.uint8)
    lightness = to_luminance(grey)
    assert lightness.shape == (1, 2, 2) and lightness.dtype == np.float32
    np.testing.assert_allclose(lightness[0, 0], [0.0, 100.0], atol=1e-3)
    # sRGB 119 is mid-grey: L* close to 50
    assert lightness[0, 1, 0] == pytest.approx(50.0, abs=0.5)
    rgb = np.repeat(grey[..., None], 3, axis=-1)
    np.testing.assert_allclose(to_luminance(rgb), lightness, atol=1e-3)
    np.testing.assert_allclose(to_luminance(grey / 255.0), lightness, atol=1e-3)
    with pytest.raises(ValueError, match=r"float frames must lie in \[0, 1\]"):
        to_luminance(grey * 2.0)


def test_resample_video_space_and_time():
    frames = np.stack([np.full((8, 12), value, np.float32) for value in (0.0, 10.0, 20.0)])
    frames[:, :4, :6] += 4.0
    video = Video(frames, 2.0)
    small = resample_video(video, size=(2, 3))
    assert small.frames.shape == (3, 2, 3) and small.frame_rate == 2.0
    # area average: the top-left cell holds the 4 x 4 block raised by 4
    np.testing.assert_allclose(small.frames[:, 0, 0], [4.0, 14.0, 24.0])
    np.testing.assert_allclose(small.frames[:, 1, 2], [0.0, 10.0, 20.0])
    faster = resample_video(video, frame_rate=4.0)
    assert faster.frame_rate == 4.0 and faster.n_frames == 5
    np.testing.assert_allclose(faster.frames[:, -1, -1], [0.0, 5.0, 10.0, 15.0, 20.0])
    uint8 = resample_video(Video(frames.astype(np.uint8), 2.0), frame_rate=4.0)
    assert uint8.frames.dtype == np.uint8
    assert uint8.frames[1, -1, -1] == 5
    with pytest.raises(ValueError, match="size must be a pair"):
        resample_video(video, size=(0, 3))
    with pytest.raises(ValueError, match="fewer than two frames"):
        resample_video(video, frame_rate=0.4)
    with pytest.raises(TypeError, match="video must be a Video"):
        resample_video(frames, size=(2, 3))


def test_frames_per_tr_alignment():
    trs = frames_per_tr(10, frame_rate=4.0, t_r=1.0)
    assert [list(tr) for tr in trs] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    trs = frames_per_tr(10, frame_rate=4.0, t_r=1.0, onset=0.5, n_trs=3)
    assert [list(tr) for tr in trs] == [[2, 3, 4, 5], [6, 7, 8, 9], []]
    # 29.97 Hz video, 2 s TR: TRs hold 59 or 60 frames, all covered once
    trs = frames_per_tr(2997, frame_rate=29.97, t_r=2.0)
    assert len(trs) == 50
    assert {len(tr) for tr in trs} <= {59, 60}
    np.testing.assert_array_equal(np.concatenate(trs), np.arange(2997))
    with pytest.raises(ValueError, match="shorter than the interval between frames"):
        frames_per_tr(10, frame_rate=4.0, t_r=0.2)
    with pytest.raises(ValueError, match="n_frames must be a positive integer"):
        frames_per_tr(0, frame_rate=4.0, t_r=1.0)
    with pytest.raises(ValueError, match="t_r must be a positive"):
        frames_per_tr(10, frame_rate=4.0, t_r=-1.0)


def test_import_does_not_load_torch():
    import subprocess

    code = "import neurost.io.video, sys; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


def test_damaged_video_and_image_files_are_reported(tmp_path):
    import cv2
    import imageio.v3 as iio

    frames = np.random.default_rng(0).integers(0, 255, (4, 16, 16, 3)).astype(np.uint8)
    iio.imwrite(tmp_path / "clip.gif", frames, duration=100, loop=0)
    writer = cv2.VideoWriter(
        str(tmp_path / "clip.mp4"), cv2.VideoWriter_fourcc(*"mp4v"), 10, (16, 16)
    )
    for frame in frames:
        writer.write(frame)
    writer.release()
    for name in ("clip.gif", "clip.mp4"):
        whole = (tmp_path / name).read_bytes()
        (tmp_path / f"cut-{name}").write_bytes(whole[: len(whole) // 2])
        with pytest.raises(ValueError, match=f"source: .*cut-{name}.*corrupt"):
            load_video(tmp_path / f"cut-{name}")
    (tmp_path / "frame.png").write_bytes(b"not a png")
    with pytest.raises(ValueError, match="source: cannot read .*frame.png"):
        load_video([tmp_path / "frame.png"] * 2, frame_rate=10)
    assert load_video(tmp_path / "clip.mp4").frames.shape == (4, 16, 16, 3)
