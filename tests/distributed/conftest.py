"""Launching scripts the way users do: alone, under torchrun, on two "nodes"."""

import json
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

HERE = Path(__file__).parent
TIMEOUT = 900


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def torchrun(*arguments):
    """The ``torchrun`` of this interpreter, with ``arguments``."""
    return [sys.executable, "-m", "torch.distributed.run", *map(str, arguments)]


def run(command, *, check=True, env=None):
    """Run ``command``; return the finished process (output captured)."""
    environment = {**os.environ, "OMP_NUM_THREADS": "1", **(env or {})}
    process = subprocess.run(
        command, capture_output=True, text=True, timeout=TIMEOUT, env=environment
    )
    if check and process.returncode:
        pytest.fail(
            f"{' '.join(command)} exited with {process.returncode}:\n"
            f"{process.stdout[-3000:]}\n{process.stderr[-6000:]}"
        )
    return process


def two_nodes(script_arguments):
    """Run a script as two one-process "nodes" meeting on 127.0.0.1."""
    endpoint = f"127.0.0.1:{free_port()}"
    commands = [
        torchrun(
            "--nnodes=2", f"--node_rank={node}", "--nproc_per_node=1",
            "--rdzv-backend=c10d", f"--rdzv-endpoint={endpoint}", "--rdzv-id=neurost-test",
            *script_arguments,
        )
        for node in (0, 1)
    ]
    environment = {**os.environ, "OMP_NUM_THREADS": "1"}
    # Each node writes to a file of its own, not a pipe: a pipe that no one
    # reads while the other node is waited for can fill and stall its writer.
    logs = [tempfile.TemporaryFile(mode="w+") for _ in commands]
    nodes = [
        subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, text=True,
                         env=environment)
        for command, log in zip(commands, logs)
    ]
    for node, log in zip(nodes, logs):
        node.wait(timeout=TIMEOUT)
        log.seek(0)
        output = log.read()
        log.close()
        if node.returncode:
            pytest.fail(f"a node exited with {node.returncode}:\n{output[-6000:]}")


def read_ranks(folder, n_ranks):
    return [json.loads((folder / f"rank-{rank}.json").read_text()) for rank in range(n_ranks)]


class Launch:
    """The helpers above, for the tests (a conftest is not importable)."""

    here = HERE
    run = staticmethod(run)
    torchrun = staticmethod(torchrun)
    two_nodes = staticmethod(two_nodes)
    read_ranks = staticmethod(read_ranks)


@pytest.fixture(scope="session")
def launch():
    return Launch
