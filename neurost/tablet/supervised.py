"""TABLeT classifier and regressor: a transformer over whole runs of tokens."""

from collections.abc import Mapping

import numpy as np
import torch
from sklearn.base import ClassifierMixin, RegressorMixin, _fit_context
from sklearn.preprocessing import LabelEncoder
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, check_is_fitted, column_or_1d
from torch import nn

from .._utils.validation import describe
from ._base import TabletEstimator
from ._docs import fill_doc
from .pretraining import MaskedTokenPretrainer

class _ClassLoss(nn.Module):
    """Class-weighted loss on logits: BCE (one logit) or cross-entropy.

    Targets are class indices (float tensors from the dataset). The mean is
    weighted, as :class:`torch.nn.CrossEntropyLoss` does with ``weight``.
    """

    def __init__(self, class_weight):
        super().__init__()
        self.register_buffer("class_weight", torch.as_tensor(class_weight, dtype=torch.float32))

    def forward(self, logits, target):
        target = target.long()
        weight = self.class_weight.to(logits.device)
        if logits.shape[1] == 1:
            losses = nn.functional.binary_cross_entropy_with_logits(
                logits[:, 0].float(), target.float(), reduction="none"
            )
            weights = weight[target]
            return (losses * weights).sum() / weights.sum()
        return nn.functional.cross_entropy(logits.float(), target, weight=weight)


@fill_doc
class TabletClassifier(ClassifierMixin, TabletEstimator):
    """Classify whole fMRI runs (sex, diagnosis) from their tokens (TABLeT).

    A :class:`~neurost.models.BrainLatentTransformer` reads ``n_frames``
    consecutive frames of tokens at once. Training draws one random
    contiguous crop of ``n_frames`` frames per run and step and minimises a
    class-weighted binary cross-entropy on one logit (two classes) or
    cross-entropy (more classes). Prediction cuts every run into
    non-overlapping windows of ``n_frames`` frames (the last one padded and
    masked) and averages their logits per run.

    Parameters
    ----------
    %(tablet_parameters)s
    %(torch_training)s
    %(init_from)s
    class_weight : "balanced", dict or None, default="balanced"
        Weights of the classes in the loss: "balanced" weighs each class
        inversely to its frequency (the paper's ``pos_weight``); a dict maps
        class labels to weights; None weighs all classes equally.

    Attributes
    ----------
    classes_ : numpy.ndarray of shape (n_classes,)
    model_ : BrainLatentTransformer
        The trained transformer, on the CPU; one output logit for 2
        classes, else one per class.
    history_ : list of dict
        Per-epoch ``train_loss`` (and ``valid_loss``).
    n_tokens_, token_dim_ : int
        Token shape of the training runs.
    tokenizer_ : SliceTokenizer or None
        The fitted tokenizer when the training runs were images.
    n_features_in_ : int
        Channels of the token, only when fitted on a 2-D array.

    See Also
    --------
    MaskedTokenPretrainer : self-supervised pre-training for ``init_from``.
    neurost.tablet.attribution.integrated_gradients : which tokens drive a
        prediction.

    Examples
    --------
    >>> import numpy as np
    >>> from neurost.tablet import TabletClassifier
    >>> rng = np.random.default_rng(0)
    >>> runs = [rng.normal(size=(20, 8, 16)).astype("float32") for _ in range(6)]
    >>> clf = TabletClassifier(preset="tiny", n_frames=8, max_epochs=2,
    ...                        validation_fraction=None, device="cpu",
    ...                        random_state=0)
    >>> clf.fit(runs, [0, 1, 0, 1, 0, 1]).predict_proba(runs).shape
    (6, 2)
    """

    _parameter_constraints = {
        **TabletEstimator._parameter_constraints,
        "init_from": [MaskedTokenPretrainer, Mapping, None],
        "class_weight": [StrOptions({"balanced"}), dict, None],
    }

    def __init__(
        self,
        tokenizer=None,
        preset="small",
        n_frames=256,
        max_epochs=30,
        batch_size=4,
        lr=3e-4,
        weight_decay=0.01,
        validation_fraction=0.15,
        validation_split="stratified",
        patience=5,
        grad_clip=1.0,
        accumulation_steps=1,
        pad_short_runs=True,
        model_params=None,
        checkpoint_dir=None,
        warm_start=False,
        device="auto",
        verbose=0,
        random_state=None,
        center_tokens=False,
        init_from=None,
        class_weight="balanced",
    ):
        super().__init__(
            tokenizer=tokenizer, preset=preset, n_frames=n_frames,
            max_epochs=max_epochs, batch_size=batch_size, lr=lr,
            weight_decay=weight_decay, validation_fraction=validation_fraction,
            validation_split=validation_split, patience=patience, grad_clip=grad_clip,
            accumulation_steps=accumulation_steps,
            pad_short_runs=pad_short_runs, model_params=model_params,
            checkpoint_dir=checkpoint_dir, warm_start=warm_start, device=device,
            verbose=verbose, random_state=random_state, center_tokens=center_tokens,
        )
        self.init_from = init_from
        self.class_weight = class_weight

    @fill_doc
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, groups=None):
        """Train the transformer on random crops of the runs.

        Parameters
        ----------
        %(runs)s
        y : array-like of shape (n_runs,)
            One class label per run; at least two classes.
        %(groups_runs)s

        Returns
        -------
        self
        """
        _require_y(y)
        rng = self._start_fit()
        runs, groups = self._fit_runs(X, y, groups)
        y = _check_labels(y)
        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        self.classes_ = encoder.classes_
        if len(self.classes_) < 2:
            raise ValueError(
                "y must hold at least 2 classes to train a classifier; got 1 class: "
                f"{self.classes_[0]!r}."
            )
        codes = encoder.transform(y)
        weights = self._class_weights(codes)
        seed = self._torch_seed(rng)
        n_classes = len(self.classes_)
        model = self._build_model(1 if n_classes == 2 else n_classes, seed)
        if self.init_from is not None:
            load_backbone(model, self.init_from)
        self._train_on_runs(
            model, _ClassLoss(weights), runs, codes.astype(np.float32), rng, seed,
            groups=groups, classes=codes,
        )
        self.model_ = model
        return self

    def _class_weights(self, codes):
        weight = self.class_weight
        if isinstance(weight, str) and weight == "balanced":
            return compute_class_weight("balanced", classes=np.arange(len(self.classes_)), y=codes)
        if weight is None:
            return np.ones(len(self.classes_))
        unknown = [k for k in weight if k not in set(self.classes_.tolist())]
        if unknown:
            raise ValueError(
                f"class_weight names classes {unknown} that are not in y; the "
                f"classes are {self.classes_.tolist()}."
            )
        values = np.array([weight.get(c, 1.0) for c in self.classes_.tolist()], float)
        if not np.all(np.isfinite(values)) or np.any(values <= 0):
            raise ValueError(f"class_weight values must be positive and finite; got {weight}.")
        return values

    @fill_doc
    def decision_function(self, X):
        """Logits averaged over each run's windows.

        Parameters
        ----------
        %(runs)s

        Returns
        -------
        numpy.ndarray of shape (n_runs,) or (n_runs, n_classes)
            For two classes, the logit of ``classes_[1]``.
        """
        logits = self._window_outputs(self._runs(X))
        return logits[:, 0] if len(self.classes_) == 2 else logits

    @fill_doc
    def predict_proba(self, X):
        """Class probabilities from the window-averaged logits.

        Parameters
        ----------
        %(runs)s

        Returns
        -------
        numpy.ndarray of shape (n_runs, n_classes)
            Rows sum to 1 (sigmoid for two classes, softmax otherwise).
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            positive = 1.0 / (1.0 + np.exp(-scores))
            return np.column_stack([1.0 - positive, positive])
        scores = scores - scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    @fill_doc
    def predict(self, X):
        """The most probable class of each run.

        Parameters
        ----------
        %(runs)s

        Returns
        -------
        numpy.ndarray of shape (n_runs,)
        """
        scores = self.decision_function(X)
        index = (scores > 0).astype(int) if scores.ndim == 1 else scores.argmax(axis=1)
        return self.classes_[index]


@fill_doc
class TabletRegressor(RegressorMixin, TabletEstimator):
    """Predict continuous traits (age, scores) of whole fMRI runs (TABLeT).

    As :class:`TabletClassifier`, with an L1 loss on standardised targets
    (each target centred and divided by its standard deviation over the
    training runs); predictions are window-averaged and brought back to the
    targets' units.

    Parameters
    ----------
    %(tablet_parameters)s
    %(torch_training)s
    %(init_from)s

    Attributes
    ----------
    model_ : BrainLatentTransformer
        One output per target.
    target_scaler_ : sklearn.preprocessing.StandardScaler
        The standardisation of the targets (a constant target is centred,
        with a scale of 1).
    history_ : list of dict
    n_tokens_, token_dim_ : int
    tokenizer_ : SliceTokenizer or None
    n_features_in_ : int
        Channels of the token, only when fitted on a 2-D array.
    """

    _parameter_constraints = {
        **TabletEstimator._parameter_constraints,
        "init_from": [MaskedTokenPretrainer, Mapping, None],
    }

    def __init__(
        self,
        tokenizer=None,
        preset="small",
        n_frames=256,
        max_epochs=30,
        batch_size=4,
        lr=3e-4,
        weight_decay=0.01,
        validation_fraction=0.15,
        validation_split="random",
        patience=5,
        grad_clip=1.0,
        accumulation_steps=1,
        pad_short_runs=True,
        model_params=None,
        checkpoint_dir=None,
        warm_start=False,
        device="auto",
        verbose=0,
        random_state=None,
        center_tokens=False,
        init_from=None,
    ):
        super().__init__(
            tokenizer=tokenizer, preset=preset, n_frames=n_frames,
            max_epochs=max_epochs, batch_size=batch_size, lr=lr,
            weight_decay=weight_decay, validation_fraction=validation_fraction,
            validation_split=validation_split, patience=patience, grad_clip=grad_clip,
            accumulation_steps=accumulation_steps,
            pad_short_runs=pad_short_runs, model_params=model_params,
            checkpoint_dir=checkpoint_dir, warm_start=warm_start, device=device,
            verbose=verbose, random_state=random_state, center_tokens=center_tokens,
        )
        self.init_from = init_from

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    @fill_doc
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, groups=None):
        """Train the transformer on random crops of the runs.

        Parameters
        ----------
        %(runs)s
        y : array-like of shape (n_runs,) or (n_runs, n_targets)
            Finite targets, one row per run.
        %(groups_runs)s

        Returns
        -------
        self
        """
        _require_y(y)
        rng = self._start_fit()
        runs, groups = self._fit_runs(X, y, groups)
        y = check_array(y, ensure_2d=False, dtype=np.float64, input_name="y")
        if y.ndim > 2:
            raise ValueError(
                f"y must have shape (n_runs,) or (n_runs, n_targets); got {describe(y)}."
            )
        self._single_target = y.ndim == 1
        y = y.reshape(len(y), -1)
        self.target_scaler_ = self._standardizer(y)
        standard = self.target_scaler_.transform(y).astype(np.float32)
        seed = self._torch_seed(rng)
        model = self._build_model(y.shape[1], seed)
        if self.init_from is not None:
            load_backbone(model, self.init_from)
        self._train_on_runs(model, nn.L1Loss(), runs, standard, rng, seed, groups=groups)
        self.model_ = model
        return self

    @fill_doc
    def predict(self, X):
        """Window-averaged predictions, in the targets' units.

        Parameters
        ----------
        %(runs)s

        Returns
        -------
        numpy.ndarray of shape (n_runs,) or (n_runs, n_targets)
        """
        check_is_fitted(self, "model_")
        outputs = self._window_outputs(self._runs(X))
        predictions = self.target_scaler_.inverse_transform(outputs)
        return predictions[:, 0] if self._single_target else predictions


def _require_y(y):
    if y is None:
        raise ValueError(
            "This estimator requires y to be passed, but the target y is None: "
            "give one target per run."
        )


def _check_labels(y):
    """Labels as a 1-D array without missing values."""
    return column_or_1d(check_array(y, ensure_2d=False, dtype=None, input_name="y"), warn=True)


def load_backbone(model, init_from):
    """Copy a pre-trained backbone's weights into ``model`` (head left as is).

    Parameters
    ----------
    model : BrainLatentTransformer
    init_from : MaskedTokenPretrainer or dict of str to torch.Tensor
        A fitted pretrainer, or the ``state_dict`` of a
        :class:`~neurost.models.BrainLatentTransformer`. Entries of the
        output ``head`` are ignored.
    """
    if isinstance(init_from, MaskedTokenPretrainer):
        if not hasattr(init_from, "backbone_"):
            raise ValueError(
                "init_from is a MaskedTokenPretrainer that is not fitted (cloning "
                "an estimator, as cross-validation does, drops fitted weights). "
                "Fit it first, or pass its weights: "
                "init_from=pretrainer.backbone_.state_dict()."
            )
        state = init_from.backbone_.state_dict()
    elif isinstance(init_from, Mapping) and all(
        isinstance(value, torch.Tensor) for value in init_from.values()
    ):
        state = init_from
    else:
        raise TypeError(
            "init_from must be None, a fitted MaskedTokenPretrainer or a "
            f"BrainLatentTransformer state_dict; got {describe(init_from)}."
        )
    own = {k: v for k, v in model.state_dict().items() if not k.startswith("head.")}
    given = {k: v for k, v in state.items() if not k.startswith("head.")}
    missing = sorted(set(own) - set(given))
    unexpected = sorted(set(given) - set(own))
    differ = [
        f"{k} {tuple(given[k].shape)} vs {tuple(own[k].shape)}"
        for k in own
        if k in given and tuple(given[k].shape) != tuple(own[k].shape)
    ]
    if missing or unexpected or differ:
        problems = []
        if missing:
            problems.append(f"missing {missing[:3]}")
        if unexpected:
            problems.append(f"unexpected {unexpected[:3]}")
        if differ:
            problems.append(f"shapes differ (given vs expected): {differ[:3]}")
        raise ValueError(
            "init_from does not match the transformer of this estimator (same "
            "preset, model_params, n_tokens and token_dim needed): "
            + "; ".join(problems) + "."
        )
    with torch.no_grad():
        model.load_state_dict(given, strict=False)
