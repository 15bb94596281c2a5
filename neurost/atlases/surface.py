"""Surface atlases: one integer label per vertex of a two-hemisphere mesh."""


import os

import numpy as np
import pandas as pd
from nibabel.filebasedimages import FileBasedImage
from nibabel.spatialimages import SpatialImage
from nilearn.surface import PolyData, PolyMesh, SurfaceImage

from .._utils.validation import describe
from ..io.meshes import N_VERTICES, load_surface_mesh
from ..io.surface import DEFAULT_MESH_KIND, SurfaceData
from .atlas import Atlas, check_masker_kwargs
from .images import has_data, integer_labels
from .maskers import SurfaceLabelsMasker, SurfaceMasker

#: Masker arguments that the atlas sets, per masker kind.
RESERVED_KWARGS = {
    "voxels": ("mask_img",),
    "parcels": ("labels_img", "labels", "lut", "background_label"),
}


class SurfaceAtlas(Atlas):
    """An atlas of labelled vertices on a cortical mesh.

    Parameters
    ----------
    labels : dict or array-like
        ``{"left": (n_left,), "right": (n_right,)}`` integer labels, or one
        array of shape (n_left + n_right,) with the left hemisphere first.
        Values <= 0 are background (e.g. the medial wall).
    table : None, pandas.DataFrame, list of str or dict, optional
        The label table (see :func:`neurost.atlases.table.make_label_table`).
    mesh : nilearn.surface.PolyMesh, optional
        The mesh; by default the standard mesh of ``space``, loaded when
        first needed.
    name : str, default="custom"
        Identifier.
    space : str, optional
        ``"fsaverage5"``, ``"fsLR32k"`` or any string; inferred from the
        vertex count of ``mesh`` when not given.
    groupings : dict, optional
        ``{grouping: {group: [ROI names]}}``.
    description : str, default=""
        One line.
    citation : str, optional
        Reference to cite.

    Attributes
    ----------
    labels : dict of str to numpy.ndarray of int32
        Read-only label of each vertex, per hemisphere (0 = background).
    """

    geometry = "surface"
    default_kind = "voxels"

    def __init__(
        self, labels, table=None, *, mesh=None, name="custom", space=None,
        groupings=None, description="", citation=None,
    ):
        sizes = _part_sizes(mesh, space)
        if space is None:
            space = _standard_space(sizes)
        self.labels = _split_labels(labels, sizes)
        values = np.unique(np.concatenate([v[v > 0] for v in self.labels.values()]))
        super().__init__(
            table, values, name=name, space=space, groupings=groupings,
            description=description, citation=citation,
        )
        self._meshes = {} if mesh is None else {None: mesh}

    @property
    def n_vertices(self):
        """dict of str to int: the number of vertices per hemisphere."""
        return {part: len(values) for part, values in self.labels.items()}

    def mesh(self, kind=None):
        """Return a mesh of the atlas (loaded once, then cached).

        Parameters
        ----------
        kind : str, optional
            ``None``: the atlas's own mesh, or else the surface of its
            standard space that :func:`neurost.io.load_bold` attaches to data
            (:data:`neurost.io.surface.DEFAULT_MESH_KIND`: ``"pial"`` for
            fsaverage5, ``"midthickness"`` for fsLR32k), so that the
            masker's mesh is the data's. Otherwise a standard surface of the space:
            ``"pial"``, ``"white"``, ``"inflated"``, ``"sphere"``, ``"flat"``
            (and ``"midthickness"``, ``"very_inflated"`` for fsLR32k); see
            :func:`neurost.datasets.load_surface_mesh`.

        Returns
        -------
        nilearn.surface.PolyMesh
            Vertex coordinates in mm.
        """
        if kind is None and None not in self._meshes:
            kind = DEFAULT_MESH_KIND.get(self.space)
        if kind not in self._meshes:
            if self.space not in N_VERTICES:
                raise ValueError(
                    f"atlas {self.name!r} is in space {self.space!r}, which has "
                    f"no standard meshes (those of {list(N_VERTICES)} do); only "
                    "the mesh it was built with is available: call mesh()."
                )
            self._meshes[kind] = load_surface_mesh(self.space, kind)
        return self._meshes[kind]

    def _image(self, values, mesh=None):
        mesh = self.mesh() if mesh is None else mesh
        return SurfaceImage(mesh=mesh, data=PolyData(**values))

    def labels_img(self):
        """Return the labels as a surface image.

        Returns
        -------
        nilearn.surface.SurfaceImage
            int32 labels on :meth:`mesh`, 0 = background.
        """
        return self._image({part: np.array(v) for part, v in self.labels.items()})

    def mask_img(self, rois=None):
        """Return the mask of the selected ROIs.

        Parameters
        ----------
        rois : optional
            The ROI selection (see :meth:`resolve_rois`).

        Returns
        -------
        nilearn.surface.SurfaceImage
            Boolean, True inside the selected ROIs.
        """
        positions, _ = self._positions(rois)
        return self._image({part: p >= 0 for part, p in positions.items()})

    def _positions(self, rois):
        """Output-ROI position of every vertex (-1 outside), per hemisphere."""
        selection = self.resolve_rois(rois)
        lookup = self._position_lookup(selection)
        positions = {part: lookup[v] for part, v in self.labels.items()}
        inside = np.concatenate([p[p >= 0] for p in positions.values()])
        counts = np.bincount(inside, minlength=len(selection))
        self._check_not_empty(selection, counts, "in the atlas")
        return positions, selection

    def roi_labels(self, rois=None):
        """Output-ROI index of each vertex that the ``"voxels"`` masker returns.

        Parameters
        ----------
        rois : optional
            The ROI selection (see :meth:`resolve_rois`).

        Returns
        -------
        numpy.ndarray of int64, shape (n_vertices,)
            For each column of ``atlas.masker(rois, kind="voxels")``'s
            output (left hemisphere, then right), the position of its ROI in
            ``list(atlas.resolve_rois(rois))``.
        """
        positions, _ = self._positions(rois)
        return np.concatenate([p[p >= 0] for p in positions.values()])

    def masker(self, rois=None, kind=None, *, mesh=None, **masker_kwargs):
        """Return an unfitted nilearn surface masker for the selected ROIs.

        Parameters
        ----------
        rois : optional
            The ROI selection (see :meth:`resolve_rois`).
        kind : {"voxels", "parcels"}, default="voxels"
            ``"voxels"``: a :class:`~nilearn.maskers.SurfaceMasker` over the
            vertices of the selected ROIs, which outputs (n_frames,
            n_vertices) in the order of :meth:`roi_labels`. ``"parcels"``: a
            :class:`~nilearn.maskers.SurfaceLabelsMasker` that outputs the
            mean of each output ROI, (n_frames, n_output_rois), in the order
            of :meth:`resolve_rois`. Both warn when the data hold NaN or
            infinite values inside the ROIs (see
            :mod:`neurost.atlases.maskers`).
        mesh : nilearn.surface.PolyMesh, optional
            The mesh of the masker's mask or labels image; by default
            :meth:`mesh`. Pass the data's mesh (same vertex counts) to spare
            nilearn's warning that the meshes differ.
        **masker_kwargs
            Passed to the masker (``standardize``, ``detrend``, ``t_r``,
            ``high_pass``, ``memory``...). The mask or labels are refused:
            the atlas sets them.

        Returns
        -------
        neurost.atlases.maskers.SurfaceMasker or SurfaceLabelsMasker
            Subclasses of nilearn's that warn about non-finite data. Its data must be a :class:`~nilearn.surface.SurfaceImage` with
            as many vertices per hemisphere as the atlas.
        """
        kind = self._check_kind(kind)
        masker_kwargs = check_masker_kwargs(masker_kwargs, RESERVED_KWARGS[kind])
        if mesh is not None and _part_sizes(mesh, None) != self.n_vertices:
            raise ValueError(
                f"mesh has {_part_sizes(mesh, None)} vertices; atlas "
                f"{self.name!r} has {self.n_vertices}."
            )
        positions, selection = self._positions(rois)
        if kind == "voxels":
            mask = self._image({part: p >= 0 for part, p in positions.items()}, mesh)
            return SurfaceMasker(mask_img=mask, **masker_kwargs)
        labels_img = self._image(
            {part: (p + 1).astype(np.int32) for part, p in positions.items()}, mesh
        )
        lut = pd.DataFrame(
            {"index": np.arange(len(selection) + 1), "name": ["Background", *selection]}
        )
        return SurfaceLabelsMasker(labels_img=labels_img, lut=lut, **masker_kwargs)

    def check_compatible(self, img, rois=None, kind=None):
        """Check that surface data can be masked with the selected ROIs.

        Parameters
        ----------
        img : nilearn.surface.SurfaceImage, path, nibabel image or pair
            Data with one value (or one row of frames) per vertex; only
            three of its frames are read. Files (GIfTI pairs, CIFTI-2) and
            nibabel surface images are read with
            :func:`neurost.io.load_bold`.
        rois : optional
            The ROI selection (see :meth:`resolve_rois`).
        kind : {"voxels", "parcels"}, optional
            Accepted for symmetry with the other atlases; both kinds need
            the same check.

        Raises
        ------
        ValueError
            If ``img`` is a volume, lacks a hemisphere of the atlas or has
            another number of vertices (another space), or naming every ROI
            whose vertices hold no non-zero, finite data.
        TypeError
            If ``img`` is not a surface image.
        """
        self._check_kind(kind)
        img = self.load_data(img)
        if isinstance(img, SpatialImage):
            raise ValueError(
                f"img is a volume but atlas {self.name!r} is on the surface "
                f"({self.space}); project the data onto the atlas's mesh (e.g. "
                "nilearn.surface.SurfaceImage.from_volume) or use a volume atlas."
            )
        if not isinstance(img, SurfaceImage):
            raise TypeError(
                f"img must be a nilearn SurfaceImage, a surface file (GIfTI "
                f"pair, CIFTI-2) or a nibabel surface image; got {describe(img)}."
            )
        for part, n in self.n_vertices.items():
            if part not in img.mesh.parts:
                raise ValueError(
                    f"img has no {part} hemisphere (it has "
                    f"{list(img.mesh.parts)}); atlas {self.name!r} needs it."
                )
            got = img.mesh.parts[part].n_vertices
            if got != n:
                raise ValueError(
                    f"img has {got} vertices in the {part} hemisphere"
                    f"{_space_hint(got)} but atlas {self.name!r} "
                    f"({self.space}) has {n}; resample the data to "
                    f"{self.space} or use an atlas in the data's space."
                )
        positions, selection = self._positions(rois)
        present = has_data(img)
        covered = np.concatenate(
            [positions[part][present[part] & (positions[part] >= 0)]
             for part in positions]
        )
        counts = np.bincount(covered, minlength=len(selection))
        self._check_not_empty(selection, counts, "with non-zero data in img")

    def load_data(self, img):
        """Read surface data with :func:`neurost.io.load_bold`.

        A ``SurfaceImage`` or a nibabel volume is returned as is; anything
        else (a GIfTI or CIFTI-2 path or image, a left/right pair) is loaded,
        and surface data on an unknown mesh get the atlas's mesh.
        """
        from ..io import load_bold

        if not isinstance(img, (str, os.PathLike, FileBasedImage, tuple, list, dict)):
            return img
        if _is_volume(img):
            return img
        img = load_bold(img)
        if isinstance(img, SurfaceData):
            img = img.with_mesh(self.mesh())
        return img

    def _masker_for(self, img, rois, kind, masker_kwargs):
        return self.masker(rois, kind=kind, mesh=img.mesh, **masker_kwargs)

    def _geometry_lines(self):
        sizes = " + ".join(f"{part} {n}" for part, n in self.n_vertices.items())
        labelled = sum(int((v > 0).sum()) for v in self.labels.values())
        return [("mesh", f"{sizes} vertices ({labelled} labelled)")]


def _is_volume(img):
    """Whether ``img`` is a nibabel volume (a CIFTI-2 or GIfTI image is not)."""
    import nibabel

    return isinstance(img, SpatialImage) and not isinstance(img, nibabel.Cifti2Image)


def _part_sizes(mesh, space):
    """Vertices per hemisphere, from the mesh or the standard space."""
    if mesh is None:
        if space not in N_VERTICES:
            raise ValueError(
                f"a surface atlas needs mesh= (a PolyMesh) or a standard "
                f"space= (one of {list(N_VERTICES)}); got space={space!r}."
            )
        return {"left": N_VERTICES[space], "right": N_VERTICES[space]}
    if not isinstance(mesh, PolyMesh):
        raise TypeError(f"mesh must be a nilearn PolyMesh; got {describe(mesh)}.")
    sizes = {part: m.n_vertices for part, m in mesh.parts.items()}
    if space in N_VERTICES and set(sizes.values()) != {N_VERTICES[space]}:
        raise ValueError(
            f"mesh has {sizes} vertices but space={space!r} has "
            f"{N_VERTICES[space]} per hemisphere."
        )
    return sizes


def _standard_space(sizes):
    for space, n in N_VERTICES.items():
        if set(sizes) == {"left", "right"} and set(sizes.values()) == {n}:
            return space
    return None


def _space_hint(n_vertices):
    spaces = [space for space, n in N_VERTICES.items() if n == n_vertices]
    return f" ({spaces[0]}?)" if spaces else ""


def _split_labels(labels, sizes):
    """Per-hemisphere label arrays, checked against the mesh sizes."""
    if isinstance(labels, dict):
        if set(labels) != set(sizes):
            raise ValueError(
                f"labels has the hemispheres {list(labels)} but the mesh has "
                f"{list(sizes)}."
            )
        parts = {
            part: integer_labels(labels[part], f"labels[{part!r}]") for part in sizes
        }
    else:
        flat = integer_labels(labels, "labels")
        if flat.ndim != 1 or len(flat) != sum(sizes.values()):
            raise ValueError(
                f"labels must be one label per vertex, {sum(sizes.values())} in "
                f"all ({sizes}); got shape {flat.shape}."
            )
        bounds = np.cumsum([0, *sizes.values()])
        parts = {part: flat[a:b] for part, a, b in zip(sizes, bounds[:-1], bounds[1:])}
    for part, values in parts.items():
        if values.shape != (sizes[part],):
            raise ValueError(
                f"labels[{part!r}] must have shape ({sizes[part]},) to match the "
                f"mesh; got {values.shape}."
            )
    return parts
