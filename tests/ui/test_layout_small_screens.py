"""Small screens: every trainee screen (and the manager desk) works in the window a 1024×768 screen at 100 %
leaves, and in the one a 1366×768 screen at 150 % scaling leaves (about 910×512 logical pixels, less the
panel and the title bar). No minimum size larger than that, and each screen's main action is in view without
scrolling the window — on the demo content, at the app's 12-point font."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QPushButton, QWidget

from drillpad.evidence.keys import unlock_manager_keys
from drillpad.llm.fake import FakeEngine
from drillpad.ui.app import MainWindow, apply_app_font
from drillpad.workspace import DEMO_MANAGER_PASSPHRASE, DEMO_PIN

# the client area left for the window: the screen, less a panel (~40 px) and the title bar (~30 px)
SIZES = {"1024x768 at 100%": QSize(1024, 698), "1366x768 at 150%": QSize(910, 452)}
# the first drill at 1366×768: the window as a maximised app gets it
FULL = QSize(1366, 698)


@pytest.fixture
def app_font(qapp):
    before = qapp.font()
    apply_app_font(qapp)
    yield
    qapp.setFont(before)


@pytest.fixture
def demo(workspace, app_font):
    workspace.install_demo(manager=True)
    return workspace


@pytest.fixture
def window(qtbot, demo):
    w = MainWindow(demo, engine_factory=lambda: FakeEngine(unavailable="test: no model file"), pregenerate=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def settle() -> None:
    QApplication.sendPostedEvents()
    QApplication.processEvents()


def in_view(window: QWidget, widget: QWidget) -> bool:
    """*widget* is shown and wholly inside the window, and inside every scroll area around it as it stands
    (nothing needs scrolling to reach it)."""
    if not widget.isVisibleTo(window):
        return False
    rect = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
    if not window.rect().contains(rect):
        return False
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        if isinstance(parent, QAbstractScrollArea):
            port = parent.viewport()
            inside = QRect(widget.mapTo(port, QPoint(0, 0)), widget.size())
            if not port.rect().contains(inside):
                return False
        parent = parent.parentWidget()
    return True


def button(screen: QWidget, starts: str) -> QPushButton:
    return next(b for b in screen.findChildren(QPushButton) if b.text().startswith(starts) and b.isVisibleTo(screen))


def walk(qtbot, window, clock, size: QSize) -> dict[str, bool]:
    """Every screen of the trainee story at *size*: {screen · action: in view}."""
    window.resize(size)
    settle()
    seen: dict[str, bool] = {}

    def check(where: str, *widgets: QWidget) -> None:
        window.resize(size)
        settle()
        hint = window.minimumSizeHint().expandedTo(window.minimumSize())
        seen[f"{where} · minimum size {hint.toTuple()}"] = hint.boundedTo(size) == hint
        seen[f"{where} · window size {window.size().toTuple()}"] = window.size() == size
        for w in widgets:
            seen[f"{where} · {w.accessibleName() or w.text()}"] = in_view(window, w)

    learner = window.workspace.profiles.learner("Sam Ortiz")
    check("names", window.profiles.tiles[0], window.profiles.manager_button)
    window._choose(learner.id)
    check("PIN", button(window.pin, "OK"), window.pin.back_button)
    window.pin.entry.setText(DEMO_PIN)
    with qtbot.waitSignal(window.pin.unlocked, timeout=5_000):
        window.pin._submit()
    check("today", window.today.start_button, button(window.today, "Lock"))
    window.start_session()
    assert window.stack.currentWidget() is window.lesson
    check("lesson", window.lesson.done, window.lesson.stop_button)
    while window.stack.currentWidget() is window.lesson:
        window.lesson.done.click()
    clock.advance(timedelta(days=1))
    window._show_today()
    window.start_session()
    while window.stack.currentWidget() is window.lesson:
        window.lesson.done.click()
    prompt = window.workspace.db.execute("SELECT id FROM prompts WHERE pack_id = ? LIMIT 1",
                                         [learner.pack_id]).fetchone()[0]
    window.recall.show_prompt(learner.id, prompt, learner.pack_id)
    window.stack.setCurrentWidget(window.recall)
    check("recall", window.recall.check, window.recall.stop_button)
    window.recall.answer.setPlainText("Stop, cone it off and tell the shift lead.")
    window.recall.confidence.set_value(3)
    with qtbot.waitSignal(window.recall.checked, timeout=10_000):
        window.recall.check.click()
    check("recall answered", window.recall.next, window.recall.stop_button)
    window.drill.show_drill(learner.id, "jam-at-c2")
    window.stack.setCurrentWidget(window.drill)
    check("drill", window.drill.submit, window.drill.stop_button)
    window.drill.answer.setPlainText("I press the e-stop and then pull the carton out by hand.")
    window.drill.confidence.set_value(3)
    with qtbot.waitSignal(window.drill.checked, timeout=10_000):
        window.drill.submit.click()
    check("drill feedback", window.drill.retry, window.drill.next, window.drill.stop_button)
    with qtbot.waitSignal(window.progress.loaded, timeout=10_000):
        window._show_progress()
    check("my progress", button(window.progress, "← Back"))
    window._show_data()
    check("about my data", window.mydata.export, button(window.mydata, "← Back"))
    window.lock()
    window._open_manager(unlock_manager_keys(window.workspace.paths.data_dir, DEMO_MANAGER_PASSPHRASE), "Morgan")
    screen = window.manager_screen
    for tab in (screen.team, screen.review, screen.coaching, screen.gaps, screen.calibration, screen.devices):
        screen.tabs.setCurrentWidget(tab)
        check(f"manager {tab.__class__.__name__}", screen.leave_button)
    return seen


@pytest.mark.parametrize("name", list(SIZES))
def test_every_screen_fits_and_shows_its_main_action(qtbot, window, clock, name):
    size = SIZES[name]
    seen = walk(qtbot, window, clock, size)
    hidden = [where for where, ok in seen.items() if not ok]
    assert not hidden, f"out of view at {name}: {hidden}"


def test_on_a_first_drill_at_1366x768_check_my_answer_is_in_view(qtbot, window):
    window.resize(FULL)
    learner = window.workspace.profiles.learner("Sam Ortiz")
    window._choose(learner.id)
    window.pin.entry.setText(DEMO_PIN)
    with qtbot.waitSignal(window.pin.unlocked, timeout=5_000):
        window.pin._submit()
    window.drill.show_drill(learner.id, "jam-at-c2")
    window.stack.setCurrentWidget(window.drill)
    settle()
    assert in_view(window, window.drill.submit) and in_view(window, window.drill.stop_button)
    port = window.drill.scroll.viewport()  # and the answer box starts above the fold
    assert window.drill.answer.mapTo(port, QPoint(0, 0)).y() + 48 < port.height()


WEAK_ANSWERS = {  # answers to the jam drill that miss steps, so the cohort gaps have rows with long advice
    "Dana Brooks": "Hit the e-stop and pull the carton out.",
    "Lee Mensah": "Press the e-stop, then clear it.",
    "Ravi Patel": "E-stop, padlock on the isolator, test start, clear it.",
}


def test_at_1024x768_the_manager_tables_show_every_cell_whole(qtbot, window, demo):
    """The heat-map's "Ready for sign-off" and "Check-in" columns are in view without scrolling, and no cell of
    the cohort gaps is cut (a row as tall as its wrapped text, every column inside the table)."""
    for name, answer in WEAK_ANSWERS.items():
        demo.profiles.add_learner(name, "warehouse-associate")
        demo.submit_drill(name, "jam-at-c2", answer, 2, 160)
    window.resize(SIZES["1024x768 at 100%"])
    window._open_manager(unlock_manager_keys(demo.paths.data_dir, DEMO_MANAGER_PASSPHRASE), "Morgan")
    screen = window.manager_screen
    settle()

    heat = screen.team.table
    model = heat.model()
    wanted = [c for c in range(model.columnCount())
              if str(model.headerData(c, Qt.Orientation.Horizontal)).replace("\n", " ").startswith(
                  ("Ready for sign-off", "Check-in"))]
    assert len(wanted) == 2
    for column in wanted:
        left = heat.columnViewportPosition(column)
        assert left >= 0 and left + heat.columnWidth(column) <= heat.viewport().width(), \
            model.headerData(column, Qt.Orientation.Horizontal)

    screen.tabs.setCurrentWidget(screen.gaps)
    settle()
    gaps = screen.gaps.table
    assert gaps.rowCount() >= 3
    cut = []
    for row in range(gaps.rowCount()):
        if gaps.rowHeight(row) < gaps.sizeHintForRow(row):
            cut.append(f"row {row + 1}: {gaps.rowHeight(row)} px of {gaps.sizeHintForRow(row)}")
    for column in range(gaps.columnCount()):
        if gaps.columnViewportPosition(column) + gaps.columnWidth(column) > gaps.viewport().width():
            cut.append(f"column {gaps.horizontalHeaderItem(column).text()}")
    assert not cut, cut
