import numpy as np
import pytest

from neurost.metrics.flow import angular_error, cosine_similarity, endpoint_error

TRUE = np.array([[3.0, 4.0], [1.0, 0.0], [0.0, 0.0], [0.0, 2.0]])
PRED = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, -3.0]])


def test_endpoint_error_hand_values():
    expected = np.array([5.0, np.sqrt(2.0), np.sqrt(2.0), 5.0])
    np.testing.assert_allclose(endpoint_error(TRUE, PRED, reduce="none"), expected)
    assert endpoint_error(TRUE, PRED) == pytest.approx(expected.mean())
    assert endpoint_error(TRUE, TRUE) == 0.0


def test_endpoint_error_threshold_ignores_small_true_flow():
    # magnitudes of TRUE: 5, 1, 0, 2 -> cells 0 and 3 kept at 1.5
    values = endpoint_error(TRUE, PRED, min_magnitude=1.5, reduce="none")
    np.testing.assert_allclose(values, [5.0, np.nan, np.nan, 5.0])
    assert endpoint_error(TRUE, PRED, min_magnitude=1.5) == pytest.approx(5.0)
    assert endpoint_error(TRUE, PRED, min_magnitude=1.0) == pytest.approx(
        (5.0 + np.sqrt(2.0) + 5.0) / 3
    )


def test_endpoint_error_works_on_grid_shapes():
    rng = np.random.default_rng(0)
    true = rng.normal(size=(3, 2, 4, 5, 2))
    pred = true + np.array([0.6, -0.8])
    assert endpoint_error(true, pred, reduce="none").shape == (3, 2, 4, 5)
    assert endpoint_error(true, pred) == pytest.approx(1.0)


def test_angular_error_hand_values():
    # 90 deg, a zero true vector (ignored), 180 deg
    values = angular_error(TRUE[1:], PRED[1:], reduce="none")
    np.testing.assert_allclose(values, [90.0, np.nan, 180.0])
    assert angular_error(TRUE[1:], PRED[1:]) == pytest.approx(135.0)
    assert angular_error(TRUE[1:], PRED[1:], degrees=False) == pytest.approx(0.75 * np.pi)
    # 45 degrees, whatever the lengths
    assert angular_error([[2.0, 0.0]], [[5.0, 5.0]]) == pytest.approx(45.0)
    assert angular_error([[2.0, 0.0]], [[4.0, 0.0]]) == pytest.approx(0.0)


def test_cosine_similarity_hand_values():
    values = cosine_similarity(TRUE, PRED, reduce="none")
    np.testing.assert_allclose(values, [np.nan, 0.0, np.nan, -1.0], atol=1e-12)
    assert cosine_similarity([[1.0, 1.0]], [[0.0, 3.0]]) == pytest.approx(np.sqrt(0.5))
    assert cosine_similarity(TRUE, PRED, min_magnitude=1.5) == pytest.approx(-1.0)


def test_errors():
    with pytest.raises(ValueError, match="same shape"):
        endpoint_error(np.zeros((4, 2)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"shape \(\.\.\., 2\)"):
        angular_error(np.zeros((4, 3)), np.zeros((4, 3)))
    with pytest.raises(ValueError, match="flow_pred contains 1 NaN"):
        endpoint_error(TRUE, np.where(TRUE == 3.0, np.nan, PRED))
    with pytest.raises(ValueError, match="min_magnitude must be None or a non-negative"):
        endpoint_error(TRUE, PRED, min_magnitude=-1)
    with pytest.raises(ValueError, match="no cell has a true flow of magnitude"):
        endpoint_error(TRUE, PRED, min_magnitude=10.0)
    with pytest.raises(ValueError, match="only zero vectors"):
        angular_error(np.zeros((2, 2)), np.ones((2, 2)))
    with pytest.raises(ValueError, match="reduce='sum' is not valid"):
        endpoint_error(TRUE, PRED, reduce="sum")
    with pytest.raises(TypeError, match="flow_true must hold real numbers"):
        cosine_similarity(np.array([["a", "b"]]), TRUE[:1])
