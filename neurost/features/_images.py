"""Image inputs of feature extractors: arrays or files -> normalised tensors."""

import hashlib
import numbers
import os
from pathlib import Path

import numpy as np

from .._utils.validation import check_int_pair, check_path, describe
from ..io._reading import read_picture

_EXPECTED = (
    "a list of images (H, W) or (H, W, 3) (uint8 0-255 or float 0-1), an "
    "array (n_images, H, W[, 3]), or a list of image file paths"
)


class ImageSource:
    """Images given as arrays or files, read one at a time.

    Parameters
    ----------
    X : sequence or numpy.ndarray
        A list of images (H, W[, 3]) and/or file paths, or an array
        (n_images, H, W[, 3]).
    name : str, default="X"
        The argument name used in error messages.
    """

    def __init__(self, X, name="X"):
        self.name = name
        if isinstance(X, (str, os.PathLike)):
            raise TypeError(
                f"{name} must be {_EXPECTED}; got a single path {describe(X)}: "
                "wrap it in a list."
            )
        if isinstance(X, np.ndarray):
            if X.ndim not in (3, 4):
                raise ValueError(
                    f"{name} must be {_EXPECTED}; got an array of shape {X.shape}."
                )
            items = list(X)
        elif isinstance(X, (list, tuple)):
            items = list(X)
        else:
            raise TypeError(f"{name} must be {_EXPECTED}; got {describe(X)}.")
        if not items:
            raise ValueError(f"{name} holds no image; expected at least one.")
        self.items = []
        for index, item in enumerate(items):
            if isinstance(item, (str, os.PathLike)):
                self.items.append(check_path(item, f"{name}[{index}]"))
            else:
                self.items.append(_check_array(item, f"{name}[{index}]"))

    def __len__(self):
        return len(self.items)

    def size(self, index):
        """Return the (height, width) of image ``index``, in pixels."""
        item = self.items[index]
        if isinstance(item, Path):
            properties = read_picture(item, f"{self.name}[{index}]", props=True)
            return tuple(int(s) for s in properties.shape[:2])
        return item.shape[:2]

    def load(self, index):
        """Return image ``index`` as float32 RGB in [0, 1], shape (H, W, 3)."""
        item = self.items[index]
        if isinstance(item, Path):
            pixels = read_picture(item, f"{self.name}[{index}]")
            item = _check_array(pixels, f"{self.name}[{index}] ('{item.name}')")
        return _to_unit_rgb(item, f"{self.name}[{index}]")

    def digest(self):
        """Return a SHA-1 hex digest of the images' content, in order.

        Files are hashed by their bytes, arrays by their shape, dtype and
        values, so the digest changes when any image changes.
        """
        digest = hashlib.sha1()
        for item in self.items:
            if isinstance(item, Path):
                digest.update(b"file")
                with open(item, "rb") as handle:
                    for block in iter(lambda: handle.read(1 << 20), b""):
                        digest.update(block)
            else:
                digest.update(f"{item.shape}{item.dtype.str}".encode())
                digest.update(np.ascontiguousarray(item).tobytes())
        return digest.hexdigest()


def check_image_size(image_size):
    """Return ``image_size`` as ``(height, width)`` or None.

    Raises
    ------
    ValueError
        Unless ``image_size`` is None, a positive int or a pair of them.
    """
    if image_size is None:
        return None
    if isinstance(image_size, numbers.Integral):
        image_size = (image_size, image_size)
    return check_int_pair(image_size, "image_size", "height, width, in pixels")


def check_same_size(source, image_size):
    """Return the input size (h, w) the model sees, checking mixed sizes.

    Raises
    ------
    ValueError
        If the images differ in size and ``image_size`` is None.
    """
    if image_size is not None:
        return image_size
    sizes = sorted({tuple(source.size(i)) for i in range(len(source))})
    if len(sizes) > 1:
        shown = ", ".join(f"{h}x{w}" for h, w in sizes[:6])
        more = f" and {len(sizes) - 6} more" if len(sizes) > 6 else ""
        raise ValueError(
            f"{source.name} holds images of different sizes ({shown}{more}, "
            "height x width); pass image_size=(height, width) to resize them "
            "all to one size."
        )
    return sizes[0]


def to_batch(images, image_size, mean, std):
    """Stack images into a normalised tensor.

    Parameters
    ----------
    images : list of numpy.ndarray of shape (H, W, 3)
        Float RGB in [0, 1].
    image_size : tuple of int or None
        (height, width) to resize to (bilinear with antialiasing).
    mean, std : sequence of 3 float or None
        Per-channel normalisation ``(x - mean) / std``; None skips it.

    Returns
    -------
    torch.Tensor of shape (n_images, 3, height, width), float32
    """
    import torch
    import torch.nn.functional as F

    tensors = []
    for image in images:
        tensor = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1)[None]
        if image_size is not None and tuple(tensor.shape[-2:]) != image_size:
            tensor = F.interpolate(
                tensor, size=image_size, mode="bilinear", antialias=True,
                align_corners=False,
            )
        tensors.append(tensor)
    batch = torch.cat(tensors)
    if mean is not None:
        batch = batch - torch.tensor(mean, dtype=batch.dtype).view(1, 3, 1, 1)
    if std is not None:
        batch = batch / torch.tensor(std, dtype=batch.dtype).view(1, 3, 1, 1)
    return batch


def _check_array(image, name):
    if not isinstance(image, np.ndarray):
        try:
            image = np.asarray(image)
        except (TypeError, ValueError):
            image = np.asarray(None)
    if image.dtype == object or not (
        np.issubdtype(image.dtype, np.integer) or np.issubdtype(image.dtype, np.floating)
    ):
        raise TypeError(f"{name} must be an image array or a path; got {describe(image)}.")
    if not (image.ndim == 2 or (image.ndim == 3 and image.shape[2] in (1, 3, 4))):
        raise ValueError(
            f"{name} must have shape (H, W), (H, W, 1), (H, W, 3) or "
            f"(H, W, 4); got {image.shape}."
        )
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {image.shape}).")
    return image


def _to_unit_rgb(image, name):
    if np.issubdtype(image.dtype, np.integer):
        if image.min() < 0 or image.max() > 255:
            raise ValueError(
                f"{name}: integer images must hold 0-255 values; got values "
                f"from {image.min()} to {image.max()}."
            )
        pixels = image.astype(np.float32) / 255.0
    else:
        pixels = image.astype(np.float32)
        if not np.isfinite(pixels).all():
            raise ValueError(f"{name} contains NaN or infinite values.")
        if pixels.min() < 0 or pixels.max() > 1:
            raise ValueError(
                f"{name}: float images must hold values in [0, 1]; got values "
                f"from {pixels.min():g} to {pixels.max():g} (divide 0-255 "
                "images by 255, or pass them as uint8)."
            )
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    if pixels.shape[2] == 4:  # RGBA: the alpha channel is dropped
        pixels = pixels[:, :, :3]
    if pixels.shape[2] == 1:
        pixels = np.repeat(pixels, 3, axis=2)
    return pixels
