"""Windows of consecutive fMRI TRs around each decoded TR."""

import numbers

import numpy as np

from .._utils.validation import check_choice, describe

EDGES = ("drop", "pad")


def check_window(window):
    """Return ``window`` as ``(start, stop)`` after checking it.

    Parameters
    ----------
    window : tuple of int (start, stop)
        TR offsets of the first and last TR of a window, relative to its
        centre, both included (``(-2, 2)``: TRs ``i - 2 .. i + 2``).

    Returns
    -------
    tuple of int

    Raises
    ------
    ValueError
        If ``window`` is not two integers with ``start <= stop``.
    """
    if (
        not isinstance(window, (tuple, list))
        or len(window) != 2
        or any(isinstance(v, bool) or not isinstance(v, numbers.Integral) for v in window)
    ):
        raise ValueError(
            "window must be a pair of integer TR offsets (start, stop), e.g. "
            f"(-2, 2) for TRs i-2 .. i+2; got {describe(window)}."
        )
    start, stop = int(window[0]), int(window[1])
    if start > stop:
        raise ValueError(
            f"window=({start}, {stop}) has start > stop; expected start <= stop "
            "(offsets of the first and last TR of the window)."
        )
    return start, stop


def make_windows(X, window=(-2, 2), edges="drop"):
    """Stack the TRs around each TR into one sample per window centre.

    Parameters
    ----------
    X : array-like of shape (n_trs, n_voxels), or list of them
        fMRI responses. A list holds separate runs (same ``n_voxels``):
        windows never cross a run boundary.
    window : tuple of int (start, stop), default=(-2, 2)
        TR offsets of the first and last TR of a window relative to its
        centre, both included; ``(-2, 2)`` gives the 5 TRs ``i - 2 .. i + 2``
        and ``n_window = stop - start + 1``.
    edges : {"drop", "pad"}, default="drop"
        ``"drop"`` keeps only the centres whose whole window lies inside
        their run. ``"pad"`` keeps every TR as a centre and fills the TRs
        that fall outside the run with zeros (for standardised responses,
        zero is each voxel's mean).

    Returns
    -------
    windows : numpy.ndarray of shape (n_samples, n_window, n_voxels)
        ``windows[j, k] = X[indices[j] + start + k]`` (zeros outside the run
        with ``edges="pad"``). The dtype of ``X`` (floating) is kept.
    indices : numpy.ndarray of shape (n_samples,), int64
        The centre TR of each window; for a list of runs, an index into the
        runs concatenated in order (so that it selects rows of targets
        stacked the same way).

    Raises
    ------
    ValueError
        If ``X`` (or a run) is not 2-D, runs differ in ``n_voxels``, the
        window is invalid, or ``edges="drop"`` leaves no sample.
    """
    start, stop = check_window(window)
    check_choice(edges, "edges", EDGES)
    runs = _check_runs(X)
    n_window = stop - start + 1
    windows, indices, offset = [], [], 0
    for run in runs:
        n_trs = len(run)
        if edges == "drop":
            centres = np.arange(max(0, -start), min(n_trs, n_trs - stop))
        else:
            centres = np.arange(n_trs)
        positions = centres[:, None] + np.arange(start, stop + 1)[None, :]
        inside = (positions >= 0) & (positions < n_trs)
        stacked = run[np.clip(positions, 0, max(n_trs - 1, 0))]
        stacked[~inside] = 0
        windows.append(stacked)
        indices.append(centres + offset)
        offset += n_trs
    indices = np.concatenate(indices).astype(np.int64)
    if not len(indices):
        lengths = [len(run) for run in runs]
        raise ValueError(
            f"window=({start}, {stop}) spans {n_window} TRs, so edges='drop' "
            f"leaves no sample in runs of {lengths} TRs; use a shorter window, "
            "longer runs, or edges='pad'."
        )
    return np.concatenate(windows), indices


def _check_runs(X):
    runs = X if isinstance(X, (list, tuple)) else [X]
    if not runs:
        raise ValueError("X must hold at least one run; got an empty list.")
    checked = []
    for i, run in enumerate(runs):
        name = f"X[{i}]" if isinstance(X, (list, tuple)) else "X"
        run = np.asarray(run)
        if not np.issubdtype(run.dtype, np.number) or np.iscomplexobj(run):
            raise TypeError(f"{name} must hold real numbers; got {describe(run)}.")
        if run.ndim != 2:
            raise ValueError(
                f"{name} must have shape (n_trs, n_voxels); got {describe(run)}."
            )
        if not np.issubdtype(run.dtype, np.floating):
            run = run.astype(np.float64)
        checked.append(run)
    n_voxels = {run.shape[1] for run in checked}
    if len(n_voxels) > 1:
        raise ValueError(
            "The runs of X must have the same number of voxels; got "
            f"{[run.shape[1] for run in checked]}."
        )
    return checked
