"""Time and memory of partial reads from a large HDF5 response matrix.

Writes a 20,000 x 5,000 float32 matrix (400 MB uncompressed; samples x
targets, as single-trial betas) with :func:`neurost.io.save_responses`,
then reads row and column subsets with :func:`neurost.io.load_responses`.
Each read runs in a fresh process, which reports

- ``seconds``: wall time of the read;
- ``peak_traced_mb``: peak of the memory allocated through Python and
  NumPy during the read (``tracemalloc``), the result included;
- ``peak_rss_increase_mb``: how far the read raised the resident memory of
  the process at its peak, which also counts HDF5's own buffers (Linux:
  the peak ``VmHWM`` is reset through ``/proc/self/clear_refs`` before the
  read).

A read of the whole matrix is listed last, for scale. The table is printed
and written to ``analyses/results/responses_memory.tsv``.

Run with ``python analyses/benchmark_responses_memory.py``.
"""

import multiprocessing
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

from neurost.io import atomic_write
from neurost.io import load_responses, save_responses

SHAPE = (20_000, 5_000)
RESULTS = Path(__file__).resolve().parent / "results" / "responses_memory.tsv"


def value(rows, columns):
    """Reproducible float32 value of each (row, column) of the matrix."""
    rows = np.asarray(rows, np.int64)[:, None]
    columns = np.asarray(columns, np.int64)[None, :]
    return ((rows * 7919 + columns * 104729) % 1000003).astype(np.float32)


class Formula:
    """The matrix as a 2-D array-like computed band by band, never whole."""

    shape = SHAPE
    dtype = np.dtype(np.float32)

    def __getitem__(self, rows):
        return value(np.arange(SHAPE[0])[rows], np.arange(SHAPE[1]))


def cases():
    """(description, rows, columns) of each read."""
    rng = np.random.default_rng(0)
    n_rows, n_columns = SHAPE
    return [
        (
            "1,000 random rows (sorted), all columns",
            np.sort(rng.choice(n_rows, 1_000, replace=False)),
            None,
        ),
        (
            "1,000 rows in random order with repeats, all columns",
            rng.integers(0, n_rows, 1_000),
            None,
        ),
        (
            "all rows, 100 random columns",
            None,
            rng.choice(n_columns, 100, replace=False),
        ),
        ("all rows, 500 contiguous columns", None, np.arange(2_000, 2_500)),
        (
            "500 random rows x 500 random columns",
            rng.integers(0, n_rows, 500),
            rng.choice(n_columns, 500, replace=False),
        ),
        ("whole matrix (for scale)", None, None),
    ]


def resident_kib(field):
    """``VmRSS`` (now) or ``VmHWM`` (peak) of this process, in KiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} is not in /proc/self/status")


def measure(path, rows, columns):
    """Read in this (fresh) process; return seconds, traced and RSS peaks in MB."""
    load_responses(path, rows=[0], columns=[0])  # imports and file metadata
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")
    rss_before = resident_kib("VmRSS")
    tracemalloc.start()
    start = time.perf_counter()
    out = load_responses(path, rows=rows, columns=columns)
    seconds = time.perf_counter() - start
    traced = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    rss_peak = resident_kib("VmHWM")
    expected_rows = np.arange(SHAPE[0]) if rows is None else rows
    expected_columns = np.arange(SHAPE[1]) if columns is None else columns
    if out.nbytes <= 50 * 2**20 and not np.array_equal(
        out, value(expected_rows, expected_columns)
    ):
        raise RuntimeError(f"wrong values read for rows={rows}, columns={columns}")
    return out.shape, seconds, traced / 2**20, (rss_peak - rss_before) / 2**10


def main():
    context = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "responses.h5"
        start = time.perf_counter()
        save_responses(path, Formula())
        written = time.perf_counter() - start
        print(
            f"wrote {SHAPE[0]:,} x {SHAPE[1]:,} float32 "
            f"({np.prod(SHAPE) * 4 / 2**20:.0f} MiB) as chunked gzip HDF5 "
            f"({path.stat().st_size / 2**20:.0f} MiB on disk) in {written:.1f} s"
        )
        table = []
        for description, rows, columns in cases():
            with context.Pool(1, maxtasksperchild=1) as pool:
                shape, seconds, traced, rss = pool.apply(measure, (path, rows, columns))
            result = shape[0] * shape[1] * 4 / 2**20
            table.append((description, *shape, seconds, result, traced, rss))
    header = (
        "read",
        "rows",
        "columns",
        "seconds",
        "result_mb",
        "peak_traced_mb",
        "peak_rss_increase_mb",
    )
    lines = ["\t".join(header)] + [
        f"{d}\t{r}\t{c}\t{s:.2f}\t{m:.1f}\t{t:.1f}\t{x:.1f}"
        for d, r, c, s, m, t, x in table
    ]
    width = max(len(row[0]) for row in table)
    print(
        f"{'read':<{width}}  {'rows':>6} {'cols':>6} {'s':>6} "
        f"{'result MB':>9} {'traced MB':>9} {'RSS+ MB':>8}"
    )
    for d, r, c, s, m, t, x in table:
        print(f"{d:<{width}}  {r:>6} {c:>6} {s:>6.2f} {m:>9.1f} {t:>9.1f} {x:>8.1f}")
    RESULTS.parent.mkdir(exist_ok=True)
    with atomic_write(RESULTS, overwrite=True) as temporary:
        temporary.write_text("\n".join(lines) + "\n")
    print(f"table written to {RESULTS}")


if __name__ == "__main__":
    main()
