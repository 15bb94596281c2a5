"""Decoding optical flow from an fMRI window by classifying codebook entries.

A multilayer perceptron reads the flattened window of fMRI TRs; its output
vector is broadcast over the flow grid, optionally concatenated with frozen
image features of the clip's first frame, and refined by residual 1 x 1
convolution blocks. Every cell of every frame pair is classified into one
of the entries of a flow codebook, and the decoded flow is the expectation
of the codebook vectors under the predicted probabilities.
"""

import torch
from torch import nn

from neurost._utils.validation import check_positive_int, describe
from neurost.models._config import records_config


class _ChannelNorm(nn.LayerNorm):
    """Layer norm over the channels of each cell of a (batch, channels, h, w) map."""

    def forward(self, x):
        return super().forward(x.movedim(1, -1)).movedim(-1, 1)


class _ResidualBlock(nn.Module):
    """``x + conv(dropout(gelu(conv(norm(x)))))`` with 1 x 1 convolutions.

    Every operation acts on each cell alone, so cells interact only through
    what they share: the broadcast window code.
    """

    def __init__(self, channels, dropout):
        super().__init__()
        self.body = nn.Sequential(
            _ChannelNorm(channels),
            nn.Conv2d(channels, channels, 1),
            nn.GELU(),
            nn.Dropout(dropout),
            nn.Conv2d(channels, channels, 1),
        )

    def forward(self, x):
        return x + self.body(x)


@records_config
class FlowCodebookNet(nn.Module):
    """fMRI window -> per-cell codebook logits of the optical flow.

    Parameters
    ----------
    n_window : int
        TRs in a window.
    n_voxels : int
        Voxels per TR.
    grid : tuple of int (grid_h, grid_w), default=(32, 32)
        The flow grid.
    frames_per_tr : int, default=3
        Frame pairs (flow fields) per TR.
    n_codes : int, default=40
        Entries of the codebook.
    hidden : int, default=256
        Width of the MLP and of the convolution blocks.
    n_blocks : int, default=3
        Residual 1 x 1 convolution blocks.
    dropout : float, default=0.3
        Dropout in the MLP and in each block, in [0, 1).
    image_channels : int, default=0
        Channels of the image-feature map given to :meth:`forward`; 0 for
        none.
    codebook : torch.Tensor of shape (n_codes, n_components), optional
        The flow vector ``(dx, dy)`` of each entry, kept as a buffer (saved
        in the state dict, not trained). Zeros when not given, to be filled
        by :meth:`load_state_dict`.
    n_components : int, default=2
        Components of each vector: 2 for optical flow ``(dx, dy)``; any
        vector field decodes the same way.

    Notes
    -----
    The broadcast vector is the same in every cell, so a learned embedding
    of each cell's position (hidden channels per cell) is added to it:
    without it, and without image features, the network could only decode
    the same flow everywhere.
    """

    def __init__(
        self,
        n_window,
        n_voxels,
        grid=(32, 32),
        frames_per_tr=3,
        n_codes=40,
        hidden=256,
        n_blocks=3,
        dropout=0.3,
        image_channels=0,
        codebook=None,
        n_components=2,
    ):
        super().__init__()
        n_window = check_positive_int(n_window, "n_window", "TRs per window")
        n_voxels = check_positive_int(n_voxels, "n_voxels")
        if not isinstance(grid, (tuple, list)) or len(grid) != 2:
            raise ValueError(f"grid must be a pair (grid_h, grid_w); got {describe(grid)}.")
        self.grid = tuple(check_positive_int(g, "grid") for g in grid)
        self.frames_per_tr = check_positive_int(frames_per_tr, "frames_per_tr")
        self.n_codes = check_positive_int(n_codes, "n_codes", "codebook entries")
        hidden = check_positive_int(hidden, "hidden")
        n_blocks = check_positive_int(n_blocks, "n_blocks")
        if not 0 <= dropout < 1:
            raise ValueError(f"dropout must be in [0, 1); got {describe(dropout)}.")
        if image_channels != 0:
            image_channels = check_positive_int(image_channels, "image_channels")
        self.image_channels = image_channels
        n_components = check_positive_int(n_components, "n_components")
        if codebook is None:
            codebook = torch.zeros(self.n_codes, n_components)
        codebook = torch.as_tensor(codebook, dtype=torch.float32)
        if codebook.shape != (self.n_codes, n_components):
            raise ValueError(
                f"codebook must have shape (n_codes, n_components) = ({self.n_codes}, "
                f"{n_components}); got {tuple(codebook.shape)}."
            )
        self.register_buffer("codebook", codebook.clone())
        self.encoder = nn.Sequential(
            nn.Flatten(),
            nn.Linear(n_window * n_voxels, hidden),
            nn.GELU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, hidden),
        )
        self.position = nn.Parameter(0.02 * torch.randn(1, hidden, *self.grid))
        self.merge = nn.Conv2d(hidden + image_channels, hidden, 1)
        self.blocks = nn.Sequential(*[_ResidualBlock(hidden, dropout) for _ in range(n_blocks)])
        self.head = nn.Sequential(
            _ChannelNorm(hidden),
            nn.Conv2d(hidden, self.n_codes * self.frames_per_tr, 1),
        )

    def forward(self, windows, image=None):
        """Return the codebook logits of every cell and frame pair.

        Parameters
        ----------
        windows : torch.Tensor of shape (batch, n_window, n_voxels)
        image : torch.Tensor of shape (batch, image_channels, grid_h, grid_w)
            Image features on the flow grid; required when
            ``image_channels > 0``, refused otherwise.

        Returns
        -------
        torch.Tensor of shape (batch, n_codes, frames_per_tr, grid_h, grid_w)
        """
        batch = len(windows)
        x = self.encoder(windows)[:, :, None, None] + self.position
        if self.image_channels:
            expected = (batch, self.image_channels, *self.grid)
            if image is None or tuple(image.shape) != expected:
                got = None if image is None else tuple(image.shape)
                raise ValueError(f"image must have shape {expected}; got {got}.")
            x = torch.cat([x, image.to(x.dtype)], dim=1)
        elif image is not None:
            raise ValueError(
                "image was given but the network was built with image_channels=0."
            )
        x = self.head(self.blocks(self.merge(x)))
        return x.view(batch, self.n_codes, self.frames_per_tr, *self.grid)

    def flow_from_logits(self, logits):
        """Probability-weighted sum of the codebook vectors.

        Parameters
        ----------
        logits : torch.Tensor of shape (batch, n_codes, frames_per_tr, grid_h, grid_w)

        Returns
        -------
        torch.Tensor of shape (batch, frames_per_tr, grid_h, grid_w, n_components)
            ``(dx, dy)`` in the units of the codebook.
        """
        probabilities = torch.softmax(logits.float(), dim=1)
        return torch.einsum("bkfhw,kc->bfhwc", probabilities, self.codebook.float())

    def decode(self, windows, image=None):
        """Return the decoded flow, :meth:`forward` then :meth:`flow_from_logits`.

        Returns
        -------
        torch.Tensor of shape (batch, frames_per_tr, grid_h, grid_w, n_components)
        """
        return self.flow_from_logits(self(windows, image))
