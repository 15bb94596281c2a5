"""Fixtures shared by the neurost.io tests: real runs and standard meshes."""

import importlib.util
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def nitime_run():
    """nitime's example fMRI run: 10 x 10 x 18 voxels, 40 frames, TR 1.35 s."""
    spec = importlib.util.find_spec("nitime")
    return Path(spec.origin).parent / "data" / "fmri1.nii.gz"


@pytest.fixture(scope="session")
def fslr_mesh():
    from neurost.io.meshes import load_surface_mesh

    return load_surface_mesh("fsLR32k", "midthickness")


@pytest.fixture(scope="session")
def fsaverage5_mesh():
    from neurost.io.meshes import load_surface_mesh

    return load_surface_mesh("fsaverage5", "pial")
