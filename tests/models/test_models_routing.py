import pytest
import torch

from neurost.models import RoutingTransformer
from neurost.models.positional import sine_positional_encoding_2d
from neurost.models.routing import MultiHeadAttention

TARGET_QUERY = [0, 0, 1, 2, 2, 2, 3]


def _model(**kwargs):
    torch.manual_seed(0)
    options = dict(n_heads=4, ffn_dim=32, dropout=0.0)
    options.update(kwargs)
    return RoutingTransformer(4, 16, TARGET_QUERY, **options).eval()


def test_output_shapes_and_attention_is_a_distribution():
    model = _model(n_layers=2)
    grid = torch.randn(3, 5, 6, 16)
    predictions = model(grid)
    assert predictions.shape == (3, len(TARGET_QUERY))
    again, attention = model(grid, return_attention=True)
    assert attention.shape == (3, 4, 5, 6)
    assert (attention >= 0).all()
    torch.testing.assert_close(attention.sum(dim=(-2, -1)), torch.ones(3, 4))
    # The fused path (no weights) and the explicit softmax path agree.
    torch.testing.assert_close(predictions, again)


def test_fused_and_explicit_attention_agree():
    torch.manual_seed(1)
    attention = MultiHeadAttention(16, 4).eval()
    query, key, value = torch.randn(2, 3, 16), torch.randn(2, 9, 16), torch.randn(2, 9, 16)
    fused = attention(query, key, value)
    explicit, weights = attention(query, key, value, need_weights=True)
    torch.testing.assert_close(fused, explicit)
    assert weights.shape == (2, 4, 3, 9)


@pytest.mark.parametrize("n_queries, feature_dim", [(4, 16), (9, 4)])
def test_readout_by_hand(n_queries, feature_dim):
    # Both readout routes: fewer queries than channels, and more.
    target_query = [0, 0, 1, 2, 2, 2, 3]
    model = RoutingTransformer(n_queries, feature_dim, target_query, n_heads=2)
    tokens = torch.randn(2, n_queries, feature_dim)
    with torch.no_grad():
        model.readout_weight.zero_()
        for target in range(len(target_query)):
            model.readout_weight[target, target % feature_dim] = 1.0
        model.readout_bias.copy_(torch.arange(len(target_query)) * 100.0)
    out = model.readout(tokens)
    expected = torch.stack(
        [
            tokens[:, query, target % feature_dim] + 100.0 * target
            for target, query in enumerate(target_query)
        ],
        dim=1,
    )
    torch.testing.assert_close(out, expected)


def test_perturbing_a_query_changes_only_its_targets():
    model = _model()
    grid = torch.randn(2, 4, 4, 16)
    before = model(grid)
    with torch.no_grad():
        model.queries[2] += torch.randn(16)
    changed = (model(grid) - before).abs().amax(dim=0) > 1e-6
    assert changed.tolist() == [q == 2 for q in TARGET_QUERY]


def test_gradient_of_a_target_reaches_only_its_query():
    model = _model()
    grid = torch.randn(2, 4, 4, 16)
    for target, query in enumerate(TARGET_QUERY):
        model.zero_grad()
        model(grid)[:, target].sum().backward()
        touched = model.queries.grad.abs().sum(dim=1) > 0
        assert touched.tolist() == [q == query for q in range(4)]


def test_self_attention_mixes_queries():
    model = _model(self_attention=True)
    grid = torch.randn(2, 4, 4, 16)
    before = model(grid)
    with torch.no_grad():
        model.queries[2] += torch.randn(16)
    changed = (model(grid) - before).abs().amax(dim=0) > 1e-6
    assert changed.all()


def test_positional_code_makes_attention_depend_on_location():
    model = _model()
    pattern = torch.randn(16) * 3

    def attention_at(row, col):
        grid = torch.zeros(1, 6, 6, 16)
        grid[0, row, col] = pattern
        return model(grid, return_attention=True)[1][0, :, row, col]

    # Without a positional code the translated pattern would get the same
    # attention; with it, the keys differ by location.
    assert (attention_at(1, 1) - attention_at(4, 3)).abs().max() > 1e-3


def test_sine_code_shape_range_and_distinct_positions():
    code = sine_positional_encoding_2d(5, 7, 18)
    assert code.shape == (5, 7, 18)
    assert code.abs().max() <= 1.0
    flat = code.reshape(35, 18)
    distances = torch.cdist(flat, flat) + torch.eye(35)
    assert distances.min() > 1e-3
    # First half encodes rows only, second half columns only.
    torch.testing.assert_close(code[:, 0, :8], code[:, 6, :8])
    torch.testing.assert_close(code[0, :, 10:16], code[4, :, 10:16])
    with pytest.raises(ValueError, match="height"):
        sine_positional_encoding_2d(0, 3, 8)


def test_eval_mode_is_deterministic_and_dropout_is_not():
    model = _model(dropout=0.5)
    grid = torch.randn(2, 4, 4, 16)
    torch.testing.assert_close(model(grid), model(grid))
    model.train()
    assert not torch.allclose(model(grid), model(grid))


def test_tiny_model_fits_a_toy_mapping():
    torch.manual_seed(0)
    n_samples, side, dim = 32, 4, 8
    grid = torch.randn(n_samples, side, side, dim)
    # Targets of query 0 read the top-left patch, those of query 1 the
    # bottom-right one.
    readout = torch.randn(4, dim)
    y = torch.stack(
        [
            grid[:, 0, 0] @ readout[0],
            grid[:, 0, 0] @ readout[1],
            grid[:, -1, -1] @ readout[2],
            grid[:, -1, -1] @ readout[3],
        ],
        dim=1,
    )
    model = RoutingTransformer(2, dim, [0, 0, 1, 1], n_heads=2, ffn_dim=16, dropout=0.0)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(200):
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(grid), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.02 * losses[0]


def test_target_query_as_tensor_is_a_buffer():
    model = RoutingTransformer(3, 8, torch.tensor([2, 0, 1]), n_heads=2)
    assert model.target_query.dtype == torch.int64
    assert "target_query" in model.state_dict()
    assert model.readout_weight.shape == (3, 8)


def test_invalid_arguments():
    with pytest.raises(ValueError, match="n_heads=5.*feature_dim=16"):
        RoutingTransformer(4, 16, TARGET_QUERY, n_heads=5)
    with pytest.raises(ValueError, match=r"target_query.*\[0, 3\].*target 1 has 4"):
        RoutingTransformer(4, 16, [0, 4], n_heads=4)
    with pytest.raises(TypeError, match="target_query must hold integers"):
        RoutingTransformer(4, 16, [0.5, 1.0], n_heads=4)
    with pytest.raises(ValueError, match="target_query must be a non-empty"):
        RoutingTransformer(4, 16, [], n_heads=4)
    for dropout in (1.5, "0.1"):
        with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\)"):
            RoutingTransformer(4, 16, TARGET_QUERY, n_heads=4, dropout=dropout)
    model = _model()
    with pytest.raises(ValueError, match=r"feature_dim=16.*\(2, 4, 16\)"):
        model(torch.randn(2, 4, 16))
    with pytest.raises(ValueError, match=r"feature_dim=16.*\(2, 4, 4, 8\)"):
        model(torch.randn(2, 4, 4, 8))
    with pytest.raises(TypeError, match="grid must be a torch.Tensor"):
        model([[1.0]])
