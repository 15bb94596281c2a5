"""Scores for encoding and decoding models, one value per target.

- :func:`correlation_score` — Pearson r per target.
- :func:`ncsnr` — noise-ceiling signal-to-noise ratio from repeated
  presentations, and :func:`noise_ceiling` — the NSD noise ceiling it gives.
- :func:`explained_variance_ratio` — r² normalised by the noise ceiling.
"""

from .correlation import correlation_score
from .noise_ceiling import explained_variance_ratio, ncsnr, noise_ceiling

__all__ = [
    "correlation_score",
    "explained_variance_ratio",
    "ncsnr",
    "noise_ceiling",
]
