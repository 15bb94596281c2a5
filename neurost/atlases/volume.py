"""Volume atlases: one integer label per voxel of a 3-D grid."""

import itertools

import nibabel as nib
import numpy as np
import pandas as pd
from nibabel.affines import apply_affine
from nilearn.image import resample_img

from .._utils.validation import check_finite, describe
from .atlas import Atlas, check_masker_kwargs
from .images import has_data, integer_labels, load_volume
from .maskers import NiftiLabelsMasker, NiftiMasker

#: Masker arguments that the atlas sets, per masker kind.
RESERVED_KWARGS = {
    "voxels": ("mask_img", "target_affine", "target_shape"),
    "parcels": ("labels_img", "labels", "lut", "background_label"),
}


class VolumeAtlas(Atlas):
    """An atlas of labelled voxels.

    Parameters
    ----------
    labels : array-like of shape (X, Y, Z)
        Integer label of each voxel; values <= 0 are background.
    affine : array-like of shape (4, 4)
        Voxel-index-to-mm transform.
    table : None, pandas.DataFrame, list of str or dict, optional
        The label table (see :func:`neurost.atlases.table.make_label_table`).
    name : str, default="custom"
        Identifier.
    space : str, optional
        Space of the grid (``"MNI152NLin2009aSym"``...).
    groupings : dict, optional
        ``{grouping: {group: [ROI names]}}``.
    description : str, default=""
        One line.
    citation : str, optional
        Reference to cite.

    Attributes
    ----------
    labels : numpy.ndarray of int32, shape (X, Y, Z)
        Read-only label volume (0 = background).
    affine : numpy.ndarray of shape (4, 4)
        Voxel-to-mm transform.
    """

    geometry = "volume"
    default_kind = "voxels"

    def __init__(
        self, labels, affine, table=None, *, name="custom", space=None,
        groupings=None, description="", citation=None,
    ):
        labels = integer_labels(labels, "labels")
        if labels.ndim != 3:
            raise ValueError(
                f"labels of a volume atlas must be 3-D; got shape {labels.shape}."
            )
        try:
            affine = np.asarray(affine, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(
                f"affine must be a 4 x 4 matrix of numbers; got {describe(affine)}."
            ) from None
        if affine.shape != (4, 4):
            raise ValueError(f"affine must be a 4 x 4 matrix; got {describe(affine)}.")
        check_finite(affine, "affine")
        if abs(np.linalg.det(affine[:3, :3])) < 1e-12 or not np.allclose(
            affine[3], [0, 0, 0, 1]
        ):
            raise ValueError(
                "affine must map voxels to mm invertibly: a 4 x 4 matrix with "
                "an invertible 3 x 3 block (non-zero voxel sizes) and last row "
                f"[0, 0, 0, 1]; got {affine.tolist()}."
            )
        affine.setflags(write=False)
        super().__init__(
            table, np.unique(labels[labels > 0]), name=name, space=space,
            groupings=groupings, description=description, citation=citation,
        )
        self.labels = labels
        self.affine = affine

    @property
    def shape(self):
        """tuple of int: the grid shape (X, Y, Z)."""
        return self.labels.shape

    @property
    def voxel_size(self):
        """tuple of float: voxel edge lengths in mm."""
        return tuple(float(v) for v in np.linalg.norm(self.affine[:3, :3], axis=0))

    def labels_img(self):
        """Return the label volume as an image.

        Returns
        -------
        nibabel.Nifti1Image
            int32 labels, 0 = background.
        """
        return nib.Nifti1Image(np.array(self.labels), self.affine)

    def mask_img(self, rois=None):
        """Return the mask of the selected ROIs.

        Parameters
        ----------
        rois : optional
            The ROI selection (see :meth:`resolve_rois`).

        Returns
        -------
        nibabel.Nifti1Image
            uint8, 1 inside the selected ROIs.
        """
        positions, _ = self._positions(rois)
        return nib.Nifti1Image((positions >= 0).astype(np.uint8), self.affine)

    def _positions(self, rois):
        """Output-ROI position of every voxel (-1 outside) and the selection."""
        selection = self.resolve_rois(rois)
        lookup = self._position_lookup(selection)
        positions = lookup[self.labels]
        counts = np.bincount(positions[positions >= 0], minlength=len(selection))
        self._check_not_empty(selection, counts, "in the atlas")
        return positions, selection

    def roi_labels(self, rois=None):
        """Output-ROI index of each voxel that the ``"voxels"`` masker returns.

        Parameters
        ----------
        rois : optional
            The ROI selection (see :meth:`resolve_rois`).

        Returns
        -------
        numpy.ndarray of int64, shape (n_voxels,)
            For each column of ``atlas.masker(rois, kind="voxels")``'s
            output (same order), the position of its ROI in
            ``list(atlas.resolve_rois(rois))``.
        """
        positions, _ = self._positions(rois)
        return positions[positions >= 0]

    def masker(self, rois=None, kind=None, **masker_kwargs):
        """Return an unfitted nilearn masker for the selected ROIs.

        Parameters
        ----------
        rois : optional
            The ROI selection (see :meth:`resolve_rois`).
        kind : {"voxels", "parcels"}, default="voxels"
            ``"voxels"``: a :class:`~nilearn.maskers.NiftiMasker` over the
            voxels of the selected ROIs, which outputs (n_frames, n_voxels)
            in the order of :meth:`roi_labels` (data are resampled to the
            atlas grid). ``"parcels"``: a
            :class:`~nilearn.maskers.NiftiLabelsMasker` that outputs the mean
            of each output ROI, (n_frames, n_output_rois), in the order of
            :meth:`resolve_rois`. Both warn when the data hold NaN or
            infinite values inside the ROIs (which nilearn replaces with 0):
            see :mod:`neurost.atlases.maskers`.
        **masker_kwargs
            Passed to the masker (``standardize``, ``detrend``, ``t_r``,
            ``low_pass``, ``high_pass``, ``smoothing_fwhm``, ``memory``...).
            The arguments the atlas sets (the mask or labels, and for
            ``"voxels"`` the target grid) are refused.

        Returns
        -------
        neurost.atlases.maskers.NiftiMasker or NiftiLabelsMasker
            Subclasses of nilearn's that warn about non-finite data.
        """
        kind = self._check_kind(kind)
        masker_kwargs = check_masker_kwargs(masker_kwargs, RESERVED_KWARGS[kind])
        positions, selection = self._positions(rois)
        if kind == "voxels":
            mask = nib.Nifti1Image((positions >= 0).astype(np.uint8), self.affine)
            return NiftiMasker(mask_img=mask, **masker_kwargs)
        labels_img = nib.Nifti1Image((positions + 1).astype(np.int32), self.affine)
        lut = pd.DataFrame(
            {"index": np.arange(len(selection) + 1), "name": ["Background", *selection]}
        )
        return NiftiLabelsMasker(labels_img=labels_img, lut=lut, **masker_kwargs)

    def check_compatible(self, img, rois=None, kind=None):
        """Check that a volume can be masked with the selected ROIs.

        nilearn resamples data and atlas onto each other without complaint;
        this check catches what resampling hides.

        Parameters
        ----------
        img : nibabel image, str or os.PathLike
            A 3-D or 4-D volume (only three of its frames are read).
        rois : optional
            The ROI selection (see :meth:`resolve_rois`).
        kind : {"voxels", "parcels"}, default="voxels"
            For ``"parcels"``, also check that every ROI survives the
            nearest-neighbour resampling of the atlas to the image's grid.

        Raises
        ------
        ValueError
            If ``img`` is a surface image, if its field of view does not
            overlap the selected ROIs, or naming every ROI with no voxel of
            non-zero, finite data (outside the field of view or the
            acquired brain) or lost in the resampling.
        TypeError
            If ``img`` is not an image.
        """
        kind = self._check_kind(kind)
        img = load_volume(img)
        positions, selection = self._positions(rois)
        atlas_ijk = np.argwhere(positions >= 0)
        data_ijk = np.rint(
            apply_affine(np.linalg.inv(img.affine) @ self.affine, atlas_ijk)
        ).astype(np.int64)
        inside = np.all((data_ijk >= 0) & (data_ijk < img.shape[:3]), axis=1)
        if not inside.any():
            raise ValueError(
                f"img's field of view ({_extent(img.affine, img.shape[:3])}) "
                f"does not overlap the selected ROIs of atlas {self.name!r} "
                f"({_extent(self.affine, self.shape, atlas_ijk)}); is the image "
                f"in the atlas's space ({self.space})?"
            )
        present = has_data(img)[tuple(data_ijk[inside].T)]
        covered = positions[tuple(atlas_ijk[inside].T)][present]
        counts = np.bincount(covered, minlength=len(selection))
        self._check_not_empty(
            selection, counts, "with non-zero data in img's field of view"
        )
        same_grid = img.shape[:3] == self.shape and np.allclose(img.affine, self.affine)
        if kind == "parcels" and not same_grid:
            resampled = resample_img(
                nib.Nifti1Image((positions + 1).astype(np.int32), self.affine),
                target_affine=img.affine, target_shape=img.shape[:3],
                interpolation="nearest", force_resample=True, copy_header=True,
            )
            kept = np.asanyarray(resampled.dataobj).ravel()
            counts = np.bincount(kept, minlength=len(selection) + 1)[1:]
            self._check_not_empty(
                selection, counts, "left after resampling the atlas to img's grid"
            )

    def _geometry_lines(self):
        size = " x ".join(f"{v:g}" for v in self.voxel_size)
        grid = " x ".join(map(str, self.shape))
        return [("grid", f"{grid} voxels of {size} mm")]


def _extent(affine, shape, ijk=None):
    """Bounding box in mm of a grid, or of some of its voxels."""
    if ijk is None:
        ijk = np.array(list(itertools.product(*[(0, n - 1) for n in shape])))
    xyz = apply_affine(affine, ijk)
    low, high = xyz.min(axis=0), xyz.max(axis=0)
    return ", ".join(
        f"{axis} {lo:.0f} to {hi:.0f} mm" for axis, lo, hi in zip("xyz", low, high)
    )
