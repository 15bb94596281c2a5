import nibabel as nib
import numpy as np
import pytest

from neurost.atlases import Atlas


@pytest.fixture
def two_roi_atlas():
    labels = np.zeros((4, 4, 4), dtype=np.int32)
    labels[:2] = 1
    labels[2:] = 2
    return Atlas.from_arrays(labels, names=["front", "back"], affine=np.eye(4))


def test_partly_blank_first_frame_is_not_an_empty_roi(two_roi_atlas):
    data = np.ones((4, 4, 4, 5), dtype=np.float32)
    data[2:, ..., 0] = 0  # a first volume acquired before steady state
    signals = two_roi_atlas.extract(nib.Nifti1Image(data, np.eye(4)), kind="parcels")
    assert signals.shape == (5, 2)


def test_roi_without_data_in_any_frame_is_empty(two_roi_atlas):
    data = np.ones((4, 4, 4, 5), dtype=np.float32)
    data[2:] = 0
    with pytest.raises(ValueError, match="Empty ROI: 'back'"):
        two_roi_atlas.check_compatible(nib.Nifti1Image(data, np.eye(4)))
