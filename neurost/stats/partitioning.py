"""Variance partitioning of banded encoding models: unique and shared variance per target.

The joint model (every feature space) and the model of every subset of
the spaces are fitted on the training data and scored (R2) on held-out
data; the set-theoretic partition then follows from inclusion-exclusion
over those R2 values. The product measure of the joint model (himalaya's
``r2_score_split``) is reported beside it.
"""

from itertools import combinations

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import r2_score
from sklearn.utils import Bunch

from .._utils.validation import check_finite, check_real_array, describe
from ..encoding.ridge import RidgeEncoder
from ..encoding.video import VideoEncoder, _as_runs


def variance_partitioning(estimator, X_train, y_train, X_test, y_test, *, spaces=None):
    """Unique and shared variance of each feature space, per target (set-theoretic).

    For ``k`` feature spaces, the ``2**k - 1`` models of every non-empty
    subset of the spaces are fitted (clones of ``estimator`` given only
    those spaces) on the training data, and each target's R2 is measured
    on the test data. Seen as areas of a Venn diagram whose union for a
    subset ``T`` is its model's R2 ``f(T)``, the part explained by exactly
    the spaces of ``S`` (and by none of the others, ``W``) is

    ``a(S) = sum over non-empty T in S of (-1)**(|T| + 1) * (f(T | W) - f(W))``

    (inclusion-exclusion, ``f`` of no space = 0). For two spaces ``A``,
    ``B``: ``unique A = f(AB) - f(B)``, ``unique B = f(AB) - f(A)``,
    ``shared A & B = f(A) + f(B) - f(AB)``; the parts sum to ``f(AB)``.

    Parameters
    ----------
    estimator : RidgeEncoder or VideoEncoder
        The banded model, fitted or not (it is cloned, never changed). A
        :class:`~neurost.encoding.RidgeEncoder` needs ``feature_spaces``
        with at least 2 spaces; a subset model gets the columns of its
        spaces and their sizes as ``feature_spaces`` (none for one space).
        A :class:`~neurost.encoding.VideoEncoder` on videos gets the
        subset as ``features``; on precomputed features (dicts) it gets
        each run's dict restricted to the subset.
    X_train, y_train : training data, as ``estimator.fit`` takes it
        For a RidgeEncoder, ``X_train`` is 2-D ``(n_samples, n_columns)``
        with the spaces' columns in ``feature_spaces`` order.
    X_test, y_test : held-out data, of the same kinds
        ``y_test`` of shape (n_samples_test,) or (n_samples_test,
        n_targets), or a list of runs for a VideoEncoder.
    spaces : sequence of int or str, optional
        The spaces to partition (at least 2): positions in
        ``feature_spaces`` for a RidgeEncoder, names for a VideoEncoder
        (``features``, or the keys of precomputed features). The other
        spaces are left out of every model. None takes them all.

    Returns
    -------
    sklearn.utils.Bunch
        ``spaces`` : tuple of str
            Names of the spaces (``"space 0"``, ``"space 1"``, ... for a
            RidgeEncoder, by position in ``feature_spaces``).
        ``subset_scores`` : pandas.DataFrame of shape (n_targets, 2**k - 1)
            Test R2 of each subset model, one column per subset (``"A"``,
            ``"A + B"``, ...: by size, then in the order of ``spaces``).
        ``partition`` : pandas.DataFrame of shape (n_targets, 2**k - 1)
            Variance explained by exactly one set of spaces, as a fraction
            of the test variance: columns ``"unique A"`` (by ``A`` and no
            other space) and ``"shared A & B"`` (by ``A`` and ``B`` and no
            other), in the order of ``subset_scores``; a row sums to the
            joint model's R2.
        ``n_negative`` : pandas.Series
            For each column of ``partition``, the number of targets whose
            estimate is negative.
        ``product`` : pandas.DataFrame of shape (n_targets, k)
            The product measure of the joint model (``himalaya.scoring.
            r2_score_split``: ``sum_t (2 y_t p_kt - p_kt sum_j p_jt) /
            sum_t y_t**2`` with ``y`` and each space's prediction ``p_k``
            centred), one column per space; a row sums to the R2 of the
            centred joint prediction.

        Targets with zero variance in ``y_test`` are NaN throughout.

    Notes
    -----
    **Negative estimates.** Every ``f(T)`` is an estimate from finite,
    noisy test data and from a model fitted with its own penalties, so a
    part whose true size is 0 (or small) often comes out negative: a
    ``unique A`` below 0 when ``A`` adds nothing that ``B`` lacks, a
    ``shared`` part below 0 when the spaces' predictions are
    complementary or when the joint model's larger regularisation makes it
    explain more than both alone. The estimates are returned as they are,
    with the count of negatives in ``n_negative``: clipping them to 0
    would bias every mean over targets (an ROI's unique variance) upward,
    since the noise of the parts near 0 would only count when positive. A
    part whose mean over an ROI is negative, or whose bootstrap interval
    includes 0, is indistinguishable from 0. Summaries that need
    non-negative values can clip afterwards, ``partition.clip(lower=0)``.

    **Product measure.** It splits the joint model's R2 between the spaces
    without fitting the subset models: each space's share is its own
    prediction's covariance with the responses, minus its part of the
    prediction's variance. It has no shared part: variance that two
    correlated spaces both explain goes to whichever the banded ridge
    weighted, so it answers "what does the joint model use" rather than
    "what could each space explain alone".

    Fitting ``2**k - 1`` models costs ``2**k - 1`` fits (7 for three
    spaces); for a VideoEncoder on videos, each also recomputes its
    features: give precomputed features to compute them once.

    References
    ----------
    Lescroart, M. D., Stansbury, D. E. and Gallant, J. L. (2015). Fourier
    power, subjective distance, and object categories all provide plausible
    models of BOLD responses in scene-selective visual areas. Frontiers in
    Computational Neuroscience, 9, 135.
    de Heer, W. A., Huth, A. G., Griffiths, T. L., Gallant, J. L. and
    Theunissen, F. E. (2017). The hierarchical cortical organization of
    human speech processing. Journal of Neuroscience, 37(27), 6539-6557.
    Dupré la Tour, T., Eickenberg, M., Nunez-Elizalde, A. O. and Gallant,
    J. L. (2022). Feature-space selection with banded ridge regression.
    NeuroImage, 264, 119728.
    """
    if isinstance(estimator, RidgeEncoder):
        model = _RidgeSpaces(estimator, X_train, X_test)
    elif isinstance(estimator, VideoEncoder):
        model = _VideoSpaces(estimator, X_train, X_test)
    else:
        raise TypeError(
            "estimator must be a RidgeEncoder or a VideoEncoder (banded models of "
            f"several feature spaces); got {describe(estimator)}."
        )
    chosen = model.choose(spaces)
    names = tuple(model.names[k] for k in chosen)
    y_true = _stacked(y_test)
    subsets = [
        subset for size in range(1, len(chosen) + 1) for subset in combinations(chosen, size)
    ]
    scores, fitted = [], None
    for subset in subsets:
        fitted = model.fit(subset, y_train)
        prediction = _stacked(fitted.predict(model.test(subset)))
        scores.append(_r2(y_true, prediction.reshape(len(prediction), -1)))
    scores = np.stack(scores, axis=1)
    labels = [[names[chosen.index(k)] for k in subset] for subset in subsets]
    index = pd.RangeIndex(scores.shape[0], name="target")
    partition = pd.DataFrame(
        scores @ _inclusion_exclusion(len(chosen)).T,
        index=index,
        columns=[("unique " if len(s) == 1 else "shared ") + " & ".join(s) for s in labels],
    )
    # the last subset is the joint model (all chosen spaces)
    product = model.product(fitted, chosen, y_test)  # NaN where y_test is constant
    return Bunch(
        spaces=names,
        subset_scores=pd.DataFrame(scores, index=index, columns=[" + ".join(s) for s in labels]),
        partition=partition,
        n_negative=(partition < 0).sum(axis=0),
        product=pd.DataFrame(product.T, index=index, columns=list(names)),
    )


def _inclusion_exclusion(n_spaces):
    """Matrix from the subsets' R2 to the parts of the Venn diagram.

    Rows (parts) and columns (subsets) are the non-empty subsets of
    ``range(n_spaces)``, by size then in ``combinations`` order; the parts
    are ``R2 @ matrix.T``.
    """
    everything = frozenset(range(n_spaces))
    subsets = [
        frozenset(s) for size in range(1, n_spaces + 1) for s in combinations(range(n_spaces), size)
    ]
    column = {subset: j for j, subset in enumerate(subsets)}
    matrix = np.zeros((len(subsets), len(subsets)), dtype=np.int64)
    for i, part in enumerate(subsets):
        others = everything - part
        for size in range(1, len(part) + 1):
            sign = (-1) ** (size + 1)
            for inner in combinations(sorted(part), size):
                matrix[i, column[frozenset(inner) | others]] += sign
                if others:
                    matrix[i, column[others]] -= sign
    return matrix


def _r2(y_true, y_pred):
    """R2 of each target; NaN for a target constant in ``y_true``."""
    y_true = y_true.reshape(len(y_true), -1)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_test must hold one row per test sample and one column per target, "
            f"shape {y_pred.shape}; got shape {y_true.shape}."
        )
    varying = np.ptp(y_true, axis=0) > 0
    scores = np.full(y_true.shape[1], np.nan)
    if varying.any():
        scores[varying] = r2_score(y_true[:, varying], y_pred[:, varying], multioutput="raw_values")
    return scores


def _stacked(values):
    """Responses (or predictions) of a list of runs, concatenated; an array as is."""
    if isinstance(values, list) and values and all(hasattr(v, "__array__") for v in values):
        values = np.concatenate([np.asarray(v) for v in values])
    return check_finite(check_real_array(values, "y_test").astype(np.float64), "y_test")


def _check_spaces(spaces, names, kind):
    """Positions of the chosen spaces, in the order given."""
    if spaces is None:
        chosen = list(range(len(names)))
    else:
        if isinstance(spaces, (str, int)) or not hasattr(spaces, "__iter__"):
            raise TypeError(f"spaces must be a sequence of {kind}; got {describe(spaces)}.")
        chosen = []
        for space in spaces:
            if kind == "positions" and isinstance(space, (int, np.integer)) and not isinstance(
                space, bool
            ):
                if not 0 <= space < len(names):
                    raise ValueError(
                        f"spaces: position {space} is out of range for the "
                        f"{len(names)} feature_spaces (valid: 0 to {len(names) - 1})."
                    )
                chosen.append(int(space))
            elif kind == "names" and space in names:
                chosen.append(names.index(space))
            else:
                raise ValueError(
                    f"spaces: {space!r} is not one of the estimator's feature spaces "
                    f"({list(range(len(names))) if kind == 'positions' else list(names)})."
                )
        if len(set(chosen)) != len(chosen):
            raise ValueError(f"spaces must not repeat a space; got {spaces!r}.")
    if len(chosen) < 2:
        raise ValueError(
            "variance partitioning needs at least 2 feature spaces; the estimator and "
            f"spaces give {len(chosen)} ({[names[k] for k in chosen]})."
        )
    return chosen


class _RidgeSpaces:
    """Subset models of a banded RidgeEncoder: columns of ``feature_spaces``."""

    def __init__(self, estimator, X_train, X_test):
        if estimator.feature_spaces is None:
            raise ValueError(
                "estimator has one feature space (feature_spaces=None); variance "
                "partitioning needs feature_spaces with at least 2 spaces."
            )
        self.X_train = self._design(X_train, "X_train")
        # The estimator's own split of the columns, and its check of feature_spaces.
        spaces = estimator._space_slices(self.X_train.shape[1], "X_train")
        self.columns = [np.arange(s.start, s.stop) for s in spaces]
        self.names = [f"space {k}" for k in range(len(spaces))]
        self.estimator = estimator
        self.X_test = self._design(X_test, "X_test", self.X_train.shape[1])

    @staticmethod
    def _design(X, name, n_columns=None):
        """``X`` as a finite 2-D float array, of ``n_columns`` columns when given."""
        X = check_real_array(X, name).astype(np.float64)
        if X.ndim != 2 or (n_columns is not None and X.shape[1] != n_columns):
            columns = "n_columns" if n_columns is None else f"{n_columns}, as X_train"
            raise ValueError(
                f"{name} must be 2-D (n_samples, {columns}), the columns of the feature "
                f"spaces side by side; got {describe(X)}."
            )
        return check_finite(X, name)

    def choose(self, spaces):
        return _check_spaces(spaces, self.names, "positions")

    def _columns(self, subset):
        return np.concatenate([self.columns[k] for k in subset])

    def fit(self, subset, y_train):
        sizes = [len(self.columns[k]) for k in subset]
        model = clone(self.estimator).set_params(feature_spaces=sizes if len(sizes) > 1 else None)
        return model.fit(self.X_train[:, self._columns(subset)], y_train)

    def test(self, subset):
        return self.X_test[:, self._columns(subset)]

    def product(self, joint, chosen, y_test):
        y_test = _stacked(y_test).reshape(len(self.X_test), -1)
        return joint.split_scores(self.test(chosen), y_test)


class _VideoSpaces:
    """Subset models of a VideoEncoder: its ``features``, or keys of precomputed dicts."""

    def __init__(self, estimator, X_train, X_test):
        kinds = {kind for kind, _ in _as_runs(X_train)}
        if kinds == {"dict"}:
            first = X_train[0] if isinstance(X_train, list) else X_train
            self.names = list(first)
        elif kinds == {"video"}:
            self.names = list(estimator.features)
        else:
            raise ValueError(
                "X_train must be videos or dicts of precomputed features (one key per "
                "feature space); a 2-D array is one space, nothing to partition."
            )
        self.precomputed = kinds == {"dict"}
        self.estimator, self.X_train, self.X_test = estimator, X_train, X_test

    def choose(self, spaces):
        return _check_spaces(spaces, self.names, "names")

    def _restricted(self, X, subset):
        if not self.precomputed:
            return X
        keys = [self.names[k] for k in subset]

        def restrict(run):
            missing = [key for key in keys if key not in run]
            if missing:
                raise ValueError(
                    f"X_test lacks the feature spaces {missing} of X_train; expected the "
                    f"keys {self.names}."
                )
            return {key: run[key] for key in keys}

        return [restrict(run) for run in X] if isinstance(X, list) else restrict(X)

    def _model(self, subset):
        model = clone(self.estimator)
        if not self.precomputed:
            model.set_params(features=tuple(self.names[k] for k in subset))
        return model

    def fit(self, subset, y_train):
        return self._model(subset).fit(self._restricted(self.X_train, subset), y_train)

    def test(self, subset):
        return self._restricted(self.X_test, subset)

    def product(self, joint, chosen, y_test):
        return joint.split_scores(self.test(chosen), y_test, metric="r2")
