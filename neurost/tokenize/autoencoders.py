"""Frozen 2D image autoencoders behind one interface.

:func:`load_autoencoder` returns an :class:`ImageAutoencoder` for

- ``"builtin"``: the small natural-image autoencoder neurost ships
  (:mod:`neurost.tokenize.builtin`; downsampling 32, 32 channels), which
  works offline;
- a local directory saved by diffusers (``save_pretrained``) holding an
  ``AutoencoderDC`` (the DC-AE of the TABLeT paper,
  ``dc-ae-f32c32-in-1.0``), an ``AutoencoderKL`` or an ``AutoencoderTiny``;
  the class is read from ``config.json``;
- a Hugging Face hub id (``"mit-han-lab/dc-ae-f32c32-in-1.0-diffusers"``),
  found in the local Hugging Face cache only: nothing is downloaded.
"""

import hashlib
import json
import os
import re
from pathlib import Path

import torch

from .._utils.device import resolve_device
from .._utils.validation import check_choice, describe
from .builtin import WEIGHTS_FILE, BuiltinAutoencoder

#: diffusers classes that :func:`load_autoencoder` reads from a directory.
DIFFUSERS_CLASSES = ("AutoencoderDC", "AutoencoderKL", "AutoencoderTiny")

_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
_WEIGHT_FILES = ("*.safetensors", "*.bin", "*.pt", "*.pth", "*.ckpt")


class ImageAutoencoder:
    """A frozen image autoencoder: images (n, 3, H, W) <-> latents.

    Parameters
    ----------
    module : torch.nn.Module
        The network; it is put in eval mode, its parameters are frozen
        (``requires_grad=False``) and it is moved to ``device``.
    encode_fn, decode_fn : callable
        ``encode_fn(module, images) -> latents`` and
        ``decode_fn(module, latents) -> images``.
    downsampling : int
        Spatial downsampling factor f: H x W images give H/f x W/f latents.
    latent_channels : int
        Latent channels c.
    name : str
        What was loaded (``"builtin"``, a directory, a hub id).
    device : str or torch.device, default="auto"
        Where the network runs.

    Attributes
    ----------
    downsampling : int
    latent_channels : int
    name : str
    fingerprint : str
        SHA-256 (hex) of the network's state dict -- every tensor's name,
        dtype, shape and bytes, in name order -- so that two autoencoders
        with the same fingerprint give the same latents.
    device : torch.device
    module : torch.nn.Module

    Notes
    -----
    :meth:`encode` and :meth:`decode` do not switch gradients off: wrap
    them in :func:`torch.no_grad` for inference, or leave gradients on to
    attribute latents to input pixels.
    """

    def __init__(self, module, encode_fn, decode_fn, downsampling,
                 latent_channels, name, device="auto"):
        self.device = resolve_device(device)
        self.module = module.to(self.device).eval().requires_grad_(False)
        self._encode_fn = encode_fn
        self._decode_fn = decode_fn
        self.downsampling = int(downsampling)
        self.latent_channels = int(latent_channels)
        self.name = str(name)
        self.fingerprint = state_fingerprint(self.module)

    @property
    def dtype(self):
        """The floating-point dtype of the network's parameters."""
        parameter = next(self.module.parameters(), None)
        return torch.float32 if parameter is None else parameter.dtype

    def encode(self, images):
        """Encode images to latents.

        Parameters
        ----------
        images : torch.Tensor of shape (n, 3, H, W) or (n, 1, H, W)
            Values in [-1, 1]; H and W multiples of ``downsampling``. One
            channel means grey images, encoded as the same image in the
            three channels (the built-in network does so without making the
            three copies).

        Returns
        -------
        torch.Tensor of shape (n, latent_channels, H / f, W / f)
            On :attr:`device`, in the network's dtype.
        """
        self._check(images, "images", (1, 3), self.downsampling)
        images = images.to(self.device, self.dtype)
        if images.shape[1] == 1:
            if hasattr(self.module, "encode_grey"):
                return self.module.encode_grey(images)
            images = images.expand(-1, 3, -1, -1)
        return self._encode_fn(self.module, images)

    def decode(self, latents):
        """Decode latents to images.

        Parameters
        ----------
        latents : torch.Tensor of shape (n, latent_channels, h, w)

        Returns
        -------
        torch.Tensor of shape (n, 3, h * f, w * f)
            Approximately in [-1, 1] (not clipped).
        """
        self._check(latents, "latents", (self.latent_channels,), 1)
        return self._decode_fn(self.module, latents.to(self.device, self.dtype))

    def _check(self, tensor, name, channels, multiple):
        if not isinstance(tensor, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor; got {describe(tensor)}.")
        shape = tuple(tensor.shape)
        if (
            tensor.ndim != 4
            or shape[1] not in channels
            or shape[2] % multiple
            or shape[3] % multiple
        ):
            sides = f", with H and W multiples of {multiple}" if multiple > 1 else ""
            options = " or ".join(f"(n, {c}, H, W)" for c in channels)
            raise ValueError(f"{name} must have shape {options}{sides}; got shape {shape}.")

    def __repr__(self):
        return (
            f"ImageAutoencoder(name={self.name!r}, downsampling={self.downsampling}, "
            f"latent_channels={self.latent_channels}, device='{self.device}')"
        )


def state_fingerprint(module):
    """SHA-256 hex digest of a module's state dict (names, dtypes, shapes, bytes).

    Parameters
    ----------
    module : torch.nn.Module

    Returns
    -------
    str
        64 hexadecimal characters; identical for identical weights,
        whatever the device.
    """
    digest = hashlib.sha256()
    for name, tensor in sorted(module.state_dict().items()):
        tensor = tensor.detach().to("cpu").contiguous().reshape(-1)
        digest.update(f"{name}|{tensor.dtype}|{tuple(tensor.shape)}|".encode())
        digest.update(tensor.view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def builtin_weights_path():
    """Path of the shipped weights of the built-in autoencoder."""
    return Path(__file__).resolve().parent / "weights" / WEIGHTS_FILE


def load_autoencoder(name_or_path="builtin", *, device="auto"):
    """Load a frozen image autoencoder.

    Parameters
    ----------
    name_or_path : str, os.PathLike or ImageAutoencoder, default="builtin"
        ``"builtin"`` (neurost's own autoencoder, downsampling 32, 32
        latent channels, works offline; see
        :mod:`neurost.tokenize.builtin`); a directory written by a diffusers
        autoencoder's ``save_pretrained`` (``AutoencoderDC``,
        ``AutoencoderKL`` or ``AutoencoderTiny``, read from the
        ``_class_name`` of its ``config.json``); or a Hugging Face hub id
        such as ``"mit-han-lab/dc-ae-f32c32-in-1.0-diffusers"``, looked up
        in the local Hugging Face cache only. An :class:`ImageAutoencoder`
        is returned as it is.
    device : str or torch.device, default="auto"
        ``"auto"`` picks CUDA when available, else the CPU.

    Returns
    -------
    ImageAutoencoder
        Frozen (eval mode, no parameter requires gradients).

    Raises
    ------
    FileNotFoundError
        If the weights cannot be found locally; the message says how to get
        them on a machine with network access.
    ValueError
        For a directory without ``config.json`` or without weights, or an
        unsupported autoencoder class.
    ImportError
        If a diffusers autoencoder is asked for and diffusers is not
        installed.

    Notes
    -----
    Latents are what the encoder outputs: for ``AutoencoderKL`` the mean of
    the latent distribution (no sampling), for ``AutoencoderDC`` and
    ``AutoencoderTiny`` their latents. The config's ``scaling_factor`` (and
    ``shift_factor``), which diffusion models apply to bring latents near
    unit variance, is not applied -- a tokenizer normalises its tokens
    downstream -- and :meth:`ImageAutoencoder.decode` expects latents on
    the same unscaled footing.

    Examples
    --------
    >>> ae = load_autoencoder()  # doctest: +SKIP
    >>> ae.encode(torch.zeros(1, 3, 96, 96)).shape  # doctest: +SKIP
    torch.Size([1, 32, 3, 3])
    """
    if isinstance(name_or_path, ImageAutoencoder):
        return name_or_path
    if not isinstance(name_or_path, (str, os.PathLike)):
        raise TypeError(
            "name_or_path must be 'builtin', a directory, a Hugging Face hub id "
            f"or an ImageAutoencoder; got {describe(name_or_path)}."
        )
    if isinstance(name_or_path, str) and name_or_path == "builtin":
        return _load_builtin(device)
    path = Path(name_or_path).expanduser()
    if path.is_dir():
        return _load_diffusers(path, str(name_or_path), device)
    if path.exists():
        raise ValueError(
            f"name_or_path: '{path}' is a file; expected 'builtin', a directory "
            "saved by a diffusers autoencoder's save_pretrained, or a hub id."
        )
    name = os.fspath(name_or_path)
    if _HUB_ID.match(name):
        return _load_diffusers(_from_hub_cache(name), name, device)
    raise FileNotFoundError(
        f"name_or_path: no such directory: '{path}'. Expected 'builtin' (works "
        "offline), a directory saved by a diffusers autoencoder's "
        "save_pretrained, or a hub id such as "
        "'mit-han-lab/dc-ae-f32c32-in-1.0-diffusers' present in the local "
        "Hugging Face cache."
    )


def _load_builtin(device):
    path = builtin_weights_path()
    if not path.is_file():
        raise FileNotFoundError(
            f"The weights of the built-in autoencoder are missing ('{path}'); "
            "reinstall neurost or run analyses/train_builtin_autoencoder.py."
        )
    module = BuiltinAutoencoder()
    module.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    return ImageAutoencoder(
        module,
        _encode_builtin,
        _decode_builtin,
        BuiltinAutoencoder.downsampling,
        BuiltinAutoencoder.latent_channels,
        "builtin",
        device,
    )


def _download_advice(hub_id):
    return (
        f"On a machine with network access, run `huggingface-cli download "
        f"{hub_id}` (fills the Hugging Face cache, which is then used offline), "
        "or in Python `from diffusers import AutoencoderDC; "
        f"AutoencoderDC.from_pretrained('{hub_id}').save_pretrained('PATH')` "
        "(use AutoencoderKL or AutoencoderTiny for those models) and pass "
        "PATH; copy it here if this machine is offline. The built-in "
        "autoencoder, name_or_path='builtin', works offline."
    )


def _from_hub_cache(hub_id):
    try:
        from huggingface_hub import snapshot_download
        from huggingface_hub.errors import LocalEntryNotFoundError
    except ImportError:
        raise FileNotFoundError(
            f"name_or_path={hub_id!r} is not a directory, and huggingface_hub "
            "is not installed to look it up in the local cache. "
            + _download_advice(hub_id)
        ) from None
    try:
        return Path(snapshot_download(hub_id, local_files_only=True))
    except (LocalEntryNotFoundError, FileNotFoundError, OSError):
        raise FileNotFoundError(
            f"name_or_path={hub_id!r}: the autoencoder is not in the local "
            "Hugging Face cache, and neurost never downloads. "
            + _download_advice(hub_id)
        ) from None


def _import_diffusers():
    try:
        import diffusers
    except ImportError:
        raise ImportError(
            "Loading a diffusers autoencoder needs the diffusers package: "
            'pip install "neurost[hub]".'
        ) from None
    return diffusers


def _load_diffusers(path, name, device):
    config_file = path / "config.json"
    if not config_file.is_file():
        raise ValueError(
            f"name_or_path: directory '{path}' has no config.json; expected a "
            "directory written by a diffusers autoencoder's save_pretrained. "
            + _download_advice("mit-han-lab/dc-ae-f32c32-in-1.0-diffusers")
        )
    try:
        config = json.loads(config_file.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(
            f"name_or_path: '{config_file}' is not valid JSON ({error}); the "
            "download or save_pretrained was incomplete or the file was edited."
        ) from None
    if not isinstance(config, dict):
        raise ValueError(
            f"name_or_path: '{config_file}' holds a JSON {type(config).__name__}; "
            "expected the object a diffusers save_pretrained writes."
        )
    class_name = check_choice(
        config.get("_class_name"), f"the _class_name of '{config_file}'",
        DIFFUSERS_CLASSES,
    )
    if not any(any(path.glob(pattern)) for pattern in _WEIGHT_FILES):
        raise ValueError(
            f"name_or_path: directory '{path}' has a config.json ({class_name}) "
            "but no weights (diffusion_pytorch_model.safetensors or .bin); "
            "the download or save_pretrained was incomplete."
        )
    diffusers = _import_diffusers()
    encode_fn, decode_fn = _CALLS[class_name]
    try:
        module = getattr(diffusers, class_name).from_pretrained(
            path, torch_dtype=torch.float32, local_files_only=True
        )
        downsampling, channels = _probe(module, encode_fn, _config_downsampling(config))
    except Exception as error:
        # diffusers, safetensors and torch each fail in their own way on a
        # damaged folder (OSError, SafetensorError, RuntimeError, TypeError...).
        raise ValueError(
            f"name_or_path: cannot load the {class_name} in '{path}': its "
            "config.json or weights are damaged or do not match "
            f"({type(error).__name__}: {str(error)[:300]})."
        ) from error
    return ImageAutoencoder(
        module, encode_fn, decode_fn, downsampling, channels, name, device
    )


def _config_downsampling(config):
    blocks = config.get("encoder_block_out_channels") or config.get("block_out_channels")
    return 2 ** (len(blocks) - 1) if blocks else 8


def _probe(module, encode_fn, downsampling):
    """Return (f, c) from the latents of a blank image of side 2 f."""
    side = 2 * downsampling
    with torch.no_grad():
        latents = encode_fn(module.eval(), torch.zeros(1, 3, side, side))
    return side // latents.shape[-1], latents.shape[1]


def _encode_builtin(module, images):
    return module.encode(images)


def _decode_builtin(module, latents):
    return module.decode(latents)


def _encode_dc(module, images):
    return module.encode(images).latent


def _encode_kl(module, images):
    return module.encode(images).latent_dist.mean


def _encode_tiny(module, images):
    return module.encode(images).latents


def _decode_diffusers(module, latents):
    return module.decode(latents).sample


# Named functions rather than lambdas, so that an ImageAutoencoder pickles.
_CALLS = {
    "AutoencoderDC": (_encode_dc, _decode_diffusers),
    "AutoencoderKL": (_encode_kl, _decode_diffusers),
    "AutoencoderTiny": (_encode_tiny, _decode_diffusers),
}
