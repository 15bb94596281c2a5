"""Stimulus features for encoding models.

- :class:`Delayer` — finite-impulse-response time delays of a feature time
  series, so that a linear model can learn each target's haemodynamic
  response.
"""

from .delays import Delayer

__all__ = ["Delayer"]
