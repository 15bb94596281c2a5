"""Loading frozen image autoencoders: built-in, diffusers directories, hub cache."""

import json
import pickle

import numpy as np
import pytest
import torch

from neurost.tokenize import ImageAutoencoder, load_autoencoder
from neurost.tokenize.autoencoders import builtin_weights_path, state_fingerprint

diffusers = pytest.importorskip("diffusers")


def tiny_dc():
    """An AutoencoderDC with 4 stages (f = 8) and 4 latent channels."""
    torch.manual_seed(0)
    return diffusers.AutoencoderDC(
        latent_channels=4,
        attention_head_dim=4,
        encoder_block_types="ResBlock",
        decoder_block_types="ResBlock",
        encoder_block_out_channels=(4, 8, 8, 8),
        decoder_block_out_channels=(4, 8, 8, 8),
        encoder_layers_per_block=(1, 1, 1, 1),
        decoder_layers_per_block=(1, 1, 1, 1),
        encoder_qkv_multiscales=((),) * 4,
        decoder_qkv_multiscales=((),) * 4,
    )


@pytest.fixture(scope="module")
def builtin():
    return load_autoencoder("builtin", device="cpu")


def test_builtin_geometry_and_freezing(builtin):
    assert (builtin.downsampling, builtin.latent_channels) == (32, 32)
    assert builtin.name == "builtin"
    assert builtin.device == torch.device("cpu")
    assert not builtin.module.training
    assert not any(p.requires_grad for p in builtin.module.parameters())
    images = torch.rand(2, 3, 96, 64) * 2 - 1
    latents = builtin.encode(images)
    assert latents.shape == (2, 32, 3, 2)
    assert builtin.decode(latents).shape == (2, 3, 96, 64)


def test_builtin_weights_small_and_loadable_safely():
    path = builtin_weights_path()
    assert path.stat().st_size <= 20 * 2**20
    state = torch.load(path, weights_only=True)
    assert all(isinstance(v, torch.Tensor) for v in state.values())


def test_encode_keeps_gradients_with_respect_to_input(builtin):
    images = (torch.rand(1, 3, 32, 32) * 2 - 1).requires_grad_(True)
    builtin.encode(images).sum().backward()
    assert images.grad is not None and images.grad.abs().sum() > 0


def test_fingerprint_is_deterministic_and_tracks_weights(builtin):
    again = load_autoencoder("builtin", device="cpu")
    assert builtin.fingerprint == again.fingerprint
    assert len(builtin.fingerprint) == 64
    int(builtin.fingerprint, 16)
    changed = torch.nn.Linear(2, 2)
    before = state_fingerprint(changed)
    with torch.no_grad():
        changed.weight[0, 0] += 1
    assert state_fingerprint(changed) != before


def test_builtin_pickles(builtin):
    copy = pickle.loads(pickle.dumps(builtin))
    images = torch.rand(1, 3, 32, 32) * 2 - 1
    np.testing.assert_allclose(copy.encode(images), builtin.encode(images))


def test_bad_images_are_refused(builtin):
    with pytest.raises(ValueError, match=r"multiples of 32.*\(1, 3, 40, 32\)"):
        builtin.encode(torch.zeros(1, 3, 40, 32))
    with pytest.raises(ValueError, match=r"shape \(n, 1, H, W\) or \(n, 3, H, W\)"):
        builtin.encode(torch.zeros(1, 2, 32, 32))
    with pytest.raises(TypeError, match="torch.Tensor"):
        builtin.encode(np.zeros((1, 3, 32, 32)))


def test_grey_images_encode_as_their_three_channel_copies(builtin, tmp_path):
    grey = torch.rand(3, 1, 64, 32) * 2 - 1
    torch.testing.assert_close(
        builtin.encode(grey), builtin.encode(grey.expand(-1, 3, -1, -1)), atol=1e-5, rtol=1e-5
    )
    model = tiny_dc()
    model.save_pretrained(tmp_path / "dc")
    dc = load_autoencoder(tmp_path / "dc", device="cpu")
    torch.testing.assert_close(dc.encode(grey), dc.encode(grey.expand(-1, 3, -1, -1)))


def test_autoencoder_dc_directory(tmp_path):
    model = tiny_dc()
    model.save_pretrained(tmp_path / "dc")
    ae = load_autoencoder(tmp_path / "dc", device="cpu")
    assert (ae.downsampling, ae.latent_channels) == (8, 4)
    images = torch.rand(2, 3, 32, 16) * 2 - 1
    expected = model.eval().encode(images).latent
    torch.testing.assert_close(ae.encode(images), expected)
    assert ae.decode(ae.encode(images)).shape == (2, 3, 32, 16)
    assert not any(p.requires_grad for p in ae.module.parameters())
    assert ae.fingerprint == state_fingerprint(model)


def test_autoencoder_kl_uses_latent_mean(tmp_path):
    torch.manual_seed(0)
    model = diffusers.AutoencoderKL(
        block_out_channels=(4, 8),
        latent_channels=2,
        norm_num_groups=2,
        layers_per_block=1,
        down_block_types=("DownEncoderBlock2D",) * 2,
        up_block_types=("UpDecoderBlock2D",) * 2,
    )
    model.save_pretrained(tmp_path / "kl")
    ae = load_autoencoder(str(tmp_path / "kl"), device="cpu")
    assert (ae.downsampling, ae.latent_channels) == (2, 2)
    images = torch.rand(1, 3, 8, 8) * 2 - 1
    torch.testing.assert_close(
        ae.encode(images), model.eval().encode(images).latent_dist.mean
    )
    # the mean, not a sample: two calls agree
    torch.testing.assert_close(ae.encode(images), ae.encode(images))


def test_autoencoder_tiny_directory(tmp_path):
    diffusers.AutoencoderTiny(
        encoder_block_out_channels=(4, 4),
        decoder_block_out_channels=(4, 4),
        num_encoder_blocks=(1, 1),
        num_decoder_blocks=(1, 1),
        latent_channels=3,
    ).save_pretrained(tmp_path / "tiny")
    ae = load_autoencoder(tmp_path / "tiny", device="cpu")
    assert (ae.downsampling, ae.latent_channels) == (2, 3)
    assert ae.encode(torch.zeros(1, 3, 8, 8)).shape == (1, 3, 4, 4)


def test_directory_without_weights_or_config(tmp_path):
    tiny_dc().save_pretrained(tmp_path / "dc")
    for weights in (tmp_path / "dc").glob("*.safetensors"):
        weights.unlink()
    with pytest.raises(ValueError, match="no weights"):
        load_autoencoder(tmp_path / "dc")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no config.json"):
        load_autoencoder(tmp_path / "empty")


def test_unsupported_class_is_named(tmp_path):
    (tmp_path / "unet").mkdir()
    (tmp_path / "unet" / "config.json").write_text(
        json.dumps({"_class_name": "UNet2DModel"})
    )
    with pytest.raises(ValueError, match="UNet2DModel.*AutoencoderDC"):
        load_autoencoder(tmp_path / "unet")


def test_hub_id_missing_from_cache_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path / "cache"))
    with pytest.raises(FileNotFoundError) as info:
        load_autoencoder("mit-han-lab/dc-ae-f32c32-in-1.0-diffusers")
    message = str(info.value)
    assert "huggingface-cli download mit-han-lab/dc-ae-f32c32-in-1.0-diffusers" in message
    assert "save_pretrained" in message and "'builtin'" in message


def test_hub_id_found_in_local_cache(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    snapshot = cache / "models--someone--tiny-dc" / "snapshots" / ("0" * 40)
    tiny_dc().save_pretrained(snapshot)
    (cache / "models--someone--tiny-dc" / "refs").mkdir()
    (cache / "models--someone--tiny-dc" / "refs" / "main").write_text("0" * 40)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(cache))
    ae = load_autoencoder("someone/tiny-dc", device="cpu")
    assert ae.name == "someone/tiny-dc"
    assert (ae.downsampling, ae.latent_channels) == (8, 4)


def test_bad_names():
    with pytest.raises(FileNotFoundError, match="no such directory"):
        load_autoencoder("./not/here")
    with pytest.raises(TypeError, match="name_or_path"):
        load_autoencoder(3)


def test_instance_is_returned_as_is(builtin):
    assert load_autoencoder(builtin) is builtin
    assert isinstance(builtin, ImageAutoencoder)


@pytest.mark.parametrize(
    "damage, match",
    [
        ("config", "config.json' is not valid JSON"),
        ("config_list", "holds a JSON list"),
        ("config_params", "cannot load the AutoencoderDC .*damaged or do not match"),
        ("weights", "cannot load the AutoencoderDC .*damaged or do not match"),
    ],
)
def test_damaged_directory_is_reported(tmp_path, damage, match):
    folder = tmp_path / "dc"
    tiny_dc().save_pretrained(folder)
    config = folder / "config.json"
    if damage == "config":
        config.write_text(config.read_text()[:40])
    elif damage == "config_list":
        config.write_text("[1, 2]")
    elif damage == "config_params":
        settings = json.loads(config.read_text())
        settings["latent_channels"] = "many"
        config.write_text(json.dumps(settings))
    else:
        weights = next(folder.glob("*.safetensors"))
        weights.write_bytes(weights.read_bytes()[:64])
    with pytest.raises(ValueError, match=match):
        load_autoencoder(folder, device="cpu")
