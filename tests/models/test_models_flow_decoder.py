import math

import pytest
import torch

from neurost.models.flow_decoder import FlowCodebookNet


def _net(**kwargs):
    params = dict(n_window=5, n_voxels=7, grid=(3, 4), frames_per_tr=2, n_codes=6, hidden=16,
                  n_blocks=2, dropout=0.1)
    params.update(kwargs)
    return FlowCodebookNet(**params)


def test_logits_and_decoded_flow_have_the_documented_shapes():
    torch.manual_seed(0)
    net = _net().eval()
    windows = torch.randn(3, 5, 7)
    logits = net(windows)
    assert logits.shape == (3, 6, 2, 3, 4)
    assert net.decode(windows).shape == (3, 2, 3, 4, 2)
    logits.sum().backward()
    assert net.encoder[1].weight.grad is not None


def test_image_features_are_concatenated_on_the_grid():
    torch.manual_seed(0)
    net = _net(image_channels=5).eval()
    windows, image = torch.randn(2, 5, 7), torch.randn(2, 5, 3, 4)
    out = net(windows, image)
    assert out.shape == (2, 6, 2, 3, 4)
    # the image changes the logits cell by cell
    other = image.clone()
    other[:, :, 0, 0] += 3.0
    changed = (net(windows, other) - out).abs().amax(dim=(0, 1, 2))
    assert changed[0, 0] > 0
    assert torch.equal(changed[1:], torch.zeros_like(changed[1:]))


def test_flow_from_logits_is_the_probability_weighted_codebook_sum():
    codebook = torch.tensor([[1.0, 0.0], [0.0, 2.0], [-1.0, -1.0]])
    net = FlowCodebookNet(1, 1, grid=(1, 2), frames_per_tr=1, n_codes=3, hidden=4, n_blocks=1,
                          dropout=0.0, codebook=codebook)
    logits = torch.zeros(1, 3, 1, 1, 2)
    # cell 0: equal probabilities -> mean of the entries (0, 1/3)
    # cell 1: logits (log 3, log 1, -inf) -> probabilities (3/4, 1/4, 0) -> (0.75, 0.5)
    logits[0, :, 0, 0, 1] = torch.tensor([math.log(3.0), 0.0, -math.inf])
    flow = net.flow_from_logits(logits)
    assert flow.shape == (1, 1, 1, 2, 2)
    torch.testing.assert_close(flow[0, 0, 0, 0], torch.tensor([0.0, 1.0 / 3.0]))
    torch.testing.assert_close(flow[0, 0, 0, 1], torch.tensor([0.75, 0.5]))


def test_codebook_is_a_saved_buffer_not_a_parameter():
    codebook = torch.arange(12.0).view(6, 2)
    net = _net(codebook=codebook)
    assert "codebook" in net.state_dict()
    assert all(p is not net.codebook for p in net.parameters())
    fresh = _net()
    assert torch.equal(fresh.codebook, torch.zeros(6, 2))
    fresh.load_state_dict(net.state_dict())
    assert torch.equal(fresh.codebook, codebook)


def test_position_embedding_lets_cells_differ_without_image():
    torch.manual_seed(0)
    net = _net().eval()
    logits = net(torch.randn(1, 5, 7))
    assert not torch.allclose(logits[..., 0, 0], logits[..., 2, 3])


@pytest.mark.parametrize(
    "kwargs, match",
    [(dict(grid=(3,)), "grid"), (dict(dropout=1.0), "dropout"), (dict(n_codes=0), "n_codes"),
     (dict(codebook=torch.zeros(5, 2)), "codebook"), (dict(image_channels=-1), "image_channels")],
)
def test_invalid_arguments_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        _net(**kwargs)


def test_image_mismatch_is_refused():
    net = _net(image_channels=2)
    with pytest.raises(ValueError, match="image must have shape"):
        net(torch.randn(1, 5, 7))
    with pytest.raises(ValueError, match="image must have shape"):
        net(torch.randn(1, 5, 7), torch.randn(1, 3, 3, 4))
    with pytest.raises(ValueError, match="image_channels=0"):
        _net()(torch.randn(1, 5, 7), torch.randn(1, 2, 3, 4))
