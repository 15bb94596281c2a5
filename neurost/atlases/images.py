"""Reading label images and data images for the atlases."""

import contextlib
import os
from collections.abc import Mapping

import nibabel as nib
import numpy as np
from nilearn.surface import SurfaceImage

from .._utils.validation import check_finite, describe
from ..io._reading import check_intact, open_image, reading
from .table import drop_absent_rows


def integer_labels(values, argument):
    """Return label values as a non-negative int32 array (background 0).

    Parameters
    ----------
    values : array-like
        Integer-valued labels (a float array with whole values is accepted,
        as NIfTI files often store them); values <= 0 become 0.
    argument : str
        The argument name used in error messages.

    Returns
    -------
    numpy.ndarray of int32
        Same shape, read-only.
    """
    array = np.asarray(values)
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise TypeError(
            f"{argument} must hold integer labels; got {describe(array)}."
        )
    check_finite(array, argument)
    if np.issubdtype(array.dtype, np.inexact) and (array != np.round(array)).any():
        raise ValueError(
            f"{argument} must hold integer labels; got non-integer values such "
            f"as {array[array != np.round(array)].flat[0]!r}. A probabilistic "
            "atlas (one map per ROI) is not a label image."
        )
    if array.size and array.max() > np.iinfo(np.int32).max:
        raise ValueError(f"{argument}: label {array.max()} is too large.")
    labels = np.where(array > 0, array, 0).astype(np.int32)
    labels.setflags(write=False)
    return labels


def open_volume(path, argument):
    """Open an image file with :func:`neurost.io._reading.open_image`.

    The data stay on disk; a NIfTI file's size is checked against its
    header, so that a truncated or corrupt file gives a ``ValueError``
    naming ``argument`` rather than a raw nibabel error.
    """
    img = open_image(path, argument)
    check_intact(img.dataobj, argument)
    return img


def load_volume(img, argument="img"):
    """Return a nibabel volume image from an image or a path.

    Raises
    ------
    ValueError
        For a surface image, naming what to do instead, or a truncated or
        corrupt file.
    TypeError
        For anything else that is not a volume.
    """
    if isinstance(img, (str, os.PathLike)):
        img = open_volume(img, argument)
    if isinstance(img, SurfaceImage):
        raise ValueError(
            f"{argument} is a surface image but the atlas is a volume; use a "
            "surface atlas, or pass volume data."
        )
    if not isinstance(img, nib.spatialimages.SpatialImage):
        raise TypeError(
            f"{argument} must be a NIfTI image or a path to one; got "
            f"{describe(img)}."
        )
    if img.ndim not in (3, 4):
        raise ValueError(
            f"{argument} must be a 3-D or 4-D volume; got shape {img.shape}."
        )
    return img


def has_data(img):
    """Which voxels or vertices hold finite, non-zero data in some frame.

    Only three frames are read (first, middle, last), so the check stays
    cheap on long runs; acquisitions whose first volume is partly blank
    (as in some real runs) are still seen as covered.

    Parameters
    ----------
    img : nibabel image or nilearn SurfaceImage
        3-D/4-D volume (read lazily), or surface data of shape
        (n_vertices,) or (n_vertices, n_frames) per hemisphere.

    Returns
    -------
    numpy.ndarray of bool or dict of str to numpy.ndarray of bool
        Shape (X, Y, Z) for a volume; ``{part: (n_vertices,)}`` for a
        surface.
    """
    if isinstance(img, SurfaceImage):
        return {
            part: _finite_nonzero(np.asarray(data).reshape(len(data), -1)).any(axis=1)
            for part, data in img.data.parts.items()
        }
    if img.ndim < 4:
        return _finite_nonzero(np.asanyarray(img.dataobj))
    n_frames = img.shape[3]
    frames = sorted({0, n_frames // 2, n_frames - 1})
    covered = np.zeros(img.shape[:3], dtype=bool)
    for frame in frames:
        covered |= _finite_nonzero(np.asanyarray(img.dataobj[..., frame]))
    return covered


def _finite_nonzero(values):
    values = np.asarray(values, dtype=float)
    return np.isfinite(values) & (values != 0)


def read_label_image(img, labels):
    """Read a label image given to :meth:`Atlas.from_image`.

    Parameters
    ----------
    img : nibabel image, path, SurfaceImage or Bunch
        See :meth:`neurost.atlases.Atlas.from_image`.
    labels : None, DataFrame, list or dict
        The label table given by the user, if any.

    Returns
    -------
    dict
        ``kind`` (``"volume"`` or ``"surface"``), ``labels`` (array or
        ``{part: array}``), ``affine`` or ``mesh``, and ``table`` (the label
        table specification).
    """
    from_bunch = False
    if isinstance(img, Mapping) and "maps" in img:
        if labels is None:
            labels = img.get("lut", img.get("labels"))
            from_bunch = True
        img = img["maps"]
    if isinstance(img, SurfaceImage):
        parts = {}
        for part, data in img.data.parts.items():
            data = np.asarray(data)
            if data.ndim == 2 and data.shape[1] == 1:
                data = data[:, 0]
            if data.ndim != 1:
                raise ValueError(
                    f"img: a surface label image holds one label per vertex; "
                    f"the {part} hemisphere has data of shape {data.shape}."
                )
            parts[part] = data
        if from_bunch:
            labels = drop_absent_rows(
                labels, np.concatenate(list(parts.values())), "img['lut']"
            )
        return {"kind": "surface", "labels": parts, "mesh": img.mesh, "table": labels}
    path = None
    if isinstance(img, (str, os.PathLike)):
        path = img
        img = open_volume(img, "img")
    if not isinstance(img, nib.spatialimages.SpatialImage):
        raise TypeError(
            "img must be a label image (NIfTI image or path, nilearn "
            "SurfaceImage) or a nilearn atlas Bunch with 'maps'; got "
            f"{describe(img)}."
        )
    filename = path or img.get_filename()
    with reading(filename, "img") if filename else contextlib.nullcontext():
        data = np.asanyarray(img.dataobj)
    if data.ndim == 4 and data.shape[3] == 1:
        data = data[..., 0]
    if data.ndim != 3:
        raise ValueError(
            f"img must be a 3-D label volume; got shape {data.shape}. A 4-D "
            "image holds one map per ROI (a probabilistic atlas), which is "
            "not supported."
        )
    if from_bunch:
        labels = drop_absent_rows(labels, np.unique(data), "img['lut']")
    return {"kind": "volume", "labels": data, "affine": img.affine, "table": labels}
