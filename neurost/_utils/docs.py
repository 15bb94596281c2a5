"""One description per shared parameter, filled into docstrings by :func:`fill_doc`.

As in nilearn and MNE, a parameter that several estimators take is
documented once, in :data:`docdict`, and a docstring names it with a
``%(name)s`` marker on a line of its own. :func:`fill_doc` replaces the
marker with the entry, indented like the marker, and writes the default
that the decorated class (or function) really has in place of
``{default}``, so that the documented default can never drift from the
signature.
"""

import inspect
import re

_TRAINING = {
    "max_epochs": """\
max_epochs : int, default={default}
    Most passes over the training samples.""",
    "batch_size": """\
batch_size : int, default={default}
    Samples per batch, and per batch when predicting. Under a launcher
    (``torchrun``, ``accelerate launch``) it is the batch of all ranks
    together, each of the N ranks taking ``batch_size / N`` of it, so that
    a script trains the same way on any number of ranks (a multiple of N
    is needed).""",
    "lr": """\
lr : float, default={default}
    AdamW's learning rate at the start of the cosine schedule (> 0).""",
    "weight_decay": """\
weight_decay : float, default={default}
    AdamW's decoupled weight decay (>= 0).""",
    "validation_fraction": """\
validation_fraction : float in [0, 1) or None, default={default}
    Share of the training samples (of the groups, when ``fit`` gets
    ``groups``) held out for early stopping, rounded up to a whole sample
    (group); the best epoch's weights are kept. None or 0 trains
    ``max_epochs`` on every sample.""",
    "validation_split": """\
validation_split : {{"random", "stratified", "last"}}, default={default}
    Which samples are held out: drawn at random (seeded by
    ``random_state``); drawn at random in the proportions of the classes
    (scikit-learn's ``train_test_split(stratify=y)``, holding out at least
    as many as there are classes; classifiers only); or the last ones, one
    contiguous block
    (time series, whose neighbouring samples are not independent). With
    ``groups``, whole groups are held out: drawn at random, drawn so that
    the classes stay balanced (the fold of scikit-learn's
    ``StratifiedGroupKFold`` whose number of groups is closest to the one
    asked for), or the groups seen last.""",
    "patience": """\
patience : int or None, default={default}
    Epochs without improvement of the validation score before training
    stops; None trains ``max_epochs`` and keeps the best epoch.""",
    "grad_clip": """\
grad_clip : float or None, default={default}
    Largest norm of the gradient (> 0) before each step; None does not
    clip.""",
    "accumulation_steps": """\
accumulation_steps : int, default={default}
    Batches whose gradients are summed (as their mean) before each
    optimizer step, so that a step sees ``batch_size *
    accumulation_steps`` samples with the memory of ``batch_size``.""",
    "checkpoint_dir": """\
checkpoint_dir : str, path-like or None, default={default}
    Folder where the state of training (weights, optimizer, history and
    random generators) is saved after every epoch, written atomically,
    with a fingerprint of the parameters, ``random_state`` and data. With
    ``warm_start=True`` a fit resumes from the checkpoint found there and
    ends as the uninterrupted fit would have; with ``warm_start=False`` a
    folder that already holds a checkpoint is refused, so that no earlier
    training is overwritten. Give each fit its own folder (each fold of a
    cross-validation, each point of a grid search). Under a launcher,
    rank 0 writes the checkpoint and every rank resumes from it: on a
    cluster, choose a folder that every node sees.""",
    "warm_start": """\
warm_start : bool, default={default}
    Resume an interrupted fit from its checkpoint in ``checkpoint_dir``
    (ignored without one). Unlike scikit-learn's ``warm_start``, it never
    continues from another fit: a checkpoint saved by other parameters,
    another ``random_state`` (an int is needed to resume) or other data is
    refused, and a fit that had finished is returned as it ended.""",
    "device": """\
device : str or torch.device, default={default}
    ``"auto"`` picks CUDA when present (training then autocasts to
    bfloat16), else the CPU. Fitted modules are always handed back on the
    CPU; on the CPU, predictions are computed in float64 so that a
    sample's prediction does not depend on the batch it falls in. Under a
    launcher, a CUDA device is the GPU of each rank (``LOCAL_RANK``), and
    the ranks train together through NCCL; on the CPU, through gloo.""",
    "verbose": """\
verbose : int, default={default}
    0 is silent; 1 shows a progress bar and the epoch table (on rank 0
    only, under a launcher).""",
    "random_state": """\
random_state : int, RandomState instance or None, default={default}
    Seeds the weights, the validation split, the batch order and
    dropout.""",
}

#: Shared parameter descriptions, by name.
docdict = dict(_TRAINING)

docdict["torch_training"] = "\n".join(_TRAINING.values())

docdict["groups"] = """\
groups : array-like of shape (n_samples,), default=None
    Group of each sample (a subject, a run): the validation split keeps
    every group on one side. To pass groups through scikit-learn's
    cross-validation as well, enable metadata routing
    (``sklearn.set_config(enable_metadata_routing=True)``,
    ``estimator.set_fit_request(groups=True)``) and give
    ``params={{"groups": groups}}``."""

_MARKER = re.compile(r"^(?P<indent>[ \t]*)%\((?P<name>\w+)\)s[ \t]*$", re.MULTILINE)


def fill_doc(obj, entries=None):
    """Replace the ``%(name)s`` lines of ``obj``'s docstring by their entries.

    Parameters
    ----------
    obj : class or function
        Decorated in place. For a class, ``{default}`` is read from the
        signature of its ``__init__``; for a function, from its own.
    entries : dict of str to str, optional
        More entries, for one subpackage, that take precedence over
        :data:`docdict`.

    Returns
    -------
    obj

    Raises
    ------
    KeyError
        For a marker that names no entry.
    """
    if not obj.__doc__:
        return obj
    table = {**docdict, **(entries or {})}
    defaults = _defaults(obj)

    def replace(match):
        name = match["name"]
        if name not in table:
            raise KeyError(f"fill_doc: no entry {name!r} for the docstring of {obj.__qualname__}.")
        text = _with_defaults(table[name], defaults)
        indent = match["indent"]
        return "\n".join(indent + line if line else line for line in text.splitlines())

    obj.__doc__ = _MARKER.sub(replace, obj.__doc__)
    return obj


def _defaults(obj):
    function = obj.__init__ if inspect.isclass(obj) else obj
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return {}
    return {
        name: parameter.default
        for name, parameter in parameters.items()
        if parameter.default is not inspect.Parameter.empty
    }


def _with_defaults(text, defaults):
    """Fill ``{default}`` on each entry line from the parameter it documents."""
    lines = []
    name = None
    for line in text.splitlines():
        head = re.match(r"^(\w+) :", line)
        if head:
            name = head.group(1)
        if "{default}" in line or "{{" in line:
            default = defaults.get(name, "{default}")
            shown = f'"{default}"' if isinstance(default, str) else repr(default)
            line = line.replace("{default}", shown).replace("{{", "{").replace("}}", "}")
        lines.append(line)
    return "\n".join(lines)
