"""Demo section: optical flow of a video, flow decoded from fMRI, motion tuning."""

import numpy as np

from ._demo_figures import add_figure

#: Frame pairs of the shipped clip drawn (first frames; those that move most).
FLOW_PAIRS = (1, 6, 22)
#: Upsampling of the 25 x 14-pixel clip before optical flow (DIS needs patches).
UPSAMPLING = 4
#: Decoding experiment: TRs, training TRs, voxels, noise sd.
DECODING_TRS, DECODING_TRAIN, DECODING_VOXELS, DECODING_NOISE = 300, 240, 100, 0.5
#: Cells whose true flow is at least this (grid cells per frame) count as moving.
MIN_MAGNITUDE = 0.05
#: Tuning experiment: TRs, training TRs, voxels, noise sd, frame rate (Hz).
TUNING_TRS, TUNING_TRAIN, TUNING_VOXELS, TUNING_NOISE, TUNING_RATE = 240, 180, 60, 0.3, 12.0
#: Voxels whose test r is below this are not drawn on the cortex.
MIN_R = 0.3
#: HCP MMP 1.0 areas of the MT+ complex, where the simulated voxels are drawn.
MT_AREAS = ("MT", "MST", "FST", "V4t")
SEED = 0


def video_flow(report, out_dir, log):
    """Optical flow of the shipped clip, flow decoded from fMRI, motion tuning on cortex."""
    import torch
    from threadpoolctl import threadpool_limits

    section = report.add_section(
        "Video: optical flow, decoding and motion tuning",
        "Three steps of a video analysis on offline data. (1) Dense optical "
        "flow (OpenCV DIS, compute_flow) of the animated GIF that "
        f"scikit-image ships (24 frames of 25 x 14 pixels at 14.3 Hz, "
        f"upsampled {UPSAMPLING}x bilinearly so that DIS has patches to "
        "match). (2) Optical flow decoded from simulated fMRI "
        f"(make_motion_dataset: {DECODING_TRS} TRs of 2 s of photographs "
        "translating, rotating, expanding or crossed by a moving object, "
        "exact flow on an 8 x 8 grid for 3 frame pairs per TR, "
        f"{DECODING_VOXELS} voxels tuned to motion direction and speed in "
        "Gaussian receptive fields, convolved with the canonical HRF, noise "
        f"sd {DECODING_NOISE:g}): FlowDecoder in ridge regression mode on "
        "windows of 5 TRs, trained on the first "
        f"{DECODING_TRAIN} TRs and tested on the rest, against the mean "
        "training flow and the same decoder trained with shuffled flows. "
        "(3) Motion tuning recovered by an encoding model: a VideoEncoder on "
        "motion-energy features (MotionEnergy, spatial frequencies 0, 2, 4 "
        "cycles per image, delays 1-3 TRs) fitted to simulated voxels of "
        f"translating scenes ({TUNING_TRS} TRs at {TUNING_RATE:g} Hz, "
        f"{TUNING_VOXELS} voxels, noise sd {TUNING_NOISE:g}); each voxel's "
        "preferred direction (VideoEncoder.preferred_direction) is the "
        "circular mean of the filters' preferred directions weighted by their "
        "positive weights (summed over delays). "
        "The cortical map is illustrative: the voxels are simulated, and "
        "each is drawn as a patch of the HCP MMP 1.0 MT+ complex (MT, MST, "
        "FST, V4t) of the hemisphere opposite its receptive field. "
        "Computations use one thread.",
    )
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1):
            _clip_flow(section, out_dir, log)
            _decoding(section, out_dir, log)
            _tuning(section, out_dir, log)
    finally:
        torch.set_num_threads(threads)


def _clip_flow(section, out_dir, log):
    """Flow of a few frame pairs of the shipped clip, side by side in one panel."""
    from ..datasets import load_sample_video
    from ..features import compute_flow
    from ..io.video import load_video, resample_video
    from ..plotting import plot_flow

    log("optical flow of the sample video")
    clip = load_video(load_sample_video())
    height, width = clip.frames.shape[1:3]
    video = resample_video(clip, size=(UPSAMPLING * height, UPSAMPLING * width))
    gap = UPSAMPLING  # white columns between the pairs
    frames, fields = [], []
    for start in FLOW_PAIRS:
        fields.append(compute_flow(video.frames[start], video.frames[start + 1]))
        frames.append(video.frames[start])
        fields.append(np.zeros((fields[-1].shape[0], gap, 2), np.float32))
        frames.append(np.full((frames[-1].shape[0], gap, 3), 255, np.uint8))
    fig, _ = plot_flow(
        np.concatenate(fields[:-1], axis=1), np.concatenate(frames[:-1], axis=1),
        kind="both", alpha=0.6, step=UPSAMPLING * 2,
        units=f"pixels per frame ({UPSAMPLING}x upsampled)",
        title="frames " + ", ".join(f"{k}→{k + 1}" for k in FLOW_PAIRS),
    )
    add_figure(
        section, fig, out_dir, "video_flow",
        "Optical flow (DIS) of three frame pairs of scikit-image's animated "
        "GIF over their first frame: colour is the direction (wheel), "
        "saturation and arrow length the speed",
    )


def _decoding(section, out_dir, log):
    """FlowDecoder (ridge) against the mean-flow and shuffled-brain baselines."""
    import pandas as pd

    from ..datasets import make_motion_dataset
    from ..decoding import FlowDecoder, make_windows, mean_flow_baseline, shuffled_brain_baseline
    from ..metrics import angular_error, endpoint_error
    from ..plotting import plot_flow_comparison

    log("simulating the motion experiment and decoding its flow")
    data = make_motion_dataset(
        n_trs=DECODING_TRS, n_voxels=DECODING_VOXELS, noise=DECODING_NOISE,
        random_state=SEED,
    )
    X_train, Y_train = data.bold[:DECODING_TRAIN], data.flow_per_tr[:DECODING_TRAIN]
    X_test = data.bold[DECODING_TRAIN:]
    _, rows = make_windows(X_test)
    Y_test = data.flow_per_tr[DECODING_TRAIN:][rows]
    decoder = FlowDecoder(mode="regression", random_state=SEED)
    decoded = {
        "FlowDecoder (ridge)": decoder.fit(X_train, Y_train).predict(X_test),
        "mean training flow": mean_flow_baseline(Y_train, len(Y_test)),
        "shuffled brain": shuffled_brain_baseline(
            decoder, X_train, Y_train, X_test, random_state=SEED
        ),
    }
    section.tables.append(pd.DataFrame(
        [
            {
                "decoder": name,
                "EPE (grid cells/frame)": endpoint_error(Y_test, flow),
                f"EPE moving cells (>= {MIN_MAGNITUDE})": endpoint_error(
                    Y_test, flow, min_magnitude=MIN_MAGNITUDE
                ),
                "angular error moving cells (deg)": angular_error(
                    Y_test, flow, min_magnitude=MIN_MAGNITUDE
                ),
            }
            for name, flow in decoded.items()
        ]
    ).round(3))
    speed = np.linalg.norm(Y_test[:, 0], axis=-1).mean(axis=(1, 2))
    shown = np.sort(np.argsort(speed)[-4:])
    fig, axes = plot_flow_comparison(
        Y_test, decoded["FlowDecoder (ridge)"], times=shown, t_r=data.t_r,
        kind="both", title="True vs decoded flow of held-out TRs (first frame pair)",
    )
    for ax, index in zip(axes[0], shown):
        ax.set_title(ax.get_title().replace(
            f"{index * data.t_r:g} s", f"{(index + rows[0] + DECODING_TRAIN) * data.t_r:g} s"
        ), fontsize=ax.title.get_fontsize())
    add_figure(
        section, fig, out_dir, "video_decoded_flow",
        "True (top) and decoded (bottom) 8 x 8 flow of the four held-out TRs "
        "that move most, with each TR's end-point error (grid cells per frame)",
    )


def _tuning(section, out_dir, log):
    """Preferred directions from motion-energy weights, drawn on MT+."""
    import pandas as pd

    from ..atlases import load_atlas
    from ..datasets import make_motion_dataset
    from ..encoding import VideoEncoder
    from ..io.video import Video
    from ..metrics import correlation_score
    from ..plotting import plot_motion_tuning_on_cortex

    log("fitting a motion-energy encoding model")
    data = make_motion_dataset(
        n_trs=TUNING_TRS, frame_rate=TUNING_RATE, n_voxels=TUNING_VOXELS,
        noise=TUNING_NOISE, motions=("translation",), random_state=SEED + 1,
    )
    split = int(TUNING_TRAIN * data.t_r * TUNING_RATE)
    encoder = VideoEncoder(
        features=("motion_energy",), t_r=data.t_r, delays=(1, 2, 3),
        feature_params={"motion_energy": {"spatial_frequencies": (0, 2, 4), "device": "cpu"}},
        backend="numpy", random_state=SEED,
    ).fit(Video(data.frames[:split], TUNING_RATE), data.bold[:TUNING_TRAIN])
    predicted = encoder.predict(Video(data.frames[split:], TUNING_RATE))
    r = correlation_score(data.bold[TUNING_TRAIN:], predicted)

    estimated = encoder.preferred_direction()
    # the simulator's directions are in image coordinates (90 = down)
    true = -data.voxels["preferred_direction"].to_numpy() % 360
    error = np.abs((estimated - true + 180) % 360 - 180)
    good = r >= MIN_R
    section.tables.append(pd.DataFrame(
        [
            {
                "voxels": len(r),
                f"drawn (test r >= {MIN_R:g})": int(good.sum()),
                "mean test r": r.mean(),
                "median direction error, all (deg)": np.median(error),
                "median direction error, drawn (deg)": np.median(error[good]),
                "chance median error (deg)": 90.0,
            }
        ]
    ).round(3))

    log("drawing the motion tuning on the cortex")
    atlas = load_atlas("mmp1")
    values = _on_mt(atlas, np.where(good, estimated, np.nan), data.voxels)
    figures = plot_motion_tuning_on_cortex(
        values, atlas, surface="flat",
        title="Preferred direction per simulated voxel (illustrative placement on MT+)",
    )
    add_figure(
        section, figures["direction"][0], out_dir, "video_motion_tuning_on_cortex",
        "Preferred direction of motion recovered from the motion-energy "
        "weights of each simulated voxel (test r >= "
        f"{MIN_R:g}), each drawn as a patch of MT, MST, FST and V4t "
        "opposite its receptive field (illustrative placement)",
    )


def _on_mt(atlas, values, voxels):
    """Per-vertex map: each voxel fills the MT+ vertices nearest its seed vertex.

    Voxels whose receptive field lies in the left half of the grid go to the
    right hemisphere and vice versa; within a hemisphere each voxel gets a
    random seed vertex of MT+ and the vertices nearest to it on the flat map.
    """
    from scipy.spatial import cKDTree

    rng = np.random.default_rng(SEED)
    mesh = atlas.mesh("flat")
    table = atlas.table
    centre = (voxels["rf_column"].max() + voxels["rf_column"].min()) / 2
    contralateral = {"right": voxels["rf_column"].to_numpy() < centre}
    contralateral["left"] = ~contralateral["right"]
    maps = {}
    for hemisphere, prefix in (("left", "L_"), ("right", "R_")):
        indices = table.loc[table["name"].isin([prefix + a for a in MT_AREAS]), "index"]
        vertices = np.flatnonzero(np.isin(atlas.labels[hemisphere], indices.to_numpy()))
        mine = np.flatnonzero(contralateral[hemisphere])
        points = mesh.parts[hemisphere].coordinates[vertices, :2]
        seeds = rng.choice(len(vertices), len(mine), replace=False)
        _, nearest = cKDTree(points[seeds]).query(points)
        maps[hemisphere] = np.full(len(atlas.labels[hemisphere]), np.nan)
        maps[hemisphere][vertices] = values[mine][nearest]
    return maps
