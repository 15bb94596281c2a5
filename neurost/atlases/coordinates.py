"""Coordinate atlases: spheres around ROI centres given in mm."""

import itertools

import numpy as np
from nibabel.affines import apply_affine
from nilearn.datasets import load_mni152_template
from nilearn.maskers import NiftiSpheresMasker

from .._utils.validation import check_finite, describe
from .atlas import Atlas, check_masker_kwargs
from .images import has_data, load_volume
from .volume import VolumeAtlas, _extent

#: Voxel size (mm) of the MNI152 grid on which spheres become voxels.
DEFAULT_RESOLUTION = 2


class CoordinateAtlas(Atlas):
    """An atlas of spheres around ROI centres.

    Parameters
    ----------
    coords : array-like of shape (n_rois, 3)
        Sphere centres (x, y, z) in mm.
    radius : float or array-like of shape (n_rois,)
        Sphere radii in mm.
    table : None, pandas.DataFrame, list of str or dict, optional
        The label table (see :func:`neurost.atlases.table.make_label_table`);
        the ROI in row ``i`` of ``coords`` has index ``i + 1``.
    name : str, default="custom"
        Identifier.
    space : str, default="MNI152"
        Space of the coordinates.
    groupings : dict, optional
        ``{grouping: {group: [ROI names]}}``.
    description : str, default=""
        One line.
    citation : str, optional
        Reference to cite.

    Attributes
    ----------
    coords : numpy.ndarray of shape (n_rois, 3)
        Read-only sphere centres in mm, in table order.
    radius : numpy.ndarray of shape (n_rois,)
        Read-only sphere radii in mm.
    """

    geometry = "coordinates"
    default_kind = "parcels"

    def __init__(
        self, coords, radius, table=None, *, name="custom", space="MNI152",
        groupings=None, description="", citation=None,
    ):
        coords = np.array(coords, dtype=float)
        if coords.ndim != 2 or coords.shape[1] != 3 or not len(coords):
            raise ValueError(
                f"coords must have shape (n_rois, 3) (x, y, z in mm); got "
                f"{describe(coords)}."
            )
        check_finite(coords, "coords")
        radius = _check_radius(radius, len(coords))
        check_finite(radius, "radius")
        if (radius <= 0).any():
            raise ValueError(f"radius must be positive (mm); got {describe(radius)}.")
        values = np.arange(1, len(coords) + 1)
        super().__init__(
            table, values, name=name, space=space, groupings=groupings,
            description=description, citation=citation,
        )
        coords.setflags(write=False)
        radius.setflags(write=False)
        self.coords = coords
        self.radius = radius

    def _rasterize(self, affine, shape):
        """Label volume of the spheres on a grid.

        A voxel belongs to a sphere when its centre lies within the radius;
        the voxel nearest each centre always does (as in nilearn's
        NiftiSpheresMasker); a voxel in several spheres goes to the nearest
        centre.
        """
        labels = np.zeros(shape, dtype=np.int32)
        best = np.full(shape, np.inf)
        inverse = np.linalg.inv(affine)
        corners = np.array(list(itertools.product((-1.0, 1.0), repeat=3)))
        for index, centre, radius in zip(
            itertools.count(1), self.coords, self.radius
        ):
            box = apply_affine(inverse, centre + radius * corners)
            low = np.maximum(np.floor(box.min(axis=0)), 0).astype(int)
            high = np.minimum(np.ceil(box.max(axis=0)), np.subtract(shape, 1))
            high = high.astype(int)
            if (low > high).any():
                continue
            ijk = np.stack(
                np.meshgrid(*map(np.arange, low, high + 1), indexing="ij"), axis=-1
            ).reshape(-1, 3)
            distance = np.linalg.norm(apply_affine(affine, ijk) - centre, axis=1)
            nearest = np.all(ijk == np.rint(apply_affine(inverse, centre)), axis=1)
            voxels = tuple(ijk.T)
            take = ((distance <= radius) | nearest) & (distance < best[voxels])
            labels[tuple(ijk[take].T)] = index
            best[tuple(ijk[take].T)] = distance[take]
        return labels

    def to_volume(self, reference=None):
        """Rasterize the spheres into a volume atlas.

        Parameters
        ----------
        reference : nibabel image, str or os.PathLike, optional
            The image whose grid to use; by default the 2-mm MNI152 grid of
            nilearn's template (99 x 117 x 95 voxels).

        Returns
        -------
        VolumeAtlas
            Same ROIs, table and groupings; each sphere keeps its own radius
            and a voxel in several spheres goes to the nearest centre.
        """
        if reference is None:
            grid = load_mni152_template(resolution=DEFAULT_RESOLUTION)
        else:
            grid = load_volume(reference, "reference")
        return VolumeAtlas(
            self._rasterize(grid.affine, grid.shape[:3]), grid.affine, self._table,
            name=self.name, space=self.space, groupings=self._groupings,
            description=self.description, citation=self.citation,
        )

    def roi_labels(self, rois=None):
        """Output-ROI index of each voxel that the ``"voxels"`` masker returns.

        The voxels are those of :meth:`to_volume` (the 2-mm MNI152 grid).

        Parameters
        ----------
        rois : optional
            The ROI selection (see :meth:`resolve_rois`).

        Returns
        -------
        numpy.ndarray of int64, shape (n_voxels,)
            For each column of ``atlas.masker(rois, kind="voxels")``'s
            output, the position of its ROI in
            ``list(atlas.resolve_rois(rois))``.
        """
        return self.to_volume().roi_labels(rois)

    def masker(self, rois=None, kind=None, **masker_kwargs):
        """Return an unfitted nilearn masker for the selected spheres.

        Parameters
        ----------
        rois : optional
            The ROI selection (see :meth:`resolve_rois`).
        kind : {"parcels", "voxels"}, default="parcels"
            ``"parcels"``: one mean signal per output ROI, (n_frames,
            n_output_rois), in the order of :meth:`resolve_rois`. When each
            output ROI is one sphere and the spheres share one radius, a
            :class:`~nilearn.maskers.NiftiSpheresMasker` (spheres drawn on
            the data's grid; ``allow_overlap=True`` unless given, so that
            published overlapping spheres work as is); otherwise (several
            radii, or merged spheres) a
            :class:`~nilearn.maskers.NiftiLabelsMasker` over
            :meth:`to_volume`. ``"voxels"``: a
            :class:`~nilearn.maskers.NiftiMasker` over the voxels of
            :meth:`to_volume`, in the order of :meth:`roi_labels`.
        **masker_kwargs
            Passed to the masker (``standardize``, ``detrend``, ``t_r``,
            ``high_pass``...). The radius is the atlas's: build the atlas
            with another (``load_atlas(name, radius=...)``) to change it.

        Returns
        -------
        nilearn.maskers.NiftiSpheresMasker, NiftiLabelsMasker or NiftiMasker
        """
        kind = self._check_kind(kind)
        masker_kwargs = check_masker_kwargs(masker_kwargs, ("seeds", "radius"))
        selection = self.resolve_rois(rois)
        if kind == "parcels" and all(len(m) == 1 for m in selection.values()):
            rows = np.concatenate(list(selection.values())) - 1
            radii = np.unique(self.radius[rows])
            if len(radii) == 1:
                masker_kwargs.setdefault("allow_overlap", True)
                return NiftiSpheresMasker(
                    seeds=[tuple(c) for c in self.coords[rows]],
                    radius=float(radii[0]),
                    **masker_kwargs,
                )
        return self.to_volume().masker(rois, kind, **masker_kwargs)

    def check_compatible(self, img, rois=None, kind=None):
        """Check that a volume can be masked with the selected spheres.

        Parameters
        ----------
        img : nibabel image, str or os.PathLike
            A 3-D or 4-D volume (only three of its frames are read).
        rois : optional
            The ROI selection (see :meth:`resolve_rois`).
        kind : {"parcels", "voxels"}, optional
            Accepted for symmetry with the other atlases; both kinds need
            the same check.

        Raises
        ------
        ValueError
            If ``img`` is a surface image, if no selected sphere reaches
            into its field of view, or naming every ROI whose spheres (drawn
            on the image's grid) hold no non-zero, finite data.
        TypeError
            If ``img`` is not an image.
        """
        self._check_kind(kind)
        img = load_volume(img)
        selection = self.resolve_rois(rois)
        lookup = self._position_lookup(selection)
        positions = lookup[self._rasterize(img.affine, img.shape[:3])]
        if not (positions >= 0).any():
            centres = self.coords[np.concatenate(list(selection.values())) - 1]
            raise ValueError(
                f"img's field of view ({_extent(img.affine, img.shape[:3])}) "
                f"does not reach the selected spheres of atlas {self.name!r} "
                f"(centres {_extent(np.eye(4), None, centres)}); is the image "
                f"in the atlas's space ({self.space})?"
            )
        covered = positions[(positions >= 0) & has_data(img)]
        counts = np.bincount(covered, minlength=len(selection))
        self._check_not_empty(
            selection, counts, "with non-zero data in img's field of view"
        )

    def _geometry_lines(self):
        low, high = self.radius.min(), self.radius.max()
        radius = f"{low:g} mm" if low == high else f"{low:g} to {high:g} mm"
        return [("spheres", f"radius {radius}")]


def _check_radius(radius, n_rois):
    """Return the radius of each sphere (mm), refusing non-numeric values."""
    values = np.asarray(radius)
    if not (np.issubdtype(values.dtype, np.number) and values.dtype != bool):
        raise TypeError(
            f"radius must be a number or one number per ROI (mm); got "
            f"{describe(radius)}."
        )
    if values.ndim > 1 or (values.ndim == 1 and len(values) not in (1, n_rois)):
        raise ValueError(
            f"radius must be a number or one number per ROI ({n_rois}); got "
            f"{describe(radius)}."
        )
    return np.array(np.broadcast_to(values.astype(float), n_rois))
