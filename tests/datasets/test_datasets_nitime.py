"""nitime's recordings: two runs, an event-related series, resting-state ROIs."""

from pathlib import Path

import nibabel as nib
import numpy as np

from neurost.datasets import (
    load_nitime_event_related,
    load_nitime_resting_state,
    load_nitime_runs,
)


def _check_provenance(provenance, package):
    assert provenance["package"] == package
    assert provenance["version"][0].isdigit()
    assert provenance["files"] and all(Path(f).is_file() for f in provenance["files"])
    assert "Rokem" in provenance["source"]


def test_runs_are_two_lazy_10x10x18x40_int16_images_with_tr_1_35():
    runs = load_nitime_runs()
    assert [p.name for p in runs.paths] == ["fmri1.nii.gz", "fmri2.nii.gz"]
    assert runs.t_r == 1.35
    for img in runs.images:
        assert nib.is_proxy(img.dataobj)  # nothing read until asked
        assert img.shape == (10, 10, 18, 40)
        assert img.get_data_dtype() == np.int16
    frame = np.asanyarray(runs.images[0].dataobj[..., 0])
    assert frame.std() > 0
    assert "TR 1.35 s" in runs.description and "40 frames" in runs.description
    _check_provenance(runs.provenance, "nitime")


def test_event_related_series_has_bids_like_events():
    data = load_nitime_event_related()
    assert data.bold.shape == (3360,) and data.bold.dtype == np.float64
    assert data.codes.shape == (3360,) and set(np.unique(data.codes)) == set(range(7))
    events = data.events
    assert list(events.columns) == ["onset", "duration", "trial_type", "value"]
    assert len(events) == 576
    assert events["trial_type"].value_counts().to_dict() == {
        f"condition_{code}": 96 for code in range(1, 7)
    }
    samples = np.flatnonzero(data.codes)
    np.testing.assert_allclose(events["onset"], samples * data.t_r)
    assert (events["duration"] == 0).all()
    np.testing.assert_array_equal(events["value"], data.codes[samples])
    # The installed package does not state the TR; the loader says where
    # its value comes from.
    assert data.t_r == 2.0
    assert "does not state the repetition time" in data.description
    assert "event_related_fmri.py" in data.description
    _check_provenance(data.provenance, "nitime")


def test_resting_state_has_28_rois_and_three_confounds():
    data = load_nitime_resting_state()
    assert data.signals.shape == (250, 28)
    assert len(data.roi_names) == 28 and data.roi_names[:2] == ["LCau", "LPut"]
    assert list(data.confounds.columns) == ["WM", "Vent", "Brain"]
    assert data.confounds.shape == (250, 3)
    np.testing.assert_allclose(data.signals.mean(axis=0), 0, atol=0.1)
    assert (data.confounds > 9000).all().all()  # raw scanner units
    assert data.t_r == 1.89
    assert "does not state the repetition time" in data.description
    _check_provenance(data.provenance, "nitime")
