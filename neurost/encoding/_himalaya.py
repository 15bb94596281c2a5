"""Choosing himalaya's backend for one computation, then putting it back."""

import contextlib

from .._utils.validation import check_choice

BACKENDS = ("auto", "numpy", "torch", "torch_cuda")


def resolve_backend(backend):
    """Return the himalaya backend name for ``backend``.

    ``"auto"`` is ``"torch_cuda"`` when a CUDA device is present, else
    ``"numpy"``.

    Raises
    ------
    ValueError
        If ``backend`` is not one of ``BACKENDS``, or is ``"torch_cuda"``
        with no CUDA device.
    """
    check_choice(backend, "backend", BACKENDS)
    if backend in ("numpy", "torch"):
        return backend
    import torch

    if torch.cuda.is_available():
        return "torch_cuda"
    if backend == "torch_cuda":
        raise ValueError(
            "backend='torch_cuda' needs a CUDA GPU, and torch finds none; "
            "use backend='auto' (the GPU when present) or 'numpy'."
        )
    return "numpy"


@contextlib.contextmanager
def himalaya_backend(backend):
    """Use ``backend`` inside the block; yield the himalaya backend module.

    himalaya keeps its backend in a global; the caller's choice is restored
    on exit.
    """
    from himalaya.backend import get_backend, set_backend

    previous = get_backend()
    try:
        yield set_backend(resolve_backend(backend), on_error="raise")
    finally:
        set_backend(previous, on_error="raise")
