"""load_fmriprep: a table of the runs of fMRIPrep derivatives."""

import json
import shutil
import warnings

import nibabel as nib
import numpy as np
import pandas as pd
import pytest

from neurost.datasets.derivatives import make_fmriprep_derivatives
from neurost.io import load_bold
from neurost.io.fmriprep import load_fmriprep

SPACE = "MNI152NLin2009cAsym"


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """3 subjects x 2 sessions x 2 tasks x 2 runs, volumes and fsaverage5."""
    return make_fmriprep_derivatives(
        tmp_path_factory.mktemp("study") / "ds", n_subjects=3, sessions=("1", "2"),
        tasks=("rest", "nback"), n_runs=2, n_frames=40, resolution=8.0, surfaces=True,
        random_state=0,
    )


@pytest.fixture
def copy(study, tmp_path):
    """A copy of the study that a test may damage; returns its derivatives folder."""
    shutil.copytree(study.root, tmp_path / "ds")
    return tmp_path / "ds" / "derivatives" / "fmriprep"


def _quiet_load(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return load_fmriprep(*args, **kwargs)


def test_one_row_per_volume_run_with_entities_paths_and_timing(study):
    table = load_fmriprep(study.path)
    assert len(table) == 3 * 2 * 2 * 2
    assert table["key"].is_unique and table["key"].is_monotonic_increasing
    first = table.iloc[0]
    assert first["key"] == "sub-01_ses-1_task-nback_run-1"
    assert (first["subject"], first["session"], first["task"], first["run"]) == (
        "01", "1", "nback", "1")
    assert first["space"] == SPACE and first["res"] == "8"
    assert first["path"].endswith(
        f"sub-01/ses-1/func/sub-01_ses-1_task-nback_run-1_space-{SPACE}_res-8_desc-preproc_bold.nii.gz")
    assert first["mask"].endswith("_res-8_desc-brain_mask.nii.gz")
    assert set(table["t_r"]) == {2.0} and set(table["n_frames"]) == {40}
    assert "den" not in table.columns and "hemi" not in table.columns


def test_participants_are_joined_by_subject(study):
    table = load_fmriprep(study.path)
    truth = study.participants.set_index("participant_id")
    for _, row in table.iterrows():
        assert row["sex"] == truth.loc[f"sub-{row['subject']}", "sex"]
        assert row["age"] == truth.loc[f"sub-{row['subject']}", "age"]
    assert "participant_id" not in table.columns


def test_filters_select_labels_and_numbers_match_padded_labels(study):
    table = load_fmriprep(study.path, task="rest", session=2, run=[1], subjects=["sub-02", "03"])
    assert table["key"].tolist() == ["sub-02_ses-2_task-rest_run-1", "sub-03_ses-2_task-rest_run-1"]


def test_surface_runs_pair_their_hemispheres(study):
    table = load_fmriprep(study.path, space="fsaverage5", task="rest", session="1", run=1)
    assert len(table) == 3 and table["mask"].isna().all()
    left, right = table.iloc[0]["path"]
    assert "_hemi-L_space-fsaverage5_bold.func.gii" in left
    assert "_hemi-R_space-fsaverage5_bold.func.gii" in right
    run = load_bold(table.iloc[0]["path"])
    assert run.shape == (2 * 10242, 40)
    assert table.iloc[0]["t_r"] == 2.0


def test_confound_strategies_come_from_nilearn(study):
    from nilearn.interfaces.fmriprep import load_confounds_strategy

    table = _quiet_load(study.path, task="rest", session="1", confounds="scrubbing")
    expected, mask = load_confounds_strategy(table.iloc[0]["path"], "scrubbing")
    pd.testing.assert_frame_equal(table.iloc[0]["confounds"], expected)
    np.testing.assert_array_equal(table.iloc[0]["sample_mask"], mask)
    # The simulated head jumps are scrubbed, and so is the non-steady first frame.
    assert 0 not in table.iloc[0]["sample_mask"]
    assert len(table.iloc[0]["sample_mask"]) < 40


def test_confounds_as_load_confounds_arguments(study):
    table = load_fmriprep(study.path, task="rest", session="1", run=1,
                          confounds={"strategy": ["motion"], "motion": "basic"})
    frame = table.iloc[0]["confounds"]
    assert sorted(frame.columns) == sorted(
        ["trans_x", "trans_y", "trans_z", "rot_x", "rot_y", "rot_z"])
    assert frame.shape == (40, 6)


def test_compcor_reads_the_confounds_metadata(study):
    table = _quiet_load(study.path, task="rest", session="1", run=1, confounds="compcor")
    columns = table.iloc[0]["confounds"].columns
    assert [c for c in columns if "comp_cor" in c] == [f"a_comp_cor_{i:02d}" for i in range(5)]


def test_the_table_is_a_run_list(study):
    from neurost.io import load_run_list

    table = load_fmriprep(study.path, task="rest")
    runs = load_run_list(table)
    assert list(runs) == table["key"].tolist()


def test_a_raw_dataset_points_to_its_derivatives(study):
    with pytest.raises(ValueError, match=r"not BIDS derivatives.*\['fmriprep'\]"):
        load_fmriprep(study.root)


def test_no_match_lists_what_exists(study):
    with pytest.raises(ValueError, match=r"'task': \['motor'\].*'task': \['nback', 'rest'\]"):
        load_fmriprep(study.path, task="motor")


def test_mixed_spaces_are_refused(study):
    with pytest.raises(ValueError, match="several spaces.*fsaverage5"):
        load_fmriprep(study.path, space=None)


def test_a_missing_participant_is_named(copy):
    table = pd.read_csv(copy.parents[1] / "participants.tsv", sep="\t")
    table.iloc[1:].to_csv(copy.parents[1] / "participants.tsv", sep="\t", index=False)
    with pytest.raises(ValueError, match="subject '01' has runs but is missing"):
        load_fmriprep(copy)


def test_sidecar_and_header_repetition_times_must_agree(copy):
    sidecar = next(copy.glob(f"sub-02/ses-1/func/*task-rest_run-1_space-{SPACE}*_bold.json"))
    sidecar.write_text(json.dumps({"RepetitionTime": 2.5}))
    with pytest.raises(ValueError, match=r"RepetitionTime 2.5 s and its header 2 s"):
        load_fmriprep(copy)


def test_the_sidecar_gives_the_time_when_the_header_has_none(copy):
    bold = next(copy.glob(f"sub-01/ses-1/func/*task-rest_run-1_space-{SPACE}*_bold.nii.gz"))
    image = nib.load(bold)
    image.header.set_xyzt_units(t="unknown")
    image.header.set_zooms(image.header.get_zooms()[:3] + (0.0,))
    nib.save(nib.Nifti1Image(np.asarray(image.dataobj), image.affine, image.header), bold)
    table = load_fmriprep(copy, task="rest", session="1", run=1)
    assert table.iloc[0]["t_r"] == 2.0


def test_a_lone_hemisphere_is_refused(copy):
    next(copy.glob("sub-01/ses-1/func/*task-rest_run-1_hemi-R_*.func.gii")).unlink()
    with pytest.raises(ValueError, match="no hemi-R GIfTI file"):
        load_fmriprep(copy, space="fsaverage5")


def test_a_participants_table_can_be_given(study):
    participants = pd.DataFrame({"participant_id": ["sub-01", "sub-02", "sub-03"],
                                 "group": ["a", "b", "a"]})
    table = load_fmriprep(study.path, task="rest", participants=participants)
    assert "sex" not in table.columns
    assert table.groupby("subject")["group"].first().tolist() == ["a", "b", "a"]


def _to_own_space(derivatives, remove_others):
    """Rename the volume runs' files as fMRIPrep >= 23.1 names runs in their own space."""
    for path in list(derivatives.glob(f"sub-*/ses-*/func/*_space-{SPACE}_res-8_*")):
        target = path.with_name(path.name.replace(f"_space-{SPACE}_res-8", ""))
        if remove_others:
            path.rename(target)
        else:
            shutil.copy(path, target)
    if remove_others:
        for path in derivatives.glob("sub-*/ses-*/func/*_hemi-*"):
            path.unlink()


def test_runs_in_their_own_space_have_no_space_label(copy):
    _to_own_space(copy, remove_others=True)
    table = load_fmriprep(copy, space=None, task="rest", session="1", run=1)
    assert len(table) == 3 and table["space"].isna().all()
    assert table.iloc[0]["path"].endswith("sub-01_ses-1_task-rest_run-1_desc-preproc_bold.nii.gz")
    assert table.iloc[0]["mask"].endswith("sub-01_ses-1_task-rest_run-1_desc-brain_mask.nii.gz")
    with pytest.raises(ValueError, match="space"):
        load_fmriprep(copy)


def test_own_space_and_template_runs_are_not_mixed(copy):
    _to_own_space(copy, remove_others=False)
    with pytest.raises(ValueError, match="several spaces.*own space"):
        load_fmriprep(copy, space=None)


def test_a_strategy_with_its_own_arguments(study):
    table = _quiet_load(study.path, task="rest", session="1", run=1,
                        confounds={"denoise_strategy": "simple", "motion": "basic"})
    columns = table.iloc[0]["confounds"].columns
    assert "trans_x" in columns and "trans_x_power2" not in columns


def test_cifti_runs_of_fslr(copy):
    from nibabel import cifti2

    models = (cifti2.BrainModelAxis.from_surface(np.arange(0, 32492, 7), 32492, "CortexLeft")
              + cifti2.BrainModelAxis.from_surface(np.arange(3, 32492, 5), 32492, "CortexRight"))
    for bold in copy.glob(f"sub-*/ses-*/func/*task-rest_run-1_space-{SPACE}_res-8_desc-preproc_bold.nii.gz"):
        stem = bold.name.split(f"_space-{SPACE}")[0]
        series = cifti2.SeriesAxis(start=0, step=2.0, size=40, unit="second")
        data = np.zeros((40, len(models)), dtype=np.float32)
        nib.save(cifti2.Cifti2Image(data, header=(series, models)),
                 bold.with_name(f"{stem}_space-fsLR_den-91k_bold.dtseries.nii"))
        bold.with_name(f"{stem}_space-fsLR_den-91k_bold.json").write_text(
            json.dumps({"RepetitionTime": 2.0}))
    table = load_fmriprep(copy, space="fsLR")
    assert len(table) == 3 * 2 and set(table["den"]) == {"91k"}
    assert table.iloc[0]["path"].endswith("sub-01_ses-1_task-rest_run-1_space-fsLR_den-91k_bold.dtseries.nii")
    assert set(table["n_frames"]) == {40} and set(table["t_r"]) == {2.0}
