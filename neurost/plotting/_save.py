"""Saving figures as PNG and PDF, without ever leaving a half-written file."""

import os
from pathlib import Path

from matplotlib.backend_bases import FigureCanvasBase

from .._utils.files import atomic_write
from .._utils.validation import describe
from ._checks import check_dpi, check_figure

#: Formats always written: a raster for slides and web, a vector for print.
ALWAYS_WRITTEN = ("png", "pdf")
#: Resolution of the PNG and of the rasterised parts of vector files.
DEFAULT_DPI = 300


def save_figure(fig, output_file, *, dpi=DEFAULT_DPI):
    """Save a figure as PNG and PDF (and in the format named, if another).

    The rule: ``output_file`` names the figure; ``name``, ``name.png`` and
    ``name.pdf`` all write ``name.png`` and ``name.pdf``; ``name.svg`` (or
    any other format matplotlib writes) writes ``name.svg`` too. Each file
    is written under a temporary name and renamed, so an interrupted save
    never leaves a truncated figure; existing files are replaced.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    output_file : str or os.PathLike
        The file name, with or without a suffix; its folder must exist.
    dpi : float, default=300
        Resolution of the PNG and of rasterised parts (surface meshes) of
        vector files, in dots per inch.

    Returns
    -------
    list of pathlib.Path
        The files written, PNG and PDF first.

    Raises
    ------
    TypeError
        If ``fig`` is not a matplotlib Figure or ``output_file`` not a path.
    ValueError
        If the suffix of ``output_file`` is not a format matplotlib writes,
        or ``dpi`` is not a positive number.
    FileNotFoundError
        If its folder does not exist.
    """
    check_figure(fig)
    dpi = check_dpi(dpi)
    written = []
    for target in figure_files(output_file):
        with atomic_write(target, overwrite=True) as temporary:
            fig.savefig(
                temporary, format=target.suffix[1:], dpi=dpi, bbox_inches="tight"
            )
        written.append(target)
    return written


def figure_files(output_file):
    """Check ``output_file`` and return the files :func:`save_figure` writes.

    Figure functions call it before drawing, so that a bad ``output_file``
    is reported before any slow rendering.

    Returns
    -------
    list of pathlib.Path
        PNG, PDF, then the format named by the suffix if it is another.
    """
    if not isinstance(output_file, (str, os.PathLike)):
        raise TypeError(
            f"output_file must be a path (str or os.PathLike); got "
            f"{describe(output_file)}."
        )
    path = Path(output_file).expanduser()
    supported = FigureCanvasBase.get_supported_filetypes()
    suffix = path.suffix.lower().lstrip(".")
    if suffix and suffix not in supported:
        raise ValueError(
            f"output_file: '{path.name}' has the suffix '.{suffix}', which is "
            f"not an image format; use one of "
            f"{sorted('.' + s for s in supported)} or no suffix (the PNG and "
            "PDF files are always written)."
        )
    if not path.parent.is_dir():
        raise FileNotFoundError(
            f"output_file: the folder '{path.parent}' does not exist; create it "
            "first."
        )
    stem = path.with_suffix("") if suffix else path
    formats = list(ALWAYS_WRITTEN)
    if suffix and suffix not in formats:
        formats.append(suffix)
    return [stem.with_name(f"{stem.name}.{fmt}") for fmt in formats]
