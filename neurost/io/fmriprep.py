"""A table of the preprocessed runs of fMRIPrep derivatives.

Files are found with nilearn's BIDS helpers (:func:`nilearn.interfaces.bids.
get_bids_files`, :func:`~nilearn.interfaces.bids.parse_bids_filename`) and
confounds read with nilearn's fMRIPrep interface
(:func:`nilearn.interfaces.fmriprep.load_confounds_strategy`,
:func:`~nilearn.interfaces.fmriprep.load_confounds`), so that neurost reads
a dataset exactly as nilearn does.
"""

import inspect
import json
import math
import os
from pathlib import Path

from .._utils.validation import check_path, describe
from ._reading import read_tsv
from ._sources import SurfaceSource, check_run, open_run
from ._timing import TR_TOLERANCE, header_t_r

#: Column names of the BIDS entities of a run (file-name key -> column).
ENTITIES = {
    "sub": "subject",
    "ses": "session",
    "task": "task",
    "acq": "acquisition",
    "ce": "ceagent",
    "rec": "reconstruction",
    "dir": "direction",
    "run": "run",
    "echo": "echo",
    "space": "space",
    "res": "res",
    "den": "den",
}
#: Entities that name a run within one space (the store key is made of them).
_RUN_ENTITIES = ("sub", "ses", "task", "acq", "ce", "rec", "dir", "run", "echo")
#: nilearn's denoising strategies (``load_confounds_strategy``).
CONFOUND_STRATEGIES = ("simple", "scrubbing", "compcor", "ica_aroma")
_SURFACE_EXTENSIONS = ("func.gii", "dtseries.nii")


def load_fmriprep(
    path,
    *,
    task=None,
    space="MNI152NLin2009cAsym",
    res=None,
    session=None,
    run=None,
    subjects=None,
    confounds=None,
    participants=None,
):
    """List the preprocessed runs of fMRIPrep derivatives, one row per run.

    Parameters
    ----------
    path : str or os.PathLike
        The derivatives folder (the one holding fMRIPrep's
        ``dataset_description.json`` and the ``sub-*`` folders).
    task, session, run : str, int, or list of them, optional
        Keep the runs of these BIDS labels (``task="rest"``,
        ``session=["01", "02"]``, ``run=1``; numbers match labels with
        leading zeros). None keeps all.
    space : str or None, default="MNI152NLin2009cAsym"
        The output space: a volume template (``desc-preproc_bold.nii.gz``
        runs, with their ``desc-brain_mask`` image), a surface of GIfTI
        hemispheres (``"fsaverage5"``, ``"fsaverage"``, ``"fsnative"``:
        the ``hemi-L`` and ``hemi-R`` files of each run), or ``"fsLR"``
        (the CIFTI-2 ``dtseries.nii`` of ``--cifti-output``, or GIfTI
        hemispheres). None accepts any space, provided all runs found are
        in one; this includes the runs in their own BOLD space that
        fMRIPrep 23.1 and later write without a ``space-`` entity (their
        ``space`` is None).
    res : str or int, optional
        The resolution label of volume outputs (``res-2``). None accepts
        any, provided all runs found share one.
    subjects : str or list of str, optional
        Subject labels, with or without ``sub-``. None keeps all.
    confounds : str or dict, optional
        Load each run's confounds with nilearn: a strategy name of
        :func:`nilearn.interfaces.fmriprep.load_confounds_strategy`
        (``"simple"``, ``"scrubbing"``, ``"compcor"``, ``"ica_aroma"``),
        or a dict of keyword arguments of
        :func:`nilearn.interfaces.fmriprep.load_confounds` (such as
        ``{"strategy": ("motion", "high_pass"), "motion": "basic"}``).
        Such a dict may also hold ``"denoise_strategy"`` with further
        arguments of the strategy. None loads no confounds.
    participants : str, os.PathLike or pandas.DataFrame, optional
        The participants table whose columns are joined by subject. By
        default ``participants.tsv`` of the derivatives folder, else that
        of the raw dataset when the derivatives are its
        ``derivatives/<pipeline>`` folder; no columns are joined when
        neither exists.

    Returns
    -------
    pandas.DataFrame
        One row per run, sorted by key, with the columns

        - ``key``: the run's name, its entities up to the space
          (``sub-01_ses-1_task-rest_run-1``), unique in the table: the key
          of a :class:`~neurost.tokenize.TokenStore`;
        - ``subject``, ``session``, ``task``, ``run``, ... ``space``,
          ``res``, ``den``: the BIDS labels (str; None where a file name
          has no such entity; an entity no run has is left out, except
          ``subject``, ``task`` and ``space``);
        - ``path``: the BOLD run (str), or ``(left, right)`` for GIfTI
          hemispheres; what :func:`neurost.io.load_bold` reads;
        - ``mask``: the brain mask of a volume run (None for surfaces, or
          when fMRIPrep wrote none);
        - ``t_r``: the repetition time in seconds, from the sidecar JSON
          (``RepetitionTime``), checked against the image header;
        - ``n_frames``: the number of frames;
        - the columns of the participants table (without
          ``participant_id``);
        - with ``confounds``: ``confounds`` (a pandas.DataFrame of shape
          (n_frames, n_confounds)) and ``sample_mask`` (the indices of the
          frames to keep, or None to keep all), as nilearn returns them.

        ``path`` and ``key`` make the table a run list
        (:func:`neurost.io.load_run_list`); ``subject`` holds the groups
        of a subject-grouped split.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist, or a run has no sidecar JSON.
    ValueError
        If nilearn cannot load a run's confounds (no confounds file, a
        strategy whose columns the file lacks), if ``path`` is not BIDS
        derivatives (no ``dataset_description.json``
        of a derivative dataset), no run matches the filters (the message
        lists the labels that exist), the runs found are in several
        spaces or resolutions, a GIfTI run lacks a hemisphere, a subject
        is missing from the participants table, or the sidecar and header
        repetition times disagree (by more than 1%).

    See Also
    --------
    neurost.io.denoise : confound regression and scrubbing of a run, a
        block of frames at a time.

    Notes
    -----
    The header of every run is read (for its number of frames and
    repetition time); a GIfTI run is read whole, as the format allows no
    less.

    Examples
    --------
    >>> cohort = load_fmriprep("ds000030/derivatives/fmriprep", task="rest",
    ...                        confounds="simple")  # doctest: +SKIP
    >>> cohort[["key", "subject", "t_r", "n_frames", "sex"]].head()  # doctest: +SKIP
    """
    import pandas as pd

    root = _check_derivatives(path)
    filters = {
        "task": _labels(task, "task"),
        "ses": _labels(session, "session"),
        "run": _labels(run, "run"),
        "sub": _labels(subjects, "subjects", prefix="sub-"),
        "space": _labels(space, "space"),
        "res": _labels(res, "res", prefix="res-"),
    }
    found = _bold_files(root)
    kept = [entry for entry in found if _matches(entry["entities"], filters)]
    if not kept:
        raise ValueError(_nothing_matches(root, found, filters))
    runs = _group_runs(kept)
    _check_one(runs, "space")
    _check_one(runs, "res")
    rows = [_describe_run(key, files) for key, files in sorted(runs.items())]
    table = pd.DataFrame(rows)
    optional = set(ENTITIES.values()) - {"subject", "task", "space"}
    table = table.drop(columns=[c for c in optional if table[c].isna().all()])
    table = _join_participants(table, root, participants)
    if confounds is not None:
        table = _with_confounds(table, confounds)
    return table


def _check_derivatives(path):
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a folder (str or os.PathLike); got {describe(path)}.")
    root = Path(path).expanduser()
    if not root.exists():
        raise FileNotFoundError(f"path: no such folder: '{root}'.")
    if not root.is_dir():
        raise ValueError(f"path must be the derivatives folder; '{root}' is a file.")
    description = root / "dataset_description.json"
    hint = _derivatives_hint(root)
    if not description.is_file():
        raise ValueError(
            f"path: '{root}' is not BIDS derivatives: it has no "
            f"dataset_description.json.{hint}"
        )
    fields = _read_json(description, "path")
    if fields.get("DatasetType") != "derivative":
        raise ValueError(
            f"path: '{root}' is not BIDS derivatives: its dataset_description.json "
            f"gives DatasetType {fields.get('DatasetType')!r}, not 'derivative' "
            f"(fMRIPrep writes its outputs to a derivatives folder).{hint}"
        )
    return root


def _read_json(path, name):
    """The JSON object of ``path``, as a dict; errors name the argument ``name``."""
    try:
        fields = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"{name}: cannot parse '{path}' as JSON ({error}).") from None
    if not isinstance(fields, dict):
        raise ValueError(
            f"{name}: '{path}' holds a JSON {type(fields).__name__}, not an object of "
            "fields."
        )
    return fields


def _derivatives_hint(root):
    pipelines = sorted(p.name for p in (root / "derivatives").glob("*") if p.is_dir())
    if pipelines:
        return f" Its derivatives folder holds {pipelines}; give one of those."
    return ""


def _labels(value, name, prefix=""):
    """The labels to keep, as a set of str, or None for all."""
    if value is None:
        return None
    values = [value] if isinstance(value, (str, int)) else value
    try:
        values = list(values)
    except TypeError:
        values = None
    if not values or not all(
        isinstance(v, (str, int)) and not isinstance(v, bool) and str(v) for v in values
    ):
        raise TypeError(
            f"{name} must be a label (str or int) or a list of them; got {describe(value)}."
        )
    return {str(v).removeprefix(prefix) for v in values}


def _same_label(label, wanted):
    if label in wanted:
        return True
    return label.isdigit() and any(w.isdigit() and int(w) == int(label) for w in wanted)


def _matches(entities, filters):
    for entity, wanted in filters.items():
        if wanted is not None and not _same_label(entities.get(entity, ""), wanted):
            return False
    return True


def _bold_files(root):
    """Parsed references of the preprocessed BOLD files below ``root``."""
    from nilearn.interfaces.bids import get_bids_files, parse_bids_filename

    files = []
    for name in get_bids_files(root, file_tag="bold", modality_folder="func"):
        entry = parse_bids_filename(name)
        extension, entities = entry["extension"], entry["entities"]
        volume = extension in ("nii.gz", "nii") and entities.get("desc") == "preproc"
        surface = extension in _SURFACE_EXTENSIONS and "desc" not in entities
        if volume or (surface and "space" in entities):
            files.append(entry)
    return files


def _nothing_matches(root, found, filters):
    if not found:
        return (
            f"path: '{root}' holds no preprocessed BOLD run (no "
            "sub-*/[ses-*/]func/*_desc-preproc_bold.nii.gz, *_bold.func.gii or "
            "*_bold.dtseries.nii file)."
        )
    asked = {ENTITIES[e] if e != "sub" else "subjects": sorted(w) for e, w in filters.items()
             if w is not None}
    existing = {
        (ENTITIES[e] if e != "sub" else "subjects"): sorted(
            {entry["entities"][e] for entry in found if e in entry["entities"]}
        )
        for e in filters
    }
    return (
        f"no run of '{root}' matches {asked}. The runs found have the labels "
        f"{ {k: v for k, v in existing.items() if v} }."
    )


def _run_key(entities):
    return "_".join(f"{e}-{entities[e]}" for e in _RUN_ENTITIES if e in entities)


def _group_runs(entries):
    """``key -> list of file references`` (two GIfTI hemispheres, or one file)."""
    runs = {}
    for entry in entries:
        entities = entry["entities"]
        key = _run_key(entities)
        space = (entities.get("space"), entities.get("res"), entities.get("den"))
        runs.setdefault((key, space), []).append(entry)
    keys = [key for key, _ in runs]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        spaces = sorted({space for key, space in runs if key == repeated[0]}, key=str)
        raise ValueError(
            f"the runs found are in several spaces: run {repeated[0]!r} exists in "
            f"{[_space_name(s) for s in spaces]}; choose one with space= (and res=)."
        )
    return {key: files for (key, _), files in runs.items()}


def _space_name(space):
    name, res, den = space
    if name is None:
        name = "the run's own space (no space- entity)"
    return name + (f" res-{res}" if res else "") + (f" den-{den}" if den else "")


def _check_one(runs, entity):
    values = {files[0]["entities"].get(entity) for files in runs.values()}
    if len(values) > 1:
        kinds = "spaces" if entity == "space" else "resolutions"
        names = sorted(
            _space_name((value, None, None)) if entity == "space" else str(value)
            for value in values
        )
        raise ValueError(f"the runs found are in different {kinds} ({names}); choose "
                         f"one with {entity}=.")


def _describe_run(key, files):
    entities = files[0]["entities"]
    row = {"key": key}
    row.update({column: entities.get(entity) for entity, column in ENTITIES.items()})
    row["path"], label = _run_path(key, files)
    row["mask"] = _mask_path(files[0])
    header_t_r_, row["n_frames"] = _header(row["path"], label)
    row["t_r"] = _sidecar_t_r(files, header_t_r_, label)
    return row


def _run_path(key, files):
    if files[0]["extension"] != "func.gii":
        return files[0]["file_path"], files[0]["file_basename"]
    hemispheres = {entry["entities"].get("hemi"): entry["file_path"] for entry in files}
    missing = [h for h in ("L", "R") if h not in hemispheres]
    if missing:
        raise ValueError(
            f"run {key!r} has no hemi-{missing[0]} GIfTI file beside "
            f"'{files[0]['file_basename']}'; a surface run needs both hemispheres."
        )
    return (hemispheres["L"], hemispheres["R"]), files[0]["file_basename"]


def _mask_path(entry):
    if entry["extension"] not in ("nii.gz", "nii"):
        return None
    name = entry["file_path"].replace("_desc-preproc_bold.", "_desc-brain_mask.")
    return name if os.path.isfile(name) else None


def _header(path, label):
    """(repetition time or None, number of frames) read from the run's header."""
    source = open_run(path, "path")
    check_run(source, "path", label)
    if isinstance(source, SurfaceSource):
        return source.t_r, int(source.n_frames)
    return header_t_r(source, quiet=True), int(source.shape[3])


def _sidecar_t_r(files, from_header, label):
    sidecars = [Path(entry["file_path"].removesuffix("." + entry["extension"]) + ".json")
                for entry in files]
    t_rs = {}
    for sidecar in sidecars:
        if not sidecar.is_file():
            raise FileNotFoundError(
                f"run '{label}' has no sidecar JSON: no such file '{sidecar}'."
            )
        value = _read_json(sidecar, "the sidecar").get("RepetitionTime")
        if value is not None:
            if (isinstance(value, bool) or not isinstance(value, (int, float))
                    or not math.isfinite(value) or value <= 0):
                raise ValueError(
                    f"the sidecar '{sidecar}' gives RepetitionTime {value!r}; expected a "
                    "positive number of seconds."
                )
            t_rs[sidecar.name] = float(value)
    if len(set(t_rs.values())) > 1:
        raise ValueError(f"the sidecars of run '{label}' give different repetition times {t_rs}.")
    if not t_rs:
        if from_header is None:
            raise ValueError(
                f"the repetition time of run '{label}' is unknown: its sidecar JSON has "
                "no RepetitionTime and its header records none."
            )
        return from_header
    (t_r,) = set(t_rs.values())
    if from_header is not None and abs(from_header - t_r) > TR_TOLERANCE * t_r:
        raise ValueError(
            f"the repetition times of run '{label}' disagree: its sidecar JSON gives "
            f"RepetitionTime {t_r:g} s and its header {from_header:g} s."
        )
    return t_r


def _join_participants(table, root, participants):
    import pandas as pd

    source, label = _participants_source(root, participants)
    if source is None:
        return table
    if isinstance(source, pd.DataFrame):
        frame = source
    else:
        frame = read_tsv(source, "participants", dtype={"participant_id": str},
                         na_values=["n/a"])
    if "participant_id" not in frame.columns:
        raise ValueError(
            f"participants: {label} has no participant_id column; its columns are "
            f"{list(frame.columns)}."
        )
    frame = frame.copy()
    frame["subject"] = frame.pop("participant_id").astype(str).str.removeprefix("sub-")
    if frame["subject"].duplicated().any():
        repeated = frame["subject"][frame["subject"].duplicated()].iloc[0]
        raise ValueError(f"participants: {label} lists subject {repeated!r} more than once.")
    missing = sorted(set(table["subject"]) - set(frame["subject"]))
    if missing:
        raise ValueError(
            f"participants: subject {missing[0]!r} has runs but is missing from {label}"
            + (f" (and {len(missing) - 1} more: {missing[1:6]})" if len(missing) > 1 else "")
            + "."
        )
    clash = [c for c in frame.columns if c != "subject" and c in table.columns]
    if clash:
        raise ValueError(
            f"participants: the columns {clash} of {label} clash with the run table's."
        )
    return table.merge(frame, on="subject", how="left", validate="many_to_one")


def _participants_source(root, participants):
    import pandas as pd

    if isinstance(participants, pd.DataFrame):
        return participants, "the participants table"
    if participants is not None:
        if not isinstance(participants, (str, os.PathLike)):
            raise TypeError(
                "participants must be a path to a TSV file or a pandas.DataFrame; got "
                f"{describe(participants)}."
            )
        path = check_path(participants, "participants", suffixes=(".tsv",))
        return path, f"'{path}'"
    candidates = [root / "participants.tsv"]
    if root.parent.name == "derivatives":
        candidates.append(root.parent.parent / "participants.tsv")
    for path in candidates:
        if path.is_file():
            return path, f"'{path}'"
    return None, None


def _with_confounds(table, confounds):
    from nilearn.interfaces import fmriprep

    load = _confound_loader(confounds, fmriprep)
    tables, masks = [], []
    for key, path in zip(table["key"], table["path"]):
        files = list(path) if isinstance(path, tuple) else path
        try:
            frame, mask = load(files)
        except ValueError as error:
            raise ValueError(
                f"confounds: nilearn cannot load those of run {key!r}: {error}"
            ) from None
        tables.append(frame)
        masks.append(mask)
    table = table.copy()
    table["confounds"] = tables
    table["sample_mask"] = masks
    return table


def _confound_loader(confounds, fmriprep):
    if isinstance(confounds, str):
        if confounds not in CONFOUND_STRATEGIES:
            raise ValueError(
                f"confounds={confounds!r} is not a strategy of nilearn's "
                f"load_confounds_strategy; expected one of {list(CONFOUND_STRATEGIES)}, "
                "or a dict of load_confounds arguments."
            )
        return lambda files: fmriprep.load_confounds_strategy(files, confounds)
    if isinstance(confounds, dict):
        arguments = dict(confounds)
        accepted = set(inspect.signature(fmriprep.load_confounds).parameters) - {"img_files"}
        unknown = sorted(set(arguments) - accepted - {"denoise_strategy"})
        if unknown:
            raise ValueError(
                f"confounds: {unknown} are not arguments of nilearn's load_confounds; "
                f"it takes {sorted(accepted)}, and load_confounds_strategy "
                "'denoise_strategy' too."
            )
        if "denoise_strategy" in arguments:
            return lambda files: fmriprep.load_confounds_strategy(files, **arguments)
        return lambda files: fmriprep.load_confounds(files, **arguments)
    raise TypeError(
        "confounds must be None, a strategy name (str) or a dict of load_confounds "
        f"arguments; got {describe(confounds)}."
    )
