"""denoise: nilearn's confound regression and scrubbing, a block of frames at a time."""

import nibabel as nib
import numpy as np
import pytest
from nilearn.signal import clean

from neurost.io import iter_frames
from neurost.io.cleaning import denoise

N_FRAMES = 50


class _CountingProxy:
    """An in-memory run that records how many frames each read asks for."""

    is_proxy = True

    def __init__(self, data):
        self._data = data
        self.shape, self.ndim, self.dtype = data.shape, data.ndim, data.dtype
        self.reads = []

    def __array__(self, dtype=None, copy=None):
        self.reads.append(self.shape[-1])
        return self._data

    def __getitem__(self, slicer):
        block = self._data[slicer]
        self.reads.append(block.shape[-1])
        return block


@pytest.fixture(scope="module")
def run():
    """A 4 x 5 x 3 run of 50 frames: signal, confound effects and a baseline."""
    rng = np.random.default_rng(0)
    signal = rng.standard_normal((N_FRAMES, 60))
    confounds = rng.standard_normal((N_FRAMES, 4))
    data = 100 + 3 * signal + confounds @ rng.standard_normal((4, 60)) * 5
    volume = data.T.reshape(4, 5, 3, N_FRAMES).astype(np.float32)
    image = nib.Nifti1Image(volume, np.eye(4))
    image.header.set_zooms((1.0, 1.0, 1.0, 2.0))
    return image, signal, confounds


def _series(image):
    data = np.asarray(image.dataobj)
    return data.reshape(-1, data.shape[-1]).T.astype(np.float64)


@pytest.mark.parametrize("detrend, standardize, scrub", [
    (False, None, False),
    (False, None, True),
    (False, "zscore_sample", False),
    (False, "zscore_sample", True),
    (True, None, False),
    (True, "zscore_sample", False),
    (True, "zscore_sample", True),
])
def test_equals_nilearn_signal_clean(run, detrend, standardize, scrub):
    image, _, confounds = run
    sample_mask = np.r_[2:20, 23:N_FRAMES] if scrub else None
    cleaned = denoise(image, confounds, sample_mask=sample_mask, detrend=detrend,
                      standardize=standardize, chunk_size=7)
    expected = clean(_series(image), confounds=confounds, sample_mask=sample_mask,
                     detrend=detrend, standardize=standardize, filter=False,
                     standardize_confounds=True, t_r=2.0)
    assert cleaned.shape == image.shape[:3] + (len(expected),)
    scale = np.abs(expected).max()
    np.testing.assert_allclose(_series(cleaned), expected, atol=1e-5 * scale, rtol=0)


def test_the_signal_is_recovered_from_its_confounds(run):
    image, signal, confounds = run
    raw, cleaned = _series(image), _series(denoise(image, confounds, standardize="zscore_sample"))
    expected = signal - confounds @ np.linalg.lstsq(
        np.column_stack([np.ones(N_FRAMES), confounds]), signal, rcond=None)[0][1:]

    def mean_r(a, b):
        a, b = a - a.mean(axis=0), b - b.mean(axis=0)
        return np.mean((a * b).sum(axis=0) / np.sqrt((a * a).sum(axis=0) * (b * b).sum(axis=0)))

    assert mean_r(raw, signal) < 0.6
    assert mean_r(cleaned, expected) > 0.999


def test_voxels_outside_the_mask_are_zero(run):
    image, _, confounds = run
    mask = np.zeros(image.shape[:3], dtype=np.uint8)
    mask[1:3, 1:4, :] = 1
    cleaned = np.asarray(denoise(image, confounds, mask_img=nib.Nifti1Image(mask, np.eye(4))).dataobj)
    full = np.asarray(denoise(image, confounds).dataobj)
    assert not cleaned[mask == 0].any()
    np.testing.assert_allclose(cleaned[mask == 1], full[mask == 1], rtol=1e-6, atol=1e-4)


def test_blocks_match_the_whole_run_and_reads_stay_small(run):
    image, _, confounds = run
    proxy = _CountingProxy(np.asarray(image.dataobj))
    counted = nib.Nifti1Image(proxy, image.affine, image.header)
    cleaned = denoise(counted, confounds, sample_mask=np.r_[0:10, 12:N_FRAMES], chunk_size=8)
    assert proxy.reads == [], "nothing is read before the data are"
    blocks = [block for _, block in iter_frames(cleaned, 5)]
    assert max(proxy.reads) <= 8, "no read holds the whole run"
    whole = np.asarray(denoise(image, confounds, sample_mask=np.r_[0:10, 12:N_FRAMES]).dataobj)
    np.testing.assert_allclose(np.concatenate(blocks, axis=-1), whole, rtol=0, atol=1e-4)
    np.testing.assert_allclose(np.asarray(cleaned.dataobj[1, :, 2, 3:9]), whole[1, :, 2, 3:9],
                               rtol=0, atol=1e-4)


def test_a_boolean_sample_mask_equals_its_indices(run):
    image, _, confounds = run
    keep = np.ones(N_FRAMES, dtype=bool)
    keep[[0, 7, 8]] = False
    by_mask = np.asarray(denoise(image, confounds, sample_mask=keep).dataobj)
    by_index = np.asarray(denoise(image, confounds, sample_mask=np.flatnonzero(keep)).dataobj)
    np.testing.assert_array_equal(by_mask, by_index)
    assert by_mask.shape[-1] == N_FRAMES - 3


def test_rank_deficient_confounds_are_handled(run):
    image, _, confounds = run
    doubled = np.column_stack([confounds, confounds[:, :1] * 2, np.ones(N_FRAMES)])
    expected = np.asarray(denoise(image, confounds).dataobj)
    np.testing.assert_allclose(np.asarray(denoise(image, doubled).dataobj), expected, rtol=0,
                               atol=1e-5 * np.abs(expected).max())


def test_fmriprep_confounds_clean_a_simulated_run(tmp_path):
    from neurost.datasets.derivatives import make_fmriprep_derivatives
    from neurost.io.fmriprep import load_fmriprep

    study = make_fmriprep_derivatives(tmp_path / "ds", n_subjects=2, n_frames=100,
                                      resolution=8.0, motion=3.0, random_state=1)
    row = load_fmriprep(study.path, confounds="scrubbing").iloc[0]
    cleaned = denoise(row["path"], row["confounds"], sample_mask=row["sample_mask"],
                      mask_img=row["mask"], standardize="zscore_sample")
    assert cleaned.shape[-1] == len(row["sample_mask"]) < 100
    data = np.asarray(cleaned.dataobj)
    inside = nib.load(row["mask"]).get_fdata() > 0
    assert not data[~inside].any()
    np.testing.assert_allclose(data[inside].std(axis=-1, ddof=1), 1, atol=1e-4)
    # Motion explained the raw series; it explains nothing of the cleaned ones.
    motion = row["confounds"][["trans_x", "trans_y", "trans_z"]].to_numpy()[row["sample_mask"]]
    motion = motion - motion.mean(axis=0)
    residual = data[inside].T
    share = np.linalg.norm(motion.T @ residual) / np.linalg.norm(residual)
    assert share < 1e-3


def test_confounds_that_span_the_run_are_refused(run):
    image, _, _ = run
    with pytest.raises(ValueError, match="leave no signal"):
        denoise(image, np.random.default_rng(0).standard_normal((N_FRAMES, 49)))


def test_an_mgh_run_is_cleaned_with_its_repetition_time(run, tmp_path):
    image, _, confounds = run
    mgh = nib.MGHImage(np.asarray(image.dataobj), image.affine)
    mgh.header["tr"] = 2000.0
    cleaned = denoise(mgh, confounds)
    np.testing.assert_allclose(np.asarray(cleaned.dataobj), np.asarray(denoise(image, confounds).dataobj),
                               rtol=0, atol=1e-4)
    assert cleaned.header.get_zooms()[3] == 2.0


def test_fancy_indexing_reads_the_cleaned_frames(run):
    image, _, confounds = run
    cleaned = denoise(image, confounds)
    whole = np.asarray(cleaned.dataobj)
    np.testing.assert_array_equal(cleaned.dataobj[..., [1, 4]], whole[..., [1, 4]])
