"""Bad-input battery of neurost.plotting: wrong calls a careful user might make."""

import functools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from nilearn.surface import InMemoryMesh, PolyMesh  # noqa: E402

from neurost.atlases import Atlas  # noqa: E402
from neurost.plotting import (  # noqa: E402
    add_color_wheel,
    flow_to_rgb,
    plot_atlas_on_cortex,
    plot_attention_on_image,
    plot_flow,
    plot_flow_comparison,
    plot_matrix,
    plot_motion_tuning_on_cortex,
    plot_on_cortex,
    plot_roi_scores,
    plot_timeseries,
    plot_volume_slices,
    save_figure,
    vertex_values,
)

FSAVERAGE5 = np.zeros(2 * 10242)
MATRIX = np.eye(3)
SIGNALS = np.arange(12.0).reshape(6, 2)
VOLUME = np.ones((4, 5, 6))
IMAGE = np.zeros((8, 8, 3))
ATTENTION = np.ones((2, 4, 4))
FLOW = np.ones((4, 6, 2))
FLOWS = np.ones((3, 4, 4, 2))


@functools.cache
def _atlas():
    """A two-ROI surface atlas on a mesh of 6 + 5 vertices."""

    def strip(n):
        faces = np.array([[i, i + 1, i + 2] for i in range(n - 2)])
        return InMemoryMesh(np.arange(3.0 * n).reshape(n, 3), faces)

    labels = {"left": np.array([1, 1, 1, 2, 2, 0]), "right": np.array([2, 2, 1, 1, 0])}
    return Atlas.from_arrays(labels, ["a", "b"], mesh=PolyMesh(left=strip(6), right=strip(5)))


@functools.cache
def _subjects():
    """A FreeSurfer subjects folder holding 'bert' (two 4-vertex inflated surfaces)."""
    import atexit
    import shutil
    import tempfile
    from pathlib import Path

    from nibabel.freesurfer import write_geometry

    folder = Path(tempfile.mkdtemp(prefix="neurost-bad-subjects-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    (folder / "bert" / "surf").mkdir(parents=True)
    for prefix in ("lh", "rh"):
        write_geometry(str(folder / "bert" / "surf" / f"{prefix}.inflated"),
                       np.eye(4, 3), np.array([[0, 1, 2], [0, 2, 3]]))
    return folder


def _volume_atlas():
    return Atlas.from_arrays(np.ones((2, 2, 2), int), ["a"], affine=np.eye(4))


def _axes(**kwargs):
    return plt.figure().add_subplot(**kwargs)


def _roi_table():
    return pd.DataFrame({"roi": ["V1", "V2"], "score": [0.5, 0.4], "low": [0.45, 0.3],
                         "high": [0.55, 0.5]})


CASES = [
    # plot_on_cortex
    pytest.param(lambda: plot_on_cortex(["a"] * 20484), TypeError, "values", id="cortex-values-text"),
    pytest.param(lambda: plot_on_cortex(np.zeros(100)), ValueError, "values", id="cortex-values-length"),
    pytest.param(lambda: plot_on_cortex(np.full(20484, np.inf)), ValueError, "values", id="cortex-values-inf"),
    pytest.param(lambda: plot_on_cortex({"left": np.zeros(5)}, "fsaverage5"), ValueError, "values['left']", id="cortex-hemisphere-size"),
    pytest.param(lambda: plot_on_cortex({"V1": 1.0}), ValueError, "atlas_or_mesh", id="cortex-roi-keys-without-atlas"),
    pytest.param(lambda: plot_on_cortex({"c": 1.0}, _atlas()), ValueError, "values", id="cortex-unknown-roi"),
    pytest.param(lambda: plot_on_cortex(FSAVERAGE5, rois="a"), ValueError, "rois", id="cortex-rois-without-atlas"),
    pytest.param(lambda: plot_on_cortex(FSAVERAGE5, 42), TypeError, "atlas_or_mesh", id="cortex-mesh-int"),
    pytest.param(lambda: plot_on_cortex(FSAVERAGE5, "fsaverage6", subjects_dir=_subjects()), FileNotFoundError, "atlas_or_mesh", id="cortex-unknown-space"),
    pytest.param(lambda: plot_on_cortex(FSAVERAGE5, "fsaverag5", subjects_dir=_subjects()), FileNotFoundError, "did you mean 'fsaverage5'", id="cortex-space-typo"),
    pytest.param(lambda: plot_on_cortex(FSAVERAGE5, "fsaverage5", subjects_dir=_subjects()), ValueError, "subjects_dir", id="cortex-subjects-dir-on-space"),
    pytest.param(lambda: plot_on_cortex(FSAVERAGE5, "fsaverage", subjects_dir=3), TypeError, "subjects_dir", id="cortex-subjects-dir-int"),
    pytest.param(lambda: plot_on_cortex(FSAVERAGE5, "fsaverage", subjects_dir=_subjects() / "nope"), FileNotFoundError, "subjects_dir", id="cortex-subjects-dir-missing"),
    pytest.param(lambda: plot_on_cortex(np.ones(8), "bert", subjects_dir=_subjects(), surface="flat"), ValueError, "surface", id="cortex-subject-flat"),
    pytest.param(lambda: plot_on_cortex({"left": np.ones(5)}, "bert", subjects_dir=_subjects()), ValueError, "values['left']", id="cortex-subject-size"),
    pytest.param(lambda: plot_on_cortex(np.ones(11), _volume_atlas()), ValueError, "surface atlas", id="cortex-volume-atlas"),
    pytest.param(lambda: plot_on_cortex(FSAVERAGE5, cmap="viridiss"), ValueError, "viridis", id="cortex-cmap-typo"),
    pytest.param(lambda: plot_on_cortex(FSAVERAGE5, cmap=3), TypeError, "cmap", id="cortex-cmap-int"),
    pytest.param(lambda: plot_on_cortex(FSAVERAGE5, vmin=1, vmax=0), ValueError, "vmin", id="cortex-vmin-above-vmax"),
    pytest.param(lambda: plot_on_cortex(FSAVERAGE5, vmin="low"), ValueError, "vmin", id="cortex-vmin-text"),
    pytest.param(lambda: plot_on_cortex(FSAVERAGE5, vmax=np.nan), ValueError, "vmax", id="cortex-vmax-nan"),
    pytest.param(lambda: plot_on_cortex(FSAVERAGE5, symmetric="yes"), TypeError, "symmetric", id="cortex-symmetric-text"),
    pytest.param(lambda: plot_on_cortex(FSAVERAGE5, threshold=-1), ValueError, "threshold", id="cortex-threshold-negative"),
    pytest.param(lambda: plot_on_cortex(FSAVERAGE5, dpi=0), ValueError, "dpi", id="cortex-dpi-zero"),
    pytest.param(lambda: plot_on_cortex(FSAVERAGE5, dpi="high"), ValueError, "dpi", id="cortex-dpi-text"),
    pytest.param(lambda: plot_on_cortex(FSAVERAGE5, width=-2), ValueError, "width", id="cortex-width-negative"),
    pytest.param(lambda: plot_on_cortex(FSAVERAGE5, hemispheres=3), TypeError, "hemispheres", id="cortex-hemispheres-int"),
    pytest.param(lambda: plot_on_cortex(FSAVERAGE5, hemispheres=["left", "middle"]), ValueError, "hemispheres", id="cortex-hemisphere-unknown"),
    pytest.param(lambda: plot_on_cortex(FSAVERAGE5, hemispheres=[]), ValueError, "hemispheres", id="cortex-hemispheres-empty"),
    pytest.param(lambda: plot_on_cortex(FSAVERAGE5, hemispheres=None), TypeError, "hemispheres", id="cortex-hemispheres-none"),
    pytest.param(lambda: plot_on_cortex(FSAVERAGE5, hemispheres=("left", "left")), ValueError, "hemispheres", id="cortex-hemispheres-twice"),
    pytest.param(lambda: plot_on_cortex(FSAVERAGE5, views=["top"]), ValueError, "views", id="cortex-view-unknown"),
    pytest.param(lambda: plot_on_cortex(FSAVERAGE5, views=1), TypeError, "views", id="cortex-views-int"),
    pytest.param(lambda: plot_on_cortex(FSAVERAGE5, surface="flat", views="lateral"), ValueError, "views", id="cortex-views-on-flat-map"),
    pytest.param(lambda: plot_on_cortex(FSAVERAGE5, surface="smooth"), ValueError, "surface", id="cortex-surface-unknown"),
    pytest.param(lambda: plot_on_cortex(np.ones(11), _atlas().mesh(), surface="inflated"), ValueError, "surface", id="cortex-surface-on-own-mesh"),
    pytest.param(lambda: plot_on_cortex(FSAVERAGE5, colorbar_label=5), TypeError, "colorbar_label", id="cortex-colorbar-label-int"),
    pytest.param(lambda: plot_on_cortex(FSAVERAGE5, title=["a"]), TypeError, "title", id="cortex-title-list"),
    pytest.param(lambda: plot_on_cortex(FSAVERAGE5, output_file=3), TypeError, "output_file", id="cortex-output-file-int"),
    pytest.param(lambda: plot_on_cortex(FSAVERAGE5, output_file="figure.docx"), ValueError, "output_file", id="cortex-output-file-suffix"),
    pytest.param(lambda: plot_on_cortex(FSAVERAGE5, output_file="/no/such/folder/figure"), FileNotFoundError, "output_file", id="cortex-output-folder-missing"),
    # vertex_values
    pytest.param(lambda: vertex_values(np.zeros(7)), ValueError, "values", id="vertex-values-length"),
    pytest.param(lambda: vertex_values(np.ones(3), _atlas()), ValueError, "values", id="vertex-values-per-roi-length"),
    pytest.param(lambda: vertex_values({"a": 1.0}, _atlas(), rois="c"), ValueError, "rois", id="vertex-values-unknown-rois"),
    # plot_atlas_on_cortex
    pytest.param(lambda: plot_atlas_on_cortex("mmp1"), TypeError, "atlas", id="atlas-name-not-atlas"),
    pytest.param(lambda: plot_atlas_on_cortex(_volume_atlas()), ValueError, "surface atlas", id="atlas-volume"),
    pytest.param(lambda: plot_atlas_on_cortex(_atlas(), rois="c"), ValueError, "rois", id="atlas-rois-unknown"),
    pytest.param(lambda: plot_atlas_on_cortex(_atlas(), colors=["red"]), ValueError, "colors", id="atlas-colors-count"),
    pytest.param(lambda: plot_atlas_on_cortex(_atlas(), colors="red"), TypeError, "colors", id="atlas-colors-string"),
    pytest.param(lambda: plot_atlas_on_cortex(_atlas(), colors={"a": "red", "c": "blue"}), ValueError, "colors", id="atlas-colors-unknown-roi"),
    pytest.param(lambda: plot_atlas_on_cortex(_atlas(), colors=["red", "nocolour"]), ValueError, "colors", id="atlas-colors-not-colours"),
    pytest.param(lambda: plot_atlas_on_cortex(_atlas(), legend="yes"), TypeError, "legend", id="atlas-legend-text"),
    pytest.param(lambda: plot_atlas_on_cortex(_atlas(), dpi=-1), ValueError, "dpi", id="atlas-dpi-negative"),
    pytest.param(lambda: plot_atlas_on_cortex(_atlas(), views=["top"]), ValueError, "views", id="atlas-view-unknown"),
    # plot_matrix
    pytest.param(lambda: plot_matrix(np.ones((2, 3))), ValueError, "matrix", id="matrix-not-square"),
    pytest.param(lambda: plot_matrix([["a", "b"], ["c", "d"]]), TypeError, "matrix", id="matrix-text"),
    pytest.param(lambda: plot_matrix(np.full((2, 2), np.inf)), ValueError, "matrix", id="matrix-inf"),
    pytest.param(lambda: plot_matrix(MATRIX, ["a", "b"]), ValueError, "labels", id="matrix-labels-count"),
    pytest.param(lambda: plot_matrix(MATRIX, "abc"), TypeError, "labels", id="matrix-labels-string"),
    pytest.param(lambda: plot_matrix(MATRIX, ax="left"), TypeError, "ax", id="matrix-ax-text"),
    pytest.param(lambda: plot_matrix(MATRIX, ax=_axes(projection="3d")), TypeError, "ax", id="matrix-ax-3d"),
    pytest.param(lambda: plot_matrix(MATRIX, cmap="RdBu_rr"), ValueError, "cmap", id="matrix-cmap-typo"),
    pytest.param(lambda: plot_matrix(MATRIX, vmin=1, vmax=-1), ValueError, "vmin", id="matrix-vmin-above-vmax"),
    pytest.param(lambda: plot_matrix(MATRIX, vmin="-1"), ValueError, "vmin", id="matrix-vmin-text"),
    pytest.param(lambda: plot_matrix(MATRIX, tri="upper"), ValueError, "tri", id="matrix-tri-unknown"),
    pytest.param(lambda: plot_matrix(MATRIX, list("abc"), reorder="ward"), ValueError, "reorder", id="matrix-reorder-unknown"),
    pytest.param(lambda: plot_matrix(MATRIX, reorder=True), ValueError, "labels", id="matrix-reorder-without-labels"),
    pytest.param(lambda: plot_matrix(MATRIX, list("abc"), groups=list("xyz"), reorder=True), ValueError, "groups", id="matrix-groups-and-reorder"),
    pytest.param(lambda: plot_matrix(MATRIX, groups=["x", "y"]), ValueError, "groups", id="matrix-groups-count"),
    pytest.param(lambda: plot_matrix(MATRIX, groups={"x": ["a"]}), ValueError, "groups", id="matrix-groups-dict-without-labels"),
    pytest.param(lambda: plot_matrix(MATRIX, list("abc"), groups={"x": ["a", "z"]}), ValueError, "groups", id="matrix-groups-unknown-label"),
    pytest.param(lambda: plot_matrix(MATRIX, output_file=None, title=3), TypeError, "title", id="matrix-title-int"),
    pytest.param(lambda: plot_matrix(MATRIX, output_file=b"x.png"), TypeError, "output_file", id="matrix-output-file-bytes"),
    # plot_timeseries
    pytest.param(lambda: plot_timeseries([["a"]]), TypeError, "data", id="timeseries-text"),
    pytest.param(lambda: plot_timeseries(np.ones((2, 3, 4))), ValueError, "data", id="timeseries-3d"),
    pytest.param(lambda: plot_timeseries(np.ones((0, 2))), ValueError, "data", id="timeseries-empty"),
    pytest.param(lambda: plot_timeseries(np.full((4, 2), np.nan)), ValueError, "data", id="timeseries-all-nan"),
    pytest.param(lambda: plot_timeseries(np.array([[1.0, np.inf]])), ValueError, "data", id="timeseries-inf"),
    pytest.param(lambda: plot_timeseries(SIGNALS, t_r=0), ValueError, "t_r", id="timeseries-t_r-zero"),
    pytest.param(lambda: plot_timeseries(SIGNALS, t_r="2s"), ValueError, "t_r", id="timeseries-t_r-text"),
    pytest.param(lambda: plot_timeseries(SIGNALS, labels=["a"]), ValueError, "labels", id="timeseries-labels-count"),
    pytest.param(lambda: plot_timeseries(SIGNALS, labels="ab"), TypeError, "labels", id="timeseries-labels-string"),
    pytest.param(lambda: plot_timeseries(SIGNALS, kind="bars"), ValueError, "kind", id="timeseries-kind-unknown"),
    pytest.param(lambda: plot_timeseries(SIGNALS, ax=_axes(projection="polar")), TypeError, "ax", id="timeseries-ax-polar"),
    pytest.param(lambda: plot_timeseries(SIGNALS, ax=plt.figure()), TypeError, "ax", id="timeseries-ax-figure"),
    pytest.param(lambda: plot_timeseries(SIGNALS, standardize="yes"), TypeError, "standardize", id="timeseries-standardize-text"),
    pytest.param(lambda: plot_timeseries(SIGNALS, units=3), TypeError, "units", id="timeseries-units-int"),
    # plot_volume_slices
    pytest.param(lambda: plot_volume_slices([]), ValueError, "volumes", id="volumes-empty"),
    pytest.param(lambda: plot_volume_slices(VOLUME), ValueError, "volumes", id="volumes-array-not-list"),
    pytest.param(lambda: plot_volume_slices([np.ones((4, 5))]), ValueError, "volumes[0]", id="volumes-2d"),
    pytest.param(lambda: plot_volume_slices([VOLUME, np.ones((4, 5, 7))]), ValueError, "volumes[1]", id="volumes-shapes-differ"),
    pytest.param(lambda: plot_volume_slices(["brain.nii"]), TypeError, "volumes[0]", id="volumes-path-text"),
    pytest.param(lambda: plot_volume_slices([VOLUME], coords=(0, 0, 9)), ValueError, "coords", id="volumes-coords-outside"),
    pytest.param(lambda: plot_volume_slices([VOLUME], labels=["a", "b"]), ValueError, "labels", id="volumes-labels-count"),
    pytest.param(lambda: plot_volume_slices([VOLUME], cmap="gray_rr"), ValueError, "cmap", id="volumes-cmap-typo"),
    pytest.param(lambda: plot_volume_slices([VOLUME], vmin=2, vmax=1), ValueError, "vmin", id="volumes-vmin-above-vmax"),
    # plot_attention_on_image
    pytest.param(lambda: plot_attention_on_image("cat.png", ATTENTION), TypeError, "image", id="attention-image-path"),
    pytest.param(lambda: plot_attention_on_image(np.zeros((8, 8, 4)), ATTENTION), ValueError, "image", id="attention-image-rgba"),
    pytest.param(lambda: plot_attention_on_image(IMAGE, np.ones((4, 4))), ValueError, "attention", id="attention-2d"),
    pytest.param(lambda: plot_attention_on_image(IMAGE, np.full((1, 2, 2), np.nan)), ValueError, "attention", id="attention-nan"),
    pytest.param(lambda: plot_attention_on_image(IMAGE, "maps"), TypeError, "attention", id="attention-text"),
    pytest.param(lambda: plot_attention_on_image([IMAGE, IMAGE], ATTENTION[None]), ValueError, "attention", id="attention-image-count"),
    pytest.param(lambda: plot_attention_on_image(IMAGE, ATTENTION, ["FFA"]), ValueError, "roi_names", id="attention-roi-names-count"),
    pytest.param(lambda: plot_attention_on_image(IMAGE, ATTENTION, alpha=2), ValueError, "alpha", id="attention-alpha-above-1"),
    pytest.param(lambda: plot_attention_on_image(IMAGE, ATTENTION, ncols=0), ValueError, "ncols", id="attention-ncols-zero"),
    pytest.param(lambda: plot_attention_on_image([IMAGE], ATTENTION[None], ncols=2), ValueError, "ncols", id="attention-ncols-with-list"),
    pytest.param(lambda: plot_attention_on_image(IMAGE, ATTENTION, cmap="infern0"), ValueError, "cmap", id="attention-cmap-typo"),
    # flow_to_rgb, plot_flow, plot_flow_comparison
    pytest.param(lambda: flow_to_rgb(np.ones((4, 4, 3))), ValueError, "flow", id="flow-rgb-last-axis"),
    pytest.param(lambda: flow_to_rgb(np.full((2, 2, 2), np.nan)), ValueError, "flow", id="flow-rgb-nan"),
    pytest.param(lambda: flow_to_rgb([["right"]]), TypeError, "flow", id="flow-rgb-text"),
    pytest.param(lambda: flow_to_rgb(FLOW, max_magnitude=0), ValueError, "max_magnitude", id="flow-rgb-magnitude-zero"),
    pytest.param(lambda: plot_flow(FLOW, kind="arrows"), ValueError, "kind", id="flow-kind-unknown"),
    pytest.param(lambda: plot_flow(FLOW, step=0), ValueError, "step", id="flow-step-zero"),
    pytest.param(lambda: plot_flow(FLOW, alpha=-0.1), ValueError, "alpha", id="flow-alpha-negative"),
    pytest.param(lambda: plot_flow(FLOW, image="frame.png"), TypeError, "image", id="flow-image-path"),
    pytest.param(lambda: plot_flow(FLOW, legend="no"), TypeError, "legend", id="flow-legend-text"),
    pytest.param(lambda: plot_flow(FLOW, units=3), TypeError, "units", id="flow-units-int"),
    pytest.param(lambda: plot_flow(FLOW, max_magnitude=-1), ValueError, "max_magnitude", id="flow-magnitude-negative"),
    pytest.param(lambda: plot_flow_comparison(FLOWS, FLOWS[:2]), ValueError, "decoded_flow", id="comparison-shapes-differ"),
    pytest.param(lambda: plot_flow_comparison(FLOW, FLOW), ValueError, "true_flow", id="comparison-rank"),
    pytest.param(lambda: plot_flow_comparison(FLOWS, FLOWS, times=[5]), ValueError, "times", id="comparison-times-outside"),
    pytest.param(lambda: plot_flow_comparison(FLOWS[:, None], FLOWS[:, None], frame=1), ValueError, "frame", id="comparison-frame-outside"),
    pytest.param(lambda: plot_flow_comparison(FLOWS, FLOWS, t_r=-1), ValueError, "t_r", id="comparison-t_r-negative"),
    pytest.param(lambda: plot_flow_comparison(FLOWS, FLOWS, kind="lines"), ValueError, "kind", id="comparison-kind-unknown"),
    # add_color_wheel
    pytest.param(lambda: add_color_wheel("ax", 1.0), TypeError, "ax", id="wheel-ax-text"),
    pytest.param(lambda: add_color_wheel(_axes(projection="3d"), 1.0), TypeError, "ax", id="wheel-ax-3d"),
    pytest.param(lambda: add_color_wheel(_axes(), 0), ValueError, "max_magnitude", id="wheel-radius-zero"),
    pytest.param(lambda: add_color_wheel(_axes(), -2.0), ValueError, "max_magnitude", id="wheel-radius-negative"),
    pytest.param(lambda: add_color_wheel(_axes(), 1.0, size=0), ValueError, "size", id="wheel-size-zero"),
    pytest.param(lambda: add_color_wheel(_axes(), 1.0, units=1), TypeError, "units", id="wheel-units-int"),
    # plot_motion_tuning_on_cortex
    pytest.param(lambda: plot_motion_tuning_on_cortex(FSAVERAGE5, vmin=0), TypeError, "vmin", id="tuning-vmin-reserved"),
    pytest.param(lambda: plot_motion_tuning_on_cortex(["up"] * 20484), TypeError, "preferred_direction", id="tuning-directions-text"),
    pytest.param(lambda: plot_motion_tuning_on_cortex(FSAVERAGE5, cmap="twilite"), ValueError, "cmap", id="tuning-cmap-typo"),
    pytest.param(lambda: plot_motion_tuning_on_cortex(FSAVERAGE5, speed_cmap=2), TypeError, "speed_cmap", id="tuning-speed-cmap-int"),
    # save_figure
    pytest.param(lambda: save_figure(None, "figure"), TypeError, "fig", id="save-fig-none"),
    pytest.param(lambda: save_figure(_axes(), "figure"), TypeError, "fig", id="save-axes-not-figure"),
    pytest.param(lambda: save_figure(plt.figure(), "figure", dpi=0), ValueError, "dpi", id="save-dpi-zero"),
    pytest.param(lambda: save_figure(plt.figure(), None), TypeError, "output_file", id="save-output-file-none"),
    pytest.param(lambda: save_figure(plt.figure(), "figure.docx"), ValueError, "output_file", id="save-suffix-unknown"),
    # plot_roi_scores
    pytest.param(lambda: plot_roi_scores([0.1, 0.2]), TypeError, "scores", id="roi-scores-list"),
    pytest.param(lambda: plot_roi_scores(pd.DataFrame({"r": [0.1]})), ValueError, "score", id="roi-scores-no-score"),
    pytest.param(lambda: plot_roi_scores(_roi_table().drop(columns="high")), ValueError, "high", id="roi-scores-low-only"),
    pytest.param(lambda: plot_roi_scores(_roi_table().assign(low=[0.6, 0.3])), ValueError, "scores", id="roi-scores-interval"),
    pytest.param(lambda: plot_roi_scores(_roi_table().assign(roi=["V1", "V1"])), ValueError, "scores", id="roi-scores-duplicate-roi"),
    pytest.param(lambda: plot_roi_scores(_roi_table().assign(score=["0.5", "0.4"])), TypeError, "score", id="roi-scores-text-score"),
    pytest.param(lambda: plot_roi_scores(_roi_table().drop(columns=["low", "high"]).assign(score=["a", "b"])), TypeError, "score", id="roi-scores-text-no-interval"),
    pytest.param(lambda: plot_roi_scores({"a": _roi_table(), "b": _roi_table().assign(roi=["V1", "V3"])}), ValueError, "V3", id="roi-scores-other-rois"),
    pytest.param(lambda: plot_roi_scores(_roi_table(), noise_ceiling=[0.5]), ValueError, "noise_ceiling", id="roi-ceiling-length"),
    pytest.param(lambda: plot_roi_scores(_roi_table(), noise_ceiling={"V9": 0.5}), ValueError, "noise_ceiling", id="roi-ceiling-unknown"),
    pytest.param(lambda: plot_roi_scores(_roi_table(), noise_ceiling=["a", "b"]), TypeError, "noise_ceiling", id="roi-ceiling-text"),
    pytest.param(lambda: plot_roi_scores(_roi_table(), confidence=95), ValueError, "confidence", id="roi-confidence-percent"),
    pytest.param(lambda: plot_roi_scores(_roi_table(), confidence=True), ValueError, "confidence", id="roi-confidence-bool"),
    pytest.param(lambda: plot_roi_scores(_roi_table(), ylabel=3), TypeError, "ylabel", id="roi-ylabel-int"),
]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("call, expected, fragment", CASES)
def test_bad_input(call, expected, fragment, check_row):
    check_row(call, expected, fragment)


def test_a_refused_call_leaves_no_figure_open():
    with pytest.raises(ValueError):
        plot_matrix(MATRIX, vmin=1, vmax=0)
    with pytest.raises(TypeError):
        plot_flow(FLOW, legend="no")
    assert plt.get_fignums() == []
