"""The routing simulator: shapes, determinism and recoverable ground truth."""

import numpy as np
import pytest
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import cross_val_predict

from neurost.datasets.routing import (
    LOCATION_FIELDS,
    MMP_AREAS,
    OBJECT_CROPS,
    make_routing_dataset,
)
from neurost.metrics.noise_ceiling import ncsnr, noise_ceiling


@pytest.fixture(scope="module")
def data():
    return make_routing_dataset(n_images=240, random_state=0)


def test_shapes_and_dtypes(data):
    n_rois = len(LOCATION_FIELDS) + len(OBJECT_CROPS)
    n_vertices = n_rois * 20
    assert data.images.shape == (240, 112, 112, 3) and data.images.dtype == np.uint8
    assert data.features.shape == (240, 14, 14, 32)
    assert data.features.dtype == np.float32
    assert data.responses.shape == (240, n_vertices)
    assert data.repeats.shape == (3, 240, n_vertices)
    assert data.signal.shape == (240, n_vertices)
    assert data.routing.shape == (240, n_rois, 14, 14)
    assert data.coverage.shape == (240, len(OBJECT_CROPS), 14, 14)
    assert data.positions.shape == (240, len(OBJECT_CROPS), 4)
    assert data.roi_labels.shape == (n_vertices,)
    assert data.roi_names == list(LOCATION_FIELDS) + [
        f"content-{c}" for c in OBJECT_CROPS
    ]
    assert set(data.roi_kinds.values()) == {"location", "content"}
    assert data.categories == list(OBJECT_CROPS)
    assert "routing" in data.description
    np.testing.assert_allclose(data.responses, data.repeats.mean(axis=0), atol=1e-5)
    np.testing.assert_allclose(data.signal.std(axis=0), 1.0, atol=1e-4)


def test_mmp_areas_cover_every_roi_with_areas_of_the_atlas(data):
    from neurost.atlases import load_atlas

    assert set(MMP_AREAS) == set(data.roi_names)
    names = set(load_atlas("mmp1").roi_names)
    assert {area for areas in MMP_AREAS.values() for area in areas} <= names


def test_custom_sizes():
    data = make_routing_dataset(
        n_images=6, image_size=48, grid=(4, 6), n_channels=5,
        n_vertices_per_roi=2, n_repeats=2, random_state=1,
    )
    assert data.images.shape == (6, 48, 48, 3)
    assert data.features.shape == (6, 4, 6, 5)
    assert data.repeats.shape == (2, 6, 18)
    assert data.routing.shape == (6, 9, 4, 6)


def test_deterministic_with_random_state():
    first = make_routing_dataset(n_images=8, random_state=3)
    second = make_routing_dataset(n_images=8, random_state=3)
    other = make_routing_dataset(n_images=8, random_state=4)
    for key in ("images", "features", "responses", "routing"):
        np.testing.assert_array_equal(first[key], second[key])
    assert not np.array_equal(first.images, other.images)


def test_routing_maps_sum_to_one(data):
    np.testing.assert_allclose(data.routing.sum(axis=(2, 3)), 1.0, atol=1e-5)
    assert (data.routing >= 0).all()
    # Location-routed maps are the same for every image.
    n_location = len(LOCATION_FIELDS)
    location = data.routing[:, :n_location]
    same = np.broadcast_to(location[:1], location.shape)
    np.testing.assert_array_equal(location, same)


def test_each_category_present_often(data):
    present = ~np.isnan(data.positions[..., 0])
    assert (present.sum(axis=1) == 2).all()
    assert (present.mean(axis=0) > 0.35).all()
    # Absent categories route uniformly; present ones only where they are.
    content = data.routing[:, len(LOCATION_FIELDS):]
    np.testing.assert_allclose(content[~present], 1 / 196, rtol=1e-5)
    assert ((content[present] > 0).mean(axis=(1, 2)) < 0.5).all()


def _centroid(maps):
    rows, columns = np.mgrid[0 : maps.shape[-2], 0 : maps.shape[-1]] + 0.5
    return np.stack(
        [(maps * rows).sum(axis=(-2, -1)), (maps * columns).sum(axis=(-2, -1))], -1
    )


def test_content_routing_follows_the_object(data):
    cell = 112 / 14
    n_location = len(LOCATION_FIELDS)
    for k in range(len(OBJECT_CROPS)):
        images = np.flatnonzero(~np.isnan(data.positions[:, k, 0]))
        centres = data.positions[images, k, :2] / cell
        centroids = _centroid(data.routing[images, n_location + k])
        # The same category at two far-apart positions: the maps move with it.
        distance = np.linalg.norm(centres[:, None] - centres[None], axis=-1)
        first, second = np.unravel_index(np.argmax(distance), distance.shape)
        assert distance[first, second] > 5
        moved = centroids[second] - centroids[first]
        np.testing.assert_allclose(moved, centres[second] - centres[first], atol=1.5)
        assert np.median(np.linalg.norm(centroids - centres, axis=1)) < 0.3


def test_noise_ceiling_matches_noise():
    data = make_routing_dataset(n_images=150, noise=0.8, random_state=2)
    n_repeats, n_images, _ = data.repeats.shape
    trials = data.repeats.reshape(n_repeats * n_images, -1)
    identity = np.tile(np.arange(n_images), n_repeats)
    snr = ncsnr(trials, identity)
    assert abs(np.median(snr) - 1 / 0.8) < 0.1
    expected = 1 / (1 + 0.8**2 / 3)
    assert abs(np.median(noise_ceiling(snr, 3)) - expected) < 0.03


def _cross_validated_r(features, targets):
    ridge = RidgeCV(alphas=np.logspace(-3, 3, 13))
    predicted = cross_val_predict(ridge, features, targets, cv=4)
    return np.mean(
        [np.corrcoef(p, t)[0, 1] for p, t in zip(predicted.T, targets.T)]
    )


def test_true_routing_explains_content_rois_better(data):
    pooled = data.features.mean(axis=(1, 2))
    tokens = np.einsum("nrhw,nhwc->nrc", data.routing, data.features)
    kinds = np.array([data.roi_kinds[label] for label in data.roi_labels])
    location = data.responses[:, kinds == "location"]
    assert _cross_validated_r(pooled, location) > 0.6
    pooled_r, routed_r = [], []
    for index, name in enumerate(data.roi_names):
        if data.roi_kinds[name] != "content":
            continue
        targets = data.responses[:, data.roi_labels == name]
        pooled_r.append(_cross_validated_r(pooled, targets))
        routed_r.append(_cross_validated_r(tokens[:, index], targets))
    ceiling = np.sqrt(1 / (1 + 0.5**2 / 3))
    assert np.mean(routed_r) > 0.9 * ceiling
    assert np.mean(routed_r) ** 2 - np.mean(pooled_r) ** 2 > 0.25


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_images": 0}, "n_images"),
        ({"image_size": 2.5}, "image_size"),
        ({"image_size": 8, "grid": (2, 2)}, "image_size must be at least 16"),
        ({"grid": (14,)}, "grid"),
        ({"grid": (14, 0)}, "grid"),
        ({"image_size": 100}, "image_size=100 must be a multiple"),
        ({"n_channels": -1}, "n_channels"),
        ({"n_vertices_per_roi": 0}, "n_vertices_per_roi"),
        ({"n_repeats": True}, "n_repeats"),
        ({"noise": -0.1}, "noise"),
        ({"noise": float("nan")}, "noise"),
        ({"noise": "high"}, "noise"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_routing_dataset(**{"n_images": 4, **kwargs})
