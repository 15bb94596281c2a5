"""The shell every torch estimator of neurost shares: :class:`TorchEstimator`."""

import hashlib
import math
import os
from numbers import Integral, Real
from pathlib import Path

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.model_selection import (
    GroupShuffleSplit,
    ShuffleSplit,
    StratifiedGroupKFold,
    train_test_split,
)
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from . import distributed
from .device import resolve_device
from .training import fit_module, predict_module, torch_seed

VALIDATION_SPLITS = ("random", "stratified", "last")


class TorchEstimator(BaseEstimator):
    """Base of neurost's torch estimators (not for direct use).

    Owns what every torch estimator does around training, so that each
    estimator supplies only its module, its dataset and its loss:

    - the declarative validation of the training parameters
      (``_parameter_constraints``, merged with the subclass's own);
    - the validation split (:meth:`_validation_split`), with one meaning
      of ``validation_fraction`` and ``validation_split`` for all, and
      groups kept on one side;
    - the standardisation of inputs and targets (:meth:`_standardizer`);
    - training through :func:`neurost._utils.training.fit_module`
      (:meth:`_train`), with checkpoints and resume, and the fitted module
      handed back on the CPU;
    - prediction (:meth:`_predict`), batch-independent on the CPU;
    - data-parallel training when a launcher (``torchrun``, ``accelerate
      launch``) started the script on several processes: every rank
      makes the same random choices (the seed of ``random_state=None`` is
      rank 0's), trains its share of every batch, and ends with the same
      weights.

    Subclasses list every parameter in their own ``__init__`` (as
    scikit-learn requires) and document the shared ones with
    ``%(torch_training)s`` (:func:`neurost._utils.docs.fill_doc`).
    """

    _parameter_constraints = {
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, np.inf, closed="neither")],
        "weight_decay": [Interval(Real, 0, np.inf, closed="left")],
        "validation_fraction": [Interval(Real, 0, 1, closed="left"), None],
        "validation_split": [StrOptions(set(VALIDATION_SPLITS))],
        "patience": [Interval(Integral, 1, None, closed="left"), None],
        "grad_clip": [Interval(Real, 0, np.inf, closed="neither"), None],
        "accumulation_steps": [Interval(Integral, 1, None, closed="left")],
        "checkpoint_dir": [str, os.PathLike, None],
        "warm_start": ["boolean"],
        "device": [str, torch.device],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    # -- what fit does first -------------------------------------------------

    def _start_fit(self):
        """Check what the constraints cannot: the device and the checkpoints.

        Returns
        -------
        numpy.random.RandomState
            The generator every random choice of this fit draws from.
        """
        resolve_device(self.device)
        if self.validation_split == "stratified" and not _is_classifier(self):
            raise ValueError(
                f"validation_split='stratified' needs class labels; {type(self).__name__} "
                "is not a classifier. Use 'random' or 'last'."
            )
        if self.checkpoint_dir is not None:
            folder = Path(self.checkpoint_dir).expanduser()
            if folder.exists() and not folder.is_dir():
                raise ValueError(
                    f"checkpoint_dir must be a folder; '{folder}' is a file."
                )
            if not self.warm_start and folder.is_dir() and any(folder.glob("*.pt")):
                raise ValueError(
                    f"checkpoint_dir '{folder}' already holds a checkpoint. Pass "
                    "warm_start=True to resume it, or choose an empty folder."
                )
            folder.mkdir(parents=True, exist_ok=True)
        if self.random_state is None and distributed.launched():
            # Every rank must draw the same split, weights and batches.
            seed = np.random.randint(np.iinfo(np.int32).max)
            return np.random.RandomState(distributed.broadcast(seed))
        return check_random_state(self.random_state)

    # -- validation split ----------------------------------------------------

    def _validation_split(self, n_samples, rng, *, y=None, groups=None):
        """Indices of the training and validation samples (sorted).

        Parameters
        ----------
        n_samples : int
            The units being split (runs, images, windows).
        rng : numpy.random.RandomState
        y : array-like of shape (n_samples,), optional
            Class codes, for ``validation_split="stratified"``.
        groups : array-like of shape (n_samples,), optional
            Group of each sample; a group is never split.

        Returns
        -------
        train, valid : numpy.ndarray of int
            ``valid`` is empty when ``validation_fraction`` is None or 0.
        """
        everything = np.arange(n_samples)
        fraction = self.validation_fraction
        if not fraction:
            return everything, everything[:0]
        seed = rng.randint(np.iinfo(np.int32).max)
        if groups is not None:
            train, valid = self._group_split(groups, fraction, y, seed)
        else:
            train, valid = self._sample_split(n_samples, fraction, y, seed)
        if not len(train):
            raise ValueError(
                f"validation_fraction={fraction} leaves no training sample of the "
                f"{n_samples}; give more samples or a smaller validation_fraction."
            )
        return np.sort(train), np.sort(valid)

    def _sample_split(self, n_samples, fraction, y, seed):
        n_valid = math.ceil(fraction * n_samples)
        if n_valid >= n_samples:
            raise ValueError(
                f"validation_fraction={fraction} of {n_samples} samples holds out "
                f"{n_valid}, leaving none to train on; give more samples or a "
                "smaller validation_fraction."
            )
        everything = np.arange(n_samples)
        if self.validation_split == "last":
            return everything[:-n_valid], everything[-n_valid:]
        if self.validation_split == "random":
            return next(ShuffleSplit(1, test_size=n_valid, random_state=seed).split(everything))
        classes, counts = np.unique(y, return_counts=True)
        n_valid = max(n_valid, len(classes))
        if n_samples - n_valid < len(classes) or counts.min() < 2:
            raise ValueError(
                f"validation_split='stratified' needs at least 2 samples of every "
                f"class (one on each side) and room for one per class on each side; "
                f"got class counts {dict(zip(classes.tolist(), counts.tolist()))} "
                f"with validation_fraction={fraction}. Give more samples, or use "
                "validation_split='random'."
            )
        return train_test_split(everything, test_size=n_valid, stratify=y, random_state=seed)

    def _group_split(self, groups, fraction, y, seed):
        groups = np.asarray(groups)
        unique, first = np.unique(groups, return_index=True)
        if len(unique) < 2:
            raise ValueError(
                f"groups holds {len(unique)} group; at least 2 are needed to hold "
                "whole groups out for validation (or set validation_fraction=None)."
            )
        everything = np.arange(len(groups))
        n_valid = math.ceil(fraction * len(unique))
        if n_valid >= len(unique):
            raise ValueError(
                f"validation_fraction={fraction} of {len(unique)} groups holds out "
                f"{n_valid}, leaving none to train on; give more groups or a smaller "
                "validation_fraction."
            )
        if self.validation_split == "stratified":
            # The fold of StratifiedGroupKFold that holds out the number of
            # groups closest to the one asked for.
            n_splits = min(max(2, math.ceil(len(unique) / n_valid)), len(unique))
            splitter = StratifiedGroupKFold(n_splits, shuffle=True, random_state=seed)
            try:
                folds = list(splitter.split(everything, y, groups))
            except ValueError as error:
                raise ValueError(
                    f"validation_split='stratified' with groups: {error} Use "
                    "validation_split='random', or more groups."
                ) from None
            return min(folds, key=lambda fold: abs(len(np.unique(groups[fold[1]])) - n_valid))
        if self.validation_split == "last":
            held_out = unique[np.argsort(first)][-n_valid:]
            valid = np.isin(groups, held_out)
            return everything[~valid], everything[valid]
        splitter = GroupShuffleSplit(1, test_size=n_valid, random_state=seed)
        return next(splitter.split(everything, groups=groups))

    # -- scaling, training and prediction --------------------------------------

    @staticmethod
    def _standardizer(values):
        """A ``StandardScaler`` fitted on the columns of ``values``.

        Columns with zero variance get a scale of 1 (they are centred, not
        divided by 0).

        Parameters
        ----------
        values : numpy.ndarray of shape (n_samples, n_columns)
        """
        return StandardScaler().fit(np.asarray(values, dtype=np.float64))

    def _train(self, module, train_data, *, loss, valid_data=None, score=None, seed,
               data=tuple, name="model"):
        """Train ``module`` with the estimator's training parameters.

        Parameters
        ----------
        module : torch.nn.Module
            Trained in place, then handed back on the CPU in eval mode.
        train_data, valid_data : torch.utils.data.Dataset
            Items ``(inputs, target)``.
        loss : torch.nn.Module
        score : callable, optional
            Validation score, higher is better (else the validation loss).
        seed : int
            Seeds the batch order and dropout.
        data : callable, default=tuple
            Returns the arrays that identify the training data (the
            training and validation indices, the targets, a sample of the
            inputs); called only with ``checkpoint_dir`` or under a
            launcher. With the parameters and ``seed`` they make the
            fingerprint of the training: a checkpoint is resumed only by
            the training that saved it, and every rank of a launch must
            have rank 0's.
        name : str, default="model"
            The checkpoint's file name in ``checkpoint_dir`` (one per
            member of an ensemble).

        Returns
        -------
        list of dict
            The per-epoch history.
        """
        checkpoint = fingerprint = None
        if self.checkpoint_dir is not None or distributed.launched():
            fingerprint = self._fingerprint(seed, name, data())
        if self.checkpoint_dir is not None:
            checkpoint = Path(self.checkpoint_dir).expanduser() / f"{name}.pt"
        if distributed.launched() and distributed.broadcast(fingerprint) != fingerprint:
            raise ValueError(
                f"Rank {distributed.rank()} fits {type(self).__name__} on other data or "
                "parameters than rank 0. Under a launcher every rank must load the same "
                "data and make the same fits in the same order."
            )
        try:
            return fit_module(
                module, train_data, loss=loss, valid_data=valid_data, score=score,
                max_epochs=self.max_epochs, batch_size=self.batch_size, lr=self.lr,
                weight_decay=self.weight_decay, patience=self.patience,
                grad_clip=self.grad_clip, accumulation_steps=self.accumulation_steps,
                device=self.device, verbose=self.verbose,
                seed=seed, checkpoint=checkpoint, fingerprint=fingerprint,
                resume=bool(self.warm_start),
            )
        finally:
            module.cpu().eval()

    def _fingerprint(self, seed, name, data):
        """SHA-256 of the parameters that shape training, the seed and the data."""
        ignored = {"checkpoint_dir", "warm_start", "verbose", "device"}
        params = sorted(
            (key, repr(value)) for key, value in self.get_params(deep=False).items()
            if key not in ignored
        )
        digest = hashlib.sha256(repr((type(self).__name__, params, seed, name)).encode())
        for array in data:
            array = np.ascontiguousarray(array)
            digest.update(repr((array.shape, array.dtype.str)).encode())
            digest.update(array.tobytes())
        return digest.hexdigest()

    def _predict(self, module, data):
        """Outputs of ``module`` over ``data`` as a float64 NumPy array."""
        outputs = predict_module(module, data, batch_size=self.batch_size, device=self.device)
        return outputs.numpy().astype(np.float64, copy=False)

    @staticmethod
    def _torch_seed(rng):
        """An int seed for torch drawn from the fit's generator."""
        return torch_seed(rng)


def _is_classifier(estimator):
    return estimator.__sklearn_tags__().estimator_type == "classifier"
