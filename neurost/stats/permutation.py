"""Block permutation tests of encoding and decoding scores, per target.

fMRI time series are autocorrelated: neighbouring TRs share most of their
signal, so shuffling single TRs destroys a structure that the real data
keep, and the resulting null distribution is too narrow (too many targets
called significant). :func:`block_permutations` shuffles whole blocks of
consecutive TRs, or whole runs, instead; :func:`permutation_test` uses
them to build a null distribution of per-target scores for a fitted
estimator, with uncorrected, family-wise (max-statistic) and
false-discovery-rate (Benjamini-Hochberg) p-values.
"""

import itertools
import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import false_discovery_control
from sklearn.utils.validation import check_is_fitted

from .._utils.validation import (
    check_choice,
    check_finite,
    check_fraction,
    check_groups,
    check_positive_int,
    check_random_state,
    check_real_array,
    describe,
)
from ..encoding.ridge import RidgeEncoder

METHODS = ("test", "refit")
SCORINGS = ("r", "r2")
CORRECTIONS = ("fdr_bh", "max", None)
#: Largest number of float32 predictions held at once (B * n_samples * n_targets).
_MAX_ELEMENTS = 2**23
#: Most targets scored together.
_TARGET_CHUNK = 4096
#: Decimals to which the log scalings of the feature spaces relative to the first
#: are rounded before grouping the refits by scaling: ``deltas_`` are float32
#: (himalaya), whose rounding alone separates one scaling at two penalties by ~1e-6.
_SCALING_DECIMALS = 5
#: Up to this many blocks, the distinct orders are enumerated and drawn without
#: replacement (8! = 40,320); beyond, random orders are drawn and duplicates redrawn.
_ENUMERATE_BLOCKS = 8


def _blocks(n_samples, block_length, runs):
    """Return the (start, length) of each block, in time order."""
    if block_length is None and runs is None:
        raise ValueError(
            "Pass block_length (TRs per block) or runs (the run of each sample) "
            "to say which samples are exchangeable: fMRI samples are "
            "autocorrelated, so single TRs must not be shuffled by default; "
            "block_length=1 shuffles single samples on purpose (i.i.d. data)."
        )
    if block_length is not None:
        block_length = check_positive_int(block_length, "block_length", "TRs per block")
    if runs is None:
        segments = [(0, n_samples)]
    else:
        labels = check_groups(runs, n_samples, name="runs")
        changes = np.flatnonzero(labels[1:] != labels[:-1]) + 1
        bounds = [0, *changes.tolist(), n_samples]
        segments = [(a, b - a) for a, b in zip(bounds[:-1], bounds[1:])]
        if len({labels[a] for a, _ in segments}) != len(segments):
            raise ValueError(
                "runs must label contiguous segments of samples (each run's TRs "
                "one after the other); some label appears in several segments."
            )
    if block_length is None:
        return segments
    return [
        (start + offset, min(block_length, length - offset))
        for start, length in segments
        for offset in range(0, length, block_length)
    ]


def _distinct_block_orders(n_blocks, n_permutations, rng):
    """``n_permutations`` distinct orders of ``n_blocks`` blocks, none the identity."""
    if n_blocks <= _ENUMERATE_BLOCKS:
        every = np.array(list(itertools.permutations(range(n_blocks)))[1:])
        return every[rng.choice(len(every), n_permutations, replace=False)]
    identity = tuple(range(n_blocks))
    seen, orders = {identity}, []
    while len(orders) < n_permutations:
        for order in np.argsort(rng.random_sample((n_permutations, n_blocks)), axis=1):
            key = tuple(order.tolist())
            if key not in seen and len(orders) < n_permutations:
                seen.add(key)
                orders.append(order)
    return np.array(orders)


def block_permutations(
    n_samples, n_permutations, *, block_length=None, runs=None, random_state=None
):
    """Random orders of samples that move whole blocks of consecutive TRs.

    The samples are cut into blocks: consecutive ``block_length`` TRs
    (the last block of the series, or of each run, is shorter when
    ``block_length`` does not divide its length: it is a block of its own,
    shuffled like the others); or, with ``runs`` and no ``block_length``,
    one block per run (runs of unequal length are shuffled as they are, so
    a run may land where a longer or shorter one was: what is preserved is
    each run's internal time course); or, with both, blocks of
    ``block_length`` TRs that never cross a run boundary. Each permutation
    puts the blocks in a new random order and keeps the TRs inside each
    block in their order, so that the autocorrelation within a block is
    kept.

    The permutations are distinct from each other and from the identity
    (drawn without replacement).

    Parameters
    ----------
    n_samples : int
        Samples (TRs) of the series.
    n_permutations : int
        Number of permutations.
    block_length : int, optional
        TRs per block; ``1`` shuffles single samples, valid only for
        samples that are exchangeable one by one (i.i.d., such as trials of
        an image experiment), never for a time series. No default: one of
        ``block_length`` and ``runs`` must be given.
    runs : array-like of shape (n_samples,), optional
        Run label of each sample; each run must be a contiguous segment.
    random_state : int, RandomState instance or None, default=None
        Seed of the draws.

    Returns
    -------
    ndarray of int, shape (n_permutations, n_samples)
        Row ``p`` is a sample order: the permuted series is
        ``data[orders[p]]``.

    Raises
    ------
    ValueError
        If neither ``block_length`` nor ``runs`` is given, if ``runs`` does
        not label contiguous segments, or if there are too few blocks for
        ``n_permutations`` distinct permutations (``n_blocks! - 1 <
        n_permutations``).

    Examples
    --------
    >>> block_permutations(6, 2, block_length=2, random_state=0).shape
    (2, 6)
    """
    return _block_permutations(
        n_samples, n_permutations, block_length, runs, random_state, "block_permutations"
    )[0]


def _block_permutations(n_samples, n_permutations, block_length, runs, random_state, caller):
    """The orders of :func:`block_permutations`, and the number of blocks they move."""
    n_samples = check_positive_int(n_samples, "n_samples", "samples")
    n_permutations = check_positive_int(n_permutations, "n_permutations")
    rng = check_random_state(random_state, caller)
    blocks = np.array(_blocks(n_samples, block_length, runs))
    n_blocks = len(blocks)
    available = math.factorial(n_blocks) - 1 if n_blocks <= 20 else math.inf
    if available < n_permutations:
        setting = (
            f"block_length={block_length}" if block_length is not None else "runs"
        )
        raise ValueError(
            f"{setting} cuts the {n_samples} samples into {n_blocks} block(s), which "
            f"allow only {available} distinct permutation(s) besides the identity; "
            f"n_permutations={n_permutations} requested. Use shorter blocks (at "
            "least 10 blocks are advisable) or fewer permutations."
        )
    starts, lengths = blocks[:, 0], blocks[:, 1]
    block_orders = _distinct_block_orders(n_blocks, n_permutations, rng)
    orders = np.empty((n_permutations, n_samples), dtype=np.intp)
    for row, order in zip(orders, block_orders):
        sizes = lengths[order]
        offsets = np.arange(n_samples) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        row[:] = np.repeat(starts[order], sizes) + offsets
    return orders, n_blocks


@dataclass
class PermutationResult:
    """Scores of each target and their permutation p-values.

    Every p-value counts the observed score among the null ones: ``(1 +
    #{null >= observed}) / (1 + n_permutations)``, so that none is 0 and
    the smallest is ``1 / (n_permutations + 1)``. The test is one-sided:
    a target is significant when its score is *greater* than the null.

    Attributes
    ----------
    scores : ndarray of shape (n_targets,)
        Observed score of each target (Pearson r or R²; 0 for a constant
        target, whose p-values are then 1).
    p_values : ndarray of shape (n_targets,)
        Uncorrected p-values.
    p_fwe : ndarray of shape (n_targets,)
        Family-wise p-values by the max statistic: the observed score
        against the maximum over targets of each permutation's scores
        (``null_max``); strong control of the family-wise error rate.
    q_values : ndarray of shape (n_targets,)
        Benjamini-Hochberg adjusted p-values
        (``scipy.stats.false_discovery_control(p_values)``).
    null : ndarray of shape (n_permutations, n_targets), float32, or None
        The null scores (None when not kept: ``return_null=False``).
    null_max : ndarray of shape (n_permutations,)
        Maximum over targets of each permutation's null scores.
    n_permutations : int
    method : {"test", "refit"}
    scoring : {"r", "r2"}
    block_length : int or None
        The block setting (None: whole runs).
    n_blocks : int
        Blocks that were shuffled.
    """

    scores: np.ndarray
    p_values: np.ndarray
    p_fwe: np.ndarray
    q_values: np.ndarray
    null: np.ndarray | None
    null_max: np.ndarray
    n_permutations: int
    method: str
    scoring: str
    block_length: int | None
    n_blocks: int

    def significant(self, alpha=0.05, correction="fdr_bh"):
        """Mask of the targets significant at level ``alpha``.

        Parameters
        ----------
        alpha : float, default=0.05
            Level in (0, 1): a target is significant when its (corrected)
            p-value is at most ``alpha``.
        correction : {"fdr_bh", "max", None}, default="fdr_bh"
            ``"fdr_bh"``: ``q_values`` (false discovery rate, Benjamini-
            Hochberg); ``"max"``: ``p_fwe`` (family-wise error rate, max
            statistic); None: uncorrected ``p_values``.

        Returns
        -------
        ndarray of bool, shape (n_targets,)
        """
        alpha = check_fraction(alpha, "alpha", "the level of the test, such as 0.05")
        return self.corrected(correction) <= alpha

    def corrected(self, correction="fdr_bh"):
        """The p-values of ``correction``: ``q_values``, ``p_fwe`` or ``p_values`` (None).

        Parameters
        ----------
        correction : {"fdr_bh", "max", None}, default="fdr_bh"

        Returns
        -------
        ndarray of shape (n_targets,)
        """
        check_choice(correction, "correction", CORRECTIONS)
        return {"fdr_bh": self.q_values, "max": self.p_fwe, None: self.p_values}[correction]


def _responses(values, name, n_samples=None):
    """``values`` as a finite 2-D float array (n_samples, n_targets)."""
    if values is None:
        raise TypeError(f"{name} is required; got None.")
    array = check_finite(check_real_array(values, name), name).astype(np.float64)
    if array.ndim == 0:
        raise ValueError(f"{name} must be (n_samples, ...); got a scalar.")
    if n_samples is not None and len(array) != n_samples:
        raise ValueError(
            f"{name} must hold {n_samples} samples, one per row of the features; got "
            f"{len(array)}."
        )
    if len(array) < 2:
        raise ValueError(f"{name} must hold at least 2 samples; got {len(array)}.")
    array = array.reshape(len(array), -1)
    if not array.shape[1]:
        raise ValueError(f"{name} must hold at least one target; got {describe(values)}.")
    return array


def _centred(values):
    """``values`` (n, c) centred over samples, its constant columns exactly 0.

    In float64, before any cast to float32: centring a constant column
    leaves rounding-size values (``3.3`` repeated 99 times: about 1e-16),
    whose scores would be noise instead of 0.
    """
    centred = values - values.mean(axis=0)
    centred[:, (values == values[:1]).all(axis=0)] = 0.0
    return centred


def _batch_scores(prediction, truth, y_power, scoring, centred=False):
    """Scores of a batch of predictions (B, n, c) against ``truth`` (n, c), shape (B, c).

    ``truth`` is the responses centred over samples (:func:`_centred`,
    then float32) and ``y_power`` (c,) their float64 sums of squares, 0
    exactly for a constant target. For ``"r2"`` the predictions are
    shifted by the same means as ``truth``. The same values as
    :func:`neurost.metrics.correlation_score` (``"r"``: 0 where either
    side is constant) and ``sklearn.metrics.r2_score`` (``"r2"``: 0 where
    the target is constant), computed for a batch at once in the
    predictions' precision. ``centred``: the predictions already have zero
    mean over samples (``"r"``).
    """
    if scoring == "r":
        if not centred:
            prediction = prediction - prediction.mean(axis=1, keepdims=True)
        covariance = np.einsum("bnc,nc->bc", prediction, truth)
        scale = np.sqrt((prediction**2).sum(axis=1) * y_power)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.clip(np.where(scale > 0, covariance / scale, 0.0), -1.0, 1.0)
    residual = ((truth - prediction) ** 2).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(y_power > 0, 1.0 - residual / y_power, 0.0)


class _NullAccumulator:
    """Counts of null scores >= observed, per-permutation maxima, and the null itself."""

    def __init__(self, n_permutations, n_targets, keep):
        self.scores = np.zeros(n_targets)
        self.counts = np.zeros(n_targets, dtype=np.int64)
        self.null_max = np.full(n_permutations, -np.inf)
        self.null = np.empty((n_permutations, n_targets), np.float32) if keep else None

    def add(self, batch, perms, targets):
        """Record ``batch`` (len(perms), len(targets)); perm -1 is the observed score."""
        observed = perms < 0
        if observed.any():
            self.scores[targets] = batch[observed][0]
            batch, perms = batch[~observed], perms[~observed]
        self.counts[targets] += (batch >= self.scores[targets]).sum(axis=0)
        self.null_max[perms] = np.maximum(self.null_max[perms], batch.max(axis=1))
        if self.null is not None:
            self.null[np.ix_(perms, targets)] = batch


def _batches(n_orders, n_rows, n_targets):
    """Slices of orders such that a batch of predictions stays memory-bounded."""
    size = max(1, _MAX_ELEMENTS // max(1, n_rows * n_targets))
    return [slice(a, min(a + size, n_orders)) for a in range(0, n_orders, size)]


def _test_null(prediction, y, inverse, scoring, accumulate):
    """Null of method="test": the fixed predictions against permuted responses.

    Permuting ``y`` by ``order`` pairs ``y[order[i]]`` with ``prediction[i]``:
    the same pairs as ``y[j]`` with ``prediction[inverse[j]]``, which is
    what is scored.
    """
    n_samples, n_targets = y.shape
    # Centred in float64: an offset would cost float32 precision.
    centred = _centred(y)
    y_power = (centred**2).sum(axis=0)
    if scoring == "r":  # a permutation of centred predictions stays centred
        prediction = _centred(prediction)
    else:  # the residual y - prediction, with both shifted by y's means
        prediction = prediction - y.mean(axis=0)
    for start in range(0, n_targets, _TARGET_CHUNK):
        targets = np.arange(start, min(start + _TARGET_CHUNK, n_targets))
        pred = prediction[:, targets].astype(np.float32)
        truth = centred[:, targets].astype(np.float32)
        for batch in _batches(len(inverse), n_samples, len(targets)):
            scores = _batch_scores(
                pred[inverse[batch]], truth, y_power[targets], scoring, scoring == "r"
            )
            accumulate(scores, np.arange(len(inverse))[batch] - 1, targets)


def _refit_null(estimator, design_test, y, design_train, y_train, orders, scoring, accumulate):
    """Null of method="refit": ridge refits on permuted training responses.

    The fitted model predicts ``X`` as ``H @ (y_train - mean) + mean``,
    with ``H`` (n_test, n_train) fixed by the training design and the
    target's penalty; a permuted refit is ``H @ (y_train[order] - mean) +
    mean`` (the mean is left out for ``"r"``). ``H`` comes from one SVD of
    the (scaled, centred) training design per distinct scaling of the
    feature spaces relative to the first, shared by every penalty and
    every permutation: one for a single feature space.
    """
    n_train, n_targets = y_train.shape
    offset = design_train.mean(axis=0) if estimator.fit_intercept else 0.0
    y_mean = y_train.mean(axis=0) if estimator.fit_intercept else np.zeros(n_targets)
    centred_train, centred_test = design_train - offset, design_test - offset
    y_centred = (y_train - y_mean).astype(np.float32)
    # Offsets in float64: they would cost float32 precision.
    truth_all = _centred(y)
    y_power = (truth_all**2).sum(axis=0)
    # "r" ignores the mean; "r2" compares with the centred y, shifted by its means.
    shift = np.zeros(n_targets) if scoring == "r" else y_mean - y.mean(axis=0)
    spaces = estimator._spaces
    if estimator.deltas_ is None:  # one space: penalty best_alphas_, no scaling
        log_scalings = np.zeros((1, n_targets))
        penalties = estimator.best_alphas_
    else:
        # Kernel sum_s exp(deltas_s) K_s with penalty 1 (himalaya): the same ridge
        # as scalings exp(deltas_s - deltas_0) with penalty exp(-deltas_0).
        log_scalings = estimator.deltas_ - estimator.deltas_[0]
        penalties = np.exp(-estimator.deltas_[0])
    keys, space_group = np.unique(
        np.round(log_scalings.T, _SCALING_DECIMALS), axis=0, return_inverse=True
    )
    for key_index, key in enumerate(keys):
        scale = np.concatenate(
            [np.full(s.stop - s.start, np.exp(d / 2)) for s, d in zip(spaces, key)]
        )
        u, s, vt = np.linalg.svd(centred_train * scale, full_matrices=False)
        projected = (centred_test * scale) @ vt.T
        in_group = space_group.ravel() == key_index
        for penalty in np.unique(penalties[in_group]):
            hat = ((projected * (s / (s**2 + penalty))) @ u.T).astype(np.float32)
            group = np.flatnonzero(in_group & (penalties == penalty))
            for start in range(0, len(group), _TARGET_CHUNK):
                targets = group[start : start + _TARGET_CHUNK]
                truth = truth_all[:, targets].astype(np.float32)
                train, mean = y_centred[:, targets], shift[targets].astype(np.float32)
                for batch in _batches(len(orders), max(n_train, len(y)), len(targets)):
                    # (n_train, B, c): every permuted copy side by side, one product.
                    permuted = train[orders[batch].T].reshape(n_train, -1)
                    pred = (hat @ permuted).reshape(len(y), -1, len(targets))
                    scores = _batch_scores(
                        pred.transpose(1, 0, 2) + mean, truth, y_power[targets], scoring
                    )
                    accumulate(scores, np.arange(len(orders))[batch] - 1, targets)


def permutation_test(
    estimator,
    X,
    y,
    *,
    method="test",
    X_train=None,
    y_train=None,
    n_permutations=1000,
    block_length=None,
    runs=None,
    scoring="r",
    return_null=True,
    random_state=None,
):
    """Block permutation test of a fitted estimator's score on each target.

    Two ways to build the null distribution of each target's score on the
    held-out data ``(X, y)``:

    - ``method="test"`` (any fitted estimator with ``predict``: encoders,
      decoders): the predictions ``estimator.predict(X)`` stay fixed and
      the held-out responses ``y`` are block-permuted against them. Cheap
      (no model is refitted) and generic; it tests whether the
      predictions follow the responses' time course.
    - ``method="refit"`` (a fitted :class:`~neurost.encoding.RidgeEncoder`,
      with its training data ``X_train``, ``y_train``): each null model is
      the ridge refitted on block-permuted training responses, then scored
      on ``(X, y)``; it tests the whole fit-then-predict pipeline. The
      penalties (``best_alphas_``, and ``deltas_`` for banded ridge) are
      held fixed at the fitted ones: they are **not** re-selected per
      permutation, which would cost a cross-validation each. Refits are
      exact ridge solutions (float64 decomposition) at those penalties:
      one SVD of the centred training design serves every target and
      every permutation (in banded ridge, one per distinct scaling of the
      feature spaces relative to the first, at most ``n_iter``: the
      relative log scalings are rounded to 5 decimals, near the float32
      precision of ``deltas_``). The observed scores are those of the same exact
      refit, equal to the estimator's own up to its float32 solver
      precision.

    Null scores are computed in float32, in batches of permutations and
    chunks of targets, so that memory stays bounded.

    **Calibration on time series** (``analyses/stats_calibration.py``: 100
    null datasets of AR(1) features and responses, 300 test TRs, 1,000
    targets). Permuting blocks of the held-out responses breaks their lag
    covariance with the predictions at every block boundary, so the null
    of ``"test"`` is slightly too narrow: at 0.05 it calls 5.8 % of null
    targets with blocks of 20 TRs (5.5 % with 30) and, by the max
    statistic, 9 % of datasets (95 % interval 4-16 %). ``"refit"``
    permutes only the training responses and scores intact test series:
    5.1 % of targets and 5 % of datasets. For family-wise claims on
    autocorrelated responses, prefer ``"refit"`` (or long blocks); single
    TRs (``block_length=1``) call 19 % of null targets there.

    Parameters
    ----------
    estimator : fitted estimator
        With ``predict`` (``"test"``); a fitted ``RidgeEncoder``
        (``"refit"``).
    X : array-like
        Held-out features, as ``estimator.predict`` takes them.
    y : array-like of shape (n_samples, ...)
        Held-out responses (or decoded targets), the shape of
        ``estimator.predict(X)``; every column after the first axis is one
        target (trailing axes are flattened).
    method : {"test", "refit"}, default="test"
    X_train, y_train : array-like, optional
        The training data of the estimator; required by, and only used
        with, ``method="refit"``.
    n_permutations : int, default=1000
    block_length : int, optional
        TRs per block of the permuted samples (``y`` for ``"test"``,
        ``y_train`` for ``"refit"``); see :func:`block_permutations`. No
        default: give ``block_length``, ``runs`` or both; ``block_length=1``
        only for samples exchangeable one by one.
    runs : array-like of shape (n_permuted_samples,), optional
        Run label of each permuted sample (of ``y`` for ``"test"``, of
        ``y_train`` for ``"refit"``); alone, whole runs are shuffled; with
        ``block_length``, blocks do not cross runs. Named ``runs``, not
        ``groups``, because each label must cover one contiguous segment
        of the time series, whose internal order the permutation keeps.
    scoring : {"r", "r2"}, default="r"
        Pearson r per target (:func:`neurost.metrics.correlation_score`)
        or the coefficient of determination R². A target constant in
        ``y`` (or, for ``"r"`` with ``method="test"``, whose prediction is
        constant) scores 0 in the observed data and in every permutation,
        so its p-values are 1: it can never be significant.
    return_null : bool, default=True
        Keep the null scores (``n_permutations * n_targets`` float32:
        80 MB for 1,000 permutations of 20,000 targets); p-values do not
        need them.
    random_state : int, RandomState instance or None, default=None
        Seed of the permutations.

    Returns
    -------
    PermutationResult
        ``scores``, ``p_values``, ``p_fwe``, ``q_values`` (n_targets,),
        ``null`` (n_permutations, n_targets) or None, ``null_max``
        (n_permutations,), the settings; ``significant(alpha,
        correction)`` gives the mask of significant targets.

    Examples
    --------
    >>> import numpy as np
    >>> from neurost.encoding import RidgeEncoder
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 10))
    >>> Y = np.c_[X[:, :1] + rng.normal(size=(200, 1)), rng.normal(size=(200, 1))]
    >>> model = RidgeEncoder(backend="numpy").fit(X[:100], Y[:100])
    >>> result = permutation_test(model, X[100:], Y[100:], n_permutations=99,
    ...                           block_length=1, random_state=0)
    >>> bool(result.p_values[0] == 0.01)
    True
    """
    check_choice(method, "method", METHODS)
    check_choice(scoring, "scoring", SCORINGS)
    n_permutations = check_positive_int(n_permutations, "n_permutations")
    if not isinstance(return_null, (bool, np.bool_)):
        raise TypeError(f"return_null must be True or False; got {describe(return_null)}.")
    if not hasattr(estimator, "predict"):
        raise TypeError(
            f"estimator must be a fitted estimator with a predict method; got "
            f"{describe(estimator)}."
        )
    check_is_fitted(estimator)
    if method == "test":
        if X_train is not None or y_train is not None:
            raise ValueError(
                "X_train and y_train are only used by method='refit'; method='test' "
                "permutes the held-out y against estimator.predict(X)."
            )
        prediction = _responses(estimator.predict(X), "estimator.predict(X)")
        y = _responses(y, "y", len(prediction))
        if y.shape != prediction.shape:
            raise ValueError(
                f"y must have the shape of estimator.predict(X), {prediction.shape} "
                f"after flattening the trailing axes; got {y.shape}."
            )
        n_permuted = len(y)
    else:
        if not isinstance(estimator, RidgeEncoder):
            raise TypeError(
                "method='refit' needs a fitted RidgeEncoder (it reuses the ridge "
                f"decomposition); got {type(estimator).__name__}: use method='test'."
            )
        if X_train is None or y_train is None:
            raise ValueError(
                "method='refit' needs the training data: pass X_train and y_train."
            )
        y_train = _responses(y_train, "y_train")
        y = _responses(y, "y")
        for name, array in (("y_train", y_train), ("y", y)):
            if array.shape[1] != estimator.n_targets_:
                raise ValueError(
                    f"{name} must hold the {estimator.n_targets_} targets the estimator "
                    f"was fitted on; got {array.shape[1]}."
                )
        design_train = estimator._design(X_train, reset=False).astype(np.float64)
        design_test = estimator._design(X, reset=False).astype(np.float64)
        for name, design, array in (("X_train", design_train, y_train), ("X", design_test, y)):
            if len(design) != len(array):
                raise ValueError(
                    f"{name} and {'y_train' if name == 'X_train' else 'y'} must have the "
                    f"same number of samples; got {len(design)} and {len(array)}."
                )
        n_permuted = len(y_train)
    orders, n_blocks = _block_permutations(
        n_permuted, n_permutations, block_length, runs, random_state, "permutation_test"
    )
    # Row 0 is the identity: the observed scores, computed as the null ones.
    orders = np.vstack([np.arange(n_permuted), orders])
    null = _NullAccumulator(n_permutations, y.shape[1], return_null)
    if method == "test":
        _test_null(prediction, y, np.argsort(orders, axis=1), scoring, null.add)
    else:
        _refit_null(
            estimator, design_test, y, design_train, y_train, orders, scoring, null.add
        )
    p_values = (1 + null.counts) / (1 + n_permutations)
    exceed = n_permutations - np.searchsorted(np.sort(null.null_max), null.scores, side="left")
    p_fwe = (1 + exceed) / (1 + n_permutations)
    return PermutationResult(
        scores=null.scores,
        p_values=p_values,
        p_fwe=p_fwe,
        q_values=false_discovery_control(p_values, method="bh"),
        null=null.null,
        null_max=null.null_max,
        n_permutations=n_permutations,
        method=method,
        scoring=scoring,
        block_length=None if block_length is None else int(block_length),
        n_blocks=n_blocks,
    )
