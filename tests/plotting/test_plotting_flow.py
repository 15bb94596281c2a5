"""Flow fields and motion tuning: colour coding, arrows, comparisons, cortex maps, errors."""

import numpy as np
import pytest
from matplotlib.colors import hsv_to_rgb
from nilearn.surface import InMemoryMesh, PolyMesh

from neurost.metrics import endpoint_error
from neurost.plotting.flow import (
    flow_to_rgb,
    plot_flow,
    plot_flow_comparison,
    plot_motion_tuning_on_cortex,
)


def rotating_flow(size=24):
    """A field turning counter-clockwise on screen around the centre."""
    y, x = np.mgrid[:size, :size] - (size - 1) / 2
    # On screen "up" is -y: counter-clockwise motion is (dx, dy) = (y, -x).
    return np.stack([y, -x], axis=-1) / size


def test_hue_is_the_direction_and_saturation_the_magnitude():
    flow = np.array([[[1, 0], [0, -1], [-1, 0], [0, 1]], [[0.5, 0], [0, 0], [2, 0], [1, -1]]])
    rgb, scale = flow_to_rgb(flow, max_magnitude=1.0)
    assert scale == 1.0 and rgb.shape == (2, 4, 3)
    expected = hsv_to_rgb(
        [[[0, 1, 1], [0.25, 1, 1], [0.5, 1, 1], [0.75, 1, 1]],
         [[0, 0.5, 1], [0, 0, 1], [0, 1, 1], [0.125, 1, 1]]]
    )
    np.testing.assert_allclose(rgb, expected, atol=1e-12)
    np.testing.assert_allclose(rgb[0, 0], [1, 0, 0])  # rightward is red
    np.testing.assert_allclose(rgb[1, 1], [1, 1, 1])  # still is white


def test_default_scale_is_the_largest_magnitude():
    flow = np.zeros((3, 3, 2))
    flow[1, 1] = (3.0, 4.0)
    rgb, scale = flow_to_rgb(flow)
    assert scale == 5.0
    np.testing.assert_allclose(rgb[1, 1], hsv_to_rgb([np.arctan2(-4, 3) / (2 * np.pi) % 1, 1, 1]))
    assert flow_to_rgb(np.zeros((2, 2, 2)))[1] == 1.0  # a still field


@pytest.mark.parametrize("kind", ["hsv", "quiver", "both"])
def test_plot_flow_kinds_write_files(kind, tmp_path, assert_saved):
    flow = rotating_flow()
    figure, ax = plot_flow(flow, kind=kind, step=4, title="rotation", output_file=tmp_path / kind)
    assert ax.get_title() == "rotation"
    assert len(ax.images) == (0 if kind == "quiver" else 1)
    assert len(ax.collections) == (0 if kind == "hsv" else 1)
    assert len(ax.child_axes) == (0 if kind == "quiver" else 1)
    if kind != "hsv":
        arrows = ax.collections[0]
        assert arrows.U.size == 36  # 24 x 24 cells, one arrow every 4
        np.testing.assert_allclose(arrows.U, flow[2::4, 2::4, 0].ravel())
        np.testing.assert_allclose(arrows.V, flow[2::4, 2::4, 1].ravel())
        assert arrows.scale == pytest.approx(np.hypot(*flow.reshape(-1, 2).T).max() / 4)
    assert figure is ax.figure
    assert_saved([tmp_path / f"{kind}.png", tmp_path / f"{kind}.pdf"])


def test_plot_flow_over_an_image_of_another_size():
    image = np.random.default_rng(0).uniform(size=(96, 96))
    _, ax = plot_flow(rotating_flow(), image, kind="both", max_magnitude=2.0, alpha=0.5)
    background, colours = ax.images
    assert background.get_array().shape == (96, 96)
    assert background.get_extent() == colours.get_extent() == [-0.5, 23.5, 23.5, -0.5]
    assert colours.get_alpha() == 0.5
    wheel_text = " ".join(t.get_text() for t in ax.child_axes[0].texts)
    assert "rim: 2" in wheel_text and "pixels per frame" in wheel_text


def test_comparison_shares_one_scale_and_reports_the_error(tmp_path, assert_saved):
    rng = np.random.default_rng(0)
    true = rng.normal(size=(5, 3, 8, 8, 2))
    decoded = true + rng.normal(scale=0.3, size=true.shape)
    figure, axes = plot_flow_comparison(
        true, decoded, times=[0, 4], frame=1, t_r=2.0, output_file=tmp_path / "comparison"
    )
    assert axes.shape == (2, 2)
    expected = endpoint_error(true[4, 1], decoded[4, 1])
    assert axes[0, 1].get_title() == f"8 s\nEPE {expected:.3g}"
    assert axes[0, 0].get_ylabel() == "true" and axes[1, 0].get_ylabel() == "decoded"
    drawn = np.concatenate([true[[0, 4], 1], decoded[[0, 4], 1]])
    largest = np.hypot(drawn[..., 0], drawn[..., 1]).max()
    np.testing.assert_allclose(axes[1, 1].images[0].get_array(), flow_to_rgb(decoded[4, 1], largest)[0])
    assert len(axes[0, -1].child_axes) == 1
    assert_saved([tmp_path / "comparison.png", tmp_path / "comparison.pdf"])


def test_comparison_of_many_samples_draws_six_columns():
    true = np.zeros((20, 4, 4, 2))
    true[..., 0] = 1.0
    _, axes = plot_flow_comparison(true, true, kind="quiver")
    assert axes.shape == (2, 6)
    assert axes[0, 0].get_title() == "TR 0\nEPE 0" and axes[0, -1].get_title().startswith("TR 19")


@pytest.mark.parametrize(
    ("flow", "kwargs", "match"),
    [
        (np.zeros((4, 4)), {}, r"shape \(H, W, 2\).*got shape \(4, 4\)"),
        (np.zeros((4, 4, 3)), {}, r"got shape \(4, 4, 3\)"),
        (np.full((4, 4, 2), np.nan), {}, "32 NaN or infinite"),
        (np.zeros((4, 4, 2)), {"kind": "arrows"}, "kind='arrows' is not valid"),
        (np.zeros((4, 4, 2)), {"max_magnitude": 0}, "max_magnitude must be a positive"),
        (np.zeros((4, 4, 2)), {"step": 0}, "step must be a positive integer"),
        (np.zeros((4, 4, 2)), {"alpha": 1.5}, r"alpha must be a number in \[0, 1\]"),
    ],
)
def test_plot_flow_refuses_bad_input(flow, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot_flow(flow, **kwargs)


def test_plot_flow_refuses_bad_files_and_images(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        plot_flow(np.zeros((4, 4, 2)), output_file=tmp_path / "no" / "flow")
    with pytest.raises(ValueError, match="image must have shape"):
        plot_flow(np.zeros((4, 4, 2)), np.zeros((4, 4, 2)))
    with pytest.raises(TypeError, match="numeric array"):
        plot_flow([["a", "b"]])


@pytest.mark.parametrize(
    ("decoded", "kwargs", "match"),
    [
        (np.zeros((3, 2, 4, 4, 2)), {}, "same shape"),
        (np.zeros((3, 4, 4, 2)), {"times": [3]}, "sample indices from 0 to 2"),
        (np.zeros((3, 4, 4, 2)), {"t_r": -1}, "t_r must be a positive"),
    ],
)
def test_comparison_refuses_bad_input(decoded, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot_flow_comparison(np.zeros((3, 4, 4, 2)), decoded, **kwargs)
    with pytest.raises(ValueError, match=r"frame must be the index .*\(0 to 1\)"):
        plot_flow_comparison(np.zeros((3, 2, 4, 4, 2)), np.zeros((3, 2, 4, 4, 2)), frame=2)
    with pytest.raises(ValueError, match=r"\(n, gh, gw, 2\) or"):
        plot_flow_comparison(np.zeros((4, 4, 2)), np.zeros((4, 4, 2)))


def _octahedron(shift):
    coordinates = np.array(
        [[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]], dtype=float
    ) * 30 + [shift, 0, 0]
    faces = np.array(
        [[0, 2, 4], [2, 1, 4], [1, 3, 4], [3, 0, 4], [2, 0, 5], [1, 2, 5], [3, 1, 5], [0, 3, 5]]
    )
    return InMemoryMesh(coordinates, faces)


@pytest.fixture(scope="module")
def mesh():
    return PolyMesh(left=_octahedron(-40), right=_octahedron(40))


def test_motion_tuning_wraps_directions_and_draws_speed(mesh, tmp_path, assert_saved):
    directions = {"left": np.array([0, 90, 180, 270, 360, 450.0]), "right": np.full(6, -90.0)}
    speed = {"left": np.arange(6.0), "right": np.arange(6.0)}
    figures = plot_motion_tuning_on_cortex(
        directions, mesh, speed=speed, speed_label="speed (deg/s)", views="lateral",
        dpi=30, output_file=tmp_path / "tuning",
    )
    assert set(figures) == {"direction", "speed"}
    figure, axes = figures["direction"]
    assert axes.shape == (1, 2)
    colorbar = figure.axes[-1]
    assert colorbar.get_xlim() == (0.0, 360.0)
    assert list(colorbar.get_xticks()) == [0, 90, 180, 270, 360]
    assert colorbar.get_xlabel().startswith("preferred direction (degrees")
    assert figures["speed"][0].axes[-1].get_xlabel() == "speed (deg/s)"
    assert_saved([tmp_path / f"tuning{s}" for s in (".png", ".pdf", "_speed.png", "_speed.pdf")])


def test_motion_tuning_without_speed_and_bad_arguments(mesh):
    figures = plot_motion_tuning_on_cortex(np.zeros(12), mesh, views="lateral", dpi=20)
    assert list(figures) == ["direction"]
    with pytest.raises(TypeError, match=r"sets \['vmax'\] itself"):
        plot_motion_tuning_on_cortex(np.zeros(12), mesh, vmax=180)
    with pytest.raises(TypeError, match="must hold numbers"):
        plot_motion_tuning_on_cortex(["north"] * 12, mesh)
