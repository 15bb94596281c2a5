"""Packages whose names are imported from their modules on first use."""

import importlib
import sys


def lazy_attributes(package, modules):
    """Return ``__getattr__`` and ``__dir__`` for a package of lazy names.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    modules : dict of str to str
        For each public name, the module of ``package`` that defines it.

    Returns
    -------
    __getattr__, __dir__ : callable
        To assign at the package's top level. A name is imported on first
        use and kept in the package's namespace; ``__dir__`` lists the
        package's ``__all__``.
    """

    def __getattr__(name):
        if name in modules:
            value = getattr(importlib.import_module(f"{package}.{modules[name]}"), name)
            setattr(sys.modules[package], name, value)
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__():
        return list(sys.modules[package].__all__)

    return __getattr__, __dir__
