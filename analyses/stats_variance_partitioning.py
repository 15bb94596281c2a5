"""Does variance partitioning recover known unique contributions of motion energy and flow?

No simulator of neurost has voxels with known unique contributions of two
feature spaces (:func:`neurost.datasets.motion.make_motion_dataset` has
voxels tuned to the flow, not shares of two spaces), so the ground truth is
built here from the public API, on the stimulus of
``analyses/video_encoding.py``.

Stimulus: ``N_RUNS`` runs of :func:`neurost.datasets.motion.make_motion_dataset`
(natural photographs moved by translations, rotations, expansions and
crossing objects; 64 x 64 frames at 12 frames per second, TR 2 s, ``N_TRS``
TRs per run, one seed per run).

Features, computed once per run with the settings that the encoder uses:
motion energy (:class:`neurost.features.MotionEnergy`, spatial frequencies
0, 2, 4, 8 cycles per image, log-compressed, averaged per TR: 253 columns)
and optical flow (:class:`neurost.features.OpticalFlow`, DIS, three frame
pairs per TR, ``(dx, dy)`` on an 8 x 8 grid: 128 columns). Each column is
z-scored within its run, as fMRI features usually are: the videos differ
in their overall motion energy, and a level that changes from run to run
would otherwise give the motion-energy voxels a run-specific mean that
only motion energy predicts.

Simulated voxels, four groups of ``N_PER_GROUP``: driven by motion energy
only, by optical flow only, by both, or by neither. A space's signal for a
voxel is ``K = 10`` random columns of the space with normal weights,
through a haemodynamic lag of 1 and 2 TRs (weights 0.6 and 0.4, within
the run), z-scored over all TRs; in the "both" group
the flow signal is first made uncorrelated with the motion-energy signal
(over all TRs, Gram-Schmidt), so that the shares add exactly. Voxel
response ``= sqrt(a) s_me + sqrt(b) s_flow + sqrt(1 - a - b) noise``
(Gaussian), with the known variance shares ``(a, b)`` of ``SHARES``
(``share_me``, ``share_flow``): by design, motion energy contributes ``a``
of the variance and flow ``b``. The design is not the whole truth of the
set-theoretic partition, because the two spaces' features are themselves
correlated (both follow the motion): a signal built from flow columns can
be partly predictable from motion energy, which is variance *shared* by
the spaces. The ``oracle_*`` columns give that reference: the same
partition computed on the noiseless signals (the R2 of each part, times
the signal's share ``a + b`` of the response variance), free of noise but
not of the finite training data.

Model: :func:`neurost.stats.partitioning.variance_partitioning` of a
:class:`neurost.encoding.VideoEncoder` on the precomputed features, delays
1 and 2 TRs (those of the simulation), penalties by leave-one-run-out
cross-validation, 20 random-search iterations, fitted on runs 0 to
``N_RUNS - 2`` and scored (R2) on the last run. Three models are fitted:
motion energy alone, flow alone, both.

Measured, mean over each group's voxels: ``oracle_*`` and ``est_*`` (from
the noisy responses) for the unique motion-energy, unique flow and shared
variance, each as a fraction of the test variance; ``est_joint``, the sum
of the parts (the joint model's R2, true value ``a + b``);
``product_me`` / ``product_flow``, the product measure of the joint model
(``himalaya.scoring.r2_score_split``); ``negative``, the fraction of the
group's (voxel, part) estimates below 0 (left unclipped, see
``variance_partitioning``). Estimates fall short of the shares because the
models are fitted on finite, noisy data.

Written to ``analyses/results/stats_variance_partitioning.tsv``. Run with
``python analyses/stats_variance_partitioning.py`` (about two minutes on 2
CPU cores).
"""

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "2")
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
from neurost.stats.partitioning import variance_partitioning  # noqa: E402

N_RUNS, N_TRS, T_R, FRAME_RATE = 6, 80, 2.0, 12.0
N_PER_GROUP, K = 30, 10
#: Known variance shares (motion energy, optical flow) of each group's voxels.
SHARES = {
    "motion_energy only": (0.6, 0.0),
    "optical_flow only": (0.0, 0.6),
    "both": (0.3, 0.3),
    "neither": (0.0, 0.0),
}
SPACES = ("motion_energy", "optical_flow")
OUTPUT = Path(__file__).parent / "results" / "stats_variance_partitioning.tsv"


def features():
    """One dict {space: (N_TRS, n_columns)} per run, as the encoder computes them."""
    videos = [
        Video(
            make_motion_dataset(
                n_trs=N_TRS, t_r=T_R, frame_rate=FRAME_RATE, image_size=64,
                n_voxels=1, random_state=seed,
            ).frames,
            FRAME_RATE,
        )
        for seed in range(N_RUNS)
    ]
    energy = MotionEnergy(
        frame_rate=FRAME_RATE, t_r=T_R, spatial_frequencies=(0, 2, 4, 8), device="cpu"
    ).fit(to_luminance(videos[0].frames))
    flow = OpticalFlow(frame_rate=FRAME_RATE, t_r=T_R, grid=(8, 8), frames_per_tr=3)
    return [
        {
            "motion_energy": energy.transform(to_luminance(video.frames))[:N_TRS],
            "optical_flow": flow.transform(video).mean(axis=1).reshape(N_TRS, -1),
        }
        for video in videos
    ]


def _zscore(values):
    return (values - values.mean(0)) / values.std(0)


def within_run(blocks):
    """Each run's feature columns z-scored within the run (constant columns set to 0)."""
    return [
        {space: (v - v.mean(0)) / np.where(v.std(0) > 0, v.std(0), 1) for space, v in block.items()}
        for block in ({k: np.asarray(v, np.float64) for k, v in b.items()} for b in blocks)
    ]


def space_signals(blocks, space, n_voxels, rng):
    """(all TRs, n_voxels): K random columns of ``space`` through lags 1 and 2 TRs."""
    n = blocks[0][space].shape[1]
    weights = np.zeros((n, n_voxels))
    for voxel in range(n_voxels):
        weights[rng.choice(n, K, replace=False), voxel] = rng.normal(size=K)
    lagged = [Delayer((1, 2)).fit_transform(block[space]) for block in blocks]
    return _zscore(np.vstack([(0.6 * d[:, :n] + 0.4 * d[:, n:]) @ weights for d in lagged]))


def simulate(blocks, rng):
    n_voxels = N_PER_GROUP * len(SHARES)
    energy = space_signals(blocks, "motion_energy", n_voxels, rng)
    flow = space_signals(blocks, "optical_flow", n_voxels, rng)
    # flow made uncorrelated with motion energy, voxel by voxel, over all TRs
    flow = _zscore(flow - energy * (energy * flow).mean(0))
    a, b = (np.repeat([share[k] for share in SHARES.values()], N_PER_GROUP) for k in (0, 1))
    noise = rng.normal(size=energy.shape)
    signals = np.sqrt(a) * energy + np.sqrt(b) * flow
    responses = signals + np.sqrt(1 - a - b) * noise
    return np.split(signals, N_RUNS), np.split(responses, N_RUNS)


def main():
    start = time.perf_counter()
    rng = np.random.default_rng(0)
    blocks = within_run(features())
    signals, responses = simulate(blocks, rng)
    encoder = VideoEncoder(
        t_r=T_R, delays=(1, 2), cv=PredefinedSplit(np.repeat(np.arange(N_RUNS - 1), N_TRS)),
        n_iter=20, backend="numpy", random_state=0,
    )
    result = variance_partitioning(
        encoder, blocks[:-1], responses[:-1], blocks[-1], responses[-1], spaces=SPACES
    )
    # the same partition of the noiseless signals (voxels with a signal)
    driven = N_PER_GROUP * (len(SHARES) - 1)
    oracle = variance_partitioning(
        encoder, blocks[:-1], [s[:, :driven] for s in signals[:-1]], blocks[-1],
        signals[-1][:, :driven], spaces=SPACES,
    ).partition
    parts = result.partition
    rows = []
    for index, (group, (a, b)) in enumerate(SHARES.items()):
        voxels = slice(index * N_PER_GROUP, (index + 1) * N_PER_GROUP)
        estimated = parts.iloc[voxels].mean()
        # R2 of the signal times its share of the response variance
        noiseless = oracle.iloc[voxels].mean() * (a + b) if a + b else 0 * estimated
        rows.append(
            {
                "voxels": group,
                "n_voxels": N_PER_GROUP,
                "share_me": a,
                "share_flow": b,
                **{
                    f"{kind}_{name}": values[column]
                    for column, name in zip(parts.columns, ("unique_me", "unique_flow", "shared"))
                    for kind, values in (("oracle", noiseless), ("est", estimated))
                },
                "est_joint": estimated.sum(),
                "product_me": result.product["motion_energy"].iloc[voxels].mean(),
                "product_flow": result.product["optical_flow"].iloc[voxels].mean(),
                "negative": float((parts.iloc[voxels] < 0).to_numpy().mean()),
            }
        )
    table = pd.DataFrame(rows)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(OUTPUT, sep="\t", index=False, float_format="%.4f")
    print(table.to_string(index=False, float_format="%.3f"))
    print(
        f"\n{N_RUNS - 1} training runs and 1 test run of {N_TRS} TRs; "
        f"wall time {time.perf_counter() - start:.0f} s; written to {OUTPUT}"
    )


if __name__ == "__main__":
    main()
