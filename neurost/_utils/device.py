"""Choosing the torch device a computation runs on."""

from .validation import describe


def resolve_device(device):
    """Return the :class:`torch.device` named by ``device``.

    Parameters
    ----------
    device : {"auto", "cpu", "cuda"} or str or torch.device
        ``"auto"`` picks CUDA when a GPU is available, else the CPU;
        ``"cuda:1"``-style names pick one GPU. Under a launcher
        (``torchrun``, ``accelerate launch``), ``"auto"`` and ``"cuda"``
        pick the GPU of the process (``LOCAL_RANK``), one per rank.

    Returns
    -------
    torch.device

    Raises
    ------
    ValueError
        If ``device`` is not a device name, names CUDA on a machine
        without a GPU, or, under a launcher, another rank's GPU.
    """
    import torch

    from . import distributed

    if isinstance(device, str) and device in ("auto", "cuda") and distributed.launched():
        if torch.cuda.is_available():
            return torch.device("cuda", distributed.local_rank())
    if isinstance(device, torch.device):
        resolved = device
    elif isinstance(device, str):
        if device == "auto":
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        try:
            resolved = torch.device(device)
        except RuntimeError:
            raise ValueError(
                f"device must be 'auto', 'cpu', 'cuda', 'cuda:<index>' or a "
                f"torch.device; got {describe(device)}."
            ) from None
    else:
        raise ValueError(
            f"device must be 'auto', 'cpu', 'cuda', 'cuda:<index>' or a "
            f"torch.device; got {describe(device)}."
        )
    if resolved.type not in ("cpu", "cuda"):
        raise ValueError(
            f"device must be a CPU or CUDA device; got {describe(device)}."
        )
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} asks for a GPU, but CUDA is not available on "
            "this machine; use device='auto' or 'cpu'."
        )
    if resolved.type == "cuda" and distributed.launched() and (
        resolved.index is not None and resolved.index != distributed.local_rank()
    ):
        raise ValueError(
            f"device={device!r} under a launcher: each rank uses its own GPU "
            f"(LOCAL_RANK={distributed.local_rank()}); use device='auto' or 'cuda'."
        )
    return resolved
