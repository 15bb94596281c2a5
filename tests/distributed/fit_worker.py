"""Fit tiny torch estimators; run alone or once per rank under torchrun.

Usage: ``python fit_worker.py OUT [--kill-after EPOCHS] [--other-labels-on-rank R]``. Each process
writes ``OUT/rank-<rank>.json`` with, per estimator, the SHA-256 of its
fitted weights, the number of epochs and the best epoch of its history,
its score on held-out samples, the sizes of the training batches it
computed and the size of its process group. With ``--kill-after``, rank 0 kills
itself (SIGKILL, no clean-up) right after the checkpoint of that epoch of
the first estimator is written, as a crashed node would.
"""

import argparse
import hashlib
import json
import os
import signal
import sys
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import roc_auc_score

from neurost._utils import training
from neurost._utils.checkpoints import TrainingCheckpoint
from neurost.decoding import FlowDecoder
from neurost.encoding import RoutingEncoder
from neurost.metrics import correlation_score
from neurost.tablet import TabletClassifier

N_TRAIN, N_TEST = 96, 32
ROI_LABELS = ["a"] * 3 + ["b"] * 3
COMMON = dict(device="cpu", random_state=0, batch_size=8, patience=3, verbose=0)


def classifier_data(rng):
    """Runs of 4 frames x 2 tokens x 4 dims; the label shifts one token's mean."""
    n = N_TRAIN + N_TEST
    labels = np.tile([0, 1], n // 2)
    runs = rng.normal(size=(n, 4, 2, 4)).astype(np.float32)
    runs[:, :, 0, :2] += 1.5 * labels[:, None, None]
    return runs, labels


def routing_data(rng):
    """3 x 3 x 8 grids; ROI "a" reads the top-left cell, ROI "b" the bottom-right."""
    n = N_TRAIN + N_TEST
    grids = rng.normal(size=(n, 3, 3, 8)).astype(np.float32)
    weights = rng.normal(size=(8, 3))
    responses = np.hstack([grids[:, 0, 0] @ weights, grids[:, 2, 2] @ weights])
    return grids, responses + 0.1 * rng.normal(size=responses.shape)


def flow_data(rng):
    """Windows of 6 voxels -> flow fields of 2 x 2 cells, 2 components."""
    n = N_TRAIN + N_TEST
    codes = rng.integers(0, 2, size=n)
    flows = np.where(codes[:, None, None, None, None] == 1, 1.0, -1.0) * np.ones((n, 1, 2, 2, 2))
    bold = rng.normal(size=(n, 6)) + 2.0 * codes[:, None]
    return bold, flows


def estimators(checkpoints):
    """The three estimators, fitted in this order by every process."""
    return {
        "TabletClassifier": TabletClassifier(
            preset="tiny", n_frames=4, max_epochs=20, lr=3e-3,
            checkpoint_dir=checkpoints / "tablet", warm_start=True, **COMMON,
        ),
        "RoutingEncoder": RoutingEncoder(
            ROI_LABELS, n_heads=2, ffn_dim=16, max_epochs=30, lr=1e-2, n_seeds=2, **COMMON,
        ),
        "FlowDecoder": FlowDecoder(
            hidden=8, n_blocks=1, n_codes=2, window=(0, 0), max_epochs=20, lr=3e-3,
            **COMMON,
        ),
    }


def weights_digest(modules):
    digest = hashlib.sha256()
    for module in modules:
        for name, tensor in sorted(module.state_dict().items()):
            digest.update(name.encode())
            digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def history_summary(history):
    valid = [epoch["valid_loss"] for epoch in history if "valid_loss" in epoch]
    monitor = [epoch.get("valid_score", -epoch.get("valid_loss", np.nan)) for epoch in history]
    return {"n_epochs": len(history), "best_epoch": int(np.argmax(monitor)) + 1,
            "valid_loss": valid}


def record_batch_sizes():
    """Make every training batch's size go into the returned set."""
    sizes = set()
    step = training._Net.train_step_single

    def recorded(self, batch, **fit_params):
        inputs = batch[0]
        sizes.add(len(next(iter(inputs.values())) if isinstance(inputs, dict) else inputs))
        return step(self, batch, **fit_params)

    training._Net.train_step_single = recorded
    return sizes


def kill_after(epochs):
    """Make rank 0 die right after writing the checkpoint of epoch ``epochs``."""
    save = TrainingCheckpoint._save

    def save_then_die(self, net, finished):
        save(self, net, finished)
        if len(net.history) == epochs and int(os.environ.get("RANK", "0")) == 0:
            os.kill(os.getpid(), signal.SIGKILL)

    TrainingCheckpoint._save = save_then_die


def main(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--kill-after", type=int)
    parser.add_argument("--other-labels-on-rank", type=int,
                        help="this rank fits the classifier on other labels (a bug to catch)")
    arguments = parser.parse_args(argv)
    torch.set_num_threads(1)
    if arguments.kill_after:
        kill_after(arguments.kill_after)
    rng = np.random.default_rng(0)
    data = {
        "TabletClassifier": classifier_data(rng),
        "RoutingEncoder": routing_data(rng),
        "FlowDecoder": flow_data(rng),
    }
    if arguments.other_labels_on_rank == int(os.environ.get("RANK", "0")):
        runs, labels = data["TabletClassifier"]
        data["TabletClassifier"] = runs, 1 - labels
    batch_sizes = record_batch_sizes()
    results = {}
    for name, estimator in estimators(arguments.out / "checkpoints").items():
        X, y = data[name]
        batch_sizes.clear()
        estimator.fit(X[:N_TRAIN], y[:N_TRAIN])
        X_test, y_test = X[N_TRAIN:], y[N_TRAIN:]
        if name == "TabletClassifier":
            modules = [estimator.model_]
            histories = [estimator.history_]
            score = roc_auc_score(y_test, estimator.predict_proba(X_test)[:, 1])
        elif name == "RoutingEncoder":
            modules = estimator.models_
            histories = estimator.history_
            score = float(np.mean(correlation_score(y_test, estimator.predict(X_test))))
        else:
            modules = [estimator.model_]
            histories = [estimator.history_]
            score = float(estimator.score(X_test, y_test))
        results[name] = {
            "weights": weights_digest(modules),
            "histories": [history_summary(history) for history in histories],
            "score": float(score),
            "batch_sizes": sorted(batch_sizes),
            "world_size": torch.distributed.get_world_size()
            if torch.distributed.is_initialized() else 1,
        }
    rank = int(os.environ.get("RANK", "0"))
    (arguments.out / f"rank-{rank}.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main(sys.argv[1:])
