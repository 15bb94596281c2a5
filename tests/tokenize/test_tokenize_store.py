"""TokenStore: writing, reading, resuming, refusing other settings."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import nibabel
import numpy as np
import pytest
import torch

from neurost.tokenize import ImageAutoencoder, SliceTokenizer, TokenStore

AFFINE_2MM = np.diag([2.0, 2.0, 2.0, 1.0])


def _first_channel(module, images):
    return images[:, :1]


def _three_channels(module, latents):
    return latents.expand(-1, 3, -1, -1)


def tokenizer(scaling="signed", module=None):
    autoencoder = ImageAutoencoder(
        module or torch.nn.Identity(), _first_channel, _three_channels, 1, 1,
        "identity", "cpu",
    )
    return SliceTokenizer(autoencoder, grid_size=8, token_size=4, scaling=scaling).fit()


def run_image(n_frames, seed=0):
    data = np.random.default_rng(seed).normal(size=(8, 8, 8, n_frames)) + 10
    image = nibabel.Nifti1Image(data.astype(np.float32), AFFINE_2MM)
    image.header["pixdim"][4] = 2.0
    return image


def test_add_and_read(tmp_path):
    path = tmp_path / "tokens.h5"
    tok = tokenizer()
    runs = {"a": run_image(5), "b": run_image(3, seed=1)}
    store = TokenStore(path).tokenize(runs, tok)
    assert store.keys() == ["a", "b"] and len(store) == 2 and "a" in store
    assert "c" not in store and list(store) == ["a", "b"]
    assert store.n_frames("a") == 5
    expected = tok.transform(runs["a"])
    np.testing.assert_array_equal(store["a"], expected)
    np.testing.assert_array_equal(store.read("a", 1, 4), expected[1:4])
    with h5py.File(tmp_path / "tokens.h5.runs" / "a.h5") as file:
        assert file["tokens"].chunks == (1, 8, 192)
    settings = store.settings()
    assert settings["axes"] == [0, 1, 2] and settings["scaling"] == "signed"
    assert settings["autoencoder_fingerprint"] == tok.autoencoder_.fingerprint
    with pytest.raises(KeyError, match="no run 'c'"):
        store.read("c")


def test_interrupted_tokenization_resumes(tmp_path, monkeypatch):
    image = run_image(40)
    tok = tokenizer()
    original = SliceTokenizer.transform_blocks
    starts = []

    def interrupted(self, run, start=0):
        starts.append(start)
        for index, item in enumerate(original(self, run, start)):
            if index == 1:
                raise RuntimeError("interrupted")
            yield item

    monkeypatch.setattr(SliceTokenizer, "transform_blocks", interrupted)
    store = TokenStore(tmp_path / "tokens.h5")
    with pytest.raises(RuntimeError, match="interrupted"):
        store.add("run", image, tok)
    assert "run" not in store
    with pytest.raises(KeyError, match="incomplete .16 of 40 frames"):
        store.read("run")

    def recording(self, run, start=0):
        starts.append(start)
        yield from original(self, run, start)

    monkeypatch.setattr(SliceTokenizer, "transform_blocks", recording)
    store.add("run", image, tok)
    assert starts == [0, 16]
    store.add("run", image, tok)  # complete: nothing is tokenized again
    assert starts == [0, 16]
    whole = TokenStore(tmp_path / "whole.h5").add("run", image, tok)
    np.testing.assert_array_equal(store["run"], whole["run"])


def test_other_settings_are_refused(tmp_path):
    path = tmp_path / "tokens.h5"
    store = TokenStore(path).add("a", run_image(2), tokenizer("signed"))
    before = path.read_bytes()
    with pytest.raises(ValueError, match="scaling: store has 'signed', tokenizer has 'tablet'"):
        store.add("b", run_image(2), tokenizer("tablet"))
    with pytest.raises(ValueError, match="autoencoder_fingerprint"):
        store.add("b", run_image(2), tokenizer(module=torch.nn.Linear(1, 1)))
    assert path.read_bytes() == before
    with pytest.raises(ValueError, match="key 'a' holds tokens of shape"):
        store.add("a", run_image(3), tokenizer())


def test_foreign_files_are_left_untouched(tmp_path):
    path = tmp_path / "notes.h5"
    path.write_text("my notes")
    with pytest.raises(ValueError, match="not a neurost token store"):
        TokenStore(path)
    assert path.read_text() == "my notes"
    with h5py.File(tmp_path / "other.h5", "w") as file:
        file["x"] = np.arange(3)
    with pytest.raises(ValueError, match="not a neurost token store"):
        TokenStore(tmp_path / "other.h5")


def test_bad_keys_and_arguments(tmp_path):
    store = TokenStore(tmp_path / "tokens.h5")
    assert store.keys() == [] and len(store) == 0
    with pytest.raises(ValueError, match="key must be"):
        store.add("a/b", run_image(2), tokenizer())
    with pytest.raises(TypeError, match="runs must be a dict"):
        store.tokenize([run_image(2)], tokenizer())
    with pytest.raises(ValueError, match="directory"):
        TokenStore(tmp_path)


def test_tokenizer_must_be_a_slice_tokenizer(tmp_path):
    store = TokenStore(tmp_path / "tokens.h5")
    for wrong in ("builtin", None):
        with pytest.raises(TypeError, match="tokenizer must be a SliceTokenizer"):
            store.add("a", run_image(2), wrong)
    assert not (tmp_path / "tokens.h5").exists()


def test_damaged_partial_run_is_tokenized_again(tmp_path):
    tok = tokenizer()
    store = TokenStore(tmp_path / "tokens.h5").add("a", run_image(3), tok)
    partial = tmp_path / "tokens.h5.runs" / "b.h5.partial"
    partial.write_bytes(b"half an HDF5 file")
    with pytest.raises(KeyError, match="incomplete .its partial file is damaged"):
        store.read("b")
    with pytest.warns(RuntimeWarning, match="unreadable"):
        store.add("b", run_image(3, seed=1), tok)
    np.testing.assert_array_equal(store["b"], tok.transform(run_image(3, seed=1)))
    assert sorted(p.name for p in partial.parent.iterdir()) == ["a.h5", "b.h5"]


def test_damaged_run_file_is_reported(tmp_path):
    store = TokenStore(tmp_path / "tokens.h5").add("a", run_image(3), tokenizer())
    run_file = tmp_path / "tokens.h5.runs" / "a.h5"
    run_file.write_bytes(run_file.read_bytes()[:100])
    with pytest.raises(ValueError, match="tokens of run 'a': cannot read .*a.h5"):
        store.read("a")


_KILLED_TOKENIZER = """
import sys, time
import numpy as np, nibabel, torch
from neurost.tokenize import ImageAutoencoder, SliceTokenizer, TokenStore
from tests.tokenize.test_tokenize_store import run_image, tokenizer

original = SliceTokenizer.transform_blocks

def stalling(self, run, start=0):
    for index, item in enumerate(original(self, run, start)):
        if index == 1:
            open(sys.argv[2], "w").close()  # one block is on disk: kill me now
            time.sleep(60)
        yield item

SliceTokenizer.transform_blocks = stalling
TokenStore(sys.argv[1]).add("b", run_image(40), tokenizer())
"""


def test_store_killed_by_sigkill_keeps_its_runs_and_resumes(tmp_path):
    path, started = tmp_path / "tokens.h5", tmp_path / "started"
    tok = tokenizer()
    store = TokenStore(path).add("a", run_image(3), tok)
    root = Path(__file__).resolve().parents[2]
    writer = subprocess.Popen(
        [sys.executable, "-c", _KILLED_TOKENIZER, str(path), str(started)], cwd=root
    )
    try:
        for _ in range(1200):
            if started.exists() or writer.poll() is not None:
                break
            time.sleep(0.05)
        assert started.exists(), "the writer did not start writing"
        os.kill(writer.pid, signal.SIGKILL)
    finally:
        writer.kill()
        writer.wait()
    assert store.keys() == ["a"]
    np.testing.assert_array_equal(store["a"], tok.transform(run_image(3)))
    store.add("b", run_image(40), tok)
    np.testing.assert_array_equal(store["b"], tok.transform(run_image(40)))
    assert sorted(p.name for p in (tmp_path / "tokens.h5.runs").iterdir()) == ["a.h5", "b.h5"]


def test_shards_cover_every_run_once(monkeypatch):
    from neurost.tokenize.store import shard_keys

    keys = [f"sub-{i:02d}" for i in range(7)]
    shards = [shard_keys(reversed(keys), (i, 3)) for i in range(3)]
    assert sorted(sum(shards, [])) == keys
    assert shards[0] == ["sub-00", "sub-03", "sub-06"]
    # Under a launcher of 2 ranks, rank 1 takes its part of shard 1 of 3.
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "1")
    assert shard_keys(keys, (1, 3)) == ["sub-03"]
    assert shard_keys(keys) == ["sub-01", "sub-03", "sub-05"]
    for bad in [(3, 3), (-1, 2), (0, 0), (1.0, 2), (True, 2), "0/2", (0, 1, 2)]:
        with pytest.raises(ValueError, match="shard must be a pair"):
            shard_keys(keys, bad)


def test_sharded_writers_fill_one_store(tmp_path):
    runs = {f"r{i}": run_image(3, seed=i) for i in range(5)}
    serial = TokenStore(tmp_path / "serial.h5").tokenize(runs, tokenizer())
    sharded = TokenStore(tmp_path / "sharded.h5")
    TokenStore(tmp_path / "sharded.h5").tokenize(runs, tokenizer(), shard=(1, 2))
    assert sharded.keys() == ["r1", "r3"]
    TokenStore(tmp_path / "sharded.h5").tokenize(runs, tokenizer(), shard=(0, 2))
    assert sharded.keys() == serial.keys()
    for key in runs:
        np.testing.assert_array_equal(sharded.read(key), serial.read(key))


def test_float16_storage_halves_the_disk_and_reads_float32(tmp_path):
    runs = {"a": run_image(4)}
    single = TokenStore(tmp_path / "f32.h5").tokenize(runs, tokenizer())
    half = TokenStore(tmp_path / "f16.h5", dtype="float16").tokenize(runs, tokenizer())
    assert half.settings()["dtype"] == "float16" and single.settings()["dtype"] == "float32"
    with h5py.File(half.runs_dir / "a.h5") as file:
        assert file["tokens"].dtype == np.float16
    tokens = half.read("a")
    assert tokens.dtype == np.float32
    reference = single.read("a")
    np.testing.assert_array_equal(tokens, reference.astype(np.float16).astype(np.float32))
    assert np.abs(tokens - reference).max() <= np.abs(reference).max() * 2.0**-11
    # Reopened without dtype, the store keeps its own; another dtype is refused.
    TokenStore(tmp_path / "f16.h5").add("b", run_image(2), tokenizer())
    with pytest.raises(ValueError, match="dtype: store has 'float16'"):
        TokenStore(tmp_path / "f16.h5", dtype="float32").add("c", run_image(2), tokenizer())
    with pytest.raises(ValueError, match="dtype must be one of"):
        TokenStore(tmp_path / "x.h5", dtype="int8")


def test_float16_overflow_is_an_error(tmp_path):
    image = run_image(2)
    tok = SliceTokenizer(
        ImageAutoencoder(torch.nn.Identity(), _huge, _three_channels, 1, 1, "huge", "cpu"),
        grid_size=8, token_size=4,
    ).fit()
    with pytest.raises(ValueError, match="exceed the range of float16"):
        TokenStore(tmp_path / "t.h5", dtype="float16").add("a", image, tok)
    assert TokenStore(tmp_path / "t.h5").keys() == []


def _huge(module, images):
    return images[:, :1] * 1e6
