"""Demo section: atlases on the cortex, ROI signals and connectivity of a real run."""

import numpy as np

from ._demo_figures import add_figure

#: Number of parcels of the functional atlas made for nitime's run.
N_PARCELS = 8


def atlas_and_roi_signals(report, out_dir, log):
    """Atlases on the cortex, then ROI signals and connectivity of a real run."""
    from nilearn.image import index_img, math_img, mean_img
    from nilearn.regions import Parcellations

    from ..atlases import Atlas, list_atlases, load_atlas
    from ..datasets import load_nitime_runs
    from ..io import get_t_r, load_bold
    from ..plotting import plot_atlas_on_cortex, plot_matrix, plot_timeseries

    section = report.add_section(
        "Atlases, masking and ROI signals",
        "Every atlas below ships with installed packages and loads offline. "
        "The HCP multi-modal parcellation (MMP 1.0, 360 areas) and the Yeo "
        "7-network parcellation are drawn on the fsLR-32k cortex. The run is "
        "nitime's first example run (10 x 10 x 18 voxels, 40 frames, TR 1.35 "
        "s), which is in scanner space: no template atlas covers it, so its "
        f"atlas is a functional parcellation into {N_PARCELS} parcels (Ward "
        "clustering of both nitime runs, nilearn). The first volume, acquired "
        "before steady state, is left out; the ROI signals are the mean of "
        "each parcel, detrended and z-scored by nilearn's NiftiLabelsMasker.",
    )
    section.tables.append(list_atlases().reset_index())

    log("drawing the atlases on the cortex")
    for name, caption in [
        ("yeo7", "Yeo 7 networks on the fsLR-32k flat maps"),
        ("mmp1", "HCP MMP 1.0 grouped into visual streams, fsLR-32k flat maps"),
    ]:
        atlas = load_atlas(name)
        rois = "visual_streams" if name == "mmp1" else None
        fig, _ = plot_atlas_on_cortex(atlas, rois, surface="flat", title=caption)
        add_figure(section, fig, out_dir, f"atlas_{name}_on_cortex", caption)

    log("masking nitime's run with a functional atlas")
    runs = load_nitime_runs()
    run = load_bold(runs.paths[0], require_4d=True)
    t_r = get_t_r(run)
    steady = np.arange(1, run.shape[3])
    brain = math_img("img > 0.2 * img.max()", img=mean_img(run))
    parcellation = Parcellations(
        method="ward",
        n_parcels=N_PARCELS,
        mask=brain,
        standardize=False,
        random_state=0,
    ).fit([index_img(load_bold(path), steady) for path in runs.paths])
    atlas = Atlas.from_image(
        parcellation.labels_img_,
        space="nitime scanner space",
        name=f"ward{N_PARCELS}",
        description=f"Ward parcellation of nitime's two runs into {N_PARCELS} parcels",
    )
    signals = atlas.extract(
        run,
        kind="parcels",
        sample_mask=steady,
        detrend=True,
        standardize="zscore_sample",
        t_r=t_r,
    )
    fig, _ = plot_timeseries(
        signals,
        t_r=t_r,
        labels=atlas.roi_names,
        units="z-score",
        title="ROI time series, nitime run 1 (from the second volume)",
    )
    add_figure(
        section, fig, out_dir, "roi_timeseries",
        f"Time series of the {N_PARCELS} parcels (z-scored)",
    )
    fig, _ = plot_matrix(
        np.corrcoef(signals.T),
        atlas.roi_names,
        title="ROI-by-ROI correlation, nitime run 1",
        colorbar_label="Pearson r",
    )
    add_figure(
        section, fig, out_dir, "roi_correlation",
        f"Correlation between the {N_PARCELS} parcel time series "
        f"({len(steady)} frames)",
    )
