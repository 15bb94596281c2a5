"""Descriptions of the TABLeT parameters, filled in by :func:`fill_doc`.

The training parameters come from :data:`neurost._utils.docs.docdict`.
"""

from .._utils import docs

_ENTRIES = {
    "tokenizer": """\
tokenizer : SliceTokenizer or None, default={default}
    Tokenizes runs given as 4D images or paths (a clone is fitted);
    None uses ``SliceTokenizer()`` for images. Not used for token
    arrays and store runs.""",
    "preset": """\
preset : {{"tiny", "small", "base"}}, default={default}
    Size of the :class:`~neurost.models.BrainLatentTransformer`
    ("base" is the paper's 12-layer model).""",
    "n_frames": """\
n_frames : int, default={default}
    Frames per training crop and per prediction window (the paper's T).""",
    "pad_short_runs": """\
pad_short_runs : bool, default={default}
    Runs shorter than ``n_frames`` are padded at the end and the padding
    is masked out of attention; False refuses them (ValueError).""",
    "model_params": """\
model_params : dict or None, default={default}
    Arguments of :class:`~neurost.models.BrainLatentTransformer`
    replacing the preset's (``dropout``, ``checkpointing``,
    ``attention``, ...). ``attention="divided"`` alternates
    within-frame and full attention: labels carried by how regions
    fluctuate together (functional connectivity) are learned from far
    fewer runs than with the paper's full attention (see
    ``analyses/tablet_cohort_classification.py``).""",
    "center_tokens": """\
center_tokens : bool, default={default}
    Subtract each run's mean frame (per token and channel) from its
    tokens, in fitting and prediction, so that the transformer sees the
    fluctuations rather than the image all frames share. False (the
    paper) feeds the tokens as they are.""",
    "init_from": """\
init_from : MaskedTokenPretrainer, dict or None, default={default}
    Start from pre-trained weights: a fitted
    :class:`MaskedTokenPretrainer` or a
    :class:`~neurost.models.BrainLatentTransformer` ``state_dict`` of
    the same preset, ``model_params``, ``n_tokens`` and ``token_dim``;
    the output head starts fresh.""",
    "runs": """\
X : list of runs, numpy.ndarray of shape (n_runs, n_frames, n_tokens, token_dim) \
or (n_runs, n_features)
    Each run a token array (n_frames, n_tokens, token_dim), a 4D
    image or path, or a ``(TokenStore, key)`` pair (read lazily).
    Runs may differ in length. A 2-D array holds one run per row:
    one frame of one token of ``n_features`` channels.""",
    "groups_runs": """\
groups : array-like of shape (n_runs,), default=None
    Group of each run (its subject, its site): the validation split
    holds out whole groups. To pass groups through scikit-learn's
    cross-validation as well, enable metadata routing
    (``sklearn.set_config(enable_metadata_routing=True)``,
    ``estimator.set_fit_request(groups=True)``) and give
    ``params={{"groups": groups}}``.""",
}

_ENTRIES["tablet_parameters"] = "\n".join(
    _ENTRIES[name]
    for name in ("tokenizer", "preset", "n_frames", "pad_short_runs", "model_params",
                 "center_tokens")
)


def fill_doc(obj):
    """:func:`neurost._utils.docs.fill_doc` with the TABLeT entries."""
    return docs.fill_doc(obj, _ENTRIES)
