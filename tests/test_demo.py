"""``neurost demo`` writes its figures and an index.html that shows them."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

EXPECTED_FIGURES = {
    "atlas_yeo7_on_cortex",
    "atlas_mmp1_on_cortex",
    "roi_timeseries",
    "roi_correlation",
    "tablet_reconstruction",
    "tablet_attribution",
    "encoding_attention",
    "encoding_accuracy_on_cortex",
    "encoding_attention_on_cortex",
    "video_flow",
    "video_decoded_flow",
    "video_motion_tuning_on_cortex",
}


@pytest.fixture(scope="module")
def demo_output(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    command = Path(sys.executable).with_name("neurost")
    result = subprocess.run(
        [str(command), "demo", "--out", str(out)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert f"Wrote {out / 'index.html'}" in result.stdout
    return out


def test_demo_writes_every_figure_as_png_and_pdf(demo_output):
    for stem in EXPECTED_FIGURES:
        for suffix in (".png", ".pdf"):
            path = demo_output / f"{stem}{suffix}"
            assert path.stat().st_size > 10_000, path


def test_index_shows_every_figure(demo_output):
    page = (demo_output / "index.html").read_text()
    shown = set(re.findall(r'<img src="([^"]+)\.png"', page))
    assert shown == EXPECTED_FIGURES
    for stem in shown:
        assert f'href="{stem}.pdf"' in page
    assert "mmp1" in page and "power264" in page  # the table of atlases


def test_demo_replaces_an_earlier_run(demo_output):
    from neurost.cli.main import main

    assert main(["demo", "--out", str(demo_output), "--quiet"]) == 0
    assert sorted(p.name for p in demo_output.iterdir() if p.name.startswith(".")) == []
