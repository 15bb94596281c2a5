"""The one training engine of neurost's torch estimators.

Every torch estimator (``neurost.tablet``, ``neurost.encoding``,
``neurost.decoding``) trains its module through :func:`fit_module`, which
drives a `skorch <https://skorch.readthedocs.io>`_ ``NeuralNet``:

- AdamW with a cosine learning-rate schedule over ``max_epochs``;
- gradient-norm clipping;
- early stopping on a validation set, monitored on the validation loss or on
  a score (higher is better), restoring the best epoch's weights;
- bfloat16 autocast on CUDA (mixed precision), full float32 on the CPU;
- gradient accumulation over several batches;
- data-parallel training when a launcher (``torchrun``, ``accelerate
  launch``) started the script on several processes: Hugging Face
  ``accelerate`` wraps the module in ``DistributedDataParallel`` and gives
  each rank its share of every batch, and skorch's ``DistributedHistory``
  merges the ranks' batch records, so that the losses, validation scores
  and early-stopping decisions are those of the whole data on every rank
  (see :mod:`neurost._utils.distributed`);
- a tqdm progress bar and an epoch table when ``verbose`` is positive
  (rank 0 only);
- a checkpoint of the whole state after every epoch (written by rank 0),
  from which an interrupted fit resumes
  (:class:`~neurost._utils.checkpoints.TrainingCheckpoint`);
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
from accelerate import Accelerator, DataLoaderConfiguration
from skorch import NeuralNet
from skorch.callbacks import (
    Callback,
    EarlyStopping,
    GradientNormClipping,
    LRScheduler,
    ProgressBar,
)
from skorch.helper import predefined_split
from skorch.hf import AccelerateMixin
from skorch.history import DistributedHistory
from sklearn.utils import check_random_state

from . import distributed
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


class _Net(AccelerateMixin, NeuralNet):
    """skorch's ``NeuralNet`` driven by an ``accelerate.Accelerator``.

    With autocast on CUDA and a validation score. The accelerator does not
    place tensors (skorch does, on ``device``); it wraps the module for
    data-parallel training under a launcher, shards the batches, gathers
    the validation predictions and accumulates gradients.
    """

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

    def _initialize_accelerator(self):
        # accelerate wraps every module it prepares in DistributedDataParallel
        # on CPUs, which refuses a module without trainable parameters, as
        # losses are; they need no wrapping.
        criteria = self._criteria
        self._criteria = [
            name for name in criteria
            if any(p.requires_grad for p in getattr(self, name + "_").parameters())
        ]
        try:
            return super()._initialize_accelerator()
        finally:
            self._criteria = criteria

    def _zero_grad_optimizer(self, optimizer_name=None):
        """Leave the gradients: they are zeroed after each optimizer step.

        skorch zeroes them before every batch; with gradient accumulation
        that would drop the batches accumulated since the last step.
        """

    def _step_optimizer(self, step_fn):
        super()._step_optimizer(step_fn)
        if self.accelerator.sync_gradients:
            super()._zero_grad_optimizer()

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
    accumulation_steps=1,
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
    max_epochs : int
    batch_size : int
        Samples per optimisation step (before accumulation), over all
        ranks: under a launcher each of the N ranks processes
        ``batch_size / N`` of them, so that the training is the same
        whatever the number of ranks.
    lr, weight_decay : float
        AdamW's learning rate (the start of the cosine schedule) and weight
        decay.
    patience : int or None
        Epochs without improvement before stopping; None trains
        ``max_epochs``. The best epoch's weights are restored either way
        when there is a validation set.
    grad_clip : float or None
        Maximum gradient norm.
    accumulation_steps : int, default=1
        Batches whose gradients are summed before each optimizer step
        (``accelerate``'s gradient accumulation): the step sees
        ``batch_size * accumulation_steps`` samples.
    device : str or torch.device
        ``"auto"`` picks CUDA when present. Under a launcher, a CUDA device
        means the GPU of the rank (``LOCAL_RANK``).
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
        epoch and the hyper-parameters), if ``checkpoint`` holds the
        state of another training, or if ``batch_size`` does not split
        evenly over the ranks of a launch.
    """
    device = resolve_device(device)
    accelerator = _accelerator(device, batch_size, accumulation_steps)
    settings = dict(lr=lr, weight_decay=weight_decay, grad_clip=grad_clip, batch_size=batch_size)
    callbacks = [
        ("lr_schedule", LRScheduler(torch.optim.lr_scheduler.CosineAnnealingLR, T_max=max_epochs)),
        ("finite_loss", _FiniteLoss(settings)),
    ]
    if grad_clip is not None:
        callbacks.append(("grad_clip", _GradientNormClipping(grad_clip)))
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
    # The batch order has a generator of its own, saved in checkpoints: the
    # data loader is built once per fit, and accelerate would otherwise seed
    # it from the global generator then, which a resumed fit cannot replay.
    shuffle = torch.Generator().manual_seed(seed)
    saved = None
    if checkpoint is not None:
        saver = TrainingCheckpoint(checkpoint, fingerprint, shuffle)
        saved = saver.load() if resume else None
        callbacks.append(("checkpoint", saver))
    if verbose and accelerator.is_main_process:
        callbacks.append(("progress", ProgressBar()))
    history = None
    if accelerator.num_processes > 1:
        history = DistributedHistory(
            store=distributed.history_store(),
            rank=accelerator.process_index,
            world_size=accelerator.num_processes,
        )
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
        iterator_train__generator=shuffle,
        callbacks=callbacks,
        valid_score=_ValidationScore(score, valid_data) if score and valid_data else None,
        accelerator=accelerator,
        # Unwrapped by hand after training: early stopping restores the best
        # weights into the wrapped module after the net's own train end.
        unwrap_after_train=False,
        history=history,
        callbacks__print_log__sink=accelerator.print if verbose else _quiet_sink,
        device=str(device),
        verbose=verbose,
    )
    try:
        with seeded(seed):
            net.initialize()
            if saved is not None:
                saver.restore(net, saved)
            if saved is None or not saved["finished"]:
                net.partial_fit(train_data, None, epochs=max_epochs - len(net.history))
    finally:
        # Drops the accelerator's references to the wrapped module, the
        # optimizer and the loaders; ``module`` holds the trained weights.
        accelerator.free_memory()
    return [
        {key: value for key, value in epoch.items() if key != "batches"}
        for epoch in net.history
    ]


def _accelerator(device, batch_size, accumulation_steps):
    """The ``accelerate.Accelerator`` of one training.

    It leaves the placement of tensors to skorch. Batches are split over
    the ranks (``split_batches``), so that ``batch_size`` is the number of
    samples of a step whatever the number of ranks.
    """
    n_ranks = distributed.world_size()
    if n_ranks > 1 and device.type == "cpu" and torch.cuda.is_available():
        raise ValueError(
            "device='cpu' under a launcher on a machine with GPUs: the ranks train "
            "together on the GPUs, one each; use device='auto' or 'cuda'."
        )
    if n_ranks > 1 and batch_size % n_ranks:
        raise ValueError(
            f"batch_size={batch_size} must be a multiple of the {n_ranks} processes "
            "of the launch, which share every batch; choose a batch_size divisible "
            f"by {n_ranks}."
        )
    distributed.process_state()
    return Accelerator(
        device_placement=False,
        cpu=not torch.cuda.is_available(),
        gradient_accumulation_steps=accumulation_steps,
        dataloader_config=DataLoaderConfiguration(split_batches=True),
    )


class _GradientNormClipping(GradientNormClipping):
    """Clip the gradient once per optimizer step, when accumulation is done."""

    def on_grad_computed(self, net, named_parameters, **kwargs):
        if net.accelerator.sync_gradients:
            super().on_grad_computed(net, named_parameters, **kwargs)


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
    """Drop skorch's messages: early stopping's, and the epoch table when quiet."""


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
