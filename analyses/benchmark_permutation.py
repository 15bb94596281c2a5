"""Cost of 1,000 block permutations for 20,000 targets (:func:`neurost.stats.permutation.permutation_test`).

Data: features ``X`` (400 TRs x 1,000 columns, standard normal, float32) and
responses ``Y`` (400 TRs x 20,000 targets, standard normal); a
:class:`neurost.encoding.RidgeEncoder` (numpy backend, default penalties,
5 folds; the kernel route, 300 samples < 1,000 columns) is fitted on the
first 300 TRs. Timed, wall clock (``time.perf_counter``), one run each:
``permutation_test`` on the last 100 TRs with 1,000 permutations in blocks
of 10 TRs, Pearson r, ``return_null=True`` (the 80 MB null is kept):

- ``method="test"``: the fixed predictions against permuted held-out
  responses (100 x 20,000 per permutation);
- ``method="refit"``: ridge refits on permuted training responses with the
  fitted penalties, one SVD of the training design for all, each refit a
  (100 x 300) @ (300 x 20,000) product.

The fit of the encoder itself is timed for scale. BLAS uses 2 threads; the
machine is shared, so the timings are an upper bound. Written to
``analyses/results/benchmark_permutation.tsv``. Run with ``python
analyses/benchmark_permutation.py``.
"""

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "2")

import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from neurost.encoding import RidgeEncoder  # noqa: E402
from neurost.io import atomic_write  # noqa: E402
from neurost.stats.permutation import permutation_test  # noqa: E402

N_TRAIN, N_TEST, N_FEATURES, N_TARGETS = 300, 100, 1000, 20_000
N_PERMUTATIONS, BLOCK_LENGTH = 1000, 10
RESULTS = Path(__file__).resolve().parent / "results" / "benchmark_permutation.tsv"


def main():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((N_TRAIN + N_TEST, N_FEATURES), dtype=np.float32)
    Y = rng.standard_normal((N_TRAIN + N_TEST, N_TARGETS), dtype=np.float32)
    train, test = slice(0, N_TRAIN), slice(N_TRAIN, None)
    start = time.perf_counter()
    model = RidgeEncoder(backend="numpy").fit(X[train], Y[train])
    rows = [{"step": "RidgeEncoder.fit (reference)", "seconds": time.perf_counter() - start}]
    for method in ("test", "refit"):
        extra = dict(X_train=X[train], y_train=Y[train]) if method == "refit" else {}
        start = time.perf_counter()
        result = permutation_test(
            model, X[test], Y[test], method=method, n_permutations=N_PERMUTATIONS,
            block_length=BLOCK_LENGTH, random_state=0, **extra,
        )
        rows.append(
            {
                "step": f'permutation_test(method="{method}")',
                "seconds": time.perf_counter() - start,
            }
        )
        assert result.null.shape == (N_PERMUTATIONS, N_TARGETS)
    table = pd.DataFrame(rows)
    table["seconds"] = table["seconds"].round(1)
    table.insert(1, "n_targets", N_TARGETS)
    table.insert(2, "n_permutations", [0, N_PERMUTATIONS, N_PERMUTATIONS])
    with atomic_write(RESULTS, overwrite=True) as temporary:
        table.to_csv(temporary, sep="\t", index=False)
    print(table.to_string(index=False))
    print(f"\nwritten to {RESULTS}")


if __name__ == "__main__":
    main()
