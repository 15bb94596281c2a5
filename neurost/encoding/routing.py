"""Transformer brain encoder: learned ROI queries route a patch-feature grid."""

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import MultiOutputMixin, RegressorMixin, _fit_context, clone
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from .._utils.docs import fill_doc
from .._utils.torch_estimator import TorchEstimator
from .._utils.training import seeded
from .._utils.validation import check_finite, check_groups, describe
from ..features.backbone import BackboneFeatures
from ..metrics import correlation_score
from ..models.routing import RoutingTransformer
from ._grids import check_grid, check_responses
from ._scores import mean_correlation

#: Label of the single query used when ``roi_labels`` is None.
ALL_TARGETS = "all"


@fill_doc
class RoutingEncoder(MultiOutputMixin, RegressorMixin, TorchEstimator):
    """Predict responses from a patch-feature grid by attention routing.

    The transformer brain encoder: one learned query per region of interest
    (ROI) cross-attends over the grid of an image backbone's patch features;
    its softmax attention decides, image by image, which features make up
    the ROI's output token, and every target (vertex, voxel) reads the token
    of its own ROI through its own linear readout
    (:class:`neurost.models.RoutingTransformer`). The attention maps
    (:meth:`attention_maps`) show where each ROI reads from: a fixed place
    for retinotopic areas, the object it prefers for category areas.

    Training follows the published recipe at a CPU-friendly size: mean
    squared error on targets standardised with the training mean and
    standard deviation, AdamW with a cosine schedule and early stopping on
    the mean validation Pearson r.
    Several members (``n_seeds`` runs times one per backbone of a layer
    ensemble) share one validation split and are combined per target with
    weights ``softmax(beta * validation r)`` over members, as in the paper
    (beta = 40).

    Parameters
    ----------
    roi_labels : array-like of shape (n_targets,), default=None
        The ROI of each target (column of ``Y``), any hashable labels
        (str, int). One query is learned per ROI. None gives every target
        one shared query (label ``"all"``).
    rois : sequence, default=None
        The ROIs in query order; every label of ``roi_labels`` must be one
        of them and each must label at least one target. None uses the
        sorted unique labels.
    grid_shape : tuple (h, w) or (h, w, c), default=None
        How 2-D ``X`` of shape (n_samples, h * w * c) unflattens into a
        grid (row-major, channels last, as ``grid.reshape(n, -1)`` gives),
        so that the encoder works on tables (in a ``Pipeline``); ``c`` is
        inferred when omitted. None reads 2-D ``X`` as a 1 x 1 grid. Ignored
        for 4-D ``X``.
    backbone : BackboneFeatures or list of BackboneFeatures, default=None
        When given, ``X`` holds images and each backbone (cloned, then
        fitted on them) turns them into a grid; a list of backbones, or a
        backbone of several layers (``BackboneFeatures(layer=[...])``, read
        in one forward pass), is a layer ensemble: ``n_seeds`` models per
        backbone layer, all combined per target.
    n_heads : int, default=4
        Attention heads; must divide the channels ``c`` (the paper uses 16
        with 768 DINOv2 channels).
    n_layers : int, default=1
        Decoder layers.
    ffn_dim : int, default=256
        Hidden units of the feed-forward block (the paper uses 1024).
    dropout : float, default=0.1
    n_seeds : int, default=1
        Models trained per feature grid from different initialisations.
    beta : float, default=40.0
        Inverse temperature of the ensemble weights
        ``softmax(beta * validation r)`` over members, per target; 0 is a
        plain average.
    %(torch_training)s

    Attributes
    ----------
    models_ : list of RoutingTransformer
        The trained members (on the CPU, eval mode), backbone-major: member
        ``i`` uses grid ``member_sources_[i]``.
    member_sources_ : ndarray of int, shape (n_members,)
        Index of the backbone (0 without backbones) each member reads.
    member_weights_ : ndarray of shape (n_members, n_targets)
        Ensemble weight of each member for each target; columns sum to 1.
    validation_scores_ : ndarray of shape (n_members, n_targets)
        Validation Pearson r of each member (best epoch) per target; NaN
        without a validation set.
    history_ : list of list of dict
        Per member, the per-epoch ``train_loss``, ``valid_loss`` and
        ``valid_score`` (mean validation r).
    rois_ : ndarray of shape (n_queries,)
        The ROI of each query.
    target_query_ : ndarray of int, shape (n_targets,)
        The query each target reads.
    target_scaler_ : sklearn.preprocessing.StandardScaler
        The standardisation of the targets the members learn.
    varying_targets_ : ndarray of bool, shape (n_targets,)
        Targets with non-zero training variance; the others are predicted
        as their training value.
    n_features_in_ : int
        Columns of the input as given (``h * w * c`` for a grid; not set
        when ``X`` holds images).
    grid_shape_ : tuple (h, w)
        The grid seen in ``fit``; with a list of backbones, a list of them.
    n_channels_ : int or list of int
        Channels of the grid (per backbone with a list of backbones).
    backbones_ : list of BackboneFeatures
        With ``backbone``: the fitted clones, one per feature grid.

    Notes
    -----
    With fewer queries than channels, :meth:`attention_maps` and the
    predictions cost about ``n_samples * h * w * c * (2 c)`` multiply-adds
    per layer for the key and value projections of the grid, which
    dominates. Standardising the targets lets one learning rate serve
    targets of any unit; predictions are returned in the original units.

    Examples
    --------
    >>> from neurost.datasets import make_routing_dataset
    >>> from neurost.encoding import RoutingEncoder
    >>> data = make_routing_dataset(n_images=200, random_state=0)
    >>> encoder = RoutingEncoder(data.roi_labels, max_epochs=5, random_state=0)
    >>> encoder.fit(data.features, data.responses).attention_maps(
    ...     data.features[:2]).shape
    (2, 9, 14, 14)
    """

    def __init__(
        self,
        roi_labels=None,
        rois=None,
        grid_shape=None,
        backbone=None,
        n_heads=4,
        n_layers=1,
        ffn_dim=256,
        dropout=0.1,
        n_seeds=1,
        beta=40.0,
        max_epochs=40,
        batch_size=32,
        lr=1e-3,
        weight_decay=1e-4,
        validation_fraction=0.15,
        validation_split="random",
        patience=8,
        grad_clip=1.0,
        accumulation_steps=1,
        checkpoint_dir=None,
        warm_start=False,
        device="auto",
        verbose=0,
        random_state=None,
    ):
        self.roi_labels = roi_labels
        self.rois = rois
        self.grid_shape = grid_shape
        self.backbone = backbone
        self.n_heads = n_heads
        self.n_layers = n_layers
        self.ffn_dim = ffn_dim
        self.dropout = dropout
        self.n_seeds = n_seeds
        self.beta = beta
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
        "roi_labels": ["array-like", None],
        "rois": ["array-like", None],
        "grid_shape": [tuple, list, None],
        "backbone": [BackboneFeatures, list, tuple, None],
        "n_heads": [Interval(Integral, 1, None, closed="left")],
        "n_layers": [Interval(Integral, 1, None, closed="left")],
        "ffn_dim": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "n_seeds": [Interval(Integral, 1, None, closed="left")],
        "beta": [Interval(Real, 0, np.inf, closed="left")],
    }

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        if self.backbone is not None:
            tags.input_tags.two_d_array = False
            tags.input_tags.three_d_array = True
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, groups=None):
        """Train the ensemble.

        Parameters
        ----------
        X : array-like of shape (n_samples, h, w, c) or (n_samples, h * w * c), or images
            Feature grids, flattened grids (see ``grid_shape``), or, with
            ``backbone``, the images in any form
            :class:`~neurost.features.BackboneFeatures` accepts.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Responses.
        groups : array-like of shape (n_samples,), default=None
            Group of each sample (e.g. the session of each image, or images
            shown together): the validation split holds out whole groups.
            Through scikit-learn's cross-validation, with metadata routing
            (``set_fit_request(groups=True)``).

        Returns
        -------
        self : RoutingEncoder
        """
        rng = self._start_fit()
        grids = self._grids(X, reset=True)
        n_samples = len(grids[0])
        for grid in grids:
            if grid.shape[-1] % self.n_heads:
                raise ValueError(
                    f"n_heads={self.n_heads} must divide the {grid.shape[-1]} channels "
                    "of the feature grid."
                )
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        y = np.asarray(y)
        self._y_was_1d = y.ndim == 1
        Y, self.varying_targets_ = check_responses(y, n_samples, stacklevel=4)
        if n_samples < 2:
            raise ValueError(f"X must hold at least 2 samples; got n_samples={n_samples}.")
        groups = check_groups(groups, n_samples)
        self.rois_, self.target_query_ = self._queries(Y.shape[1])
        self.target_scaler_ = self._standardizer(Y)
        standardised = self.target_scaler_.transform(Y).astype(np.float32)

        train, valid = self._validation_split(n_samples, rng, groups=groups)
        if len(valid) == 1:
            raise ValueError(
                f"validation_fraction={self.validation_fraction} holds out 1 sample; the "
                "validation Pearson r needs at least 2. Give more samples or a larger "
                "validation_fraction (or None)."
            )
        self.models_, self.history_, scores, sources = [], [], [], []
        for source, grid in enumerate(grids):
            for _ in range(self.n_seeds):
                model, history, member_scores = self._fit_member(
                    grid, standardised, train, valid, self._torch_seed(rng),
                    name=f"member-{len(self.models_)}",
                )
                self.models_.append(model)
                self.history_.append(history)
                scores.append(member_scores)
                sources.append(source)
        self.member_sources_ = np.asarray(sources)
        self.validation_scores_ = np.asarray(scores, dtype=np.float64)
        self.member_weights_ = _ensemble_weights(self.validation_scores_, self.beta)
        return self

    def predict(self, X):
        """Predict every target: the weighted ensemble of the members.

        Parameters
        ----------
        X : array-like, as in :meth:`fit`

        Returns
        -------
        ndarray of shape (n_samples, n_targets), or (n_samples,) when ``fit``
        got a 1-D ``y``; in the units of ``y``.
        """
        check_is_fitted(self)
        members = self._member_predictions(self._grids(X, reset=False))
        standardised = np.einsum("mnt,mt->nt", members, self.member_weights_)
        prediction = self.target_scaler_.inverse_transform(standardised)
        constant = ~self.varying_targets_
        prediction[:, constant] = self.target_scaler_.mean_[constant]
        return prediction.ravel() if self._y_was_1d else prediction

    def score(self, X, y):
        """Mean Pearson r over targets (targets with zero variance ignored).

        Per-target scores: ``neurost.metrics.correlation_score(y,
        encoder.predict(X))``.

        Parameters
        ----------
        X : array-like, as in :meth:`fit`
        y : array-like of shape (n_samples,) or (n_samples, n_targets)

        Returns
        -------
        float
        """
        return mean_correlation(y, self.predict(X), self.varying_targets_)

    def attention_maps(self, X):
        """Attention of each ROI query over the grid, per sample.

        Each member's map is the softmax attention of its last decoder
        layer, averaged over heads; members are averaged with, for each
        ROI, the mean ensemble weight of the ROI's targets, so that every
        map still sums to 1.

        Parameters
        ----------
        X : array-like, as in :meth:`fit`

        Returns
        -------
        ndarray of shape (n_samples, n_queries, h, w), float32
            ``attention[i, q]`` sums to 1; query ``q`` is ROI ``rois_[q]``.

        Raises
        ------
        ValueError
            For a layer ensemble whose backbones give grids of different
            sizes (their maps cannot be averaged).
        """
        check_is_fitted(self)
        grids = self._grids(X, reset=False)
        if len({grid.shape[1:3] for grid in grids}) > 1:
            raise ValueError(
                "attention_maps needs grids of one size, but the backbones give "
                f"{[grid.shape[1:3] for grid in grids]}; read the maps of each "
                "member from models_ instead."
            )
        n_queries = len(self.rois_)
        roi_weights = np.stack(
            [
                np.bincount(self.target_query_, weights, minlength=n_queries)
                / np.bincount(self.target_query_, minlength=n_queries)
                for weights in self.member_weights_
            ]
        )
        total = 0.0
        for member, (model, source) in enumerate(zip(self.models_, self.member_sources_)):
            maps = self._predict(_AttentionOf(model), _Grids(grids[source]))
            total = total + maps * roi_weights[member][:, None, None]
        return (total / roi_weights.sum(axis=0)[:, None, None]).astype(np.float32)

    def _grids(self, X, reset):
        """Return the feature grids of ``X``: one (n, h, w, c) array per source."""
        if self.backbone is None:
            grid = check_grid(self, X, reset=reset, grid_shape=self._grid_hw(X))
            if reset:
                self.n_channels_ = grid.shape[-1]
            elif grid.shape[-1] != self.n_channels_:
                raise ValueError(
                    f"X has {grid.shape[-1]} channels per grid cell; the estimator "
                    f"was fitted on {self.n_channels_}."
                )
            return [grid]
        if reset:
            backbones = self.backbone
            if isinstance(backbones, BackboneFeatures):
                backbones = [backbones]
            if (
                not isinstance(backbones, (list, tuple))
                or not backbones
                or not all(isinstance(b, BackboneFeatures) for b in backbones)
            ):
                raise TypeError(
                    "backbone must be a BackboneFeatures or a non-empty list of them; "
                    f"got {describe(self.backbone)}."
                )
            self.backbones_ = [clone(b).fit(X) for b in backbones]
        grids = []
        for index, backbone in enumerate(self.backbones_):
            grid = np.asarray(backbone.transform(X), dtype=np.float32)
            check_finite(grid, f"the features of backbone {index}")
            # A backbone of several layers gives (n, n_layers, h, w, c): one source each.
            grids.extend(grid.transpose(1, 0, 2, 3, 4) if grid.ndim == 5 else [grid])
        shapes = [grid.shape[1:3] for grid in grids]
        channels = [grid.shape[3] for grid in grids]
        if reset:
            single = len(grids) == 1 and isinstance(self.backbone, BackboneFeatures)
            self.grid_shape_ = shapes[0] if single else shapes
            self.n_channels_ = channels[0] if single else channels
            self._source_shapes = list(zip(shapes, channels))
        elif list(zip(shapes, channels)) != self._source_shapes:
            raise ValueError(
                f"The backbones give grids (h, w), c of {list(zip(shapes, channels))}; "
                f"the estimator was fitted on {self._source_shapes}."
            )
        return grids

    def _grid_hw(self, X):
        """``(h, w)`` of ``grid_shape`` for 2-D ``X`` (channels checked here)."""
        if self.grid_shape is None or np.ndim(X) != 2:
            return None
        shape = self.grid_shape
        if (
            not isinstance(shape, (tuple, list))
            or len(shape) not in (2, 3)
            or any(isinstance(s, bool) or not isinstance(s, Integral) or s < 1
                   for s in shape)
        ):
            raise ValueError(
                "grid_shape must be (h, w) or (h, w, c), positive integers; "
                f"got {describe(shape)}."
            )
        n_features = np.shape(X)[1]
        if len(shape) == 3 and n_features != int(np.prod(shape)):
            raise ValueError(
                f"X has {n_features} features but grid_shape={tuple(shape)} needs "
                f"h * w * c = {int(np.prod(shape))}."
            )
        return int(shape[0]), int(shape[1])

    def _queries(self, n_targets):
        """Return the ROI of each query and the query of each target."""
        if self.roi_labels is None:
            if self.rois is not None:
                raise ValueError("rois requires roi_labels (the ROI of each target).")
            return np.asarray([ALL_TARGETS]), np.zeros(n_targets, dtype=np.int64)
        labels = np.asarray(self.roi_labels)
        if labels.ndim != 1 or len(labels) != n_targets:
            raise ValueError(
                f"roi_labels must hold one label per target: {n_targets} for Y with "
                f"{n_targets} target(s); got {labels.size} label(s) of shape {labels.shape}."
            )
        if self.rois is None:
            rois = np.unique(labels)
        else:
            rois = np.asarray(self.rois)
            if rois.ndim != 1 or not len(rois) or len(np.unique(rois)) != len(rois):
                raise ValueError(
                    f"rois must be a non-empty sequence of distinct ROI labels; got "
                    f"{describe(self.rois)}."
                )
            unknown = np.setdiff1d(labels, rois)
            if len(unknown):
                raise ValueError(
                    f"roi_labels holds label(s) not in rois: {unknown[:5].tolist()}; "
                    f"rois is {rois.tolist()}."
                )
        index = {roi: q for q, roi in enumerate(rois.tolist())}
        target_query = np.asarray([index[label] for label in labels.tolist()], dtype=np.int64)
        counts = np.bincount(target_query, minlength=len(rois))
        if not counts.all():
            raise ValueError(
                f"ROI {rois.tolist()[int(np.argmin(counts))]!r} of rois has no targets in "
                "roi_labels; "
                "remove it from rois."
            )
        return rois, target_query

    def _fit_member(self, grid, Y, train, valid, seed, name):
        """Train one model; return it, its history and its validation r per target."""
        with seeded(seed):
            model = RoutingTransformer(
                len(self.rois_), grid.shape[-1], torch.from_numpy(self.target_query_),
                n_heads=self.n_heads, n_layers=self.n_layers, ffn_dim=self.ffn_dim,
                dropout=self.dropout,
            )
        valid_data = _Grids(grid[valid], Y[valid]) if len(valid) else None
        history = self._train(
            model, _Grids(grid[train], Y[train]), loss=torch.nn.MSELoss(),
            valid_data=valid_data, score=_mean_r if len(valid) else None, seed=seed,
            data=lambda: (train, valid, Y, grid[:: max(1, len(grid) // 64)]), name=name,
        )
        if valid_data is None:
            scores = np.full(Y.shape[1], np.nan)
        else:
            scores = correlation_score(Y[valid], self._predict(model, valid_data))
        return model, history, scores

    def _member_predictions(self, grids):
        """Standardised predictions of every member, shape (n_members, n, n_targets)."""
        return np.stack([
            self._predict(model, _Grids(grids[source]))
            for model, source in zip(self.models_, self.member_sources_)
        ])


def _ensemble_weights(scores, beta):
    """Per-target softmax of ``beta * scores`` over members; equal without scores."""
    if not np.isfinite(scores).all():
        return np.full(scores.shape, 1.0 / len(scores))
    logits = beta * scores
    weights = np.exp(logits - logits.max(axis=0))
    return weights / weights.sum(axis=0)


def _mean_r(predictions, targets):
    """Validation score of the training engine: mean Pearson r over targets."""
    return float(
        correlation_score(targets.float().cpu().numpy(), predictions.float().cpu().numpy()).mean()
    )


class _Grids(torch.utils.data.Dataset):
    """Items ``(grid, responses)``; responses are zeros when not given."""

    def __init__(self, grids, responses=None):
        self.grids = torch.from_numpy(np.ascontiguousarray(grids))
        self.responses = (
            torch.zeros(len(grids), 0)
            if responses is None
            else torch.from_numpy(np.ascontiguousarray(responses))
        )

    def __len__(self):
        return len(self.grids)

    def __getitem__(self, index):
        return self.grids[index], self.responses[index]


class _AttentionOf(torch.nn.Module):
    """Wrap a RoutingTransformer so that its forward returns the attention maps."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, grid):
        return self.model(grid, return_attention=True)[1]
