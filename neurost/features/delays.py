"""Time-delayed copies of features: the FIR model of voxelwise encoding."""

import numbers
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data


class Delayer(TransformerMixin, BaseEstimator):
    """Stack time-delayed copies of features, for encoding models of fMRI.

    A linear model on delayed features fits one finite impulse response per
    target and feature, so the haemodynamic lag need not be assumed. Row
    ``t`` of the output holds, for each delay ``d``, the features of row
    ``t - d`` (zeros where ``t - d`` falls outside the run).

    Parameters
    ----------
    delays : int or sequence of int, default=(1, 2, 3, 4)
        Delays in samples (TRs). Positive delays look back in time; 0 keeps
        the features as they are; negative delays look ahead.

    Attributes
    ----------
    n_features_in_ : int
        Number of features seen in :meth:`fit`.
    delays_ : ndarray of shape (n_delays,)
        The validated delays.

    Notes
    -----
    Rows are samples of one run in time order. Delaying a concatenation
    of runs lets the end of one run leak into the start of the next;
    transform each run separately, or pad runs with enough zero rows.

    Examples
    --------
    >>> import numpy as np
    >>> from neurost.features import Delayer
    >>> Delayer(delays=(0, 1)).fit_transform(np.array([[1.0], [2.0], [3.0]]))
    array([[1., 0.],
           [2., 1.],
           [3., 2.]])
    """

    _parameter_constraints = {
        "delays": ["array-like", Interval(Integral, None, None, closed="neither")],
    }

    def __init__(self, delays=(1, 2, 3, 4)):
        self.delays = delays

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check the delays and record the number of features.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Feature time series, one row per sample (TR).
        y : None
            Ignored.

        Returns
        -------
        self : Delayer
        """
        validate_data(self, X)
        self.delays_ = self._check_delays()
        return self

    def transform(self, X):
        """Return the delayed features.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Feature time series, one row per sample (TR).

        Returns
        -------
        ndarray of shape (n_samples, n_delays * n_features)
            Blocks of ``n_features`` columns, one block per delay in the
            order of ``delays``.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        n_samples, n_features = X.shape
        delayed = np.zeros((n_samples, len(self.delays_) * n_features), dtype=X.dtype)
        for block, delay in enumerate(self.delays_):
            columns = slice(block * n_features, (block + 1) * n_features)
            if delay >= 0:
                delayed[delay:, columns] = X[: max(n_samples - delay, 0)]
            else:
                delayed[: max(n_samples + delay, 0), columns] = X[-delay:]
        return delayed

    def get_feature_names_out(self, input_features=None):
        """Names ``"<feature>_delay<d>"`` of the output columns.

        Parameters
        ----------
        input_features : sequence of str, optional
            Names of the input features; by default the column names seen
            in :meth:`fit`, or ``x0``, ``x1``...

        Returns
        -------
        ndarray of str, shape (n_delays * n_features,)
        """
        check_is_fitted(self)
        if input_features is None:
            input_features = getattr(
                self,
                "feature_names_in_",
                [f"x{i}" for i in range(self.n_features_in_)],
            )
        names = [str(name) for name in input_features]
        if len(names) != self.n_features_in_:
            raise ValueError(
                f"input_features must hold {self.n_features_in_} names; got "
                f"{len(names)}."
            )
        return np.array(
            [f"{name}_delay{delay}" for delay in self.delays_ for name in names],
            dtype=object,
        )

    def _check_delays(self):
        values = np.atleast_1d(np.asarray(self.delays, dtype=object))
        if values.size == 0 or values.ndim != 1 or not all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in values
        ):
            raise ValueError(
                "delays must be an integer or a non-empty sequence of integers "
                f"(samples); got {self.delays!r}."
            )
        if len(set(values.tolist())) != len(values):
            raise ValueError(f"delays must not repeat a delay; got {self.delays!r}.")
        return values.astype(np.int64)
