"""A simulated BIDS study with fMRIPrep derivatives, from the cohort simulator."""

import json
import os
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from .._utils.files import atomic_write
from .._utils.validation import check_positive_int, check_random_state, check_t_r, describe
from .cohort import (
    NETWORKS,
    _brain_mask,
    _check_number,
    _network_maps,
    _write_gzipped,
    simulate_run,
)

#: The output space of the simulated volume runs.
SPACE = "MNI152NLin2009cAsym"
_MOTION = ("trans_x", "trans_y", "trans_z", "rot_x", "rot_y", "rot_z")
_HIGH_PASS = 128.0  # s, fMRIPrep's cut-off of the cosine regressors
_HEAD_RADIUS = 50.0  # mm, turns rotations into displacements (Power et al. 2012)
_FD_THRESHOLD, _DVARS_THRESHOLD = 0.5, 1.5  # fMRIPrep's motion-outlier thresholds
_N_COMPCOR = 5
_STEP = 0.03  # sd of a frame's motion step per unit of motion, mm
_JUMP = 0.5  # size of a jump per translation axis per unit of motion, mm
_SURFACE_VERTICES = 10242  # per hemisphere, fsaverage5


def make_fmriprep_derivatives(
    output_dir,
    n_subjects=8,
    *,
    sessions=(None,),
    tasks=("rest",),
    n_runs=1,
    n_frames=40,
    t_r=2.0,
    resolution=4.0,
    effect_size=1.0,
    noise=1.0,
    motion=1.0,
    surfaces=False,
    random_state=None,
):
    """Write a small BIDS study whose fMRIPrep derivatives hold simulated runs.

    The file names, sidecars and confound tables follow fMRIPrep's
    (version 23) so that the readers of real derivatives
    (:func:`neurost.io.load_fmriprep`, nilearn's confound loaders) read
    them as they read real data. The signal of every run is that of
    :func:`make_cohort` (the subject's label changes the coupling of two
    networks, the trait scales one's amplitude), plus head-motion artefacts
    that the confounds describe.

    **Artefacts.** Six motion parameters (random walks of steps of sd
    ``0.03 * motion`` mm, and rad times 50 mm) enter every brain voxel
    with random weights (sd ``noise`` per mm); at two random frames per
    run the head jumps by ``0.5 * motion`` mm along each axis (framewise
    displacement 1.5 mm at ``motion=1``) and the voxels get a spike
    (sd ``5 * noise``); the first frame is not in a steady state (offset
    ``10 * noise``). The confounds hold the motion parameters and their
    expansions, framewise displacement, DVARS (``dvars``, ``std_dvars``),
    the global signal, ``csf`` and ``white_matter`` (means of two fixed
    random sets of brain voxels: no tissue classes are simulated), CompCor
    components (principal components of the run's voxels; their metadata
    in the confounds JSON), cosine regressors (128 s), and the outlier
    columns fMRIPrep writes.

    Parameters
    ----------
    output_dir : str or os.PathLike
        The study's folder (created; it must not hold files yet). The raw
        part holds ``dataset_description.json`` and ``participants.tsv``;
        the derivatives are in ``derivatives/fmriprep``.
    n_subjects : int, default=8
        At least 2; labels are balanced.
    sessions : sequence of str or None, default=(None,)
        Session labels; ``(None,)`` writes no session level.
    tasks : sequence of str, default=("rest",)
        Task labels; every subject does every task in every session.
    n_runs : int, default=1
        Runs per session and task (``run-1`` ...; no ``run`` entity when
        1).
    n_frames : int, default=40
        Frames per run, at least 8.
    t_r : float, default=2.0
        Seconds, in the sidecars and the headers.
    resolution : float, default=4.0
        Voxel size in mm (the ``res`` label is its value).
    effect_size, noise : float, default=1.0
        As in :func:`make_cohort`.
    motion : float, default=1.0
        Size of the head motion (>= 0), in mm.
    surfaces : bool, default=False
        Also write each run on fsaverage5 (``hemi-L`` / ``hemi-R`` GIfTI
        files; every vertex mixes the network time series with random
        weights, plus the motion artefacts and white noise).
    random_state : int, RandomState instance or None, default=None
        Seed for the labels, traits, signals, noise and artefacts.

    Returns
    -------
    sklearn.utils.Bunch
        ``path``
            pathlib.Path of the fMRIPrep derivatives folder.
        ``root``
            pathlib.Path of the raw study folder.
        ``participants``
            pandas.DataFrame: ``participant_id``, ``sex`` (``"F"`` for
            label 1, ``"M"`` for label 0), ``age`` (``40 + 10 * trait``
            years).
        ``network_timeseries``
            dict of run key -> (n_frames, n_networks) array, the true
            network signals.
        ``description``
            str.

    Raises
    ------
    ValueError
        If an argument is out of range or ``output_dir`` is a file.
    FileExistsError
        If ``output_dir`` already holds files.

    Examples
    --------
    >>> study = make_fmriprep_derivatives(tmp_path, n_subjects=4, random_state=0)  # doctest: +SKIP
    >>> load_fmriprep(study.path)["key"].tolist()  # doctest: +SKIP
    ['sub-01_task-rest', 'sub-02_task-rest', 'sub-03_task-rest', 'sub-04_task-rest']
    """
    import nibabel
    import pandas as pd

    n_subjects = check_positive_int(n_subjects, "n_subjects", "subjects")
    if n_subjects < 2:
        raise ValueError(f"n_subjects must be at least 2 (one per label); got {n_subjects}.")
    n_runs = check_positive_int(n_runs, "n_runs", "runs per session and task")
    n_frames = check_positive_int(n_frames, "n_frames", "frames per run")
    if n_frames < 8:
        raise ValueError(f"n_frames must be at least 8; got {n_frames}.")
    t_r = check_t_r(t_r)
    resolution = _check_number(resolution, "resolution", 1.0, "voxel size in mm")
    effect_size = _check_number(effect_size, "effect_size", 0.0, "effect strength")
    noise = _check_number(noise, "noise", 0.0, "noise sd")
    motion = _check_number(motion, "motion", 0.0, "motion size in mm")
    sessions = _check_labels(sessions, "sessions", allow_none=True)
    tasks = _check_labels(tasks, "tasks")
    rng = check_random_state(random_state, "make_fmriprep_derivatives")
    root = _empty_folder(output_dir)

    mask_img = _brain_mask(resolution)
    mask = np.asarray(mask_img.dataobj) > 0
    maps = _network_maps(mask, mask_img.affine)
    labels = rng.permutation(np.arange(n_subjects) % 2)
    trait = rng.standard_normal(n_subjects)
    width = max(2, len(str(n_subjects)))
    subjects = [f"{s + 1:0{width}d}" for s in range(n_subjects)]
    participants = pd.DataFrame({
        "participant_id": [f"sub-{s}" for s in subjects],
        "sex": np.where(labels == 1, "F", "M"),
        "age": np.round(40 + 10 * trait, 1),
    })
    _write_raw(root, participants)
    derivatives = root / "derivatives" / "fmriprep"
    _write_json(derivatives / "dataset_description.json", {
        "Name": "Simulated fMRIPrep derivatives",
        "BIDSVersion": "1.8.0",
        "DatasetType": "derivative",
        "GeneratedBy": [{"Name": "neurost.datasets.make_fmriprep_derivatives"}],
    })
    voxel_sets = [rng.random(int(mask.sum())) < 0.05 for _ in range(2)]
    surface_maps = rng.standard_normal((len(NETWORKS), 2 * _SURFACE_VERTICES)) if surfaces else None
    truth = {}
    res = f"{resolution:g}".replace(".", "p")
    for subject, label, subject_trait in zip(subjects, labels, trait):
        for session in sessions:
            for task in tasks:
                for run in range(1, n_runs + 1):
                    entities = [f"sub-{subject}"] + ([f"ses-{session}"] if session else [])
                    entities += [f"task-{task}"] + ([f"run-{run}"] if n_runs > 1 else [])
                    key = "_".join(entities)
                    folder = derivatives / f"sub-{subject}" / (f"ses-{session}" if session else "")
                    folder = folder / "func"
                    voxels, z, _, _ = simulate_run(
                        maps, mask, label, subject_trait, n_frames, t_r, resolution,
                        effect_size, noise, rng,
                    )
                    artefacts = _Artefacts(n_frames, t_r, motion, noise, rng)
                    voxels += artefacts.voxel_effect(int(mask.sum()))
                    volume = np.zeros(mask.shape + (n_frames,), dtype=np.float32)
                    volume[mask] = voxels
                    stem = folder / f"{key}_space-{SPACE}_res-{res}"
                    _write_nifti(nibabel, volume, mask_img.affine, resolution, t_r,
                                 Path(f"{stem}_desc-preproc_bold.nii.gz"))
                    _write_nifti(nibabel, mask.astype(np.uint8), mask_img.affine, resolution,
                                 None, Path(f"{stem}_desc-brain_mask.nii.gz"))
                    sidecar = {"RepetitionTime": t_r, "SkullStripped": True, "TaskName": task}
                    _write_json(Path(f"{stem}_desc-preproc_bold.json"), sidecar)
                    confounds, metadata = artefacts.confounds(voxels, voxel_sets)
                    _write_confounds(folder / f"{key}_desc-confounds_timeseries", confounds,
                                     metadata)
                    if surfaces:
                        _write_surface_run(nibabel, folder, key, z, surface_maps, artefacts,
                                           noise, rng, sidecar)
                    truth[key] = z
    description = (
        f"Simulated BIDS study of {n_subjects} subjects ({len(sessions)} session(s), "
        f"tasks {tasks}, {n_runs} run(s) each; {n_frames} frames, TR {t_r} s) with "
        f"fMRIPrep derivatives in {SPACE} at {resolution:g} mm"
        + (" and on fsaverage5" if surfaces else "")
        + ": the runs of make_cohort (sex F = label 1; age = 40 + 10 * trait) plus head-"
        f"motion artefacts of {motion:g} mm, spikes at two jumps per run, and a "
        "non-steady first frame, described by fMRIPrep-style confounds."
    )
    return Bunch(path=derivatives, root=root, participants=participants,
                 network_timeseries=truth, description=description)


def _check_labels(values, name, allow_none=False):
    if isinstance(values, str) or not hasattr(values, "__iter__"):
        raise TypeError(f"{name} must be a sequence of labels; got {describe(values)}.")
    values = list(values)
    valid = [
        (allow_none and v is None) or (isinstance(v, str) and v.isalnum()) for v in values
    ]
    if not values or not all(valid) or len(set(values)) != len(values):
        raise ValueError(
            f"{name} must be distinct alphanumeric labels"
            + (" (or (None,) for no level)" if allow_none else "")
            + f"; got {values!r}."
        )
    if allow_none and None in values and len(values) > 1:
        raise ValueError(f"{name}: None (no session level) cannot be mixed with labels.")
    return values


def _empty_folder(output_dir):
    if not isinstance(output_dir, (str, os.PathLike)):
        raise TypeError(
            f"output_dir must be a path (str or os.PathLike); got {describe(output_dir)}."
        )
    root = Path(output_dir).expanduser()
    if root.exists() and not root.is_dir():
        raise ValueError(f"output_dir must be a directory; '{root}' is a file.")
    if root.exists() and any(root.iterdir()):
        raise FileExistsError(
            f"output_dir: '{root}' is not empty; choose a new folder. Nothing was written."
        )
    root.mkdir(parents=True, exist_ok=True)
    return root


def _write_json(path, content):
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path) as temporary:
        Path(temporary).write_text(json.dumps(content, indent=2))


def _write_raw(root, participants):
    _write_json(root / "dataset_description.json", {
        "Name": "Simulated study", "BIDSVersion": "1.8.0", "DatasetType": "raw",
    })
    with atomic_write(root / "participants.tsv") as temporary:
        participants.to_csv(temporary, sep="\t", index=False)
    _write_json(root / "participants.json", {
        "sex": {"Description": "sex of the participant", "Levels": {"F": "female",
                                                                      "M": "male"}},
        "age": {"Description": "age of the participant", "Units": "year"},
    })


def _write_nifti(nibabel, data, affine, resolution, t_r, path):
    image = nibabel.Nifti1Image(data, affine)
    image.header.set_zooms((resolution,) * 3 + ((t_r,) if t_r is not None else ()))
    image.header.set_xyzt_units("mm", "sec")
    image.set_qform(affine, code="mni")
    image.set_sform(affine, code="mni")
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_gzipped(image, path)


def _write_confounds(stem, confounds, metadata):
    with atomic_write(Path(f"{stem}.tsv")) as temporary:
        confounds.to_csv(temporary, sep="\t", index=False, na_rep="n/a")
    _write_json(Path(f"{stem}.json"), metadata)


class _Artefacts:
    """Head motion, spikes and a non-steady first frame of one run."""

    def __init__(self, n_frames, t_r, motion, noise, rng):
        steps = _STEP * motion * rng.standard_normal((n_frames, 6))
        steps[:, 3:] /= _HEAD_RADIUS
        steps[0] = 0
        self.jumps = np.sort(rng.choice(np.arange(2, n_frames), 2, replace=False))
        steps[self.jumps, :3] += _JUMP * motion * rng.choice([-1, 1], (2, 3))
        self.parameters = np.cumsum(steps, axis=0)
        self.noise, self.rng, self.n_frames, self.t_r = noise, rng, n_frames, t_r

    def voxel_effect(self, n_voxels):
        """The artefacts' share of ``n_voxels`` voxels, (n_voxels, n_frames) float32."""
        displacement = self.parameters - self.parameters.mean(axis=0)
        displacement[:, 3:] *= _HEAD_RADIUS
        weights = self.noise * self.rng.standard_normal((6, n_voxels))
        effect = displacement @ weights
        effect[self.jumps] += 5 * self.noise * self.rng.standard_normal((2, n_voxels))
        effect[0] += 10 * self.noise
        return effect.T.astype(np.float32)

    def confounds(self, voxels, voxel_sets):
        """fMRIPrep's confounds table and its JSON metadata for a run's voxels."""
        import pandas as pd

        series = voxels.T.astype(np.float64)
        columns = {}
        for name, values in zip(_MOTION, self.parameters.T):
            columns.update(_expansions(name, values))
        displacement = np.abs(np.diff(self.parameters, axis=0))
        displacement[:, 3:] *= _HEAD_RADIUS
        fd = np.concatenate([[np.nan], displacement.sum(axis=1)])
        dvars = np.concatenate([[np.nan], np.sqrt((np.diff(series, axis=0) ** 2).mean(axis=1))])
        std_dvars = dvars / np.nanmedian(dvars)
        for name, values in (("global_signal", series.mean(axis=1)),
                             ("csf", series[:, voxel_sets[0]].mean(axis=1)),
                             ("white_matter", series[:, voxel_sets[1]].mean(axis=1))):
            columns.update(_expansions(name, values))
        columns["csf_wm"] = (columns["csf"] + columns["white_matter"]) / 2
        columns.update(framewise_displacement=fd, dvars=dvars, std_dvars=std_dvars,
                       rmsd=np.concatenate([[np.nan], np.sqrt((displacement**2).mean(axis=1))]))
        metadata = {}
        for prefix, method, mask, voxels_in in (
            ("a", "aCompCor", "combined", voxel_sets[0] | voxel_sets[1]),
            ("c", "aCompCor", "CSF", voxel_sets[0]),
            ("w", "aCompCor", "WM", voxel_sets[1]),
            ("t", "tCompCor", None, slice(None)),
        ):
            components, explained = _principal_components(series[:, voxels_in])
            for index, (component, share) in enumerate(zip(components.T, explained)):
                name = f"{prefix}_comp_cor_{index:02d}"
                columns[name] = component
                metadata[name] = {"Method": method, "Retained": True,
                                  "VarianceExplained": float(share),
                                  "CumulativeVarianceExplained": float(explained[:index + 1].sum())}
                if mask is not None:
                    metadata[name]["Mask"] = mask
        times = np.arange(self.n_frames)
        # fMRIPrep's drift basis has floor(2 N TR / 128 s) columns, the last
        # one constant, which it leaves out.
        order = int(np.floor(2 * self.n_frames * self.t_r / _HIGH_PASS))
        for index in range(1, order):
            columns[f"cosine{index - 1:02d}"] = np.sqrt(2 / self.n_frames) * np.cos(
                np.pi * (2 * times + 1) * index / (2 * self.n_frames))
        columns["non_steady_state_outlier00"] = (times == 0).astype(float)
        outliers = np.flatnonzero((np.nan_to_num(fd) > _FD_THRESHOLD)
                                  | (np.nan_to_num(std_dvars) > _DVARS_THRESHOLD))
        for index, frame in enumerate(outliers):
            columns[f"motion_outlier{index:02d}"] = (times == frame).astype(float)
        return pd.DataFrame(columns), metadata


def _expansions(name, values):
    derivative = np.concatenate([[np.nan], np.diff(values)])
    return {name: values, f"{name}_derivative1": derivative, f"{name}_power2": values**2,
            f"{name}_derivative1_power2": derivative**2}


def _principal_components(series):
    """The first components (n_frames, k) of centred ``series`` and their variance shares."""
    centred = series - series.mean(axis=0)
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    shares = s**2 / max((s**2).sum(), 1e-12)
    return u[:, :_N_COMPCOR], shares[:_N_COMPCOR]


def _write_surface_run(nibabel, folder, key, z, surface_maps, artefacts, noise, rng, sidecar):
    vertices = z @ surface_maps
    vertices += artefacts.voxel_effect(vertices.shape[1]).T
    vertices += noise * rng.standard_normal(vertices.shape)
    for index, hemi in enumerate(("L", "R")):
        part = vertices[:, index * _SURFACE_VERTICES:(index + 1) * _SURFACE_VERTICES]
        image = nibabel.GiftiImage(darrays=[
            nibabel.gifti.GiftiDataArray(frame.astype(np.float32),
                                         intent="NIFTI_INTENT_TIME_SERIES")
            for frame in part
        ])
        structure = "CortexLeft" if hemi == "L" else "CortexRight"
        image.meta["AnatomicalStructurePrimary"] = structure
        stem = folder / f"{key}_hemi-{hemi}_space-fsaverage5_bold"
        with atomic_write(Path(f"{stem}.func.gii")) as temporary:
            Path(temporary).write_bytes(image.to_bytes())
        _write_json(Path(f"{stem}.json"), sidecar)
