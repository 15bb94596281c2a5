"""Speed and agreement of :class:`neurost.features.MotionEnergy` against pymoten.

The stimulus is scikit-image's tiny clip (:func:`neurost.datasets.load_sample_video`)
converted to luminance (CIE L*, 0-100, pymoten's formula), upsampled to
96 x 96 pixels and looped to 450 frames (30 s at 15 fps). Both
implementations use pymoten's default pyramid for that size (1,380
filters) and 2 CPU threads (``torch.set_num_threads(2)``; NumPy's BLAS is
limited through ``OMP_NUM_THREADS`` / ``OPENBLAS_NUM_THREADS`` /
``MKL_NUM_THREADS`` before it is imported).

Methods, run interleaved (one repeat of each in turn, after a warm-up),
keeping the best of ``REPEATS`` wall times:

- ``pymoten.project_stimulus``: the reference, one filter at a time;
- ``pymoten.project_stimulus_batched``: pymoten's own batched variant;
- ``neurost.MotionEnergy cpu float32`` / ``float64``;
- ``neurost.MotionEnergy cuda float32`` when a GPU is available.

Columns of the table: ``method``, ``n_frames``, ``size`` (height x width),
``seconds`` (best wall time of ``transform`` / ``project_stimulus``; the
pyramid is built beforehand), ``frames_per_second``, ``speedup`` (over
``pymoten.project_stimulus``) and ``max_rel_error`` (largest absolute
difference from the reference output, divided by the reference's range).
The table is printed and written to
``analyses/results/motion_energy_speed.tsv``.

Run with ``python analyses/benchmark_motion_energy.py``.
"""

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "2")
os.environ.setdefault("TQDM_DISABLE", "1")

import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402
from scipy.ndimage import zoom  # noqa: E402

import moten  # noqa: E402
from neurost.datasets import load_sample_video  # noqa: E402
from neurost.features.motion_energy import MotionEnergy, rgb_to_luminance  # noqa: E402
from neurost.io import atomic_write  # noqa: E402

SIZE = (96, 96)
FRAME_RATE = 15
N_FRAMES = 450
REPEATS = 3
RESULTS = Path(__file__).resolve().parent / "results" / "motion_energy_speed.tsv"


def stimulus():
    """(N_FRAMES, 96, 96) float32 luminance video from the sample clip."""
    clip = load_sample_video()
    luminance = rgb_to_luminance(clip.frames / 255.0)
    _, height, width = luminance.shape
    frames = zoom(luminance, (1, SIZE[0] / height, SIZE[1] / width), order=1)
    repeats = int(np.ceil(N_FRAMES / len(frames)))
    # Play the clip forwards then backwards so that the loop has no jump.
    loop = np.concatenate([frames, frames[::-1]])
    return np.tile(loop, (repeats, 1, 1))[:N_FRAMES].astype(np.float32)


def methods(video):
    """{name: callable returning the (n_frames, n_filters) features}."""
    pyramid = moten.get_default_pyramid(vhsize=SIZE, fps=FRAME_RATE)
    found = {
        "pymoten.project_stimulus": lambda: pyramid.project_stimulus(video),
        "pymoten.project_stimulus_batched": lambda: pyramid.project_stimulus_batched(video),
    }
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    for device in devices:
        for dtype in ("float32", "float64"):
            estimator = MotionEnergy(frame_rate=FRAME_RATE, device=device, dtype=dtype)
            estimator.fit(video)
            found[f"neurost.MotionEnergy {device} {dtype}"] = (
                lambda estimator=estimator: estimator.transform(video)
            )
    return found


def timed(function):
    """(seconds, result) of one call, waiting for any GPU work."""
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    start = time.perf_counter()
    result = function()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return time.perf_counter() - start, result


def main():
    torch.set_num_threads(2)
    video = stimulus()
    runs = methods(video)
    outputs = {name: timed(run)[1] for name, run in runs.items()}  # warm-up
    best = {name: np.inf for name in runs}
    for _ in range(REPEATS):
        for name, run in runs.items():
            best[name] = min(best[name], timed(run)[0])
    reference = np.asarray(outputs["pymoten.project_stimulus"], dtype=np.float64)
    scale = np.ptp(reference)
    base = best["pymoten.project_stimulus"]
    rows = [
        {
            "method": name,
            "n_frames": len(video),
            "size": f"{SIZE[0]}x{SIZE[1]}",
            "seconds": round(seconds, 4),
            "frames_per_second": round(len(video) / seconds, 1),
            "speedup": round(base / seconds, 1),
            "max_rel_error": float(
                f"{np.abs(np.asarray(outputs[name], np.float64) - reference).max() / scale:.3g}"
            ),
        }
        for name, seconds in best.items()
    ]
    table = pd.DataFrame(rows)
    print(f"{reference.shape[1]} filters, {torch.get_num_threads()} torch threads")
    print(table.to_string(index=False))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(RESULTS, overwrite=True) as path:
        table.to_csv(path, sep="\t", index=False)


if __name__ == "__main__":
    main()
