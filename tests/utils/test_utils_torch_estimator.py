"""The TorchEstimator shell: validation splits, groups, cross-validation, checkpoints."""

import numpy as np
import pytest
import sklearn
import torch
from sklearn.base import clone
from sklearn.model_selection import GroupKFold, LeaveOneGroupOut, cross_val_score

from neurost._utils.checkpoints import TrainingCheckpoint
from neurost._utils.torch_estimator import TorchEstimator
from neurost.decoding import FlowDecoder
from neurost.encoding import RidgeEncoder, RoutingEncoder
from neurost.tablet import MaskedTokenPretrainer, TabletClassifier, TabletRegressor

_RNG = np.random.default_rng(0)
N = 24
GROUPS = np.repeat(np.arange(4), 6)
TABLE = _RNG.normal(size=(N, 8)).astype(np.float32)
LABELS = np.tile([0, 1], N // 2)
GRIDS = _RNG.normal(size=(N, 2, 2, 4)).astype(np.float32)
RESPONSES = GRIDS.reshape(N, -1)[:, :3] + 0.1 * _RNG.normal(size=(N, 3))
BOLD = _RNG.normal(size=(N, 6))
FLOWS = _RNG.normal(size=(N, 1, 2, 2, 2))
TINY = dict(max_epochs=2, device="cpu", random_state=0)

CASES = {
    "TabletClassifier": (TabletClassifier(preset="tiny", n_frames=1, **TINY), TABLE, LABELS),
    "TabletRegressor": (TabletRegressor(preset="tiny", n_frames=1, **TINY), TABLE, LABELS * 1.0),
    "MaskedTokenPretrainer": (MaskedTokenPretrainer(preset="tiny", n_frames=1, **TINY),
                              TABLE[:, None, :].repeat(2, axis=1).reshape(N, 2, 2, 4), None),
    "RoutingEncoder": (RoutingEncoder(n_heads=1, ffn_dim=4, **TINY), GRIDS, RESPONSES),
    "FlowDecoder": (FlowDecoder(hidden=4, n_blocks=1, n_codes=2, window=(0, 0), **TINY),
                    BOLD, FLOWS),
}


def _regressor(fraction, split):
    return TabletRegressor(validation_fraction=fraction, validation_split=split)


def _classifier(fraction, split="stratified"):
    return TabletClassifier(validation_fraction=fraction, validation_split=split)


@pytest.mark.parametrize("n, fraction, expected", [(10, 0.15, 2), (20, 0.15, 3), (7, 0.5, 4)])
def test_validation_fraction_is_rounded_up_the_same_way_for_every_split(n, fraction, expected):
    for estimator in (_regressor(fraction, "random"), _regressor(fraction, "last"),
                      _classifier(fraction)):
        y = np.arange(n) % 2
        train, valid = estimator._validation_split(n, np.random.RandomState(0), y=y)
        assert len(valid) == expected
        assert sorted(np.concatenate([train, valid]).tolist()) == list(range(n))


def test_last_split_holds_out_the_final_block():
    train, valid = _regressor(0.25, "last")._validation_split(12, np.random.RandomState(0))
    assert valid.tolist() == [9, 10, 11] and train.tolist() == list(range(9))


def test_stratified_split_keeps_the_class_proportions():
    y = np.array([0] * 12 + [1] * 6 + [2] * 3)
    for seed in range(5):
        train, valid = _classifier(0.1)._validation_split(21, np.random.RandomState(seed), y=y)
        assert np.bincount(y[valid], minlength=3).tolist() == [2, 1, 0]
        assert set(y[train]) == {0, 1, 2}
    train, valid = _classifier(0.1)._validation_split(12, np.random.RandomState(0),
                                                      y=np.tile([0, 1, 2], 4))
    assert np.bincount(np.tile([0, 1, 2], 4)[valid]).tolist() == [1, 1, 1]


def test_no_validation_without_a_fraction():
    for fraction in (None, 0, 0.0):
        train, valid = _regressor(fraction, "random")._validation_split(5, np.random.RandomState(0))
        assert len(valid) == 0 and len(train) == 5


@pytest.mark.parametrize("split", ["random", "last", "stratified"])
def test_groups_are_never_split(split):
    groups = np.repeat(np.arange(10), 3)
    y = np.repeat(np.arange(10) % 2, 3)
    estimator = _classifier(0.2, split)
    for seed in range(10):
        train, valid = estimator._validation_split(30, np.random.RandomState(seed), y=y,
                                                   groups=groups)
        assert len(valid) and not set(groups[train]) & set(groups[valid])
    if split == "last":
        assert set(groups[valid]) == {8, 9}


def test_a_fraction_that_leaves_nothing_to_train_is_refused():
    with pytest.raises(ValueError, match="validation_fraction"):
        _regressor(0.9, "random")._validation_split(3, np.random.RandomState(0))
    with pytest.raises(ValueError, match="validation_fraction"):
        _regressor(0.6, "random")._validation_split(6, np.random.RandomState(0),
                                                    groups=[0, 0, 0, 1, 1, 1])


@pytest.fixture
def recorded_splits(monkeypatch):
    """Every validation split a fit makes: (groups given, train, valid)."""
    splits = []
    original = TorchEstimator._validation_split

    def spy(self, n_samples, rng, *, y=None, groups=None):
        train, valid = original(self, n_samples, rng, y=y, groups=groups)
        splits.append((None if groups is None else np.asarray(groups), train, valid))
        return train, valid

    monkeypatch.setattr(TorchEstimator, "_validation_split", spy)
    return splits


@pytest.mark.parametrize("name", list(CASES))
def test_fit_holds_out_whole_groups(name, recorded_splits):
    estimator, X, y = CASES[name]
    clone(estimator).set_params(validation_fraction=0.3).fit(X, y, groups=GROUPS)
    (groups, train, valid), = recorded_splits
    assert groups is not None and len(valid)
    assert not set(groups[train]) & set(groups[valid])


@pytest.mark.parametrize("name", list(CASES))
def test_leave_one_group_out_cross_validation(name):
    estimator, X, y = CASES[name]
    scores = cross_val_score(estimator, X, y, groups=GROUPS, cv=LeaveOneGroupOut())
    assert scores.shape == (4,) and np.isfinite(scores).all()


def test_leave_one_group_out_with_ridge():
    scores = cross_val_score(RidgeEncoder(), GRIDS.reshape(N, -1), RESPONSES, groups=GROUPS,
                             cv=LeaveOneGroupOut())
    assert scores.shape == (4,)


@pytest.mark.parametrize("name", list(CASES))
def test_metadata_routing_brings_groups_to_the_validation_split(name, recorded_splits):
    estimator, X, y = CASES[name]
    with sklearn.config_context(enable_metadata_routing=True):
        estimator = sklearn.clone(estimator).set_params(validation_fraction=0.3)
        estimator.set_fit_request(groups=True)
        cross_val_score(estimator, X, y, params={"groups": GROUPS}, cv=GroupKFold(2))
    assert len(recorded_splits) == 2
    for groups, train, valid in recorded_splits:
        assert groups is not None and len(groups) == 12
        assert not set(groups[train]) & set(groups[valid])


def test_constant_targets_get_a_unit_scale_and_are_predicted_exactly():
    Y = RESPONSES.copy()
    Y[:, 1] = 7.0
    with pytest.warns(UserWarning, match="zero variance"):
        encoder = RoutingEncoder(n_heads=1, ffn_dim=4, **TINY).fit(GRIDS, Y)
    assert encoder.target_scaler_.scale_[1] == 1.0
    assert (encoder.predict(GRIDS)[:, 1] == 7.0).all()
    regressor = TabletRegressor(preset="tiny", n_frames=1, **TINY).fit(TABLE, np.full(N, 3.0))
    assert regressor.target_scaler_.scale_[0] == 1.0
    assert np.isfinite(regressor.predict(TABLE)).all()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="trains on the GPU")
@pytest.mark.parametrize("name", list(CASES))
def test_modules_trained_on_the_gpu_are_handed_back_on_the_cpu(name):
    estimator, X, y = CASES[name]
    estimator = clone(estimator).set_params(device="cuda").fit(X, y)
    modules = getattr(estimator, "models_", None) or [estimator.model_]
    for module in modules:
        assert all(p.device.type == "cpu" for p in module.parameters())


def _checkpointed(folder, **params):
    settings = dict(preset="tiny", n_frames=1, max_epochs=4, patience=2,
                    validation_fraction=0.25, device="cpu", random_state=0)
    return TabletClassifier(checkpoint_dir=folder, **{**settings, **params})


def test_a_resumed_estimator_predicts_as_the_uninterrupted_one(tmp_path, monkeypatch):
    whole = _checkpointed(tmp_path / "whole").fit(TABLE, LABELS)
    save = TrainingCheckpoint.on_epoch_end

    def killed_after_two_epochs(self, net, **kwargs):
        save(self, net, **kwargs)
        if len(net.history) == 2:
            raise RuntimeError("killed")

    with monkeypatch.context() as patch:
        patch.setattr(TrainingCheckpoint, "on_epoch_end", killed_after_two_epochs)
        with pytest.raises(RuntimeError, match="killed"):
            _checkpointed(tmp_path / "cut").fit(TABLE, LABELS)
    state = torch.load(tmp_path / "cut" / "model.pt", weights_only=True)
    assert not state["finished"] and len(state["history"]) > 2
    with pytest.raises(ValueError, match="warm_start=True"):
        _checkpointed(tmp_path / "cut").fit(TABLE, LABELS)
    resumed = _checkpointed(tmp_path / "cut", warm_start=True).fit(TABLE, LABELS)
    assert [e["train_loss"] for e in resumed.history_] == [e["train_loss"] for e in whole.history_]
    np.testing.assert_array_equal(resumed.decision_function(TABLE), whole.decision_function(TABLE))


@pytest.mark.parametrize(
    "change",
    [dict(lr=1e-2), dict(random_state=1), dict(random_state=None)],
    ids=["other-lr", "other-seed", "no-seed"],
)
def test_a_checkpoint_of_another_training_is_not_resumed(tmp_path, change):
    _checkpointed(tmp_path).fit(TABLE, LABELS)
    with pytest.raises(ValueError, match="another training"):
        _checkpointed(tmp_path, warm_start=True, **change).fit(TABLE, LABELS)


def test_cross_validation_never_reuses_the_checkpoint_of_another_fold(tmp_path):
    # Equal folds, equal parameters and seed: only the data differ.
    estimator = _checkpointed(tmp_path, warm_start=True)
    with pytest.raises(ValueError, match="another training"):
        cross_val_score(estimator, TABLE, LABELS, cv=GroupKFold(2), groups=GROUPS,
                        error_score="raise")


def test_every_ensemble_member_has_its_checkpoint(tmp_path):
    RoutingEncoder(n_heads=1, ffn_dim=4, n_seeds=2, checkpoint_dir=tmp_path, **TINY).fit(
        GRIDS, RESPONSES
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["member-0.pt", "member-1.pt"]
