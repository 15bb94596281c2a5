import numpy as np
import pytest

from neurost.plotting._style import color_range

SIGNED = np.linspace(-1.0, 2.0, 31)


def test_signed_data_get_a_symmetric_range_by_default():
    assert color_range(SIGNED, "values") == (-2.0, 2.0, True)


@pytest.mark.parametrize(
    "bounds, expected",
    [
        ({"vmin": 0.2}, (0.2, 2.0, False)),
        ({"vmax": 1.5}, (-1.0, 1.5, False)),
        ({"vmin": -1.0, "vmax": 2.0}, (-1.0, 2.0, False)),
        ({"vmin": -3.0, "vmax": 3.0}, (-3.0, 3.0, True)),
    ],
)
def test_imposed_bounds_are_kept(bounds, expected):
    assert color_range(SIGNED, "values", **bounds) == expected


def test_explicit_symmetric_with_unequal_bounds_is_refused():
    with pytest.raises(ValueError, match="symmetric=True needs vmin == -vmax"):
        color_range(SIGNED, "values", vmin=-1.0, vmax=2.0, symmetric=True)


def test_check_labels_defaults_and_counts():
    from neurost.plotting._checks import check_labels

    assert check_labels(None, 2, "labels", "the 2 ROIs", "ROI") == ["ROI 1", "ROI 2"]
    assert check_labels([1, "b"], 2, "labels", "the 2 ROIs", "ROI") == ["1", "b"]
    with pytest.raises(ValueError, match="labels must name each of the 2 ROIs; got 3 labels"):
        check_labels(["a", "b", "c"], 2, "labels", "the 2 ROIs", "ROI")
