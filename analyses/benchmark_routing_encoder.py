"""Training and prediction throughput of :class:`neurost.encoding.RoutingEncoder` on the CPU.

Two problem sizes, random standard-normal grids and responses (throughput
does not depend on the values):

- ``simulator``: the grid of :func:`neurost.datasets.make_routing_dataset`
  (14 x 14 cells, 32 channels), 9 queries, 180 targets, 4 heads, FFN 256
  (the encoder's defaults);
- ``dinov2_vitb14``: the grid of DINOv2 ViT-B/14 on 434-pixel images
  (31 x 31 cells, 768 channels), 50 queries (24 ROIs x 2 hemispheres + 2),
  5,000 targets, 16 heads, FFN 1024 (the published decoder).

What is timed (wall time, ``time.perf_counter``): ``fit`` with no
validation split for ``EPOCHS`` epochs (so every run trains the same
number of steps), reported as training samples x epochs per second; and
``predict`` on the same samples, reported as samples per second. Batch 32,
one seed, float32. Each measure is the median of ``REPEATS`` runs after a
warm-up. Torch and BLAS use ``THREADS`` thread(s): the machine this was
written on has 2 cores shared with other work, where one thread was the
fastest and steadiest; on an idle machine more threads help the large
size. Timings are only meaningful on an otherwise idle machine.

The table is printed and written to
``analyses/results/routing_encoder_speed.tsv``. Run with
``python analyses/benchmark_routing_encoder.py`` (about 1 minute of CPU
time; 4 minutes of wall time on a busy 2-core machine).
"""

import os

THREADS = 1
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, str(THREADS))

import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402

from neurost.encoding.routing import RoutingEncoder  # noqa: E402
from neurost.io import atomic_write  # noqa: E402

#: name -> (n_samples, (h, w, c), n_queries, n_targets, encoder parameters)
SIZES = {
    "simulator": (512, (14, 14, 32), 9, 180, dict(n_heads=4, ffn_dim=256)),
    "dinov2_vitb14": (64, (31, 31, 768), 50, 5000, dict(n_heads=16, ffn_dim=1024)),
}
EPOCHS = 2
BATCH_SIZE = 32
REPEATS = 3
SEED = 0
RESULTS = Path(__file__).resolve().parent / "results" / "routing_encoder_speed.tsv"


def simulate(n_samples, grid_shape, n_queries, n_targets):
    """Grids (n, h, w, c), responses (n, t) and one ROI label per target."""
    rng = np.random.default_rng(SEED)
    grids = rng.standard_normal((n_samples,) + grid_shape, dtype=np.float32)
    responses = rng.standard_normal((n_samples, n_targets), dtype=np.float32)
    labels = np.arange(n_targets) % n_queries
    return grids, responses, labels


def time_once(encoder, grids, responses):
    """Seconds for one fit and for one predict."""
    start = time.perf_counter()
    encoder.fit(grids, responses)
    fitted = time.perf_counter()
    encoder.predict(grids)
    return fitted - start, time.perf_counter() - fitted


def main():
    torch.set_num_threads(THREADS)
    rows = []
    for name, (n_samples, grid_shape, n_queries, n_targets, params) in SIZES.items():
        grids, responses, labels = simulate(n_samples, grid_shape, n_queries, n_targets)
        encoder = RoutingEncoder(
            labels, max_epochs=EPOCHS, batch_size=BATCH_SIZE, validation_fraction=0.0,
            device="cpu", random_state=SEED, **params,
        )
        time_once(encoder, grids[:BATCH_SIZE], responses[:BATCH_SIZE])  # warm-up
        times = np.array([time_once(encoder, grids, responses) for _ in range(REPEATS)])
        fit_seconds, predict_seconds = np.median(times, axis=0)
        rows.append(
            dict(
                size=name,
                grid="x".join(map(str, grid_shape)),
                n_queries=n_queries,
                n_targets=n_targets,
                n_samples=n_samples,
                epochs=EPOCHS,
                threads=THREADS,
                fit_seconds=round(fit_seconds, 3),
                fit_samples_per_s=round(n_samples * EPOCHS / fit_seconds, 1),
                predict_seconds=round(predict_seconds, 3),
                predict_samples_per_s=round(n_samples / predict_seconds, 1),
            )
        )
        print(f"{name}: fit {rows[-1]['fit_samples_per_s']} samples/s, "
              f"predict {rows[-1]['predict_samples_per_s']} samples/s")
    table = pd.DataFrame(rows)
    RESULTS.parent.mkdir(exist_ok=True)
    with atomic_write(RESULTS, overwrite=True) as temporary:
        table.to_csv(temporary, sep="\t", index=False)
    print(table.to_string(index=False))
    print(f"\nwritten to {RESULTS}")


if __name__ == "__main__":
    main()
