"""The slow parts of a screen run in a worker and the screen stays honest meanwhile: the PIN check ("Checking your
PIN…", taps ignored), grading a drill answer ("Checking your answer…", the button disabled) and gathering My
progress ("Loading your progress…", nobody's data shown). Each worker is held on an event here, so what the
screen shows meanwhile is checked deterministically."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt

from drillpad.core import grader as grader_core
from drillpad.core import pin as pin_core
from drillpad.llm.fake import FakeEngine
from drillpad.store import aggregates
from drillpad.ui import workers
from drillpad.ui.app import MainWindow
from tests.ui.test_trainee_lock import choose, enter_pin, keypad, press, reach, unlock


@pytest.fixture
def window(qtbot, workspace, minipack):
    workspace.import_pack(minipack)
    workspace.profiles.add_learner("Ana Lima", "dock-hand")
    workspace.profiles.set_pin("Ana Lima", "2580")
    w = MainWindow(workspace, engine_factory=lambda: FakeEngine(unavailable="test: no model file"), pregenerate=False)
    qtbot.addWidget(w)
    w.show()
    return w


@pytest.fixture
def held(monkeypatch):
    """Hold a function in its worker until the test releases it: ``held(module, "name")``."""
    release = threading.Event()
    entered = threading.Event()

    def hold(owner, name: str) -> None:
        real = getattr(owner, name)

        def slow(*args, **kwargs):
            entered.set()
            release.wait(10)
            return real(*args, **kwargs)

        monkeypatch.setattr(owner, name, slow)

    hold.release, hold.entered = release, entered
    yield hold
    release.set()


def _reviews(workspace) -> int:
    return workspace.db.execute("SELECT count(*) FROM events WHERE kind = 'review'").fetchone()[0]


def test_a_double_tap_during_the_pin_check_counts_one_attempt(qtbot, window, workspace, held):
    held(pin_core, "verify_pin")
    choose(qtbot, window, "Ana Lima")
    for digit in "1111":  # a wrong PIN
        press(qtbot, keypad(window, digit))
    press(qtbot, keypad(window, "OK"))
    assert window.pin.message.text() == "Checking your PIN…"
    qtbot.mouseClick(keypad(window, "OK"), Qt.MouseButton.LeftButton)  # the second tap of a glove
    qtbot.keyClick(window.pin.entry, Qt.Key.Key_Return)  # and Enter on the keyboard
    held.release.set()
    qtbot.waitUntil(lambda: not window.pin.checking, timeout=5_000)
    assert window.pin.message.text().startswith("⚠ Wrong PIN")
    assert workspace.profiles.pin_status("Ana Lima").failures == 1


# the two answer screens: (screen, grader function, answer, confidence, check button, feedback label, done text)
ANSWERING = {
    "drill": ("grade", "Hit the e-stop, then lock out the isolator with my padlock.", 4, "submit", "feedback",
              "Well done"),
    "recall": ("grade_prompt", "Press the e-stop first.", 3, "check", "result", "Source:"),
}


@pytest.mark.parametrize("kind", ANSWERING)
def test_checking_twice_while_grading_grades_and_records_once(qtbot, window, workspace, clock, held, kind):
    grader, answer, confidence, button, label, done = ANSWERING[kind]
    unlock(qtbot, window)
    screen = reach(qtbot, window, clock, kind)
    check = getattr(screen, button)
    before = _reviews(workspace)
    held(grader_core, grader)
    qtbot.keyClicks(screen.answer, answer)
    press(qtbot, screen.confidence.buttons[confidence])
    press(qtbot, check)
    assert held.entered.wait(5)  # the grader runs in a worker, and the window still answers meanwhile
    assert getattr(screen, label).text() == "Checking your answer…"
    assert not check.isEnabled() and screen.answer.isReadOnly() and not screen.next.isVisible()
    qtbot.mouseClick(check, Qt.MouseButton.LeftButton)
    check.clicked.emit()  # a click already queued when the button was disabled
    with qtbot.waitSignal(screen.checked, timeout=10_000):
        held.release.set()
    assert done in getattr(screen, label).text() and screen.next.isVisible()
    qtbot.waitUntil(lambda: not workers._live, timeout=5_000)
    assert _reviews(workspace) == before + 1


@pytest.mark.parametrize("kind", ANSWERING)
def test_a_lock_while_grading_records_nothing_for_nobody(qtbot, window, workspace, clock, held, kind):
    grader, answer, confidence, button, _, _ = ANSWERING[kind]
    unlock(qtbot, window)
    screen = reach(qtbot, window, clock, kind)
    before = _reviews(workspace)
    held(grader_core, grader)
    qtbot.keyClicks(screen.answer, answer)
    press(qtbot, screen.confidence.buttons[confidence])
    press(qtbot, getattr(screen, button))
    assert held.entered.wait(5)
    press(qtbot, screen.stop_button)  # "Stop for now · Lock" while the answer is being checked
    assert window.stack.currentWidget() is window.profiles
    held.release.set()
    qtbot.waitUntil(lambda: not workers._live, timeout=5_000)
    assert _reviews(workspace) == before  # no event outside the session that made it


def test_a_grading_of_another_answer_is_refused(workspace, minipack):
    workspace.import_pack(minipack)
    workspace.profiles.add_learner("Ana Lima", "dock-hand")
    prompt = workspace.db.execute("SELECT id FROM prompts LIMIT 1").fetchone()[0]
    grading = workspace.prepare_prompt("Ana Lima", prompt, "Press the e-stop first.")
    with pytest.raises(Exception, match="not graded yet"):
        workspace.answer_prompt("Ana Lima", prompt, "Press the e-stop first.", 3, graded=grading)
    grading.run()
    with pytest.raises(Exception, match="another answer"):
        workspace.answer_prompt("Ana Lima", prompt, "Something else entirely.", 3, graded=grading)


def test_my_progress_shows_nothing_until_its_worker_brings_the_data(qtbot, window, workspace, held):
    unlock(qtbot, window)
    held(workspace, "journeys")  # the worker's read-only view of the workspace is a copy: it keeps this one
    window.today.show_progress.emit()
    assert window.stack.currentWidget() is window.progress
    assert held.entered.wait(5)
    assert window.progress.skills.text() == "Loading your progress…"
    assert window.progress.journeys.text() == "" and window.progress.levels.text() == ""
    assert not window.progress.ready
    with qtbot.waitSignal(window.progress.loaded, timeout=10_000):
        held.release.set()
    assert "Demonstrations:" in window.progress.levels.text()
    assert "Mini Dock" in window.progress.skills.text() or "<ol>" in window.progress.skills.text()


def test_today_shows_nobodys_items_and_start_waits_until_its_worker_brings_the_day(qtbot, window, workspace, held):
    held(aggregates, "cadence_counts")  # read by the worker, on its own read-only connection
    choose(qtbot, window, "Ana Lima")
    enter_pin(qtbot, window, "2580")
    assert held.entered.wait(5)  # unlocked; the day is being read in a worker, and the window still answers
    today = window.today
    assert window.stack.currentWidget() is today
    assert today.summary.text() == "Loading today's practice…" and today.queue.count() == 0
    assert today.title.text() == "Today" and not today.start_button.isEnabled() and not today.ready
    with qtbot.waitSignal(today.loaded, timeout=10_000):
        held.release.set()
    assert today.title.text() == "Today for Ana" and today.queue.count() > 0 and today.start_button.isEnabled()
    press(qtbot, today.start_button)  # Start begins the queue on screen
    assert window.stack.currentWidget() is window.lesson
    assert window.items and [i.item_id for i in window.items] == [i.item_id for i in today.items]


def test_a_lock_while_today_is_read_shows_nothing_for_nobody(qtbot, window, workspace, held):
    held(aggregates, "cadence_counts")
    choose(qtbot, window, "Ana Lima")
    enter_pin(qtbot, window, "2580")
    assert held.entered.wait(5)
    today = window.today
    press(qtbot, next(b for b in today.findChildren(type(today.start_button)) if b.text() == "Lock"))
    assert window.stack.currentWidget() is window.profiles
    held.release.set()
    qtbot.waitUntil(lambda: not workers._live, timeout=5_000)
    # Ana's screen is gone with the lock; the fresh one waiting for the next person got nothing of hers
    qtbot.waitUntil(lambda: window.today is not None and window.today is not today, timeout=5_000)
    assert window.stack.currentWidget() is window.profiles
    assert not window.today.ready and window.today.queue.count() == 0 and window.today.title.text() == "Today"


def test_the_workers_view_reads_but_cannot_write(workspace, minipack):
    workspace.import_pack(minipack)
    workspace.profiles.add_learner("Ana Lima", "dock-hand")
    with workspace.reading() as view:
        assert view.db is not workspace.db and view.profiles.learner("Ana Lima").name == "Ana Lima"
        with pytest.raises(Exception, match="readonly|read-only|query_only|attempt to write"):
            view.reflect("Ana Lima", "written through a reader")
    assert workspace.profiles.learner("Ana Lima").name == "Ana Lima"  # the workspace's own connection is untouched


# --- the idle lock watches input, not every event of every widget ------------------------------------------------

def _remaining_after_input(qtbot, window, send) -> int:
    window.idle.setInterval(60_000)
    window.idle.start()
    window.idle.setInterval(600_000)  # any restart from here on shows as a long remaining time
    send()
    return window.idle.remainingTime()


def test_typing_or_clicking_in_the_window_or_a_dialog_keeps_the_session_unlocked(qtbot, window):
    from PySide6.QtCore import QPoint
    from PySide6.QtTest import QTest

    unlock(qtbot, window)
    handle = window.windowHandle()
    assert _remaining_after_input(qtbot, window, lambda: QTest.keyClick(handle, Qt.Key.Key_Tab)) > 60_000
    assert _remaining_after_input(qtbot, window, lambda: QTest.mouseClick(
        handle, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(5, 5))) > 60_000
    window.today.reflect.emit()  # the reflection dialog: its own top-level window
    dialog = window.reflection
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: dialog.windowHandle() is not None)
    window._watch_window(dialog.windowHandle())  # what focusWindowChanged does when it gets the focus
    assert _remaining_after_input(qtbot, window, lambda: QTest.keyClick(dialog.windowHandle(), Qt.Key.Key_A)) > 60_000


def test_widgets_being_built_do_not_call_the_windows_python_filter(qtbot, window):
    """An application-wide Python event filter ran for every event of every widget (hundreds per screen built),
    each needing the interpreter lock that a busy worker holds: the window's stalls under load."""
    import sys

    qtbot.waitUntil(lambda: window.mydata is not None, timeout=5_000)  # after the first paint
    code, calls = type(window).eventFilter.__code__, []
    sys.setprofile(lambda frame, what, _arg: calls.append(1) if what == "call" and frame.f_code is code else None)
    try:
        window.lock()  # the learner screens are destroyed and six fresh ones built, one per event-loop turn
        qtbot.waitUntil(lambda: window.mydata is not None, timeout=5_000)
    finally:
        sys.setprofile(None)
    assert len(calls) < 20


def test_the_window_asks_for_the_interpreter_lock_sooner_than_pythons_default(qtbot, workspace, monkeypatch):
    import sys

    from drillpad.ui.app import SWITCH_INTERVAL_S

    monkeypatch.setattr(sys, "getswitchinterval", lambda: 0.005)  # Python's default; the real one is restored below
    asked = []
    monkeypatch.setattr(sys, "setswitchinterval", asked.append)
    w = MainWindow(workspace, engine_factory=lambda: FakeEngine(unavailable="test"), pregenerate=False)
    qtbot.addWidget(w)
    assert asked == [SWITCH_INTERVAL_S] and SWITCH_INTERVAL_S <= 0.001


def test_the_start_up_workers_wait_until_the_learner_screens_are_built(qtbot, workspace, minipack, monkeypatch):
    from drillpad.ui import app as app_module

    workspace.import_pack(minipack)
    seen = []  # which learner screens existed when the first start-up worker began importing
    real = app_module.import_shared

    def recorded() -> None:
        seen.append([name for name in MainWindow.LEARNER_SCREENS if getattr(w, name) is None])
        real()

    monkeypatch.setattr(app_module, "import_shared", recorded)
    w = MainWindow(workspace, engine_factory=lambda: FakeEngine(unavailable="test"), pregenerate=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: bool(seen), timeout=10_000)
    assert seen == [[]]  # none missing: the screens were built before the imports competed with them
    qtbot.waitUntil(lambda: w.model_label.text().startswith("AI off"), timeout=10_000)  # and the workers ran


# --- the main thread never imports what a start-up worker is still importing -----------------------------------------

def test_an_answer_before_the_evidence_code_is_loaded_leaves_the_sync_status_to_its_worker(qtbot, window, workspace,
                                                                                         held):
    """The sync status after each answer and at the lock reads the evidence code. Before the start-up worker has
    loaded it, the main thread imported it itself, or waited for the worker's half-done import of it (80 ms and
    more on a busy PC, in the middle of a session): it now waits for the worker, which shows the status."""
    from drillpad.ui import app as app_module

    held(app_module, "import_shared")  # the first start-up worker, which imports the evidence code
    qtbot.waitUntil(held.entered.is_set, timeout=10_000)
    unlock(qtbot, window)
    press(qtbot, window.today.start_button)
    assert window.stack.currentWidget() is window.lesson
    press(qtbot, window.lesson.done)  # a lesson read: the session goes on to the next item
    assert window.done_count == 1
    window.lock()
    assert workspace._evidence is None and window.sync_label.text() == ""
    held.release.set()
    qtbot.waitUntil(lambda: "waiting to send" in window.sync_label.text(), timeout=10_000)


def test_building_about_my_data_without_an_lrs_imports_no_lrs_code(qtbot, workspace, monkeypatch):
    """The screen is built on the main thread just after the first paint; it imported the LRS statements' code
    (60 ms on a busy PC) to name what an LRS would receive even where the IT policy names none."""
    import sys

    from drillpad.ui.trainee.mydata import MyDataScreen

    monkeypatch.delitem(sys.modules, "drillpad.lrs.statements", raising=False)  # put back after the test
    screen = MyDataScreen(workspace)
    qtbot.addWidget(screen)
    assert "names no LRS" in screen.lrs.text()
    assert "drillpad.lrs.statements" not in sys.modules


def test_each_learner_screens_code_is_imported_in_a_turn_of_its_own_before_it_is_built(qtbot, workspace, minipack,
                                                                                          monkeypatch):
    """Just after the first paint the six learner screens are built one per event-loop turn; importing a screen's
    code (and My progress's charts) in the same turn as building it made those turns the longest of a loaded
    session's start. Now a turn imports, and a later one builds."""
    import sys

    screen_code = [f"drillpad.ui.trainee.{name}" for name in MainWindow.LEARNER_SCREENS] + ["drillpad.ui.widgets.charts"]
    for name in screen_code:
        monkeypatch.delitem(sys.modules, name, raising=False)  # as at start-up; the test's modules come back after
    imported_while_building = []
    real = MainWindow._build_screen

    def build(self, name):
        before = set(sys.modules)
        real(self, name)
        imported_while_building.extend(m for m in set(sys.modules) - before if m in screen_code)

    monkeypatch.setattr(MainWindow, "_build_screen", build)
    workspace.import_pack(minipack)
    w = MainWindow(workspace, engine_factory=lambda: FakeEngine(unavailable="test"), pregenerate=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: all(getattr(w, name) is not None for name in MainWindow.LEARNER_SCREENS), timeout=10_000)
    assert imported_while_building == []
    assert all(name in sys.modules for name in screen_code)


def test_a_drill_shown_before_the_model_is_noted_is_the_written_one_and_reads_no_model_folder(qtbot, window, workspace,
                                                                                            held, monkeypatch):
    """Which model's variants may be shown was looked up on the main thread when a drill came before the start-up
    worker had noted the model: the model code imported there (or waited for the worker's import of pydantic) and
    the model folders read, 100–340 ms into a loaded session's 'open drill'. Now the written scenario is shown."""
    import sys

    from drillpad.ui import app as app_module

    held(app_module, "import_shared")
    qtbot.waitUntil(held.entered.is_set, timeout=10_000)
    monkeypatch.delitem(sys.modules, "drillpad.llm.models", raising=False)
    unlock(qtbot, window)
    window.drill.show_drill(window.learner_id, "jam-c1")
    assert window.drill.view.variant_id is None and window.drill.situation.text()
    assert "drillpad.llm.models" not in sys.modules
    held.release.set()
    qtbot.waitUntil(lambda: workspace.ai._variant_model is not None, timeout=10_000)  # noted by the worker


def test_my_progress_is_not_laid_out_again_at_another_width_when_its_data_arrives(qtbot, window, workspace, held):
    """My progress grows when its data arrives; its scroll bar then appeared and every card, rich text and chart was
    laid out and painted again at the narrower width (a third of the screen's CPU, on the main thread). The scroll
    bar is there from the start."""
    from PySide6.QtWidgets import QScrollArea

    window.resize(1280, 760)  # "Loading…" fits; the learner's progress does not
    unlock(qtbot, window)
    held(workspace, "journeys")
    window._show_progress()
    scroll = window.progress.findChildren(QScrollArea)[0]
    qtbot.waitUntil(lambda: held.entered.is_set() and scroll.viewport().isVisible(), timeout=10_000)
    qtbot.waitUntil(lambda: window.progress.skills.isVisible(), timeout=5_000)  # "Loading your progress…" shown
    before = scroll.viewport().width()
    with qtbot.waitSignal(window.progress.loaded, timeout=10_000):
        held.release.set()
    qtbot.waitUntil(lambda: scroll.verticalScrollBar().maximum() > 0, timeout=5_000)  # more than fits
    assert scroll.viewport().width() == before
