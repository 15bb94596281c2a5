"""Bringing fMRI volumes onto the tokenizer's cubic 2 mm grid.

A run whose voxels are 2 mm and axis-aligned is used on its own grid (as
the TABLeT pipeline expects MNI152 runs at 2 mm); any other run is first
resampled, frame block by frame block, to the 2 mm MNI152 grid of nilearn's
template (:data:`MNI_2MM_AFFINE`, :data:`MNI_2MM_SHAPE`) with trilinear
interpolation (0 outside the run). Each axis is then zero-padded or
cropped symmetrically to ``grid_size`` voxels (an odd difference puts the
extra voxel at the end).

Trilinear interpolation is a fixed linear map from the run's voxels to the
grid's, so it is built once per run as a sparse matrix (8 weights per
output voxel) and applied to whole blocks of frames by one sparse product:
resampling costs milliseconds per frame rather than a spline fit per
frame.
"""

import itertools

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
        self._interpolation = (
            trilinear_matrix(shape, affine, self._cropped_shape(), self.affine @ self._target_shift())
            if self.resample
            else None
        )
        self.valid = np.zeros((self.grid_size,) * 3, bool)
        self.valid[tuple(self._target)] = True

    def _cropped_shape(self):
        return tuple(t.stop - t.start for t in self._target)

    def _target_shift(self):
        shift = np.eye(4)
        shift[:3, 3] = [t.start for t in self._target]
        return shift

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
        n_frames = block.shape[3]
        out = np.zeros((n_frames,) + (self.grid_size,) * 3, np.float32)
        if self.resample:
            cropped = self._interpolation @ block.reshape(-1, n_frames)
            out[(slice(None), *self._target)] = cropped.T.reshape(
                (n_frames,) + self._cropped_shape()
            )
        else:
            out[(slice(None), *self._target)] = np.moveaxis(
                block[tuple(self._source)], -1, 0
            )
        return out


def trilinear_matrix(source_shape, source_affine, target_shape, target_affine):
    """Trilinear interpolation from one voxel grid to another, as a sparse matrix.

    Parameters
    ----------
    source_shape, target_shape : tuple of 3 int
        Voxels of the grids.
    source_affine, target_affine : numpy.ndarray of shape (4, 4)
        Voxel -> mm affines of the grids.

    Returns
    -------
    scipy.sparse.csr_matrix of shape (n_target_voxels, n_source_voxels), float32
        ``matrix @ volume.reshape(-1)`` is the volume interpolated at the
        target voxels (C order on both sides); the 8 weights of a target
        voxel sum to 1 between the source's outer voxel centres, and target
        voxels beyond them get 0 (as ``scipy.ndimage`` with
        ``mode="constant"``, which nilearn uses).
    """
    from scipy import sparse

    target_to_source = np.linalg.solve(source_affine, target_affine)
    indices = np.indices(target_shape, dtype=np.float64).reshape(3, -1)
    coords = target_to_source[:3, :3] @ indices + target_to_source[:3, 3:]
    source = np.asarray(source_shape)[:, None]
    # As scipy's mode="constant": no interpolation beyond the outer voxel centres.
    inside = np.all((coords > -1e-6) & (coords < source - 1 + 1e-6), axis=0)
    base = np.floor(coords).astype(np.int64)
    fraction = (coords - base).astype(np.float32)
    rows, columns, weights = [], [], []
    for corner in itertools.product((0, 1), repeat=3):
        corner = np.asarray(corner)[:, None]
        voxel = base + corner
        weight = np.prod(np.where(corner, fraction, 1 - fraction), axis=0)
        keep = inside & np.all((voxel >= 0) & (voxel < source), axis=0) & (weight > 0)
        rows.append(np.flatnonzero(keep))
        columns.append(np.ravel_multi_index(voxel[:, keep], source_shape))
        weights.append(weight[keep])
    return sparse.csr_matrix(
        (np.concatenate(weights), (np.concatenate(rows), np.concatenate(columns))),
        shape=(int(np.prod(target_shape)), int(np.prod(source_shape))),
    )
