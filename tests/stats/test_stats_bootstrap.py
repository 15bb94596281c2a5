"""Bootstrap confidence intervals of scores: values, coverage, resampling schemes."""

import numpy as np
import pytest
from sklearn.metrics import r2_score

from neurost.metrics import correlation_score
from neurost.stats.bootstrap import bootstrap_difference, bootstrap_indices, bootstrap_scores


def _correlated(n_samples, n_targets, rho, seed):
    """Pairs of standard normal columns with population correlation ``rho``."""
    rng = np.random.default_rng(seed)
    y = rng.normal(size=(n_samples, n_targets))
    pred = rho * y + np.sqrt(1 - rho**2) * rng.normal(size=y.shape)
    return y, pred


def test_point_estimates_are_the_scores_of_all_samples():
    y, pred = _correlated(60, 7, 0.5, seed=0)
    y = y + 1000.0  # raw BOLD-like offset: no precision lost
    result = bootstrap_scores(y, pred, n_bootstraps=50, random_state=0)
    np.testing.assert_allclose(result.scores, correlation_score(y, pred), atol=1e-12)
    assert result.mean == pytest.approx(correlation_score(y, pred).mean())
    r2 = bootstrap_scores(y, pred + 1000.0, scoring="r2", n_bootstraps=50, random_state=0)
    np.testing.assert_allclose(
        r2.scores, r2_score(y, pred + 1000.0, multioutput="raw_values"), atol=1e-10
    )


def test_resampled_score_matches_score_of_the_resampled_rows():
    # The counts formulation equals scoring the drawn rows themselves.
    from neurost.stats.bootstrap import _scores

    y, pred = _correlated(30, 4, 0.6, seed=1)
    rows = bootstrap_indices(30, n_bootstraps=3, random_state=2)
    counts = np.stack([np.bincount(r, minlength=30) for r in rows]).astype(float)
    for scoring, reference in [
        ("r", correlation_score),
        ("r2", lambda t, p: r2_score(t, p, multioutput="raw_values")),
    ]:
        expected = np.stack([reference(y[r], pred[r]) for r in rows])
        np.testing.assert_allclose(_scores(counts, y, pred, scoring), expected, atol=1e-12)


def test_percentile_intervals_cover_the_true_correlation_at_about_the_nominal_rate():
    # 400 independent targets of known correlation 0.5, 100 samples each:
    # the 90% intervals should cover 0.5 for about 360 of them (binomial
    # standard deviation 6); the bounds are 10 standard deviations wide.
    y, pred = _correlated(100, 400, 0.5, seed=3)
    result = bootstrap_scores(y, pred, n_bootstraps=400, confidence=0.9, random_state=0)
    covered = np.mean((result.low <= 0.5) & (0.5 <= result.high))
    assert 0.8 <= covered <= 0.97
    assert np.all(result.low <= result.scores) and np.all(result.scores <= result.high)
    # the mean over targets is far better determined than one target
    assert result.mean_low <= 0.5 <= result.mean_high
    assert result.mean_high - result.mean_low < 0.2 * np.mean(result.high - result.low)


def test_wider_confidence_gives_wider_intervals():
    y, pred = _correlated(80, 5, 0.4, seed=4)
    narrow = bootstrap_scores(y, pred, n_bootstraps=200, confidence=0.5, random_state=0)
    wide = bootstrap_scores(y, pred, n_bootstraps=200, confidence=0.99, random_state=0)
    assert np.all(wide.low <= narrow.low) and np.all(narrow.high <= wide.high)


def test_moving_blocks_stay_contiguous_and_within_the_series():
    rows = bootstrap_indices(23, block_length=5, n_bootstraps=20, random_state=0)
    for indices in rows:
        assert len(indices) == 23 and indices.min() >= 0 and indices.max() <= 22
        for block in np.split(indices, [5, 10, 15, 20]):  # 4 blocks, the last cut to 3
            np.testing.assert_array_equal(np.diff(block), 1)


def test_blocks_within_groups_never_cross_a_group_boundary():
    groups = np.repeat([0, 1, 2], [7, 5, 8])
    rows = bootstrap_indices(20, block_length=4, groups=groups, n_bootstraps=200, random_state=0)
    starts = set()
    for indices in rows:
        assert len(indices) == 20
        for block in np.split(indices, [4, 8, 12, 16]):  # 5 blocks of 4
            np.testing.assert_array_equal(np.diff(block), 1)
            assert len(set(groups[block])) == 1
            starts.add(int(block[0]))
    # every block inside one group is drawn, none that crosses: 4 + 2 + 5 starts
    assert starts == {0, 1, 2, 3, 7, 8, 12, 13, 14, 15, 16}
    # interleaved labels: blocks of consecutive samples of one group
    for indices in bootstrap_indices(
        12, block_length=3, groups=[0, 1] * 6, n_bootstraps=20, random_state=0
    ):
        for block in np.split(indices, [3, 6, 9]):
            np.testing.assert_array_equal(np.diff(block), 2)
    # one group: the plain moving blocks, draw for draw
    plain = bootstrap_indices(20, block_length=4, n_bootstraps=5, random_state=1)
    one_group = bootstrap_indices(
        20, block_length=4, groups=["run"] * 20, n_bootstraps=5, random_state=1
    )
    for a, b in zip(plain, one_group, strict=True):
        np.testing.assert_array_equal(a, b)


def test_constant_targets_are_nan_and_left_out_of_the_means():
    y, pred = _correlated(60, 6, 0.5, seed=5)
    y[:, [1, 4]] = 7.0
    labels = np.array(["V1", "V1", "MT", "MT", "FFA", "FFA"])
    for full, kept in [
        (
            bootstrap_scores(y, pred, n_bootstraps=80, roi_labels=labels, random_state=0),
            bootstrap_scores(
                y[:, [0, 2, 3, 5]], pred[:, [0, 2, 3, 5]], n_bootstraps=80,
                roi_labels=labels[[0, 2, 3, 5]], random_state=0,
            ),
        ),
        (
            bootstrap_difference(y, pred, 0.5 * pred, n_bootstraps=80, random_state=0),
            bootstrap_difference(
                y[:, [0, 2, 3, 5]], pred[:, [0, 2, 3, 5]], 0.5 * pred[:, [0, 2, 3, 5]],
                n_bootstraps=80, random_state=0,
            ),
        ),
    ]:
        for name in ("scores", "low", "high"):
            assert np.isnan(full[name][[1, 4]]).all()
            np.testing.assert_allclose(full[name][[0, 2, 3, 5]], kept[name], atol=1e-12)
        for name in ("mean", "mean_low", "mean_high"):
            assert full[name] == pytest.approx(kept[name], abs=1e-12)
        assert full.n_constant == 2 and kept.n_constant == 0
    table = bootstrap_scores(
        y, pred, n_bootstraps=80, roi_labels=labels, random_state=0
    ).rois.set_index("roi")
    assert table["n_targets"].to_dict() == {"FFA": 1, "MT": 2, "V1": 1}
    assert table.loc["V1", "score"] == pytest.approx(correlation_score(y[:, :1], pred[:, :1])[0])
    # an ROI of constant targets only: NaN, with no target counted
    only = bootstrap_scores(y, pred, n_bootstraps=20, roi_labels=[0, 1, 0, 0, 1, 0])
    assert only.rois["n_targets"].tolist() == [4, 0]
    assert np.isnan(only.rois.loc[1, ["score", "low", "high"]].to_numpy(float)).all()


def test_groups_are_drawn_whole():
    groups = np.array([2, 2, 2, 0, 0, 1, 1, 1, 1])
    members = {g: np.flatnonzero(groups == g).tolist() for g in (0, 1, 2)}
    for indices in bootstrap_indices(9, groups=groups, n_bootstraps=30, random_state=0):
        rest = indices.tolist()
        while rest:  # peel one whole group at a time off the front
            group = groups[rest[0]]
            assert rest[: len(members[group])] == members[group]
            rest = rest[len(members[group]):]


def test_blocks_widen_the_interval_of_autocorrelated_errors():
    # Slow (AR 0.95) noise: i.i.d. resampling ignores the dependence and
    # gives intervals that are too narrow; blocks of 20 TRs see it.
    rng = np.random.default_rng(6)
    n, n_targets = 400, 20
    noise = np.zeros((n, n_targets))
    for t in range(1, n):
        noise[t] = 0.95 * noise[t - 1] + rng.normal(size=n_targets)
    signal = rng.normal(size=(n, n_targets))
    y = signal + noise / noise.std(0)
    iid = bootstrap_scores(y, signal, n_bootstraps=300, random_state=0)
    blocks = bootstrap_scores(y, signal, block_length=20, n_bootstraps=300, random_state=0)
    assert np.median((blocks.high - blocks.low) / (iid.high - iid.low)) > 1.5


def test_roi_table_holds_the_means_of_its_targets():
    y, pred = _correlated(50, 6, 0.5, seed=7)
    labels = np.array(["V1", "MT", "V1", "MT", "MT", "FFA"])
    result = bootstrap_scores(y, pred, n_bootstraps=100, roi_labels=labels, random_state=0)
    table = result.rois.set_index("roi")
    assert list(table.index) == ["FFA", "MT", "V1"]
    assert table["n_targets"].tolist() == [1, 3, 2]
    for roi in ("FFA", "MT", "V1"):
        assert table.loc[roi, "score"] == pytest.approx(result.scores[labels == roi].mean())
        assert table.loc[roi, "low"] <= table.loc[roi, "score"] <= table.loc[roi, "high"]
    # a one-target ROI has that target's interval
    assert table.loc["FFA", "low"] == pytest.approx(result.low[5])
    assert table.loc["FFA", "high"] == pytest.approx(result.high[5])


def test_same_seed_same_intervals():
    y, pred = _correlated(30, 3, 0.5, seed=8)
    first = bootstrap_scores(y, pred, n_bootstraps=50, random_state=4)
    second = bootstrap_scores(y, pred, n_bootstraps=50, random_state=4)
    np.testing.assert_array_equal(first.low, second.low)


def test_difference_excludes_zero_for_a_clearly_better_model():
    rng = np.random.default_rng(9)
    y = rng.normal(size=(150, 12))
    good = y + 0.5 * rng.normal(size=y.shape)  # r about 0.9
    poor = y + 2.0 * rng.normal(size=y.shape)  # r about 0.45
    result = bootstrap_difference(
        y, good, poor, n_bootstraps=300, roi_labels=[0] * 6 + [1] * 6, random_state=0
    )
    np.testing.assert_allclose(
        result.scores, correlation_score(y, good) - correlation_score(y, poor), atol=1e-12
    )
    assert np.all(result.low > 0)
    assert result.mean_low > 0 and np.all(result.rois["low"] > 0)
    flipped = bootstrap_difference(y, poor, good, n_bootstraps=300, random_state=0)
    np.testing.assert_allclose(flipped.high, -result.low, atol=1e-12)


def test_difference_of_identical_models_is_zero_and_of_equal_models_includes_zero():
    y, pred = _correlated(120, 10, 0.5, seed=10)
    same = bootstrap_difference(y, pred, pred.copy(), n_bootstraps=100, random_state=0)
    assert np.all(same.low == 0) and np.all(same.high == 0)
    # two models of the same quality (independent errors of the same size):
    # the 95% intervals of about 95% of the targets hold 0 (200 targets,
    # binomial standard deviation 1.5%)
    y, pred = _correlated(120, 200, 0.5, seed=10)
    other = 0.5 * y + np.sqrt(0.75) * np.random.default_rng(11).normal(size=y.shape)
    equal = bootstrap_difference(y, pred, other, n_bootstraps=300, random_state=0)
    assert np.mean((equal.low < 0) & (0 < equal.high)) >= 0.85


def test_one_target_given_as_a_vector():
    y, pred = _correlated(40, 1, 0.5, seed=12)
    result = bootstrap_scores(y[:, 0], pred[:, 0], n_bootstraps=50, random_state=0)
    assert result.scores.shape == result.low.shape == (1,)
    assert result.mean == pytest.approx(result.scores[0])
    assert result.rois is None
