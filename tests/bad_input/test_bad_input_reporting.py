"""Bad-input battery of neurost.reporting (HTML reports)."""

import functools
from pathlib import Path

import pytest

from neurost.reporting import Figure, Report, Section


def _report_with(**section):
    report = Report("analysis")
    report.sections.append(Section("data", **section))
    return report


def _report_appending(attribute, entry):
    report = Report("analysis")
    getattr(report.add_section("data"), attribute).append(entry)
    return report


CASES = [
    pytest.param(lambda: Report(3), TypeError, "title", id="report-title-int"),
    pytest.param(lambda: Report(None), TypeError, "title", id="report-title-none"),
    pytest.param(lambda: Report("analysis", subtitle=2.0), TypeError, "subtitle", id="report-subtitle-float"),
    pytest.param(lambda: Report("analysis").add_section(["Data"]), TypeError, "title", id="section-title-list"),
    pytest.param(lambda: Report("analysis").add_section("Data", text=5), TypeError, "text", id="section-text-int"),
    pytest.param(lambda: Section("data", figures="run.png"), TypeError, "figures", id="section-figures-string"),
    pytest.param(lambda: Section("data", tables=[{"r": 0.4}]), TypeError, "tables[0]", id="section-table-dict"),
    pytest.param(lambda: Figure(3, "caption"), TypeError, "path", id="figure-path-int"),
    pytest.param(lambda: Figure("run.png", None), TypeError, "caption", id="figure-caption-none"),
    pytest.param(lambda: Figure("run.png", "caption", "run.pdf"), TypeError, "alternates", id="figure-alternates-string"),
    pytest.param(lambda: Figure("run.png", "caption", [None]), TypeError, "alternates[0]", id="figure-alternate-none"),
    pytest.param(lambda: _report_appending("figures", "run.png").to_html("."), TypeError, "figures[0]", id="to-html-figure-string"),
    pytest.param(lambda: _report_appending("tables", [1, 2]).to_html("."), TypeError, "tables[0]", id="to-html-table-list"),
    pytest.param(lambda: Report("analysis").to_html(3), TypeError, "relative_to", id="to-html-relative-to-int"),
    pytest.param(lambda: _report_with().write(3), TypeError, "path", id="write-path-int"),
    pytest.param(lambda: Report("analysis").write("/no/such/folder/index.html"), FileNotFoundError, "path", id="write-folder-missing"),
]

FILE_CASES = [
    pytest.param(lambda tmp: Report("a").write(tmp), IsADirectoryError, "path", id="write-path-is-folder"),
    pytest.param(lambda tmp: Report("a").write(_existing(tmp), overwrite=False), FileExistsError, "overwrite", id="write-existing-no-overwrite"),
    pytest.param(lambda tmp: Report("a").write(tmp / "index.html", overwrite="yes"), TypeError, "overwrite", id="write-overwrite-text"),
    pytest.param(lambda tmp: _report_appending("figures", Figure(tmp / "missing.png", "a figure")).write(tmp / "index.html"), FileNotFoundError, "missing.png", id="write-figure-file-missing"),
    pytest.param(lambda tmp: _report_with(figures=[Figure(_png(tmp), "a figure", [tmp / "gone.pdf"])]).write(tmp / "index.html"), FileNotFoundError, "gone.pdf", id="write-alternate-missing"),
]


def _existing(folder):
    path = folder / "index.html"
    path.write_text("the user's page")
    return path


def _png(folder):
    path = folder / "run.png"
    path.write_bytes(b"\x89PNG")
    return path


@pytest.mark.parametrize("call, expected, fragment", CASES)
def test_bad_input(call, expected, fragment, check_row):
    check_row(call, expected, fragment)


@pytest.mark.parametrize("call, expected, fragment", FILE_CASES)
def test_bad_input_with_files(call, expected, fragment, check_row, tmp_path):
    check_row(functools.partial(call, tmp_path), expected, fragment)
    assert not (tmp_path / "index.html").exists() or (
        (tmp_path / "index.html").read_text() == "the user's page"
    )
    assert not [p for p in Path(tmp_path).iterdir() if p.name.endswith(".tmp")]
