"""Turn what a user passes to the cortex figures into per-vertex arrays and meshes.

Values come per vertex (a ``{"left", "right"}`` dict, one concatenated
array, or a nilearn SurfaceImage) or per ROI of a surface atlas (an array,
Series or dict); meshes come from an atlas, a standard space name, a
subject of a local FreeSurfer subjects folder (``"fsaverage"`` at full
resolution, or any other) or a nilearn PolyMesh.
"""

import functools
from collections.abc import Mapping

import numpy as np
import pandas as pd

from .._utils.validation import check_choice, close_matches, describe
from ..atlases import Atlas
from ..io._freesurfer import FSAVERAGE_VERTICES, read_mesh, read_sulc
from ..io.meshes import (
    HEMISPHERES,
    N_VERTICES,
    load_surface_mesh,
    mesh_kinds,
    subject_origin,
)

DEFAULT_SURFACE = "inflated"
#: Grey levels (0 = white, 1 = black) of gyral crowns and sulcal fundi.
_BACKGROUND_RANGE = (0.15, 0.55)


def resolve_target(atlas_or_mesh, values, subjects_dir=None, surface=None):
    """Find the atlas, standard space and own mesh behind the arguments.

    Parameters
    ----------
    atlas_or_mesh : None, SurfaceAtlas, str or nilearn.surface.PolyMesh
        What ``plot_on_cortex`` received. A string other than a standard
        space names a FreeSurfer subject (``"fsaverage"``...) of
        ``subjects_dir``.
    values : object
        The values, which give the mesh when ``atlas_or_mesh`` is None
        (163,842 vertices per hemisphere: the full fsaverage, read from
        ``subjects_dir``).
    subjects_dir : str or os.PathLike, optional
        The FreeSurfer subjects folder; default ``$SUBJECTS_DIR``.
    surface : str, optional
        The surface of a FreeSurfer subject to read (default
        ``"inflated"``).

    Returns
    -------
    dict
        ``atlas`` (SurfaceAtlas or None), ``space`` (a standard space or
        None), ``mesh`` (the PolyMesh to use when ``space`` is None),
        ``subject`` (the FreeSurfer subject or None), ``background``
        (a FreeSurfer subject's grey levels from its sulcal depth, or None)
        and ``sizes`` (``{hemisphere: n_vertices}``).
    """
    from nilearn.surface import PolyMesh, SurfaceImage

    target = {"atlas": None, "space": None, "mesh": None, "subject": None,
              "background": None}
    if subjects_dir is not None and not (
        isinstance(atlas_or_mesh, str) and atlas_or_mesh not in N_VERTICES
        or atlas_or_mesh is None and not isinstance(values, SurfaceImage)
    ):
        raise ValueError(
            "subjects_dir applies only to a FreeSurfer subject (atlas_or_mesh="
            "'fsaverage' or another subject's name); leave it out for "
            f"{describe(atlas_or_mesh)}."
        )
    if isinstance(atlas_or_mesh, Atlas):
        if atlas_or_mesh.geometry != "surface":
            raise ValueError(
                f"atlas_or_mesh: atlas {atlas_or_mesh.name!r} is a "
                f"{atlas_or_mesh.geometry} atlas; the cortex figures need a "
                "surface atlas (e.g. load_atlas('mmp1'))."
            )
        target["atlas"] = atlas_or_mesh
        sizes = atlas_or_mesh.n_vertices
        if atlas_or_mesh.space in N_VERTICES:
            target["space"] = atlas_or_mesh.space
        else:
            target["mesh"] = atlas_or_mesh.mesh()
    elif isinstance(atlas_or_mesh, str) and atlas_or_mesh in N_VERTICES:
        target["space"] = atlas_or_mesh
        sizes = {part: N_VERTICES[atlas_or_mesh] for part in HEMISPHERES}
    elif isinstance(atlas_or_mesh, str):
        origin = subject_origin("atlas_or_mesh", atlas_or_mesh)
        sizes = _freesurfer_target(target, atlas_or_mesh, subjects_dir, surface, origin)
    elif isinstance(atlas_or_mesh, PolyMesh):
        target["mesh"] = atlas_or_mesh
        sizes = {part: m.n_vertices for part, m in atlas_or_mesh.parts.items()}
    elif atlas_or_mesh is None:
        if isinstance(values, SurfaceImage):
            sizes = {part: m.n_vertices for part, m in values.mesh.parts.items()}
            target["space"] = _standard_space(sizes)
            if target["space"] is None:
                target["mesh"] = values.mesh
        else:
            sizes = _sizes_from_values(values)
            target["space"] = _standard_space(sizes)
            if target["space"] is None and set(sizes.values()) == {FSAVERAGE_VERTICES}:
                origin = (
                    f"values have {FSAVERAGE_VERTICES} vertices per hemisphere, "
                    "so they are drawn on the full fsaverage"
                )
                sizes = _freesurfer_target(
                    target, "fsaverage", subjects_dir, surface, origin
                )
    else:
        raise TypeError(
            "atlas_or_mesh must be None, a surface atlas, a space name "
            f"({list(N_VERTICES)}), a FreeSurfer subject's name (e.g. "
            f"'fsaverage') or a nilearn PolyMesh; got {describe(atlas_or_mesh)}."
        )
    target["sizes"] = sizes
    return target


def _freesurfer_target(target, subject, subjects_dir, surface, origin):
    """Read a FreeSurfer subject's mesh and sulcal depth into ``target``.

    ``origin`` says why the subject is read, for a missing folder's message:
    the reader is the one behind :func:`neurost.io.meshes.load_surface_mesh`,
    whose own messages would name its ``space`` argument.
    """
    kind = DEFAULT_SURFACE if surface is None else surface
    check_choice(kind, "surface", mesh_kinds(subject))
    mesh = read_mesh(subject, kind, subjects_dir, origin)
    sizes = {part: m.n_vertices for part, m in mesh.parts.items()}
    depth = read_sulc(subject, subjects_dir, origin)
    if depth is not None and all(len(depth[p]) == n for p, n in sizes.items()):
        target["background"] = _depth_to_grey(depth)
    target.update(subject=subject, mesh=mesh)
    return sizes


def _standard_space(sizes):
    for space, n in N_VERTICES.items():
        if set(sizes) <= set(HEMISPHERES) and set(sizes.values()) == {n}:
            return space
    return None


def _sizes_from_values(values):
    """Vertices per hemisphere implied by per-vertex values without a mesh."""
    if _is_hemisphere_dict(values):
        return {part: len(np.ravel(values[part])) for part in values}
    if isinstance(values, Mapping):
        raise _needs_atlas()
    n_values = len(np.ravel(_numeric(values, "values")))
    counts = {**N_VERTICES, "fsaverage": FSAVERAGE_VERTICES}
    for space, n in counts.items():
        if n_values == 2 * n:
            return {part: n for part in HEMISPHERES}
    raise ValueError(
        f"values has {n_values} entries, which is not one value per vertex "
        "of a standard space (2 x "
        + " or 2 x ".join(f"{n} for {s}" for s, n in counts.items())
        + "). Pass atlas_or_mesh= a surface atlas (for per-ROI values), a "
        "FreeSurfer subject's name or a PolyMesh (for another mesh)."
    )


def _needs_atlas():
    return ValueError(
        "values are keyed by ROI; pass atlas_or_mesh= the surface atlas that "
        "defines the ROIs."
    )


def _is_hemisphere_dict(values):
    return isinstance(values, Mapping) and 0 < len(values) and set(values) <= set(
        HEMISPHERES
    )


def _numeric(values, name):
    """``values`` as a float64 array; NaN allowed (not drawn), Inf refused."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must hold numbers; got {describe(values)}.") from None
    if np.isinf(array).any():
        first = tuple(int(i) for i in np.argwhere(np.isinf(array))[0])
        raise ValueError(
            f"{name} contains {int(np.isinf(array).sum())} infinite value(s) "
            f"(first at index {first}); expected finite values or NaN (not "
            "drawn)."
        )
    return array


def vertex_arrays(values, target, rois=None):
    """Per-vertex float64 values of each hemisphere (NaN: nothing to draw).

    Parameters
    ----------
    values : object
        Per-vertex or per-ROI values (see ``plot_on_cortex``).
    target : dict
        From :func:`resolve_target`.
    rois : optional
        An ROI selection of the atlas (see
        :meth:`neurost.atlases.Atlas.resolve_rois`).

    Returns
    -------
    dict of str to numpy.ndarray of shape (n_vertices,)
    """
    atlas, sizes = target["atlas"], target["sizes"]
    if rois is not None and atlas is None:
        raise ValueError(
            "rois= selects ROIs of an atlas; pass atlas_or_mesh= the atlas."
        )
    if is_per_roi(values, target):
        return roi_to_vertices(values, atlas, rois)
    per_vertex = _split_vertices(values, sizes)
    if rois is not None:
        inside = atlas_codes(atlas, rois)[0]
        for part, codes in inside.items():
            per_vertex[part][codes < 0] = np.nan
    return per_vertex


def is_per_roi(values, target):
    """Whether ``values`` hold one value per ROI of the target's atlas."""
    from nilearn.surface import SurfaceImage

    atlas, sizes = target["atlas"], target["sizes"]
    if isinstance(values, SurfaceImage) or _is_hemisphere_dict(values):
        return False
    per_vertex = np.size(values) == sum(sizes.values())
    keyed = isinstance(values, (Mapping, pd.Series))
    if keyed and not (isinstance(values, pd.Series) and per_vertex):
        if atlas is None:
            raise _needs_atlas()
        return True
    # An array with another length is per ROI when there is an atlas; the
    # error for a wrong length names both expected lengths.
    return atlas is not None and not per_vertex


def _split_vertices(values, sizes):
    from nilearn.surface import SurfaceImage

    if isinstance(values, SurfaceImage):
        parts = {part: values.data.parts[part] for part in values.data.parts}
    elif _is_hemisphere_dict(values):
        parts = dict(values)
    else:
        flat = _numeric(values, "values")
        if flat.ndim != 1 or flat.size != sum(sizes.values()):
            raise ValueError(
                f"values must hold one value per vertex, {sum(sizes.values())} "
                f"in all ({sizes}, left hemisphere first); got shape "
                f"{flat.shape}."
            )
        bounds = np.cumsum([0, *sizes.values()])
        parts = {p: flat[a:b] for p, a, b in zip(sizes, bounds[:-1], bounds[1:])}
    arrays = {}
    for part, data in parts.items():
        name = f"values[{part!r}]"
        if part not in sizes:
            raise ValueError(
                f"values has a {part} hemisphere but the mesh has only {list(sizes)}."
            )
        array = _numeric(data, name)
        if array.ndim == 2 and array.shape[1] == 1:
            array = array[:, 0]
        if array.ndim != 1:
            raise ValueError(
                f"{name} must hold one map, shape ({sizes[part]},); got shape "
                f"{array.shape}. Select one sample (column) to draw."
            )
        if array.shape[0] != sizes[part]:
            raise ValueError(
                f"{name} has {array.shape[0]} vertices but the {part} "
                f"hemisphere of the mesh has {sizes[part]}; are values and "
                "mesh in the same space?"
            )
        arrays[part] = array.copy()
    return arrays


def atlas_codes(atlas, rois=None):
    """Output-ROI position of every vertex of a surface atlas.

    Parameters
    ----------
    atlas : SurfaceAtlas
    rois : optional
        The ROI selection (see :meth:`neurost.atlases.Atlas.resolve_rois`).

    Returns
    -------
    codes : dict of str to numpy.ndarray of int64, shape (n_vertices,)
        Position in ``selection`` of each vertex's output ROI, -1 outside.
    selection : dict of str to numpy.ndarray
        ``atlas.resolve_rois(rois)``.
    """
    selection = atlas.resolve_rois(rois)
    top = max(int(labels.max(initial=0)) for labels in atlas.labels.values())
    lookup = np.full(top + 1, -1, dtype=np.int64)
    for position, members in enumerate(selection.values()):
        lookup[members] = position
    codes = {
        part: lookup[np.clip(labels, 0, None)] for part, labels in atlas.labels.items()
    }
    return codes, selection


def roi_to_vertices(values, atlas, rois=None):
    """Spread per-ROI values over the vertices of each ROI.

    Parameters
    ----------
    values : array-like, pandas.Series or dict
        One value per output ROI of ``atlas.resolve_rois(rois)``: an array
        in that order, or a Series/dict keyed by output-ROI name (or, with
        ``rois=None``, by label index, the table's ``index``). ROIs left
        out of a Series/dict are not drawn.
    atlas : SurfaceAtlas
    rois : optional
        The ROI selection.

    Returns
    -------
    dict of str to numpy.ndarray of float64, shape (n_vertices,)
        NaN outside the ROIs.
    """
    codes, selection = atlas_codes(atlas, rois)
    names = list(selection)
    per_roi = np.full(len(names) + 1, np.nan)  # the last entry serves code -1
    if isinstance(values, (Mapping, pd.Series)):
        if isinstance(values, pd.Series):
            keys, numbers = list(values.index), values.to_numpy()
        else:
            keys = list(values)
            numbers = [values[key] for key in keys]
        numbers = _numeric(numbers, "values")
        if numbers.ndim != 1:
            raise ValueError(
                f"values must map each ROI to one number; got values of shape "
                f"{numbers.shape[1:]}."
            )
        positions = [_roi_position(key, names, atlas, rois) for key in keys]
        seen = {}
        for key, position in zip(keys, positions):
            if position in seen:
                raise ValueError(
                    f"values gives ROI {names[position]!r} twice (keys "
                    f"{seen[position]!r} and {key!r})."
                )
            seen[position] = key
        per_roi[positions] = numbers
    else:
        numbers = _numeric(values, "values")
        if numbers.ndim != 1 or numbers.size != len(names):
            raise ValueError(
                f"values must hold one value per ROI ({len(names)} for atlas "
                f"{atlas.name!r} with rois={rois!r}) or per vertex "
                f"({sum(atlas.n_vertices.values())}); got shape {numbers.shape}."
            )
        per_roi[: len(names)] = numbers
    return {part: per_roi[c] for part, c in codes.items()}


def _roi_position(key, names, atlas, rois):
    if isinstance(key, str):
        if key in names:
            return names.index(key)
        matches = close_matches(key, names)
        hint = f" Did you mean {' or '.join(map(repr, matches))}?" if matches else ""
        raise ValueError(
            f"values: {key!r} is not an ROI of atlas {atlas.name!r} "
            f"({describe_rois(names)}).{hint}"
        )
    is_integer = isinstance(key, (int, np.integer)) and not isinstance(key, bool)
    if rois is None and is_integer:
        table = atlas.table
        rows = np.flatnonzero(table["index"].to_numpy() == key)
        if rows.size:
            return names.index(table["name"].iloc[rows[0]])
        raise ValueError(
            f"values: atlas {atlas.name!r} has no ROI with index {key}; its "
            f"indices run from {table['index'].min()} to {table['index'].max()}."
        )
    raise ValueError(
        f"values: key {key!r} is not an ROI name"
        + ("" if rois is not None else " or index")
        + f" of atlas {atlas.name!r}."
    )


def describe_rois(names):
    """A short listing of ROI names for error messages."""
    if len(names) <= 8:
        return f"ROIs: {names}"
    return f"{len(names)} ROIs: {', '.join(map(repr, names[:4]))}, ..."


def load_mesh(target, surface):
    """The PolyMesh to draw: a standard surface, or the given mesh."""
    if target["subject"] is not None:
        return target["mesh"]  # read for ``surface`` by resolve_target
    if target["space"] is None:
        if surface not in (None, "flat"):
            raise ValueError(
                f"surface={surface!r} picks a standard mesh, but the data are "
                "on their own mesh; pass surface=None (that mesh, in 3-D) or "
                "'flat' (that mesh drawn flat, from its x and y)."
            )
        return target["mesh"]
    kind = DEFAULT_SURFACE if surface is None else surface
    check_choice(kind, "surface", mesh_kinds(target["space"]))
    if target["atlas"] is not None:
        return target["atlas"].mesh(kind)
    return load_surface_mesh(target["space"], kind)


@functools.lru_cache(maxsize=None)
def sulcal_background(space):
    """Grey level of each vertex of a standard space, from its sulcal depth.

    Returns
    -------
    dict of str to numpy.ndarray of shape (n_vertices,)
        Values in ``[0.15, 0.55]`` (gyri light, sulci darker), read-only.
    """
    from ..datasets import load_fsaverage5, load_fslr32k

    loader = {"fsaverage5": load_fsaverage5, "fsLR32k": load_fslr32k}[space]
    parts = loader().sulcal_depth.data.parts
    return _depth_to_grey(
        {part: np.asarray(values, dtype=float) for part, values in parts.items()}
    )


def _depth_to_grey(depth):
    """Sulcal depth per hemisphere -> read-only grey levels in [0.15, 0.55]."""
    low, high = np.percentile(np.concatenate(list(depth.values())), [2, 98])
    high = high if high > low else low + 1.0  # a flat map: all light
    light, dark = _BACKGROUND_RANGE
    background = {}
    for part, values in depth.items():
        scaled = light + (dark - light) * np.clip((values - low) / (high - low), 0, 1)
        scaled.setflags(write=False)
        background[part] = scaled
    return background
