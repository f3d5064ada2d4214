"""Small building blocks shared by the screens: big touch targets, headings, the confidence picker.

Sizes follow the user's font (no pixel fonts), targets are at least 44 px, and every state is
said in words or symbols as well as colour.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from drillpad.ui.widgets.icons import with_lock
from drillpad.ui.workers import damage_notice
from drillpad.workspace import SaveError

MIN_TARGET = 48


def save_problem(exc: BaseException, what: str = "answer", button: str = "Check my answer") -> str | None:
    """Plain words for a save that failed because of the computer (the workspace's SaveError: disk full, read-only
    or busy data), saying that what was typed is still on screen; None for anything else (a bug: let it raise)."""
    if not isinstance(exc, SaveError):
        return None
    reason = exc.reason
    if reason == "damaged":  # the window locks and restores (MainWindow listens): what was typed goes with the lock
        damage_notice().found.emit()
        return (f"Your {what} could not be saved: the practice data on this computer is damaged. DrillPad is "
                "putting back its latest good copy now and will tell you what may be missing.")
    kept = f"Your {what} is still here: nothing you typed is lost."
    if reason == "full":
        return (f"Your {what} could not be saved: this computer's disk is full. {kept} Tell your supervisor or IT "
                f"that the disk is full, then press “{button}” again.")
    if reason == "readonly":
        return (f"Your {what} could not be saved: DrillPad may not write to its data folder. {kept} Tell IT, "
                f"then press “{button}” again.")
    if reason == "busy":
        return (f"Your {what} could not be saved: the practice data is busy. {kept} Wait a moment, then press "
                f"“{button}” again.")
    return (f"Your {what} could not be saved (the computer said: {exc}). {kept} Tell your supervisor or IT, then "
            f"press “{button}” again.")


def stop_button() -> QPushButton:
    """“Stop for now · Lock” on every learner screen: what is answered is already saved."""
    return with_lock(big_button("Stop for now · Lock", "Stop for now and lock: what you answered is saved"))


def scrolling_body(outer: QVBoxLayout) -> tuple[QScrollArea, QVBoxLayout]:
    """A frameless scroll area that takes the room left in *outer*, and the layout to fill it with: what sits
    above and below it in *outer* (title, Stop, the main actions) stays in view on a small screen."""
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    host = QWidget()
    layout = QVBoxLayout(host)
    layout.setContentsMargins(0, 0, 0, 0)
    scroll.setWidget(host)
    outer.addWidget(scroll, 1)
    return scroll, layout


def big_button(text: str, accessible: str | None = None, *, primary: bool = False,
               kind: type[QPushButton] = QPushButton) -> QPushButton:
    button = kind(text)
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
    if selectable:  # by mouse only: a keyboard-selectable label is a Tab stop that shows no focus
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class Card(QFrame):
    """A framed group with a title."""

    def __init__(self, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName(title)
        self.body = QVBoxLayout(self)
        self.body.addWidget(heading(title, 3))


class _ConfidenceButton(QPushButton):
    """A confidence choice that hands its key presses to its picker (a key press handler, not an event filter: a
    filter ran Python for every event of each button, about 90 for building and showing a drill)."""

    picker: "ConfidencePicker | None" = None

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self.picker is None or not self.picker._key(self, event):
            super().keyPressEvent(event)


class ConfidencePicker(QWidget):
    """How sure are you? Four big buttons, words not just numbers. By keyboard: Tab reaches each of them,
    Space picks the one in focus, ←/→ move and pick, and keys 1–4 pick directly while the focus is here."""

    changed = Signal(int)
    LABELS = {1: "1 · Guessing", 2: "2 · Unsure", 3: "3 · Fairly sure", 4: "4 · Certain"}

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(text("How sure are you?", selectable=False))
        row = QHBoxLayout()
        # No QButtonGroup: Qt gives the buttons of a group a single Tab stop (like radio buttons), and each
        # choice must be reachable by Tab. One choice at a time is kept here instead.
        self._value: int | None = None
        self.buttons: dict[int, QPushButton] = {}
        for value, label in self.LABELS.items():
            button = big_button(label, f"Confidence {label}", kind=_ConfidenceButton)
            button.picker = self
            button.setCheckable(True)
            button.setAutoDefault(False)
            button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            button.clicked.connect(lambda _=False, v=value: self._picked(v))
            self.buttons[value] = button
            row.addWidget(button)
        layout.addLayout(row)

    def _key(self, watched: QPushButton, event) -> bool:
        """A key pressed on one of the choices: 1–4 pick directly, arrows move and pick; True when handled."""
        if event.type() == QKeyEvent.Type.KeyPress and watched in self.buttons.values():
            key = event.key()
            if Qt.Key.Key_1 <= key <= Qt.Key.Key_4:
                self.set_value(key - Qt.Key.Key_0)
                self.buttons[key - Qt.Key.Key_0].setFocus(Qt.FocusReason.ShortcutFocusReason)
                return True
            step = {Qt.Key.Key_Left: -1, Qt.Key.Key_Up: -1, Qt.Key.Key_Right: 1, Qt.Key.Key_Down: 1}.get(key)
            if step is not None:
                current = next(v for v, b in self.buttons.items() if b is watched)
                target = min(4, max(1, current + step))
                self.set_value(target)
                self.buttons[target].setFocus(Qt.FocusReason.TabFocusReason)
                return True
        return False

    def _picked(self, value: int) -> None:
        self._value = value
        for v, b in self.buttons.items():
            b.setChecked(v == value)
            b.setText(("✓ " if v == value else "") + self.LABELS[v])
        self.changed.emit(value)

    def value(self) -> int | None:
        return self._value

    def set_value(self, value: int) -> None:
        self.buttons[value].click()

    def clear(self) -> None:
        self._value = None
        for v, b in self.buttons.items():
            b.setChecked(False)
            b.setText(self.LABELS[v])
