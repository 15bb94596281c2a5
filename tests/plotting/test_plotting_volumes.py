"""plot_volume_slices: rows of orthogonal slices on one colour scale."""

import nibabel as nib
import numpy as np
import pytest

from neurost.plotting.volumes import plot_volume_slices


def _volume(shape=(12, 14, 10), seed=0):
    return np.random.default_rng(seed).normal(size=shape)


def test_draws_one_row_per_volume_and_saves(tmp_path, assert_saved):
    image = nib.Nifti1Image(_volume().astype(np.float32), np.eye(4))
    fig, axes = plot_volume_slices(
        [image, _volume(seed=1)], ["original", "reconstruction"],
        units="BOLD (a.u.)", output_file=tmp_path / "slices",
    )
    assert axes.shape == (2, 3)
    assert axes[1, 0].get_ylabel() == "reconstruction"
    assert fig.axes[-1].get_ylabel() == "BOLD (a.u.)"
    assert_saved([tmp_path / "slices.png", tmp_path / "slices.pdf"])


def test_panels_show_the_requested_slices_on_one_scale():
    volume = _volume()
    _, axes = plot_volume_slices([volume, 2 * volume], coords=(3, 4, 5), vmin=-1, vmax=1)
    np.testing.assert_array_equal(axes[0, 0].images[0].get_array(), volume[3].T)
    np.testing.assert_array_equal(axes[0, 1].images[0].get_array(), volume[:, 4].T)
    np.testing.assert_array_equal(axes[1, 2].images[0].get_array(), 2 * volume[:, :, 5].T)
    assert {ax.images[0].norm.vmax for ax in axes.flat} == {1}


def test_signed_data_get_a_symmetric_default_range():
    _, axes = plot_volume_slices([_volume()])
    norm = axes[0, 0].images[0].norm
    assert norm.vmin == pytest.approx(-norm.vmax)


@pytest.mark.parametrize(
    "volumes, kwargs, message",
    [
        ([], {}, "non-empty list"),
        ([np.zeros((3, 3))], {}, "must be 3-D"),
        ([_volume(), _volume((5, 5, 5))], {}, "resample"),
        ([_volume()], {"labels": ["a", "b"]}, "labels must name"),
        ([_volume()], {"coords": (0, 0, 99)}, "coords must be"),
        (["text"], {}, "3D image or numeric array"),
    ],
)
def test_bad_input_is_refused(volumes, kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        plot_volume_slices(volumes, **kwargs)
