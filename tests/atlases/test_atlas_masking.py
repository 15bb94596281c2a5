"""Maskers, per-target ROI labels, and the checks of data against an atlas."""

import functools

import nibabel as nib
import numpy as np
import pytest
from nilearn.maskers import NiftiLabelsMasker, NiftiMasker, SurfaceMasker
from nilearn.surface import PolyData, SurfaceImage

from neurost.atlases import Atlas, load_atlas
from neurost.datasets import load_surface_mesh

load = functools.lru_cache(maxsize=None)(load_atlas)
AFFINE = np.diag([2.0, 2.0, 2.0, 1.0])


def _volume_atlas():
    labels = np.zeros((6, 6, 6), dtype=int)
    labels[1:3, 1:5, 1:5] = 4
    labels[3:5, 1:5, 1:3] = 2
    labels[3:5, 1:5, 3:5] = 9
    return Atlas.from_arrays(
        labels, {2: "b", 4: "a", 9: "c"}, affine=AFFINE,
        groupings={"pairs": {"ab": ["a", "b"]}},
    )


def _surface_data(atlas, values):
    """Surface image of ``values`` (one per atlas vertex, left then right)."""
    split = np.cumsum(list(atlas.n_vertices.values()))[:-1]
    parts = dict(zip(atlas.n_vertices, np.split(np.asarray(values, dtype=float), split)))
    return SurfaceImage(mesh=atlas.mesh(), data=PolyData(**parts))


def test_volume_roi_labels_follow_the_voxel_masker_output():
    atlas = _volume_atlas()
    rois = ["c", "ab"]
    positions = {9: 1.0, 2: 2.0, 4: 2.0}  # position + 1 of each label's output ROI
    code = np.vectorize(lambda v: positions.get(v, 0.0))(atlas.labels)
    img = nib.Nifti1Image(np.stack([code, 10 * code], axis=-1), AFFINE)
    masker = atlas.masker(rois, kind="voxels")
    assert isinstance(masker, NiftiMasker)
    signals = masker.fit_transform(img)
    roi_labels = atlas.roi_labels(rois)
    assert roi_labels.dtype == np.int64 and len(roi_labels) == (atlas.labels > 0).sum()
    np.testing.assert_array_equal(signals[0], roi_labels + 1)
    parcels = atlas.extract(img, rois, kind="parcels")
    np.testing.assert_allclose(parcels, [[1, 2], [10, 20]])


def test_surface_roi_labels_follow_the_vertex_masker_output():
    mmp = load("mmp1")
    selection = mmp.resolve_rois("visual_streams_lr")
    lookup = np.zeros(mmp.table["index"].max() + 1)
    for position, members in enumerate(selection.values()):
        lookup[members] = position + 1
    labels = np.concatenate(list(mmp.labels.values()))
    img = _surface_data(mmp, lookup[labels])
    masker = mmp.masker("visual_streams_lr")
    assert isinstance(masker, SurfaceMasker)
    signals = masker.fit_transform(img)
    np.testing.assert_array_equal(signals, mmp.roi_labels("visual_streams_lr") + 1)
    assert list(selection)[:2] == ["L_early", "L_ventral"]


def test_coordinate_roi_labels_follow_the_voxel_masker_output():
    atlas = Atlas.from_coordinates([[-40, -80, 0], [40, -80, 0]], 6, ["left", "right"])
    volume = atlas.to_volume()
    img = nib.Nifti1Image(volume.labels.astype(np.float32), volume.affine)
    signals = atlas.extract(img, ["right", "left"], kind="voxels")
    np.testing.assert_array_equal(signals[0], 2 - atlas.roi_labels(["right", "left"]))
    merged = atlas.masker({"both": ["left", "right"]})
    assert isinstance(merged, NiftiLabelsMasker)


def test_masker_passes_cleaning_arguments_and_refuses_the_atlas_ones():
    atlas = _volume_atlas()
    masker = atlas.masker(kind="parcels", standardize="zscore_sample", detrend=True, t_r=2.0)
    assert (masker.standardize, masker.detrend, masker.t_r) == ("zscore_sample", True, 2.0)
    with pytest.raises(TypeError, match=r"\['mask_img'\] cannot be set"):
        atlas.masker(mask_img=atlas.mask_img())
    with pytest.raises(TypeError, match=r"\['target_affine'\] cannot be set"):
        atlas.masker(target_affine=np.eye(3))
    with pytest.raises(TypeError, match=r"\['radius'\] cannot be set"):
        load("power264").masker(radius=8)
    with pytest.raises(ValueError, match="kind='voxel'.*Did you mean 'voxels'"):
        atlas.masker(kind="voxel")


def test_extract_of_a_3d_volume_gives_one_frame(tmp_path):
    atlas = _volume_atlas()
    path = tmp_path / "beta.nii.gz"
    nib.save(nib.Nifti1Image(atlas.labels.astype(np.float32), AFFINE), path)
    signals = atlas.extract(path, kind="parcels")
    np.testing.assert_allclose(signals, [[2, 4, 9]])


def test_surface_data_with_another_vertex_count_is_refused():
    mesh = load_surface_mesh("fsaverage5")
    img = SurfaceImage(mesh=mesh, data=PolyData(left=np.ones(10242), right=np.ones(10242)))
    with pytest.raises(ValueError, match=r"10242 vertices in the left hemisphere \(fsaverage5\?\)"
                       r".*'mmp1' \(fsLR32k\) has 32492"):
        load("mmp1").extract(img)


def test_data_of_the_wrong_kind_is_refused():
    mmp = load("mmp1")
    volume = nib.Nifti1Image(np.ones((4, 4, 4)), AFFINE)
    with pytest.raises(ValueError, match="img is a volume but atlas 'mmp1' is on the surface"):
        mmp.check_compatible(volume)
    with pytest.raises(TypeError, match="img must be a nilearn SurfaceImage"):
        mmp.check_compatible(np.ones(64984))
    with pytest.raises(ValueError, match="img is a surface image but the atlas is a volume"):
        _volume_atlas().check_compatible(_surface_data(mmp, np.ones(64984)))
    with pytest.raises(ValueError, match=r"3-D or 4-D volume; got shape \(4, 4\)"):
        _volume_atlas().check_compatible(nib.Nifti1Image(np.ones((4, 4)), np.eye(4)))


def test_volume_outside_the_atlas_field_of_view_is_refused():
    shifted = AFFINE.copy()
    shifted[:3, 3] = 500.0
    img = nib.Nifti1Image(np.ones((6, 6, 6, 2)), shifted)
    with pytest.raises(ValueError, match="field of view .* does not overlap"):
        _volume_atlas().extract(img)
    with pytest.raises(ValueError, match="does not reach the selected spheres"):
        load("power264").check_compatible(img)


@pytest.mark.filterwarnings("ignore:imgs are being resampled:UserWarning")
def test_roi_outside_a_partial_field_of_view_is_named():
    atlas = _volume_atlas()
    data = np.arange(1.0, 6 * 6 * 3 * 2 + 1).reshape(6, 6, 3, 2)
    slab = nib.Nifti1Image(data, AFFINE)  # z < 6 mm: misses 'c'
    message = r"Empty ROI: 'c' \(1 of the 3 selected ROIs of atlas 'custom'\) has no"
    with pytest.raises(ValueError, match=message):
        atlas.extract(slab)
    assert atlas.extract(slab, rois=["a", "b"]).shape == (2, 32 + 16)


def test_roi_with_no_data_after_masking_is_named():
    atlas = _volume_atlas()
    data = np.ones((6, 6, 6, 2))
    data[atlas.labels == 2] = 0
    with pytest.raises(ValueError, match=r"Empty ROI: 'b' .* non-zero data"):
        atlas.check_compatible(nib.Nifti1Image(data, AFFINE), rois=["a", "b"])
    mmp = load("mmp1")
    values = np.ones(64984)
    values[np.concatenate(list(mmp.labels.values())) == 1] = np.nan
    with pytest.raises(ValueError, match="Empty ROI: 'L_V1'"):
        mmp.check_compatible(_surface_data(mmp, values), rois=["L_V1", "L_V2"])


def test_roi_lost_when_resampled_to_the_data_grid_is_named():
    labels = np.zeros((8, 8, 8), dtype=int)
    labels[:, :, :4] = 1
    labels[4, 4, 5] = 2  # one 1-mm voxel, off the 4-mm voxel centres
    atlas = Atlas.from_arrays(labels, ["big", "tiny"], affine=np.eye(4))
    coarse = nib.Nifti1Image(np.ones((2, 2, 2, 2)), np.diag([4.0, 4.0, 4.0, 1.0]))
    atlas.check_compatible(coarse, kind="voxels")
    with pytest.raises(ValueError, match="'tiny' .* left after resampling"):
        atlas.extract(coarse, kind="parcels")


def test_roi_without_voxels_in_the_atlas_is_named():
    # A table row whose label the image lacks is refused when the atlas is built.
    with pytest.raises(ValueError, match="names labels that the atlas does not hold: 2"):
        Atlas.from_arrays(np.ones((2, 2, 2)), {1: "here", 2: "gone"}, affine=AFFINE)
    atlas = Atlas.from_arrays(np.ones((2, 2, 2)), {1: "here"}, affine=AFFINE)
    assert atlas.roi_labels("here").tolist() == [0] * 8


def test_sphere_without_data_is_named():
    atlas = Atlas.from_coordinates([[0, 0, 0], [20, 0, 0]], 4, ["centre", "side"])
    data = np.ones((30, 10, 10))
    data[18:] = 0  # x >= 16 mm holds no data
    img = nib.Nifti1Image(data, np.array([[2, 0, 0, -20], [0, 2, 0, -10],
                                          [0, 0, 2, -10], [0, 0, 0, 1.0]]))
    with pytest.raises(ValueError, match="Empty ROI: 'side'"):
        atlas.extract(img)
    np.testing.assert_allclose(atlas.extract(img, rois="centre"), [[1.0]])
