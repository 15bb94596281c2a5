"""What the TABLeT estimators share: parameters, runs, training, windows."""

import math
import numbers
from collections.abc import Mapping

import numpy as np
import torch
from sklearn.base import BaseEstimator, clone
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import check_is_fitted, validate_data

from .._utils.training import fit_module, predict_module, seeded, torch_seed
from .._utils.validation import check_choice, check_positive_int, describe
from ..models import BrainLatentTransformer
from ..models.latent_transformer import PRESETS
from ..tokenize import SliceTokenizer
from ._datasets import CenteredRun, CropDataset, WindowDataset
from ._runs import as_runs, check_short_runs, check_token_shapes, has_images


class TabletEstimator(BaseEstimator):
    """Base of the TABLeT estimators (not for direct use).

    Holds the parameters every estimator shares and the steps they share:
    turning runs into token sources, building the transformer, training it
    through :func:`neurost._utils.training.fit_module` on random crops, and
    running it over non-overlapping windows.
    """

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
        patience=5,
        grad_clip=1.0,
        pad_short_runs=True,
        model_params=None,
        device="auto",
        verbose=0,
        random_state=None,
        center_tokens=False,
    ):
        self.tokenizer = tokenizer
        self.preset = preset
        self.n_frames = n_frames
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.grad_clip = grad_clip
        self.pad_short_runs = pad_short_runs
        self.model_params = model_params
        self.device = device
        self.verbose = verbose
        self.random_state = random_state
        self.center_tokens = center_tokens

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # A 2-D array is read as one-frame runs of one token (see _tables_as_runs).
        tags.input_tags.two_d_array = True
        tags.non_deterministic = False
        return tags

    # -- parameters and runs -------------------------------------------------

    def _check_params(self):
        check_choice(self.preset, "preset", PRESETS)
        check_positive_int(self.n_frames, "n_frames", "frames per crop and window")
        check_positive_int(self.max_epochs, "max_epochs", "epochs")
        check_positive_int(self.batch_size, "batch_size", "runs per batch")
        fraction = self.validation_fraction
        if fraction is not None and (
            isinstance(fraction, bool)
            or not isinstance(fraction, numbers.Real)
            or not 0 <= fraction < 1
        ):
            raise ValueError(
                "validation_fraction must be None or a number in [0, 1); got "
                f"{describe(fraction)}."
            )
        if not isinstance(self.pad_short_runs, (bool, np.bool_)):
            raise ValueError(
                f"pad_short_runs must be True or False; got {describe(self.pad_short_runs)}."
            )
        if not isinstance(self.center_tokens, (bool, np.bool_)):
            raise ValueError(
                f"center_tokens must be True or False; got {describe(self.center_tokens)}."
            )
        if self.model_params is not None and not isinstance(self.model_params, Mapping):
            raise TypeError(
                "model_params must be None or a dict of BrainLatentTransformer "
                f"arguments; got {describe(self.model_params)}."
            )
        if self.tokenizer is not None and not isinstance(self.tokenizer, SliceTokenizer):
            raise TypeError(
                f"tokenizer must be None or a SliceTokenizer; got {describe(self.tokenizer)}."
            )

    def _tables_as_runs(self, X, reset):
        """A 2-D array (n_runs, n_features) -> one-frame runs of one token.

        Each row becomes a run of one frame holding one token of
        ``n_features`` channels, so that the estimators accept scikit-learn's
        tables. Other inputs are returned as they are. Tables are checked by
        scikit-learn's ``validate_data`` (finite values, ``n_features_in_``).
        """
        if not _is_table(X):
            if reset:
                self.__dict__.pop("n_features_in_", None)
            return X
        X = validate_data(self, X, reset=reset, dtype=np.float32)
        return X[:, None, None, :]

    def _fit_runs(self, X, y=None):
        """Check the parameters; token sources of the training runs."""
        self._check_params()
        X = self._tables_as_runs(X, reset=True)
        if y is not None:
            _check_lengths(X, y)
        tokenizer = None
        if has_images(X):
            tokenizer = clone(self.tokenizer if self.tokenizer is not None else SliceTokenizer())
            tokenizer.fit()
        runs = as_runs(X, tokenizer)
        if y is not None:
            _check_lengths(runs, y)
        self.n_tokens_, self.token_dim_ = check_token_shapes(runs)
        check_short_runs(runs, self.n_frames, self.pad_short_runs)
        self.tokenizer_ = tokenizer
        return self._centered(runs)

    def _image_tokenizer(self):
        """The tokenizer for 4D runs after fitting, or None if there is none."""
        if self.tokenizer_ is not None:
            return self.tokenizer_
        if self.tokenizer is not None:
            return clone(self.tokenizer).fit()
        return None

    def _runs(self, X):
        """Token sources of runs to predict on, checked against the fit."""
        check_is_fitted(self, "model_")
        X = self._tables_as_runs(X, reset=False)
        runs = as_runs(X, self._image_tokenizer() if has_images(X) else None)
        check_token_shapes(runs, (self.n_tokens_, self.token_dim_))
        check_short_runs(runs, self.n_frames, self.pad_short_runs)
        return self._centered(runs)

    def _centered(self, runs):
        """The runs, each minus its mean frame when ``center_tokens``."""
        return [CenteredRun(run) for run in runs] if self.center_tokens else runs

    # -- model and training ----------------------------------------------------

    def _seed(self):
        return torch_seed(self.random_state)

    def _build_model(self, n_outputs, seed):
        with seeded(seed):
            try:
                return BrainLatentTransformer.from_preset(
                    self.preset, self.token_dim_, self.n_tokens_, n_outputs,
                    **dict(self.model_params or {}),
                )
            except TypeError as error:
                raise TypeError(f"model_params: {error}") from None

    def _train(self, module, loss, runs, targets, seed, stratify=None):
        """Train ``module`` on crops of ``runs``; returns the history."""
        train, valid = self._split(len(runs), stratify, seed)
        pick = lambda index: None if targets is None else targets[index]  # noqa: E731
        train_data = CropDataset([runs[i] for i in train], pick(train), self.n_frames, seed)
        valid_data = None
        if len(valid):
            valid_data = CropDataset(
                [runs[i] for i in valid], pick(valid), self.n_frames, seed + 1, fixed=True
            )
        return fit_module(
            module,
            train_data,
            loss=loss,
            valid_data=valid_data,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            lr=self.lr,
            weight_decay=self.weight_decay,
            patience=self.patience,
            grad_clip=self.grad_clip,
            device=self.device,
            verbose=self.verbose,
            seed=seed,
        )

    def _split(self, n_runs, stratify, seed):
        """Indices of the training and validation runs."""
        everything = np.arange(n_runs)
        if not self.validation_fraction:
            return everything, everything[:0]
        n_valid = math.ceil(self.validation_fraction * n_runs)
        n_groups = 1 if stratify is None else len(np.unique(stratify))
        if stratify is not None:
            n_valid = max(n_valid, n_groups)
        if n_runs - n_valid < n_groups:
            raise ValueError(
                f"validation_fraction={self.validation_fraction} leaves too few "
                f"of the {n_runs} runs to train on (validation takes {n_valid}"
                + (f", one per class at least, {n_groups} classes" if stratify is not None else "")
                + "). Give more runs or set validation_fraction=None."
            )
        train, valid = train_test_split(
            everything, test_size=n_valid, stratify=stratify, random_state=seed
        )
        return np.sort(train), np.sort(valid)

    def _window_outputs(self, runs):
        """Model outputs averaged over each run's windows, (n_runs, n_outputs)."""
        windows = WindowDataset(runs, self.n_frames)
        outputs = predict_module(
            self.model_, windows, batch_size=self.batch_size, device=self.device
        )
        return windows.average(outputs.numpy())


def _is_table(X):
    """Whether ``X`` is a table (array-like with at most 2 axes), not runs."""
    if isinstance(X, (list, tuple)):
        # A list of rows of numbers (``X.tolist()``), not a list of runs.
        return len(X) > 0 and all(
            isinstance(row, (list, tuple))
            and all(isinstance(value, numbers.Number) for value in row)
            for row in X
        )
    shape = getattr(X, "shape", None)
    if shape is None and hasattr(X, "__array__"):
        shape = np.asarray(X).shape
    return shape is not None and len(shape) <= 2


def _check_lengths(X, y):
    if not hasattr(X, "__len__") or not hasattr(y, "__len__"):
        return
    if len(X) != len(y):
        raise ValueError(
            f"X and y must hold one entry per run; X has {len(X)} runs but y "
            f"has {len(y)} entries."
        )


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
    from .pretraining import MaskedTokenPretrainer

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
