"""The PIN screen: unlock a profile, or choose a PIN the first time. A big keypad for gloved
hands (and the keyboard for everyone else); the message always says what happens next."""

from __future__ import annotations

from PySide6.QtCore import QRegularExpression, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from drillpad.core.pin import PinFormatError, check_format
from drillpad.ui.widgets.common import MIN_TARGET, big_button, heading, text


class PinScreen(QWidget):
    unlocked = Signal(str)  # learner id
    back = Signal()

    def __init__(self, workspace, parent: QWidget | None = None):
        super().__init__(parent)
        self.workspace = workspace
        self.learner_id: str | None = None
        self.choosing = False
        self.first_choice: str | None = None
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        column = QVBoxLayout()
        outer.addLayout(column, 2)
        outer.addStretch(1)
        self.title = heading("")
        self.message = text("", selectable=False)
        self.message.setAccessibleName("PIN message")
        self.entry = QLineEdit()
        self.entry.setEchoMode(QLineEdit.EchoMode.Password)
        self.entry.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{0,8}"), self.entry))
        self.entry.setAccessibleName("PIN")
        self.entry.setMinimumHeight(MIN_TARGET)
        self.entry.returnPressed.connect(self._submit)
        column.addWidget(self.title)
        column.addWidget(self.message)
        column.addWidget(self.entry)
        pad = QGridLayout()
        for n, key in enumerate(["1", "2", "3", "4", "5", "6", "7", "8", "9", "⌫", "0", "OK"]):
            button = big_button(key, {"⌫": "Delete last digit", "OK": "Enter PIN"}.get(key, f"Digit {key}"),
                                primary=key == "OK")
            button.setMinimumHeight(64)
            button.setFocusPolicy(button.focusPolicy())
            button.clicked.connect(lambda _=False, k=key: self._key(k))
            pad.addWidget(button, n // 3, n % 3)
        column.addLayout(pad)
        self.back_button = big_button("← Not me", "Back to the list of names")
        self.back_button.clicked.connect(self.back.emit)
        column.addWidget(self.back_button)
        column.addStretch(1)

    def start(self, learner_id: str) -> None:
        lr = self.workspace.learner(learner_id)
        self.learner_id = lr.id
        self.choosing = not self.workspace.has_pin(lr.id)
        self.first_choice = None
        self.entry.clear()
        self.title.setText(f"Hello, {lr.name.split()[0]}")
        self.message.setText("Choose a PIN of 4 to 8 digits. You will need it every time." if self.choosing
                             else "Enter your PIN.")
        self.entry.setFocus()

    def clear(self) -> None:
        """Forget who was here: no name, message or half-typed PIN stays behind a lock."""
        self.learner_id, self.choosing, self.first_choice = None, False, None
        self.entry.clear()
        self.title.clear()
        self.message.clear()

    def _key(self, key: str) -> None:
        if key == "⌫":
            self.entry.backspace()
        elif key == "OK":
            self._submit()
        elif len(self.entry.text()) < 8:
            self.entry.insert(key)
        self.entry.setFocus()

    def _submit(self) -> None:
        pin = self.entry.text()
        self.entry.clear()
        if self.learner_id is None:
            return
        if self.choosing:
            self._choose(pin)
            return
        result = self.workspace.unlock(self.learner_id, pin)
        self.message.setText(("✓ " if result.ok else "⚠ ") + result.message)
        if result.ok:
            self.unlocked.emit(self.learner_id)

    def _choose(self, pin: str) -> None:
        if self.first_choice is None:
            try:
                check_format(pin)
            except PinFormatError as exc:
                self.message.setText(f"⚠ {str(exc).capitalize()}. Try again.")
                return
            self.first_choice = pin
            self.message.setText("Type the same PIN again to confirm.")
            return
        if pin != self.first_choice:
            self.first_choice = None
            self.message.setText("⚠ The two PINs were different. Choose a PIN again.")
            return
        self.workspace.set_pin(self.learner_id, pin)
        result = self.workspace.unlock(self.learner_id, pin)
        self.message.setText(result.message)
        if result.ok:
            self.unlocked.emit(self.learner_id)
