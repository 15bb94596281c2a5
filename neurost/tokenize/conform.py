"""Bringing fMRI volumes onto the tokenizer's cubic 2 mm grid.

A run whose voxels are 2 mm and axis-aligned is used on its own grid (as
the TABLeT pipeline expects MNI152 runs at 2 mm); any other run is first
resampled, frame block by frame block, to the 2 mm MNI152 grid of nilearn's
template (:data:`MNI_2MM_AFFINE`, :data:`MNI_2MM_SHAPE`) with continuous
(third-order spline) interpolation. Each axis is then zero-padded or
cropped symmetrically to ``grid_size`` voxels (an odd difference puts the
extra voxel at the end).
"""

import numpy as np

#: Affine of nilearn's MNI152 template at 2 mm (``load_mni152(2)``), mm.
MNI_2MM_AFFINE = np.array(
    [
        [2.0, 0.0, 0.0, -98.0],
        [0.0, 2.0, 0.0, -134.0],
        [0.0, 0.0, 2.0, -72.0],
        [0.0, 0.0, 0.0, 1.0],
    ]
)

#: Shape of nilearn's MNI152 template at 2 mm, voxels.
MNI_2MM_SHAPE = (99, 117, 95)

#: Voxel size (mm) the tokenizer works at.
VOXEL_SIZE = 2.0


def on_2mm_grid(affine, atol=1e-3):
    """Whether ``affine`` (4, 4) has axis-aligned voxels of 2 mm.

    Parameters
    ----------
    affine : numpy.ndarray of shape (4, 4)
    atol : float, default=1e-3
        Tolerance in mm.

    Returns
    -------
    bool
    """
    rotation = np.asarray(affine, float)[:3, :3]
    off_diagonal = rotation - np.diag(np.diag(rotation))
    return bool(
        np.allclose(np.abs(np.diag(rotation)), VOXEL_SIZE, atol=atol)
        and np.allclose(off_diagonal, 0, atol=atol)
    )


class Conformer:
    """Resample (if needed), then pad or crop volumes to a cube.

    Parameters
    ----------
    shape : tuple of 3 int
        Spatial shape of the run, voxels.
    affine : numpy.ndarray of shape (4, 4)
        Affine of the run (voxel -> mm).
    grid_size : int
        Side of the output cube, voxels.

    Attributes
    ----------
    resample : bool
        Whether frames are resampled to the 2 mm MNI152 grid first.
    affine : numpy.ndarray of shape (4, 4)
        Affine of the conformed cube.
    valid : numpy.ndarray of bool, shape (grid_size,) * 3
        True where a conformed voxel comes from the (resampled) run, False
        in the padding.
    """

    def __init__(self, shape, affine, grid_size):
        affine = np.asarray(affine, float)
        self.resample = not on_2mm_grid(affine)
        self.source_affine = affine
        self.grid_size = int(grid_size)
        grid_shape = MNI_2MM_SHAPE if self.resample else tuple(shape)
        grid_affine = MNI_2MM_AFFINE if self.resample else affine
        self._source, self._target = [], []
        for size in grid_shape:
            offset = (size - self.grid_size) // 2
            start = max(offset, 0)
            stop = min(size, offset + self.grid_size)
            self._source.append(slice(start, stop))
            self._target.append(slice(start - offset, stop - offset))
        self._grid_shape = grid_shape
        shift = np.eye(4)
        shift[:3, 3] = [(size - self.grid_size) // 2 for size in grid_shape]
        self.affine = grid_affine @ shift
        self.valid = np.zeros((self.grid_size,) * 3, bool)
        self.valid[tuple(self._target)] = True

    def __call__(self, block):
        """Conform a block of frames.

        Parameters
        ----------
        block : numpy.ndarray of shape (x, y, z, t)

        Returns
        -------
        numpy.ndarray of shape (t, grid_size, grid_size, grid_size), float32
            Frames first; 0 in the padding.
        """
        block = np.asarray(block, np.float32)
        if self.resample:
            block = self._resample(block)
        out = np.zeros((block.shape[3],) + (self.grid_size,) * 3, np.float32)
        out[(slice(None), *self._target)] = np.moveaxis(
            block[tuple(self._source)], -1, 0
        )
        return out

    def _resample(self, block):
        import nibabel
        from nilearn.image import resample_img

        image = nibabel.Nifti1Image(block, self.source_affine)
        resampled = resample_img(
            image,
            target_affine=MNI_2MM_AFFINE,
            target_shape=MNI_2MM_SHAPE,
            interpolation="continuous",
            force_resample=True,
            copy_header=True,
        )
        return np.asarray(resampled.dataobj, np.float32).reshape(
            MNI_2MM_SHAPE + (block.shape[3],)
        )
