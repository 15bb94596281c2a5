"""A resumable HDF5 cache of the tokens of many runs."""

import json
import os
import re
from pathlib import Path

import numpy as np

from .._utils.validation import describe

#: Root attribute that marks an HDF5 file as a neurost token store.
MARKER = "neurost_token_store"

_KEY = re.compile(r"^[^/.][^/]*$")


class TokenStore:
    """Tokens of many runs in one HDF5 file, written block by block.

    Each run is one dataset ``runs/<key>`` of shape (n_frames, n_tokens,
    token_dim), float32, chunked one frame per chunk. The file records the
    tokenizer settings that determine the tokens (``axes``, ``grid_size``,
    ``token_size``, ``scaling``) and the autoencoder's fingerprint; a
    tokenizer with other settings or another autoencoder is refused.

    Parameters
    ----------
    path : str or os.PathLike
        The HDF5 file; created on the first :meth:`add`. An existing file
        that is not a token store is never written to.

    Notes
    -----
    A run's dataset records how many frames are written (attribute
    ``frames_written``, updated and flushed after every block) and is
    flagged ``complete`` after its last frame. Adding a run that is
    incomplete -- the tokenization was interrupted -- resumes after its
    last written frame; adding a complete run does nothing. Incomplete
    runs are not listed by :meth:`keys` and cannot be read.

    Examples
    --------
    >>> store = TokenStore("tokens.h5")  # doctest: +SKIP
    >>> store.tokenize({"sub-01": "sub-01_bold.nii.gz"}, SliceTokenizer())  # doctest: +SKIP
    >>> store.read("sub-01", 0, 256).shape  # doctest: +SKIP
    (256, 27, 3072)
    """

    def __init__(self, path):
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be a file path; got {describe(path)}.")
        self.path = Path(path).expanduser()
        if self.path.is_dir():
            raise ValueError(f"path: '{self.path}' is a directory; expected an HDF5 file name.")
        if self.path.exists():
            self._check_marker()

    def _open(self, mode="r"):
        import h5py

        return h5py.File(self.path, mode)

    def _check_marker(self):
        try:
            with self._open() as file:
                is_store = MARKER in file.attrs
        except OSError:
            is_store = False
        if not is_store:
            raise ValueError(
                f"path: '{self.path}' exists and is not a neurost token store; "
                "it is left untouched. Choose another file name."
            )

    def settings(self):
        """The tokenizer settings and fingerprint the store was built with.

        Returns
        -------
        dict or None
            None for a store not yet written.
        """
        if not self.path.exists():
            return None
        with self._open() as file:
            return json.loads(file.attrs["config"])

    def add(self, key, run, tokenizer):
        """Tokenize ``run`` into the store under ``key`` (resuming if interrupted).

        Parameters
        ----------
        key : str
            Name of the run (no ``/``, not starting with ``.``).
        run : path or nibabel image
            A 4D volume.
        tokenizer : SliceTokenizer
            Fitted, or fitted here if not.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            If the store holds tokens of other settings or another
            autoencoder (the message lists the differences), or ``key``
            holds a run of another number of frames.
        """
        key = _check_key(key)
        if not hasattr(tokenizer, "autoencoder_"):
            tokenizer.fit()
        config = _config(tokenizer)
        with self._open_for_writing(config, tokenizer.autoencoder_.name) as file:
            runs = file.require_group("runs")
            n_frames = _n_frames(run)
            shape = (n_frames, tokenizer.n_tokens_, tokenizer.token_dim_)
            if key in runs:
                dataset = runs[key]
                if dataset.shape != shape:
                    raise ValueError(
                        f"key {key!r} holds tokens of shape {dataset.shape}; "
                        f"run gives {shape}. Use another key for another run."
                    )
                if dataset.attrs["complete"]:
                    return self
            else:
                dataset = runs.create_dataset(
                    key,
                    shape=shape,
                    dtype=np.float32,
                    chunks=(1,) + shape[1:],
                )
                dataset.attrs["frames_written"] = 0
                dataset.attrs["complete"] = False
            start = int(dataset.attrs["frames_written"])
            for frames, tokens in tokenizer.transform_blocks(run, start=start):
                dataset[frames.start : frames.stop] = tokens
                dataset.attrs["frames_written"] = frames.stop
                file.flush()
            dataset.attrs["complete"] = True
            file.flush()
        return self

    def tokenize(self, runs, tokenizer):
        """Tokenize several runs (see :meth:`add`).

        Parameters
        ----------
        runs : dict of str -> path or nibabel image
        tokenizer : SliceTokenizer

        Returns
        -------
        self
        """
        if not isinstance(runs, dict):
            raise TypeError(f"runs must be a dict of key -> run; got {describe(runs)}.")
        for key, run in runs.items():
            self.add(key, run, tokenizer)
        return self

    def _open_for_writing(self, config, tokenizer_name):
        if not self.path.exists():
            if not self.path.parent.is_dir():
                raise FileNotFoundError(
                    f"path: directory '{self.path.parent}' does not exist."
                )
            file = self._open("w-")
            file.attrs[MARKER] = 1
            file.attrs["config"] = json.dumps(config)
            file.attrs["autoencoder"] = tokenizer_name
            return file
        self._check_marker()
        file = self._open("a")
        stored = json.loads(file.attrs["config"])
        differences = [
            f"{name}: store has {stored.get(name)!r}, tokenizer has {config[name]!r}"
            for name in config
            if stored.get(name) != config[name]
        ]
        if differences:
            file.close()
            raise ValueError(
                f"TokenStore '{self.path}' was built with other settings "
                f"({'; '.join(differences)}). Use a tokenizer with the store's "
                "settings, or another file."
            )
        return file

    def keys(self):
        """Keys of the complete runs, sorted.

        Returns
        -------
        list of str
        """
        if not self.path.exists():
            return []
        with self._open() as file:
            runs = file.get("runs", {})
            return sorted(k for k in runs if runs[k].attrs["complete"])

    def __len__(self):
        return len(self.keys())

    def __contains__(self, key):
        return key in self.keys()

    def __iter__(self):
        return iter(self.keys())

    def n_frames(self, key):
        """Number of frames of run ``key``.

        Returns
        -------
        int
        """
        with self._open() as file:
            return int(self._dataset(file, key).shape[0])

    def read(self, key, start=None, stop=None):
        """Read frames ``start:stop`` of run ``key``.

        Parameters
        ----------
        key : str
        start, stop : int, optional
            Frame range, as in a slice (default: the whole run).

        Returns
        -------
        numpy.ndarray of shape (n, n_tokens, token_dim), float32
        """
        with self._open() as file:
            dataset = self._dataset(file, key)
            indices = range(dataset.shape[0])[slice(start, stop)]
            if indices.step != 1:
                raise ValueError("start and stop must select frames in increasing order.")
            return dataset[indices.start : indices.stop]

    def __getitem__(self, key):
        """All frames of run ``key``, (n_frames, n_tokens, token_dim) float32."""
        return self.read(key)

    def _dataset(self, file, key):
        runs = file.get("runs", {})
        if key not in runs:
            raise KeyError(
                f"TokenStore '{self.path}' has no run {key!r}; it has "
                f"{self.keys()}."
            )
        dataset = runs[key]
        if not dataset.attrs["complete"]:
            raise KeyError(
                f"run {key!r} of TokenStore '{self.path}' is incomplete "
                f"({int(dataset.attrs['frames_written'])} of {dataset.shape[0]} "
                "frames); add it again to resume."
            )
        return dataset

    def __repr__(self):
        return f"TokenStore('{self.path}', runs={len(self)})"


def _check_key(key):
    if not isinstance(key, str) or not _KEY.match(key):
        raise ValueError(
            "key must be a non-empty string without '/' that does not start "
            f"with '.'; got {describe(key)}."
        )
    return key


def _config(tokenizer):
    params = tokenizer.get_params(deep=False)
    config = {
        "axes": [int(a) for a in tokenizer.axes_],
        "grid_size": int(params["grid_size"]),
        "token_size": int(params["token_size"]),
        "scaling": str(params["scaling"]),
    }
    config["autoencoder_fingerprint"] = tokenizer.autoencoder_.fingerprint
    return config


def _n_frames(run):
    from .tokenizer import _open_volume_run

    return int(_open_volume_run(run).shape[3])
