"""Accuracy of neurost's optical flow against a ground truth: a stereo pair.

scikit-image ships the Middlebury "motorcycle" stereo pair with its
ground-truth disparity (``skimage.data.stereo_motorcycle()``: two 500 x 741
RGB images and a float32 disparity map). In a rectified stereo pair the
point at column ``x`` of the left image is at column ``x - d`` of the right
image, so the flow from left to right, in neurost's (OpenCV's) convention
``right[y + dy, x + dx] ~= left[y, x]``, is ``(dx, dy) = (-d, 0)`` (the sign
was checked: the median of ``dx + d`` over the valid pixels is about 0 for
DIS). The true displacements run from 7 to 60 px (median 39 px): a
large-motion test.

Pixels are left out of every score where the disparity is not finite (the
dataset marks occluded and unknown pixels with ``inf``: 7.3% of them), and
where ``x - d`` falls outside the right image.

For :func:`neurost.features.flow.compute_flow` with each DIS preset and
with Farneback, the table gives

- ``epe_px``: mean end-point error (px) over the valid pixels;
- ``epe_large_px``: the same over the pixels whose true motion is at least
  ``LARGE`` px (thresholded EPE, :func:`neurost.metrics.flow.endpoint_error`
  with ``min_magnitude``);
- ``bad_3px_percent``: percent of the valid pixels with an error above 3 px;
- ``seconds``: median wall time of ``REPEATS`` runs on this machine (shared
  with other work; timings are indicative).

Run with ``python analyses/flow_accuracy.py``; the table is printed and
written to ``analyses/results/flow_accuracy.tsv``.
"""

import time
from pathlib import Path

import numpy as np
from skimage import data

from neurost.features.flow import compute_flow
from neurost.io import atomic_write
from neurost.metrics.flow import endpoint_error

RESULTS = Path(__file__).resolve().parent / "results" / "flow_accuracy.tsv"
METHODS = [
    ("dis", "ultrafast"),
    ("dis", "fast"),
    ("dis", "medium"),
    ("farneback", "medium"),
]
LARGE = 40.0
REPEATS = 3


def ground_truth():
    """Left and right images, true flow (H, W, 2) in px, and the valid mask."""
    left, right, disparity = data.stereo_motorcycle()
    columns = np.arange(disparity.shape[1])[None, :]
    finite = np.isfinite(disparity)
    valid = finite & (columns - np.where(finite, disparity, 0.0) >= 0)
    flow = np.zeros(disparity.shape + (2,), dtype=np.float64)
    flow[..., 0] = -np.where(finite, disparity, 0.0)
    return left, right, flow, valid


def main():
    left, right, true, valid = ground_truth()
    rows = []
    for method, preset in METHODS:
        times = []
        for _ in range(REPEATS):
            start = time.perf_counter()
            predicted = compute_flow(left, right, method=method, preset=preset)
            times.append(time.perf_counter() - start)
        errors = endpoint_error(true[valid], predicted[valid], reduce="none")
        rows.append(
            {
                "method": method,
                "preset": preset if method == "dis" else "-",
                "epe_px": float(errors.mean()),
                "epe_large_px": endpoint_error(
                    true[valid], predicted[valid], min_magnitude=LARGE
                ),
                "bad_3px_percent": float(100 * (errors > 3).mean()),
                "seconds": float(np.median(times)),
            }
        )
    header = list(rows[0])
    lines = ["\t".join(header)]
    for row in rows:
        lines.append(
            "\t".join(
                f"{row[key]:.3f}" if isinstance(row[key], float) else row[key]
                for key in header
            )
        )
    table = "\n".join(lines) + "\n"
    print(
        f"stereo_motorcycle: {left.shape[0]} x {left.shape[1]} px, "
        f"{valid.mean():.1%} valid pixels, {(np.abs(true[..., 0][valid]) >= LARGE).mean():.1%}"
        f" with motion >= {LARGE:g} px"
    )
    print(table, end="")
    RESULTS.parent.mkdir(exist_ok=True)
    with atomic_write(RESULTS, overwrite=True) as path:
        path.write_text(table)


if __name__ == "__main__":
    main()
