"""Encoding models: predict brain responses from stimulus features.

- :class:`RidgeEncoder` — ridge (or banded ridge) per target through
  himalaya, the linear baseline.
- :class:`RoutingEncoder` — a transformer brain encoder: one learned query
  per ROI cross-attends over a backbone's patch grid (attention routing);
  ensembles over seeds and feature layers, with attention maps.
- :class:`VideoEncoder` — banded ridge from video feature spaces (motion
  energy, optical flow, backbone features) through :class:`~neurost.features.Delayer`,
  with the variance explained by each space (split scores).
"""

from .ridge import RidgeEncoder
from .routing import RoutingEncoder
from .video import VideoEncoder

__all__ = ["RidgeEncoder", "RoutingEncoder", "VideoEncoder"]
