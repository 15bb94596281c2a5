import numpy as np
import pytest
import torch

from neurost._utils.training import fit_module, predict_module, seeded, torch_seed


def _linear_data(n, seed):
    generator = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 5, generator=generator)
    y = X @ torch.tensor([[1.0], [-2.0], [0.5], [0.0], [3.0]])
    return torch.utils.data.TensorDataset(X, y)


def _correlation(predictions, targets):
    return float(np.corrcoef(predictions.ravel(), targets.ravel())[0, 1])


def test_fit_module_learns_a_linear_map_and_stops_early():
    module = torch.nn.Linear(5, 1)
    history = fit_module(
        module,
        _linear_data(256, 0),
        valid_data=_linear_data(64, 1),
        loss=torch.nn.MSELoss(),
        score=_correlation,
        max_epochs=200,
        patience=3,
        lr=0.05,
        seed=0,
    )
    assert len(history) < 200  # stopped early
    assert history[-1]["valid_score"] > 0.999
    predictions = predict_module(module, _linear_data(64, 2))
    assert predictions.shape == (64, 1)
    np.testing.assert_allclose(module.weight.detach().numpy().ravel(), [1, -2, 0.5, 0, 3], atol=0.05)


def test_best_epoch_is_restored():
    module = torch.nn.Linear(5, 1)
    history = fit_module(
        module, _linear_data(128, 0), valid_data=_linear_data(64, 1),
        loss=torch.nn.MSELoss(), max_epochs=15, patience=None, lr=0.05, seed=0,
    )
    best = min(epoch["valid_loss"] for epoch in history)
    valid = _linear_data(64, 1)
    with torch.no_grad():
        loss = torch.nn.functional.mse_loss(module(valid.tensors[0]), valid.tensors[1])
    assert float(loss) == pytest.approx(best, rel=1e-4)


def test_training_is_seeded_and_leaves_global_rng_alone():
    def train():
        with seeded(3):
            module = torch.nn.Sequential(
                torch.nn.Linear(5, 8), torch.nn.Dropout(0.5), torch.nn.Linear(8, 1)
            )
        torch.manual_seed(123)
        expected_next = torch.rand(1)
        torch.manual_seed(123)
        fit_module(module, _linear_data(64, 0), loss=torch.nn.MSELoss(), max_epochs=3, seed=3)
        assert torch.equal(torch.rand(1), expected_next)
        return torch.cat([p.detach().ravel() for p in module.parameters()])

    assert torch.equal(train(), train())


class _KilledAfter(torch.utils.data.Dataset):
    """A dataset whose reads fail after ``n_reads``, as a killed job stops."""

    def __init__(self, data, n_reads):
        self.data, self.n_reads = data, n_reads

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        self.n_reads -= 1
        if self.n_reads < 0:
            raise RuntimeError("killed")
        return self.data[index]


def _fit_with_checkpoint(path, resume, train_data=None, max_epochs=6):
    with seeded(0):
        module = torch.nn.Sequential(
            torch.nn.Linear(5, 8), torch.nn.Dropout(0.2), torch.nn.Linear(8, 1)
        )
    history = fit_module(
        module, train_data or _linear_data(64, 0), valid_data=_linear_data(32, 1),
        loss=torch.nn.MSELoss(), max_epochs=max_epochs, patience=None, lr=0.01,
        batch_size=8, seed=3, checkpoint=path, resume=resume,
    )
    return module, history


def test_resumed_training_ends_as_the_uninterrupted_one(tmp_path):
    whole, whole_history = _fit_with_checkpoint(tmp_path / "whole.pt", resume=False)
    with pytest.raises(RuntimeError, match="killed"):
        # killed in the fourth of six epochs
        _fit_with_checkpoint(
            tmp_path / "cut.pt", resume=False, train_data=_KilledAfter(_linear_data(64, 0), 200)
        )
    assert not torch.load(tmp_path / "cut.pt", weights_only=True)["finished"]
    resumed, resumed_history = _fit_with_checkpoint(tmp_path / "cut.pt", resume=True)
    assert len(resumed_history) == 6
    assert [e["train_loss"] for e in resumed_history] == [e["train_loss"] for e in whole_history]
    for a, b in zip(whole.parameters(), resumed.parameters()):
        assert torch.equal(a, b)


def test_resuming_a_finished_fit_trains_no_further(tmp_path):
    first, history = _fit_with_checkpoint(tmp_path / "done.pt", resume=False, max_epochs=4)
    again, again_history = _fit_with_checkpoint(tmp_path / "done.pt", resume=True, max_epochs=4)
    assert again_history == history
    for a, b in zip(first.parameters(), again.parameters()):
        assert torch.equal(a, b)


def test_a_damaged_checkpoint_is_refused(tmp_path):
    (tmp_path / "bad.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="checkpoint"):
        _fit_with_checkpoint(tmp_path / "bad.pt", resume=True)


def test_a_checkpoint_of_another_model_is_refused(tmp_path):
    _fit_with_checkpoint(tmp_path / "other.pt", resume=False, max_epochs=1)
    with pytest.raises(ValueError, match="another model"):
        fit_module(
            torch.nn.Linear(5, 2), _linear_data(16, 0), loss=torch.nn.MSELoss(),
            max_epochs=2, checkpoint=tmp_path / "other.pt", resume=True,
        )


def test_a_diverging_fit_stops_with_an_error_naming_the_settings():
    data = _linear_data(32, 0)
    data.tensors = (data.tensors[0] * 1e30, data.tensors[1] * 1e30)
    with pytest.raises(ValueError, match=r"diverged.*lr=1000000\.0"):
        fit_module(torch.nn.Linear(5, 1), data, loss=torch.nn.MSELoss(), max_epochs=3,
                   lr=1e6, grad_clip=None)


def test_predictions_do_not_depend_on_the_batch():
    with seeded(0):
        module = torch.nn.Sequential(torch.nn.Linear(5, 64), torch.nn.GELU(), torch.nn.Linear(64, 3))
    data = _linear_data(37, 0)
    whole = predict_module(module, data, batch_size=37)
    one_by_one = predict_module(module, data, batch_size=1)
    assert whole.dtype == torch.float64
    np.testing.assert_allclose(whole.numpy(), one_by_one.numpy(), rtol=0, atol=1e-12)
    assert next(module.parameters()).dtype == torch.float32  # the module is left as it was


def test_non_finite_predictions_are_refused():
    module = torch.nn.Linear(5, 1)
    with torch.no_grad():
        module.weight.fill_(float("nan"))
    with pytest.raises(ValueError, match="NaN"):
        predict_module(module, _linear_data(4, 0))


def test_torch_seed_follows_random_state():
    assert torch_seed(0) == torch_seed(0)
    assert torch_seed(np.random.RandomState(1)) != torch_seed(2)


def test_gradient_accumulation_steps_as_one_batch_of_the_whole():
    def train(batch_size, accumulation_steps):
        with seeded(0):
            module = torch.nn.Linear(5, 1)
        fit_module(
            module, _linear_data(32, 0), loss=torch.nn.MSELoss(), max_epochs=3,
            batch_size=batch_size, accumulation_steps=accumulation_steps, lr=0.05,
            grad_clip=None, seed=0,
        )
        return torch.cat([module.weight.detach().ravel(), module.bias.detach()]).numpy()

    whole = train(8, 1)
    accumulated = train(4, 2)
    # The same samples make each step; only the order of the sums differs.
    np.testing.assert_allclose(accumulated, whole, rtol=1e-4, atol=1e-5)
    assert np.abs(train(4, 1) - whole).max() > 1e-3  # twice the steps: another result


def test_gradient_is_clipped_once_per_accumulated_step(monkeypatch):
    norms = []
    original = torch.nn.utils.clip_grad_norm_

    def record(parameters, max_norm, *args, **kwargs):
        norms.append(max_norm)
        return original(parameters, max_norm, *args, **kwargs)

    monkeypatch.setattr("skorch.callbacks.regularization.clip_grad_norm_", record)
    fit_module(
        torch.nn.Linear(5, 1), _linear_data(32, 0), loss=torch.nn.MSELoss(), max_epochs=1,
        batch_size=4, accumulation_steps=4, grad_clip=1.0, seed=0,
    )
    assert len(norms) == 2  # 8 batches, 2 optimizer steps


def test_batch_size_must_split_over_the_ranks(monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "0")
    with pytest.raises(ValueError, match="batch_size=3 must be a multiple of the 2 processes"):
        fit_module(torch.nn.Linear(5, 1), _linear_data(8, 0), loss=torch.nn.MSELoss(),
                   batch_size=3, max_epochs=1)


def test_under_a_launcher_each_rank_takes_its_own_gpu(monkeypatch):
    from neurost._utils.device import resolve_device

    monkeypatch.setenv("WORLD_SIZE", "4")
    monkeypatch.setenv("RANK", "3")
    monkeypatch.setenv("LOCAL_RANK", "1")
    assert resolve_device("auto") == torch.device("cpu")  # no GPU here
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == resolve_device("cuda") == torch.device("cuda", 1)
    assert resolve_device("cuda:1") == torch.device("cuda", 1)
    assert resolve_device("cpu") == torch.device("cpu")
    with pytest.raises(ValueError, match="each rank uses its own GPU"):
        resolve_device("cuda:0")


def test_a_launch_without_its_rendezvous_is_named(monkeypatch):
    from neurost._utils import distributed

    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "1")
    monkeypatch.delenv("MASTER_ADDR", raising=False)
    monkeypatch.setenv("MASTER_PORT", "29500")
    with pytest.raises(ValueError, match="MASTER_ADDR is not: start the processes with a launcher"):
        distributed.process_state()
    monkeypatch.setenv("LOCAL_RANK", "one")
    with pytest.raises(ValueError, match="LOCAL_RANK='one' is not an integer"):
        distributed.local_rank()
