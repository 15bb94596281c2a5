"""Meshes of a local FreeSurfer subjects folder (full fsaverage, any subject).

Nothing is downloaded: the files are read where FreeSurfer keeps them,
``<subjects_dir>/<subject>/surf/{lh,rh}.<kind>``, with
``nibabel.freesurfer``. The folder is the ``subjects_dir`` argument or, when
it is None, the ``SUBJECTS_DIR`` environment variable.
"""

import os
from pathlib import Path

import numpy as np

from .._utils.validation import check_choice, close_matches, describe
from ._reading import reading
from .meshes import HEMISPHERES

#: Surfaces read from ``surf/``: FreeSurfer's file names, also the ``kind``.
FREESURFER_KINDS = ("inflated", "pial", "white", "sphere", "smoothwm", "orig")
#: Vertices per hemisphere of the full-resolution fsaverage (ico7).
FSAVERAGE_VERTICES = 163842
_PREFIX = {"left": "lh", "right": "rh"}


def subject_folder(subject="fsaverage", subjects_dir=None):
    """Find a subject's folder in a FreeSurfer subjects folder.

    Parameters
    ----------
    subject : str, default="fsaverage"
        The subject's folder name (``"fsaverage"``, ``"bert"``, ``"subj01"``).
    subjects_dir : str or os.PathLike, optional
        The subjects folder; default the ``SUBJECTS_DIR`` environment
        variable.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    FileNotFoundError
        Naming the folder looked in (nothing is downloaded).
    """
    if not isinstance(subject, str):
        raise TypeError(
            "subject must be the name of a folder of a FreeSurfer subjects "
            f"folder (e.g. 'fsaverage'); got {describe(subject)}."
        )
    if not subject or Path(subject).name != subject or subject in (".", ".."):
        raise ValueError(
            "subject must be a folder name inside the subjects folder, not a "
            f"path; got {subject!r}."
        )
    if subjects_dir is None:
        if not os.environ.get("SUBJECTS_DIR"):
            raise FileNotFoundError(
                f"subjects_dir: no FreeSurfer subjects folder to read "
                f"{subject!r} from: subjects_dir is None and $SUBJECTS_DIR is "
                "not set. Nothing is downloaded; pass subjects_dir= the folder "
                f"holding {subject}/surf/ (FreeSurfer installs fsaverage in "
                "$FREESURFER_HOME/subjects)."
            )
        subjects_dir, origin = os.environ["SUBJECTS_DIR"], " ($SUBJECTS_DIR)"
    elif isinstance(subjects_dir, (str, os.PathLike)):
        origin = ""
    else:
        raise TypeError(
            f"subjects_dir must be a folder path (str or os.PathLike); got "
            f"{describe(subjects_dir)}."
        )
    subjects_dir = Path(subjects_dir).expanduser()
    if not subjects_dir.is_dir():
        raise FileNotFoundError(
            f"subjects_dir: no such folder: '{subjects_dir}'{origin}. Nothing "
            "is downloaded; pass subjects_dir= a FreeSurfer subjects folder."
        )
    folder = subjects_dir / subject
    if not folder.is_dir():
        found = sorted(p.name for p in subjects_dir.iterdir() if (p / "surf").is_dir())
        matches = close_matches(subject, found)
        hint = f" Did you mean {' or '.join(map(repr, matches))}?" if matches else ""
        raise FileNotFoundError(
            f"subject {subject!r} is not in '{subjects_dir}'{origin} (looked "
            f"for '{folder}'; subjects there: {found[:8]}"
            f"{' ...' if len(found) > 8 else ''}). Nothing is downloaded.{hint}"
        )
    return folder


def load_freesurfer_mesh(subject="fsaverage", kind="inflated", subjects_dir=None):
    """Load both hemispheres of a FreeSurfer subject's surface, offline.

    Parameters
    ----------
    subject : str, default="fsaverage"
        A folder of the subjects folder; ``"fsaverage"`` is the full
        resolution template (163,842 vertices per hemisphere).
    kind : {"inflated", "pial", "white", "sphere", "smoothwm", "orig"}, default="inflated"
        The surface, read from ``surf/lh.<kind>`` and ``surf/rh.<kind>``.
        Coordinates are in mm.
    subjects_dir : str or os.PathLike, optional
        The FreeSurfer subjects folder; default ``$SUBJECTS_DIR``.

    Returns
    -------
    nilearn.surface.PolyMesh
        With ``left`` and ``right`` parts.

    Raises
    ------
    FileNotFoundError
        When the folder or a surface file is missing, naming where it
        looked; nothing is downloaded.
    ValueError
        When a surface file is truncated or not a FreeSurfer surface.
    """
    import nibabel.freesurfer
    from nilearn.surface import InMemoryMesh, PolyMesh

    check_choice(kind, "kind", FREESURFER_KINDS)
    surf = subject_folder(subject, subjects_dir) / "surf"
    parts = {}
    for hemi in HEMISPHERES:
        path = surf / f"{_PREFIX[hemi]}.{kind}"
        if not path.is_file():
            raise FileNotFoundError(
                f"subject {subject!r} has no {hemi} {kind} surface: no such "
                f"file '{path}'. Nothing is downloaded."
            )
        with reading(path, f"{hemi} {kind} surface"):
            coordinates, faces = nibabel.freesurfer.read_geometry(str(path))
        parts[hemi] = InMemoryMesh(coordinates, faces)
    return PolyMesh(**parts)


def load_freesurfer_sulc(subject="fsaverage", subjects_dir=None):
    """Read a subject's sulcal depth (``surf/{lh,rh}.sulc``), if there is one.

    Parameters
    ----------
    subject : str, default="fsaverage"
    subjects_dir : str or os.PathLike, optional
        As for :func:`load_freesurfer_mesh`.

    Returns
    -------
    dict of str to numpy.ndarray of shape (n_vertices,), or None
        Per hemisphere, in mm (positive in sulci); None when either file
        is missing.
    """
    import nibabel.freesurfer

    surf = subject_folder(subject, subjects_dir) / "surf"
    depth = {}
    for hemi in HEMISPHERES:
        path = surf / f"{_PREFIX[hemi]}.sulc"
        if not path.is_file():
            return None
        with reading(path, f"{hemi} sulcal depth"):
            depth[hemi] = np.asarray(nibabel.freesurfer.read_morph_data(str(path)), float)
    return depth
