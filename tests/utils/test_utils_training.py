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


def test_checkpoint_dir_receives_the_best_epoch(tmp_path):
    fit_module(
        torch.nn.Linear(5, 1), _linear_data(64, 0), valid_data=_linear_data(32, 1),
        loss=torch.nn.MSELoss(), score=_correlation, max_epochs=3, checkpoint_dir=tmp_path,
    )
    assert (tmp_path / "params.pt").is_file()


def test_torch_seed_follows_random_state():
    assert torch_seed(0) == torch_seed(0)
    assert torch_seed(np.random.RandomState(1)) != torch_seed(2)
