"""Publication-ready figures: cortex maps, attention maps, flow fields, time series, matrices.

Every function returns the matplotlib objects (figure and axes) so that
they can be adjusted, and saves PNG and PDF files when given
``output_file=``::

    from neurost.atlases import load_atlas
    from neurost.plotting import plot_atlas_on_cortex, plot_on_cortex

    mmp = load_atlas("mmp1")
    plot_atlas_on_cortex(mmp, "visual_streams", output_file="streams")
    fig, axes = plot_on_cortex(scores, mmp, colorbar_label="Pearson r")
    fig, ax = plot_timeseries(signals, t_r=2.0, labels=names, units="% signal change")
    fig, ax = plot_matrix(np.corrcoef(signals.T), names, colorbar_label="Pearson r")
    fig, axes = plot_volume_slices([volume, reconstruction], ["original", "tokens"])
    fig, ax = plot_roi_scores(roi_table, noise_ceiling=ceiling, confidence=0.95)
"""

from ._save import save_figure
from .attention import plot_attention_on_image
from .cortex import plot_atlas_on_cortex, plot_on_cortex, vertex_values
from .flow import (
    add_color_wheel,
    flow_to_rgb,
    plot_flow,
    plot_flow_comparison,
    plot_motion_tuning_on_cortex,
)
from .matrices import plot_matrix
from .scores import plot_roi_scores
from .significance import plot_significant_on_cortex
from .timeseries import plot_timeseries
from .volumes import plot_volume_slices

__all__ = [
    "add_color_wheel",
    "flow_to_rgb",
    "plot_flow",
    "plot_flow_comparison",
    "plot_motion_tuning_on_cortex",
    "plot_attention_on_image",
    "plot_atlas_on_cortex",
    "plot_matrix",
    "plot_on_cortex",
    "plot_roi_scores",
    "plot_significant_on_cortex",
    "plot_timeseries",
    "plot_volume_slices",
    "save_figure",
    "vertex_values",
]
