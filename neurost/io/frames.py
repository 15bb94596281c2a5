"""Going through a run a block of frames at a time."""

import numpy as np

from .._utils.validation import check_positive_int
from ._reading import reading, sequential_proxy
from ._sources import SurfaceSource, check_run, label_of, open_run


def iter_frames(img, chunk_size=32, *, hemi=None):
    """Go through a run's frames in blocks, reading only one block at a time.

    The arguments and the file's header are checked when this is called;
    the data are read as the blocks are requested.

    Parameters
    ----------
    img : path, image, or left/right pair
        A 4D volume or a surface run, in any form
        :func:`neurost.io.load_bold` accepts (and anything it returns).
    chunk_size : int, default=32
        Frames per block; the last block may be shorter.
    hemi : {"left", "right"}, optional
        Hemisphere of a single GIfTI or MGH surface file, when its metadata
        and name do not tell.

    Returns
    -------
    iterator of (range, numpy.ndarray)
        For each block, ``(frames, block)``: the indices of its frames along
        the time axis, and its data, of shape (x, y, z, len(frames)) for a
        volume, or (n_vertices, len(frames)) for surface data (left
        hemisphere first, then right). Values as the file stores them after
        scaling (the dtype of the array proxy). For an in-memory image, a
        view of its data.

    Raises
    ------
    ValueError
        If ``img`` has no time axis (a 3D volume or a single surface map),
        or its file is truncated or corrupt (damage inside a compressed
        stream is reported with the block that holds it).

    Notes
    -----
    A NIfTI or MGH file is read through its array proxy, one slice of
    frames per block; a gzip-compressed file is kept open for the whole
    iteration so that each block continues decompressing where the last one
    stopped. GIfTI files are read whole (the format does not allow less);
    CIFTI-2 files one block of rows at a time, expanded to the full mesh as
    in :func:`neurost.io.load_bold`.

    Examples
    --------
    >>> total = 0
    >>> for frames, block in iter_frames("bold.nii.gz", 50):  # doctest: +SKIP
    ...     total += block.sum(axis=-1)
    """
    chunk_size = check_positive_int(chunk_size, "chunk_size", "frames per block")
    source = open_run(img, "img", hemi)
    label = source.label if isinstance(source, SurfaceSource) else label_of(img)
    check_run(source, "img", label)
    if isinstance(source, SurfaceSource):
        return _surface_blocks(source, int(chunk_size))
    return _volume_blocks(source, int(chunk_size), label)


def _volume_blocks(image, chunk_size, label):
    dataobj = sequential_proxy(image.dataobj)
    for start in range(0, image.shape[3], chunk_size):
        frames = range(start, min(start + chunk_size, image.shape[3]))
        with reading(label, "img"):
            block = np.asarray(dataobj[..., frames.start : frames.stop])
        yield frames, block


def _surface_blocks(source, chunk_size):
    for start in range(0, source.n_frames, chunk_size):
        frames = range(start, min(start + chunk_size, source.n_frames))
        parts = source.read(slice(frames.start, frames.stop))
        block = (
            next(iter(parts.values()))
            if len(parts) == 1
            else np.concatenate(list(parts.values()))
        )
        yield frames, block
