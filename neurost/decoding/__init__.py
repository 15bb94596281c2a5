"""Decoding stimuli from fMRI.

- :func:`make_windows`: stack the TRs around each TR (i-2 .. i+2 by
  default) into one sample, never across run boundaries.
- :class:`FlowDecoder`: optical-flow fields decoded from fMRI windows, by
  classifying each grid cell into a k-means flow codebook
  (:class:`neurost.models.FlowCodebookNet`) or by a ridge baseline; scored
  by the end-point error.
- :func:`mean_flow_baseline` and :func:`shuffled_brain_baseline`: the
  no-brain and shuffled-brain baselines a decoder is compared with.
"""

from neurost.decoding.flow_decoder import (
    FlowDecoder,
    mean_flow_baseline,
    shuffled_brain_baseline,
)
from neurost.decoding.windows import make_windows

__all__ = [
    "FlowDecoder",
    "make_windows",
    "mean_flow_baseline",
    "shuffled_brain_baseline",
]
