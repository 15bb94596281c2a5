"""Videos as stimuli: loading frames, luminance, resampling, TR alignment."""

import math
import numbers
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._utils.validation import (
    check_finite,
    check_int_pair,
    check_positive_int,
    check_t_r,
    describe,
)
from ._reading import read_picture

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
ANIMATION_SUFFIXES = (".gif", ".apng")
CONTAINER_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg")


@dataclass(eq=False)
class Video:
    """Frames of a video with their frame rate.

    Parameters
    ----------
    frames : numpy.ndarray of shape (n_frames, height, width) or \
(n_frames, height, width, 3)
        Greyscale or RGB frames, in the dtype they were read in (uint8 for
        image and video files).
    frame_rate : float
        Frames per second (Hz).

    Attributes
    ----------
    n_frames : int
        Number of frames.
    frame_times : numpy.ndarray of shape (n_frames,)
        Onset of each frame in seconds from the first: ``k / frame_rate``.
    duration : float
        Seconds covered by the frames: ``n_frames / frame_rate``.
    """

    frames: np.ndarray
    frame_rate: float

    @property
    def n_frames(self):
        return int(self.frames.shape[0])

    @property
    def frame_times(self):
        return np.arange(self.n_frames) / self.frame_rate

    @property
    def duration(self):
        return self.n_frames / self.frame_rate


def load_video(source, frame_rate=None):
    """Load a video from an array, image files, or a video file.

    Parameters
    ----------
    source : array-like, Video, sequence of paths, or path
        - an array of shape (n_frames, height, width) (greyscale) or
          (n_frames, height, width, 3) (RGB); ``frame_rate`` is required;
        - a :class:`Video` or any object with ``frames`` and ``frame_rate``
          attributes (such as :func:`neurost.datasets.load_sample_video`);
        - a sequence of image files, or a directory of them (read in sorted
          file-name order; suffixes ``.png .jpg .jpeg .bmp .tif .tiff
          .webp``); ``frame_rate`` is required;
        - an animated GIF/APNG (read with ``imageio.v3``; the frame rate
          comes from its per-frame ``duration`` in ms), or a video file
          ``.mp4 .avi .mov .mkv .webm .m4v .mpg .mpeg`` (read with OpenCV,
          which ships FFmpeg; the frame rate comes from the container).
    frame_rate : float, optional
        Frames per second (Hz). Required when the source does not record
        one; overrides the recorded one otherwise.

    Returns
    -------
    Video
        ``frames`` of shape (n_frames, height, width[, 3]); RGBA frames
        lose their alpha channel, files are read as uint8.

    Raises
    ------
    FileNotFoundError
        If a file or directory does not exist.
    ValueError
        If the file type is not supported, a directory holds no images,
        there are fewer than two frames, frames differ in size, the frames
        contain NaN/Inf, or no frame rate is known.
    """
    recorded = None
    if isinstance(source, Video) or (
        hasattr(source, "frames") and hasattr(source, "frame_rate")
    ):
        frames, recorded = np.asarray(source.frames), source.frame_rate
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source).expanduser()
        if not path.exists():
            raise FileNotFoundError(f"source: no such file or directory: '{path}'.")
        if path.is_dir():
            files = sorted(
                p for p in path.iterdir() if p.name.lower().endswith(IMAGE_SUFFIXES)
            )
            if not files:
                raise ValueError(
                    f"source: directory '{path}' holds no image files (expected "
                    f"names ending in one of {list(IMAGE_SUFFIXES)})."
                )
            frames = _read_images(files)
        else:
            frames, recorded = _read_video_file(path)
    elif isinstance(source, (list, tuple)) and all(
        isinstance(item, (str, os.PathLike)) for item in source
    ):
        files = [Path(item).expanduser() for item in source]
        for file in files:
            _check_suffix(file, IMAGE_SUFFIXES)
        frames = _read_images(files)
    elif isinstance(source, (list, tuple)):
        frames = _stack(list(source))
    elif isinstance(source, np.ndarray):
        frames = source
    else:
        raise TypeError(
            "source must be an array of frames, a Video, a list of image files, "
            f"a directory or a video file; got {describe(source)}."
        )
    frames = _check_frames(frames, "source")
    if frame_rate is None:
        frame_rate = recorded
    if frame_rate is None:
        raise ValueError(
            "frame_rate is required: the source records no frame rate; pass "
            "frame_rate= in frames per second (Hz)."
        )
    return Video(frames=frames, frame_rate=_check_rate(frame_rate, "frame_rate"))


def to_luminance(frames):
    """Convert frames to CIE L* lightness (0-100), as pymoten does.

    RGB values are read as sRGB: gamma-expanded to linear light, mixed into
    relative luminance ``Y = 0.2127 R + 0.7152 G + 0.0722 B`` (sRGB / BT.709
    primaries, D65 white), then ``L* = 116 f(Y) - 16`` with the CIE cube
    root ``f``. The result equals ``moten.io.imagearray2luminance`` (the
    input of pymoten's motion-energy filters). Greyscale frames are read
    as R = G = B.

    Parameters
    ----------
    frames : array-like or Video
        Shape (n_frames, height, width) or (n_frames, height, width, 3);
        uint8 (0-255), or float in [0, 1].

    Returns
    -------
    numpy.ndarray of shape (n_frames, height, width), float32
        Lightness L*, from 0 (black) to 100 (white).
    """
    if isinstance(frames, Video):
        frames = frames.frames
    frames = _check_frames(np.asarray(frames), "frames", min_frames=1)
    if frames.dtype == np.uint8:
        values = frames / 255.0
    elif np.issubdtype(frames.dtype, np.floating):
        if frames.min() < 0 or frames.max() > 1:
            raise ValueError(
                "frames: float frames must lie in [0, 1]; got values from "
                f"{frames.min():g} to {frames.max():g}. Pass uint8 frames (0-255) "
                "or divide by the maximum value."
            )
        values = frames.astype(np.float64)
    else:
        raise TypeError(
            f"frames must be uint8 (0-255) or float in [0, 1]; got dtype {frames.dtype}."
        )
    linear = np.where(values < 0.04045, values / 12.92, ((values + 0.055) / 1.055) ** 2.4)
    if linear.ndim == 4:
        linear = linear @ np.array([0.212671, 0.715160, 0.072169])
    cube = np.where(linear < 0.008856, linear * 7.787 + 4.0 / 29.0, np.cbrt(linear))
    return (116.0 * cube - 16.0).astype(np.float32)


def resample_video(video, size=None, frame_rate=None):
    """Resize the frames of a video and/or change its frame rate.

    Parameters
    ----------
    video : Video
        As returned by :func:`load_video`.
    size : tuple of int (height, width), optional
        New frame size in pixels. Downsampling averages over each output
        pixel's area (OpenCV ``INTER_AREA``, which prevents aliasing);
        upsampling interpolates bilinearly.
    frame_rate : float, optional
        New frame rate (Hz). Output frame ``j`` is taken at time
        ``j / frame_rate`` by linear interpolation between the two input
        frames around it (an input frame is returned as is where the times
        coincide); times past the last input frame are not produced.

    Returns
    -------
    Video
        uint8 input stays uint8 (rounded); other dtypes become float32.
    """
    import cv2

    if not isinstance(video, Video):
        raise TypeError(f"video must be a Video (see load_video); got {describe(video)}.")
    frames = video.frames
    if size is not None:
        height, width = check_int_pair(size, "size")
        shrinking = height <= frames.shape[1] and width <= frames.shape[2]
        interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
        work = frames if frames.dtype == np.uint8 else frames.astype(np.float32)
        frames = np.stack(
            [cv2.resize(frame, (width, height), interpolation=interpolation) for frame in work]
        )
    rate = video.frame_rate
    if frame_rate is not None:
        rate = _check_rate(frame_rate, "frame_rate")
        n_out = int(math.floor((video.n_frames - 1) * rate / video.frame_rate + 1e-9)) + 1
        if n_out < 2:
            raise ValueError(
                f"frame_rate={rate:g} Hz leaves fewer than two frames of a "
                f"{video.duration:g} s video."
            )
        position = np.arange(n_out) * video.frame_rate / rate
        before = np.minimum(np.floor(position + 1e-9).astype(int), video.n_frames - 1)
        after = np.minimum(before + 1, video.n_frames - 1)
        weight = np.clip(position - before, 0.0, 1.0)
        weight = weight.reshape((-1,) + (1,) * (frames.ndim - 1))
        mixed = (1 - weight) * frames[before] + weight * frames[after]
        frames = (
            np.clip(np.rint(mixed), 0, 255).astype(np.uint8)
            if frames.dtype == np.uint8
            else mixed.astype(np.float32)
        )
    return Video(frames=frames, frame_rate=rate)


def frames_per_tr(n_frames, frame_rate, t_r, onset=0.0, n_trs=None):
    """Indices of the frames shown during each repetition time (TR).

    Frame ``k`` is shown at ``k / frame_rate`` seconds; it belongs to TR
    ``i`` when ``onset + i * t_r <= k / frame_rate < onset + (i + 1) * t_r``.

    Parameters
    ----------
    n_frames : int
        Number of frames of the video.
    frame_rate : float
        Frames per second (Hz).
    t_r : float
        Repetition time in seconds.
    onset : float, default=0.0
        Time of the start of the first TR, in seconds on the video's clock
        (frames before it belong to no TR).
    n_trs : int, optional
        Number of TRs; by default as many as start before the end of the
        video (the last one may be only partly covered).

    Returns
    -------
    list of numpy.ndarray of int64
        One array per TR, the consecutive frame indices it covers (empty for
        a TR after the last frame).

    Raises
    ------
    ValueError
        If ``t_r`` is shorter than the interval between frames (some TRs
        would hold no frame).
    """
    n_frames = check_positive_int(n_frames, "n_frames", "frames of the video")
    frame_rate = _check_rate(frame_rate, "frame_rate")
    t_r = check_t_r(t_r)
    if t_r is None:
        raise ValueError("t_r must be a positive number of seconds; got None.")
    if t_r * frame_rate < 1 - 1e-9:
        raise ValueError(
            f"t_r={t_r:g} s is shorter than the interval between frames "
            f"({1 / frame_rate:g} s at {frame_rate:g} Hz): some TRs would hold "
            "no frame. Resample the video to a higher frame rate or use a "
            "longer t_r."
        )
    if isinstance(onset, bool) or not isinstance(onset, numbers.Real) or not math.isfinite(onset):
        raise ValueError(f"onset must be a finite number of seconds; got {describe(onset)}.")
    if n_trs is None:
        n_trs = max(int(math.ceil((n_frames / frame_rate - onset) / t_r - 1e-9)), 0)
    elif isinstance(n_trs, bool) or not isinstance(n_trs, numbers.Integral) or n_trs < 0:
        raise ValueError(f"n_trs must be a non-negative integer; got {describe(n_trs)}.")
    # First frame at or after each TR boundary; the tolerance keeps a frame
    # that falls exactly on a boundary in the TR it starts.
    starts = np.ceil((onset + np.arange(n_trs + 1) * t_r) * frame_rate - 1e-6)
    starts = np.clip(starts, 0, n_frames).astype(np.int64)
    return [np.arange(starts[i], starts[i + 1]) for i in range(n_trs)]


def _check_rate(value, name):
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ValueError(
            f"{name} must be a positive number of frames per second (Hz); got "
            f"{describe(value)}."
        )
    return float(value)


def _check_frames(frames, name, min_frames=2):
    if frames.dtype == object or not (
        np.issubdtype(frames.dtype, np.number) or frames.dtype == bool
    ):
        raise TypeError(f"{name} must hold numeric frames; got {describe(frames)}.")
    if frames.ndim == 4 and frames.shape[-1] == 4:
        frames = frames[..., :3]
    if frames.ndim not in (3, 4) or (frames.ndim == 4 and frames.shape[-1] != 3):
        raise ValueError(
            f"{name} must have shape (n_frames, height, width) or (n_frames, "
            f"height, width, 3); got {describe(frames)}."
        )
    if frames.shape[0] < min_frames:
        raise ValueError(
            f"{name} must hold at least {min_frames} frame(s); got {frames.shape[0]}."
        )
    check_finite(frames, name)
    return frames


def _check_suffix(path, suffixes):
    if not path.exists():
        raise FileNotFoundError(f"source: no such file: '{path}'.")
    if not path.name.lower().endswith(suffixes):
        raise ValueError(
            f"source: unsupported file type '{path.name}'; expected a file ending "
            f"in one of {list(suffixes)}."
        )


def _stack(frames):
    shapes = sorted({np.shape(frame) for frame in frames})
    if len(shapes) > 1:
        raise ValueError(
            f"source: frames must all have the same size; got frames of shapes {shapes}."
        )
    if not frames:
        raise ValueError("source holds no frames; expected at least two.")
    return np.stack([np.asarray(frame) for frame in frames])


def _read_images(files):
    frames = []
    for file in files:
        image = read_picture(file, "source")
        frames.append(image[..., :3] if image.ndim == 3 and image.shape[-1] == 4 else image)
    return _stack(frames)


def _read_video_file(path):
    suffixes = ANIMATION_SUFFIXES + CONTAINER_SUFFIXES
    _check_suffix(path, suffixes)
    if path.name.lower().endswith(ANIMATION_SUFFIXES):
        import imageio.v3 as iio

        frames = read_picture(path, "source", index=None)
        meta = iio.immeta(path, index=0)
        rate = None
        if meta.get("fps"):
            rate = float(meta["fps"])
        elif meta.get("duration"):
            rate = 1000.0 / float(meta["duration"])
        return frames, rate
    import cv2

    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        raise ValueError(
            f"source: '{path}' could not be opened as a video; it is truncated, "
            "corrupt or of a format OpenCV's FFmpeg cannot read."
        )
    rate = capture.get(cv2.CAP_PROP_FPS) or None
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
    capture.release()
    if not frames:
        raise ValueError(f"source: no frame could be decoded from '{path}'.")
    return np.stack(frames), rate
