"""plot_significant_on_cortex: only significant targets drawn, the correction named."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from neurost.plotting import plot_significant_on_cortex
from neurost.stats.permutation import PermutationResult

N_VERTICES = 2 * 10242


def _result(p_values, block_length=10):
    n = len(p_values)
    return PermutationResult(
        scores=np.linspace(0.1, 0.5, n), p_values=np.asarray(p_values),
        p_fwe=np.asarray(p_values) * 10, q_values=np.asarray(p_values) * 2,
        null=None, null_max=np.zeros(99), n_permutations=99, method="test", scoring="r",
        block_length=block_length, n_blocks=30,
    )


def test_only_significant_vertices_are_drawn_and_the_label_names_the_test(monkeypatch):
    p_values = np.full(N_VERTICES, 0.5)
    p_values[:100] = 0.001
    drawn = {}

    def fake_plot(values, atlas_or_mesh=None, **kwargs):
        drawn.update(values=values, label=kwargs["colorbar_label"])
        return "figure", "axes"

    monkeypatch.setattr("neurost.plotting.significance.plot_on_cortex", fake_plot)
    plot_significant_on_cortex(_result(p_values), "fsaverage5", correction="max")
    assert np.isfinite(drawn["values"][:100]).all() and np.isnan(drawn["values"][100:]).all()
    np.testing.assert_allclose(drawn["values"][:100], np.linspace(0.1, 0.5, N_VERTICES)[:100])
    assert drawn["label"] == "Pearson r (FWE (max statistic) p ≤ 0.05; 99 permutations of 10-TR blocks)"
    plot_significant_on_cortex(_result(p_values, None), correction=None, alpha=0.01,
                               colorbar_label="r")
    assert drawn["label"] == "r (uncorrected p ≤ 0.01; 99 permutations of whole runs)"


def test_the_map_is_drawn_on_fsaverage5(tmp_path):
    p_values = np.full(N_VERTICES, 0.5)
    p_values[::7] = 0.001
    figure, axes = plot_significant_on_cortex(_result(p_values), views=["lateral"],
                                              output_file=tmp_path / "map")
    assert (tmp_path / "map.png").exists()
    assert "FDR (Benjamini-Hochberg) q ≤ 0.05" in figure.axes[-1].get_xlabel()


def test_nothing_significant_is_an_error():
    with pytest.raises(ValueError, match="no target is significant.*smallest FDR"):
        plot_significant_on_cortex(_result(np.full(10, 0.5)))


def test_the_result_must_be_a_permutation_test():
    with pytest.raises(TypeError, match="result must be the PermutationResult"):
        plot_significant_on_cortex(np.ones(10))
