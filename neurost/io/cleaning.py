"""Confound regression and scrubbing of a volume run, a block of frames at a time."""

import numbers
import os

import numpy as np

from .._utils.validation import check_choice, check_positive_int, describe
from ._reading import open_image, reading, sequential_proxy
from ._sources import check_run, label_of, open_run

#: Standardizations of the cleaned signals (nilearn's names).
STANDARDIZE = (None, "zscore_sample")
_EPS = np.finfo(np.float64).eps


def denoise(
    img,
    confounds=None,
    *,
    sample_mask=None,
    mask_img=None,
    detrend=False,
    standardize=None,
    chunk_size=32,
):
    """Regress confounds out of a 4D run and drop scrubbed frames, lazily.

    The result is what :func:`nilearn.signal.clean` gives for the run's
    voxel time series with ``confounds``, ``sample_mask``, ``detrend``,
    ``standardize``, ``standardize_confounds=True`` and ``filter=False``,
    but it is computed a block of frames at a time: the regression
    coefficients in one pass over the run (when its data are first read),
    the cleaned frames as they are read. Memory grows with the number of
    voxels and confounds, not with the number of frames, so a long run can
    be cleaned before tokenization (:class:`~neurost.tokenize.TokenStore`
    reads the result like any run) or before masking.

    Parameters
    ----------
    img : path or nibabel image
        A 4D volume run, in any form :func:`neurost.io.load_bold` accepts.
    confounds : pandas.DataFrame or array-like of shape (n_frames, n_confounds), optional
        Regressors over all the run's frames, such as the ``confounds`` of
        :func:`neurost.io.load_fmriprep`. High-pass filtering is the
        regression of the ``cosine`` columns that fMRIPrep writes (nilearn's
        ``"high_pass"`` strategy, part of ``"simple"``).
    sample_mask : array-like of int or bool, optional
        The frames to keep (indices, or a mask of length n_frames), as
        nilearn's confound loaders return it: scrubbed and non-steady-state
        frames are left out of the regression and of the result.
    mask_img : path or nibabel image, optional
        A 3D brain mask on the run's grid; voxels outside it are 0 in the
        result and cost nothing. By default every voxel is cleaned.
    detrend : bool, default=False
        Also remove each voxel's mean and linear trend over the kept
        frames (taken as evenly spaced, as nilearn does).
    standardize : {None, "zscore_sample"}, default=None
        Divide each voxel's cleaned series by its standard deviation (with
        ``ddof=1``) after removing its mean.
    chunk_size : int, default=32
        Frames read at a time by the fitting pass.

    Returns
    -------
    nibabel.Nifti1Image of shape (x, y, z, n_kept), float32
        The header and affine of ``img``; its data are computed when read
        (``img.dataobj[..., a:b]`` reads frames ``a:b`` only).

    Raises
    ------
    ValueError
        If ``img`` is not a 4D volume, ``confounds`` does not have one row
        per frame or holds NaN or Inf, ``sample_mask`` is out of range or
        keeps fewer than 2 frames, the confounds span (almost) all kept
        frames, ``mask_img`` is not on the run's grid,
        or ``standardize`` is not one of the choices.

    Notes
    -----
    The confounds are restricted to the kept frames and z-scored; they
    (and, with ``detrend``, a constant and a linear trend) are spanned by
    an orthonormal basis ``Q`` (QR with column pivoting, keeping the
    columns whose pivot exceeds ``100 * eps``, as nilearn does). The
    fitting pass accumulates ``Q.T @ Y``, the sum and the sum of squares
    of each voxel; frame ``t`` of the result is then
    ``(y_t - Q_t @ (Q.T @ Y) - mean) / sd``, exactly. Removing the trend
    from signals and confounds, as nilearn does, and then projecting is the
    same as projecting on confounds and trend together. The coefficients
    take ``8 * (n_confounds + 2) * n_voxels`` bytes.

    Examples
    --------
    >>> cohort = load_fmriprep(derivatives, confounds="simple")  # doctest: +SKIP
    >>> row = cohort.iloc[0]  # doctest: +SKIP
    >>> clean = denoise(row.path, row.confounds, sample_mask=row.sample_mask,
    ...                 mask_img=row.mask)  # doctest: +SKIP
    """
    import nibabel

    from ._timing import header_t_r, with_t_r

    chunk_size = check_positive_int(chunk_size, "chunk_size", "frames per block")
    check_choice(standardize, "standardize", STANDARDIZE)
    if not isinstance(detrend, (bool, np.bool_)):
        raise TypeError(f"detrend must be True or False; got {describe(detrend)}.")
    source = open_run(img, "img")
    label = label_of(img)
    check_run(source, "img", label)
    if not isinstance(source, nibabel.spatialimages.SpatialImage):
        raise ValueError(
            f"img must be a volume run; '{label}' is surface data (clean surface runs "
            "with nilearn's SurfaceMasker, which takes confounds and sample_mask)."
        )
    n_frames = source.shape[3]
    kept = _kept_frames(sample_mask, n_frames)
    basis = _basis(confounds, kept, n_frames, bool(detrend))
    voxels = _voxels(mask_img, source)
    cleaned = _DenoisedArray(source, basis, kept, voxels, standardize, label, chunk_size)
    result = nibabel.Nifti1Image(cleaned, source.affine, dtype=np.float32)
    result.header.set_zooms(tuple(source.header.get_zooms()[:3]) + (1.0,))
    result.header.set_xyzt_units("mm")
    return with_t_r(result, header_t_r(source, quiet=True))


def _kept_frames(sample_mask, n_frames):
    if sample_mask is None:
        return np.arange(n_frames)
    mask = np.asarray(sample_mask)
    if mask.dtype == bool:
        if mask.shape != (n_frames,):
            raise ValueError(
                f"sample_mask: a boolean mask must have one entry per frame ({n_frames}); "
                f"got shape {mask.shape}."
            )
        kept = np.flatnonzero(mask)
    elif mask.ndim == 1 and np.issubdtype(mask.dtype, np.integer):
        kept = np.unique(mask)
        if len(kept) != len(mask) or kept.min(initial=0) < 0 or kept.max(initial=0) >= n_frames:
            raise ValueError(
                f"sample_mask must hold distinct frame indices in [0, {n_frames}); got "
                f"values from {mask.min()} to {mask.max()}"
                + (" with repeats." if len(kept) != len(mask) else ".")
            )
    else:
        raise TypeError(
            "sample_mask must be None, frame indices (int) or a boolean mask; got "
            f"{describe(sample_mask)}."
        )
    if len(kept) < 2:
        raise ValueError(f"sample_mask keeps {len(kept)} frame(s); at least 2 are needed.")
    return kept


def _basis(confounds, kept, n_frames, detrend):
    """Orthonormal basis (n_kept, rank) of the regressors on the kept frames."""
    columns = []
    if detrend:
        trend = np.arange(len(kept), dtype=np.float64)
        columns += [np.ones(len(kept)), (trend - trend.mean()) / trend.std()]
    if confounds is not None:
        values = _confound_values(confounds, n_frames)[kept]
        values = values - values.mean(axis=0)
        scale = values.std(axis=0)
        columns += list((values[:, scale > 0] / scale[scale > 0]).T)
    if not columns:
        return np.zeros((len(kept), 0))
    from scipy.linalg import qr

    q, r, _ = qr(np.column_stack(columns), mode="economic", pivoting=True)
    q = q[:, np.abs(np.diag(r)) > 100 * _EPS]
    if q.shape[1] >= len(kept) - 1:
        raise ValueError(
            f"confounds: {q.shape[1]} independent regressors (confounds"
            f"{', constant and trend' if detrend else ''}) for {len(kept)} kept frames "
            "leave no signal to clean; use fewer confounds (a smaller strategy), scrub "
            "fewer frames (sample_mask) or use a longer run."
        )
    return q


def _confound_values(confounds, n_frames):
    import pandas as pd

    values = confounds.to_numpy() if isinstance(confounds, pd.DataFrame) else confounds
    try:
        values = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            "confounds must be a DataFrame or an array of numbers of shape "
            f"(n_frames, n_confounds); got {describe(confounds)}."
        ) from None
    if values.ndim == 1:
        values = values[:, None]
    if values.ndim != 2 or len(values) != n_frames:
        raise ValueError(
            f"confounds must have one row per frame of img ({n_frames}); got shape "
            f"{values.shape}."
        )
    if not np.isfinite(values).all():
        row, column = np.argwhere(~np.isfinite(values))[0]
        name = confounds.columns[column] if isinstance(confounds, pd.DataFrame) else column
        raise ValueError(
            f"confounds hold NaN or Inf (first at frame {row}, column {name!r}); "
            "fill them (nilearn's loaders do) or drop the column."
        )
    return values


def _voxels(mask_img, source):
    """Boolean mask of the voxels to clean, shape (x, y, z)."""
    if mask_img is None:
        return np.ones(source.shape[:3], dtype=bool)
    import nibabel

    if isinstance(mask_img, (str, os.PathLike)):
        mask = open_image(mask_img, "mask_img")
    elif isinstance(mask_img, nibabel.spatialimages.SpatialImage):
        mask = mask_img
    else:
        raise TypeError(
            f"mask_img must be a path to a 3D image or a nibabel image; got "
            f"{describe(mask_img)}."
        )
    if (len(mask.shape) != 3 and mask.shape[3:] != (1,)) or mask.shape[:3] != source.shape[:3]:
        raise ValueError(
            f"mask_img must be a 3D mask on the run's grid {source.shape[:3]}; got an "
            f"image of shape {mask.shape}."
        )
    if not np.allclose(mask.affine, source.affine, atol=1e-3):
        raise ValueError(
            "mask_img must be on the run's grid; its affine differs from the run's. "
            "Resample it with nilearn.image.resample_to_img(mask_img, img, "
            'interpolation="nearest").'
        )
    with reading(label_of(mask_img), "mask_img"):
        voxels = np.asarray(mask.dataobj).reshape(mask.shape[:3]) > 0
    if not voxels.any():
        raise ValueError("mask_img holds no voxel (no value > 0).")
    return voxels


class _DenoisedArray:
    """The cleaned frames of a run, computed when read (nibabel array-proxy protocol)."""

    is_proxy = True
    slope = 1.0
    inter = 0.0
    dtype = np.dtype(np.float32)

    def __init__(self, source, basis, kept, voxels, standardize, label, chunk_size):
        self._source = source
        self._basis = basis
        self._kept = kept
        self._voxels = voxels
        self._standardize = standardize
        self._label = label
        self._chunk_size = chunk_size
        self._fit = None
        self._dataobj = None
        self.shape = tuple(source.shape[:3]) + (len(kept),)
        self.ndim = 4

    def _frames(self, start, stop):
        """Source frames start:stop at the cleaned voxels, (stop - start, n_voxels) float64."""
        if self._dataobj is None:
            self._dataobj = sequential_proxy(self._source.dataobj)
        with reading(self._label, "img"):
            block = np.asarray(self._dataobj[..., start:stop])
        return block[self._voxels].T.astype(np.float64)

    def _coefficients(self):
        """(Q.T @ Y, mean, sd) of the kept frames, in one pass over the run."""
        if self._fit is not None:
            return self._fit
        n_voxels = int(self._voxels.sum())
        projection = np.zeros((self._basis.shape[1], n_voxels))
        total, squares = np.zeros(n_voxels), np.zeros(n_voxels)
        n_frames = self._source.shape[3]
        for start in range(0, n_frames, self._chunk_size):
            stop = min(start + self._chunk_size, n_frames)
            rows = np.flatnonzero((self._kept >= start) & (self._kept < stop))
            if not len(rows):
                continue
            block = self._frames(start, stop)[self._kept[rows] - start]
            projection += self._basis[rows].T @ block
            total += block.sum(axis=0)
            squares += np.einsum("tv,tv->v", block, block)
        n_kept = len(self._kept)
        mean = (total - self._basis.sum(axis=0) @ projection) / n_kept
        sd = np.ones(n_voxels)
        if self._standardize == "zscore_sample":
            residual_squares = squares - np.einsum("kv,kv->v", projection, projection)
            variance = np.maximum(residual_squares - n_kept * mean**2, 0) / (n_kept - 1)
            sd = np.sqrt(variance)
            sd[sd < _EPS] = 1.0
        else:
            mean = np.zeros(n_voxels)
        self._fit = projection, mean, sd
        return self._fit

    def _cleaned(self, rows):
        """Cleaned frames ``rows`` (positions among the kept frames), (len, n_voxels)."""
        projection, mean, sd = self._coefficients()
        if not len(rows):
            return np.zeros((0, projection.shape[1]))
        frames = self._kept[rows]
        start, stop = int(frames.min()), int(frames.max()) + 1
        block = self._frames(start, stop)[frames - start]
        block -= self._basis[rows] @ projection
        return (block - mean) / sd

    def __array__(self, dtype=None, copy=None):
        volume = self[...]
        return volume if dtype is None else volume.astype(dtype, copy=False)

    def __getitem__(self, slicer):
        from nibabel.fileslice import canonical_slicers

        try:
            slicer = canonical_slicers(slicer, self.shape)
        except ValueError:  # fancy indexing: clean every frame, then index
            return np.asarray(self)[slicer]
        simple = len(slicer) == 4 and all(
            isinstance(s, (slice, numbers.Integral)) for s in slicer
        )
        time = slicer[3] if simple else slice(None)
        rows = np.arange(self.shape[3])[time]
        cleaned = self._cleaned(np.atleast_1d(rows))
        volume = np.zeros(self.shape[:3] + (len(cleaned),), dtype=np.float32)
        volume[self._voxels] = cleaned.T
        if np.ndim(rows) == 0:
            volume = volume[..., 0]
        return volume[slicer[:3]] if simple else volume[slicer]
