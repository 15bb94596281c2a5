"""Safe file writing: nothing neurost writes can leave a user's file corrupt."""

import contextlib
import os
import tempfile
from pathlib import Path


@contextlib.contextmanager
def atomic_write(path, overwrite=False):
    """Write a file under a temporary name and move it into place at the end.

    The temporary file lives in the destination directory, so the final
    :func:`os.replace` is atomic: readers see either the old file or the
    complete new one, never a partial write. If the body raises, the
    temporary file is removed and the destination is untouched.

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
    if path.exists() and not overwrite:
        raise FileExistsError(
            f"path: '{path}' already exists; pass overwrite=True to replace it."
        )
    if not path.parent.is_dir():
        raise FileNotFoundError(f"path: directory '{path.parent}' does not exist.")
    handle, temporary = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
    )
    os.close(handle)
    temporary = Path(temporary)
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
