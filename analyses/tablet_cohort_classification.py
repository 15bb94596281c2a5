"""TABLeT versus connectivity and amplitude baselines on a simulated cohort; pre-training with few labels.

Data: :func:`neurost.datasets.make_cohort` with ``n_subjects=320``,
``n_frames=64`` (TR 2 s), ``resolution=4`` mm, ``effect_size=2`` and
``random_state=3``. The label (balanced, 0/1) is the sign of the
default-mode / salience coupling, ``tanh(+-effect_size / 2 + N(0, 0.2^2))``,
about +-0.76. The label is purely dynamic: it changes how two networks
fluctuate together, not any voxel's mean or variance. The trait (standard
normal) scales the amplitude of the somatomotor network's fluctuations by
``exp(0.5 * trait)``: a variance effect within one network.

Tokens: :class:`neurost.tokenize.SliceTokenizer` with the built-in f32c32
autoencoder, **axial slices only** (``axes=(2,)``) and a **64^3 cube**
(``grid_size=64``, ``token_size=32``): 8 tokens of 1 x 32 x 1 x 1 x 32 =
1,024 dimensions per frame, instead of the paper's 27 tokens of 3,072
(three axes, 96^3 cube), which keeps tokenization of 320 runs within
about 7 minutes of one CPU core. The runs are simulated at 4 mm and
resampled to 2 mm by the tokenizer. The 64^3 cube (128 mm) keeps the
posterior cingulate, angular gyri, dorsal anterior cingulate and insulae
but crops the medial prefrontal region (y > 46 mm) and the top and bottom
of the brain. Tokens are cached in
``analyses/results/cache/cohort_tokens_seed3.h5`` (a
:class:`neurost.tokenize.TokenStore`), labels and network signals in
``analyses/results/cache/cohort_meta_seed3.npz``.

Cross-validation: stratified 4-fold (shuffled, seed 3), the same folds for
every method; each fold's 80 test subjects are scored by models fitted on
the other 240, or on 48, 96 or 144 of them drawn stratified (the
``n_train`` column; the same draw for every method). Metrics: accuracy
and ROC AUC per fold, reported as mean and standard deviation over folds.

Methods (``method`` column):

- ``chance``: :class:`sklearn.dummy.DummyClassifier` (``"prior"``).
- ``connectivity_logreg``: :class:`nilearn.maskers.NiftiMapsMasker` on the
  cohort's five simulated network maps (the generating maps: an oracle
  atlas, the most favourable case for the baseline) ->
  :class:`nilearn.connectome.ConnectivityMeasure` (``kind="correlation"``,
  ``vectorize=True``, diagonal discarded: 10 features) -> standardised ->
  ``LogisticRegression(C=1)``.
- ``tablet_paper`` (240 runs): :class:`neurost.tablet.TabletClassifier` as
  in the paper: tokens as they are (``center_tokens=False``) and full
  attention.
- ``tablet_centered`` (240 runs): the same with ``center_tokens=True``
  (each run's mean frame removed, so that the image all its frames share
  cannot be memorised).
- ``tablet_divided_centered``: centred tokens and
  ``model_params["attention"]="divided"`` (blocks alternate within-frame
  and full attention).
- ``amplitude_linear`` (trait): the log standard deviation over time of
  each of the five network signals (the same oracle maps) -> standardised
  -> ordinary least squares.
- ``pretrained_tablet_divided_centered`` (48, 96 and 144 runs): a
  :class:`neurost.tablet.MaskedTokenPretrainer` (same model, 50 % tube
  masking, 20 epochs) fitted on all 240 training runs of the fold without
  their labels, then fine-tuned as ``tablet_divided_centered`` on the
  labelled subset (``init_from``).

For the trait, ``tablet_paper`` and ``tablet_divided_centered`` are
:class:`neurost.tablet.TabletRegressor` with the same settings, fitted on
the 240 training runs of each fold; the metric is Pearson r between
predicted and true trait over the 80 test runs.

Every TABLeT model: ``preset="tiny"`` (2 layers, width 64), random crops
of 32 frames (prediction averages the two 32-frame windows of a run), 20
epochs, lr 1e-3, weight decay 0.01, dropout 0.1, batch 4, no validation
split; one torch thread per fit, two fits at a time.

Outputs: the table (``target``, ``method``, ``n_train``, ``metric``,
``mean``, ``std``, ``folds``) printed and written to
``analyses/results/tablet_cohort_classification.tsv``; a figure of the
per-fold AUCs with 240 runs, of the AUC against the number of labelled
runs and of the trait correlations (``.png`` and ``.pdf``).

Run with ``python analyses/tablet_cohort_classification.py``. Measured:
simulation 1.4 minutes and tokenization about 7 minutes on one torch
thread (cached afterwards; the script tokenizes on two), the 44 TABLeT
fits and 4 pre-trainings 26 minutes on 2 CPU cores.
"""

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import time  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402
from pathlib import Path  # noqa: E402

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402
from nilearn.connectome import ConnectivityMeasure  # noqa: E402
from nilearn.maskers import NiftiMapsMasker  # noqa: E402
from sklearn.dummy import DummyClassifier  # noqa: E402
from sklearn.linear_model import LinearRegression, LogisticRegression  # noqa: E402
from sklearn.metrics import accuracy_score, roc_auc_score  # noqa: E402
from sklearn.model_selection import StratifiedKFold, train_test_split  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from neurost.datasets import make_cohort  # noqa: E402
from neurost.plotting import save_figure  # noqa: E402
from neurost.tablet import (  # noqa: E402
    MaskedTokenPretrainer,
    TabletClassifier,
    TabletRegressor,
)
from neurost.tokenize import SliceTokenizer, TokenStore  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
CACHE = RESULTS / "cache"
N_SUBJECTS = 320
N_FRAMES = 64
RESOLUTION = 4.0
EFFECT_SIZE = 2.0
SEED = 3
N_SPLITS = 4
SUBSET_SIZES = (48, 96, 144)
STORE = CACHE / f"cohort_tokens_seed{SEED}.h5"
META = CACHE / f"cohort_meta_seed{SEED}.npz"
TOKENIZER = dict(axes=(2,), grid_size=64, token_size=32, device="cpu")
TABLET = dict(
    preset="tiny", n_frames=32, max_epochs=20, lr=1e-3, batch_size=4,
    validation_fraction=None, device="cpu",
)
#: method -> (center_tokens, attention)
VARIANTS = {
    "tablet_paper": (False, "full"),
    "tablet_centered": (True, "full"),
    "tablet_divided_centered": (True, "divided"),
}


def keys():
    return [f"sub-{s + 1:03d}" for s in range(N_SUBJECTS)]


def prepare_data():
    """Simulate and tokenize the cohort unless cached; return labels, trait and signals."""
    store = TokenStore(STORE)
    if not (META.exists() and set(keys()) <= set(store.keys())):
        CACHE.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        cohort = make_cohort(
            n_subjects=N_SUBJECTS, n_frames=N_FRAMES, resolution=RESOLUTION,
            effect_size=EFFECT_SIZE, random_state=SEED,
        )
        print(f"simulated the cohort in {time.perf_counter() - start:.0f} s")
        masker = NiftiMapsMasker(cohort.network_maps, standardize=None).fit()
        signals = np.stack([masker.transform(run) for run in cohort.runs])
        start = time.perf_counter()
        torch.set_num_threads(2)
        store.tokenize(dict(zip(keys(), cohort.runs)), SliceTokenizer(**TOKENIZER).fit())
        print(f"tokenized {N_SUBJECTS} runs in {time.perf_counter() - start:.0f} s")
        np.savez(META, labels=cohort.labels, trait=cohort.trait, signals=signals)
    meta = np.load(META)
    return meta["labels"], meta["trait"], meta["signals"]


def tablet_job(method, subsets, test, labels, seed, pretrain_on=None):
    """Fit one TABLeT variant on each subset of runs; test probabilities of label 1.

    Returns a dict ``n_train -> probabilities`` and the seconds taken. With
    ``pretrain_on``, one pre-trained transformer initialises every fit.
    """
    torch.set_num_threads(1)
    store = TokenStore(STORE)
    run_keys = keys()

    def runs(indices):
        return [store.read(run_keys[i]) for i in indices]

    center, attention = VARIANTS[method.removeprefix("pretrained_")]
    params = dict(TABLET, center_tokens=center, random_state=seed,
                  model_params=dict(dropout=0.1, attention=attention))
    start = time.perf_counter()
    init = None
    if pretrain_on is not None:
        init = MaskedTokenPretrainer(**params).fit(runs(pretrain_on))
    probabilities = {}
    for subset in subsets:
        clf = TabletClassifier(**params, init_from=init).fit(runs(subset), labels[subset])
        probabilities[len(subset)] = clf.predict_proba(runs(test))[:, 1]
    return probabilities, time.perf_counter() - start


def trait_job(method, train, test, trait, seed):
    """Fit one TABLeT regressor variant on runs ``train``; predicted test traits."""
    torch.set_num_threads(1)
    store = TokenStore(STORE)
    run_keys = keys()

    def runs(indices):
        return [store.read(run_keys[i]) for i in indices]

    center, attention = VARIANTS[method]
    start = time.perf_counter()
    reg = TabletRegressor(**TABLET, center_tokens=center, random_state=seed,
                          model_params=dict(dropout=0.1, attention=attention))
    reg.fit(runs(train), trait[train])
    return {len(train): reg.predict(runs(test))}, time.perf_counter() - start


def log_amplitudes(signals):
    """Log standard deviation over time of each network signal, (n_runs, n_networks)."""
    return np.log(signals.std(axis=1))


def connectivity_model():
    return make_pipeline(
        ConnectivityMeasure(kind="correlation", vectorize=True, discard_diagonal=True),
        StandardScaler(),
        LogisticRegression(C=1.0),
    )


def main():
    labels, trait, signals = prepare_data()
    folds = list(StratifiedKFold(N_SPLITS, shuffle=True, random_state=SEED).split(
        signals, labels))
    subsets = [
        [train_test_split(train, train_size=size, stratify=labels[train],
                          random_state=SEED + fold)[0] for size in SUBSET_SIZES] + [train]
        for fold, (train, _) in enumerate(folds)
    ]
    # (target, method, n_train, fold) -> test probabilities of label 1 or predicted traits
    predictions = {}
    amplitudes = log_amplitudes(signals)
    for fold, (train, test) in enumerate(folds):
        for subset in subsets[fold]:
            for name, model in (("chance", DummyClassifier(strategy="prior")),
                                ("connectivity_logreg", connectivity_model())):
                model.fit(signals[subset], labels[subset])
                predictions["label", name, len(subset), fold] = (
                    model.predict_proba(signals[test])[:, 1])
        amplitude_model = make_pipeline(StandardScaler(), LinearRegression())
        amplitude_model.fit(amplitudes[train], trait[train])
        predictions["trait", "amplitude_linear", len(train), fold] = (
            amplitude_model.predict(amplitudes[test]))

    jobs = {}
    with ProcessPoolExecutor(max_workers=2) as pool:
        for fold, (train, test) in enumerate(folds):
            seed = SEED + fold
            jobs["label", "pretrained_tablet_divided_centered", fold] = pool.submit(
                tablet_job, "pretrained_tablet_divided_centered", subsets[fold][:-1],
                test, labels, seed, train)
            jobs["label", "tablet_divided_centered", fold] = pool.submit(
                tablet_job, "tablet_divided_centered", subsets[fold], test, labels, seed)
            for method in ("tablet_paper", "tablet_centered"):
                jobs["label", method, fold] = pool.submit(
                    tablet_job, method, [train], test, labels, seed)
            for method in ("tablet_paper", "tablet_divided_centered"):
                jobs["trait", method, fold] = pool.submit(
                    trait_job, method, train, test, trait, seed)
        for (target, method, fold), job in jobs.items():
            results, seconds = job.result()
            for n_train, prediction in results.items():
                predictions[target, method, n_train, fold] = prediction
            print(f"fold {fold} {target} {method}: {seconds:.0f} s", flush=True)

    table = summarise(predictions, labels, trait, folds)
    RESULTS.mkdir(exist_ok=True)
    table.to_csv(RESULTS / "tablet_cohort_classification.tsv", sep="\t", index=False,
                 float_format="%.4f")
    with pd.option_context("display.width", 160, "display.max_colwidth", 40):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    plot(table)


def summarise(predictions, labels, trait, folds):
    """One row per target, method, training size and metric, over folds."""
    metrics = {
        "label": {
            "accuracy": lambda test, p: accuracy_score(labels[test], p > 0.5),
            "roc_auc": lambda test, p: roc_auc_score(labels[test], p),
        },
        "trait": {"pearson_r": lambda test, p: np.corrcoef(trait[test], p)[0, 1]},
    }
    rows = []
    for target, method, n_train in dict.fromkeys(key[:3] for key in predictions):
        for metric, score in metrics[target].items():
            values = np.array([score(test, predictions[target, method, n_train, fold])
                               for fold, (_, test) in enumerate(folds)])
            rows.append(dict(
                target=target, method=method, n_train=n_train, metric=metric,
                mean=values.mean(), std=values.std(),
                folds=" ".join(f"{v:.3f}" for v in values),
            ))
    return pd.DataFrame(rows).sort_values(["target", "n_train", "metric"], kind="stable")


def plot(table):
    auc = table[table["metric"] == "roc_auc"]
    n_full = auc["n_train"].max()
    fig, (bars, curves, traits) = plt.subplots(
        1, 3, figsize=(15, 4.4), gridspec_kw=dict(width_ratios=[5, 4, 3]))
    _fold_bars(bars, auc[auc["n_train"] == n_full])
    bars.set_title(f"Label, {n_full} training runs (bars: mean; dots: folds)")
    bars.set_ylabel("held-out ROC AUC")
    for method, marker in (("connectivity_logreg", "s"), ("tablet_divided_centered", "o"),
                           ("pretrained_tablet_divided_centered", "^")):
        rows = auc[auc["method"] == method]
        curves.errorbar(rows["n_train"], rows["mean"], yerr=rows["std"], marker=marker,
                        capsize=3, label=method)
    curves.set_xlabel("labelled training runs")
    curves.set_ylabel("held-out ROC AUC")
    curves.set_title(f"Label, fewer labels (mean and sd over {N_SPLITS} folds)")
    curves.legend(loc="lower right", fontsize=8)
    for ax in (bars, curves):
        ax.axhline(0.5, color="grey", ls="--", lw=1)
        ax.set_ylim(0, 1.05)
    _fold_bars(traits, table[table["metric"] == "pearson_r"])
    traits.axhline(0, color="grey", lw=1)
    traits.set_ylim(-0.1, 1.05)
    traits.set_ylabel("held-out Pearson r")
    traits.set_title(f"Trait, {n_full} training runs")
    fig.suptitle(f"Label and trait of a simulated cohort ({N_SUBJECTS} runs x "
                 f"{N_FRAMES} frames, effect size {EFFECT_SIZE:g})")
    fig.tight_layout()
    save_figure(fig, RESULTS / "tablet_cohort_classification")
    plt.close(fig)


def _fold_bars(ax, rows):
    """Bars of the mean score of each method, dots for its folds."""
    for x, row in enumerate(rows.itertuples()):
        values = np.array(row.folds.split(), dtype=float)
        ax.bar(x, row.mean, color="lightsteelblue", edgecolor="k")
        ax.scatter(x + np.linspace(-0.15, 0.15, len(values)), values,
                   color="k", s=12, zorder=3)
    ax.set_xticks(range(len(rows)), rows["method"], rotation=30, ha="right")


if __name__ == "__main__":
    main()
