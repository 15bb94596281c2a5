import numpy as np
import pytest

from neurost.metrics import attention_correlation, attention_mass, attention_variability

# Two 2 x 2 attention maps: a gradient and the uniform map.
MAPS = np.array([[[0.1, 0.2], [0.3, 0.4]], [[0.25, 0.25], [0.25, 0.25]]])


def test_attention_correlation_against_hand_computed_values():
    truth = np.array([[[0.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 0.0]]])
    # centred map (-.15, -.05, .05, .15), centred truth (-.25, -.25, -.25, .75):
    # r = .15 / sqrt(.05 * .75)
    r = attention_correlation(MAPS, truth)
    np.testing.assert_allclose(r[0], 0.15 / np.sqrt(0.05 * 0.75))
    assert np.isnan(r[1])  # a uniform map has no correlation


def test_attention_correlation_keeps_leading_axes_and_flags_constant_truth():
    rng = np.random.default_rng(0)
    maps = rng.uniform(size=(5, 3, 4, 4))
    truth = maps.copy()
    truth[1, 2] = 1 / 16  # uniform truth: an image without the object
    r = attention_correlation(maps, truth)
    assert r.shape == (5, 3)
    assert np.isnan(r[1, 2]) and np.isnan(r).sum() == 1
    np.testing.assert_allclose(r[~np.isnan(r)], 1.0)
    np.testing.assert_allclose(attention_correlation(maps, -truth)[0], -1.0)


def test_attention_mass_against_hand_computed_values():
    mask = np.array([[False, True], [False, True]])
    np.testing.assert_allclose(attention_mass(MAPS, mask), [0.2 + 0.4, 0.5])
    # maps need not be normalised: the share of the total is scored
    np.testing.assert_allclose(attention_mass(10 * MAPS, mask), [0.6, 0.5])
    per_map = np.array([mask, np.zeros((2, 2), bool)])
    mass = attention_mass(MAPS, per_map)
    assert mass[0] == pytest.approx(0.6) and np.isnan(mass[1])  # empty mask


def test_attention_variability_against_hand_computed_values():
    still = np.tile([[0.125, 0.25], [0.375, 0.25]], (3, 1, 1))
    # one-hot maps on 3 of the 4 cells: each correlates 1/3 with their mean
    moving = np.zeros((3, 2, 2))
    moving[0, 0, 0] = moving[1, 0, 1] = moving[2, 1, 0] = 1.0
    variability = attention_variability(np.stack([still, moving], axis=1))
    np.testing.assert_allclose(variability, [0.0, 2 / 3], atol=1e-12)
    # without a ROI axis: one value
    assert attention_variability(moving).shape == ()
    # uniform maps only: no correlation is defined
    assert np.isnan(attention_variability(np.full((3, 2, 2), 0.25)))


def test_attention_variability_skips_constant_maps():
    moving = np.zeros((4, 2, 2))
    moving[0, 0, 0] = moving[1, 0, 1] = moving[2, 1, 0] = 1.0
    moving[3] = 0.25
    # the uniform map of image 3 is left out of the mean, not counted as r = 0
    mean_map = moving.mean(axis=0)
    r = [np.corrcoef(m.ravel(), mean_map.ravel())[0, 1] for m in moving[:3]]
    assert attention_variability(moving) == pytest.approx(1 - np.mean(r))


BAD_CALLS = [
    pytest.param(lambda: attention_correlation(MAPS, MAPS[0]), ValueError,
                 r"truth must have the shape of maps, \(2, 2, 2\); got \(2, 2\)",
                 id="correlation-shapes-differ"),
    pytest.param(lambda: attention_correlation(np.ones(4), np.ones(4)), ValueError,
                 r"maps must have shape \(\.\.\., height, width\)", id="correlation-1d"),
    pytest.param(lambda: attention_correlation(MAPS, np.full(MAPS.shape, np.nan)), ValueError,
                 "truth contains 8 NaN", id="correlation-nan"),
    pytest.param(lambda: attention_correlation(np.array([["a"]]), MAPS), TypeError,
                 "maps must be an array of numbers", id="correlation-strings"),
    pytest.param(lambda: attention_mass(MAPS, MAPS), TypeError, "mask must be a boolean",
                 id="mass-float-mask"),
    pytest.param(lambda: attention_mass(MAPS, np.ones((3, 3), bool)), ValueError,
                 r"mask must end with the grid of maps, \(2, 2\); got shape \(3, 3\)",
                 id="mass-other-grid"),
    pytest.param(lambda: attention_mass(MAPS, np.ones((3, 2, 2), bool)), ValueError,
                 r"\(3, 2, 2\) does not broadcast to the shape of maps", id="mass-broadcast"),
    pytest.param(lambda: attention_mass(-MAPS, MAPS > 0.2), ValueError, "non-negative",
                 id="mass-negative"),
    pytest.param(lambda: attention_mass(np.zeros((1, 2, 2)), np.ones((2, 2), bool)),
                 ValueError, r"index \(0,\) does", id="mass-zero-map"),
    pytest.param(lambda: attention_variability(MAPS[:1]), ValueError,
                 r"at least 2 images; got shape \(1, 2, 2\)", id="variability-one-image"),
    pytest.param(lambda: attention_variability(MAPS[0]), ValueError, "at least 2 images",
                 id="variability-2d"),
]


@pytest.mark.parametrize("call, error, match", BAD_CALLS)
def test_bad_input_is_refused(call, error, match):
    with pytest.raises(error, match=match):
        call()
