"""CIFTI-2 dense files: cortex as surface data, subcortex as a volume."""

import numpy as np

from ._reading import check_intact, open_image, reading
from .._utils.validation import check_t_r
from ._timing import header_t_r, resolve_t_r

#: CIFTI brain structures that become surface hemispheres.
CORTEX_STRUCTURES = {
    "CIFTI_STRUCTURE_CORTEX_LEFT": "left",
    "CIFTI_STRUCTURE_CORTEX_RIGHT": "right",
}


def dense_axes(img, name):
    """Return the (row axis, brain-model axis) of a dense CIFTI-2 image.

    Parameters
    ----------
    img : nibabel.Cifti2Image
    name : str
        The argument name used in error messages.

    Returns
    -------
    (SeriesAxis or ScalarAxis, BrainModelAxis)
    """
    from nibabel import cifti2

    axes = tuple(img.header.get_axis(index) for index in range(img.ndim))
    if len(axes) != 2 or not (
        isinstance(axes[0], (cifti2.SeriesAxis, cifti2.ScalarAxis))
        and isinstance(axes[1], cifti2.BrainModelAxis)
    ):
        found = ", ".join(type(axis).__name__ for axis in axes)
        raise ValueError(
            f"{name}: expected a dense CIFTI-2 time series (.dtseries.nii) or "
            f"dense scalars (.dscalar.nii), with axes (SeriesAxis or "
            f"ScalarAxis, BrainModelAxis); got axes ({found})."
        )
    return axes


def cortex_readers(img, name, label):
    """Readers of the cortical hemispheres of a dense CIFTI-2 image.

    Cortex brain models hold only some vertices of their mesh (the medial
    wall is left out); each reader returns the full mesh, with 0 at the
    vertices the file leaves out. Subcortical voxels are not included.

    Parameters
    ----------
    img : nibabel.Cifti2Image
    name : str
        The argument name used in error messages.
    label : str
        The file, for error messages about damaged data.

    Returns
    -------
    dict of str to (int, callable)
        For ``"left"`` and/or ``"right"``: the number of mesh vertices and a
        function mapping a ``slice`` of frames to an array of shape
        (n_vertices, n_frames_read).
    """
    _, brain_models = dense_axes(img, name)
    readers = {}
    for structure, columns, models in brain_models.iter_structures():
        if structure not in CORTEX_STRUCTURES or not models.surface_mask.all():
            continue
        n_vertices = int(models.nvertices[structure])
        readers[CORTEX_STRUCTURES[structure]] = (
            n_vertices,
            _expander(img, columns, models.vertex, n_vertices, label, name),
        )
    if not readers:
        raise ValueError(
            f"{name}: expected cortical surface data "
            f"({' or '.join(CORTEX_STRUCTURES)}); '{label}' holds only "
            f"{_structures(brain_models)}."
        )
    return readers


def _expander(img, columns, vertices, n_vertices, label, name):
    def read(frames):
        with reading(label, name):
            block = np.asarray(img.dataobj[frames or slice(None), columns])
        full = np.zeros((n_vertices, block.shape[0]), dtype=block.dtype)
        full[vertices] = block.T
        return full

    return read


def load_cifti_subcortical(img, t_r=None):
    """Load the voxels (subcortex, cerebellum) of a dense CIFTI-2 file.

    :func:`neurost.io.load_bold` returns the cortex of a CIFTI-2 file as
    surface data; this returns the rest, the brain models stored as voxels.

    Parameters
    ----------
    img : str, os.PathLike or nibabel.Cifti2Image
        A ``.dtseries.nii`` or ``.dscalar.nii`` file.
    t_r : float, optional
        Repetition time in seconds; overrides the series step of the file
        (with a warning if they differ by more than 1%).

    Returns
    -------
    nibabel.Nifti1Image
        Shape (x, y, z, n_frames) on the file's voxel grid and affine; 0 at
        voxels outside the brain models. Float data, in memory. For a time
        series the header records the repetition time in seconds.

    Raises
    ------
    ValueError
        If the file holds no voxels, is not a dense CIFTI-2 file, or is
        truncated.
    """
    import nibabel

    t_r = check_t_r(t_r)
    if isinstance(img, nibabel.Cifti2Image):
        label = img.get_filename() or "in-memory image"
    else:
        label = str(img)
        img = open_image(img, "img")
        if not isinstance(img, nibabel.Cifti2Image):
            raise ValueError(
                f"img: expected a CIFTI-2 file (.dtseries.nii or .dscalar.nii); "
                f"'{label}' is a {type(img).__name__}."
            )
    check_intact(img.dataobj, "img")
    rows, brain_models = dense_axes(img, "img")
    if not brain_models.volume_mask.any():
        raise ValueError(
            f"img: expected voxels (subcortical brain models); '{label}' holds "
            f"only surface data ({_structures(brain_models)})."
        )
    dtype = np.result_type(img.dataobj.dtype, np.float32)
    volume = np.zeros(tuple(brain_models.volume_shape) + (len(rows),), dtype)
    with reading(label, "img"):
        for _, columns, models in brain_models.iter_structures():
            if models.volume_mask.all():
                i, j, k = models.voxel.T
                volume[i, j, k] = np.asarray(img.dataobj[:, columns]).T
    t_r = resolve_t_r(t_r, header_t_r(img), "img", label)
    image = nibabel.Nifti1Image(volume, brain_models.affine)
    # A new header says 1.0 for the fourth zoom; 0 marks the time step unknown.
    zooms = image.header.get_zooms()[:3]
    image.header.set_zooms(zooms + (0.0 if t_r is None else t_r,))
    image.header.set_xyzt_units(xyz="mm", t="sec")
    return image


def _structures(brain_models):
    return [str(name) for name in dict.fromkeys(brain_models.name)]
