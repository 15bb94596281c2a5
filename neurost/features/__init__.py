"""Stimulus features for encoding models.

- :class:`Delayer` — finite-impulse-response time delays of a feature time
  series, so that a linear model can learn each target's haemodynamic
  response.
- :class:`BackboneFeatures` — the patch-feature grid of a vision model's
  layer (tokens or attention queries), with :class:`GaborPyramid` as the
  offline default.
- :class:`MotionEnergy` — the spatio-temporal Gabor motion-energy pyramid
  (Nishimoto et al., 2011), in torch.
- :func:`compute_flow` and :class:`OpticalFlow` — optical flow between
  frames, pooled per TR onto a grid.
"""

from .backbone import BackboneFeatures
from .delays import Delayer
from .flow import OpticalFlow, compute_flow
from .gabor import GaborPyramid
from .motion_energy import MotionEnergy

__all__ = [
    "BackboneFeatures",
    "Delayer",
    "GaborPyramid",
    "MotionEnergy",
    "OpticalFlow",
    "compute_flow",
]
