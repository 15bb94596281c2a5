"""nilearn's maskers, warning about the NaN or infinite values they read.

Given a run with NaN or infinite values inside its mask, nilearn's
``NiftiMasker`` replaces them with 0 and its surface maskers pass them on,
both without a word. The maskers of the atlases are these subclasses: they
behave as nilearn's, and warn (``UserWarning``) naming how many values are
not finite, in how many of the voxels or vertices read, and where the first
one is. The values are not changed: volume maskers still output 0 there,
surface maskers NaN or infinity.
"""

import warnings

import numpy as np
from nibabel.affines import apply_affine
from nilearn import maskers
from nilearn.image import load_img, new_img_like
from nilearn.surface import SurfaceImage

from .._utils.validation import caller_stacklevel

#: nilearn's own, vaguer warning, left out when ours is given.
_NILEARN_WARNING = r"Non-finite values detected"


class _WarnNonFinite:
    """Warn about non-finite data before nilearn's ``transform_single_imgs``."""

    def transform_single_imgs(self, imgs, *args, **kwargs):
        imgs, message = self._non_finite(imgs)
        if message is None:
            return super().transform_single_imgs(imgs, *args, **kwargs)
        warnings.warn(message, UserWarning, stacklevel=caller_stacklevel())
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=_NILEARN_WARNING)
            return super().transform_single_imgs(imgs, *args, **kwargs)


class _VolumeCheck(_WarnNonFinite):
    def _non_finite(self, imgs):
        img = load_img(imgs)
        data = np.asanyarray(img.dataobj)
        if not img.in_memory:
            # nilearn reads the data once more unless it is given them.
            img = new_img_like(img, data, copy_header=True)
        if not np.issubdtype(data.dtype, np.inexact):
            return img, None
        region = load_img(self._region_img())
        ijk = np.argwhere(np.asanyarray(region.dataobj) > 0)
        to_data = np.linalg.inv(img.affine) @ region.affine
        ijk = np.rint(apply_affine(to_data, ijk)).astype(np.int64)
        ijk = np.unique(ijk[np.all((ijk >= 0) & (ijk < data.shape[:3]), axis=1)], axis=0)
        values = data[tuple(ijk.T)].reshape(len(ijk), -1)
        return img, _message(
            values, lambda row: f"voxel {tuple(int(i) for i in ijk[row])}",
            "voxels", "replaces them with 0",
        )


class _SurfaceCheck(_WarnNonFinite):
    def _non_finite(self, imgs):
        if not isinstance(imgs, SurfaceImage):
            return imgs, None
        region = self._region_img().data.parts
        parts, values = [], []
        for part, inside in region.items():
            inside = np.asarray(inside).ravel() > 0
            data = np.asarray(imgs.data.parts[part])
            if np.issubdtype(data.dtype, np.inexact):
                parts += [(part, vertex) for vertex in np.flatnonzero(inside)]
                values.append(data.reshape(len(inside), -1)[inside])
        if not values:
            return imgs, None
        values = np.concatenate(values)
        return imgs, _message(
            values, lambda row: "{} vertex {}".format(*parts[row]), "vertices",
            "passes them on (NaN or infinite outputs)",
        )


def _message(values, where, elements, outcome):
    """The warning for ``values`` of shape (n_elements, n_frames), or None."""
    bad = ~np.isfinite(values)
    if not bad.any():
        return None
    row, frame = np.argwhere(bad)[0]
    return (
        f"imgs holds {int(bad.sum())} NaN or infinite value(s) in "
        f"{int(bad.any(axis=1).sum())} of the {len(values)} {elements} the masker "
        f"reads (first at {where(row)}, frame {int(frame)}); nilearn {outcome}. "
        "Clean the data, or leave those "
        f"{elements} out of the ROIs, before masking."
    )


class NiftiMasker(_VolumeCheck, maskers.NiftiMasker):
    """:class:`nilearn.maskers.NiftiMasker` that warns about non-finite data."""

    def _region_img(self):
        return self.mask_img_


class NiftiLabelsMasker(_VolumeCheck, maskers.NiftiLabelsMasker):
    """:class:`nilearn.maskers.NiftiLabelsMasker` that warns about non-finite data."""

    def _region_img(self):
        return self.labels_img_


class SurfaceMasker(_SurfaceCheck, maskers.SurfaceMasker):
    """:class:`nilearn.maskers.SurfaceMasker` that warns about non-finite data."""

    def _region_img(self):
        return self.mask_img_


class SurfaceLabelsMasker(_SurfaceCheck, maskers.SurfaceLabelsMasker):
    """:class:`nilearn.maskers.SurfaceLabelsMasker` that warns about non-finite data."""

    def _region_img(self):
        return self.labels_img_
