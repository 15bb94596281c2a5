"""Representational similarity analysis: RDMs, comparisons, noise ceilings, ROI table."""

from itertools import combinations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.spatial.distance import squareform
from scipy.stats import kendalltau, rankdata, spearmanr

from neurost.stats.rsa import (
    compare_rdms,
    feature_rdms,
    rdm,
    roi_rdms,
    rsa_noise_ceiling,
    rsa_table,
)

# Four conditions, three features: 1 and 3 are proportional, 2 is 1 reversed.
PATTERNS = np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0], [2.0, 4.0, 6.0], [1.0, 3.0, 2.0]])


def _simulated(seed=0, n_repeats=6, noise=1.0, n_conditions=12, n_features=40):
    """True patterns and their noisy repeats, shape (n_repeats, n_conditions, n_features)."""
    rng = np.random.default_rng(seed)
    true = rng.normal(size=(n_conditions, n_features))
    return true, true + noise * rng.normal(size=(n_repeats, n_conditions, n_features))


def test_correlation_rdm_by_hand():
    # centred patterns: [-1, 0, 1], [1, 0, -1], 2 x [-1, 0, 1], [-1, 1, 0]
    expected = np.array(
        [
            [0.0, 2.0, 0.0, 0.5],
            [2.0, 0.0, 2.0, 1.5],
            [0.0, 2.0, 0.0, 0.5],
            [0.5, 1.5, 0.5, 0.0],
        ]
    )
    assert_allclose(rdm(PATTERNS), expected, atol=1e-12)


def test_euclidean_rdm_by_hand():
    # squared distances, e.g. |[3, 2, 1] - [2, 4, 6]|^2 = 1 + 4 + 25, over 3 features
    expected = np.array([[0, 8, 14, 2], [8, 0, 30, 6], [14, 30, 0, 18], [2, 6, 18, 0]]) / 3
    assert_allclose(rdm(PATTERNS, metric="euclidean"), expected, atol=1e-12)


def test_stacked_responses_give_one_rdm_per_repeat():
    _, repeats = _simulated(n_repeats=3)
    stack = rdm(repeats)
    assert stack.shape == (3, 12, 12)
    assert_allclose(stack[1], rdm(repeats[1]))


def test_roi_rdms_split_the_voxels_and_skip_the_background():
    _, repeats = _simulated(n_repeats=2, n_features=9)
    labels = np.array([0, 1, 1, 2, 2, 2, 1, 0, 2])
    rdms = roi_rdms(repeats[0], labels, background=0)
    assert list(rdms) == [1, 2]
    assert_allclose(rdms[2], rdm(repeats[0][:, labels == 2]))
    names = np.where(labels == 1, "V1", "V2")
    stacked = roi_rdms(repeats, names, metric="euclidean")
    assert list(stacked) == ["V1", "V2"] and stacked["V1"].shape == (2, 12, 12)
    assert_allclose(stacked["V2"], rdm(repeats[:, :, names == "V2"], metric="euclidean"))


def test_feature_rdms_flatten_each_layer():
    rng = np.random.default_rng(0)
    grid = rng.normal(size=(5, 4, 3))  # (n_conditions, n_patches, n_channels)
    rdms = feature_rdms({"layer2": grid, "layer1": grid[:, 0]})
    assert list(rdms) == ["layer2", "layer1"]
    assert_allclose(rdms["layer2"], rdm(grid.reshape(5, 12)))
    assert rdms["layer1"].shape == (5, 5)


def test_kendall_tau_a_by_hand_differs_from_tau_b():
    # a ties pairs (0, 1), (2, 3), (4, 5); the 12 other pairs are concordant.
    a, b = [1, 1, 2, 2, 3, 3], [1, 2, 3, 4, 5, 6]
    value = compare_rdms(squareform(a), squareform(b), method="kendall_tau_a")
    assert value == pytest.approx(12 / 15)
    assert kendalltau(a, b).statistic == pytest.approx(12 / np.sqrt(12 * 15))


def test_kendall_tau_a_matches_its_definition():
    rng = np.random.default_rng(3)
    a, b = rng.integers(0, 4, size=15), rng.integers(0, 3, size=15)  # many ties
    signs = [np.sign(a[i] - a[j]) * np.sign(b[i] - b[j]) for i, j in combinations(range(15), 2)]
    expected = sum(signs) / len(signs)
    value = compare_rdms(squareform(a), squareform(b), method="kendall_tau_a")
    assert value == pytest.approx(expected)


def test_spearman_equals_scipy_on_the_upper_triangles():
    rng = np.random.default_rng(1)
    a, b = rng.random(15), rng.random(15)
    value = compare_rdms(squareform(a), squareform(b), method="spearman")
    assert value == pytest.approx(spearmanr(a, b).statistic)


def test_whitened_cosine_by_hand():
    # Diedrichsen et al. (2021): V = (C C^T) o (C C^T), C the pairwise contrasts.
    n_conditions = 5
    pairs = list(combinations(range(n_conditions), 2))
    contrasts = np.zeros((len(pairs), n_conditions))
    for row, (i, j) in enumerate(pairs):
        contrasts[row, i], contrasts[row, j] = 1, -1
    v = (contrasts @ contrasts.T) ** 2
    rng = np.random.default_rng(2)
    a, b = rng.random(len(pairs)), rng.random(len(pairs))
    expected = (a @ np.linalg.solve(v, b)) / np.sqrt(
        (a @ np.linalg.solve(v, a)) * (b @ np.linalg.solve(v, b))
    )
    value = compare_rdms(squareform(a), squareform(b), method="whitened_cosine")
    assert value == pytest.approx(expected, rel=1e-9)
    assert compare_rdms(squareform(a), squareform(3 * a), method="whitened_cosine") == pytest.approx(1)


def test_noise_ceiling_by_hand():
    _, repeats = _simulated(n_repeats=3, n_conditions=6)
    stack = rdm(repeats)
    vectors = np.array([squareform(matrix) for matrix in stack])
    ranks = np.array([rankdata(vector) for vector in vectors])
    upper = np.mean([spearmanr(ranks.mean(0), vector).statistic for vector in vectors])
    lower = np.mean(
        [spearmanr(np.delete(ranks, i, 0).mean(0), vectors[i]).statistic for i in range(3)]
    )
    assert rsa_noise_ceiling(stack) == pytest.approx((lower, upper))


@pytest.mark.parametrize("method", ["spearman", "kendall_tau_a"])
def test_noise_ceiling_rises_with_repeats_and_falls_with_noise(method):
    few = rsa_noise_ceiling(rdm(_simulated(n_repeats=4)[1]), method=method)
    many = rsa_noise_ceiling(rdm(_simulated(n_repeats=12)[1]), method=method)
    noisy = rsa_noise_ceiling(rdm(_simulated(n_repeats=12, noise=2.0)[1]), method=method)
    for lower, upper in (few, many, noisy):
        assert lower < upper
    assert many[0] > few[0] + 0.05  # the lower bound rises towards the truth
    assert many[1] - many[0] < few[1] - few[0]  # and the bounds close in
    assert noisy[0] < many[0] - 0.1 and noisy[1] < many[1] - 0.1


@pytest.mark.parametrize("method", ["spearman", "kendall_tau_a"])
def test_the_true_model_scores_within_the_ceiling(method):
    true, repeats = _simulated(n_repeats=12)
    rng = np.random.default_rng(7)
    models = {"true": rdm(true), "random": rdm(rng.normal(size=true.shape))}
    table = rsa_table({"V1": rdm(repeats)}, models, method=method, noise_ceiling=True)
    truth, random = table.itertuples()
    assert truth.noise_ceiling_lower < truth.similarity < truth.noise_ceiling_upper
    assert abs(random.similarity) < 0.15 < truth.noise_ceiling_lower


def test_rsa_table_layout_and_values():
    true, repeats = _simulated(n_repeats=3)
    brain = roi_rdms(repeats, np.arange(40) % 2)
    models = feature_rdms({"conv1": true, "fc": true[:, :5]})
    table = rsa_table(brain, models, method="kendall_tau_a", noise_ceiling=True)
    assert list(table.columns) == [
        "roi", "layer", "method", "similarity", "noise_ceiling_lower", "noise_ceiling_upper",
    ]
    assert list(zip(table.roi, table.layer)) == [(0, "conv1"), (0, "fc"), (1, "conv1"), (1, "fc")]
    row = table.iloc[3]
    expected = np.mean([compare_rdms(m, models["fc"], method="kendall_tau_a") for m in brain[1]])
    assert row.similarity == pytest.approx(expected)
    ceiling = rsa_noise_ceiling(brain[1], method="kendall_tau_a")
    assert (row.noise_ceiling_lower, row.noise_ceiling_upper) == pytest.approx(ceiling)
    plain = rsa_table({"V1": brain[0][0]}, models)
    assert list(plain.columns) == ["roi", "layer", "method", "similarity"]
    assert plain.similarity[0] == pytest.approx(compare_rdms(brain[0][0], models["conv1"]))
