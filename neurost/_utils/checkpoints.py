"""Checkpoints of a training run, from which an interrupted fit resumes."""

import json

import torch
from skorch.callbacks import Callback, EarlyStopping
from skorch.history import DistributedHistory, History
from torch.nn.modules.utils import consume_prefix_in_state_dict_if_present

from .files import atomic_write

#: Version of the checkpoint layout; a file of another version is refused.
CHECKPOINT_FORMAT = 2


class TrainingCheckpoint(Callback):
    """Save the whole state of training after every epoch, in one file.

    The file holds the module's weights, the optimizer's state (the
    learning-rate schedule resumes from the history's length), the
    early-stopping counters and best weights, the history and the state of
    torch's random generators (CPU and CUDA), so that a fit resumed from it
    ends as the uninterrupted fit would have. It is written atomically (a killed write
    leaves the previous epoch's checkpoint) and read with
    ``torch.load(weights_only=True)``: loading it runs no code.

    In a data-parallel training (several ranks), rank 0 writes the file
    and every rank reads it to resume; on a cluster, ``path`` must be on
    a file system that every node sees. The weights are stored unwrapped,
    so that a run resumes with another number of ranks too.

    Parameters
    ----------
    path : str or path-like
        The checkpoint file.
    fingerprint : str
        Identifies the training (parameters, seed, data): a checkpoint is
        resumed only by the training it was saved by.
    shuffle : torch.Generator
        The generator of the training batches' order, saved and restored
        with the others.
    """

    def __init__(self, path, fingerprint, shuffle):
        self.path = path
        self.fingerprint = fingerprint
        self.shuffle = shuffle

    def load(self):
        """Return the saved state, or None when there is no checkpoint yet.

        Raises
        ------
        ValueError
            If the file is damaged, of another checkpoint format, or saved by
            another training (other parameters, seed or data).
        """
        try:
            state = torch.load(self.path, map_location="cpu", weights_only=True)
        except FileNotFoundError:
            return None
        except Exception as error:  # torch raises many types for a damaged file
            raise ValueError(
                f"checkpoint_dir: '{self.path}' is not a readable neurost checkpoint "
                f"({type(error).__name__}: {error}). Delete it to train afresh."
            ) from None
        if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
            raise ValueError(
                f"checkpoint_dir: '{self.path}' is not a neurost checkpoint of format "
                f"{CHECKPOINT_FORMAT}. Delete it to train afresh."
            )
        if state.get("fingerprint") != self.fingerprint:
            raise ValueError(
                f"checkpoint_dir: '{self.path}' was saved by another training (other "
                "parameters, random_state or data, as in another fold of a "
                "cross-validation), so it is not resumed. Give each fit its own "
                "checkpoint_dir, and an int random_state to resume one."
            )
        return state

    def restore(self, net, state):
        """Put a saved state into an initialised ``net`` before training resumes."""
        try:
            _unwrapped(net).load_state_dict(state["module"])
            net.optimizer_.load_state_dict(state["optimizer"])
        except (RuntimeError, ValueError, KeyError) as error:
            raise ValueError(
                f"checkpoint_dir: '{self.path}' holds the training state of another "
                f"model (different shapes or parameters): {error}. Use another "
                "checkpoint_dir, or delete it to train afresh."
            ) from None
        history = History(json.loads(state["history"]))
        if isinstance(net.history, DistributedHistory):
            net.history.clear()
            net.history.history.extend(history)
        else:
            net.history = history
        self._pending = state

    def on_train_begin(self, net, **kwargs):
        # Runs after EarlyStopping.on_train_begin, which resets its counters.
        state = getattr(self, "_pending", None)
        self._pending = None
        if state is None:
            return
        torch.set_rng_state(state["rng"])
        self.shuffle.set_state(state["shuffle_rng"])
        if state["cuda_rng"] and len(state["cuda_rng"]) == torch.cuda.device_count():
            torch.cuda.set_rng_state_all(state["cuda_rng"])
        stopper = _early_stopping(net)
        if stopper is not None and state["early_stopping"] is not None:
            saved = state["early_stopping"]
            stopper.misses_ = int(saved["misses"])
            stopper.dynamic_threshold_ = float(saved["threshold"])
            stopper.best_epoch_ = int(saved["best_epoch"])
            best = state["best_module"]
            if best and net.module_ is not _unwrapped(net):
                # The wrapper (DistributedDataParallel) names its weights "module.*".
                best = {f"module.{name}": value for name, value in best.items()}
            stopper.best_model_weights_ = best or None

    def on_epoch_end(self, net, **kwargs):
        self._save(net, finished=False)

    def on_train_end(self, net, **kwargs):
        self._save(net, finished=True)

    def _save(self, net, finished):
        if not net.accelerator.is_main_process:
            return
        stopper = _early_stopping(net)
        early = None
        best = {}
        if stopper is not None:
            early = {
                "misses": int(stopper.misses_),
                "threshold": float(stopper.dynamic_threshold_),
                "best_epoch": int(stopper.best_epoch_),
            }
            best = dict(stopper.best_model_weights_ or {})
            consume_prefix_in_state_dict_if_present(best, "module.")
        state = {
            "format": CHECKPOINT_FORMAT,
            "fingerprint": self.fingerprint,
            "finished": finished,
            "module": _unwrapped(net).state_dict(),
            "optimizer": net.optimizer_.state_dict(),
            "history": json.dumps(net.history.to_list()),
            "early_stopping": early,
            "best_module": best,
            "rng": torch.get_rng_state(),
            "shuffle_rng": self.shuffle.get_state(),
            "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        }
        with atomic_write(self.path, overwrite=True) as temporary:
            torch.save(state, temporary)


def _unwrapped(net):
    """The module of ``net`` without accelerate's wrapper."""
    return net.accelerator.unwrap_model(net.module_, keep_fp32_wrapper=False)


def _early_stopping(net):
    for _, callback in net.callbacks_:
        if isinstance(callback, EarlyStopping):
            return callback
    return None
