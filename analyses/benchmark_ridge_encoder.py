"""Overhead of :class:`neurost.encoding.RidgeEncoder` over himalaya called directly.

The data are simulated: ``X`` (2,000 samples x 1,000 features, standard
normal) and ``Y = X W + noise`` (5,000 targets, float32). Both sides use
the numpy backend, the same penalties (``DEFAULT_ALPHAS``, 10^-2 to 10^7),
the same 5-fold cross-validation and an intercept.

Two cases:

- ``ridge``: ``RidgeEncoder()`` against ``himalaya.ridge.RidgeCV``;
- ``banded``: ``RidgeEncoder(feature_spaces=(500, 500), n_iter=N_ITER)``
  against ``himalaya.ridge.GroupRidgeCV`` with the same groups, iterations
  and seed, on the first ``N_TARGETS_BANDED`` targets (its random search
  is much slower).

What is timed is one ``fit`` followed by one ``predict`` on the training
features, wall time (``time.perf_counter``). After one warm-up of each,
the two implementations run interleaved (one repeat of each in turn) so
that drifting machine load affects both; the table keeps the median of
``REPEATS`` repeats. ``overhead_percent`` is ``100 * (neurost / himalaya -
1)``; ``max_abs_diff`` is the largest difference between the two
predictions. BLAS uses 2 threads (``OMP_NUM_THREADS`` and friends, set
before NumPy is imported).

The table is printed and written to
``analyses/results/ridge_encoder_overhead.tsv``. Timings are only
meaningful on an otherwise idle machine.

Run with ``python analyses/benchmark_ridge_encoder.py``.
"""

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "2")

import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from himalaya.backend import set_backend  # noqa: E402
from himalaya.ridge import GroupRidgeCV, RidgeCV  # noqa: E402

from neurost.encoding import RidgeEncoder  # noqa: E402
from neurost.encoding.ridge import DEFAULT_ALPHAS  # noqa: E402
from neurost.io import atomic_write  # noqa: E402

N_SAMPLES, N_FEATURES, N_TARGETS = 2000, 1000, 5000
N_TARGETS_BANDED = 500
N_ITER = 5
CV = 5
SEED = 0
REPEATS = 3
RESULTS = Path(__file__).resolve().parent / "results" / "ridge_encoder_overhead.tsv"


def simulate():
    """Features (n, p) and responses (n, t), float32, with signal in every target."""
    rng = np.random.default_rng(SEED)
    X = rng.standard_normal((N_SAMPLES, N_FEATURES), dtype=np.float32)
    weights = rng.standard_normal((N_FEATURES, N_TARGETS), dtype=np.float32)
    weights /= np.sqrt(N_FEATURES)
    Y = X @ weights + rng.standard_normal((N_SAMPLES, N_TARGETS), dtype=np.float32)
    return X, Y


def neurost_ridge(X, Y):
    return RidgeEncoder(backend="numpy", cv=CV).fit(X, Y).predict(X)


def himalaya_ridge(X, Y):
    model = RidgeCV(alphas=np.asarray(DEFAULT_ALPHAS), cv=CV, fit_intercept=True)
    return model.fit(X, Y).predict(X)


def neurost_banded(X, Y):
    encoder = RidgeEncoder(
        backend="numpy", cv=CV, feature_spaces=(N_FEATURES // 2, N_FEATURES // 2),
        n_iter=N_ITER, random_state=SEED,
    )
    return encoder.fit(X, Y).predict(X)


def himalaya_banded(X, Y):
    groups = np.repeat([0, 1], N_FEATURES // 2)
    model = GroupRidgeCV(
        groups=groups, cv=CV, fit_intercept=True, random_state=SEED,
        solver_params=dict(
            n_iter=N_ITER, alphas=np.asarray(DEFAULT_ALPHAS), progress_bar=False
        ),
    )
    return model.fit(X, Y).predict(X)


def timed(function, X, Y):
    start = time.perf_counter()
    prediction = function(X, Y)
    return time.perf_counter() - start, np.asarray(prediction)


def compare(case, ours, theirs, X, Y):
    """Median seconds of each, interleaved after one warm-up of each."""
    _, ours_prediction = timed(ours, X, Y)
    _, their_prediction = timed(theirs, X, Y)
    seconds = {"neurost": [], "himalaya": []}
    for _ in range(REPEATS):
        seconds["neurost"].append(timed(ours, X, Y)[0])
        seconds["himalaya"].append(timed(theirs, X, Y)[0])
    neurost, himalaya = np.median(seconds["neurost"]), np.median(seconds["himalaya"])
    return {
        "case": case,
        "n_samples": X.shape[0],
        "n_features": X.shape[1],
        "n_targets": Y.shape[1],
        "repeats": REPEATS,
        "himalaya_seconds": round(float(himalaya), 3),
        "neurost_seconds": round(float(neurost), 3),
        "overhead_percent": round(100 * (neurost / himalaya - 1), 1),
        "max_abs_diff": float(np.abs(ours_prediction - their_prediction).max()),
    }


def main():
    set_backend("numpy")
    X, Y = simulate()
    rows = [
        compare("ridge", neurost_ridge, himalaya_ridge, X, Y),
        compare("banded", neurost_banded, himalaya_banded, X, Y[:, :N_TARGETS_BANDED]),
    ]
    table = pd.DataFrame(rows)
    print(table.to_string(index=False))
    RESULTS.parent.mkdir(exist_ok=True)
    with atomic_write(RESULTS, overwrite=True) as temporary:
        table.to_csv(temporary, sep="\t", index=False)
    print(f"\nwritten to {RESULTS}")


if __name__ == "__main__":
    main()
