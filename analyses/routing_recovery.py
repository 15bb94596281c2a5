"""Attention routing recovered on simulated ROIs, against a ridge baseline.

Data: :func:`neurost.datasets.make_routing_dataset` with ``N_IMAGES``
images, a 14 x 14 grid of 32 feature channels, 9 ROIs of
``N_VERTICES_PER_ROI`` vertices (5 location-routed: fixed Gaussian
receptive fields; 4 content-routed: the cells of one object category),
3 trials of noise sd ``NOISE`` (noise ceiling ``1 / (1 + NOISE² / 3)``).
The first ``N_TRAIN`` images train, the rest test.

Models, fitted on the trial-averaged responses of the training images:

- ``routing``: :class:`neurost.encoding.RoutingEncoder` with one query per
  ROI (``ROUTING_PARAMS``; its own 15 % random validation split for early
  stopping on the validation Pearson r);
- ``ridge``: :class:`neurost.encoding.RidgeEncoder` on the flattened grid
  (6,272 columns), one penalty per vertex chosen by 5-fold cross-validation.

Measured on the test images, per ROI kind (location, content): the mean
over vertices of the Pearson r between predicted and trial-averaged
responses, and, for the routing encoder, the attention-vs-truth
correlation (:func:`neurost.metrics.attention_correlation`): the Pearson r
between a ROI query's attention map (last layer, mean over heads) and the
true routing map of the same image, averaged over images (for content
ROIs only over images that show the category, since the true map is
uniform otherwise). For content ROIs also the attention mass on the cells
the category covers (``attention_on_object``,
:func:`neurost.metrics.attention_mass`) beside the fraction of the grid
those cells make up (``object_area``, the mass of a uniform map), over
the images that show the category. The
noise ceiling in r is ``sqrt(1 / (1 + NOISE² / 3))``.

Outputs: ``analyses/results/routing_recovery.tsv`` (one row per ROI plus
one per kind), printed; ``analyses/results/routing_recovery_attention``
(.png, .pdf): the attention maps of every ROI query over ``N_SHOWN`` test
images. Torch uses one thread (the machine is shared; one thread is the
fastest for this small model); the run takes about 2 minutes (40 s of CPU
time).

Run with ``python analyses/routing_recovery.py``.
"""

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import time  # noqa: E402
from pathlib import Path  # noqa: E402

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402

from neurost.datasets import make_routing_dataset  # noqa: E402
from neurost.encoding import RidgeEncoder, RoutingEncoder  # noqa: E402
from neurost.io import atomic_write  # noqa: E402
from neurost.metrics import (  # noqa: E402
    attention_correlation,
    attention_mass,
    correlation_score,
)
from neurost.plotting import plot_attention_on_image  # noqa: E402

N_IMAGES, N_TRAIN = 1000, 800
N_VERTICES_PER_ROI = 20
NOISE = 0.5
SEED = 0
N_SHOWN = 3
ROUTING_PARAMS = dict(
    n_heads=4, ffn_dim=256, max_epochs=40, lr=3e-3, patience=10, device="cpu",
    random_state=SEED,
)
RESULTS = Path(__file__).resolve().parent / "results"


def main():
    torch.set_num_threads(1)
    data = make_routing_dataset(
        n_images=N_IMAGES, n_vertices_per_roi=N_VERTICES_PER_ROI, noise=NOISE,
        random_state=SEED,
    )
    train, test = slice(0, N_TRAIN), slice(N_TRAIN, None)
    X, Y = data.features, data.responses

    start = time.perf_counter()
    routing = RoutingEncoder(data.roi_labels, rois=data.roi_names, **ROUTING_PARAMS)
    routing.fit(X[train], Y[train])
    routing_seconds = time.perf_counter() - start
    start = time.perf_counter()
    ridge = RidgeEncoder(backend="numpy").fit(X[train], Y[train])
    ridge_seconds = time.perf_counter() - start

    r_routing = correlation_score(Y[test], routing.predict(X[test]))
    r_ridge = correlation_score(Y[test], ridge.predict(X[test]))
    maps = routing.attention_maps(X[test])
    ceiling = float(np.sqrt(1 / (1 + NOISE**2 / data.n_repeats)))

    rows = []
    for query, roi in enumerate(routing.rois_):
        targets = routing.target_query_ == query
        rows.append(
            dict(
                roi=roi,
                kind=data.roi_kinds[roi],
                r_routing=r_routing[targets].mean(),
                r_ridge=r_ridge[targets].mean(),
                attention_truth_r=np.nanmean(attention_correlation(
                    maps[:, query], data.routing[test, data.roi_names.index(roi)]
                )),
            )
        )
        if data.roi_kinds[roi] == "content":
            category = data.categories.index(roi.removeprefix("content-"))
            inside = data.coverage[test, category] > 0
            shown = inside.any(axis=(1, 2))
            rows[-1]["attention_on_object"] = np.nanmean(attention_mass(maps[:, query], inside))
            rows[-1]["object_area"] = inside[shown].mean(axis=(1, 2)).mean()
    table = pd.DataFrame(rows)
    summary = table.groupby("kind", sort=False)[
        ["r_routing", "r_ridge", "attention_truth_r", "attention_on_object", "object_area"]
    ].mean().reset_index()
    summary.insert(0, "roi", "mean")
    table = pd.concat([table, summary], ignore_index=True)
    table["r_noise_ceiling"] = ceiling
    table = table.round(4)

    RESULTS.mkdir(exist_ok=True)
    with atomic_write(RESULTS / "routing_recovery.tsv", overwrite=True) as temporary:
        table.to_csv(temporary, sep="\t", index=False)
    print(table.to_string(index=False))
    print(
        f"\nfit: routing {routing_seconds:.0f} s ({len(routing.history_[0])} epochs), "
        f"ridge {ridge_seconds:.0f} s; {N_TRAIN} training / {N_IMAGES - N_TRAIN} test images"
    )

    shown = np.arange(N_SHOWN)
    plot_attention_on_image(
        [data.images[N_TRAIN + i] for i in shown],
        maps[shown],
        roi_names=[name.replace("-", "\n", 1) for name in routing.rois_],
        output_file=RESULTS / "routing_recovery_attention",
        title="RoutingEncoder attention per ROI query (simulated test images)",
    )
    print(f"written to {RESULTS / 'routing_recovery.tsv'} and routing_recovery_attention.png/.pdf")


if __name__ == "__main__":
    main()
