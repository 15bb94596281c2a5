# %% [markdown]
# # Figures on the cortex
#
# Per-vertex maps, per-ROI summaries and parcellations drawn on the
# fsaverage5 and fsLR-32k surfaces, and a correlation matrix of real ROI
# signals. Every figure function returns `(figure, axes)` and, given
# `output_file=`, writes a PNG and a PDF.

# %%
import numpy as np

from neurost.atlases import load_atlas
from neurost.datasets import load_fsaverage5, load_fslr32k, load_nitime_resting_state
from neurost.plotting import (
    plot_atlas_on_cortex,
    plot_matrix,
    plot_on_cortex,
    plot_timeseries,
)

# %% [markdown]
# ## A per-vertex map
# Cortical thickness of fsaverage5, on the inflated surface.

# %%
fsaverage5 = load_fsaverage5()
fig, axes = plot_on_cortex(
    fsaverage5.thickness,
    "fsaverage5",
    cmap="magma",
    colorbar_label="cortical thickness (mm)",
    output_file="fsaverage5_thickness",
)
print(axes.shape, "panels (views x hemispheres)")

# %% [markdown]
# ## A per-ROI summary
# The mean group sulcal depth of every HCP MMP 1.0 area, computed with the
# atlas's nilearn `SurfaceLabelsMasker`, then drawn area by area on the
# flat maps (positive: buried in sulci).

# %%
mmp = load_atlas("mmp1")
fslr = load_fslr32k()
depth_per_area = mmp.extract(fslr.sulcal_depth, kind="parcels")[0]
fig, _ = plot_on_cortex(
    depth_per_area,
    mmp,
    surface="flat",
    colorbar_label="mean sulcal depth (HCP S1200 group average)",
    title="Sulcal depth per MMP area",
    output_file="mmp_sulcal_depth",
)
deepest = np.argsort(depth_per_area)[-3:][::-1]
print("deepest areas:", [mmp.roi_names[i] for i in deepest])

# %% [markdown]
# ## A parcellation
# The visual streams of the MMP areas, inflated fsLR-32k surface.

# %%
plot_atlas_on_cortex(
    mmp, "visual_streams", views=("medial", "ventral"), output_file="visual_streams"
)

# %% [markdown]
# ## ROI signals and their correlation
# nitime's resting-state ROI signals (real data, TR 1.89 s).

# %%
rest = load_nitime_resting_state()
plot_timeseries(rest.signals, t_r=rest.t_r, labels=rest.roi_names,
                standardize=True, output_file="rest_carpet")
# The first 14 ROIs are left-hemisphere ("APHG" is the left anterior PHG).
hemisphere = ["right" if name.startswith("R") else "left" for name in rest.roi_names]
plot_matrix(
    np.corrcoef(rest.signals.T),
    rest.roi_names,
    groups=hemisphere,
    colorbar_label="Pearson r",
    title="Resting-state correlation",
    output_file="rest_correlation",
)
