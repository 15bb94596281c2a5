"""Bad-input battery for :class:`neurost.encoding.RidgeEncoder`."""

import numpy as np
import pytest
import torch
from scipy import sparse
from sklearn.model_selection import GroupKFold, KFold

from neurost.encoding import RidgeEncoder

RNG = np.random.default_rng(0)
X = RNG.normal(size=(20, 8))
Y = RNG.normal(size=(20, 2))
GRID = RNG.normal(size=(20, 2, 2, 2))
GROUPS = np.repeat([0, 1, 2], [7, 7, 6])


def fit(X=X, y=Y, groups=None, **params):
    return RidgeEncoder(backend="numpy", cv=2, **params).fit(X, y, groups=groups)


def fitted(X=X, y=Y):
    return fit(X, y)


def with_value(array, index, value):
    array = array.copy()
    array[index] = value
    return array


CASES = [
    # constructor parameters, checked at fit
    pytest.param(lambda: fit(features="mean"), ValueError, "features", id="features-unknown"),
    pytest.param(lambda: fit(features=3), ValueError, "features", id="features-int"),
    pytest.param(lambda: fit(alphas=(-1.0, 2.0)), ValueError, "alphas", id="alphas-negative"),
    pytest.param(lambda: fit(alphas=(0.0, 1.0)), ValueError, "alphas", id="alphas-zero"),
    pytest.param(lambda: fit(alphas=(np.nan, 1.0)), ValueError, "alphas", id="alphas-nan"),
    pytest.param(lambda: fit(alphas=(np.inf,)), ValueError, "alphas", id="alphas-inf"),
    pytest.param(lambda: fit(alphas=()), ValueError, "alphas", id="alphas-empty"),
    pytest.param(lambda: fit(alphas=[[1.0, 2.0]]), ValueError, "alphas", id="alphas-2d"),
    pytest.param(lambda: fit(alphas=0.5), ValueError, "alphas", id="alphas-scalar"),
    pytest.param(lambda: fit(alphas="1.0"), ValueError, "alphas", id="alphas-string"),
    pytest.param(lambda: fit(alphas=[1.0, "a"]), ValueError, "alphas", id="alphas-mixed"),
    pytest.param(
        lambda: fit(feature_spaces=(3, 3)), ValueError, "feature_spaces", id="spaces-wrong-sum"
    ),
    pytest.param(
        lambda: fit(feature_spaces=(0, 8)), ValueError, "feature_spaces", id="spaces-zero"
    ),
    pytest.param(
        lambda: fit(feature_spaces=(2.5, 5.5)), ValueError, "feature_spaces", id="spaces-float"
    ),
    pytest.param(lambda: fit(feature_spaces=8), ValueError, "feature_spaces", id="spaces-int"),
    pytest.param(
        lambda: fit(feature_spaces=(4, 4), solver="kernel", X=X[:, :7]),
        ValueError, "feature_spaces", id="spaces-wrong-sum-kernel",
    ),
    pytest.param(lambda: RidgeEncoder(cv=1).fit(X, Y), ValueError, "cv", id="cv-1"),
    pytest.param(lambda: RidgeEncoder(cv=0).fit(X, Y), ValueError, "cv", id="cv-0"),
    pytest.param(lambda: RidgeEncoder(cv=2.5).fit(X, Y), ValueError, "cv", id="cv-float"),
    pytest.param(lambda: RidgeEncoder(cv="5").fit(X, Y), ValueError, "cv", id="cv-string"),
    pytest.param(lambda: RidgeEncoder(cv=True).fit(X, Y), ValueError, "cv", id="cv-bool"),
    pytest.param(
        lambda: RidgeEncoder(cv=50).fit(X, Y), ValueError, "cv=50", id="cv-more-than-samples"
    ),
    pytest.param(
        lambda: RidgeEncoder(cv=5).fit(X, Y, groups=GROUPS),
        ValueError, "cv=5", id="cv-more-than-groups",
    ),
    pytest.param(
        lambda: RidgeEncoder(cv=KFold(50)).fit(X, Y),
        ValueError, "cv=KFold", id="cv-splitter-more-than-samples",
    ),
    pytest.param(
        lambda: RidgeEncoder(cv=GroupKFold(2)).fit(X, Y),
        ValueError, "groups", id="cv-group-splitter-without-groups",
    ),
    pytest.param(lambda: fit(n_iter=0), ValueError, "n_iter", id="n_iter-0"),
    pytest.param(lambda: fit(n_iter=2.5), ValueError, "n_iter", id="n_iter-float"),
    pytest.param(
        lambda: fit(fit_intercept="yes"), ValueError, "fit_intercept", id="fit_intercept-string"
    ),
    pytest.param(
        lambda: RidgeEncoder(backend="cupy").fit(X, Y), ValueError, "backend", id="backend-unknown"
    ),
    pytest.param(
        lambda: RidgeEncoder(backend="torch_cuda").fit(X, Y),
        ValueError, "backend", id="backend-gpu-without-gpu",
        marks=pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present"),
    ),
    pytest.param(
        lambda: fit(random_state="seed"), ValueError, "random_state", id="random_state-string"
    ),
    pytest.param(
        lambda: fit(random_state=1.5), ValueError, "random_state", id="random_state-float"
    ),
    pytest.param(lambda: fit(solver="dual"), ValueError, "solver", id="solver-unknown"),
    pytest.param(lambda: fit(solver=None), ValueError, "solver", id="solver-none"),
    # features X
    pytest.param(lambda: fit(X=X[:, :, None]), ValueError, "X must be", id="X-3d"),
    pytest.param(
        lambda: fit(X=with_value(X, (3, 2), np.nan)), ValueError, "Input X", id="X-nan"
    ),
    pytest.param(
        lambda: fit(X=with_value(X, (3, 2), np.inf)), ValueError, "Input X", id="X-inf"
    ),
    pytest.param(lambda: fit(X=X + 1j), ValueError, "complex", id="X-complex"),
    pytest.param(lambda: fit(X=sparse.csr_matrix(X)), TypeError, "for X", id="X-sparse"),
    pytest.param(lambda: fit(X=X[:0], y=Y[:0]), ValueError, "0 sample", id="X-no-sample"),
    pytest.param(lambda: fit(X=X[:1], y=Y[:1]), ValueError, "n_samples=1", id="X-one-sample"),
    pytest.param(lambda: fit(X=X[:, 0]), ValueError, "X must be", id="X-1d"),
    # responses y
    pytest.param(lambda: fit(y=None), ValueError, "requires y", id="y-none"),
    pytest.param(lambda: fit(y=Y[:10]), ValueError, "X and Y", id="y-length-mismatch"),
    pytest.param(lambda: fit(y=Y[:, :, None]), ValueError, "Y must be", id="y-3d"),
    pytest.param(
        lambda: fit(y=with_value(Y, (4, 1), np.nan)), ValueError, "Y contains", id="y-nan"
    ),
    pytest.param(
        lambda: fit(y=with_value(Y, (4, 1), np.inf)), ValueError, "Y contains", id="y-inf"
    ),
    pytest.param(
        lambda: fit(y=np.ones((20, 2))), UserWarning, "zero variance", id="y-constant-warns"
    ),
    pytest.param(lambda: fit(y=np.full((20, 2), "a")), TypeError, "Y", id="y-strings"),
    # groups
    pytest.param(lambda: fit(groups=GROUPS[:5]), ValueError, "groups", id="groups-too-short"),
    pytest.param(lambda: fit(groups=GROUPS[:, None]), ValueError, "groups", id="groups-2d"),
    pytest.param(lambda: fit(groups="abc"), ValueError, "groups", id="groups-string"),
    # predict, score and coef_
    pytest.param(
        lambda: RidgeEncoder().predict(X), ValueError, "not fitted", id="predict-unfitted"
    ),
    pytest.param(lambda: RidgeEncoder().coef_, ValueError, "not fitted", id="coef-unfitted"),
    pytest.param(
        lambda: fitted().predict(X[:, :5]), ValueError, "X has 5 features", id="predict-n-features"
    ),
    pytest.param(
        lambda: fitted().predict(with_value(X, (0, 0), np.nan)),
        ValueError, "Input X", id="predict-nan",
    ),
    pytest.param(
        lambda: fitted(X=GRID).predict(GRID.reshape(20, 1, 4, 2)),
        ValueError, "grid", id="predict-grid-shape",
    ),
    pytest.param(lambda: fitted().score(X, Y[:5]), ValueError, "y_true", id="score-y-length"),
    pytest.param(lambda: fitted().score(X, None), TypeError, "y_true", id="score-y-none"),
]


@pytest.mark.parametrize("call, expected, fragment", CASES)
def test_bad_input(call, expected, fragment, check_row):
    check_row(call, expected, fragment)
