"""Voxelwise encoding of videos: feature spaces, delays and banded ridge."""

import math
from numbers import Integral, Real

import numpy as np
from scipy.sparse import issparse
from sklearn.base import BaseEstimator, MultiOutputMixin, RegressorMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from .._utils.validation import check_choice, describe
from ..features import BackboneFeatures, Delayer, MotionEnergy, OpticalFlow
from ..io.video import frames_per_tr, load_video, to_luminance
from ._himalaya import BACKENDS
from .ridge import SPLIT_METRICS, RidgeEncoder

#: Feature spaces computed from videos.
FEATURES = ("motion_energy", "optical_flow", "backbone")
#: Settings of the feature transformers that differ from their own defaults.
_DEFAULT_PARAMS = {"optical_flow": {"grid": (8, 8)}}
#: Name of the single feature space of a 2-D array of precomputed features.
_ARRAY_SPACE = "X"


class VideoEncoder(MultiOutputMixin, RegressorMixin, BaseEstimator):
    """Predict fMRI responses to videos from several feature spaces (banded ridge).

    The voxelwise encoding model of Nishimoto et al. (2011), generalised
    to several feature spaces: each run's video is turned into one feature
    time series per space, one row per repetition time (TR); each column
    is z-scored, delayed by ``delays`` TRs within its run
    (:class:`~neurost.features.Delayer`) and all spaces are fitted jointly
    with banded ridge (:class:`RidgeEncoder` with ``feature_spaces``:
    himalaya's ``GroupRidgeCV``), which learns one penalty per space and
    target. :meth:`split_scores` then says how much of each target's
    explained variance each space contributes.

    Feature spaces computed from a video (``features``):

    - ``"motion_energy"``: :class:`~neurost.features.MotionEnergy` of the
      luminance frames (CIE L*), log-compressed and averaged per TR;
    - ``"optical_flow"``: :class:`~neurost.features.OpticalFlow`, the
      ``(dx, dy)`` flow of each grid cell averaged over the TR's frame
      pairs (``2 * grid_height * grid_width`` columns; 8 x 8 grid by
      default);
    - ``"backbone"``: :class:`~neurost.features.BackboneFeatures` of every
      frame, averaged over the patch grid and over the frames of the TR
      (one column per channel; a Gabor pyramid by default, pass a
      pretrained ``model`` through ``feature_params`` for real analyses).

    Parameters
    ----------
    features : sequence of {"motion_energy", "optical_flow", "backbone"}, \
default=("motion_energy", "optical_flow")
        Feature spaces computed from videos (ignored for precomputed
        features).
    t_r : float, default=2.0
        Repetition time in seconds. A run covers its complete TRs,
        ``floor(duration / t_r)`` of them, where ``duration`` is
        ``n_frames / frame_rate``; frames after the last complete TR are
        not used.
    delays : sequence of int, default=(1, 2, 3, 4)
        Delays in TRs of the finite impulse response model; a delay never
        reaches across runs (zeros are used before a run's first TR).
    frame_rate : float, optional
        Frames per second of videos given as arrays; overrides the frame
        rate a :class:`~neurost.io.video.Video` records.
    feature_params : dict, optional
        Keyword arguments of each space's transformer, by space name, e.g.
        ``{"motion_energy": {"spatial_frequencies": (0, 2, 4)},
        "optical_flow": {"grid": (4, 4), "frames_per_tr": 2}}``.
        ``frame_rate`` and ``t_r`` are always set from the video and
        ``t_r``.
    alphas : sequence of float, optional
        Ridge penalties to try; None uses
        :data:`~neurost.encoding.ridge.DEFAULT_ALPHAS`.
    cv : int or cross-validation splitter, default=5
        Folds for choosing the penalties, over the concatenated TRs of all
        runs; an integer makes contiguous blocks of TRs.
    n_iter : int, default=20
        Random-search iterations of the banded solver (several spaces).
    backend : {"auto", "numpy", "torch", "torch_cuda"}, default="auto"
        himalaya backend.
    random_state : int, RandomState or None
        Seeds the banded solver's random search.

    Attributes
    ----------
    feature_spaces_ : tuple of str
        Names of the feature spaces, in column order.
    n_features_per_space_ : dict of str to int
        Columns of each space before delays.
    transformers_ : dict of str to transformer
        The fitted feature transformer of each space (video input only).
    frame_rate_ : float or None
        Frame rate of the training videos (None for precomputed features).
    frame_shape_ : tuple of int or None
        ``(height, width)`` of the training videos' frames.
    mean_, scale_ : ndarray of shape (n_columns,)
        Training mean and standard deviation of each feature column
        (spaces concatenated, before delays).
    coef_ : ndarray of shape (n_targets, n_features, n_delays)
        Weight of each feature (spaces concatenated in the order of
        ``feature_spaces_``, the columns of ``mean_``) at each delay of
        ``delays_``, as :class:`mne.decoding.ReceptiveField` lays out its
        ``coef_``; :meth:`split_coef` gives each space's part. Features are
        standardised before delays, so a weight is in units of ``y`` per
        training standard deviation of its feature (``scale_``). Shape
        (n_features, n_delays) when ``fit`` got a 1-D ``y``.
    intercept_ : ndarray of shape (n_targets,)
        Response to standardised features of 0 (float when ``fit`` got a
        1-D ``y``). A target's prediction at TR ``n`` is
        ``intercept_ + sum over f, k of coef_[:, f, k] * z[n - delays_[k], f]``
        with ``z = (features - mean_) / scale_`` (0 before a run's first TR).
    ridge_ : RidgeEncoder
        The fitted banded (or, with one space, plain) ridge model; its
        design matrix holds, for each space in turn, the columns of every
        delay.
    n_targets_ : int
        Number of targets (voxels, vertices).

    Notes
    -----
    ``X`` is one run or a list of runs, each either

    - a video: a :class:`~neurost.io.video.Video` (or any object with
      ``frames`` and ``frame_rate``), or an array of frames
      ``(n_frames, height, width[, 3])`` (uint8 0-255 or float in [0, 1])
      with ``frame_rate`` set; every run must have the frame size and rate
      of the training runs;
    - precomputed features: a dict mapping each space's name to an array
      ``(n_trs, ...)`` (trailing axes are flattened), or a 2-D array
      ``(n_trs, n_features)``, one space named ``"X"``.

    ``y`` is an array ``(n_trs, n_targets)`` (runs concatenated in order)
    or a list with one array per run. For a list of runs, :meth:`predict`
    returns a list.

    References
    ----------
    Nishimoto, S. et al. (2011). Reconstructing visual experiences from
    brain activity evoked by natural movies. Current Biology, 21(19).
    Dupré la Tour, T. et al. (2022). Feature-space selection with banded
    ridge regression. NeuroImage, 264, 119728.

    Examples
    --------
    >>> import numpy as np
    >>> from neurost.encoding import VideoEncoder
    >>> rng = np.random.default_rng(0)
    >>> X = {"a": rng.normal(size=(300, 5)), "b": rng.normal(size=(300, 5))}
    >>> Y = np.roll(X["a"], 1, axis=0) @ rng.normal(size=(5, 3))
    >>> Y += 0.5 * rng.normal(size=Y.shape)
    >>> encoder = VideoEncoder(delays=(1,), backend="numpy", random_state=0).fit(X, Y)
    >>> encoder.split_scores(X, Y).argmax(axis=0)
    array([0, 0, 0])
    >>> encoder.coef_.shape, encoder.split_coef()["a"].shape
    ((3, 10, 1), (3, 5, 1))
    """

    def __init__(
        self,
        features=("motion_energy", "optical_flow"),
        t_r=2.0,
        delays=(1, 2, 3, 4),
        frame_rate=None,
        feature_params=None,
        alphas=None,
        cv=5,
        n_iter=20,
        backend="auto",
        random_state=None,
    ):
        self.features = features
        self.t_r = t_r
        self.delays = delays
        self.frame_rate = frame_rate
        self.feature_params = feature_params
        self.alphas = alphas
        self.cv = cv
        self.n_iter = n_iter
        self.backend = backend
        self.random_state = random_state

    _parameter_constraints = {
        "features": [list, tuple],
        "t_r": [Interval(Real, 0, np.inf, closed="neither")],
        "delays": ["array-like", Interval(Integral, 0, None, closed="left")],
        "frame_rate": [Interval(Real, 0, np.inf, closed="neither"), None],
        "feature_params": [dict, None],
        "alphas": ["array-like", None],
        "cv": ["cv_object"],
        "n_iter": [Interval(Integral, 1, None, closed="left")],
        "backend": [StrOptions(set(BACKENDS))],
        "random_state": ["random_state"],
    }

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    # ------------------------------------------------------------------ fit

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Compute the features of every run and fit the banded ridge model.

        Parameters
        ----------
        X : video, dict, array, or list of them
            One run or a list of runs (see Notes of the class).
        y : array-like of shape (n_trs,) or (n_trs, n_targets), or list
            Responses; a list holds one array per run.

        Returns
        -------
        self
        """
        runs = _as_runs(X)
        self._check_params()
        blocks = self._features(runs, reset=True)
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        Y = self._responses(y, blocks)
        stacked = np.vstack([np.hstack(list(block.values())) for block in blocks])
        self.mean_ = stacked.mean(axis=0)
        scale = stacked.std(axis=0)
        self.scale_ = np.where(scale > 0, scale, 1.0)
        design = self._design(blocks)
        sizes = [len(self.delays_) * n for n in self.n_features_per_space_.values()]
        self.ridge_ = RidgeEncoder(
            alphas=self.alphas,
            feature_spaces=sizes if len(sizes) > 1 else None,
            cv=self.cv,
            n_iter=self.n_iter,
            backend=self.backend,
            random_state=self.random_state,
        ).fit(design, Y)
        self.n_targets_ = self.ridge_.n_targets_
        self._y_was_1d = Y.ndim == 1
        return self

    def _check_params(self):
        """What the constraints cannot check: names of spaces, the delays."""
        self._t_r = float(self.t_r)
        self.delays_ = Delayer(self.delays).fit(np.zeros((1, 1))).delays_
        params = {} if self.feature_params is None else self.feature_params
        for name, value in params.items():
            check_choice(name, "feature_params key", FEATURES)
            if not isinstance(value, dict):
                raise TypeError(
                    f"feature_params[{name!r}] must be a dict of keyword arguments; "
                    f"got {describe(value)}."
                )
        names = list(self.features)
        if not names:
            raise ValueError(f"features must name at least one space of {FEATURES}; got [].")
        for name in names:
            check_choice(name, "features", FEATURES)
        if len(set(names)) != len(names):
            raise ValueError(f"features must not repeat a space; got {self.features!r}.")
        self._params = params

    # ------------------------------------------------------------- features

    def _features(self, runs, reset):
        """Return one dict {space: (n_trs, n_columns) float64} per run."""
        kinds = {kind for kind, _ in runs}
        if len(kinds) > 1:
            raise TypeError(
                "X: every run must be of one kind, all videos or all precomputed "
                f"features; got a mix of {sorted(kinds)}."
            )
        kind = kinds.pop()
        if reset:
            self.transformers_ = {}
            self.frame_rate_ = self.frame_shape_ = None
            if hasattr(self, "n_features_in_"):
                del self.n_features_in_
        elif (kind == "video") != bool(self.transformers_):
            fitted = "videos" if self.transformers_ else "precomputed features"
            raise TypeError(f"X must be of the kind seen in fit ({fitted}).")
        blocks = []
        for index, (kind, run) in enumerate(runs):
            name = "X" if len(runs) == 1 else f"X[{index}]"
            if kind == "video":
                block = self._video_features(run, name, reset and index == 0)
            elif kind == "array":
                array = validate_data(self, run, reset=reset and index == 0, dtype=np.float64)
                block = {_ARRAY_SPACE: array}
            else:
                block = _check_precomputed(run, name)
            blocks.append(block)
        if reset:
            first = blocks[0]
            self.feature_spaces_ = tuple(first)
            self.n_features_per_space_ = {key: value.shape[1] for key, value in first.items()}
        for index, block in enumerate(blocks):
            columns = {key: value.shape[1] for key, value in block.items()}
            if columns != self.n_features_per_space_:
                raise ValueError(
                    f"X[{index}] has feature spaces {columns} (columns per space) but "
                    f"the model was fitted on {self.n_features_per_space_}."
                )
            lengths = {value.shape[0] for value in block.values()}
            if len(lengths) > 1:
                raise ValueError(
                    f"X[{index}]: feature spaces must have the same number of TRs; got "
                    f"{ {key: value.shape[0] for key, value in block.items()} }."
                )
            if lengths.pop() < 1:
                raise ValueError(f"X[{index}] holds no TR; expected at least one.")
        return blocks

    def _video_features(self, source, name, reset):
        video = load_video(source, frame_rate=self.frame_rate)
        rate, shape = video.frame_rate, video.frames.shape[1:3]
        if self._t_r * rate < 1 - 1e-9:
            raise ValueError(
                f"t_r={self._t_r:g} s is shorter than the interval between frames of "
                f"{name} ({1 / rate:g} s at {rate:g} Hz); expected t_r >= 1 / frame_rate."
            )
        n_trs = int(math.floor(video.duration / self._t_r + 1e-9))
        if n_trs < 1:
            raise ValueError(
                f"{name} lasts {video.duration:g} s, shorter than one TR "
                f"(t_r={self._t_r:g} s); expected at least one complete TR."
            )
        if reset:
            self.frame_rate_, self.frame_shape_ = rate, tuple(shape)
        elif not (math.isclose(rate, self.frame_rate_) and tuple(shape) == self.frame_shape_):
            raise ValueError(
                f"{name} has {shape[0]} x {shape[1]} frames at {rate:g} Hz but the "
                f"model was fitted on {self.frame_shape_[0]} x {self.frame_shape_[1]} "
                f"frames at {self.frame_rate_:g} Hz."
            )
        block = {}
        for space in self.features:
            params = {**_DEFAULT_PARAMS.get(space, {}), **self._params.get(space, {})}
            if space == "motion_energy":
                params.update(frame_rate=rate, t_r=self._t_r)
                frames = to_luminance(video.frames)
                if reset:
                    self.transformers_[space] = MotionEnergy(**params).fit(frames)
                values = self.transformers_[space].transform(frames)[:n_trs]
            elif space == "optical_flow":
                params.update(frame_rate=rate, t_r=self._t_r)
                if reset:
                    self.transformers_[space] = OpticalFlow(**params).fit()
                flow = self.transformers_[space].transform(video)
                values = flow.mean(axis=1).reshape(n_trs, -1)
            else:
                if reset:
                    self.transformers_[space] = BackboneFeatures(**params).fit(video.frames)
                trs = frames_per_tr(video.n_frames, rate, self._t_r, n_trs=n_trs)
                used = video.frames[: trs[-1][-1] + 1]
                grid = self.transformers_[space].transform(used)
                per_frame = grid.mean(axis=(1, 2))
                values = np.stack([per_frame[frames].mean(axis=0) for frames in trs])
            block[space] = np.asarray(values, dtype=np.float64)
        return block

    def _responses(self, y, blocks):
        lengths = [len(next(iter(block.values()))) for block in blocks]
        if isinstance(y, list) and y and all(hasattr(part, "__array__") for part in y):
            if len(y) != len(blocks):
                raise ValueError(
                    f"y holds {len(y)} runs but X holds {len(blocks)}; expected one "
                    "response array per run."
                )
            parts = [np.asarray(part) for part in y]
            for index, (part, n_trs) in enumerate(zip(parts, lengths)):
                if part.ndim == 0 or len(part) != n_trs:
                    raise ValueError(
                        f"y[{index}] has {len(part) if part.ndim else 0} rows but run "
                        f"{index} covers {n_trs} complete TRs; expected one row per TR."
                    )
            if len({part.ndim for part in parts}) > 1:
                raise ValueError("y: every run's responses must have the same number of axes.")
            y = np.concatenate(parts)
        y = np.asarray(y)
        if y.ndim == 0 or len(y) != sum(lengths):
            raise ValueError(
                f"y has {len(y) if y.ndim else 0} rows but X covers {sum(lengths)} "
                f"complete TRs (runs of {lengths} TRs); expected one row per TR."
            )
        return y

    def _design(self, blocks):
        """Z-score, delay within each run, and order the columns by space."""
        runs = []
        for block in blocks:
            z = (np.hstack(list(block.values())) - self.mean_) / self.scale_
            bounds = np.cumsum([0, *self.n_features_per_space_.values()])
            runs.append(
                np.hstack(
                    [
                        Delayer(self.delays_.tolist()).fit_transform(z[:, start:stop])
                        for start, stop in zip(bounds[:-1], bounds[1:])
                    ]
                )
            )
        return np.vstack(runs)

    def _transformed(self, X):
        check_is_fitted(self)
        runs = _as_runs(X)
        blocks = self._features(runs, reset=False)
        return blocks, self._design(blocks)

    # -------------------------------------------------------------- predict

    def predict(self, X):
        """Predict the responses of every run.

        Parameters
        ----------
        X : video, dict, array, or list of them
            Runs of the kind seen in :meth:`fit`.

        Returns
        -------
        ndarray of shape (n_trs, n_targets), or a list of them for a list
        of runs; (n_trs,) when ``fit`` got a 1-D ``y``
        """
        blocks, design = self._transformed(X)
        prediction = self.ridge_.predict(design)
        if not _is_run_list(X):
            return prediction
        lengths = [len(next(iter(block.values()))) for block in blocks]
        return np.split(prediction, np.cumsum(lengths)[:-1])

    def score(self, X, y):
        """Mean Pearson r over targets (targets with zero variance ignored).

        Per-target scores: ``neurost.metrics.correlation_score`` of the
        concatenated runs.
        """
        blocks, design = self._transformed(X)
        return self.ridge_.score(design, self._responses(y, blocks))

    def split_scores(self, X, y, metric="r2"):
        """Each feature space's share of each target's prediction score.

        The joint prediction is the sum of one prediction per space (its
        delayed columns times their coefficients); the shares are those of
        :meth:`RidgeEncoder.split_scores` on the delayed design.

        Parameters
        ----------
        X : video, dict, array, or list of them
            Held-out runs, of the kind seen in :meth:`fit`.
        y : array-like of shape (n_trs, n_targets), or list
            Their responses (runs concatenated, or one array per run).
        metric : {"r2", "r"}, default="r2"

        Returns
        -------
        ndarray of shape (n_spaces, n_targets)
            Rows in the order of ``feature_spaces_``; NaN for targets with
            zero variance in ``y``.
        """
        check_choice(metric, "metric", SPLIT_METRICS)
        blocks, design = self._transformed(X)
        return self.ridge_.split_scores(design, self._responses(y, blocks), metric=metric)

    # ------------------------------------------------------- interpretation

    @property
    def coef_(self):
        """Weights of shape (n_targets, n_features, n_delays); see the class."""
        spaces = self.split_coef()
        if len(spaces) == 1:
            return next(iter(spaces.values()))
        return np.concatenate(list(spaces.values()), axis=-2)

    @property
    def intercept_(self):
        """Intercept of shape (n_targets,); see the class."""
        check_is_fitted(self, "ridge_")
        intercept = self.ridge_.intercept_
        return float(intercept[0]) if self._y_was_1d else intercept

    def split_coef(self):
        """Each feature space's weights, by feature and delay.

        Returns
        -------
        dict of str to ndarray of shape (n_targets, n_features, n_delays)
            One entry per space of ``feature_spaces_``, in that order;
            ``n_features`` is the space's ``n_features_per_space_`` and
            the delays are those of ``delays_``. Units as for ``coef_``
            (``y`` per training standard deviation of the feature); arrays
            of shape (n_features, n_delays) when ``fit`` got a 1-D ``y``.
            The arrays are read-only views of ``ridge_.coef_``.
        """
        blocks = self._space_weights()
        if self._y_was_1d:
            return {space: block[0] for space, block in blocks.items()}
        return blocks

    def _space_weights(self):
        """Read-only views (n_targets, n_features, n_delays) of ``ridge_.coef_``."""
        check_is_fitted(self, "ridge_")
        weights = self.ridge_.coef_.view()
        weights.flags.writeable = False
        n_delays, start, blocks = len(self.delays_), 0, {}
        for space, n_features in self.n_features_per_space_.items():
            stop = start + n_delays * n_features
            # the design holds each space's features once per delay, delay by delay
            blocks[space] = (
                weights[start:stop].reshape(n_delays, n_features, -1).transpose(2, 1, 0)
            )
            start = stop
        return blocks

    def preferred_direction(self, space="motion_energy", directions=None):
        """Preferred direction of motion of each target, from its motion-energy weights.

        Each target's weights on the space's features are summed over
        delays; the preferred direction is the circular mean of the
        features' directions ``theta_f`` weighted by the positive part of
        those weights, the angle of ``sum_f max(w_f, 0) exp(i theta_f)``.
        Negative weights (motion that lowers the response) and features
        without a direction (the static filters of spatial frequency 0)
        do not count.

        Parameters
        ----------
        space : str, default="motion_energy"
            The feature space of motion-energy filters (a key of
            ``n_features_per_space_``).
        directions : array-like of shape (n_features,), optional
            Preferred direction of each feature of ``space``, in degrees,
            NaN for a feature without one. By default the
            ``preferred_direction`` column of the fitted
            :class:`~neurost.features.MotionEnergy`'s ``filters_``; required
            when the model was fitted on precomputed features.

        Returns
        -------
        ndarray of shape (n_targets,)
            Degrees in [0, 360), 0 = rightward, 90 = upward on screen (the
            convention of :class:`~neurost.features.MotionEnergy`); NaN for
            a target with no positive weight on a feature with a direction,
            or whose weighted directions cancel out. A float for a 1-D
            ``y``.

        Raises
        ------
        ValueError
            If ``space`` is not a fitted feature space, or ``directions``
            is missing for precomputed features or does not hold one
            direction per feature of ``space``.
        """
        blocks = self._space_weights()
        check_choice(space, "space", tuple(blocks))
        n_features = self.n_features_per_space_[space]
        if directions is None:
            if not isinstance(self.transformers_.get(space), MotionEnergy):
                raise ValueError(
                    f"directions is required: feature space {space!r} was not computed "
                    "by MotionEnergy from videos; pass the preferred direction (degrees) "
                    f"of each of its {n_features} features."
                )
            directions = self.transformers_[space].filters_["preferred_direction"]
        directions = check_array(
            directions, ensure_2d=False, dtype=np.float64, ensure_all_finite="allow-nan",
            input_name="directions",
        )
        if directions.shape != (n_features,):
            raise ValueError(
                f"directions must hold one direction per feature of {space!r}, shape "
                f"({n_features},); got {describe(directions)}."
            )
        oriented = ~np.isnan(directions)
        if not oriented.any():
            raise ValueError(f"directions holds no direction (all {n_features} are NaN).")
        positive = np.clip(blocks[space].sum(axis=2)[:, oriented], 0, None)
        resultant = positive @ np.exp(1j * np.radians(directions[oriented]))
        defined = np.abs(resultant) > 1e-9 * positive.sum(axis=1)
        angle = np.where(defined, np.degrees(np.angle(resultant)) % 360, np.nan)
        return float(angle[0]) if self._y_was_1d else angle


def _as_runs(X):
    """Return ``[(kind, run), ...]``, kind in {"video", "array", "dict"}."""
    if isinstance(X, list) and not X:
        raise ValueError("X is an empty list; expected at least one run.")
    runs = X if _is_run_list(X) else [X]
    out = []
    for index, run in enumerate(runs):
        if issparse(run):
            out.append(("array", run))  # rejected with scikit-learn's message
        elif isinstance(run, dict) and not hasattr(run, "frames"):
            out.append(("dict", run))
        elif hasattr(run, "frames") and hasattr(run, "frame_rate"):
            out.append(("video", run))
        elif hasattr(run, "__array__") or isinstance(run, (list, tuple)):
            out.append(("video" if _ndim(run) >= 3 else "array", run))
        else:
            name = f"X[{index}]" if len(runs) > 1 else "X"
            raise TypeError(
                f"{name} must be a video (Video or frames array), a dict of precomputed "
                f"features, or a 2-D array of features; got {describe(run)}."
            )
    return out


def _ndim(array):
    return array.ndim if isinstance(array, np.ndarray) else np.asarray(array).ndim


def _is_run_list(X):
    """Whether ``X`` is a list of runs rather than one run given as nested lists."""
    return isinstance(X, list) and all(
        isinstance(run, dict)
        or hasattr(run, "frames")
        or issparse(run)
        or (hasattr(run, "__array__") and _ndim(run) >= 2)
        for run in X
    )


def _check_precomputed(features, name):
    if not features:
        raise ValueError(f"{name} is an empty dict; expected at least one feature space.")
    block = {}
    for key, value in features.items():
        if not isinstance(key, str):
            raise TypeError(f"{name}: feature space names must be str; got {describe(key)}.")
        array = check_array(
            value, dtype=np.float64, allow_nd=True, ensure_2d=False,
            input_name=f"{name}[{key!r}]",
        )
        if array.ndim < 2:
            raise ValueError(
                f"{name}[{key!r}] must have shape (n_trs, n_features, ...); got "
                f"{describe(array)}."
            )
        block[key] = array.reshape(len(array), -1)
    return block

