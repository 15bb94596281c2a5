"""The shared argument checks of the figures accept what matplotlib accepts."""

import matplotlib
import matplotlib.pyplot as plt
import pytest

from neurost.plotting._checks import (
    check_axes,
    check_bounds,
    check_cmap,
    check_flag,
    check_labels,
    check_number,
)


def test_colour_maps_by_name_or_object():
    assert check_cmap("viridis").name == "viridis"
    custom = matplotlib.colors.ListedColormap(["red", "blue"])
    assert check_cmap(custom) is custom
    assert check_cmap(None) is None
    with pytest.raises(ValueError, match="Did you mean 'viridis'"):
        check_cmap("virdis")


def test_axes_must_be_two_dimensional():
    figure = plt.figure()
    flat = figure.add_subplot(1, 2, 1)
    assert check_axes(flat) is flat
    with pytest.raises(TypeError, match="got 3d axes"):
        check_axes(figure.add_subplot(1, 2, 2, projection="3d"))


def test_bounds_and_numbers():
    assert check_bounds(-1, 2) == (-1.0, 2.0)
    assert check_bounds(None, 0.5) == (None, 0.5)
    with pytest.raises(ValueError, match=r"vmin \(1\) must be smaller than vmax \(1\)"):
        check_bounds(1, 1)
    assert check_number(0.0, "alpha", "opacity", low=0, high=1) == 0.0
    with pytest.raises(ValueError, match=r"alpha must be a number in \[0, 1\]"):
        check_number(True, "alpha", "opacity", low=0, high=1)


def test_flags_and_labels():
    assert check_flag(None, "legend", allow_none=True) is None
    with pytest.raises(TypeError, match="legend must be True or False"):
        check_flag(1, "legend")
    assert check_labels(("a", 2), 2, "labels", "the 2 ROIs", "ROI") == ["a", "2"]
    with pytest.raises(TypeError, match="labels must be a sequence of names"):
        check_labels("ab", 2, "labels", "the 2 ROIs", "ROI")
