"""Linear encoding baseline: ridge regression per target, through himalaya."""

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, MultiOutputMixin, RegressorMixin, _fit_context
from sklearn.model_selection import GroupKFold, KFold
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._utils.validation import caller_stacklevel, check_choice, describe
from ._grids import check_grid, check_responses
from ._himalaya import BACKENDS, himalaya_backend
from ._scores import mean_correlation

#: The scores :meth:`RidgeEncoder.split_scores` splits between feature spaces.
SPLIT_METRICS = ("r2", "r")

#: Ridge penalties tried by default: 10^-2 ... 10^7.
DEFAULT_ALPHAS = tuple(float(a) for a in np.logspace(-2, 7, 19))


def _positive_vector(value, name, integer=False):
    """Return ``value`` as a non-empty 1-D array of finite positive numbers.

    The value-level half of the check of an ``"array-like"`` parameter (the
    type is checked by ``_parameter_constraints``), as scikit-learn's own
    estimators do for ``alphas``.
    """
    kind = "integers" if integer else "finite numbers"
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):  # ragged sequences
        array = None
    if (
        array is None
        or array.ndim != 1
        or not array.size
        or array.dtype.kind not in ("iu" if integer else "iuf")
        or not np.isfinite(array).all()
        or (array <= 0).any()
    ):
        raise ValueError(
            f"{name} must be a non-empty 1-D sequence of positive {kind}; "
            f"got {describe(value)}."
        )
    return array


class RidgeEncoder(MultiOutputMixin, RegressorMixin, BaseEstimator):
    """Ridge regression from stimulus features to every target, via himalaya.

    The standard linear encoding model: each target (vertex, voxel) gets
    its own penalty, chosen by cross-validation among ``alphas``. When
    ``feature_spaces`` splits the features into several spaces, each space
    also gets its own scaling per target (banded ridge, random search over
    the scalings).

    himalaya solves the same model two ways: in the primal (a ridge on the
    ``n_features`` columns: ``himalaya.ridge.RidgeCV``, or ``GroupRidgeCV``
    for several spaces) or in the dual (a kernel ridge on the ``n_samples x
    n_samples`` linear kernel of each space:
    ``himalaya.kernel_ridge.KernelRidgeCV``, or ``MultipleKernelRidgeCV``
    for several spaces), which is much faster when samples are fewer than
    features. Both give the same model, described by the same attributes.

    Parameters
    ----------
    features : {"flatten", "pool"}, default="flatten"
        How a feature grid ``(n, h, w, c)`` becomes a design matrix:
        every cell's channels (``h * w * c`` columns), or the channels
        averaged over the grid (``c`` columns). 2-D input is used as is.
    alphas : array-like of shape (n_alphas,), default=None
        Positive penalties to try; None uses ``DEFAULT_ALPHAS`` (10^-2 to
        10^7).
    feature_spaces : array-like of int, default=None
        Sizes of consecutive column blocks of the design matrix, one per
        feature space (their sum must be the number of columns); None is
        one space.
    cv : int >= 2 or cross-validation splitter, default=5
        Folds for choosing the penalties: ``KFold(cv)``, or
        ``GroupKFold(cv)`` when ``fit`` gets ``groups``. A splitter (with
        ``split`` and ``get_n_splits``) is given ``groups`` too, so that
        ``LeaveOneGroupOut()`` works. For time series, keep runs or blocks
        together (``groups`` or a splitter).
    n_iter : int, default=20
        Random-search iterations of the banded solver (several spaces only).
    fit_intercept : bool, default=True
    backend : {"auto", "numpy", "torch", "torch_cuda"}, default="auto"
        himalaya backend for ``fit``; ``"auto"`` uses the GPU when present.
        ``predict`` always runs on the CPU.
    random_state : int, RandomState or None, default=None
        Seeds the banded solver's random search.
    solver : {"auto", "primal", "kernel"}, default="auto"
        Whether to solve on the features (``"primal"``) or on the samples
        (``"kernel"``); ``"auto"`` takes the kernel route when the design
        has fewer samples than columns, as himalaya recommends. Both fit in
        float32; on the kernel route the relative error grows as ``1e-7 *
        (largest kernel eigenvalue) / alpha``, so that penalties far below
        the kernel's scale (``alpha = 0.01`` on 20,000 unit-variance
        columns: errors up to a tenth of the responses' standard
        deviation) are resolved less exactly than on the primal route.

    Attributes
    ----------
    coef_ : ndarray of shape (n_columns, n_targets)
        Weights of the design matrix's columns, float64. On the kernel
        route they are computed from ``dual_coef_`` and ``X_fit_`` at each
        access (``n_samples_fit * n_columns * n_targets`` operations).
    intercept_ : ndarray of shape (n_targets,)
    best_alphas_ : ndarray of shape (n_targets,)
        The penalty chosen for each target (for several spaces, ``1 /
        sum(exp(deltas_))``, as in himalaya).
    deltas_ : ndarray of shape (n_spaces, n_targets) or None
        Log scalings of each feature space; None for one space.
    solver_ : {"primal", "kernel"}
        The route taken.
    dual_coef_ : ndarray of shape (n_samples_fit, n_targets) or None
        Kernel-route solution (None on the primal route): the prediction
        for ``x`` is ``sum over spaces s of exp(deltas_[s]) * (x_s @
        X_fit_s.T) @ dual_coef_`` plus ``intercept_``.
    X_fit_ : ndarray of shape (n_samples_fit, n_columns) or None
        Design matrix seen in ``fit`` (kernel route only, else None).
    n_features_in_ : int
        Columns of the input as given (``h * w * c`` for a grid).
    grid_shape_ : tuple of int
        ``(h, w)`` of the grid seen in ``fit`` (``(1, 1)`` for 2-D input).

    Examples
    --------
    >>> import numpy as np
    >>> from neurost.encoding import RidgeEncoder
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 30))
    >>> Y = X @ rng.normal(size=(30, 5)) + rng.normal(size=(200, 5))
    >>> RidgeEncoder().fit(X[:150], Y[:150]).score(X[150:], Y[150:]) > 0.9
    True
    """

    _parameter_constraints = {
        "features": [StrOptions({"flatten", "pool"})],
        "alphas": [None, "array-like"],
        "feature_spaces": [None, "array-like"],
        "cv": [
            Interval(Integral, 2, None, closed="left"),
            HasMethods(["split", "get_n_splits"]),
        ],
        "n_iter": [Interval(Integral, 1, None, closed="left")],
        "fit_intercept": ["boolean"],
        "backend": [StrOptions(set(BACKENDS))],
        "random_state": ["random_state"],
        "solver": [StrOptions({"auto", "primal", "kernel"})],
    }

    def __init__(
        self,
        features="flatten",
        alphas=None,
        feature_spaces=None,
        cv=5,
        n_iter=20,
        fit_intercept=True,
        backend="auto",
        random_state=None,
        solver="auto",
    ):
        self.features = features
        self.alphas = alphas
        self.feature_spaces = feature_spaces
        self.cv = cv
        self.n_iter = n_iter
        self.fit_intercept = fit_intercept
        self.backend = backend
        self.random_state = random_state
        self.solver = solver

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, groups=None):
        """Fit one ridge model per target.

        Parameters
        ----------
        X : array-like of shape (n_samples, h, w, c) or (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Responses.
        groups : array-like of shape (n_samples,), default=None
            Group label of each sample (a run, a subject): the
            cross-validation that chooses the penalties keeps each group
            on one side of every split.

        Returns
        -------
        self
        """
        alphas = DEFAULT_ALPHAS if self.alphas is None else self.alphas
        alphas = _positive_vector(alphas, "alphas").astype(np.float64)
        design = self._design(X, reset=True)
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        splits = self._splits(design, groups)
        y = np.asarray(y)
        self._y_was_1d = y.ndim == 1
        # +1: check_responses warns one frame below this one.
        Y, varying = check_responses(y, len(design), stacklevel=caller_stacklevel() + 1)
        self._spaces = self._space_slices(design.shape[1])
        n_samples, n_columns = design.shape
        self.solver_ = self.solver
        if self.solver == "auto":  # himalaya's advice
            self.solver_ = "kernel" if n_samples < n_columns else "primal"
        with himalaya_backend(self.backend) as backend:
            model = self._himalaya_model(alphas, splits)
            if self.solver_ == "kernel" and len(self._spaces) > 1:
                from himalaya.kernel_ridge import linear_kernel

                model.fit(backend.stack([linear_kernel(design[:, s]) for s in self._spaces]), Y)
            else:
                model.fit(design, Y)

            def fitted(name):
                return np.asarray(backend.to_numpy(getattr(model, name)), dtype=np.float64)

            self.intercept_ = fitted("intercept_") if self.fit_intercept else np.zeros(Y.shape[1])
            self.best_alphas_ = fitted("best_alphas_")
            self.deltas_ = fitted("deltas_") if len(self._spaces) > 1 else None
            if self.solver_ == "kernel":
                self._primal_coef = None
                self.dual_coef_ = fitted("dual_coef_")
                self.X_fit_ = np.array(design)  # a copy: design may be a view of X
            else:
                self._primal_coef = fitted("coef_")
                self.dual_coef_ = self.X_fit_ = None
        self.varying_targets_ = varying
        self.n_targets_ = Y.shape[1]
        return self

    def _himalaya_model(self, alphas, splits):
        from himalaya.kernel_ridge import KernelRidgeCV, MultipleKernelRidgeCV
        from himalaya.ridge import GroupRidgeCV, RidgeCV

        # warn=False: the route is chosen by `solver`, not by himalaya's advice.
        common = dict(cv=splits, fit_intercept=self.fit_intercept)
        if len(self._spaces) == 1:
            if self.solver_ == "kernel":
                return KernelRidgeCV(alphas=alphas, kernel="linear", warn=False, **common)
            return RidgeCV(alphas=alphas, solver_params=dict(warn=False), **common)
        search = dict(n_iter=self.n_iter, alphas=alphas, progress_bar=False)
        if self.solver_ == "kernel":
            return MultipleKernelRidgeCV(
                kernels="precomputed", solver_params=search,
                random_state=self.random_state, **common,
            )
        groups = np.repeat(np.arange(len(self._spaces)), [s.stop - s.start for s in self._spaces])
        return GroupRidgeCV(
            groups=groups, solver_params=dict(search, warn=False),
            random_state=self.random_state, **common,
        )

    def _splits(self, design, groups):
        """Return the (train, test) index pairs that choose the penalties."""
        n_samples = len(design)
        if groups is not None:
            groups = np.asarray(groups)
            if groups.shape != (n_samples,):
                raise ValueError(
                    f"groups must hold one label per sample, shape ({n_samples},); "
                    f"got {describe(groups)}."
                )
        if isinstance(self.cv, Integral):
            n_units, unit = (
                (n_samples, "samples") if groups is None else (len(np.unique(groups)), "groups")
            )
            if self.cv > n_units:
                raise ValueError(
                    f"cv={self.cv} folds need at least {self.cv} {unit}; got "
                    f"n_{unit}={n_units}."
                )
            splitter = KFold(self.cv) if groups is None else GroupKFold(self.cv)
        else:
            splitter = self.cv
        try:
            return list(splitter.split(design, groups=groups))
        except ValueError as error:
            raise ValueError(
                f"cv={self.cv!r} cannot split the {n_samples} samples: {error}"
            ) from error

    def _space_slices(self, n_columns, design="the design matrix"):
        """The column slice of each feature space among ``n_columns`` columns of ``design``."""
        if self.feature_spaces is None:
            return [slice(0, n_columns)]
        sizes = _positive_vector(self.feature_spaces, "feature_spaces", integer=True)
        bounds = np.cumsum([0, *sizes])
        if bounds[-1] != n_columns:
            raise ValueError(
                f"feature_spaces sum to {int(bounds[-1])} columns but {design} has "
                f"{n_columns}."
            )
        return [slice(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:])]

    def _design(self, X, reset):
        grid = check_grid(self, X, reset=reset)
        if self.features == "pool":
            return grid.mean(axis=(1, 2))
        return grid.reshape(len(grid), -1)

    def _log_scalings(self):
        return np.zeros((1, self.n_targets_)) if self.deltas_ is None else self.deltas_

    def split_scores(self, X, y, metric="r2"):
        """Each feature space's share of each target's prediction score.

        The joint prediction is the sum of one prediction per space (the
        space's columns times their coefficients). Following himalaya,
        ``metric="r2"`` splits the coefficient of determination with the
        product measure (``himalaya.scoring.r2_score_split``):
        ``R2_k = sum_t (2 y_t p_kt - p_kt sum_j p_jt) / sum_t y_t**2`` with
        ``y`` and every ``p_j`` centred over samples; the spaces' shares sum
        to the R2 of the centred joint prediction. ``metric="r"`` splits
        the Pearson correlation (``himalaya.scoring.correlation_score_split``):
        ``r_k = cov(y, p_k) / (std(y) std(sum_j p_j))``, which sums to the
        joint r. A share can be negative when a space's prediction is
        anti-correlated with the responses.

        Parameters
        ----------
        X : array-like
            Held-out features, as :meth:`predict` takes them.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Their responses.
        metric : {"r2", "r"}, default="r2"

        Returns
        -------
        ndarray of shape (n_spaces, n_targets)
            One row per feature space (one row without ``feature_spaces``);
            NaN for targets with zero variance in ``y``.
        """
        check_is_fitted(self)
        check_choice(metric, "metric", SPLIT_METRICS)
        design = self._design(X, reset=False).astype(np.float64)
        Y, varying = check_responses(y, len(design), stacklevel=caller_stacklevel() + 1)
        coef = self.coef_
        parts = np.stack([design[:, s] @ coef[s] for s in self._spaces])
        from himalaya.scoring import correlation_score_split, r2_score_split

        scores = np.full((len(self._spaces), Y.shape[1]), np.nan)
        Y, parts = Y[:, varying], parts[:, :, varying]
        with himalaya_backend("numpy"):
            if metric == "r2":
                split = r2_score_split(Y - Y.mean(0), parts - parts.mean(1, keepdims=True))
            else:
                split = correlation_score_split(Y, parts)
        scores[:, varying] = np.asarray(split, dtype=np.float64)
        return scores

    @property
    def coef_(self):
        """ndarray of shape (n_columns, n_targets): weights of the design's columns."""
        check_is_fitted(self)
        if self.solver_ == "primal":
            return self._primal_coef
        from himalaya.kernel_ridge import primal_weights_weighted_kernel_ridge

        X_fit = self.X_fit_.astype(np.float64)
        with himalaya_backend("numpy"):
            parts = primal_weights_weighted_kernel_ridge(
                self.dual_coef_, self._log_scalings(), [X_fit[:, s] for s in self._spaces]
            )
        return np.concatenate(parts)

    def predict(self, X):
        """Predict every target.

        The products run in float64, the precision of the fitted
        coefficients, so that a sample's prediction does not depend on the
        other samples predicted with it.

        Parameters
        ----------
        X : array-like, shaped as in ``fit``

        Returns
        -------
        ndarray of shape (n_samples, n_targets), or (n_samples,) when ``fit``
        got a 1-D ``y``
        """
        check_is_fitted(self)
        design = self._design(X, reset=False).astype(np.float64)
        if self.solver_ == "primal":
            prediction = design @ self._primal_coef + self.intercept_
        else:
            from himalaya.kernel_ridge import predict_weighted_kernel_ridge

            X_fit = self.X_fit_.astype(np.float64)
            # The linear kernel of each space, design already validated.
            kernels = np.stack([design[:, s] @ X_fit[:, s].T for s in self._spaces])
            with himalaya_backend("numpy"):
                prediction = predict_weighted_kernel_ridge(
                    kernels, self.dual_coef_, self._log_scalings(), intercept=self.intercept_
                )
        return prediction.ravel() if self._y_was_1d else prediction

    def score(self, X, y):
        """Mean Pearson r over targets (targets with zero variance ignored).

        Per-target scores: ``neurost.metrics.correlation_score(y,
        encoder.predict(X))``.
        """
        return mean_correlation(y, self.predict(X), self.varying_targets_)
