"""plot_attention_on_image: overlays, grids, shared colorbar, files, errors."""

import numpy as np
import pytest
from skimage.data import astronaut

from neurost.plotting.attention import plot_attention_on_image


@pytest.fixture(scope="module")
def image():
    return astronaut()[::4, ::4]  # 128 x 128 RGB, uint8


def softmax_maps(n_rois, size=8, seed=0):
    logits = np.random.default_rng(seed).normal(size=(n_rois, size * size))
    weights = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return weights.reshape(n_rois, size, size)


def test_one_image_and_three_rois(image, tmp_path, assert_saved):
    maps = softmax_maps(3)
    figure, axes = plot_attention_on_image(
        image, maps, ["V1", "FFA", "PPA"], title="Attention", output_file=tmp_path / "attention"
    )
    assert axes.shape == (1, 3)
    assert [ax.get_title() for ax in axes.flat] == ["V1", "FFA", "PPA"]
    overlay = axes[0, 1].images[1]
    assert overlay.get_array().shape == (128, 128)
    # bilinear upsampling keeps the mean of the map and its argmax cell
    np.testing.assert_allclose(overlay.get_array().mean(), maps[1].mean(), rtol=0.05)
    peak = np.unravel_index(overlay.get_array().argmax(), (128, 128))
    assert (peak[0] // 16, peak[1] // 16) == np.unravel_index(maps[1].argmax(), (8, 8))
    assert figure.axes[-1].get_ylabel() == "attention weight"
    assert overlay.get_clim() == (0.0, maps.max())
    assert figure.get_suptitle() == "Attention"
    assert_saved([tmp_path / "attention.png", tmp_path / "attention.pdf"])


def test_several_images_make_rows(image):
    grey = image.mean(axis=2) / 255.0
    maps = np.stack([softmax_maps(2, seed=1), softmax_maps(2, seed=2)])
    figure, axes = plot_attention_on_image([image, grey], maps)
    assert axes.shape == (2, 2)
    assert [ax.get_title() for ax in axes[1]] == ["ROI 1", "ROI 2"]
    assert axes[1, 0].images[0].get_array().ndim == 2  # grey image drawn in grey
    limits = {ax.images[1].get_clim() for ax in axes.flat}
    assert limits == {(0.0, maps.max())}  # one colour scale for all panels


def test_ncols_wraps_and_hides_spare_panels(image):
    _, axes = plot_attention_on_image(image, softmax_maps(5), ncols=2)
    assert axes.shape == (3, 2)
    assert not axes[2, 1].get_visible() and axes[2, 0].get_visible()


def test_bad_output_file_is_reported_before_drawing(image, tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        plot_attention_on_image(image, softmax_maps(1), output_file=tmp_path / "no" / "f")


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        ((softmax_maps(2),), {"roi_names": ["V1"]}, "name each of the 2 ROIs"),
        ((softmax_maps(2)[0],), {}, r"\(n_rois, h, w\) for one image; got shape \(8, 8\)"),
        ((softmax_maps(2)[None],), {}, r"got shape \(1, 2, 8, 8\)"),
        ((np.full((1, 4, 4), np.nan),), {}, "NaN"),
        ((softmax_maps(2),), {"alpha": 2}, "alpha must be"),
        ((softmax_maps(2),), {"ncols": 0}, "ncols must be a positive integer"),
    ],
)
def test_bad_input_is_refused(image, args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot_attention_on_image(image, *args, **kwargs)


def test_list_of_images_needs_four_dimensional_maps(image):
    with pytest.raises(ValueError, match=r"\(n_images, n_rois, h, w\)"):
        plot_attention_on_image([image, image], softmax_maps(2))
    with pytest.raises(ValueError, match="maps for 1 images; image holds 2"):
        plot_attention_on_image([image, image], softmax_maps(2)[None])
    with pytest.raises(ValueError, match="image must have shape"):
        plot_attention_on_image(np.zeros((4, 4, 2)), softmax_maps(1))
