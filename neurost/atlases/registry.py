"""The atlas registry: one JSON manifest per atlas, shipped with neurost.

A manifest (``<name>.json`` in the package's ``manifests`` folder) holds:

``name``
    The identifier given to :func:`load_atlas` (the file's stem).
``description``, ``citation``, ``source``
    One line each: what the atlas is, what to cite, where the data come
    from.
``space``
    The space of the labels or coordinates.
``kind``
    ``"volume-mask"``, ``"volume-labels"``, ``"coordinates"`` or
    ``"surface-labels"``.
``n_rois``
    The number of ROIs (background excluded).
``loader``
    ``{"function": <a name in neurost.atlases.sources.LOADERS>,
    "arguments": {...}}``.
``options`` (optional)
    ``{option: default}``: the keyword arguments :func:`load_atlas` accepts
    for this atlas, passed to the loader.
``groupings`` (optional)
    Names of TSV files beside the manifest with the columns ``grouping``,
    ``group`` and ``roi`` (one row per ROI of a group).
"""

import io
import json
from functools import lru_cache
from importlib import resources

import pandas as pd

from .._utils.validation import check_choice, close_matches
from .coordinates import CoordinateAtlas
from .sources import LOADERS
from .surface import SurfaceAtlas
from .volume import VolumeAtlas

#: Atlas class of each manifest ``kind``.
ATLAS_CLASSES = {
    "volume-mask": VolumeAtlas,
    "volume-labels": VolumeAtlas,
    "coordinates": CoordinateAtlas,
    "surface-labels": SurfaceAtlas,
}
MANIFEST_KEYS = (
    "name", "description", "space", "kind", "n_rois", "source", "citation", "loader",
)


def manifest_folder():
    """Return the folder of the atlas manifests and their data files.

    Returns
    -------
    importlib.resources.abc.Traversable
    """
    return resources.files("neurost.atlases") / "manifests"


@lru_cache(maxsize=1)
def _manifests():
    manifests = {}
    for entry in sorted(manifest_folder().iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            manifest = json.loads(entry.read_text(encoding="utf-8"))
            _check_manifest(manifest, entry.name)
            manifests[manifest["name"]] = manifest
    return manifests


def _check_manifest(manifest, filename):
    missing = [key for key in MANIFEST_KEYS if key not in manifest]
    if missing:
        raise ValueError(f"atlas manifest {filename}: missing keys {missing}.")
    if f"{manifest['name']}.json" != filename:
        raise ValueError(
            f"atlas manifest {filename}: its name {manifest['name']!r} must be "
            "the file's stem."
        )
    check_choice(manifest["kind"], f"{filename}: kind", ATLAS_CLASSES)
    check_choice(manifest["loader"].get("function"), f"{filename}: loader", LOADERS)
    for file in manifest.get("groupings", []):
        if not (manifest_folder() / file).is_file():
            raise ValueError(f"atlas manifest {filename}: no groupings file {file!r}.")


def read_groupings(file):
    """Read a groupings TSV file of the registry.

    Parameters
    ----------
    file : str
        File name in :func:`manifest_folder`, with the columns ``grouping``,
        ``group`` and ``roi``.

    Returns
    -------
    dict
        ``{grouping: {group: [ROI names]}}``, in the file's order.
    """
    text = (manifest_folder() / file).read_text(encoding="utf-8")
    rows = pd.read_csv(io.StringIO(text), sep="\t", dtype=str)
    groupings = {}
    columns = rows[["grouping", "group", "roi"]]
    for grouping, group, roi in columns.itertuples(index=False):
        groupings.setdefault(grouping, {}).setdefault(group, []).append(roi)
    return groupings


def list_atlases():
    """List the atlases that :func:`load_atlas` knows.

    Returns
    -------
    pandas.DataFrame
        Indexed by atlas name, with the columns ``kind``, ``space``,
        ``n_rois`` and ``description``.
    """
    manifests = _manifests().values()
    return pd.DataFrame(
        {
            "kind": [m["kind"] for m in manifests],
            "space": [m["space"] for m in manifests],
            "n_rois": [m["n_rois"] for m in manifests],
            "description": [m["description"] for m in manifests],
        },
        index=pd.Index([m["name"] for m in manifests], name="name"),
    )


def load_atlas(name, **options):
    """Load an atlas of the registry (offline).

    Parameters
    ----------
    name : str
        One of ``list_atlases().index``: ``"mni152_brain_mask"``,
        ``"mni152_gm_mask"``, ``"power264"``, ``"dosenbach160"``,
        ``"seitzman300"``, ``"mmp1"``, ``"yeo7"``, ``"yeo17"``.
    **options
        Atlas-specific options: ``resolution`` (voxel size in mm, default 2)
        for the MNI152 masks; ``radius`` (sphere radius in mm) for the
        coordinate atlases (default 5 for Power and Dosenbach, the
        published 4 or 5 mm per ROI for Seitzman).

    Returns
    -------
    Atlas
        A :class:`VolumeAtlas`, :class:`SurfaceAtlas` or
        :class:`CoordinateAtlas`.

    Raises
    ------
    ValueError
        For an unknown name (listing the known ones and close matches) or
        option.
    """
    manifests = _manifests()
    check_choice(name, "name", manifests)
    manifest = manifests[name]
    defaults = manifest.get("options", {})
    for option in options:
        if option not in defaults:
            matches = close_matches(option, defaults)
            hint = f" Did you mean {matches[0]!r}?" if matches else ""
            raise ValueError(
                f"load_atlas({name!r}) got the unknown option {option!r}; it "
                f"accepts {sorted(defaults) or 'no options'}.{hint}"
            )
    loader = manifest["loader"]
    parts = LOADERS[loader["function"]](
        **loader.get("arguments", {}), **{**defaults, **options}
    )
    groupings = {}
    for file in manifest.get("groupings", []):
        groupings.update(read_groupings(file))
    return ATLAS_CLASSES[manifest["kind"]](
        **parts,
        name=name,
        space=manifest["space"],
        groupings=groupings,
        description=manifest["description"],
        citation=manifest["citation"],
    )
