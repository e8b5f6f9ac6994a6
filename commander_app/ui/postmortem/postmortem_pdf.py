"""The postmortem as PDF, through Qt's own PDF writer (no other dependency)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMarginsF, QSizeF
from PySide6.QtGui import QGuiApplication, QPageLayout, QPageSize, QPdfWriter, QTextDocument


def write_pdf(html: str, path: Path, title: str) -> None:
    """Lay the HTML out on A4 pages and write them to `path` (a new file)."""
    app = QGuiApplication.instance()
    if app is None:  # from the command line: no window, no display needed
        import os

        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QGuiApplication([])
    writer = QPdfWriter(str(path))
    writer.setTitle(title)
    writer.setCreator("Commander")
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(18, 18, 18, 18),
            QPageLayout.Unit.Millimeter,
        )
    )
    writer.setResolution(96)
    document = QTextDocument()
    document.setHtml(html)
    document.setPageSize(QSizeF(writer.width(), writer.height()))
    document.print_(writer)
    del app
