"""Optical flow between video frames, pooled on a grid per TR."""

import math
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions

from .._utils.validation import check_choice, check_finite, check_int_pair, describe
from ..io.video import Video, frames_per_tr, load_video

METHODS = ("dis", "farneback", "raft")
PRESETS = ("ultrafast", "fast", "medium")

# OpenCV's DIS presets: (finest pyramid level, patch size in pixels).
_DIS_PRESETS = {"ultrafast": (2, 8), "fast": (2, 8), "medium": (1, 12)}

# cv2.calcOpticalFlowFarneback arguments: a 5-level pyramid halving the
# size at each level (motions up to ~20 px at full size), 15 px averaging
# window, 3 iterations per level, polynomial expansion over 5 px
# neighbourhoods with a Gaussian of sigma 1.2 (OpenCV's recommendation for
# poly_n=5).
FARNEBACK = dict(
    pyr_scale=0.5, levels=5, winsize=15, iterations=3, poly_n=5, poly_sigma=1.2, flags=0
)


def compute_flow(frame_a, frame_b, method="dis", preset="medium"):
    """Dense optical flow from one frame to the next, in pixels.

    The flow follows OpenCV's convention: ``flow[y, x] = (dx, dy)`` is where
    the content at pixel ``(x, y)`` of ``frame_a`` has moved to in
    ``frame_b``, so that ``frame_b[y + dy, x + dx] ~= frame_a[y, x]``. A
    scene translating right by 2 px gives ``dx = 2, dy = 0`` everywhere.

    Parameters
    ----------
    frame_a, frame_b : array-like of shape (height, width) or \
(height, width, 3)
        Greyscale or RGB frames of the same size. uint8 frames are used as
        they are (RGB is converted to BT.601 luma, OpenCV's
        ``COLOR_RGB2GRAY``); frames of any other dtype are converted to
        luma the same way and then scaled linearly to 0-255 with the
        minimum and maximum of both frames together, so that their relative
        brightness is kept.
    method : {"dis", "farneback", "raft"}, default="dis"
        ``"dis"``: OpenCV's Dense Inverse Search (Kroeger et al. 2016);
        ``"farneback"``: OpenCV's polynomial-expansion method (Farneback
        2003) with the parameters in ``neurost.features.flow.FARNEBACK``.
        ``"raft"`` is not available: it needs torchvision's ``raft_large``
        model and its weights, which neurost does not depend on.
    preset : {"ultrafast", "fast", "medium"}, default="medium"
        DIS speed/accuracy preset (OpenCV's ``DISOPTICAL_FLOW_PRESET_*``);
        ignored by Farneback.

    Returns
    -------
    numpy.ndarray of shape (height, width, 2), float32
        ``(dx, dy)`` per pixel, in pixels per frame, at full resolution.

    Raises
    ------
    ValueError
        If the frames differ in size, are not 2-D or 3-channel, are empty
        or too small for ``method`` (see :func:`check_frame_size`), contain
        NaN/Inf, or ``method``/``preset`` is not one of the choices.
    """
    method, preset = _check_method(method, preset)
    pair = []
    for name, frame in (("frame_a", frame_a), ("frame_b", frame_b)):
        frame = np.asarray(frame)
        if frame.ndim not in (2, 3) or (frame.ndim == 3 and frame.shape[-1] != 3):
            raise ValueError(
                f"{name} must have shape (height, width) or (height, width, 3); "
                f"got {describe(frame)}."
            )
        if not (np.issubdtype(frame.dtype, np.number) or frame.dtype == bool):
            raise TypeError(f"{name} must hold numbers; got {describe(frame)}.")
        pair.append(check_finite(frame, name))
    if pair[0].shape != pair[1].shape:
        raise ValueError(
            f"frame_a and frame_b must have the same shape; got {pair[0].shape} "
            f"and {pair[1].shape}."
        )
    check_frame_size(pair[0].shape[:2], method, preset, "frame_a and frame_b")
    grey = _to_uint8(np.stack(pair))
    return _flow(_engine(method, preset), grey[0], grey[1])


class OpticalFlow(TransformerMixin, BaseEstimator):
    """Optical flow of a video, a few frame pairs per TR, pooled on a grid.

    For each TR, ``frames_per_tr`` pairs of consecutive frames ``(k, k + 1)``
    are taken, their first frames evenly spaced over the TR: with ``n``
    frames in the TR starting at frame ``s``, the pairs start at
    ``s + floor(j * n / frames_per_tr)`` for ``j = 0 .. frames_per_tr - 1``
    (e.g. frames 0, 20 and 40 of a 60-frame TR). Flow is computed at full
    resolution (:func:`compute_flow`) and averaged over the area of each
    grid cell (OpenCV ``INTER_AREA``). Frames are converted to uint8 luma
    as in :func:`compute_flow`; float frames are scaled with the minimum
    and maximum over all the frames of the pairs of the video.

    Parameters
    ----------
    frames_per_tr : int, default=3
        Frame pairs per TR.
    grid : tuple of int (grid_height, grid_width), default=(32, 32)
        Size of the output grid; must not exceed the frame size.
    method : {"dis", "farneback", "raft"}, default="dis"
        See :func:`compute_flow`.
    preset : {"ultrafast", "fast", "medium"}, default="medium"
        DIS preset; see :func:`compute_flow`.
    frame_rate : float, optional
        Frames per second of array input (a :class:`neurost.io.video.Video`
        carries its own, which this overrides when given).
    t_r : float
        Repetition time in seconds (required).
    verbose : int, default=0
        Show a progress bar over frame pairs when > 0.

    Notes
    -----
    **Units.** Flow vectors are given in grid cells per frame: ``dx`` is
    divided by ``width / grid_width`` and ``dy`` by
    ``height / grid_height``, so that the values do not depend on the
    video's resolution (a motion across the whole frame in one frame
    gives ``grid_width``). Multiply by the cell size to get pixels.

    **TRs.** The video's first frame starts the first TR, and the frames
    of each TR are those of :func:`neurost.io.video.frames_per_tr`; only
    complete TRs are used (``floor(duration / t_r)`` of them). The pair starting on the last
    frame of the video, if any, is moved back by one frame.

    The transformer is stateless: :meth:`fit` only checks the parameters,
    and :meth:`transform` may be called without it.

    Examples
    --------
    >>> from neurost.datasets import load_sample_video
    >>> from neurost.io.video import load_video
    >>> video = load_video(load_sample_video())
    >>> flow = OpticalFlow(frames_per_tr=2, grid=(5, 7), t_r=0.5).fit_transform(video)
    >>> flow.shape
    (3, 2, 5, 7, 2)
    """

    def __init__(
        self,
        frames_per_tr=3,
        grid=(32, 32),
        method="dis",
        preset="medium",
        frame_rate=None,
        t_r=None,
        verbose=0,
    ):
        self.frames_per_tr = frames_per_tr
        self.grid = grid
        self.method = method
        self.preset = preset
        self.frame_rate = frame_rate
        self.t_r = t_r
        self.verbose = verbose

    _parameter_constraints = {
        "frames_per_tr": [Interval(Integral, 1, None, closed="left")],
        "grid": [tuple, list, np.ndarray],
        "method": [StrOptions(set(METHODS))],
        "preset": [StrOptions(set(PRESETS))],
        "frame_rate": [None, Interval(Real, 0, np.inf, closed="neither")],
        "t_r": [None, Interval(Real, 0, np.inf, closed="neither")],
        "verbose": ["verbose"],
    }

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X=None, y=None):
        """Check the parameters.

        Parameters
        ----------
        X : Video, array or list, optional
            Ignored (the transformer learns nothing from data).
        y : None
            Ignored.

        Returns
        -------
        self : OpticalFlow
        """
        self._check_params()
        return self

    def transform(self, X):
        """Return the grid flow of each TR.

        Parameters
        ----------
        X : Video, array-like, or list of them
            A video (:class:`neurost.io.video.Video` or an array of shape
            (n_frames, height, width[, 3]) with ``frame_rate`` set), or a
            list of videos (runs).

        Returns
        -------
        numpy.ndarray of shape (n_trs, frames_per_tr, grid_height, \
grid_width, 2), float32, or a list of them
            ``(dx, dy)`` in grid cells per frame (see Notes); a list for a
            list input.
        """
        self._validate_params()  # transform may be called without fit
        self._check_params()
        if isinstance(X, list):
            return [self._transform_one(video, f"X[{i}]") for i, video in enumerate(X)]
        return self._transform_one(X, "X")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.requires_fit = False
        return tags

    def _check_params(self):
        """Check what the constraints cannot; return the grid as two ints."""
        _check_method(self.method, self.preset)
        if self.t_r is None:
            raise ValueError("t_r is required: pass the repetition time in seconds.")
        return check_int_pair(self.grid, "grid", "grid_height, grid_width")

    def _transform_one(self, X, name):
        from tqdm.auto import tqdm

        video = _as_video(X, self.frame_rate, name)
        grid_h, grid_w = self._check_params()
        _, height, width = video.frames.shape[:3]
        check_frame_size((height, width), self.method, self.preset, f"the frames of {name}")
        if grid_h > height or grid_w > width:
            raise ValueError(
                f"grid={tuple(self.grid)} is finer than the frames of {name} "
                f"({height} x {width} pixels); use a grid of at most that size."
            )
        n_trs = int(np.floor(video.duration / self.t_r + 1e-9))
        if n_trs < 1:
            raise ValueError(
                f"{name} lasts {video.duration:g} s, shorter than one TR "
                f"(t_r={self.t_r:g} s)."
            )
        trs = frames_per_tr(video.n_frames, video.frame_rate, self.t_r, n_trs=n_trs)
        per_tr = min(len(frames) for frames in trs)
        if per_tr < self.frames_per_tr:
            raise ValueError(
                f"frames_per_tr={self.frames_per_tr} is more than the {per_tr} "
                f"frame(s) a TR of {self.t_r:g} s holds at {video.frame_rate:g} Hz "
                f"in {name}."
            )
        offsets = np.arange(self.frames_per_tr)
        starts = np.stack(
            [frames[0] + (offsets * len(frames)) // self.frames_per_tr for frames in trs]
        )
        starts = np.minimum(starts, video.n_frames - 2)
        # only the frames of the pairs are converted, all with one scaling
        used = np.unique(np.concatenate([starts.ravel(), starts.ravel() + 1]))
        grey = dict(zip(used.tolist(), _to_uint8(video.frames[used])))
        engine = _engine(self.method, self.preset)
        scale = np.array([grid_w / width, grid_h / height], dtype=np.float32)
        out = np.empty((n_trs, self.frames_per_tr, grid_h, grid_w, 2), np.float32)
        for index in tqdm(
            np.ndindex(*starts.shape),
            total=starts.size,
            disable=not self.verbose,
            desc="optical flow",
            unit="pair",
        ):
            start = int(starts[index])
            flow = _flow(engine, grey[start], grey[start + 1])
            out[index] = _pool(flow, grid_h, grid_w) * scale
        return out


def _check_method(method, preset):
    check_choice(method, "method", METHODS)
    check_choice(preset, "preset", PRESETS)
    if method == "raft":
        raise ValueError(
            "method='raft' is not available: RAFT needs torchvision's raft_large "
            "model and a local file of its pretrained weights, and neurost does "
            "not depend on torchvision. Use method='dis' or method='farneback'."
        )
    return method, preset


def check_frame_size(shape, method, preset, name):
    """Refuse frames on which the OpenCV flow of ``method`` cannot run.

    OpenCV's DIS builds an image pyramid whose coarsest level is chosen
    from the frame size and must still hold one patch (8 pixels for the
    ``"ultrafast"`` and ``"fast"`` presets, 12 for ``"medium"``); on
    smaller frames, or thin strips, it fails or crashes the interpreter.
    Farneback runs on any non-empty frame.

    Parameters
    ----------
    shape : tuple of (int, int)
        (height, width) of the frames, in pixels.
    method : {"dis", "farneback"}
    preset : {"ultrafast", "fast", "medium"}
    name : str
        What the frames are, for the message.

    Raises
    ------
    ValueError
        If the frames are empty, or too small for DIS.
    """
    height, width = (int(side) for side in shape)
    if height < 1 or width < 1:
        raise ValueError(f"{name} are empty: {height} x {width} pixels.")
    if method == "dis" and not _dis_fits(height, width, preset):
        raise ValueError(
            f"{name} ({height} x {width} pixels) are too small for "
            f"method='dis' with preset={preset!r}: OpenCV's DIS needs its "
            "coarsest pyramid level to hold a whole patch. Use "
            "method='farneback', which runs on frames of any size, or larger "
            "frames (at least 32 pixels on each side)."
        )


def _dis_fits(height, width, preset):
    """Whether OpenCV's DIS runs on frames of ``height`` x ``width`` pixels.

    This follows how OpenCV (4.9 and later) chooses the pyramid levels: the
    coarsest from the longer side, capped by the shorter one; when that is
    below the preset's finest level, from the width alone, with 8-pixel
    patches. Each level halves the frame.
    """
    finest, patch = _DIS_PRESETS[preset]
    if min(height, width) < patch:
        return False
    # int() truncates towards zero, like the C++ casts it follows.
    coarsest = min(
        int(math.log2(max(height, width) / (4 * patch)) + 0.5),
        int(math.log2(min(height, width) // patch)),
    )
    if coarsest < 0:
        return False
    if coarsest < finest:
        patch = 8
        coarsest = max(0, math.floor(math.log2(2 * width / (5 * patch))))
    return min(height, width) >> coarsest >= patch


def _as_video(X, frame_rate, name):
    if isinstance(X, Video) or hasattr(X, "frames"):
        source = X
    elif isinstance(X, np.ndarray) or hasattr(X, "__array__"):
        if frame_rate is None:
            raise ValueError(
                f"frame_rate is required for {name}, an array of frames; set "
                "OpticalFlow(frame_rate=...) in frames per second (Hz), or pass a "
                "Video from neurost.io.video.load_video."
            )
        source = np.asarray(X)
    else:
        raise TypeError(
            f"{name} must be a Video, an array of shape (n_frames, height, "
            f"width[, 3]) or a list of them; got {describe(X)}."
        )
    try:
        return load_video(source, frame_rate=frame_rate)
    except (TypeError, ValueError) as error:
        # load_video names its argument "source"; here the video is ``name``.
        raise type(error)(f"{name}: {error}") from None


def _to_uint8(frames):
    """Greyscale uint8 frames (n, height, width) for OpenCV; see compute_flow."""
    import cv2

    frames = np.asarray(frames)
    if frames.dtype == np.uint8:
        if frames.ndim == 4:
            return np.stack([cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames])
        return frames
    values = frames.astype(np.float32)
    if frames.ndim == 4:
        values = values @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    low, high = float(values.min()), float(values.max())
    scaled = (values - low) * (255.0 / (high - low)) if high > low else values * 0
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def _engine(method, preset):
    import cv2

    if method == "dis":
        code = {
            "ultrafast": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST,
            "fast": cv2.DISOPTICAL_FLOW_PRESET_FAST,
            "medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM,
        }[preset]
        return cv2.DISOpticalFlow_create(code).calc
    return lambda a, b, _: cv2.calcOpticalFlowFarneback(a, b, None, **FARNEBACK)


def _flow(engine, grey_a, grey_b):
    return np.asarray(engine(grey_a, grey_b, None), dtype=np.float32)


def _pool(flow, grid_h, grid_w):
    import cv2

    return cv2.resize(flow, (grid_w, grid_h), interpolation=cv2.INTER_AREA)
