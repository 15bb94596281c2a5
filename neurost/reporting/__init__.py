"""HTML reports that gather figures and tables into one page."""

from .html import Figure, Report, Section

__all__ = ["Figure", "Report", "Section"]
