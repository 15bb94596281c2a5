"""plot_roi_scores: bars per ROI and model, intervals, noise ceiling."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
from matplotlib.container import BarContainer

from neurost.plotting import plot_roi_scores


def _table(shift=0.0):
    return pd.DataFrame({"roi": ["V1", "V2", "FFA"], "score": np.array([0.5, 0.4, 0.2]) + shift,
                         "low": np.array([0.45, 0.3, 0.1]) + shift,
                         "high": np.array([0.55, 0.5, 0.3]) + shift})


def test_bars_errors_and_ceiling_are_drawn_where_the_table_says(tmp_path):
    figure, ax = plot_roi_scores({"routing": _table(), "ridge": _table(-0.1)},
                                 noise_ceiling={"FFA": 0.4, "V1": 0.7, "V2": 0.6},
                                 confidence=0.95, output_file=tmp_path / "rois")
    heights = [patch.get_height() for patch in ax.patches]
    np.testing.assert_allclose(heights, [0.5, 0.4, 0.2, 0.4, 0.3, 0.1])
    ceiling = next(c for c in ax.collections if c.get_label() == "noise ceiling")
    np.testing.assert_allclose([segment[0][1] for segment in ceiling.get_segments()],
                               [0.7, 0.6, 0.4])
    # Each bar's error bar spans [low, high] of its row.
    bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    for container, table in zip(bars, [_table(), _table(-0.1)], strict=True):
        segments = container.errorbar.lines[2][0].get_segments()
        np.testing.assert_allclose([s[:, 1].min() for s in segments], table["low"])
        np.testing.assert_allclose([s[:, 1].max() for s in segments], table["high"])
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts == ["noise ceiling", "routing (95% CI)", "ridge (95% CI)"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["V1", "V2", "FFA"]
    assert (tmp_path / "rois.png").exists() and (tmp_path / "rois.pdf").exists()


def test_a_table_indexed_by_roi_with_its_own_ceiling():
    table = _table().set_index("roi").assign(noise_ceiling=[0.8, np.nan, 0.5])
    _, ax = plot_roi_scores(table)
    ceiling = next(c for c in ax.collections if c.get_label() == "noise ceiling")
    assert len(ceiling.get_segments()) == 3
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["noise ceiling"]
