"""Linear encoding baseline: ridge regression per target, through himalaya."""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, MultiOutputMixin, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from .._utils.validation import check_choice, describe
from ._grids import check_grid, check_responses
from ._himalaya import himalaya_backend
from ._scores import mean_correlation

#: Ridge penalties tried by default: 10^-2 ... 10^7.
DEFAULT_ALPHAS = tuple(float(a) for a in np.logspace(-2, 7, 19))


class RidgeEncoder(MultiOutputMixin, RegressorMixin, BaseEstimator):
    """Ridge regression from stimulus features to every target, via himalaya.

    The standard linear encoding model: each target (vertex, voxel) gets
    its own penalty, chosen by cross-validation among ``alphas``
    (``himalaya.ridge.RidgeCV``). When ``feature_spaces`` splits the
    features into several spaces, each space gets its own scaling per
    target (banded ridge, ``himalaya.ridge.GroupRidgeCV``, random search).

    Parameters
    ----------
    features : {"flatten", "pool"}, default="flatten"
        How a feature grid ``(n, h, w, c)`` becomes a design matrix:
        every cell's channels (``h * w * c`` columns), or the channels
        averaged over the grid (``c`` columns). 2-D input is used as is.
    alphas : sequence of float, default=None
        Penalties to try; None uses ``DEFAULT_ALPHAS`` (10^-2 to 10^7).
    feature_spaces : sequence of int, default=None
        Sizes of consecutive column blocks of the design matrix, one per
        feature space (their sum must be the number of columns); None is
        one space.
    cv : int or cross-validation splitter, default=5
        Folds for choosing the penalties. For time series, pass a splitter
        that keeps runs or blocks together.
    n_iter : int, default=20
        Random-search iterations of the banded solver (several spaces only).
    fit_intercept : bool, default=True
    backend : {"auto", "numpy", "torch", "torch_cuda"}, default="auto"
        himalaya backend; ``"auto"`` uses the GPU when present.
    random_state : int, RandomState or None
        Seeds the banded solver's random search.

    Attributes
    ----------
    coef_ : ndarray of shape (n_columns, n_targets)
    intercept_ : ndarray of shape (n_targets,)
    best_alphas_ : ndarray of shape (n_targets,)
        The penalty chosen for each target.
    deltas_ : ndarray of shape (n_spaces, n_targets)
        Log scalings of each feature space (several spaces only).
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
    ):
        self.features = features
        self.alphas = alphas
        self.feature_spaces = feature_spaces
        self.cv = cv
        self.n_iter = n_iter
        self.fit_intercept = fit_intercept
        self.backend = backend
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def fit(self, X, y):
        """Fit one ridge model per target.

        Parameters
        ----------
        X : array-like of shape (n_samples, h, w, c) or (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Responses.

        Returns
        -------
        self
        """
        check_choice(self.features, "features", ("flatten", "pool"))
        design = self._design(X, reset=True)
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        y = np.asarray(y)
        self._y_was_1d = y.ndim == 1
        Y, varying = check_responses(y, len(design))
        if len(design) < 2:
            raise ValueError(f"X must hold at least 2 samples; got n_samples={len(design)}.")
        alphas = np.asarray(DEFAULT_ALPHAS if self.alphas is None else self.alphas, float)
        if alphas.ndim != 1 or not len(alphas) or (alphas <= 0).any():
            raise ValueError(
                f"alphas must be a non-empty sequence of positive numbers; got {describe(alphas)}."
            )
        groups = self._groups(design.shape[1])
        with himalaya_backend(self.backend) as backend:
            model = self._himalaya_model(alphas, groups)
            model.fit(design, Y)
            self.coef_ = np.asarray(backend.to_numpy(model.coef_), dtype=np.float64)
            self.intercept_ = (
                np.asarray(backend.to_numpy(model.intercept_), dtype=np.float64)
                if self.fit_intercept
                else np.zeros(Y.shape[1])
            )
            self.best_alphas_ = np.asarray(backend.to_numpy(model.best_alphas_), dtype=np.float64)
            if groups is not None:
                self.deltas_ = np.asarray(backend.to_numpy(model.deltas_), dtype=np.float64)
        self.coef_ = self.coef_.reshape(design.shape[1], -1)
        self.varying_targets_ = varying
        self.n_targets_ = Y.shape[1]
        return self

    def _himalaya_model(self, alphas, groups):
        from himalaya.ridge import GroupRidgeCV, RidgeCV

        if groups is None:
            return RidgeCV(alphas=alphas, cv=self.cv, fit_intercept=self.fit_intercept)
        if not isinstance(self.n_iter, numbers.Integral) or self.n_iter < 1:
            raise ValueError(f"n_iter must be a positive integer; got {describe(self.n_iter)}.")
        return GroupRidgeCV(
            groups=groups,
            cv=self.cv,
            fit_intercept=self.fit_intercept,
            random_state=self.random_state,
            solver_params=dict(n_iter=self.n_iter, alphas=alphas, progress_bar=False),
        )

    def _design(self, X, reset):
        grid = check_grid(self, X, reset=reset)
        if self.features == "pool":
            return grid.mean(axis=(1, 2))
        return grid.reshape(len(grid), -1)

    def _groups(self, n_columns):
        if self.feature_spaces is None:
            return None
        sizes = np.asarray(self.feature_spaces)
        if (
            sizes.ndim != 1
            or not len(sizes)
            or not np.issubdtype(sizes.dtype, np.integer)
            or (sizes < 1).any()
        ):
            raise ValueError(
                "feature_spaces must be a sequence of positive integers (the "
                f"number of columns of each space); got {describe(self.feature_spaces)}."
            )
        if sizes.sum() != n_columns:
            raise ValueError(
                f"feature_spaces sum to {int(sizes.sum())} columns but the design "
                f"matrix has {n_columns}."
            )
        return np.repeat(np.arange(len(sizes)), sizes)

    def predict(self, X):
        """Predict every target.

        Parameters
        ----------
        X : array-like, shaped as in ``fit``

        Returns
        -------
        ndarray of shape (n_samples, n_targets), or (n_samples,) when ``fit``
        got a 1-D ``y``
        """
        check_is_fitted(self)
        design = self._design(X, reset=False)
        # The product in float32, the precision himalaya fits in: twice as
        # fast as float64 for large designs, and no less accurate than the fit.
        prediction = design.astype(np.float32) @ self.coef_.astype(np.float32) + self.intercept_
        return prediction.ravel() if self._y_was_1d else prediction

    def score(self, X, y):
        """Mean Pearson r over targets (targets with zero variance ignored).

        Per-target scores: ``neurost.metrics.correlation_score(y,
        encoder.predict(X))``.
        """
        return mean_correlation(y, self.predict(X), self.varying_targets_)
