"""Torch datasets over token runs: random crops to train, windows to predict."""

import numpy as np
import torch
from torch.utils.data import Dataset


def pad_frames(tokens, n_frames):
    """Pad a block of tokens at its end to ``n_frames`` frames.

    Parameters
    ----------
    tokens : numpy.ndarray of shape (t, n_tokens, token_dim), t <= n_frames
    n_frames : int

    Returns
    -------
    dict
        ``"tokens"``: torch.Tensor (n_frames, n_tokens, token_dim), zeros in
        the padding; ``"padding_mask"``: bool torch.Tensor (n_frames,), True
        for the padded frames.
    """
    t = tokens.shape[0]
    padded = torch.zeros((n_frames,) + tuple(tokens.shape[1:]), dtype=torch.float32)
    padded[:t] = torch.as_tensor(np.asarray(tokens, np.float32))
    mask = torch.ones(n_frames, dtype=torch.bool)
    mask[:t] = False
    return {"tokens": padded, "padding_mask": mask}


class CropDataset(Dataset):
    """One random contiguous crop of ``n_frames`` frames per run and item.

    Parameters
    ----------
    runs : list of ArrayRun or StoreRun
    targets : numpy.ndarray of shape (n_runs,) or (n_runs, n_targets), or None
        One target per run; None makes the crop its own target (masked
        token modelling).
    n_frames : int
        Frames per crop; shorter runs are taken whole and padded.
    seed : int
        Seeds the fixed crop positions.
    fixed : bool, default=False
        False draws a new crop every time an item is read (training: other
        crops every epoch), from torch's random generator, so that a
        checkpoint of that generator resumes the same crops; True always
        gives run ``i`` the same crop (validation), drawn from ``seed``.
    """

    def __init__(self, runs, targets, n_frames, seed, fixed=False):
        self.runs = runs
        self.targets = None if targets is None else torch.as_tensor(targets, dtype=torch.float32)
        self.n_frames = n_frames
        self.seed = seed
        self.fixed = fixed

    def __len__(self):
        return len(self.runs)

    def __getitem__(self, index):
        run = self.runs[index]
        n_starts = max(run.n_frames - self.n_frames, 0) + 1
        if self.fixed:
            start = int(np.random.default_rng([self.seed, index]).integers(n_starts))
        else:
            start = int(torch.randint(n_starts, ()))
        inputs = pad_frames(run.read(start, start + self.n_frames), self.n_frames)
        target = inputs["tokens"] if self.targets is None else self.targets[index]
        return inputs, target


class WindowDataset(Dataset):
    """Every run cut into consecutive, non-overlapping windows of ``n_frames``.

    The last window of a run is padded (and its padding masked) when the
    run's length is not a multiple of ``n_frames``.

    Parameters
    ----------
    runs : list of ArrayRun or StoreRun
    n_frames : int

    Attributes
    ----------
    run_index : numpy.ndarray of int, shape (n_windows,)
        The run each window comes from; it is also the window's target.
    """

    def __init__(self, runs, n_frames):
        self.runs = runs
        self.n_frames = n_frames
        self.windows = [
            (r, start) for r, run in enumerate(runs) for start in range(0, run.n_frames, n_frames)
        ]
        self.run_index = np.array([r for r, _ in self.windows], dtype=int)

    def __len__(self):
        return len(self.windows)

    def __getitem__(self, index):
        r, start = self.windows[index]
        tokens = self.runs[r].read(start, start + self.n_frames)
        return pad_frames(tokens, self.n_frames), torch.tensor(r)

    def average(self, outputs):
        """Average window outputs (n_windows, ...) per run -> (n_runs, ...)."""
        outputs = np.asarray(outputs, dtype=np.float64)
        counts = np.bincount(self.run_index, minlength=len(self.runs))
        sums = np.zeros((len(self.runs),) + outputs.shape[1:])
        np.add.at(sums, self.run_index, outputs)
        return sums / counts.reshape((-1,) + (1,) * (outputs.ndim - 1))


class CenteredRun:
    """A run minus its mean over frames, per token and channel.

    Removes what every frame of the run shares (the static image of each
    token position), leaving the fluctuations in time.

    Parameters
    ----------
    run : ArrayRun or StoreRun
        Read once, in blocks of ``_MEAN_BLOCK`` frames, to compute the mean.
    """

    _MEAN_BLOCK = 256

    def __init__(self, run):
        self.run = run
        self.name = run.name
        self.n_frames = run.n_frames
        self.token_shape = run.token_shape
        total = np.zeros(run.token_shape)
        for start in range(0, run.n_frames, self._MEAN_BLOCK):
            block = run.read(start, min(start + self._MEAN_BLOCK, run.n_frames))
            total += block.sum(axis=0, dtype=np.float64)
        self.mean = total / run.n_frames

    def read(self, start, stop):
        """Centred frames ``start:stop``, (stop - start, n_tokens, token_dim) float32."""
        return (self.run.read(start, stop) - self.mean).astype(np.float32)
