"""Which feature space drives each voxel? Banded ridge on motion energy and optical flow.

Stimulus: four runs of :func:`neurost.datasets.motion.make_motion_dataset`
(natural photographs moved by translations, rotations, expansions and
crossing objects; 64 x 64 greyscale frames at 12 frames per second, TR 2 s,
80 TRs per run, one random seed per run).

Features, computed per run by the same transformers and settings that the
encoder uses: motion energy (:class:`neurost.features.MotionEnergy`,
spatial frequencies 0, 2, 4, 8 cycles per image, pymoten's other defaults,
log-compressed, averaged per TR: 253 columns) and optical flow
(:class:`neurost.features.OpticalFlow`, DIS, three frame pairs per TR,
``(dx, dy)`` on an 8 x 8 grid averaged over the pairs: 128 columns).

Simulated voxels with a known driving space: each column is z-scored over
all runs; voxel ``v`` is driven by ``K = 10`` random columns of one space
(voxels 0-59: motion energy, 60-119: optical flow), with normal weights,
through a haemodynamic lag of 1 and 2 TRs (weights 0.6 and 0.4, within the
run); its signal is scaled to unit variance and Gaussian noise of standard
deviation ``NOISE`` is added.

Model: :class:`neurost.encoding.VideoEncoder` with both spaces, delays
1-4 TRs, fitted on the videos of runs 0-2 (banded ridge, penalties chosen
by leave-one-run-out cross-validation, 20 random-search iterations) and
evaluated on the held-out run 3.

Measured, on run 3, per group of voxels (rows ``motion_energy voxels``,
``optical_flow voxels``): ``joint_r`` (mean Pearson r of the joint
prediction), ``r_motion_energy`` / ``r_optical_flow`` (mean split
correlation of each space, ``VideoEncoder.split_scores(metric="r")``,
which sum to ``joint_r``), ``r2_motion_energy`` / ``r2_optical_flow``
(mean split R2, product measure) and ``recovered`` (fraction of voxels
whose largest split R2 is the space that drives them). Also the
``noise_ceiling_r``: mean correlation between each voxel's signal and its
noisy response on run 3. Wall time is printed.

Written to ``analyses/results/video_encoding.tsv``. Run with
``python analyses/video_encoding.py`` (about a minute on 2 CPU cores).
"""

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
os.environ.setdefault("TQDM_DISABLE", "1")

import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.model_selection import PredefinedSplit  # noqa: E402

from neurost.datasets.motion import make_motion_dataset  # noqa: E402
from neurost.encoding.video import VideoEncoder  # noqa: E402
from neurost.features import Delayer, MotionEnergy, OpticalFlow  # noqa: E402
from neurost.io.video import Video, to_luminance  # noqa: E402
from neurost.metrics import correlation_score  # noqa: E402

N_RUNS, N_TRS, T_R, FRAME_RATE = 4, 80, 2.0, 12.0
N_PER_SPACE, K, NOISE = 60, 10, 1.0
SPACES = ("motion_energy", "optical_flow")
FEATURE_PARAMS = {
    "motion_energy": {"spatial_frequencies": (0, 2, 4, 8), "device": "cpu"},
    "optical_flow": {"grid": (8, 8), "frames_per_tr": 3},
}
OUTPUT = Path(__file__).parent / "results" / "video_encoding.tsv"


def make_runs():
    return [
        Video(
            make_motion_dataset(
                n_trs=N_TRS, t_r=T_R, frame_rate=FRAME_RATE, image_size=64,
                n_voxels=1, random_state=seed,
            ).frames,
            FRAME_RATE,
        )
        for seed in range(N_RUNS)
    ]


def features(videos):
    """One dict {space: (N_TRS, n_columns)} per run, as the encoder computes them."""
    energy = MotionEnergy(frame_rate=FRAME_RATE, t_r=T_R, **FEATURE_PARAMS["motion_energy"])
    energy.fit(to_luminance(videos[0].frames))
    flow = OpticalFlow(frame_rate=FRAME_RATE, t_r=T_R, **FEATURE_PARAMS["optical_flow"])
    return [
        {
            "motion_energy": energy.transform(to_luminance(video.frames))[:N_TRS],
            "optical_flow": flow.transform(video).mean(axis=1).reshape(N_TRS, -1),
        }
        for video in videos
    ]


def simulate(blocks, rng):
    """Responses of voxels driven by one space each, and their noiseless signal."""
    signals = []
    for space in SPACES:
        stacked = np.vstack([block[space] for block in blocks]).astype(np.float64)
        mean, sd = stacked.mean(0), stacked.std(0) + 1e-12
        weights = np.zeros((stacked.shape[1], N_PER_SPACE))
        for voxel in range(N_PER_SPACE):
            chosen = rng.choice(stacked.shape[1], K, replace=False)
            weights[chosen, voxel] = rng.normal(size=K)
        lagged = [
            Delayer((1, 2)).fit_transform((block[space] - mean) / sd) for block in blocks
        ]
        signals.append(
            np.vstack([0.6 * d[:, : len(mean)] @ weights + 0.4 * d[:, len(mean):] @ weights
                       for d in lagged])
        )
    signal = np.hstack(signals)
    signal = (signal - signal.mean(0)) / signal.std(0)
    response = signal + NOISE * rng.normal(size=signal.shape)
    return np.split(signal, N_RUNS), np.split(response, N_RUNS)


def main():
    start = time.perf_counter()
    rng = np.random.default_rng(0)
    videos = make_runs()
    signals, responses = simulate(features(videos), rng)
    encoder = VideoEncoder(
        features=SPACES, t_r=T_R, delays=(1, 2, 3, 4), feature_params=FEATURE_PARAMS,
        cv=PredefinedSplit(np.repeat(np.arange(N_RUNS - 1), N_TRS)), n_iter=20,
        backend="numpy", random_state=0,
    )
    encoder.fit(videos[:-1], responses[:-1])
    test, truth = videos[-1], responses[-1]
    joint = correlation_score(truth, encoder.predict(test))
    split_r = encoder.split_scores(test, truth, metric="r")
    split_r2 = encoder.split_scores(test, truth, metric="r2")
    ceiling = correlation_score(truth, signals[-1])
    rows = []
    for index, space in enumerate(SPACES):
        voxels = slice(index * N_PER_SPACE, (index + 1) * N_PER_SPACE)
        rows.append(
            {
                "voxels": f"{space} voxels",
                "n_voxels": N_PER_SPACE,
                "joint_r": joint[voxels].mean(),
                **{f"r_{name}": split_r[k, voxels].mean() for k, name in enumerate(SPACES)},
                **{f"r2_{name}": split_r2[k, voxels].mean() for k, name in enumerate(SPACES)},
                "recovered": (split_r2[:, voxels].argmax(axis=0) == index).mean(),
                "noise_ceiling_r": ceiling[voxels].mean(),
            }
        )
    table = pd.DataFrame(rows)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(OUTPUT, sep="\t", index=False, float_format="%.4f")
    print(table.to_string(index=False, float_format="%.3f"))
    print(
        f"\ncolumns per space: {encoder.n_features_per_space_}; "
        f"wall time {time.perf_counter() - start:.0f} s; written to {OUTPUT}"
    )


if __name__ == "__main__":
    main()
