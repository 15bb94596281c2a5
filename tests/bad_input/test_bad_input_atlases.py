"""Bad-input battery of neurost.atlases: wrong calls a careful user might make."""

import functools

import nibabel as nib
import numpy as np
import pandas as pd
import pytest
from nilearn.surface import InMemoryMesh, PolyData, PolyMesh, SurfaceImage

from neurost.atlases import (
    Atlas,
    CoordinateAtlas,
    SurfaceAtlas,
    VolumeAtlas,
    list_atlases,
    load_atlas,
)

AFFINE = np.diag([2.0, 2.0, 2.0, 1.0])
LABELS = np.repeat([0, 1, 2], 4).reshape(3, 2, 2)  # 0 background, ROIs 1 and 2


def _volume_atlas():
    return Atlas.from_arrays(LABELS, ["a", "b"], affine=AFFINE, groupings={"g": {"ab": ["a", "b"]}})


def _strip(n):
    faces = np.array([[i, i + 1, i + 2] for i in range(n - 2)])
    return InMemoryMesh(np.arange(3.0 * n).reshape(n, 3), faces)


@functools.cache
def _mesh():
    return PolyMesh(left=_strip(6), right=_strip(5))


def _surface_atlas():
    labels = {"left": np.array([1, 1, 1, 2, 2, 0]), "right": np.array([2, 2, 1, 1, 0])}
    return Atlas.from_arrays(labels, ["a", "b"], mesh=_mesh())


def _coordinate_atlas():
    return Atlas.from_coordinates([[0.0, 0.0, 0.0], [10.0, 0.0, 0.0]], 4.0, ["p", "q"])


def _run(nan=False):
    data = np.ones(LABELS.shape + (3,))
    if nan:
        data[1, 0, 0, 2] = np.nan
    return nib.Nifti1Image(data, AFFINE)


def _surface_run(nan=False):
    left, right = np.ones((6, 2)), np.ones((5, 2))
    if nan:
        left[0, 1] = np.inf
    return SurfaceImage(mesh=_mesh(), data=PolyData(left=left, right=right))


def _far_run():
    affine = AFFINE.copy()
    affine[:3, 3] = 500.0
    return nib.Nifti1Image(np.ones(LABELS.shape), affine)


CASES = [
    # the registry
    pytest.param(lambda: load_atlas("mmp2"), ValueError, "mmp1", id="load-typo-suggests"),
    pytest.param(lambda: load_atlas("schaefer"), ValueError, "name", id="load-unknown"),
    pytest.param(lambda: load_atlas(3), ValueError, "name", id="load-int"),
    pytest.param(lambda: load_atlas("power264", radious=5), ValueError, "radius", id="load-option-typo"),
    pytest.param(lambda: load_atlas("mmp1", radius=5), ValueError, "radius", id="load-option-not-accepted"),
    pytest.param(lambda: load_atlas("mni152_brain_mask", resolution=0), ValueError, "resolution", id="load-resolution-zero"),
    pytest.param(lambda: load_atlas("mni152_brain_mask", resolution="2mm"), ValueError, "resolution", id="load-resolution-text"),
    pytest.param(lambda: load_atlas("dosenbach160", radius=-1), ValueError, "radius", id="load-radius-negative"),
    pytest.param(lambda: list_atlases("volume"), TypeError, "positional", id="list-takes-no-argument"),
    # Atlas.from_arrays: volumes
    pytest.param(lambda: Atlas.from_arrays(np.ones((2, 2), int), affine=np.eye(4)), ValueError, "labels", id="arrays-volume-2d"),
    pytest.param(lambda: Atlas.from_arrays(np.full((2, 2, 2), 0.5), affine=np.eye(4)), ValueError, "labels", id="arrays-labels-fractional"),
    pytest.param(lambda: Atlas.from_arrays(np.full((2, 2, 2), "V1"), affine=np.eye(4)), TypeError, "labels", id="arrays-labels-text"),
    pytest.param(lambda: Atlas.from_arrays(np.full((2, 2, 2), np.nan), affine=np.eye(4)), ValueError, "labels", id="arrays-labels-nan"),
    pytest.param(lambda: Atlas.from_arrays(np.zeros((2, 2, 2), int), affine=np.eye(4)), ValueError, "labels", id="arrays-all-background"),
    pytest.param(lambda: Atlas.from_arrays(LABELS, affine=np.eye(3)), ValueError, "affine", id="arrays-affine-3x3"),
    pytest.param(lambda: Atlas.from_arrays(LABELS, affine=np.full((4, 4), np.nan)), ValueError, "affine", id="arrays-affine-nan"),
    pytest.param(lambda: Atlas.from_arrays(LABELS, affine=np.zeros((4, 4))), ValueError, "affine", id="arrays-affine-singular"),
    pytest.param(lambda: Atlas.from_arrays(LABELS), ValueError, "affine", id="arrays-no-geometry"),
    pytest.param(lambda: Atlas.from_arrays(LABELS, affine=AFFINE, mesh=_mesh()), ValueError, "mesh", id="arrays-affine-and-mesh"),
    # label tables
    pytest.param(lambda: Atlas.from_arrays(LABELS, ["a"], affine=AFFINE), ValueError, "names", id="table-too-few-names"),
    pytest.param(lambda: Atlas.from_arrays(LABELS, ["a", "a"], affine=AFFINE), ValueError, "unique", id="table-repeated-names"),
    pytest.param(lambda: Atlas.from_arrays(LABELS, {1: "a"}, affine=AFFINE), ValueError, "does not name", id="table-label-unnamed"),
    pytest.param(lambda: Atlas.from_arrays(LABELS, {1: "a", 2: "b", 7: "c"}, affine=AFFINE), ValueError, "does not hold", id="table-extra-row"),
    pytest.param(lambda: Atlas.from_arrays(LABELS, pd.DataFrame({"id": [1, 2]}), affine=AFFINE), ValueError, "index", id="table-columns-missing"),
    pytest.param(lambda: Atlas.from_arrays(LABELS, pd.DataFrame({"index": [1.5, 2], "name": ["a", "b"]}), affine=AFFINE), ValueError, "index", id="table-index-fractional"),
    pytest.param(lambda: Atlas.from_arrays(LABELS, {1: "a", 2: None}, affine=AFFINE), ValueError, "name", id="table-name-missing"),
    pytest.param(lambda: Atlas.from_arrays(LABELS, "a,b", affine=AFFINE), TypeError, "table", id="table-string"),
    pytest.param(lambda: Atlas.from_arrays(LABELS, affine=AFFINE, groupings={"g": {"x": ["c"]}}), ValueError, "groupings", id="groupings-unknown-roi"),
    pytest.param(lambda: Atlas.from_arrays(LABELS, affine=AFFINE, groupings=["g"]), TypeError, "groupings", id="groupings-list"),
    pytest.param(lambda: Atlas.from_arrays(LABELS, affine=AFFINE, groupings={"g": {"x": []}}), ValueError, "groupings", id="groupings-empty-group"),
    # surfaces
    pytest.param(lambda: Atlas.from_arrays(np.ones(100, int), space="fsaverage5"), ValueError, "labels", id="surface-labels-length"),
    pytest.param(lambda: Atlas.from_arrays({"left": np.ones(6, int)}, mesh=_mesh()), ValueError, "labels", id="surface-hemisphere-missing"),
    pytest.param(lambda: Atlas.from_arrays({"left": np.ones(5, int), "right": np.ones(5, int)}, mesh=_mesh()), ValueError, "labels['left']", id="surface-hemisphere-size"),
    pytest.param(lambda: SurfaceAtlas(np.ones(11, int), mesh="fsaverage5"), TypeError, "mesh", id="surface-mesh-text"),
    pytest.param(lambda: SurfaceAtlas(np.ones(11, int)), ValueError, "mesh", id="surface-no-mesh-no-space"),
    pytest.param(lambda: SurfaceAtlas(np.ones(11, int), mesh=_mesh(), space="fsaverage5"), ValueError, "space", id="surface-mesh-and-space-disagree"),
    pytest.param(lambda: _surface_atlas().masker(mesh=PolyMesh(left=_strip(4), right=_strip(5))), ValueError, "mesh", id="surface-masker-mesh-size"),
    pytest.param(lambda: _surface_atlas().mesh("flat"), ValueError, "space", id="surface-own-mesh-has-no-flat"),
    pytest.param(lambda: Atlas.from_arrays(np.ones(2 * 10242, int), space="fsaverage5").mesh("flatt"), ValueError, "kind", id="surface-mesh-kind-typo"),
    # coordinates
    pytest.param(lambda: Atlas.from_coordinates([0.0, 0.0, 0.0], 5.0), ValueError, "coords", id="coords-1d"),
    pytest.param(lambda: Atlas.from_coordinates([[0.0, np.nan, 0.0]], 5.0), ValueError, "coords", id="coords-nan"),
    pytest.param(lambda: Atlas.from_coordinates(np.empty((0, 3)), 5.0), ValueError, "coords", id="coords-empty"),
    pytest.param(lambda: Atlas.from_coordinates([[0.0, 0.0, 0.0]], 0.0), ValueError, "radius", id="radius-zero"),
    pytest.param(lambda: Atlas.from_coordinates([[0.0, 0.0, 0.0]], "5mm"), TypeError, "radius", id="radius-text"),
    pytest.param(lambda: Atlas.from_coordinates([[0.0, 0.0, 0.0]] * 2, [4.0, 5.0, 6.0]), ValueError, "radius", id="radius-count"),
    pytest.param(lambda: CoordinateAtlas([[0.0, 0.0, 0.0]], np.inf), ValueError, "radius", id="radius-infinite"),
    pytest.param(lambda: _coordinate_atlas().to_volume(reference=3), TypeError, "reference", id="coords-reference-int"),
    # from_image
    pytest.param(lambda: Atlas.from_image(42), TypeError, "img", id="image-int"),
    pytest.param(lambda: Atlas.from_image("/no/such/atlas.nii.gz"), FileNotFoundError, "img", id="image-missing-file"),
    pytest.param(lambda: Atlas.from_image(nib.Nifti1Image(np.ones((2, 2, 2, 3)), np.eye(4))), ValueError, "img", id="image-probabilistic"),
    pytest.param(lambda: VolumeAtlas(LABELS, "eye"), TypeError, "affine", id="volume-affine-text"),
    # ROI selection
    pytest.param(lambda: _volume_atlas().resolve_rois("A"), ValueError, "rois", id="rois-unknown-name"),
    pytest.param(lambda: _volume_atlas().resolve_rois(7), ValueError, "rois", id="rois-unknown-index"),
    pytest.param(lambda: _volume_atlas().resolve_rois(1.5), TypeError, "rois", id="rois-float"),
    pytest.param(lambda: _volume_atlas().resolve_rois([]), ValueError, "rois", id="rois-empty-list"),
    pytest.param(lambda: _volume_atlas().resolve_rois(["a", "a"]), ValueError, "rois", id="rois-twice"),
    pytest.param(lambda: _volume_atlas().resolve_rois({"x": "a", "y": ["a", "b"]}), ValueError, "rois", id="rois-overlap"),
    pytest.param(lambda: _volume_atlas().resolve_rois(True), TypeError, "rois", id="rois-bool"),
    pytest.param(lambda: _volume_atlas().roi_labels("g:zz"), ValueError, "rois", id="roi-labels-unknown-group"),
    # maskers
    pytest.param(lambda: _volume_atlas().masker(kind="parcel"), ValueError, "kind", id="masker-kind-typo"),
    pytest.param(lambda: _volume_atlas().masker(mask_img=_run()), TypeError, "mask_img", id="masker-reserved-argument"),
    pytest.param(lambda: _coordinate_atlas().masker(radius=3), TypeError, "radius", id="spheres-masker-radius"),
    pytest.param(lambda: _surface_atlas().masker(kind="vertices"), ValueError, "kind", id="surface-masker-kind"),
    pytest.param(lambda: _volume_atlas().masker(kind="voxels").fit_transform(_run(nan=True)), UserWarning, "NaN", id="voxel-masker-nan"),
    pytest.param(lambda: _volume_atlas().masker(kind="parcels").fit_transform(_run(nan=True)), UserWarning, "NaN", id="parcel-masker-nan"),
    pytest.param(lambda: _surface_atlas().masker().fit_transform(_surface_run(nan=True)), UserWarning, "infinite", id="vertex-masker-inf"),
    pytest.param(lambda: _surface_atlas().extract(_surface_run(nan=True), kind="parcels"), UserWarning, "infinite", id="surface-parcels-inf"),
    # data against the atlas
    pytest.param(lambda: _volume_atlas().extract(_surface_run()), ValueError, "img", id="extract-surface-into-volume"),
    pytest.param(lambda: _volume_atlas().check_compatible(np.ones((3, 2, 2))), TypeError, "img", id="compatible-array"),
    pytest.param(lambda: _volume_atlas().check_compatible(_far_run()), ValueError, "field of view", id="compatible-outside"),
    pytest.param(lambda: _volume_atlas().check_compatible(nib.Nifti1Image(np.zeros(LABELS.shape), AFFINE)), ValueError, "Empty ROIs", id="compatible-no-data"),
    pytest.param(lambda: _volume_atlas().extract("/no/such/run.nii.gz"), FileNotFoundError, "run.nii.gz", id="extract-missing-file"),
    pytest.param(lambda: _surface_atlas().check_compatible(_run()), ValueError, "volume", id="surface-compatible-volume"),
    pytest.param(lambda: _surface_atlas().check_compatible(np.ones(11)), TypeError, "img", id="surface-compatible-array"),
    pytest.param(lambda: _coordinate_atlas().check_compatible(_far_run()), ValueError, "field of view", id="spheres-compatible-outside"),
    pytest.param(lambda: _coordinate_atlas().check_compatible(_run(), kind="voxel"), ValueError, "kind", id="spheres-compatible-kind"),
]


@pytest.mark.parametrize("call, expected, fragment", CASES)
def test_bad_input(call, expected, fragment, check_row):
    check_row(call, expected, fragment)
