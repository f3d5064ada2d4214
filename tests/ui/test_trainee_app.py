"""The trainee app driven offscreen through a whole story, like a user: pick a learner, wrong PIN →
lock-out, right PIN, today's lesson, a recall prompt and a drill with feedback, progress, idle → locked."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton

from drillpad.llm.fake import FakeEngine
from drillpad.ui.app import MainWindow


@pytest.fixture
def window(qtbot, workspace, minipack):
    workspace.import_pack(minipack)
    workspace.profiles.add_learner("Ana Lima", "dock-hand")
    workspace.profiles.add_learner("Ben Okafor", "dock-hand")
    workspace.profiles.set_pin("Ana Lima", "2580")
    w = MainWindow(workspace, engine_factory=lambda: FakeEngine(unavailable="test: no model file"), pregenerate=False)
    qtbot.addWidget(w)
    w.show()
    return w


def tile(window, name: str) -> QPushButton:
    return next(t for t in window.profiles.tiles if t.text().startswith(name))


def press(qtbot, button: QPushButton) -> None:
    assert button.isVisible() and button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def keypad(window, key: str) -> QPushButton:
    return next(b for b in window.pin.findChildren(QPushButton) if b.text() == key)


def enter_pin(qtbot, window, pin: str) -> None:
    for digit in pin:
        press(qtbot, keypad(window, digit))
    press(qtbot, keypad(window, "OK"))
    qtbot.waitUntil(lambda: not window.pin.checking, timeout=5_000)  # the PIN is checked in a worker


def visible_text(widget) -> str:
    return "\n".join(label.text() for label in widget.findChildren(QLabel) if label.isVisibleTo(widget))


def test_a_whole_session_on_a_shared_workstation(qtbot, window, workspace, clock):
    whole_session(qtbot, window, workspace, clock)


def whole_session(qtbot, window, workspace, clock, ai_ready: bool = False) -> None:
    """The story; *ai_ready*: the window's model loads (else it says why it is off)."""
    if ai_ready:
        qtbot.waitUntil(lambda: window.model_label.text() == "✓ AI helper ready", timeout=30_000)
    else:
        qtbot.waitUntil(lambda: window.model_label.text() == "AI off — using the written scenarios",
                        timeout=5_000)  # the model starts just after the first screen is shown
        assert "test: no model file" in window.model_label.toolTip()  # the technical reason on hover only
    assert window.stack.currentWidget() is window.profiles
    press(qtbot, tile(window, "Ana Lima"))
    assert window.stack.currentWidget() is window.pin and window.pin.title.text() == "Hello, Ana"

    for _ in range(5):  # wrong PIN five times → a short lock, even for the right PIN
        enter_pin(qtbot, window, "1111")
    assert window.pin.message.text() == "⚠ Wrong PIN. Locked for 30 seconds."
    enter_pin(qtbot, window, "2580")
    assert window.stack.currentWidget() is window.pin and "Locked for now" in window.pin.message.text()
    clock.advance(timedelta(seconds=31))
    qtbot.keyClicks(window.pin.entry, "2580")  # the keyboard works as well as the keypad
    with qtbot.waitSignal(window.pin.unlocked, timeout=5_000):
        qtbot.keyClick(window.pin.entry, Qt.Key.Key_Return)
    assert window.stack.currentWidget() is window.today
    qtbot.waitUntil(lambda: window.today.ready, timeout=10_000)  # gathered in a worker, then painted
    assert window.today.title.text() == "Today for Ana" and window.today.queue.count() > 0
    assert window.today.queue.item(0).text().startswith("Learn · ")

    press(qtbot, window.today.start_button)  # day one: the lessons
    lessons = 0
    while window.stack.currentWidget() is window.lesson:
        assert window.lesson.body.toPlainText().strip()
        press(qtbot, window.lesson.done)
        lessons += 1
    assert lessons >= 1 and window.stack.currentWidget() is window.today

    clock.advance(timedelta(days=1))  # next day: recall and scenario practice open up
    window.today.show_for(window.learner_id)
    qtbot.waitUntil(lambda: window.today.ready, timeout=10_000)
    press(qtbot, window.today.start_button)
    seen = set()
    while window.stack.currentWidget() is not window.today:
        screen = window.stack.currentWidget()
        if screen is window.lesson:
            press(qtbot, window.lesson.done)
        elif screen is window.recall:
            seen.add("recall")
            press(qtbot, window.recall.check)
            assert "Write an answer first" in window.recall.result.text()  # nothing saved yet
            qtbot.keyClicks(window.recall.answer, "Press the e-stop first.")
            press(qtbot, window.recall.confidence.buttons[3])
            with qtbot.waitSignal(window.recall.checked, timeout=10_000):  # graded in a worker
                press(qtbot, window.recall.check)
            assert "Source:" in window.recall.result.text()
            press(qtbot, window.recall.next)
        elif screen is window.drill:
            seen.add("drill")
            assert window.drill.note.text() == "Written scenario from Mini Dock SOP §3"
            assert "a carton jams conveyor C1" in window.drill.situation.text()
            qtbot.keyClicks(window.drill.answer, "I hit the e-stop, then walk away.")
            press(qtbot, window.drill.confidence.buttons[2])
            with qtbot.waitSignal(window.drill.checked, timeout=10_000):  # checked in a worker
                press(qtbot, window.drill.submit)
            feedback = window.drill.feedback.text()
            assert "✓ Stops the belt with the e-stop" in feedback and "✗ Locks out the isolator" in feedback
            assert "<b><u>e-stop</u></b>" in feedback  # the words that counted, highlighted
            press(qtbot, window.drill.retry)  # one retry with the hints
            window.drill.answer.clear()
            qtbot.keyClicks(window.drill.answer, "Hit the e-stop, then lock out the isolator with my padlock.")
            press(qtbot, window.drill.confidence.buttons[4])
            with qtbot.waitSignal(window.drill.checked, timeout=10_000):
                press(qtbot, window.drill.submit)
            assert "Well done" in window.drill.feedback.text()
            assert not window.drill.retry.isVisible()
            press(qtbot, window.drill.ask)
            assert window.drill.ask.text() == "Queued for your manager"  # sent with the next sync
            press(qtbot, window.drill.next)
    assert seen == {"recall", "drill"}

    kinds = [r[0] for r in workspace.db.execute("SELECT kind FROM events WHERE learner_id IS NOT NULL")]
    assert {"lesson.read", "review", "review.requested"} <= set(kinds)
    sessions = {json.loads(r[0]).get("session") for r in workspace.db.execute(
        "SELECT payload FROM events WHERE learner_id IS NOT NULL AND kind NOT IN "
        "('learner.added', 'pin.set', 'pin.failed')")}  # PIN events come before a session
    assert len(sessions) == 1 and None not in sessions  # every event bound to Ana's unlocked session

    buttons = {b.text(): b for b in window.today.findChildren(QPushButton)}
    with qtbot.waitSignal(window.progress.loaded, timeout=10_000):  # gathered in a worker
        press(qtbot, buttons["My progress"])
    assert window.stack.currentWidget() is window.progress
    assert "Clear a conveyor jam" in window.progress.journeys.text()
    assert "Demonstrations:" in window.progress.levels.text()
    assert "%" in window.progress.chart_widgets["accuracy"].accessibleDescription()
    press(qtbot, next(b for b in window.progress.findChildren(QPushButton) if b.text() == "← Back to today"))

    window.idle.setInterval(30)  # idle → locked, nothing of Ana left on screen
    before = (window.today, window.lesson, window.recall, window.drill, window.progress, window.mydata)
    with qtbot.waitSignal(window.locked, timeout=3000):
        window.idle.start()
    assert window.stack.currentWidget() is window.profiles and workspace.profiles.session is None
    assert all(window.stack.indexOf(old) == -1 for old in before)  # Ana's screens are gone, fresh ones are built
    qtbot.waitUntil(lambda: window.mydata is not None, timeout=5_000)  # built one per event-loop turn
    assert window.today is not None and window.today not in before
    for i in range(window.stack.count()):  # and nothing on any screen still shows her
        screen = window.stack.widget(i)
        assert "Ana" not in visible_text(screen) and "e-stop" not in visible_text(screen)


def test_switching_person_never_shows_the_previous_learners_data(qtbot, window, workspace):
    press(qtbot, tile(window, "Ana Lima"))
    enter_pin(qtbot, window, "2580")
    workspace.reflect(window.learner_id, "Ana's private note")
    buttons = {b.text(): b for b in window.today.findChildren(QPushButton)}
    press(qtbot, buttons["Lock"])
    press(qtbot, tile(window, "Ben Okafor"))
    assert "Choose a PIN" in window.pin.message.text()  # first time: Ben chooses his PIN
    enter_pin(qtbot, window, "1357")
    assert "Type the same PIN again" in window.pin.message.text()
    enter_pin(qtbot, window, "1357")
    qtbot.waitUntil(lambda: window.today.ready, timeout=10_000)
    assert window.today.title.text() == "Today for Ben"
    buttons = {b.text(): b for b in window.today.findChildren(QPushButton)}
    press(qtbot, buttons["About my data"])
    text = visible_text(window.mydata)
    assert "Stored about Ben Okafor" in text and "Ana" not in text and "reflection" not in text


def test_export_my_data_writes_a_json_file(qtbot, window, workspace, tmp_path):
    press(qtbot, tile(window, "Ana Lima"))
    enter_pin(qtbot, window, "2580")
    workspace.reflect(window.learner_id, "mine")
    window._show_data()
    target = tmp_path / "ana.json"
    window.mydata.export_to(str(target))
    data = json.loads(target.read_text())
    assert data["learner"]["name"] == "Ana Lima" and [e["payload"]["text"] for e in data["events"] if e["kind"] == "reflection"] == ["mine"]


def test_controls_have_accessible_names_and_large_targets(qtbot, window):
    press(qtbot, tile(window, "Ana Lima"))
    enter_pin(qtbot, window, "2580")
    for screen in (window.pin, window.today, window.drill, window.recall, window.mydata):
        for button in screen.findChildren(QPushButton):
            assert button.accessibleName(), button.text()
            assert button.minimumHeight() >= 44 or button.minimumSize().height() >= 44, button.text()


def test_the_app_says_plainly_what_a_pin_protects_at_first_pin_and_in_about_my_data(qtbot, window):
    promise = "Your PIN keeps coworkers out of your profile, not an administrator out of this computer."
    press(qtbot, tile(window, "Ben Okafor"))
    assert promise in window.pin.message.text()  # first time: Ben chooses his PIN, and is told what it does
    enter_pin(qtbot, window, "1357")
    enter_pin(qtbot, window, "1357")
    buttons = {b.text(): b for b in window.today.findChildren(QPushButton)}
    press(qtbot, buttons["About my data"])
    assert promise in " ".join(visible_text(window.mydata).split())
