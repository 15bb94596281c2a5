"""Representational similarity analysis (RSA) of brain responses and model features.

A representational dissimilarity matrix (RDM) holds, for every pair of
conditions (stimuli), how different the response patterns to them are. RSA
compares the RDM of a brain region with the RDM of a model (a layer of a
network) and reads the comparison against a noise ceiling: how well the true
representation would score given the noise of the data (Kriegeskorte et al.,
2008; Nili et al., 2014).

The computations are those of ``rsatoolbox`` (Schütt et al., 2023), the
reference implementation of the field; this module gives them a small
array-in, array-out interface with validated inputs. Every RDM here is a
square, symmetric NumPy array of shape (n_conditions, n_conditions) with a
zero diagonal; a stack of RDMs (one per repeat, session or subject) has
shape (n_rdms, n_conditions, n_conditions).

References
----------
Kriegeskorte, N., Mur, M., & Bandettini, P. (2008). Representational
similarity analysis - connecting the branches of systems neuroscience.
Frontiers in Systems Neuroscience, 2, 4.

Nili, H., Wingfield, C., Walther, A., Su, L., Marslen-Wilson, W., &
Kriegeskorte, N. (2014). A toolbox for representational similarity
analysis. PLoS Computational Biology, 10(4), e1003553.

Diedrichsen, J., Berlot, E., Mur, M., Schütt, H. H., Shahbazi, M., &
Kriegeskorte, N. (2021). Comparing representational geometries using
whitened unbiased-distance-matrix similarity. Neurons, Behavior, Data
analysis, and Theory, 5(3).

Schütt, H. H., Kipnis, A. D., Diedrichsen, J., & Kriegeskorte, N. (2023).
Statistical inference on representational geometries. eLife, 12, e82566.
"""

import warnings

import numpy as np
import pandas as pd
from rsatoolbox.data import Dataset
from rsatoolbox.inference import boot_noise_ceiling
from rsatoolbox.rdm import RDMs, calc_rdm, compare

from .._utils.docs import fill_doc
from .._utils.validation import check_choice, describe
from ..metrics._checks import float_array

#: neurost's names of the RDM comparisons, and rsatoolbox's.
_METHODS = {
    "spearman": "spearman",
    "kendall_tau_a": "tau-a",
    "whitened_cosine": "cosine_cov",
}

#: neurost's names of the dissimilarities, and rsatoolbox's.
_METRICS = {"correlation": "correlation", "euclidean": "euclidean"}

_DOCS = {
    "rdm_metric": """\
metric : {{"correlation", "euclidean"}}, default={default}
    Dissimilarity of two conditions' patterns: ``"correlation"`` is one
    minus their Pearson correlation across features (unitless, in
    [0, 2]); ``"euclidean"`` is their squared Euclidean distance divided
    by ``n_features`` (the mean squared difference per feature, in the
    squared units of the responses).""",
    "rsa_method": """\
method : {{"spearman", "kendall_tau_a", "whitened_cosine"}}, default={default}
    How two RDMs are compared, on their upper-triangular entries:
    ``"spearman"`` is Spearman's rank correlation; ``"kendall_tau_a"`` is
    Kendall's tau-a, ``(concordant - discordant pairs) / (n (n - 1) / 2)``
    with no correction for ties (unlike :func:`scipy.stats.kendalltau`,
    which computes tau-b), the comparison Nili et al. (2014) recommend for
    models that predict tied dissimilarities; ``"whitened_cosine"`` is the
    cosine of the two RDMs after whitening by the covariance of the
    distance estimates under independent, identically distributed noise
    on the patterns (Diedrichsen et al., 2021; rsatoolbox's
    ``"cosine_cov"``), best suited to unbiased (cross-validated)
    distances.""",
}


def _fill_doc(obj):
    """:func:`fill_doc` with this module's entries."""
    return fill_doc(obj, entries=_DOCS)


def _float_array(values, name):
    """``values`` as a finite float64 array; TypeError for complex or non-numbers."""
    if np.iscomplexobj(values) and isinstance(values, np.ndarray):
        raise TypeError(f"{name} must hold real numbers; got {describe(values)}.")
    return float_array(values, name)


def _check_responses(responses, name):
    """``responses`` as a finite float array of 2 or 3 dimensions."""
    array = _float_array(responses, name)
    if array.ndim not in (2, 3):
        raise ValueError(
            f"{name} must be 2-D (n_conditions, n_features) or 3-D (n_rdms, "
            f"n_conditions, n_features); got shape {array.shape}."
        )
    if array.shape[-2] < 3 or array.shape[-1] < 1 or array.shape[0] < 1:
        raise ValueError(
            f"{name} must hold at least 3 conditions and 1 feature (an RDM of "
            f"fewer than 3 conditions cannot be compared); got shape {array.shape}."
        )
    return array


def _rdm_stack(array, metric, name):
    """The RDMs (rsatoolbox ``RDMs``) of a (n_rdms, n_conditions, n_features) array."""
    if metric == "correlation":
        flat = np.ptp(array, axis=-1) == 0
        if flat.any():
            entry, condition = (int(i) for i in np.argwhere(flat)[0])
            where = f"condition {condition}" + (f" of RDM {entry}" if len(array) > 1 else "")
            raise ValueError(
                f"{name}: the pattern of {where} is constant across features, "
                'so its correlation distance is undefined; use metric="euclidean" '
                "or drop that condition."
            )
    return calc_rdm([Dataset(patterns) for patterns in array], method=_METRICS[metric])


def _matrices(rdms, stacked):
    matrices = rdms.get_matrices()
    return matrices if stacked else matrices[0]


@_fill_doc
def rdm(responses, *, metric="correlation"):
    """Representational dissimilarity matrix of response patterns.

    Parameters
    ----------
    responses : array-like of shape (n_conditions, n_features) or (n_rdms, n_conditions, n_features)
        One pattern per condition: the responses of the voxels (or
        vertices) of one ROI, or one layer's features flattened. With a
        leading axis (repeats, sessions or subjects), one RDM is computed
        per entry of it, e.g. for :func:`rsa_noise_ceiling`.
    %(rdm_metric)s

    Returns
    -------
    ndarray of shape (n_conditions, n_conditions) or (n_rdms, n_conditions, n_conditions)
        Symmetric, with a zero diagonal.

    Examples
    --------
    >>> import numpy as np
    >>> from neurost.stats.rsa import rdm
    >>> rdm(np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]]), metric="euclidean")
    array([[0. , 0.5, 2. ],
           [0.5, 0. , 2.5],
           [2. , 2.5, 0. ]])
    """
    metric = check_choice(metric, "metric", _METRICS)
    array = _check_responses(responses, "responses")
    stacked = array.ndim == 3
    rdms = _rdm_stack(array if stacked else array[None], metric, "responses")
    return _matrices(rdms, stacked)


def _check_labels(roi_labels, n_features, background):
    labels = np.asarray(roi_labels)
    if labels.shape != (n_features,):
        raise ValueError(
            f"roi_labels must hold one ROI label per voxel (column of responses), shape "
            f"({n_features},); got {describe(labels)}."
        )
    try:
        unique = np.unique(labels)
    except TypeError:
        raise TypeError(
            "roi_labels must hold labels of one kind (all strings or all numbers, no "
            f"None); got {describe(roi_labels)}."
        ) from None
    rois = [roi for roi in unique if background is None or roi != background]
    if not rois:
        raise ValueError(
            f"roi_labels holds no ROI other than the background {background!r}."
        )
    return labels, rois


def _key(roi):
    """A NumPy label as the plain Python value used as a dictionary key."""
    return roi.item() if isinstance(roi, np.generic) else roi


@_fill_doc
def roi_rdms(responses, roi_labels, *, metric="correlation", background=None):
    """The RDM of each ROI of a set of responses.

    Parameters
    ----------
    responses : array-like of shape (n_conditions, n_voxels) or (n_rdms, n_conditions, n_voxels)
        Responses of all voxels (or vertices); with a leading axis
        (repeats, sessions), one RDM per entry of it, as in :func:`rdm`.
    roi_labels : array-like of shape (n_voxels,)
        The ROI of each voxel (an integer or a name); every distinct label
        is an ROI.
    %(rdm_metric)s
    background : int or str, default=None
        A label that is no ROI (e.g. ``0`` in an atlas image), left out.

    Returns
    -------
    dict
        ROI label -> RDM of shape (n_conditions, n_conditions), or
        (n_rdms, n_conditions, n_conditions) for 3-D ``responses``, in the
        sorted order of the labels.
    """
    metric = check_choice(metric, "metric", _METRICS)
    array = _check_responses(responses, "responses")
    labels, rois = _check_labels(roi_labels, array.shape[-1], background)
    stacked = array.ndim == 3
    array = array if stacked else array[None]
    return {
        _key(roi): _matrices(
            _rdm_stack(array[..., labels == roi], metric, f"responses (ROI {_key(roi)!r})"),
            stacked,
        )
        for roi in rois
    }


@_fill_doc
def feature_rdms(features, *, metric="correlation"):
    """The RDM of each layer of a model.

    Parameters
    ----------
    features : dict
        Layer name -> array-like of shape (n_conditions, ...): the layer's
        features for each condition, flattened to (n_conditions,
        n_features) (e.g. a patch grid of shape (n_conditions, n_patches,
        n_channels)). All layers must have the same ``n_conditions``.
    %(rdm_metric)s

    Returns
    -------
    dict
        Layer name -> RDM of shape (n_conditions, n_conditions), in the
        order of ``features``.
    """
    metric = check_choice(metric, "metric", _METRICS)
    if not isinstance(features, dict) or not features:
        raise TypeError(
            "features must be a non-empty dict of layer name -> array of shape "
            f"(n_conditions, ...); got {describe(features)}."
        )
    rdms = {}
    for layer, values in features.items():
        name = f"features[{layer!r}]"
        array = _float_array(values, name)
        if array.ndim < 2 or array.size == 0:
            raise ValueError(
                f"{name} must have shape (n_conditions, ...) with at least 2 "
                f"dimensions and some features; got {describe(values)}."
            )
        rdms[layer] = _matrices(
            _rdm_stack(_check_responses(array.reshape(len(array), -1), name)[None], metric, name),
            False,
        )
    _check_same_conditions(rdms, "features")
    return rdms


def _check_rdms(value, name, stacked=False):
    """An RDM (or stack of RDMs) as a float array, checked."""
    array = _float_array(value, name)
    shapes = "(n_conditions, n_conditions)" + (
        " or (n_rdms, n_conditions, n_conditions)" if stacked else ""
    )
    if array.ndim not in ((2, 3) if stacked else (2,)) or array.shape[-1] != array.shape[-2]:
        raise ValueError(f"{name} must be a square RDM of shape {shapes}; got shape {array.shape}.")
    if array.shape[-1] < 3 or array.size == 0:
        raise ValueError(
            f"{name} must hold RDMs of at least 3 conditions; got shape {array.shape}."
        )
    if not np.allclose(array, np.swapaxes(array, -1, -2)):
        raise ValueError(f"{name} must be symmetric (an RDM); it is not.")
    scale = max(1.0, float(np.abs(array).max()))
    if not np.allclose(np.diagonal(array, axis1=-2, axis2=-1), 0, rtol=0, atol=1e-8 * scale):
        raise ValueError(f"{name} must have a zero diagonal (an RDM); it does not.")
    return array


def _to_rsatoolbox(matrices, names, method):
    """rsatoolbox ``RDMs`` of a (n_rdms, n, n) stack; refuses a degenerate RDM for ``method``.

    ``names`` names each RDM of the stack in error messages.
    """
    upper = np.triu_indices(matrices.shape[-1], k=1)
    vectors = matrices[:, upper[0], upper[1]]
    for where, vector in zip(names, vectors):
        if method == "spearman" and np.ptp(vector) == 0:
            raise ValueError(
                f"{where}: all its dissimilarities are equal, so a rank correlation "
                'with it is undefined; use method="kendall_tau_a" or "whitened_cosine".'
            )
        if method == "whitened_cosine" and not vector.any():
            raise ValueError(
                f"{where}: all its dissimilarities are zero, so its cosine with "
                "another RDM is undefined."
            )
    return RDMs(vectors)


def _compare(first, second, method):
    """rsatoolbox's comparison matrix of shape (first.n_rdm, second.n_rdm)."""
    return compare(first, second, method=_METHODS[method])


@_fill_doc
def compare_rdms(a, b, *, method="spearman"):
    """Similarity of two RDMs.

    Parameters
    ----------
    a, b : array-like of shape (n_conditions, n_conditions)
        Two RDMs of the same conditions in the same order (from
        :func:`rdm`): symmetric, zero on the diagonal. Only their upper
        triangles are compared.
    %(rsa_method)s

    Returns
    -------
    float
        In [-1, 1]; 1 for RDMs that agree perfectly.

    Examples
    --------
    >>> import numpy as np
    >>> from neurost.stats.rsa import compare_rdms
    >>> a = np.array([[0, 1, 2], [1, 0, 3], [2, 3, 0]])
    >>> compare_rdms(a, 10 * a, method="kendall_tau_a")
    1.0
    """
    method = check_choice(method, "method", _METHODS)
    a = _check_rdms(a, "a")
    b = _check_rdms(b, "b")
    if a.shape != b.shape:
        raise ValueError(
            f"b must compare the same conditions as a, shape {a.shape}; got shape {b.shape}."
        )
    first, second = (
        _to_rsatoolbox(matrix[None], [name], method) for matrix, name in ((a, "a"), (b, "b"))
    )
    return float(_compare(first, second, method)[0, 0])


def _noise_ceiling(rdms, method):
    """Nili's (lower, upper) bounds from rsatoolbox ``RDMs`` of >= 2 repeats."""
    with warnings.catch_warnings():
        # rsatoolbox pools the RDMs for tau-a by averaging their ranks, and says
        # so each time; rsa_noise_ceiling documents it once.
        warnings.filterwarnings("ignore", "Noise ceiling for tau based on averaged ranks")
        lower, upper = boot_noise_ceiling(rdms, method=_METHODS[method])
    return float(lower), float(upper)


@_fill_doc
def rsa_noise_ceiling(rdms, *, method="spearman"):
    """Noise ceiling of RSA from the RDMs of repeated measurements.

    The bounds of Nili et al. (2014): each RDM of the stack is compared
    with the mean of all RDMs, itself included (upper bound), and with the
    mean of the others (lower bound); each bound is the mean over the
    stack. The true representation's expected score, the mean of its
    similarity to each RDM of the stack (as :func:`rsa_table` computes),
    lies between them.

    Parameters
    ----------
    rdms : array-like of shape (n_rdms, n_conditions, n_conditions)
        At least 2 RDMs of the same conditions: one per repeat, session or
        subject (``rdm(responses)`` of responses of shape (n_rdms,
        n_conditions, n_features)).
    %(rsa_method)s

    Returns
    -------
    lower, upper : float
        The bounds, on the scale of ``method``.

    Notes
    -----
    The mean RDM is the one that scores best under ``method``
    (rsatoolbox's ``pool_rdm``): the mean of the RDMs each divided by its
    whitened norm ``sqrt(d @ V^-1 @ d)`` for ``"whitened_cosine"``, the
    mean of their ranks for
    ``"spearman"``, and also the mean of their ranks for
    ``"kendall_tau_a"``, for which the best RDM has no closed form, so
    that this upper bound may be slightly low.
    """
    method = check_choice(method, "method", _METHODS)
    stack = _check_rdms(rdms, "rdms", stacked=True)
    if stack.ndim != 3 or len(stack) < 2:
        raise ValueError(
            "rdms must stack at least 2 RDMs, shape (n_rdms, n_conditions, "
            f"n_conditions) with n_rdms >= 2; got shape {stack.shape}."
        )
    names = [f"rdms[{index}]" for index in range(len(stack))]
    return _noise_ceiling(_to_rsatoolbox(stack, names, method), method)


def _check_rdm_dict(value, name, stacked):
    if not isinstance(value, dict) or not value:
        raise TypeError(f"{name} must be a non-empty dict of RDMs; got {describe(value)}.")
    return {
        key: _check_rdms(matrix, f"{name}[{key!r}]", stacked=stacked)
        for key, matrix in value.items()
    }


def _check_same_conditions(rdms, name, n_conditions=None):
    for key, matrix in rdms.items():
        n_conditions = n_conditions or matrix.shape[-1]
        if matrix.shape[-1] != n_conditions:
            raise ValueError(
                f"{name}[{key!r}] has {matrix.shape[-1]} conditions; expected "
                f"{n_conditions} like the others."
            )
    return n_conditions


@_fill_doc
def rsa_table(brain_rdms, model_rdms, *, method="spearman", noise_ceiling=False):
    """Table of the similarity of every ROI's RDM to every layer's RDM.

    The "searchlight-free" ROI analysis: one row per (ROI, layer).

    Parameters
    ----------
    brain_rdms : dict
        ROI -> RDM of shape (n_conditions, n_conditions), or a stack of
        shape (n_rdms, n_conditions, n_conditions) (repeats, sessions or
        subjects), as :func:`roi_rdms` returns.
    model_rdms : dict
        Layer -> RDM of shape (n_conditions, n_conditions), as
        :func:`feature_rdms` returns.
    %(rsa_method)s
    noise_ceiling : bool, default=False
        Add each ROI's noise ceiling (:func:`rsa_noise_ceiling` of its
        stack, with the same ``method``); needs a stack of at least 2 RDMs
        per ROI.

    Returns
    -------
    pandas.DataFrame
        One row per (ROI, layer), ROIs in the order of ``brain_rdms`` and
        layers in that of ``model_rdms``, with columns ``roi``, ``layer``,
        ``method`` and ``similarity`` (for a stack, the mean over its RDMs
        of their similarity to the layer's RDM, the score the noise ceiling
        bounds), then ``noise_ceiling_lower`` and ``noise_ceiling_upper``
        when ``noise_ceiling`` is true.
    """
    method = check_choice(method, "method", _METHODS)
    if not isinstance(noise_ceiling, (bool, np.bool_)):
        raise TypeError(f"noise_ceiling must be True or False; got {describe(noise_ceiling)}.")
    brain = _check_rdm_dict(brain_rdms, "brain_rdms", stacked=True)
    models = _check_rdm_dict(model_rdms, "model_rdms", stacked=False)
    n_conditions = _check_same_conditions(brain, "brain_rdms")
    _check_same_conditions(models, "model_rdms", n_conditions)
    layers = list(models)
    model_set = _to_rsatoolbox(
        np.stack([models[layer] for layer in layers]),
        [f"model_rdms[{layer!r}]" for layer in layers],
        method,
    )
    rows = []
    for roi, matrices in brain.items():
        name = f"brain_rdms[{roi!r}]"
        stacked = matrices.ndim == 3
        stack = matrices if stacked else matrices[None]
        if noise_ceiling and len(stack) < 2:
            raise ValueError(
                f"noise_ceiling=True needs a stack of at least 2 RDMs per ROI; "
                f"{name} has shape {matrices.shape}."
            )
        names = [f"{name}[{index}]" for index in range(len(stack))] if stacked else [name]
        roi_set = _to_rsatoolbox(stack, names, method)
        similarity = _compare(roi_set, model_set, method).mean(axis=0)
        ceiling = _noise_ceiling(roi_set, method) if noise_ceiling else ()
        for layer, value in zip(layers, similarity):
            row = {"roi": roi, "layer": layer, "method": method, "similarity": float(value)}
            if noise_ceiling:
                row["noise_ceiling_lower"], row["noise_ceiling_upper"] = ceiling
            rows.append(row)
    return pd.DataFrame(rows)
