"""Surface runs: nilearn surface data that carry their repetition time."""

import re
from pathlib import Path

from nilearn.surface import PolyData, PolyMesh, SurfaceImage

from .._utils.validation import check_choice, check_t_r, describe
from .meshes import HEMISPHERES, N_VERTICES, load_surface_mesh

#: Mesh attached to data recognised as a standard space by its vertex count:
#: nilearn's default for fsaverage5, the HCP convention for fsLR32k.
DEFAULT_MESH_KIND = {"fsaverage5": "pial", "fsLR32k": "midthickness"}


class SurfaceRun(SurfaceImage):
    """A nilearn ``SurfaceImage`` that also records the repetition time.

    It is a ``SurfaceImage`` in every respect (nilearn maskers, plotting and
    image functions accept it); ``t_r`` is an extra attribute. Functions that
    build new images from it return plain ``SurfaceImage`` objects.

    Parameters
    ----------
    mesh : nilearn.surface.PolyMesh or dict
        Mesh of each hemisphere present in ``data``.
    data : nilearn.surface.PolyData or dict
        Per hemisphere, an array of shape (n_vertices, n_frames) for a run,
        or (n_vertices,) for a single map.
    t_r : float or None, default=None
        Repetition time in seconds; None when unknown.
    dtype : numpy dtype, optional
        Cast the data to this type.

    Attributes
    ----------
    t_r : float or None
        Repetition time in seconds.
    shape : tuple of int
        (n_vertices, n_frames), vertices summed over hemispheres.
    """

    def __init__(self, mesh, data, t_r=None, dtype=None):
        super().__init__(mesh=mesh, data=data, dtype=dtype)
        self.t_r = check_t_r(t_r)

    def __repr__(self):
        return f"<{type(self).__name__} {self.shape}, t_r={_format_t_r(self.t_r)}>"


class SurfaceData(PolyData):
    """Surface data of a run whose mesh is not known, with its repetition time.

    Returned by :func:`neurost.io.load_bold` when the vertex count matches
    no standard space and no ``mesh`` is given. It is a nilearn ``PolyData``
    (``parts`` maps ``"left"``/``"right"`` to arrays); attach a mesh with
    :meth:`with_mesh` to get a :class:`SurfaceRun`.

    Parameters
    ----------
    left, right : numpy.ndarray, optional
        Shape (n_vertices, n_frames), or (n_vertices,) for a single map.
    t_r : float or None, default=None
        Repetition time in seconds; None when unknown.
    dtype : numpy dtype, optional
        Cast the data to this type.

    Attributes
    ----------
    t_r : float or None
        Repetition time in seconds.
    parts : dict of str to numpy.ndarray
        The data of each hemisphere present.
    """

    def __init__(self, left=None, right=None, t_r=None, dtype=None):
        super().__init__(left=left, right=right, dtype=dtype)
        self.t_r = check_t_r(t_r)

    def __repr__(self):
        return f"<{type(self).__name__} {self.shape}, t_r={_format_t_r(self.t_r)}>"

    def with_mesh(self, mesh):
        """Return a :class:`SurfaceRun` of this data on ``mesh``.

        Parameters
        ----------
        mesh : nilearn.surface.PolyMesh or {"fsaverage5", "fsLR32k"}
            A mesh with the same number of vertices per hemisphere as the
            data, or the name of a standard space.

        Returns
        -------
        SurfaceRun
            Sharing this object's arrays (no copy).
        """
        if mesh is None:
            raise TypeError(
                f"mesh must be a nilearn PolyMesh or one of {list(N_VERTICES)}; "
                "got None."
            )
        n_vertices = {hemi: part.shape[0] for hemi, part in self.parts.items()}
        return SurfaceRun(
            mesh=resolve_mesh(mesh, n_vertices),
            data=PolyData(**self.parts),
            t_r=self.t_r,
        )


def resolve_mesh(mesh, n_vertices, name="mesh"):
    """Find the mesh for surface data with ``n_vertices`` per hemisphere.

    Parameters
    ----------
    mesh : None, str or nilearn.surface.PolyMesh
        None recognises a standard space by vertex count (10,242 per
        hemisphere: fsaverage5; 32,492: fsLR32k) and loads its
        :data:`DEFAULT_MESH_KIND`; a space name loads that space; a
        ``PolyMesh`` is checked against the data.
    n_vertices : dict of str to int
        Vertex count of each hemisphere present in the data.
    name : str, default="mesh"
        The argument name used in error messages.

    Returns
    -------
    nilearn.surface.PolyMesh or None
        Restricted to the hemispheres in ``n_vertices``; None when ``mesh``
        is None and no standard space matches.
    """
    if mesh is None:
        spaces = [
            space
            for space, count in N_VERTICES.items()
            if all(n == count for n in n_vertices.values())
        ]
        if not spaces:
            return None
        mesh = spaces[0]
    if isinstance(mesh, str):
        check_choice(mesh, name, N_VERTICES)
        mesh = load_surface_mesh(mesh, DEFAULT_MESH_KIND[mesh])
    if not isinstance(mesh, PolyMesh):
        raise TypeError(
            f"{name} must be a nilearn PolyMesh or one of {list(N_VERTICES)}; "
            f"got {describe(mesh)}."
        )
    for hemi, count in n_vertices.items():
        if hemi not in mesh.parts:
            raise ValueError(
                f"{name} has no {hemi} hemisphere; expected one, because the "
                f"data has {count} vertices there."
            )
        if mesh.parts[hemi].n_vertices != count:
            raise ValueError(
                f"{name}: the {hemi} hemisphere has "
                f"{mesh.parts[hemi].n_vertices} vertices; expected {count}, "
                "as in the data."
            )
    return PolyMesh(**{hemi: mesh.parts[hemi] for hemi in n_vertices})


def hemisphere_items(img, name):
    """List the (hemisphere, label, item) of a left/right pair.

    Parameters
    ----------
    img : tuple, list or dict
        ``(left, right)``, or a dict with keys among ``"left"``/``"right"``.
    name : str
        The argument name; labels are ``name[0]``, ``name['left']``...

    Returns
    -------
    list of (str, str, object)
    """
    if isinstance(img, dict):
        if not img or set(img) - set(HEMISPHERES):
            raise ValueError(
                f"{name}: a dict must map 'left' and/or 'right' to surface "
                f"files; got keys {list(img)}."
            )
        return [
            (hemi, f"{name}[{hemi!r}]", img[hemi])
            for hemi in HEMISPHERES
            if hemi in img
        ]
    if len(img) != 2:
        raise ValueError(
            f"{name}: a sequence must hold exactly two surface files (left, "
            f"right); got {len(img)} items."
        )
    return [
        (hemi, f"{name}[{index}]", item)
        for index, (hemi, item) in enumerate(zip(HEMISPHERES, img, strict=True))
    ]


def infer_hemisphere(img, path):
    """Guess which hemisphere a single surface file holds.

    Looks at GIfTI ``AnatomicalStructurePrimary`` metadata, then the file
    name: BIDS ``hemi-L``/``hemi-R``, FreeSurfer ``lh.``/``rh.``, HCP
    ``.L.``/``.R.``, or a ``left``/``right``/``lh``/``rh`` word.

    Parameters
    ----------
    img : nibabel image
    path : pathlib.Path or None
        The file, when known.

    Returns
    -------
    {"left", "right"} or None
        None when nothing tells, or the clues contradict each other.
    """
    meta = getattr(img, "meta", None) or {}
    structure = str(meta.get("AnatomicalStructurePrimary", "")).lower()
    if structure in ("cortexleft", "cortex_left"):
        return "left"
    if structure in ("cortexright", "cortex_right"):
        return "right"
    if path is None:
        return None
    name = Path(path).name.lower()
    found = set()
    for hemi, letter, short in (("left", "l", "lh"), ("right", "r", "rh")):
        if (
            re.search(rf"(^|[_.-])hemi-{letter}([_.-]|$)", name)
            or name.startswith(f"{short}.")
            or f".{letter}." in name
            or re.search(rf"(^|[_.-])({short}|{hemi})([_.-]|$)", name)
        ):
            found.add(hemi)
    return found.pop() if len(found) == 1 else None


def _format_t_r(t_r):
    return "unknown" if t_r is None else f"{t_r:g} s"
