"""Safe file writing: nothing neurost writes can leave a user's file corrupt."""

import contextlib
import glob
import os
import re
import secrets
import shutil
import socket
from pathlib import Path

# Temporary files carry the writer's host and process id, so that a later
# write can tell the debris of a dead writer from the file of a live one.
_HOST = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname()) or "host"


@contextlib.contextmanager
def atomic_write(path, overwrite=False):
    """Write a file under a temporary name and move it into place at the end.

    The temporary file lives in the destination directory, so the final
    :func:`os.replace` is atomic: readers see either the old file or the
    complete new one, never a partial write. If the body raises, the
    temporary file is removed and the destination is untouched. The new
    file gets the permissions of any new file (the umask applies), or keeps
    those of the file it replaces.

    A writer killed outright (SIGKILL, power loss) cannot remove its
    temporary file; the next write to the same ``path`` removes the
    temporary files of that path whose writer, a process of this machine,
    no longer runs. Those of live writers are left alone.

    Parameters
    ----------
    path : str or os.PathLike
        Destination file.
    overwrite : bool, default=False
        Whether an existing ``path`` may be replaced.

    Yields
    ------
    pathlib.Path
        The temporary path to write to, named
        ``.<name>.<host>.<pid>.<random>.tmp``.

    Raises
    ------
    FileExistsError
        If ``path`` exists and ``overwrite`` is False.
    """
    path = Path(path).expanduser()
    if path.is_dir():
        raise IsADirectoryError(f"path: '{path}' is a directory; expected a file name.")
    if path.exists() and not overwrite:
        raise FileExistsError(
            f"path: '{path}' already exists; pass overwrite=True to replace it."
        )
    if not path.parent.is_dir():
        raise FileNotFoundError(f"path: directory '{path.parent}' does not exist.")
    remove_stale_temporaries(path)
    temporary = path.with_name(
        f".{path.name}.{_HOST}.{os.getpid()}.{secrets.token_hex(6)}.tmp"
    )
    # os.open honours the umask, so the file gets the permissions of any
    # file the user creates (tempfile.mkstemp would make it private).
    os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        yield temporary
        if path.exists():
            shutil.copymode(path, temporary)
        # On disk before the rename, and the rename itself, so that a power
        # loss leaves the old file or the new one.
        _fsync(temporary)
        os.replace(temporary, path)
        _fsync(path.parent)
    finally:
        temporary.unlink(missing_ok=True)


def _fsync(path):
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def remove_stale_temporaries(path):
    """Remove the temporary files of ``path`` left by dead writers of this machine.

    Parameters
    ----------
    path : pathlib.Path
        A destination of :func:`atomic_write`.

    Returns
    -------
    list of pathlib.Path
        The files removed.
    """
    pattern = re.compile(
        rf"^\.{re.escape(path.name)}\.{re.escape(_HOST)}\.(\d+)\.[0-9a-f]{{12}}\.tmp$"
    )
    removed = []
    for candidate in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        match = pattern.match(candidate.name)
        if match and not _is_running(int(match.group(1))):
            candidate.unlink(missing_ok=True)
            removed.append(candidate)
    return removed


def _is_running(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # a live process of another user
        return True
    return True
