"""Fixed positional codes: 2-D sine codes for patch grids, rotary embeddings.

The 2-D sine code marks where a patch lies on a feature grid (used on the
keys of :class:`~neurost.models.RoutingTransformer`). The rotary embedding
(RoPE) rotates query and key vectors by an angle proportional to their
position, so that attention scores depend on relative positions (used over
the frame index in :class:`~neurost.models.BrainLatentTransformer`).
"""

import math

import torch
from torch import nn

from neurost._utils.validation import check_positive_int


def sine_positional_encoding_2d(
    height, width, dim, *, temperature=10000.0, device=None, dtype=None
):
    """Fixed 2-D sine/cosine code for every cell of a ``height x width`` grid.

    The first half of the channels encodes the row, the second half the
    column. Each half holds ``sin`` and ``cos`` of the position at
    geometrically spaced frequencies, from 1 down to ``1 / temperature``
    cycles per grid side. Positions are the cell centres normalised to
    ``[0, 1]``, so the code of a given relative location does not depend on
    the grid size.

    Parameters
    ----------
    height, width : int
        Grid size (rows, columns).
    dim : int
        Number of channels of the code. When ``dim`` is not a multiple of 4
        the code is computed for the next multiple of 4 and truncated.
    temperature : float, default=10000.0
        Ratio between the highest and the lowest frequency.
    device : torch.device, optional
    dtype : torch.dtype, optional
        Floating dtype of the result (default: torch's default dtype).

    Returns
    -------
    torch.Tensor, shape (height, width, dim)
    """
    height = check_positive_int(height, "height", "grid rows")
    width = check_positive_int(width, "width", "grid columns")
    dim = check_positive_int(dim, "dim", "channels")
    if not temperature > 1:
        raise ValueError(f"temperature must be a number > 1; got {temperature!r}.")
    n_freq = math.ceil(dim / 4)
    freqs = temperature ** (
        -torch.arange(n_freq, device=device, dtype=torch.float64) / n_freq
    )

    def encode(n):
        pos = (torch.arange(n, device=device, dtype=torch.float64) + 0.5) / n
        angles = 2 * math.pi * pos[:, None] * freqs[None, :]
        return torch.cat([angles.sin(), angles.cos()], dim=-1)

    rows = encode(height)[:, None, :].expand(height, width, 2 * n_freq)
    cols = encode(width)[None, :, :].expand(height, width, 2 * n_freq)
    code = torch.cat([rows, cols], dim=-1)[..., :dim]
    return code.to(dtype or torch.get_default_dtype())


class RotaryEmbedding(nn.Module):
    """Rotary position embedding (RoPE) for attention heads.

    Channel ``i`` and channel ``i + dim/2`` of a head form a pair that is
    rotated by ``position * base ** (-2 i / dim)`` radians. Applied to both
    queries and keys, the score ``<R(m) q, R(n) k>`` depends on positions
    only through ``m - n``.

    Parameters
    ----------
    dim : int
        Channels per attention head; must be even.
    base : float, default=10000.0
        Wavelength scale of the rotation frequencies.
    """

    def __init__(self, dim, base=10000.0):
        super().__init__()
        dim = check_positive_int(dim, "dim", "channels per head")
        if dim % 2:
            raise ValueError(f"dim must be even for a rotary embedding; got {dim}.")
        inv_freq = base ** (-torch.arange(0, dim, 2, dtype=torch.float32) / dim)
        self.register_buffer("inv_freq", inv_freq, persistent=False)
        self.dim = dim

    def forward(self, positions):
        """Cosines and sines of the rotation angles.

        Parameters
        ----------
        positions : torch.Tensor, shape (length,)
            Position of every element of the sequence (any real values).

        Returns
        -------
        cos, sin : torch.Tensor, shape (length, dim)
            float32 tensors on the device of ``positions``.
        """
        angles = positions.to(torch.float32)[:, None] * self.inv_freq.to(
            positions.device
        )
        angles = torch.cat([angles, angles], dim=-1)
        return angles.cos(), angles.sin()


def apply_rotary(x, cos, sin):
    """Rotate the channel pairs of ``x`` by the angles given by ``cos``/``sin``.

    Parameters
    ----------
    x : torch.Tensor, shape (..., length, dim)
        Queries or keys, one head per leading index.
    cos, sin : torch.Tensor, shape (length, dim)
        From :class:`RotaryEmbedding`; rows of ``cos = 1, sin = 0`` leave the
        element unrotated.

    Returns
    -------
    torch.Tensor, same shape and dtype as ``x``
    """
    half = x.shape[-1] // 2
    rotated = torch.cat([-x[..., half:], x[..., :half]], dim=-1)
    return (x * cos.to(x.dtype) + rotated * sin.to(x.dtype)).to(x.dtype)
