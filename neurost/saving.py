"""Saving fitted estimators without pickle: :func:`save` and :func:`load`.

A neurost file is one `safetensors <https://huggingface.co/docs/safetensors>`_
file. Its tensors are the numeric arrays and torch tensors of the
estimator (weights, coefficients, statistics); its metadata holds the
neurost version, the file format version, a SHA-256 digest of the tensors
and one JSON document describing everything else: which class each object
is, its parameters (``get_params(deep=False)``), its fitted attributes
(the rest of its ``__dict__``), and, for a torch module, the arguments it
was built with and the names of its weights.

Why one safetensors file rather than a zip of a JSON file and arrays: one
file is one thing to copy and one atomic write; the safetensors reader
checks the header and that every tensor lies inside the file (a truncated
file is refused before any value is used), reads tensors without
unpickling anything, and is the format model hubs use for weights, so the
weights of a saved estimator can be read by any safetensors tool. The JSON
description is small (kilobytes, the labels of a classifier or a training
history at most) and fits in the header's metadata.

Loading runs no code from the file. JSON is parsed, tensors are read as
bytes, and every class or function a file names is looked up in an
allowlist: neurost's estimators and torch modules, the image autoencoders
neurost loads, and the few scikit-learn classes neurost's estimators keep.
Any other name is refused. What cannot be described this way (a backbone
from ``torch.hub``, a custom encode function) is refused by :func:`save`
with the name of the attribute: such estimators are saved with pickle or
joblib, whose files run code when loaded.
"""

import hashlib
import importlib
import json
import os
import sys
from pathlib import Path, PurePath

import numpy as np
import pandas as pd
import sklearn
import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

from neurost import __version__
from neurost._utils import distributed
from neurost._utils.files import atomic_write
from neurost._utils.validation import check_path, describe

#: Version of the layout of the JSON description. Files of another version
#: are refused: they may describe objects another way.
FORMAT_VERSION = 1

#: The estimators :func:`save` accepts.
NEUROST_ESTIMATORS = (
    "neurost.decoding.FlowDecoder",
    "neurost.encoding.RidgeEncoder",
    "neurost.encoding.RoutingEncoder",
    "neurost.encoding.VideoEncoder",
    "neurost.features.BackboneFeatures",
    "neurost.features.Delayer",
    "neurost.features.MotionEnergy",
    "neurost.features.OpticalFlow",
    "neurost.tablet.MaskedTokenPretrainer",
    "neurost.tablet.TabletClassifier",
    "neurost.tablet.TabletRegressor",
    "neurost.tokenize.SliceTokenizer",
)

#: Estimators, rebuilt as ``cls(**params)`` and given their fitted attributes.
ESTIMATORS = (
    *NEUROST_ESTIMATORS,
    "sklearn.preprocessing.LabelEncoder",
    "sklearn.preprocessing.StandardScaler",
)

#: Torch modules, rebuilt from their constructor arguments and ``state_dict``.
MODULES = (
    "neurost.models.BrainLatentTransformer",
    "neurost.models.FlowCodebookNet",
    "neurost.models.MaskedTokenModel",
    "neurost.models.RoutingTransformer",
    "neurost.features.GaborPyramid",
    "neurost.tokenize.builtin.BuiltinAutoencoder",
    "diffusers.AutoencoderDC",
    "diffusers.AutoencoderKL",
    "diffusers.AutoencoderTiny",
    "transformers.CLIPVisionModel",
    "transformers.Dinov2Model",
    "transformers.Dinov2WithRegistersModel",
    "transformers.ViTModel",
)

#: Cross-validation splitters (``cv`` parameters), rebuilt from their ``__dict__``.
SPLITTERS = (
    "sklearn.model_selection.GroupKFold",
    "sklearn.model_selection.KFold",
    "sklearn.model_selection.LeaveOneGroupOut",
    "sklearn.model_selection.PredefinedSplit",
    "sklearn.model_selection.TimeSeriesSplit",
)

#: The functions an :class:`~neurost.tokenize.ImageAutoencoder` calls.
FUNCTIONS = tuple(
    f"neurost.tokenize.autoencoders.{name}"
    for name in (
        "_decode_builtin", "_decode_diffusers", "_encode_builtin",
        "_encode_dc", "_encode_kl", "_encode_tiny",
    )
)

_AUTOENCODER = "neurost.tokenize.ImageAutoencoder"
#: Kinds of NumPy dtypes stored in safetensors: booleans, integers, floats.
_NUMERIC_KINDS = "biuf"


def save(estimator, path, *, overwrite=False):
    """Save an estimator, fitted or not, to one file, without pickle.

    Parameters
    ----------
    estimator : estimator
        A neurost estimator (:mod:`neurost.encoding`, :mod:`neurost.decoding`,
        :mod:`neurost.tablet`, the transformers of :mod:`neurost.features`,
        :class:`~neurost.tokenize.SliceTokenizer`). Its parameters and
        fitted attributes may hold numbers, strings, arrays, tensors, lists,
        tuples, dicts, data frames, other neurost estimators, the modules of
        :mod:`neurost.models`, the built-in or a diffusers image autoencoder,
        the Hugging Face vision models that
        :class:`~neurost.features.BackboneFeatures` reads (CLIP vision,
        DINOv2 with or without registers, ViT),
        and scikit-learn scalers, label encoders and splitters.
    path : str or os.PathLike
        The file to write (``.safetensors`` is a good suffix). It is written
        under a temporary name and renamed when complete. Under a launcher
        (``torchrun``, ``accelerate launch``), only rank 0 writes it: the
        ranks of a data-parallel fit hold the same estimator, and one
        script saves it once.
    overwrite : bool, default=False
        Whether an existing file may be replaced.

    Raises
    ------
    TypeError
        If ``estimator`` is not a neurost estimator, or holds an object
        that cannot be stored without pickle (the message names the
        attribute; such estimators can be saved with pickle or joblib).
    FileExistsError
        If ``path`` exists and ``overwrite`` is False.

    See Also
    --------
    load : read the estimator back.

    Notes
    -----
    The file holds every weight it needs (a tokenizer's autoencoder, a
    feature backbone), so it can be loaded on another machine. Objects
    shared by several attributes are stored once and shared again after
    loading (``pretrainer.backbone_`` is ``pretrainer.model_.backbone``).
    Tensors are stored as they are on the CPU.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> import neurost
    >>> from neurost.encoding import RidgeEncoder
    >>> rng = np.random.default_rng(0)
    >>> X, Y = rng.normal(size=(40, 5)), rng.normal(size=(40, 3))
    >>> encoder = RidgeEncoder(backend="numpy").fit(X, Y)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     neurost.save(encoder, Path(folder) / "encoder.safetensors")
    ...     loaded = neurost.load(Path(folder) / "encoder.safetensors")
    >>> np.array_equal(loaded.predict(X), encoder.predict(X))
    True
    """
    if _name_of(estimator, NEUROST_ESTIMATORS) is None:
        raise TypeError(
            f"estimator must be a neurost estimator, one of {list(NEUROST_ESTIMATORS)}; "
            f"got {describe(estimator)}."
        )
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a file path (str or os.PathLike); got {describe(path)}.")
    if not isinstance(overwrite, (bool, np.bool_)):
        raise TypeError(f"overwrite must be True or False; got {describe(overwrite)}.")
    writer = _Writer()
    content = json.dumps(writer.encode(estimator, type(estimator).__name__))
    if not distributed.is_main_process():
        return
    metadata = {
        "format": "neurost",
        "format_version": str(FORMAT_VERSION),
        "neurost_version": __version__,
        "sha256": _digest(writer.tensors, content),
        "content": content,
    }
    with atomic_write(path, overwrite=bool(overwrite)) as temporary:
        save_file(writer.tensors, temporary, metadata=metadata)


def load(path):
    """Load an estimator saved by :func:`save`; no code from the file runs.

    Parameters
    ----------
    path : str or os.PathLike
        A file written by :func:`save`.

    Returns
    -------
    estimator
        The estimator as it was saved: it predicts, transforms and scores
        exactly as the saved one did. Tensors and modules are on the CPU
        (estimators move them to their ``device`` when they run); a device
        attribute naming a GPU that this machine lacks becomes the CPU.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not a neurost file, is damaged or truncated, was
        written in another file format version, or names a class that
        neurost does not load (a tampered file); the message names the
        file.

    See Also
    --------
    save
    """
    path = check_path(path, "path")
    try:
        with safe_open(path, framework="pt") as file:
            metadata = file.metadata() or {}
            _check_header(metadata, path)
            tensors = {name: file.get_tensor(name) for name in file.keys()}
    except (SafetensorError, OSError) as error:
        raise ValueError(
            f"path: '{path}' is not a readable neurost file; it may be damaged or "
            f"truncated ({error})."
        ) from None
    content = metadata.get("content", "")
    if _digest(tensors, content) != metadata.get("sha256"):
        raise ValueError(
            f"path: '{path}' is damaged: its content does not match the digest "
            "written with it."
        )
    try:
        tree = json.loads(content)
    except json.JSONDecodeError as error:
        raise ValueError(
            f"path: '{path}' is damaged: its description is not JSON ({error})."
        ) from None
    if not isinstance(tree, dict) or tree.get("kind") != "estimator":
        raise ValueError(f"path: '{path}' is damaged: it describes no estimator.")
    return _Reader(tensors, path).decode(tree)


def _check_header(metadata, path):
    if metadata.get("format") != "neurost":
        raise ValueError(
            f"path: '{path}' is a safetensors file but was not written by "
            "neurost.save."
        )
    version = metadata.get("format_version")
    if version != str(FORMAT_VERSION):
        raise ValueError(
            f"path: '{path}' was written by neurost "
            f"{metadata.get('neurost_version', '(unknown)')} in file format version "
            f"{version}; this neurost ({__version__}) reads format version "
            f"{FORMAT_VERSION} only. Load it with the neurost that wrote it, or "
            "fit the estimator again."
        )


def _digest(tensors, content):
    """SHA-256 of the JSON description and of the tensors, in name order.

    It detects damage (a flipped bit, a partial copy), not tampering: whoever
    edits a file can write a new digest. Safety against tampering comes from
    the allowlist.
    """
    digest = hashlib.sha256(content.encode())
    for name in sorted(tensors):
        tensor = tensors[name].contiguous().reshape(-1)
        digest.update(f"{name}|{tensor.dtype}|{tuple(tensors[name].shape)}|".encode())
        digest.update(tensor.view(torch.uint8).numpy())
    return digest.hexdigest()


# -- the allowlist -------------------------------------------------------------


def _resolve(name, allowed, path):
    """The class or function called ``name``, if ``allowed`` lists it."""
    if not isinstance(name, str) or name not in allowed:
        raise ValueError(
            f"path: '{path}' names {name!r}, which is not a class or function "
            "neurost loads; the file was not written by neurost.save or was "
            "tampered with. Nothing from it was run."
        )
    module, attribute = name.rsplit(".", 1)
    try:
        return getattr(importlib.import_module(module), attribute)
    except ImportError:
        raise ImportError(
            f"path: '{path}' holds a {name}; loading it needs the "
            f"{module.split('.')[0]} package."
        ) from None


def _name_of(value, allowed, of_class=True):
    """The allowlisted name of ``value``'s class (of ``value`` if not ``of_class``)."""
    for name in allowed:
        if name.split(".")[0] not in sys.modules:
            continue  # no object can come from a package that was never imported
        module, attribute = name.rsplit(".", 1)
        target = getattr(importlib.import_module(module), attribute)
        if (type(value) if of_class else value) is target:
            return name
    return None


def _module_config(name, module):
    """The constructor arguments that rebuild ``module``, or None if unknown."""
    if name.startswith("diffusers."):
        return {key: value for key, value in module.config.items() if not key.startswith("_")}
    if name.startswith("transformers."):
        # The label maps of classification heads have int keys and no use here.
        skip = {"id2label", "label2id"}
        return {key: value for key, value in module.config.to_dict().items()
                if not key.startswith("_") and key not in skip}
    if name == "neurost.features.GaborPyramid":
        energy = module.energy
        return {
            "n_orientations": energy.n_orientations,
            "spatial_frequencies": energy.spatial_frequencies,
            "grid": energy.grid,
        }
    if name == "neurost.tokenize.builtin.BuiltinAutoencoder":
        return {}
    return getattr(module, "config", None)


def _build_module(name, cls, config):
    """Rebuild an allowlisted module from the arguments :func:`_module_config` recorded."""
    if name.startswith("diffusers."):
        return cls.from_config(config)
    if name.startswith("transformers."):
        return cls(cls.config_class.from_dict(config))
    return cls(**config)


def _refuse(where, value, why):
    raise TypeError(
        f"{where} is {describe(value)}, which neurost.save cannot store without "
        f"pickle ({why}). Save this estimator with pickle or joblib instead "
        "(loading such a file runs code: only load files you trust)."
    )


# -- writing ---------------------------------------------------------------------


class _Writer:
    """Describe objects as JSON, collecting their tensors in ``tensors``."""

    def __init__(self):
        self.tensors = {}
        self._tensor_names = {}  # storage view -> tensor name
        self._storages = set()
        self._ids = {}  # id(object) -> node id, for objects stored once
        self._alive = []  # keeps every described object alive, so ids stay unique

    def encode(self, value, where):
        kind = type(value)
        if isinstance(value, np.generic):
            return self._scalar(value, where)
        if value is None or kind in (bool, int, float, str):
            return value
        if id(value) in self._ids:
            return {"kind": "ref", "id": self._ids[id(value)]}
        if kind is list:
            return [self.encode(item, f"{where}[{i}]") for i, item in enumerate(value)]
        if kind is tuple:
            return {
                "kind": "tuple",
                "items": [self.encode(item, f"{where}[{i}]") for i, item in enumerate(value)],
            }
        if kind is dict:
            return {
                "kind": "dict",
                "items": [
                    [self.encode(key, f"{where} key"), self.encode(item, f"{where}[{key!r}]")]
                    for key, item in value.items()
                ],
            }
        if kind in (range, slice):
            bounds = (value.start, value.stop, value.step)
            return {"kind": kind.__name__, "bounds": self.encode(list(bounds), where)}
        if isinstance(value, PurePath):
            return {"kind": "path", "value": os.fspath(value)}
        if kind is torch.device:
            return {"kind": "device", "value": str(value)}
        if kind is torch.dtype:
            return {"kind": "torch_dtype", "value": str(value).removeprefix("torch.")}
        if isinstance(value, np.dtype):
            return {"kind": "numpy_dtype", "value": value.str}
        node_id = self._remember(value)
        if kind is np.ndarray:
            return {"id": node_id, **self._array(value, where)}
        if isinstance(value, torch.Tensor):
            return {
                "kind": "tensor",
                "id": node_id,
                "tensor": self._tensor(value),
                "parameter": isinstance(value, torch.nn.Parameter),
                "requires_grad": value.requires_grad,
            }
        if kind is np.random.RandomState:
            _, keys, position, has_gauss, gauss = value.get_state(legacy=True)
            return {
                "kind": "random_state",
                "id": node_id,
                "keys": self._tensor(torch.from_numpy(keys.copy())),
                "position": int(position),
                "has_gauss": int(has_gauss),
                "gauss": float(gauss),
            }
        if kind is pd.DataFrame:
            return {
                "kind": "data_frame",
                "id": node_id,
                "columns": self.encode(list(value.columns), f"{where}.columns"),
                "index": self.encode(_index_value(value.index, where), f"{where}.index"),
                "index_name": self.encode(value.index.name, f"{where}.index.name"),
                "values": [
                    self.encode(value[column].to_numpy(), f"{where}[{column!r}]")
                    for column in value.columns
                ],
            }
        if isinstance(value, torch.nn.Module):
            return {"id": node_id, **self._module(value, where)}
        name = _name_of(value, ESTIMATORS)
        if name is not None:
            params = value.get_params(deep=False)
            attributes = {k: v for k, v in vars(value).items() if k not in params}
            # Metadata requests (set_fit_request(groups=True)) are set again
            # through the public setters when loading.
            requests = attributes.pop("_metadata_request", None)
            return {
                "kind": "estimator",
                "id": node_id,
                "class": name,
                "params": self._mapping(params, where),
                "attributes": self._mapping(attributes, where),
                "requests": None if requests is None else requests._serialize(),
            }
        if _name_of(value, (_AUTOENCODER,)) is not None:
            return {"kind": "autoencoder", "id": node_id, **self._autoencoder(value, where)}
        name = _name_of(value, SPLITTERS)
        if name is not None:
            state = self._mapping(vars(value), where)
            return {"kind": "splitter", "id": node_id, "class": name, "state": state}
        if callable(value) and not isinstance(value, type):
            name = _name_of(value, FUNCTIONS, of_class=False)
            if name is not None:
                return {"kind": "function", "name": name}
        _refuse(where, value, "not a class or function neurost stores")

    def _remember(self, value):
        node_id = len(self._ids)
        self._ids[id(value)] = node_id
        self._alive.append(value)
        return node_id

    def _mapping(self, mapping, where):
        return {key: self.encode(value, f"{where}.{key}") for key, value in mapping.items()}

    def _scalar(self, value, where):
        if value.dtype.kind not in _NUMERIC_KINDS + "U":
            _refuse(where, value, f"a NumPy scalar of dtype {value.dtype}")
        return {"kind": "scalar", "dtype": value.dtype.str, "value": value.item()}

    def _array(self, array, where):
        kind = array.dtype.kind
        if kind == "U":
            return {
                "kind": "text_array",
                "dtype": array.dtype.str,
                "shape": list(array.shape),
                "items": array.ravel().tolist(),
            }
        if kind == "O":
            return {
                "kind": "object_array",
                "shape": list(array.shape),
                "items": [
                    self.encode(item, f"{where}[{i}]") for i, item in enumerate(array.ravel())
                ],
            }
        if kind not in _NUMERIC_KINDS:
            _refuse(where, array, f"arrays of dtype {array.dtype} are not stored")
        native = np.asarray(array, dtype=array.dtype.newbyteorder("="), order="C")
        try:
            tensor = torch.from_numpy(native if native.flags.writeable else native.copy())
        except TypeError:
            _refuse(where, array, f"torch has no dtype for {array.dtype}")
        return {"kind": "array", "dtype": array.dtype.str, "tensor": self._tensor(tensor)}

    def _tensor(self, tensor):
        """Store ``tensor`` once; tensors that are the same view share a name."""
        tensor = tensor.detach()
        self._alive.append(tensor)
        storage = tensor.untyped_storage().data_ptr()
        view = (storage, tensor.storage_offset(), tuple(tensor.shape), tensor.stride(),
                tensor.dtype, tensor.device)
        if view in self._tensor_names:
            return self._tensor_names[view]
        name = str(len(self.tensors))
        self._tensor_names[view] = name
        stored = tensor.to("cpu").contiguous()
        if storage in self._storages and stored.data_ptr() == tensor.data_ptr():
            stored = stored.clone()  # safetensors refuses tensors that share memory
        self._storages.add(storage)
        self.tensors[name] = stored
        return name

    def _module(self, module, where):
        name = _name_of(module, MODULES)
        if name is None:
            _refuse(where, module, "only the modules of neurost.models and neurost's "
                    "image models can be rebuilt without their code")
        config = _module_config(name, module)
        if config is None:
            _refuse(where, module, "it does not record the arguments it was built with")
        return {
            "kind": "module",
            "class": name,
            "config": self._mapping(config, f"{where}.config"),
            "state": {key: self._tensor(t) for key, t in module.state_dict().items()},
            "training": module.training,
            "frozen": [n for n, p in module.named_parameters() if not p.requires_grad],
        }

    def _autoencoder(self, autoencoder, where):
        # The encode/decode functions are private attributes of ImageAutoencoder.
        arguments = {
            "module": autoencoder.module,
            "encode_fn": autoencoder._encode_fn,
            "decode_fn": autoencoder._decode_fn,
            "downsampling": autoencoder.downsampling,
            "latent_channels": autoencoder.latent_channels,
            "name": autoencoder.name,
            "device": autoencoder.device,
        }
        return {
            "arguments": self._mapping(arguments, where),
            "fingerprint": autoencoder.fingerprint,
        }


def _index_value(index, where):
    if type(index) is pd.RangeIndex:
        return range(index.start, index.stop, index.step)
    if index.nlevels > 1:
        _refuse(where, index, "multi-level indexes are not stored")
    return index.to_numpy()


# -- reading ---------------------------------------------------------------------


#: The methods whose metadata requests an estimator may carry.
_METHODS = ("fit", "partial_fit", "predict", "predict_proba", "predict_log_proba",
            "decision_function", "score", "split", "transform", "inverse_transform")


class _Reader:
    """Rebuild the objects a JSON description names, from allowlisted classes."""

    def __init__(self, tensors, path):
        self.tensors = tensors
        self.path = path
        self.objects = {}

    def decode(self, node):
        try:
            return self._decode(node)
        except (KeyError, TypeError, IndexError, AttributeError, ValueError, RuntimeError,
                RecursionError, OverflowError) as error:
            if isinstance(error, ValueError) and f"'{self.path}'" in str(error):
                raise  # this module's own message, which names the file
            raise ValueError(
                f"path: '{self.path}' is damaged: its description is malformed "
                f"({type(error).__name__}: {error})."
            ) from None

    def _decode(self, node):
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self._decode(item) for item in node]
        kind = node["kind"]
        if kind == "ref":
            if node["id"] not in self.objects:
                raise ValueError(
                    f"path: '{self.path}' is damaged: it refers to object "
                    f"{node['id']} before describing it."
                )
            return self.objects[node["id"]]
        method = getattr(self, f"_read_{kind}", None) if isinstance(kind, str) else None
        if method is None:
            raise ValueError(f"path: '{self.path}' is damaged: unknown entry kind {kind!r}.")
        value = method(node)
        if "id" in node and kind not in ("estimator", "module", "autoencoder"):
            self.objects[node["id"]] = value
        return value

    def _mapping(self, mapping):
        if not isinstance(mapping, dict):
            raise TypeError(f"expected a mapping; got {type(mapping).__name__}")
        return {str(key): self._decode(value) for key, value in mapping.items()}

    def _tensor(self, name):
        if name not in self.tensors:
            raise ValueError(f"path: '{self.path}' is damaged: tensor {name!r} is missing.")
        return self.tensors[name]

    def _read_tuple(self, node):
        return tuple(self._decode(item) for item in node["items"])

    def _read_dict(self, node):
        return {self._decode(key): self._decode(value) for key, value in node["items"]}

    def _read_range(self, node):
        return range(*self._decode(node["bounds"]))

    def _read_slice(self, node):
        return slice(*self._decode(node["bounds"]))

    def _read_path(self, node):
        return Path(str(node["value"]))

    def _read_device(self, node):
        device = torch.device(node["value"])
        if device.type == "cuda" and not torch.cuda.is_available():
            return torch.device("cpu")
        return device

    def _read_torch_dtype(self, node):
        dtype = getattr(torch, str(node["value"]), None)
        if not isinstance(dtype, torch.dtype):
            raise ValueError(f"path: '{self.path}' names an unknown torch dtype.")
        return dtype

    def _read_numpy_dtype(self, node):
        return self._dtype(node["value"], "biufcUO")

    def _dtype(self, text, kinds):
        dtype = np.dtype(str(text))
        if dtype.kind not in kinds or dtype.hasobject and "O" not in kinds:
            raise ValueError(f"path: '{self.path}' is damaged: unexpected dtype {text!r}.")
        return dtype

    def _read_scalar(self, node):
        return self._dtype(node["dtype"], _NUMERIC_KINDS + "U").type(node["value"])

    def _read_array(self, node):
        dtype = self._dtype(node["dtype"], _NUMERIC_KINDS)
        return self._tensor(node["tensor"]).numpy().astype(dtype, copy=False)

    def _read_text_array(self, node):
        items = np.array(node["items"], dtype=self._dtype(node["dtype"], "U"))
        return items.reshape([int(n) for n in node["shape"]])

    def _read_object_array(self, node):
        items = [self._decode(item) for item in node["items"]]
        array = np.empty(len(items), dtype=object)
        for index, item in enumerate(items):
            array[index] = item
        return array.reshape([int(n) for n in node["shape"]])

    def _read_tensor(self, node):
        tensor = self._tensor(node["tensor"])
        if node["parameter"]:
            return torch.nn.Parameter(tensor, requires_grad=bool(node["requires_grad"]))
        return tensor.requires_grad_(bool(node["requires_grad"]))

    def _read_random_state(self, node):
        state = np.random.RandomState()
        keys = self._tensor(node["keys"]).numpy()
        state.set_state(
            ("MT19937", keys, int(node["position"]), int(node["has_gauss"]), float(node["gauss"]))
        )
        return state

    def _read_data_frame(self, node):
        columns = self._decode(node["columns"])
        values = [self._decode(value) for value in node["values"]]
        index = self._decode(node["index"])
        name = self._decode(node["index_name"])
        if isinstance(index, range):
            index = pd.RangeIndex(index.start, index.stop, index.step, name=name)
        else:
            index = pd.Index(index, name=name)
        return pd.DataFrame(dict(zip(columns, values)), index=index, columns=columns)

    def _read_function(self, node):
        return _resolve(node["name"], FUNCTIONS, self.path)

    def _read_splitter(self, node):
        cls = _resolve(node["class"], SPLITTERS, self.path)
        splitter = cls.__new__(cls)
        vars(splitter).update(self._mapping(node["state"]))
        return splitter

    def _read_estimator(self, node):
        cls = _resolve(node["class"], ESTIMATORS, self.path)
        params = self._mapping(node["params"])
        try:
            estimator = cls(**params)
        except TypeError as error:
            raise ValueError(
                f"path: '{self.path}' is damaged: cannot build {node['class']} from its "
                f"parameters ({error})."
            ) from None
        self.objects[node["id"]] = estimator
        attributes = self._mapping(node["attributes"])
        for name in attributes:
            # Fitted state only: nothing that would shadow a method or a
            # special attribute of the class.
            if name.startswith("__") or hasattr(cls, name):
                raise ValueError(
                    f"path: '{self.path}' was tampered with: it sets {name!r} on "
                    f"{node['class']}, which is not fitted state."
                )
        vars(estimator).update(attributes)
        with sklearn.config_context(enable_metadata_routing=True):
            defaults = estimator._get_metadata_request()
            for method, requests in (node["requests"] or {}).items():
                known = getattr(defaults, str(method), None) if method in _METHODS else None
                if (
                    known is None
                    or not isinstance(requests, dict)
                    or not set(requests) <= set(known.requests)
                    or not all(v is None or isinstance(v, (bool, str)) for v in requests.values())
                ):
                    raise ValueError(
                        f"path: '{self.path}' was tampered with: it holds metadata "
                        f"requests {method!r} that {node['class']} does not have."
                    )
                getattr(estimator, f"set_{method}_request")(**requests)
        if params.get("allow_pickle") is True:
            raise ValueError(
                f"path: '{self.path}' holds an estimator with allow_pickle=True, which "
                "would unpickle (and so run) a file when fitted; neurost does not "
                "load it. Load the file's other contents and set allow_pickle yourself."
            )
        return estimator

    def _read_module(self, node):
        name = node["class"]
        cls = _resolve(name, MODULES, self.path)
        config = self._mapping(node["config"])
        state = {str(key): self._tensor(value) for key, value in node["state"].items()}
        try:
            # Building draws initial weights; the caller's random state is kept.
            with torch.random.fork_rng(devices=[]):
                module = _build_module(name, cls, config)
            module.load_state_dict(state)
        except (TypeError, ValueError, RuntimeError) as error:
            raise ValueError(
                f"path: '{self.path}' is damaged: cannot rebuild {name} from its "
                f"recorded arguments and weights ({type(error).__name__}: {error})."
            ) from None
        module.train(bool(node["training"]))
        for parameter in node["frozen"]:
            module.get_parameter(parameter).requires_grad_(False)
        self.objects[node["id"]] = module
        return module

    def _read_autoencoder(self, node):
        cls = _resolve(_AUTOENCODER, (_AUTOENCODER,), self.path)
        autoencoder = cls(**self._mapping(node["arguments"]))
        if autoencoder.fingerprint != node["fingerprint"]:
            raise ValueError(
                f"path: '{self.path}' is damaged: the weights of the autoencoder "
                f"{autoencoder.name!r} differ from those saved."
            )
        self.objects[node["id"]] = autoencoder
        return autoencoder
