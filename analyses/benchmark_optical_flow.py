"""Speed of :class:`neurost.features.flow.OpticalFlow` per method and preset.

The video is a real image in motion: scikit-image's ``astronaut``
(512 x 512 RGB) turned by 0.5 degree and shifted by (1, 2) px per frame
about its centre, the central ``SIZE`` x ``SIZE`` pixels kept, at 30 frames
per second. ``OpticalFlow`` runs with its defaults (3 frame pairs per TR,
32 x 32 grid) and a TR of 2 s.

Columns:

- ``size``: frame height and width in pixels;
- ``pairs_per_s``: frame pairs whose flow was computed and pooled, per
  second (each pair is one full-resolution flow field);
- ``video_frames_per_s``: frames of video covered per second: how many
  frames of a movie the transformer gets through per second when it reads
  ``frames_per_tr`` pairs per TR (30 fps x 2 s = 60 frames per TR);
- ``realtime_factor``: seconds of video per second of computation.

Timings are the best of ``REPEATS`` runs in one process (frames already in
memory; loading and decoding the video are not counted). The machine is
shared with other work, so they are indicative. Run with
``python analyses/benchmark_optical_flow.py``; the table is printed and
written to ``analyses/results/optical_flow_speed.tsv``.
"""

import time
from pathlib import Path

import cv2
import numpy as np
from skimage import data

from neurost.features.flow import OpticalFlow
from neurost.io import atomic_write
from neurost.io.video import Video

RESULTS = Path(__file__).resolve().parent / "results" / "optical_flow_speed.tsv"
FRAME_RATE = 30.0
T_R = 2.0
N_TRS = 4
SIZES = (256, 512)
METHODS = [
    ("dis", "ultrafast"),
    ("dis", "fast"),
    ("dis", "medium"),
    ("farneback", "medium"),
]
REPEATS = 2


def moving_image(size):
    """A (n_frames, size, size, 3) uint8 video of the astronaut in motion."""
    image = data.astronaut()
    height, width = image.shape[:2]
    n_frames = int(N_TRS * T_R * FRAME_RATE)
    frames = []
    for k in range(n_frames):
        matrix = cv2.getRotationMatrix2D((width / 2, height / 2), 0.5 * k, 1.0)
        matrix[:, 2] += (1.0 * k, 2.0 * k)
        moved = cv2.warpAffine(image, matrix, (width, height), borderMode=cv2.BORDER_REFLECT)
        top, left = (height - size) // 2, (width - size) // 2
        frames.append(moved[top : top + size, left : left + size])
    return Video(np.stack(frames), FRAME_RATE)


def main():
    rows = []
    for size in SIZES:
        video = moving_image(size)
        for method, preset in METHODS:
            transformer = OpticalFlow(method=method, preset=preset, t_r=T_R).fit()
            best = np.inf
            for _ in range(REPEATS):
                start = time.perf_counter()
                flow = transformer.transform(video)
                best = min(best, time.perf_counter() - start)
            n_pairs = flow.shape[0] * flow.shape[1]
            rows.append(
                [
                    method,
                    preset if method == "dis" else "-",
                    str(size),
                    f"{n_pairs / best:.1f}",
                    f"{video.n_frames / best:.1f}",
                    f"{video.duration / best:.1f}",
                ]
            )
    header = ["method", "preset", "size", "pairs_per_s", "video_frames_per_s", "realtime_factor"]
    table = "\n".join("\t".join(row) for row in [header] + rows) + "\n"
    print(table, end="")
    RESULTS.parent.mkdir(exist_ok=True)
    with atomic_write(RESULTS, overwrite=True) as path:
        path.write_text(table)


if __name__ == "__main__":
    main()
