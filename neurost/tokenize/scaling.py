"""Scaling fMRI intensities to the [-1, 1] range of image autoencoders.

Two scalings, each fixed per run and applied to every frame alike:

``"signed"`` (default)
    ``x -> clip((x - median) / scale, -1, 1)`` with ``median`` the median
    of the brain voxels and ``scale`` the 99th percentile of
    ``|x - median|`` over the brain voxels, both taken from the first block
    of frames (at most :data:`SAMPLE_FRAMES`). Negative deviations keep
    their sign, and a few outliers cannot compress the rest of the range.
    Background -> 0.
``"tablet"``
    The TABLeT paper's scaling: ``x -> 2 * max(x, 0) / run_max - 1``, with
    ``run_max`` the maximum of the run's brain voxels over all frames (one
    extra pass over the run). Negative signal is lost. Background -> -1.

The brain is every voxel of the conformed grid that is not padding and
whose value varies across the first block of frames (for a block of one
frame: whose value is not 0); the background is everything else.
"""

import numpy as np

#: The scalings :class:`~neurost.tokenize.SliceTokenizer` offers.
SCALINGS = ("signed", "tablet")

#: Frames of the first block the statistics of the signed scaling use.
SAMPLE_FRAMES = 16

#: Value the background gets, per scaling.
BACKGROUND = {"signed": 0.0, "tablet": -1.0}

_PERCENTILE = 99.0


def brain_mask(sample, valid):
    """Voxels that belong to the brain, from a sample of conformed frames.

    Parameters
    ----------
    sample : numpy.ndarray of shape (t, x, y, z)
        The first frames of the run, conformed.
    valid : numpy.ndarray of bool, shape (x, y, z)
        False in the padding.

    Returns
    -------
    numpy.ndarray of bool, shape (x, y, z)
    """
    if sample.shape[0] > 1:
        varies = (sample != sample[:1]).any(axis=0)
    else:
        varies = sample[0] != 0
    return varies & valid


def fit_scaling(kind, sample, mask, run_max=None):
    """Scaling parameters of a run.

    Parameters
    ----------
    kind : {"signed", "tablet"}
    sample : numpy.ndarray of shape (t, x, y, z)
        The first frames of the run, conformed.
    mask : numpy.ndarray of bool, shape (x, y, z)
        Brain voxels.
    run_max : float, optional
        Maximum over the run's brain voxels (needed for ``"tablet"``).

    Returns
    -------
    dict
        ``{"kind", "center", "scale"}``: scaled = (x - center) / scale
        (then ``2 * scaled - 1`` for ``"tablet"``).
    """
    if kind == "tablet":
        scale = float(run_max) if run_max is not None and run_max > 0 else 1.0
        return {"kind": kind, "center": 0.0, "scale": scale}
    values = sample[:, mask]
    if values.size == 0:
        return {"kind": kind, "center": 0.0, "scale": 1.0}
    center = float(np.median(values))
    scale = float(np.percentile(np.abs(values - center), _PERCENTILE))
    return {"kind": kind, "center": center, "scale": scale if scale > 0 else 1.0}


def apply_scaling(frames, params, mask):
    """Scale conformed frames to [-1, 1] and set the background.

    Parameters
    ----------
    frames : numpy.ndarray of shape (t, x, y, z)
    params : dict
        From :func:`fit_scaling`.
    mask : numpy.ndarray of bool, shape (x, y, z)

    Returns
    -------
    numpy.ndarray of shape (t, x, y, z), float32, values in [-1, 1]
    """
    kind = params["kind"]
    if kind == "tablet":
        out = np.maximum(frames, 0) / np.float32(params["scale"])
        out = np.minimum(out, 1) * 2 - 1
    else:
        out = (frames - np.float32(params["center"])) / np.float32(params["scale"])
        np.clip(out, -1, 1, out=out)
    out[:, ~mask] = BACKGROUND[kind]
    return out.astype(np.float32, copy=False)


def invert_scaling(frames, params):
    """Map scaled frames back to the run's units, as far as possible.

    Values clipped by :func:`apply_scaling` stay at the clipping bound, and
    for ``"tablet"`` negative values stay 0.

    Parameters
    ----------
    frames : numpy.ndarray of shape (t, x, y, z)
        Scaled values.
    params : dict
        From :func:`fit_scaling`.

    Returns
    -------
    numpy.ndarray of shape (t, x, y, z), float32
    """
    if params["kind"] == "tablet":
        frames = (frames + 1) / 2
    return (frames * params["scale"] + params["center"]).astype(np.float32)
