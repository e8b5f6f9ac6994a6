"""Colours that stay readable on light and dark system themes."""

from __future__ import annotations

from PySide6.QtGui import QColor, QGuiApplication, QPalette

from commander_app.core.model import Kind, Severity

# Hues (0-359) carry the meaning; lightness follows the theme.
_KIND_HUES = {
    Kind.HYPOTHESIS: 280,
    Kind.FINDING: 160,
    Kind.DECISION: 25,
    Kind.ACTION: 210,
    Kind.ALERT: 0,
    Kind.SEVERITY: 0,
    Kind.MILESTONE: 230,
    Kind.STATUS: 200,
    Kind.ROLE: 120,
}
_SEVERITY_HUES = {Severity.SEV1: 0, Severity.SEV2: 25, Severity.SEV3: 48, Severity.SEV4: 210}


def is_dark() -> bool:
    app = QGuiApplication.instance()
    if not isinstance(app, QGuiApplication):
        return False
    return bool(app.palette().color(QPalette.ColorRole.Base).lightness() < 128)


def _tone(hue: int, dark: bool) -> QColor:
    return QColor.fromHsl(hue, 170, 175 if dark else 95)


def kind_colour(kind: Kind) -> QColor | None:
    hue = _KIND_HUES.get(kind)
    return None if hue is None else _tone(hue, is_dark())


def severity_colour(severity: Severity) -> QColor:
    return _tone(_SEVERITY_HUES[severity], is_dark())


def muted() -> QColor:
    app = QGuiApplication.instance()
    if isinstance(app, QGuiApplication):
        return app.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
    return QColor("#808080")


def warning() -> QColor:
    return _tone(0, is_dark())


def amber() -> QColor:
    return _tone(38, is_dark())


def confirmed() -> QColor:
    return _tone(140, is_dark())
