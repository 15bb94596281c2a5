"""BackboneFeatures: token grids, attention queries, inputs, cache, estimator API."""

import h5py
import imageio.v3 as iio
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.base import clone
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils import estimator_checks

from neurost._utils.device import resolve_device
from neurost.features.backbone import BackboneFeatures
from neurost.features.gabor import GaborPyramid
from torch import nn

DIM = 8


class PatchEmbed(nn.Module):
    def __init__(self, patch_size=4):
        super().__init__()
        self.patch_size = (patch_size, patch_size)
        self.proj = nn.Conv2d(3, DIM, patch_size, stride=patch_size)

    def forward(self, images):
        return self.proj(images).flatten(2).transpose(1, 2)


class Attention(nn.Module):
    """timm layout: one qkv Linear, queries first."""

    def __init__(self, heads=2):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(DIM, 3 * DIM)
        self.proj = nn.Linear(DIM, DIM)

    def forward(self, x):
        n, length, _ = x.shape
        q, k, v = self.qkv(x).reshape(n, length, 3, self.heads, -1).permute(2, 0, 3, 1, 4)
        out = F.scaled_dot_product_attention(q, k, v)
        return self.proj(out.transpose(1, 2).reshape(n, length, DIM))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm1 = nn.LayerNorm(DIM)
        self.attn = Attention()
        self.drop = nn.Dropout(0.5)
        self.mlp = nn.Sequential(nn.Linear(DIM, 2 * DIM), nn.GELU(), nn.Linear(2 * DIM, DIM))

    def forward(self, x):
        x = x + self.drop(self.attn(self.norm1(x)))
        return x + self.mlp(x)


class TinyViT(nn.Module):
    def __init__(self, n_prefix=1, declare_prefix=False, patch_info=True):
        super().__init__()
        self.patch_embed = PatchEmbed()
        if not patch_info:
            del self.patch_embed.patch_size
        self.prefix = nn.Parameter(torch.randn(1, n_prefix, DIM))
        if declare_prefix:
            self.num_prefix_tokens = n_prefix
        self.blocks = nn.ModuleList([Block(), Block()])
        self.norm = nn.LayerNorm(DIM)

    def embed(self, images):
        patches = self.patch_embed(images)
        return torch.cat([self.prefix.expand(len(patches), -1, -1), patches], dim=1)

    def forward(self, images):
        x = self.embed(images)
        for block in self.blocks:
            x = block(x)
        return self.norm(x)


class MHAViT(nn.Module):
    """Sequence-first torch.nn.MultiheadAttention after a class token."""

    def __init__(self):
        super().__init__()
        self.patch_embed = PatchEmbed()
        self.cls_token = nn.Parameter(torch.randn(1, 1, DIM))
        self.attn = nn.MultiheadAttention(DIM, 2)

    def embed(self, images):
        patches = self.patch_embed(images)
        return torch.cat([self.cls_token.expand(len(patches), -1, -1), patches], dim=1)

    def forward(self, images):
        x = self.embed(images).transpose(0, 1)
        return self.attn(x, x, x)[0].transpose(0, 1)


def tiny_cnn():
    return nn.Sequential(
        nn.Conv2d(3, 4, 3, stride=2, padding=1),
        nn.ReLU(),
        nn.Conv2d(4, 6, 3, stride=2, padding=1),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
    )


@pytest.fixture(autouse=True)
def seeded():
    torch.manual_seed(0)


@pytest.fixture
def images():
    return np.random.default_rng(0).random((5, 16, 16, 3)).astype(np.float32)


def as_tensor(images):
    return torch.from_numpy(np.asarray(images)).permute(0, 3, 1, 2).float()


def extractor(model, **kwargs):
    return BackboneFeatures(model, mean=None, std=None, device="cpu", **kwargs)


def test_vit_tokens_drop_the_class_token(images):
    model = TinyViT()
    features = extractor(model, layer="blocks.1").fit_transform(images)
    assert features.shape == (5, 4, 4, DIM) and features.dtype == np.float32
    with torch.no_grad():
        model.eval()
        x = model.embed(as_tensor(images))
        expected = model.blocks[1](model.blocks[0](x))[:, 1:]
    np.testing.assert_allclose(features.reshape(5, 16, DIM), expected.numpy(), atol=1e-5)


@pytest.mark.parametrize(
    ("model", "size", "n_prefix"),
    [
        (TinyViT(n_prefix=3, declare_prefix=True, patch_info=False), 16, 3),
        (TinyViT(n_prefix=5, declare_prefix=False), 16, 5),
        (TinyViT(n_prefix=1, declare_prefix=False), (12, 20), 1),
    ],
)
def test_prefix_tokens_are_found(model, size, n_prefix):
    height, width = (size, size) if isinstance(size, int) else size
    batch = np.random.default_rng(1).random((2, height, width, 3))
    features = extractor(model).fit_transform(batch)
    assert features.shape == (2, height // 4, width // 4, DIM)
    with torch.no_grad():
        model.eval()
        expected = model(as_tensor(batch))[:, n_prefix:]
    np.testing.assert_allclose(features.reshape(expected.shape), expected.numpy(), atol=1e-5)


def test_token_count_without_patch_information():
    square = TinyViT(n_prefix=0, patch_info=False)
    square.prefix = nn.Parameter(torch.zeros(1, 0, DIM))
    assert extractor(square).fit_transform(np.zeros((1, 16, 16))).shape == (1, 4, 4, DIM)
    with pytest.raises(ValueError, match="cannot tell which of the 17 tokens"):
        extractor(TinyViT(patch_info=False)).fit_transform(np.zeros((1, 16, 16)))


def test_attention_queries_match_the_qkv_projection(images):
    model = TinyViT()
    features = extractor(model, layer="blocks.1.attn", kind="attention_query").fit_transform(images)
    assert features.shape == (5, 4, 4, DIM)
    with torch.no_grad():
        model.eval()
        x = model.blocks[0](model.embed(as_tensor(images)))
        block = model.blocks[1]
        queries = block.norm1(x) @ block.attn.qkv.weight[:DIM].T + block.attn.qkv.bias[:DIM]
    np.testing.assert_allclose(features.reshape(5, 16, DIM), queries[:, 1:].numpy(), atol=1e-5)


def test_attention_queries_of_multihead_attention(images):
    model = MHAViT()
    features = extractor(model, layer="attn", kind="attention_query").fit_transform(images)
    tokens = extractor(model, layer="attn").fit_transform(images)
    with torch.no_grad():
        x = model.embed(as_tensor(images))
        weight, bias = model.attn.in_proj_weight, model.attn.in_proj_bias
        queries = x @ weight[:DIM].T + bias[:DIM]
        output = model(as_tensor(images))
    np.testing.assert_allclose(features.reshape(5, 16, DIM), queries[:, 1:].numpy(), atol=1e-5)
    np.testing.assert_allclose(tokens.reshape(5, 16, DIM), output[:, 1:].numpy(), atol=1e-5)


def test_conv_maps_are_channels_last(images):
    model = tiny_cnn()
    features = extractor(model, layer="2").fit_transform(images)
    assert features.shape == (5, 4, 4, 6)
    with torch.no_grad():
        expected = model[:3](as_tensor(images)).permute(0, 2, 3, 1)
    np.testing.assert_allclose(features, expected.numpy(), atol=1e-6)
    pooled = extractor(model).fit_transform(images)
    assert pooled.shape == (5, 1, 1, 6)


def test_default_backbone_is_the_gabor_pyramid(images):
    extractor_ = BackboneFeatures(device="cpu").fit(images)
    assert isinstance(extractor_.model_, GaborPyramid) and extractor_.layer_ is None
    assert extractor_.transform(images).shape == (5, 16, 16, 34)
    energy = BackboneFeatures(layer="energy", device="cpu").fit_transform(images)
    assert energy.shape == (5, 16, 16, 32)


def test_training_flags_are_restored_and_eval_is_used(images):
    model = TinyViT()
    model.train()
    model.blocks[0].mlp.eval()
    first = extractor(model, layer="blocks.1").fit_transform(images)
    second = extractor(model, layer="blocks.1").fit_transform(images)
    np.testing.assert_array_equal(first, second)  # dropout was off
    assert model.training and model.blocks[1].drop.training
    assert not model.blocks[0].mlp.training
    assert all(p.requires_grad for p in model.parameters())


def test_unknown_layer_lists_names(images):
    with pytest.raises(ValueError, match=r"Did you mean 'blocks\.1\.attn'.*Available layers: 'patch_embed'"):
        extractor(TinyViT(), layer="blocks.1.atn").fit(images)
    with pytest.raises(ValueError, match="neither a torch.nn.MultiheadAttention"):
        extractor(TinyViT(), layer="blocks.1.mlp", kind="attention_query").fit(images)
    with pytest.raises(ValueError, match="needs layer"):
        extractor(TinyViT(), kind="attention_query").fit(images)


def test_mixed_sizes_need_image_size():
    rng = np.random.default_rng(0)
    mixed = [rng.random((16, 16, 3)), rng.integers(0, 256, (24, 20), dtype=np.uint8)]
    with pytest.raises(ValueError, match=r"different sizes \(16x16, 24x20.*image_size"):
        extractor(TinyViT()).fit_transform(mixed)
    features = extractor(TinyViT(), image_size=16).fit_transform(mixed)
    assert features.shape == (2, 4, 4, DIM)


def test_paths_uint8_and_grey_images(tmp_path):
    rng = np.random.default_rng(0)
    colour = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)
    grey = rng.integers(0, 256, (16, 16), dtype=np.uint8)
    iio.imwrite(tmp_path / "colour.png", colour)
    iio.imwrite(tmp_path / "grey.png", grey)
    model = tiny_cnn()
    from_files = extractor(model, layer="2").fit_transform(
        [tmp_path / "colour.png", str(tmp_path / "grey.png")]
    )
    from_arrays = extractor(model, layer="2").fit_transform(
        [colour / 255.0, np.repeat(grey[:, :, None], 3, axis=2) / 255.0]
    )
    np.testing.assert_allclose(from_files, from_arrays, atol=1e-6)


def test_normalisation_uses_mean_and_std(images):
    model = tiny_cnn()
    mean, std = (0.1, 0.2, 0.3), (0.5, 0.25, 2.0)
    features = BackboneFeatures(model, layer="0", mean=mean, std=std, device="cpu").fit_transform(images)
    scaled = (images - np.array(mean)) / np.array(std)
    with torch.no_grad():
        expected = model[0](as_tensor(scaled.astype(np.float32))).permute(0, 2, 3, 1)
    np.testing.assert_allclose(features, expected.numpy(), atol=1e-5)


@pytest.mark.parametrize(
    ("X", "error", "match"),
    [
        ("image.png", TypeError, "wrap it in a list"),
        ([], ValueError, "holds no image"),
        (np.zeros((2, 3)), ValueError, r"array of shape \(2, 3\)"),
        ([np.zeros((4, 4, 2))], ValueError, r"X\[0\] must have shape"),
        ([np.full((4, 4), 2.0)], ValueError, r"values in \[0, 1\]"),
        (["missing.png"], FileNotFoundError, "no such file"),
    ],
)
def test_bad_images(X, error, match):
    with pytest.raises(error, match=match):
        extractor(tiny_cnn()).fit_transform(X)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"kind": "keys"}, "'kind' parameter of BackboneFeatures"),
        ({"batch_size": 0}, "'batch_size' parameter of BackboneFeatures must be an int"),
        ({"allow_pickle": "yes"}, "'allow_pickle' parameter"),
        ({"image_size": (16, 0)}, "image_size must be"),
        ({"std": (1.0, 0.0, 1.0)}, "std must be None or 3 finite positive"),
        ({"device": "tpu"}, "device must be"),
        ({"model": 3}, "'model' parameter of BackboneFeatures"),
    ],
)
def test_bad_parameters(params, match, images):
    with pytest.raises((ValueError, TypeError), match=match):
        BackboneFeatures(**params).fit(images)


def test_resolve_device():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(torch.device("cpu")).type == "cpu"
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(ValueError, match="device must be"):
        resolve_device(0)


@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")
def test_models_from_files(tmp_path, images):
    model = tiny_cnn()
    expected = extractor(model).fit_transform(images)
    torch.jit.script(model).save(str(tmp_path / "scripted.pt"))
    torch.save(model, tmp_path / "pickled.pt")
    torch.save(model.state_dict(), tmp_path / "weights.pt")
    loaded = extractor(tmp_path / "scripted.pt").fit_transform(images)
    np.testing.assert_allclose(loaded, expected, atol=1e-6)
    with pytest.raises(ValueError, match="allow_pickle=True"):
        extractor(tmp_path / "pickled.pt").fit(images)
    loaded = extractor(tmp_path / "pickled.pt", allow_pickle=True).fit_transform(images)
    np.testing.assert_allclose(loaded, expected, atol=1e-6)
    with pytest.raises(ValueError, match="forward hooks do not run in TorchScript"):
        extractor(tmp_path / "scripted.pt", layer="0").fit(images)
    with pytest.raises(TypeError, match="state dict"):
        extractor(tmp_path / "weights.pt").fit(images)


class _Payload:
    """Unpickling this creates ``path``: a stand-in for code a file could run."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_pickled_payload_does_not_run_without_opt_in(tmp_path, images):
    marker = tmp_path / "payload-ran"
    torch.save({"weights": torch.zeros(2), "payload": _Payload(marker)}, tmp_path / "model.pt")
    with pytest.raises(ValueError, match="runs code stored in the file.*allow_pickle=True"):
        extractor(tmp_path / "model.pt").fit(images)
    assert not marker.exists()
    # With the opt-in the payload does run: the test above tests something.
    with pytest.raises(TypeError, match="holds dict, not a module"):
        extractor(tmp_path / "model.pt", allow_pickle=True).fit(images)
    assert marker.exists()


@pytest.mark.parametrize("allow_pickle", [False, True])
def test_damaged_weight_files(tmp_path, images, allow_pickle):
    torch.save(tiny_cnn(), tmp_path / "model.pt")
    whole = (tmp_path / "model.pt").read_bytes()
    (tmp_path / "truncated.pt").write_bytes(whole[: len(whole) // 2])
    (tmp_path / "garbage.pt").write_bytes(b"not a torch file" * 8)
    for name in ("truncated.pt", "garbage.pt"):
        with pytest.raises(ValueError, match=f"model: cannot load '.*{name}'.*corrupt"):
            extractor(tmp_path / name, allow_pickle=allow_pickle).fit(images)


def test_damaged_cache_is_reported(tmp_path, images):
    cache = tmp_path / "features.h5"
    extractor(tiny_cnn(), cache=cache).fit_transform(images)
    cache.write_bytes(cache.read_bytes()[:200])
    with pytest.raises(ValueError, match="cache: cannot read .*features.h5.*corrupt"):
        extractor(tiny_cnn(), cache=cache).fit_transform(images)
    with h5py.File(cache, "w") as other:
        other["x"] = np.zeros(2)
    with pytest.raises(ValueError, match="without a 'features' dataset"):
        extractor(tiny_cnn(), cache=cache).fit_transform(images)


class CountingCNN(nn.Module):
    """A CNN that counts the images it sees and can fail on a given batch."""

    def __init__(self):
        super().__init__()
        self.body = tiny_cnn()[:3]
        self.seen = 0
        self.fail_at_batch = None
        self.n_batches = 0

    def forward(self, images):
        self.n_batches += 1
        if self.n_batches == self.fail_at_batch:
            raise KeyboardInterrupt
        self.seen += len(images)
        return self.body(images)


def test_cache_round_trip_and_refusal(tmp_path, images):
    cache = tmp_path / "features.h5"
    model = CountingCNN()
    features = extractor(model, cache=cache, batch_size=2).fit_transform(images)
    assert cache.exists() and not (tmp_path / "features.h5.partial").exists()
    with h5py.File(cache, "r") as store:
        np.testing.assert_array_equal(store["features"][:], features)
        assert store.attrs["kind"] == "tokens" and store.attrs["n_done"] == 5
    with h5py.File(cache, "r+") as store:
        store["features"][0] = -1.0
    again = extractor(model, cache=cache).fit_transform(images)
    assert model.seen == 5  # read from the file, not recomputed
    assert (again[0] == -1).all()
    np.testing.assert_array_equal(again[1:], features[1:])
    with pytest.raises(ValueError, match=r"other settings or images \(layer: ''.*'body.0'.*Delete the file"):
        extractor(model, layer="body.0", cache=cache).fit_transform(images)
    with pytest.raises(ValueError, match="inputs_sha1"):
        extractor(model, cache=cache).fit_transform(images[::-1].copy())
    other_weights = CountingCNN()
    with pytest.raises(ValueError, match="model_digest"):
        extractor(other_weights, cache=cache).fit_transform(images)


def test_cache_resumes_an_interrupted_run(tmp_path, images):
    cache = tmp_path / "features.h5"
    model = CountingCNN()
    expected = extractor(model, batch_size=2).fit_transform(images)
    model.seen, model.n_batches, model.fail_at_batch = 0, 0, 2
    with pytest.raises(KeyboardInterrupt):
        extractor(model, cache=cache, batch_size=2).fit_transform(images)
    partial = tmp_path / "features.h5.partial"
    assert not cache.exists() and partial.exists()
    with h5py.File(partial, "r") as store:
        assert store.attrs["n_done"] == 2
    model.seen, model.fail_at_batch = 0, None
    resumed = extractor(model, cache=cache, batch_size=2, verbose=1).fit_transform(images)
    assert model.seen == 3
    np.testing.assert_allclose(resumed, expected, atol=1e-6)
    assert cache.exists() and not partial.exists()


def test_corrupt_partial_file_is_replaced(tmp_path, images):
    cache = tmp_path / "features.h5"
    (tmp_path / "features.h5.partial").write_bytes(b"not an HDF5 file")
    with pytest.warns(RuntimeWarning, match="unreadable"):
        features = extractor(tiny_cnn(), layer="2", cache=cache).fit_transform(images)
    assert features.shape == (5, 4, 4, 6) and cache.exists()


def test_pipeline_and_clone(images):
    flatten = FunctionTransformer(lambda grid: grid.reshape(len(grid), -1))
    targets = np.arange(5.0)
    model = make_pipeline(extractor(tiny_cnn(), layer="2"), flatten, Ridge(alpha=1e-6))
    model.fit(images, targets)
    np.testing.assert_allclose(model.predict(images), targets, atol=1e-3)
    copy = clone(model[0])
    assert copy.get_params()["layer"] == "2" and not hasattr(copy, "model_")


API_CHECKS = [
    "check_no_attributes_set_in_init",
    "check_parameters_default_constructible",
    "check_get_params_invariance",
    "check_set_params",
    "check_estimator_cloneable",
    "check_estimator_repr",
    "check_estimator_tags_renamed",
    "check_valid_tag_types",
    "check_mixin_order",
    "check_do_not_raise_errors_in_init_or_set_params",
]


@pytest.mark.parametrize("check", API_CHECKS)
def test_sklearn_api_checks(check):
    # Images are not a 2-D table, so parametrize_with_checks (whose data
    # checks all feed 2-D arrays) yields no check; the API checks that need
    # no data are run here instead.
    getattr(estimator_checks, check)(type(BackboneFeatures()).__name__, BackboneFeatures())


def test_transform_needs_fit(images):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        BackboneFeatures().transform(images)


# Hugging Face transformers vision models -------------------------------------

#: Tiny random configurations: 28 x 28 images in 14 x 14 patches (a 2 x 2 grid).
HF_CONFIG = dict(
    hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32,
    image_size=28, patch_size=14,
)
#: The layer norm that a block applies before its attention, per model class.
HF_MODELS = {
    "Dinov2Model": "norm1",
    "ViTModel": "layernorm_before",
    "CLIPVisionModel": "layer_norm1",
    "Dinov2WithRegistersModel": "norm1",
}
N_REGISTERS = 2


@pytest.fixture(scope="module")
def transformers():
    return pytest.importorskip("transformers")


@pytest.fixture(scope="module")
def hf_folders(transformers, tmp_path_factory):
    """One folder per model class, written by save_pretrained (no download)."""
    folders = {}
    for name in HF_MODELS:
        config_class = getattr(transformers, name.replace("Model", "Config"))
        extra = {"num_register_tokens": N_REGISTERS} if "Registers" in name else {}
        torch.manual_seed(0)
        model = getattr(transformers, name)(config_class(**HF_CONFIG, **extra))
        folders[name] = tmp_path_factory.mktemp(name)
        model.save_pretrained(folders[name])
    return folders


def hf_reference(transformers, hf_folders, name):
    """The model of ``name``, loaded independently of neurost."""
    model = getattr(transformers, name).from_pretrained(hf_folders[name], local_files_only=True)
    return hf_folders[name], model.eval()


def hf_blocks(model):
    """The name of the list of blocks (the names vary across transformers versions)."""
    return next(
        name for name, module in model.named_modules()
        if isinstance(module, nn.ModuleList) and len(module) == model.config.num_hidden_layers
    )


def hf_attention(model, index):
    """Name of the attention layer of block ``index``, and its query projection."""
    blocks = hf_blocks(model)
    block = model.get_submodule(f"{blocks}.{index}")
    name, projection = next(
        (name, module) for name, module in block.named_modules()
        if name.rsplit(".", 1)[-1] in ("q_proj", "query")
    )
    return f"{blocks}.{index}.{name.rpartition('.')[0]}", projection


def hf_images(n=3, size=28):
    return np.random.default_rng(2).random((n, size, size, 3)).astype(np.float32)


def hf_prefix(name):
    return 1 + (N_REGISTERS if "Registers" in name else 0)


def hf_grid(tokens, name, side):
    """Drop the prefix tokens of (n, L, C) tokens and reshape them to the grid."""
    tokens = tokens[:, hf_prefix(name):]
    return tokens.reshape(len(tokens), side, side, -1).numpy()


@pytest.mark.parametrize("name", HF_MODELS)
def test_transformers_tokens_match_hidden_states(transformers, hf_folders, name):
    folder, reference = hf_reference(transformers, hf_folders, name)
    images = hf_images()
    with torch.no_grad():
        output = reference(as_tensor(images), output_hidden_states=True)
    blocks = hf_blocks(reference)
    for index in range(2):
        features = extractor(folder, layer=f"{blocks}.{index}").fit_transform(images)
        assert features.shape == (3, 2, 2, 16)
        expected = hf_grid(output.hidden_states[index + 1], name, 2)
        np.testing.assert_allclose(features, expected, atol=1e-5)
    # The model's output object: its last_hidden_state.
    final = extractor(folder).fit_transform(images)
    np.testing.assert_allclose(final, hf_grid(output.last_hidden_state, name, 2), atol=1e-5)


@pytest.mark.parametrize("name", HF_MODELS)
def test_transformers_attention_queries(transformers, hf_folders, name):
    folder, reference = hf_reference(transformers, hf_folders, name)
    layer, projection = hf_attention(reference, 1)
    images = hf_images()
    features = extractor(reference, layer=layer, kind="attention_query").fit_transform(images)
    with torch.no_grad():
        hidden = reference(as_tensor(images), output_hidden_states=True).hidden_states[1]
        norm = getattr(reference.get_submodule(f"{hf_blocks(reference)}.1"), HF_MODELS[name])
        queries = projection(norm(hidden))
    np.testing.assert_allclose(features, hf_grid(queries, name, 2), atol=1e-5)


def test_transformers_vit_interpolates_position_embeddings(transformers, hf_folders):
    folder, reference = hf_reference(transformers, hf_folders, "ViTModel")
    images = hf_images(size=42)  # 3 x 3 patches; the configuration says 28 x 28
    features = extractor(folder).fit_transform(images)
    with torch.no_grad():
        expected = reference(as_tensor(images), interpolate_pos_encoding=True).last_hidden_state
    assert features.shape == (3, 3, 3, 16)
    np.testing.assert_allclose(features, hf_grid(expected, "ViTModel", 3), atol=1e-5)


def test_several_layers_in_one_pass(transformers, hf_folders, tmp_path):
    _, model = hf_reference(transformers, hf_folders, "Dinov2Model")
    blocks = hf_blocks(model)
    layers = [f"{blocks}.1", f"{blocks}.0"]
    passes = []
    model.embeddings.register_forward_pre_hook(lambda *_: passes.append(1))
    images = hf_images(n=5)
    cache = tmp_path / "layers.h5"
    features = extractor(model, layer=layers, batch_size=2, cache=cache).fit_transform(images)
    assert features.shape == (5, 2, 2, 2, 16) and len(passes) == 3  # one per batch
    for position, layer in enumerate(layers):
        # batches of 32, not 2: BLAS may round the sums differently
        single = extractor(model, layer=layer).fit_transform(images)
        np.testing.assert_allclose(features[:, position], single, rtol=1e-5, atol=1e-6)
    passes.clear()
    again = extractor(model, layer=layers, cache=cache).fit_transform(images)
    np.testing.assert_array_equal(again, features)
    assert not passes  # read from the cache
    with pytest.raises(ValueError, match=r"other settings.*layer: \"\['"):
        extractor(model, layer=layers[::-1], cache=cache).fit_transform(images)


def test_paper_grid_of_dinov2_at_434_pixels(transformers):
    """DINOv2 ViT-B/14 in the transformer brain encoder: 434 x 434 images, 31 x 31 grid."""
    config = transformers.Dinov2Config(
        hidden_size=8, num_hidden_layers=1, num_attention_heads=2, intermediate_size=16,
        patch_size=14, image_size=434,
    )
    model = transformers.Dinov2Model(config)
    layer, _ = hf_attention(model, 0)
    image = np.random.default_rng(0).random((1, 425, 425, 3))  # resized to 434
    features = extractor(model, layer=layer, kind="attention_query", image_size=434)
    assert features.fit_transform(image).shape == (1, 31, 31, 8)


def test_transformers_bad_models(transformers, hf_folders, tmp_path, monkeypatch):
    folder, model = hf_reference(transformers, hf_folders, "Dinov2Model")
    blocks = hf_blocks(model)
    images = hf_images(n=1)
    with pytest.raises(ValueError, match=f"layer='{blocks}.2.attention' is out of range: '{blocks}' "
                                         "of Dinov2Model has 2 layers, numbered 0 to 1"):
        extractor(model, layer=f"{blocks}.2.attention").fit(images)
    with pytest.raises(ValueError, match=rf"neither.*Did you mean '{blocks}\.0\.attention"):
        extractor(model, layer=f"{blocks}.0", kind="attention_query").fit(images)
    with pytest.raises(ValueError, match="has no config.json"):
        extractor(tmp_path).fit(images)
    torch.manual_seed(0)
    bert = transformers.BertModel(transformers.BertConfig(
        vocab_size=10, hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=8,
    ))
    bert.save_pretrained(tmp_path / "bert")
    with pytest.raises(ValueError, match="BertModel, whose input is 'input_ids'.*not a vision"):
        extractor(tmp_path / "bert").fit(images)
    with pytest.raises(ValueError, match="not a vision model"):
        extractor(bert).fit(images)
    (tmp_path / "config-only").mkdir()
    (tmp_path / "config-only" / "config.json").write_bytes((folder / "config.json").read_bytes())
    with pytest.raises(ValueError, match="cannot load the Dinov2 model saved in.*weights are missing"):
        extractor(tmp_path / "config-only").fit(images)
    monkeypatch.setitem(__import__("sys").modules, "transformers", None)
    with pytest.raises(ImportError, match="pip install transformers"):
        extractor(folder).fit(images)


def test_a_folder_of_pickled_weights_needs_allow_pickle(transformers, hf_folders, tmp_path):
    source, model = hf_reference(transformers, hf_folders, "Dinov2Model")
    folder = tmp_path / "bin-only"
    folder.mkdir()
    (folder / "config.json").write_bytes((source / "config.json").read_bytes())
    torch.save(model.state_dict(), folder / "pytorch_model.bin")  # older save_pretrained
    images = hf_images(n=1)
    with pytest.raises(ValueError, match=r"only as a pickle \(pytorch_model.bin\).*allow_pickle=True"):
        extractor(folder).fit(images)
    loaded = extractor(folder, allow_pickle=True).fit(images).model_
    for name, tensor in model.state_dict().items():
        torch.testing.assert_close(loaded.state_dict()[name], tensor, rtol=0, atol=0)
    # with both files, the safetensors weights are read even when pickles are allowed
    both = tmp_path / "both"
    both.mkdir()
    for path in source.iterdir():
        (both / path.name).write_bytes(path.read_bytes())
    zeros = {name: torch.zeros_like(tensor) for name, tensor in model.state_dict().items()}
    torch.save(zeros, both / "pytorch_model.bin")
    loaded = extractor(both, allow_pickle=True).fit(images).model_
    for name, tensor in model.state_dict().items():
        torch.testing.assert_close(loaded.state_dict()[name], tensor, rtol=0, atol=0)


def test_bad_layer_lists(images):
    model = tiny_cnn()
    with pytest.raises(ValueError, match="non-empty list of layer names"):
        extractor(model, layer=[]).fit(images)
    with pytest.raises(ValueError, match="non-empty list of layer names"):
        extractor(model, layer=["0", 2]).fit(images)
    with pytest.raises(ValueError, match="lists '0' more than once"):
        extractor(model, layer=["0", "2", "0"]).fit(images)
    with pytest.raises(ValueError, match=r"one shape.*'0': \(8, 8, 4\), '2': \(4, 4, 6\)"):
        extractor(model, layer=["0", "2"]).fit_transform(images)
    stacked = extractor(model, layer=("0", "1")).fit_transform(images)
    assert stacked.shape == (5, 2, 8, 8, 4)


@pytest.mark.parametrize("name", HF_MODELS)
def test_a_fitted_transformers_backbone_saves_without_pickle(transformers, hf_folders, name,
                                                             tmp_path):
    import neurost

    folder, _ = hf_reference(transformers, hf_folders, name)
    images = hf_images()
    features = BackboneFeatures(folder, device="cpu").fit(images)
    neurost.save(features, tmp_path / "features.safetensors")
    loaded = neurost.load(tmp_path / "features.safetensors")
    assert type(loaded.model_) is type(features.model_)
    np.testing.assert_array_equal(loaded.transform(images), features.transform(images))
