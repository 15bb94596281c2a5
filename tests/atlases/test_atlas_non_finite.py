"""The atlases' maskers say so when the data hold NaN or infinite values."""

import warnings

import nibabel as nib
import numpy as np
import pytest
from nilearn import maskers
from nilearn.surface import InMemoryMesh, PolyData, PolyMesh, SurfaceImage

from neurost.atlases import Atlas

AFFINE = np.diag([2.0, 2.0, 2.0, 1.0])


def _volume_atlas():
    labels = np.zeros((4, 4, 4), dtype=int)
    labels[:2] = 1
    labels[2] = 2  # the last slab is background
    return Atlas.from_arrays(labels, ["a", "b"], affine=AFFINE)


def _run(shape=(4, 4, 4, 5)):
    return np.random.default_rng(0).random(shape) + 1.0


def _surface_atlas():
    def strip(n):
        coordinates = np.arange(3.0 * n).reshape(n, 3)
        faces = np.array([[i, i + 1, i + 2] for i in range(n - 2)])
        return InMemoryMesh(coordinates, faces)

    mesh = PolyMesh(left=strip(6), right=strip(5))
    labels = {"left": np.array([1, 1, 1, 2, 2, 0]), "right": np.array([2, 2, 1, 1, 0])}
    return Atlas.from_arrays(labels, ["a", "b"], mesh=mesh)


def _surface_run(atlas, left, right):
    return SurfaceImage(mesh=atlas.mesh(), data=PolyData(left=left, right=right))


@pytest.mark.parametrize("kind", ["voxels", "parcels"])
def test_volume_masker_warns_with_count_and_place(kind):
    atlas = _volume_atlas()
    data = _run()
    data[1, 2, 3, 1] = np.nan
    data[0, 0, 0, 2] = np.inf
    data[3, 3, 3, 0] = np.nan  # background: not read, not counted
    img = nib.Nifti1Image(data, AFFINE)
    with pytest.warns(UserWarning) as record:
        signals = atlas.masker(kind=kind).fit_transform(img)
    messages = [str(w.message) for w in record]
    assert len(messages) == 1  # nilearn's own vaguer warning is left out
    assert "2 NaN or infinite value(s) in 2 of the 48 voxels" in messages[0]
    assert "first at voxel (0, 0, 0), frame 2" in messages[0]
    clean = data.copy()
    clean[~np.isfinite(clean)] = 0  # what nilearn does, now said
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        expected = atlas.masker(kind=kind).fit_transform(nib.Nifti1Image(clean, AFFINE))
    np.testing.assert_allclose(signals, expected)


def test_finite_run_gives_no_warning(tmp_path):
    atlas = _volume_atlas()
    path = tmp_path / "run.nii.gz"
    nib.save(nib.Nifti1Image(_run().astype(np.float32), AFFINE), path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        signals = atlas.masker(kind="voxels").fit_transform(path)
    assert signals.shape == (5, 48)


def test_run_read_from_a_file_is_checked(tmp_path):
    data = _run()
    data[2, 0, 0, 4] = np.nan
    img = nib.Nifti1Image(data, AFFINE)
    img.header.set_zooms((2.0, 2.0, 2.0, 1.5))
    img.header.set_xyzt_units("mm", "sec")
    path = tmp_path / "run.nii.gz"
    nib.save(img, path)
    with pytest.warns(UserWarning, match=r"first at voxel \(2, 0, 0\), frame 4"):
        signals = _volume_atlas().extract(path, kind="voxels")
    assert np.isfinite(signals).all()


@pytest.mark.parametrize("kind", ["voxels", "parcels"])
def test_surface_masker_warns_with_hemisphere_and_vertex(kind):
    atlas = _surface_atlas()
    left, right = np.ones((6, 3)), np.ones((5, 3))
    right[3, 1] = np.inf
    right[4, 0] = np.nan  # background vertex: not counted
    img = _surface_run(atlas, left, right)
    with pytest.warns(UserWarning) as record:
        signals = atlas.extract(img, kind=kind)
    message = str(record[0].message)
    assert "1 NaN or infinite value(s) in 1 of the 9 vertices" in message
    assert "first at right vertex 3, frame 1" in message
    assert not np.isfinite(signals[1]).all()  # passed on, as the warning says


def test_derived_masker_keeps_nilearn_behaviour():
    masker = _volume_atlas().masker(kind="voxels")
    assert isinstance(masker, maskers.NiftiMasker)
    from sklearn.base import clone

    assert type(clone(masker)) is type(masker)
