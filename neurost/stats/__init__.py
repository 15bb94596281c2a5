"""Inference on fitted estimators: permutation tests, bootstrap, variance partitioning, RSA.

This layer sits above the estimators (it refits and scores them) and below
plotting. Each name is imported from its module on first use.
"""

from .._utils.lazy import lazy_attributes

_MODULES = {
    "PermutationResult": "permutation",
    "block_permutations": "permutation",
    "bootstrap_difference": "bootstrap",
    "bootstrap_indices": "bootstrap",
    "bootstrap_scores": "bootstrap",
    "compare_rdms": "rsa",
    "feature_rdms": "rsa",
    "permutation_test": "permutation",
    "rdm": "rsa",
    "roi_rdms": "rsa",
    "rsa_noise_ceiling": "rsa",
    "rsa_table": "rsa",
    "variance_partitioning": "partitioning",
}

__all__ = sorted(_MODULES)

__getattr__, __dir__ = lazy_attributes(__name__, _MODULES)
