"""Tokenization and training with one and two processes, and what float16 storage costs.

Run on the CPU with ``python analyses/benchmark_distributed.py``. Every
process uses one thread (``OMP_NUM_THREADS=1``), so that two processes
use the two cores a single process would leave half idle.

1. **Tokenization**: ``N_RUNS`` runs of ``N_FRAMES`` frames of random
   96^3 volumes at 2 mm (the conformed grid as it is, no resampling),
   tokenized by the built-in autoencoder with the defaults (27 tokens x
   3072 dims per frame) through ``neurost tokenize``: one process, two
   processes of a job array (``--shard 0/2`` and ``--shard 1/2`` at once)
   and ``torchrun --nproc_per_node=2``. Frames/s counts every frame of the
   cohort over the wall time of the command(s), start-up included.
2. **Training**: a ``TabletClassifier`` (preset ``small``, ``n_frames``
   16, 27 x 3072 tokens, batch 8, 3 epochs, no validation) on 96 random
   runs, alone and under ``torchrun --nproc_per_node=2`` (gloo), with
   ``accumulation_steps`` 1 and 4 (the gradients are all-reduced once per
   optimizer step): samples/s is training samples x epochs over the time
   of ``fit``.
3. **float16 storage**: the MNI152 T1 template tokenized into a float32
   and a float16 store, decoded with ``inverse_transform``; Pearson r with
   the conformed template inside the brain, and the largest token change.

The figures are printed and written to
``analyses/results/benchmark_distributed.tsv``.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nibabel
import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
N_RUNS, N_FRAMES = 4, 24
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _neurost(*arguments):
    return [sys.executable, "-m", "neurost", *map(str, arguments)]


def _torchrun(n, *arguments):
    return [sys.executable, "-m", "torch.distributed.run", "--standalone",
            f"--nproc_per_node={n}", *map(str, arguments)]


def _timed(commands):
    """Wall time of ``commands`` run at once."""
    start = time.perf_counter()
    processes = [subprocess.Popen(command, env=ENV) for command in commands]
    for process in processes:
        if process.wait():
            raise RuntimeError(f"{processes[0].args} failed")
    return time.perf_counter() - start


def tokenization(folder):
    rng = np.random.default_rng(0)
    rows = ["key\tpath"]
    for index in range(N_RUNS):
        data = rng.normal(100, 10, size=(96, 96, 96, N_FRAMES)).astype(np.float32)
        nibabel.Nifti1Image(data, np.diag([2.0, 2.0, 2.0, 1.0])).to_filename(
            folder / f"run-{index}.nii")
        rows.append(f"run-{index}\trun-{index}.nii")
    table = folder / "runs.tsv"
    table.write_text("\n".join(rows) + "\n")
    common = ["tokenize", "--list", table, "--quiet", "--device", "cpu", "--out"]
    frames = N_RUNS * N_FRAMES
    one = _timed([_neurost(*common, folder / "one.h5")])
    shards = _timed([_neurost(*common, folder / "shards.h5", "--shard", f"{i}/2")
                     for i in range(2)])
    ranks = _timed([_torchrun(2, "-m", "neurost", *common, folder / "ranks.h5")])
    return [
        ("tokenize", "1 process", frames / one, "frames/s"),
        ("tokenize", "2 shards (job array)", frames / shards, "frames/s"),
        ("tokenize", "torchrun, 2 ranks", frames / ranks, "frames/s"),
    ]


def training_worker(out, accumulation_steps):
    """Fit under the launcher that started this process; rank 0 writes the time."""
    import torch

    from neurost.tablet import TabletClassifier

    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    runs = rng.normal(size=(96, 16, 27, 3072)).astype(np.float32)
    labels = np.tile([0, 1], 48)
    classifier = TabletClassifier(preset="small", n_frames=16, batch_size=8, max_epochs=3,
                                  accumulation_steps=accumulation_steps,
                                  validation_fraction=None, device="cpu", random_state=0)
    start = time.perf_counter()
    classifier.fit(runs, labels)
    elapsed = time.perf_counter() - start
    if int(os.environ.get("RANK", "0")) == 0:
        Path(out).write_text(json.dumps({"seconds": elapsed, "samples": 96 * 3}))


def training(folder):
    rows = []
    for steps in (1, 4):
        for n in (1, 2):
            out = folder / f"train-{n}-{steps}.json"
            worker = [__file__, "--train-worker", str(out), str(steps)]
            _timed([[sys.executable, *worker] if n == 1 else _torchrun(n, *worker)])
            result = json.loads(out.read_text())
            label = "1 process" if n == 1 else f"torchrun, {n} ranks"
            rows.append((f"train TabletClassifier small, accumulation_steps={steps}", label,
                         result["samples"] / result["seconds"], "samples/s"))
    return rows


def float16_cost(folder):
    from neurost.datasets import load_mni152
    from neurost.tokenize import SliceTokenizer, TokenStore

    t1 = load_mni152().template
    template = nibabel.Nifti1Image(np.asarray(t1.dataobj, np.float32)[..., None], t1.affine)
    tokenizer = SliceTokenizer(device="cpu").fit()
    rows = []
    stores = {}
    for dtype in ("float32", "float16"):
        store = TokenStore(folder / f"{dtype}.h5", dtype=dtype).tokenize(
            {"mni": template}, tokenizer)
        stores[dtype] = store.read("mni")
        size = (store.runs_dir / "mni.h5").stat().st_size
        rows.append(("float16 storage", f"{dtype}: file size", size / 1e3, "kB"))
    reference = np.asarray(
        tokenizer.inverse_transform(stores["float32"], reference=template).dataobj)[..., 0]
    half = np.asarray(
        tokenizer.inverse_transform(stores["float16"], reference=template).dataobj)[..., 0]
    from neurost.tokenize.conform import Conformer

    conformer = Conformer(template.shape[:3], template.affine, tokenizer.grid_size)
    original = conformer(np.asarray(template.dataobj, dtype=np.float32))[0]
    brain = original != 0
    for dtype, volume in (("float32", reference), ("float16", half)):
        r = np.corrcoef(volume[brain], original[brain])[0, 1]
        rows.append(("float16 storage", f"{dtype}: reconstruction r in the brain", r, "r"))
    change = np.abs(stores["float16"] - stores["float32"])
    rows.append(("float16 storage", "largest token change / largest |token|",
                 change.max() / np.abs(stores["float32"]).max(), "ratio"))
    rows.append(("float16 storage", "largest voxel change / brain range",
                 np.abs(half - reference)[brain].max() / np.ptp(original[brain]), "ratio"))
    return rows


def main():
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        rows = tokenization(folder) + training(folder) + float16_cost(folder)
    table = pd.DataFrame(rows, columns=["benchmark", "setting", "value", "unit"])
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    (HERE / "results").mkdir(exist_ok=True)
    table.to_csv(HERE / "results" / "benchmark_distributed.tsv", sep="\t", index=False)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--train-worker"]:
        training_worker(sys.argv[2], int(sys.argv[3]))
    else:
        main()
