"""Opening neuroimaging files, with clear errors for missing or damaged ones."""

import contextlib
import gzip
import os
import zlib
from pathlib import Path
from xml.parsers.expat import ExpatError

import numpy as np

from .._utils.validation import check_path

#: File endings that :func:`open_image` reads (CIFTI-2 files end in ``.nii``).
IMAGE_SUFFIXES = (".nii", ".nii.gz", ".gii", ".mgh", ".mgz")

_GZIP_BLOCK = 16 * 2**20


@contextlib.contextmanager
def reading(path, name):
    """Re-raise any failure to decode ``path`` as a ``ValueError`` naming ``name``.

    nibabel, gzip, zlib and expat each report a damaged file in their own
    way (``EOFError``, ``zlib.error``, ``ImageFileError``, ``OSError``...);
    the user gets one message saying which argument and file are at fault.
    """
    from nibabel.filebasedimages import ImageFileError
    from nibabel.spatialimages import HeaderDataError

    try:
        yield
    except (FileNotFoundError, PermissionError):
        raise
    except (
        EOFError,
        zlib.error,
        gzip.BadGzipFile,
        ExpatError,
        ImageFileError,
        HeaderDataError,
        OSError,
        ValueError,
    ) as exc:
        raise ValueError(
            f"{name}: cannot read '{path}'; expected a valid "
            f"{_format_name(path)} file, but it is truncated or corrupt "
            f"({type(exc).__name__}: {exc})."
        ) from exc


def open_image(img, name):
    """Open ``img`` (a path) with nibabel without reading its data.

    Parameters
    ----------
    img : str or os.PathLike
        A file ending in one of :data:`IMAGE_SUFFIXES`.
    name : str
        The argument name used in error messages.

    Returns
    -------
    nibabel image
        With its data left on disk (an array proxy) where the format allows.
    """
    import nibabel

    path = check_path(img, name, suffixes=IMAGE_SUFFIXES)
    with reading(path, name):
        return nibabel.load(path)


def open_hdf5(path, name):
    """Open an existing HDF5 file for reading, with clear errors.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    name : str
        The argument name used in error messages.

    Returns
    -------
    h5py.File
        Open read-only; close it (or use it as a context manager).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not readable HDF5 (truncated, corrupt, another format).
    """
    import h5py

    path = check_path(path, name)
    with reading(path, name):
        return h5py.File(path, "r")


def read_picture(path, name, props=False, **options):
    """Read an image or animation file with ``imageio.v3``, with clear errors.

    Parameters
    ----------
    path : pathlib.Path
        An existing file.
    name : str
        The argument name used in error messages.
    props : bool, default=False
        Return :func:`imageio.v3.improps` (shape, dtype) instead of pixels.
    **options
        Passed to :func:`imageio.v3.imread` (``index=None`` reads every
        frame of an animation).

    Returns
    -------
    numpy.ndarray or imageio.core.v3_plugin_api.ImageProperties

    Raises
    ------
    ValueError
        If the file is truncated, corrupt or of a format imageio cannot read.
    """
    import imageio.v3 as iio

    try:
        if props:
            return iio.improps(path, **options)
        return iio.imread(path, **options)
    except Exception as error:
        # PIL and imageio's plugins each fail in their own way (SyntaxError,
        # OSError, ValueError...) on a damaged file.
        raise ValueError(
            f"{name}: cannot read '{path}' as an image; it is truncated, "
            f"corrupt or of another format ({type(error).__name__}: "
            f"{str(error).splitlines()[0] if str(error) else ''})."
        ) from None


def check_intact(dataobj, name):
    """Check that the file behind a NIfTI or MGH array proxy holds all its data.

    Cheap: an uncompressed file's size (``.nii``, ``.mgh``) is compared with
    the size its header announces; a ``.nii.gz`` file's gzip trailer records
    the uncompressed size, which is compared the same way. Only when the
    trailer disagrees (a truncated file, or a gzip stream written in several
    members) is the whole stream decompressed, block by block, to decide.
    ``.mgz`` files are not checked: their trailer also counts the optional
    footer after the data, so only decompressing all of it would tell.

    Parameters
    ----------
    dataobj : nibabel.arrayproxy.ArrayProxy or numpy.ndarray
        The image's ``dataobj``; in-memory arrays and other files pass.
    name : str
        The argument name used in error messages.

    Raises
    ------
    ValueError
        If the file is truncated or its gzip stream is corrupt.
    """
    file_like = getattr(dataobj, "file_like", None)
    if not isinstance(file_like, (str, os.PathLike)):
        return
    path = Path(file_like)
    lowered = path.name.lower()
    if not lowered.endswith((".nii", ".nii.gz", ".mgh")):
        return
    expected = (
        int(dataobj.offset)
        + int(np.prod(dataobj.shape)) * np.dtype(dataobj.dtype).itemsize
    )
    if not lowered.endswith(".gz"):
        found = path.stat().st_size
    else:
        with open(path, "rb") as handle:
            handle.seek(-4, os.SEEK_END)
            trailer = int.from_bytes(handle.read(4), "little")
        if trailer == expected % 2**32:
            return
        found = _decompressed_size(path, name)
    if found < expected:
        raise ValueError(
            f"{name}: '{path}' is truncated; expected {expected} bytes of "
            f"header and data, as its header describes, but it holds {found}."
        )


def _decompressed_size(path, name):
    """Decompress ``path`` block by block and return its uncompressed size."""
    size = 0
    with reading(path, name), gzip.open(path, "rb") as stream:
        while block := stream.read(_GZIP_BLOCK):
            size += len(block)
    return size


def _format_name(path):
    lowered = Path(path).name.lower()
    if lowered.endswith((".dtseries.nii", ".dscalar.nii")):
        return "CIFTI-2"
    if lowered.endswith((".nii", ".nii.gz")):
        return "NIfTI"
    if lowered.endswith(".gii"):
        return "GIfTI"
    if lowered.endswith((".mgh", ".mgz")):
        return "MGH"
    if lowered.endswith((".h5", ".hdf5", ".partial")):
        return "HDF5"
    return "image"


def sequential_proxy(dataobj):
    """Return a proxy that keeps a gzip-compressed file open between reads.

    Parameters
    ----------
    dataobj : nibabel.arrayproxy.ArrayProxy or numpy.ndarray
        An image's ``dataobj``; returned as is unless it reads a ``.gz`` or
        ``.mgz`` file.

    Returns
    -------
    nibabel.arrayproxy.ArrayProxy or numpy.ndarray

    Notes
    -----
    nibabel reopens the file for every slice by default, and a gzip stream
    can only be entered from its start, so reading block after block would
    decompress the file again and again; one open handle reads on.
    """
    from nibabel.arrayproxy import ArrayProxy

    file_like = getattr(dataobj, "file_like", None)
    if (
        type(dataobj) is not ArrayProxy
        or not isinstance(file_like, (str, os.PathLike))
        or not str(file_like).lower().endswith((".gz", ".mgz"))
    ):
        return dataobj
    return ArrayProxy(
        file_like,
        (dataobj.shape, dataobj.dtype, dataobj.offset, dataobj.slope, dataobj.inter),
        order=dataobj.order,
        keep_file_open=True,
    )


def read_tsv(path, name, **options):
    """Read a tab-separated table with a header row, with a clear error if it is not one.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.tsv`` file.
    name : str
        The argument named in error messages.
    **options
        Passed to :func:`pandas.read_csv` (``dtype``, ``na_values``...);
        by default no value is read as missing and no column is the index.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If it cannot be parsed, or a row has more fields than the header
        (pandas would otherwise shift every column silently, making an
        index of the first).
    """
    import warnings

    import pandas as pd

    path = check_path(path, name, suffixes=(".tsv",))
    options = {"keep_default_na": False, "index_col": False, **options}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return pd.read_csv(path, sep="\t", **options)
    except (
        pd.errors.ParserWarning,
        pd.errors.ParserError,
        pd.errors.EmptyDataError,
        UnicodeDecodeError,
    ) as error:
        raise ValueError(
            f"{name}: expected a tab-separated table with a header row; cannot parse "
            f"'{path}' ({type(error).__name__}: {error})."
        ) from None

