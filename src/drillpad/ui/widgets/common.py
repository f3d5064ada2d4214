"""Small building blocks shared by the screens: big touch targets, headings, the confidence picker.

Sizes follow the user's font (no pixel fonts), targets are at least 44 px, and every state is
said in words or symbols as well as colour.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QButtonGroup, QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

MIN_TARGET = 48


def big_button(text: str, accessible: str | None = None, *, primary: bool = False) -> QPushButton:
    button = QPushButton(text)
    button.setMinimumHeight(MIN_TARGET)
    button.setMinimumWidth(MIN_TARGET * 2)
    button.setAccessibleName(accessible or text.replace("&", ""))
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    if primary:
        button.setDefault(True)
        font = QFont(button.font())
        font.setBold(True)
        button.setFont(font)
    return button


def heading(text: str, level: int = 1) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * {1: 1.6, 2: 1.3, 3: 1.1}[level])
    font.setBold(True)
    label.setFont(font)
    label.setAccessibleName(text)
    return label


def text(body: str = "", *, rich: bool = False, selectable: bool = True) -> QLabel:
    label = QLabel(body)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                      | Qt.TextInteractionFlag.TextSelectableByKeyboard)
    return label


class Card(QFrame):
    """A framed group with a title."""

    def __init__(self, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName(title)
        self.body = QVBoxLayout(self)
        self.body.addWidget(heading(title, 3))


class ConfidencePicker(QWidget):
    """How sure are you? Four big buttons, words not just numbers; keys 1–4 pick them."""

    changed = Signal(int)
    LABELS = {1: "1 · Guessing", 2: "2 · Unsure", 3: "3 · Fairly sure", 4: "4 · Certain"}

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(text("How sure are you?", selectable=False))
        row = QHBoxLayout()
        self.group = QButtonGroup(self)
        self.buttons: dict[int, QPushButton] = {}
        for value, label in self.LABELS.items():
            button = big_button(label, f"Confidence {label}")
            button.setCheckable(True)
            self.group.addButton(button, value)
            self.buttons[value] = button
            row.addWidget(button)
        layout.addLayout(row)
        self.group.idClicked.connect(self._picked)

    def _picked(self, value: int) -> None:
        for v, b in self.buttons.items():
            b.setText(("✓ " if v == value else "") + self.LABELS[v])
        self.changed.emit(value)

    def value(self) -> int | None:
        checked = self.group.checkedId()
        return checked if checked > 0 else None

    def set_value(self, value: int) -> None:
        self.buttons[value].click()

    def clear(self) -> None:
        self.group.setExclusive(False)
        for v, b in self.buttons.items():
            b.setChecked(False)
            b.setText(self.LABELS[v])
        self.group.setExclusive(True)
