"""A fixed, V1-like multi-scale Gabor energy model (the default backbone)."""

import math
import numbers

import torch
import torch.nn.functional as F
from torch import nn

#: Spatial frequency of the Gabor kernels at full resolution (cycles/pixel);
#: lower frequencies are reached by shrinking the image.
_KERNEL_FREQUENCY = 0.25
#: Gaussian envelope width in carrier wavelengths: one octave of bandwidth.
_SIGMA_PER_WAVELENGTH = 0.56


class ColourOpponency(nn.Module):
    """Luminance and two colour-opponent channels of an RGB image.

    Maps (n, 3, H, W) RGB to (n, 3, H, W): luminance (ITU-R BT.601
    weights), red-green ``(R - G) / 2`` and blue-yellow
    ``B - (R + G) / 2``.
    """

    def __init__(self):
        super().__init__()
        weights = torch.tensor(
            [
                [0.299, 0.587, 0.114],
                [0.5, -0.5, 0.0],
                [-0.5, -0.5, 1.0],
            ]
        )
        self.register_buffer("weight", weights[:, :, None, None])

    def forward(self, images):
        return F.conv2d(images, self.weight.to(images.dtype))


class GaborEnergy(nn.Module):
    """Quadrature Gabor energy at several scales, pooled on a grid.

    Maps luminance (n, 1, H, W) to (n, n_frequencies * n_orientations,
    grid_h, grid_w): channel ``s * n_orientations + o`` holds the
    log-compressed energy ``log(1 + sqrt(even^2 + odd^2))`` of spatial
    frequency ``s`` and orientation ``o``, averaged over each grid cell.
    """

    def __init__(self, n_orientations, spatial_frequencies, grid):
        super().__init__()
        self.n_orientations = n_orientations
        self.spatial_frequencies = tuple(spatial_frequencies)
        self.grid = tuple(grid)
        wavelength = 1.0 / _KERNEL_FREQUENCY
        sigma = _SIGMA_PER_WAVELENGTH * wavelength
        half = math.ceil(3 * sigma)
        coords = torch.arange(-half, half + 1, dtype=torch.float64)
        rows, cols = torch.meshgrid(coords, coords, indexing="ij")
        envelope = torch.exp(-(rows**2 + cols**2) / (2 * sigma**2))
        kernels = []
        for index in range(n_orientations):
            theta = math.pi * index / n_orientations
            phase = 2 * math.pi * _KERNEL_FREQUENCY * (
                cols * math.cos(theta) + rows * math.sin(theta)
            )
            even = envelope * torch.cos(phase)
            even = even - envelope * even.sum() / envelope.sum()  # no DC response
            odd = envelope * torch.sin(phase)
            kernels += [even / even.norm(), odd / odd.norm()]
        self.padding = half
        self.register_buffer("kernels", torch.stack(kernels)[:, None].float())

    def forward(self, luminance):
        height, width = luminance.shape[-2:]
        pooled = []
        for frequency in self.spatial_frequencies:
            shrink = frequency / _KERNEL_FREQUENCY
            image = luminance
            if shrink != 1:
                size = (max(1, round(height * shrink)), max(1, round(width * shrink)))
                image = F.interpolate(
                    luminance, size=size, mode="bilinear", antialias=True,
                    align_corners=False,
                )
            image = F.pad(image, (self.padding,) * 4, mode="replicate")
            responses = F.conv2d(image, self.kernels.to(image.dtype))
            even, odd = responses[:, 0::2], responses[:, 1::2]
            energy = torch.sqrt(even**2 + odd**2)
            pooled.append(F.adaptive_avg_pool2d(energy, self.grid))
        return torch.log1p(torch.cat(pooled, dim=1))


class GaborPyramid(nn.Module):
    """A fixed, hand-designed V1-like feature map on a patch grid.

    This is a small built-in backbone for offline examples and tests: it
    has no learned weights and needs no download. Real analyses should pass
    a pretrained backbone (e.g. DINOv2) to
    :class:`~neurost.features.BackboneFeatures` instead.

    The luminance of the image goes through quadrature pairs of Gabor
    filters at several spatial frequencies and orientations; each pair's
    energy ``sqrt(even^2 + odd^2)`` (phase-invariant, like a V1 complex
    cell) is averaged over the cells of a ``grid`` and log-compressed.
    Two colour-opponent channels (red-green, blue-yellow), averaged over the
    same cells, follow.

    Parameters
    ----------
    n_orientations : int, default=8
        Orientations evenly spaced over 180 degrees; orientation ``o`` is a
        wave vector at ``180 * o / n_orientations`` degrees from the image's
        column axis towards its row axis (rows point down), so ``o = 0``
        responds to vertical stripes.
    spatial_frequencies : sequence of float, default=(0.25, 0.125, 0.0625, 0.03125)
        Carrier frequencies in cycles per pixel of the input image, each in
        (0, 0.25]. Lower frequencies are reached by shrinking the image
        (bilinear, antialiased), as in an image pyramid.
    grid : int or (int, int), default=(16, 16)
        Pooling grid (rows, columns) of the output.

    Attributes
    ----------
    n_channels : int
        ``len(spatial_frequencies) * n_orientations + 2``.

    Notes
    -----
    Submodules: ``colour`` (luminance and colour-opponent channels),
    ``energy`` (Gabor energy pooled on the grid, (n, n_frequencies *
    n_orientations, grid_h, grid_w)) and ``pool`` (average pooling of the
    colour channels). Input: (n, 3, H, W) RGB, any normalisation.
    Output: (n, n_channels, grid_h, grid_w), Gabor channels first, ordered
    by frequency then orientation.
    """

    def __init__(
        self,
        n_orientations=8,
        spatial_frequencies=(0.25, 0.125, 0.0625, 0.03125),
        grid=(16, 16),
    ):
        super().__init__()
        if (
            isinstance(n_orientations, bool)
            or not isinstance(n_orientations, numbers.Integral)
            or n_orientations < 1
        ):
            raise ValueError(
                f"n_orientations must be a positive integer; got {n_orientations!r}."
            )
        frequencies = tuple(spatial_frequencies)
        if not frequencies or not all(
            isinstance(f, numbers.Real) and 0 < f <= _KERNEL_FREQUENCY
            for f in frequencies
        ):
            raise ValueError(
                "spatial_frequencies must be a non-empty sequence of numbers in "
                f"(0, {_KERNEL_FREQUENCY}] cycles per pixel; got "
                f"{spatial_frequencies!r}."
            )
        grid = (grid, grid) if isinstance(grid, numbers.Integral) else tuple(grid)
        if len(grid) != 2 or not all(
            isinstance(g, numbers.Integral) and not isinstance(g, bool) and g >= 1
            for g in grid
        ):
            raise ValueError(
                f"grid must be a positive int or a pair of them (rows, columns); "
                f"got {grid!r}."
            )
        self.n_channels = len(frequencies) * int(n_orientations) + 2
        self.colour = ColourOpponency()
        self.energy = GaborEnergy(int(n_orientations), frequencies, grid)
        self.pool = nn.AdaptiveAvgPool2d(grid)

    def forward(self, images):
        """Return the feature map of a batch.

        Parameters
        ----------
        images : torch.Tensor of shape (n, 3, H, W)

        Returns
        -------
        torch.Tensor of shape (n, n_channels, grid_h, grid_w)
        """
        opponent = self.colour(images)
        return torch.cat(
            [self.energy(opponent[:, :1]), self.pool(opponent[:, 1:])], dim=1
        )
