"""Integrated gradients of TABLeT estimators, and their voxel maps."""

import nibabel
import numpy as np
import pytest

from neurost.tablet import (
    MaskedTokenPretrainer,
    TabletClassifier,
    TabletRegressor,
    attribution_map,
    integrated_gradients,
)
from neurost.tokenize.conform import MNI_2MM_AFFINE, MNI_2MM_SHAPE, Conformer

TINY = dict(preset="tiny", n_frames=8, batch_size=8, device="cpu", random_state=0)


@pytest.fixture(scope="module")
def trained():
    """A classifier trained on runs where only token 0's dynamics carry the class."""
    rng = np.random.default_rng(0)
    labels = np.arange(32) % 2
    runs = []
    for label in labels:
        run = rng.normal(size=(16, 4, 6)).astype(np.float32)
        if label:
            wave = 2 * np.sin(2 * np.pi * np.arange(16) / 8 + rng.uniform(0, 2 * np.pi))
            run[:, 0, :3] = wave[:, None] + 0.3 * run[:, 0, :3]
        runs.append(run)
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    clf = TabletClassifier(max_epochs=25, lr=3e-3, validation_fraction=None, **TINY)
    clf.fit(runs, labels)
    torch.set_num_threads(threads)
    return clf, runs


def test_attributions_are_complete(trained):
    clf, runs = trained
    X = [runs[1], runs[2][:11]]  # a whole window and a padded one
    attributions = integrated_gradients(clf, X, n_steps=64)
    assert [a.shape for a in attributions] == [(16, 4), (11, 4)]
    baseline = np.concatenate(X).mean(axis=0)
    for run, attribution in zip(X, attributions):
        reference = np.repeat(baseline[None], len(run), axis=0)
        difference = clf.decision_function([run]) - clf.decision_function([reference])
        np.testing.assert_allclose(attribution.sum(), difference[0], rtol=0.05, atol=0.02)


def test_attributions_find_the_informative_token(trained):
    clf, runs = trained
    attributions = integrated_gradients(clf, runs[:10], n_steps=16)
    per_token = np.mean([np.abs(a.sum(axis=0)) for a in attributions], axis=0)
    assert per_token.argmax() == 0
    assert per_token[0] > 1.5 * per_token[1:].max()


def test_regressor_and_multiclass_targets(class_runs):
    runs, _ = class_runs(6)
    y = np.random.default_rng(0).normal(size=(6, 2)) * 10
    reg = TabletRegressor(max_epochs=2, validation_fraction=None, **TINY).fit(runs, y)
    baseline = np.concatenate(runs[:2]).mean(axis=0)
    attributions = integrated_gradients(reg, runs[:2], target=1, n_steps=64)
    difference = reg.predict(runs[:2])[:, 1] - reg.predict([np.repeat(baseline[None], 16, 0)])[0, 1]
    np.testing.assert_allclose([a.sum() for a in attributions], difference, rtol=0.05, atol=0.05)
    with pytest.raises(ValueError, match="target index in \\[0, 2\\)"):
        integrated_gradients(reg, runs, target=2)
    clf = TabletClassifier(max_epochs=1, validation_fraction=None, **TINY)
    clf.fit(runs, ["a", "b", "c"] * 2)
    assert integrated_gradients(clf, runs[:1], target="b", n_steps=4)[0].shape == (16, 4)
    with pytest.raises(ValueError, match="one of the classes"):
        integrated_gradients(clf, runs, target="d")


def test_attribution_map_paints_token_cubes(small_tokenizer, run_image):
    images = [run_image(9, seed=i) for i in range(4)]
    clf = TabletClassifier(
        tokenizer=small_tokenizer, max_epochs=2, validation_fraction=None, **TINY
    )
    clf.fit(images, [0, 1, 0, 1])
    image = attribution_map(clf, images[:2], n_steps=8)
    assert isinstance(image, nibabel.Nifti1Image) and image.shape == (8, 8, 8)
    data = image.get_fdata()
    tokens = np.mean([a.sum(axis=0) for a in integrated_gradients(clf, images[:2], n_steps=8)], 0)
    for index, (i, j, k) in enumerate(np.ndindex(2, 2, 2)):
        cube = data[4 * i : 4 * i + 4, 4 * j : 4 * j + 4, 4 * k : 4 * k + 4]
        np.testing.assert_allclose(cube, tokens[index], rtol=1e-5)
    mni = Conformer(MNI_2MM_SHAPE, MNI_2MM_AFFINE, 8).affine  # the default grid
    np.testing.assert_allclose(image.affine, mni)
    on_reference = attribution_map(clf, images[:2], n_steps=8, reference=images[0])
    np.testing.assert_allclose(on_reference.affine, images[0].affine)


def test_attribution_errors(class_runs):
    runs, labels = class_runs(4)
    clf = TabletClassifier(max_epochs=1, validation_fraction=None, **TINY).fit(runs, labels)
    with pytest.raises(ValueError, match="needs the tokenizer"):
        attribution_map(clf, runs)
    with pytest.raises(TypeError, match="fitted TabletClassifier or TabletRegressor"):
        integrated_gradients(MaskedTokenPretrainer(), runs)
    with pytest.raises(ValueError, match="baseline must be a finite array of shape"):
        integrated_gradients(clf, runs, baseline=np.zeros((4, 5)))
    with pytest.raises(ValueError, match="n_steps must be a positive integer"):
        integrated_gradients(clf, runs, n_steps=0)
