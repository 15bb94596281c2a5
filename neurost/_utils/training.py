"""The one training engine of neurost's torch estimators.

Every torch estimator (``neurost.tablet``, ``neurost.encoding``,
``neurost.decoding``) trains its module through :func:`fit_module`, which
drives a `skorch <https://skorch.readthedocs.io>`_ ``NeuralNet``:

- AdamW with a cosine learning-rate schedule over ``max_epochs``;
- gradient-norm clipping;
- early stopping on a validation set, monitored on the validation loss or on
  a score (higher is better), restoring the best epoch's weights;
- bfloat16 autocast on CUDA (mixed precision), full float32 on the CPU;
- a tqdm progress bar and an epoch table when ``verbose`` is positive;
- a checkpoint of the whole state after every epoch, from which an
  interrupted fit resumes (:class:`~neurost._utils.checkpoints.TrainingCheckpoint`);
- a clear error as soon as the loss is NaN or infinite;
- seeded from the estimator's ``random_state`` without touching the global
  torch random state of the caller.

Datasets are ``torch.utils.data.Dataset`` objects whose items are
``(inputs, target)`` pairs; ``inputs`` is a tensor or a dict of tensors
passed to the module's ``forward`` as keyword arguments.
"""

import contextlib
import copy

import numpy as np
import torch
from skorch import NeuralNet
from skorch.callbacks import (
    Callback,
    EarlyStopping,
    GradientNormClipping,
    LRScheduler,
    ProgressBar,
)
from skorch.helper import predefined_split
from sklearn.utils import check_random_state

from .checkpoints import TrainingCheckpoint
from .device import resolve_device


def torch_seed(random_state):
    """Return an int seed for torch drawn from a scikit-learn ``random_state``."""
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


@contextlib.contextmanager
def seeded(seed):
    """Run a block with torch's random generators seeded, then restore them."""
    devices = list(range(torch.cuda.device_count()))
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


class _ValidationScore(Callback):
    """Record ``score(predictions, targets)`` on the validation set each epoch.

    Also records ``valid_score_best``: whether the epoch is the best so far.
    """

    def __init__(self, score, valid_data):
        self.score = score
        self.valid_data = valid_data

    def on_epoch_end(self, net, **kwargs):
        predictions = net.forward(self.valid_data)
        targets = torch.stack([self.valid_data[i][1] for i in range(len(self.valid_data))])
        net.history.record("valid_score", float(self.score(predictions, targets)))
        scores = net.history[:, "valid_score"]
        net.history.record("valid_score_best", bool(scores[-1] >= max(scores)))


class _Net(NeuralNet):
    """skorch's ``NeuralNet`` with autocast on CUDA and a validation score."""

    def __init__(self, *args, valid_score=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.valid_score = valid_score

    def get_default_callbacks(self):
        callbacks = list(super().get_default_callbacks())
        if self.valid_score is not None:
            # Scored before the epoch table is printed, so the table shows it.
            position = [name for name, _ in callbacks].index("print_log")
            callbacks.insert(position, ("valid_score", self.valid_score))
        return callbacks

    def infer(self, x, **fit_params):
        if str(self.device).startswith("cuda"):
            with torch.autocast("cuda", dtype=torch.bfloat16):
                return super().infer(x, **fit_params)
        return super().infer(x, **fit_params)


def fit_module(
    module,
    train_data,
    *,
    loss,
    valid_data=None,
    score=None,
    max_epochs=100,
    batch_size=16,
    lr=1e-3,
    weight_decay=1e-2,
    patience=10,
    grad_clip=1.0,
    device="auto",
    verbose=0,
    seed=0,
    checkpoint=None,
    fingerprint="",
    resume=False,
):
    """Train ``module`` in place and return its per-epoch history.

    Parameters
    ----------
    module : torch.nn.Module
        The model, already built; its weights are updated in place.
    train_data, valid_data : torch.utils.data.Dataset
        Items are ``(inputs, target)``. Without ``valid_data`` the module
        trains for ``max_epochs`` with no early stopping.
    loss : torch.nn.Module
        ``loss(module_output, target)`` -> scalar tensor.
    score : callable, optional
        ``score(predictions, targets)`` -> float, higher is better, computed
        on the whole validation set after every epoch; early stopping then
        monitors it instead of the validation loss.
    max_epochs, batch_size : int
    lr, weight_decay : float
        AdamW's learning rate (the start of the cosine schedule) and weight
        decay.
    patience : int or None
        Epochs without improvement before stopping; None trains
        ``max_epochs``. The best epoch's weights are restored either way
        when there is a validation set.
    grad_clip : float or None
        Maximum gradient norm.
    device : str or torch.device
        ``"auto"`` picks CUDA when present.
    verbose : int
        0 is silent; 1 shows a progress bar and the epoch table.
    seed : int
        Seeds the weights' shuffling and dropout (see :func:`torch_seed`).
    checkpoint : str or path-like, optional
        File where the state of training is saved after every epoch
        (atomically; see :class:`~neurost._utils.checkpoints.TrainingCheckpoint`).
    fingerprint : str, default=""
        Identifies this training in the checkpoint; a checkpoint saved with
        another fingerprint is not resumed.
    resume : bool, default=False
        Continue from ``checkpoint`` when it exists: the weights, optimizer,
        schedule, early-stopping counters, history and random generators
        are restored, and training ends as the uninterrupted one would
        have. False starts afresh.

    Returns
    -------
    list of dict
        One entry per epoch (``train_loss``, and ``valid_loss`` /
        ``valid_score`` when validating).

    Raises
    ------
    ValueError
        If the training loss becomes NaN or infinite (the message gives the
        epoch and the hyper-parameters), or if ``checkpoint`` holds the
        state of another training.
    """
    device = resolve_device(device)
    settings = dict(lr=lr, weight_decay=weight_decay, grad_clip=grad_clip, batch_size=batch_size)
    callbacks = [
        ("lr_schedule", LRScheduler(torch.optim.lr_scheduler.CosineAnnealingLR, T_max=max_epochs)),
        ("finite_loss", _FiniteLoss(settings)),
    ]
    if grad_clip is not None:
        callbacks.append(("grad_clip", GradientNormClipping(grad_clip)))
    monitor, lower_is_better = ("valid_score", False) if score else ("valid_loss", True)
    if valid_data is not None:
        callbacks.append(
            (
                "early_stopping",
                EarlyStopping(
                    monitor=monitor,
                    lower_is_better=lower_is_better,
                    patience=patience if patience is not None else max_epochs + 1,
                    threshold=0.0,
                    load_best=True,
                    sink=_quiet_sink,
                ),
            )
        )
    saved = None
    if checkpoint is not None:
        saver = TrainingCheckpoint(checkpoint, fingerprint)
        saved = saver.load() if resume else None
        callbacks.append(("checkpoint", saver))
    if verbose:
        callbacks.append(("progress", ProgressBar()))
    net = _Net(
        module,
        criterion=loss,
        optimizer=torch.optim.AdamW,
        optimizer__weight_decay=weight_decay,
        lr=lr,
        max_epochs=max_epochs,
        batch_size=batch_size,
        train_split=predefined_split(valid_data) if valid_data is not None else None,
        iterator_train__shuffle=True,
        callbacks=callbacks,
        valid_score=_ValidationScore(score, valid_data) if score and valid_data else None,
        device=str(device),
        verbose=verbose,
    )
    with seeded(seed):
        net.initialize()
        if saved is not None:
            saver.restore(net, saved)
        if saved is None or not saved["finished"]:
            net.partial_fit(train_data, None, epochs=max_epochs - len(net.history))
    return [
        {key: value for key, value in epoch.items() if key != "batches"}
        for epoch in net.history
    ]


class _FiniteLoss(Callback):
    """Stop training with a clear error as soon as the loss is not finite."""

    def __init__(self, settings):
        self.settings = settings

    def on_batch_end(self, net, batch=None, training=False, loss=None, **kwargs):
        if loss is None or torch.isfinite(loss).all():
            return
        epoch = len(net.history)
        where = "training" if training else "validation"
        settings = ", ".join(f"{name}={value!r}" for name, value in self.settings.items())
        raise ValueError(
            f"Training diverged: the {where} loss is {float(loss.detach())} at epoch {epoch} "
            f"({settings}). Lower lr, set grad_clip, or check the inputs and "
            "targets for extreme values."
        )


def _quiet_sink(*args, **kwargs):
    """Drop skorch's early-stopping messages; the epoch table says it all."""


def predict_module(module, data, *, batch_size=64, device="auto"):
    """Run ``module`` in eval mode over a dataset and concatenate its outputs.

    On the CPU the module runs in float64 (on a copy, the fitted module is
    left as it is), so that a sample's output does not depend on the other
    samples of its batch: float32 matrix products round differently for
    batches of different sizes. On CUDA it runs in float32.

    Parameters
    ----------
    module : torch.nn.Module
    data : torch.utils.data.Dataset
        Items are ``(inputs, target)``; targets are ignored. Inputs are a
        tensor or a dict of tensors (keyword arguments of ``forward``).
    batch_size : int
    device : str or torch.device

    Returns
    -------
    torch.Tensor
        The outputs along the first axis, on the CPU: float64 when computed
        on the CPU, float32 on CUDA.

    Raises
    ------
    ValueError
        If the outputs hold NaN or infinite values.
    """
    device = resolve_device(device)
    dtype = torch.float64 if device.type == "cpu" else torch.float32
    runner = copy.deepcopy(module).to(device=device, dtype=dtype).eval()
    loader = torch.utils.data.DataLoader(data, batch_size=batch_size, shuffle=False)
    outputs = []
    with torch.no_grad():
        for inputs, _ in loader:
            if isinstance(inputs, dict):
                out = runner(**{k: _to(v, device, dtype) for k, v in inputs.items()})
            else:
                out = runner(_to(inputs, device, dtype))
            outputs.append(out.to(device="cpu", dtype=dtype))
    outputs = torch.cat(outputs)
    bad = ~torch.isfinite(outputs)
    if bad.any():
        raise ValueError(
            f"The model's outputs hold {int(bad.sum())} NaN or infinite value(s) "
            f"out of {outputs.numel()}: its weights or the inputs hold extreme or "
            "non-finite values."
        )
    return outputs


def _to(tensor, device, dtype):
    """``tensor`` on ``device``, floating tensors cast to ``dtype``."""
    if tensor.is_floating_point():
        return tensor.to(device=device, dtype=dtype)
    return tensor.to(device)
