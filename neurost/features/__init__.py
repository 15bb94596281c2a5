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

from .._utils.lazy import lazy_attributes

# Imported on first use, so that the optical flow does not load torch.
_MODULES = {
    "BackboneFeatures": "backbone",
    "Delayer": "delays",
    "GaborPyramid": "gabor",
    "MotionEnergy": "motion_energy",
    "OpticalFlow": "flow",
    "compute_flow": "flow",
}

__all__ = sorted(_MODULES)

__getattr__, __dir__ = lazy_attributes(__name__, _MODULES)
