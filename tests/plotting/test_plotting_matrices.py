"""plot_matrix: centred colour range, groups, labels and errors."""

import numpy as np
import pandas as pd
import pytest

from neurost.plotting import plot_matrix


@pytest.fixture(scope="module")
def correlations():
    rng = np.random.default_rng(0)
    signals = rng.normal(size=(100, 6))
    signals[:, 1] += signals[:, 0]
    return np.corrcoef(signals.T)


def test_colour_range_is_centred_and_ignores_the_diagonal(
    correlations, tmp_path, assert_saved
):
    labels = list("abcdef")
    figure, ax = plot_matrix(
        correlations, labels, colorbar_label="Pearson r", title="r",
        output_file=tmp_path / "matrix",
    )
    assert len(figure.axes) == 2
    assert figure.axes[-1].get_ylabel() == "Pearson r"
    off_diagonal = correlations[~np.eye(6, dtype=bool)]
    limit = np.abs(off_diagonal).max()
    assert limit < 0.99
    np.testing.assert_allclose(ax.images[0].get_clim(), (-limit, limit))
    assert [t.get_text() for t in ax.get_yticklabels()] == labels
    assert ax.get_title() == "r"
    assert_saved([tmp_path / "matrix.png", tmp_path / "matrix.pdf"])


def test_groups_order_rows_and_name_blocks(correlations):
    groups = ["x", "y", "x", "z", "y", "x"]
    _, ax = plot_matrix(correlations, list("abcdef"), groups=groups)
    order = [0, 2, 5, 1, 4, 3]
    np.testing.assert_allclose(
        ax.images[0].get_array(), correlations[np.ix_(order, order)]
    )
    assert [t.get_text() for t in ax.get_yticklabels()] == ["x", "y", "z"]
    np.testing.assert_allclose(ax.get_yticks(), [1, 3.5, 5])
    as_dict = {"z": ["d"], "x": ["a", "c", "f"], "y": ["b", "e"]}
    frame = pd.DataFrame(correlations, index=list("abcdef"))
    _, ax = plot_matrix(frame, groups=as_dict, tri="lower")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["z", "x", "y"]


def test_reorder_by_clustering_keeps_labels_with_their_rows(correlations):
    labels = list("abcdef")
    _, ax = plot_matrix(correlations, labels, reorder=True)
    order = [labels.index(t.get_text()) for t in ax.get_yticklabels()]
    assert sorted(order) == list(range(6))
    np.testing.assert_allclose(
        ax.images[0].get_array(), correlations[np.ix_(order, order)]
    )


def test_explicit_range_and_many_rows_without_labels():
    matrix = np.random.default_rng(1).uniform(0, 1, size=(80, 80))
    labels = [str(i) for i in range(80)]
    _, ax = plot_matrix(matrix, labels, vmin=0, vmax=1, cmap="magma")
    assert ax.images[0].get_clim() == (0, 1)
    assert len(ax.get_xticks()) == 0  # 80 labels would not be legible


@pytest.mark.parametrize(
    ("matrix", "kwargs", "error", "match"),
    [
        (np.zeros((3, 4)), {}, ValueError, r"square, shape \(n, n\)"),
        (np.full((2, 2), np.inf), {}, ValueError, "infinite values"),
        (np.eye(3), {"labels": ["a"]}, ValueError, "one entry per row of the matrix"),
        (np.eye(3), {"groups": ["g"] * 3, "reorder": True}, ValueError, "only one"),
        (np.eye(3), {"reorder": True}, ValueError, "reorder= needs labels="),
        (np.eye(3), {"groups": {"g": ["a", "q"]}, "labels": list("abc")}, ValueError,
         "groups\\['g'\\]='q' is not valid"),
        (np.eye(3), {"groups": {"g": ["a"]}}, ValueError, "needs labels="),
        (np.eye(3), {"groups": {"g": ["a"]}, "labels": list("abc")}, ValueError,
         "no group on 2 row"),
        (np.eye(3), {"vmin": 1, "vmax": 0}, ValueError, "must be smaller"),
        (np.eye(3), {"tri": "upper"}, ValueError, "tri='upper' is not valid"),
        ([["a"]], {}, TypeError, "matrix must hold numbers"),
    ],
)
def test_bad_input_is_refused(matrix, kwargs, error, match):
    with pytest.raises(error, match=match):
        plot_matrix(matrix, **kwargs)
