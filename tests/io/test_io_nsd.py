"""Reading NSD fsaverage betas and design: a tiny tree with NSD's file names."""

import nibabel as nib
import numpy as np
import pytest
from scipy.io import savemat

from neurost.io.nsd import average_repeats, load_nsd_betas, load_nsd_trials
from neurost.metrics import ncsnr

N_LEFT, N_RIGHT = 10, 8


def _design():
    """masterordering (1, 30000) and subjectim (8, 10000), both 1-based."""
    rng = np.random.default_rng(0)
    # sessions 1 and 2 show positions 1..750, session 3 repeats 1..50 once more
    first = np.concatenate([np.arange(1, 751), rng.permutation(np.arange(1, 751))])
    rest = np.concatenate([np.arange(1, 51), *[np.arange(751, 10001)] * 3, np.arange(51, 751)])
    order = np.concatenate([first, rest])[None, :]
    images = np.stack([rng.permutation(73000)[:10000] + 1 for _ in range(8)])
    return order.astype(np.float64), images.astype(np.float64)


def write_nsd(root, dtype=np.int16):
    """Write the design and sessions 1-3 of subj01; return (order, subjectim, betas)."""
    design = root / "nsddata" / "experiments" / "nsd"
    design.mkdir(parents=True)
    order, images = _design()
    savemat(design / "nsd_expdesign.mat", {"masterordering": order, "subjectim": images})
    folder = root / "nsddata_betas/ppdata/subj01/fsaverage/betas_fithrf_GLMdenoise_RR"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(1)
    stored = {}
    for session in (1, 2, 3):
        for prefix, n in (("lh", N_LEFT), ("rh", N_RIGHT)):
            data = rng.integers(-3000, 3000, size=(n, 1, 1, 750)).astype(dtype)
            nib.save(nib.MGHImage(data, np.eye(4)), folder / f"{prefix}.betas_session{session:02d}.mgh")
            stored[session, prefix] = data[:, 0, 0, :].T.astype(np.float64)
    return order, images, stored


@pytest.fixture
def nsd(tmp_path):
    return (tmp_path, *write_nsd(tmp_path))


def test_trials_map_to_73k_images(nsd):
    root, order, images, _ = nsd
    trials = load_nsd_trials(root, 1, sessions=[2, 1])
    assert list(trials.columns) == ["session", "trial", "image", "repeat"]
    assert len(trials) == 1500
    assert trials["session"].tolist()[:1] == [2] and trials["trial"].iloc[749] == 750
    expected = images[0, order[0, 750:1500].astype(int) - 1]
    np.testing.assert_array_equal(trials["image"].to_numpy()[:750], expected)
    # session 1 shows each of its images first; session 2 repeats them
    assert (trials["repeat"].to_numpy()[750:] == 0).all()
    assert (trials["repeat"].to_numpy()[:750] == 1).all()
    third = load_nsd_trials(root, "subj01", 3)
    assert (third["repeat"].to_numpy()[:50] == 2).all()
    other = load_nsd_trials(root, 5, 1)["image"].to_numpy()
    np.testing.assert_array_equal(other, images[4, order[0, :750].astype(int) - 1])
    assert len(load_nsd_trials(root, 1)) == 30000


def test_betas_are_percent_signal_change_with_their_trials(nsd):
    root, _, _, stored = nsd
    betas, trials = load_nsd_betas(root, 1, [1, 2])
    assert betas.dtype == np.float32 and betas.shape == (1500, N_LEFT + N_RIGHT)
    np.testing.assert_allclose(betas[:750, :N_LEFT], stored[1, "lh"] / 300, rtol=1e-6)
    np.testing.assert_allclose(betas[750:, N_LEFT:], stored[2, "rh"] / 300, rtol=1e-6)
    assert trials["session"].tolist() == [1] * 750 + [2] * 750
    snr = ncsnr(betas, trials["image"])  # noise ceiling straight from the output
    assert snr.shape == (N_LEFT + N_RIGHT,) and np.isfinite(snr).all()
    raw, _ = load_nsd_betas(root, 1, 1, hemispheres="right", scale=1.0)
    np.testing.assert_array_equal(raw, stored[1, "rh"])


def test_float_files_are_kept_as_stored(tmp_path):
    _, _, stored = write_nsd(tmp_path, dtype=np.float32)
    betas, _ = load_nsd_betas(tmp_path, 1, 3, hemispheres=["left"])
    np.testing.assert_array_equal(betas, stored[3, "lh"])


def test_vertex_selection_and_zscore(nsd):
    root, _, _, stored = nsd
    mask = np.zeros(N_RIGHT, bool)
    mask[[1, 5]] = True
    betas, _ = load_nsd_betas(
        root, 1, [3, 1], vertices={"left": [7, 2], "right": mask}, zscore=True
    )
    assert betas.shape == (1500, 4)
    expected = stored[1, "lh"][:, [7, 2]]
    expected = (expected - expected.mean(0)) / expected.std(0)
    np.testing.assert_allclose(betas[750:, :2], expected, atol=1e-5)
    np.testing.assert_allclose(betas[:750].mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(betas[:750].std(0), 1, atol=1e-5)


def test_zscore_leaves_nan_out(tmp_path):
    _, _, stored = write_nsd(tmp_path, dtype=np.float32)
    folder = tmp_path / "nsddata_betas/ppdata/subj01/fsaverage/betas_fithrf_GLMdenoise_RR"
    data = stored[1, "lh"].T.astype(np.float32)  # (vertices, trials)
    data[0, [3, 400]] = np.nan
    data[1] = np.nan
    nib.save(nib.MGHImage(data[:, None, None, :], np.eye(4)), folder / "lh.betas_session01.mgh")
    betas, _ = load_nsd_betas(tmp_path, 1, 1, hemispheres="left", zscore=True)
    assert np.isnan(betas[:, 1]).all()
    np.testing.assert_array_equal(np.flatnonzero(np.isnan(betas[:, 0])), [3, 400])
    kept = np.delete(data[0], [3, 400]).astype(np.float64)
    expected = (kept - kept.mean()) / kept.std()
    np.testing.assert_allclose(np.delete(betas[:, 0], [3, 400]), expected, atol=1e-5)
    whole = data[2].astype(np.float64)
    np.testing.assert_allclose(betas[:, 2], (whole - whole.mean()) / whole.std(), atol=1e-5)


def test_average_repeats():
    responses = np.arange(12.0).reshape(6, 2)
    averages, unique, counts = average_repeats(responses, [5, 3, 5, 9, 3, 5])
    np.testing.assert_array_equal(unique, [3, 5, 9])
    np.testing.assert_array_equal(counts, [2, 3, 1])
    np.testing.assert_allclose(averages, [[5, 6], [14 / 3, 17 / 3], [6, 7]])
    assert average_repeats(responses.astype(np.float32), np.arange(6))[0].dtype == np.float32


def test_bad_files_are_named(nsd):
    root, *_ = nsd
    folder = root / "nsddata_betas/ppdata/subj01/fsaverage/betas_fithrf_GLMdenoise_RR"
    with pytest.raises(FileNotFoundError, match="lh.betas_session04.mgh"):
        load_nsd_betas(root, 1, 4)
    path = folder / "rh.betas_session02.mgh"
    path.write_bytes(path.read_bytes()[:2000])
    with pytest.raises(ValueError, match="rh.betas_session02.mgh.*truncated"):
        load_nsd_betas(root, 1, 2)
    nib.save(nib.MGHImage(np.zeros((4, 1, 1, 700), np.float32), np.eye(4)),
             folder / "lh.betas_session03.mgh")
    with pytest.raises(ValueError, match=r"lh.betas_session03.mgh: expected shape \(n_vertices, 1, 1, 750\)"):
        load_nsd_betas(root, 1, 3)
