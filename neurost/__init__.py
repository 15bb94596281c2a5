"""neurost: encoding and decoding analyses of fMRI.

Subpackages are imported on first use, so ``import neurost`` stays light
(it does not import torch, nilearn or h5py)::

    import neurost
    run = neurost.io.load_bold("sub-01_bold.nii.gz")

:func:`neurost.save` and :func:`neurost.load` store a fitted estimator in
one file without pickle (:mod:`neurost.saving`).
"""

import importlib

__version__ = "0.1.0"

_SUBPACKAGES = frozenset(
    {
        "atlases",
        "cli",
        "datasets",
        "decoding",
        "encoding",
        "features",
        "io",
        "metrics",
        "models",
        "plotting",
        "reporting",
        "stats",
        "tablet",
        "tokenize",
    }
)

#: Functions of the top level, by the module that defines them.
_FUNCTIONS = {"load": "saving", "save": "saving"}

__all__ = ["__version__", *sorted(_FUNCTIONS), *sorted(_SUBPACKAGES)]


def __getattr__(name):
    if name in _SUBPACKAGES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _FUNCTIONS:
        return getattr(importlib.import_module(f"{__name__}.{_FUNCTIONS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return __all__
