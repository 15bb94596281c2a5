"""User atlases: Atlas.from_image, Atlas.from_arrays, Atlas.from_coordinates."""

import nibabel as nib
import numpy as np
import pandas as pd
import pytest
from nilearn.surface import PolyData, SurfaceImage
from sklearn.utils import Bunch

from neurost.atlases import Atlas, CoordinateAtlas, SurfaceAtlas, VolumeAtlas
from neurost.datasets import load_surface_mesh

AFFINE = np.diag([3.0, 3.0, 3.0, 1.0])


def _label_volume():
    labels = np.zeros((4, 5, 6), dtype=np.int16)
    labels[:2, :, :3] = 1
    labels[2:, :, :3] = 2
    labels[:, :, 3:] = 7
    return labels


def test_from_image_reads_a_nifti_image_and_a_path(tmp_path):
    img = nib.Nifti1Image(_label_volume(), AFFINE)
    atlas = Atlas.from_image(img, ["left", "right", "top"], space="MNI152NLin6Asym")
    assert isinstance(atlas, VolumeAtlas)
    assert atlas.table["index"].tolist() == [1, 2, 7]
    assert atlas.roi_names == ["left", "right", "top"]
    assert atlas.space == "MNI152NLin6Asym" and atlas.voxel_size == (3.0, 3.0, 3.0)
    nib.save(img, tmp_path / "rois.nii.gz")
    from_path = Atlas.from_image(tmp_path / "rois.nii.gz")
    np.testing.assert_array_equal(from_path.labels, _label_volume())
    assert from_path.roi_names == ["roi_1", "roi_2", "roi_7"]
    np.testing.assert_array_equal(from_path.labels_img().get_fdata(), _label_volume())


def test_from_image_reads_nsd_style_rois_with_negative_background():
    labels = _label_volume().astype(np.float32)
    labels[0, 0, 0] = -1  # NSD marks voxels outside the brain with -1
    names = {-1: "outside", 0: "Unknown", 1: "V1v", 2: "V1d", 7: "hV4"}
    atlas = Atlas.from_image(nib.Nifti1Image(labels, AFFINE), names, name="prf-visualrois")
    assert atlas.labels[0, 0, 0] == 0 and atlas.labels.dtype == np.int32
    assert atlas.roi_names == ["V1v", "V1d", "hV4"]
    assert "prf-visualrois" in repr(atlas)


def test_from_image_reads_a_nilearn_atlas_bunch():
    lut = pd.DataFrame(
        {"index": [0, 1, 2, 7], "name": ["Background", "a", "b", "c"],
         "color": ["#000000", "#ff0000", "#00ff00", "#0000ff"]}
    )
    bunch = Bunch(maps=nib.Nifti1Image(_label_volume(), AFFINE), lut=lut,
                  labels=["Background", "a", "b", "c"], atlas_type="deterministic")
    atlas = Atlas.from_image(bunch)
    assert atlas.table.columns.tolist() == ["index", "name", "color"]
    assert atlas.roi_names == ["a", "b", "c"]
    without_lut = Atlas.from_image(Bunch(maps=bunch.maps, labels=bunch.labels))
    assert without_lut.roi_names == ["a", "b", "c"]


def test_from_image_reads_a_surface_label_image():
    mesh = load_surface_mesh("fsaverage5", "pial")
    left = np.zeros(10242, dtype=int)
    left[:50] = 1
    right = np.zeros(10242, dtype=int)
    right[:80] = 2
    img = SurfaceImage(mesh=mesh, data=PolyData(left=left, right=right))
    atlas = Atlas.from_image(img, {1: "FFA", 2: "PPA"})
    assert isinstance(atlas, SurfaceAtlas)
    assert atlas.space == "fsaverage5" and atlas.mesh() is mesh
    assert atlas.n_vertices == {"left": 10242, "right": 10242}
    np.testing.assert_array_equal(atlas.labels_img().data.parts["right"], right)


def test_from_arrays_builds_volume_and_surface_atlases():
    volume = Atlas.from_arrays(_label_volume(), names=["a", "b", "c"], affine=AFFINE)
    assert isinstance(volume, VolumeAtlas) and volume.n_rois == 3
    labels = np.zeros(2 * 10242, dtype=int)
    labels[10:20] = 3
    labels[10242 + 5 : 10242 + 9] = 4
    table = pd.DataFrame({"index": [3, 4], "name": ["x", "y"],
                          "hemisphere": ["left", "right"]})
    surface = Atlas.from_arrays(labels, table, space="fsaverage5")
    assert surface.labels["right"][5] == 4 and surface.labels["left"][10] == 3
    assert surface.groupings == {"hemisphere": {"left": ["x"], "right": ["y"]}}
    assert surface.mesh("flat").parts["left"].n_vertices == 10242
    mesh = load_surface_mesh("fsaverage5", "sphere")
    split = Atlas.from_arrays({"left": labels[:10242], "right": labels[10242:]}, mesh=mesh)
    assert split.space == "fsaverage5" and split.mesh() is mesh
    with pytest.raises(ValueError, match="must be one label per vertex, 20484"):
        Atlas.from_arrays(labels[:-1], space="fsaverage5")


def test_from_coordinates_builds_spheres():
    atlas = Atlas.from_coordinates([[0, 0, 0], [30, 0, 0]], radius=[6, 8], names=["a", "b"])
    assert isinstance(atlas, CoordinateAtlas)
    assert atlas.space == "MNI152" and atlas.radius.tolist() == [6.0, 8.0]
    assert "radius 6 to 8 mm" in repr(atlas)
    with pytest.raises(ValueError, match="radius must be positive"):
        Atlas.from_coordinates([[0, 0, 0]], radius=0)
    with pytest.raises(ValueError, match=r"coords must have shape \(n_rois, 3\)"):
        Atlas.from_coordinates([0, 0, 0], radius=5)
    with pytest.raises(ValueError, match="names labels that the atlas does not hold: 3"):
        Atlas.from_coordinates([[0, 0, 0]], 5, names={1: "a", 3: "c"})


def test_atlas_arrays_are_read_only():
    atlas = Atlas.from_arrays(_label_volume(), affine=AFFINE)
    with pytest.raises(ValueError, match="read-only"):
        atlas.labels[0, 0, 0] = 3
    table = atlas.table
    table.loc[0, "name"] = "changed"
    assert atlas.roi_names[0] == "roi_1"


@pytest.mark.parametrize(
    ("labels", "names", "message"),
    [
        (_label_volume() + 0.5, None, "must hold integer labels"),
        (np.full((2, 2, 2), np.nan), None, "NaN or infinite"),
        (np.ones((2, 2, 2, 2)), None, "must be 3-D"),
        (_label_volume(), ["a", "b"], "got 2 names for the 3 labels"),
        (_label_volume(), {1: "a", 2: "b"}, "does not name: 7"),
        (_label_volume(), {1: "a", 2: "a", 7: "c"}, "must be unique"),
        (_label_volume(), pd.DataFrame({"name": ["a"]}), "needs the columns 'index'"),
    ],
)
def test_bad_label_arrays_or_tables_are_refused(labels, names, message):
    with pytest.raises(ValueError, match=message):
        Atlas.from_arrays(labels, names, affine=AFFINE)


def test_from_arrays_needs_an_affine_or_a_mesh():
    with pytest.raises(ValueError, match="cannot tell a volume from a surface"):
        Atlas.from_arrays(_label_volume())
    with pytest.raises(ValueError, match="affine must be a 4 x 4 matrix"):
        Atlas.from_arrays(_label_volume(), affine=np.eye(3))
    with pytest.raises(TypeError, match="table must be None, a DataFrame"):
        Atlas.from_arrays(_label_volume(), "abc", affine=AFFINE)


def test_from_image_refuses_probabilistic_maps_and_unknown_inputs(tmp_path):
    maps = nib.Nifti1Image(np.random.default_rng(0).random((3, 3, 3, 4)), AFFINE)
    with pytest.raises(ValueError, match="probabilistic atlas"):
        Atlas.from_image(maps)
    with pytest.raises(TypeError, match="img must be a label image"):
        Atlas.from_image(np.zeros((3, 3, 3)))
    with pytest.raises(FileNotFoundError, match="no such file"):
        Atlas.from_image(tmp_path / "missing.nii.gz")
