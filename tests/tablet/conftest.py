"""Shared fixtures of the TABLeT tests: simulated token runs, one torch thread."""

import numpy as np
import pytest
import torch


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Tiny transformers run fastest, and steadiest on a busy machine, on one thread."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _class_runs(n_runs, n_frames=16, n_tokens=4, token_dim=6, seed=0, lengths=None):
    """Token runs whose class sets the temporal dynamics of token 0.

    Class 1 runs have a sinusoid of period 8 frames on the first half of
    the channels of token 0, class 0 runs have white noise there; every
    other entry is white noise in both classes.

    Returns
    -------
    runs : list of numpy.ndarray of shape (n_frames, n_tokens, token_dim)
    labels : numpy.ndarray of shape (n_runs,), 0 and 1 alternating
    """
    rng = np.random.default_rng(seed)
    labels = np.arange(n_runs) % 2
    runs = []
    for index, label in enumerate(labels):
        length = n_frames if lengths is None else lengths[index]
        run = rng.normal(size=(length, n_tokens, token_dim)).astype(np.float32)
        if label:
            phase = rng.uniform(0, 2 * np.pi)
            wave = 2 * np.sin(2 * np.pi * np.arange(length) / 8 + phase)
            half = token_dim // 2
            run[:, 0, :half] = wave[:, None] + 0.3 * run[:, 0, :half]
        runs.append(run)
    return runs, labels


@pytest.fixture
def class_runs():
    """``class_runs(n_runs, ...)`` -> (runs, labels); see :func:`_class_runs`."""
    return _class_runs


def _first_channel(module, images):
    return images[:, :1]


def _three_channels(module, latents):
    return latents.expand(-1, 3, -1, -1)


@pytest.fixture
def small_tokenizer():
    """A SliceTokenizer whose latents are pixels, on an 8-voxel cube of 4-voxel tokens.

    8 tokens per frame of 3 x 4 x 4 x 4 = 192 channels.
    """
    from neurost.tokenize import ImageAutoencoder, SliceTokenizer

    identity = ImageAutoencoder(
        torch.nn.Identity(), _first_channel, _three_channels, 1, 1, "identity", "cpu"
    )
    return SliceTokenizer(identity, grid_size=8, token_size=4, device="cpu")


@pytest.fixture
def run_image():
    """``run_image(n_frames, seed=0)``: a 4D 8 x 8 x 8 run at 2 mm, nibabel image."""
    import nibabel

    def make(n_frames, seed=0):
        rng = np.random.default_rng(seed)
        data = (100 + rng.normal(size=(8, 8, 8, n_frames))).astype(np.float32)
        image = nibabel.Nifti1Image(data, np.diag([2.0, 2.0, 2.0, 1.0]))
        image.header.set_xyzt_units("mm", "sec")
        return image

    return make
