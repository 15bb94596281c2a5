"""Scores for encoding and decoding models, one value per target.

- :func:`correlation_score` — Pearson r per target.
- :func:`ncsnr` — noise-ceiling signal-to-noise ratio from repeated
  presentations, and :func:`noise_ceiling` — the NSD noise ceiling it gives.
- :func:`explained_variance_ratio` — r² normalised by the noise ceiling.
- :func:`endpoint_error`, :func:`angular_error`, :func:`cosine_similarity`
  — errors between true and decoded optical-flow fields.
"""

from .correlation import correlation_score
from .flow import angular_error, cosine_similarity, endpoint_error
from .noise_ceiling import explained_variance_ratio, ncsnr, noise_ceiling

__all__ = [
    "angular_error",
    "correlation_score",
    "cosine_similarity",
    "endpoint_error",
    "explained_variance_ratio",
    "ncsnr",
    "noise_ceiling",
]
