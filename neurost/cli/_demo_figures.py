"""Saving a demo figure and adding it to a report section."""

from pathlib import Path

from ..reporting import Figure


def add_figure(report_section, fig, out_dir, stem, caption):
    """Save ``fig`` as PNG and PDF in ``out_dir`` and add it to a section."""
    import matplotlib.pyplot as plt

    from ..plotting import save_figure

    png, *alternates = save_figure(fig, Path(out_dir) / stem)
    plt.close(fig)
    report_section.figures.append(Figure(png, caption, alternates))
