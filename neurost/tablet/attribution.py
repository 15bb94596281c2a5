"""Which tokens drive a TABLeT prediction: integrated gradients, and voxel maps.

Integrated gradients (Sundararajan et al. 2017) attribute a model output
``F(x)`` to its inputs as ``(x - x0) * mean_a dF/dx (x0 + a (x - x0))``,
the path integral from a baseline ``x0`` to the input; the attributions
add up to ``F(x) - F(x0)`` (completeness). They are computed in token
space, where the transformer is differentiable, and summed over each
token's channels: one number per frame and token.

The baseline is the mean token at each position (over the frames of the
runs explained), the same in every frame. Zero tokens would be a poor
baseline: the transformer layer-normalises every token first, so the
straight path from zero (``a x``) leaves the output unchanged almost
everywhere.

A token covers one sub-cube of ``token_size`` voxels per side of the
tokenizer's grid, so :func:`attribution_map` paints each token's
attribution over its sub-cube. The map has the resolution of the token
grid (3 x 3 x 3 cubes of 64 mm with the defaults): it says which brain
region drives a prediction, not which voxel.
"""

import numbers

import numpy as np
import torch
from sklearn.base import clone
from sklearn.utils.validation import check_is_fitted

from .._utils.validation import check_positive_int, describe
from ..tokenize import SliceTokenizer
from ..tokenize.conform import MNI_2MM_AFFINE, MNI_2MM_SHAPE, Conformer
from ._datasets import pad_frames
from .supervised import TabletClassifier, TabletRegressor


def integrated_gradients(estimator, X, target=None, n_steps=32, baseline=None):
    """Integrated gradients of a fitted TABLeT estimator, per frame and token.

    Each run is cut into the windows :meth:`predict` uses; the run's output
    is the mean of its windows' outputs, so each window's attributions are
    divided by the number of windows. Padded frames get none.

    Parameters
    ----------
    estimator : TabletClassifier or TabletRegressor
        Fitted.
    X : list of runs
        As in ``estimator.predict``.
    target : object, optional
        What is attributed. Classifier with two classes: the logit of
        ``classes_[1]`` (``target`` ignored). More classes: the logit of
        class ``target`` (a label of ``classes_``); None takes each run's
        predicted class. Regressor: the prediction of target index
        ``target`` (default 0), in the targets' units.
    n_steps : int, default=32
        Points of the midpoint rule along the path from the baseline.
    baseline : numpy.ndarray of shape (n_tokens, token_dim), optional
        The token of each position in every frame of the baseline run;
        default: the mean over all frames of all runs of ``X``.

    Returns
    -------
    list of numpy.ndarray of shape (n_frames, n_tokens)
        One per run, float64; summed over the token channels. A run's
        attributions add up, within the integration error, to its output
        minus the output of the baseline run of the same length.

    Examples
    --------
    >>> maps = integrated_gradients(clf, runs)  # doctest: +SKIP
    >>> per_token = np.mean([m.sum(axis=0) for m in maps], axis=0)  # doctest: +SKIP
    """
    _check_estimator(estimator)
    n_steps = check_positive_int(n_steps, "n_steps", "integration points")
    runs = estimator._runs(X)
    outputs = _output_index(estimator, runs, target)
    baseline = torch.as_tensor(_baseline(estimator, runs, baseline))
    model = estimator.model_
    device = next(model.parameters()).device
    scale = 1.0
    if isinstance(estimator, TabletRegressor):
        scale = float(estimator.target_scaler_.scale_[outputs[0]])
    alphas = (torch.arange(n_steps, dtype=torch.float32) + 0.5) / n_steps
    was_training = model.training
    model.eval()
    results = []
    try:
        for run, output in zip(runs, outputs):
            starts = range(0, run.n_frames, estimator.n_frames)
            attribution = np.zeros((run.n_frames, estimator.n_tokens_))
            for start in starts:
                window = pad_frames(run.read(start, start + estimator.n_frames), estimator.n_frames)
                difference = window["tokens"] - baseline
                gradient = _mean_gradient(
                    model, difference, window["padding_mask"], baseline, output, alphas,
                    estimator.batch_size, device,
                )
                values = (difference * gradient).sum(dim=-1).double().numpy()
                n_real = min(estimator.n_frames, run.n_frames - start)
                attribution[start : start + n_real] = values[:n_real] * scale / len(starts)
            results.append(attribution)
    finally:
        model.train(was_training)
    return results


def _baseline(estimator, runs, baseline):
    """The baseline token of each position, (n_tokens, token_dim) float32."""
    shape = (estimator.n_tokens_, estimator.token_dim_)
    if baseline is None:
        total = np.zeros(shape)
        for run in runs:
            for start in range(0, run.n_frames, estimator.n_frames):
                total += run.read(start, start + estimator.n_frames).sum(axis=0)
        return (total / sum(run.n_frames for run in runs)).astype(np.float32)
    baseline = np.asarray(baseline, dtype=np.float32)
    if baseline.shape != shape or not np.isfinite(baseline).all():
        raise ValueError(
            f"baseline must be a finite array of shape (n_tokens, token_dim) = {shape}; "
            f"got {describe(baseline)}."
        )
    return baseline


def _mean_gradient(model, difference, padding_mask, baseline, output, alphas, batch_size, device):
    """Mean gradient of output ``output`` along ``baseline + a * difference``.

    ``difference`` (n_frames, n_tokens, token_dim) is the window minus the
    baseline; ``a`` runs over ``alphas``.
    """
    difference = difference.to(device)
    baseline = baseline.to(device)
    padding_mask = padding_mask.to(device)
    total = torch.zeros_like(difference)
    with torch.enable_grad():
        for first in range(0, len(alphas), batch_size):
            alpha = alphas[first : first + batch_size].to(device)
            path = (baseline + alpha[:, None, None, None] * difference).requires_grad_(True)
            out = model(path, padding_mask.expand(len(alpha), -1))[:, output]
            (gradient,) = torch.autograd.grad(out.sum(), path)
            total += gradient.sum(dim=0)
    return (total / len(alphas)).cpu()


def _check_estimator(estimator):
    if not isinstance(estimator, (TabletClassifier, TabletRegressor)):
        raise TypeError(
            "estimator must be a fitted TabletClassifier or TabletRegressor; got "
            f"{describe(estimator)}."
        )
    check_is_fitted(estimator, "model_")


def _output_index(estimator, runs, target):
    """The model output attributed, one per run."""
    n_runs = len(runs)
    if isinstance(estimator, TabletRegressor):
        n_targets = len(estimator.target_scaler_.scale_)
        index = 0 if target is None else target
        if isinstance(index, bool) or not isinstance(index, numbers.Integral) or not (
            0 <= index < n_targets
        ):
            raise ValueError(
                f"target must be a target index in [0, {n_targets}); got {describe(target)}."
            )
        return [int(index)] * n_runs
    classes = estimator.classes_
    if len(classes) == 2:
        return [0] * n_runs
    if target is None:
        return list(np.argmax(estimator._window_outputs(runs), axis=1))
    matches = np.flatnonzero(classes == target)
    if len(matches) != 1:
        raise ValueError(
            f"target must be one of the classes {classes.tolist()}; got {describe(target)}."
        )
    return [int(matches[0])] * n_runs


def attribution_map(
    estimator, X, target=None, n_steps=32, baseline=None, tokenizer=None, reference=None
):
    """Integrated gradients as a brain image: one value per token sub-cube.

    Attributions (:func:`integrated_gradients`) are summed over the frames
    of each run and averaged over the runs; each token's value fills the
    sub-cube of voxels it covers.

    Parameters
    ----------
    estimator : TabletClassifier or TabletRegressor
        Fitted.
    X : list of runs
        As in ``estimator.predict``.
    target, n_steps, baseline
        As in :func:`integrated_gradients`.
    tokenizer : SliceTokenizer, optional
        The tokenizer that made the tokens; default ``estimator.tokenizer_``
        (fitted on images) or ``estimator.tokenizer``. Needed for runs given
        as tokens, to know the token grid.
    reference : path or nibabel image, optional
        A run of the cohort: the map gets its conformed grid. Default: the
        2 mm MNI152 grid conformed to the tokenizer's ``grid_size`` (what
        MNI152 2 mm runs are tokenized on).

    Returns
    -------
    nibabel.Nifti1Image of shape (grid_size, grid_size, grid_size)
        float32, in output units (logit or target units) per token; signed.

    Examples
    --------
    >>> from nilearn import plotting  # doctest: +SKIP
    >>> image = attribution_map(clf, runs, tokenizer=tokenizer)  # doctest: +SKIP
    >>> plotting.plot_stat_map(image, cmap="RdBu_r",
    ...                        title="integrated gradients")  # doctest: +SKIP
    """
    import nibabel

    tokenizer = _fitted_tokenizer(estimator, tokenizer)
    per_run = [a.sum(axis=0) for a in integrated_gradients(estimator, X, target, n_steps, baseline)]
    values = np.mean(per_run, axis=0).reshape(tokenizer.cube_grid_)
    size = tokenizer.token_size
    volume = values.repeat(size, 0).repeat(size, 1).repeat(size, 2)
    if reference is None:
        affine = Conformer(MNI_2MM_SHAPE, MNI_2MM_AFFINE, tokenizer.grid_size).affine
    else:
        image = reference if isinstance(reference, nibabel.spatialimages.SpatialImage) else (
            nibabel.load(reference)
        )
        affine = Conformer(image.shape[:3], image.affine, tokenizer.grid_size).affine
    return nibabel.Nifti1Image(volume.astype(np.float32), affine)


def _fitted_tokenizer(estimator, tokenizer):
    _check_estimator(estimator)
    if tokenizer is None:
        fitted = estimator.tokenizer_
        tokenizer = fitted if fitted is not None else estimator.tokenizer
    if tokenizer is None:
        raise ValueError(
            "attribution_map needs the tokenizer that made the tokens, to place "
            "them in the brain: pass tokenizer=, or fit the estimator on 4D runs."
        )
    if not isinstance(tokenizer, SliceTokenizer):
        raise TypeError(f"tokenizer must be a SliceTokenizer; got {describe(tokenizer)}.")
    if not hasattr(tokenizer, "n_tokens_"):
        tokenizer = clone(tokenizer).fit()
    if tokenizer.n_tokens_ != estimator.n_tokens_:
        raise ValueError(
            f"the tokenizer makes {tokenizer.n_tokens_} tokens per frame, but the "
            f"estimator was fitted on {estimator.n_tokens_}."
        )
    return tokenizer
