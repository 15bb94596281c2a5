"""The built-in natural-image autoencoder (downsampling 32, 32 latent channels).

neurost ships a small convolutional autoencoder so that tokenization works
offline, without the hub weights of the DC-AE the TABLeT paper uses
(``dc-ae-f32c32-in-1.0``, about 2 GB of downloads). It has the same latent
geometry as that DC-AE -- 32x spatial downsampling, 32 latent channels --
so the default :class:`~neurost.tokenize.SliceTokenizer` gives the paper's
27 tokens of 3072 dimensions per 96^3 frame; its latents are of course not
those of the DC-AE.

Architecture (3 x H x W images in [-1, 1], H and W multiples of 32)::

    encoder                                  output (H = W = 96)
    conv 4x4 stride 4, 3 -> 32               32 x 24 x 24   (patchify stem)
    residual block (3x3 32 -> 16, 1x1 16 -> 32)
    conv 2x2 stride 2, 32 -> 64              64 x 12 x 12
    residual block (3x3 64 -> 32, 1x1 32 -> 64)
    conv 2x2 stride 2, 64 -> 128             128 x 6 x 6
    conv 2x2 stride 2, 128 -> 32             32 x 3 x 3     (latents)

    decoder: the mirror image, with transposed convolutions
    (32 -> 128 -> 64 -> 32 -> 3), a residual block at 12 x 12, two at
    24 x 24 and a linear output (not clipped).

Residual blocks are ``x + conv1x1(silu(conv3x3(silu(x))))``; there is no
normalisation layer, so a slice's latents depend on that slice only. The
encoder costs about 9.3 million multiply-adds (18.6 MFLOPs) per 96 x 96
slice.

Training data: only natural images that ship with installed packages
(:func:`neurost.datasets.load_natural_images`, further images of
``skimage.data`` inside its wheel) and synthetic dead-leaves images; no
brain data. Random crops at several scales, flips, rotations by 90 degrees,
grey-level copies repeated to three channels, brightness and contrast
jitter, and random elliptical windows on a constant background; L1 + MSE
loss, AdamW. ``analyses/train_builtin_autoencoder.py`` reproduces the
shipped weights (``weights/builtin_f32c32.pt``).
"""

from torch import nn

#: File name of the shipped weights, inside ``neurost/tokenize/weights``.
WEIGHTS_FILE = "builtin_f32c32.pt"

#: Spatial downsampling factor of the built-in autoencoder.
DOWNSAMPLING = 32

#: Latent channels of the built-in autoencoder.
LATENT_CHANNELS = 32


class _Residual(nn.Module):
    """``x + conv1x1(silu(conv3x3(silu(x))))``, keeping shape (n, c, h, w)."""

    def __init__(self, channels, hidden):
        super().__init__()
        self.spatial = nn.Conv2d(channels, hidden, 3, padding=1)
        self.mix = nn.Conv2d(hidden, channels, 1)
        self.act = nn.SiLU()

    def forward(self, x):
        return x + self.mix(self.act(self.spatial(self.act(x))))


class BuiltinAutoencoder(nn.Module):
    """Small convolutional autoencoder, 32x downsampling, 32 latent channels.

    See the module docstring for the architecture and training data.

    Attributes
    ----------
    downsampling : int
        32: a 96 x 96 image gives 3 x 3 latents.
    latent_channels : int
        32.
    """

    downsampling = DOWNSAMPLING
    latent_channels = LATENT_CHANNELS

    def __init__(self):
        super().__init__()
        act = nn.SiLU
        self.encoder = nn.Sequential(
            nn.Conv2d(3, 32, 4, stride=4),
            _Residual(32, 16),
            act(),
            nn.Conv2d(32, 64, 2, stride=2),
            _Residual(64, 32),
            act(),
            nn.Conv2d(64, 128, 2, stride=2),
            act(),
            nn.Conv2d(128, LATENT_CHANNELS, 2, stride=2),
        )
        self.decoder = nn.Sequential(
            nn.ConvTranspose2d(LATENT_CHANNELS, 128, 2, stride=2),
            act(),
            nn.ConvTranspose2d(128, 64, 2, stride=2),
            _Residual(64, 32),
            act(),
            nn.ConvTranspose2d(64, 32, 2, stride=2),
            _Residual(32, 16),
            _Residual(32, 16),
            act(),
            nn.ConvTranspose2d(32, 3, 4, stride=4),
        )

    def encode(self, images):
        """Encode images (n, 3, H, W) in [-1, 1] to latents (n, 32, H/32, W/32)."""
        return self.encoder(images)

    def encode_grey(self, images):
        """Encode grey images (n, 1, H, W) as :meth:`encode` does their 3-channel copies.

        The stem convolution of three equal channels is one convolution
        with the stem's weights summed over its input channels.
        """
        stem = self.encoder[0]
        x = nn.functional.conv2d(
            images, stem.weight.sum(dim=1, keepdim=True), stem.bias, stride=stem.stride
        )
        return self.encoder[1:](x)

    def decode(self, latents):
        """Decode latents (n, 32, h, w) to images (n, 3, 32 h, 32 w)."""
        return self.decoder(latents)

    def forward(self, images):
        """Reconstruct images (n, 3, H, W): ``decode(encode(images))``."""
        return self.decode(self.encode(images))
