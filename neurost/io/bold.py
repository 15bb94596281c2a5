"""Loading fMRI runs (volumes and surfaces) and their repetition time."""

import os

from nilearn.surface import PolyData, SurfaceImage

from .._utils.validation import check_t_r, describe
from ._reading import open_image
from ._sources import SurfaceSource, check_run, label_of, open_run
from ._timing import agree_t_r, header_t_r, resolve_t_r, with_t_r
from .surface import SurfaceData, SurfaceRun, hemisphere_items, resolve_mesh


def load_bold(img, t_r=None, *, mesh=None, hemi=None, require_4d=False):
    """Load an fMRI run, volume or surface, with its repetition time.

    Parameters
    ----------
    img : path, image, or left/right pair
        One of

        - a NIfTI file (``.nii``, ``.nii.gz``) or ``nibabel`` NIfTI image,
          3D (x, y, z) or 4D (x, y, z, t), or an MGH volume (``.mgh``,
          ``.mgz``);
        - a surface file of one hemisphere: GIfTI (``.gii``; one data array
          per frame, or one (n_vertices, t) array) or FreeSurfer MGH/MGZ of
          shape (n_vertices, 1, 1, t), or the ``nibabel`` image of one;
        - two such files, as ``(left, right)`` or ``{"left": ..., "right":
          ...}`` (a dict may hold one hemisphere);
        - a CIFTI-2 dense file (``.dtseries.nii``, ``.dscalar.nii``) or
          ``nibabel.Cifti2Image``: its cortex is returned on the full mesh
          of each hemisphere, with 0 at the vertices the file leaves out
          (the medial wall); its subcortical voxels are not part of the
          result (see :func:`neurost.io.load_cifti_subcortical`);
        - a nilearn ``SurfaceImage`` (a ``t_r`` is attached to it).
    t_r : float, optional
        Repetition time in seconds. Overrides the header's value, with a
        warning when they differ by more than 1%. Without it, a NIfTI time
        step whose unit the header leaves unknown is read as seconds, with
        a warning.
    mesh : nilearn.surface.PolyMesh or {"fsaverage5", "fsLR32k"}, optional
        Mesh of surface data. By default a standard space is recognised by
        its vertex count per hemisphere (10,242: fsaverage5, with its pial
        mesh; 32,492: fsLR32k, with its midthickness mesh), and an
        in-memory ``SurfaceImage`` keeps its own mesh.
    hemi : {"left", "right"}, optional
        Hemisphere of a single GIfTI or MGH surface file. By default it is
        read from GIfTI ``AnatomicalStructurePrimary`` metadata or from the
        file name (``hemi-L``, ``lh.``, ``.L.``...).
    require_4d : bool, default=False
        Refuse data without a time axis: a 3D volume, or a single surface
        map of shape (n_vertices,).

    Returns
    -------
    nibabel.Nifti1Image, nibabel.Nifti2Image or nibabel.MGHImage
        For a volume: a new image whose data are not read (the array proxy
        of the file is kept; an in-memory image's array is shared, not
        copied) and whose header copy records the repetition time in
        seconds (NIfTI ``pixdim[4]`` with unit ``"sec"``; MGH ``tr`` in ms).
    SurfaceRun
        For surface data on a known mesh: a nilearn ``SurfaceImage`` of
        shape (n_vertices, t), or (n_vertices,) for a map, with ``t_r``.
    SurfaceData
        For surface data whose mesh is unknown: a nilearn ``PolyData`` with
        ``t_r``; attach a mesh with ``SurfaceData.with_mesh``.

    In every case :func:`get_t_r` reads the repetition time back (None
    when neither the header nor ``t_r`` gives it).

    Raises
    ------
    FileNotFoundError
        If a file does not exist.
    ValueError
        For an unsupported file type, a truncated or corrupt file, a 3D
        image when ``require_4d`` is set, or a mesh that does not fit.

    Notes
    -----
    Surface data are read into memory (GIfTI cannot be read in parts); use
    :func:`neurost.io.iter_frames` to go through a long MGH or CIFTI-2 run
    a block of frames at a time. A truncated NIfTI file is detected here
    from its size (for ``.nii.gz``, from the gzip trailer); damage inside
    a compressed stream is reported when the damaged frames are read.

    Examples
    --------
    >>> run = load_bold("sub-01_task-movie_bold.nii.gz")  # doctest: +SKIP
    >>> get_t_r(run)  # doctest: +SKIP
    2.0
    """
    t_r = check_t_r(t_r)
    source = open_run(img, "img", hemi)
    label = source.label if isinstance(source, SurfaceSource) else label_of(img)
    if require_4d:
        check_run(source, "img", label)
    if isinstance(source, SurfaceSource):
        t_r = resolve_t_r(t_r, source.t_r, "img", label)
        if mesh is None and source.mesh is not None:
            mesh = source.mesh
        mesh = resolve_mesh(mesh, source.n_vertices)
        data = source.read()
        if mesh is None:
            return SurfaceData(**data, t_r=t_r)
        return SurfaceRun(mesh=mesh, data=PolyData(**data), t_r=t_r)
    if mesh is not None:
        raise ValueError(
            f"mesh applies to surface data; img ('{label}') is a volume of "
            f"shape {source.shape}."
        )
    from_header = header_t_r(source, quiet=t_r is not None)
    return with_t_r(source, resolve_t_r(t_r, from_header, "img", label))


def get_t_r(img):
    """Return the repetition time of a run, in seconds.

    Parameters
    ----------
    img : image, path, or left/right pair
        Anything :func:`load_bold` returns or accepts: a
        :class:`SurfaceRun` or :class:`SurfaceData` (their ``t_r``), a
        nibabel NIfTI, MGH, GIfTI or CIFTI-2 image (read from its header),
        a path to one (only the header is read), or a left/right pair of
        surface files.

    Returns
    -------
    float or None
        Seconds; None when no repetition time is known (a 3D volume, a
        map, a header without a time step, a plain nilearn
        ``SurfaceImage``).

    Raises
    ------
    TypeError
        If ``img`` is none of the above.
    ValueError
        If the files of a pair record different repetition times.
    """
    import nibabel

    if isinstance(img, (SurfaceRun, SurfaceData)):
        return img.t_r
    if isinstance(img, (SurfaceImage, PolyData)):
        return None
    if isinstance(img, (tuple, list, dict)):
        return agree_t_r(
            {label: get_t_r(item) for _, label, item in hemisphere_items(img, "img")},
            "img",
        )
    if isinstance(img, (str, os.PathLike)):
        return header_t_r(open_image(img, "img"))
    if isinstance(img, nibabel.filebasedimages.FileBasedImage):
        return header_t_r(img)
    raise TypeError(
        "img must be a neuroimaging image, a path to one, or a left/right "
        f"pair of surface files; got {describe(img)}."
    )
