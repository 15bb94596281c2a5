"""Train the built-in natural-image autoencoder that neurost ships.

Reproduces ``neurost/tokenize/weights/builtin_f32c32.pt`` (the weights of
:class:`neurost.tokenize.builtin.BuiltinAutoencoder`) from natural images
only -- never brain data:

- the photographs of :func:`neurost.datasets.load_natural_images`, and
  further images inside the scikit-image wheel (textures, astronomy,
  microscopy, documents), read from disk (no download);
- synthetic dead-leaves images (random overlapping discs whose radii
  follow a power law, a classic model of natural-image statistics).

Augmentations: images at three scales (1, 1/2, 1/4), random 96 x 96
crops, flips, rotations by 90 degrees, grey-level copies repeated to three
channels (fMRI slices are grey), brightness and contrast jitter, and
random elliptical windows on a constant background of -1 or 0 (the
background values of the tokenizer's two scalings). Two images
(``chelsea``, ``coins``) are held out for the validation loss.

Loss: L1 + MSE between the image and its reconstruction, AdamW with a
linear warm-up and a cosine schedule, fixed seed, one CPU thread. The
weights are written atomically every ``--checkpoint-every`` steps, and a
log (step, seconds, training and validation loss, validation PSNR) to
``analyses/results/builtin_autoencoder_training.tsv``.

Usage::

    python analyses/train_builtin_autoencoder.py            # about 17 min, 1 thread
    python analyses/train_builtin_autoencoder.py --steps 50 --output /tmp/ae.pt
"""

import argparse
import math
import os
import time
from pathlib import Path

import numpy as np
import skimage
import skimage.io
import torch
import torch.nn.functional as F

from neurost.datasets import NATURAL_IMAGES, load_natural_images
from neurost.io import atomic_write
from neurost.tokenize.builtin import WEIGHTS_FILE, BuiltinAutoencoder

ROOT = Path(__file__).resolve().parents[1]
WEIGHTS = ROOT / "neurost" / "tokenize" / "weights" / WEIGHTS_FILE
LOG = ROOT / "analyses" / "results" / "builtin_autoencoder_training.tsv"

#: Further images inside the scikit-image wheel (file names in skimage/data).
EXTRA_SKIMAGE = (
    "brick.png",
    "coins.png",
    "grass.png",
    "gravel.png",
    "hubble_deep_field.jpg",
    "moon.png",
    "page.png",
    "text.png",
    "ihc.png",
    "retina.jpg",
    "cell.png",
    "horse.png",
)
HELD_OUT = ("chelsea", "coins")
CROP = 96
SCALES = (1.0, 0.5, 0.25)


def _as_rgb_tensor(image):
    """Image array (h, w[, c]) of any dtype -> float tensor (3, h, w) in [0, 1]."""
    image = np.asarray(image)
    if image.dtype == bool:
        image = image.astype(np.float32)
    elif np.issubdtype(image.dtype, np.integer):
        image = image.astype(np.float32) / np.iinfo(image.dtype).max
    image = image.astype(np.float32)
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=-1)
    image = image[..., :3]
    return torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1)))


def load_images():
    """Return {name: tensor (3, h, w) in [0, 1]} of every training image."""
    images = dict(
        zip(NATURAL_IMAGES, map(_as_rgb_tensor, load_natural_images().images))
    )
    for name in EXTRA_SKIMAGE:
        path = os.path.join(skimage.data_dir, name)
        images[name.split(".")[0]] = _as_rgb_tensor(skimage.io.imread(path))
    return images


def pyramid(images):
    """Each image at every scale of SCALES whose sides stay >= CROP pixels."""
    levels = []
    for image in images:
        for scale in SCALES:
            size = [round(side * scale) for side in image.shape[1:]]
            if min(size) < CROP:
                continue
            level = F.interpolate(
                image[None], size=size, mode="bilinear", antialias=True,
                align_corners=False,
            )[0]
            levels.append(level.clamp(0, 1))
    return levels


def dead_leaves(n, size, rng, n_discs=300):
    """``n`` dead-leaves images (3, size, size) in [0, 1], discs of random colour."""
    yy, xx = np.mgrid[:size, :size]
    out = np.empty((n, 3, size, size), np.float32)
    for i in range(n):
        canvas = np.full((3, size, size), rng.uniform(), np.float32)
        # radii with density ~ r^-3 between 2 and size/2 (inverse CDF)
        rmin, rmax = 2.0, size / 2
        u = rng.uniform(size=n_discs)
        radii = 1 / np.sqrt(1 / rmin**2 - u * (1 / rmin**2 - 1 / rmax**2))
        grey = rng.uniform() < 0.5
        for r in radii:
            cy, cx = rng.uniform(-r, size + r, 2)
            colour = np.full(3, rng.uniform()) if grey else rng.uniform(size=3)
            disc = (yy - cy) ** 2 + (xx - cx) ** 2 <= r**2
            canvas[:, disc] = colour[:, None]
        out[i] = canvas
    return torch.from_numpy(out)


def sample_batch(levels, leaves, batch_size, gen):
    """A batch (batch_size, 3, CROP, CROP) of augmented crops in [-1, 1]."""
    crops = []
    for _ in range(batch_size):
        if torch.rand(1, generator=gen) < 0.25:
            source = leaves[torch.randint(len(leaves), (1,), generator=gen)]
            source = source[0]
        else:
            source = levels[torch.randint(len(levels), (1,), generator=gen)]
        h, w = source.shape[1:]
        top = int(torch.randint(h - CROP + 1, (1,), generator=gen))
        left = int(torch.randint(w - CROP + 1, (1,), generator=gen))
        crop = source[:, top : top + CROP, left : left + CROP]
        if torch.rand(1, generator=gen) < 0.5:
            crop = crop.flip(-1)
        crop = torch.rot90(crop, int(torch.randint(4, (1,), generator=gen)), (1, 2))
        if torch.rand(1, generator=gen) < 0.6:
            crop = crop.mean(0, keepdim=True).expand(3, -1, -1)
        contrast = 0.5 + torch.rand(1, generator=gen)
        brightness = 0.4 * torch.rand(1, generator=gen) - 0.2
        crop = ((crop - 0.5) * contrast + 0.5 + brightness).clamp(0, 1) * 2 - 1
        if torch.rand(1, generator=gen) < 0.3:
            crop = _window(crop, gen)
        crops.append(crop)
    return torch.stack(crops).contiguous()


def _window(crop, gen):
    """Keep an ellipse of ``crop`` and set the outside to -1 or 0."""
    centre = CROP / 2 + (torch.rand(2, generator=gen) - 0.5) * CROP / 4
    radii = CROP * (0.2 + 0.3 * torch.rand(2, generator=gen))
    yy, xx = torch.meshgrid(torch.arange(CROP), torch.arange(CROP), indexing="ij")
    inside = ((yy - centre[0]) / radii[0]) ** 2 + ((xx - centre[1]) / radii[1]) ** 2 <= 1
    background = -1.0 if torch.rand(1, generator=gen) < 0.5 else 0.0
    return torch.where(inside, crop, torch.tensor(background))


def save_weights(model, path):
    state = {name: tensor.detach().clone() for name, tensor in model.state_dict().items()}
    with atomic_write(path, overwrite=True) as temporary:
        torch.save(state, temporary)


def save_log(rows, path):
    lines = ["step\tseconds\ttrain_loss\tval_l1\tval_psnr_db"]
    lines += ["\t".join(map(str, row)) for row in rows]
    with atomic_write(path, overwrite=True) as temporary:
        temporary.write_text("\n".join(lines) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--mse-weight", type=float, default=1.0)
    parser.add_argument("--checkpoint-every", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path, default=WEIGHTS)
    parser.add_argument("--log", type=Path, default=LOG)
    args = parser.parse_args(argv)

    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)

    images = load_images()
    train = pyramid([im for name, im in images.items() if name not in HELD_OUT])
    held = pyramid([images[name] for name in HELD_OUT])
    leaves = dead_leaves(256, 128, rng)
    val_gen = torch.Generator().manual_seed(args.seed + 1)
    validation = sample_batch(held, dead_leaves(16, 128, rng), 64, val_gen)

    model = BuiltinAutoencoder()
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    warmup = min(200, args.steps // 10 + 1)

    def schedule(step):
        if step < warmup:
            return (step + 1) / warmup
        progress = (step - warmup) / max(1, args.steps - warmup)
        return 0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * progress))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.log.parent.mkdir(parents=True, exist_ok=True)
    rows, running, start = [], [], time.perf_counter()
    for step in range(1, args.steps + 1):
        batch = sample_batch(train, leaves, args.batch_size, gen)
        reconstruction = model(batch)
        loss = F.l1_loss(reconstruction, batch) + args.mse_weight * F.mse_loss(
            reconstruction, batch
        )
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        running.append(float(loss.detach()))
        if step % args.checkpoint_every == 0 or step == args.steps:
            model.eval()
            with torch.no_grad():
                out = model(validation)
            model.train()
            val_l1 = float(F.l1_loss(out, validation))
            mse = float(F.mse_loss(out.clamp(-1, 1), validation))
            psnr = 10 * math.log10(4 / mse)
            rows.append(
                (step, round(time.perf_counter() - start, 1),
                 round(float(np.mean(running)), 5), round(val_l1, 5), round(psnr, 2))
            )
            running = []
            print("\t".join(map(str, rows[-1])), flush=True)
            save_weights(model, args.output)
            save_log(rows, args.log)
    return model


if __name__ == "__main__":
    main()
