"""Large (n_samples, n_targets) response matrices in HDF5, read in parts."""

import numbers
import os
from pathlib import Path

import numpy as np

from .._utils.files import atomic_write
from .._utils.validation import (
    check_choice,
    check_index,
    check_path,
    check_positive_int,
    describe,
)
from ._reading import open_hdf5, reading

#: File endings accepted for HDF5 response files.
HDF5_SUFFIXES = (".h5", ".hdf5")

# Size of one read or write; bounds the memory used beyond the result.
_BLOCK_BYTES = 16 * 2**20
_DEFAULT_CHUNKS = (128, 1024)


def load_responses(
    path, key=None, rows=None, columns=None, *, chunk_rows=None, check_finite=True
):
    """Read rows and columns of a response matrix stored in HDF5.

    Only the requested part is read, a band of rows at a time, so a matrix
    far larger than memory (e.g. single-trial betas, trials x voxels) can be
    subset. Memory used: the result plus about 16 MiB per band.

    Parameters
    ----------
    path : str or os.PathLike
        An HDF5 file (``.h5``, ``.hdf5``).
    key : str, optional
        Name of the dataset, shape (n_samples, n_targets). By default the
        file's only 2-D dataset.
    rows, columns : None, slice, sequence of int or boolean mask, optional
        Samples and targets to read; None reads all. Integer indices may be
        negative, unsorted or repeated: the result follows the order given.
    chunk_rows : int, optional
        Rows of the file covered by one read. By default about 16 MiB of
        the selected columns, rounded to whole chunks of the dataset.
    check_finite : bool, default=True
        Check the values read (not the whole file) for NaN and Inf.

    Returns
    -------
    numpy.ndarray
        Shape (len(rows), len(columns)), with the dataset's dtype.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not readable HDF5 (truncated or corrupt), ``key`` is
        missing or ambiguous, the dataset is not 2-D, or (with
        ``check_finite``) a value read is NaN or infinite.
    IndexError
        If a row or column index is out of range.

    Examples
    --------
    >>> betas = load_responses(
    ...     "betas.h5", rows=[10, 3, 3], columns=slice(0, 500)
    ... )  # doctest: +SKIP
    >>> betas.shape  # doctest: +SKIP
    (3, 500)
    """
    path = check_path(path, "path", suffixes=HDF5_SUFFIXES)
    if chunk_rows is not None:
        chunk_rows = check_positive_int(chunk_rows, "chunk_rows", "rows per read")
    with open_hdf5(path, "path") as handle:
        dataset = _find_dataset(handle, key, path)
        n_rows, n_columns = dataset.shape
        rows = check_index(_empty_as_int(rows), "rows", n_rows, "rows")
        columns = check_index(_empty_as_int(columns), "columns", n_columns, "columns")
        out = np.empty((rows.size, columns.size), dtype=dataset.dtype)
        if out.size == 0:
            return out
        unique_rows, row_inverse = np.unique(rows, return_inverse=True)
        unique_columns, column_inverse = np.unique(columns, return_inverse=True)
        span = slice(int(unique_columns[0]), int(unique_columns[-1]) + 1)
        if unique_columns.size == span.stop - span.start:
            within_span = None
        else:
            within_span = unique_columns - span.start
        if np.array_equal(unique_columns, columns):
            column_inverse = None
        band = chunk_rows or _band_rows(dataset, span.stop - span.start)
        where = f"dataset '{dataset.name}' of '{path}'"
        # Where each requested row goes in the result, grouped by unique row.
        order = np.argsort(row_inverse, kind="stable")
        sorted_inverse = row_inverse[order]
        bands = np.flatnonzero(np.diff(unique_rows // band)) + 1
        for first, stop in zip(
            np.r_[0, bands], np.r_[bands, unique_rows.size], strict=True
        ):
            wanted = unique_rows[first:stop]
            with reading(path, "path"):
                block = dataset[int(wanted[0]) : int(wanted[-1]) + 1, span]
            if wanted.size != block.shape[0]:
                block = block[wanted - wanted[0]]
            if within_span is not None:
                block = block[:, within_span]
            if check_finite:
                _check_block(block, wanted, unique_columns, where, "read")
            lo, hi = np.searchsorted(sorted_inverse, [first, stop])
            local = sorted_inverse[lo:hi] - first
            if local.size != block.shape[0]:  # repeated rows
                block = block[local]
            if column_inverse is not None:
                block = block[:, column_inverse]
            out[order[lo:hi]] = block
            del block  # before the next band is read, not after
    return out


def save_responses(
    path,
    array,
    key="responses",
    *,
    overwrite=False,
    chunks=None,
    compression="gzip",
    attrs=None,
    check_finite=True,
):
    """Write a response matrix to a new HDF5 file, chunked and compressed.

    The file is written under a temporary name in the same folder and moved
    into place when complete, so an existing file is never left half
    written, and never replaced unless ``overwrite=True``. The file holds
    this one dataset (to store several matrices, write several files).

    Parameters
    ----------
    path : str or os.PathLike
        Destination, ending in ``.h5`` or ``.hdf5``; its folder must exist.
    array : array-like, shape (n_samples, n_targets)
        A NumPy array, or any 2-D array with ``shape``, ``dtype`` and row
        slicing (``numpy.memmap``, ``h5py.Dataset``...), copied a band of
        rows at a time so that it is never loaded whole.
    key : str, default="responses"
        Name of the dataset.
    overwrite : bool, default=False
        Whether an existing ``path`` may be replaced.
    chunks : tuple of (int, int) or True, optional
        HDF5 chunk shape in (rows, columns). Default (128, 1024), clipped to
        the matrix (512 KiB of float32); True lets h5py choose.
    compression : {"gzip", "lzf", None}, default="gzip"
        Chunk compression; "lzf" is faster but only h5py reads it.
    attrs : dict, optional
        Metadata stored on the dataset (str keys; numbers, strings or
        arrays as values), e.g. ``{"units": "percent signal change"}``.
    check_finite : bool, default=True
        Refuse NaN and Inf (checked band by band, before the file is moved
        into place).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    FileExistsError
        If ``path`` exists and ``overwrite`` is False.
    ValueError
        If ``array`` is not a non-empty 2-D numeric matrix or holds NaN or
        Inf, or an option is invalid.
    """
    import h5py

    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike; got {describe(path)}.")
    path = Path(path).expanduser()
    if not path.name.lower().endswith(HDF5_SUFFIXES):
        raise ValueError(
            f"path: expected a file name ending in one of {list(HDF5_SUFFIXES)}; "
            f"got '{path.name}'."
        )
    array = _as_matrix(array)
    if not isinstance(key, str) or not key.strip("/"):
        raise ValueError(f"key must be a non-empty dataset name; got {describe(key)}.")
    check_choice(compression, "compression", ["gzip", "lzf", None])
    chunks = _check_chunks(chunks, array.shape)
    if attrs is not None and not isinstance(attrs, dict):
        raise TypeError(f"attrs must be a dict or None; got {describe(attrs)}.")
    n_rows = array.shape[0]
    band = _band_rows(array, array.shape[1], chunks)
    all_columns = np.arange(array.shape[1])
    with (
        atomic_write(path, overwrite=overwrite) as temporary,
        h5py.File(temporary, "w") as handle,
    ):
        dataset = handle.create_dataset(
            key,
            shape=array.shape,
            dtype=array.dtype,
            chunks=chunks,
            compression=compression,
        )
        for start in range(0, n_rows, band):
            block = np.asarray(array[start : start + band])
            if check_finite:
                rows = np.arange(start, start + len(block))
                _check_block(block, rows, all_columns, "array", "write")
            dataset[start : start + len(block)] = block
        for name, value in (attrs or {}).items():
            try:
                dataset.attrs[name] = value
            except (TypeError, ValueError) as exc:
                raise TypeError(
                    f"attrs[{name!r}]: expected a number, string or array "
                    f"that HDF5 can store; got {describe(value)} ({exc})."
                ) from exc
    return path


def _empty_as_int(index):
    # An empty list has a float dtype in NumPy; it selects nothing all the same.
    if isinstance(index, (list, tuple, np.ndarray)) and np.size(index) == 0:
        return np.empty(0, np.int64)
    return index


def _find_dataset(handle, key, path):
    import h5py

    datasets = {}

    def collect(name, item):
        if isinstance(item, h5py.Dataset):
            datasets[name] = item.shape

    handle.visititems(collect)
    if key is None:
        matrices = [name for name, shape in datasets.items() if len(shape) == 2]
        if len(matrices) != 1:
            found = ", ".join(f"'{n}' {s}" for n, s in datasets.items()) or "none"
            raise ValueError(
                f"key: '{path}' holds {len(matrices)} 2-D datasets; expected "
                f"exactly one when key=None, so pass key= (datasets: {found})."
            )
        key = matrices[0]
    if not isinstance(key, str):
        raise TypeError(
            f"key must be the name of a dataset (str) or None; got {describe(key)}."
        )
    check_choice(key.strip("/"), "key", list(datasets))
    dataset = handle[key]
    if dataset.ndim != 2:
        raise ValueError(
            f"key: dataset '{key}' has shape {dataset.shape}; expected a 2-D "
            "(n_samples, n_targets) matrix."
        )
    return dataset


def _band_rows(dataset, n_columns, chunks=None):
    """Rows per read or write: about 16 MiB, in whole chunks of rows."""
    chunks = chunks if chunks is not None else getattr(dataset, "chunks", None)
    chunk = chunks[0] if isinstance(chunks, tuple) else 1
    rows = _BLOCK_BYTES // max(1, n_columns * np.dtype(dataset.dtype).itemsize)
    return max(chunk, rows // chunk * chunk)


def _check_block(block, rows, columns, where, action):
    """Refuse NaN/Inf in ``block``, naming the first by its file row/column."""
    if not np.issubdtype(block.dtype, np.inexact):
        return
    bad = ~np.isfinite(block)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise ValueError(
            f"{where} holds NaN or infinite values (first at row {rows[i]}, "
            f"column {columns[j]}); expected finite values. Clean or mask them, "
            f"or pass check_finite=False to {action} them anyway."
        )


def _as_matrix(array):
    if not all(hasattr(array, name) for name in ("shape", "dtype", "__getitem__")):
        array = np.asarray(array)
    if len(array.shape) != 2 or 0 in array.shape:
        raise ValueError(
            "array must be a non-empty 2-D matrix (n_samples, n_targets); got "
            f"shape {tuple(array.shape)}."
        )
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise TypeError(f"array must hold numbers; got dtype {array.dtype}.")
    return array


def _check_chunks(chunks, shape):
    if chunks is None:
        return tuple(min(c, s) for c, s in zip(_DEFAULT_CHUNKS, shape, strict=True))
    if chunks is True:
        return True
    if (
        not isinstance(chunks, (tuple, list))
        or len(chunks) != 2
        or not all(
            isinstance(c, numbers.Integral) and not isinstance(c, bool) and 1 <= c <= s
            for c, s in zip(chunks, shape, strict=True)
        )
    ):
        raise ValueError(
            "chunks must be None, True, or two positive integers (rows, "
            f"columns) no larger than the matrix {tuple(shape)}; got "
            f"{describe(chunks)}."
        )
    return tuple(int(c) for c in chunks)
