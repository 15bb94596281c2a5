"""Motion-energy features of videos: the Gabor pyramid of Nishimoto et al. (2011)."""

import numbers
from numbers import Integral, Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from .._utils.device import resolve_device
from .._utils.validation import check_int_pair, describe
from . import _gabor3d

# Offset of pymoten's log-compression, log(energy + 1e-5).
LOG_OFFSET = 1e-5


def rgb_to_luminance(rgb):
    """Return the CIE L* lightness (0-100) of sRGB frames, as pymoten does.

    The formula of ``moten.io.imagearray2luminance`` / ``moten.colorspace``:
    undo the sRGB gamma, convert to CIE XYZ (D65 primaries) and take
    ``L* = 116 f(Y) - 16`` with ``f(Y) = Y^(1/3)`` (linear below 0.008856).

    Parameters
    ----------
    rgb : ndarray of shape (..., 3)
        Red, green, blue in [0, 1].

    Returns
    -------
    ndarray of shape (...)
        Luminance in [0, 100], float64.
    """
    rgb = np.asarray(rgb, dtype=np.float64)
    linear = np.where(rgb < 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    y = linear @ np.array([0.212671, 0.715160, 0.072169])
    f_y = np.where(y < 0.008856, y * 7.787 + 4.0 / 29.0, np.cbrt(y))
    return 116.0 * f_y - 16.0


class MotionEnergy(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Motion energy of a video from a pyramid of spatio-temporal Gabor filters.

    The features of Nishimoto et al. (2011), numerically matching pymoten's
    ``MotionEnergyPyramid.project_stimulus``: each filter is a quadrature
    pair of 3-D Gabors (a spatial Gabor times a temporal Gabor) at one
    position, size, spatial frequency, temporal frequency and direction of
    motion; its energy is ``sqrt(sin_response**2 + cos_response**2)``,
    optionally log-compressed as ``log(energy + 1e-5)``. Positions tile the
    frame at each spatial frequency, as in pymoten's pyramid.

    Each 3-D Gabor is separable, so the video is first projected on all
    distinct spatial Gabors in one matrix product per chunk of frames, then
    filtered along time with the temporal Gabors (a 1-D convolution). The
    temporal window covers ``filter_temporal_width`` frames, centred as in
    pymoten (``ceil(width / 2) - 1`` frames ahead of the output frame), with
    zeros beyond the first and last frames. Chunks overlap by the window
    length, so the result does not depend on ``batch_size``.

    Parameters
    ----------
    frame_rate : float, default=15.0
        Frames per second of the video.
    temporal_frequencies : sequence of float, default=(0, 2, 4)
        Temporal frequencies of the filters, in Hz.
    spatial_frequencies : sequence of float, default=(0, 2, 4, 8, 16)
        Spatial frequencies in cycles per image height; 0 adds
        non-oriented local-luminance filters.
    directions : int or sequence of float, default=8
        Filter directions in degrees, labelled as in pymoten (see Notes);
        an integer ``n`` means ``n`` directions evenly spaced from 0.
    sf_gauss_ratio : float, default=0.6
        Spatial Gaussian s.d. (image heights) is
        ``min(sf_gauss_ratio / spatial_freq, max_spatial_env)``.
    max_spatial_env : float, default=0.3
        Largest spatial Gaussian s.d., in image heights.
    filter_spacing : float, default=3.5
        Distance between neighbouring filter centres, in Gaussian s.d.
    tf_gauss_ratio : float, default=10.0
        Temporal Gaussian s.d. (fraction of the window) is
        ``min(tf_gauss_ratio / temporal_freq, max_temporal_env)``.
    max_temporal_env : float, default=0.3
        Largest temporal Gaussian s.d., as a fraction of the window.
    include_edges : bool, default=False
        Add a ring of filters centred near the frame's edges.
    filter_temporal_width : "auto" or int, default="auto"
        Temporal window in frames; "auto" is pymoten's
        ``int(frame_rate * 2 / 3)`` (10 frames at 15 fps).
    log_compress : bool, default=True
        Return ``log(energy + 1e-5)`` (pymoten's default nonlinearity)
        rather than the energy.
    t_r : float or None, default=None
        Repetition time in seconds. When given, the (log-compressed)
        features of the frames whose onset ``k / frame_rate`` falls in
        ``[i t_r, (i + 1) t_r)`` are averaged into row ``i``; the last TR
        may be partial. pymoten itself returns one row per frame and leaves
        downsampling to the user.
    frame_shape : tuple of int or None, default=None
        ``(height, width)`` of flattened frames when ``X`` is 2-D; None
        reads a 2-D ``X`` as frames one pixel high.
    batch_size : int, default=512
        Frames processed at a time (memory grows linearly with it).
    device : {"auto", "cpu", "cuda"} or str, default="auto"
        Torch device; "auto" picks CUDA when available.
    dtype : {"float32", "float64"}, default="float32"
        Precision of the computation and of the output.
    verbose : int, default=0
        Show a progress bar over chunks of frames when > 0.

    Attributes
    ----------
    n_features_in_ : int
        Size of axis 1 of ``X`` in :meth:`fit` (frame height for a video).
    frame_shape_ : tuple of int
        ``(height, width)`` of the frames.
    n_filters_ : int
        Number of motion-energy filters (output columns).
    filters_ : pandas.DataFrame
        One row per filter, in output order: ``center_x`` and ``center_y``
        (position; ``x`` from 0 to width / height left to right, ``y`` from
        0 to 1 top to bottom), ``direction`` (pymoten's label, degrees),
        ``preferred_direction`` (the direction of motion, degrees, that
        drives the filter most: ``direction + 180``, see Notes; NaN for
        the non-oriented filters of spatial frequency 0), ``spatial_freq``
        (cycles per image height), ``spatial_env`` (size: Gaussian s.d. in
        image heights), ``temporal_freq`` (Hz), ``temporal_env``
        (Gaussian s.d., fraction of the window), and ``spatial_index`` /
        ``temporal_index`` (the distinct spatial / temporal Gabor used).
    filter_temporal_width_ : int
        Temporal window in frames.
    spatial_filters_ : ndarray of shape (n_pixels, 2 * n_spatial)
        Sine and cosine spatial Gabors (interleaved), flattened row-major.
    temporal_filters_ : ndarray of shape (n_temporal, 2, filter_temporal_width_)
        Sine and cosine temporal Gabors.

    Notes
    -----
    ``X`` is a luminance video, one frame per row, with values like
    pymoten's ``moten.io.imagearray2luminance`` (CIE L*, 0-100). RGB
    frames of shape (n_frames, height, width, 3) are converted with the
    same formula (:func:`rgb_to_luminance`); integer RGB is read as 0-255
    and floating-point RGB must lie in [0, 1].

    Directions follow pymoten's labels so that the columns match its
    output: ``direction`` is the way the filter's 3-D Gabor drifts when
    played forward. pymoten applies the temporal Gabor as a convolution
    (the window's last sample weighs the earliest frame), so a filter
    labelled ``direction`` responds most to motion towards
    ``direction + 180`` degrees, given as ``preferred_direction`` in
    :attr:`filters_` (0 = rightward, 90 = upward on screen).

    Rows are samples of one time series: transform each run separately.

    References
    ----------
    Nishimoto, S., Vu, A. T., Naselaris, T., Benjamini, Y., Yu, B. &
    Gallant, J. L. (2011). Reconstructing visual experiences from brain
    activity evoked by natural movies. Current Biology, 21(19), 1641-1646.

    Examples
    --------
    >>> import numpy as np
    >>> from neurost.features import MotionEnergy
    >>> video = np.random.default_rng(0).uniform(0, 100, size=(30, 96, 96))
    >>> energy = MotionEnergy(frame_rate=15, device="cpu").fit(video)
    >>> energy.n_filters_
    1380
    >>> energy.transform(video).shape
    (30, 1380)
    """

    def __init__(
        self,
        frame_rate=15.0,
        temporal_frequencies=(0, 2, 4),
        spatial_frequencies=(0, 2, 4, 8, 16),
        directions=8,
        sf_gauss_ratio=0.6,
        max_spatial_env=0.3,
        filter_spacing=3.5,
        tf_gauss_ratio=10.0,
        max_temporal_env=0.3,
        include_edges=False,
        filter_temporal_width="auto",
        log_compress=True,
        t_r=None,
        frame_shape=None,
        batch_size=512,
        device="auto",
        dtype="float32",
        verbose=0,
    ):
        self.frame_rate = frame_rate
        self.temporal_frequencies = temporal_frequencies
        self.spatial_frequencies = spatial_frequencies
        self.directions = directions
        self.sf_gauss_ratio = sf_gauss_ratio
        self.max_spatial_env = max_spatial_env
        self.filter_spacing = filter_spacing
        self.tf_gauss_ratio = tf_gauss_ratio
        self.max_temporal_env = max_temporal_env
        self.include_edges = include_edges
        self.filter_temporal_width = filter_temporal_width
        self.log_compress = log_compress
        self.t_r = t_r
        self.frame_shape = frame_shape
        self.batch_size = batch_size
        self.device = device
        self.dtype = dtype
        self.verbose = verbose

    _positive = Interval(Real, 0, np.inf, closed="neither")
    _parameter_constraints = {
        "frame_rate": [_positive],
        "temporal_frequencies": ["array-like"],
        "spatial_frequencies": ["array-like"],
        "directions": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "sf_gauss_ratio": [_positive],
        "max_spatial_env": [_positive],
        "filter_spacing": [_positive],
        "tf_gauss_ratio": [_positive],
        "max_temporal_env": [_positive],
        "include_edges": ["boolean"],
        "filter_temporal_width": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "log_compress": ["boolean"],
        "t_r": [None, _positive],
        "frame_shape": [None, tuple, list],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "device": "no_validation",  # checked by resolve_device
        "dtype": [StrOptions({"float32", "float64"})],
        "verbose": ["verbose"],
    }

    # ------------------------------------------------------------------ fit

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Build the filter pyramid for the frame size of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_frames, height, width), (n_frames, height, width, 3) or (n_frames, n_pixels)
            Luminance video (0-100), RGB video, or flattened frames.
        y : None
            Ignored.

        Returns
        -------
        self : MotionEnergy
        """
        self._check_params()
        frames = self._validate_video(X, reset=True)
        self.frame_shape_ = frames.shape[1:]
        rate = self._frame_rate
        if self.filter_temporal_width == "auto":
            width = _gabor3d.default_temporal_width(rate)
        else:
            width = int(self.filter_temporal_width)
        if width < 1:
            raise ValueError(
                f"filter_temporal_width='auto' gives int(frame_rate * 2 / 3) = "
                f"{width} frames at frame_rate={rate}; expected at least 1. Use a "
                "higher frame_rate or an explicit filter_temporal_width."
            )
        self.filter_temporal_width_ = width
        table = _gabor3d.pyramid_table(
            self.frame_shape_,
            temporal_frequencies=self._temporal_frequencies,
            spatial_frequencies=self._spatial_frequencies,
            directions=self._directions,
            sf_gauss_ratio=self.sf_gauss_ratio,
            max_spatial_env=self.max_spatial_env,
            filter_spacing=self.filter_spacing,
            tf_gauss_ratio=self.tf_gauss_ratio,
            max_temporal_env=self.max_temporal_env,
            include_edges=bool(self.include_edges),
        )
        if len(table) == 0:
            raise ValueError(
                "The pyramid has no filters: spatial_frequencies="
                f"{self.spatial_frequencies!r}, directions={self.directions!r} and "
                f"temporal_frequencies={self.temporal_frequencies!r} leave none."
            )
        self.filters_ = table
        self.n_filters_ = len(table)
        self._n_features_out = self.n_filters_
        self.spatial_filters_ = _gabor3d.spatial_gabors(self.frame_shape_, table)
        self.temporal_filters_ = _gabor3d.temporal_gabors(table, rate, width)
        return self

    def _check_params(self):
        """Check what the constraints cannot: contents, and t_r against the frame rate."""
        resolve_device(self.device)
        self._frame_rate = float(self.frame_rate)
        self._temporal_frequencies = _check_frequencies(
            self.temporal_frequencies, "temporal_frequencies", "Hz"
        )
        self._spatial_frequencies = _check_frequencies(
            self.spatial_frequencies, "spatial_frequencies", "cycles per image"
        )
        directions = self.directions
        if isinstance(directions, numbers.Integral):
            self._directions = [360.0 * i / directions for i in range(directions)]
        else:
            self._directions = _check_frequencies(directions, "directions", "degrees")
        self._t_r = None if self.t_r is None else float(self.t_r)
        if self._t_r is not None and self._t_r < 1.0 / self._frame_rate:
            raise ValueError(
                f"t_r={self.t_r} s is shorter than one frame interval "
                f"(1 / frame_rate = {1.0 / self._frame_rate:.4g} s), so some TRs "
                "would hold no frame; expected t_r >= 1 / frame_rate."
            )
        if self.frame_shape is not None:
            check_int_pair(self.frame_shape, "frame_shape")

    def _validate_video(self, X, reset):
        """Return ``X`` as luminance frames of shape (n_frames, height, width)."""
        integer = np.issubdtype(getattr(X, "dtype", np.float64), np.integer)
        X = validate_data(
            self,
            X,
            reset=reset,
            allow_nd=True,
            dtype=[np.float64, np.float32],
            ensure_min_samples=2,
            ensure_min_features=1,
        )
        if X.ndim == 2:
            height, width = self.frame_shape if self.frame_shape else (1, X.shape[1])
            if height * width != X.shape[1]:
                raise ValueError(
                    f"X has {X.shape[1]} pixels per row but frame_shape="
                    f"{tuple(self.frame_shape)} holds {height * width}; expected "
                    "rows of height * width pixels."
                )
            X = X.reshape(len(X), height, width)
        elif X.ndim == 4:
            if X.shape[-1] != 3:
                raise ValueError(
                    "X must be a luminance video (n_frames, height, width) or an "
                    "RGB video (n_frames, height, width, 3); got shape "
                    f"{X.shape}."
                )
            if integer:
                X = X / 255.0
            elif X.min() < 0 or X.max() > 1:
                raise ValueError(
                    "Floating-point RGB frames must lie in [0, 1]; got values in "
                    f"[{X.min():.4g}, {X.max():.4g}]. Pass uint8 (0-255) frames "
                    "or divide by 255."
                )
            X = rgb_to_luminance(X)
        elif X.ndim != 3:
            raise ValueError(
                "X must be a luminance video (n_frames, height, width), an RGB "
                "video (n_frames, height, width, 3) or flattened frames "
                f"(n_frames, n_pixels); got an array of shape {X.shape}."
            )
        if not reset and X.shape[1:] != self.frame_shape_:
            raise ValueError(
                f"X has frames of {X.shape[1]} x {X.shape[2]} pixels but the "
                f"pyramid was built in fit for {self.frame_shape_[0]} x "
                f"{self.frame_shape_[1]}; refit on frames of the new size."
            )
        return X

    # ------------------------------------------------------------ transform

    def transform(self, X):
        """Return the motion energy of every filter, per frame or per TR.

        Parameters
        ----------
        X : array-like of shape (n_frames, height, width), (n_frames, height, width, 3) or (n_frames, n_pixels)
            Video with frames of the size seen in :meth:`fit`.

        Returns
        -------
        ndarray of shape (n_frames, n_filters_) or (n_trs, n_filters_)
            Log-compressed (or raw) energies, in ``dtype``; one row per TR
            when ``t_r`` is set, with ``n_trs = ceil(n_frames / frame_rate / t_r)``.
        """
        check_is_fitted(self, "filters_")
        self._check_params()
        frames = self._validate_video(X, reset=False)
        energy = self._project(frames)
        if self._t_r is not None:
            energy = _average_within_tr(energy, self._frame_rate, self._t_r)
        return energy

    def _project(self, frames):
        import torch
        import torch.nn.functional as F

        device = resolve_device(self.device)
        dtype = getattr(torch, self.dtype)
        n_frames = len(frames)
        spatial = torch.as_tensor(self.spatial_filters_, dtype=dtype, device=device)
        temporal = torch.as_tensor(self.temporal_filters_, dtype=dtype, device=device)
        n_temporal, _, width = temporal.shape
        # conv1d correlates, pymoten's delays convolve: flip the kernels.
        kernels = temporal.flip(-1).reshape(2 * n_temporal, 1, width)
        ahead = _gabor3d.temporal_offset(width)
        behind = width - 1 - ahead
        spatial_index = torch.tensor(self.filters_["spatial_index"].to_numpy(), device=device)
        temporal_index = torch.tensor(self.filters_["temporal_index"].to_numpy(), device=device)
        flat = frames.reshape(n_frames, -1)
        out = np.empty((n_frames, self.n_filters_), dtype=self.dtype)
        starts = range(0, n_frames, self.batch_size)
        if self.verbose > 0:
            from tqdm.auto import tqdm

            starts = tqdm(starts, desc="motion energy", unit="chunk")
        with torch.inference_mode():
            for start in starts:
                stop = min(start + self.batch_size, n_frames)
                first, last = max(start - behind, 0), min(stop + ahead, n_frames)
                chunk = torch.as_tensor(flat[first:last], device=device).to(dtype)
                projected = (chunk @ spatial).T  # (2 * n_spatial, frames)
                # Zeros stand for the frames before the first and after the last.
                projected = F.pad(
                    projected,
                    (behind - (start - first), ahead - (last - stop)),
                )
                responses = F.conv1d(projected.unsqueeze(1), kernels)
                # (n_spatial, spatial sin/cos, n_temporal, temporal sin/cos, frames)
                responses = responses.reshape(-1, 2, n_temporal, 2, stop - start)
                picked = responses[spatial_index, :, temporal_index]
                sin_sin, sin_cos = picked[:, 0, 0], picked[:, 0, 1]
                cos_sin, cos_cos = picked[:, 1, 0], picked[:, 1, 1]
                energy = torch.hypot(sin_cos + cos_sin, cos_cos - sin_sin)
                if self.log_compress:
                    energy = torch.log(energy + LOG_OFFSET)
                out[start:stop] = energy.T.cpu().numpy()
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.transformer_tags.preserves_dtype = []
        tags.requires_fit = True
        return tags


def _check_frequencies(values, name, unit):
    """Return ``values`` as a list of finite, non-negative floats."""
    try:
        array = np.asarray(values, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        array = None
    if (
        array is None
        or isinstance(values, (str, bytes))
        or np.ndim(values) != 1
        or array.size == 0
        or not np.all(np.isfinite(array))
        or np.any(array < 0)
    ):
        raise ValueError(
            f"{name} must be a non-empty sequence of non-negative numbers ({unit}); "
            f"got {describe(values)}."
        )
    return [float(v) for v in array]


def _average_within_tr(features, frame_rate, t_r):
    """Average the rows whose onset ``k / frame_rate`` falls in each TR.

    Parameters
    ----------
    features : ndarray of shape (n_frames, n_features)
    frame_rate : float
        Frames per second.
    t_r : float
        Seconds per TR, at least one frame interval.

    Returns
    -------
    ndarray of shape (n_trs, n_features)
        ``n_trs = ceil(n_frames / frame_rate / t_r)``; same dtype.
    """
    n_frames = len(features)
    # A small tolerance keeps onsets that land on a TR boundary in the later TR.
    tr_of_frame = np.floor(np.arange(n_frames) / frame_rate / t_r + 1e-9).astype(int)
    n_trs = tr_of_frame[-1] + 1
    starts = np.searchsorted(tr_of_frame, np.arange(n_trs))
    sums = np.add.reduceat(features.astype(np.float64), starts, axis=0)
    counts = np.diff(np.append(starts, n_frames))[:, None]
    return (sums / counts).astype(features.dtype)
