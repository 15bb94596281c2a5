"""Delayed ridge encoding of nitime's event-related BOLD run, scored on held-out data.

Data: nitime's event-related run (:func:`neurost.datasets.load_nitime_event_related`):
one BOLD time series of 3,360 samples (percent signal change, TR 2 s as in
nitime's documentation) from motion-sensitive voxels near area MT, with
576 trial onsets of 6 kinds. It is a single region of a single run.

Features: one stick regressor per trial kind (1 at the TR where a trial
of that kind starts, else 0), 6 columns.

Models, each a scikit-learn ``Pipeline`` ending in
:class:`neurost.encoding.RidgeEncoder` (numpy backend, penalties chosen
per fold by 5-fold contiguous cross-validation inside the training data):

- ``no delay``: ``Delayer(delays=(0,))``: the BOLD at ``t`` from the
  trials starting at ``t`` only;
- ``FIR 0-7 TR``: ``Delayer(delays=range(8))``: a finite impulse response
  per trial kind over 0-14 s, no haemodynamic shape assumed;
- ``canonical HRF`` (reference): the sticks convolved with nilearn's SPM
  haemodynamic response (32 s) sampled once per TR
  (:func:`neurost.datasets.motion.convolve_hrf` with ``oversampling=1``),
  no Delayer.

Evaluation: the run is cut into 5 contiguous blocks (``KFold(5)``, no
shuffling); each block is predicted by a model fitted on the other four.
Delays are applied within each block, so the first 7 TRs of a held-out
block do not see trials before it (zeros), which slightly lowers the
FIR scores. The score is the Pearson r between held-out prediction and
BOLD, per block, then the mean and standard deviation over blocks.

Outputs: ``analyses/results/nitime_delayed_ridge.tsv`` (columns ``model``,
``fold`` (0-4 or ``mean`` / ``std``), ``n_test``, ``pearson_r``), and
``analyses/results/nitime_delayed_ridge_fir.png`` / ``.pdf``: the FIR
weights of the model fitted on the whole run, per trial kind. The table
is printed.

Run with ``python analyses/nitime_delayed_ridge.py`` (about one CPU minute).
"""

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "2")

from pathlib import Path  # noqa: E402

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.model_selection import KFold  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

from neurost.datasets import load_nitime_event_related  # noqa: E402
from neurost.datasets import convolve_hrf  # noqa: E402
from neurost.encoding import RidgeEncoder  # noqa: E402
from neurost.features import Delayer  # noqa: E402
from neurost.io import atomic_write  # noqa: E402
from neurost.metrics import correlation_score  # noqa: E402
from neurost.plotting import save_figure  # noqa: E402

N_DELAYS = 8
N_FOLDS = 5
RESULTS = Path(__file__).resolve().parent / "results"


def stick_regressors(codes):
    """(n_samples, n_kinds) float: 1 where a trial of each kind starts."""
    kinds = np.unique(codes[codes > 0])
    return (codes[:, None] == kinds[None, :]).astype(float), kinds


def encoder():
    return RidgeEncoder(cv=KFold(N_FOLDS), backend="numpy")


def models(t_r):
    """Name -> (pipeline, feature builder from the sticks)."""
    return {
        "no delay": (make_pipeline(Delayer(delays=(0,)), encoder()), lambda s: s),
        f"FIR 0-{N_DELAYS - 1} TR": (
            make_pipeline(Delayer(delays=tuple(range(N_DELAYS))), encoder()),
            lambda s: s,
        ),
        "canonical HRF": (
            make_pipeline(encoder()), lambda s: convolve_hrf(s, t_r, oversampling=1)
        ),
    }


def held_out_scores(pipeline, features, bold):
    """Pearson r of each contiguous held-out block."""
    rows = []
    for fold, (train, test) in enumerate(KFold(N_FOLDS).split(features)):
        # Each block is transformed on its own, as a separate recording would be.
        pipeline.fit(features[train], bold[train])
        prediction = pipeline.predict(features[test])
        r = correlation_score(bold[test, None], prediction[:, None])[0]
        rows.append({"fold": fold, "n_test": len(test), "pearson_r": float(r)})
    return rows


def plot_fir(pipeline, sticks, bold, kinds, t_r):
    pipeline.fit(sticks, bold)
    weights = pipeline[-1].coef_.reshape(N_DELAYS, len(kinds))
    lags = np.arange(N_DELAYS) * t_r
    figure, ax = plt.subplots(figsize=(4.0, 3.0), layout="constrained")
    for column, kind in enumerate(kinds):
        ax.plot(lags, weights[:, column], marker="o", ms=3, label=f"condition {kind}")
    ax.axhline(0, color="grey", lw=0.5)
    ax.set_xlabel("time after trial onset (s)")
    ax.set_ylabel("FIR weight (% signal change)")
    ax.set_title("Estimated responses (whole run)")
    ax.legend(fontsize=7, frameon=False, ncol=2)
    save_figure(figure, RESULTS / "nitime_delayed_ridge_fir")
    plt.close(figure)


def main():
    data = load_nitime_event_related()
    sticks, kinds = stick_regressors(data.codes)
    rows = []
    for name, (pipeline, build) in models(data.t_r).items():
        folds = held_out_scores(pipeline, build(sticks), data.bold)
        scores = np.array([row["pearson_r"] for row in folds])
        rows += [{"model": name, **row} for row in folds]
        n_test = sum(row["n_test"] for row in folds)
        rows.append({"model": name, "fold": "mean", "n_test": n_test,
                     "pearson_r": float(scores.mean())})
        rows.append({"model": name, "fold": "std", "n_test": n_test,
                     "pearson_r": float(scores.std(ddof=1))})
    table = pd.DataFrame(rows)
    table["pearson_r"] = table["pearson_r"].round(4)
    print(table.to_string(index=False))
    RESULTS.mkdir(exist_ok=True)
    with atomic_write(RESULTS / "nitime_delayed_ridge.tsv", overwrite=True) as path:
        table.to_csv(path, sep="\t", index=False)
    fir = models(data.t_r)[f"FIR 0-{N_DELAYS - 1} TR"][0]
    plot_fir(fir, sticks, data.bold, kinds, data.t_r)
    print(f"\nwritten to {RESULTS / 'nitime_delayed_ridge.tsv'} and the FIR figure")


if __name__ == "__main__":
    main()
