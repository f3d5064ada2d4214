"""Small pictures drawn in code (no image plugin, no font glyph a PC may lack), in the colour of the text beside
them so a dark palette keeps them readable: a lock on the Lock and Stop buttons, a stopwatch beside the minutes."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QLabel, QPushButton, QWidget

ICON_SIZE = 20


def _canvas(size: int) -> tuple[QPixmap, QPainter, float]:
    ratio = QGuiApplication.instance().devicePixelRatio() if QGuiApplication.instance() else 1.0
    pixmap = QPixmap(round(size * ratio), round(size * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    return pixmap, painter, float(size)


def lock_pixmap(colour: QColor, size: int = ICON_SIZE) -> QPixmap:
    """A padlock: a stroked shackle over a filled body."""
    pixmap, p, s = _canvas(size)
    p.setPen(QPen(colour, max(2.0, s / 9), Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawArc(QRectF(s * 0.28, s * 0.08, s * 0.44, s * 0.5), 0, 180 * 16)
    p.drawLine(QPointF(s * 0.28, s * 0.33), QPointF(s * 0.28, s * 0.46))
    p.drawLine(QPointF(s * 0.72, s * 0.33), QPointF(s * 0.72, s * 0.46))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(colour)
    p.drawRoundedRect(QRectF(s * 0.16, s * 0.44, s * 0.68, s * 0.5), s * 0.08, s * 0.08)
    p.end()
    return pixmap


def stopwatch_pixmap(colour: QColor, size: int = ICON_SIZE) -> QPixmap:
    """A stopwatch: a dial, the button on top, a hand, a filled centre."""
    pixmap, p, s = _canvas(size)
    pen = QPen(colour, max(2.0, s / 9))
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    centre = QPointF(s * 0.5, s * 0.58)
    p.drawEllipse(centre, s * 0.36, s * 0.36)
    p.drawLine(QPointF(s * 0.5, s * 0.58), QPointF(s * 0.66, s * 0.40))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(colour)
    p.drawRect(QRectF(s * 0.40, 0, s * 0.20, s * 0.14))
    p.drawEllipse(centre, s * 0.1, s * 0.1)
    p.end()
    return pixmap


def with_lock(button: QPushButton) -> QPushButton:
    """*button* with a padlock before its text."""
    button.setIcon(QIcon(lock_pixmap(button.palette().color(button.foregroundRole()))))
    button.setIconSize(QSize(ICON_SIZE, ICON_SIZE))
    return button


def stopwatch(parent: QWidget | None = None) -> QLabel:
    """A stopwatch picture to sit beside a time estimate (found by its object name "stopwatch")."""
    label = QLabel(parent)
    label.setObjectName("stopwatch")
    label.setAccessibleName("Time needed")
    label.setPixmap(stopwatch_pixmap(label.palette().color(label.foregroundRole())))
    label.setAlignment(Qt.AlignmentFlag.AlignTop)
    return label
