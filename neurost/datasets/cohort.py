"""A simulated cohort of fMRI runs whose network dynamics carry a label and a trait."""

import gzip
import numbers
import os
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from .._utils.files import atomic_write
from .._utils.validation import check_positive_int, check_random_state, check_t_r, describe

#: network -> region -> centre (x, y, z) in MNI152 mm. Approximate peaks of
#: the canonical resting-state networks (default-mode: Fox et al. 2005, PNAS;
#: salience: Seeley et al. 2007, J Neurosci; the others from the usual
#: anatomy: calcarine cortex and MT, hand motor cortex and SMA, dorsolateral
#: prefrontal and inferior parietal cortex).
NETWORKS = {
    "default-mode": {
        "medial prefrontal cortex": (0, 52, -6),
        "posterior cingulate cortex": (0, -52, 26),
        "left angular gyrus": (-46, -66, 30),
        "right angular gyrus": (48, -62, 30),
    },
    "salience": {
        "dorsal anterior cingulate cortex": (0, 22, 36),
        "left anterior insula": (-36, 18, 2),
        "right anterior insula": (38, 20, 0),
    },
    "visual": {
        "left calcarine cortex": (-8, -90, 4),
        "right calcarine cortex": (10, -88, 4),
        "left middle temporal area": (-44, -70, 2),
        "right middle temporal area": (46, -68, 0),
    },
    "somatomotor": {
        "left hand motor cortex": (-38, -22, 56),
        "right hand motor cortex": (38, -22, 56),
        "supplementary motor area": (0, -6, 58),
    },
    "frontoparietal": {
        "left dorsolateral prefrontal cortex": (-44, 30, 28),
        "right dorsolateral prefrontal cortex": (44, 32, 28),
        "left inferior parietal lobule": (-46, -50, 46),
        "right inferior parietal lobule": (48, -48, 46),
    },
}
#: The coupling that the binary label changes, and the network whose
#: amplitude the trait scales.
LABEL_NETWORKS = ("default-mode", "salience")
TRAIT_NETWORK = "somatomotor"

_BLOB_SD = 8.0  # mm, standard deviation of each region's Gaussian blob
_MAP_FLOOR = 0.05  # map values below this fraction of the peak are set to 0
_TIME_CONSTANT = 4.0  # s, of the AR(1) network dynamics
_SUBJECT_SD = 0.2  # sd of each subject's label coupling, in Fisher z
_TRAIT_GAIN = 0.25  # log-amplitude change per unit trait and unit effect size
_NOISE_FWHM = 8.0  # mm, of the spatially smooth noise
#: Fixed loadings of network i on the innovations of network j < i, besides
#: the label coupling (visual-somatomotor and salience-frontoparietal).
_BASE_LOADINGS = {("somatomotor", "visual"): 0.4, ("frontoparietal", "salience"): 0.3}


def make_cohort(
    n_subjects=40,
    n_frames=120,
    t_r=2.0,
    resolution=4.0,
    effect_size=1.0,
    noise=1.0,
    random_state=None,
    output_dir=None,
):
    """Simulate resting-state runs whose network dynamics depend on a label and a trait.

    **Space.** Runs are on nilearn's MNI152 grid (ICBM 2009a brain mask,
    resampled to ``resolution`` mm; 4 mm gives 50 x 59 x 48 voxels, of
    which 29,398 are in the brain), with the repetition time in the
    header (``pixdim[4]``, units mm and s) and the MNI code in the qform
    and sform. Voxels outside the brain mask are 0.

    **Networks.** Five spatial maps (:data:`NETWORKS`): each region is a
    Gaussian blob of sd 8 mm at the listed MNI coordinate; a network's
    map is the maximum of its blobs (peak 1), set to 0 below 0.05 and
    outside the brain.

    **Dynamics.** Each subject's five network time series are
    ``z = amplitude * (L @ x)``: the rows of ``x`` are independent
    stationary AR(1) processes with unit variance and coefficient
    ``exp(-t_r / 4 s)``, and the lower-triangular loadings ``L`` have
    unit-norm rows, so that ``L @ L.T`` is the true correlation matrix
    (``coupling``). Fixed loadings: somatomotor on visual 0.4,
    frontoparietal on salience 0.3. The **label** (0 or 1, balanced)
    sets the salience loading on the default-mode network to
    ``tanh(±effect_size / 2 + N(0, 0.2²))`` (minus for label 0, plus for
    label 1): the two networks are anti-correlated in one group and
    correlated in the other. The **trait** (standard normal) scales the
    somatomotor amplitude by ``exp(0.25 * effect_size * trait)``; the
    other amplitudes are 1.

    **Voxels.** ``maps.T @ z`` plus spatially smooth Gaussian noise
    (white noise smoothed with an 8 mm FWHM kernel, rescaled to sd
    ``noise``, independent across frames) plus white Gaussian noise of
    sd ``noise``: zero-mean signal changes in arbitrary units, float32.

    Parameters
    ----------
    n_subjects : int, default=40
        Number of subjects (one run each); at least 2.
    n_frames : int, default=120
        Frames per run.
    t_r : float, default=2.0
        Repetition time in seconds.
    resolution : float, default=4.0
        Voxel size in mm, >= 1.
    effect_size : float, default=1.0
        Strength of the label and trait effects (>= 0; 0 makes the label
        and trait invisible in the data).
    noise : float, default=1.0
        Standard deviation of the white and of the smooth noise (>= 0).
    random_state : int, RandomState instance or None, default=None
        Seed for labels, traits, dynamics and noise.
    output_dir : str, os.PathLike or None, default=None
        If given, each run is written there as ``sub-XX_bold.nii.gz``
        (created if missing; existing files are never replaced) and
        ``runs`` holds the paths; runs are generated one at a time, so
        memory does not grow with ``n_subjects``.

    Returns
    -------
    sklearn.utils.Bunch
        ``runs``
            list of nibabel.Nifti1Image of shape (X, Y, Z, n_frames),
            float32, or of pathlib.Path when ``output_dir`` is given. In
            memory each run stores its brain voxels only (about 14 MB at
            the defaults) and fills the volume when its data are read.
        ``labels``
            int array of shape (n_subjects,), 0 or 1, balanced.
        ``trait``
            float array of shape (n_subjects,), standard normal.
        ``network_maps``
            nibabel.Nifti1Image of shape (X, Y, Z, n_networks), float32.
        ``network_names``
            list of str, the networks in map order.
        ``network_regions``
            dict, a copy of :data:`NETWORKS` (network -> region -> MNI
            coordinate in mm).
        ``network_timeseries``
            float array of shape (n_subjects, n_frames, n_networks): the
            true ``z`` of each subject.
        ``coupling``
            float array of shape (n_subjects, n_networks, n_networks): the
            true correlation matrix of each subject's network time series.
        ``amplitudes``
            float array of shape (n_subjects, n_networks).
        ``label_networks``, ``trait_network``
            The networks whose coupling the label changes and whose
            amplitude the trait scales.
        ``mask``
            nibabel.Nifti1Image, the 0/1 brain mask on the runs' grid.
        ``t_r``
            float, seconds.
        ``description``
            str.

    Raises
    ------
    ValueError
        If an argument is out of range or ``output_dir`` is a file.
    FileExistsError
        If ``output_dir`` already holds a file that would be written
        (nothing is written then).

    Examples
    --------
    >>> cohort = make_cohort(n_subjects=4, n_frames=10, random_state=0)
    >>> cohort.runs[0].shape, cohort.labels.tolist()
    ((50, 59, 48, 10), [0, 1, 1, 0])
    """
    n_subjects = check_positive_int(n_subjects, "n_subjects", "subjects")
    if n_subjects < 2:
        raise ValueError(
            f"n_subjects must be at least 2 (one per label); got {n_subjects}."
        )
    n_frames = check_positive_int(n_frames, "n_frames", "frames per run")
    t_r = check_t_r(t_r)
    resolution = _check_number(resolution, "resolution", 1.0, "voxel size in mm")
    effect_size = _check_number(effect_size, "effect_size", 0.0, "effect strength")
    noise = _check_number(noise, "noise", 0.0, "noise sd")
    rng = check_random_state(random_state, "make_cohort")
    paths = _output_paths(output_dir, n_subjects)

    import nibabel

    mask_img = _brain_mask(resolution)
    mask = np.asarray(mask_img.dataobj) > 0
    affine = mask_img.affine
    maps = _network_maps(mask, affine)
    names = list(NETWORKS)
    labels = rng.permutation(np.arange(n_subjects) % 2)
    trait = rng.standard_normal(n_subjects)

    runs, series, couplings, amplitudes = [], [], [], []
    for subject in range(n_subjects):
        voxels, z, loadings, amplitude = simulate_run(
            maps, mask, labels[subject], trait[subject], n_frames, t_r, resolution,
            effect_size, noise, rng,
        )
        run = _masked_image(mask, voxels, affine, resolution, t_r, nibabel)
        if paths is None:
            runs.append(run)
        else:
            _write_gzipped(run, paths[subject])
            runs.append(paths[subject])
        series.append(z)
        couplings.append(loadings @ loadings.T)
        amplitudes.append(amplitude)

    maps_img = nibabel.Nifti1Image(np.moveaxis(maps, 0, -1).astype(np.float32), affine)
    maps_img.set_qform(affine, code="mni")
    maps_img.set_sform(affine, code="mni")
    description = (
        f"Simulated cohort of {n_subjects} resting-state runs ({n_frames} frames, "
        f"TR {t_r} s) on the MNI152 grid at {resolution} mm, shape {mask.shape}, "
        f"zero outside the brain mask ({int(mask.sum())} voxels). {len(names)} "
        f"network maps ({', '.join(names)}; Gaussian blobs of sd {_BLOB_SD} mm at "
        "canonical MNI coordinates) carry AR(1) time series; label 1 (half "
        f"of the subjects) couples {LABEL_NETWORKS[0]} and {LABEL_NETWORKS[1]} "
        "positively and label 0 negatively (correlation about "
        f"±{np.tanh(effect_size / 2):.2f}); a standard-normal trait scales the "
        f"{TRAIT_NETWORK} amplitude by exp({_TRAIT_GAIN * effect_size:.3g} * trait). "
        f"Noise: {_NOISE_FWHM} mm FWHM smooth noise and white noise, each of sd "
        f"{noise}. Ground truth in 'network_timeseries', 'coupling' and 'amplitudes'."
    )
    return Bunch(
        runs=runs,
        labels=labels,
        trait=trait,
        network_maps=maps_img,
        network_names=names,
        network_regions={name: dict(regions) for name, regions in NETWORKS.items()},
        network_timeseries=np.stack(series),
        coupling=np.stack(couplings),
        amplitudes=np.stack(amplitudes),
        label_networks=LABEL_NETWORKS,
        trait_network=TRAIT_NETWORK,
        mask=mask_img,
        t_r=t_r,
        description=description,
    )


def _check_number(value, name, minimum, meaning):
    """Return ``value`` as a float after checking it is finite and >= ``minimum``."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not np.isfinite(value)
        or value < minimum
    ):
        raise ValueError(
            f"{name} must be a finite number >= {minimum:g} ({meaning}); "
            f"got {describe(value)}."
        )
    return float(value)


def _output_paths(output_dir, n_subjects):
    """The run files to write, after checking that none exists yet."""
    if output_dir is None:
        return None
    if not isinstance(output_dir, (str, os.PathLike)):
        raise TypeError(
            f"output_dir must be None or a path (str or os.PathLike); got "
            f"{describe(output_dir)}."
        )
    directory = Path(output_dir).expanduser()
    if directory.exists() and not directory.is_dir():
        raise ValueError(f"output_dir must be a directory; '{directory}' is a file.")
    width = max(2, len(str(n_subjects)))
    paths = [
        directory / f"sub-{s + 1:0{width}d}_bold.nii.gz" for s in range(n_subjects)
    ]
    existing = [path.name for path in paths if path.exists()]
    if existing:
        raise FileExistsError(
            f"output_dir: '{directory}' already holds {len(existing)} of the runs "
            f"to write (first: '{existing[0]}'); remove them or choose another "
            "directory. Nothing was written."
        )
    directory.mkdir(parents=True, exist_ok=True)
    return paths


def _brain_mask(resolution):
    """nilearn's MNI152 brain mask on a grid of ``resolution`` mm voxels."""
    from nilearn import datasets, image

    if resolution.is_integer():
        return datasets.load_mni152_brain_mask(resolution=int(resolution))
    fine = datasets.load_mni152_brain_mask(resolution=1)
    return image.resample_img(
        fine,
        target_affine=np.eye(3) * resolution,
        interpolation="nearest",
        force_resample=True,
        copy_header=True,
    )


def _network_maps(mask, affine):
    """Network maps of shape (n_networks, X, Y, Z), peak 1, zero outside ``mask``."""
    grid = np.stack(np.meshgrid(*map(np.arange, mask.shape), indexing="ij"), axis=-1)
    coordinates = grid @ affine[:3, :3].T + affine[:3, 3]
    maps = []
    for regions in NETWORKS.values():
        blobs = [
            np.exp(-((coordinates - centre) ** 2).sum(axis=-1) / (2 * _BLOB_SD**2))
            for centre in regions.values()
        ]
        network = np.max(blobs, axis=0)
        network[network < _MAP_FLOOR] = 0
        maps.append(network * mask)
    return np.stack(maps)


def simulate_run(maps, mask, label, trait, n_frames, t_r, resolution, effect_size, noise, rng):
    """One subject's run (see :func:`make_cohort`).

    Returns
    -------
    voxels : numpy.ndarray of shape (n_brain_voxels, n_frames), float32
    z : numpy.ndarray of shape (n_frames, n_networks)
        The network time series.
    loadings : numpy.ndarray of shape (n_networks, n_networks)
    amplitude : numpy.ndarray of shape (n_networks,)
    """
    names = list(NETWORKS)
    loadings = _loadings(names, label, effect_size, rng)
    amplitude = np.ones(len(names))
    amplitude[names.index(TRAIT_NETWORK)] = np.exp(_TRAIT_GAIN * effect_size * trait)
    phi = np.exp(-t_r / _TIME_CONSTANT)
    z = amplitude * (_ar1(n_frames, len(names), phi, rng) @ loadings.T)
    voxels = (maps[:, mask].T @ z.T).astype(np.float32)
    voxels += _noise(mask, n_frames, resolution, noise, rng)
    return voxels, z, loadings, amplitude


def _loadings(names, label, effect_size, rng):
    """Lower-triangular loadings with unit-norm rows (see :func:`make_cohort`)."""
    loadings = np.eye(len(names))
    for (network, source), value in _BASE_LOADINGS.items():
        loadings[names.index(network), names.index(source)] = value
    first, second = (names.index(name) for name in LABEL_NETWORKS)
    sign = 1.0 if label == 1 else -1.0
    fisher_z = sign * effect_size / 2 + _SUBJECT_SD * rng.standard_normal()
    loadings[second, first] = np.tanh(fisher_z)
    for row in range(len(names)):
        others = np.delete(loadings[row], row)
        loadings[row, row] = np.sqrt(1 - (others**2).sum())
    return loadings


def _ar1(n_frames, n_series, phi, rng):
    """Independent stationary AR(1) series with unit variance, (n_frames, n_series)."""
    innovations = rng.standard_normal((n_frames, n_series))
    series = np.empty_like(innovations)
    series[0] = innovations[0]
    scale = np.sqrt(1 - phi**2)
    for frame in range(1, n_frames):
        series[frame] = phi * series[frame - 1] + scale * innovations[frame]
    return series


def _noise(mask, n_frames, resolution, noise, rng):
    """Smooth plus white noise at the brain voxels, float32 (n_voxels, n_frames)."""
    from scipy.ndimage import gaussian_filter

    n_voxels = int(mask.sum())
    if noise == 0:
        return np.zeros((n_voxels, n_frames), dtype=np.float32)
    sigma = _NOISE_FWHM / (2 * np.sqrt(2 * np.log(2))) / resolution
    # Smooth only the brain's bounding box, with a margin of 3 sigma.
    margin = int(np.ceil(3 * sigma))
    inside = np.argwhere(mask)
    low = np.maximum(inside.min(axis=0) - margin, 0)
    high = np.minimum(inside.max(axis=0) + margin + 1, mask.shape)
    box = tuple(slice(a, b) for a, b in zip(low, high))
    field = rng.standard_normal(tuple(high - low) + (n_frames,)).astype(np.float32)
    gaussian_filter(field, (sigma, sigma, sigma, 0), output=field, mode="constant")
    smooth = field[mask[box]]
    smooth *= noise / smooth.std()
    smooth += noise * rng.standard_normal(smooth.shape).astype(np.float32)
    return smooth


class _MaskedArray:
    """A 4D volume stored as its in-mask voxels, filled in when read.

    It follows nibabel's array-proxy protocol (``shape``, ``ndim``,
    ``dtype``, ``is_proxy``, ``slope``, ``inter``, ``__array__``,
    ``__getitem__``), so that a nibabel image holds a run at the memory
    cost of its brain voxels.
    """

    is_proxy = True
    slope = 1.0
    inter = 0.0

    def __init__(self, mask, values):
        self._mask = mask
        self._values = values
        self.shape = mask.shape + values.shape[1:]
        self.ndim = len(self.shape)
        self.dtype = values.dtype

    def __array__(self, dtype=None, copy=None):
        volume = np.zeros(self.shape, dtype=self.dtype)
        volume[self._mask] = self._values
        return volume if dtype is None else volume.astype(dtype, copy=False)

    def __getitem__(self, slicer):
        from nibabel.fileslice import canonical_slicers

        slicer = canonical_slicers(slicer, self.shape)
        simple = all(isinstance(s, (slice, numbers.Integral)) for s in slicer)
        if not simple or len(slicer) != self.ndim:
            return np.asarray(self)[slicer]
        # Fill only the frames asked for, then cut the volume.
        frames = self._values[:, slicer[-1]]
        volume = np.zeros(self._mask.shape + frames.shape[1:], dtype=self.dtype)
        volume[self._mask] = frames
        return volume[slicer[:-1]]


def _masked_image(mask, voxels, affine, resolution, t_r, nibabel):
    """A Nifti1Image in MNI space holding ``voxels`` inside ``mask``."""
    image = nibabel.Nifti1Image(_MaskedArray(mask, voxels), affine)
    image.header.set_zooms((resolution,) * 3 + (t_r,))
    image.header.set_xyzt_units("mm", "sec")
    image.set_qform(affine, code="mni")
    image.set_sform(affine, code="mni")
    return image


def _write_gzipped(image, path):
    """Write ``image`` to ``path`` as gzipped NIfTI, atomically, never replacing."""
    with atomic_write(path) as temporary:
        with gzip.open(temporary, "wb", compresslevel=1) as stream:
            stream.write(image.to_bytes())
