"""MaskedTokenPretrainer: loss decreases, held-out score, embeddings, errors."""

import numpy as np
import pytest
import torch

from neurost.models import BrainLatentTransformer, MaskedTokenModel
from neurost.tablet import MaskedTokenPretrainer

TINY = dict(preset="tiny", n_frames=8, batch_size=8, device="cpu", random_state=0)


def _structured_runs(n_runs, seed):
    """Runs whose tokens share one time course: masked tokens are predictable."""
    rng = np.random.default_rng(seed)
    runs = []
    for _ in range(n_runs):
        course = rng.normal(size=(16, 1, 6))
        loadings = np.linspace(-1, 1, 4)[None, :, None]
        runs.append((course * loadings + 0.1 * rng.normal(size=(16, 4, 6))).astype(np.float32))
    return runs


def test_training_loss_decreases_and_score_improves():
    runs, held_out = _structured_runs(16, 0), _structured_runs(8, 1)
    untrained = MaskedTokenPretrainer(max_epochs=1, lr=1e-12, validation_fraction=None, **TINY)
    trained = MaskedTokenPretrainer(max_epochs=20, lr=3e-3, validation_fraction=None, **TINY)
    trained.fit(runs)
    losses = [epoch["train_loss"] for epoch in trained.history_]
    assert losses[-1] < 0.7 * losses[0]
    baseline = untrained.fit(runs).score(held_out)
    assert trained.score(held_out) > baseline + 0.1
    assert trained.score(held_out) == trained.score(held_out)  # same masks every call


def test_fitted_attributes_and_transform(class_runs):
    runs, _ = class_runs(6)
    pretrainer = MaskedTokenPretrainer(max_epochs=1, validation_fraction=None, **TINY).fit(runs)
    assert isinstance(pretrainer.backbone_, BrainLatentTransformer)
    assert isinstance(pretrainer.model_, MaskedTokenModel)
    assert pretrainer.model_.backbone is pretrainer.backbone_
    assert pretrainer.model_.n_masked == 2  # half of 4 token positions
    embeddings = pretrainer.transform(runs)
    assert embeddings.shape == (6, 64)  # tiny preset: d_model 64
    assert np.isfinite(embeddings).all()
    np.testing.assert_allclose(pretrainer.fit_transform(runs), embeddings, rtol=1e-5)


def test_score_counts_masked_tokens_only(class_runs):
    runs, _ = class_runs(4)
    pretrainer = MaskedTokenPretrainer(max_epochs=1, validation_fraction=None, **TINY).fit(runs)
    score = pretrainer.score(runs)
    # The same windows and masks by hand: the masks come from a generator
    # seeded from random_state, drawn window by window in run order.
    generator = torch.Generator().manual_seed(pretrainer.mask_seed_)
    errors, counts = 0.0, 0
    with torch.no_grad():
        for run in runs:
            for start in (0, 8):
                tokens = torch.as_tensor(run[None, start : start + 8])
                no_padding = torch.zeros(1, 8, dtype=torch.bool)
                reconstruction, mask = pretrainer.model_(tokens, no_padding, generator=generator)
                errors += float(((reconstruction - tokens).abs().sum(-1) * mask).sum())
                counts += int(mask.sum()) * 6
    np.testing.assert_allclose(score, -errors / counts, rtol=1e-5)


def test_mask_ratio_is_checked(class_runs):
    runs, _ = class_runs(2)
    with pytest.raises(ValueError, match=r"'mask_ratio' parameter .* range \(0.0, 1.0\)"):
        MaskedTokenPretrainer(mask_ratio=1.5, **TINY).fit(runs)


def test_short_runs_padded_for_pretraining(class_runs):
    runs, _ = class_runs(4, lengths=[3, 5, 8, 12])
    pretrainer = MaskedTokenPretrainer(max_epochs=1, validation_fraction=None, **TINY).fit(runs)
    assert np.isfinite(pretrainer.score(runs))
    with pytest.raises(ValueError, match="X\\[0\\] \\(3 frames\\)"):
        MaskedTokenPretrainer(pad_short_runs=False, **TINY).fit(runs)


def test_pretrainer_center_tokens_ignores_each_runs_static_image(class_runs):
    """Pre-training on centred runs does not depend on each run's mean frame."""
    runs, _ = class_runs(4)
    shifted = [run + 3.0 for run in runs]
    params = dict(preset="tiny", n_frames=8, max_epochs=1, validation_fraction=None,
                  device="cpu", random_state=0, center_tokens=True)
    losses = [MaskedTokenPretrainer(**params).fit(x).history_[-1]["train_loss"]
              for x in (runs, shifted)]
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-4)
