"""Values and atlases on the cortex: per-vertex arrays, figures, errors."""

import numpy as np
import pytest
from matplotlib.colors import to_rgba
from nilearn.surface import InMemoryMesh, PolyData, PolyMesh, SurfaceImage

from neurost.atlases import Atlas
from neurost.datasets import load_surface_mesh
from neurost.plotting import plot_atlas_on_cortex, plot_on_cortex, vertex_values

N_FS5 = 10242


def _octahedron(shift):
    coordinates = np.array(
        [[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]],
        dtype=float,
    ) * 30 + [shift, 0, 0]
    faces = np.array(
        [[0, 2, 4], [2, 1, 4], [1, 3, 4], [3, 0, 4],
         [2, 0, 5], [1, 2, 5], [3, 1, 5], [0, 3, 5]]
    )
    return InMemoryMesh(coordinates, faces)


@pytest.fixture(scope="module")
def tiny_atlas():
    """Two hemispheres of 6 vertices; ROIs 'a' (index 1), 'b' (2), 'c' (3)."""
    mesh = PolyMesh(left=_octahedron(-40), right=_octahedron(40))
    labels = {
        "left": np.array([1, 1, 2, 2, 0, 0]),
        "right": np.array([3, 3, 3, 0, 0, 1]),
    }
    return Atlas.from_arrays(
        labels, ["a", "b", "c"], mesh=mesh, name="tiny",
        groupings={"lobes": {"front": ["a", "b"], "back": ["c"]}},
    )


def test_roi_values_land_on_the_vertices_of_their_roi(atlas):
    yeo = atlas("yeo7")
    table = yeo.table
    visual = int(table.loc[table["name"] == "Visual", "index"].iloc[0])
    per_vertex = vertex_values({"Visual": 0.5}, yeo)
    for part, labels in yeo.labels.items():
        inside = labels == visual
        assert inside.sum() > 1000
        np.testing.assert_array_equal(per_vertex[part][inside], 0.5)
        assert np.isnan(per_vertex[part][~inside]).all()
    by_index = vertex_values({visual: 0.5}, yeo)
    np.testing.assert_array_equal(by_index["left"], per_vertex["left"])
    in_order = vertex_values(np.arange(7.0), yeo)
    for position, index in enumerate(table["index"]):
        inside = yeo.labels["right"] == index
        np.testing.assert_array_equal(in_order["right"][inside], position)
    assert np.isnan(in_order["left"][yeo.labels["left"] == 0]).all()  # medial wall


def test_values_per_group_of_a_grouping(atlas):
    mmp = atlas("mmp1")
    selection = mmp.resolve_rois("visual_streams")
    per_vertex = vertex_values(np.arange(4.0), mmp, rois="visual_streams")
    for position, members in enumerate(selection.values()):
        inside = np.isin(mmp.labels["left"], members)
        np.testing.assert_array_equal(per_vertex["left"][inside], position)
    outside = ~np.isin(mmp.labels["left"], np.concatenate(list(selection.values())))
    assert np.isnan(per_vertex["left"][outside]).all()


def test_per_vertex_inputs_agree():
    rng = np.random.default_rng(0)
    left, right = rng.normal(size=N_FS5), rng.normal(size=N_FS5)
    image = SurfaceImage(
        mesh=load_surface_mesh("fsaverage5", "pial"),
        data=PolyData(left=left, right=right),
    )
    both = {"left": left, "right": right}
    for values in (both, np.concatenate([left, right]), image):
        per_vertex = vertex_values(values)
        np.testing.assert_array_equal(per_vertex["left"], left)
        np.testing.assert_array_equal(per_vertex["right"], right)


def test_per_vertex_values_are_masked_to_selected_rois(tiny_atlas):
    per_vertex = vertex_values(np.arange(12.0), tiny_atlas, rois=["a"])
    np.testing.assert_array_equal(per_vertex["left"][:2], [0, 1])
    assert np.isnan(per_vertex["left"][2:]).all()
    np.testing.assert_array_equal(np.isfinite(per_vertex["right"]), [0, 0, 0, 0, 0, 1])


@pytest.mark.parametrize(
    ("values", "target", "error", "match"),
    [
        ({"left": np.zeros(10), "right": np.zeros(N_FS5)}, "fsaverage5", ValueError,
         r"values\['left'\] has 10 vertices but the left hemisphere .* has 10242"),
        ({"V2": 1.0}, "yeo7", ValueError,
         r"'V2' is not an ROI of atlas 'yeo7' \(ROIs: \['Visual'"),
        ({"Visaul": 1.0}, "yeo7", ValueError, "Did you mean 'Visual'"),
        ({99: 1.0}, "yeo7", ValueError, "has no ROI with index 99"),
        ({"Visual": 1.0, 1: 2.0}, "yeo7", ValueError, "gives ROI 'Visual' twice"),
        (np.zeros(5), "yeo7", ValueError, r"one value per ROI \(7 .*\) or per vertex"),
        ({"Visual": 1.0}, None, ValueError, "pass atlas_or_mesh= the surface atlas"),
        (np.zeros(100), None, ValueError, "not one value per vertex of a standard"),
        (np.full(2 * N_FS5, np.inf), None, ValueError, "infinite value"),
        (["x"] * (2 * N_FS5), None, TypeError, "values must hold numbers"),
        (np.zeros((2 * N_FS5, 2)), "fsaverage5", ValueError, "one value per vertex"),
        (np.zeros(2 * N_FS5), "power264", ValueError, "is a coordinates atlas"),
        (np.zeros(2 * N_FS5), 3, TypeError, "atlas_or_mesh must be"),
    ],
)
def test_bad_values_are_refused(atlas, values, target, error, match):
    if target in ("yeo7", "power264"):
        target = atlas(target)
    with pytest.raises(error, match=match):
        vertex_values(values, target)


def test_plot_on_cortex_3d_panels_share_one_colorbar(tmp_path, assert_saved):
    rng = np.random.default_rng(1)
    values = rng.normal(size=2 * N_FS5)
    figure, axes = plot_on_cortex(
        values, "fsaverage5", colorbar_label="Pearson r", title="Scores", dpi=40,
        output_file=tmp_path / "scores",
    )
    assert axes.shape == (2, 2)
    assert len(figure.axes) == 5
    assert all(len(ax.images) == 1 for ax in axes.flat)
    assert axes[0, 0].get_title() == "Left hemisphere"
    colorbar_axes = figure.axes[-1]
    assert colorbar_axes.get_xlabel() == "Pearson r"
    limit = np.abs(values).max()
    np.testing.assert_allclose(colorbar_axes.get_xlim(), (-limit, limit))
    assert figure._suptitle.get_text() == "Scores"
    assert_saved([tmp_path / "scores.png", tmp_path / "scores.pdf"])


def test_flat_map_draws_roi_values_in_their_colours(atlas, tmp_path, assert_saved):
    yeo = atlas("yeo7")
    figure, axes = plot_on_cortex(
        {"Visual": 1.0, "Default": 0.0}, yeo, surface="flat", cmap="viridis",
        vmin=0, vmax=1, colorbar_label="accuracy", output_file=tmp_path / "flat.png",
    )
    assert axes.shape == (1, 2) and len(figure.axes) == 3
    assert figure.axes[-1].get_xlabel() == "accuracy"
    visual = int(yeo.table.set_index("name").loc["Visual", "index"])
    faces = load_surface_mesh("fsLR32k", "flat").parts["left"].faces
    drawn = axes[0, 0].collections[0].get_facecolor()
    in_visual = (yeo.labels["left"][faces] == visual).all(axis=1)
    unlabelled = (yeo.labels["left"][faces] == 0).all(axis=1)
    np.testing.assert_allclose(drawn[in_visual], [to_rgba("#fde725")] * in_visual.sum(),
                               atol=0.01)  # viridis(1.0)
    grey = drawn[unlabelled]
    np.testing.assert_allclose(grey[:, 0], grey[:, 2])  # the sulcal background
    assert_saved([tmp_path / "flat.png", tmp_path / "flat.pdf"])


def test_atlas_colours_and_legend(atlas):
    yeo = atlas("yeo7")
    figure, axes = plot_atlas_on_cortex(yeo, surface="flat", title="Yeo 7")
    assert axes.shape == (1, 2) and len(figure.axes) == 2
    legend = figure.legends[0]
    assert [t.get_text() for t in legend.get_texts()] == yeo.roi_names
    colors = [handle.get_facecolor() for handle in legend.legend_handles]
    np.testing.assert_allclose(colors, [to_rgba(c) for c in yeo.table["color"]])


def test_atlas_groups_on_a_mesh_of_its_own(tiny_atlas, tmp_path, assert_saved):
    figure, axes = plot_atlas_on_cortex(
        tiny_atlas, "lobes", colors={"front": "red", "back": "blue"},
        views=("lateral",), dpi=30, output_file=tmp_path / "tiny.svg",
    )
    assert axes.shape == (1, 2)
    legend = figure.legends[0]
    assert [t.get_text() for t in legend.get_texts()] == ["front", "back"]
    assert legend.legend_handles[0].get_facecolor() == to_rgba("red")
    assert_saved([tmp_path / "tiny.png", tmp_path / "tiny.pdf"])
    assert (tmp_path / "tiny.svg").stat().st_size > 1000
    many = plot_atlas_on_cortex(tiny_atlas, legend=False, views="medial", dpi=30)[0]
    assert not many.legends


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"views": ("side",)}, ValueError, "views='side' is not valid"),
        ({"surface": "flat", "views": "lateral"}, ValueError, "does not apply to flat"),
        ({"surface": "inflated"}, ValueError, "picks a standard mesh"),
        ({"hemispheres": ("left", "left")}, ValueError, "'left' and/or 'right' once"),
        ({"hemispheres": ("front",)}, ValueError, "hemispheres='front' is not valid"),
        ({"colors": ["red"]}, ValueError, "one colour per ROI drawn"),
        ({"colors": {"a": "red", "z": "blue"}}, ValueError, "'z' is not an ROI drawn"),
        ({"colors": ["red", "blue", "nope"]}, ValueError, "matplotlib colours"),
        ({"width": -2}, ValueError, "width must be a positive number"),
        ({"dpi": 0}, ValueError, "dpi must be a positive number"),
    ],
)
def test_bad_layouts_are_refused(tiny_atlas, kwargs, error, match):
    with pytest.raises(error, match=match):
        plot_atlas_on_cortex(tiny_atlas, **{"dpi": 20, **kwargs})


def test_missing_hemisphere_and_bad_arguments_are_named():
    with pytest.raises(ValueError, match=r"no right hemisphere .*=\('left',\)"):
        plot_on_cortex({"left": np.ones(N_FS5)}, "fsaverage5")
    with pytest.raises(ValueError, match="threshold must be a non-negative number"):
        plot_on_cortex(np.ones(2 * N_FS5), threshold=-1)
    with pytest.raises(TypeError, match="atlas must be a surface atlas"):
        plot_atlas_on_cortex("yeo7")
