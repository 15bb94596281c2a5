"""Hugging Face ``transformers`` vision models: recognising, loading and calling them.

``transformers`` is imported only to load a model folder; a module passed by
the user is recognised through the already imported package.
"""

import inspect
import sys

#: The input of a transformers vision model.
PIXELS = "pixel_values"


def is_transformers_model(model):
    """Whether ``model`` is a ``transformers`` ``PreTrainedModel``.

    Such a model exists only once ``transformers.modeling_utils`` was
    imported, so the check imports nothing.
    """
    modeling = sys.modules.get("transformers.modeling_utils")
    return modeling is not None and isinstance(model, modeling.PreTrainedModel)


def import_transformers():
    """Import ``transformers``, or raise an ImportError saying how to install it."""
    try:
        import transformers
    except ImportError:
        raise ImportError(
            "model: loading a Hugging Face model folder needs the transformers "
            "package: pip install transformers"
        ) from None
    return transformers


def load_model_folder(path, allow_pickle=False):
    """Load the vision model saved by ``save_pretrained`` in the folder ``path``.

    Only local files are read (``local_files_only=True``) and no code stored
    with the model runs (``trust_remote_code=False``). The weights are read
    from ``model.safetensors``; a folder holding them only as a pickle
    (``pytorch_model.bin``, which transformers reads with ``torch.load``)
    is refused unless ``allow_pickle``.

    Parameters
    ----------
    path : pathlib.Path
        An existing folder.
    allow_pickle : bool, default=False
        Also read ``pytorch_model.bin`` weights, when the folder has no
        safetensors file (safetensors are preferred when both exist).

    Returns
    -------
    transformers.PreTrainedModel
        The base model of the folder's configuration (``AutoModel``).
    """
    config_file = path / "config.json"
    if not config_file.is_file():
        raise ValueError(
            f"model: the folder '{path}' has no config.json, so it is not a "
            "Hugging Face model folder. Pass a folder written by a transformers "
            "model's save_pretrained (e.g. on a machine with network: "
            "Dinov2Model.from_pretrained('facebook/dinov2-base')"
            ".save_pretrained(FOLDER)), or the path of a model file."
        )
    if not allow_pickle and not any(path.glob("*.safetensors")) and any(path.glob("*.bin")):
        raise ValueError(
            f"model: the folder '{path}' holds its weights only as a pickle "
            "(pytorch_model.bin), which is read with torch.load. If you trust "
            "the folder, pass allow_pickle=True; otherwise re-save the model "
            "with save_pretrained, which writes model.safetensors."
        )
    transformers = import_transformers()
    try:
        config = transformers.AutoConfig.from_pretrained(
            path, local_files_only=True, trust_remote_code=False
        )
    except Exception as error:
        raise ValueError(
            f"model: cannot read the transformers configuration '{config_file}' "
            f"({type(error).__name__}: {error})."
        ) from None
    try:
        model = transformers.AutoModel.from_pretrained(
            path,
            config=config,
            local_files_only=True,
            trust_remote_code=False,
            # None: safetensors when present, else the .bin pickle.
            use_safetensors=None if allow_pickle else True,
        )
    except Exception as error:
        raise ValueError(
            f"model: cannot load the {type(config).__name__.removesuffix('Config')} "
            f"model saved in "
            f"'{path}'; its weights are missing, truncated or of another model "
            f"({type(error).__name__}: {error})."
        ) from None
    check_vision_model(model, f"the model saved in '{path}'")
    return model


def check_vision_model(model, what=None):
    """Raise a ValueError unless the transformers ``model`` takes images."""
    if model.main_input_name != PIXELS:
        what = what or "the module"
        raise ValueError(
            f"model: {what} is a {type(model).__name__}, whose input is "
            f"{model.main_input_name!r}, not images ({PIXELS!r}): not a vision "
            "model. For a model with a vision part (such as CLIPModel), load "
            "that part (e.g. CLIPVisionModel.from_pretrained(folder)) and pass it."
        )


def vision_forward(model):
    """A function of a batch of images that runs the transformers ``model`` on it.

    The images go in as ``pixel_values``; a model whose forward accepts
    ``interpolate_pos_encoding`` (ViT, CLIP...) is asked to interpolate its
    position embeddings, so that it takes images of any size (at its
    configured size the embeddings are used as they are). DINOv2 always
    interpolates.
    """
    options = {}
    if "interpolate_pos_encoding" in inspect.signature(model.forward).parameters:
        options["interpolate_pos_encoding"] = True
    return lambda batch: model(**{PIXELS: batch}, **options)
