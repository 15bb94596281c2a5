import math

import pytest
import torch

from neurost.models import BrainLatentTransformer
from neurost.models.latent_transformer import GroupedQueryAttention, count_parameters
from neurost.models.positional import RotaryEmbedding, apply_rotary

TOKEN_DIM, N_TOKENS = 12, 5


def _model(**overrides):
    torch.manual_seed(0)
    return BrainLatentTransformer.from_preset(
        "tiny", TOKEN_DIM, N_TOKENS, 3, **overrides
    ).eval()


def _tokens(batch=2, n_frames=6, seed=1):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(batch, n_frames, N_TOKENS, TOKEN_DIM, generator=generator)


def test_shapes_and_pieces():
    model = _model()
    tokens = _tokens()
    assert model(tokens).shape == (2, 3)
    embedded = model.embed(tokens)
    assert embedded.shape == (2, 6 * N_TOKENS, 64)
    hidden = model.encode(embedded)
    assert hidden.shape == (2, 1 + 6 * N_TOKENS, 64)
    torch.testing.assert_close(model.head(hidden[:, 0]), model(tokens))
    # Frame-major layout: element f * n_tokens + j of the embedding is
    # token j of frame f.
    torch.testing.assert_close(
        embedded[1, 3 * N_TOKENS + 2],
        model.input_proj(model.input_norm(tokens[1, 3, 2])),
    )


def test_presets_and_overrides():
    small = BrainLatentTransformer.from_preset("small", 8, 3, 1, n_layers=1)
    assert small.d_model == 256 and len(small.blocks) == 1
    assert small.blocks[0].attention.n_kv_heads == 2
    with pytest.raises(ValueError, match="name='bse'.*Did you mean 'base'"):
        BrainLatentTransformer.from_preset("bse", 8, 3, 1)


@pytest.mark.parametrize("attention", ["full", "divided"])
def test_frame_order_matters(attention):
    model = _model(attention=attention)
    tokens = _tokens()
    shuffled = tokens[:, torch.tensor([2, 0, 5, 1, 4, 3])]
    assert (model(tokens) - model(shuffled)).abs().max() > 1e-4


@pytest.mark.parametrize("attention", ["full", "divided"])
def test_token_order_within_a_frame_matters(attention):
    model = _model(attention=attention)
    tokens = _tokens()
    permuted = tokens[:, :, torch.tensor([1, 0, 2, 4, 3])]
    assert (model(tokens) - model(permuted)).abs().max() > 1e-4


@pytest.mark.parametrize("attention", ["full", "divided"])
def test_padded_frames_do_not_influence_the_output(attention):
    model = _model(attention=attention)
    tokens = _tokens(n_frames=7)
    padding = torch.zeros(2, 7, dtype=torch.bool)
    padding[0, 4:] = True
    padding[1, 6] = True
    out = model(tokens, padding)
    changed = tokens.clone()
    changed[padding] = torch.randn_like(changed[padding]) * 10
    torch.testing.assert_close(model(changed, padding), out)
    # Trailing padding gives the output of the shorter run itself.
    torch.testing.assert_close(model(tokens[:1, :4]), out[:1])
    # Without the mask the padded content does matter.
    assert (model(changed) - model(tokens)).abs().max() > 1e-4


def test_divided_attention_keeps_frames_apart_in_its_first_block():
    divided = _model(attention="divided", n_layers=1)
    full = _model(n_layers=1)
    tokens = _tokens()
    changed = tokens.clone()
    changed[:, 3] = torch.randn_like(tokens[:, 3]) * 3
    for model in (divided, full):
        hidden, hidden_changed = (model.encode(model.embed(t)) for t in (tokens, changed))
        frames = hidden[:, 1:].reshape(2, 6, N_TOKENS, -1)
        frames_changed = hidden_changed[:, 1:].reshape(2, 6, N_TOKENS, -1)
        moved = (frames - frames_changed).abs().amax(dim=(0, 2, 3))
        if model is divided:
            # Only frame 3 moves, and CLS is left as it came in.
            assert moved[3] > 1e-3
            torch.testing.assert_close(moved[[0, 1, 2, 4, 5]], torch.zeros(5))
            torch.testing.assert_close(hidden[:, 0], hidden_changed[:, 0])
        else:
            assert (moved > 1e-4).all()
    # Same parameters: a full model's weights load into a divided one.
    divided.load_state_dict(full.state_dict())


def _manual_attention(attention, x, key_mask, cos, sin):
    batch, length, _ = x.shape
    hd = attention.head_dim
    q = attention.q_proj(x).view(batch, length, attention.n_heads, hd).transpose(1, 2)
    k = attention.k_proj(x).view(batch, length, attention.n_kv_heads, hd).transpose(1, 2)
    v = attention.v_proj(x).view(batch, length, attention.n_kv_heads, hd).transpose(1, 2)
    q, k = apply_rotary(q, cos, sin), apply_rotary(k, cos, sin)
    group = attention.n_heads // attention.n_kv_heads
    heads = []
    for h in range(attention.n_heads):
        scores = q[:, h] @ k[:, h // group].transpose(-2, -1) / math.sqrt(hd)
        scores = scores.masked_fill(~key_mask[:, None, :], float("-inf"))
        heads.append(scores.softmax(-1) @ v[:, h // group])
    return attention.out_proj(torch.cat(heads, dim=-1))


@pytest.mark.parametrize("n_kv_heads", [1, 2, 4])
def test_grouped_query_attention_matches_manual_computation(n_kv_heads):
    torch.manual_seed(0)
    attention = GroupedQueryAttention(32, 4, n_kv_heads).eval()
    x = torch.randn(2, 7, 32)
    key_mask = torch.ones(2, 7, dtype=torch.bool)
    key_mask[1, 4:] = False
    cos, sin = RotaryEmbedding(8)(torch.arange(7))
    torch.testing.assert_close(
        attention(x, key_mask, cos, sin), _manual_attention(attention, x, key_mask, cos, sin)
    )


@pytest.mark.parametrize("attention", ["full", "divided"])
def test_checkpointing_gives_identical_gradients(attention):
    reference = _model(dropout=0.1, attention=attention).train()
    checkpointed = _model(dropout=0.1, checkpointing=True, attention=attention).train()
    checkpointed.load_state_dict(reference.state_dict())
    tokens = _tokens()
    grads = []
    for model in (reference, checkpointed):
        torch.manual_seed(5)
        model(tokens).square().sum().backward()
        grads.append({n: p.grad for n, p in model.named_parameters()})
    for name, grad in grads[0].items():
        torch.testing.assert_close(grads[1][name], grad, msg=name)


def test_base_parameter_count_is_about_130_million():
    with torch.device("meta"):
        model = BrainLatentTransformer(3072, 27, 2)
    n_params = sum(p.numel() for p in model.parameters())
    assert abs(n_params - 130e6) < 0.1 * 130e6
    assert count_parameters(3072, 27, 2) == n_params
    tiny = _model()
    assert count_parameters(
        TOKEN_DIM, N_TOKENS, 3, d_model=64, n_layers=2, n_heads=4, n_kv_heads=2, ffn_dim=128
    ) == sum(p.numel() for p in tiny.parameters())


def test_rotary_scores_depend_on_relative_position():
    rotary = RotaryEmbedding(8)
    q, k = torch.randn(8), torch.randn(8)
    cos, sin = rotary(torch.arange(10))
    rotated_q = apply_rotary(q.expand(10, 8), cos, sin)
    rotated_k = apply_rotary(k.expand(10, 8), cos, sin)
    torch.testing.assert_close(rotated_q.norm(dim=-1), q.norm().expand(10))
    score = rotated_q @ rotated_k.T
    torch.testing.assert_close(score[2, 5], score[6, 9])
    torch.testing.assert_close(score[0, 0], q @ k)
    assert (score[2, 5] - score[2, 6]).abs() > 1e-4
    with pytest.raises(ValueError, match="even"):
        RotaryEmbedding(7)


def test_invalid_arguments():
    with pytest.raises(ValueError, match="n_heads=5 must divide d_model=64"):
        BrainLatentTransformer(8, 3, 1, d_model=64, n_heads=5, n_kv_heads=1)
    with pytest.raises(ValueError, match="n_kv_heads=3 must divide n_heads=4"):
        BrainLatentTransformer(8, 3, 1, d_model=64, n_heads=4, n_kv_heads=3)
    with pytest.raises(ValueError, match="must be even"):
        BrainLatentTransformer(8, 3, 1, d_model=12, n_heads=4, n_kv_heads=2)
    with pytest.raises(ValueError, match="attention='ful'.*Did you mean 'full'"):
        BrainLatentTransformer(8, 3, 1, d_model=64, n_heads=4, n_kv_heads=2, attention="ful")
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\)"):
        BrainLatentTransformer(8, 3, 1, d_model=64, n_heads=4, n_kv_heads=2, dropout=-0.1)
    model = _model(max_frames=6)
    with pytest.raises(ValueError, match=r"token_dim=12.*\(2, 6, 5, 11\)"):
        model(torch.randn(2, 6, N_TOKENS, 11))
    with pytest.raises(ValueError, match=r"n_tokens=5.*\(2, 6, 4, 12\)"):
        model(torch.randn(2, 6, 4, TOKEN_DIM))
    with pytest.raises(ValueError, match="max_frames=6"):
        model(_tokens(n_frames=7))
    with pytest.raises(ValueError, match=r"padding_mask.*\(2, 6\).*\(2, 5\)"):
        model(_tokens(), torch.zeros(2, 5, dtype=torch.bool))
    with pytest.raises(TypeError, match="padding_mask.*dtype torch.int64"):
        model(_tokens(), torch.zeros(2, 6, dtype=torch.long))
    with pytest.raises(ValueError, match="embedded must have shape"):
        model.encode(torch.randn(2, 7, 64))
