"""The Natural Scenes Dataset (NSD): fsaverage betas and the trial design.

Files read, under the NSD root folder::

    nsddata/experiments/nsd/nsd_expdesign.mat
    nsddata_betas/ppdata/subjXX/fsaverage/<betas version>/{lh,rh}.betas_sessionNN.mgh

The design (MATLAB) holds ``masterordering`` (30,000 trials: 1-based
positions in a subject's 10,000 images) and ``subjectim`` (8 x 10,000:
1-based 73k image ids), so that trial ``t`` of subject ``s`` showed image
``subjectim[s - 1, masterordering[t] - 1]``. Sessions hold 750 trials each
(session ``n`` is trials ``750 (n - 1)`` to ``750 n - 1``); each image is
shown up to 3 times. A beta file has shape (163842, 1, 1, 750) (vertices
of one hemisphere, trials of one session).
"""

import os
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from .._utils.validation import check_index, describe
from ._reading import check_intact, open_image, reading
from ._freesurfer import HEMISPHERE_PREFIXES
from .meshes import HEMISPHERES, check_hemispheres

#: Trials of one NSD scan session.
TRIALS_PER_SESSION = 750
#: NSD's scaling of betas stored as integers (percent signal change x 300).
INTEGER_SCALE = 300.0
DEFAULT_BETAS = "betas_fithrf_GLMdenoise_RR"
_DESIGN = Path("nsddata", "experiments", "nsd", "nsd_expdesign.mat")
#: Bytes of one block of trials read from a beta file.
_BLOCK_BYTES = 64 * 2**20


def subject_name(subject):
    """``1`` or ``"subj01"`` -> ``"subj01"`` (NSD and Algonauts subjects)."""
    if isinstance(subject, (int, np.integer)) and not isinstance(subject, bool) and subject >= 1:
        return f"subj{int(subject):02d}"
    if isinstance(subject, str) and re.fullmatch(r"subj\d\d", subject):
        return subject
    raise ValueError(
        f"subject must be a positive int (1 for subj01) or a name like "
        f"'subj01'; got {describe(subject)}."
    )


def load_nsd_trials(root, subject, sessions=None):
    """The image shown in each trial of a subject's NSD sessions.

    Parameters
    ----------
    root : str or os.PathLike
        The NSD root folder (holding ``nsddata/``).
    subject : int or str
        ``1`` ... ``8`` or ``"subj01"`` ... ``"subj08"``.
    sessions : int or sequence of int, optional
        Sessions (1-based) in the order wanted; all 40 of the design by
        default (subjects 3, 4, 6 and 8 completed fewer).

    Returns
    -------
    pandas.DataFrame
        One row per trial, in order: ``session`` (1-based), ``trial``
        (1 ... 750 within the session), ``image`` (the 73k NSD image id,
        1-based as in NSD's files; row ``image - 1`` of
        ``nsd_stimuli.hdf5``) and ``repeat`` (0 for the image's first
        showing in the whole experiment, then 1, 2). ``image`` is the
        ``repeats`` argument of :func:`neurost.metrics.ncsnr`.
    """
    images = _trial_images(root, subject)
    n_sessions = len(images) // TRIALS_PER_SESSION
    sessions = _check_sessions(sessions, n_sessions)
    repeat = _occurrence(images)
    rows = np.concatenate([_session_rows(s) for s in sessions])
    return pd.DataFrame(
        {
            "session": np.repeat(sessions, TRIALS_PER_SESSION),
            "trial": np.tile(np.arange(1, TRIALS_PER_SESSION + 1), len(sessions)),
            "image": images[rows],
            "repeat": repeat[rows],
        }
    )


def load_nsd_betas(
    root,
    subject,
    sessions,
    *,
    hemispheres=HEMISPHERES,
    vertices=None,
    scale="auto",
    zscore=False,
    betas=DEFAULT_BETAS,
):
    """Read single-trial fsaverage betas of NSD sessions, with their trials.

    Memory stays bounded: only the chosen sessions, hemispheres and
    vertices are kept (float32), and each file is read through nibabel's
    proxy a block of trials (about 64 MB) at a time.

    Parameters
    ----------
    root : str or os.PathLike
        The NSD root folder (holding ``nsddata/`` and ``nsddata_betas/``).
    subject : int or str
        ``1`` ... ``8`` or ``"subj01"``.
    sessions : int or sequence of int
        Sessions (1-based) to read, in this order.
    hemispheres : str or sequence of {"left", "right"}, default=("left", "right")
        Read in the order left, right.
    vertices : dict, optional
        Per hemisphere, the vertices to keep: indices or a boolean mask of
        the 163,842 (e.g. ``AlgonautsSubject.fsaverage_masks``). All by
        default: one session of one hemisphere is then 163,842 x 750
        float32 (490 MB).
    scale : "auto" or float, default="auto"
        Betas are divided by it to give percent signal change. NSD stores
        betas either as floats in percent signal change or as integers
        (int16) holding percent signal change x 300; ``"auto"`` divides
        integer files by 300 and leaves float files as they are. Pass
        ``1.0`` to keep the stored numbers.
    zscore : bool, default=False
        Z-score each target within each session (mean 0, standard
        deviation 1 over the session's 750 trials), as NSD does before its
        noise ceilings and Algonauts before averaging; a constant target
        becomes 0. NaN in a float file stay NaN and are left out of the
        mean and standard deviation (a target that is NaN in every trial
        of a session stays NaN).
    betas : str, default="betas_fithrf_GLMdenoise_RR"
        The beta version folder (``betas_assumehrf``, ``betas_fithrf``...).

    Returns
    -------
    betas : numpy.ndarray of float32, shape (n_trials, n_targets)
        ``750 * len(sessions)`` trials; the kept vertices of the left
        hemisphere, then of the right.
    trials : pandas.DataFrame
        The trials of the rows, as :func:`load_nsd_trials` gives them.
        ``neurost.metrics.ncsnr(betas, trials["image"])`` is the NSD noise
        ceiling SNR.
    """
    name = subject_name(subject)
    trials = load_nsd_trials(root, name, sessions)
    hemis = check_hemispheres(hemispheres)
    if not (isinstance(scale, str) and scale == "auto"):
        if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not (
            np.isfinite(scale) and scale > 0
        ):
            raise ValueError(f"scale must be 'auto' or a positive number; got {describe(scale)}.")
    if not isinstance(zscore, (bool, np.bool_)):
        raise TypeError(f"zscore must be True or False; got {describe(zscore)}.")
    if not isinstance(betas, str) or not betas or Path(betas).name != betas:
        raise ValueError(f"betas must name a beta version folder; got {describe(betas)}.")
    folder = Path(root).expanduser() / "nsddata_betas" / "ppdata" / name / "fsaverage" / betas
    if not folder.is_dir():
        raise FileNotFoundError(f"betas={betas!r}: no such folder: '{folder}'.")
    sessions = list(dict.fromkeys(trials["session"].tolist()))
    images = {
        (s, h): _open_betas(folder / f"{HEMISPHERE_PREFIXES[h]}.betas_session{s:02d}.mgh")
        for s in sessions
        for h in hemis
    }
    n_vertices = {h: images[sessions[0], h][0].shape[0] for h in hemis}
    for (session, hemi), (image, path) in images.items():
        if image.shape[0] != n_vertices[hemi]:
            raise ValueError(
                f"{path.name}: has {image.shape[0]} vertices, but session "
                f"{sessions[0]} has {n_vertices[hemi]}; the sessions must share a mesh."
            )
    keep = _check_vertices(vertices, hemis, n_vertices)
    widths = {h: n_vertices[h] if vertices is None else len(keep[h]) for h in hemis}
    out = np.empty((len(trials), sum(widths.values())), dtype=np.float32)
    for position, session in enumerate(sessions):
        rows = slice(position * TRIALS_PER_SESSION, (position + 1) * TRIALS_PER_SESSION)
        column = 0
        for hemi in hemis:
            image, path = images[session, hemi]
            block = out[rows, column : column + widths[hemi]]
            _read_betas(image, path, keep[hemi], scale, block)
            column += widths[hemi]
        if zscore:
            _zscore(out[rows])
    return out, trials


def average_repeats(responses, images):
    """Average the trials of each image.

    Parameters
    ----------
    responses : array-like of shape (n_trials, n_targets)
    images : array-like of shape (n_trials,)
        The image of each trial (e.g. ``trials["image"]``).

    Returns
    -------
    averages : numpy.ndarray of shape (n_images, n_targets)
        The mean over each image's trials (float64, or float32 input kept).
    unique_images : numpy.ndarray of shape (n_images,)
        Sorted.
    counts : numpy.ndarray of int64, shape (n_images,)
        Trials averaged per image (1 to 3 in NSD).
    """
    responses = np.asarray(responses)
    if responses.ndim != 2 or not np.issubdtype(responses.dtype, np.number):
        raise ValueError(
            f"responses must be a 2-D array of numbers (n_trials, n_targets); "
            f"got {describe(responses)}."
        )
    images = np.asarray(images)
    if images.shape != (len(responses),):
        raise ValueError(
            f"images must hold one image per trial, shape ({len(responses)},); "
            f"got shape {images.shape}."
        )
    unique, inverse, counts = np.unique(images, return_inverse=True, return_counts=True)
    dtype = np.float32 if responses.dtype == np.float32 else np.float64
    sums = np.zeros((len(unique), responses.shape[1]), dtype=np.float64)
    np.add.at(sums, inverse, responses)
    return (sums / counts[:, None]).astype(dtype), unique, counts.astype(np.int64)


def _trial_images(root, subject):
    """The 73k image id (1-based) of every trial of the design, (n_trials,)."""
    from scipy.io import loadmat
    from scipy.io.matlab import MatReadError

    name = subject_name(subject)
    if not isinstance(root, (str, os.PathLike)):
        raise TypeError(f"root must be a folder path; got {describe(root)}.")
    path = Path(root).expanduser() / _DESIGN
    if not path.is_file():
        raise FileNotFoundError(f"root: no NSD design file '{path}'.")
    try:
        design = loadmat(path, variable_names=("masterordering", "subjectim"))
    except NotImplementedError:  # scipy's answer to MATLAB v7.3 (HDF5) files
        raise ValueError(
            f"{path.name}: '{path}' is a MATLAB v7.3 (HDF5) file, which scipy cannot "
            "read; save it again with MATLAB's -v7 option."
        ) from None
    except (MatReadError, ValueError, OSError, EOFError, IndexError) as error:
        raise ValueError(
            f"{path.name}: cannot read '{path}' as a MATLAB file; it is truncated "
            f"or corrupt ({type(error).__name__}: {error})."
        ) from None
    for key in ("masterordering", "subjectim"):
        if key not in design or not np.issubdtype(np.asarray(design[key]).dtype, np.number):
            raise ValueError(f"{path.name}: expected a numeric variable {key!r}.")
    order = np.asarray(design["masterordering"]).ravel().astype(np.int64)
    images = np.asarray(design["subjectim"]).astype(np.int64)
    number = int(name[4:])
    if images.ndim != 2 or not 1 <= number <= len(images):
        raise ValueError(
            f"subject {name!r}: {path.name} has subjectim of shape "
            f"{images.shape}, (subjects, images); no row for this subject."
        )
    if (not len(order) or len(order) % TRIALS_PER_SESSION or order.min() < 1
            or order.max() > images.shape[1]):
        raise ValueError(
            f"{path.name}: masterordering must hold whole sessions of "
            f"{TRIALS_PER_SESSION} trials of 1-based positions in subjectim's "
            f"{images.shape[1]} images."
        )
    return images[number - 1, order - 1]


def _check_sessions(sessions, n_sessions):
    if sessions is None:
        return list(range(1, n_sessions + 1))
    values = [sessions] if np.ndim(sessions) == 0 else list(np.ravel(sessions))
    for value in values:
        if (
            isinstance(value, (bool, np.bool_))
            or not isinstance(value, (int, np.integer))
            or not 1 <= value <= n_sessions
        ):
            raise ValueError(
                f"sessions must be session numbers from 1 to {n_sessions}; got "
                f"{describe(sessions)}."
            )
    if not values or len(set(values)) != len(values):
        raise ValueError(f"sessions must list distinct sessions; got {describe(sessions)}.")
    return [int(value) for value in values]


def _session_rows(session):
    return np.arange((session - 1) * TRIALS_PER_SESSION, session * TRIALS_PER_SESSION)


def _occurrence(images):
    """How many earlier trials showed each trial's image."""
    order = np.argsort(images, kind="stable")
    ordered = images[order]
    starts = np.r_[True, ordered[1:] != ordered[:-1]]
    first = np.maximum.accumulate(np.where(starts, np.arange(len(images)), 0))
    occurrence = np.empty(len(images), dtype=np.int64)
    occurrence[order] = np.arange(len(images)) - first
    return occurrence


def _check_vertices(vertices, hemis, n_vertices):
    if vertices is None:
        return {h: slice(None) for h in hemis}
    if not isinstance(vertices, dict) or set(vertices) != set(hemis):
        raise ValueError(
            f"vertices must be a dict with the keys {list(hemis)} (the "
            f"hemispheres read); got {describe(vertices)}."
        )
    return {
        h: check_index(vertices[h], f"vertices[{h!r}]", n_vertices[h], f"{h} vertices")
        for h in hemis
    }


def _open_betas(path):
    """Open a beta file; check its shape and that it holds all its data."""
    image = open_image(path, "sessions")
    shape = tuple(int(n) for n in image.shape)
    if len(shape) != 4 or shape[1:] != (1, 1, TRIALS_PER_SESSION):
        raise ValueError(
            f"{path.name}: expected shape (n_vertices, 1, 1, {TRIALS_PER_SESSION}) "
            f"(vertices, trials of one session); got {shape}."
        )
    check_intact(image.dataobj, "sessions")
    return image, path


def _read_betas(image, path, keep, scale, out):
    """Fill ``out`` (750, n_kept) with the ``keep`` vertices, block after block."""
    proxy = image.dataobj
    integer = np.issubdtype(proxy.dtype, np.integer)
    divisor = (INTEGER_SCALE if integer else 1.0) if scale == "auto" else float(scale)
    step = max(1, _BLOCK_BYTES // (image.shape[0] * np.dtype(proxy.dtype).itemsize))
    for start in range(0, TRIALS_PER_SESSION, step):
        stop = min(start + step, TRIALS_PER_SESSION)
        with reading(path, "sessions"):
            block = np.asarray(proxy[:, 0, 0, start:stop])
        out[start:stop] = block[keep].T / np.float32(divisor)


def _zscore(block):
    """Z-score the columns of ``block`` in place, over their non-NaN entries.

    NaN stay NaN; constant columns become 0 and all-NaN columns stay NaN.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
        mean = np.nanmean(block, axis=0)
        sd = np.nanstd(block, axis=0)
    block -= mean
    np.divide(block, sd, out=block, where=sd > 0)
