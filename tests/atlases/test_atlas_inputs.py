"""Regression tests: label tables, damaged files, surface data files, meshes."""

import warnings

import nibabel as nib
import numpy as np
import pandas as pd
import pytest
from sklearn.utils import Bunch

from neurost.atlases import Atlas
from neurost.io import load_bold

N5 = 10242  # vertices per hemisphere of fsaverage5


def _labels():
    labels = np.zeros((4, 4, 4), dtype=np.int32)
    labels[:2] = 1
    labels[2:] = 5
    return labels


# -- label tables ------------------------------------------------------------


def test_series_of_names_is_matched_by_its_index():
    names = pd.Series(["back", "front"], index=[5, 1])
    atlas = Atlas.from_arrays(_labels(), names, affine=np.eye(4))
    assert dict(zip(atlas.table["index"], atlas.table["name"])) == {1: "front", 5: "back"}
    atlas = Atlas.from_image(nib.Nifti1Image(_labels(), np.eye(4)), names)
    assert atlas.roi_names == ["front", "back"]


def test_table_rows_absent_from_the_image_are_refused():
    with pytest.raises(ValueError, match="does not hold: 3, 7"):
        Atlas.from_arrays(
            _labels(), {1: "a", 3: "gone", 5: "b", 7: "lost"}, affine=np.eye(4)
        )
    lut = pd.DataFrame({"index": [0, 1, 3, 5], "name": ["Background", "a", "gone", "b"]})
    with pytest.raises(ValueError, match="does not hold: 3"):
        Atlas.from_image(nib.Nifti1Image(_labels(), np.eye(4)), lut)


def test_nilearn_bunch_lut_rows_absent_from_the_image_are_dropped():
    lut = pd.DataFrame({"index": [0, 1, 3, 5], "name": ["Background", "a", "gone", "b"]})
    bunch = Bunch(maps=nib.Nifti1Image(_labels(), np.eye(4)), lut=lut)
    with pytest.warns(UserWarning, match=r"dropped 1 .* 3 \(gone\)"):
        atlas = Atlas.from_image(bunch)
    assert atlas.roi_names == ["a", "b"]


# -- damaged files -------------------------------------------------------------


def _damaged_files(tmp_path):
    junk = tmp_path / "junk.nii.gz"
    junk.write_bytes(b"this is not a NIfTI file at all" * 10)
    whole = tmp_path / "whole.nii"
    nib.save(nib.Nifti1Image(_labels().astype(np.float32), np.eye(4)), whole)
    truncated = tmp_path / "truncated.nii"
    truncated.write_bytes(whole.read_bytes()[:-100])
    return junk, truncated


def test_damaged_label_files_are_refused_naming_img(tmp_path):
    for path in _damaged_files(tmp_path):
        with pytest.raises(ValueError, match=f"img: .*{path.name}"):
            Atlas.from_image(path)


def test_damaged_data_files_are_refused_naming_img(tmp_path):
    atlas = Atlas.from_arrays(_labels(), ["a", "b"], affine=np.eye(4))
    for path in _damaged_files(tmp_path):
        with pytest.raises(ValueError, match=f"img: .*{path.name}"):
            atlas.extract(path)
        with pytest.raises(ValueError, match=f"img: .*{path.name}"):
            atlas.check_compatible(path)


# -- surface data files ----------------------------------------------------------


def _surface_atlas():
    labels = {part: np.where(np.arange(N5) < N5 // 2, 1, 2) for part in ("left", "right")}
    return Atlas.from_arrays(labels, ["a", "b"], space="fsaverage5")


def _gifti_pair(tmp_path, n_frames=6, time_step_ms=2000):
    rng = np.random.default_rng(0)
    paths = []
    for hemi, tag in (("left", "L"), ("right", "R")):
        data = rng.normal(size=(N5, n_frames)).astype(np.float32) + 10
        img = nib.gifti.GiftiImage(
            darrays=[
                nib.gifti.GiftiDataArray(
                    frame, intent="NIFTI_INTENT_TIME_SERIES",
                    datatype="NIFTI_TYPE_FLOAT32",
                )
                for frame in data.T
            ]
        )
        img.darrays[0].meta["TimeStep"] = str(time_step_ms)
        path = tmp_path / f"sub-01_hemi-{tag}_bold.func.gii"
        nib.save(img, path)
        paths.append(path)
    return tuple(paths)


def test_surface_atlas_extracts_gifti_files_and_images(tmp_path):
    atlas = _surface_atlas()
    left, right = _gifti_pair(tmp_path)
    expected = atlas.extract(load_bold((left, right)), kind="parcels")
    assert expected.shape == (6, 2)
    np.testing.assert_allclose(atlas.extract((left, right), kind="parcels"), expected)
    pair = {"left": nib.load(left), "right": nib.load(right)}
    np.testing.assert_allclose(atlas.extract(pair, kind="parcels"), expected)
    # A volume is still refused, a path to one included.
    volume = tmp_path / "bold.nii.gz"
    nib.save(nib.Nifti1Image(np.ones((4, 4, 4), np.float32), np.eye(4)), volume)
    with pytest.raises(ValueError, match="img is a volume"):
        atlas.extract(volume)


def test_extract_takes_the_repetition_time_of_the_data(tmp_path):
    atlas = _surface_atlas()
    pair = _gifti_pair(tmp_path, n_frames=20)
    # Filtering needs t_r; it comes from the files' TimeStep (2 s).
    filtered = atlas.extract(pair, kind="parcels", high_pass=0.05)
    explicit = atlas.extract(pair, kind="parcels", high_pass=0.05, t_r=2.0)
    np.testing.assert_allclose(filtered, explicit)
    volume_atlas = Atlas.from_arrays(_labels(), ["a", "b"], affine=np.eye(4))
    img = nib.Nifti1Image(
        np.random.default_rng(1).normal(size=(4, 4, 4, 20)).astype(np.float32) + 5,
        np.eye(4),
    )
    img.header.set_xyzt_units("mm", "sec")
    img.header["pixdim"][4] = 1.5
    path = tmp_path / "bold.nii.gz"
    nib.save(img, path)
    np.testing.assert_allclose(
        volume_atlas.extract(path, kind="parcels", high_pass=0.05),
        volume_atlas.extract(path, kind="parcels", high_pass=0.05, t_r=1.5),
    )


def test_masker_mesh_is_the_mesh_load_bold_attaches(tmp_path):
    atlas = _surface_atlas()
    run = load_bold(_gifti_pair(tmp_path))
    for kind in ("voxels", "parcels"):
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            signals = atlas.masker(kind=kind).fit_transform(run)
        assert signals.shape[0] == 6


# -- construction arguments ------------------------------------------------------


def test_singular_affine_is_refused():
    with pytest.raises(ValueError, match="affine must map voxels to mm invertibly"):
        Atlas.from_arrays(_labels(), ["a", "b"], affine=np.diag([2.0, 0.0, 2.0, 1.0]))


@pytest.mark.parametrize("radius", ["5", [5, "6"], None])
def test_non_numeric_radius_is_refused(radius):
    with pytest.raises(TypeError, match="radius must be a number"):
        Atlas.from_coordinates([[0, 0, 0], [20, 0, 0]], radius=radius)


def test_negative_radius_is_refused():
    with pytest.raises(ValueError, match="radius must be positive"):
        Atlas.from_coordinates([[0, 0, 0]], radius=-3)
