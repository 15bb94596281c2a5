"""Turn what a user passes as a run into a volume image or surface readers."""

import os

import numpy as np
from nilearn.surface import PolyData, SurfaceImage

from .._utils.validation import check_choice, describe
from ._reading import (
    IMAGE_SUFFIXES,
    check_intact,
    open_image,
    reading,
    sequential_proxy,
)
from ._timing import agree_t_r, header_t_r
from .cifti import cortex_readers
from .surface import HEMISPHERES, hemisphere_items, infer_hemisphere


class SurfaceSource:
    """The hemispheres of a surface run or map, read on demand.

    Parameters
    ----------
    readers : dict of str to callable
        Per hemisphere (in left, right order), a function mapping a
        ``slice`` of frames to an array (n_vertices, n_frames_read), or
        ``None`` to the whole data: (n_vertices, n_frames), or
        (n_vertices,) for a single map.
    n_vertices : dict of str to int
        Vertex count per hemisphere.
    n_frames : int or None
        Number of frames; None for a single map (1-D data).
    t_r : float or None
        Repetition time from the headers, in seconds.
    label : str
        What was passed, for messages.
    mesh : nilearn.surface.PolyMesh or None
        The mesh of an in-memory ``SurfaceImage``.
    """

    def __init__(self, readers, n_vertices, n_frames, t_r, label, mesh=None):
        self.readers = readers
        self.n_vertices = n_vertices
        self.n_frames = n_frames
        self.t_r = t_r
        self.label = label
        self.mesh = mesh

    @property
    def shape(self):
        total = sum(self.n_vertices.values())
        return (total,) if self.n_frames is None else (total, self.n_frames)

    def read(self, frames=None):
        """Return a dict of str to array: the given frames of each hemisphere."""
        return {hemi: read(frames) for hemi, read in self.readers.items()}


def open_run(img, name, hemi=None):
    """Open a run without reading its data.

    Parameters
    ----------
    img : path, nibabel image, nilearn SurfaceImage or PolyData, or pair
        See :func:`neurost.io.load_bold`.
    name : str
        The argument name used in error messages.
    hemi : {"left", "right"}, optional
        The hemisphere of a single GIfTI or MGH surface file.

    Returns
    -------
    nibabel.spatialimages.SpatialImage or SurfaceSource
        A volume image (3D or 4D, data still on disk), or surface readers.

    Raises
    ------
    ValueError
        If a NIfTI, MGH or CIFTI-2 file is truncated (see
        :func:`neurost.io._reading.check_intact`).
    """
    import nibabel

    if hemi is not None:
        check_choice(hemi, "hemi", HEMISPHERES)
    if isinstance(img, (SurfaceImage, PolyData)):
        _refuse_hemi(hemi, "an in-memory surface image")
        return _in_memory(img)
    if isinstance(img, (tuple, list, dict)):
        _refuse_hemi(hemi, "a left/right pair")
        return _pair(img, name)
    image, label, path = _image(img, name)
    if isinstance(image, nibabel.Cifti2Image):
        _refuse_hemi(hemi, "a CIFTI-2 file, which holds both hemispheres")
        check_intact(image.dataobj, name)
        readers = cortex_readers(image, name, label)
        # One row of scalars is a single map, (n_vertices,) like a GIfTI map.
        single_map = image.shape[0] == 1 and isinstance(
            image.header.get_axis(0), nibabel.cifti2.ScalarAxis
        )
        return SurfaceSource(
            {
                h: _first_column(readers[h][1]) if single_map else readers[h][1]
                for h in HEMISPHERES
                if h in readers
            },
            {h: readers[h][0] for h in HEMISPHERES if h in readers},
            None if single_map else image.shape[0],
            header_t_r(image),
            label,
        )
    if _is_surface_file(image):
        found = infer_hemisphere(image, path)
        if hemi is None and found is None:
            raise ValueError(
                f"{name}: cannot tell which hemisphere '{label}' holds; pass "
                "hemi='left' or hemi='right', or name the file with hemi-L/"
                "hemi-R (BIDS) or lh./rh. (FreeSurfer)."
            )
        hemi = hemi or found
        _check_hemisphere(found, hemi, name, label)
        return _single_hemisphere({hemi: (image, label)}, name)
    if isinstance(image, (nibabel.Nifti1Image, nibabel.Nifti2Image, nibabel.MGHImage)):
        _refuse_hemi(hemi, "a volume")
        if image.ndim not in (3, 4):
            raise ValueError(
                f"{name}: expected a 3D volume or a 4D run (x, y, z, t); "
                f"'{label}' has shape {image.shape}."
            )
        check_intact(image.dataobj, name)
        return image
    raise TypeError(
        f"{name}: expected a NIfTI, GIfTI, MGH or CIFTI-2 image; got {describe(image)}."
    )


def check_run(source, name, label):
    """Raise unless ``source`` has a time axis: a 4D volume or 2-D surface data.

    Parameters
    ----------
    source : nibabel image or SurfaceSource
    name : str
        The argument name used in error messages.
    label : str
        What was passed, for the message.
    """
    if isinstance(source, SurfaceSource):
        if source.n_frames is None:
            raise ValueError(
                f"{name}: expected a run with a time axis, (n_vertices, "
                f"n_frames); '{label}' is a single surface map of shape "
                f"{source.shape}."
            )
    elif source.ndim != 4:
        raise ValueError(
            f"{name}: expected a 4D run (x, y, z, t); '{label}' is a "
            f"{source.ndim}D image of shape {source.shape}."
        )


def label_of(img):
    """Describe what was passed as a run, for messages."""
    if isinstance(img, (str, os.PathLike)):
        return str(img)
    filename = getattr(img, "get_filename", lambda: None)()
    return filename or f"in-memory {type(img).__name__}"


def _image(img, name):
    """Return (nibabel image, label for messages, file path or None)."""
    import nibabel

    if isinstance(img, (str, os.PathLike)):
        return open_image(img, name), str(img), img
    if isinstance(img, nibabel.filebasedimages.FileBasedImage):
        return img, label_of(img), img.get_filename()
    raise TypeError(
        f"{name} must be a path to a file ending in one of "
        f"{list(IMAGE_SUFFIXES)}, a nibabel image, a nilearn SurfaceImage, or "
        f"a left/right pair of surface files; got {describe(img)}."
    )


def _is_surface_file(image):
    import nibabel

    if isinstance(image, nibabel.GiftiImage):
        return True
    return isinstance(image, nibabel.MGHImage) and tuple(image.shape[1:3]) == (1, 1)


def _pair(img, name):
    files = {}
    for hemi, item_name, item in hemisphere_items(img, name):
        image, label, path = _image(item, item_name)
        if not _is_surface_file(image):
            raise ValueError(
                f"{item_name}: expected a GIfTI or MGH surface file of the "
                f"{hemi} hemisphere; got {describe(image)} from '{label}'."
            )
        _check_hemisphere(infer_hemisphere(image, path), hemi, item_name, label)
        files[hemi] = (image, label)
    return _single_hemisphere(files, name)


def _single_hemisphere(files, name):
    """Build a SurfaceSource from one GIfTI/MGH image per hemisphere."""
    readers, n_vertices, n_frames, t_rs = {}, {}, {}, {}
    for hemi, (image, label) in files.items():
        readers[hemi], n_vertices[hemi], n_frames[hemi] = _file_reader(
            image, name, label
        )
        t_rs[hemi] = header_t_r(image)
    if len(set(n_frames.values())) > 1:
        raise ValueError(
            f"{name}: expected the two hemispheres of one run, with as many "
            f"frames each; got {n_frames} frames (None: a single map)."
        )
    return SurfaceSource(
        readers,
        n_vertices,
        next(iter(n_frames.values())),
        agree_t_r(t_rs, name),
        " and ".join(label for _, label in files.values()),
    )


def _file_reader(image, name, label):
    """Return (reader, n_vertices, n_frames) of a GIfTI or MGH surface file."""
    import nibabel

    if isinstance(image, nibabel.MGHImage):
        n_vertices = int(image.shape[0])
        if image.ndim == 3:
            return _proxy_map(image, name, label), n_vertices, None
        return _proxy_run(image, name, label), n_vertices, int(image.shape[3])
    intents = {
        nibabel.nifti1.intent_codes.niistring[darray.intent] for darray in image.darrays
    }
    if intents & {"NIFTI_INTENT_POINTSET", "NIFTI_INTENT_TRIANGLE"}:
        raise ValueError(
            f"{name}: expected surface data; '{label}' is a surface mesh (pass "
            "it, with the other hemisphere, as mesh=)."
        )
    if not image.darrays:
        raise ValueError(f"{name}: expected surface data; '{label}' holds none.")
    with reading(label, name):
        data = image.agg_data()
    if isinstance(data, tuple) or data.ndim > 2:
        shapes = [darray.data.shape for darray in image.darrays]
        raise ValueError(
            f"{name}: expected GIfTI data arrays of one shape, (n_vertices,) "
            f"per frame or one (n_vertices, n_frames); '{label}' holds {shapes}."
        )
    n_frames = None if data.ndim == 1 else data.shape[1]
    return _array_reader(data), len(data), n_frames


def _array_reader(data):
    return lambda frames: data if frames is None else data[:, frames]


def _proxy_map(image, name, label):
    def read(frames):
        with reading(label, name):
            return np.asarray(image.dataobj[:, 0, 0])

    return read


def _proxy_run(image, name, label):
    dataobj = sequential_proxy(image.dataobj)

    def read(frames):
        with reading(label, name):
            return np.asarray(dataobj[:, 0, 0, frames or slice(None)])

    return read


def _in_memory(img):
    parts = img.data.parts if isinstance(img, SurfaceImage) else img.parts
    hemis = [hemi for hemi in HEMISPHERES if hemi in parts]
    n_frames = parts[hemis[0]].shape[1:]
    return SurfaceSource(
        {hemi: _array_reader(parts[hemi]) for hemi in hemis},
        {hemi: parts[hemi].shape[0] for hemi in hemis},
        n_frames[0] if n_frames else None,
        getattr(img, "t_r", None),
        f"in-memory {type(img).__name__}",
        mesh=img.mesh if isinstance(img, SurfaceImage) else None,
    )


def _check_hemisphere(found, hemi, name, label):
    if found is not None and found != hemi:
        raise ValueError(
            f"{name}: '{label}' is given as the {hemi} hemisphere, but its "
            f"metadata or name says {found}; check the order of the files."
        )


def _refuse_hemi(hemi, what):
    if hemi is not None:
        raise ValueError(
            f"hemi={hemi!r} applies only to a single GIfTI or MGH surface "
            f"file; got {what}."
        )


def _first_column(read):
    """Wrap a reader of (n_vertices, n_frames) blocks to return (n_vertices,)."""
    return lambda frames: read(frames)[:, 0]
