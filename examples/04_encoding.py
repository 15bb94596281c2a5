# %% [markdown]
# # Encoding models: ridge and attention routing
#
# An encoding model predicts each vertex's response to a stimulus from the
# stimulus' features. This walkthrough fits the two image encoders of
# neurost on a simulated experiment whose answer is known, scores them
# against the noise ceiling, looks at where each region of interest (ROI)
# reads from, draws the scores on the cortex, and ends with a delayed
# ridge model for a time series. It runs offline in under a minute.

# %%
import numpy as np
import torch
from sklearn.pipeline import make_pipeline
from threadpoolctl import threadpool_limits

from neurost.atlases import load_atlas
from neurost.datasets import MMP_AREAS, convolve_hrf, make_routing_dataset
from neurost.encoding import RidgeEncoder, RoutingEncoder
from neurost.features import BackboneFeatures, Delayer
from neurost.metrics import correlation_score, explained_variance_ratio, ncsnr, noise_ceiling
from neurost.plotting import plot_attention_on_image, plot_on_cortex

# The models below are small: one thread is as fast as several and keeps a
# shared machine responsive.
torch.set_num_threads(1)
threadpool_limits(limits=1)

# %% [markdown]
# ## A simulated experiment with known routing
# `make_routing_dataset` pastes two objects (face, cat, cup, motorcycle) at
# random positions on textured backgrounds. Five location ROIs read a fixed
# receptive field of the image, like early visual areas; four content ROIs
# read wherever their object is, like category-selective areas. Each image
# was shown three times (`repeats`); `responses` is the trial average.

# %%
data = make_routing_dataset(n_images=300, n_vertices_per_roi=10, random_state=0)
train, test = slice(0, 240), slice(240, None)
print(data.images.shape, data.responses.shape, data.repeats.shape)
print(data.roi_names)

# %% [markdown]
# ## Features from images
# `BackboneFeatures` turns images into a grid of patch features, one vector
# per patch. Without a model it uses a fixed Gabor pyramid (a V1-like model
# that needs no download); real analyses pass a pretrained vision
# transformer, e.g. `BackboneFeatures(dinov2_model, layer="blocks.8")`.

# %%
gabor = BackboneFeatures(device="cpu").fit_transform(data.images)
print("Gabor grid (images, rows, columns, channels):", gabor.shape)
gabor_ridge = RidgeEncoder(backend="numpy").fit(gabor[train], data.responses[train])
print(f"ridge on Gabor features, mean test r = {gabor_ridge.score(gabor[test], data.responses[test]):.2f}")

# %% [markdown]
# The simulator also returns the grid its responses were computed from
# (`data.features`, 14 x 14 cells of 32 channels), standing for a
# backbone's features. The encoders below use it, so that what they learn
# can be checked against the true routing.
#
# ## Ridge and attention routing
# `RidgeEncoder` fits ridge regression on the flattened grid, one penalty
# per vertex (himalaya). `RoutingEncoder` learns one query per ROI that
# attends over the grid, image by image, and a readout per vertex.

# %%
X, Y = data.features, data.responses
ridge = RidgeEncoder(backend="numpy").fit(X[train], Y[train])
routing = RoutingEncoder(
    data.roi_labels, rois=data.roi_names, ffn_dim=128, max_epochs=25, lr=3e-3,
    patience=6, device="cpu", random_state=0,
).fit(X[train], Y[train])
print(f"mean test r: ridge {ridge.score(X[test], Y[test]):.2f}, "
      f"routing {routing.score(X[test], Y[test]):.2f}")

# %% [markdown]
# ## Noise ceiling
# The repeats give each vertex's noise-ceiling SNR (`ncsnr`) and the
# fraction of the variance of 3-trial averages that any model could explain
# (`noise_ceiling`). Dividing a model's r² by it gives the ceiling-normalised
# explained variance.

# %%
n_test = Y[test].shape[0]
trials = data.repeats[:, test].reshape(-1, Y.shape[1])
stimulus = np.tile(np.arange(n_test), data.n_repeats)
ceiling = noise_ceiling(ncsnr(trials, stimulus), data.n_repeats)
print(f"noise ceiling: {ceiling.mean():.2f} of the variance (r = {np.sqrt(ceiling).mean():.2f})")

kinds = np.array([data.roi_kinds[roi] for roi in data.roi_labels])
for name, model in [("ridge", ridge), ("routing", routing)]:
    explained = explained_variance_ratio(Y[test], model.predict(X[test]), ceiling)
    print(name, {kind: round(float(explained[kinds == kind].mean()), 2)
                 for kind in ("location", "content")})

# %% [markdown]
# Ridge does well where a ROI always reads the same cells; only attention
# routing follows an object that moves.
#
# ## Where each ROI reads from
# `attention_maps` returns each ROI query's attention over the grid, for
# every image. Location queries keep their place; content queries find their
# object.

# %%
maps = routing.attention_maps(X[test][:3])
plot_attention_on_image(
    list(data.images[test][:3]), maps,
    roi_names=[name.replace("-", "\n", 1) for name in routing.rois_],
    output_file="attention_maps",
    title="Attention of each ROI query (test images)",
)

# %% [markdown]
# ## Scores on the cortex
# Per-ROI values are drawn on an atlas's areas. The ROIs here are
# simulated, so their placement is illustrative: `MMP_AREAS` puts location
# ROIs on early visual areas and content ROIs on category-selective regions
# of the HCP multi-modal parcellation.

# %%
r = correlation_score(Y[test], routing.predict(X[test]))
per_roi = {roi: float(r[data.roi_labels == roi].mean()) for roi in MMP_AREAS}
plot_on_cortex(
    per_roi, load_atlas("mmp1"), rois=MMP_AREAS, surface="flat", vmin=0, vmax=1,
    colorbar_label="test Pearson r", output_file="routing_r_on_cortex",
    title="RoutingEncoder test r per simulated ROI (illustrative placement)",
)

# %% [markdown]
# ## Time series: delayed ridge
# For a continuous stimulus, responses lag the features by the
# haemodynamic delay. `Delayer` stacks delayed copies of the features so
# that a ridge model learns one impulse response per feature and vertex; in
# a `Pipeline` the two behave as one estimator. Here 6 stimulus features,
# one value per TR of 2 s, drive 20 vertices through the canonical
# haemodynamic response (`convolve_hrf`: nilearn's SPM HRF, peaking 2 to 3
# TRs later).

# %%
rng = np.random.default_rng(0)
stimulus = rng.standard_normal((400, 6))
weights = rng.standard_normal((6, 20))
lagged = convolve_hrf(stimulus, t_r=2.0)
bold = lagged / lagged.std(axis=0) @ weights + rng.standard_normal((400, 20))

model = make_pipeline(Delayer(delays=range(1, 6)), RidgeEncoder(backend="numpy", cv=3))
model.fit(stimulus[:300], bold[:300])
print(f"delayed ridge, mean test r = {model.score(stimulus[300:], bold[300:]):.2f}")
