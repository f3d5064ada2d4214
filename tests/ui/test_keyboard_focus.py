"""Keyboard only: Tab, Shift+Tab, Enter, Space and Esc reach every step of the trainee story; the focused
control always shows a 3-px outline at ≥ 3:1 against the window (and unlike the default-button look);
the decision tree keeps the focus after each choice; text boxes and tables let Tab go."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

from drillpad.llm.fake import FakeEngine
from drillpad.ui.app import MainWindow
from drillpad.ui.widgets.look import MIN_FOCUS_CONTRAST, contrast


@pytest.fixture
def window(qtbot, workspace, minipack):
    workspace.import_pack(minipack)
    workspace.profiles.add_learner("Ana Lima", "dock-hand")
    workspace.profiles.set_pin("Ana Lima", "2580")
    w = MainWindow(workspace, engine_factory=lambda: FakeEngine(unavailable="test: no model file"), pregenerate=False)
    qtbot.addWidget(w)
    w.show()
    w.activateWindow()
    qtbot.waitExposed(w)
    return w


def focus() -> QWidget:
    return QApplication.focusWidget()


def key(qtbot, k, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    assert focus() is not None, "nothing has the keyboard focus"
    qtbot.keyClick(focus(), k, modifier)


def tab_to(qtbot, target: QWidget, limit: int = 40) -> int:
    """Press Tab until *target* has the focus; fail if it is never reached (a trap or a missing stop)."""
    for n in range(limit):
        if focus() is target:
            return n
        key(qtbot, Qt.Key.Key_Tab)
    raise AssertionError(f"Tab never reached {target.accessibleName() or target}; stuck on {focus()}")


def grab(widget: QWidget) -> QImage:
    QApplication.processEvents()
    return widget.grab().toImage()


def outline_ok(window, widget: QWidget) -> str:
    """'' when *widget* shows a visible focus outline; else what is wrong."""
    widget.setFocus(Qt.FocusReason.TabFocusReason)
    focused = grab(widget)
    window.setFocus(Qt.FocusReason.OtherFocusReason)  # nothing inside has the focus
    widget.clearFocus()
    plain = grab(widget)
    widget.setFocus(Qt.FocusReason.TabFocusReason)
    if focused == plain:
        return "no visible change on focus"
    background = window.palette().color(window.backgroundRole())
    y = focused.height() // 2
    edge = [QColor(focused.pixel(x, y)) for x in (0, 1, 2)]  # a 3-px band at the left edge
    worst = min(contrast(c, background) for c in edge)
    if worst < MIN_FOCUS_CONTRAST:
        return f"outline contrast {worst:.2f}:1"
    return ""


def test_focus_is_visible_on_every_control_and_unlike_the_default_button(qtbot, window):
    problems = {}
    tile = window.profiles.tiles[0]
    problems[tile.text()] = outline_ok(window, tile)
    qtbot.keyClick(tile, Qt.Key.Key_Space)
    assert window.stack.currentWidget() is window.pin
    for button in window.pin.findChildren(QPushButton):
        problems[f"PIN {button.text()}"] = outline_ok(window, button)
    problems["PIN entry"] = outline_ok(window, window.pin.entry)
    ok = next(b for b in window.pin.findChildren(QPushButton) if b.text() == "OK")
    assert ok.isDefault()
    ok.clearFocus()
    default_look = grab(ok)
    ok.setFocus(Qt.FocusReason.TabFocusReason)
    assert grab(ok) != default_look  # focus is not the default-button look
    assert not [f"{where}: {what}" for where, what in problems.items() if what]


def test_a_keyboard_only_session(qtbot, window, workspace):
    # names: the first tile has the focus; Space picks it
    assert focus() is window.profiles.tiles[0]
    key(qtbot, Qt.Key.Key_Space)
    assert focus() is window.pin.entry
    qtbot.keyClicks(focus(), "2580")
    with qtbot.waitSignal(window.pin.unlocked, timeout=5_000):
        key(qtbot, Qt.Key.Key_Return)
    today = window.today
    qtbot.waitUntil(lambda: today.ready, timeout=10_000)  # the day is gathered in a worker; then Start has the focus
    assert focus() is today.start_button and outline_ok(window, today.start_button) == ""

    # My progress and About my data: reached by Tab, opened by Space, left by Esc
    for label, screen in (("My progress", window.progress), ("About my data", window.mydata)):
        button = next(b for b in today.findChildren(QPushButton) if b.text() == label)
        tab_to(qtbot, button)
        key(qtbot, Qt.Key.Key_Space)
        assert window.stack.currentWidget() is screen
        key(qtbot, Qt.Key.Key_Escape)
        assert window.stack.currentWidget() is today, f"Esc did not leave {label}"
        qtbot.waitUntil(lambda: today.ready, timeout=10_000)

    # the weekly reflection: Tab leaves the text box, Esc closes the dialog
    tab_to(qtbot, today.reflect_button)
    key(qtbot, Qt.Key.Key_Space)
    dialog = window.reflection
    qtbot.waitUntil(lambda: focus() is dialog.text or dialog.isAncestorOf(focus()), timeout=2_000)
    dialog.text.setFocus()
    assert dialog.text.accessibleName()
    qtbot.keyClicks(dialog.text, "Lock-out is slow")
    key(qtbot, Qt.Key.Key_Tab)
    assert focus() is not dialog.text and dialog.text.toPlainText() == "Lock-out is slow"
    key(qtbot, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: focus() is today.reflect_button, timeout=2_000)  # back where the keyboard was

    # Start by Enter; lessons: the decision tree by Space, the focus stays in the tree after each choice
    tab_to(qtbot, today.start_button)
    key(qtbot, Qt.Key.Key_Return)
    lesson = window.lesson
    walked = False
    while window.stack.currentWidget() is lesson:
        if lesson.tree_card.isVisible() and not walked:
            first = next(b for b in lesson.tree_card.findChildren(QPushButton) if b.isVisible())
            tab_to(qtbot, first)
            for _ in range(3):  # a few choices by Space: each time a new button of the tree has the focus
                if not lesson.tree_card.isAncestorOf(focus()):
                    break
                key(qtbot, Qt.Key.Key_Space)
                assert isinstance(focus(), QPushButton) and lesson.tree_card.isAncestorOf(focus()), \
                    f"focus lost after a tree choice: {focus()}"
                assert focus().isVisible() and outline_ok(window, focus()) == ""
            walked = True
        tab_to(qtbot, lesson.done)
        assert outline_ok(window, lesson.done) == ""
        key(qtbot, Qt.Key.Key_Return)
    assert walked and window.stack.currentWidget() is today


def focus_band_ok(window, widget: QWidget) -> str:
    """'' when focusing *widget* paints at least a 3-px-wide band (as many changed pixels as three lines along
    its height) in a colour ≥ 3:1 against the window; else what is wrong. For controls whose outline is not at
    their left edge (a tab bar outlines its current tab)."""
    widget.setFocus(Qt.FocusReason.TabFocusReason)
    focused = grab(widget)
    window.setFocus(Qt.FocusReason.OtherFocusReason)
    widget.clearFocus()
    plain = grab(widget)
    widget.setFocus(Qt.FocusReason.TabFocusReason)
    background = window.palette().color(window.backgroundRole())
    strong = sum(1 for y in range(focused.height()) for x in range(focused.width())
                 if focused.pixel(x, y) != plain.pixel(x, y)
                 and contrast(QColor(focused.pixel(x, y)), background) >= MIN_FOCUS_CONTRAST)
    return "" if strong >= 3 * min(focused.height(), 24) else f"{strong} changed pixels at ≥ 3:1"


def test_every_tab_stop_of_the_manager_desk_shows_its_focus(qtbot, window, workspace):
    from drillpad.evidence.keys import unlock_manager_keys

    workspace.evidence.manager_init("North DC", "correct horse battery")
    window._open_manager(unlock_manager_keys(workspace.paths.data_dir, "correct horse battery"), "Sam")
    screen = window.manager_screen
    problems = {}
    for index in range(screen.tabs.count()):
        screen.tabs.setCurrentIndex(index)
        start = screen.tabs.tabBar()
        start.setFocus(Qt.FocusReason.TabFocusReason)
        seen = []
        while focus() not in seen and len(seen) < 40:  # once round the Tab chain from the tab bar
            seen.append(focus())
            if screen.isAncestorOf(focus()):
                problems[f"{screen.tabs.tabText(index)} · {type(focus()).__name__} "
                         f"{focus().accessibleName()}"] = focus_band_ok(window, focus())
            key(qtbot, Qt.Key.Key_Tab)
        assert screen.tabs.tabBar() in seen
    assert not [f"{where}: {what}" for where, what in problems.items() if what]


def test_a_keyboard_only_recall_and_drill(qtbot, window, workspace, clock):
    """Day two by keyboard alone: Start by Enter, each recall prompt and drill answered by typing, the confidence by
    a digit key, Check by Tab and Space, the result left by Enter on Next (or Try again, then Next) — back to Today."""
    from datetime import timedelta

    for item in workspace.today("Ana Lima").items:  # day one's lessons, read
        if item.kind == "lesson":
            workspace.read_lesson("Ana Lima", item.item_id, 60)
    clock.advance(timedelta(days=1))
    key(qtbot, Qt.Key.Key_Space)  # the first name tile
    qtbot.keyClicks(focus(), "2580")
    with qtbot.waitSignal(window.pin.unlocked, timeout=5_000):
        key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.today.ready, timeout=10_000)
    assert focus() is window.today.start_button
    key(qtbot, Qt.Key.Key_Return)
    answered = set()
    for _ in range(12):
        screen = window.stack.currentWidget()
        if screen is window.today:
            break
        assert screen in (window.recall, window.drill), screen
        check = screen.check if screen is window.recall else screen.submit
        assert focus() is screen.answer, f"the answer box has no focus on {type(screen).__name__}"
        qtbot.keyClicks(focus(), "Hit the e-stop, lock out the isolator with my padlock.")
        key(qtbot, Qt.Key.Key_Tab)  # into the confidence picker
        assert screen.confidence.isAncestorOf(focus())
        key(qtbot, Qt.Key.Key_3)
        assert screen.confidence.value() == 3
        tab_to(qtbot, check)
        assert outline_ok(window, check) == ""
        with qtbot.waitSignal(screen.checked, timeout=10_000):
            key(qtbot, Qt.Key.Key_Space)
        answered.add(type(screen).__name__)
        if screen is window.drill and screen.retry.isVisible():  # a wrong answer: Try again has the focus
            assert focus() is screen.retry
            tab_to(qtbot, screen.next)
        assert focus() is screen.next and outline_ok(window, screen.next) == ""
        key(qtbot, Qt.Key.Key_Return)
    assert window.stack.currentWidget() is window.today
    assert answered == {"RecallScreen", "DrillScreen"}, answered
