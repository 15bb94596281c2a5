import numpy as np
import pytest

from neurost.metrics import (
    correlation_score,
    explained_variance_ratio,
    ncsnr,
    noise_ceiling,
)


def test_correlation_matches_hand_value():
    # centred: true (-1, 0, 1), pred (-4/3, -1/3, 5/3): r = 3 / sqrt(2 * 42/9)
    r = correlation_score([1.0, 2.0, 3.0], [1.0, 2.0, 4.0])
    assert r.shape == (1,)
    assert r[0] == pytest.approx(9 / np.sqrt(84))


def test_correlation_per_target_sign_and_constant():
    y_true = np.array([[1.0, 1.0, 5.0], [2.0, 2.0, 5.0], [3.0, 3.0, 5.0]])
    y_pred = np.array([[1.0, 3.0, 1.0], [2.0, 2.0, 2.0], [3.0, 1.0, 3.0]])
    np.testing.assert_allclose(correlation_score(y_true, y_pred), [1.0, -1.0, 0.0])


def test_correlation_rejects_mismatch_and_nan():
    with pytest.raises(ValueError, match="same shape"):
        correlation_score(np.zeros((4, 2)), np.zeros((4, 3)))
    with pytest.raises(ValueError, match="y_pred contains 1 NaN"):
        correlation_score([1.0, 2.0], [1.0, np.nan])


def test_ncsnr_matches_hand_value():
    # noise variance: var(1, 3) = var(5, 7) = 2; total: var(1, 3, 5, 7) = 20/3
    snr = ncsnr([[1.0], [3.0], [5.0], [7.0]], repeats=["a", "a", "b", "b"])
    assert snr[0] == pytest.approx(np.sqrt((20 / 3 - 2) / 2))


def test_ncsnr_recovers_simulated_snr():
    rng = np.random.default_rng(0)
    n_stimuli, n_repeats = 4000, 3
    signal = rng.normal(size=(n_stimuli, 2)) * [1.0, 0.5]
    trials = np.repeat(signal, n_repeats, axis=0) + rng.normal(
        scale=0.5, size=(n_stimuli * n_repeats, 2)
    )
    snr = ncsnr(trials, np.repeat(np.arange(n_stimuli), n_repeats))
    np.testing.assert_allclose(snr, [2.0, 1.0], rtol=0.05)


def test_ncsnr_needs_repeats():
    with pytest.raises(ValueError, match="repeats: no stimulus is shown more"):
        ncsnr(np.ones((3, 2)), [0, 1, 2])
    with pytest.raises(ValueError, match="one stimulus identity per trial"):
        ncsnr(np.ones((3, 2)), [0, 1])


def test_noise_ceiling_hand_values():
    np.testing.assert_allclose(noise_ceiling([0.0, 1.0, 2.0], 3), [0.0, 0.75, 12 / 13])
    with pytest.raises(ValueError, match="n_repeats must be >= 1"):
        noise_ceiling([1.0], 0)


def test_explained_variance_ratio_rules():
    rng = np.random.default_rng(1)
    y_true = rng.normal(size=(50, 4))
    y_pred = y_true.copy()
    y_pred[:, 1] *= -1  # r = -1 -> 0
    ceiling = np.array([0.5, 0.5, 0.0, 1.0])
    ratio = explained_variance_ratio(y_true, y_pred, ceiling)
    assert ratio[0] == 1.0  # r^2 = 1 > ceiling: clipped
    assert ratio[1] == 0.0
    assert np.isnan(ratio[2])
    assert ratio[3] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="one value per target"):
        explained_variance_ratio(y_true, y_pred, [0.5])


def test_explained_variance_ratio_hand_value():
    # r = 9 / sqrt(84) (see above): r^2 / 0.98 = (81 / 84) / 0.98
    ratio = explained_variance_ratio([1.0, 2.0, 3.0], [1.0, 2.0, 4.0], [0.98])
    assert ratio[0] == pytest.approx(81 / 84 / 0.98)


def test_noiseless_and_constant_targets_flow_into_the_ceiling():
    trials = np.array([[1.0, 5.0], [1.0, 5.0], [3.0, 5.0], [3.0, 5.0]])
    snr = ncsnr(trials, repeats=[0, 0, 1, 1])
    np.testing.assert_array_equal(snr, [np.inf, 0.0])
    np.testing.assert_array_equal(noise_ceiling(snr, 3), [1.0, 0.0])


def test_noise_ceiling_checks_n_repeats_shape():
    with pytest.raises(ValueError, match="one number or one per target"):
        noise_ceiling([1.0, 2.0, 3.0], [1, 2])
    np.testing.assert_allclose(noise_ceiling([1.0, 1.0], [1, 3]), [0.5, 0.75])
