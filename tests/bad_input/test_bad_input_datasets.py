"""Bad-input battery of neurost.datasets: wrong calls a careful user might make."""

import functools
from pathlib import Path

import numpy as np
import pytest

from neurost.datasets import (
    load_fsaverage5,
    load_fslr32k,
    load_mni152,
    load_natural_images,
    load_nitime_event_related,
    load_nitime_resting_state,
    load_nitime_runs,
    load_sample_video,
    load_surface_mesh,
    make_cohort,
    make_routing_dataset,
)

CASES = [
    # make_cohort
    pytest.param(lambda: make_cohort(n_subjects=1), ValueError, "n_subjects", id="cohort-one-subject"),
    pytest.param(lambda: make_cohort(n_subjects=0), ValueError, "n_subjects", id="cohort-no-subject"),
    pytest.param(lambda: make_cohort(n_subjects=2.5), ValueError, "n_subjects", id="cohort-subjects-float"),
    pytest.param(lambda: make_cohort(n_subjects="40"), ValueError, "n_subjects", id="cohort-subjects-text"),
    pytest.param(lambda: make_cohort(n_frames=0), ValueError, "n_frames", id="cohort-no-frame"),
    pytest.param(lambda: make_cohort(t_r=0), ValueError, "t_r", id="cohort-t_r-zero"),
    pytest.param(lambda: make_cohort(t_r="2"), ValueError, "t_r", id="cohort-t_r-text"),
    pytest.param(lambda: make_cohort(resolution=0.5), ValueError, "resolution", id="cohort-resolution-below-1"),
    pytest.param(lambda: make_cohort(resolution="4mm"), ValueError, "resolution", id="cohort-resolution-text"),
    pytest.param(lambda: make_cohort(effect_size=-1), ValueError, "effect_size", id="cohort-effect-negative"),
    pytest.param(lambda: make_cohort(noise=np.nan), ValueError, "noise", id="cohort-noise-nan"),
    pytest.param(lambda: make_cohort(noise=np.inf), ValueError, "noise", id="cohort-noise-inf"),
    pytest.param(lambda: make_cohort(random_state="seed"), ValueError, "random_state", id="cohort-seed-text"),
    pytest.param(lambda: make_cohort(random_state=1.5), ValueError, "random_state", id="cohort-seed-float"),
    pytest.param(lambda: make_cohort(random_state=-1), ValueError, "random_state", id="cohort-seed-negative"),
    pytest.param(lambda: make_cohort(random_state=np.random.default_rng(0)), TypeError, "random_state", id="cohort-seed-generator"),
    pytest.param(lambda: make_cohort(output_dir=3), TypeError, "output_dir", id="cohort-output-dir-int"),
    # make_routing_dataset
    pytest.param(lambda: make_routing_dataset(n_images=0), ValueError, "n_images", id="routing-no-image"),
    pytest.param(lambda: make_routing_dataset(image_size=8, grid=(2, 2)), ValueError, "image_size", id="routing-image-too-small"),
    pytest.param(lambda: make_routing_dataset(image_size=100), ValueError, "grid", id="routing-grid-not-dividing"),
    pytest.param(lambda: make_routing_dataset(grid=14), ValueError, "grid", id="routing-grid-int"),
    pytest.param(lambda: make_routing_dataset(grid=(0, 14)), ValueError, "grid", id="routing-grid-zero"),
    pytest.param(lambda: make_routing_dataset(n_channels=0), ValueError, "n_channels", id="routing-no-channel"),
    pytest.param(lambda: make_routing_dataset(n_vertices_per_roi=0), ValueError, "n_vertices_per_roi", id="routing-no-vertex"),
    pytest.param(lambda: make_routing_dataset(n_repeats=0), ValueError, "n_repeats", id="routing-no-repeat"),
    pytest.param(lambda: make_routing_dataset(noise=-0.5), ValueError, "noise", id="routing-noise-negative"),
    pytest.param(lambda: make_routing_dataset(noise="high"), ValueError, "noise", id="routing-noise-text"),
    pytest.param(lambda: make_routing_dataset(random_state="x"), ValueError, "random_state", id="routing-seed-text"),
    pytest.param(lambda: make_routing_dataset(random_state=2**40), ValueError, "random_state", id="routing-seed-too-large"),
    # loaders of shipped data
    pytest.param(lambda: load_natural_images("astronaut"), TypeError, "names", id="images-string"),
    pytest.param(lambda: load_natural_images(["astronot"]), ValueError, "astronaut", id="images-typo-suggests"),
    pytest.param(lambda: load_natural_images([1]), TypeError, "names", id="images-int-name"),
    pytest.param(lambda: load_natural_images(3), TypeError, "names", id="images-int"),
    pytest.param(lambda: load_surface_mesh("fsaverage6", subjects_dir=Path(__file__).parent), FileNotFoundError, "space='fsaverage6'", id="mesh-unknown-space"),
    pytest.param(lambda: load_surface_mesh(None), TypeError, "space", id="mesh-space-none"),
    pytest.param(lambda: load_surface_mesh(kind="smooth"), ValueError, "kind", id="mesh-unknown-kind"),
    pytest.param(lambda: load_surface_mesh("fsaverage5", "midthickness"), ValueError, "kind", id="mesh-kind-of-other-space"),
    pytest.param(lambda: load_mni152(resolution=0), ValueError, "resolution", id="mni152-resolution-zero"),
    pytest.param(lambda: load_mni152(resolution=1.5), ValueError, "resolution", id="mni152-resolution-float"),
    pytest.param(lambda: load_mni152(resolution="2"), ValueError, "resolution", id="mni152-resolution-text"),
    pytest.param(lambda: load_fsaverage5(mesh="pial"), TypeError, "mesh", id="fsaverage5-no-options"),
    pytest.param(lambda: load_fslr32k("midthickness"), TypeError, "positional", id="fslr32k-no-options"),
    pytest.param(lambda: load_sample_video(fps=10), TypeError, "fps", id="video-no-options"),
    pytest.param(lambda: load_nitime_runs(2), TypeError, "positional", id="nitime-runs-no-options"),
    pytest.param(lambda: load_nitime_event_related(t_r=2.0), TypeError, "t_r", id="nitime-events-no-options"),
    pytest.param(lambda: load_nitime_resting_state(confounds=False), TypeError, "confounds", id="nitime-rest-no-options"),
]

FILE_CASES = [
    pytest.param(lambda tmp: make_cohort(output_dir=_file(tmp)), ValueError, "output_dir", id="cohort-output-dir-is-file"),
    pytest.param(lambda tmp: make_cohort(n_subjects=2, output_dir=_existing_run(tmp)), FileExistsError, "output_dir", id="cohort-output-dir-holds-runs"),
]


def _file(folder):
    path = folder / "runs"
    path.write_text("not a folder")
    return path


def _existing_run(folder):
    (folder / "sub-01_bold.nii.gz").write_bytes(b"a run of the user")
    return folder


@pytest.mark.parametrize("call, expected, fragment", CASES)
def test_bad_input(call, expected, fragment, check_row):
    check_row(call, expected, fragment)


@pytest.mark.parametrize("call, expected, fragment", FILE_CASES)
def test_bad_input_with_files(call, expected, fragment, check_row, tmp_path):
    check_row(functools.partial(call, tmp_path), expected, fragment)
    if expected is FileExistsError:
        assert (tmp_path / "sub-01_bold.nii.gz").read_bytes() == b"a run of the user"
