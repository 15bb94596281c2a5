"""Attention-routing transformer: learned ROI queries read a patch grid.

Each query (typically one per region of interest and hemisphere) attends
over the patch-feature grid of an image backbone; its softmax attention
decides which image features make up that region's output token, per image.
Every target (vertex or voxel) has its own linear readout of the output
token of its region's query.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

from neurost._utils.validation import check_positive_int, describe
from neurost.models._config import records_config
from neurost.models.positional import sine_positional_encoding_2d


class MultiHeadAttention(nn.Module):
    """Multi-head attention with explicit projections.

    Without weights requested, scores go through
    :func:`torch.nn.functional.scaled_dot_product_attention`; with weights
    requested, through an explicit softmax that gives the same result.

    Parameters
    ----------
    dim : int
        Channels of queries, keys and values (and of the output).
    n_heads : int
        Number of heads; must divide ``dim``.
    dropout : float, default=0.0
        Dropout on the attention weights during training.
    """

    def __init__(self, dim, n_heads, dropout=0.0):
        super().__init__()
        if dim % n_heads:
            raise ValueError(
                f"n_heads={n_heads} must divide feature_dim={dim}."
            )
        self.n_heads = n_heads
        self.head_dim = dim // n_heads
        self.dropout = dropout
        self.q_proj = nn.Linear(dim, dim)
        self.k_proj = nn.Linear(dim, dim)
        self.v_proj = nn.Linear(dim, dim)
        self.out_proj = nn.Linear(dim, dim)

    def _split(self, x):
        batch, length, _ = x.shape
        return x.view(batch, length, self.n_heads, self.head_dim).transpose(1, 2)

    def forward(self, query, key, value, need_weights=False):
        """Attend from ``query`` to ``key``/``value``.

        Parameters
        ----------
        query : torch.Tensor, shape (batch, n_queries, dim)
        key, value : torch.Tensor, shape (batch, n_keys, dim)
        need_weights : bool, default=False
            Also return the attention weights.

        Returns
        -------
        output : torch.Tensor, shape (batch, n_queries, dim)
        weights : torch.Tensor, shape (batch, n_heads, n_queries, n_keys)
            Softmax weights before dropout; only when ``need_weights``.
        """
        q = self._split(self.q_proj(query))
        k = self._split(self.k_proj(key))
        v = self._split(self.v_proj(value))
        p = self.dropout if self.training else 0.0
        if need_weights:
            scores = q @ k.transpose(-2, -1) / math.sqrt(self.head_dim)
            weights = scores.softmax(dim=-1)
            heads = F.dropout(weights, p=p, training=self.training) @ v
        else:
            heads = F.scaled_dot_product_attention(q, k, v, dropout_p=p)
            weights = None
        batch, _, n_queries, _ = heads.shape
        output = self.out_proj(heads.transpose(1, 2).reshape(batch, n_queries, -1))
        return (output, weights) if need_weights else output


class RoutingLayer(nn.Module):
    """One decoder layer: cross-attention, optional self-attention, FFN.

    Pre-norm residual blocks. In the cross-attention the keys are
    ``LayerNorm(features) + positional code`` and the values are the raw
    features.

    Parameters
    ----------
    feature_dim, n_heads, ffn_dim : int
    dropout : float
    self_attention : bool
    """

    def __init__(self, feature_dim, n_heads, ffn_dim, dropout, self_attention):
        super().__init__()
        self.query_norm = nn.LayerNorm(feature_dim)
        self.key_norm = nn.LayerNorm(feature_dim)
        self.cross_attention = MultiHeadAttention(feature_dim, n_heads, dropout)
        if self_attention:
            self.self_norm = nn.LayerNorm(feature_dim)
            self.self_attention = MultiHeadAttention(feature_dim, n_heads, dropout)
        else:
            self.self_attention = None
        self.ffn_norm = nn.LayerNorm(feature_dim)
        self.ffn = nn.Sequential(
            nn.Linear(feature_dim, ffn_dim),
            nn.GELU(),
            nn.Dropout(dropout),
            nn.Linear(ffn_dim, feature_dim),
        )
        self.dropout = nn.Dropout(dropout)

    def forward(self, queries, features, position, need_weights=False):
        """Update the query tokens from the flattened grid.

        Parameters
        ----------
        queries : torch.Tensor, shape (batch, n_queries, feature_dim)
        features : torch.Tensor, shape (batch, n_patches, feature_dim)
        position : torch.Tensor, shape (n_patches, feature_dim)
        need_weights : bool, default=False

        Returns
        -------
        queries : torch.Tensor, shape (batch, n_queries, feature_dim)
        weights : torch.Tensor, shape (batch, n_heads, n_queries, n_patches) or None
        """
        keys = self.key_norm(features) + position
        attended = self.cross_attention(
            self.query_norm(queries), keys, features, need_weights=need_weights
        )
        weights = None
        if need_weights:
            attended, weights = attended
        queries = queries + self.dropout(attended)
        if self.self_attention is not None:
            normed = self.self_norm(queries)
            queries = queries + self.dropout(self.self_attention(normed, normed, normed))
        queries = queries + self.dropout(self.ffn(self.ffn_norm(queries)))
        return queries, weights


@records_config
class RoutingTransformer(nn.Module):
    """Predict target responses from a patch-feature grid by attention routing.

    Learned queries cross-attend over the grid of backbone features; each
    target (vertex or voxel) reads the output token of its query through its
    own linear readout::

        prediction[b, t] = <token[b, target_query[t]], weight[t]> + bias[t]

    Parameters
    ----------
    n_queries : int
        Number of learned queries (e.g. one per ROI and hemisphere, plus one
        for targets in no ROI).
    feature_dim : int
        Channels of the feature grid (768 for DINOv2 ViT-B).
    target_query : sequence of int or torch.LongTensor, shape (n_targets,)
        For each target, the index of the query whose token it reads.
    n_heads : int, default=16
        Attention heads; must divide ``feature_dim``.
    n_layers : int, default=1
        Decoder layers.
    ffn_dim : int, default=1024
        Hidden width of the feed-forward blocks.
    dropout : float, default=0.1
        Dropout on attention weights and residual branches during training.
    self_attention : bool, default=False
        Add self-attention among the queries in every layer. Off by default,
        which keeps the queries independent: a target's prediction depends
        only on its own query.

    Attributes
    ----------
    queries : torch.nn.Parameter, shape (n_queries, feature_dim)
    readout_weight : torch.nn.Parameter, shape (n_targets, feature_dim)
    readout_bias : torch.nn.Parameter, shape (n_targets,)
    target_query : torch.LongTensor buffer, shape (n_targets,)

    Notes
    -----
    The readout takes the cheaper of two equivalent routes: with fewer
    queries than channels (one query per ROI) it scores every target against
    every query token, a (batch, n_queries, n_targets) tensor, and keeps each
    target's own query; otherwise (e.g. one query per target) it gathers
    each target's token first, a (batch, n_targets, feature_dim) tensor.
    """

    def __init__(
        self,
        n_queries,
        feature_dim,
        target_query,
        *,
        n_heads=16,
        n_layers=1,
        ffn_dim=1024,
        dropout=0.1,
        self_attention=False,
    ):
        super().__init__()
        n_queries = check_positive_int(n_queries, "n_queries", "learned queries")
        feature_dim = check_positive_int(feature_dim, "feature_dim", "channels")
        n_heads = check_positive_int(n_heads, "n_heads", "attention heads")
        n_layers = check_positive_int(n_layers, "n_layers", "decoder layers")
        ffn_dim = check_positive_int(ffn_dim, "ffn_dim", "hidden units")
        if feature_dim % n_heads:
            raise ValueError(
                f"n_heads={n_heads} must divide feature_dim={feature_dim}; "
                f"feature_dim % n_heads = {feature_dim % n_heads}."
            )
        if (
            isinstance(dropout, bool)
            or not isinstance(dropout, (int, float))
            or not 0.0 <= dropout < 1.0
        ):
            raise ValueError(f"dropout must be in [0, 1); got {describe(dropout)}.")
        target_query = _check_target_query(target_query, n_queries)
        self.n_queries = n_queries
        self.feature_dim = feature_dim
        self.n_heads = n_heads
        self.n_targets = target_query.numel()
        self.register_buffer("target_query", target_query)
        self.queries = nn.Parameter(torch.randn(n_queries, feature_dim) * 0.02)
        self.layers = nn.ModuleList(
            RoutingLayer(feature_dim, n_heads, ffn_dim, dropout, self_attention)
            for _ in range(n_layers)
        )
        self.output_norm = nn.LayerNorm(feature_dim)
        bound = 1.0 / math.sqrt(feature_dim)
        self.readout_weight = nn.Parameter(
            torch.empty(self.n_targets, feature_dim).uniform_(-bound, bound)
        )
        self.readout_bias = nn.Parameter(torch.zeros(self.n_targets))

    def forward(self, grid, return_attention=False):
        """Predict every target from a batch of feature grids.

        Parameters
        ----------
        grid : torch.Tensor, shape (batch, height, width, feature_dim)
            Patch features of the backbone (e.g. 31 x 31 for DINOv2 ViT-B/14
            on 434-pixel images).
        return_attention : bool, default=False
            Also return the attention of the queries over the grid, taken
            from the last layer and averaged over its heads (the average is
            what each query's token is a mixture of, up to the per-head value
            projections).

        Returns
        -------
        predictions : torch.Tensor, shape (batch, n_targets)
        attention : torch.Tensor, shape (batch, n_queries, height, width)
            Only with ``return_attention``; sums to 1 over the grid.
        """
        if not isinstance(grid, torch.Tensor):
            raise TypeError(f"grid must be a torch.Tensor; got {describe(grid)}.")
        if grid.ndim != 4 or grid.shape[-1] != self.feature_dim:
            raise ValueError(
                "grid must have shape (batch, height, width, feature_dim="
                f"{self.feature_dim}); got shape {tuple(grid.shape)}."
            )
        batch, height, width, _ = grid.shape
        features = grid.reshape(batch, height * width, self.feature_dim)
        position = sine_positional_encoding_2d(
            height, width, self.feature_dim, device=grid.device, dtype=grid.dtype
        ).reshape(height * width, self.feature_dim)
        tokens = self.queries.unsqueeze(0).expand(batch, -1, -1)
        weights = None
        for index, layer in enumerate(self.layers):
            last = index == len(self.layers) - 1
            tokens, weights = layer(
                tokens, features, position, need_weights=return_attention and last
            )
        tokens = self.output_norm(tokens)
        predictions = self.readout(tokens)
        if not return_attention:
            return predictions
        attention = weights.mean(dim=1).reshape(batch, self.n_queries, height, width)
        return predictions, attention

    def readout(self, tokens):
        """Per-target linear readout of the query output tokens.

        Parameters
        ----------
        tokens : torch.Tensor, shape (batch, n_queries, feature_dim)

        Returns
        -------
        torch.Tensor, shape (batch, n_targets)
        """
        if self.n_queries <= self.feature_dim:
            scores = torch.einsum("bqd,td->bqt", tokens, self.readout_weight)
            index = self.target_query.expand(tokens.shape[0], 1, self.n_targets)
            predictions = scores.gather(1, index).squeeze(1)
        else:
            selected = tokens.index_select(1, self.target_query)
            predictions = torch.einsum("btd,td->bt", selected, self.readout_weight)
        return predictions + self.readout_bias


def _check_target_query(target_query, n_queries):
    """Return ``target_query`` as a 1-D LongTensor of valid query indices."""
    if isinstance(target_query, torch.Tensor):
        values = target_query.detach().cpu()
    else:
        try:
            values = torch.as_tensor(list(target_query))
        except (TypeError, ValueError, RuntimeError):
            raise TypeError(
                "target_query must be a sequence of query indices; got "
                f"{describe(target_query)}."
            ) from None
    if values.ndim != 1 or values.numel() == 0:
        raise ValueError(
            "target_query must be a non-empty 1-D sequence (one query index per "
            f"target); got shape {tuple(values.shape)}."
        )
    if values.dtype in (torch.bool,) or values.dtype.is_floating_point or values.is_complex():
        raise TypeError(
            f"target_query must hold integers; got dtype {values.dtype}."
        )
    values = values.long()
    bad = (values < 0) | (values >= n_queries)
    if bad.any():
        first = int(torch.nonzero(bad)[0, 0])
        raise ValueError(
            f"target_query must hold indices in [0, {n_queries - 1}] "
            f"(n_queries={n_queries}); target {first} has {int(values[first])}."
        )
    return values.clone()
