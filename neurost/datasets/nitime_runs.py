"""The small fMRI recordings that nitime ships: two runs and two ROI time series."""

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ._package_data import package_file, provenance

_NITIME_DOCS = "https://github.com/nipy/nitime/tree/master/doc/examples"
_NITIME_CITATION = (
    "Rokem A, Trumpis M, Perez F (2009). Nitime: time-series analysis for "
    "neuroimaging data. Proceedings of the 8th Python in Science Conference "
    "(SciPy 2009)."
)
#: TRs that nitime's documentation examples give; the installed package states neither.
_EVENT_RELATED_T_R = 2.0
_RESTING_STATE_T_R = 1.89
_RESTING_STATE_CONFOUNDS = ("WM", "Vent", "Brain")


def load_nitime_runs():
    """Load nitime's two example fMRI runs (offline).

    Two short runs of the same scanner-space field of view: 10 x 10 x 18
    voxels of 2.08 x 2.08 x 2.3 mm, 40 frames each, TR 1.35 s (read from
    the headers), int16 scanner units.

    Returns
    -------
    sklearn.utils.Bunch
        ``paths``
            list of 2 pathlib.Path: ``fmri1.nii.gz``, ``fmri2.nii.gz``.
        ``images``
            list of 2 nibabel.Nifti1Image of shape (10, 10, 18, 40); the
            voxels are read from disk only when accessed.
        ``t_r``
            float, the repetition time in seconds (1.35).
        ``description``, ``provenance``
            str and dict (``package``, ``version``, ``files``, ``source``).
    """
    from ..io import get_t_r, load_bold

    paths = [package_file("nitime", "data", f"fmri{run}.nii.gz") for run in (1, 2)]
    images = [load_bold(path, require_4d=True) for path in paths]
    t_r = get_t_r(images[0])
    shape = images[0].shape
    voxel = " x ".join(f"{size:.2f}" for size in images[0].header.get_zooms()[:3])
    description = (
        f"Two short fMRI runs shipped with nitime: {shape[0]} x {shape[1]} x "
        f"{shape[2]} voxels of {voxel} mm in scanner space (not normalised to "
        f"a template), {shape[3]} frames each, TR {t_r} s (from the NIfTI "
        "headers), int16 scanner units. Too small for anatomy; meant for "
        "testing readers and time-series code on real data."
    )
    source = (
        "nitime example data (nitime/data), used by nitime's fmri.io tests; "
        f"cite {_NITIME_CITATION}"
    )
    return Bunch(
        paths=paths,
        images=images,
        t_r=t_r,
        description=description,
        provenance=provenance("nitime", paths, source),
    )


def load_nitime_event_related():
    """Load nitime's event-related BOLD time series and its events (offline).

    One BOLD time series of 3360 samples, extracted from motion-sensitive
    voxels near area MT while a subject viewed moving stimuli, with the
    onsets of 6 kinds of trials (directions and locations of motion), 96
    trials each.

    The installed nitime does not state the repetition time. Its
    documentation example ``event_related_fmri.py`` analyses these data
    with TR = 2 s: ``t_r`` is that value, and the event onsets (s) are
    computed with it. Which code is which direction or location is not
    documented.

    Returns
    -------
    sklearn.utils.Bunch
        ``bold``
            numpy.ndarray of shape (3360,), float64, percent signal change
            (the unit nitime's example plots).
        ``codes``
            numpy.ndarray of shape (3360,), int64: 0 where no trial starts,
            otherwise the trial's kind (1 to 6).
        ``events``
            pandas.DataFrame, one row per trial (576), BIDS-like:
            ``onset`` (s, from the first sample), ``duration`` (s; 0, as
            the file marks onsets only), ``trial_type``
            (``"condition_1"`` to ``"condition_6"``) and ``value`` (the
            code).
        ``t_r``
            float, 2.0 s (see above).
        ``description``, ``provenance``
            str and dict (``package``, ``version``, ``files``, ``source``).
    """
    path = package_file("nitime", "data", "event_related_fmri.csv")
    table = pd.read_csv(path)
    bold = table["bold"].to_numpy(dtype=np.float64)
    codes = table["events"].to_numpy().astype(np.int64)
    samples = np.flatnonzero(codes)
    events = pd.DataFrame(
        {
            "onset": samples * _EVENT_RELATED_T_R,
            "duration": 0.0,
            "trial_type": [f"condition_{code}" for code in codes[samples]],
            "value": codes[samples],
        }
    )
    kinds = np.unique(codes[samples])
    description = (
        f"Event-related BOLD time series shipped with nitime: {len(bold)} "
        "samples extracted from motion-sensitive voxels near area MT of one "
        "subject viewing a motion stimulus, in percent signal change, with "
        f"{len(events)} trial onsets of {len(kinds)} kinds (directions and "
        "locations of motion; which code is which is not documented). The "
        "installed nitime does not state the repetition time; nitime's "
        f"documentation example event_related_fmri.py ({_NITIME_DOCS}) uses "
        f"TR = {_EVENT_RELATED_T_R} s, which t_r and the event onsets use. "
        "Durations are 0 s: the file marks onsets only."
    )
    source = (
        "nitime example data (nitime/data/event_related_fmri.csv), described "
        f"in nitime's example event_related_fmri.py ({_NITIME_DOCS});"
        f" cite {_NITIME_CITATION}"
    )
    return Bunch(
        bold=bold,
        codes=codes,
        events=events,
        t_r=_EVENT_RELATED_T_R,
        description=description,
        provenance=provenance("nitime", [path], source),
    )


def load_nitime_resting_state():
    """Load nitime's resting-state ROI time series (offline).

    250 samples from one subject at rest (fixating a cross), extracted from
    28 regions of interest (caudate, putamen, thalamus, frontal pole,
    angular and supramarginal gyri, middle temporal gyrus, hippocampus,
    parahippocampal gyrus, amygdala, paracingulate, posterior cingulate
    and precuneus of both hemispheres), plus white-matter, ventricle and
    whole-brain signals.

    The installed nitime does not state the repetition time; its
    documentation example ``resting_state_fmri.py`` gives TR = 1.89 s,
    which is the ``t_r`` returned.

    Returns
    -------
    sklearn.utils.Bunch
        ``signals``
            numpy.ndarray of shape (250, 28), float64: the ROI time series,
            demeaned, in the file's arbitrary units.
        ``roi_names``
            list of 28 str (``"LCau"``, ``"RPut"``...; ``L``/``R`` prefix =
            hemisphere).
        ``confounds``
            pandas.DataFrame of shape (250, 3): ``WM``, ``Vent``, ``Brain``
            (white matter, ventricles, whole brain), raw scanner units.
        ``t_r``
            float, 1.89 s (see above).
        ``description``, ``provenance``
            str and dict (``package``, ``version``, ``files``, ``source``).
    """
    path = package_file("nitime", "data", "fmri_timeseries.csv")
    table = pd.read_csv(path)
    confounds = table[list(_RESTING_STATE_CONFOUNDS)]
    rois = table.drop(columns=list(_RESTING_STATE_CONFOUNDS))
    description = (
        f"Resting-state ROI time series shipped with nitime (contributed by "
        f"Beth Mormino): {len(table)} samples from one subject fixating a "
        f"cross, {rois.shape[1]} demeaned ROI signals (arbitrary units) and "
        "white-matter, ventricle and whole-brain signals (scanner units). "
        "The installed nitime does not state the repetition time; nitime's "
        f"documentation example resting_state_fmri.py ({_NITIME_DOCS}) gives "
        f"TR = {_RESTING_STATE_T_R} s, which t_r uses."
    )
    source = (
        "nitime example data (nitime/data/fmri_timeseries.csv), described in "
        f"nitime's example resting_state_fmri.py ({_NITIME_DOCS});"
        f" cite {_NITIME_CITATION}"
    )
    return Bunch(
        signals=rois.to_numpy(dtype=np.float64),
        roi_names=list(rois.columns),
        confounds=confounds,
        t_r=_RESTING_STATE_T_R,
        description=description,
        provenance=provenance("nitime", [path], source),
    )
