"""Kernel route of :class:`neurost.encoding.RidgeEncoder`: cost against himalaya.

A wide encoding problem, fewer samples than features, as with deep-network
features: ``X`` (300 samples x 20,000 features, standard normal) and
``Y = X W + noise`` (2,000 targets, float32). Three ways to fit it, all on
the numpy backend, with the same penalties (``DEFAULT_ALPHAS``, 10^-2 to
10^7), the same 5-fold cross-validation and an intercept:

- ``himalaya_kernel``: ``himalaya.kernel_ridge.KernelRidgeCV(kernel="linear")``
  called directly;
- ``neurost_auto``: ``RidgeEncoder()``, whose ``solver="auto"`` takes the
  kernel route here (300 samples < 20,000 columns);
- ``neurost_primal``: ``RidgeEncoder(solver="primal")``, the route every
  fit took before the kernel route existed (``himalaya.ridge.RidgeCV``).

What is timed is one ``fit`` followed by one ``predict`` on the training
features, wall time (``time.perf_counter``), fit and predict separately.
After one warm-up of each, they run interleaved (one repeat of each in
turn) so that drifting machine load affects all; the table keeps the best
(smallest) of ``REPEATS[method]`` repeats (fewer for the primal route,
which is an order of magnitude slower). ``overhead_percent`` is ``100 *
(seconds / himalaya_kernel seconds - 1)`` for fit + predict;
``max_abs_diff`` is the largest difference between a method's predictions
and those of ``himalaya_kernel``, and ``max_abs_error`` between a method's
predictions and those of the exact ridge (float64, closed form) at the
penalties the method chose (``Y`` has a standard deviation of about 1.4).
BLAS uses 2 threads (``OMP_NUM_THREADS`` and friends, set before NumPy is
imported).

The table is printed and written to
``analyses/results/ridge_kernel_route.tsv``. Timings are only meaningful on
an otherwise idle machine.

Run with ``python analyses/benchmark_ridge_kernel_route.py``.
"""

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "2")

import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from himalaya.backend import set_backend  # noqa: E402
from himalaya.kernel_ridge import KernelRidgeCV  # noqa: E402

from neurost.encoding import RidgeEncoder  # noqa: E402
from neurost.encoding.ridge import DEFAULT_ALPHAS  # noqa: E402
from neurost.io import atomic_write  # noqa: E402

N_SAMPLES, N_FEATURES, N_TARGETS = 300, 20_000, 2_000
CV = 5
SEED = 0
REPEATS = {"himalaya_kernel": 15, "neurost_auto": 15, "neurost_primal": 2}
RESULTS = Path(__file__).resolve().parent / "results" / "ridge_kernel_route.tsv"

METHODS = {
    "himalaya_kernel": lambda: KernelRidgeCV(
        alphas=np.asarray(DEFAULT_ALPHAS), kernel="linear", cv=CV, fit_intercept=True
    ),
    "neurost_auto": lambda: RidgeEncoder(backend="numpy", cv=CV),
    "neurost_primal": lambda: RidgeEncoder(backend="numpy", cv=CV, solver="primal"),
}


def simulate():
    """Features (n, p) and responses (n, t), float32, with signal in every target."""
    rng = np.random.default_rng(SEED)
    X = rng.standard_normal((N_SAMPLES, N_FEATURES), dtype=np.float32)
    weights = rng.standard_normal((N_FEATURES, N_TARGETS), dtype=np.float32)
    weights /= np.sqrt(N_FEATURES)
    Y = X @ weights + rng.standard_normal((N_SAMPLES, N_TARGETS), dtype=np.float32)
    return X, Y


def exact_ridge_predictions(X, Y, alphas):
    """Predictions on ``X`` of ridge with an intercept, float64, one alpha per target."""
    X, Y = X.astype(np.float64), Y.astype(np.float64)
    centred = X - X.mean(axis=0)
    eigenvalues, eigenvectors = np.linalg.eigh(centred @ centred.T)
    eigenvalues = np.clip(eigenvalues, 0, None)[:, None]
    shrunk = eigenvalues / (eigenvalues + np.asarray(alphas, np.float64)[None, :])
    return eigenvectors @ (shrunk * (eigenvectors.T @ (Y - Y.mean(axis=0)))) + Y.mean(axis=0)


def timed(make, X, Y):
    """Seconds of fit, seconds of predict, the predictions and the chosen penalties."""
    model = make()
    start = time.perf_counter()
    model.fit(X, Y)
    fitted = time.perf_counter()
    prediction = np.asarray(model.predict(X))
    return fitted - start, time.perf_counter() - fitted, prediction, model.best_alphas_


def main():
    set_backend("numpy")
    X, Y = simulate()
    predictions, errors = {}, {}
    for name, make in METHODS.items():
        *_, predictions[name], alphas = timed(make, X, Y)
        exact = exact_ridge_predictions(X, Y, np.asarray(alphas))
        errors[name] = float(np.abs(predictions[name] - exact).max())
    fit_seconds = {name: [] for name in METHODS}
    predict_seconds = {name: [] for name in METHODS}
    for repeat in range(max(REPEATS.values())):
        for name, make in METHODS.items():
            if repeat >= REPEATS[name]:
                continue
            fit, predict, *_ = timed(make, X, Y)
            fit_seconds[name].append(fit)
            predict_seconds[name].append(predict)
    best_total = {
        name: min(f + p for f, p in zip(fit_seconds[name], predict_seconds[name]))
        for name in METHODS
    }
    rows = [
        {
            "method": name,
            "n_samples": N_SAMPLES,
            "n_features": N_FEATURES,
            "n_targets": N_TARGETS,
            "repeats": REPEATS[name],
            "fit_seconds": round(min(fit_seconds[name]), 3),
            "predict_seconds": round(min(predict_seconds[name]), 3),
            "total_seconds": round(best_total[name], 3),
            "overhead_percent": round(
                100 * (best_total[name] / best_total["himalaya_kernel"] - 1), 1
            ),
            "max_abs_diff": float(
                np.abs(predictions[name] - predictions["himalaya_kernel"]).max()
            ),
            "max_abs_error": errors[name],
        }
        for name in METHODS
    ]
    table = pd.DataFrame(rows)
    print(table.to_string(index=False))
    RESULTS.parent.mkdir(exist_ok=True)
    with atomic_write(RESULTS, overwrite=True) as temporary:
        table.to_csv(temporary, sep="\t", index=False)
    print(f"\nwritten to {RESULTS}")


if __name__ == "__main__":
    main()
