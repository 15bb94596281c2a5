"""Repetition time (TR): reading it from headers, checking it, storing it."""

import math
import warnings

import numpy as np

# NIfTI time units and their length in seconds; "unknown" is read as seconds,
# as FSL does, with a warning (nibabel gives new images a step of 1 without
# unit). Other codes ("hz", "ppm", "rads") mean the fourth axis is not time.
_NIFTI_SECONDS = {"sec": 1.0, "msec": 1e-3, "usec": 1e-6, "unknown": 1.0}
#: Relative difference beyond which two repetition times of one run disagree.
TR_TOLERANCE = 0.01


def header_t_r(img, quiet=False):
    """Read the repetition time recorded in a nibabel image's header.

    Parameters
    ----------
    img : nibabel image
        NIfTI-1/2 (``pixdim[4]`` with the ``xyzt_units`` time unit), MGH
        (``tr``, in ms), GIfTI (``TimeStep`` metadata, in ms) or CIFTI-2
        (the series axis step, when its unit is seconds).
    quiet : bool, default=False
        Do not warn when a NIfTI time step without unit is read as seconds.

    Returns
    -------
    float or None
        Seconds; None when the header records no time step (3D volumes,
        scalar maps, a zero field, or a non-time fourth axis).
    """
    import nibabel

    if isinstance(img, nibabel.Cifti2Image):
        axis = img.header.get_axis(0)
        if isinstance(axis, nibabel.cifti2.SeriesAxis) and axis.unit == "SECOND":
            return _positive(axis.step)
        return None
    if isinstance(img, (nibabel.Nifti1Image, nibabel.Nifti2Image)):
        if len(img.shape) < 4:
            return None
        unit = img.header.get_xyzt_units()[1]
        step = _positive(img.header.get_zooms()[3])
        if step is None or unit not in _NIFTI_SECONDS:
            return None
        if unit == "unknown" and not quiet:
            warnings.warn(
                f"The header of {img.get_filename() or 'the image'} gives a time "
                f"step of {step:g} without a time unit; it is read as seconds. "
                "Pass t_r= (seconds) to state the repetition time.",
                UserWarning,
                stacklevel=3,
            )
        return step * _NIFTI_SECONDS[unit]
    if isinstance(img, nibabel.MGHImage):
        if len(img.shape) < 4:
            return None
        step = _positive(img.header["tr"])
        return None if step is None else step / 1000.0
    if isinstance(img, nibabel.GiftiImage):
        metadata = [img.meta] + [darray.meta for darray in img.darrays[:1]]
        for meta in metadata:
            if "TimeStep" in meta:
                step = _positive(meta["TimeStep"])
                return None if step is None else step / 1000.0
        return None
    return None


def resolve_t_r(t_r, from_header, name, source):
    """Choose between the ``t_r`` argument and the header's value.

    ``t_r`` wins; a warning is issued when both are known and differ by
    more than 1%.

    Parameters
    ----------
    t_r : float or None
        The value passed by the user, in seconds (already checked).
    from_header : float or None
        The value read from the header, in seconds.
    name : str
        The argument name of the image, for the warning.
    source : str
        What the header belongs to, for the warning.

    Returns
    -------
    float or None
    """
    if t_r is None:
        return from_header
    if from_header is not None and abs(from_header - t_r) > TR_TOLERANCE * t_r:
        warnings.warn(
            f"t_r={t_r:g} s overrides the repetition time of {from_header:g} s "
            f"recorded in the header of {name} ({source}).",
            UserWarning,
            stacklevel=3,
        )
    return t_r


def with_t_r(img, t_r):
    """Return a new NIfTI or MGH image sharing ``img``'s data, TR in header.

    The header is copied, so ``img`` itself is never modified; the data
    object (an array proxy for a file) is shared, not read.

    Parameters
    ----------
    img : nibabel.Nifti1Image, nibabel.Nifti2Image or nibabel.MGHImage
    t_r : float or None
        Seconds. NIfTI stores it in ``pixdim[4]`` with time unit ``"sec"``;
        MGH in ``tr``, in ms. None leaves the header's value.

    Returns
    -------
    nibabel image
        Of the same class as ``img``.
    """
    import nibabel

    new = img.__class__(img.dataobj, img.affine, img.header, extra=img.extra)
    if t_r is None or len(img.shape) < 4:
        return new
    if isinstance(new, nibabel.MGHImage):
        new.header["tr"] = t_r * 1000.0
    else:
        new.header.set_zooms(new.header.get_zooms()[:3] + (t_r,))
        new.header.set_xyzt_units(xyz=new.header.get_xyzt_units()[0], t="sec")
    return new


def agree_t_r(t_rs, name):
    """Return the repetition time the hemisphere files of one run share.

    Parameters
    ----------
    t_rs : dict of str to float or None
        Seconds (None: not recorded), per hemisphere or file.
    name : str
        The argument name used in the error message.

    Returns
    -------
    float or None

    Raises
    ------
    ValueError
        If two recorded values differ by more than 1%.
    """
    known = {hemi: value for hemi, value in t_rs.items() if value is not None}
    if not known:
        return None
    reference = next(iter(known.values()))
    if any(abs(value - reference) > 0.01 * reference for value in known.values()):
        raise ValueError(
            f"{name}: expected the two hemispheres of one run; their headers "
            f"record different repetition times (seconds): {known}."
        )
    return reference


def _positive(value):
    """Return ``value`` as a positive, finite float, or None.

    float32 header fields are read as the shortest decimal that rounds to
    them (1.35, not 1.350000023841858).
    """
    try:
        array = np.asarray(value, dtype=float if isinstance(value, str) else None)
        if array.dtype.kind == "f" and array.dtype.itemsize == 4:
            value = float(str(np.float32(array)))
        else:
            value = float(array)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) and value > 0 else None
