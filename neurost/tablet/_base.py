"""What the TABLeT estimators share: parameters, runs, training, windows."""

import numbers
from numbers import Integral

import numpy as np
from sklearn.base import clone
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from .._utils.torch_estimator import TorchEstimator
from .._utils.validation import check_groups
from .._utils.training import seeded
from ..models import BrainLatentTransformer
from ..models.latent_transformer import PRESETS
from ..tokenize import SliceTokenizer
from ._datasets import CenteredRun, CropDataset, WindowDataset
from ._runs import as_runs, check_short_runs, check_token_shapes, has_images


class TabletEstimator(TorchEstimator):
    """Base of the TABLeT estimators (not for direct use).

    Holds the parameters every TABLeT estimator shares and the steps they
    share: turning runs into token sources, building the transformer,
    training it on random crops of the runs (through the
    :class:`~neurost._utils.torch_estimator.TorchEstimator` shell; the
    validation split holds out whole runs) and running it over
    non-overlapping windows.
    """

    _parameter_constraints = {
        **TorchEstimator._parameter_constraints,
        "tokenizer": [SliceTokenizer, None],
        "preset": [StrOptions(set(PRESETS))],
        "n_frames": [Interval(Integral, 1, None, closed="left")],
        "pad_short_runs": ["boolean"],
        "model_params": [dict, None],
        "center_tokens": ["boolean"],
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
    ):
        self.tokenizer = tokenizer
        self.preset = preset
        self.n_frames = n_frames
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.validation_split = validation_split
        self.patience = patience
        self.grad_clip = grad_clip
        self.accumulation_steps = accumulation_steps
        self.pad_short_runs = pad_short_runs
        self.model_params = model_params
        self.checkpoint_dir = checkpoint_dir
        self.warm_start = warm_start
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

    # -- runs ----------------------------------------------------------------

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

    def _fit_runs(self, X, y=None, groups=None):
        """Token sources of the training runs, and their groups (or None)."""
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
        groups = check_groups(groups, len(runs), "runs")
        self.n_tokens_, self.token_dim_ = check_token_shapes(runs)
        check_short_runs(runs, self.n_frames, self.pad_short_runs)
        self.tokenizer_ = tokenizer
        return self._centered(runs), groups

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

    def _build_model(self, n_outputs, seed):
        with seeded(seed):
            try:
                return BrainLatentTransformer.from_preset(
                    self.preset, self.token_dim_, self.n_tokens_, n_outputs,
                    **dict(self.model_params or {}),
                )
            except TypeError as error:
                raise TypeError(f"model_params: {error}") from None

    def _train_on_runs(self, module, loss, runs, targets, rng, seed, *, groups=None,
                       classes=None):
        """Train ``module`` on crops of ``runs``; set ``history_``.

        Parameters
        ----------
        targets : numpy.ndarray or None
            One target per run; None makes each crop its own target.
        rng : numpy.random.RandomState
            Draws the validation split.
        seed : int
            Seeds the crops, the batch order and dropout.
        groups, classes : numpy.ndarray, optional
            Group and class code of each run, for the validation split.
        """
        train, valid = self._validation_split(len(runs), rng, y=classes, groups=groups)
        pick = lambda index: None if targets is None else targets[index]  # noqa: E731
        train_data = CropDataset([runs[i] for i in train], pick(train), self.n_frames, seed)
        valid_data = None
        if len(valid):
            valid_data = CropDataset(
                [runs[i] for i in valid], pick(valid), self.n_frames, seed + 1, fixed=True
            )
        def data():
            lengths = np.array([run.n_frames for run in runs])
            first_frames = np.stack([run.read(0, 1) for run in runs])
            return (train, valid, lengths, first_frames) + (
                () if targets is None else (targets,)
            )

        self.history_ = self._train(module, train_data, loss=loss, valid_data=valid_data,
                                    seed=seed, data=data)

    def _window_outputs(self, runs):
        """Model outputs averaged over each run's windows, (n_runs, n_outputs)."""
        windows = WindowDataset(runs, self.n_frames)
        return windows.average(self._predict(self.model_, windows))


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
