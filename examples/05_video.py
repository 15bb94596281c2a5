# %% [markdown]
# # Video: optical flow, motion energy, flow decoding and encoding
#
# Movies are the richest stimuli of fMRI experiments. This walkthrough
# computes the two motion descriptions neurost offers, optical flow and
# motion energy, on a real clip; decodes optical flow from simulated fMRI
# whose true flow is known, against the baselines a decoder must beat; and
# fits a video encoding model that says how much each feature space
# explains. It runs offline in under a minute and writes its figures and
# tables into the current folder.

# %%
import numpy as np
import pandas as pd
import torch
from threadpoolctl import threadpool_limits

from neurost.datasets import load_sample_video, make_motion_dataset
from neurost.decoding import (
    FlowDecoder,
    make_windows,
    mean_flow_baseline,
    shuffled_brain_baseline,
)
from neurost.encoding import VideoEncoder
from neurost.features import MotionEnergy, OpticalFlow, compute_flow
from neurost.io.video import Video, load_video, resample_video, to_luminance
from neurost.metrics import angular_error, correlation_score, endpoint_error
from neurost.plotting import plot_flow, plot_flow_comparison

# The models below are small: one thread is as fast as several and keeps a
# shared machine responsive.
torch.set_num_threads(1)
threadpool_limits(limits=1)

# %% [markdown]
# ## A real clip
# scikit-image ships a 24-frame animated GIF of 25 x 14 pixels.
# `load_video` turns it into a `Video` (frames and frame rate);
# `resample_video` enlarges it four times, since dense optical flow matches
# patches of several pixels.

# %%
clip = load_sample_video()
print(clip.description)
video = resample_video(load_video(clip), size=(100, 56))
print(video.frames.shape, f"{video.frame_rate:.1f} frames per second")

# %% [markdown]
# ## Optical flow
# `compute_flow` gives the dense flow between two frames (OpenCV's DIS):
# `flow[y, x] = (dx, dy)` in pixels per frame, x to the right and y down.
# `plot_flow` draws it as colours (hue: direction; saturation: speed) and
# arrows over the frame.

# %%
flow = compute_flow(video.frames[22], video.frames[23])
print("largest motion:", np.linalg.norm(flow, axis=-1).max().round(2), "pixels per frame")
plot_flow(flow, video.frames[22], kind="both", title="frames 22→23",
          output_file="clip_flow.png")

# %% [markdown]
# For an fMRI analysis, flow is needed per repetition time (TR).
# `OpticalFlow` takes a few frame pairs in each TR and averages the flow
# over a grid, in grid cells per frame. With a TR of 0.5 s this clip holds
# three complete TRs.

# %%
per_tr = OpticalFlow(frames_per_tr=2, grid=(10, 7), t_r=0.5).fit_transform(video)
print("OpticalFlow:", per_tr.shape, "(TRs, frame pairs, grid rows, grid columns, dx/dy)")

# %% [markdown]
# ## Motion energy
# `MotionEnergy` is the spatio-temporal Gabor pyramid of Nishimoto et al.
# (2011): each filter responds to a position, spatial frequency, speed and
# direction. `filters_` describes them; `preferred_direction` is the
# direction of motion (degrees, 0 right and 90 up on screen) that drives a
# filter most.

# %%
energy = MotionEnergy(frame_rate=video.frame_rate, spatial_frequencies=(0, 2, 4),
                      device="cpu")
features = energy.fit_transform(to_luminance(video.frames))
print("motion energy:", features.shape, "(frames, filters)")
print(energy.filters_[["center_x", "center_y", "spatial_freq", "temporal_freq",
                       "preferred_direction"]].head())

# %% [markdown]
# ## Decoding optical flow from fMRI
# `make_motion_dataset` moves natural photographs with known motions
# (translation, rotation, expansion, objects crossing), so the flow of
# every frame pair is exact, and simulates voxels tuned to motion direction
# and speed, seen through the haemodynamic response. The first 240 TRs
# train, the last 60 test.

# %%
data = make_motion_dataset(n_trs=300, n_voxels=100, random_state=0)
print(data.description)
X_train, Y_train = data.bold[:240], data.flow_per_tr[:240]
X_test = data.bold[240:]

# %% [markdown]
# `FlowDecoder` reads a window of 5 TRs around each TR (the response lags
# the stimulus by seconds). `mode="regression"` is a ridge from the window
# to the flow field: fast, and the reference. The default
# `mode="codebook"` classifies each grid cell into a k-means codebook of
# flow vectors with a small network; it needs more data (a thousand TRs or
# more) and minutes of training, so it is not run here.
#
# A decoder is only useful if it beats decoders that do not read the brain:
# the mean training flow, and the same decoder trained with the fMRI
# windows paired with shuffled flows. Test windows are made within the test
# block, so they hold no training TR. Errors are in grid cells per frame;
# the angular error counts only cells that move (at least 0.05 cells per
# frame), where a direction is defined. Random directions would give 90
# degrees.

# %%
decoder = FlowDecoder(mode="regression", random_state=0).fit(X_train, Y_train)
_, rows = make_windows(X_test)
Y_test = data.flow_per_tr[240:][rows]
decoded = {
    "FlowDecoder (ridge)": decoder.predict(X_test),
    "mean training flow": mean_flow_baseline(Y_train, len(Y_test)),
    "shuffled brain": shuffled_brain_baseline(decoder, X_train, Y_train, X_test,
                                              random_state=0),
}
scores = pd.DataFrame(
    {
        name: {
            "end-point error": endpoint_error(Y_test, flow),
            "angular error (deg, moving cells)": angular_error(Y_test, flow,
                                                               min_magnitude=0.05),
        }
        for name, flow in decoded.items()
    }
).T
print(scores.round(3))
scores.to_csv("flow_decoding.tsv", sep="\t", float_format="%.4f")
plot_flow_comparison(Y_test, decoded["FlowDecoder (ridge)"], t_r=data.t_r,
                     output_file="decoded_flow.png")

# %% [markdown]
# ## Encoding: which feature space explains each voxel?
# `VideoEncoder` computes feature spaces from the videos themselves, here
# motion energy and optical flow, delays them to model the haemodynamic
# lag (2 and 3 TRs: 4-6 s, around the peak of the response) and fits them
# jointly with banded ridge, one penalty per space.
# `split_scores` then divides each voxel's test correlation between the
# spaces (the shares add up to the joint r). The simulated voxels are
# tuned to the flow itself, so optical flow should take most of the
# explained variance; with real data the answer is the finding.

# %%
movie = make_motion_dataset(n_trs=200, frame_rate=12.0, n_voxels=40, random_state=1)
split = 160 * int(movie.t_r * movie.frame_rate)  # frames of the first 160 TRs
train_video = Video(movie.frames[:split], movie.frame_rate)
test_video = Video(movie.frames[split:], movie.frame_rate)
encoder = VideoEncoder(
    features=("motion_energy", "optical_flow"), t_r=movie.t_r, delays=(2, 3),
    feature_params={"motion_energy": {"spatial_frequencies": (0, 2, 4), "device": "cpu"},
                    "optical_flow": {"grid": (4, 4), "frames_per_tr": 2}},
    n_iter=10, backend="numpy", random_state=0,
).fit(train_video, movie.bold[:160])
print("columns per space:", encoder.n_features_per_space_)
joint = correlation_score(movie.bold[160:], encoder.predict(test_video))
shares = encoder.split_scores(test_video, movie.bold[160:], metric="r")
table = pd.DataFrame(shares.T, columns=[f"r {name}" for name in encoder.feature_spaces_])
table.insert(0, "joint r", joint)
print(table.describe().loc[["mean", "min", "max"]].round(3))
table.to_csv("video_encoding_split_scores.tsv", sep="\t", float_format="%.4f")

# %% [markdown]
# ## Motion tuning read from the weights
# `coef_` holds each voxel's weight on every feature at every delay, shape
# (n_voxels, n_features, n_delays), as MNE's `ReceptiveField` lays it out;
# `split_coef()` gives each space's part. The weights are per standard
# deviation of a feature, so filters of different energy compare.
# `preferred_direction()` turns the motion-energy weights into a preferred
# direction of motion per voxel: the filters' directions averaged on the
# circle, weighted by their positive weights. Here a motion-energy model
# alone is fitted to voxels of translating scenes (small frames, to run
# fast). The simulator stores each voxel's true direction in image
# coordinates (90 degrees = down), the filters in screen coordinates
# (90 = up).

# %%
scenes = make_motion_dataset(n_trs=160, frame_rate=8.0, image_size=32, grid=(4, 4),
                             n_voxels=20, noise=0.2, motions=("translation",),
                             random_state=1)
split = 120 * int(scenes.t_r * scenes.frame_rate)
tuning = VideoEncoder(
    features=("motion_energy",), t_r=scenes.t_r, delays=(1, 2, 3),
    feature_params={"motion_energy": {"spatial_frequencies": (0, 2), "device": "cpu"}},
    backend="numpy", random_state=0,
).fit(Video(scenes.frames[:split], scenes.frame_rate), scenes.bold[:120])
print("weights:", tuning.coef_.shape, "(voxels, filters, delays)")
estimated = tuning.preferred_direction()
true = -scenes.voxels["preferred_direction"].to_numpy() % 360
error = np.abs((estimated - true + 180) % 360 - 180)
print(f"preferred direction: median error {np.median(error):.0f} degrees (chance: 90)")
