"""Encoding models: predict brain responses from stimulus features.

- :class:`RidgeEncoder` — ridge (or banded ridge) per target through
  himalaya, the linear baseline.
"""

from .ridge import RidgeEncoder

__all__ = ["RidgeEncoder"]
