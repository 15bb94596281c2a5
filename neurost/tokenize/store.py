"""A resumable cache of the tokens of many runs, in HDF5 files."""

import json
import os
import re
import warnings
from pathlib import Path

import numpy as np

from .._utils import distributed
from .._utils.files import atomic_write
from .._utils.validation import describe
from ..io._reading import open_hdf5
from .tokenizer import SliceTokenizer, _open_volume_run

#: Root attribute that marks an HDF5 file as a neurost token store; its
#: value is the layout version (2: one file per run beside the index).
MARKER = "neurost_token_store"
LAYOUT = 2

_KEY = re.compile(r"^[^/\\.\x00][^/\\\x00]*$")

#: Storage types of the tokens: float16 halves the disk (the TABLeT paper
#: trained in 16-bit floats) at a relative rounding error below 2**-11.
DTYPES = ("float32", "float16")


class TokenStore:
    """Tokens of many runs, one HDF5 file per run, written block by block.

    ``path`` is an index file that records the tokenizer settings that
    determine the tokens (``axes``, ``grid_size``, ``token_size``,
    ``scaling``), the autoencoder's fingerprint and the storage type; a
    tokenizer with other settings or another autoencoder is refused. The
    tokens of run ``key`` are the dataset ``"tokens"`` of
    ``<path>.runs/<key>.h5``, of shape (n_frames, n_tokens, token_dim),
    chunked one frame per chunk.

    Parameters
    ----------
    path : str or os.PathLike
        The index file (e.g. ``"tokens.h5"``); created, with the folder of
        runs beside it, on the first :meth:`add`. An existing file that is
        not a token store is never written to.
    dtype : {"float32", "float16"} or None, default=None
        How tokens are stored (a string); :meth:`read` returns float32 either way.
        ``"float16"`` halves the disk; it keeps 11 significant bits of
        each token (a relative change below 2**-11): on the MNI152
        template, the reconstruction's correlation with the template
        changes by 2e-8 (``analyses/benchmark_distributed.py``). None is
        the store's type, or float32 for a new store.

    Notes
    -----
    No file is ever modified in place once complete, so an interrupted
    write (even SIGKILL or a power loss) cannot damage the tokens already
    stored. The index is written whole under a temporary name and renamed
    (:func:`neurost._utils.files.atomic_write`). A run is written into
    ``<key>.h5.partial``, which records how many frames are written
    (attribute ``frames_written``, updated and flushed after every block),
    and is renamed ``<key>.h5`` after its last frame. Adding a run whose
    partial file exists -- the tokenization was interrupted -- resumes
    after its last written frame (a partial file damaged by the
    interruption is replaced, with a warning); adding a complete run does
    nothing. Incomplete runs are not listed by :meth:`keys` and cannot be
    read.

    **Several writers.** Processes (a job array, the ranks of
    ``torchrun``) may fill one store at once, each its own runs
    (:meth:`tokenize` with ``shard``): every run is its own file, the
    index is created once with the same settings by whichever comes
    first, and a reader lists only the runs complete so far. A run that
    another process is writing is refused with an error, never written
    twice.

    Examples
    --------
    >>> store = TokenStore("tokens.h5")  # doctest: +SKIP
    >>> store.tokenize({"sub-01": "sub-01_bold.nii.gz"}, SliceTokenizer())  # doctest: +SKIP
    >>> store.read("sub-01", 0, 256).shape  # doctest: +SKIP
    (256, 27, 3072)
    """

    def __init__(self, path, dtype=None):
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be a file path; got {describe(path)}.")
        if dtype is not None and not (isinstance(dtype, str) and dtype in DTYPES):
            raise ValueError(f"dtype must be one of {DTYPES} or None; got {describe(dtype)}.")
        self.dtype = dtype
        self.path = Path(path).expanduser()
        if self.path.is_dir():
            raise ValueError(f"path: '{self.path}' is a directory; expected an HDF5 file name.")
        self.runs_dir = self.path.with_name(self.path.name + ".runs")
        if self.path.exists():
            self._read_index()

    def _read_index(self):
        """Return the index's config, after checking the file is a store."""
        try:
            file = open_hdf5(self.path, "path")
        except ValueError:
            file = None
        if file is None or MARKER not in file.attrs:
            if file is not None:
                file.close()
            raise ValueError(
                f"path: '{self.path}' exists and is not a neurost token store; "
                "it is left untouched. Choose another file name."
            )
        with file:
            if file.attrs[MARKER] != LAYOUT:
                raise ValueError(
                    f"path: '{self.path}' is a token store of an earlier neurost "
                    "(all runs inside one file), which this version does not "
                    "read; tokenize the runs again into a new store."
                )
            return json.loads(file.attrs["config"])

    def settings(self):
        """The tokenizer settings and fingerprint the store was built with.

        Returns
        -------
        dict or None
            None for a store not yet written.
        """
        if not self.path.exists():
            return None
        return self._read_index()

    def add(self, key, run, tokenizer):
        """Tokenize ``run`` into the store under ``key`` (resuming if interrupted).

        Parameters
        ----------
        key : str
            Name of the run: a file name (no ``/`` or ``\\``, not starting
            with ``.``).
        run : path or nibabel image
            A 4D volume.
        tokenizer : SliceTokenizer
            Fitted, or fitted here if not.

        Returns
        -------
        self

        Raises
        ------
        TypeError
            If ``tokenizer`` is not a :class:`SliceTokenizer`.
        ValueError
            If the store holds tokens of other settings or another
            autoencoder (the message lists the differences), or ``key``
            holds a run of another number of frames.
        """
        key = _check_key(key)
        if not isinstance(tokenizer, SliceTokenizer):
            raise TypeError(
                "tokenizer must be a SliceTokenizer (fitted or not); got "
                f"{describe(tokenizer)}."
            )
        if not hasattr(tokenizer, "autoencoder_"):
            tokenizer.fit()
        dtype = self._prepare_index(_config(tokenizer), tokenizer.autoencoder_.name)
        shape = (
            int(_open_volume_run(run).shape[3]),
            tokenizer.n_tokens_,
            tokenizer.token_dim_,
        )
        final, partial = self._run_paths(key)
        if final.exists():
            with open_hdf5(final, f"the tokens of run {key!r}") as file:
                self._check_shape(key, file["tokens"].shape, shape)
            return self
        start = self._resume_point(key, partial, shape)
        with _open_for_writing(partial, key) as file:
            if "tokens" not in file:
                file.create_dataset(
                    "tokens", shape=shape, dtype=dtype, chunks=(1,) + shape[1:]
                )
                file.attrs["frames_written"] = 0
            dataset = file["tokens"]
            for frames, tokens in tokenizer.transform_blocks(run, start=start):
                dataset[frames.start : frames.stop] = _cast(tokens, dtype, key, frames)
                file.attrs["frames_written"] = frames.stop
                file.flush()
        os.replace(partial, final)
        return self

    def tokenize(self, runs, tokenizer, *, shard=None, verbose=0):
        """Tokenize several runs, or this process's share of them (see :meth:`add`).

        Parameters
        ----------
        runs : dict of str -> path or nibabel image
        tokenizer : SliceTokenizer
        shard : tuple of 2 int (index, count), optional
            Tokenize only the runs of shard ``index`` (0 to ``count - 1``)
            of ``count``: the keys, sorted, are dealt out in turn, so that
            every process of a job array given its own index covers its
            share and the shards together cover every run once. Under a
            launcher (``torchrun``) each rank takes its own part of the
            shard: shard ``index * world_size + rank`` of ``count *
            world_size``. None is the whole list (divided between the
            ranks, under a launcher).
        verbose : int, default=0
            Show a progress bar over the frames of the shard's runs when
            > 0 (on rank 0 only, under a launcher).

        Returns
        -------
        self

        Raises
        ------
        ValueError
            If ``shard`` is not a pair of integers with 0 <= index < count.
        """
        if not isinstance(runs, dict):
            raise TypeError(f"runs must be a dict of key -> run; got {describe(runs)}.")
        for key in runs:
            _check_key(key)
        from tqdm.auto import tqdm

        keys = shard_keys(runs, shard)
        shown = bool(verbose) and distributed.is_main_process()
        total = sum(int(_open_volume_run(runs[key]).shape[3]) for key in keys) if shown else None
        with tqdm(total=total, desc="tokenizing", unit="frame", disable=not shown) as progress:
            for key in keys:
                self.add(key, runs[key], tokenizer)
                progress.update(self.n_frames(key))
        return self

    def _prepare_index(self, config, tokenizer_name):
        """Create the index and the folder of runs, or check the settings.

        Returns
        -------
        str
            The storage type of the tokens.
        """
        stored = self.settings()
        config["dtype"] = self.dtype or (stored or {}).get("dtype", "float32")
        if stored is None:
            import h5py

            try:
                with atomic_write(self.path) as temporary, h5py.File(temporary, "w") as file:
                    file.attrs[MARKER] = LAYOUT
                    file.attrs["config"] = json.dumps(config)
                    file.attrs["autoencoder"] = tokenizer_name
            except FileExistsError:  # another process created it meanwhile
                pass
            stored = self._read_index()
        stored.setdefault("dtype", "float32")
        differences = [
            f"{name}: store has {stored.get(name)!r}, tokenizer has {config[name]!r}"
            for name in config
            if stored.get(name) != config[name]
        ]
        if differences:
            raise ValueError(
                f"TokenStore '{self.path}' was built with other settings "
                f"({'; '.join(differences)}). Use a tokenizer (and dtype) with the "
                "store's settings, or another file."
            )
        self.runs_dir.mkdir(exist_ok=True)
        return config["dtype"]

    def _resume_point(self, key, partial, shape):
        """Frames already written to the partial file of ``key`` (0 if none)."""
        if not partial.exists():
            return 0
        try:
            with open_hdf5(partial, f"the partial tokens of run {key!r}") as file:
                if "tokens" not in file:  # stopped before its first block
                    return 0
                stored, written = file["tokens"].shape, int(file.attrs["frames_written"])
        except (ValueError, KeyError):
            warnings.warn(
                f"The partial tokens of run {key!r} ('{partial}') are unreadable, "
                "damaged by the interruption; tokenizing the run again.",
                RuntimeWarning,
                stacklevel=3,
            )
            partial.unlink()
            return 0
        self._check_shape(key, stored, shape)
        return written

    @staticmethod
    def _check_shape(key, stored, shape):
        if tuple(stored) != shape:
            raise ValueError(
                f"key {key!r} holds tokens of shape {tuple(stored)}; run gives "
                f"{shape}. Use another key for another run."
            )

    def _run_paths(self, key):
        final = self.runs_dir / f"{key}.h5"
        return final, final.with_name(final.name + ".partial")

    def keys(self):
        """Keys of the complete runs, sorted.

        Returns
        -------
        list of str
        """
        if not self.runs_dir.is_dir():
            return []
        return sorted(
            path.name[: -len(".h5")]
            for path in self.runs_dir.glob("*.h5")
            if _KEY.match(path.name[: -len(".h5")])
        )

    def __len__(self):
        return len(self.keys())

    def __contains__(self, key):
        return isinstance(key, str) and key in self.keys()

    def __iter__(self):
        return iter(self.keys())

    def n_frames(self, key):
        """Number of frames of run ``key``.

        Returns
        -------
        int
        """
        with self._open_run(key) as file:
            return int(file["tokens"].shape[0])

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
        for name, value in (("start", start), ("stop", stop)):
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, (int, np.integer))
            ):
                raise TypeError(f"{name} must be None or an integer; got {describe(value)}.")
        with self._open_run(key) as file:
            dataset = file["tokens"]
            indices = range(dataset.shape[0])[slice(start, stop)]
            return dataset[indices.start : indices.stop].astype(np.float32, copy=False)

    def __getitem__(self, key):
        """All frames of run ``key``, (n_frames, n_tokens, token_dim) float32."""
        return self.read(key)

    def _open_run(self, key):
        if not isinstance(key, str):
            raise TypeError(f"key must be a run name (str); got {describe(key)}.")
        final, partial = (
            self._run_paths(key) if _KEY.match(key) else (None, None)
        )
        if final is not None and final.exists():
            return open_hdf5(final, f"the tokens of run {key!r}")
        if partial is not None and partial.exists():
            written = self._partial_progress(partial)
            raise KeyError(
                f"run {key!r} of TokenStore '{self.path}' is incomplete "
                f"({written}); add it again to resume."
            )
        raise KeyError(
            f"TokenStore '{self.path}' has no run {key!r}; it has {self.keys()}."
        )

    @staticmethod
    def _partial_progress(partial):
        try:
            with open_hdf5(partial, "partial") as file:
                total = file["tokens"].shape[0]
                return f"{int(file.attrs['frames_written'])} of {total} frames"
        except (ValueError, KeyError):
            return "its partial file is damaged"

    def __repr__(self):
        return f"TokenStore('{self.path}', runs={len(self)})"


def shard_keys(runs, shard=None):
    """The keys of ``runs`` that shard ``(index, count)`` tokenizes, sorted.

    See :meth:`TokenStore.tokenize`; under a launcher, each rank gets its
    part of the shard.

    Parameters
    ----------
    runs : iterable of str
        The keys of all runs.
    shard : tuple of 2 int (index, count), optional

    Returns
    -------
    list of str
    """
    index, count = (0, 1) if shard is None else _check_shard(shard)
    ranks = distributed.world_size()
    index, count = index * ranks + distributed.rank(), count * ranks
    return sorted(runs)[index::count]


def _check_shard(shard):
    if (
        not isinstance(shard, (tuple, list))
        or len(shard) != 2
        or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) for v in shard)
        or not 0 <= shard[0] < shard[1]
    ):
        raise ValueError(
            "shard must be a pair (index, count) of integers with 0 <= index < count; "
            f"got {describe(shard)}."
        )
    return int(shard[0]), int(shard[1])


def _open_for_writing(partial, key):
    """The partial file of run ``key``, opened to append; one writer at a time."""
    import h5py

    try:
        return h5py.File(partial, "a")
    except OSError as error:  # HDF5 locks a file open for writing
        raise ValueError(
            f"The tokens of run {key!r} ('{partial}') are being written by another "
            f"process, or the file cannot be opened ({error}). Give each process "
            "its own shard of the runs."
        ) from None


def _cast(tokens, dtype, key, frames):
    """``tokens`` in the storage type; a value beyond float16's range is an error."""
    with np.errstate(over="ignore"):  # reported below
        stored = tokens.astype(dtype, copy=False)
    if dtype != "float32" and not np.isfinite(stored).all():
        raise ValueError(
            f"The tokens of run {key!r} (frames {frames.start}-{frames.stop - 1}) "
            f"exceed the range of {dtype} (largest magnitude "
            f"{float(np.abs(tokens).max()):.4g}); use dtype='float32'."
        )
    return stored


def _check_key(key):
    if not isinstance(key, str) or not _KEY.match(key):
        raise ValueError(
            "key must be a non-empty string without '/' or '\\' that does not "
            f"start with '.'; got {describe(key)}."
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
