"""Videos of moving photographs with exact optical flow, and simulated voxels tuned to motion.

Frames are rendered by moving natural photographs with known affine
motions, so the optical flow of every frame pair is known exactly; voxel
responses follow a motion-energy-like model of that flow, convolved with a
canonical haemodynamic response function (HRF).
"""

import math
import numbers

import numpy as np
import pandas as pd
from nilearn.glm.first_level import glover_hrf, spm_hrf
from scipy import ndimage, signal
from skimage.color import rgb2gray
from skimage.transform import rescale
from sklearn.utils import Bunch, check_random_state

from .._utils.validation import (
    check_choice,
    check_finite,
    check_image_grid,
    check_positive_int,
    check_t_r,
    describe,
)
from .images import load_natural_images

#: Motion regimes: the whole scene translating, rotating about the frame
#: centre, expanding or contracting about it, or an object crossing a
#: static or differently translating background.
MOTIONS = ("translation", "rotation", "expansion", "object")

_BACKGROUNDS = ("china", "coffee", "chelsea", "rocket", "motorcycle")
_OBJECTS = ("astronaut", "chelsea", "coffee", "flower")
#: Side of the background photograph, in frame sides (content beyond it
#: is its mirror image, so that any motion stays defined).
_SOURCE_SIDES = 2.0
_OBJECT_RADIUS = 0.22  # object radius, in frame sides
_MAX_LOG_SCALE = 1.0  # expansion regimes keep the zoom within exp(+-1)
#: Pixels of an object's edge counted as not valid (partly covered pixels
#: and interpolation across the edge).
_EDGE_MARGIN = 1.5
_DIRECTION_KAPPA = 2.0  # von Mises concentration of direction tuning
_SPEED_OCTAVES = 1.0  # sd of the log2 speed tuning
_HRF_OVERSAMPLING = 16  # HRF samples per TR


def make_motion_dataset(
    n_trs=120,
    t_r=2.0,
    frame_rate=6.0,
    image_size=64,
    grid=(8, 8),
    frames_per_tr=3,
    n_voxels=200,
    noise=0.5,
    motions=MOTIONS,
    regime_trs=(2, 4),
    random_state=None,
):
    """Simulate a video of moving photographs with exact flow, and motion-tuned voxels.

    **Video.** Greyscale luminance frames (float32 in [0, 1]) show a
    natural photograph (one of ``"china"``, ``"coffee"``, ``"chelsea"``,
    ``"rocket"``, ``"motorcycle"`` of
    :func:`neurost.datasets.load_natural_images`, downscaled so that the
    frame sees the central half of it, mirrored beyond its borders). The
    video is a sequence of motion regimes, each lasting a random number of
    TRs in ``regime_trs`` with a motion drawn from ``motions``:

    - ``"translation"``: the scene moves by a constant vector, in a random
      direction at 0.5 to ``image_size / 32`` pixels per frame;
    - ``"rotation"``: it rotates about the frame centre by 1 to 4 degrees
      per frame, either way;
    - ``"expansion"``: it is zoomed about the frame centre by a log-rate
      of 0.01 to 0.03 per frame (less in regimes of more than 33 frames,
      so that one regime zooms by at most ``e``), in (expansion) or out
      (contraction; chosen so that the total zoom stays within
      ``exp(+-1)``);
    - ``"object"``: a disc cut from another photograph (radius 22 % of
      the frame) crosses the frame at a constant velocity over a
      background that is either static or translating differently.

    Motion continues across regimes (each frame is its predecessor moved
    by the current regime's motion), so every frame pair has a flow.

    **Ground-truth flow.** ``flow[t, y, x] = (dx, dy)``, in pixels, is
    where the content at pixel ``(x, y)`` of frame ``t`` is in frame
    ``t + 1``: ``frames[t + 1]`` at ``(x + dx, y + dy)`` equals
    ``frames[t]`` at ``(x, y)``, OpenCV's convention (that of
    :func:`neurost.features.compute_flow`), x to the right and y down. For
    these affine motions the flow is exact at every pixel; ``valid`` marks
    the pixels where the equality holds: content visible in both frames
    (not covered or uncovered by the object, and more than 1.5 pixels
    from its edge) and landing inside frame ``t + 1``.

    **Flow per TR.** ``flow_per_tr`` follows
    :class:`neurost.features.OpticalFlow` exactly: TR ``i`` holds the
    frames ``k`` with ``i * t_r <= k / frame_rate < (i + 1) * t_r``; of
    its ``n`` frames starting at ``s``, the pairs start at
    ``s + floor(j * n / frames_per_tr)`` (a pair starting on the last
    frame is moved back by one); the dense flow is averaged over each
    grid cell and expressed in grid cells per frame (``dx`` divided by
    ``image_size / grid[1]``, ``dy`` by ``image_size / grid[0]``).

    **Voxels.** Voxel ``v`` has a preferred direction ``theta_v``
    (uniform), a preferred speed ``s_v`` (log-uniform over 0.25 to
    ``image_size / 16`` pixels per frame, stored in grid cells per
    frame) and a Gaussian receptive field on the grid (centre uniform
    over the grid, sd 0.6 to 1.5 cells, weights summing to 1). For a grid
    flow vector of speed ``r`` and direction ``phi`` its tuning is::

        exp(2 * (cos(phi - theta_v) - 1)) * exp(-log2(r / s_v)² / 2)

    (von Mises direction tuning, log-Gaussian speed tuning of sd 1
    octave; 0 for no motion). Its ``drive`` in a TR is the tuning
    averaged over its receptive field and the TR's frame pairs of
    ``flow_per_tr``; ``signal`` is the drive, held over each TR, convolved
    with nilearn's SPM canonical double-gamma HRF (see
    :func:`convolve_hrf`), sampled at the start of each TR and scaled to
    zero mean and unit variance over TRs; ``bold = signal + noise *
    N(0, 1)``.

    Parameters
    ----------
    n_trs : int, default=120
        Number of TRs.
    t_r : float, default=2.0
        Repetition time, seconds.
    frame_rate : float, default=6.0
        Frames per second; a TR must hold at least ``frames_per_tr``
        frames.
    image_size : int, default=64
        Side of the square frames in pixels, at least 16 and a multiple of
        both grid dimensions.
    grid : tuple of (int, int), default=(8, 8)
        Grid (height, width) of ``flow_per_tr`` and of the receptive fields.
    frames_per_tr : int, default=3
        Frame pairs per TR in ``flow_per_tr``.
    n_voxels : int, default=200
        Number of simulated voxels.
    noise : float, default=0.5
        Standard deviation of the noise relative to the unit-variance
        signal; >= 0.
    motions : sequence of str, default=MOTIONS
        The regimes drawn from (uniformly), among :data:`MOTIONS`.
    regime_trs : tuple of (int, int), default=(2, 4)
        Shortest and longest regime, in TRs.
    random_state : int, RandomState instance or None, default=None
        Seed for the photographs, the motions, the voxels and the noise.

    Returns
    -------
    sklearn.utils.Bunch
        ``frames``
            float32 array of shape (n_frames, image_size, image_size):
            luminance in [0, 1]; ``n_frames`` is the number of frames
            shown during the ``n_trs`` TRs.
        ``frame_rate``, ``t_r``
            float, the arguments.
        ``flow``
            float32 array of shape (n_frames - 1, image_size, image_size,
            2): ``(dx, dy)`` in pixels per frame for each frame pair.
        ``valid``
            bool array of shape (n_frames - 1, image_size, image_size):
            where ``flow`` maps frame ``t`` onto frame ``t + 1``.
        ``flow_per_tr``
            float32 array of shape (n_trs, frames_per_tr, grid[0],
            grid[1], 2): ``(dx, dy)`` in grid cells per frame.
        ``pair_starts``
            int array of shape (n_trs, frames_per_tr): the first frame of
            each pair of ``flow_per_tr``.
        ``drive``
            float32 array of shape (n_trs, n_voxels): the neural drive
            before the HRF.
        ``signal``, ``bold``
            float32 arrays of shape (n_trs, n_voxels): noise-free and noisy
            responses.
        ``voxels``
            pandas.DataFrame with one row per voxel: ``preferred_direction``
            (degrees, 0 = rightward, 90 = downward: image coordinates),
            ``preferred_speed`` (grid cells per frame), ``rf_row``,
            ``rf_column`` (grid cells, 0 = centre of the first cell) and
            ``rf_size`` (sd, grid cells).
        ``regimes``
            pandas.DataFrame with one row per regime: ``start_tr``,
            ``n_trs``, ``motion``, ``dx``, ``dy`` (scene or background
            translation, pixels per frame), ``rotation`` (degrees per frame,
            positive clockwise on screen), ``scale`` (zoom per frame),
            ``object_dx``, ``object_dy`` (pixels per frame; NaN without an
            object).
        ``hrf``
            float array of shape (n_hrf,): the HRF sampled every
            ``t_r / 16`` s from 0 s (32 s long, summing to 1).
        ``noise``
            float, the argument.
        ``description``, ``provenance``
            str, and dict of the photographs' provenance.

    Raises
    ------
    ValueError
        If an argument is out of range, ``image_size`` is not a multiple
        of the grid, a TR holds fewer than ``frames_per_tr`` frames, or a
        motion is unknown.

    Examples
    --------
    >>> data = make_motion_dataset(n_trs=10, n_voxels=5, random_state=0)
    >>> data.frames.shape, data.flow_per_tr.shape, data.bold.shape
    ((120, 64, 64), (10, 3, 8, 8, 2), (10, 5))
    """
    n_trs = check_positive_int(n_trs, "n_trs", "TRs")
    t_r = check_t_r(t_r)
    frame_rate = _check_number(frame_rate, "frame_rate", "frames per second", 0)
    image_size = check_positive_int(image_size, "image_size", "pixels")
    if image_size < 16:
        raise ValueError(f"image_size must be at least 16 pixels; got {image_size}.")
    grid = check_image_grid(grid, image_size)
    frames_per_tr = check_positive_int(frames_per_tr, "frames_per_tr", "frame pairs per TR")
    n_voxels = check_positive_int(n_voxels, "n_voxels", "voxels")
    noise = _check_number(noise, "noise", "noise sd", None)
    motions = _check_motions(motions)
    regime_trs = _check_regime_trs(regime_trs)
    starts = np.ceil(np.arange(n_trs + 1) * t_r * frame_rate - 1e-6).astype(int)
    per_tr = int(np.diff(starts).min())
    if per_tr < max(frames_per_tr, 1) or starts[-1] < 2:
        raise ValueError(
            f"frames_per_tr={frames_per_tr} is more than the {per_tr} frame(s) a TR "
            f"of {t_r:g} s holds at {frame_rate:g} Hz; raise frame_rate or t_r, or "
            "lower frames_per_tr."
        )
    n_frames = int(starts[-1])
    rng = check_random_state(random_state)

    names = [_BACKGROUNDS[rng.randint(len(_BACKGROUNDS))]]
    objects = [name for name in _OBJECTS if name != names[0]]
    names.append(objects[rng.randint(len(objects))])
    photographs = load_natural_images(names)
    background = _source(photographs.images[0], _SOURCE_SIDES * image_size)
    thing = _source(photographs.images[1], 2 * _OBJECT_RADIUS * image_size + 2)

    regimes, pair_motion = _draw_regimes(
        n_trs, starts, motions, regime_trs, image_size, rng
    )
    frames, flow, valid = _render(
        background, thing, pair_motion, n_frames, image_size
    )

    offsets = np.arange(frames_per_tr)
    pair_starts = np.stack(
        [starts[i] + (offsets * (starts[i + 1] - starts[i])) // frames_per_tr
         for i in range(n_trs)]
    )
    pair_starts = np.minimum(pair_starts, n_frames - 2)
    flow_per_tr = pool_flow(flow[pair_starts], grid)

    voxels = _draw_voxels(n_voxels, grid, image_size, rng)
    drive = _drive(flow_per_tr, voxels, grid)
    response = convolve_hrf(drive, t_r)
    response -= response.mean(axis=0)
    scale = response.std(axis=0)
    response /= np.where(scale > 0, scale, 1.0)
    bold = response + noise * rng.standard_normal(response.shape)

    counts = regimes["motion"].value_counts().reindex(motions, fill_value=0)
    description = (
        f"Simulated video of {n_frames} greyscale {image_size}x{image_size} frames "
        f"at {frame_rate:g} Hz ({n_trs} TRs of {t_r:g} s) moving the photograph "
        f"'{names[0]}' (and a disc of '{names[1]}' as a moving object), in "
        f"{len(regimes)} motion regimes of {regime_trs[0]}-{regime_trs[1]} TRs ("
        + ", ".join(f"{m}: {c}" for m, c in counts.items())
        + "), with the exact optical flow of every frame pair in pixels and its "
        f"grid average ({grid[0]}x{grid[1]}, grid cells per frame) for "
        f"{frames_per_tr} frame pairs per TR. {n_voxels} voxels tuned to motion "
        "direction (von Mises) and speed (log-Gaussian) within a Gaussian "
        "receptive field, convolved with the SPM canonical HRF and scaled to unit "
        f"variance, plus Gaussian noise of sd {noise:g}."
    )
    return Bunch(
        frames=frames,
        frame_rate=frame_rate,
        t_r=t_r,
        flow=flow,
        valid=valid,
        flow_per_tr=flow_per_tr,
        pair_starts=pair_starts,
        drive=drive.astype(np.float32),
        signal=response.astype(np.float32),
        bold=bold.astype(np.float32),
        voxels=voxels,
        regimes=regimes,
        hrf=_hrf(t_r, "spm", _HRF_OVERSAMPLING),
        noise=noise,
        description=description,
        provenance=photographs.provenance,
    )


def pool_flow(flow, grid):
    """Average dense flow over grid cells, in grid cells per frame.

    Parameters
    ----------
    flow : numpy.ndarray of shape (..., height, width, 2)
        ``(dx, dy)`` in pixels; ``height`` and ``width`` multiples of the
        grid dimensions.
    grid : tuple of (int, int)
        Grid (height, width).

    Returns
    -------
    numpy.ndarray of shape (..., grid[0], grid[1], 2), float32
        The mean over each cell's pixels, ``dx`` divided by the cell width
        and ``dy`` by the cell height.
    """
    height, width = flow.shape[-3:-1]
    cell_h, cell_w = height // grid[0], width // grid[1]
    blocks = flow.reshape(flow.shape[:-3] + (grid[0], cell_h, grid[1], cell_w, 2))
    pooled = blocks.mean(axis=(-4, -2), dtype=np.float64)
    return (pooled / np.array([cell_w, cell_h])).astype(np.float32)


def convolve_hrf(drive, t_r, *, hrf_model="spm", oversampling=_HRF_OVERSAMPLING):
    """Convolve time series sampled once per TR with a canonical HRF.

    The value of TR ``i`` is held constant from ``i * t_r`` to
    ``(i + 1) * t_r`` on a grid of ``t_r / oversampling`` s, convolved
    with one of nilearn's canonical haemodynamic response functions (32 s
    long, summing to 1 on that grid) and sampled at ``i * t_r``, the frame
    times of nilearn's design matrices. A constant drive of 1 therefore
    gives 1 once the response has settled. With ``oversampling=1`` each
    value is an impulse at the start of its TR, convolved with the HRF
    sampled once per TR (stick regressors of event onsets).

    Parameters
    ----------
    drive : array-like of shape (n_trs,) or (n_trs, n_columns)
        Neural drive (or stimulus regressors), one row per TR, any unit.
    t_r : float
        Repetition time, seconds.
    hrf_model : {"spm", "glover"}, default="spm"
        nilearn's SPM canonical double gamma
        (:func:`nilearn.glm.first_level.spm_hrf`, peak near 5 s) or
        Glover's (:func:`nilearn.glm.first_level.glover_hrf`).
    oversampling : int, default=16
        Samples per TR of the grid the convolution is computed on.

    Returns
    -------
    numpy.ndarray of the shape of ``drive``, float64
        The response, in the unit of ``drive``; causal (row ``i`` depends
        on rows ``0`` to ``i - 1`` only, row ``i`` itself with
        ``oversampling=1``).

    Raises
    ------
    ValueError
        If ``drive`` is not 1-D or 2-D, is empty or holds NaN or infinity,
        or an argument is out of range.

    Examples
    --------
    >>> import numpy as np
    >>> block = np.r_[np.zeros(2), np.ones(20)]
    >>> convolve_hrf(block, t_r=2.0)[[3, 5, 21]].round(3)  # 2 s, 6 s and 40 s in
    array([0.018, 0.658, 1.   ])
    """
    drive = np.asarray(drive)
    if not (np.issubdtype(drive.dtype, np.number) or drive.dtype == bool):
        raise ValueError(f"drive must be an array of numbers; got {describe(drive)}.")
    if drive.ndim not in (1, 2) or not drive.size:
        raise ValueError(
            "drive must have shape (n_trs,) or (n_trs, n_columns) with at least one "
            f"value; got {describe(drive)}."
        )
    drive = check_finite(drive.astype(np.float64), "drive")
    oversampling = check_positive_int(oversampling, "oversampling", "samples per TR")
    hrf = _hrf(check_t_r(t_r), hrf_model, oversampling)
    fine = np.repeat(drive.reshape(len(drive), -1), oversampling, axis=0)
    response = signal.fftconvolve(fine, hrf[:, None], axes=0)[: len(fine)]
    return response[::oversampling].reshape(drive.shape)


def _hrf(t_r, hrf_model, oversampling):
    """nilearn's HRF every ``t_r / oversampling`` s from 0 s, summing to 1."""
    models = {"spm": spm_hrf, "glover": glover_hrf}
    return models[check_choice(hrf_model, "hrf_model", tuple(models))](
        t_r, oversampling=oversampling
    )


def _check_number(value, name, meaning, lower_exclusive):
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
        or value < 0
        or (lower_exclusive is not None and value <= lower_exclusive)
    ):
        bound = "> 0" if lower_exclusive is not None else ">= 0"
        raise ValueError(
            f"{name} must be a finite number {bound} ({meaning}); got {describe(value)}."
        )
    return float(value)


def _check_motions(motions):
    if isinstance(motions, str) or not isinstance(motions, (tuple, list)) or not motions:
        raise ValueError(
            f"motions must be a non-empty list of names among {list(MOTIONS)}; "
            f"got {describe(motions)}."
        )
    return [check_choice(motion, "motions", MOTIONS) for motion in motions]


def _check_regime_trs(regime_trs):
    try:
        low, high = regime_trs
        low = check_positive_int(low, "regime_trs[0]", "TRs")
        high = check_positive_int(high, "regime_trs[1]", "TRs")
    except (TypeError, ValueError):
        raise ValueError(
            "regime_trs must be a pair (shortest, longest) of positive integers "
            f"with shortest <= longest; got {describe(regime_trs)}."
        ) from None
    if low > high:
        raise ValueError(
            "regime_trs must be a pair (shortest, longest) of positive integers "
            f"with shortest <= longest; got {describe(regime_trs)}."
        )
    return low, high


def _source(image, side):
    """Luminance in [0, 1], downscaled so that its shorter side is ``side``."""
    grey = rgb2gray(image)
    factor = min(1.0, side / min(grey.shape))
    return rescale(grey, factor, anti_aliasing=True).astype(np.float64)


def _affine(dx=0.0, dy=0.0, angle=0.0, scale=1.0, centre=(0.0, 0.0)):
    """3 x 3 matrix on (x, y, 1): rotate and zoom about ``centre``, then translate."""
    cos, sin = scale * math.cos(angle), scale * math.sin(angle)
    cx, cy = centre
    return np.array(
        [
            [cos, -sin, cx - cos * cx + sin * cy + dx],
            [sin, cos, cy - sin * cx - cos * cy + dy],
            [0.0, 0.0, 1.0],
        ]
    )


def _draw_regimes(n_trs, starts, motions, regime_trs, size, rng):
    """The regimes table and, per frame pair, (background, object) motions."""
    centre = ((size - 1) / 2, (size - 1) / 2)
    max_speed = size / 32
    n_pairs = int(starts[-1]) - 1
    pair_motion = [None] * n_pairs
    rows, tr, log_scale = [], 0, 0.0
    while tr < n_trs:
        length = min(int(rng.randint(regime_trs[0], regime_trs[1] + 1)), n_trs - tr)
        motion = motions[rng.randint(len(motions))]
        first, stop = int(starts[tr]), min(int(starts[tr + length]), n_pairs)
        row = dict(
            start_tr=tr, n_trs=length, motion=motion, dx=0.0, dy=0.0, rotation=0.0,
            scale=1.0, object_dx=np.nan, object_dy=np.nan,
        )
        thing = None
        if motion in ("translation", "object"):
            still = motion == "object" and rng.rand() < 0.5
            speed = 0.0 if still else rng.uniform(0.5, max_speed)
            angle = rng.uniform(0, 2 * np.pi)
            row["dx"], row["dy"] = speed * math.cos(angle), speed * math.sin(angle)
        elif motion == "rotation":
            row["rotation"] = rng.choice([-1, 1]) * rng.uniform(1.0, 4.0)
        else:
            n_steps = max(stop - first, 1)
            rate = min(rng.uniform(0.01, 0.03), _MAX_LOG_SCALE / n_steps)
            if log_scale + rate * n_steps > _MAX_LOG_SCALE:
                sign = -1.0
            elif log_scale - rate * n_steps < -_MAX_LOG_SCALE:
                sign = 1.0
            else:
                sign = rng.choice([-1.0, 1.0])
            row["scale"] = math.exp(sign * rate)
            log_scale += sign * rate * n_steps
        if motion == "object":
            speed = rng.uniform(0.5, max_speed) * 1.5
            angle = rng.uniform(0, 2 * np.pi)
            velocity = np.array([math.cos(angle), math.sin(angle)]) * speed
            row["object_dx"], row["object_dy"] = velocity
            # the disc crosses the frame centre half-way through the regime
            middle = np.array(centre) + rng.uniform(-0.15, 0.15, 2) * size
            thing = (middle - velocity * (stop - first) / 2, velocity)
        background = _affine(
            row["dx"], row["dy"], math.radians(row["rotation"]), row["scale"], centre
        )
        for pair in range(first, stop):
            pair_motion[pair] = (background, thing, first)
        rows.append(row)
        tr += length
    return pd.DataFrame(rows), pair_motion


def _object_pose(thing, frame, first):
    """Frame coordinates of the object's centre in ``frame``, or None."""
    if thing is None:
        return None
    start, velocity = thing
    return start + velocity * (frame - first)


def _render(background, thing, pair_motion, n_frames, size):
    """Frames, flow and validity of every pair, from the cumulative motions."""
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float64)
    points = np.stack([xs.ravel(), ys.ravel(), np.ones(xs.size)])
    radius = _OBJECT_RADIUS * size
    thing_centre = (np.array(thing.shape[::-1]) - 1) / 2
    # frame -> background source coordinates: the frame centre on the photo's
    to_source = _affine(
        *((np.array(background.shape[::-1]) - 1) / 2 - (size - 1) / 2)
    )
    frames = np.empty((n_frames, size, size), np.float32)
    flow = np.empty((n_frames - 1, size, size, 2), np.float32)
    valid = np.empty((n_frames - 1, size, size), bool)

    def pose(frame):
        _, moving, first = pair_motion[min(frame, n_frames - 2)]
        return _object_pose(moving, frame, first)

    for frame in range(n_frames):
        source = to_source @ points
        pixels = ndimage.map_coordinates(
            background, source[1::-1], order=1, mode="mirror"
        )
        centre = pose(frame)
        if centre is not None:
            inside = np.hypot(*(points[:2] - centre[:, None])) < radius
            pixels[inside] = ndimage.map_coordinates(
                thing,
                (points[:2, inside] - centre[:, None] + thing_centre[:, None])[::-1],
                order=1,
                mode="mirror",
            )
        frames[frame] = pixels.reshape(size, size)
        if frame == n_frames - 1:
            break
        motion, moving, _ = pair_motion[frame]
        step = (motion @ points - points)[:2]
        ok = np.ones(points.shape[1], bool)
        following = pose(frame + 1)
        if centre is not None:
            velocity = moving[1]
            step[:, inside] = velocity[:, None]
            edge = np.abs(np.hypot(*(points[:2] - centre[:, None])) - radius)
            ok &= edge > _EDGE_MARGIN
            # the disc is still there, one step further, in the next frame
            continues = following is not None and np.allclose(
                following, centre + velocity
            )
            ok &= ~inside | continues
        destination = points[:2] + step
        if following is not None:
            distance = np.hypot(*(destination - following[:, None]))
            ok &= (centre is not None and inside) | (distance > radius + _EDGE_MARGIN)
        ok &= ((destination >= 0) & (destination <= size - 1)).all(axis=0)
        flow[frame] = step.T.reshape(size, size, 2)
        valid[frame] = ok.reshape(size, size)
        to_source = to_source @ np.linalg.inv(motion)
    return frames, flow, valid


def _draw_voxels(n_voxels, grid, size, rng):
    cell = size / np.array(grid[::-1], float)  # pixels per cell along x, y
    speeds = np.exp(rng.uniform(np.log(0.25), np.log(size / 16), n_voxels))
    return pd.DataFrame(
        {
            "preferred_direction": rng.uniform(0, 360, n_voxels),
            "preferred_speed": speeds / np.sqrt(cell.prod()),
            "rf_row": rng.uniform(-0.5, grid[0] - 0.5, n_voxels),
            "rf_column": rng.uniform(-0.5, grid[1] - 0.5, n_voxels),
            "rf_size": rng.uniform(0.6, 1.5, n_voxels),
        }
    )


def _drive(flow_per_tr, voxels, grid):
    """Tuning to the grid flow, averaged over each voxel's field and the pairs."""
    rows, columns = np.mgrid[0 : grid[0], 0 : grid[1]]
    fields = np.exp(
        -(
            (rows[None] - voxels["rf_row"].to_numpy()[:, None, None]) ** 2
            + (columns[None] - voxels["rf_column"].to_numpy()[:, None, None]) ** 2
        )
        / (2 * voxels["rf_size"].to_numpy()[:, None, None] ** 2)
    )
    fields /= fields.sum(axis=(1, 2), keepdims=True)
    dx, dy = flow_per_tr[..., 0].astype(float), flow_per_tr[..., 1].astype(float)
    speed, direction = np.hypot(dx, dy), np.arctan2(dy, dx)
    preferred = np.radians(voxels["preferred_direction"].to_numpy())
    tuning = np.exp(
        _DIRECTION_KAPPA * (np.cos(direction[..., None] - preferred) - 1)
    )
    with np.errstate(divide="ignore"):
        octaves = np.log2(speed[..., None] / voxels["preferred_speed"].to_numpy())
    tuning *= np.exp(-(octaves**2) / (2 * _SPEED_OCTAVES**2))
    return np.einsum("tphwv,vhw->tv", tuning, fields, optimize=True) / flow_per_tr.shape[1]
