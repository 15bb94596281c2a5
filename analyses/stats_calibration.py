"""Calibration and power of the block permutation tests (:mod:`neurost.stats.permutation`).

**Calibration on null data.** ``N_DATASETS`` = 100 independent datasets, each:
features ``X`` (``N_TRAIN + N_TEST`` = 300 + 300 TRs x ``N_FEATURES`` = 20
columns) and responses ``Y`` (``N_TARGETS`` = 1,000 targets) drawn
*independently* of each other, both AR(1) time series (unit innovation,
coefficient ``PHI_X`` = 0.8 for the features, ``PHI_Y`` = 0.7 for the
responses: fMRI-like autocorrelation on both sides, so the predictions are
smooth too). A :class:`neurost.encoding.RidgeEncoder` (numpy backend,
default penalties, 5 contiguous folds) is fitted on the first 300 TRs and
tested on the last 300 with :func:`permutation_test` (Pearson r,
``N_PERMUTATIONS`` = 999 permutations, 199 for the refits, so that ``p
<= 0.05`` has level exactly 0.05) in four settings: ``method="test"`` with blocks of
``BLOCK_LENGTH`` = 20 TRs (15 blocks) and with blocks of 30 TRs (10
blocks), ``method="test"`` with single-TR
permutation (``block_length=1``, i.i.d.: the wrong null for a time
series) and ``method="refit"`` with blocks of 20 TRs of the training
responses (penalties held fixed). Every target is null, so any target
called significant is a false positive. Columns: ``uncorrected_rate``:
mean over datasets of the fraction of targets with ``p <= 0.05`` (target
[0.03, 0.07]); ``fwe_rate``: fraction of datasets with any target at
``p_fwe <= 0.05`` (max statistic; should be at most 0.05), with its 95 %
Clopper-Pearson interval; ``fdr_any_rate``: the same for ``q <= 0.05``
(Benjamini-Hochberg; under the complete null the FDR is this rate).

**Power on simulated signal.** Driven targets: all vertices of
:func:`neurost.datasets.make_routing_dataset` (600 images, 9 ROIs x 20
vertices, noise 0.5 and 4 over 3 trials, seed 0; features: the 14 x 14 x 32
grid averaged over cells, ``features="pool"``; 400 images train, 200
test); the images are independent trials, so single-sample permutation
(``block_length=1``) is valid there. And all voxels of
:func:`neurost.datasets.make_motion_dataset` (240 TRs, 200 voxels, noise
1.0, seed 0; features: for each cell of the 8 x 8 ``flow_per_tr`` grid,
the flow's rectified projection on 8 directions averaged over the TR's
frame pairs, delayed by 1-4 TRs with :class:`neurost.features.Delayer`;
160 TRs train, 80 test; blocks of 8 TRs). Each dataset also gets as many
null targets: its own responses, each target circularly shifted by a
random offset of at least a quarter of the series (for the routing data:
shuffled over images), which keeps their autocorrelation and breaks their
relation to the stimulus. ``method="test"``, 999 permutations; columns:
fraction of driven targets found at FDR 0.05 (``q <= 0.05``) and FWE 0.05
(``p_fwe <= 0.05``), fraction of null targets called at FDR 0.05, and the
median test r of the driven targets.

Tables: ``analyses/results/stats_calibration.tsv`` and
``analyses/results/stats_power.tsv``, printed. BLAS uses 2 threads. Run
with ``python analyses/stats_calibration.py``.
"""

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "2")

import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy import signal, stats  # noqa: E402

from neurost.datasets import make_motion_dataset, make_routing_dataset  # noqa: E402
from neurost.encoding import RidgeEncoder  # noqa: E402
from neurost.features import Delayer  # noqa: E402
from neurost.io import atomic_write  # noqa: E402
from neurost.stats.permutation import permutation_test  # noqa: E402

N_DATASETS = 100
N_TRAIN, N_TEST, N_FEATURES, N_TARGETS = 300, 300, 20, 1000
PHI_X, PHI_Y = 0.8, 0.7
N_PERMUTATIONS = 999
N_PERMUTATIONS_REFIT = 199  # the refits cost 300 x 300 x 1,000 per permutation
BLOCK_LENGTH = 20
ALPHA = 0.05
SETTINGS = {
    "test, blocks of 20 TRs": dict(method="test", block_length=BLOCK_LENGTH),
    "test, blocks of 30 TRs": dict(method="test", block_length=30),
    "test, single TRs (i.i.d.)": dict(method="test", block_length=1),
    "refit, blocks of 20 TRs": dict(method="refit", block_length=BLOCK_LENGTH),
}
RESULTS = Path(__file__).resolve().parent / "results"


def ar1(rng, n_samples, n_columns, phi):
    """AR(1) series (n_samples, n_columns), stationary from the first sample."""
    noise = rng.standard_normal((n_samples, n_columns))
    noise[0] /= np.sqrt(1 - phi**2)
    return signal.lfilter([1.0], [1.0, -phi], noise, axis=0)


def clopper_pearson(k, n):
    low = stats.beta.ppf(0.025, k, n - k + 1) if k else 0.0
    high = stats.beta.ppf(0.975, k + 1, n - k) if k < n else 1.0
    return low, high


def calibration():
    records = {name: [] for name in SETTINGS}
    for dataset in range(N_DATASETS):
        rng = np.random.default_rng(dataset)
        X = ar1(rng, N_TRAIN + N_TEST, N_FEATURES, PHI_X)
        Y = ar1(rng, N_TRAIN + N_TEST, N_TARGETS, PHI_Y)
        train, test = slice(0, N_TRAIN), slice(N_TRAIN, None)
        model = RidgeEncoder(backend="numpy").fit(X[train], Y[train])
        for name, setting in SETTINGS.items():
            extra = dict(X_train=X[train], y_train=Y[train]) if setting["method"] == "refit" else {}
            n_permutations = N_PERMUTATIONS_REFIT if extra else N_PERMUTATIONS
            result = permutation_test(
                model, X[test], Y[test], n_permutations=n_permutations,
                random_state=dataset, return_null=False, **setting, **extra,
            )
            records[name].append(
                (
                    result.significant(ALPHA, None).mean(),
                    result.significant(ALPHA, "max").any(),
                    result.significant(ALPHA, "fdr_bh").any(),
                )
            )
    rows = []
    for name, values in records.items():
        rate, fwe, fdr = (np.array(v) for v in zip(*values))
        low, high = clopper_pearson(int(fwe.sum()), len(fwe))
        rows.append(
            {
                "setting": name,
                "n_datasets": len(fwe),
                "n_permutations": N_PERMUTATIONS_REFIT if "refit" in name else N_PERMUTATIONS,
                "uncorrected_rate": round(float(rate.mean()), 4),
                "uncorrected_rate_sd": round(float(rate.std(ddof=1)), 4),
                "fwe_rate": round(float(fwe.mean()), 3),
                "fwe_rate_ci95": f"[{low:.3f}, {high:.3f}]",
                "fdr_any_rate": round(float(fdr.mean()), 3),
            }
        )
    return pd.DataFrame(rows)


def shifted_nulls(responses, rng, circular):
    """Each target circularly shifted (time series) or shuffled (trials), independently."""
    n = len(responses)
    columns = []
    for column in responses.T:
        if circular:
            columns.append(np.roll(column, rng.integers(n // 4, n - n // 4)))
        else:
            columns.append(rng.permutation(column))
    return np.stack(columns, axis=1)


def direction_energy(flow_per_tr, n_directions=8):
    """Rectified flow projections on ``n_directions`` directions, per cell, mean over pairs."""
    angles = 2 * np.pi * np.arange(n_directions) / n_directions
    units = np.stack([np.cos(angles), np.sin(angles)])  # (2, n_directions)
    energy = np.maximum(flow_per_tr @ units, 0.0).mean(axis=1)  # (n_trs, h, w, n_dir)
    return energy.reshape(len(energy), -1)


def power_row(name, features, driven, n_train, block_length, rng, circular):
    responses = np.c_[driven, shifted_nulls(driven, rng, circular)]
    n_driven = driven.shape[1]
    model = RidgeEncoder(backend="numpy").fit(features[:n_train], responses[:n_train])
    result = permutation_test(
        model, features[n_train:], responses[n_train:], n_permutations=N_PERMUTATIONS,
        block_length=block_length, random_state=0, return_null=False,
    )
    fdr, fwe = result.significant(ALPHA, "fdr_bh"), result.significant(ALPHA, "max")
    return {
        "dataset": name,
        "n_driven": n_driven,
        "n_null": n_driven,
        "block_length": block_length,
        "driven_found_fdr": round(float(fdr[:n_driven].mean()), 3),
        "driven_found_fwe": round(float(fwe[:n_driven].mean()), 3),
        "null_called_fdr": round(float(fdr[n_driven:].mean()), 3),
        "median_driven_r": round(float(np.median(result.scores[:n_driven])), 3),
    }


def power():
    rng = np.random.default_rng(0)
    routing = make_routing_dataset(n_images=600, random_state=0)
    pooled = routing.features.mean(axis=(1, 2))
    rows = [power_row("routing (images), noise 0.5", pooled, routing.responses, 400, 1, rng, False)]
    noisy = make_routing_dataset(n_images=600, noise=4.0, random_state=0)
    rows.append(power_row("routing (images), noise 4", pooled, noisy.responses, 400, 1, rng, False))
    motion = make_motion_dataset(n_trs=240, n_voxels=200, noise=1.0, random_state=0)
    features = Delayer(delays=(1, 2, 3, 4)).fit_transform(direction_energy(motion.flow_per_tr))
    rows.append(power_row("motion (TR series)", features, motion.bold, 160, 8, rng, True))
    return pd.DataFrame(rows)


def main():
    warnings.simplefilter("ignore", UserWarning)
    start = time.perf_counter()
    calibrated = calibration()
    middle = time.perf_counter()
    powered = power()
    end = time.perf_counter()
    for table, name in ((calibrated, "stats_calibration"), (powered, "stats_power")):
        with atomic_write(RESULTS / f"{name}.tsv", overwrite=True) as temporary:
            table.to_csv(temporary, sep="\t", index=False)
        print(table.to_string(index=False))
        print()
    print(f"calibration: {middle - start:.0f} s; power: {end - middle:.0f} s")


if __name__ == "__main__":
    main()
