"""The cohort simulator: MNI space, determinism, files and recoverable ground truth."""

import nibabel
import numpy as np
import pytest
from nilearn.maskers import NiftiMasker
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score

from neurost.datasets.cohort import LABEL_NETWORKS, NETWORKS, TRAIT_NETWORK, make_cohort
from neurost.io import get_t_r


@pytest.fixture(scope="module")
def small():
    return make_cohort(n_subjects=4, n_frames=6, t_r=1.5, random_state=0)


def test_runs_are_mni_images(small):
    assert len(small.runs) == 4
    run = small.runs[0]
    assert isinstance(run, nibabel.Nifti1Image)
    assert run.shape == (50, 59, 48, 6)
    assert run.get_data_dtype() == np.float32
    expected = np.array(
        [[4, 0, 0, -98], [0, 4, 0, -134], [0, 0, 4, -72], [0, 0, 0, 1]], dtype=float
    )
    np.testing.assert_allclose(run.affine, expected)
    np.testing.assert_allclose(small.mask.affine, expected)
    assert run.header.get_sform(coded=True)[1] == 4  # NIFTI_XFORM_MNI_152
    assert get_t_r(run) == 1.5 and small.t_r == 1.5
    assert small.network_maps.shape == (50, 59, 48, len(NETWORKS))
    assert small.network_names == list(NETWORKS)
    assert small.network_timeseries.shape == (4, 6, len(NETWORKS))
    assert small.coupling.shape == (4, len(NETWORKS), len(NETWORKS))
    assert "MNI152" in small.description


def test_zero_outside_the_brain_and_lazy_reads_agree(small):
    mask = np.asarray(small.mask.dataobj) > 0
    data = np.asarray(small.runs[1].dataobj)
    assert data.dtype == np.float32
    assert (data[~mask] == 0).all()
    assert (data[mask] != 0).mean() > 0.99
    np.testing.assert_array_equal(small.runs[1].dataobj[..., 2], data[..., 2])
    np.testing.assert_array_equal(
        small.runs[1].dataobj[10:20, 5, :, 1:3], data[10:20, 5, :, 1:3]
    )
    maps = np.asarray(small.network_maps.dataobj)
    assert (maps[~mask] == 0).all() and maps.max() == pytest.approx(1.0, abs=0.05)
    masked = NiftiMasker(small.mask, standardize=None).fit().transform(small.runs[1])
    np.testing.assert_allclose(masked, data[mask].T, rtol=1e-6)


def test_each_network_peaks_at_its_regions(small):
    maps = np.asarray(small.network_maps.dataobj)
    inverse = np.linalg.inv(small.network_maps.affine)
    for index, regions in enumerate(NETWORKS.values()):
        for centre in regions.values():
            voxel = np.round(inverse[:3, :3] @ centre + inverse[:3, 3]).astype(int)
            assert maps[tuple(voxel) + (index,)] > 0.8


def test_coupling_truth_is_a_correlation_matrix(small):
    for matrix in small.coupling:
        np.testing.assert_allclose(np.diag(matrix), 1.0)
        np.testing.assert_allclose(matrix, matrix.T)
        assert np.linalg.eigvalsh(matrix).min() > 0


def test_deterministic_and_balanced():
    first = make_cohort(n_subjects=5, n_frames=3, resolution=8, random_state=7)
    second = make_cohort(n_subjects=5, n_frames=3, resolution=8, random_state=7)
    other = make_cohort(n_subjects=5, n_frames=3, resolution=8, random_state=8)
    np.testing.assert_array_equal(first.labels, second.labels)
    np.testing.assert_array_equal(first.trait, second.trait)
    np.testing.assert_array_equal(first.runs[3].get_fdata(), second.runs[3].get_fdata())
    assert not np.array_equal(first.runs[3].get_fdata(), other.runs[3].get_fdata())
    assert sorted(np.bincount(first.labels)) == [2, 3]


def test_non_integer_resolution():
    cohort = make_cohort(n_subjects=2, n_frames=2, resolution=7.5, random_state=0)
    assert cohort.runs[0].header.get_zooms() == pytest.approx((7.5, 7.5, 7.5, 2.0))
    assert np.diag(cohort.mask.affine)[:3] == pytest.approx([7.5] * 3)


def _network_features(cohort):
    mask = np.asarray(cohort.mask.dataobj) > 0
    weights = np.asarray(cohort.network_maps.dataobj)[mask]
    weights = weights / weights.sum(axis=0)
    first, second = (cohort.network_names.index(name) for name in LABEL_NETWORKS)
    trait_index = cohort.network_names.index(TRAIT_NETWORK)
    coupling, amplitude = [], []
    for run in cohort.runs:
        series = np.asarray(run.dataobj)[mask].T @ weights
        coupling.append(np.corrcoef(series[:, first], series[:, second])[0, 1])
        amplitude.append(np.log(series[:, trait_index].std()))
    return np.array(coupling), np.array(amplitude)


def test_ground_truth_recoverable_from_network_time_series():
    cohort = make_cohort(n_subjects=20, n_frames=80, resolution=6, random_state=1)
    coupling, amplitude = _network_features(cohort)
    accuracy = cross_val_score(
        LogisticRegression(), coupling[:, None], cohort.labels, cv=4
    ).mean()
    assert accuracy >= 0.85
    assert ((coupling > 0) == cohort.labels).mean() >= 0.85
    assert np.corrcoef(amplitude, cohort.trait)[0, 1] > 0.7
    true_coupling = cohort.coupling[:, 1, 0]
    assert np.corrcoef(coupling, true_coupling)[0, 1] > 0.85


def test_zero_effect_hides_the_label():
    cohort = make_cohort(
        n_subjects=40, n_frames=2, resolution=10, effect_size=0.0, random_state=2
    )
    truth = cohort.coupling[:, 1, 0]
    difference = truth[cohort.labels == 1].mean() - truth[cohort.labels == 0].mean()
    assert abs(difference) < 0.2
    np.testing.assert_allclose(cohort.amplitudes, 1.0)


def test_output_dir_writes_files_and_refuses_to_overwrite(tmp_path):
    target = tmp_path / "cohort"
    cohort = make_cohort(
        n_subjects=3, n_frames=4, resolution=8, random_state=0, output_dir=target
    )
    assert [path.name for path in cohort.runs] == [
        "sub-01_bold.nii.gz", "sub-02_bold.nii.gz", "sub-03_bold.nii.gz"
    ]
    assert sorted(p.name for p in target.iterdir()) == [p.name for p in cohort.runs]
    in_memory = make_cohort(n_subjects=3, n_frames=4, resolution=8, random_state=0)
    loaded = nibabel.load(cohort.runs[2])
    assert get_t_r(cohort.runs[2]) == 2.0
    np.testing.assert_array_equal(loaded.get_fdata(), in_memory.runs[2].get_fdata())
    before = cohort.runs[0].read_bytes()
    with pytest.raises(FileExistsError, match="output_dir.*sub-01_bold.nii.gz"):
        make_cohort(n_subjects=3, n_frames=4, resolution=8, output_dir=target)
    assert cohort.runs[0].read_bytes() == before
    with pytest.raises(ValueError, match="output_dir must be a directory"):
        make_cohort(n_subjects=2, output_dir=cohort.runs[0])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_subjects": 1}, "n_subjects"),
        ({"n_subjects": 2.0}, "n_subjects"),
        ({"n_frames": 0}, "n_frames"),
        ({"t_r": 0}, "t_r"),
        ({"resolution": 0.5}, "resolution"),
        ({"resolution": "4mm"}, "resolution"),
        ({"effect_size": -1}, "effect_size"),
        ({"noise": float("inf")}, "noise"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_cohort(**{"n_subjects": 2, "n_frames": 2, "resolution": 8, **kwargs})
