"""TabletClassifier and TabletRegressor: shapes, windows, padding, learning, errors."""

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import Pipeline

from neurost.tablet import MaskedTokenPretrainer, TabletClassifier, TabletRegressor
from neurost.tablet.supervised import _ClassLoss
from neurost.tokenize import TokenStore

TINY = dict(preset="tiny", n_frames=8, max_epochs=2, batch_size=8, device="cpu", random_state=0)


@pytest.fixture
def fitted(class_runs):
    runs, labels = class_runs(8)
    return TabletClassifier(validation_fraction=None, **TINY).fit(runs, labels), runs


def test_classifier_shapes_and_probabilities(fitted):
    clf, runs = fitted
    proba = clf.predict_proba(runs)
    assert proba.shape == (8, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-12)
    scores = clf.decision_function(runs)
    assert scores.shape == (8,)
    np.testing.assert_array_equal(clf.predict(runs), clf.classes_[(scores > 0).astype(int)])
    np.testing.assert_allclose(proba[:, 1], 1 / (1 + np.exp(-scores)))
    assert clf.model_.head.out_features == 1
    assert 0 <= clf.score(runs, np.arange(8) % 2) <= 1


def test_multiclass_probabilities_and_string_labels(class_runs):
    runs, _ = class_runs(9)
    labels = np.array(["a", "b", "c"] * 3)
    clf = TabletClassifier(validation_fraction=None, **TINY).fit(runs, labels)
    proba = clf.predict_proba(runs)
    assert proba.shape == (9, 3) and clf.decision_function(runs).shape == (9, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-12)
    assert set(clf.predict(runs)) <= {"a", "b", "c"}
    assert clf.model_.head.out_features == 3


def test_prediction_averages_non_overlapping_windows(fitted):
    clf, runs = fitted
    long_run = np.concatenate([runs[0], runs[1], runs[2][:3]])  # 8 + 8 + 8 + 8 + 3 frames
    windows = [long_run[start : start + 8] for start in range(0, len(long_run), 8)]
    each = clf.decision_function(windows)
    np.testing.assert_allclose(clf.decision_function([long_run]), [each.mean()], rtol=1e-5)


def test_short_runs_are_padded_and_masked(fitted):
    clf, runs = fitted
    short = runs[0][:5]
    padded = np.concatenate([short, np.full((3,) + short.shape[1:], 50.0, np.float32)])
    # Masked padding: what fills the padded frames does not matter.
    model = clf.model_
    tokens = torch.as_tensor(np.stack([padded, np.concatenate([short, 0 * padded[5:]])]))
    mask = torch.tensor([[False] * 5 + [True] * 3] * 2)
    with torch.no_grad():
        out = model(tokens, mask)
    np.testing.assert_allclose(out[0], out[1], rtol=1e-5)
    np.testing.assert_allclose(clf.decision_function([short]), out[0].numpy(), rtol=1e-5)


def test_short_runs_refused_without_padding(class_runs):
    runs, labels = class_runs(4, n_frames=6)
    clf = TabletClassifier(pad_short_runs=False, validation_fraction=None, **TINY)
    with pytest.raises(ValueError, match=r"shorter than n_frames=8.*X\[0\] \(6 frames\)"):
        clf.fit(runs, labels)
    long_runs, labels = class_runs(4, n_frames=8)
    clf.fit(long_runs, labels)
    with pytest.raises(ValueError, match="pad_short_runs=False"):
        clf.predict(runs)


def test_classifier_recovers_class_dependent_dynamics(class_runs):
    runs, labels = class_runs(32, n_frames=16)
    test_runs, test_labels = class_runs(40, n_frames=16, seed=1)
    clf = TabletClassifier(
        preset="tiny", n_frames=8, max_epochs=25, batch_size=8, lr=3e-3,
        validation_fraction=None, device="cpu", random_state=0,
    ).fit(runs, labels)
    assert clf.score(test_runs, test_labels) >= 0.8  # chance: 0.5


def _coupled_runs(n_runs, seed):
    """Runs whose label is the sign of the coupling of two tokens' channel 0.

    Token 0 and token 2 carry one shared standard-normal series (times 2)
    on channel 0, with the same sign in class 1 and opposite signs in
    class 0; all entries also have unit white noise. No entry's mean or
    variance depends on the class.
    """
    rng = np.random.default_rng(seed)
    labels = np.arange(n_runs) % 2
    runs = rng.normal(size=(n_runs, 16, 3, 4)).astype(np.float32)
    shared = 2 * rng.normal(size=(n_runs, 16))
    runs[:, :, 0, 0] += shared
    runs[:, :, 2, 0] += np.where(labels == 1, 1.0, -1.0)[:, None] * shared
    return list(runs), labels


def test_divided_attention_learns_a_coupling():
    runs, labels = _coupled_runs(200, seed=0)
    test_runs, test_labels = _coupled_runs(100, seed=1)
    clf = TabletClassifier(
        preset="tiny", n_frames=16, max_epochs=20, batch_size=8, lr=3e-3,
        validation_fraction=None, device="cpu", random_state=1,
        model_params=dict(attention="divided"),
    ).fit(runs, labels)
    # Measured: 0.99 (0.88 with random_state=0); the paper's full attention
    # stays at 0.52 to 0.58 on these runs. Chance is 0.5.
    assert clf.score(test_runs, test_labels) >= 0.85


def test_regressor_recovers_a_trait():
    rng = np.random.default_rng(0)

    def runs_of(trait):
        runs = rng.normal(size=(len(trait), 8, 4, 6)).astype(np.float32)
        # Channel 0 of token 1 shifted against the others (tokens are
        # layer-normalised, so a token's overall scale carries nothing).
        runs[:, :, 1, 0] += 3 * trait[:, None]
        return list(runs)

    trait, test_trait = rng.uniform(-1, 1, 48), rng.uniform(-1, 1, 30)
    reg = TabletRegressor(
        preset="tiny", n_frames=8, max_epochs=25, batch_size=8, lr=3e-3,
        validation_fraction=None, device="cpu", random_state=0,
    ).fit(runs_of(trait), 10 + 5 * trait)
    predictions = reg.predict(runs_of(test_trait))
    assert predictions.shape == (30,)
    assert np.corrcoef(predictions, test_trait)[0, 1] > 0.8
    assert abs(predictions.mean() - 10) < 2.5  # back in the targets' units


def test_regressor_multi_output_shapes(class_runs):
    runs, _ = class_runs(6)
    y = np.random.default_rng(0).normal(size=(6, 2))
    reg = TabletRegressor(validation_fraction=None, **TINY).fit(runs, y)
    assert reg.predict(runs).shape == (6, 2)
    np.testing.assert_allclose(reg.target_scaler_.mean_, y.mean(axis=0))
    assert isinstance(reg.score(runs, y), float)


def test_validation_split_and_early_stopping_history(class_runs):
    runs, labels = class_runs(10)
    clf = TabletClassifier(validation_fraction=0.3, **TINY).fit(runs, labels)
    assert all("valid_loss" in epoch for epoch in clf.history_)
    with pytest.raises(ValueError, match="validation_fraction=0.9"):
        clone(clf).set_params(validation_fraction=0.9).fit(runs, labels)


def test_init_from_pretrainer_copies_backbone_weights(class_runs):
    runs, labels = class_runs(6)
    pretrainer = MaskedTokenPretrainer(validation_fraction=None, **TINY).fit(runs)
    clf = TabletClassifier(
        init_from=pretrainer, validation_fraction=None, **{**TINY, "max_epochs": 1}
    )
    clf.set_params(lr=1e-12).fit(runs, labels)  # a step too small to move the weights
    pretrained = pretrainer.backbone_.state_dict()
    for name, value in clf.model_.state_dict().items():
        if not name.startswith("head."):
            np.testing.assert_allclose(value, pretrained[name], atol=1e-6, err_msg=name)
    from_state = TabletRegressor(
        init_from=pretrained, validation_fraction=None, **{**TINY, "lr": 1e-12, "max_epochs": 1}
    ).fit(runs, labels.astype(float))
    np.testing.assert_allclose(
        from_state.model_.input_proj.weight.detach(), pretrained["input_proj.weight"], atol=1e-6
    )


def test_init_from_errors(class_runs):
    runs, labels = class_runs(4)
    unfitted = TabletClassifier(init_from=MaskedTokenPretrainer(), validation_fraction=None, **TINY)
    with pytest.raises(ValueError, match="not fitted"):
        unfitted.fit(runs, labels)
    with pytest.raises(TypeError, match="'init_from' parameter"):
        unfitted.set_params(init_from="weights.pt").fit(runs, labels)
    other = MaskedTokenPretrainer(validation_fraction=None, **TINY).fit(
        [run[:, :, :4] for run in runs]
    )
    with pytest.raises(ValueError, match="does not match the transformer"):
        unfitted.set_params(init_from=other).fit(runs, labels)


def test_class_weighted_losses():
    logits = torch.tensor([[0.5], [-1.0], [2.0], [0.0]])
    target = torch.tensor([0.0, 1.0, 1.0, 0.0])
    each = torch.nn.functional.binary_cross_entropy_with_logits(
        logits[:, 0], target, reduction="none"
    )
    weights = torch.tensor([1.0, 3.0, 3.0, 1.0])
    np.testing.assert_allclose(
        _ClassLoss([1.0, 3.0])(logits, target), (each * weights).sum() / weights.sum(), rtol=1e-6
    )
    logits = torch.randn(5, 3, generator=torch.Generator().manual_seed(0))
    target = torch.tensor([0.0, 2.0, 1.0, 2.0, 2.0])
    expected = torch.nn.functional.cross_entropy(
        logits, target.long(), weight=torch.tensor([1.0, 2.0, 0.5])
    )
    np.testing.assert_allclose(_ClassLoss([1.0, 2.0, 0.5])(logits, target), expected, rtol=1e-6)


def test_class_weight_options(class_runs):
    runs, _ = class_runs(4)
    labels = np.array([0, 0, 0, 1])
    clf = TabletClassifier(validation_fraction=None, **{**TINY, "max_epochs": 1})
    np.testing.assert_allclose(clf.fit(runs, labels)._class_weights(labels), [2 / 3, 2])
    clf.set_params(class_weight={1: 5.0}).fit(runs, labels)
    np.testing.assert_allclose(clf._class_weights(labels), [1, 5])
    with pytest.raises(ValueError, match="class_weight names classes \\[7\\]"):
        clf.set_params(class_weight={7: 2.0}).fit(runs, labels)
    with pytest.raises(ValueError, match="'class_weight' parameter"):
        clf.set_params(class_weight="uniform").fit(runs, labels)


def test_clone_pipeline_and_cross_validation(class_runs):
    runs, labels = class_runs(8)
    clf = TabletClassifier(validation_fraction=None, **{**TINY, "max_epochs": 1})
    assert clone(clf).get_params() == clf.get_params()
    pipeline = Pipeline([("tablet", clf)])
    scores = cross_val_score(pipeline, runs, labels, cv=2)
    assert scores.shape == (2,) and np.all((0 <= scores) & (scores <= 1))
    # Cloning drops a pretrainer's fitted weights; its state_dict travels.
    pretrainer = MaskedTokenPretrainer(validation_fraction=None, **{**TINY, "max_epochs": 1})
    state = pretrainer.fit(runs).backbone_.state_dict()
    pipeline.set_params(tablet__init_from=state)
    assert cross_val_score(pipeline, runs, labels, cv=2).shape == (2,)


def test_fit_is_reproducible_with_random_state(class_runs):
    runs, labels = class_runs(6)
    first = TabletClassifier(validation_fraction=None, **TINY).fit(runs, labels)
    second = TabletClassifier(validation_fraction=None, **TINY).fit(runs, labels)
    np.testing.assert_array_equal(first.decision_function(runs), second.decision_function(runs))


def test_token_store_runs_as_input(tmp_path, small_tokenizer, run_image):
    tokenizer = small_tokenizer.fit()
    store = TokenStore(tmp_path / "tokens.h5")
    store.tokenize({f"sub-{i}": run_image(10, seed=i) for i in range(4)}, tokenizer)
    X = [(store, f"sub-{i}") for i in range(4)]
    clf = TabletClassifier(validation_fraction=None, **TINY).fit(X, [0, 1, 0, 1])
    assert (clf.n_tokens_, clf.token_dim_) == (8, 192)
    in_memory = [store.read(f"sub-{i}") for i in range(4)]
    np.testing.assert_allclose(clf.decision_function(X), clf.decision_function(in_memory))
    with pytest.raises(ValueError, match="no complete run 'sub-9'"):
        clf.predict([(store, "sub-9")])


def test_image_runs_are_tokenized(small_tokenizer, run_image):
    images = [run_image(9, seed=i) for i in range(4)]
    clf = TabletClassifier(tokenizer=small_tokenizer, validation_fraction=None, **TINY)
    clf.fit(images, [0, 1, 0, 1])
    assert clf.tokenizer_.n_tokens_ == 8 and not hasattr(small_tokenizer, "n_tokens_")
    tokens = clf.tokenizer_.transform(images)
    np.testing.assert_allclose(clf.decision_function(images), clf.decision_function(tokens))


def test_bad_input_errors(class_runs, small_tokenizer, run_image):
    runs, labels = class_runs(4)
    clf = TabletClassifier(validation_fraction=None, **TINY)
    volume = run_image(1).slicer[..., 0]
    with pytest.raises(ValueError, match=r"X\[1\]: .*4D"):
        clf.set_params(tokenizer=small_tokenizer).fit([run_image(9), volume], [0, 1])
    clf.set_params(tokenizer=None)
    with pytest.raises(ValueError, match="X has 4 runs but y has 3"):
        clf.fit(runs, labels[:3])
    mixed = runs[:3] + [runs[3][:, :, :4]]
    with pytest.raises(ValueError, match=r"same number of tokens.*\(4, 4\) for X\[3\]"):
        clf.fit(mixed, labels)
    bad = [run.copy() for run in runs]
    bad[2][3, 1, 0] = np.nan
    with pytest.raises(ValueError, match=r"X\[2\]"):
        clf.fit(bad, labels)
    bad[2][3, 1, 0] = np.inf
    with pytest.raises(ValueError, match=r"X\[2\]"):
        clf.fit(bad, labels)
    with pytest.raises(ValueError, match="at least 2 classes"):
        clf.fit(runs, [1, 1, 1, 1])
    with pytest.raises(ValueError, match="y contains NaN"):
        TabletRegressor(validation_fraction=None, **TINY).fit(runs, [0, 1, np.nan, 2])
    with pytest.raises(ValueError, match="shape \\(n_runs, n_frames, n_tokens, token_dim\\)"):
        clf.fit(np.zeros((4, 8, 4)), labels)
    with pytest.raises(TypeError, match=r"X\[0\] must be a token array"):
        clf.fit([{"run": 1}, 3], [0, 1])
    with pytest.raises(FileNotFoundError, match=r"X\[1\]: .*no such file"):
        clf.set_params(tokenizer=small_tokenizer).fit([run_image(9), "missing.nii.gz"], [0, 1])
    clf.set_params(tokenizer=None)
    with pytest.raises(ValueError, match="'preset' parameter"):
        clf.set_params(preset="huge").fit(runs, labels)
    fitted = clf.set_params(preset="tiny").fit(runs, labels)
    with pytest.raises(ValueError, match=r"fitted on \(4, 6\)"):
        fitted.predict([run[:, :, :4] for run in runs])
    with pytest.raises(ValueError, match="fitted on tokens only"):
        fitted.predict([run_image(9)])


def test_unfitted_estimator_raises(class_runs):
    from sklearn.exceptions import NotFittedError

    runs, _ = class_runs(2)
    with pytest.raises(NotFittedError):
        TabletRegressor().predict(runs)


@pytest.mark.slow
def test_cohort_runs_through_the_builtin_tokenizer(tmp_path):
    from neurost.datasets import make_cohort
    from neurost.tablet import attribution_map
    from neurost.tokenize import SliceTokenizer

    cohort = make_cohort(n_subjects=4, n_frames=4, random_state=0, output_dir=tmp_path)
    tokenizer = SliceTokenizer(grid_size=64, device="cpu")
    clf = TabletClassifier(tokenizer=tokenizer, validation_fraction=None, **TINY)
    clf.fit(cohort.runs, cohort.labels)
    assert (clf.n_tokens_, clf.token_dim_) == (8, 3072)
    assert clf.predict_proba(cohort.runs[:2]).shape == (2, 2)
    image = attribution_map(clf, cohort.runs[:1], n_steps=4, reference=cohort.runs[0])
    assert image.shape == (64, 64, 64) and np.isfinite(image.get_fdata()).all()


def test_center_tokens_ignores_each_runs_static_image(class_runs):
    """With center_tokens, adding a constant frame to a run leaves its outputs unchanged."""
    runs, labels = class_runs(8)
    rng = np.random.default_rng(1)
    shifted = [run + 5 * rng.normal(size=run.shape[1:]).astype(np.float32) for run in runs]
    centred = TabletClassifier(validation_fraction=None, center_tokens=True, **TINY)
    centred.fit(runs, labels)
    np.testing.assert_allclose(
        centred.decision_function(shifted), centred.decision_function(runs), atol=1e-4
    )
    plain = TabletClassifier(validation_fraction=None, **TINY).fit(runs, labels)
    assert np.abs(plain.decision_function(shifted) - plain.decision_function(runs)).max() > 1e-3
    regressor = TabletRegressor(validation_fraction=None, center_tokens=True, **TINY)
    regressor.fit(shifted, np.arange(8.0))
    fitted_on_runs = clone(regressor).fit(runs, np.arange(8.0))
    np.testing.assert_allclose(regressor.predict(runs), fitted_on_runs.predict(runs), atol=1e-4)


def test_center_tokens_must_be_boolean(class_runs):
    runs, labels = class_runs(4)
    with pytest.raises(ValueError, match="'center_tokens' parameter"):
        TabletClassifier(center_tokens="yes", **TINY).fit(runs, labels)
