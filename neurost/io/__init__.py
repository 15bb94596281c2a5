"""Reading and writing fMRI data: runs, response matrices, events.

- :func:`load_bold` loads a run (NIfTI, GIfTI, MGH, CIFTI-2) with its
  repetition time, which :func:`get_t_r` reads back from any result;
  surface runs are :class:`SurfaceRun` (a nilearn ``SurfaceImage``) or,
  without a known mesh, :class:`SurfaceData`.
- :func:`iter_frames` goes through a run a block of frames at a time.
- :func:`load_responses` / :func:`save_responses` read parts of, and
  safely write, large (n_samples, n_targets) matrices in HDF5.
- :func:`load_events` reads and validates BIDS ``events.tsv`` files.
- :func:`load_fmriprep` lists the runs of fMRIPrep derivatives (BIDS
  entities, paths, TR, participants, nilearn's confounds), and
  :func:`denoise` regresses confounds out of a run and scrubs it, a block
  of frames at a time.
- :class:`AlgonautsSubject` reads a subject of the Algonauts 2023
  release; :func:`load_nsd_betas` / :func:`load_nsd_trials` read NSD's
  fsaverage betas and its trial design, and :func:`average_repeats`
  averages repeated images; :func:`load_surface_mesh` loads a cortical
  mesh: a shipped space (fsaverage5, fsLR32k) or a subject of a local
  FreeSurfer subjects folder.
- :func:`load_run_list` reads a table of runs (``key``, ``path``) to
  tokenize.
- :func:`load_cifti_subcortical` returns the voxels of a CIFTI-2 file.
- :func:`load_video` reads a video (array, images, GIF or video file) with
  its frame rate; :func:`to_luminance`, :func:`resample_video` and
  :func:`frames_per_tr` prepare it for motion features.
- :func:`atomic_write` writes any file under a temporary name and moves it
  into place, so that a killed write never leaves a partial file.

Each name is imported from its module on first use, so that
``from neurost.io import load_responses`` does not import nilearn.
"""

from .._utils.files import atomic_write as atomic_write
from .._utils.lazy import lazy_attributes

_MODULES = {
    "AlgonautsSubject": "algonauts",
    "SurfaceData": "surface",
    "SurfaceRun": "surface",
    "Video": "video",
    "frames_per_tr": "video",
    "get_t_r": "bold",
    "average_repeats": "nsd",
    "denoise": "cleaning",
    "iter_frames": "frames",
    "load_bold": "bold",
    "load_cifti_subcortical": "cifti",
    "load_events": "events",
    "load_fmriprep": "fmriprep",
    "load_nsd_betas": "nsd",
    "load_nsd_trials": "nsd",
    "load_responses": "responses",
    "load_run_list": "run_list",
    "load_surface_mesh": "meshes",
    "load_video": "video",
    "resample_video": "video",
    "save_responses": "responses",
    "to_luminance": "video",
}

__all__ = [
    "AlgonautsSubject",
    "SurfaceData",
    "SurfaceRun",
    "Video",
    "atomic_write",
    "average_repeats",
    "denoise",
    "frames_per_tr",
    "get_t_r",
    "iter_frames",
    "load_bold",
    "load_cifti_subcortical",
    "load_events",
    "load_fmriprep",
    "load_nsd_betas",
    "load_nsd_trials",
    "load_responses",
    "load_run_list",
    "load_surface_mesh",
    "load_video",
    "resample_video",
    "save_responses",
    "to_luminance",
]

__getattr__, __dir__ = lazy_attributes(__name__, _MODULES)
