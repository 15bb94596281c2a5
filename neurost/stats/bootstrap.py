"""Bootstrap confidence intervals of prediction scores, per target, per ROI and overall.

The test samples are resampled with replacement (independent samples such
as test images, moving blocks of TRs, or whole runs), the scores are
recomputed on each resample, and the interval is read from the
percentiles of the resampled scores. Each resample is a vector of counts
(how often each sample was drawn), so that the scores of all targets and
all resamples come from a few matrix products: nothing loops over targets.
"""

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from .._utils.validation import (
    check_choice,
    check_fraction,
    check_groups,
    check_positive_int,
    check_random_state,
    describe,
)
from ..metrics.correlation import check_paired

#: Scores that the bootstrap recomputes.
SCORINGS = ("r", "r2")
#: Largest number of (resample, target) scores held at once.
_CHUNK = 2**21


def bootstrap_indices(
    n_samples, *, block_length=None, groups=None, n_bootstraps=1000, random_state=None
):
    """Draw bootstrap resamples of ``n_samples`` samples, as index arrays.

    Four schemes:

    - i.i.d. (default): ``n_samples`` samples drawn with replacement, for
      independent samples such as test images;
    - moving blocks (``block_length``, Künsch 1989): blocks of
      ``block_length`` consecutive samples, each starting anywhere in
      ``[0, n_samples - block_length]``, concatenated until they cover
      ``n_samples`` (the last block cut short), for time series whose
      autocorrelation lasts less than a block. A block never wraps from the
      end of the series to its start;
    - groups (``groups``): as many groups as there are drawn with
      replacement, each kept whole and in its own order, for runs or
      sessions. A resample then has the length of the groups it drew;
    - moving blocks within groups (``block_length`` and ``groups``): as
      moving blocks, but each block is ``block_length`` consecutive
      samples of one group (consecutive among that group's samples), drawn
      among all such blocks, so that no block crosses from one run into
      the next.

    Parameters
    ----------
    n_samples : int
        Samples (TRs, images) of the series.
    block_length : int, optional
        Samples per block, 1 to ``n_samples // 2`` (a resample needs at
        least 2 blocks: with one, it would be the series itself); with
        ``groups``, at most the samples of the smallest group.
    groups : array-like of shape (n_samples,), optional
        Group label of each sample (its run); at least 2 groups when
        alone. Named ``groups`` as in scikit-learn (``GroupKFold``,
        :meth:`neurost.encoding.RidgeEncoder.fit`), since a group's samples
        need not be contiguous: they are drawn wherever they lie.
    n_bootstraps : int, default=1000
        Resamples to draw.
    random_state : int, RandomState instance or None, default=None
        Seeds the draws.

    Returns
    -------
    list of ndarray of int
        ``n_bootstraps`` arrays of sample indices (``n_samples`` of them
        each, except with ``groups`` alone).

    References
    ----------
    Künsch, H. R. (1989). The jackknife and the bootstrap for general
    stationary observations. The Annals of Statistics, 17(3), 1217-1241.
    """
    n_samples = check_positive_int(n_samples, "n_samples", "samples")
    plan = _scheme(n_samples, block_length, groups)
    n_bootstraps = check_positive_int(n_bootstraps, "n_bootstraps", "resamples")
    rng = check_random_state(random_state, "bootstrap_indices")
    return [plan(rng) for _ in range(n_bootstraps)]


def _scheme(n_samples, block_length, groups):
    """Validate the resampling options; return ``draw(rng) -> indices``."""
    members = None
    if groups is not None:
        labels = check_groups(groups, n_samples)
        try:
            names, codes = np.unique(labels, return_inverse=True)
        except TypeError:
            raise TypeError(
                "groups must hold labels of one kind (all numbers or all strings, no "
                f"None); got {describe(groups)}."
            ) from None
        members = [np.flatnonzero(codes == code) for code in range(len(names))]
    if block_length is not None:
        length = check_positive_int(block_length, "block_length", "samples per block")
        if n_samples // length < 2:
            raise ValueError(
                f"block_length={length} leaves fewer than 2 blocks in the {n_samples} "
                "samples: every resample would be the series itself, an interval of "
                f"zero width; expected 1 to {n_samples // 2}."
            )
        if members is None:
            series = [np.arange(n_samples)]
        else:
            series = members
            smallest = int(np.argmin([len(run) for run in members]))
            if len(members[smallest]) < length:
                raise ValueError(
                    f"block_length={length} is longer than group {names[smallest].tolist()!r} "
                    f"({len(members[smallest])} samples); blocks do not cross groups, "
                    "so every group must hold at least block_length samples."
                )
        # Every block of `length` consecutive samples of one group, one per row.
        blocks = np.concatenate(
            [run[np.arange(len(run) - length + 1)[:, None] + np.arange(length)] for run in series]
        )
        n_blocks = -(-n_samples // length)

        def draw(rng):
            chosen = rng.randint(0, len(blocks), size=n_blocks)
            return blocks[chosen].ravel()[:n_samples]

        return draw
    if members is not None:
        if len(members) < 2:
            raise ValueError(
                "groups must hold at least 2 distinct groups to resample; got 1."
            )

        def draw(rng):
            chosen = rng.randint(0, len(members), size=len(members))
            return np.concatenate([members[k] for k in chosen])

        return draw
    return lambda rng: rng.randint(0, n_samples, size=n_samples)


def bootstrap_scores(
    y_true,
    y_pred,
    *,
    scoring="r",
    block_length=None,
    groups=None,
    n_bootstraps=1000,
    confidence=0.95,
    roi_labels=None,
    random_state=None,
):
    """Bootstrap confidence intervals of per-target, per-ROI and mean scores.

    The test samples are resampled (see :func:`bootstrap_indices` for the
    three schemes), each target's score is recomputed on every resample,
    and each interval spans the central ``confidence`` of the resampled
    values (percentile intervals; no bias correction). The mean over
    targets and each ROI's mean are recomputed on every resample too, so
    that their intervals account for the targets' shared resampling.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_targets)
        Measured responses on held-out data.
    y_pred : array-like of the same shape
        Predicted responses.
    scoring : {"r", "r2"}, default="r"
        Pearson correlation (as :func:`neurost.metrics.correlation_score`)
        or coefficient of determination ``1 - sum (y - p)**2 / sum (y -
        mean(y))**2``. A target constant in ``y_true`` cannot be scored:
        it is NaN in ``scores``, ``low`` and ``high`` and left out of
        ``mean`` and the ROI means (counted in ``n_constant``), as
        :meth:`neurost.encoding.RidgeEncoder.score` ignores it. A target
        that varies, but whose values are constant in a resample, scores 0
        there.
    block_length : int, optional
        Resample moving blocks of this many consecutive samples (TRs)
        instead of single samples; with ``groups``, blocks do not cross
        groups.
    groups : array-like of shape (n_samples,), optional
        Group (run) of each sample: alone, whole groups are resampled
        instead of single samples; with ``block_length``, blocks stay
        inside one group. See :func:`bootstrap_indices`.
    n_bootstraps : int, default=1000
        Resamples.
    confidence : float, default=0.95
        Coverage of the intervals, strictly between 0 and 1.
    roi_labels : array-like of shape (n_targets,), optional
        ROI of each target: adds a table of ROI means.
    random_state : int, RandomState instance or None, default=None
        Seeds the resampling.

    Returns
    -------
    sklearn.utils.Bunch
        ``scores``, ``low``, ``high`` : ndarray of shape (n_targets,)
            Score of each target on all samples, and its interval; NaN
            for a target constant in ``y_true``.
        ``mean``, ``mean_low``, ``mean_high`` : float
            Mean score over the scored (non-constant) targets, and its
            interval; NaN when every target is constant.
        ``n_constant`` : int
            Targets constant in ``y_true``, left out of every mean.
        ``rois`` : pandas.DataFrame or None
            One row per ROI (sorted labels): ``roi``, ``score`` (mean over
            its scored targets), ``low``, ``high``, ``n_targets`` (its
            scored targets: NaN scores where 0); None without
            ``roi_labels``.
        ``confidence``, ``n_bootstraps``, ``scoring``
            The settings used.

    Examples
    --------
    >>> import numpy as np
    >>> from neurost.stats.bootstrap import bootstrap_scores
    >>> rng = np.random.default_rng(0)
    >>> y = rng.normal(size=(200, 3))
    >>> result = bootstrap_scores(y, y + rng.normal(size=y.shape), random_state=0)
    >>> bool(np.all((result.low < result.scores) & (result.scores < result.high)))
    True
    """
    y_true, (y_pred,) = _check_responses(y_true, [y_pred], ["y_pred"])
    return _bootstrap(
        y_true, [y_pred], lambda scores: scores[0], scoring, block_length, groups,
        n_bootstraps, confidence, roi_labels, random_state, "bootstrap_scores",
    )


def bootstrap_difference(
    y_true,
    y_pred_a,
    y_pred_b,
    *,
    scoring="r",
    block_length=None,
    groups=None,
    n_bootstraps=1000,
    confidence=0.95,
    roi_labels=None,
    random_state=None,
):
    """Bootstrap confidence intervals of the score difference between two models.

    Both models are scored on the same resamples (a paired bootstrap), so
    that the variation the two share (which test samples were drawn)
    cancels in the difference ``score(a) - score(b)``. An interval that
    excludes 0 says that one model is better on these targets.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_targets)
        Measured responses on held-out data.
    y_pred_a, y_pred_b : array-like of the same shape
        Predictions of the two models (say routing and ridge).
    scoring, block_length, groups, n_bootstraps, confidence, roi_labels, \
random_state
        As for :func:`bootstrap_scores`.

    Returns
    -------
    sklearn.utils.Bunch
        As for :func:`bootstrap_scores`, of the difference: ``scores``
        (``score(a) - score(b)`` per target), ``low``, ``high``, ``mean``,
        ``mean_low``, ``mean_high``, ``n_constant``, ``rois`` (``score``
        is the difference of the ROI means), ``confidence``,
        ``n_bootstraps``, ``scoring``; NaN for targets constant in
        ``y_true``, left out of the means.
    """
    y_true, preds = _check_responses(y_true, [y_pred_a, y_pred_b], ["y_pred_a", "y_pred_b"])
    return _bootstrap(
        y_true, preds, lambda scores: scores[0] - scores[1], scoring, block_length, groups,
        n_bootstraps, confidence, roi_labels, random_state, "bootstrap_difference",
    )


def _check_responses(y_true, preds, names):
    checked = []
    for pred, name in zip(preds, names):
        try:
            true, pred = check_paired(y_true, pred)
        except (TypeError, ValueError) as error:
            message = str(error).replace("y_pred", name)
            raise type(error)(message) from None
        checked.append(pred)
    if not true.shape[1]:
        raise ValueError(
            f"y_true must hold at least one target; got shape {np.shape(y_true)}."
        )
    return true, checked


def _bootstrap(
    y_true, preds, combine, scoring, block_length, groups, n_bootstraps, confidence,
    roi_labels, random_state, caller,
):
    check_choice(scoring, "scoring", SCORINGS)
    n_samples, n_targets = y_true.shape
    draw = _scheme(n_samples, block_length, groups)
    n_bootstraps = check_positive_int(n_bootstraps, "n_bootstraps", "resamples")
    confidence = check_fraction(confidence, "confidence", "0.95 for 95% intervals")
    rois, membership = _check_rois(roi_labels, n_targets)
    rng = check_random_state(random_state, caller)
    counts = np.stack(
        [np.bincount(draw(rng), minlength=n_samples) for _ in range(n_bootstraps)]
    ).astype(np.float64)
    ones = np.ones((1, n_samples))
    quantiles = [(1 - confidence) / 2, (1 + confidence) / 2]
    # Targets constant in y_true cannot be scored: NaN, and out of every mean.
    scored = np.flatnonzero((y_true != y_true[:1]).any(axis=0))
    membership = membership[scored]
    scores = np.full(n_targets, np.nan)
    bounds = np.full((2, n_targets), np.nan)
    resampled_sums = np.zeros(n_bootstraps)
    resampled_rois = np.zeros((n_bootstraps, membership.shape[1]))
    step = max(1, _CHUNK // n_bootstraps)
    for start in range(0, len(scored), step):
        chunk = scored[start : start + step]
        true = y_true[:, chunk]
        scores[chunk] = combine([_scores(ones, true, p[:, chunk], scoring)[0] for p in preds])
        resampled = combine([_scores(counts, true, p[:, chunk], scoring) for p in preds])
        bounds[:, chunk] = np.quantile(resampled, quantiles, axis=0)
        resampled_sums += resampled.sum(axis=1)
        resampled_rois += resampled @ membership[start : start + step]
    with np.errstate(invalid="ignore", divide="ignore"):  # no scored target: NaN
        mean = scores[scored].sum() / len(scored)
        mean_bounds = np.quantile(resampled_sums / len(scored), quantiles)
    result = Bunch(
        scores=scores,
        low=bounds[0],
        high=bounds[1],
        mean=float(mean),
        mean_low=float(mean_bounds[0]),
        mean_high=float(mean_bounds[1]),
        n_constant=n_targets - len(scored),
        confidence=confidence,
        n_bootstraps=n_bootstraps,
        scoring=scoring,
        rois=None,
    )
    if rois is not None:
        sizes = membership.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):  # an ROI of constant targets
            low, high = np.quantile(resampled_rois / sizes, quantiles, axis=0)
            roi_scores = scores[scored] @ membership / sizes
        result.rois = pd.DataFrame(
            {
                "roi": rois,
                "score": roi_scores,
                "low": low,
                "high": high,
                "n_targets": sizes.astype(int),
            }
        )
    return result


def _check_rois(roi_labels, n_targets):
    """ROI names (sorted) and the (n_targets, n_rois) 0/1 membership matrix."""
    if roi_labels is None:
        return None, np.zeros((n_targets, 0))
    labels = np.asarray(roi_labels)
    if labels.shape != (n_targets,):
        raise ValueError(
            f"roi_labels must hold one label per target, shape ({n_targets},); "
            f"got {describe(roi_labels)}."
        )
    if labels.dtype.kind == "f" and not np.isfinite(labels).all():
        raise ValueError("roi_labels must not hold NaN or infinite labels.")
    try:
        names, codes = np.unique(labels, return_inverse=True)
    except TypeError:  # labels that cannot be sorted together: None and strings
        raise TypeError(
            "roi_labels must hold labels of one kind (all strings or all numbers, no "
            f"None); got {describe(roi_labels)}."
        ) from None
    return names, np.eye(len(names))[codes]


def _scores(counts, y_true, y_pred, scoring):
    """Score of each target under each resample's counts.

    Parameters
    ----------
    counts : ndarray of shape (n_resamples, n_samples)
        How often each sample was drawn in each resample.
    y_true, y_pred : ndarray of shape (n_samples, n_targets)

    Returns
    -------
    ndarray of shape (n_resamples, n_targets)
        0 where a target is constant within a resample.
    """
    n = counts.sum(axis=1, keepdims=True)
    # Centred on the full sample first: the moments below lose no precision
    # to a large mean (raw BOLD is in the thousands).
    true = y_true - y_true.mean(axis=0)
    mean_true = counts @ true / n
    ss_true = counts @ true**2 - n * mean_true**2
    # A constant target has sums of squares of rounding size, not 0.
    constant = ss_true <= 1e-12 * (counts @ true**2)
    with np.errstate(invalid="ignore", divide="ignore"):
        if scoring == "r2":
            residual = counts @ (y_true - y_pred) ** 2
            return np.where(constant, 0.0, 1 - residual / ss_true)
        pred = y_pred - y_pred.mean(axis=0)
        mean_pred = counts @ pred / n
        ss_pred = counts @ pred**2 - n * mean_pred**2
        constant |= ss_pred <= 1e-12 * (counts @ pred**2)
        covariance = counts @ (true * pred) - n * mean_true * mean_pred
        r = np.where(constant, 0.0, covariance / np.sqrt(np.abs(ss_true * ss_pred)))
    return np.clip(r, -1.0, 1.0)
