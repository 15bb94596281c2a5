"""Noise ceilings from repeated presentations, as in the Natural Scenes Dataset.

With the responses to each stimulus measured ``n`` times, the noise
variance is the mean over stimuli of the variance across repeats and the
signal variance is what remains of the total variance. Their ratio of
standard deviations is the noise-ceiling SNR (``ncsnr``); the ceiling on
the fraction of variance of ``n``-trial averages that any model can explain
is ``ncsnr² / (ncsnr² + 1/n)`` (Allen et al., 2022, Nature Neuroscience).
"""

import numpy as np

from .._utils.validation import describe
from ._checks import float_array
from .correlation import check_paired, correlation_score


def ncsnr(responses, repeats):
    """Noise-ceiling signal-to-noise ratio of each target.

    Parameters
    ----------
    responses : array-like of shape (n_trials, n_targets)
        Single-trial responses (e.g. betas, z-scored per session as in NSD).
    repeats : array-like of shape (n_trials,)
        Stimulus identity of each trial; trials sharing an identity are
        repeats. Stimuli shown once add to the total variance only.

    Returns
    -------
    ndarray of shape (n_targets,)
        ``sqrt(max(0, total variance - noise variance)) / sqrt(noise
        variance)``, where the noise variance is the mean over repeated
        stimuli of the across-repeat variance (ddof=1) and the total
        variance is that of all trials (ddof=1). ``inf`` for a target
        with signal and no noise; 0 for a constant target.
    """
    responses = float_array(responses, "responses")
    if responses.ndim == 1:
        responses = responses[:, None]
    if responses.ndim != 2:
        raise ValueError(
            "responses must be 2-D (n_trials, n_targets); got shape "
            f"{responses.shape}."
        )
    if len(responses) < 2:
        raise ValueError(
            f"responses must hold at least 2 trials; got shape {responses.shape}."
        )
    repeats = np.asarray(repeats)
    if repeats.shape != (len(responses),):
        raise ValueError(
            f"repeats must hold one stimulus identity per trial, shape "
            f"({len(responses)},); got shape {repeats.shape}."
        )
    _, stimulus, counts = np.unique(repeats, return_inverse=True, return_counts=True)
    repeated = counts[stimulus] >= 2
    if not repeated.any():
        raise ValueError(
            "repeats: no stimulus is shown more than once, so the noise "
            "variance cannot be estimated."
        )
    n_stimuli = len(counts)
    sums = np.zeros((n_stimuli, responses.shape[1]))
    np.add.at(sums, stimulus, responses)
    deviations = responses - (sums / counts[:, None])[stimulus]
    squared = np.zeros_like(sums)
    np.add.at(squared, stimulus, deviations**2)
    multi = counts >= 2
    noise_variance = (squared[multi] / (counts[multi, None] - 1)).mean(axis=0)
    total_variance = responses.var(axis=0, ddof=1)
    signal_sd = np.sqrt(np.clip(total_variance - noise_variance, 0.0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = signal_sd / np.sqrt(noise_variance)
    return np.where(noise_variance > 0, ratio, np.where(signal_sd > 0, np.inf, 0.0))


def noise_ceiling(ncsnr, n_repeats):
    """Fraction of variance of ``n_repeats``-trial averages a model can explain.

    Parameters
    ----------
    ncsnr : array-like of shape (n_targets,)
        Noise-ceiling SNR from :func:`ncsnr`; ``inf`` (no noise) gives a
        ceiling of 1.
    n_repeats : int or array-like of shape (n_targets,)
        Number of trials averaged in the responses being predicted (3 in NSD).

    Returns
    -------
    ndarray of shape (n_targets,)
        ``ncsnr² / (ncsnr² + 1 / n_repeats)``, in [0, 1] (a fraction, not
        a percentage).
    """
    try:
        snr = np.atleast_1d(np.asarray(ncsnr, dtype=np.float64))
    except (TypeError, ValueError):
        raise TypeError(f"ncsnr must be an array of numbers; got {describe(ncsnr)}.") from None
    if np.isnan(snr).any() or (snr < 0).any():
        raise ValueError("ncsnr must hold non-negative numbers; got NaN or a negative value.")
    n_repeats = float_array(n_repeats, "n_repeats")
    if n_repeats.ndim and n_repeats.shape != snr.shape:
        raise ValueError(
            f"n_repeats must be one number or one per target, shape {snr.shape}; "
            f"got shape {n_repeats.shape}."
        )
    if (n_repeats < 1).any():
        raise ValueError(f"n_repeats must be >= 1; got {n_repeats}.")
    with np.errstate(invalid="ignore"):
        ceiling = snr**2 / (snr**2 + 1.0 / n_repeats)
    return np.where(np.isinf(snr), 1.0, ceiling)


def explained_variance_ratio(y_true, y_pred, noise_ceiling):
    """Variance explained relative to the noise ceiling, per target.

    Parameters
    ----------
    y_true : array-like of shape (n_samples, n_targets)
        Measured responses (averages of as many repeats as the ceiling
        assumes).
    y_pred : array-like of the same shape
        Predicted responses.
    noise_ceiling : array-like of shape (n_targets,)
        Ceiling of each target from :func:`noise_ceiling`, as a fraction.

    Returns
    -------
    ndarray of shape (n_targets,)
        ``r² / noise_ceiling`` with ``r < 0`` counted as 0, clipped to at
        most 1; NaN where the ceiling is 0 (nothing to explain).
    """
    y_true, y_pred = check_paired(y_true, y_pred)
    ceiling = float_array(noise_ceiling, "noise_ceiling")
    if ceiling.shape != (y_true.shape[1],):
        raise ValueError(
            f"noise_ceiling must hold one value per target, shape "
            f"({y_true.shape[1]},); got shape {ceiling.shape}."
        )
    if ((ceiling < 0) | (ceiling > 1)).any():
        raise ValueError("noise_ceiling must be a fraction in [0, 1].")
    r = np.clip(correlation_score(y_true, y_pred), 0.0, None)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(ceiling > 0, r**2 / ceiling, np.nan)
    return np.minimum(ratio, 1.0)
