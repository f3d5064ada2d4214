"""The PIN screen: unlock a profile, or choose a PIN the first time. A big keypad for gloved
hands (and the keyboard for everyone else); the message always says what happens next.

OK before all the digits are there is ignored (it is not a wrong PIN). The attempt is counted at
once; the slow comparison with the hash runs in a worker while the keypad is disabled and the
screen says "Checking…", so a second tap cannot land. A lock counts down live, on the workspace's
clock (injectable)."""

from __future__ import annotations

from PySide6.QtCore import QRegularExpression, QTimer, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from drillpad.core.pin import PinFormatError, check_format, complete
from drillpad.ui import workers
from drillpad.ui.widgets.common import MIN_TARGET, big_button, heading, text
from drillpad.workspace import LearningError, SaveError

INCOMPLETE = "Type all the digits of your PIN (4 to 8), then OK."


PIN_PROMISE = "Your PIN keeps coworkers out of your profile, not an administrator out of this computer."
"""What a PIN protects, in one plain sentence (docs/pin-lock.md): said at the first PIN and in About my data."""


class PinScreen(QWidget):
    unlocked = Signal(str)  # learner id
    back = Signal()
    checked = Signal(bool)  # a PIN check finished (right or not)

    def __init__(self, workspace, parent: QWidget | None = None):
        super().__init__(parent)
        self.workspace = workspace
        self.learner_id: str | None = None
        self.choosing = False
        self.first_choice: str | None = None
        self.checking = False
        self.last_result = None
        """The last unlock result (the window tells the owner of wrong attempts since their last visit)."""
        self.keys: list[QPushButton] = []
        self.countdown = QTimer(self)
        self.countdown.setInterval(1000)
        self.countdown.timeout.connect(self._tick)
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        column = QVBoxLayout()
        outer.addLayout(column, 2)
        outer.addStretch(1)
        self.title = heading("", 2)
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
            button.setMinimumHeight(56)  # a gloved thumb; 4 rows still fit 1366×768 at 150 % scaling
            button.setFocusPolicy(button.focusPolicy())
            button.clicked.connect(lambda _=False, k=key: self._key(k))
            pad.addWidget(button, n // 3, n % 3)
            self.keys.append(button)
        column.addLayout(pad)
        self.back_button = big_button("← Not me", "Back to the list of names")
        self.back_button.clicked.connect(self.back.emit)
        column.addWidget(self.back_button)
        column.addStretch(1)

    def start(self, learner_id: str) -> None:
        lr = self.workspace.profiles.learner(learner_id)
        self.learner_id = lr.id
        self.choosing = not self.workspace.profiles.has_pin(lr.id)
        self.first_choice = None
        self.entry.clear()
        self.title.setText(f"Hello, {lr.name.split()[0]}")
        self.message.setText(f"Choose a PIN of 4 to 8 digits. You will need it every time. {PIN_PROMISE}"
                             if self.choosing else "Enter your PIN.")
        if not self.choosing:
            status = self.workspace.profiles.pin_status(lr.id)
            if status.seconds_left or status.needs_manager:
                self._show(status)
        self.entry.setFocus()

    def clear(self) -> None:
        """Forget who was here: no name, message or half-typed PIN stays behind a lock."""
        self.learner_id, self.choosing, self.first_choice, self.last_result = None, False, None, None
        self.countdown.stop()
        self._busy(False)
        self.entry.clear()
        self.title.clear()
        self.message.clear()

    def _busy(self, busy: bool) -> None:
        self.checking = busy
        for key in self.keys:
            key.setEnabled(not busy)
        self.entry.setReadOnly(busy)

    def _show(self, result) -> None:
        self.message.setText(("✓ " if result.ok else "⚠ ") + result.message)
        if result.seconds_left > 0:
            self.countdown.start()

    def _cannot_save(self, exc: SaveError, what: str = "your PIN could not be checked") -> None:
        """A PIN needs a write (the attempt is counted first): on a full disk, a read-only folder or busy data, say
        so in plain words, and what to do."""
        why = {"full": "this computer's disk is full", "readonly": "DrillPad may not write to its data folder",
               "busy": "the practice data is busy"}.get(exc.reason, f"the computer said: {exc}")
        then = ("Wait a moment, then try again." if exc.reason == "busy"
                else "Tell your supervisor or IT, then try again.")
        self.message.setText(f"⚠ Sorry, {what}: {why}. {then}")
        self.entry.setFocus()

    def _tick(self) -> None:
        if self.learner_id is None or self.checking:
            self.countdown.stop()
            return
        status = self.workspace.profiles.pin_status(self.learner_id)
        if status.seconds_left > 0:
            self.message.setText("⚠ " + status.message)
            return
        self.countdown.stop()
        if not status.needs_manager:
            self.message.setText("You can try your PIN again now.")

    def _key(self, key: str) -> None:
        if self.checking:
            return
        if key == "⌫":
            self.entry.backspace()
        elif key == "OK":
            self._submit()
        elif len(self.entry.text()) < 8:
            self.entry.insert(key)
        self.entry.setFocus()

    def _submit(self) -> None:
        if self.learner_id is None or self.checking:
            return
        pin = self.entry.text()
        if not complete(pin):  # a gloved tap on OK too early: not an attempt, nothing counted
            if not self.countdown.isActive():
                self.message.setText(INCOMPLETE)
            return
        self.entry.clear()
        if self.choosing:
            self._choose(pin)
            return
        self._check(pin)

    def _check(self, pin: str) -> None:
        try:
            started = self.workspace.profiles.begin_unlock(self.learner_id, pin)
        except SaveError as exc:  # the attempt could not be counted, so the PIN is not compared at all
            self._cannot_save(exc)
            return
        if not hasattr(started, "check"):  # locked, or no PIN: said at once, nothing to compare
            self._show(started)
            return
        self._busy(True)
        self.countdown.stop()
        self.message.setText("Checking your PIN…")
        workers.run(started.check, lambda _right: self._checked(started),
                    lambda error: self._checked(started, error))

    def _checked(self, started, error: str | None = None) -> None:
        if self.workspace.db is None:  # the window closed while the PIN was being checked
            return
        if error is not None:  # the comparison itself failed: counted as wrong, never as right
            started.right = False
        self._busy(False)
        try:
            result = self.workspace.profiles.finish_unlock(started)
        except SaveError as exc:  # counted, but its outcome (and a session) could not be written: nobody unlocks
            self._cannot_save(exc)
            return
        if self.learner_id != started.learner_id:  # locked or left while checking: nobody stays unlocked
            if result.ok:
                self.workspace.profiles.lock()
            return
        self.last_result = result
        self._show(result)
        self.checked.emit(result.ok)
        if result.ok:
            self.unlocked.emit(self.learner_id)
        else:
            self.entry.setFocus()

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
        try:
            self.workspace.profiles.set_pin(self.learner_id, pin)
        except SaveError as exc:
            self.first_choice = None
            self._cannot_save(exc, "your new PIN could not be saved")
            return
        except LearningError as exc:  # e.g. their history is here from another workstation, their PIN not yet
            self.first_choice = None
            self.message.setText(f"⚠ {exc}")
            return
        self._check(pin)
