"""Torch modules of neurost (no I/O, no NumPy, no scikit-learn).

- :class:`RoutingTransformer`: learned ROI queries cross-attend over a
  backbone's patch grid and a per-target linear readout predicts vertex or
  voxel responses (attention routing).
- :class:`BrainLatentTransformer`: transformer over runs of fMRI latent
  tokens (TABLeT), with grouped-query attention, rotary frame positions and
  learned spatial embeddings.
- :class:`MaskedTokenModel` and :func:`masked_l1_loss`: tube-masked token
  reconstruction for pre-training the latent transformer.
- :class:`FlowCodebookNet`: an fMRI window -> per-cell probabilities over a
  codebook of optical-flow vectors.

Each of these modules keeps the arguments it was built with in ``config``,
so that :func:`neurost.save` can store it as its class, ``config`` and
``state_dict``, without pickle.
"""

from neurost.models.flow_decoder import FlowCodebookNet
from neurost.models.latent_transformer import BrainLatentTransformer
from neurost.models.masked import MaskedTokenModel, masked_l1_loss
from neurost.models.routing import RoutingTransformer

__all__ = [
    "BrainLatentTransformer",
    "FlowCodebookNet",
    "MaskedTokenModel",
    "RoutingTransformer",
    "masked_l1_loss",
]
