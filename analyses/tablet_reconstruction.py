"""How well the built-in autoencoder's tokens reconstruct real brain volumes.

Volumes (all offline):

- ``MNI152 template``: nilearn's skull-stripped T1 template at 2 mm
  (:func:`neurost.datasets.load_mni152`), one frame;
- ``nitime run 1`` / ``nitime run 2``: nitime's two 40-frame EPI runs
  (:func:`neurost.datasets.load_nitime_runs`). They are in *scanner* space
  with 2.08 x 2.08 x 2.3 mm voxels and a 10 x 10 x 18 field of view, so the
  tokenizer resamples them (third-order spline) onto the 2 mm MNI152 grid,
  reading their scanner millimetres as if they were MNI millimetres: the
  small field of view lands at the edge of the 96^3 cube and part of it is
  cropped. The table's ``brain_voxels`` and ``voxels_cropped`` columns say
  how much;
- ``motor activation map``: the statistical (t) map nilearn ships
  (``nilearn.datasets.load_sample_motor_activation_image``, 3 mm voxels,
  resampled by the tokenizer to 2 mm), one frame.

Pipeline: :class:`neurost.tokenize.SliceTokenizer` with its defaults
(built-in f32c32 autoencoder, 3 axes, 96^3 cube, ``"signed"`` scaling) ->
tokens (27 x 3072 per frame) -> ``inverse_transform``. The metrics compare
the reconstruction with the conformed input *inside the brain* (the
tokenizer's own brain mask: non-padding voxels that vary over the run, or
are non-zero for a single frame), frame by frame, then average over frames:

- ``correlation``: Pearson r over the brain voxels;
- ``psnr_db``: ``10 log10(peak^2 / MSE)`` with ``peak`` the data range
  (max - min) of the input inside the brain and MSE over the brain voxels.

Two ``space`` values: ``scaled`` compares in the tokenizer's [-1, 1] units
(the input after scaling and clipping: the autoencoder's error alone);
``original`` compares with the unclipped conformed input in the volume's
own units after undoing the scaling (``inverse_transform(tokens,
reference=run)``), so the clipping of the 1 % largest deviations counts
as error too.

Baselines: per-slice PCA at the same compression. The autoencoder keeps
c (96/f)^2 = 32 x 3 x 3 = 288 numbers per 96 x 96 slice, so for each axis
the scaled slices are projected on 288 principal components, reconstructed,
restacked, and the three axes' volumes averaged, as the tokenizer does.
The components come from:

- ``pca_same_volume``: the slices of the volume itself (all frames of a
  run). This favours PCA, and the basis (288 x 9,216 numbers) is not
  counted; for a single-frame volume there are only 96 slices per axis, so
  the "compression" is exact (rank <= 96 < 288) and the row is an upper
  bound, not a comparison;
- ``pca_other_volumes``: the slices of all *other* volumes of this list
  (leave one volume out; for a nitime run this includes the other run of
  the same subject and field of view);
- ``pca_natural_images``: 4,096 random 96 x 96 grey-level crops (several
  scales, flips) of the natural photographs of
  :func:`neurost.datasets.load_natural_images`, scaled to [-1, 1] -- the
  kind of data the built-in autoencoder was trained on, and no brain.

Outputs: the table (columns ``volume``, ``method``, ``space``,
``correlation``, ``psnr_db``, ``frames``, ``brain_voxels``,
``voxels_cropped``) printed and written to
``analyses/results/tablet_reconstruction.tsv``; a figure (original,
autoencoder, PCA fitted on other volumes; middle slices of the three axes
for the MNI template and the motor map, with colour bars) written to
``analyses/results/tablet_reconstruction.png`` and ``.pdf``.

Run with ``python analyses/tablet_reconstruction.py`` (about 9 CPU-minutes:
5 minutes on an idle 2-core machine, far longer on a loaded one).
"""

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "2")

from pathlib import Path  # noqa: E402

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import nibabel  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402
from nilearn.datasets import load_sample_motor_activation_image  # noqa: E402
from nilearn.image import math_img, resample_img  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402

from neurost.datasets import load_mni152, load_natural_images, load_nitime_runs  # noqa: E402
from neurost.io import atomic_write  # noqa: E402
from neurost.plotting import save_figure  # noqa: E402
from neurost.tokenize import SliceTokenizer  # noqa: E402
from neurost.tokenize.conform import MNI_2MM_AFFINE, MNI_2MM_SHAPE  # noqa: E402
from neurost.tokenize.scaling import apply_scaling, invert_scaling  # noqa: E402

GRID = 96
N_NATURAL_CROPS = 4096
SEED = 0
RESULTS = Path(__file__).resolve().parent / "results"


def volumes():
    """{name: 4D nibabel image} of the volumes studied."""
    template = load_mni152(2)
    # The template's background is not exactly 0: keep the brain only, as a
    # preprocessed run would be.
    mni = math_img("template * (mask > 0)", template=template.template, mask=template.brain_mask)
    motor = nibabel.load(load_sample_motor_activation_image())
    runs = load_nitime_runs().images

    def as_run(image):
        data = np.asarray(image.dataobj, np.float32)[..., None]
        return nibabel.Nifti1Image(data, image.affine)

    return {
        "MNI152 template": as_run(mni),
        "nitime run 1": runs[0],
        "nitime run 2": runs[1],
        "motor activation map": as_run(motor),
    }


def cropped_voxels(image, conformer, mask):
    """Brain voxels of the full 2 mm grid that the 96^3 cube leaves out."""
    if not conformer.resample:
        data = np.asarray(image.dataobj, np.float32)
    else:
        data = np.asarray(
            resample_img(
                image,
                target_affine=MNI_2MM_AFFINE,
                target_shape=MNI_2MM_SHAPE,
                interpolation="linear",
                force_resample=True,
                copy_header=True,
            ).dataobj,
            np.float32,
        )
    sample = data[..., :16]
    if sample.shape[-1] > 1:
        full = (sample != sample[..., :1]).any(axis=-1)
    else:
        full = sample[..., 0] != 0
    return int(full.sum() - mask.sum())


def slices(volumes_, axis):
    """(n_frames * 96, 96 * 96) slices of volumes (t, 96, 96, 96) along axis."""
    return np.moveaxis(volumes_, axis + 1, 1).reshape(-1, GRID * GRID)


def pca_reconstruct(volumes_, fitted):
    """Average over the axes of per-slice PCA reconstructions; fitted[axis] is a PCA."""
    out = np.zeros_like(volumes_)
    for axis in range(3):
        flat = slices(volumes_, axis)
        rebuilt = fitted[axis].inverse_transform(fitted[axis].transform(flat))
        rebuilt = rebuilt.reshape((len(volumes_), GRID, GRID, GRID))
        out += np.moveaxis(rebuilt, 1, axis + 1)
    return (out / 3).astype(np.float32)


def fit_pca(samples, n_components):
    """PCA with at most n_components (fewer when there are fewer samples)."""
    k = min(n_components, *samples.shape)
    solver = "full" if k == min(samples.shape) else "randomized"
    return PCA(k, svd_solver=solver, random_state=SEED).fit(samples)


def natural_crops(n_crops):
    """(n_crops, 96 * 96) grey-level crops of natural images, in [-1, 1]."""
    from scipy.ndimage import zoom

    rng = np.random.default_rng(SEED)
    greys = [img.astype(np.float32).mean(axis=2) / 127.5 - 1 for img in load_natural_images().images]
    crops = np.empty((n_crops, GRID * GRID), np.float32)
    for index in range(n_crops):
        grey = greys[rng.integers(len(greys))]
        side = int(rng.integers(GRID, min(grey.shape) + 1))
        top = rng.integers(grey.shape[0] - side + 1)
        left = rng.integers(grey.shape[1] - side + 1)
        crop = grey[top : top + side, left : left + side]
        crop = zoom(crop, GRID / side, order=1)[:GRID, :GRID]
        if rng.random() < 0.5:
            crop = crop[:, ::-1]
        crops[index] = crop.ravel()
    return crops


def metrics(target, estimate, mask):
    """Mean over frames of (Pearson r, PSNR in dB) inside mask."""
    rs, psnrs = [], []
    for truth, guess in zip(target, estimate):
        a, b = truth[mask].astype(np.float64), guess[mask].astype(np.float64)
        rs.append(np.corrcoef(a, b)[0, 1])
        peak = a.max() - a.min()
        psnrs.append(10 * np.log10(peak**2 / np.mean((a - b) ** 2)))
    return float(np.mean(rs)), float(np.mean(psnrs))


def main():
    torch.set_num_threads(2)
    tokenizer = SliceTokenizer(device="cpu").fit()
    n_components = tokenizer.autoencoder_.latent_channels * (
        GRID // tokenizer.autoencoder_.downsampling
    ) ** 2
    data = {}
    for name, image in volumes().items():
        # The tokenizer's own conforming, brain mask and scaling of the run.
        conformer, mask, params = tokenizer._prepare(image)
        original = conformer(np.asarray(image.dataobj, np.float32))
        scaled = apply_scaling(original, params, mask)
        tokens = tokenizer.transform(image)
        decoded = np.moveaxis(tokenizer.inverse_transform(tokens).get_fdata(dtype=np.float32), -1, 0)
        in_units = np.moveaxis(
            tokenizer.inverse_transform(tokens, reference=image).get_fdata(dtype=np.float32), -1, 0
        )
        data[name] = dict(
            original=original, scaled=scaled, mask=mask, params=params,
            autoencoder=decoded, autoencoder_units=in_units,
            cropped=cropped_voxels(image, conformer, mask),
        )
    natural = [fit_pca(natural_crops(N_NATURAL_CROPS), n_components)] * 3
    rows = []
    for name, item in data.items():
        scaled = item["scaled"]
        fits = {
            "pca_same_volume": [fit_pca(slices(scaled, a), n_components) for a in range(3)],
            "pca_other_volumes": [
                fit_pca(
                    np.concatenate([slices(o["scaled"], a) for n, o in data.items() if n != name]),
                    n_components,
                )
                for a in range(3)
            ],
            "pca_natural_images": natural,
        }
        estimates = {"autoencoder": item["autoencoder"]}
        estimates.update({method: pca_reconstruct(scaled, f) for method, f in fits.items()})
        item["pca_other_volumes"] = estimates["pca_other_volumes"]
        for method, estimate in estimates.items():
            units = (
                item["autoencoder_units"]
                if method == "autoencoder"
                else invert_scaling(estimate, item["params"])
            )
            for space, target, guess in (
                ("scaled", scaled, estimate),
                ("original", item["original"], units),
            ):
                r, psnr = metrics(target, guess, item["mask"])
                rows.append(
                    dict(
                        volume=name, method=method, space=space, correlation=round(r, 4),
                        psnr_db=round(psnr, 2), frames=len(scaled),
                        brain_voxels=int(item["mask"].sum()), voxels_cropped=item["cropped"],
                    )
                )
    table = pd.DataFrame(rows)
    RESULTS.mkdir(exist_ok=True)
    with atomic_write(RESULTS / "tablet_reconstruction.tsv", overwrite=True) as path:
        table.to_csv(path, sep="\t", index=False)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.to_string(index=False))
    figure(data, RESULTS / "tablet_reconstruction")


def figure(data, output_file):
    """Original / autoencoder / PCA (other volumes), middle slices, two volumes."""
    shown = ["MNI152 template", "motor activation map"]
    kinds = [("scaled", "input (scaled)"), ("autoencoder", "autoencoder"),
             ("pca_other_volumes", "PCA, 288 comp.\n(other volumes)")]
    fig, axes = plt.subplots(3, 6, figsize=(13, 6.8), constrained_layout=True)
    for block, name in enumerate(shown):
        item = data[name]
        cmap = "gray" if block == 0 else "RdBu_r"
        vmin, vmax = -1, 1
        for row, (key, label) in enumerate(kinds):
            volume = np.where(item["mask"], item[key][0], np.nan)
            for axis in range(3):
                centre = tuple(np.argwhere(item["mask"]).mean(0).astype(int))
                panel = np.take(volume, centre[axis], axis=axis).T[::-1]
                ax = axes[row, block * 3 + axis]
                image = ax.imshow(panel, cmap=cmap, vmin=vmin, vmax=vmax)
                ax.set_xticks([])
                ax.set_yticks([])
                if row == 0:
                    ax.set_title(f"{name}\naxis {axis}, slice {centre[axis]}", fontsize=9)
                if block == 0 and axis == 0:
                    ax.set_ylabel(label, fontsize=9)
        fig.colorbar(image, ax=axes[:, block * 3 : block * 3 + 3], shrink=0.6,
                     label="scaled intensity (tokenizer units)")
    save_figure(fig, output_file, dpi=150)
    plt.close(fig)


if __name__ == "__main__":
    main()
