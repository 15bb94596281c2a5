"""Bad-input battery of fMRIPrep derivatives: load_fmriprep, denoise, the simulated study."""

import atexit
import functools
import json
import shutil
import tempfile
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest

from neurost.datasets import make_fmriprep_derivatives
from neurost.io import SurfaceData, denoise, load_fmriprep


@functools.cache
def _folder():
    folder = Path(tempfile.mkdtemp(prefix="neurost-bad-fmriprep-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


@functools.cache
def _study():
    return make_fmriprep_derivatives(_folder() / "study", n_subjects=2, n_frames=10,
                                     resolution=8.0, random_state=0).path


@functools.cache
def _damaged(damage):
    """A copy of the study's derivatives with one defect."""
    root = _folder() / damage
    shutil.copytree(_study().parents[1], root)
    derivatives = root / "derivatives" / "fmriprep"
    if damage == "no-description":
        (derivatives / "dataset_description.json").unlink()
    elif damage == "bad-description":
        (derivatives / "dataset_description.json").write_text("{not json")
    elif damage == "no-sidecar":
        next(derivatives.glob("sub-01/func/*_bold.json")).unlink()
    elif damage == "bad-sidecar-t_r":
        next(derivatives.glob("sub-01/func/*_bold.json")).write_text(
            json.dumps({"RepetitionTime": "2s"}))
    elif damage == "sidecar-list":
        next(derivatives.glob("sub-01/func/*_bold.json")).write_text("[2.0]")
    elif damage == "description-list":
        (derivatives / "dataset_description.json").write_text("[]")
    elif damage == "no-participant-id":
        (root / "participants.tsv").write_text("subject\tsex\nsub-01\tF\nsub-02\tM\n")
    elif damage == "participant-extra-field":
        (root / "participants.tsv").write_text("participant_id\tsex\nsub-01\tF\textra\nsub-02\tM\n")
    elif damage == "repeated-participant":
        (root / "participants.tsv").write_text("participant_id\nsub-01\nsub-01\nsub-02\n")
    elif damage == "empty":
        for subject in derivatives.glob("sub-*"):
            shutil.rmtree(subject)
    return derivatives


@functools.cache
def _run():
    data = np.random.default_rng(0).normal(size=(3, 3, 3, 12)).astype(np.float32)
    return nib.Nifti1Image(data, np.eye(4))


CASES = [
    # load_fmriprep: the folder
    pytest.param(lambda: load_fmriprep(3), TypeError, "path", id="fmriprep-path-int"),
    pytest.param(lambda: load_fmriprep(_folder() / "nowhere"), FileNotFoundError, "path", id="fmriprep-path-missing"),
    pytest.param(lambda: load_fmriprep(_study() / "dataset_description.json"), ValueError, "path", id="fmriprep-path-file"),
    pytest.param(lambda: load_fmriprep(_damaged("no-description")), ValueError, "dataset_description.json", id="fmriprep-no-description"),
    pytest.param(lambda: load_fmriprep(_damaged("bad-description")), ValueError, "dataset_description.json", id="fmriprep-bad-description"),
    pytest.param(lambda: load_fmriprep(_study().parents[1]), ValueError, "derivatives", id="fmriprep-raw-dataset"),
    pytest.param(lambda: load_fmriprep(_damaged("empty")), ValueError, "BOLD", id="fmriprep-no-run"),
    # load_fmriprep: the filters
    pytest.param(lambda: load_fmriprep(_study(), task="motor"), ValueError, "task", id="fmriprep-task-unknown"),
    pytest.param(lambda: load_fmriprep(_study(), subjects=["07"]), ValueError, "subjects", id="fmriprep-subject-unknown"),
    pytest.param(lambda: load_fmriprep(_study(), space="MNI152NLin6Asym"), ValueError, "space", id="fmriprep-space-unknown"),
    pytest.param(lambda: load_fmriprep(_study(), res=2), ValueError, "res", id="fmriprep-res-unknown"),
    pytest.param(lambda: load_fmriprep(_study(), session=1.5), TypeError, "session", id="fmriprep-session-float"),
    pytest.param(lambda: load_fmriprep(_study(), run=[]), TypeError, "run", id="fmriprep-run-empty"),
    pytest.param(lambda: load_fmriprep(_study(), subjects=[True]), TypeError, "subjects", id="fmriprep-subjects-bool"),
    # load_fmriprep: sidecars and participants
    pytest.param(lambda: load_fmriprep(_damaged("no-sidecar")), FileNotFoundError, "sidecar", id="fmriprep-no-sidecar"),
    pytest.param(lambda: load_fmriprep(_damaged("bad-sidecar-t_r")), ValueError, "RepetitionTime", id="fmriprep-sidecar-t_r-text"),
    pytest.param(lambda: load_fmriprep(_damaged("sidecar-list")), ValueError, "sidecar", id="fmriprep-sidecar-list"),
    pytest.param(lambda: load_fmriprep(_damaged("description-list")), ValueError, "path", id="fmriprep-description-list"),
    pytest.param(lambda: load_fmriprep(_study(), confounds={"denoise_strategy": "simple", "motions": 1}), ValueError, "confounds", id="fmriprep-strategy-argument"),
    pytest.param(lambda: load_fmriprep(_damaged("no-participant-id")), ValueError, "participant_id", id="fmriprep-participants-no-id"),
    pytest.param(lambda: load_fmriprep(_damaged("participant-extra-field")), ValueError, "participants", id="fmriprep-participants-extra-field"),
    pytest.param(lambda: load_fmriprep(_damaged("repeated-participant")), ValueError, "participants", id="fmriprep-participants-repeated"),
    pytest.param(lambda: load_fmriprep(_study(), participants=3), TypeError, "participants", id="fmriprep-participants-int"),
    pytest.param(lambda: load_fmriprep(_study(), participants=_folder() / "p.tsv"), FileNotFoundError, "participants", id="fmriprep-participants-missing"),
    # load_fmriprep: confounds
    pytest.param(lambda: load_fmriprep(_study(), confounds="aggressive"), ValueError, "confounds", id="fmriprep-confounds-unknown"),
    pytest.param(lambda: load_fmriprep(_study(), confounds={"motions": "basic"}), ValueError, "confounds", id="fmriprep-confounds-argument"),
    pytest.param(lambda: load_fmriprep(_study(), confounds=["motion"]), TypeError, "confounds", id="fmriprep-confounds-list"),
    pytest.param(lambda: load_fmriprep(_study(), confounds="ica_aroma"), ValueError, "confounds", id="fmriprep-confounds-no-aroma"),
    # denoise
    pytest.param(lambda: denoise(_run(), np.ones((11, 2))), ValueError, "confounds", id="denoise-confounds-rows"),
    pytest.param(lambda: denoise(_run(), np.full((12, 2), np.nan)), ValueError, "confounds", id="denoise-confounds-nan"),
    pytest.param(lambda: denoise(_run(), np.array([["a"] * 2] * 12)), TypeError, "confounds", id="denoise-confounds-text"),
    pytest.param(lambda: denoise(_run(), sample_mask=[0, 12]), ValueError, "sample_mask", id="denoise-mask-out-of-range"),
    pytest.param(lambda: denoise(_run(), sample_mask=[1, 1, 2]), ValueError, "sample_mask", id="denoise-mask-repeats"),
    pytest.param(lambda: denoise(_run(), sample_mask=np.ones(5, dtype=bool)), ValueError, "sample_mask", id="denoise-mask-length"),
    pytest.param(lambda: denoise(_run(), sample_mask=[3]), ValueError, "sample_mask", id="denoise-mask-one-frame"),
    pytest.param(lambda: denoise(_run(), sample_mask=[0.5, 1.5]), TypeError, "sample_mask", id="denoise-mask-float"),
    pytest.param(lambda: denoise(_run(), mask_img=nib.Nifti1Image(np.ones((2, 3, 3)), np.eye(4))), ValueError, "mask_img", id="denoise-mask-grid"),
    pytest.param(lambda: denoise(_run(), mask_img=nib.Nifti1Image(np.zeros((3, 3, 3)), np.eye(4))), ValueError, "mask_img", id="denoise-mask-empty"),
    pytest.param(lambda: denoise(_run(), mask_img=nib.Nifti1Image(np.ones((3, 3, 3, 2)), np.eye(4))), ValueError, "mask_img", id="denoise-mask-4d"),
    pytest.param(lambda: denoise(_run(), mask_img=nib.Nifti1Image(np.ones((3, 3, 3)), 2 * np.eye(4))), ValueError, "mask_img", id="denoise-mask-affine"),
    pytest.param(lambda: denoise(_run(), mask_img=np.ones((3, 3, 3))), TypeError, "mask_img", id="denoise-mask-array"),
    pytest.param(lambda: denoise(_run(), mask_img="mask.txt"), FileNotFoundError, "mask_img", id="denoise-mask-missing"),
    pytest.param(lambda: denoise(_run(), detrend=True, sample_mask=[0, 1, 2]), ValueError, "sample_mask", id="denoise-detrend-three-frames"),
    pytest.param(lambda: denoise(_run(), standardize="psc"), ValueError, "standardize", id="denoise-standardize"),
    pytest.param(lambda: denoise(_run(), detrend="yes"), TypeError, "detrend", id="denoise-detrend-text"),
    pytest.param(lambda: denoise(_run(), chunk_size=0), ValueError, "chunk_size", id="denoise-chunk-zero"),
    pytest.param(lambda: denoise(nib.Nifti1Image(np.ones((3, 3, 3)), np.eye(4))), ValueError, "img", id="denoise-3d"),
    pytest.param(lambda: denoise(SurfaceData(left=np.ones((5, 12)), t_r=2.0)), ValueError, "img", id="denoise-surface"),
    # make_fmriprep_derivatives
    pytest.param(lambda: make_fmriprep_derivatives(_study(), n_subjects=2), FileExistsError, "output_dir", id="derivatives-not-empty"),
    pytest.param(lambda: make_fmriprep_derivatives(_folder() / "a", n_subjects=1), ValueError, "n_subjects", id="derivatives-one-subject"),
    pytest.param(lambda: make_fmriprep_derivatives(_folder() / "b", n_frames=4), ValueError, "n_frames", id="derivatives-few-frames"),
    pytest.param(lambda: make_fmriprep_derivatives(_folder() / "c", tasks="rest"), TypeError, "tasks", id="derivatives-tasks-str"),
    pytest.param(lambda: make_fmriprep_derivatives(_folder() / "d", sessions=("1", None)), ValueError, "sessions", id="derivatives-sessions-mixed"),
    pytest.param(lambda: make_fmriprep_derivatives(_folder() / "e", tasks=("re st",)), ValueError, "tasks", id="derivatives-task-label"),
    pytest.param(lambda: make_fmriprep_derivatives(_folder() / "f", motion=-1), ValueError, "motion", id="derivatives-motion-negative"),
]


@pytest.mark.parametrize("call, expected, fragment", CASES)
def test_bad_input(call, expected, fragment, check_row):
    check_row(call, expected, fragment)
