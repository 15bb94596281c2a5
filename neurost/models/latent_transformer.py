"""Transformer over runs of fMRI latent tokens (TABLeT).

Every fMRI frame is a set of ``n_tokens`` latent tokens (27 for a 3 x 3 x 3
grid of an image autoencoder). The transformer reads whole runs: tokens are
flattened frame-major (frame 0's tokens, then frame 1's, ...), a learned CLS
token is prepended, and the CLS output is mapped to the targets (traits,
diagnoses).

Positional information has two parts. The frame index enters through a
rotary embedding (RoPE) of queries and keys in every attention layer, so
attention depends on the time lag between frames; each token's spatial
position within the frame (its sub-volume) enters through a learned
embedding added to the embedded token. The CLS token gets neither (its
rotation is the identity).

Attention is either full (every element attends to every other, as in the
TABLeT paper) or divided: blocks alternate between attention within each
frame and full attention, in the spirit of the divided space-time
attention of video transformers (Bertasius et al. 2021, ICML). Within-frame
blocks let the feed-forward networks combine the sub-volumes of one frame
(e.g. the product of two regions' signals) before any block mixes frames.
"""

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.checkpoint import checkpoint

from neurost._utils.validation import check_choice, check_positive_int, describe
from neurost.models._config import records_config
from neurost.models.positional import RotaryEmbedding, apply_rotary

ATTENTION_KINDS = ("full", "divided")

PRESETS = {
    "tiny": dict(d_model=64, n_layers=2, n_heads=4, n_kv_heads=2, ffn_dim=128),
    "small": dict(d_model=256, n_layers=4, n_heads=8, n_kv_heads=2, ffn_dim=1024),
    "base": dict(d_model=896, n_layers=12, n_heads=14, n_kv_heads=2, ffn_dim=4864),
}


class GroupedQueryAttention(nn.Module):
    """Self-attention with fewer key/value heads than query heads.

    Each key/value head serves ``n_heads // n_kv_heads`` consecutive query
    heads. Queries and keys are rotated by the rotary embedding before the
    scores are computed.

    Parameters
    ----------
    d_model, n_heads, n_kv_heads : int
    dropout : float
        Dropout on the attention weights during training.
    """

    def __init__(self, d_model, n_heads, n_kv_heads, dropout=0.0):
        super().__init__()
        self.n_heads = n_heads
        self.n_kv_heads = n_kv_heads
        self.head_dim = d_model // n_heads
        self.dropout = dropout
        self.q_proj = nn.Linear(d_model, n_heads * self.head_dim)
        self.k_proj = nn.Linear(d_model, n_kv_heads * self.head_dim)
        self.v_proj = nn.Linear(d_model, n_kv_heads * self.head_dim)
        self.out_proj = nn.Linear(n_heads * self.head_dim, d_model)

    def forward(self, x, key_mask, cos, sin):
        """Attend among all elements of the sequence.

        Parameters
        ----------
        x : torch.Tensor, shape (batch, length, d_model)
        key_mask : torch.Tensor of bool, shape (batch, length) or None
            True where an element may be attended to.
        cos, sin : torch.Tensor, shape (length, head_dim)
            Rotary angles of every element.

        Returns
        -------
        torch.Tensor, shape (batch, length, d_model)
        """
        batch, length, _ = x.shape
        q = self.q_proj(x).view(batch, length, self.n_heads, self.head_dim)
        k = self.k_proj(x).view(batch, length, self.n_kv_heads, self.head_dim)
        v = self.v_proj(x).view(batch, length, self.n_kv_heads, self.head_dim)
        q = apply_rotary(q.transpose(1, 2), cos, sin)
        k = apply_rotary(k.transpose(1, 2), cos, sin)
        v = v.transpose(1, 2)
        mask = None if key_mask is None else key_mask[:, None, None, :]
        # enable_gqa lets each key/value head serve its group of query heads
        # without copying keys and values to every query head.
        heads = F.scaled_dot_product_attention(
            q, k, v, attn_mask=mask, dropout_p=self.dropout if self.training else 0.0,
            enable_gqa=self.n_kv_heads < self.n_heads,
        )
        return self.out_proj(heads.transpose(1, 2).reshape(batch, length, -1))


class LatentBlock(nn.Module):
    """Pre-LN transformer block: grouped-query attention, then ReLU FFN."""

    def __init__(self, d_model, n_heads, n_kv_heads, ffn_dim, dropout):
        super().__init__()
        self.attention_norm = nn.LayerNorm(d_model)
        self.attention = GroupedQueryAttention(d_model, n_heads, n_kv_heads, dropout)
        self.ffn_norm = nn.LayerNorm(d_model)
        self.ffn = nn.Sequential(
            nn.Linear(d_model, ffn_dim),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(ffn_dim, d_model),
        )
        self.dropout = nn.Dropout(dropout)

    def forward(self, x, key_mask, cos, sin):
        """Same arguments as :meth:`GroupedQueryAttention.forward`."""
        x = x + self.dropout(self.attention(self.attention_norm(x), key_mask, cos, sin))
        return x + self.dropout(self.ffn(self.ffn_norm(x)))


@records_config
class BrainLatentTransformer(nn.Module):
    """Transformer classifier/regressor over runs of fMRI latent tokens.

    ``LayerNorm -> Linear(token_dim, d_model)`` embeds every token; a learned
    spatial embedding (one vector per token position within a frame) is
    added; a learned CLS token is prepended; ``n_layers`` pre-LN blocks with
    grouped-query attention, rotary embedding over the frame index and a ReLU
    feed-forward network follow (non-causal; padded frames are never
    attended to); the CLS output goes through ``LayerNorm -> Linear`` to
    the ``n_outputs`` logits or values.

    Parameters
    ----------
    token_dim : int
        Channels of one token (3072 for the 27 tokens of DC-AE f32c32).
    n_tokens : int
        Tokens per frame (27 for a 3 x 3 x 3 grid).
    n_outputs : int
        Number of outputs (classes or regression targets).
    d_model : int, default=896
        Width of the transformer.
    n_layers : int, default=12
    n_heads : int, default=14
        Query heads; must divide ``d_model``, and ``d_model / n_heads``
        must be even (rotary embedding).
    n_kv_heads : int, default=2
        Key/value heads; must divide ``n_heads``.
    ffn_dim : int, default=4864
        Hidden width of the feed-forward networks.
    dropout : float, default=0.0
        Dropout on attention weights and residual branches during training.
    max_frames : int or None, default=None
        Longest run (in frames) accepted; None accepts any length.
    checkpointing : bool, default=False
        Recompute each block's activations in the backward pass
        (:func:`torch.utils.checkpoint.checkpoint`) while training, trading
        compute for memory on long runs.
    attention : {"full", "divided"}, default="full"
        "full": every block attends over the whole sequence (the paper).
        "divided": blocks 0, 2, 4, ... attend only among the ``n_tokens``
        tokens of each frame, and leave the CLS token unchanged; blocks 1,
        3, 5, ... attend over the whole sequence. The parameters are the
        same; only which elements attend to which changes.

    Attributes
    ----------
    cls_token : torch.nn.Parameter, shape (d_model,)
    spatial_embedding : torch.nn.Parameter, shape (n_tokens, d_model)
    head : torch.nn.Linear
        ``d_model -> n_outputs`` applied to the normalised CLS output.

    Notes
    -----
    The defaults are the "base" preset of the TABLeT paper (about 130 M
    parameters with ``token_dim=3072``). Sequences are laid out frame-major:
    element ``1 + f * n_tokens + j`` is token ``j`` of frame ``f``; element 0
    is the CLS token.
    """

    def __init__(
        self,
        token_dim,
        n_tokens,
        n_outputs,
        *,
        d_model=896,
        n_layers=12,
        n_heads=14,
        n_kv_heads=2,
        ffn_dim=4864,
        dropout=0.0,
        max_frames=None,
        checkpointing=False,
        attention="full",
    ):
        super().__init__()
        self.token_dim = check_positive_int(token_dim, "token_dim", "channels per token")
        self.n_tokens = check_positive_int(n_tokens, "n_tokens", "tokens per frame")
        self.n_outputs = check_positive_int(n_outputs, "n_outputs", "outputs")
        d_model = check_positive_int(d_model, "d_model", "model width")
        n_layers = check_positive_int(n_layers, "n_layers", "blocks")
        n_heads = check_positive_int(n_heads, "n_heads", "query heads")
        n_kv_heads = check_positive_int(n_kv_heads, "n_kv_heads", "key/value heads")
        ffn_dim = check_positive_int(ffn_dim, "ffn_dim", "hidden units")
        if d_model % n_heads:
            raise ValueError(
                f"n_heads={n_heads} must divide d_model={d_model}; "
                f"d_model % n_heads = {d_model % n_heads}."
            )
        if n_heads % n_kv_heads:
            raise ValueError(
                f"n_kv_heads={n_kv_heads} must divide n_heads={n_heads}; "
                f"n_heads % n_kv_heads = {n_heads % n_kv_heads}."
            )
        if (d_model // n_heads) % 2:
            raise ValueError(
                f"d_model / n_heads = {d_model // n_heads} must be even for the "
                f"rotary embedding (d_model={d_model}, n_heads={n_heads})."
            )
        if (
            isinstance(dropout, bool)
            or not isinstance(dropout, (int, float))
            or not 0.0 <= dropout < 1.0
        ):
            raise ValueError(f"dropout must be in [0, 1); got {describe(dropout)}.")
        if max_frames is not None:
            max_frames = check_positive_int(max_frames, "max_frames", "frames")
        self.d_model = d_model
        self.max_frames = max_frames
        self.checkpointing = bool(checkpointing)
        self.attention = check_choice(attention, "attention", ATTENTION_KINDS)
        self.input_norm = nn.LayerNorm(self.token_dim)
        self.input_proj = nn.Linear(self.token_dim, d_model)
        self.cls_token = nn.Parameter(torch.randn(d_model) * 0.02)
        self.spatial_embedding = nn.Parameter(torch.randn(self.n_tokens, d_model) * 0.02)
        self.rotary = RotaryEmbedding(d_model // n_heads)
        self.blocks = nn.ModuleList(
            LatentBlock(d_model, n_heads, n_kv_heads, ffn_dim, dropout)
            for _ in range(n_layers)
        )
        self.output_norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, self.n_outputs)

    @classmethod
    def from_preset(cls, name, token_dim, n_tokens, n_outputs, **overrides):
        """Build a model of a named size.

        Parameters
        ----------
        name : {"tiny", "small", "base"}
            "tiny": 2 layers, d_model 64, 4/2 heads, FFN 128 (tests, quick
            trials); "small": 4 layers, d_model 256, 8/2 heads, FFN 1024;
            "base": the paper's 12 layers, d_model 896, 14/2 heads, FFN 4864.
        token_dim, n_tokens, n_outputs : int
            As in the constructor.
        **overrides
            Any other constructor argument, replacing the preset's value.

        Returns
        -------
        BrainLatentTransformer
        """
        check_choice(name, "name", PRESETS)
        return cls(token_dim, n_tokens, n_outputs, **{**PRESETS[name], **overrides})

    def forward(self, tokens, padding_mask=None):
        """Outputs of a batch of runs.

        Parameters
        ----------
        tokens : torch.Tensor, shape (batch, n_frames, n_tokens, token_dim)
        padding_mask : torch.Tensor of bool, shape (batch, n_frames), optional
            True for padded frames, which do not influence the outputs.

        Returns
        -------
        torch.Tensor, shape (batch, n_outputs)
        """
        hidden = self.encode(self.embed(tokens), padding_mask)
        return self.head(hidden[:, 0])

    def embed(self, tokens):
        """Project the tokens to the model width.

        The result holds no positional information: the spatial embedding
        is added, and the rotary embedding applied, by :meth:`encode`, so
        that embedded tokens can be replaced (e.g. by a mask token) first.

        Parameters
        ----------
        tokens : torch.Tensor, shape (batch, n_frames, n_tokens, token_dim)

        Returns
        -------
        torch.Tensor, shape (batch, n_frames * n_tokens, d_model)
            Frame-major order.
        """
        self._check_tokens(tokens)
        batch, n_frames = tokens.shape[:2]
        embedded = self.input_proj(self.input_norm(tokens))
        return embedded.reshape(batch, n_frames * self.n_tokens, self.d_model)

    def encode(self, embedded, padding_mask=None):
        """Run the transformer on embedded tokens.

        Parameters
        ----------
        embedded : torch.Tensor, shape (batch, n_frames * n_tokens, d_model)
            From :meth:`embed`, frame-major.
        padding_mask : torch.Tensor of bool, shape (batch, n_frames), optional
            True for padded frames.

        Returns
        -------
        torch.Tensor, shape (batch, 1 + n_frames * n_tokens, d_model)
            Layer-normalised hidden states; index 0 is the CLS token. The
            states of padded frames are not meaningful.
        """
        if not isinstance(embedded, torch.Tensor):
            raise TypeError(f"embedded must be a torch.Tensor; got {describe(embedded)}.")
        if (
            embedded.ndim != 3
            or embedded.shape[-1] != self.d_model
            or embedded.shape[1] % self.n_tokens
            or embedded.shape[1] == 0
        ):
            raise ValueError(
                "embedded must have shape (batch, n_frames * n_tokens, d_model) "
                f"with n_tokens={self.n_tokens}, d_model={self.d_model}; got "
                f"shape {tuple(embedded.shape)}."
            )
        batch, length, _ = embedded.shape
        n_frames = length // self.n_tokens
        self._check_n_frames(n_frames)
        key_mask = self._key_mask(padding_mask, batch, n_frames, embedded.device)
        spatial = self.spatial_embedding.repeat(n_frames, 1)
        cls = self.cls_token.expand(batch, 1, self.d_model)
        x = torch.cat([cls, embedded + spatial], dim=1)
        frame = torch.arange(n_frames, device=embedded.device).repeat_interleave(
            self.n_tokens
        )
        cos, sin = self.rotary(frame)
        # Identity rotation for CLS: it carries no position.
        cos = torch.cat([cos.new_ones(1, cos.shape[1]), cos])
        sin = torch.cat([sin.new_zeros(1, sin.shape[1]), sin])
        use_checkpoint = self.checkpointing and self.training and torch.is_grad_enabled()
        for index, block in enumerate(self.blocks):
            within_frames = self.attention == "divided" and index % 2 == 0
            step = self._frame_block if within_frames else block
            arguments = (block, x) if within_frames else (x, key_mask, cos, sin)
            if use_checkpoint:
                x = checkpoint(step, *arguments, use_reentrant=False)
            else:
                x = step(*arguments)
        return self.output_norm(x)

    def _frame_block(self, block, x):
        """Apply ``block`` to each frame's tokens alone; CLS passes unchanged.

        Within a frame all tokens share one rotary angle, which cancels in
        the attention scores, so no rotation is applied. Padded frames are
        processed like the others; their outputs are never attended to.
        """
        batch, length, d_model = x.shape
        frames = x[:, 1:].reshape(-1, self.n_tokens, d_model)
        identity_cos = frames.new_ones(self.n_tokens, self.rotary.dim)
        identity_sin = frames.new_zeros(self.n_tokens, self.rotary.dim)
        frames = block(frames, None, identity_cos, identity_sin)
        return torch.cat([x[:, :1], frames.reshape(batch, length - 1, d_model)], dim=1)

    def _check_tokens(self, tokens):
        if not isinstance(tokens, torch.Tensor):
            raise TypeError(f"tokens must be a torch.Tensor; got {describe(tokens)}.")
        if (
            tokens.ndim != 4
            or tokens.shape[2] != self.n_tokens
            or tokens.shape[3] != self.token_dim
            or tokens.shape[1] == 0
        ):
            raise ValueError(
                "tokens must have shape (batch, n_frames, n_tokens="
                f"{self.n_tokens}, token_dim={self.token_dim}); got shape "
                f"{tuple(tokens.shape)}."
            )
        self._check_n_frames(tokens.shape[1])

    def _check_n_frames(self, n_frames):
        if self.max_frames is not None and n_frames > self.max_frames:
            raise ValueError(
                f"the run has {n_frames} frames, more than max_frames="
                f"{self.max_frames}."
            )

    def _key_mask(self, padding_mask, batch, n_frames, device):
        """Boolean (batch, 1 + n_frames * n_tokens), True = may be attended to."""
        if padding_mask is None:
            return None
        if not isinstance(padding_mask, torch.Tensor):
            raise TypeError(
                "padding_mask must be a bool torch.Tensor (True = padded frame); "
                f"got {describe(padding_mask)}."
            )
        if padding_mask.dtype != torch.bool:
            raise TypeError(
                "padding_mask must be a bool torch.Tensor (True = padded frame); "
                f"got dtype {padding_mask.dtype}."
            )
        if tuple(padding_mask.shape) != (batch, n_frames):
            raise ValueError(
                f"padding_mask must have shape (batch, n_frames) = {(batch, n_frames)}; "
                f"got {tuple(padding_mask.shape)}."
            )
        valid = ~padding_mask.to(device).repeat_interleave(self.n_tokens, dim=1)
        return torch.cat([valid.new_ones(batch, 1), valid], dim=1)


def count_parameters(token_dim, n_tokens, n_outputs, **config):
    """Number of trainable parameters of a :class:`BrainLatentTransformer`.

    Counted from the configuration without building the model.

    Parameters
    ----------
    token_dim, n_tokens, n_outputs : int
    **config
        Constructor keywords (``d_model``, ``n_layers``, ``n_heads``,
        ``n_kv_heads``, ``ffn_dim``); missing ones take the defaults.

    Returns
    -------
    int
    """
    d = config.get("d_model", 896)
    n_layers = config.get("n_layers", 12)
    n_heads = config.get("n_heads", 14)
    n_kv = config.get("n_kv_heads", 2)
    ffn = config.get("ffn_dim", 4864)
    kv_dim = n_kv * (d // n_heads)
    attention = (d * d + d) * 2 + (d * kv_dim + kv_dim) * 2
    block = attention + (d * ffn + ffn) + (ffn * d + d) + 4 * d
    embedding = 2 * token_dim + token_dim * d + d + d + n_tokens * d
    output = 2 * d + d * n_outputs + n_outputs
    return embedding + n_layers * block + output


__all__ = ["BrainLatentTransformer", "count_parameters"]
