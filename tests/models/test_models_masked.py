import pytest
import torch

from neurost.models import BrainLatentTransformer, MaskedTokenModel, masked_l1_loss

TOKEN_DIM, N_TOKENS = 10, 6


def _backbone(seed=0):
    torch.manual_seed(seed)
    return BrainLatentTransformer.from_preset("tiny", TOKEN_DIM, N_TOKENS, 2)


def _tokens(batch=3, n_frames=5, seed=1):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(batch, n_frames, N_TOKENS, TOKEN_DIM, generator=generator)


def test_tube_mask_ratio_and_padding():
    model = MaskedTokenModel(_backbone(), mask_ratio=0.5).eval()
    tokens = _tokens(batch=8)
    padding = torch.zeros(8, 5, dtype=torch.bool)
    padding[0, 3:] = True
    reconstruction, mask = model(tokens, padding, generator=torch.Generator().manual_seed(0))
    assert reconstruction.shape == tokens.shape
    assert mask.shape == (8, 5, N_TOKENS) and mask.dtype == torch.bool
    assert model.n_masked == 3
    # Same spatial positions in every (non-padded) frame, n_masked of them.
    assert (mask[1:] == mask[1:, :1]).all()
    assert (mask[:, :3].sum(dim=-1) == 3).all()
    assert not mask[0, 3:].any()
    assert (mask[0, :3] == mask[0, :1]).all()
    # Different samples get different tubes.
    assert len({tuple(row.tolist()) for row in mask[:, 0]}) > 1
    again = model(tokens, padding, generator=torch.Generator().manual_seed(0))[1]
    assert torch.equal(again, mask)


def test_at_least_one_position_is_masked():
    model = MaskedTokenModel(_backbone(), mask_ratio=0.01)
    assert model.n_masked == 1
    mask = model.sample_mask(4, torch.Generator().manual_seed(0))
    assert (mask.sum(dim=1) == 1).all()


def test_masked_tokens_are_hidden_from_the_model():
    model = MaskedTokenModel(_backbone()).eval()
    tokens = _tokens()
    reconstruction, mask = model(tokens, generator=torch.Generator().manual_seed(3))
    changed = tokens.clone()
    changed[mask] = torch.randn_like(changed[mask]) * 5
    again, _ = model(changed, generator=torch.Generator().manual_seed(3))
    torch.testing.assert_close(again, reconstruction)
    changed = tokens.clone()
    changed[~mask] = torch.randn_like(changed[~mask])
    visible_changed, _ = model(changed, generator=torch.Generator().manual_seed(3))
    assert (visible_changed - reconstruction).abs().max() > 1e-4


def test_masked_l1_loss_by_hand_and_ignores_unmasked_positions():
    reconstruction = torch.zeros(1, 2, 3, 2)
    tokens = torch.arange(12, dtype=torch.float32).reshape(1, 2, 3, 2)
    mask = torch.tensor([[[True, False, False], [False, False, True]]])
    # Masked tokens: (0, 1) and (10, 11) -> mean |error| = 22 / 4.
    loss = masked_l1_loss(reconstruction, tokens, mask)
    torch.testing.assert_close(loss, torch.tensor(5.5))
    changed = tokens.clone()
    changed[~mask] = 100.0
    torch.testing.assert_close(masked_l1_loss(reconstruction, changed, mask), loss)


def test_masked_l1_loss_invalid_input():
    x = torch.zeros(1, 2, 3, 4)
    with pytest.raises(ValueError, match="expected equal shapes"):
        masked_l1_loss(x, torch.zeros(1, 2, 3, 5), torch.ones(1, 2, 3, dtype=torch.bool))
    with pytest.raises(ValueError, match=r"mask must be a bool tensor of shape \(1, 2, 3\)"):
        masked_l1_loss(x, x, torch.ones(1, 2, 3))
    with pytest.raises(ValueError, match="selects no token"):
        masked_l1_loss(x, x, torch.zeros(1, 2, 3, dtype=torch.bool))


def test_training_reduces_the_reconstruction_loss():
    torch.manual_seed(0)
    # Each spatial position has its own typical token, so a masked token can
    # be predicted from where it lies.
    typical = torch.randn(N_TOKENS, TOKEN_DIM)
    tokens = typical + 0.1 * torch.randn(8, 3, N_TOKENS, TOKEN_DIM)
    model = MaskedTokenModel(_backbone())
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    generator = torch.Generator().manual_seed(0)
    losses = []
    for _ in range(30):
        optimizer.zero_grad()
        reconstruction, mask = model(tokens, generator=generator)
        loss = masked_l1_loss(reconstruction, tokens, mask)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert sum(losses[-3:]) < 0.5 * sum(losses[:3])


def test_backbone_weights_transfer_to_a_fresh_model():
    pretrained = MaskedTokenModel(_backbone(seed=0))
    fresh = _backbone(seed=1)
    state = pretrained.backbone.state_dict()
    assert set(state) == set(fresh.state_dict())
    fresh.load_state_dict(state)
    tokens = _tokens()
    torch.testing.assert_close(fresh.eval()(tokens), pretrained.backbone.eval()(tokens))


def test_invalid_arguments():
    with pytest.raises(TypeError, match="backbone must be a BrainLatentTransformer"):
        MaskedTokenModel(torch.nn.Linear(2, 2))
    for ratio in (0.0, 1.0, True, "half"):
        with pytest.raises(ValueError, match="mask_ratio must be a number in"):
            MaskedTokenModel(_backbone(), mask_ratio=ratio)
