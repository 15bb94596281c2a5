"""Scores for encoding and decoding models, one value per target.

- :func:`correlation_score` — Pearson r per target.
- :func:`ncsnr` — noise-ceiling signal-to-noise ratio from repeated
  presentations, and :func:`noise_ceiling` — the NSD noise ceiling it gives.
- :func:`explained_variance_ratio` — r² normalised by the noise ceiling.
- :func:`endpoint_error`, :func:`angular_error`, :func:`cosine_similarity`
  — errors between true and decoded optical-flow fields.
- :func:`attention_correlation`, :func:`attention_mass`,
  :func:`attention_variability` — attention maps over a feature grid
  against the true maps, their share on a region (an object), and how much
  they change from image to image.
"""

from .attention import attention_correlation, attention_mass, attention_variability
from .correlation import correlation_score
from .flow import angular_error, cosine_similarity, endpoint_error
from .noise_ceiling import explained_variance_ratio, ncsnr, noise_ceiling

__all__ = [
    "angular_error",
    "attention_correlation",
    "attention_mass",
    "attention_variability",
    "correlation_score",
    "cosine_similarity",
    "endpoint_error",
    "explained_variance_ratio",
    "ncsnr",
    "noise_ceiling",
]
