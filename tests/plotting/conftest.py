"""Plotting tests draw off-screen and close their figures."""

import functools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from neurost.atlases import load_atlas  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="session")
def atlas():
    """A cached loader of the registry's atlases."""
    return functools.lru_cache(maxsize=None)(load_atlas)


@pytest.fixture(scope="session")
def assert_saved():
    """A check that every path holds a real, non-empty PNG or PDF file."""

    def check(paths):
        signatures = {".png": b"\x89PNG", ".pdf": b"%PDF"}
        for path in paths:
            assert path.stat().st_size > 1000, path
            assert path.read_bytes()[:4] == signatures[path.suffix], path

    return check
