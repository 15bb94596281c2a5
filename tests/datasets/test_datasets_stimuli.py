"""Natural images and the sample video."""

from pathlib import Path

import numpy as np
import pytest

from neurost.datasets import NATURAL_IMAGES, load_natural_images, load_sample_video


def test_natural_images_are_uint8_rgb_with_credits():
    data = load_natural_images()
    assert data.names == list(NATURAL_IMAGES) and len(data.images) == 8
    for name, image in zip(data.names, data.images):
        assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3
        assert min(image.shape[:2]) >= 300 and image.std() > 10
        source = data.provenance[name]
        assert source["package"] in ("scikit-image", "scikit-learn")
        assert Path(source["files"][0]).is_file() and source["source"]
    camera = data.images[data.names.index("camera")]
    np.testing.assert_array_equal(camera[..., 0], camera[..., 2])  # grey level
    assert data.images[0].shape == (512, 512, 3)  # the astronaut
    assert "uint8 RGB" in data.description


def test_natural_images_selects_by_name():
    data = load_natural_images(["china", "coffee"])
    assert data.names == ["china", "coffee"]
    assert [image.shape for image in data.images] == [(427, 640, 3), (400, 600, 3)]
    assert set(data.provenance) == {"china", "coffee"}


def test_natural_images_refuses_unknown_names():
    with pytest.raises(ValueError, match="Did you mean 'coffee'"):
        load_natural_images(["cofee"])
    with pytest.raises(TypeError, match="list of image names"):
        load_natural_images("coffee")


def test_sample_video_has_frames_and_a_frame_rate():
    video = load_sample_video()
    assert video.frames.dtype == np.uint8
    assert video.frames.shape == (24, 25, 14, 3)
    assert np.abs(np.diff(video.frames.astype(int), axis=0)).sum() > 0  # it moves
    assert video.frame_rate == pytest.approx(1 / 0.07)
    np.testing.assert_allclose(video.frame_times, np.arange(24) * 0.07)
    assert "24 RGB frames" in video.description
    assert video.provenance["package"] == "scikit-image"
    assert Path(video.provenance["files"][0]).name == "no_time_for_that_tiny.gif"
