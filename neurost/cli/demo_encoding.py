"""Demo section: attention routing recovered on simulated ROIs, against ridge."""

import numpy as np

from ._demo_figures import add_figure

#: Size of the simulated experiment (small enough for about 30 s on 2 cores).
N_IMAGES, N_TRAIN, N_VERTICES_PER_ROI, SEED = 400, 320, 10, 0
#: Test images whose attention maps are drawn.
N_SHOWN = 3


def encoding_routing(report, out_dir, log):
    """Transformer brain encoder and ridge on simulated ROIs with known routing."""
    import pandas as pd
    import torch
    from threadpoolctl import threadpool_limits

    from ..atlases import load_atlas
    from ..datasets import MMP_AREAS, make_routing_dataset
    from ..encoding import RidgeEncoder, RoutingEncoder
    from ..metrics import (
        attention_variability,
        correlation_score,
        explained_variance_ratio,
        ncsnr,
        noise_ceiling,
    )
    from ..plotting import plot_attention_on_image, plot_on_cortex

    section = report.add_section(
        "Encoding: attention routing",
        f"Simulated experiment (make_routing_dataset): {N_IMAGES} images of two "
        "objects (face, cat, cup, motorcycle) pasted at random positions on "
        "textures, a 14 x 14 grid of 32 feature channels standing for a "
        f"backbone's patch features, and 9 ROIs of {N_VERTICES_PER_ROI} vertices: "
        "5 location-routed (fixed Gaussian receptive fields, like early visual "
        "areas) and 4 content-routed (the cells their object covers in each "
        "image, like category-selective areas); 3 trials of noise sd 0.5. "
        f"The first {N_TRAIN} images train the RoutingEncoder (one learned "
        "query per ROI cross-attends over the grid) and the RidgeEncoder "
        "(ridge on the flattened grid, one penalty per vertex by 5-fold "
        f"cross-validation); the last {N_IMAGES - N_TRAIN} test them. Test r is "
        "the Pearson r between predicted and trial-averaged responses, "
        "averaged over vertices; the noise ceiling comes from the test "
        "trials (ncsnr), and the ceiling-normalised explained variance is r² "
        "over the ceiling. The cortical maps are illustrative: the data are "
        "simulated, and each simulated ROI is drawn on named HCP MMP 1.0 "
        "areas chosen to match its kind (location ROIs on V1-V3, the face "
        "ROI on the fusiform face complex FFC, the cat ROI on lateral "
        "occipital LO2-LO3 near the body area, the cup ROI on posterior "
        "inferotemporal PIT, the motorcycle ROI on parahippocampal PHA1-3). "
        "Computations use one thread (the model and matrices are small).",
    )

    log("simulating the routing experiment")
    data = make_routing_dataset(
        n_images=N_IMAGES, n_vertices_per_roi=N_VERTICES_PER_ROI, random_state=SEED
    )
    train, test = slice(0, N_TRAIN), slice(N_TRAIN, None)
    X, Y = data.features, data.responses

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1):
            log("fitting the RoutingEncoder")
            routing = RoutingEncoder(
                data.roi_labels, rois=data.roi_names, ffn_dim=128, max_epochs=25,
                lr=3e-3, patience=6, device="cpu", random_state=SEED,
            ).fit(X[train], Y[train])
            log("fitting the RidgeEncoder")
            ridge = RidgeEncoder(backend="numpy").fit(X[train], Y[train])
            predictions = {
                "routing": routing.predict(X[test]),
                "ridge": ridge.predict(X[test]),
            }
            maps = routing.attention_maps(X[test])
    finally:
        torch.set_num_threads(threads)

    n_test = N_IMAGES - N_TRAIN
    trials = data.repeats[:, test].reshape(-1, Y.shape[1])
    ceiling = noise_ceiling(ncsnr(trials, np.tile(np.arange(n_test), data.n_repeats)),
                            data.n_repeats)
    scores = {}
    for name, predicted in predictions.items():
        scores[f"r {name}"] = correlation_score(Y[test], predicted)
        scores[f"EV/ceiling {name}"] = explained_variance_ratio(Y[test], predicted, ceiling)
    scores["r noise ceiling"] = np.sqrt(ceiling)
    per_vertex = pd.DataFrame(scores)
    per_vertex.insert(0, "roi", data.roi_labels)
    per_vertex.insert(1, "kind", [data.roi_kinds[roi] for roi in data.roi_labels])

    variability = attention_variability(maps)
    per_roi = per_vertex.groupby("roi", sort=False).mean(numeric_only=True)
    per_roi.insert(0, "kind", [data.roi_kinds[roi] for roi in per_roi.index])
    per_roi.insert(1, "MMP areas (illustrative)",
                   [", ".join(MMP_AREAS[roi]) for roi in per_roi.index])
    per_roi["attention variability"] = [
        variability[list(routing.rois_).index(roi)] for roi in per_roi.index
    ]
    per_kind = per_vertex.groupby("kind", sort=False).mean(numeric_only=True)
    section.tables.append(per_kind.round(3).reset_index())
    section.tables.append(per_roi.round(3).reset_index())

    log("drawing the attention maps")
    shown = np.arange(N_SHOWN)
    fig, _ = plot_attention_on_image(
        [data.images[N_TRAIN + i] for i in shown],
        maps[shown],
        roi_names=[name.replace("-", "\n", 1) for name in routing.rois_],
        title="RoutingEncoder attention per ROI query (test images)",
    )
    add_figure(
        section, fig, out_dir, "encoding_attention",
        f"Attention of each ROI query over {N_SHOWN} test images: location ROIs "
        "keep their place, content ROIs follow their object",
    )

    log("drawing the ROI scores on the cortex")
    atlas = load_atlas("mmp1")
    fig, _ = plot_on_cortex(
        per_roi["r routing"].to_dict(), atlas, rois=MMP_AREAS, surface="flat",
        vmin=0, vmax=1, colorbar_label="test Pearson r (RoutingEncoder)",
        title="RoutingEncoder test r per simulated ROI (illustrative placement)",
    )
    add_figure(
        section, fig, out_dir, "encoding_accuracy_on_cortex",
        "Test r of the RoutingEncoder per simulated ROI, drawn on the MMP areas "
        "each ROI stands for (illustrative placement)",
    )
    fig, _ = plot_on_cortex(
        per_roi["attention variability"].to_dict(), atlas, rois=MMP_AREAS,
        surface="flat", vmin=0, vmax=1, cmap="magma",
        colorbar_label="attention variability across images (1 - mean r with the mean map)",
        title="Location- vs content-driven routing per simulated ROI",
    )
    add_figure(
        section, fig, out_dir, "encoding_attention_on_cortex",
        "How much each ROI's attention map changes from image to image: near 0 "
        "for a fixed, location-driven routing, high for a content-driven one "
        "(illustrative placement)",
    )

