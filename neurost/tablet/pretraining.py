"""Self-supervised pre-training of the TABLeT transformer by masked token modelling."""

from numbers import Real

import torch
from sklearn.base import TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted
from torch import nn

from .._utils.training import seeded
from ..models import MaskedTokenModel, masked_l1_loss
from ._docs import fill_doc
from ._base import TabletEstimator
from ._datasets import WindowDataset


class _MaskedL1(nn.Module):
    """``masked_l1_loss`` on the ``(reconstruction, mask)`` output of the model."""

    def forward(self, output, tokens):
        reconstruction, mask = output
        return masked_l1_loss(reconstruction.float(), tokens, mask)


class _FixedMaskErrors(nn.Module):
    """Per-window masked L1 error sums under reproducible masks.

    Returns ``(batch, 2)``: the summed absolute error over the masked
    entries, and their number.
    """

    def __init__(self, model, seed):
        super().__init__()
        self.model = model
        self.seed = seed
        self._generator = None

    def forward(self, tokens, padding_mask):
        if self._generator is None:
            self._generator = torch.Generator().manual_seed(self.seed)
        reconstruction, mask = self.model(tokens, padding_mask, generator=self._generator)
        error = (reconstruction.float() - tokens).abs().sum(dim=-1)
        total = (error * mask).sum(dim=(1, 2))
        count = mask.sum(dim=(1, 2)).to(error.dtype) * tokens.shape[-1]
        return torch.stack([total, count], dim=1)


class _ClsEmbedding(nn.Module):
    """The backbone's normalised CLS output, ``(batch, d_model)``."""

    def __init__(self, backbone):
        super().__init__()
        self.backbone = backbone

    def forward(self, tokens, padding_mask):
        return self.backbone.encode(self.backbone.embed(tokens), padding_mask)[:, 0]


@fill_doc
class MaskedTokenPretrainer(TransformerMixin, TabletEstimator):
    """Pre-train the TABLeT transformer by masked token modelling.

    Each training step takes a random contiguous crop of ``n_frames``
    frames per run, replaces ``mask_ratio`` of the token positions by a
    learned [MASK] embedding -- the same positions in every frame of the
    crop (tube masking), so a masked sub-volume cannot be copied from a
    neighbouring frame -- and reconstructs the original tokens there with a
    linear decoder; the loss is the L1 error on the masked tokens only
    (:class:`~neurost.models.MaskedTokenModel`). No labels are needed. The
    trained transformer initialises :class:`TabletClassifier` or
    :class:`TabletRegressor` through their ``init_from``.

    Parameters
    ----------
    %(tablet_parameters)s
    %(torch_training)s
    mask_ratio : float, default=0.5
        Share of the token positions masked in each crop.

    Attributes
    ----------
    backbone_ : BrainLatentTransformer
        The pre-trained transformer (its output head is untrained).
    model_ : MaskedTokenModel
        The backbone with its mask token and decoder.
    mask_seed_ : int
        Seeds the masks of :meth:`score`.
    history_ : list of dict
        Per-epoch ``train_loss`` (and ``valid_loss``): masked L1 errors.
    n_tokens_, token_dim_ : int
    tokenizer_ : SliceTokenizer or None
    n_features_in_ : int
        Channels of the token, only when fitted on a 2-D array.

    Examples
    --------
    >>> import numpy as np
    >>> from neurost.tablet import MaskedTokenPretrainer, TabletClassifier
    >>> rng = np.random.default_rng(0)
    >>> runs = [rng.normal(size=(20, 8, 16)).astype("float32") for _ in range(4)]
    >>> pre = MaskedTokenPretrainer(preset="tiny", n_frames=8, max_epochs=2,
    ...                             validation_fraction=None, device="cpu",
    ...                             random_state=0).fit(runs)
    >>> clf = TabletClassifier(preset="tiny", n_frames=8, max_epochs=2,
    ...                        validation_fraction=None, device="cpu",
    ...                        init_from=pre).fit(runs, [0, 1, 0, 1])
    """

    _parameter_constraints = {
        **TabletEstimator._parameter_constraints,
        "mask_ratio": [Interval(Real, 0, 1, closed="neither")],
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
        mask_ratio=0.5,
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
        self.mask_ratio = mask_ratio

    @fill_doc
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, groups=None):
        """Pre-train on random crops of the runs.

        Parameters
        ----------
        %(runs)s
        y : None
            Ignored.
        %(groups_runs)s

        Returns
        -------
        self
        """
        rng = self._start_fit()
        runs, groups = self._fit_runs(X, groups=groups)
        seed = self._torch_seed(rng)
        backbone = self._build_model(1, seed)
        with seeded(seed + 1):
            model = MaskedTokenModel(backbone, float(self.mask_ratio))
        self._train_on_runs(model, _MaskedL1(), runs, None, rng, seed, groups=groups)
        self.mask_seed_ = int(rng.randint(2**31 - 1))
        self.model_ = model
        self.backbone_ = backbone
        return self

    @fill_doc
    def score(self, X, y=None):
        """Negative masked L1 reconstruction error on runs (higher is better).

        Every run is cut into non-overlapping windows of ``n_frames``
        frames; tube masks are drawn window by window from a generator
        seeded by ``mask_seed_`` (drawn in ``fit``), so that the same runs
        get the same masks on every call.

        Parameters
        ----------
        %(runs)s
        y : None
            Ignored.

        Returns
        -------
        float
            Minus the mean absolute error over every channel of every
            masked token of every window, in token units.
        """
        runs = self._runs(X)
        errors = self._predict(
            _FixedMaskErrors(self.model_, self.mask_seed_), WindowDataset(runs, self.n_frames)
        )
        return -float(errors[:, 0].sum() / errors[:, 1].sum())

    @fill_doc
    def transform(self, X):
        """Run embeddings: the CLS output averaged over each run's windows.

        Parameters
        ----------
        %(runs)s

        Returns
        -------
        numpy.ndarray of shape (n_runs, d_model)
        """
        check_is_fitted(self, "backbone_")
        runs = self._runs(X)
        windows = WindowDataset(runs, self.n_frames)
        return windows.average(self._predict(_ClsEmbedding(self.backbone_), windows))
