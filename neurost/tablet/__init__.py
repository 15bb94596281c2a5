"""TABLeT: transformers over whole fMRI runs of autoencoder tokens.

Runs are tokenized slice by slice with a frozen 2D image autoencoder
(:class:`neurost.tokenize.SliceTokenizer`, cached in a
:class:`neurost.tokenize.TokenStore`), then a
:class:`~neurost.models.BrainLatentTransformer` reads hundreds of frames at
once.

- :class:`TabletClassifier`, :class:`TabletRegressor`: predict a trait or a
  diagnosis per run; train on random crops, predict by averaging
  non-overlapping windows.
- :class:`MaskedTokenPretrainer`: self-supervised masked token modelling,
  to initialise the two above (``init_from=``).
- :mod:`neurost.tablet.attribution`: integrated gradients per token, and
  maps of them in voxel space.
"""

from .attribution import attribution_map, integrated_gradients
from .pretraining import MaskedTokenPretrainer
from .supervised import TabletClassifier, TabletRegressor

__all__ = [
    "MaskedTokenPretrainer",
    "TabletClassifier",
    "TabletRegressor",
    "attribution_map",
    "integrated_gradients",
]
