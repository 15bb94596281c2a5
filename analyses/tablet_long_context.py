"""Longest run the TABLeT transformer can train on in 16 GiB, against voxel patches.

Models (both :class:`neurost.models.BrainLatentTransformer` with the
``"base"`` preset: 12 pre-LN layers, width 896, 14 query / 2 key-value
heads, FFN 4864, about 130 M parameters, one output):

- ``latent tokens``: the TABLeT input, 27 tokens of 3072 dimensions per
  frame (the built-in f32c32 autoencoder on a 96^3 cube, 3 axes);
- ``voxel patches``: the same transformer reading raw voxels instead: the
  96^3 frame cut into 6 x 6 x 6 = 216 patches of 16^3 = 4,096 voxels, each
  patch flattened and embedded by ``LayerNorm -> Linear(4096, 896)`` (the
  model's own token embedding with ``token_dim=4096, n_tokens=216``). It is
  a plain ViT-style patch baseline with full attention, not SwiFT (the
  windowed 4D Swin transformer of the paper's comparison).

What is measured: the peak memory of a training step of a run of T
frames -- batch 1, float32, AdamW -- with and without activation
checkpointing (the model's ``checkpointing`` option, off by default), as
the sum of

- the model state, counted: weights, gradients and the two AdamW moment
  buffers, 4 x 4 bytes per parameter, and the input tokens;
- what forward and backward add on top, measured: without a GPU, they run
  on the CPU in a fresh process started with
  ``MALLOC_MMAP_THRESHOLD_=65536`` (glibc serves every tensor of 64 KiB or
  more with its own mapping and returns it at once when freed), with the
  gradients already allocated, as in a loop that keeps them between steps;
  the increment is the process's peak resident set size (``ru_maxrss``)
  minus its resident size just before the forward pass: the activations
  saved for backward plus the backward's transient buffers.

Allocating the gradients first matters at these short runs: otherwise the
peak is the gradients appearing at the end of backward, not the
activations, and its slope understates the growth of long runs. (A loop
that frees the gradients between steps peaks at most one gradient set
lower.) The update itself is not run: its own peak -- weights, gradients,
moments and a few parameter-sized temporaries, an estimated 3 GiB -- is
below the forward/backward peaks that set the limit. The sum is what a
GPU's ``torch.cuda.max_memory_allocated`` would count; not counted are a
CUDA context and library workspaces (a few hundred MiB) and the caching
allocator's fragmentation, so the frame counts are upper bounds for a real
16 GiB GPU.

Scaled-dot-product attention: the table's ``sdpa_kernel`` column names the
kernel PyTorch dispatched to on this machine (found with the profiler on
the model's attention). The CPU flash-attention kernel never materialises
the (L x L) score matrix, so memory should grow linearly with the
sequence length L = 1 + T x tokens per frame; the fit checks it: each
model's peaks are fitted by least squares with ``a + b T`` at three run
lengths (109 to 325 tokens for the latent model, 217 to 649 for the\nvoxel-patch model), the
table gives the largest relative residual, and the longest run within
16 GiB is ``floor((16 GiB - a) / b)``. On a GPU, float32 attention uses
the memory-efficient kernel, also linear in L. The paper trains in fp16
mixed precision, which would shrink the activations (not the fp32
parameters and optimizer state) further; this analysis stays in float32.

Outputs: ``analyses/results/tablet_long_context_measurements.tsv`` (one
row per model, checkpointing and T: activation GiB, step peak GiB,
forward/backward seconds) and
``analyses/results/tablet_long_context.tsv`` (one row per model and
checkpointing: intercept GiB, MiB per frame, residual, frames in 16 GiB,
and the ratio latent / voxel frames), both printed; a figure of peak
memory against run length with the fits,
``analyses/results/tablet_long_context.png`` / ``.pdf``.

Run with ``python analyses/tablet_long_context.py`` (about 4 CPU-minutes,
a few minutes on an idle 2-core machine, far longer on a loaded one; it needs about
4 GiB of free memory).
"""

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "2")

import multiprocessing  # noqa: E402
import resource  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402
from pathlib import Path  # noqa: E402

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from neurost.io import atomic_write  # noqa: E402
from neurost.plotting import save_figure  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
BUDGET_GIB = 16.0
GIB = 2**30
SEED = 0
#: name -> (tokens per frame, dims per token, run lengths measured, in frames)
MODELS = {
    "latent tokens": (27, 3072, (4, 8, 12)),
    "voxel patches": (216, 4096, (1, 2, 3)),
}


def _resident_bytes():
    """Current resident set size of this process, bytes (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def training_step_peak(n_tokens, token_dim, n_frames, checkpointing):
    """Memory and seconds of forward + backward, in a fresh process.

    The gradients are allocated (zeros) before the forward pass, as in a
    training loop that keeps them between steps; what forward and backward
    add on top is then the activations and the backward's transient
    buffers, which grow with the run's length.

    Returns
    -------
    dict with ``activation_bytes`` (peak resident size minus the resident
    size once the model and its gradients exist), ``model_bytes`` (4 bytes
    per parameter for each of weights, gradients and the two AdamW moments)
    and ``seconds`` (forward + backward).
    """
    import torch

    from neurost.models import BrainLatentTransformer

    torch.set_num_threads(2)
    torch.manual_seed(SEED)
    model = BrainLatentTransformer.from_preset(
        "base", token_dim, n_tokens, 1, checkpointing=checkpointing
    ).train()
    for parameter in model.parameters():
        parameter.grad = torch.zeros_like(parameter)
    tokens = torch.randn(1, n_frames, n_tokens, token_dim)
    before = _resident_bytes()
    start = time.perf_counter()
    model(tokens).pow(2).mean().backward()
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    n_parameters = sum(p.numel() for p in model.parameters())
    return dict(activation_bytes=peak - before, model_bytes=4 * 4 * n_parameters,
                input_bytes=tokens.numel() * 4, seconds=seconds)


def sdpa_kernel():
    """Name of the attention kernel the model's attention dispatches to."""
    import torch
    from torch.profiler import ProfilerActivity, profile

    from neurost.models import BrainLatentTransformer

    model = BrainLatentTransformer.from_preset("tiny", 8, 4, 1).train()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        model(torch.randn(1, 3, 4, 8)).sum().backward()
    names = sorted(
        {e.name for e in prof.events() if "scaled_dot_product" in e.name and "backward" not in e.name}
    )
    return ", ".join(name.removeprefix("aten::") for name in names)


def in_fresh_process(function, *args):
    """function(*args) in a new process (so its peak memory is its own)."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(function, *args).result()


def fit(frames, peaks):
    """Least-squares a + b T; (a, b, largest |residual| / peak)."""
    frames, peaks = np.asarray(frames, float), np.asarray(peaks, float)
    b, a = np.polyfit(frames, peaks, 1)
    residual = np.max(np.abs(peaks - (a + b * frames)) / peaks)
    return a, b, residual


def main():
    # glibc reads it at start-up: every child process inherits it.
    os.environ["MALLOC_MMAP_THRESHOLD_"] = "65536"
    kernel = in_fresh_process(sdpa_kernel)
    rows = []
    for name, (n_tokens, token_dim, lengths) in MODELS.items():
        for checkpointing in (False, True):
            for n_frames in lengths:
                result = in_fresh_process(
                    training_step_peak, n_tokens, token_dim, n_frames, checkpointing
                )
                rows.append(
                    dict(
                        model=name, checkpointing=checkpointing, n_frames=n_frames,
                        sequence_length=1 + n_frames * n_tokens,
                        activations_gib=round(result["activation_bytes"] / GIB, 4),
                        peak_gib=round(
                            (result["activation_bytes"] + result["model_bytes"]
                             + result["input_bytes"]) / GIB, 4
                        ),
                        forward_backward_seconds=round(result["seconds"], 2),
                    )
                )
                print(rows[-1], flush=True)
    measurements = pd.DataFrame(rows)
    summary = []
    for (name, checkpointing), group in measurements.groupby(["model", "checkpointing"], sort=False):
        a, b, residual = fit(group["n_frames"], group["peak_gib"])
        summary.append(
            dict(
                model=name, checkpointing=checkpointing, tokens_per_frame=MODELS[name][0],
                intercept_gib=round(a, 3), mib_per_frame=round(b * 1024, 2),
                max_relative_residual=round(residual, 4),
                max_frames_16gib=int(np.floor((BUDGET_GIB - a) / b)), sdpa_kernel=kernel,
            )
        )
    summary = pd.DataFrame(summary)
    voxel = summary[summary["model"] == "voxel patches"].set_index("checkpointing")
    summary["frames_vs_voxel_patches"] = [
        round(row.max_frames_16gib / voxel.loc[row.checkpointing, "max_frames_16gib"], 2)
        for row in summary.itertuples()
    ]
    RESULTS.mkdir(exist_ok=True)
    for table, stem in ((measurements, "tablet_long_context_measurements"),
                        (summary, "tablet_long_context")):
        with atomic_write(RESULTS / f"{stem}.tsv", overwrite=True) as path:
            table.to_csv(path, sep="\t", index=False)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(measurements.to_string(index=False))
        print(summary.to_string(index=False))
    figure(measurements, summary, RESULTS / "tablet_long_context")


def figure(measurements, summary, output_file):
    """Peak memory against run length, measured points and linear fits."""
    fig, ax = plt.subplots(figsize=(6.5, 4.2), constrained_layout=True)
    colours = {"latent tokens": "tab:blue", "voxel patches": "tab:orange"}
    for row in summary.itertuples():
        group = measurements[(measurements["model"] == row.model)
                             & (measurements["checkpointing"] == row.checkpointing)]
        style = "-" if row.checkpointing else "--"
        label = f"{row.model}, {'with' if row.checkpointing else 'no'} checkpointing"
        ax.plot(group["n_frames"], group["peak_gib"], "o", color=colours[row.model])
        t = np.linspace(1, row.max_frames_16gib, 200)
        ax.plot(t, row.intercept_gib + row.mib_per_frame / 1024 * t, style,
                color=colours[row.model],
                label=f"{label}: {row.max_frames_16gib} frames")
    ax.axhline(BUDGET_GIB, color="k", lw=0.8)
    ax.set_xscale("log")
    ax.set_ylim(0, BUDGET_GIB * 1.1)
    ax.set_xlabel("run length (frames)")
    ax.set_ylabel("peak memory of a training step (GiB)")
    ax.set_title("base preset, batch 1, float32; lines: linear fits to 16 GiB", fontsize=9)
    ax.legend(fontsize=7, loc="lower right")
    save_figure(fig, output_file, dpi=150)
    plt.close(fig)


if __name__ == "__main__":
    main()
