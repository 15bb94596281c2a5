"""save_figure: PNG and PDF always, the named format too, written atomically."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from neurost.plotting import save_figure


@pytest.fixture
def figure():
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1], [1, 0])
    return fig


@pytest.mark.parametrize("name", ["fig", "fig.png", "fig.pdf", "fig.PNG"])
def test_png_and_pdf_are_written(figure, tmp_path, name, assert_saved):
    written = save_figure(figure, tmp_path / name)
    assert written == [tmp_path / "fig.png", tmp_path / "fig.pdf"]
    assert_saved(written)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fig.pdf", "fig.png"]


def test_another_format_is_written_too_and_files_are_replaced(
    figure, tmp_path, assert_saved
):
    (tmp_path / "fig.png").write_bytes(b"old")
    written = save_figure(figure, str(tmp_path / "fig.svg"))
    assert [p.name for p in written] == ["fig.png", "fig.pdf", "fig.svg"]
    assert_saved(written[:2])
    assert b"<svg" in written[2].read_bytes()
    assert len(list(tmp_path.iterdir())) == 3  # no temporary file left


def test_bad_output_files_are_refused(figure, tmp_path):
    with pytest.raises(ValueError, match="'.v2', which is not an image format"):
        save_figure(figure, tmp_path / "fig.v2")
    with pytest.raises(FileNotFoundError, match="output_file: the folder"):
        save_figure(figure, tmp_path / "missing" / "fig.png")
    with pytest.raises(TypeError, match="output_file must be a path"):
        save_figure(figure, 3)


def test_cortex_figures_check_output_file_before_drawing(tmp_path, monkeypatch):
    from neurost.plotting import cortex

    def never(*args, **kwargs):
        raise AssertionError("drew before checking output_file")

    monkeypatch.setattr(cortex, "_draw", never)
    values = {"left": np.zeros(10242), "right": np.zeros(10242)}
    with pytest.raises(FileNotFoundError, match="output_file: the folder"):
        cortex.plot_on_cortex(values, output_file=tmp_path / "missing" / "map")
    with pytest.raises(ValueError, match="not an image format"):
        cortex.plot_on_cortex(values, output_file=tmp_path / "map.docx")
