import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from neurost._utils.estimator_checks import expected_failed_checks
from neurost.datasets import make_routing_dataset
from neurost.encoding.routing import RoutingEncoder
from neurost.features import BackboneFeatures
from neurost.metrics import correlation_score

FAST = dict(ffn_dim=16, max_epochs=3, batch_size=16, device="cpu", random_state=0)


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Tiny transformers run fastest, and steadiest on a busy machine, on one thread."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@parametrize_with_checks(
    [RoutingEncoder(n_heads=1, ffn_dim=16, max_epochs=6, batch_size=64, lr=2e-2, device="cpu", random_state=0)],
    expected_failed_checks=expected_failed_checks,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def quadrant_data(n=160, seed=0):
    """A 4 x 4 grid of 8 channels; ROI "a" reads the top-left cell, "b" the bottom-right."""
    rng = np.random.default_rng(seed)
    grid = rng.normal(size=(n, 4, 4, 8)).astype(np.float32)
    weights = rng.normal(size=(8, 3))
    Y = np.hstack([grid[:, 0, 0] @ weights, grid[:, 3, 3] @ weights])
    Y += 0.1 * rng.normal(size=Y.shape)
    return grid, Y.astype(np.float32), np.array(["a"] * 3 + ["b"] * 3)


@pytest.fixture(scope="module")
def routing_data():
    return make_routing_dataset(
        n_images=260, n_vertices_per_roi=6, noise=0.3, random_state=0
    )


@pytest.fixture(scope="module")
def fitted_routing(routing_data):
    torch.set_num_threads(1)
    data = routing_data
    encoder = RoutingEncoder(
        data.roi_labels, rois=data.roi_names, n_heads=1, ffn_dim=64, max_epochs=25,
        lr=3e-3, patience=25, device="cpu", random_state=0,
    )
    return encoder.fit(data.features[:200], data.responses[:200])


def test_shapes_and_attributes():
    grid, Y, labels = quadrant_data()
    encoder = RoutingEncoder(labels, n_heads=2, n_seeds=2, **FAST).fit(grid, Y)
    assert encoder.predict(grid).shape == (160, 6)
    assert encoder.attention_maps(grid[:5]).shape == (5, 2, 4, 4)
    assert len(encoder.models_) == 2 and len(encoder.history_) == 2
    assert encoder.member_weights_.shape == encoder.validation_scores_.shape == (2, 6)
    assert encoder.rois_.tolist() == ["a", "b"]
    assert encoder.target_query_.tolist() == [0, 0, 0, 1, 1, 1]
    assert encoder.grid_shape_ == (4, 4) and encoder.n_channels_ == 8
    assert encoder.n_features_in_ == 128


def test_attention_maps_sum_to_one():
    grid, Y, labels = quadrant_data()
    encoder = RoutingEncoder(labels, n_heads=2, n_seeds=2, **FAST).fit(grid, Y)
    maps = encoder.attention_maps(grid[:7])
    assert (maps >= 0).all()
    np.testing.assert_allclose(maps.sum(axis=(2, 3)), 1.0, atol=1e-5)


def test_rois_order_sets_the_queries():
    grid, Y, labels = quadrant_data()
    encoder = RoutingEncoder(labels, rois=["b", "a"], n_heads=2, **FAST).fit(grid, Y)
    assert encoder.rois_.tolist() == ["b", "a"]
    assert encoder.target_query_.tolist() == [1, 1, 1, 0, 0, 0]


def test_each_target_reads_its_own_roi_query():
    grid, Y, labels = quadrant_data()
    encoder = RoutingEncoder(labels, rois=["b", "a"], n_heads=2, **FAST).fit(grid, Y)
    before = encoder.predict(grid)
    with torch.no_grad():
        encoder.models_[0].queries[1] = torch.randn(8)  # the query of ROI "a"
    after = encoder.predict(grid)
    changed = np.abs(after - before).max(axis=0) > 1e-4
    assert changed.tolist() == [True] * 3 + [False] * 3


def test_learns_where_each_roi_reads():
    grid, Y, labels = quadrant_data(n=300)
    encoder = RoutingEncoder(
        labels, n_heads=1, ffn_dim=32, max_epochs=40, lr=5e-3, patience=40,
        device="cpu", random_state=0,
    ).fit(grid[:240], Y[:240])
    maps = encoder.attention_maps(grid[240:]).mean(axis=0)
    assert maps[0].argmax() == 0 and maps[1].argmax() == 15
    assert maps[0, 0, 0] > 2 / 16 and maps[1, 3, 3] > 2 / 16  # twice uniform
    assert encoder.score(grid[240:], Y[240:]) > 0.3


@pytest.mark.slow
def test_recovers_the_simulated_routing(routing_data, fitted_routing):
    data, encoder = routing_data, fitted_routing
    test = slice(200, None)
    scores = correlation_score(data.responses[test], encoder.predict(data.features[test]))
    assert scores.mean() > 0.5
    maps = encoder.attention_maps(data.features[test])
    truth = data.routing[test]
    for query, roi in enumerate(encoder.rois_):
        if data.roi_kinds[roi] != "location":
            continue
        r = [np.corrcoef(m.ravel(), t.ravel())[0, 1] for m, t in zip(maps[:, query], truth[:, query])]
        assert np.mean(r) > 0.5, roi


def test_predictions_in_the_units_of_y():
    grid, Y, labels = quadrant_data()
    shifted = Y * 100.0 + 1000.0
    encoder = RoutingEncoder(labels, n_heads=2, **FAST).fit(grid, shifted)
    reference = RoutingEncoder(labels, n_heads=2, **FAST).fit(grid, Y)
    np.testing.assert_allclose(
        encoder.predict(grid), reference.predict(grid) * 100.0 + 1000.0, rtol=1e-4
    )
    np.testing.assert_allclose(encoder.target_scaler_.mean_, Y.mean(axis=0) * 100 + 1000, rtol=1e-5)


def test_ensemble_weights_are_a_softmax_of_validation_r():
    grid, Y, labels = quadrant_data()
    encoder = RoutingEncoder(labels, n_heads=2, n_seeds=3, beta=10.0, **FAST).fit(grid, Y)
    logits = 10.0 * encoder.validation_scores_
    expected = np.exp(logits) / np.exp(logits).sum(axis=0)
    np.testing.assert_allclose(encoder.member_weights_, expected, rtol=1e-6)
    members = encoder._member_predictions([grid])
    combined = np.einsum("mnt,mt->nt", members, expected) * encoder.target_scaler_.scale_ + encoder.target_scaler_.mean_
    np.testing.assert_allclose(encoder.predict(grid), combined, rtol=1e-5)
    plain = clone(encoder).set_params(beta=0.0).fit(grid, Y)
    np.testing.assert_allclose(plain.member_weights_, 1 / 3)


def test_validation_r_matches_held_out_predictions():
    grid, Y, labels = quadrant_data()
    encoder = RoutingEncoder(
        labels, n_heads=2, validation_split="last", validation_fraction=0.25, **FAST
    ).fit(grid, Y)
    valid = slice(120, None)
    expected = correlation_score(Y[valid], encoder.predict(grid[valid]))
    np.testing.assert_allclose(encoder.validation_scores_[0], expected, atol=1e-4)
    assert encoder.history_[0][-1]["valid_score"] is not None


def test_no_validation_weighs_members_equally():
    grid, Y, labels = quadrant_data()
    encoder = RoutingEncoder(
        labels, n_heads=2, n_seeds=2, validation_fraction=0.0, **FAST
    ).fit(grid, Y)
    assert np.isnan(encoder.validation_scores_).all()
    np.testing.assert_allclose(encoder.member_weights_, 0.5)
    assert len(encoder.history_[0]) == FAST["max_epochs"]


def test_flat_input_with_grid_shape_in_a_pipeline():
    grid, Y, labels = quadrant_data()
    flat = grid.reshape(len(grid), -1)
    direct = RoutingEncoder(labels, n_heads=2, **FAST).fit(grid, Y)
    piped = RoutingEncoder(labels, grid_shape=(4, 4, 8), n_heads=2, **FAST).fit(flat, Y)
    np.testing.assert_allclose(piped.predict(flat), direct.predict(grid), rtol=1e-5)
    model = make_pipeline(StandardScaler(), RoutingEncoder(labels, grid_shape=(4, 4), n_heads=2, **FAST))
    scores = cross_val_score(model, flat, Y, cv=2)
    assert scores.shape == (2,) and np.isfinite(scores).all()


def test_backbone_layer_ensemble_reads_images():
    rng = np.random.default_rng(0)
    images = rng.random((40, 32, 32, 3)).astype(np.float32)
    Y = images[:, :16, :16].mean(axis=(1, 2, 3))[:, None] * np.ones((1, 2))
    Y += 0.01 * rng.normal(size=Y.shape)
    backbones = [BackboneFeatures(device="cpu"), BackboneFeatures(device="cpu")]
    encoder = RoutingEncoder(n_heads=2, backbone=backbones, **FAST).fit(images, Y)
    assert len(encoder.models_) == 2 and encoder.member_sources_.tolist() == [0, 1]
    assert encoder.predict(images).shape == (40, 2)
    assert encoder.attention_maps(images[:3]).shape[:2] == (3, 1)
    assert not hasattr(backbones[0], "model_")


def test_a_backbone_of_several_layers_is_a_layer_ensemble():
    import torch

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 8, stride=8), torch.nn.Conv2d(4, 4, 1))
    rng = np.random.default_rng(0)
    images = rng.random((40, 32, 32, 3)).astype(np.float32)
    Y = images[:, :16, :16].mean(axis=(1, 2, 3))[:, None] * np.ones((1, 2))
    backbone = BackboneFeatures(model, layer=["0", "1"], device="cpu")
    encoder = RoutingEncoder(n_heads=2, backbone=backbone, **FAST).fit(images, Y)
    assert encoder.member_sources_.tolist() == [0, 1]
    assert encoder.grid_shape_ == [(4, 4), (4, 4)]
    assert encoder.n_channels_ == [4, 4] and len(encoder.models_) == 2
    assert encoder.predict(images).shape == (40, 2)


def test_zero_variance_target_warns_and_scores_nan():
    grid, Y, labels = quadrant_data()
    Y = Y.copy()
    Y[:, 4] = 2.5
    with pytest.warns(UserWarning, match="zero variance"):
        encoder = RoutingEncoder(labels, n_heads=2, **FAST).fit(grid, Y)
    np.testing.assert_allclose(encoder.predict(grid)[:, 4], 2.5, atol=1e-5)
    assert np.isfinite(encoder.score(grid, Y))


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(roi_labels=["a"] * 5), "one label per target"),
        (dict(roi_labels=["a"] * 6, rois=["a", "c"]), "ROI 'c' .* has no targets"),
        (dict(rois=["a"]), "not in rois"),
        (dict(n_heads=3), "n_heads"),
        (dict(validation_fraction=1.0), "validation_fraction"),
        (dict(validation_split="middle"), "validation_split"),
        (dict(lr=0.0), "lr"),
        (dict(grid_shape=(4, 4, 7)), "grid_shape"),
    ],
)
def test_bad_parameters(params, match):
    grid, Y, labels = quadrant_data(n=20)
    settings = dict(roi_labels=labels, n_heads=2, **FAST)
    settings.update(params)
    X = grid.reshape(20, -1) if "grid_shape" in params else grid
    with pytest.raises(ValueError, match=match):
        RoutingEncoder(**settings).fit(X, Y)


def test_bad_inputs():
    grid, Y, labels = quadrant_data(n=20)
    encoder = RoutingEncoder(labels, n_heads=2, **FAST)
    with pytest.raises(ValueError, match="same number of samples"):
        encoder.fit(grid, Y[:10])
    with pytest.raises(ValueError, match="feature grid"):
        encoder.fit(grid[:, :, :, :, None], Y)
    with pytest.raises(ValueError, match="NaN"):
        encoder.fit(np.where(grid > 2, np.nan, grid), Y)
    with pytest.raises(ValueError, match="NaN"):
        encoder.fit(grid, np.where(Y > 2, np.nan, Y))
    with pytest.raises(TypeError, match="backbone"):
        RoutingEncoder(labels, backbone="dinov2").fit(grid, Y)
    encoder.fit(grid, Y)
    with pytest.raises(ValueError, match="grid"):
        encoder.predict(grid.reshape(20, 2, 8, 8))
    with pytest.raises(ValueError, match="features"):
        encoder.predict(grid[..., :4])
