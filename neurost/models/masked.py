"""Masked token modelling: self-supervised pre-training of the latent transformer.

A share of the token positions of every run is replaced by a learned
[MASK] embedding and the transformer reconstructs the original tokens there
(L1 loss on the masked tokens only). Masking is by tubes: the same spatial
token positions are masked in every frame of a sample, so a masked
sub-volume cannot be copied from a neighbouring frame.
"""

import torch
from torch import nn

from neurost._utils.validation import describe
from neurost.models._config import records_config
from neurost.models.latent_transformer import BrainLatentTransformer


@records_config
class MaskedTokenModel(nn.Module):
    """Tube-masked token reconstruction around a :class:`BrainLatentTransformer`.

    Parameters
    ----------
    backbone : BrainLatentTransformer
        The transformer to pre-train; its ``state_dict`` can afterwards be
        loaded into a fresh :class:`BrainLatentTransformer` for fine-tuning
        (its ``head`` is not used here).
    mask_ratio : float, default=0.5
        Share of the ``n_tokens`` spatial positions masked in each sample:
        ``max(1, round(mask_ratio * n_tokens))`` positions (Python's
        ``round``, halves to even: 14 of 27 at 0.5), in every frame.

    Attributes
    ----------
    mask_token : torch.nn.Parameter, shape (d_model,)
        Replaces masked tokens after the input projection, before the
        spatial embedding is added.
    decoder : torch.nn.Linear
        ``d_model -> token_dim``, applied to every encoded token.
    n_masked : int
        Number of masked positions per frame.
    """

    def __init__(self, backbone, mask_ratio=0.5):
        super().__init__()
        if not isinstance(backbone, BrainLatentTransformer):
            raise TypeError(
                f"backbone must be a BrainLatentTransformer; got {describe(backbone)}."
            )
        if isinstance(mask_ratio, bool) or not (
            isinstance(mask_ratio, (int, float)) and 0.0 < mask_ratio < 1.0
        ):
            raise ValueError(
                f"mask_ratio must be a number in (0, 1); got {describe(mask_ratio)}."
            )
        self.backbone = backbone
        self.mask_ratio = float(mask_ratio)
        n_tokens = backbone.n_tokens
        self.n_masked = min(n_tokens, max(1, round(mask_ratio * n_tokens)))
        self.mask_token = nn.Parameter(torch.randn(backbone.d_model) * 0.02)
        self.decoder = nn.Linear(backbone.d_model, backbone.token_dim)

    def sample_mask(self, batch, generator=None, device=None):
        """Draw tube masks: which spatial positions are masked per sample.

        Parameters
        ----------
        batch : int
            Number of samples.
        generator : torch.Generator, optional
            Source of randomness (for reproducible masks).
        device : torch.device, optional
            Device of the returned mask.

        Returns
        -------
        torch.Tensor of bool, shape (batch, n_tokens)
            Exactly ``n_masked`` True entries per row.
        """
        draw_device = generator.device if generator is not None else device
        scores = torch.rand(
            batch, self.backbone.n_tokens, generator=generator, device=draw_device
        )
        ranks = scores.argsort(dim=1).argsort(dim=1)
        return (ranks < self.n_masked).to(device)

    def forward(self, tokens, padding_mask=None, generator=None):
        """Mask, encode and reconstruct a batch of runs.

        Parameters
        ----------
        tokens : torch.Tensor, shape (batch, n_frames, n_tokens, token_dim)
        padding_mask : torch.Tensor of bool, shape (batch, n_frames), optional
            True for padded frames.
        generator : torch.Generator, optional
            Source of randomness of the masks.

        Returns
        -------
        reconstruction : torch.Tensor, shape (batch, n_frames, n_tokens, token_dim)
            Decoded tokens at every position.
        mask : torch.Tensor of bool, shape (batch, n_frames, n_tokens)
            True at the masked positions of non-padded frames: where the loss
            (:func:`masked_l1_loss`) is computed.
        """
        backbone = self.backbone
        embedded = backbone.embed(tokens)
        batch, n_frames = tokens.shape[:2]
        spatial_mask = self.sample_mask(batch, generator, tokens.device)
        tube = spatial_mask[:, None, :].expand(batch, n_frames, backbone.n_tokens)
        embedded = torch.where(
            tube.reshape(batch, -1, 1), self.mask_token.to(embedded.dtype), embedded
        )
        hidden = backbone.encode(embedded, padding_mask)[:, 1:]
        reconstruction = self.decoder(hidden).reshape(
            batch, n_frames, backbone.n_tokens, backbone.token_dim
        )
        if padding_mask is not None:
            tube = tube & ~padding_mask.to(tube.device)[:, :, None]
        return reconstruction, tube.contiguous()


def masked_l1_loss(reconstruction, tokens, mask):
    """Mean absolute reconstruction error over the masked tokens only.

    Parameters
    ----------
    reconstruction, tokens : torch.Tensor, shape (batch, n_frames, n_tokens, token_dim)
    mask : torch.Tensor of bool, shape (batch, n_frames, n_tokens)
        True where the error counts.

    Returns
    -------
    torch.Tensor, shape ()
        Mean of ``|reconstruction - tokens|`` over every channel of every
        masked token.
    """
    if reconstruction.shape != tokens.shape:
        raise ValueError(
            f"reconstruction has shape {tuple(reconstruction.shape)} but tokens "
            f"have shape {tuple(tokens.shape)}; expected equal shapes."
        )
    if mask.dtype != torch.bool or tuple(mask.shape) != tuple(tokens.shape[:-1]):
        raise ValueError(
            f"mask must be a bool tensor of shape {tuple(tokens.shape[:-1])}; got "
            f"dtype {mask.dtype} and shape {tuple(mask.shape)}."
        )
    n_masked = mask.sum()
    if n_masked == 0:
        raise ValueError("mask selects no token; the masked loss is undefined.")
    error = (reconstruction - tokens).abs().sum(dim=-1)
    return error[mask].sum() / (n_masked * tokens.shape[-1])
