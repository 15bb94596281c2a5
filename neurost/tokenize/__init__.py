"""Tokenizing fMRI volumes with frozen 2D natural-image autoencoders (TABLeT).

- :func:`load_autoencoder` loads a frozen :class:`ImageAutoencoder`: the
  built-in one (offline), or a diffusers ``AutoencoderDC`` /
  ``AutoencoderKL`` / ``AutoencoderTiny`` from a local directory or the
  local Hugging Face cache.
- :class:`SliceTokenizer` turns each frame of a run into tokens, one per
  sub-cube of the brain, from the latents of its slices.
- :class:`TokenStore` caches the tokens of many runs in HDF5 files, and
  resumes an interrupted tokenization.
"""

from .autoencoders import ImageAutoencoder, load_autoencoder
from .store import TokenStore
from .tokenizer import SliceTokenizer

__all__ = ["ImageAutoencoder", "SliceTokenizer", "TokenStore", "load_autoencoder"]
