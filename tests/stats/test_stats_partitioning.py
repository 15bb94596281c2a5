"""Variance partitioning: the inclusion-exclusion formula and recovery of known shares."""

import numpy as np
import pytest

from neurost.encoding import RidgeEncoder, VideoEncoder
from neurost.stats.partitioning import _inclusion_exclusion, variance_partitioning

N = 300  # training and test samples each
SHARES = [(0.6, 0.0)] * 3 + [(0.0, 0.6)] * 3 + [(0.3, 0.3)] * 3  # (a, b) per target


def _zscore(values):
    return (values - values.mean(0)) / values.std(0)


@pytest.fixture(scope="module")
def data():
    """Two independent 4-column spaces; targets with known variance shares."""
    rng = np.random.default_rng(0)
    A, B = rng.normal(size=(2 * N, 4)), rng.normal(size=(2 * N, 4))
    a, b = np.array(SHARES).T
    signal_a = _zscore(A @ rng.normal(size=(4, len(SHARES))))
    signal_b = _zscore(B @ rng.normal(size=(4, len(SHARES))))
    noise = rng.normal(size=signal_a.shape)
    Y = np.sqrt(a) * signal_a + np.sqrt(b) * signal_b + np.sqrt(1 - a - b) * noise
    return A, B, Y


def _ridge():
    return RidgeEncoder(
        alphas=np.logspace(-1, 3, 5), feature_spaces=[4, 4], n_iter=5, backend="numpy",
        random_state=0,
    )


def test_two_space_formula_on_hand_checked_numbers():
    # f(A) = 0.30, f(B) = 0.20, f(AB) = 0.40: unique A = 0.40 - 0.20 = 0.20,
    # unique B = 0.40 - 0.30 = 0.10, shared = 0.30 + 0.20 - 0.40 = 0.10.
    parts = np.array([0.30, 0.20, 0.40]) @ _inclusion_exclusion(2).T
    np.testing.assert_allclose(parts, [0.20, 0.10, 0.10])


def test_three_space_formula_recovers_the_areas_of_a_venn_diagram():
    # Areas of the 7 regions (A, B, C, AB, AC, BC, ABC only), by hand:
    area = {"A": 0.10, "B": 0.05, "C": 0.02, "AB": 0.04, "AC": 0.03, "BC": 0.01, "ABC": 0.06}
    spaces = ["A", "B", "C"]
    subsets = ["A", "B", "C", "AB", "AC", "BC", "ABC"]
    # a model's R2 is the total area of the regions that touch its spaces
    r2 = [sum(v for k, v in area.items() if set(k) & set(s)) for s in subsets]
    assert r2[0] == pytest.approx(0.10 + 0.04 + 0.03 + 0.06)
    parts = np.array(r2) @ _inclusion_exclusion(len(spaces)).T
    np.testing.assert_allclose(parts, [area[s] for s in subsets], atol=1e-12)


def test_ridge_partition_recovers_known_unique_shares(data):
    A, B, Y = data
    X = np.hstack([A, B])
    result = variance_partitioning(_ridge(), X[:N], Y[:N], X[N:], Y[N:])
    assert result.spaces == ("space 0", "space 1")
    assert list(result.partition.columns) == [
        "unique space 0", "unique space 1", "shared space 0 & space 1",
    ]
    assert list(result.subset_scores.columns) == ["space 0", "space 1", "space 0 + space 1"]
    truth = np.array([[a, b, 0.0] for a, b in SHARES])
    # 300 test samples: each estimate within 0.1 of its share (their
    # standard deviation is about 0.03)
    np.testing.assert_allclose(result.partition.to_numpy(), truth, atol=0.1)
    # parts sum to the joint model's R2
    np.testing.assert_allclose(
        result.partition.sum(axis=1), result.subset_scores["space 0 + space 1"], atol=1e-12
    )
    # the product measure of the joint model agrees on independent spaces
    np.testing.assert_allclose(result.product.to_numpy(), truth[:, :2], atol=0.1)
    assert result.n_negative.to_dict() == {
        column: int((result.partition[column] < 0).sum()) for column in result.partition
    }


def test_video_encoder_on_precomputed_features_matches_the_truth(data):
    A, B, Y = data
    encoder = VideoEncoder(delays=(0,), alphas=np.logspace(-1, 3, 5), n_iter=5,
                           backend="numpy", random_state=0)
    train = {"a": A[:N], "b": B[:N]}
    test = {"b": B[N:], "a": A[N:]}  # key order of the test runs does not matter
    result = variance_partitioning(encoder, train, Y[:N], test, Y[N:], spaces=["b", "a"])
    assert result.spaces == ("b", "a")
    assert list(result.partition.columns) == ["unique b", "unique a", "shared b & a"]
    truth = np.array([[b, a, 0.0] for a, b in SHARES])
    np.testing.assert_allclose(result.partition.to_numpy(), truth, atol=0.1)
    # the product measure is VideoEncoder.split_scores of the joint model
    joint = encoder.fit({"b": B[:N], "a": A[:N]}, Y[:N])
    np.testing.assert_allclose(
        result.product.to_numpy().T, joint.split_scores({"b": B[N:], "a": A[N:]}, Y[N:])
    )


def test_spaces_selects_a_subset_of_three(data):
    A, B, Y = data
    C = np.random.default_rng(1).normal(size=(2 * N, 2))  # a third, irrelevant space
    X = np.hstack([A, C, B])
    estimator = _ridge().set_params(feature_spaces=[4, 2, 4])
    result = variance_partitioning(estimator, X[:N], Y[:N], X[N:], Y[N:], spaces=[0, 2])
    assert result.spaces == ("space 0", "space 2")
    truth = np.array([[a, b, 0.0] for a, b in SHARES])
    np.testing.assert_allclose(result.partition.to_numpy(), truth, atol=0.1)


def test_constant_test_target_is_nan():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(80, 4))
    Y = np.column_stack([X[:, 0] + rng.normal(size=80), np.ones(80)])
    with pytest.warns(UserWarning, match="zero variance"):  # the encoder's own warning
        result = variance_partitioning(
            _ridge().set_params(feature_spaces=[2, 2]), X[:40], Y[:40], X[40:], Y[40:]
        )
    assert result.partition.iloc[1].isna().all() and result.product.iloc[1].isna().all()
    assert result.partition.iloc[0].notna().all()


def test_estimator_is_left_unchanged(data):
    A, B, Y = data
    X = np.hstack([A, B])
    estimator = _ridge()
    variance_partitioning(estimator, X[:N], Y[:N], X[N:], Y[N:])
    assert not hasattr(estimator, "coef_") and estimator.feature_spaces == [4, 4]


def test_zero_variance_warnings_point_at_the_callers_line():
    # Through one layer (RidgeEncoder) or several (VideoEncoder, then its
    # RidgeEncoder; variance_partitioning, then its subset models), the
    # warning names this file, where the user's call is.
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40, 4))
    Y = np.column_stack([X[:, 0] + rng.normal(size=40), np.ones(40)])
    runs = {"a": X[:, :2], "b": X[:, 2:]}
    ridge = _ridge().set_params(feature_spaces=[2, 2], cv=2)
    video = VideoEncoder(delays=(0,), alphas=[1.0], n_iter=2, backend="numpy", cv=2)
    calls = [
        lambda: ridge.fit(X, Y),
        lambda: ridge.split_scores(X, Y),
        lambda: video.fit(runs, Y),
        lambda: video.split_scores(runs, Y),
        lambda: variance_partitioning(ridge, X, Y, X, Y),
    ]
    for call in calls:
        with pytest.warns(UserWarning, match="zero variance") as records:
            call()
        assert {record.filename for record in records} == {__file__}
