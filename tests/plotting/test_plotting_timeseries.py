"""plot_timeseries: stacked traces, carpets, time axes and errors."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from neurost.datasets import load_nitime_resting_state
from neurost.plotting import plot_timeseries


@pytest.fixture(scope="module")
def resting():
    return load_nitime_resting_state()


def test_few_rois_are_stacked_traces_with_a_scale_bar(resting, tmp_path, assert_saved):
    signals = resting.signals[:, :3]
    figure, ax = plot_timeseries(
        signals, t_r=resting.t_r, labels=resting.roi_names[:3], units="a.u.",
        title="Rest", output_file=tmp_path / "traces",
    )
    assert len(figure.axes) == 1 and ax is figure.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["LCau", "LPut", "LThal"]
    assert ax.get_xlabel() == "Time (s)" and ax.get_title() == "Rest"
    trace = ax.lines[0].get_xydata()
    np.testing.assert_allclose(trace[:, 0], np.arange(250) * 1.89)
    np.testing.assert_allclose(
        trace[:, 1], signals[:, 0] - np.median(signals[:, 0]), atol=1e-12
    )
    assert any(t.get_text().endswith(" a.u.") for t in ax.texts)  # the scale bar
    assert_saved([tmp_path / "traces.png", tmp_path / "traces.pdf"])


def test_many_rois_make_a_carpet_with_a_colorbar(resting):
    table = pd.DataFrame(resting.signals, columns=resting.roi_names)
    figure, ax = plot_timeseries(table, standardize=True)
    assert len(figure.axes) == 2
    assert figure.axes[-1].get_ylabel() == "z"
    assert ax.get_xlabel() == "Frame"
    image = ax.images[0].get_array()
    assert image.shape == (28, 250)
    np.testing.assert_allclose(image.mean(axis=1), 0, atol=1e-9)
    assert ax.get_yticklabels()[0].get_text() == "LCau"
    low, high = ax.images[0].get_clim()
    assert low == -high  # z-scores are signed: centred colour map


def test_one_series_and_a_given_axes():
    _, ax = plt.subplots()
    figure, same = plot_timeseries(np.sin(np.arange(50)), t_r=2, units="%", ax=ax)
    assert same is ax and figure is ax.figure
    assert ax.get_ylabel() == "ROI 1 (%)"
    _, carpet = plot_timeseries(np.ones((5, 3)), kind="carpet")
    names = [t.get_text() for t in carpet.get_yticklabels()]
    assert names == ["ROI 1", "ROI 2", "ROI 3"]


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        ((np.zeros((5, 2, 2)),), {}, ValueError, r"got shape \(5, 2, 2\)"),
        ((np.zeros((0, 2)),), {}, ValueError, "at least one frame"),
        ((np.full((5, 2), np.inf),), {}, ValueError, "no finite value"),
        ((np.array([[1.0, np.inf]]),), {}, ValueError, "infinite values"),
        ((np.zeros((5, 2)),), {"labels": ["a"]}, ValueError, "name each of the 2 ROIs"),
        ((np.zeros((5, 2)),), {"t_r": 0}, ValueError, "t_r must be a positive, finite number of seconds"),
        ((np.zeros((5, 2)),), {"kind": "heatmap"}, ValueError, "kind='heatmap'"),
        ((["a", "b"],), {}, TypeError, "data must hold numbers"),
    ],
)
def test_bad_input_is_refused(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        plot_timeseries(*args, **kwargs)
