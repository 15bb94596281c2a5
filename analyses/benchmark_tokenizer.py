"""Tokenization throughput and memory of the built-in autoencoder, CPU, 2 threads.

Setting: :class:`neurost.tokenize.SliceTokenizer` with its defaults
(built-in f32c32 autoencoder, 3 axes, 96^3 cube, ``"signed"`` scaling,
batches of 64 slices), on the CPU with
``torch.set_num_threads(2)``. The run is synthetic: 96^3 frames of
axis-aligned 2 mm voxels (so the tokenizer pads nothing and resamples
nothing), a smooth ellipsoidal "brain" with slowly drifting noise,
float32.

Measured:

- ``matmul_gflops``: the machine's float32 matrix-product rate, the best
  of repeated 2048 x 2048 ``torch.mm`` products (2 n^3 FLOPs each);
- ``encoder_gflop_per_volume``: FLOPs of the autoencoder's encoder for the
  3 x 96 slices of one volume, counted by
  :class:`torch.utils.flop_counter.FlopCounterMode` (convolutions and
  matrix products, 2 FLOPs per multiply-add; activations and additions
  not counted);
- ``encoder_volumes_per_second``: the encoder alone on the 288 grey
  slices of one volume, in the tokenizer's batches, median of repeated runs;
- ``transform_volumes_per_second``: the whole ``transform`` of an
  in-memory run of ``N_FRAMES`` frames: reading, brain mask and scaling
  statistics, scaling, slicing, encoding and assembling the 27 x 3072
  tokens of each frame; best of ``REPEATS`` runs;
- ``*_fraction_of_matmul``: the achieved FLOP rate (volumes per second x
  FLOPs per volume) over ``matmul_gflops``;
- ``peak_memory_mib_{20,80}_frames``: the memory of streaming
  tokenization (:meth:`~neurost.tokenize.SliceTokenizer.transform_blocks`,
  blocks written nowhere, as :class:`~neurost.tokenize.TokenStore` does
  before writing them) of an uncompressed NIfTI file of 20 and of 80
  frames, read without a memory map (whose file pages would count as
  resident), each in a fresh process: peak resident size minus the resident size before
  tokenizing (glibc told to return every freed block of 64 KiB or more
  with ``MALLOC_MMAP_THRESHOLD_``), and the tracemalloc peak (NumPy's
  allocations). Equal values for 20 and 80 frames mean the memory does not
  grow with the run's length.

The throughput depends on what else runs on the machine: take the
numbers on an idle one.

Outputs: the table (``quantity``, ``value``, ``unit``) printed and written
to ``analyses/results/tokenizer_speed.tsv``.

Run with ``python analyses/benchmark_tokenizer.py`` (about 1 minute on 2
CPU cores).
"""

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "2")

import multiprocessing  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402
from pathlib import Path  # noqa: E402

import nibabel  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from neurost.io import atomic_write  # noqa: E402
from neurost.tokenize import SliceTokenizer  # noqa: E402

GRID = 96
THREADS = 2
N_FRAMES = 40
REPEATS = 5
MEMORY_FRAMES = (20, 80)
SEED = 0
RESULTS = Path(__file__).resolve().parent / "results"


def synthetic_run(n_frames, seed=SEED):
    """(96, 96, 96, n_frames) float32 image on a 2 mm grid: a noisy ellipsoid."""
    rng = np.random.default_rng(seed)
    axes = np.ogrid[-1:1:GRID * 1j, -1:1:GRID * 1j, -1:1:GRID * 1j]
    radius = (axes[0] / 0.75) ** 2 + (axes[1] / 0.85) ** 2 + (axes[2] / 0.7) ** 2
    brain = (radius < 1).astype(np.float32) * (1000 + 200 * axes[2])
    drift = rng.standard_normal(n_frames).cumsum().astype(np.float32)
    data = brain[..., None] * (1 + 0.002 * drift)
    data += 20 * rng.standard_normal(data.shape, dtype=np.float32) * (brain[..., None] > 0)
    affine = np.diag([2.0, 2.0, 2.0, 1.0])
    affine[:3, 3] = -GRID
    return nibabel.Nifti1Image(data, affine)


def matmul_gflops(n=2048, seconds=2.0):
    """Best float32 ``torch.mm`` rate over about ``seconds``, GFLOP/s."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    torch.mm(a, b)
    best, stop = 0.0, time.perf_counter() + seconds
    while time.perf_counter() < stop:
        start = time.perf_counter()
        torch.mm(a, b)
        best = max(best, 2 * n**3 / (time.perf_counter() - start) / 1e9)
    return best


def volume_slices():
    """The 3 x 96 slices of one volume as the tokenizer feeds them: grey, channels last."""
    slices = torch.rand(3 * GRID, 1, GRID, GRID).mul(2).sub(1)
    return slices.contiguous(memory_format=torch.channels_last)


def encoder_flops(tokenizer):
    """FLOPs of the encoder for one volume's slices."""
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        tokenizer.autoencoder_.encode(volume_slices())
    return counter.get_total_flops()


def encoder_volumes_per_second(tokenizer, repeats=5):
    """Median rate of the encoder alone on one volume's slices, volumes/s."""
    slices = volume_slices()
    times = []
    step = tokenizer.batch_size
    with torch.no_grad():
        tokenizer.autoencoder_.encode(slices[:step])
        for _ in range(repeats):
            start = time.perf_counter()
            for first in range(0, len(slices), step):
                tokenizer.autoencoder_.encode(slices[first : first + step])
            times.append(time.perf_counter() - start)
    return 1 / float(np.median(times))


def transform_volumes_per_second(tokenizer, run):
    """Best rate of ``transform`` over ``REPEATS`` runs, volumes/s."""
    tokenizer.transform(synthetic_run(2))
    best = np.inf
    for _ in range(REPEATS):
        start = time.perf_counter()
        tokens = tokenizer.transform(run)
        best = min(best, time.perf_counter() - start)
    assert tokens.shape == (run.shape[3], 27, 3072)
    return run.shape[3] / best


def _resident_bytes():
    """Current resident set size of this process, bytes (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _peak_resident_bytes():
    """Peak resident set size of this process, bytes (Linux ``VmHWM``).

    Not ``getrusage``'s ``ru_maxrss``, which a spawned process inherits from
    the parent that forked it (it would count the parent's copy of the run).
    """
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("/proc/self/status has no VmHWM line")


def streaming_peak(path):
    """(peak resident bytes, tracemalloc peak bytes) of streaming a run's tokens."""
    torch.set_num_threads(THREADS)
    tokenizer = SliceTokenizer(device="cpu").fit()
    tokenizer.transform(synthetic_run(2))  # first-call allocations, not the run's
    before = _resident_bytes()
    tracemalloc.start()
    n_frames = 0
    # Read with plain file reads: a memory map's pages of the file would
    # count in the resident size although the kernel may drop them.
    for frames, tokens in tokenizer.transform_blocks(nibabel.load(path, mmap=False)):
        n_frames += len(tokens)
    _, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert n_frames == nibabel.load(path).shape[3]
    peak = _peak_resident_bytes()
    return peak - before, traced


def memory_rows():
    """Table rows of the streaming memory of runs of ``MEMORY_FRAMES`` frames."""
    # glibc reads it at start-up: the child processes inherit it.
    os.environ["MALLOC_MMAP_THRESHOLD_"] = "65536"
    context = multiprocessing.get_context("spawn")
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for n_frames in MEMORY_FRAMES:
            path = Path(folder) / f"run_{n_frames}.nii"
            nibabel.save(synthetic_run(n_frames), path)
            with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
                resident, traced = pool.submit(streaming_peak, str(path)).result()
            rows.append((f"peak_memory_mib_{n_frames}_frames", round(resident / 2**20, 1),
                         "MiB (peak resident - before)"))
            rows.append((f"tracemalloc_peak_mib_{n_frames}_frames", round(traced / 2**20, 1),
                         "MiB (NumPy allocations)"))
            path.unlink()
    return rows


def main():
    torch.set_num_threads(THREADS)
    tokenizer = SliceTokenizer(device="cpu").fit()
    gflops = matmul_gflops()
    flops = encoder_flops(tokenizer)
    encoder_rate = encoder_volumes_per_second(tokenizer)
    transform_rate = transform_volumes_per_second(tokenizer, synthetic_run(N_FRAMES))
    rows = [
        ("torch_threads", THREADS, "threads"),
        ("matmul_gflops", round(gflops, 1), "GFLOP/s"),
        ("encoder_gflop_per_volume", round(flops / 1e9, 3), "GFLOP (3 x 96 slices)"),
        ("encoder_volumes_per_second", round(encoder_rate, 2), "volumes/s"),
        ("encoder_fraction_of_matmul", round(encoder_rate * flops / 1e9 / gflops, 3), "1"),
        ("transform_volumes_per_second", round(transform_rate, 2),
         f"volumes/s ({N_FRAMES}-frame run)"),
        ("transform_fraction_of_matmul", round(transform_rate * flops / 1e9 / gflops, 3), "1"),
    ]
    rows += memory_rows()
    table = pd.DataFrame(rows, columns=["quantity", "value", "unit"])
    RESULTS.mkdir(exist_ok=True)
    with atomic_write(RESULTS / "tokenizer_speed.tsv", overwrite=True) as path:
        table.to_csv(path, sep="\t", index=False)
    print(table.to_string(index=False))


if __name__ == "__main__":
    main()
