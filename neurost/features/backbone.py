"""Patch-feature grids of images from a vision backbone (ViT or CNN)."""

import contextlib
import hashlib
import math
import numbers
import os
import pickle
import warnings
from collections.abc import Mapping
from numbers import Integral
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from torch import nn
from tqdm.auto import tqdm

from .._utils.device import resolve_device
from .._utils.validation import check_path, close_matches, describe
from ..io._reading import open_hdf5
from ._huggingface import (
    check_vision_model,
    is_transformers_model,
    load_model_folder,
    vision_forward,
)
from ._images import ImageSource, check_image_size, check_same_size, to_batch
from .gabor import GaborPyramid

KINDS = ("tokens", "attention_query")
#: Names of available layers shown when a layer name is unknown.
_SHOWN_LAYERS = 12


class _Captured(Exception):
    """Raised by a hook once the wanted activation is captured, to stop the pass."""


class BackboneFeatures(TransformerMixin, BaseEstimator):
    """Patch-feature grids of images from one or several layers of a vision backbone.

    The images go through ``model`` (a ViT or a CNN); the output of one of
    its layers is captured with a forward hook and returned as a grid of
    feature vectors, one per image patch: the input of a transformer brain
    encoder, or, flattened, of a linear encoding model. For a ViT, tokens
    that are not patches (class and register tokens) are dropped. A list of
    layers is read in one forward pass, one grid per layer (the input of a
    layer ensemble).

    Parameters
    ----------
    model : torch.nn.Module or str or os.PathLike or None, default=None
        The backbone, already loaded (timm, torchvision, ``torch.hub``, a
        Hugging Face ``transformers`` vision model such as ``Dinov2Model``,
        ``ViTModel`` or ``CLIPVisionModel``...), or a path: the folder a
        ``transformers`` model's ``save_pretrained`` wrote (``config.json``
        and ``model.safetensors``; loaded with ``AutoModel`` from local
        files only, running no code from the folder; needs ``pip install
        transformers``), a TorchScript file, or (with ``allow_pickle=True``)
        a whole module saved by :func:`torch.save`. A file of weights alone
        (a state dict, ``.safetensors`` or ``torch.save``) is not a model:
        build the model, load the weights into it (``model.load_state_dict``)
        and pass the module. None uses :class:`~neurost.features.GaborPyramid`, a
        fixed V1-like model for offline examples; real analyses should pass
        a pretrained backbone such as DINOv2. The module is used in eval
        mode and on ``device`` during :meth:`transform`; its training flags
        and device are restored afterwards.
    layer : str or list of str or None, default=None
        Name of the layer to read, from ``model.named_modules()`` (e.g.
        ``"blocks.8.attn"`` in timm, ``"encoder.layer.8"`` in a
        ``transformers`` DINOv2, whose names depend on the transformers
        version); None reads the model's output. A list of names reads
        each of them in the same forward pass (their grids must have one
        shape). Layers of a TorchScript model cannot be hooked: pass None.
    kind : {"tokens", "attention_query"}, default="tokens"
        ``"tokens"``: the layer's output: tokens (n, L, C), a feature map
        (n, C, h, w) or vectors (n, C). ``"attention_query"``: the query
        vectors of the attention layer ``layer``, one that holds its query
        projection as a :class:`torch.nn.Linear`, either ``q_proj`` or
        ``query`` (the ``transformers`` layouts: the attention module of a
        block, e.g. ``"encoder.layer.8.attention"`` of a DINOv2) or ``qkv``
        (the timm and ``torch.hub`` DINOv2 layout; the first third of its
        outputs), or a :class:`torch.nn.MultiheadAttention` (queries
        computed from its input projection).
    image_size : int or (int, int) or None, default=None
        Resize every image to this (height, width), in pixels (bilinear,
        antialiased). None keeps the images' size, which must then be the
        same for all images.
    mean, std : sequence of 3 float or None, default=ImageNet statistics
        Per-channel normalisation of RGB values in [0, 1]:
        ``(x - mean) / std``. None skips that step. The default suits
        DINOv2 and ViT; CLIP was trained with ``mean=(0.4815, 0.4578,
        0.4082)``, ``std=(0.2686, 0.2613, 0.2758)``.
    batch_size : int, default=32
        Images per forward pass.
    device : {"auto", "cpu", "cuda"} or str or torch.device, default="auto"
        Where the model runs; "auto" picks CUDA when available.
    cache : str or os.PathLike or None, default=None
        An HDF5 file of the features (dataset ``"features"``, shaped as
        :meth:`transform` returns them). If it exists
        and was computed from the same model, layer, kind, size,
        normalisation and images, it is read instead of recomputing; if it
        was computed otherwise, an error is raised. It is written batch by
        batch into ``<cache>.partial`` and renamed when complete; an
        interrupted run resumes from the partial file.
    verbose : int, default=0
        Show a progress bar when > 0.
    allow_pickle : bool, default=False
        Allow ``model`` to be a file of a whole pickled module, or a
        ``transformers`` folder whose weights are only a pickle
        (``pytorch_model.bin``, from older ``save_pretrained``). Unpickling
        runs code stored in the file, which can do anything on this
        machine: set it only for files you trust. By default a path is read
        with ``torch.load(..., weights_only=True)``, which runs no code and
        refuses such files, and a folder only from its safetensors.

    Attributes
    ----------
    model_ : torch.nn.Module
        The backbone (the module passed, or the one loaded).
    layer_ : str or list of str or None
        The layer read (a list when ``layer`` is a list).
    device_ : torch.device
        The device the model runs on.
    image_size_ : tuple of int or None
        The validated ``image_size``.

    Notes
    -----
    ``X`` holds images, not a table: a list of images of shape (H, W) or
    (H, W, 3) (uint8 0-255 or float 0-1; grey levels are repeated to RGB,
    an alpha channel is dropped), an array (n_images, H, W) or
    (n_images, H, W, 3), or a list of image file paths.

    A ViT's patch grid is the tokens after its class and register tokens.
    Their number is read from the model where it declares it:
    ``model.num_prefix_tokens`` (timm), or one class token plus the
    configuration's ``num_register_tokens`` for a ``transformers`` model
    with registers (``Dinov2WithRegistersModel``). Otherwise it is the
    number of tokens minus the patches of the input, given its size and
    ``model.patch_embed.patch_size``, ``model.patch_size`` or
    ``model.config.patch_size`` (``transformers``); without any of them the
    tokens must form a square grid. The output of a ``transformers`` model
    (``layer=None``) is its output object's first field
    (``last_hidden_state`` for the base models).

    A ``transformers`` model gets the images as ``pixel_values``; one that
    can interpolate its position embeddings (``interpolate_pos_encoding``:
    ViT, CLIP) is asked to, so that it takes images of any size, not only
    its configuration's ``image_size`` (there the embeddings are used
    unchanged). DINOv2 always interpolates them.

    Examples
    --------
    >>> import numpy as np
    >>> from neurost.features import BackboneFeatures
    >>> images = np.random.default_rng(0).random((2, 64, 64, 3))
    >>> BackboneFeatures().fit_transform(images).shape
    (2, 16, 16, 34)

    The setting of the transformer brain encoder: the query vectors of
    block 8 of DINOv2 ViT-B/14 on a 31 x 31 patch grid of 434 x 434 images,
    from the local folder ``~/models/dinov2-base`` that
    ``Dinov2Model.from_pretrained("facebook/dinov2-base").save_pretrained(folder)``
    wrote (on a machine with network; neurost never downloads). The layer
    names are those of transformers 5; transformers 4 names the attention
    module ``"encoder.layer.8.attention.attention"``::

        features = BackboneFeatures(
            "~/models/dinov2-base", layer="encoder.layer.8.attention",
            kind="attention_query", image_size=434,
        ).fit_transform(images)  # (n_images, 31, 31, 768)

    The same from the ``torch.hub`` DINOv2, and the tokens of blocks 6, 8
    and 10 in one pass, one grid per block::

        model = torch.hub.load("facebookresearch/dinov2", "dinov2_vitb14")
        features = BackboneFeatures(
            model, layer="blocks.8.attn", kind="attention_query",
            image_size=434,
        ).fit_transform(images)  # (n_images, 31, 31, 768)
        layers = BackboneFeatures(
            model, layer=["blocks.6", "blocks.8", "blocks.10"], image_size=434,
        ).fit_transform(images)  # (n_images, 3, 31, 31, 768)
    """

    def __init__(
        self,
        model=None,
        layer=None,
        kind="tokens",
        image_size=None,
        mean=(0.485, 0.456, 0.406),
        std=(0.229, 0.224, 0.225),
        batch_size=32,
        device="auto",
        cache=None,
        verbose=0,
        allow_pickle=False,
    ):
        self.model = model
        self.layer = layer
        self.kind = kind
        self.image_size = image_size
        self.mean = mean
        self.std = std
        self.batch_size = batch_size
        self.device = device
        self.cache = cache
        self.verbose = verbose
        self.allow_pickle = allow_pickle

    _parameter_constraints = {
        "model": [None, nn.Module, str, os.PathLike],
        "layer": [None, str, list, tuple],
        "kind": [StrOptions(set(KINDS))],
        "image_size": [None, Interval(Integral, 1, None, closed="left"), tuple, list],
        "mean": [None, "array-like"],
        "std": [None, "array-like"],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "device": [str, torch.device],
        "cache": [None, str, os.PathLike],
        "verbose": ["verbose"],
        "allow_pickle": ["boolean"],
    }

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        tags.target_tags.required = False
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check the parameters and the images, and load the model.

        Parameters
        ----------
        X : list or numpy.ndarray
            Images (see Notes of the class); checked, not read.
        y : None
            Ignored.

        Returns
        -------
        self : BackboneFeatures
        """
        ImageSource(X)
        _check_channel_stats(self.mean, "mean", positive=False)
        _check_channel_stats(self.std, "std", positive=True)
        self.image_size_ = check_image_size(self.image_size)
        if self.cache is not None:
            _cache_paths(self.cache)
        self.device_ = resolve_device(self.device)
        self.model_ = _load_model(self.model, self.allow_pickle)
        self.layer_ = _check_layer(self.model_, self.layer, self.kind)
        return self

    def transform(self, X):
        """Return the feature grid of each image.

        Parameters
        ----------
        X : list or numpy.ndarray
            Images (see Notes of the class).

        Returns
        -------
        numpy.ndarray of shape (n_images, grid_h, grid_w, n_channels), float32
            One feature vector per patch; (n_images, 1, 1, n_channels) for a
            layer that outputs one vector per image. With a list of layers,
            shape (n_images, n_layers, grid_h, grid_w, n_channels): the grid
            of each layer, in the order of ``layer``.

        Raises
        ------
        ValueError
            For images of different sizes without ``image_size``, a token
            count that does not fit a patch grid, layers of a list whose
            grids differ in shape, or a cache computed from other settings
            or images.
        """
        check_is_fitted(self)
        source = ImageSource(X)
        input_size = check_same_size(source, self.image_size_)
        if self.cache is None:
            chunks = []
            self._extract(source, input_size, 0, lambda start, f: chunks.append(f))
            return np.concatenate(chunks)
        return self._transform_cached(source, input_size)

    def _extract(self, source, input_size, start, write):
        """Run the model on images ``start:`` and pass each batch to ``write``."""
        model, several = self.model_, isinstance(self.layer_, list)
        names = self.layer_ if several else [self.layer_]
        modules = dict(model.named_modules())
        layers = {name: modules[name] for name in names if name is not None}
        captured = {}
        handles = _register_hooks(layers, self.kind, captured)
        forward = vision_forward(model) if is_transformers_model(model) else model
        try:
            with _inference_mode(model, self.device_) as dtype:
                progress = tqdm(
                    total=len(source), initial=start, unit="image",
                    disable=not self.verbose, desc=type(model).__name__,
                )
                with progress:
                    for begin in range(start, len(source), self.batch_size):
                        stop = min(begin + self.batch_size, len(source))
                        batch = to_batch(
                            [source.load(i) for i in range(begin, stop)],
                            self.image_size_, self.mean, self.std,
                        ).to(self.device_, dtype)
                        captured.clear()
                        try:
                            output = forward(batch)
                        except _Captured:
                            output = None
                        grids = []
                        for name in names:
                            if name is not None and name not in captured:
                                raise ValueError(
                                    f"layer={name!r} was not run by the model's "
                                    "forward pass; choose a layer the model uses."
                                )
                            value = output if name is None else captured[name]
                            grids.append(
                                self._to_grid(value, layers.get(name), name, input_size)
                            )
                        write(begin, _stack_layers(grids, names) if several else grids[0])
                        progress.update(stop - begin)
        finally:
            for handle in handles:
                handle.remove()

    def _to_grid(self, output, module, name, input_size):
        if isinstance(output, Mapping) and output:
            # A transformers output object: its first field (last_hidden_state).
            output = next(iter(output.values()))
        if isinstance(output, (tuple, list)) and output:
            output = output[0]
        if not isinstance(output, torch.Tensor):
            raise TypeError(
                f"layer={name!r} outputs {type(output).__name__}; expected "
                "a tensor (or a tuple or transformers output starting with one)."
            )
        if (
            self.kind == "tokens"
            and isinstance(module, nn.MultiheadAttention)
            and not module.batch_first
        ):
            output = output.transpose(0, 1)
        if output.ndim == 4:
            grid = output.permute(0, 2, 3, 1)
        elif output.ndim == 3:
            grid = _tokens_to_grid(output, self.model_, input_size)
        elif output.ndim == 2:
            grid = output[:, None, None, :]
        else:
            raise ValueError(
                f"layer={name!r} outputs shape {tuple(output.shape)}; "
                "expected tokens (n, L, C), a feature map (n, C, h, w) or "
                "vectors (n, C)."
            )
        return grid.float().cpu().numpy()

    def _transform_cached(self, source, input_size):
        import h5py

        path, partial = _cache_paths(self.cache)
        settings = {
            "model_class": f"{type(self.model_).__module__}.{type(self.model_).__qualname__}",
            "model_digest": _module_digest(self.model_),
            "layer": "" if self.layer_ is None else str(self.layer_),
            "kind": self.kind,
            "image_size": f"{input_size[0]}x{input_size[1]}",
            "resized": self.image_size_ is not None,
            "mean": "none" if self.mean is None else repr([float(m) for m in self.mean]),
            "std": "none" if self.std is None else repr([float(s) for s in self.std]),
            "inputs_sha1": source.digest(),
            "n_images": len(source),
        }
        if path.exists():
            with open_hdf5(path, "cache") as store:
                if "features" not in store:
                    raise ValueError(
                        f"cache: '{path}' is an HDF5 file without a 'features' "
                        "dataset, not a feature cache; delete it or choose "
                        "another cache path."
                    )
                _check_cache_settings(store, settings, path)
                return store["features"][:]
        start = 0
        if partial.exists():
            try:
                with h5py.File(partial, "r") as store:
                    # A run stopped before its first batch left an empty file.
                    if "features" in store:
                        _check_cache_settings(store, settings, partial)
                        start = int(store.attrs["n_done"])
            except (OSError, KeyError):
                warnings.warn(
                    f"cache: the partial file '{partial}' is unreadable; "
                    "starting again.",
                    RuntimeWarning,
                    stacklevel=2,
                )
                partial.unlink()
        store = h5py.File(partial, "a")
        try:
            def write(begin, features):
                if "features" not in store:
                    store.attrs.update(settings)
                    store.create_dataset(
                        "features",
                        shape=(len(source), *features.shape[1:]),
                        dtype="float32",
                        chunks=(1, *features.shape[1:]),
                    )
                store["features"][begin : begin + len(features)] = features
                store.attrs["n_done"] = begin + len(features)
                store.flush()

            if start < len(source):
                self._extract(source, input_size, start, write)
            features = store["features"][:]
        finally:
            store.close()
        os.replace(partial, path)
        return features


def _check_channel_stats(values, name, positive):
    if values is None:
        return
    try:
        numbers_ = [float(v) for v in values]
    except (TypeError, ValueError):
        numbers_ = []
    if (
        len(numbers_) != 3
        or not all(math.isfinite(v) for v in numbers_)
        or (positive and not all(v > 0 for v in numbers_))
    ):
        what = "positive " if positive else ""
        raise ValueError(
            f"{name} must be None or 3 finite {what}numbers (one per RGB "
            f"channel, for values in [0, 1]); got {describe(values)}."
        )


def _cache_paths(cache):
    path = Path(cache).expanduser()
    if path.is_dir():
        raise ValueError(f"cache must be a file name; '{path}' is a directory.")
    if not path.parent.is_dir():
        raise FileNotFoundError(
            f"cache: the folder '{path.parent}' does not exist; create it first."
        )
    return path, path.with_name(path.name + ".partial")


def _check_cache_settings(store, settings, path):
    differences = []
    for key, value in settings.items():
        stored = store.attrs.get(key)
        if isinstance(stored, bytes):
            stored = stored.decode()
        if isinstance(stored, np.generic):
            stored = stored.item()
        if stored != value:
            differences.append(f"{key}: {stored!r} in the file, {value!r} now")
    if differences:
        raise ValueError(
            f"cache: '{path}' holds features computed from other settings or "
            f"images ({'; '.join(differences)}). Delete the file or choose "
            "another cache path."
        )


def _module_digest(model):
    """SHA-1 of a module's parameter and buffer values, so that two checkpoints differ."""
    digest = hashlib.sha1()
    for name, tensor in model.state_dict().items():
        digest.update(name.encode())
        values = tensor.detach().cpu().contiguous().view(-1).view(torch.uint8)
        digest.update(values.numpy().tobytes())
    return digest.hexdigest()


def _load_model(model, allow_pickle):
    if model is None:
        return GaborPyramid()
    if isinstance(model, nn.Module):
        if is_transformers_model(model):
            check_vision_model(model)
        return model
    if Path(model).expanduser().is_dir():
        return load_model_folder(Path(model).expanduser(), allow_pickle)
    path = check_path(model, "model")
    try:
        with warnings.catch_warnings():
            # TorchScript is deprecated in recent torch, yet saved files remain.
            warnings.simplefilter("ignore", DeprecationWarning)
            return torch.jit.load(path, map_location="cpu")
    except (RuntimeError, ValueError):
        pass
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=not allow_pickle)
    except pickle.UnpicklingError as error:
        # torch names the classes the safe unpickler refused "Unsupported global".
        if allow_pickle or "Unsupported global" not in str(error):
            raise ValueError(
                f"model: cannot load '{path}' as a TorchScript file or a "
                "torch.save file; it is truncated, corrupt or of another format."
            ) from None
        raise ValueError(
            f"model: '{path}' is not a TorchScript file and holds objects that "
            "only unpickling can rebuild (such as a whole module saved by "
            "torch.save); unpickling runs code stored in the file. If you "
            "trust the file, pass allow_pickle=True; otherwise build the model, "
            "load its weights with load_state_dict and pass the module."
        ) from None
    except Exception as error:
        raise ValueError(
            f"model: cannot load '{path}' as a TorchScript file or a torch.save "
            f"file; it is truncated, corrupt or of another format "
            f"({type(error).__name__}: {error})."
        ) from None
    if not isinstance(loaded, nn.Module):
        raise TypeError(
            f"model: '{path}' holds {type(loaded).__name__}, not a module; if it "
            "is a state dict, build the model, call load_state_dict, and pass "
            "the module."
        )
    return loaded


def _check_layer(model, layer, kind):
    """Check ``layer`` (a name, a list of names or None); return it (a list as a list)."""
    if not isinstance(layer, (list, tuple)):
        return _check_layer_name(model, layer, kind)
    if not layer or not all(isinstance(name, str) for name in layer):
        raise ValueError(
            "layer must be None, a layer name or a non-empty list of layer "
            f"names; got {describe(layer)}."
        )
    repeated = sorted({name for name in layer if list(layer).count(name) > 1})
    if repeated:
        raise ValueError(f"layer lists {', '.join(map(repr, repeated))} more than once.")
    return [_check_layer_name(model, name, kind) for name in layer]


def _check_layer_name(model, layer, kind):
    if layer is None:
        if kind == "attention_query":
            raise ValueError(
                "kind='attention_query' needs layer: the name of an attention "
                "layer (e.g. 'blocks.8.attn')."
            )
        return None
    if isinstance(model, torch.jit.ScriptModule):
        raise ValueError(
            f"layer={layer!r}: the layers of a TorchScript model cannot be read "
            "(forward hooks do not run in TorchScript); pass layer=None to read "
            "its output, or pass the torch.nn.Module itself."
        )
    modules = dict(model.named_modules())
    if layer not in modules:
        _raise_out_of_range(model, layer, modules)
        names = [name for name in modules if name]
        message = f"layer={layer!r} is not a module of {type(model).__name__}."
        suggestions = close_matches(layer, names)
        if suggestions:
            message += f" Did you mean {' or '.join(map(repr, suggestions))}?"
        shown = ", ".join(map(repr, names[:_SHOWN_LAYERS]))
        more = ""
        if len(names) > _SHOWN_LAYERS:
            more = f" ... ({len(names)} in all; see model.named_modules())"
        raise ValueError(f"{message} Available layers: {shown}{more}.")
    module = modules[layer]
    if kind == "attention_query" and not isinstance(module, nn.MultiheadAttention):
        _check_query_layout(layer, module)
    return layer


def _check_query_layout(layer, module):
    """Raise unless ``module`` holds a query projection that can be read."""
    projection = _query_projection(module)
    if projection is None:
        message = (
            f"kind='attention_query' needs an attention layer: layer={layer!r} "
            f"({type(module).__name__}) is neither a torch.nn.MultiheadAttention "
            "nor a module with a 'q_proj', 'query' or 'qkv' torch.nn.Linear."
        )
        inside = [
            f"{layer}.{name}" for name, child in module.named_modules()
            if name and (isinstance(child, nn.MultiheadAttention) or _query_projection(child))
        ]
        if inside:
            message += f" Did you mean {' or '.join(map(repr, inside[:3]))}?"
        raise ValueError(message)
    if projection[1] is None:
        raise ValueError(
            f"layer={layer!r}: its qkv layer has {projection[0].out_features} "
            "outputs, not a multiple of 3 (queries, keys, values)."
        )


def _raise_out_of_range(model, layer, modules):
    """Raise if ``layer`` indexes past the end of a list of layers, naming its length."""
    parts = layer.split(".")
    found = 0
    while found < len(parts) and ".".join(parts[: found + 1]) in modules:
        found += 1
    if found == len(parts) or not parts[found].isdigit():
        return
    parent = ".".join(parts[:found])
    layers = modules[parent]
    if isinstance(layers, (nn.ModuleList, nn.Sequential)) and int(parts[found]) >= len(layers):
        where = f"{parent!r} of {type(model).__name__}" if parent else type(model).__name__
        raise ValueError(
            f"layer={layer!r} is out of range: {where} has {len(layers)} layers, "
            f"numbered 0 to {len(layers) - 1}."
        )


def _query_projection(module):
    """The Linear computing the queries of ``module`` and how many of its outputs are queries.

    None if ``module`` has none (the count is None for a ``qkv`` whose
    outputs are not a multiple of 3).
    """
    for attribute in ("q_proj", "query"):
        linear = getattr(module, attribute, None)
        if isinstance(linear, nn.Linear):
            return linear, linear.out_features
    qkv = getattr(module, "qkv", None)
    if isinstance(qkv, nn.Linear):
        return qkv, None if qkv.out_features % 3 else qkv.out_features // 3
    return None


def _register_hooks(layers, kind, captured):
    """Hook the modules of ``layers`` (name: module) so that a forward pass stores
    the wanted tensor of each in ``captured`` and stops once all are there."""

    def store(name, value):
        captured.setdefault(name, value)
        if captured.keys() >= layers.keys():
            raise _Captured

    return [_register_hook(name, module, kind, store) for name, module in layers.items()]


def _register_hook(name, module, kind, store):
    if kind == "tokens":
        return module.register_forward_hook(lambda _, __, output: store(name, output))
    if isinstance(module, nn.MultiheadAttention):
        def keep_query(attention, args, kwargs):
            query = args[0] if args else kwargs["query"]
            dim = attention.embed_dim
            weight = (
                attention.in_proj_weight[:dim]
                if attention.in_proj_weight is not None
                else attention.q_proj_weight
            )
            bias = None if attention.in_proj_bias is None else attention.in_proj_bias[:dim]
            queries = F.linear(query, weight, bias)
            store(name, queries if attention.batch_first else queries.transpose(0, 1))

        return module.register_forward_pre_hook(keep_query, with_kwargs=True)
    projection, n_queries = _query_projection(module)
    return projection.register_forward_hook(
        lambda _, __, output: store(name, output[..., :n_queries])
    )


def _stack_layers(grids, names):
    """Stack the grids of several layers on a new axis 1: (n, n_layers, h, w, C)."""
    shapes = {grid.shape for grid in grids}
    if len(shapes) > 1:
        described = ", ".join(
            f"{name!r}: {grid.shape[1:]}" for name, grid in zip(names, grids)
        )
        raise ValueError(
            "layer: the layers of a list must give grids of one shape (h, w, C), "
            f"but they give {described}; read them with one BackboneFeatures each."
        )
    return np.stack(grids, axis=1)


@contextlib.contextmanager
def _inference_mode(model, device):
    """Eval mode on ``device`` under no_grad; restore flags and device after."""
    training = {module: module.training for module in model.modules()}
    tensors = [*model.parameters(), *model.buffers()]
    original_device = tensors[0].device if tensors else device
    floating = [t.dtype for t in tensors if t.is_floating_point()]
    dtype = floating[0] if floating else torch.float32
    model.eval()
    try:
        if original_device != device:
            model.to(device)
        with torch.no_grad():
            yield dtype
    finally:
        if original_device != device:
            model.to(original_device)
        for module, flag in training.items():
            module.training = flag


def _patch_size(model):
    patch = getattr(getattr(model, "patch_embed", None), "patch_size", None)
    if patch is None:
        patch = getattr(model, "patch_size", None)
    if patch is None:
        patch = getattr(getattr(model, "config", None), "patch_size", None)
    if isinstance(patch, numbers.Integral):
        return int(patch), int(patch)
    if isinstance(patch, (tuple, list)) and len(patch) == 2:
        return int(patch[0]), int(patch[1])
    return None


def _declared_prefix(model):
    """The class and register tokens ``model`` declares, or None if it does not.

    timm's ``num_prefix_tokens``, or, for a transformers model whose
    configuration has ``num_register_tokens`` (DINOv2 with registers), one
    class token and the registers.
    """
    prefix = getattr(model, "num_prefix_tokens", None)
    registers = getattr(getattr(model, "config", None), "num_register_tokens", None)
    if prefix is None and is_transformers_model(model) and registers is not None:
        prefix = 1 + int(registers)
    return prefix


def _tokens_to_grid(tokens, model, input_size):
    """Drop class/register tokens of (n, L, C) tokens and shape them (n, h, w, C)."""
    n_images, n_tokens, n_channels = tokens.shape
    prefix = _declared_prefix(model)
    patch = _patch_size(model)
    grid = None
    if patch is not None:
        grid = (input_size[0] // patch[0], input_size[1] // patch[1])
    if prefix is None and grid is not None:
        prefix = n_tokens - grid[0] * grid[1]
        if prefix < 0:
            raise ValueError(
                f"the layer outputs {n_tokens} tokens, fewer than the "
                f"{grid[0]} x {grid[1]} patches of a {input_size[0]} x "
                f"{input_size[1]} image with patch size {patch}."
            )
    elif prefix is None:
        side = math.isqrt(n_tokens)
        if side * side != n_tokens:
            raise ValueError(
                f"cannot tell which of the {n_tokens} tokens are patches: the "
                "model has neither num_prefix_tokens nor a patch size "
                "(patch_embed.patch_size, patch_size or config.patch_size), "
                "and the tokens do not form a square grid. Set "
                "model.num_prefix_tokens to the number of class/register tokens."
            )
        prefix = 0
    n_patches = n_tokens - int(prefix)
    if grid is None or grid[0] * grid[1] != n_patches:
        side = math.isqrt(max(n_patches, 0))
        if n_patches <= 0 or side * side != n_patches:
            raise ValueError(
                f"the layer's {n_tokens} tokens minus {prefix} class/register "
                "tokens do not form the patch grid of the input "
                f"({input_size[0]} x {input_size[1]} pixels)."
            )
        grid = (side, side)
    return tokens[:, int(prefix):].reshape(n_images, grid[0], grid[1], n_channels)
