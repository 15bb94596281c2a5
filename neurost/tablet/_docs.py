"""Shared pieces of the TABLeT docstrings, filled in by :func:`fill_doc`."""

_PARAMETERS_DOC = """
    tokenizer : SliceTokenizer or None, default=None
        Tokenizes runs given as 4D images or paths (a clone is fitted);
        None uses ``SliceTokenizer()`` for images. Not used for token
        arrays and store runs.
    preset : {"tiny", "small", "base"}, default="small"
        Size of the :class:`~neurost.models.BrainLatentTransformer`
        ("base" is the paper's 12-layer model).
    n_frames : int, default=256
        Frames per training crop and per prediction window (the paper's T).
    max_epochs : int, default=30
    batch_size : int, default=4
        Crops per optimisation step and windows per prediction batch.
    lr : float, default=3e-4
        AdamW learning rate at the start of the cosine schedule.
    weight_decay : float, default=0.01
    validation_fraction : float or None, default=0.15
        Share of the runs held out (stratified by class for the classifier)
        for early stopping; the best epoch's weights are kept. None or 0
        trains ``max_epochs`` on every run.
    patience : int or None, default=5
        Epochs without improvement of the validation loss before stopping.
    grad_clip : float or None, default=1.0
        Maximum gradient norm.
    pad_short_runs : bool, default=True
        Runs shorter than ``n_frames`` are padded at the end and the padding
        is masked out of attention; False refuses them (ValueError).
    model_params : dict or None, default=None
        Arguments of :class:`~neurost.models.BrainLatentTransformer`
        replacing the preset's (``dropout``, ``checkpointing``,
        ``attention``, ...). ``attention="divided"`` alternates
        within-frame and full attention: labels carried by how regions
        fluctuate together (functional connectivity) are learned from far
        fewer runs than with the paper's full attention (see
        ``analyses/tablet_cohort_classification.py``).
    device : str, default="auto"
        ``"auto"`` picks CUDA when present.
    verbose : int, default=0
        1 shows a progress bar and the epoch table.
    random_state : int, RandomState instance or None, default=None
        Seeds the weights, the crops and the validation split.
    center_tokens : bool, default=False
        Subtract each run's mean frame (per token and channel) from its
        tokens, in fitting and prediction, so that the transformer sees the
        fluctuations rather than the image all frames share. False (the
        paper) feeds the tokens as they are.
    init_from : MaskedTokenPretrainer, dict or None, default=None
        Start from pre-trained weights: a fitted
        :class:`MaskedTokenPretrainer` or a
        :class:`~neurost.models.BrainLatentTransformer` ``state_dict`` of
        the same preset, ``model_params``, ``n_tokens`` and ``token_dim``;
        the output head starts fresh."""

_RUNS_DOC = """X : list of runs, numpy.ndarray of shape (n_runs, n_frames, n_tokens, token_dim) \
or (n_runs, n_features)
            Each run a token array (n_frames, n_tokens, token_dim), a 4D
            image or path, or a ``(TokenStore, key)`` pair (read lazily).
            Runs may differ in length. A 2-D array holds one run per row:
            one frame of one token of ``n_features`` channels."""

_PARTS = {
    "    {PARAMETERS}": _PARAMETERS_DOC.lstrip("\n"),
    "    {PRETRAINER_PARAMETERS}": _PARAMETERS_DOC.split("\n    init_from :")[0].lstrip("\n"),
    "{RUNS}": _RUNS_DOC,
}


def fill_doc(obj):
    """Replace the ``{PARAMETERS}``-style markers of ``obj``'s docstring."""
    for marker, text in _PARTS.items():
        obj.__doc__ = obj.__doc__.replace(marker, text)
    return obj
