"""A minimal, dependency-free HTML report of figures grouped in sections."""

import html
import os
from dataclasses import dataclass, field
from pathlib import Path

from .._utils.files import atomic_write
from .._utils.validation import describe

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto;
       padding: 0 1em; color: #222; line-height: 1.45; }
h1 { border-bottom: 2px solid #ddd; padding-bottom: .3em; }
h2 { margin-top: 2em; border-bottom: 1px solid #eee; }
figure { margin: 1.5em 0; }
figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #555; font-size: .95em; }
table { border-collapse: collapse; }
td, th { border: 1px solid #ddd; padding: .25em .6em; text-align: left; }
.meta { color: #777; font-size: .9em; }
"""


@dataclass
class Figure:
    """One figure of a report: an image file, its caption and other formats.

    Attributes
    ----------
    path : pathlib.Path
        The PNG shown in the page.
    caption : str
        Plain text under the image.
    alternates : list of pathlib.Path
        The same figure in other formats (e.g. PDF), linked under the image.
    """

    path: Path
    caption: str
    alternates: list = field(default_factory=list)

    def __post_init__(self):
        self.path = _path(self.path, "path")
        _text(self.caption, "caption")
        if isinstance(self.alternates, (str, os.PathLike)) or not isinstance(
            self.alternates, (list, tuple)
        ):
            raise TypeError(
                "alternates must be a list of paths (the figure in other "
                f"formats); got {describe(self.alternates)}."
            )
        self.alternates = [
            _path(alternate, f"alternates[{i}]")
            for i, alternate in enumerate(self.alternates)
        ]


@dataclass
class Section:
    """A titled part of a report: explanatory text, figures and tables."""

    title: str
    text: str = ""
    figures: list = field(default_factory=list)
    tables: list = field(default_factory=list)

    def __post_init__(self):
        _text(self.title, "title")
        _text(self.text, "text")
        self.check()

    def check(self):
        """Check that ``figures`` holds :class:`Figure` and ``tables`` DataFrames.

        Raises
        ------
        TypeError
            Naming the section and the first entry of another kind.
        """
        import pandas as pd

        for name, kind, entries in (
            ("figures", Figure, self.figures), ("tables", pd.DataFrame, self.tables)
        ):
            if not isinstance(entries, list):
                raise TypeError(
                    f"section {self.title!r}: {name} must be a list; got "
                    f"{describe(entries)}."
                )
            for i, entry in enumerate(entries):
                if not isinstance(entry, kind):
                    raise TypeError(
                        f"section {self.title!r}: {name}[{i}] must be a "
                        f"{kind.__module__.split('.')[0]}.{kind.__name__}; got "
                        f"{describe(entry)}."
                    )


class Report:
    """Collect figures in sections and write them as one ``index.html``.

    Parameters
    ----------
    title : str
        Page title.
    subtitle : str, optional
        A line under the title (e.g. the version that made the report).

    Examples
    --------
    >>> report = Report("My analysis")  # doctest: +SKIP
    >>> section = report.add_section("Data", "What was loaded.")  # doctest: +SKIP
    >>> section.figures.append(Figure(Path("out/run.png"), "A run."))  # doctest: +SKIP
    >>> report.write("out/index.html")  # doctest: +SKIP
    """

    def __init__(self, title, subtitle=""):
        self.title = _text(title, "title")
        self.subtitle = _text(subtitle, "subtitle")
        self.sections = []

    def add_section(self, title, text=""):
        """Append a new :class:`Section` and return it.

        Raises
        ------
        TypeError
            If ``title`` or ``text`` is not a string.
        """
        section = Section(title, text)
        self.sections.append(section)
        return section

    def to_html(self, relative_to):
        """Render the page; image paths are made relative to ``relative_to``.

        Raises
        ------
        TypeError
            If ``relative_to`` is not a path, or a section holds figures or
            tables of another kind.
        """
        relative_to = _path(relative_to, "relative_to")
        for section in self.sections:
            if not isinstance(section, Section):
                raise TypeError(
                    f"sections must hold Section objects (add_section); got "
                    f"{describe(section)}."
                )
            section.check()
        parts = [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>{html.escape(self.title)}</title>",
            f"<style>{_STYLE}</style></head><body>",
            f"<h1>{html.escape(self.title)}</h1>",
        ]
        if self.subtitle:
            parts.append(f'<p class="meta">{html.escape(self.subtitle)}</p>')
        for section in self.sections:
            parts.append(f"<h2>{html.escape(section.title)}</h2>")
            if section.text:
                parts.append(f"<p>{html.escape(section.text)}</p>")
            for table in section.tables:
                parts.append(table.to_html(index=False, border=0))
            for figure in section.figures:
                source = _relative(figure.path, relative_to)
                links = " · ".join(
                    f'<a href="{html.escape(_relative(alt, relative_to))}">'
                    f"{html.escape(Path(alt).suffix.lstrip('.').upper())}</a>"
                    for alt in figure.alternates
                )
                parts.append(
                    f'<figure><img src="{html.escape(source)}" '
                    f'alt="{html.escape(figure.caption)}">'
                    f"<figcaption>{html.escape(figure.caption)}"
                    f"{' (' + links + ')' if links else ''}</figcaption></figure>"
                )
        parts.append("</body></html>")
        return "\n".join(parts)

    def write(self, path, overwrite=True):
        """Write the page to ``path`` atomically and return the path.

        Raises
        ------
        TypeError
            If ``path`` is not a path or ``overwrite`` not a boolean.
        FileNotFoundError
            If the folder of ``path`` or the file of a figure does not exist
            (the page would show a broken image).
        FileExistsError
            If ``path`` exists and ``overwrite`` is False.
        """
        path = _path(path, "path")
        if not isinstance(overwrite, bool):
            raise TypeError(f"overwrite must be True or False; got {describe(overwrite)}.")
        html_text = self.to_html(path.parent)
        for section in self.sections:
            for figure in section.figures:
                for file in (figure.path, *figure.alternates):
                    if not file.is_file():
                        raise FileNotFoundError(
                            f"section {section.title!r}: the figure file '{file}' "
                            "does not exist; save the figure before writing the "
                            "report."
                        )
        with atomic_write(path, overwrite=overwrite) as temporary:
            temporary.write_text(html_text, encoding="utf-8")
        return path


def _path(value, name):
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{name} must be a path (str or os.PathLike); got {describe(value)}.")
    return Path(value).expanduser()


def _text(value, name):
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string; got {describe(value)}.")
    return value


def _relative(path, start):
    return Path(os.path.relpath(Path(path), Path(start))).as_posix()
