"""GaborPyramid: orientation tuning, retinotopy, colour channels, shapes."""

import numpy as np
import pytest
import torch

from neurost.features.gabor import GaborPyramid

SIZE = 64


def as_batch(luminance):
    return torch.tensor(np.repeat(luminance[None, None], 3, axis=1), dtype=torch.float32)


def grating(theta, frequency=0.125):
    rows, cols = np.mgrid[0:SIZE, 0:SIZE]
    return 0.5 + 0.5 * np.cos(2 * np.pi * frequency * (cols * np.cos(theta) + rows * np.sin(theta)))


@pytest.mark.parametrize("orientation", range(8))
def test_grating_drives_the_matching_orientation(orientation):
    model = GaborPyramid(spatial_frequencies=(0.25, 0.125, 0.0625))
    with torch.no_grad():
        features = model(as_batch(grating(np.pi * orientation / 8)))[0]
    energy = features[:24].mean(dim=(1, 2)).reshape(3, 8)
    assert int(energy[1].argmax()) == orientation  # the grating's frequency
    assert energy[1].max() > energy[0].max() and energy[1].max() > energy[2].max()


def test_a_patch_moves_the_peak_on_the_grid():
    model = GaborPyramid(n_orientations=4, spatial_frequencies=(0.25,), grid=(8, 8))
    peaks = []
    for row, col in [(4, 4), (36, 44)]:
        image = np.full((SIZE, SIZE), 0.5)
        image[row : row + 16, col : col + 16] = grating(0, 0.25)[:16, :16]
        with torch.no_grad():
            energy = model(as_batch(image))[0, 0]
        peaks.append(np.unravel_index(int(energy.argmax()), energy.shape))
    assert peaks[0] in {(0, 0), (0, 1), (1, 0), (1, 1)}
    assert peaks[1] in {(4, 5), (4, 6), (5, 5), (5, 6)}


def test_shapes_and_colour_channels():
    model = GaborPyramid(n_orientations=6, spatial_frequencies=(0.25, 0.1), grid=(4, 5))
    assert model.n_channels == 14
    red = torch.zeros(2, 3, 40, 30)
    red[:, 0] = 1.0
    with torch.no_grad():
        out = model(red)
    assert out.shape == (2, 14, 4, 5)
    np.testing.assert_allclose(out[:, :12].numpy(), 0, atol=1e-5)  # uniform: no edges
    np.testing.assert_allclose(out[:, 12].numpy(), 0.5, atol=1e-6)  # (R - G) / 2
    np.testing.assert_allclose(out[:, 13].numpy(), -0.5, atol=1e-6)  # B - (R + G) / 2
    assert not any(p.requires_grad for p in model.parameters())
    assert {"colour", "energy", "pool"} <= set(dict(model.named_modules()))


def test_responses_do_not_depend_on_contrast_polarity():
    model = GaborPyramid(n_orientations=4, spatial_frequencies=(0.125,))
    image = grating(np.pi / 4, 0.125)
    with torch.no_grad():
        first = model(as_batch(image))[0, :4]
        flipped = model(as_batch(1.0 - image))[0, :4]
    np.testing.assert_allclose(first.numpy(), flipped.numpy(), atol=1e-4)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_orientations": 0}, "n_orientations"),
        ({"spatial_frequencies": (0.5,)}, "spatial_frequencies"),
        ({"spatial_frequencies": ()}, "spatial_frequencies"),
        ({"grid": (4, 0)}, "grid"),
    ],
)
def test_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GaborPyramid(**kwargs)
