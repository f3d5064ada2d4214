"""The shared-workstation lock and gloved hands, driven like a user: early taps on OK, the PIN check off the
main thread, a live countdown, "Stop for now" on every learner screen, dialogs at an idle lock, a full disk
while answering, the confidence picker by keyboard, and the retry that keeps its hints."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QMessageBox, QPushButton

from drillpad.core import pin as pin_core
from drillpad.llm.fake import FakeEngine
from drillpad.ui.app import MainWindow
from drillpad.workspace import DiskFullError

DISK_FULL = DiskFullError("database or disk is full")  # what the workspace raises (tests/test_save_errors.py)


@pytest.fixture
def window(qtbot, workspace, minipack):
    workspace.import_pack(minipack)
    workspace.profiles.add_learner("Ana Lima", "dock-hand")
    workspace.profiles.add_learner("Ben Okafor", "dock-hand")
    workspace.profiles.set_pin("Ana Lima", "2580")
    workspace.profiles.set_pin("Ben Okafor", "1357")
    w = MainWindow(workspace, engine_factory=lambda: FakeEngine(unavailable="test: no model file"), pregenerate=False)
    qtbot.addWidget(w)
    w.show()
    return w


def press(qtbot, button: QPushButton) -> None:
    assert button.isVisible() and button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def keypad(window, key: str) -> QPushButton:
    return next(b for b in window.pin.findChildren(QPushButton) if b.text() == key)


def choose(qtbot, window, name: str) -> None:
    press(qtbot, next(t for t in window.profiles.tiles if t.text().startswith(name)))


def enter_pin(qtbot, window, pin: str) -> None:
    for digit in pin:
        press(qtbot, keypad(window, digit))
    press(qtbot, keypad(window, "OK"))
    qtbot.waitUntil(lambda: not window.pin.checking, timeout=5_000)


def today_painted(qtbot, window) -> None:
    """Wait until Today shows its learner's day (gathered in a worker)."""
    qtbot.waitUntil(lambda: window.today.ready, timeout=10_000)


def unlock(qtbot, window, name: str = "Ana Lima", pin: str = "2580") -> None:
    choose(qtbot, window, name)
    enter_pin(qtbot, window, pin)
    assert window.stack.currentWidget() is window.today
    today_painted(qtbot, window)


def visible_text(widget) -> str:
    return "\n".join(label.text() for label in widget.findChildren(QLabel) if label.isVisibleTo(widget))


def reach(qtbot, window, clock, screen_name: str):
    """Read the lessons on day one, then start day two until *screen_name* (recall or drill) is shown."""
    press(qtbot, window.today.start_button)
    while window.stack.currentWidget() is window.lesson:
        press(qtbot, window.lesson.done)
    clock.advance(timedelta(days=1))
    window.today.show_for(window.learner_id)
    today_painted(qtbot, window)
    press(qtbot, window.today.start_button)
    target = getattr(window, screen_name)
    while window.stack.currentWidget() is not target:
        screen = window.stack.currentWidget()
        assert screen is not window.today, f"no {screen_name} today"
        if screen is window.lesson:
            press(qtbot, window.lesson.done)
        elif screen is window.recall:
            qtbot.keyClicks(screen.answer, "Press the e-stop.")
            press(qtbot, screen.confidence.buttons[3])
            with qtbot.waitSignal(screen.checked, timeout=10_000):  # graded in a worker
                press(qtbot, screen.check)
            press(qtbot, screen.next)
        else:
            qtbot.keyClicks(screen.answer, "Press the e-stop, lock out the isolator with my padlock.")
            press(qtbot, screen.confidence.buttons[3])
            with qtbot.waitSignal(screen.checked, timeout=10_000):
                press(qtbot, screen.submit)
            press(qtbot, screen.next)
    return target


# --- gloved taps on the PIN keypad ------------------------------------------------------------------

def test_ok_before_the_pin_is_complete_is_not_a_wrong_pin(qtbot, window, workspace):
    choose(qtbot, window, "Ana Lima")
    for _ in range(12):  # a gloved thumb on OK, again and again, with no digits or too few
        press(qtbot, keypad(window, "OK"))
    press(qtbot, keypad(window, "2"))
    press(qtbot, keypad(window, "OK"))
    assert "Type all the digits of your PIN" in window.pin.message.text()
    assert workspace.db.execute("SELECT count(*) FROM pin_attempts").fetchone()[0] == 0
    press(qtbot, keypad(window, "⌫"))
    enter_pin(qtbot, window, "2580")
    assert window.stack.currentWidget() is window.today


def test_the_pin_is_checked_off_the_main_thread_with_the_keypad_disabled(qtbot, window, monkeypatch):
    release = threading.Event()
    real = pin_core.verify_pin
    monkeypatch.setattr(pin_core, "verify_pin", lambda pin, stored: release.wait(10) and real(pin, stored))
    choose(qtbot, window, "Ana Lima")
    for digit in "2580":
        press(qtbot, keypad(window, digit))
    press(qtbot, keypad(window, "OK"))
    # the window is still responsive while the hash is compared: it says so, and a second tap cannot land
    assert window.pin.message.text() == "Checking your PIN…"
    assert not keypad(window, "OK").isEnabled() and not keypad(window, "5").isEnabled()
    qtbot.mouseClick(keypad(window, "OK"), Qt.MouseButton.LeftButton)
    release.set()
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.today, timeout=5_000)
    assert keypad(window, "OK").isEnabled()


def test_the_lock_message_counts_down_on_the_clock(qtbot, window, clock):
    choose(qtbot, window, "Ana Lima")
    for _ in range(5):
        enter_pin(qtbot, window, "1111")
    assert window.pin.message.text() == "⚠ Wrong PIN. Locked for 30 seconds."
    assert window.pin.countdown.isActive()
    window.pin.countdown.setInterval(10)  # the test's clock moves, not the wall: no sleeping for 30 seconds
    clock.advance(timedelta(seconds=12))
    qtbot.waitUntil(lambda: window.pin.message.text() == "⚠ Locked for now. Try again in 18 seconds.", timeout=3_000)
    clock.advance(timedelta(seconds=18))
    qtbot.waitUntil(lambda: window.pin.message.text() == "You can try your PIN again now.", timeout=3_000)
    assert not window.pin.countdown.isActive()
    enter_pin(qtbot, window, "2580")
    assert window.stack.currentWidget() is window.today
    assert "5 wrong PIN attempts since your last visit" in window.today.notice.text()
    assert window.today.notice.isVisible()


# --- Stop for now · Lock ----------------------------------------------------------------------------

def stop(window, screen) -> QPushButton:
    return next(b for b in screen.findChildren(QPushButton) if b.text().startswith("Stop for now"))


def test_stop_for_now_on_a_lesson_locks(qtbot, window):
    unlock(qtbot, window)
    press(qtbot, window.today.start_button)
    assert window.stack.currentWidget() is window.lesson
    with qtbot.waitSignal(window.locked, timeout=3_000):
        press(qtbot, stop(window, window.lesson))
    assert window.stack.currentWidget() is window.profiles and window.workspace.profiles.session is None


def test_stop_for_now_on_recall_keeps_what_was_answered_and_shows_nothing_to_the_next_person(qtbot, window, clock,
                                                                                              workspace):
    unlock(qtbot, window)
    recall = reach(qtbot, window, clock, "recall")
    qtbot.keyClicks(recall.answer, "Press the e-stop first.")
    press(qtbot, recall.confidence.buttons[2])
    with qtbot.waitSignal(recall.checked, timeout=10_000):
        press(qtbot, recall.check)
    answered = workspace.db.execute("SELECT count(*) FROM events WHERE kind = 'review'").fetchone()[0]
    with qtbot.waitSignal(window.locked, timeout=3_000):
        press(qtbot, stop(window, recall))
    assert workspace.db.execute("SELECT count(*) FROM events WHERE kind = 'review'").fetchone()[0] == answered
    assert all("e-stop first" not in visible_text(window.stack.widget(i)) for i in range(window.stack.count()))


def test_stop_for_now_on_a_drill_locks_mid_answer(qtbot, window, clock):
    unlock(qtbot, window)
    drill = reach(qtbot, window, clock, "drill")
    qtbot.keyClicks(drill.answer, "half an answer about the isolator")
    with qtbot.waitSignal(window.locked, timeout=3_000):
        press(qtbot, stop(window, drill))
    assert window.stack.currentWidget() is window.profiles
    qtbot.waitUntil(lambda: window.drill is not None, timeout=5_000)  # fresh screens, built one by one
    assert window.drill is not drill and not window.drill.answer.toPlainText()


# --- dialogs at an idle lock --------------------------------------------------------------------------

def test_an_idle_lock_closes_the_reflection_and_keeps_it_for_its_owner_only(qtbot, window, workspace):
    unlock(qtbot, window)
    assert window.today.reflect_button.isVisible()
    press(qtbot, window.today.reflect_button)
    dialog = window.reflection
    assert dialog is not None and dialog.isVisible()
    qtbot.keyClicks(dialog.text, "Ana's private thoughts on lockout")
    window.idle.setInterval(10)
    with qtbot.waitSignal(window.locked, timeout=3_000):
        window.idle.start()
    window.idle.setInterval(120_000)
    assert not any(isinstance(w, QDialog) and w.isVisible() for w in QApplication.topLevelWidgets())
    assert window.stack.currentWidget() is window.profiles
    assert workspace.db.execute("SELECT count(*) FROM events WHERE kind = 'reflection'").fetchone()[0] == 0

    unlock(qtbot, window, "Ben Okafor", "1357")  # the next person sees none of it
    press(qtbot, window.today.reflect_button)
    assert window.reflection.text.toPlainText() == ""
    press(qtbot, window.reflection.buttons.button(window.reflection.buttons.StandardButton.Cancel))
    press(qtbot, next(b for b in window.today.findChildren(QPushButton) if b.text() == "Lock"))

    unlock(qtbot, window)  # Ana gets her words back, and saves them
    press(qtbot, window.today.reflect_button)
    assert window.reflection.text.toPlainText() == "Ana's private thoughts on lockout"
    press(qtbot, window.reflection.buttons.button(window.reflection.buttons.StandardButton.Save))
    rows = workspace.db.execute("SELECT learner_id FROM events WHERE kind = 'reflection'").fetchall()
    assert rows == [(workspace.profiles.learner("Ana Lima").id,)]


def test_an_idle_lock_closes_any_message_box(qtbot, window, clock):
    unlock(qtbot, window)
    drill = reach(qtbot, window, clock, "drill")
    press(qtbot, drill.about)  # "About this scenario" opens a message box
    other = QMessageBox(window)  # and any box the window itself opens
    other.setText("Ana's box")
    other.open()
    assert sum(isinstance(w, QDialog) and w.isVisible() for w in QApplication.topLevelWidgets()) == 2
    window.idle.setInterval(10)
    with qtbot.waitSignal(window.locked, timeout=3_000):
        window.idle.start()
    window.idle.setInterval(120_000)
    assert not any(isinstance(w, QDialog) and w.isVisible() for w in QApplication.topLevelWidgets())


# --- a full disk while answering ------------------------------------------------------------------------

def test_a_full_disk_keeps_the_recall_answer_and_says_so(qtbot, window, clock, workspace, monkeypatch):
    unlock(qtbot, window)
    recall = reach(qtbot, window, clock, "recall")
    qtbot.keyClicks(recall.answer, "Press the e-stop first.")
    press(qtbot, recall.confidence.buttons[3])
    with monkeypatch.context() as m:
        m.setattr(workspace, "answer_prompt", lambda *a, **k: (_ for _ in ()).throw(DISK_FULL))
        with qtbot.waitSignal(recall.checked, timeout=10_000):
            press(qtbot, recall.check)
        assert "this computer's disk is full" in recall.result.text()
        assert "Your answer is still here" in recall.result.text()
        assert recall.answer.toPlainText() == "Press the e-stop first." and not recall.answer.isReadOnly()
        assert recall.check.isVisible() and recall.confidence.value() == 3
    with qtbot.waitSignal(recall.checked, timeout=10_000):
        press(qtbot, recall.check)  # space freed: the same answer goes in
    assert "Source:" in recall.result.text()


def test_a_full_disk_keeps_the_drill_answer_and_says_so(qtbot, window, clock, workspace, monkeypatch):
    unlock(qtbot, window)
    drill = reach(qtbot, window, clock, "drill")
    qtbot.keyClicks(drill.answer, "Hit the e-stop, then lock out the isolator with my padlock.")
    press(qtbot, drill.confidence.buttons[4])
    with monkeypatch.context() as m:
        m.setattr(workspace, "submit_drill", lambda *a, **k: (_ for _ in ()).throw(DISK_FULL))
        with qtbot.waitSignal(drill.checked, timeout=10_000):
            press(qtbot, drill.submit)
        assert "this computer's disk is full" in drill.feedback.text()
        assert drill.answer.toPlainText().startswith("Hit the e-stop") and not drill.answer.isReadOnly()
    with qtbot.waitSignal(drill.checked, timeout=10_000):
        press(qtbot, drill.submit)
    assert "Well done" in drill.feedback.text()


def test_a_full_disk_keeps_the_lesson_on_screen(qtbot, window, workspace, monkeypatch):
    unlock(qtbot, window)
    press(qtbot, window.today.start_button)
    monkeypatch.setattr(workspace, "read_lesson", lambda *a, **k: (_ for _ in ()).throw(DISK_FULL))
    press(qtbot, window.lesson.done)
    assert window.stack.currentWidget() is window.lesson
    assert "disk is full" in window.lesson.problem.text() and window.lesson.problem.isVisible()


# --- the confidence picker by keyboard -------------------------------------------------------------------

def test_how_sure_are_you_by_keyboard(qtbot, window, clock):
    unlock(qtbot, window)
    drill = reach(qtbot, window, clock, "drill")
    picker = drill.confidence
    drill.answer.setFocus()
    qtbot.keyClick(drill.answer, Qt.Key.Key_Tab)  # from the answer, Tab reaches the picker
    assert picker.isAncestorOf(QApplication.focusWidget())
    reached = set()
    for _ in range(4):  # and each of its four choices, one Tab at a time
        reached.add(QApplication.focusWidget())
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert reached == set(picker.buttons.values())
    picker.buttons[1].setFocus()
    qtbot.keyClick(picker.buttons[1], Qt.Key.Key_Space)
    assert picker.value() == 1
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Right)
    assert picker.value() == 2 and QApplication.focusWidget() is picker.buttons[2]
    for key, value in ((Qt.Key.Key_4, 4), (Qt.Key.Key_3, 3), (Qt.Key.Key_1, 1), (Qt.Key.Key_2, 2)):
        qtbot.keyClick(QApplication.focusWidget(), key)
        assert picker.value() == value
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Left)
    assert picker.value() == 1


# --- the retry keeps its hints --------------------------------------------------------------------------

def test_try_again_is_the_main_action_and_keeps_the_hints_in_view(qtbot, window, clock):
    unlock(qtbot, window)
    drill = reach(qtbot, window, clock, "drill")
    qtbot.keyClicks(drill.answer, "I hit the e-stop, then walk away.")
    press(qtbot, drill.confidence.buttons[2])
    with qtbot.waitSignal(drill.checked, timeout=10_000):
        press(qtbot, drill.submit)
    assert drill.retry.isDefault() and not drill.next.isDefault()
    assert drill.retry.text().endswith("Try again") and drill.next.text() != "Next →"
    assert QApplication.focusWidget() is drill.retry
    press(qtbot, drill.retry)
    assert drill.feedback.isVisible() and "Locks out the isolator" in drill.feedback.text()
    assert "Hints for this try" in drill.feedback.text()
    assert drill.answer.toPlainText() == "I hit the e-stop, then walk away." and not drill.answer.isReadOnly()
    drill.answer.clear()
    qtbot.keyClicks(drill.answer, "Hit the e-stop, then lock out the isolator with my padlock.")
    press(qtbot, drill.confidence.buttons[4])
    with qtbot.waitSignal(drill.checked, timeout=10_000):
        press(qtbot, drill.submit)
    assert "Well done" in drill.feedback.text() and drill.next.isDefault() and drill.next.text() == "Next →"


def test_an_idle_lock_during_export_writes_nobodys_data(qtbot, window, monkeypatch, tmp_path):
    """A file dialog the lock cannot close (the system's own, as on Windows) stays over the names; whoever presses
    Save in it afterwards gets nothing of the last person's data."""
    from PySide6.QtWidgets import QFileDialog

    unlock(qtbot, window)
    window._show_data()
    target = tmp_path / "ana.json"

    def native_dialog(parent, caption, start, filters, *args, **kwargs):
        window.lock()  # the idle lock fires while the system's dialog is open
        return str(target), filters  # … and the next person presses Save

    monkeypatch.setattr(QFileDialog, "getSaveFileName", native_dialog)
    mydata = window.mydata
    qtbot.mouseClick(mydata.export, Qt.MouseButton.LeftButton)
    assert not target.exists()
    assert window.stack.currentWidget() is window.profiles
