"""The runs given to the TABLeT estimators, as sources of tokens.

A run reaches the estimators in one of three forms:

- a token array of shape (n_frames, n_tokens, token_dim);
- a 4D fMRI run (a path or a nibabel image), tokenized with a
  :class:`~neurost.tokenize.SliceTokenizer`;
- a ``(store, key)`` pair naming run ``key`` of a
  :class:`~neurost.tokenize.TokenStore`, read lazily, frames as needed.

Every form becomes a token source with ``n_frames``, ``token_shape`` and
``read(start, stop)``.
"""

import os

import numpy as np

from .._utils.validation import check_finite, describe
from ..tokenize import TokenStore


class ArrayRun:
    """Tokens of one run held in memory.

    Parameters
    ----------
    tokens : numpy.ndarray of shape (n_frames, n_tokens, token_dim)
    name : str
        How error messages name the run (``"X[3]"``).
    """

    def __init__(self, tokens, name):
        self.tokens = tokens
        self.name = name
        self.n_frames = tokens.shape[0]
        self.token_shape = tokens.shape[1:]

    def read(self, start, stop):
        """Frames ``start:stop``, (stop - start, n_tokens, token_dim) float32."""
        return self.tokens[start:stop]


class StoreRun:
    """Tokens of one run of a :class:`~neurost.tokenize.TokenStore`, read lazily.

    Parameters
    ----------
    store : TokenStore
    key : str
    name : str
        How error messages name the run.
    """

    def __init__(self, store, key, name):
        if key not in store:
            raise ValueError(
                f"{name}: the TokenStore '{store.path}' has no complete run "
                f"{key!r}; its runs are {store.keys()}."
            )
        self.store = store
        self.key = key
        self.name = name
        self.n_frames = store.n_frames(key)
        self.token_shape = store.read(key, 0, 1).shape[1:]

    def read(self, start, stop):
        """Frames ``start:stop``, checked to be finite."""
        tokens = self.store.read(self.key, start, stop)
        return check_finite(tokens, f"{self.name} (run {self.key!r} of the store)")


def _is_image(run):
    import nibabel

    return isinstance(run, (str, os.PathLike, nibabel.spatialimages.SpatialImage))


def has_images(X):
    """Whether the runs ``X`` hold a path or an image to tokenize."""
    return isinstance(X, (list, tuple)) and any(_is_image(run) for run in X)


def as_runs(X, tokenizer=None, name="X"):
    """Turn the runs ``X`` into token sources.

    Parameters
    ----------
    X : list, or numpy.ndarray of shape (n_runs, n_frames, n_tokens, token_dim)
        The runs; each item of the list a token array (n_frames, n_tokens,
        token_dim), a 4D run (path or nibabel image) or a
        ``(TokenStore, key)`` pair.
    tokenizer : SliceTokenizer, optional
        A fitted tokenizer; needed when ``X`` holds 4D runs.
    name : str
        The argument's name in error messages.

    Returns
    -------
    list of ArrayRun or StoreRun
        Token arrays are checked to be finite; store runs are checked as
        they are read.

    Raises
    ------
    TypeError, ValueError
        Naming the run that is not valid.
    """
    if isinstance(X, np.ndarray):
        if X.ndim != 4:
            raise ValueError(
                f"{name} given as an array must have shape (n_runs, n_frames, "
                f"n_tokens, token_dim); got an array of shape {X.shape}. Pass "
                "a list of runs (token arrays, 4D images or (TokenStore, key) "
                "pairs), or a 2-D array (n_runs, n_features) of one-frame, one-token runs."
            )
        X = list(X)
    if not isinstance(X, (list, tuple)):
        raise TypeError(
            f"{name} must be a list of runs (token arrays of shape (n_frames, "
            "n_tokens, token_dim), 4D images or paths, or (TokenStore, key) "
            f"pairs); got {describe(X)}."
        )
    if len(X) == 0:
        raise ValueError(f"{name} holds no run; expected at least one.")
    return [_as_run(run, tokenizer, f"{name}[{index}]") for index, run in enumerate(X)]


def _as_run(run, tokenizer, name):
    if isinstance(run, tuple) and len(run) == 2 and isinstance(run[0], TokenStore):
        return _check_length(StoreRun(run[0], run[1], name))
    if isinstance(run, np.ndarray):
        if run.ndim != 3 or not np.issubdtype(run.dtype, np.number):
            raise ValueError(
                f"{name} must be a numeric token array of shape (n_frames, "
                f"n_tokens, token_dim); got {describe(run)}. 4D fMRI runs are "
                "given as nibabel images or paths."
            )
        tokens = check_finite(run, name).astype(np.float32, copy=False)
        return _check_length(ArrayRun(tokens, name))
    if _is_image(run):
        if tokenizer is None:
            raise ValueError(
                f"{name} is a 4D run to tokenize, but the estimator was fitted on "
                "tokens only and has no tokenizer: pass token arrays, or set "
                "tokenizer= to the SliceTokenizer that made the training tokens."
            )
        try:
            tokens = tokenizer.transform(run)
        except (ValueError, FileNotFoundError) as error:
            raise type(error)(f"{name}: {error}") from None
        return _check_length(ArrayRun(tokens, name))
    raise TypeError(
        f"{name} must be a token array (n_frames, n_tokens, token_dim), a 4D "
        f"image or path, or a (TokenStore, key) pair; got {describe(run)}."
    )


def _check_length(run):
    if run.n_frames == 0:
        raise ValueError(f"{run.name} has no frame; expected at least one.")
    return run


def check_token_shapes(runs, expected=None):
    """Check that every run has the same (n_tokens, token_dim).

    Parameters
    ----------
    runs : list of ArrayRun or StoreRun
    expected : tuple of 2 int, optional
        The shape the estimator was fitted on.

    Returns
    -------
    tuple of 2 int
        The common (n_tokens, token_dim).
    """
    groups = {}
    for run in runs:
        groups.setdefault(tuple(run.token_shape), []).append(run.name)
    if len(groups) > 1:
        listing = "; ".join(
            f"(n_tokens, token_dim)={shape} for {', '.join(names[:5])}"
            + (f" and {len(names) - 5} more" if len(names) > 5 else "")
            for shape, names in groups.items()
        )
        raise ValueError(
            f"every run must have the same number of tokens and token dimensions; got {listing}."
        )
    (shape,) = groups
    if expected is not None and shape != tuple(expected):
        raise ValueError(
            f"the runs have (n_tokens, token_dim)={shape}, but the estimator "
            f"was fitted on {tuple(expected)}."
        )
    return shape


def check_short_runs(runs, n_frames, pad):
    """Refuse runs shorter than ``n_frames`` unless ``pad`` is true."""
    short = [f"{run.name} ({run.n_frames} frames)" for run in runs if run.n_frames < n_frames]
    if short and not pad:
        raise ValueError(
            f"runs shorter than n_frames={n_frames} are refused with "
            f"pad_short_runs=False; got {', '.join(short[:5])}"
            + (f" and {len(short) - 5} more" if len(short) > 5 else "")
            + ". Set pad_short_runs=True to pad them (padded frames are masked) "
            "or lower n_frames."
        )
