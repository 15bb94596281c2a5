"""Reading the meshes of a local FreeSurfer subjects folder (full fsaverage, any subject).

Nothing is downloaded: the files are read where FreeSurfer keeps them,
``<subjects_dir>/<subject>/surf/{lh,rh}.<kind>``, with
``nibabel.freesurfer``. The folder is the ``subjects_dir`` argument or, when
it is None, the ``SUBJECTS_DIR`` environment variable. The public entry
point is :func:`neurost.io.meshes.load_surface_mesh`.
"""

import os
from pathlib import Path

import numpy as np

from .._utils.validation import close_matches, describe
from ._reading import reading

#: Surfaces read from ``surf/``: FreeSurfer's file names, also the ``kind``.
KINDS = ("inflated", "pial", "white", "sphere", "smoothwm", "orig")
#: Vertices per hemisphere of the full-resolution fsaverage (ico7).
FSAVERAGE_VERTICES = 163842
#: File prefix of each hemisphere, in the order neurost stores them.
#: FreeSurfer's file prefix of each hemisphere (``lh.white``, ``rh.betas_...``).
HEMISPHERE_PREFIXES = {"left": "lh", "right": "rh"}


def subject_folder(subject, subjects_dir, origin):
    """Find a subject's folder in a FreeSurfer subjects folder.

    Parameters
    ----------
    subject : str
        The subject's folder name (``"fsaverage"``, ``"bert"``, ``"subj01"``).
    subjects_dir : str or os.PathLike or None
        The subjects folder; None reads the ``SUBJECTS_DIR`` environment
        variable.
    origin : str
        Which argument gave ``subject`` and why it is read as a FreeSurfer
        subject; it starts the messages about the subject.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    FileNotFoundError
        Naming the folder looked in (nothing is downloaded).
    """
    if not subject or Path(subject).name != subject or subject in (".", ".."):
        raise ValueError(
            f"{origin}; a subject must be a folder name inside the subjects "
            "folder, not a path."
        )
    if subjects_dir is None:
        if not os.environ.get("SUBJECTS_DIR"):
            raise FileNotFoundError(
                f"{origin}; subjects_dir: no FreeSurfer subjects folder to read "
                f"{subject!r} from: subjects_dir is None and $SUBJECTS_DIR is "
                "not set. Nothing is downloaded; pass subjects_dir= the folder "
                f"holding {subject}/surf/ (FreeSurfer installs fsaverage in "
                "$FREESURFER_HOME/subjects)."
            )
        subjects_dir, where = os.environ["SUBJECTS_DIR"], " ($SUBJECTS_DIR)"
    elif isinstance(subjects_dir, (str, os.PathLike)):
        where = ""
    else:
        raise TypeError(
            f"subjects_dir must be a folder path (str or os.PathLike); got "
            f"{describe(subjects_dir)}."
        )
    subjects_dir = Path(subjects_dir).expanduser()
    if not subjects_dir.is_dir():
        raise FileNotFoundError(
            f"{origin}; subjects_dir: no such folder: '{subjects_dir}'{where}. "
            "Nothing is downloaded; pass subjects_dir= a FreeSurfer subjects "
            "folder."
        )
    folder = subjects_dir / subject
    if not folder.is_dir():
        found = sorted(p.name for p in subjects_dir.iterdir() if (p / "surf").is_dir())
        matches = close_matches(subject, found)
        hint = f" Did you mean {' or '.join(map(repr, matches))}?" if matches else ""
        raise FileNotFoundError(
            f"{origin}; subject {subject!r} is not in '{subjects_dir}'{where} "
            f"(looked for '{folder}'; subjects there: {found[:8]}"
            f"{' ...' if len(found) > 8 else ''}). Nothing is downloaded.{hint}"
        )
    return folder


def read_mesh(subject, kind, subjects_dir, origin):
    """Read both hemispheres of a FreeSurfer subject's surface.

    Parameters
    ----------
    subject : str
    kind : str
        One of :data:`KINDS`, checked by the caller under its own
        argument name.
    subjects_dir : str or os.PathLike or None
    origin : str
        As for :func:`subject_folder`.

    Returns
    -------
    nilearn.surface.PolyMesh
        With ``left`` and ``right`` parts; coordinates in mm.

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

    surf = subject_folder(subject, subjects_dir, origin) / "surf"
    parts = {}
    for hemi, prefix in HEMISPHERE_PREFIXES.items():
        path = surf / f"{prefix}.{kind}"
        if not path.is_file():
            raise FileNotFoundError(
                f"subject {subject!r} has no {hemi} {kind} surface: no such "
                f"file '{path}'. Nothing is downloaded."
            )
        with reading(path, f"{hemi} {kind} surface"):
            try:
                coordinates, faces = nibabel.freesurfer.read_geometry(str(path))
            except IndexError:  # nibabel's answer to a file cut inside its header
                raise ValueError(
                    f"{hemi} {kind} surface: '{path}' is truncated or is not a "
                    "FreeSurfer surface file."
                ) from None
        parts[hemi] = InMemoryMesh(coordinates, faces)
    return PolyMesh(**parts)


def read_sulc(subject, subjects_dir, origin):
    """Read a subject's sulcal depth (``surf/{lh,rh}.sulc``), if there is one.

    Parameters
    ----------
    subject, subjects_dir, origin
        As for :func:`read_mesh`.

    Returns
    -------
    dict of str to numpy.ndarray of shape (n_vertices,), or None
        Per hemisphere, in mm (positive in sulci); None when either file
        is missing.
    """
    import nibabel.freesurfer

    surf = subject_folder(subject, subjects_dir, origin) / "surf"
    depth = {}
    for hemi, prefix in HEMISPHERE_PREFIXES.items():
        path = surf / f"{prefix}.sulc"
        if not path.is_file():
            return None
        with reading(path, f"{hemi} sulcal depth"):
            depth[hemi] = np.asarray(nibabel.freesurfer.read_morph_data(str(path)), float)
    return depth
