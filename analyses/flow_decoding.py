"""Decoding optical flow from simulated fMRI: FlowDecoder against two baselines.

Data: :func:`neurost.datasets.motion.make_motion_dataset` with ``N_TRS``
TRs of 2 s (a 64 x 64 greyscale video at 6 Hz of photographs translating,
rotating, expanding or crossed by a moving object, in regimes of 2-4
TRs), its exact optical flow pooled on an 8 x 8 grid for 3 frame pairs per
TR (grid cells per frame), and ``N_VOXELS`` voxels tuned to motion
direction and speed within Gaussian receptive fields, convolved with the
canonical HRF, plus noise of sd 0.5 relative to the unit-variance signal.

Split: the first 80 % of the TRs train, the last 20 % test (one contiguous
block). Windows of 5 TRs (i-2 .. i+2) are made within each block, so no
test window contains a training TR; the test scores cover the test TRs
whose window fits in the block.

Decoders, all fitted on the training block only:

- ``codebook``: :class:`neurost.decoding.FlowDecoder` in codebook mode
  (k-means codebook of 40 flow vectors, MLP + residual 1 x 1 conv blocks,
  per-cell cross-entropy, probability-weighted codebook sum), with the
  hyper-parameters in ``CODEBOOK``;
- ``regression``: FlowDecoder in regression mode (ridge, one alpha per
  flow value by 5-fold cross-validation);
- ``mean_flow``: the mean training flow field for every TR (no brain);
- ``shuffled_<mode>``: the same decoder trained with the training windows
  paired with shuffled flows (:func:`neurost.decoding.shuffled_brain_baseline`).

Scores on the test TRs (grid cells per frame; :mod:`neurost.metrics.flow`):
``epe`` the mean end-point error over all cells and frame pairs,
``epe_moving`` the same over cells whose true flow is at least
``MIN_MAGNITUDE`` (thresholded EPE), ``angular_deg`` the mean angle
between true and decoded directions over those cells, and ``seconds`` the
fit + predict wall time on this machine (one thread, shared; indicative
only).

Run with ``python analyses/flow_decoding.py``; the table is printed and
written to ``analyses/results/flow_decoding.tsv``, and the figure
(true vs decoded flow of test TRs, and EPE per test TR) to
``analyses/results/flow_decoding.png`` / ``.pdf``.
"""

import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from neurost.datasets.motion import make_motion_dataset  # noqa: E402
from neurost.decoding.flow_decoder import (  # noqa: E402
    FlowDecoder,
    mean_flow_baseline,
    shuffled_brain_baseline,
)
from neurost.decoding.windows import make_windows  # noqa: E402
from neurost.io import atomic_write  # noqa: E402
from neurost.metrics.flow import angular_error, endpoint_error  # noqa: E402
from neurost.plotting import save_figure  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
N_TRS = 1000
N_VOXELS = 100
TRAIN_FRACTION = 0.8
MIN_MAGNITUDE = 0.05  # grid cells per frame (0.4 px per frame)
SEED = 0
CODEBOOK = dict(
    mode="codebook", n_codes=40, hidden=64, n_blocks=3, dropout=0.3, max_epochs=40,
    batch_size=16, lr=3e-3, patience=10, device="cpu",
)
REGRESSION = dict(mode="regression")


def scores(true, decoded):
    return {
        "epe": endpoint_error(true, decoded),
        "epe_moving": endpoint_error(true, decoded, min_magnitude=MIN_MAGNITUDE),
        "angular_deg": angular_error(true, decoded, min_magnitude=MIN_MAGNITUDE),
    }


def main():
    data = make_motion_dataset(n_trs=N_TRS, n_voxels=N_VOXELS, random_state=SEED)
    n_train = int(TRAIN_FRACTION * N_TRS)
    X_train, Y_train = data.bold[:n_train], data.flow_per_tr[:n_train]
    X_test = data.bold[n_train:]
    _, rows = make_windows(X_test)
    Y_test = data.flow_per_tr[n_train:][rows]

    decoded, rows_out = {}, []
    start = time.perf_counter()
    decoded["mean_flow"] = mean_flow_baseline(Y_train, len(Y_test))
    seconds = {"mean_flow": time.perf_counter() - start}
    for name, params in (("codebook", CODEBOOK), ("regression", REGRESSION)):
        decoder = FlowDecoder(random_state=SEED, **params)
        start = time.perf_counter()
        decoded[name] = decoder.fit(X_train, Y_train).predict(X_test)
        seconds[name] = time.perf_counter() - start
        start = time.perf_counter()
        decoded[f"shuffled_{name}"] = shuffled_brain_baseline(
            decoder, X_train, Y_train, X_test, random_state=SEED
        )
        seconds[f"shuffled_{name}"] = time.perf_counter() - start
    for name in ("codebook", "regression", "mean_flow", "shuffled_codebook",
                 "shuffled_regression"):
        rows_out.append({"decoder": name, **scores(Y_test, decoded[name]),
                         "seconds": seconds[name]})

    header = list(rows_out[0])
    lines = ["\t".join(header)]
    for row in rows_out:
        lines.append("\t".join(
            f"{row[key]:.4f}" if isinstance(row[key], float) else row[key] for key in header
        ))
    table = "\n".join(lines) + "\n"
    moving = np.linalg.norm(Y_test, axis=-1) >= MIN_MAGNITUDE
    print(
        f"{N_TRS} TRs ({n_train} train, {N_TRS - n_train} test, {len(Y_test)} test windows), "
        f"{N_VOXELS} voxels; mean true speed {np.linalg.norm(Y_test, axis=-1).mean():.3f} "
        f"grid cells/frame, {moving.mean():.1%} of test cells >= {MIN_MAGNITUDE}"
    )
    print(table, end="")
    RESULTS.mkdir(exist_ok=True)
    with atomic_write(RESULTS / "flow_decoding.tsv", overwrite=True) as path:
        path.write_text(table)
    figure(Y_test, decoded, rows + n_train)


def figure(Y_test, decoded, trs):
    """True vs decoded flow (first frame pair) of three test TRs, and EPE per TR."""
    shown = np.linspace(0, len(Y_test) - 1, 3).astype(int)
    names = ["true", "codebook", "regression", "mean_flow"]
    fields = {"true": Y_test, **decoded}
    fig, axes = plt.subplots(len(shown) + 1, len(names), figsize=(9, 10.5),
                             layout="constrained")
    grid_h, grid_w = Y_test.shape[2:4]
    ys, xs = np.mgrid[0:grid_h, 0:grid_w]
    scale = np.percentile(np.linalg.norm(Y_test, axis=-1), 95)
    for i, j in enumerate(shown):
        for k, name in enumerate(names):
            ax = axes[i, k]
            flow = fields[name][j, 0]
            speed = np.linalg.norm(flow, axis=-1)
            image = ax.imshow(speed, cmap="magma", vmin=0, vmax=scale)
            ax.quiver(xs, ys, flow[..., 0], -flow[..., 1], color="cyan",
                      angles="xy", scale_units="xy", scale=scale)
            ax.set_xticks([])
            ax.set_yticks([])
            if i == 0:
                ax.set_title(name.replace("_", " "))
            if k == 0:
                ax.set_ylabel(f"test TR {trs[j]}")
    fig.colorbar(image, ax=axes[: len(shown)].ravel().tolist(), shrink=0.6,
                 label="speed (grid cells / frame)")
    ax = fig.add_subplot(axes[-1, 0].get_gridspec()[-1, :])
    for k in range(len(names)):
        axes[-1, k].remove()
    for name in ("codebook", "regression", "mean_flow", "shuffled_codebook"):
        per_tr = endpoint_error(Y_test, decoded[name], reduce="none").mean(axis=(1, 2, 3))
        ax.plot(trs, per_tr, label=name.replace("_", " "), lw=1)
    ax.set_xlabel("test TR")
    ax.set_ylabel("EPE (grid cells / frame)")
    ax.legend(frameon=False, ncol=4, fontsize="small")
    save_figure(fig, RESULTS / "flow_decoding.png")
    plt.close(fig)


if __name__ == "__main__":
    # one thread: on a small shared machine, BLAS and torch threads that
    # wait on each other are many times slower than one
    torch.set_num_threads(1)
    with threadpool_limits(1):
        main()
