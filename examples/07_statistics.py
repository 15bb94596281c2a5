# %% [markdown]
# # From a fitted encoder to significant maps and ROI tables
#
# A paper reports which targets an encoding model predicts better than
# chance, with a correction for testing thousands of them, and how well
# each region is predicted, with confidence intervals and the noise
# ceiling. `neurost.stats` does both on held-out data:
#
# - `permutation_test` builds a null distribution of each target's score
#   by permuting the held-out responses against the predictions (in blocks
#   of TRs for time series; one by one only for independent images), and
#   corrects for many targets by the max statistic (family-wise error) or
#   Benjamini-Hochberg (false discovery rate);
# - `bootstrap_scores` resamples the test images for confidence intervals
#   of each target, each ROI and the mean, and `bootstrap_difference`
#   compares two models on the same resamples;
# - `rsa_table` compares representational dissimilarity matrices of the
#   ROIs with those of the features.
#
# The data are the routing simulator's: images, a patch-feature grid, and
# responses of ROIs that read the grid at known places. Two ROIs whose
# responses are pure noise are added, so that the test has something to
# reject.

# %%
import numpy as np

from neurost.atlases import load_atlas
from neurost.datasets import MMP_AREAS, make_routing_dataset
from neurost.encoding import RidgeEncoder
from neurost.metrics import ncsnr, noise_ceiling
from neurost.plotting import plot_roi_scores, plot_significant_on_cortex
from neurost.stats import (
    bootstrap_difference,
    bootstrap_scores,
    feature_rdms,
    permutation_test,
    roi_rdms,
    rsa_table,
)

data = make_routing_dataset(n_images=240, n_vertices_per_roi=8, noise=1.0, random_state=0)
rng = np.random.default_rng(0)
null_areas = {"noise-auditory": ["L_A1", "R_A1"], "noise-motor": ["L_4", "R_4"]}
n_null = 8 * len(null_areas)
repeats = np.concatenate(
    [data.repeats, rng.standard_normal((data.repeats.shape[0], len(data.images), n_null))],
    axis=2,
).astype(np.float32)
responses = repeats.mean(axis=0)
labels = np.concatenate([data.roi_labels, np.repeat(list(null_areas), 8)])
features = data.features.reshape(len(data.images), -1)
train, test = np.arange(180), np.arange(180, 240)
print(responses.shape, "targets in", len(np.unique(labels)), "ROIs")

# %% [markdown]
# ## A ridge encoder and its held-out predictions

# %%
encoder = RidgeEncoder(backend="numpy").fit(features[train], responses[train])
predicted = encoder.predict(features[test])

# %% [markdown]
# ## Which targets are predicted better than chance
# The test images are independent, so they are permuted one by one
# (`block_length=1`). For a time series, permute blocks much longer than
# the autocorrelation (e.g. `block_length=20` TRs) or whole `runs=`:
# on autocorrelated null data (`analyses/stats_calibration.py`) single-TR
# permutation calls 19 % of the targets significant at 0.05, blocks of 20
# TRs 5.8 %; for family-wise claims on time series, `method="refit"`
# (which permutes the training responses) is the calibrated one.

# %%
result = permutation_test(encoder, features[test], responses[test], block_length=1,
                          n_permutations=999, random_state=0)
noise_targets = np.isin(labels, list(null_areas))
for correction in ("fdr_bh", "max"):
    found = result.significant(0.05, correction)
    print(f"{correction}: {found.sum()} of {found.size} targets significant, "
          f"{found[noise_targets].sum()} of them among the {n_null} noise targets")

# %% [markdown]
# ## A thresholded map on the cortex
# The map is drawn per ROI: each simulated ROI is placed on areas of the
# HCP-MMP 1.0 atlas (`MMP_AREAS`; the placement is illustrative). One
# test per ROI (the mean response of its targets) keeps the map readable;
# the colour-bar label names the correction.

# %%
areas = {**MMP_AREAS, **null_areas}
rois = list(areas)
roi_responses = np.column_stack([responses[:, labels == roi].mean(axis=1) for roi in rois])
roi_encoder = RidgeEncoder(backend="numpy").fit(features[train], roi_responses[train])
roi_result = permutation_test(roi_encoder, features[test], roi_responses[test],
                              block_length=1, n_permutations=999, random_state=0)
plot_significant_on_cortex(roi_result, load_atlas("mmp1"), rois=areas, correction="max",
                           surface="flat", vmin=0, vmax=1, output_file="significant_rois")

# %% [markdown]
# ## An ROI table with confidence intervals and the noise ceiling
# The noise ceiling of each target follows from its repeats (NSD's
# `ncsnr`); an ROI's ceiling is the mean over its targets, on the scale
# of Pearson r (the square root of the explainable variance).

# %%
trials = repeats[:, test].reshape(-1, responses.shape[1])
images = np.tile(test, repeats.shape[0])
ceiling = np.sqrt(noise_ceiling(ncsnr(trials, images), repeats.shape[0]))
scores = bootstrap_scores(responses[test], predicted, roi_labels=labels, random_state=0)
table = scores.rois.set_index("roi")
table["noise_ceiling"] = [ceiling[labels == roi].mean() for roi in table.index]
print(table.round(3))
plot_roi_scores(table, confidence=scores.confidence, output_file="roi_scores")

# %% [markdown]
# ## Two models on the same targets
# A ridge on the grid averaged over space (one vector per image) against
# the full grid: the paired bootstrap gives, per ROI, the interval of the
# difference in r.

# %%
pooled = data.features.mean(axis=(1, 2))
pooled_encoder = RidgeEncoder(backend="numpy").fit(pooled[train], responses[train])
difference = bootstrap_difference(responses[test], predicted, pooled_encoder.predict(pooled[test]),
                                  roi_labels=labels, random_state=0)
print(difference.rois.round(3))

# %% [markdown]
# ## Representational similarity
# The dissimilarity matrices of each ROI's responses (over the test
# images) against that of the feature grid; the noise ceiling comes from
# the RDMs of the single repeats.

# %%
brain = roi_rdms(repeats[:, test], labels)
models = feature_rdms({"grid": data.features[test], "pooled": pooled[test]})
print(rsa_table(brain, models, noise_ceiling=True).round(3))
