"""Memory and time of ``denoise`` against ``nilearn.signal.clean`` as runs grow longer.

Run with ``python analyses/benchmark_denoise.py``. For each run length, a
simulated fMRIPrep run (``make_fmriprep_derivatives``, 4 mm, 29,398 brain
voxels) is loaded with ``load_fmriprep(confounds="simple")`` and cleaned
two ways, each in a fresh process so that the peak resident memory is its
own:

- **neurost**: ``denoise(path, confounds, sample_mask=..., mask_img=mask,
  standardize="zscore_sample")``, its frames read in blocks of 32 with
  ``iter_frames`` (what the tokenizer does) and written to a memory-mapped
  file;
- **nilearn**: ``NiftiMasker(mask_img=mask).fit_transform(path,
  confounds=..., sample_mask=...)`` with ``standardize="zscore_sample"``,
  which loads the run and cleans it with ``nilearn.signal.clean``.

Reported: the peak memory that Python and NumPy allocate while cleaning
(``tracemalloc``, MB; nilearn's includes its result, ``output_mb``, which
neurost writes to disk block by block), the wall time (s), and the largest
difference between the two results inside the mask. The figures are printed and written to
``analyses/results/benchmark_denoise.tsv``.
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
LENGTHS = (200, 800, 1600)

WORKER = r"""
import json, sys, time, tracemalloc, warnings
import numpy as np
from nilearn.maskers import NiftiMasker
from neurost.io import denoise, iter_frames, load_fmriprep

warnings.simplefilter("ignore")
path, method = sys.argv[1], sys.argv[2]
row = load_fmriprep(path, confounds="simple").iloc[0]
mask = NiftiMasker(mask_img=row["mask"]).fit()
tracemalloc.start()
start = time.perf_counter()
if method == "neurost":
    cleaned = denoise(row["path"], row["confounds"], sample_mask=row["sample_mask"],
                      mask_img=row["mask"], standardize="zscore_sample")
    inside = np.asarray(mask.mask_img_.dataobj) > 0
    result = np.lib.format.open_memmap(sys.argv[3], mode="w+", dtype=np.float32,
                                       shape=(cleaned.shape[3], int(inside.sum())))
    for frames, block in iter_frames(cleaned, 32):
        result[frames.start:frames.stop] = block[inside].T
    result.flush()
else:
    masker = NiftiMasker(mask_img=row["mask"], standardize="zscore_sample")
    result = masker.fit_transform(row["path"], confounds=row["confounds"],
                                  sample_mask=row["sample_mask"])
seconds = time.perf_counter() - start
peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
tracemalloc.stop()
if method == "nilearn":
    np.save(sys.argv[3], result)
print(json.dumps({"seconds": seconds, "peak_mb": peak_mb}))
"""


def main():
    from neurost.datasets import make_fmriprep_derivatives

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        for n_frames in LENGTHS:
            study = make_fmriprep_derivatives(folder / f"study-{n_frames}", n_subjects=2,
                                              n_frames=n_frames, random_state=0)
            results = {}
            for method in ("neurost", "nilearn"):
                output = folder / f"{method}-{n_frames}.npy"
                completed = subprocess.run(
                    [sys.executable, "-c", WORKER, str(study.path), method, str(output)],
                    capture_output=True, text=True, check=True,
                )
                figures = json.loads(completed.stdout.strip().splitlines()[-1])
                results[method] = np.load(output)
                rows.append({"n_frames": n_frames, "method": method, **figures,
                             "output_mb": results[method].nbytes / 2**20})
            difference = float(abs(results["neurost"] - results["nilearn"]).max())
            for row in rows[-2:]:
                row["max_abs_difference"] = difference
    table = pd.DataFrame(rows)
    print(table.to_string(index=False, float_format=lambda x: f"{x:.4g}"))
    table.to_csv(HERE / "results" / "benchmark_denoise.tsv", sep="\t", index=False)


if __name__ == "__main__":
    main()
