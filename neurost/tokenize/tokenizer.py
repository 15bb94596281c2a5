"""Tokenizing fMRI runs slice by slice with a frozen 2D image autoencoder."""

import numbers
import os
import warnings
from numbers import Integral

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._utils.validation import describe
from ..io import iter_frames, load_bold
from .autoencoders import ImageAutoencoder, load_autoencoder
from .conform import MNI_2MM_AFFINE, MNI_2MM_SHAPE, Conformer
from .scaling import (
    SAMPLE_FRAMES,
    SCALINGS,
    apply_scaling,
    brain_mask,
    fit_scaling,
    invert_scaling,
)

# Permutation taking an axis's (slice cube, row cube, column cube) order
# to the (i, j, k) order of the cube grid: slicing along axis 1 leaves
# axes (0, 2) as rows and columns, along axis 2 axes (0, 1).
_CUBE_ORDER = {0: (0, 1, 2), 1: (1, 0, 2), 2: (1, 2, 0)}


class SliceTokenizer(TransformerMixin, BaseEstimator):
    """Tokenize fMRI volumes with a frozen 2D natural-image autoencoder.

    The TABLeT tokenization: every frame of a run is brought onto a cube of
    ``grid_size`` voxels at 2 mm, scaled to [-1, 1], cut into slices along
    each axis of ``axes``, and each slice (repeated to three channels) is
    encoded by a frozen image autoencoder with downsampling f and c latent
    channels. The latents are regrouped into tokens, one per sub-cube of
    ``token_size`` voxels.

    Parameters
    ----------
    autoencoder : str, os.PathLike or ImageAutoencoder, default="builtin"
        What :func:`neurost.tokenize.load_autoencoder` loads: ``"builtin"``
        (offline, f = 32, c = 32), a diffusers autoencoder directory, or a
        hub id in the local Hugging Face cache (the paper's
        ``"mit-han-lab/dc-ae-f32c32-in-1.0-diffusers"``); or an
        :class:`ImageAutoencoder` (then ``device`` is not used).
    axes : tuple of int, default=(0, 1, 2)
        Axes to slice along; their features are concatenated in this order.
    grid_size : int, default=96
        Side of the conformed cube, voxels; a multiple of ``token_size``.
    token_size : int, default=32
        Side of the sub-cube a token covers, voxels; a multiple of f.
    scaling : {"signed", "tablet"}, default="signed"
        Intensity scaling (see :mod:`neurost.tokenize.scaling`):
        ``"signed"`` subtracts the brain median and divides by the 99th
        percentile of absolute deviations, keeping negative signal
        (background 0); ``"tablet"`` is the paper's clamp at 0 and division
        by the run maximum (background -1).
    batch_size : int, default=64
        Slices encoded at once. On a CPU, small batches keep the encoder's
        working set in cache: 64 slices ran the built-in encoder twice as
        fast as 288 (the three axes of one 96^3 frame). On a GPU, larger
        batches (e.g. 1152, four frames) are faster.
    device : str or torch.device, default="auto"
        Where the autoencoder runs (``"auto"``: CUDA when available).
    verbose : int, default=0
        Show a progress bar over frame blocks when > 0.

    Attributes
    ----------
    autoencoder_ : ImageAutoencoder
        The frozen autoencoder.
    n_tokens_ : int
        Tokens per frame, ``(grid_size / token_size) ** 3``.
    token_dim_ : int
        Dimensions per token, ``len(axes) * token_size * (token_size / f)
        ** 2 * c``.
    cube_grid_ : tuple of 3 int
        Sub-cubes per axis, ``(grid_size / token_size,) * 3``.

    Notes
    -----
    **Conforming** (:mod:`neurost.tokenize.conform`): a run with
    axis-aligned 2 mm voxels is used on its own grid, any other is
    resampled to the 2 mm MNI152 grid (continuous interpolation); every
    axis is then zero-padded or cropped symmetrically to ``grid_size``.

    **Background**: padding, and voxels constant across the first block of
    frames (0 for a single frame), get the scaling's background value.

    **Tokens**: with n = grid_size / token_size and r = token_size / f,
    token ``(i, j, k)`` (index ``i * n * n + j * n + k``, C order) covers
    voxels ``[i T:(i+1) T, j T:(j+1) T, k T:(k+1) T]`` (T = token_size).
    For each axis in ``axes`` it holds, for the T slices inside the cube
    along that axis, the c x r x r latents of the cube's cross-section,
    flattened in the order (slice, channel, row, column), rows and columns
    being the two other axes in increasing order. With the defaults and an
    f = 32, c = 32 autoencoder: 27 tokens of 3 x 32 x 32 = 3072 dimensions.

    **Streaming**: a run is read :data:`~neurost.tokenize.scaling.SAMPLE_FRAMES`
    frames at a time (:func:`neurost.io.iter_frames`), so the memory used
    for reading does not grow with the run's length; the scaling statistics
    come from the first block (``"tablet"`` reads the run once more for its
    maximum). :meth:`transform_blocks` yields tokens block by block;
    :class:`neurost.tokenize.TokenStore` writes them to disk.

    Examples
    --------
    >>> tokenizer = SliceTokenizer().fit()  # doctest: +SKIP
    >>> tokens = tokenizer.transform("sub-01_bold.nii.gz")  # doctest: +SKIP
    >>> tokens.shape  # doctest: +SKIP
    (300, 27, 3072)
    """

    def __init__(
        self,
        autoencoder="builtin",
        axes=(0, 1, 2),
        grid_size=96,
        token_size=32,
        scaling="signed",
        batch_size=64,
        device="auto",
        verbose=0,
    ):
        self.autoencoder = autoencoder
        self.axes = axes
        self.grid_size = grid_size
        self.token_size = token_size
        self.scaling = scaling
        self.batch_size = batch_size
        self.device = device
        self.verbose = verbose

    _parameter_constraints = {
        "autoencoder": [str, os.PathLike, ImageAutoencoder],
        "axes": [tuple, list],
        "grid_size": [Interval(Integral, 1, None, closed="left")],
        "token_size": [Interval(Integral, 1, None, closed="left")],
        "scaling": [StrOptions(set(SCALINGS))],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "device": [str, torch.device],
        "verbose": ["verbose"],
    }

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.requires_fit = True
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X=None, y=None):
        """Check the parameters and load the autoencoder.

        Parameters
        ----------
        X, y : ignored
            The autoencoder is frozen; nothing is learnt from data.

        Returns
        -------
        self
        """
        axes = self._check_axes()
        grid, size = int(self.grid_size), int(self.token_size)
        autoencoder = load_autoencoder(self.autoencoder, device=self.device)
        f, c = autoencoder.downsampling, autoencoder.latent_channels
        if grid % size:
            raise ValueError(
                f"grid_size={grid} must be a multiple of token_size={size}, so "
                "that the cube splits into whole tokens."
            )
        if size % f:
            raise ValueError(
                f"token_size={size} must be a multiple of the autoencoder's "
                f"downsampling factor ({f}, {autoencoder.name!r}), so that a "
                "token covers whole latent positions."
            )
        n, r = grid // size, size // f
        self.autoencoder_ = autoencoder
        self.axes_ = axes
        self.cube_grid_ = (n, n, n)
        self.n_tokens_ = n**3
        self.token_dim_ = len(axes) * size * r * r * c
        return self

    def _check_axes(self):
        axes = self.axes
        if (
            not axes
            or any(
                isinstance(a, bool) or not isinstance(a, numbers.Integral) or a not in (0, 1, 2)
                for a in axes
            )
            or len(set(axes)) != len(axes)
        ):
            raise ValueError(
                "axes must be a non-empty tuple of distinct axes among 0, 1, 2; "
                f"got {describe(axes)}."
            )
        return tuple(int(a) for a in axes)

    def transform(self, X):
        """Tokenize one run or a list of runs.

        Parameters
        ----------
        X : path, nibabel image, or list of them
            4D volumes (x, y, z, t), in any form
            :func:`neurost.io.load_bold` reads.

        Returns
        -------
        numpy.ndarray of shape (n_frames, n_tokens_, token_dim_), float32
            Or a list of them, one per run, for a list of runs.

        Raises
        ------
        ValueError
            For a 3D image, a surface run, or NaN/Inf values (the message
            names the first frame that holds them).
        """
        if isinstance(X, (list, tuple)):
            return [self.transform(run) for run in X]
        check_is_fitted(self)
        image = _open_volume_run(X)
        tokens = np.empty((image.shape[3], self.n_tokens_, self.token_dim_), np.float32)
        for frames, block in self.transform_blocks(image):
            tokens[frames.start : frames.stop] = block
        return tokens

    def transform_blocks(self, run, start=0):
        """Tokenize a run block by block, reading one block of frames at a time.

        Parameters
        ----------
        run : path or nibabel image
            A 4D volume.
        start : int, default=0
            First frame to tokenize; earlier frames are read (for the
            scaling statistics and sequential decompression) but not
            encoded.

        Yields
        ------
        frames : range
            Frame indices of the block.
        tokens : numpy.ndarray of shape (len(frames), n_tokens_, token_dim_)
            float32.
        """
        check_is_fitted(self)
        image = _open_volume_run(run)
        if isinstance(start, bool) or not isinstance(start, numbers.Integral) or not (
            0 <= start <= image.shape[3]
        ):
            raise ValueError(
                f"start must be a frame index between 0 and {image.shape[3]}; "
                f"got {describe(start)}."
            )
        conformer, mask, params = self._prepare(image)
        blocks = iter_frames(image, SAMPLE_FRAMES)
        if self.verbose > 0:
            from tqdm.auto import tqdm

            n_blocks = -(-image.shape[3] // SAMPLE_FRAMES)
            blocks = tqdm(blocks, total=n_blocks, desc="tokenizing", unit="block")
        for frames, block in blocks:
            if frames.stop <= start:
                continue
            skip = max(0, start - frames.start)
            frames = frames[skip:]
            volumes = conformer(_finite(block[..., skip:], frames))
            yield frames, self._encode(apply_scaling(volumes, params, mask))

    def _prepare(self, image):
        """Conformer, brain mask and scaling parameters of a run."""
        conformer = Conformer(image.shape[:3], image.affine, self.grid_size)
        frames, block = next(iter(iter_frames(image, SAMPLE_FRAMES)))
        sample = conformer(_finite(block, frames))
        mask = brain_mask(sample, conformer.valid)
        run_max = None
        if self.scaling == "tablet":
            run_max = max(
                float(conformer(_finite(b, f))[:, mask].max(initial=0.0))
                for f, b in iter_frames(image, SAMPLE_FRAMES)
            )
        return conformer, mask, fit_scaling(self.scaling, sample, mask, run_max)

    def _encode(self, volumes):
        """Tokens (t, n_tokens, token_dim) of scaled volumes (t, G, G, G)."""
        per_frame = len(self.axes_) * self.grid_size
        step = max(1, self.batch_size // per_frame)
        return np.concatenate(
            [
                self._assemble(self._latents(volumes[t : t + step]))
                for t in range(0, len(volumes), step)
            ]
        )

    def _latents(self, volumes):
        """Latents (t, n_axes, G, c, g, g) of every slice of volumes (t, G, G, G).

        A slice of one constant value (the background around the brain) is
        encoded once per value and its latents are copied: the autoencoders
        encode each image independently, so the result is the same.
        """
        slices = np.stack(
            [np.moveaxis(volumes, axis + 1, 1) for axis in self.axes_], axis=1
        )
        t, n_axes, size = slices.shape[:3]
        slices = np.ascontiguousarray(slices).reshape(-1, size, size)
        flat = slices.reshape(len(slices), -1)
        constant = (flat == flat[:, :1]).all(axis=1)
        values, which = np.unique(flat[constant, 0], return_inverse=True)
        varying = self._encode_slices(slices[~constant])
        filled = self._encode_slices(
            np.broadcast_to(values[:, None, None], (len(values), size, size))
        )
        latents = np.empty((len(slices),) + varying.shape[1:], np.float32)
        latents[~constant] = varying
        latents[constant] = filled[which]
        return latents.reshape((t, n_axes, size) + latents.shape[1:])

    def _encode_slices(self, slices):
        """Latents (n, c, g, g), float32, of slices (n, G, G) given as grey images."""
        size = slices.shape[-1]
        g = size // self.autoencoder_.downsampling
        outputs = [np.empty((0, self.autoencoder_.latent_channels, g, g), np.float32)]
        with torch.inference_mode():
            for first in range(0, len(slices), self.batch_size):
                batch = torch.from_numpy(
                    np.ascontiguousarray(slices[first : first + self.batch_size])
                )[:, None]
                # Channels-last convolutions run about 25 % faster on CPUs.
                batch = batch.contiguous(memory_format=torch.channels_last)
                outputs.append(
                    self.autoencoder_.encode(batch).to("cpu", torch.float32).numpy()
                )
        return np.concatenate(outputs)

    def _assemble(self, latents):
        """Tokens (t, n_tokens, token_dim) from latents (t, n_axes, G, c, g, g)."""
        t, _, _, c, _, _ = latents.shape
        n, size = self.cube_grid_[0], self.token_size
        r = size // self.autoencoder_.downsampling
        parts = []
        for index, axis in enumerate(self.axes_):
            part = latents[:, index].reshape(t, n, size, c, n, r, n, r)
            part = part.transpose(0, 1, 4, 6, 2, 3, 5, 7)
            cube = _CUBE_ORDER[axis]
            part = part.transpose(0, 1 + cube[0], 1 + cube[1], 1 + cube[2], 4, 5, 6, 7)
            parts.append(part.reshape(t, n**3, -1))
        return np.concatenate(parts, axis=-1).astype(np.float32, copy=False)

    def _disassemble(self, tokens):
        """Latents (t, n_axes, G, c, g, g) from tokens (t, n_tokens, token_dim)."""
        t = tokens.shape[0]
        n, size = self.cube_grid_[0], self.token_size
        c = self.autoencoder_.latent_channels
        r = size // self.autoencoder_.downsampling
        parts = np.split(tokens, len(self.axes_), axis=-1)
        latents = []
        for part, axis in zip(parts, self.axes_):
            part = part.reshape(t, n, n, n, size, c, r, r)
            back = np.argsort(_CUBE_ORDER[axis])
            part = part.transpose(0, 1 + back[0], 1 + back[1], 1 + back[2], 4, 5, 6, 7)
            part = part.transpose(0, 1, 4, 5, 2, 6, 3, 7)
            latents.append(part.reshape(t, n * size, c, n * r, n * r))
        return np.stack(latents, axis=1)

    def inverse_transform(self, X, reference=None):
        """Decode tokens back to volumes on the conformed grid.

        Every slice of each axis is decoded, the three channels averaged,
        the slices stacked back into volumes and the volumes of the axes
        averaged.

        Parameters
        ----------
        X : numpy.ndarray of shape (n_frames, n_tokens_, token_dim_), or list
            Tokens of one run, or of several runs.
        reference : path or nibabel image, optional
            The run the tokens come from. When given, the scaling is undone
            (values in the run's units; clipped values stay at the clipping
            bounds and, for ``"tablet"``, negative values at 0), the
            background is set to 0, and the image gets the run's conformed
            affine. Without it, values stay in the scaled [-1, 1] units and
            the affine is that of the 2 mm MNI152 grid conformed to
            ``grid_size``.

        Returns
        -------
        nibabel.Nifti1Image of shape (grid_size,) * 3 + (n_frames,)
            float32; a list of them for a list of token arrays.
        """
        check_is_fitted(self)
        if isinstance(X, (list, tuple)):
            if reference is not None:
                raise ValueError(
                    "reference applies to the tokens of one run; got a list of "
                    f"{len(X)} token arrays."
                )
            for index, tokens in enumerate(X):
                self._check_tokens(tokens, f"X[{index}]")
            return [self.inverse_transform(tokens) for tokens in X]
        import nibabel

        tokens = self._check_tokens(X, "X")
        if reference is None:
            conformer, mask, params = (
                Conformer(MNI_2MM_SHAPE, MNI_2MM_AFFINE, self.grid_size), None, None
            )
        else:
            conformer, mask, params = self._prepare(_open_volume_run(reference))
        volumes = np.stack(
            [self._decode(tokens[t : t + 1])[0] for t in range(len(tokens))]
        ) if len(tokens) else np.zeros((0,) + (self.grid_size,) * 3, np.float32)
        if params is not None:
            volumes = invert_scaling(volumes, params)
            volumes[:, ~mask] = 0
        return nibabel.Nifti1Image(
            np.moveaxis(volumes, 0, -1).astype(np.float32), conformer.affine
        )

    def _decode(self, tokens):
        """Volumes (t, G, G, G) from tokens (t, n_tokens, token_dim)."""
        latents = self._disassemble(tokens)
        t, n_axes, size = latents.shape[:3]
        flat = torch.from_numpy(np.ascontiguousarray(latents).reshape((-1,) + latents.shape[3:]))
        images = []
        with torch.no_grad():
            for first in range(0, len(flat), self.batch_size):
                decoded = self.autoencoder_.decode(flat[first : first + self.batch_size])
                images.append(decoded.mean(1).to("cpu", torch.float32).numpy())
        slices = np.concatenate(images).reshape(t, n_axes, size, size, size)
        volumes = [
            np.moveaxis(slices[:, index], 1, axis + 1)
            for index, axis in enumerate(self.axes_)
        ]
        return np.mean(volumes, axis=0)

    def _check_tokens(self, tokens, name):
        expected = (self.n_tokens_, self.token_dim_)
        if not isinstance(tokens, np.ndarray) or tokens.ndim != 3 or tokens.shape[1:] != expected:
            raise ValueError(
                f"{name} must be tokens of shape (n_frames, {expected[0]}, "
                f"{expected[1]}) from this tokenizer; got {describe(tokens)}."
            )
        if not np.isfinite(tokens).all():
            raise ValueError(f"{name} contains NaN or infinite values.")
        return tokens.astype(np.float32, copy=False)


def _open_volume_run(run):
    """The run as a lazily read 4D nibabel image; clear errors otherwise."""
    import nibabel

    if isinstance(run, ImageAutoencoder) or not isinstance(
        run, (str, os.PathLike, nibabel.spatialimages.SpatialImage)
    ):
        raise TypeError(
            "run must be a path to a 4D NIfTI/MGH volume or a nibabel image; "
            f"got {describe(run)}."
        )
    with warnings.catch_warnings():
        # the repetition time plays no part in tokenization
        warnings.filterwarnings("ignore", message=".*time step", category=UserWarning)
        image = load_bold(run)
    if not isinstance(image, nibabel.spatialimages.SpatialImage) or len(image.shape) != 4:
        shape = getattr(image, "shape", None)
        raise ValueError(
            "run must be a 4D volume (x, y, z, t); got an image of shape "
            f"{shape}. Tokenize runs, not single volumes (add a time axis to "
            "a 3D volume)."
        )
    return image


def _finite(block, frames):
    """``block`` (x, y, z, t) after checking it is finite; names the bad frame."""
    if np.issubdtype(block.dtype, np.inexact):
        bad = ~np.isfinite(block)
        if bad.any():
            per_frame = bad.reshape(-1, block.shape[-1]).sum(axis=0)
            first = int(np.flatnonzero(per_frame)[0])
            raise ValueError(
                f"run contains NaN or infinite values: frame {frames[first]} has "
                f"{int(per_frame[first])} of them; expected finite values. Clean "
                "or mask the run before tokenizing it."
            )
    return block
