"""The window's look where it matters for access: a focus outline everyone can see.

Every focusable control gets a 3-px outline in an amber that has at least 3:1 contrast with the window
(WCAG 2.2, non-text contrast), on light and dark palettes alike. It is not the default-button look: the
default button (the one Enter presses) has a 2-px accent border and bold text; focus is the thick amber
line. Unfocused controls keep a 1-px border and a 2-px margin, so the outline never moves anything.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette

FOCUS_ON_LIGHT = "#a34700"  # dark amber: 5.3:1 on a #efefef window, 5.9:1 on white
FOCUS_ON_DARK = "#ffb84d"   # light amber: 8.6:1 on a #353535 window
MIN_FOCUS_CONTRAST = 3.0


def luminance(colour: QColor) -> float:
    """WCAG 2.x relative luminance of an sRGB colour."""
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF()) + 0.0722 * channel(colour.blueF())


def contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio between two opaque colours (1 … 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def focus_colour(palette: QPalette) -> QColor:
    return QColor(FOCUS_ON_DARK if is_dark(palette) else FOCUS_ON_LIGHT)


def style_sheet(palette: QPalette, target: int = 48) -> str:
    """The stylesheet for the main window (and, through it, its dialogs). *target*: the least height, in pixels, of
    the controls of Qt's own file dialogs (Export my data's "Save" was 32 px and its file name box 22 px)."""
    focus = focus_colour(palette).name()
    window = palette.color(QPalette.ColorRole.Window)
    mid = palette.color(QPalette.ColorRole.Mid if not is_dark(palette) else QPalette.ColorRole.Light).name()
    button = palette.color(QPalette.ColorRole.Button)
    hover = (button.lighter(108) if not is_dark(palette) else button.lighter(130)).name()
    checked = (window.darker(125) if not is_dark(palette) else window.lighter(170)).name()
    accent = palette.color(QPalette.ColorRole.Highlight).name()
    return f"""
QPushButton {{ border: 1px solid {mid}; border-radius: 4px; margin: 2px; padding: 6px 14px;
               background: {button.name()}; }}
QPushButton:hover {{ background: {hover}; }}
QPushButton:pressed, QPushButton:checked {{ background: {checked}; }}
QPushButton:default {{ border: 2px solid {accent}; margin: 1px; }}
QPushButton:focus {{ border: 3px solid {focus}; margin: 0px; }}
QLineEdit, QPlainTextEdit, QTextEdit, QAbstractItemView, QComboBox, QAbstractSpinBox {{
    border: 1px solid {mid}; margin: 2px; }}
QScrollArea {{ border: 1px solid transparent; margin: 2px; }}
QHeaderView {{ border: none; margin: 0px; }}
QLineEdit:focus, QPlainTextEdit:focus, QTextEdit:focus, QAbstractItemView:focus, QComboBox:focus,
QAbstractSpinBox:focus, QScrollArea:focus {{ border: 3px solid {focus}; margin: 0px; }}
QCheckBox {{ border: 3px solid transparent; padding: 2px; }}
QCheckBox:focus {{ border: 3px solid {focus}; }}
QTabBar::tab:selected {{ font-weight: bold; }}
QFileDialog QPushButton, QFileDialog QLineEdit, QFileDialog QComboBox, QFileDialog QToolButton {{
    min-height: {target}px; }}
QFileDialog QToolButton {{ min-width: {target}px; }}
QTabBar::tab:selected:focus {{ border: 3px solid {focus}; }}
"""
