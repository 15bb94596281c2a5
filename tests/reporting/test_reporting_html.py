"""HTML reports: figures, tables and text in sections, written atomically."""

import pandas as pd
import pytest

from neurost.reporting import Figure, Report


def test_page_links_figures_relative_to_the_page_and_escapes_text(tmp_path):
    figures = tmp_path / "figures"
    figures.mkdir()
    (figures / "run.png").write_bytes(b"\x89PNG")
    (figures / "run.pdf").write_bytes(b"%PDF")
    report = Report("Scores <r>", subtitle="neurost test")
    section = report.add_section("Data & model", "What was <b>fitted</b>.")
    section.figures.append(Figure(figures / "run.png", "A run", [figures / "run.pdf"]))
    section.tables.append(pd.DataFrame({"roi": ["V1"], "r": [0.4]}))
    path = report.write(tmp_path / "index.html")
    page = path.read_text(encoding="utf-8")
    assert '<img src="figures/run.png" alt="A run">' in page
    assert '<a href="figures/run.pdf">PDF</a>' in page
    assert "Scores &lt;r&gt;" in page and "Data &amp; model" in page
    assert "What was &lt;b&gt;fitted&lt;/b&gt;." in page
    assert "<td>V1</td>" in page


def test_a_refused_write_keeps_the_existing_page(tmp_path):
    path = tmp_path / "index.html"
    path.write_text("the user's page")
    report = Report("analysis")
    report.add_section("data").figures.append(Figure(tmp_path / "missing.png", "x"))
    with pytest.raises(FileNotFoundError, match="missing.png"):
        report.write(path)
    assert path.read_text() == "the user's page"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html"]
