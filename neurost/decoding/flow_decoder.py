"""FlowDecoder: optical-flow fields decoded from windows of fMRI TRs."""

from numbers import Integral, Real

import numpy as np
import scipy.sparse
import torch
from sklearn.base import RegressorMixin, _fit_context, clone
from sklearn.cluster import KMeans
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._utils.device import resolve_device
from .._utils.docs import fill_doc
from .._utils.torch_estimator import TorchEstimator
from .._utils.training import seeded
from .._utils.validation import (
    check_finite,
    check_groups,
    check_positive_int,
    check_real_array,
    describe,
)
from ..encoding import RidgeEncoder
from ..metrics.flow import endpoint_error
from ..models.flow_decoder import FlowCodebookNet
from .windows import EDGES, check_window, make_windows

MODES = ("codebook", "regression")

# k-means is fitted on at most this many flow vectors (drawn at random); all
# vectors are then labelled with their nearest entry.
MAX_KMEANS_VECTORS = 200_000

DEFAULT_ALPHAS = tuple(float(a) for a in np.logspace(-2, 5, 15))

FLOW_LAYOUT = "(n_samples, frames_per_tr, grid_h, grid_w, n_components)"


@fill_doc
class FlowDecoder(RegressorMixin, TorchEstimator):
    """Decode optical-flow fields from windows of fMRI TRs.

    Parameters
    ----------
    mode : {"codebook", "regression"}, default="codebook"
        ``"codebook"``: a k-means codebook of the training flow vectors and
        a :class:`neurost.models.FlowCodebookNet` that classifies each cell
        of each frame pair into a codebook entry (cross-entropy); the
        decoded flow is the probability-weighted sum of the entries.
        ``"regression"``: a ridge baseline from the flattened window to the
        flattened flow field, with one alpha per flow value chosen by
        cross-validation among ``alphas``
        (:class:`neurost.encoding.RidgeEncoder`, which solves the kernel
        form when there are fewer samples than window features).
    window : tuple of int (start, stop), default=(-2, 2)
        TR offsets of the window around each decoded TR (both included);
        see :func:`neurost.decoding.make_windows`.
    edges : {"drop", "pad"}, default="drop"
        What to do with TRs whose window leaves the run (2-D ``X`` only).
    n_codes : int, default=40
        Codebook entries (codebook mode).
    hidden, n_blocks : int, default=256, 3
        Width and number of residual blocks of the network.
    dropout : float, default=0.3
    alphas : array-like of shape (n_alphas,), default=None
        Ridge penalties tried (regression mode); None tries
        ``np.logspace(-2, 5, 15)``.
    flow_shape : tuple of int (frames_per_tr, grid_h, grid_w, n_components), default=None
        How 2-D ``y`` of shape (n, frames_per_tr * grid_h * grid_w *
        n_components) unflattens into flow fields (row-major, as
        ``flows.reshape(n, -1)`` gives), so that the decoder works with
        scikit-learn's tables; predictions are then flattened the same way.
        None reads 2-D ``y`` as one field of one cell per row, its columns
        the components. Ignored for 5-D ``y``.
    cv : int or cross-validation splitter, default=5
        Folds of the ridge's choice of penalties (regression mode). Windows
        that share TRs are not independent: pass a splitter that keeps
        blocks together (e.g. ``KFold(5)``, unshuffled), or ``groups`` to
        ``fit``.
    %(torch_training)s

    Attributes
    ----------
    window_ : tuple of int (start, stop)
    n_features_in_ : int
        Voxels per TR.
    frames_per_tr_, grid_, n_components_ : int, tuple of int, int
        The layout of the flow fields.
    input_scaler_ : sklearn.preprocessing.StandardScaler
        Per-voxel standardisation of the training fMRI.
    image_scaler_ : sklearn.preprocessing.StandardScaler or None
        Per-channel standardisation of the pooled image features.
    image_channels_ : int
        Channels of the image features (0 without them).
    codebook_ : numpy.ndarray of shape (n_codes, n_components)
        Codebook mode: the flow vector of each entry.
    model_ : FlowCodebookNet
        Codebook mode: the trained network (on the CPU).
    history_ : list of dict
        Codebook mode: per-epoch ``train_loss``, ``valid_loss`` and
        ``valid_score`` (minus the validation EPE).
    ridge_ : RidgeEncoder
        Regression mode: the fitted ridge, from the flattened window (and
        pooled image features) to the flattened flow field.

    Notes
    -----
    **Inputs.** ``X`` is either fMRI of shape (n_trs, n_voxels) (or a list
    of runs), from which windows are made with ``window`` and ``edges``, or
    windows already made, of shape (n_samples, n_window, n_voxels). The
    flows ``y`` have the layout of :class:`neurost.features.OpticalFlow`,
    (n, frames_per_tr, grid_h, grid_w, 2): for 2-D ``X``, one field per TR
    of ``X`` (the windows' centres select the rows); for windows, one per
    window. Voxels are standardised with the training mean and standard
    deviation before windows are made, so zero padding is the mean.

    **Image features** (optional) are a grid per row of ``y``, shape
    (n, feat_h, feat_w, n_channels) as given by
    :class:`neurost.features.BackboneFeatures` for the clip's first frame;
    they are average-pooled to the flow grid and standardised per channel.

    **Score.** :meth:`score` returns minus the mean end-point error (EPE),
    so that higher is better as scikit-learn expects.
    """

    def __init__(
        self,
        mode="codebook",
        window=(-2, 2),
        edges="drop",
        n_codes=40,
        hidden=256,
        n_blocks=3,
        dropout=0.3,
        alphas=None,
        flow_shape=None,
        cv=5,
        max_epochs=60,
        batch_size=32,
        lr=1e-3,
        weight_decay=1e-2,
        validation_fraction=0.15,
        validation_split="last",
        patience=8,
        grad_clip=1.0,
        accumulation_steps=1,
        checkpoint_dir=None,
        warm_start=False,
        device="auto",
        verbose=0,
        random_state=None,
    ):
        self.mode = mode
        self.window = window
        self.edges = edges
        self.n_codes = n_codes
        self.hidden = hidden
        self.n_blocks = n_blocks
        self.dropout = dropout
        self.alphas = alphas
        self.flow_shape = flow_shape
        self.cv = cv
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.validation_split = validation_split
        self.patience = patience
        self.grad_clip = grad_clip
        self.accumulation_steps = accumulation_steps
        self.checkpoint_dir = checkpoint_dir
        self.warm_start = warm_start
        self.device = device
        self.verbose = verbose
        self.random_state = random_state

    _parameter_constraints = {
        **TorchEstimator._parameter_constraints,
        "mode": [StrOptions(set(MODES))],
        "window": [tuple, list],
        "edges": [StrOptions(set(EDGES))],
        "n_codes": [Interval(Integral, 1, None, closed="left")],
        "hidden": [Interval(Integral, 1, None, closed="left")],
        "n_blocks": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "alphas": ["array-like", None],
        "flow_shape": [tuple, list, None],
        "cv": RidgeEncoder._parameter_constraints["cv"],
    }

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = False
        tags.non_deterministic = self.mode == "codebook"
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, image_features=None, groups=None):
        """Fit the decoder.

        Parameters
        ----------
        X : array-like of shape (n_trs, n_voxels) or \
(n_samples, n_window, n_voxels), or list of (n_trs, n_voxels) runs
            fMRI responses or windows of them (see Notes).
        y : array-like of shape (n, frames_per_tr, grid_h, grid_w, n_components) or (n, n_columns)
            Flow fields, one per TR of 2-D ``X`` (runs concatenated) or one
            per window; ``(dx, dy)`` last for optical flow. 2-D ``y`` is
            unflattened with ``flow_shape``.
        image_features : array-like of shape (n, feat_h, feat_w, n_channels), optional
            Image features aligned with the rows of ``y``.
        groups : array-like of shape (n,), default=None
            Group of each row of ``y`` (e.g. the run of each TR): the
            validation split (codebook mode) and the ridge's folds
            (regression mode) keep every group on one side. Through
            scikit-learn's cross-validation, with metadata routing
            (``set_fit_request(groups=True)``).

        Returns
        -------
        self : FlowDecoder
        """
        rng = self._start_fit()
        self.window_ = check_window(self.window)
        windows, rows, n_rows = self._windows(X, fitting=True)
        self._flat_flows = np.asarray(y).ndim == 2
        Y = _check_flows(y, "y", self.flow_shape)
        _check_count(Y, n_rows, "y")
        groups = check_groups(groups, n_rows[0], n_rows[1])
        Y = Y[rows]
        groups = None if groups is None else groups[rows]
        self.frames_per_tr_, *grid, self.n_components_ = Y.shape[1:]
        self.grid_ = tuple(grid)
        images = self._image_map(image_features, rows, n_rows, fitting=True)
        if self.mode == "regression":
            self._fit_ridge(windows, Y, images, groups)
        else:
            self._fit_codebook(windows, Y, images, rng, groups)
        return self

    def predict(self, X, image_features=None):
        """Decode the flow of each window.

        Parameters
        ----------
        X : array-like
            As in :meth:`fit`; for 2-D ``X`` the rows of the output are the
            centres kept by ``make_windows(X, window, edges)``.
        image_features : array-like of shape (n, feat_h, feat_w, n_channels)
            Required when fitted with image features.

        Returns
        -------
        numpy.ndarray of shape (n_samples, frames_per_tr, grid_h, grid_w, n_components)
            Flattened to (n_samples, n_columns) when ``fit`` got 2-D ``y``.
        """
        flows = self._decode(X, image_features)
        return flows.reshape(len(flows), -1) if self._flat_flows else flows

    def score(self, X, y, image_features=None):
        """Minus the mean end-point error of the decoded flow.

        Parameters
        ----------
        X, image_features : array-like
            As in :meth:`predict`.
        y : array-like of shape (n, frames_per_tr, grid_h, grid_w, n_components) or (n, n_columns)
            True flows, aligned as in :meth:`fit`.

        Returns
        -------
        float
            ``-mean EPE`` over samples, frame pairs and cells (flow units);
            0 is perfect.
        """
        check_is_fitted(self, "window_")
        _, rows, n_rows = self._windows(X, fitting=False)
        Y = _check_flows(y, "y", self.flow_shape)
        _check_count(Y, n_rows, "y")
        return -endpoint_error(Y[rows], self._decode(X, image_features))

    def _decode(self, X, image_features):
        """Decoded flows of shape (n_samples, frames_per_tr, grid_h, grid_w, n_components)."""
        check_is_fitted(self, "window_")
        windows, rows, n_rows = self._windows(X, fitting=False)
        images = self._image_map(image_features, rows, n_rows, fitting=False)
        shape = (len(windows), self.frames_per_tr_, *self.grid_, self.n_components_)
        if self.mode == "regression":
            flat = np.asarray(self.ridge_.predict(_design(windows, images)), dtype=np.float64)
            return flat.reshape(shape)
        logits = self._predict(self.model_, _Windows(windows, images))
        with torch.no_grad():
            flow = self.model_.flow_from_logits(torch.from_numpy(logits).float())
        return flow.numpy().astype(np.float64).reshape(shape)

    # -- fitting -----------------------------------------------------------

    def _windows(self, X, fitting):
        """Return standardised windows, the rows of Y they decode, and how many rows Y needs."""
        if scipy.sparse.issparse(X):
            raise TypeError(
                f"X must be a dense array: sparse input is not supported; got {describe(X)}."
            )
        is_runs = isinstance(X, (list, tuple)) and not _is_table(X)
        if not is_runs:
            X = check_real_array(X, "X")
            if X.ndim not in (2, 3):
                raise ValueError(
                    "X must be fMRI of shape (n_trs, n_voxels) or windows of shape "
                    f"(n_samples, n_window, n_voxels); got {describe(X)}. Reshape your "
                    "data: one TR of fMRI is X.reshape(1, -1)."
                )
            if len(X) == 0:
                raise ValueError(
                    f"X has 0 sample(s) (shape={X.shape}) while a minimum of 1 is required."
                )
            if X.shape[-1] == 0:
                raise ValueError(
                    f"X has 0 feature(s) (shape={X.shape}) while a minimum of 1 is "
                    "required: expected at least one voxel."
                )
        if not is_runs and X.ndim == 3:
            n_window = self.window_[1] - self.window_[0] + 1
            if X.shape[1] != n_window:
                raise ValueError(
                    f"X holds windows of {X.shape[1]} TRs but window={self.window_} "
                    f"spans {n_window} TRs."
                )
            windows = self._standardise(check_finite(X, "X").astype(np.float64), fitting)
            return windows.astype(np.float32), np.arange(len(X)), (len(X), "windows")
        runs = X if is_runs else [X]
        # make_windows checks ranks and voxel counts before anything else.
        make_windows(runs, (0, 0), "pad")
        runs = [
            check_finite(np.asarray(run, dtype=np.float64), f"X[{i}]" if is_runs else "X")
            for i, run in enumerate(runs)
        ]
        stacked = np.concatenate(runs)
        self._standardise(stacked, fitting)
        # Standardised before windowing, so that zero padding is each voxel's mean.
        windows, rows = make_windows(
            [self._standardise(run, False) for run in runs], self.window_, self.edges
        )
        return windows.astype(np.float32), rows, (len(stacked), "TRs")

    def _standardise(self, array, fitting):
        """Standardise the voxels (last axis) of ``array``, fitting the scaler if asked."""
        flat = array.reshape(-1, array.shape[-1])
        if not len(flat):
            raise ValueError(f"X has no samples; got {describe(array)}.")
        if fitting:
            self.n_features_in_ = flat.shape[1]
            self.input_scaler_ = self._standardizer(flat)
        elif flat.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {flat.shape[1]} features, but FlowDecoder is expecting "
                f"{self.n_features_in_} features as input (the voxels it was fitted on)."
            )
        return self.input_scaler_.transform(flat).reshape(array.shape)

    def _image_map(self, image_features, rows, n_rows, fitting):
        """Pool image features to the flow grid: (n_samples, channels, gh, gw) or None."""
        if image_features is None:
            if not fitting and self.image_channels_:
                raise ValueError(
                    "image_features is required: the decoder was fitted with "
                    f"{self.image_channels_}-channel image features."
                )
            if fitting:
                self.image_channels_ = 0
                self.image_scaler_ = None
            return None
        if not fitting and not self.image_channels_:
            raise ValueError(
                "image_features was given but the decoder was fitted without them."
            )
        features = np.asarray(image_features)
        if features.ndim != 4 or not np.issubdtype(features.dtype, np.number):
            raise ValueError(
                "image_features must have shape (n, feat_h, feat_w, n_channels); got "
                f"{describe(features)}."
            )
        _check_count(features, n_rows, "image_features")
        check_finite(features, "image_features")
        grid = torch.nn.functional.adaptive_avg_pool2d(
            torch.from_numpy(features[rows].astype(np.float32)).permute(0, 3, 1, 2), self.grid_
        ).numpy()
        channels_last = grid.transpose(0, 2, 3, 1).reshape(-1, grid.shape[1])
        if fitting:
            self.image_channels_ = grid.shape[1]
            self.image_scaler_ = self._standardizer(channels_last)
        elif grid.shape[1] != self.image_channels_:
            raise ValueError(
                f"image_features has {grid.shape[1]} channels but the decoder was "
                f"fitted on {self.image_channels_}."
            )
        standard = self.image_scaler_.transform(channels_last)
        n, c, h, w = grid.shape
        return standard.reshape(n, h, w, c).transpose(0, 3, 1, 2).astype(np.float32)

    def _fit_ridge(self, windows, Y, images, groups):
        alphas = DEFAULT_ALPHAS if self.alphas is None else self.alphas
        # The ridge runs where the network would: on the GPU through
        # himalaya's torch_cuda backend, else with NumPy.
        backend = "torch_cuda" if resolve_device(self.device).type == "cuda" else "numpy"
        ridge = RidgeEncoder(alphas=alphas, cv=self.cv, backend=backend,
                             random_state=self.random_state)
        flat = Y.reshape(len(Y), -1).astype(np.float64)
        fit_params = {} if groups is None else {"groups": groups}
        self.ridge_ = ridge.fit(_design(windows, images), flat, **fit_params)

    def _fit_codebook(self, windows, Y, images, rng, groups):
        if len(windows) < 2:
            raise ValueError(
                f"FlowDecoder needs at least 2 windows to train; got n_samples={len(windows)}."
            )
        vectors = Y.reshape(-1, self.n_components_)
        if self.n_codes > len(vectors):
            raise ValueError(
                f"n_codes={self.n_codes} is larger than the {len(vectors)} training "
                "flow vectors; use fewer codebook entries or more data."
            )
        sample = vectors
        if len(vectors) > MAX_KMEANS_VECTORS:
            sample = vectors[rng.choice(len(vectors), MAX_KMEANS_VECTORS, replace=False)]
        kmeans = KMeans(self.n_codes, n_init=3, random_state=rng.randint(2**31 - 1))
        kmeans.fit(sample.astype(np.float64))
        self.codebook_ = kmeans.cluster_centers_.astype(np.float32)
        labels = kmeans.predict(vectors.astype(np.float64)).reshape(Y.shape[:-1])

        train, valid = self._validation_split(len(windows), rng, groups=groups)
        seed = self._torch_seed(rng)
        with seeded(seed):
            self.model_ = FlowCodebookNet(
                windows.shape[1], windows.shape[2], grid=self.grid_,
                frames_per_tr=self.frames_per_tr_, n_codes=self.n_codes,
                hidden=self.hidden, n_blocks=self.n_blocks, dropout=self.dropout,
                image_channels=self.image_channels_, codebook=torch.from_numpy(self.codebook_),
                n_components=self.n_components_,
            )
        train_data = _Windows(windows[train], _rows(images, train), labels[train])
        valid_data = score = None
        if len(valid):
            valid_data = _Windows(windows[valid], _rows(images, valid), labels[valid])
            score = _NegativeEPE(self.codebook_, Y[valid])
        self.history_ = self._train(
            self.model_, train_data, loss=torch.nn.CrossEntropyLoss(),
            valid_data=valid_data, score=score, seed=seed,
            data=lambda: (train, valid, labels, windows[:: max(1, len(windows) // 64)]),
        )


class _Windows(torch.utils.data.Dataset):
    """Items ``({"windows": w, "image": i}, labels)`` for the network."""

    def __init__(self, windows, images=None, labels=None):
        self.windows = torch.from_numpy(np.ascontiguousarray(windows))
        self.images = None if images is None else torch.from_numpy(np.ascontiguousarray(images))
        self.labels = None if labels is None else torch.from_numpy(labels.astype(np.int64))

    def __len__(self):
        return len(self.windows)

    def __getitem__(self, i):
        inputs = {"windows": self.windows[i]}
        if self.images is not None:
            inputs["image"] = self.images[i]
        return inputs, (self.labels[i] if self.labels is not None else torch.zeros(()))


class _NegativeEPE:
    """Validation score: minus the mean EPE of the flow decoded from logits."""

    def __init__(self, codebook, flows):
        self.codebook = torch.from_numpy(codebook)
        self.flows = torch.from_numpy(np.asarray(flows, dtype=np.float32))

    def __call__(self, logits, targets):
        probabilities = torch.softmax(logits.float().cpu(), dim=1)
        flow = torch.einsum("bkfhw,kc->bfhwc", probabilities, self.codebook)
        return -float(torch.linalg.vector_norm(flow - self.flows, dim=-1).mean())


def _rows(images, rows):
    return None if images is None else images[rows]


def _design(windows, images):
    design = windows.reshape(len(windows), -1)
    if images is not None:
        design = np.concatenate([design, images.reshape(len(images), -1)], axis=1)
    return design.astype(np.float64)


def _check_flows(Y, name, flow_shape=None):
    """``Y`` as float32 flow fields of shape ``FLOW_LAYOUT`` (2-D ``Y`` unflattened)."""
    if Y is None:
        raise ValueError(
            f"FlowDecoder requires y to be passed, but the target y is None; expected "
            f"{name} of shape {FLOW_LAYOUT}."
        )
    Y = check_real_array(Y, name)
    if Y.ndim == 2:
        Y = Y.reshape(len(Y), *_flow_layout(flow_shape, Y.shape[1], name))
    if Y.ndim != 5 or not Y.shape[-1]:
        raise ValueError(
            f"{name} must be flow fields of shape {FLOW_LAYOUT}, the layout of "
            f"OpticalFlow with (dx, dy) last, or flattened fields of shape (n, "
            f"n_columns) with flow_shape; got {describe(Y)}."
        )
    return check_finite(Y, name).astype(np.float32)


def _is_table(X):
    """Whether a list holds rows of numbers (a table), not runs."""
    return len(X) > 0 and all(
        isinstance(row, (list, tuple)) and all(isinstance(v, Real) for v in row) for row in X
    )


def _flow_layout(flow_shape, n_columns, name):
    """``(frames_per_tr, grid_h, grid_w, n_components)`` of a flattened field."""
    if flow_shape is None:
        return (1, 1, 1, n_columns)
    if (
        len(flow_shape) != 4
        or any(isinstance(s, bool) or not isinstance(s, Integral) or s < 1 for s in flow_shape)
    ):
        raise ValueError(
            "flow_shape must be (frames_per_tr, grid_h, grid_w, n_components), positive "
            f"integers; got {describe(flow_shape)}."
        )
    if int(np.prod(flow_shape)) != n_columns:
        raise ValueError(
            f"{name} has {n_columns} columns but flow_shape={tuple(flow_shape)} needs "
            f"{int(np.prod(flow_shape))}."
        )
    return tuple(int(s) for s in flow_shape)


def _check_count(array, n_rows, name):
    expected, unit = n_rows
    if len(array) != expected:
        raise ValueError(
            f"{name} has {len(array)} rows but X has {expected} {unit}; expected one "
            f"row of {name} per {unit[:-1]} of X."
        )


def mean_flow_baseline(Y_train, n):
    """Predict the mean training flow field for every sample (a no-brain baseline).

    Parameters
    ----------
    Y_train : array-like of shape (n_train, frames_per_tr, grid_h, grid_w, 2)
        Training flows.
    n : int
        Samples to predict.

    Returns
    -------
    numpy.ndarray of shape (n, frames_per_tr, grid_h, grid_w, 2), float32
        The mean of ``Y_train`` over samples, repeated.
    """
    Y_train = _check_flows(Y_train, "Y_train")
    n = check_positive_int(n, "n", "samples to predict")
    return np.repeat(Y_train.mean(axis=0, keepdims=True), n, axis=0)


def shuffled_brain_baseline(decoder, X, Y, X_test, *, image_features=None,
                            test_image_features=None, random_state=None):
    """Decode with a copy of ``decoder`` trained on fMRI paired with the wrong flows.

    The windows of ``X`` are permuted at random relative to the flows they
    decode: the rows of ``Y`` that the windows select (their centres, for
    2-D ``X``) are shuffled among themselves, and ``image_features``, which
    describe the stimulus, are shuffled with them. Each window is still
    real, contiguous fMRI, but no longer the response to its flow, so what
    the shuffled decoder achieves comes from the distribution of flows (and
    from the image features), not from the brain.

    Parameters
    ----------
    decoder : FlowDecoder
        Cloned, never modified.
    X, Y, image_features : array-like
        Training data, as in :meth:`FlowDecoder.fit`.
    X_test, test_image_features : array-like
        As in :meth:`FlowDecoder.predict`.
    random_state : int, RandomState or None
        Seeds the permutation.

    Returns
    -------
    numpy.ndarray of shape (n_test, frames_per_tr, grid_h, grid_w, 2)
        The shuffled decoder's predictions for ``X_test``.
    """
    decoder = clone(decoder)
    if isinstance(X, (list, tuple)) or np.ndim(X) == 2:
        runs = X if isinstance(X, (list, tuple)) else [X]
        _, rows = make_windows(runs, check_window(decoder.window), decoder.edges)
        n_rows = (sum(len(run) for run in runs), "TRs")
    else:
        rows, n_rows = np.arange(len(X)), (len(X), "windows")
    _check_count(_check_flows(Y, "Y", decoder.flow_shape), n_rows, "Y")
    Y = np.array(Y)
    order = rows[check_random_state(random_state).permutation(len(rows))]
    Y[rows] = Y[order]
    if image_features is not None:
        image_features = np.array(image_features)
        _check_count(image_features, n_rows, "image_features")
        image_features[rows] = image_features[order]
    decoder.fit(X, Y, image_features=image_features)
    return decoder.predict(X_test, image_features=test_image_features)
