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

import importlib

_MODULES = {
    "BackboneFeatures": "backbone",
    "Delayer": "delays",
    "GaborPyramid": "gabor",
    "MotionEnergy": "motion_energy",
    "OpticalFlow": "flow",
    "compute_flow": "flow",
}

__all__ = sorted(_MODULES)


def __getattr__(name):
    # Imported on first use, so that the optical flow does not load torch.
    if name in _MODULES:
        value = getattr(importlib.import_module(f"{__name__}.{_MODULES[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return __all__
