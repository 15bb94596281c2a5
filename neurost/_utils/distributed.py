"""Runs spread over several processes by a launcher (``torchrun``, ``accelerate launch``).

neurost starts no process of its own: a launcher starts the same script
once per rank and sets the environment of ``torch.distributed``
(``WORLD_SIZE``, ``RANK``, ``LOCAL_RANK``, ``MASTER_ADDR``,
``MASTER_PORT``). Hugging Face ``accelerate`` reads it and joins the
processes into one group (NCCL on GPUs, gloo on CPUs); the helpers here
only ask it who this process is.
"""

import itertools
import os
from datetime import timedelta

#: How long a rank waits for the others' records before giving up.
STORE_TIMEOUT = timedelta(minutes=30)

_fits = itertools.count()


def world_size():
    """Number of processes of the launch (1 without a launcher)."""
    try:
        return max(1, int(os.environ.get("WORLD_SIZE", "1")))
    except ValueError:
        raise ValueError(
            f"The environment variable WORLD_SIZE={os.environ['WORLD_SIZE']!r} is not "
            "an integer; it is set by launchers such as torchrun."
        ) from None


def launched():
    """Whether this process is one of several started by a launcher."""
    return world_size() > 1


def process_state():
    """The ``accelerate.PartialState`` of this process.

    Under a launcher, the first call joins the process group: NCCL when a
    GPU is visible, else gloo (accelerate ignores the launch on a machine
    without a GPU unless told to use the CPU).
    """
    import torch
    from accelerate import PartialState

    if launched():
        missing = [name for name in ("MASTER_ADDR", "MASTER_PORT") if not os.environ.get(name)]
        if missing:
            raise ValueError(
                f"WORLD_SIZE={world_size()} is set but {' and '.join(missing)} "
                f"{'is' if len(missing) == 1 else 'are'} not: start the processes with a "
                "launcher such as torchrun or accelerate launch, which sets them."
            )
    return PartialState(cpu=not torch.cuda.is_available())


def rank():
    """Global rank of this process: 0 to ``world_size() - 1`` (0 without a launcher)."""
    if not launched():
        return 0
    try:
        return int(os.environ["RANK"])
    except (KeyError, ValueError):
        raise ValueError(
            f"WORLD_SIZE={world_size()} is set but RANK is {os.environ.get('RANK')!r}; "
            "start the processes with a launcher such as torchrun, which sets both."
        ) from None


def local_rank():
    """Rank of this process on its machine (``LOCAL_RANK``; 0 without a launcher)."""
    if not launched():
        return 0
    try:
        return int(os.environ.get("LOCAL_RANK", "0"))
    except ValueError:
        raise ValueError(
            f"LOCAL_RANK={os.environ['LOCAL_RANK']!r} is not an integer; it is set by "
            "launchers such as torchrun."
        ) from None


def is_main_process():
    """Whether this process is rank 0, the one that writes files and shows progress."""
    return rank() == 0


def broadcast(value):
    """``value`` of rank 0, on every rank (a picklable object).

    Without a launcher, ``value`` is returned as it is.
    """
    if not launched():
        return value
    from accelerate.utils import broadcast_object_list

    process_state()
    return broadcast_object_list([value], from_process=0)[0]


def history_store():
    """A key-value store shared by the ranks, private to one training.

    The store of the launch (served at ``MASTER_ADDR:MASTER_PORT`` by
    torchrun's agent, or by rank 0), under a prefix that numbers the
    trainings of this script: every rank runs the same trainings in the
    same order, so that the n-th training of every rank gets the same
    prefix, and no training reads another's records.

    Returns
    -------
    torch.distributed.PrefixStore
    """
    import torch.distributed as dist

    store = dist.TCPStore(
        os.environ["MASTER_ADDR"],
        int(os.environ["MASTER_PORT"]),
        is_master=False,
        timeout=STORE_TIMEOUT,
    )
    return dist.PrefixStore(f"neurost/training-{next(_fits)}/", store)
