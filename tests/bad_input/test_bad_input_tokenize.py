"""Bad-input battery of neurost.tokenize: wrong calls a careful user might make."""

import atexit
import functools
import json
import shutil
import tempfile
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError

from neurost.tokenize import ImageAutoencoder, SliceTokenizer, TokenStore, load_autoencoder

AFFINE_2MM = np.diag([2.0, 2.0, 2.0, 1.0])


def _first_channel(module, images):
    return images[:, :1]


def _three_channels(module, latents):
    return latents.expand(-1, 3, -1, -1)


@functools.cache
def _identity():
    return ImageAutoencoder(
        torch.nn.Identity(), _first_channel, _three_channels, 1, 1, "identity", "cpu"
    )


def _tokenizer(**params):
    return SliceTokenizer(**{"autoencoder": _identity(), "grid_size": 8, "token_size": 4, **params})


@functools.cache
def _fitted():
    return _tokenizer().fit()


def _run(n_frames=3, data=None):
    if data is None:
        data = np.random.default_rng(0).normal(size=(8, 8, 8, n_frames)) + 10
    return nib.Nifti1Image(np.asarray(data, np.float32), AFFINE_2MM)


@functools.cache
def _folder():
    folder = Path(tempfile.mkdtemp(prefix="neurost-bad-tokenize-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


@functools.cache
def _file(name):
    """Build the file or folder ``name`` once, in a folder shared by the battery."""
    path = _folder() / name
    if name == "store.h5":
        TokenStore(path).add("a", _run(), _fitted())
    elif name == "incomplete.h5":
        TokenStore(path).add("a", _run(), _fitted())
        (path.with_name(path.name + ".runs") / "b.h5.partial").write_bytes(b"half")
    elif name == "damaged.h5":
        TokenStore(path).add("a", _run(), _fitted())
        run_file = path.with_name(path.name + ".runs") / "a.h5"
        run_file.write_bytes(run_file.read_bytes()[:100])
    elif name == "notes.h5":
        path.write_text("my notes")
    elif name == "run.nii":
        nib.save(_run(), path)
    elif name == "truncated.nii":
        nib.save(_run(), path)
        path.write_bytes(path.read_bytes()[:600])
    elif name == "volume.nii":
        nib.save(nib.Nifti1Image(np.ones((8, 8, 8), np.float32), AFFINE_2MM), path)
    elif name in ("no-config", "empty-dir"):
        path.mkdir()
        if name == "no-config":
            (path / "diffusion_pytorch_model.safetensors").write_bytes(b"0")
    elif name.startswith("config-"):
        path.mkdir()
        (path / "diffusion_pytorch_model.safetensors").write_bytes(b"0")
        config = {
            "config-broken": '{"_class_name": "AutoencoderDC", ',
            "config-list": "[1, 2]",
            "config-unet": json.dumps({"_class_name": "UNet2DModel"}),
            "config-no-class": json.dumps({"latent_channels": 4}),
            "config-bad-weights": json.dumps({"_class_name": "AutoencoderTiny"}),
            "config-binary": b"\xff\xfe\x00".decode("latin-1"),
        }[name]
        (path / "config.json").write_text(config, encoding="latin-1")
    elif name == "no-weights":
        path.mkdir()
        (path / "config.json").write_text(json.dumps({"_class_name": "AutoencoderDC"}))
    elif name == "file.txt":
        path.write_text("not an autoencoder")
    return path


CASES = [
    # load_autoencoder
    pytest.param(lambda: load_autoencoder(3), TypeError, "name_or_path", id="ae-int"),
    pytest.param(lambda: load_autoencoder(None), TypeError, "name_or_path", id="ae-none"),
    pytest.param(lambda: load_autoencoder(_folder() / "missing"), FileNotFoundError, "name_or_path", id="ae-missing"),
    pytest.param(lambda: load_autoencoder(_file("file.txt")), ValueError, "name_or_path", id="ae-file"),
    pytest.param(lambda: load_autoencoder(_file("empty-dir")), ValueError, "config.json", id="ae-empty-dir"),
    pytest.param(lambda: load_autoencoder(_file("no-config")), ValueError, "config.json", id="ae-no-config"),
    pytest.param(lambda: load_autoencoder(_file("no-weights")), ValueError, "weights", id="ae-no-weights"),
    pytest.param(lambda: load_autoencoder(_file("config-broken")), ValueError, "config.json", id="ae-config-broken"),
    pytest.param(lambda: load_autoencoder(_file("config-binary")), ValueError, "config.json", id="ae-config-binary"),
    pytest.param(lambda: load_autoencoder(_file("config-list")), ValueError, "config.json", id="ae-config-list"),
    pytest.param(lambda: load_autoencoder(_file("config-unet")), ValueError, "UNet2DModel", id="ae-config-unsupported"),
    pytest.param(lambda: load_autoencoder(_file("config-no-class")), ValueError, "_class_name", id="ae-config-no-class"),
    pytest.param(lambda: load_autoencoder(_file("config-bad-weights"), device="cpu"), ValueError, "damaged", id="ae-damaged-weights"),
    pytest.param(lambda: load_autoencoder(device="tpu"), ValueError, "device", id="ae-device"),
    # ImageAutoencoder
    pytest.param(lambda: _identity().encode(np.zeros((1, 3, 8, 8))), TypeError, "images", id="encode-array"),
    pytest.param(lambda: _identity().encode(torch.zeros(3, 8, 8)), ValueError, "images", id="encode-3d"),
    pytest.param(lambda: _identity().encode(torch.zeros(1, 2, 8, 8)), ValueError, "images", id="encode-two-channels"),
    pytest.param(lambda: load_autoencoder().encode(torch.zeros(1, 3, 40, 32)), ValueError, "images", id="encode-not-multiple"),
    pytest.param(lambda: _identity().decode(torch.zeros(1, 3, 8, 8)), ValueError, "latents", id="decode-channels"),
    pytest.param(lambda: _identity().decode([1.0]), TypeError, "latents", id="decode-list"),
    # SliceTokenizer parameters
    pytest.param(lambda: _tokenizer(autoencoder=3).fit(), ValueError, "autoencoder", id="tok-autoencoder-int"),
    pytest.param(lambda: _tokenizer(autoencoder=_folder() / "missing").fit(), FileNotFoundError, "name_or_path", id="tok-autoencoder-missing"),
    pytest.param(lambda: _tokenizer(axes="012").fit(), ValueError, "axes", id="tok-axes-text"),
    pytest.param(lambda: _tokenizer(axes=()).fit(), ValueError, "axes", id="tok-axes-empty"),
    pytest.param(lambda: _tokenizer(axes=(0, 0)).fit(), ValueError, "axes", id="tok-axes-repeated"),
    pytest.param(lambda: _tokenizer(axes=(3,)).fit(), ValueError, "axes", id="tok-axes-out-of-range"),
    pytest.param(lambda: _tokenizer(axes=(True,)).fit(), ValueError, "axes", id="tok-axes-bool"),
    pytest.param(lambda: _tokenizer(grid_size=0).fit(), ValueError, "grid_size", id="tok-grid-zero"),
    pytest.param(lambda: _tokenizer(grid_size=8.0).fit(), ValueError, "grid_size", id="tok-grid-float"),
    pytest.param(lambda: _tokenizer(grid_size=10).fit(), ValueError, "token_size", id="tok-grid-not-multiple"),
    pytest.param(lambda: _tokenizer(token_size=-4).fit(), ValueError, "token_size", id="tok-token-negative"),
    pytest.param(lambda: SliceTokenizer(grid_size=64, token_size=16).fit(), ValueError, "downsampling", id="tok-token-not-multiple-of-f"),
    pytest.param(lambda: _tokenizer(scaling="zscore").fit(), ValueError, "scaling", id="tok-scaling"),
    pytest.param(lambda: _tokenizer(batch_size=0).fit(), ValueError, "batch_size", id="tok-batch-zero"),
    pytest.param(lambda: _tokenizer(device=0).fit(), ValueError, "device", id="tok-device-int"),
    pytest.param(lambda: _tokenizer(verbose=-1).fit(), ValueError, "verbose", id="tok-verbose"),
    # SliceTokenizer runs and tokens
    pytest.param(lambda: _tokenizer().transform(_run()), NotFittedError, "fit", id="tok-not-fitted"),
    pytest.param(lambda: _fitted().transform(3), TypeError, "run", id="tok-run-int"),
    pytest.param(lambda: _fitted().transform(np.zeros((8, 8, 8, 2))), TypeError, "run", id="tok-run-array"),
    pytest.param(lambda: _fitted().transform(_folder() / "missing.nii"), FileNotFoundError, "img", id="tok-run-missing"),
    pytest.param(lambda: _fitted().transform(_file("volume.nii")), ValueError, "4D", id="tok-run-3d"),
    pytest.param(lambda: _fitted().transform(_file("truncated.nii")), ValueError, "truncated", id="tok-run-truncated"),
    pytest.param(lambda: _fitted().transform(_run(data=np.full((8, 8, 8, 2), np.nan))), ValueError, "NaN", id="tok-run-nan"),
    pytest.param(lambda: list(_fitted().transform_blocks(_run(), start=9)), ValueError, "start", id="tok-start-too-large"),
    pytest.param(lambda: list(_fitted().transform_blocks(_run(), start=-1)), ValueError, "start", id="tok-start-negative"),
    pytest.param(lambda: list(_fitted().transform_blocks(_run(), start=1.0)), ValueError, "start", id="tok-start-float"),
    pytest.param(lambda: _fitted().inverse_transform(np.zeros((2, 8, 5))), ValueError, "X", id="inverse-shape"),
    pytest.param(lambda: _fitted().inverse_transform([1, 2]), ValueError, "X[0]", id="inverse-list-of-ints"),
    pytest.param(lambda: _fitted().inverse_transform(np.full((1, 8, 192), np.nan, np.float32)), ValueError, "NaN", id="inverse-nan"),
    pytest.param(lambda: _fitted().inverse_transform([np.zeros((1, 8, 192))], reference=_run()), ValueError, "reference", id="inverse-reference-with-list"),
    pytest.param(lambda: _fitted().inverse_transform(np.zeros((1, 8, 192)), reference=3), TypeError, "run", id="inverse-reference-int"),
    # TokenStore
    pytest.param(lambda: TokenStore(3), TypeError, "path", id="store-path-int"),
    pytest.param(lambda: TokenStore(_folder()), ValueError, "path", id="store-path-directory"),
    pytest.param(lambda: TokenStore(_file("notes.h5")), ValueError, "path", id="store-foreign-file"),
    pytest.param(lambda: TokenStore(_folder() / "t1.h5").add("a", _run(), None), TypeError, "tokenizer", id="store-add-no-tokenizer"),
    pytest.param(lambda: TokenStore(_folder() / "t2.h5").add("a", _run(), "builtin"), TypeError, "tokenizer", id="store-add-string-tokenizer"),
    pytest.param(lambda: TokenStore(_folder() / "t3.h5").add("a", _run()), TypeError, "tokenizer", id="store-add-missing-tokenizer"),
    pytest.param(lambda: TokenStore(_folder() / "t4.h5").add("a/b", _run(), _fitted()), ValueError, "key", id="store-key-slash"),
    pytest.param(lambda: TokenStore(_folder() / "t5.h5").add(".hidden", _run(), _fitted()), ValueError, "key", id="store-key-dot"),
    pytest.param(lambda: TokenStore(_folder() / "t6.h5").add(3, _run(), _fitted()), ValueError, "key", id="store-key-int"),
    pytest.param(lambda: TokenStore(_folder() / "t7.h5").add("", _run(), _fitted()), ValueError, "key", id="store-key-empty"),
    pytest.param(lambda: TokenStore(_folder() / "t8.h5").add("a", 3, _fitted()), TypeError, "run", id="store-run-int"),
    pytest.param(lambda: TokenStore(_folder() / "t9.h5").add("a", _run(), SliceTokenizer(grid_size=0)), ValueError, "grid_size", id="store-unfit-bad-tokenizer"),
    pytest.param(lambda: TokenStore(_folder() / "nope" / "t.h5").add("a", _run(), _fitted()), FileNotFoundError, "directory", id="store-no-folder"),
    pytest.param(lambda: TokenStore(_file("store.h5")).add("a", _run(5), _fitted()), ValueError, "key 'a'", id="store-key-other-run"),
    pytest.param(lambda: TokenStore(_file("store.h5")).add("b", _run(), _tokenizer(scaling="tablet").fit()), ValueError, "scaling", id="store-other-settings"),
    pytest.param(lambda: TokenStore(_file("store.h5")).tokenize([_run()], _fitted()), TypeError, "runs", id="store-tokenize-list"),
    pytest.param(lambda: TokenStore(_file("store.h5")).read("c"), KeyError, "'c'", id="store-read-missing"),
    pytest.param(lambda: TokenStore(_file("store.h5")).read(3), TypeError, "key", id="store-read-key-int"),
    pytest.param(lambda: TokenStore(_file("store.h5")).read("a", "0"), TypeError, "start", id="store-read-start-text"),
    pytest.param(lambda: TokenStore(_file("store.h5")).read("a", 0, 1.5), TypeError, "stop", id="store-read-stop-float"),
    pytest.param(lambda: TokenStore(_file("store.h5")).n_frames("../a"), KeyError, "../a", id="store-frames-escape"),
    pytest.param(lambda: TokenStore(_file("incomplete.h5")).read("b"), KeyError, "incomplete", id="store-read-incomplete"),
    pytest.param(lambda: TokenStore(_file("damaged.h5")).read("a"), ValueError, "a.h5", id="store-read-damaged"),
]


@pytest.mark.parametrize("call, expected, fragment", CASES)
def test_bad_input(call, expected, fragment, check_row):
    check_row(call, expected, fragment)
