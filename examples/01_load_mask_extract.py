# %% [markdown]
# # Load a run, pick an atlas, extract ROI signals
#
# This walkthrough uses only data that installed packages ship, so it runs
# offline. It shows the three steps most analyses start with: load a run
# with its repetition time, choose ROIs in an atlas, and turn the run into
# an `(n_frames, n_rois)` matrix with a nilearn masker.

# %%
import numpy as np
from nilearn.image import index_img, math_img, mean_img
from nilearn.regions import Parcellations

from neurost.atlases import Atlas, list_atlases, load_atlas
from neurost.datasets import load_nitime_runs
from neurost.io import get_t_r, iter_frames, load_bold, load_responses, save_responses

# %% [markdown]
# ## A real run
# nitime ships two short runs of a 10 x 10 x 18-voxel field of view.
# `load_bold` keeps the data on disk and reads the repetition time from the
# header.

# %%
runs = load_nitime_runs()
run = load_bold(runs.paths[0], require_4d=True)
print(run.shape, "TR =", get_t_r(run), "s")

# Frames can be read a block at a time, without loading the whole run.
block_means = [block.mean() for _, block in iter_frames(run, chunk_size=10)]
print("mean signal per block of 10 frames:", np.round(block_means, 1))

# %% [markdown]
# ## Atlases
# The registry lists the atlases available offline. Surface atlases know
# their mesh; ROIs can be picked by name, index or group.

# %%
print(list_atlases())
mmp = load_atlas("mmp1")
streams = mmp.roi_labels("visual_streams")
print("vertices per visual stream:", np.bincount(streams))

# %% [markdown]
# The nitime run is in scanner space, so no template atlas covers it. A
# functional parcellation of the two runs (Ward clustering, nilearn) serves
# as its atlas; `Atlas.from_image` accepts any label image.

# %%
# The first volume of these runs is partly blank (the scanner had not
# reached steady state), so it is left out of everything below.
steady = np.arange(1, run.shape[3])
brain = math_img("img > 0.2 * img.max()", img=mean_img(run))
ward = Parcellations(
    method="ward", n_parcels=6, mask=brain, standardize=False, random_state=0
).fit([index_img(load_bold(path), steady) for path in runs.paths])
atlas = Atlas.from_image(ward.labels_img_, space="nitime scanner", name="ward6")
print(atlas)

signals = atlas.extract(
    run, kind="parcels", sample_mask=steady, detrend=True, standardize="zscore_sample"
)
print("ROI signals:", signals.shape)
print("ROI-by-ROI correlation:\n", np.corrcoef(signals.T).round(2))

# %% [markdown]
# ## Saving large response matrices
# `save_responses` writes chunked, compressed HDF5 atomically and never
# overwrites without `overwrite=True`; `load_responses` reads any rows and
# columns without loading the rest.

# %%
save_responses("roi_signals.h5", signals, key="signals", attrs={"t_r": get_t_r(run)})
first_frames = load_responses("roi_signals.h5", rows=range(5), columns=[0, 2])
np.testing.assert_allclose(first_frames, signals[:5][:, [0, 2]], rtol=1e-6)
print("read back rows 0-4 of ROIs 0 and 2:", first_frames.shape)
