"""Safe file writing: nothing neurost writes can leave a user's file corrupt."""

import contextlib
import os
import secrets
import shutil
from pathlib import Path


@contextlib.contextmanager
def atomic_write(path, overwrite=False):
    """Write a file under a temporary name and move it into place at the end.

    The temporary file lives in the destination directory, so the final
    :func:`os.replace` is atomic: readers see either the old file or the
    complete new one, never a partial write. If the body raises, the
    temporary file is removed and the destination is untouched. The new
    file gets the permissions of any new file (the umask applies), or keeps
    those of the file it replaces.

    Parameters
    ----------
    path : str or os.PathLike
        Destination file.
    overwrite : bool, default=False
        Whether an existing ``path`` may be replaced.

    Yields
    ------
    pathlib.Path
        The temporary path to write to.

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
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    # os.open honours the umask, so the file gets the permissions of any
    # file the user creates (tempfile.mkstemp would make it private).
    os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        yield temporary
        if path.exists():
            shutil.copymode(path, temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
