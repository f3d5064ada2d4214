"""Plain words for second-language readers, and small things that confused trainees: no model name or error
text on the trainee's screen, scenario titles instead of ids, the rehearse rule in a sentence, dates as
people write them, glyphs a DejaVu-only PC can draw, a lesson title shown once, "Queued" until it is sent,
Export my data starting in the user's own folder."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics
from PySide6.QtWidgets import QFileDialog, QLabel, QPushButton

from drillpad.llm.fake import FakeEngine
from drillpad.ui.app import MainWindow

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
RACE = ("cannot import name 'import_string' from partially initialized module 'pydantic._internal._validators' "
        "(most likely due to a circular import)")


def broken_engine():
    raise ImportError(RACE)


@pytest.fixture
def window(qtbot, workspace, minipack, clock):
    workspace.import_pack(minipack)
    workspace.profiles.add_learner("Ana Lima", "dock-hand")
    workspace.profiles.set_pin("Ana Lima", "2580")
    for day in range(3):  # lessons, then right answers on three days
        for item in workspace.today("Ana Lima").items:
            if item.kind == "lesson":
                workspace.read_lesson("Ana Lima", item.item_id, 60)
            elif item.kind == "prompt":
                workspace.answer_prompt("Ana Lima", item.item_id, workspace.prompt(item.item_id)["answer"], 3, 30)
            else:
                workspace.submit_drill("Ana Lima", item.item_id, workspace.drill(item.item_id).model_answer, 3, 60)
        clock.advance(timedelta(days=1))
    w = MainWindow(workspace, engine_factory=broken_engine, pregenerate=False)
    qtbot.addWidget(w)
    w.show()
    return w


def unlock(qtbot, window) -> None:
    window._choose(window.workspace.profiles.learner("Ana Lima").id)
    window.pin.entry.setText("2580")
    with qtbot.waitSignal(window.pin.unlocked, timeout=5_000):
        window.pin._submit()


def test_an_import_failure_shows_plain_words_and_keeps_the_detail_for_hover(qtbot, window):
    qtbot.waitUntil(lambda: window.model_label.text().startswith("AI off"), timeout=5_000)
    assert window.model_label.text() == "AI off — using the written scenarios"
    assert "import" not in window.model_label.text() and "module" not in window.model_label.text()
    assert "partially initialized" in window.model_label.toolTip()


def test_progress_speaks_in_titles_sentences_and_readable_dates(qtbot, window, workspace):
    unlock(qtbot, window)
    with qtbot.waitSignal(window.progress.loaded, timeout=10_000):
        window._show_progress()
    levels, journeys = window.progress.levels.text(), window.progress.journeys.text()
    title = workspace.drill("jam-c1").title_text()
    assert f"Scenario “{title}”" in levels and "jam-c1" not in levels and "score" not in levels
    assert "day(s)" not in journeys and "+)" not in journeys
    assert re.search(r"right on \d different days?", journeys), journeys
    for shown in (levels, journeys, window.mydata.counts.text()):
        assert not ISO_DATE.search(shown), ISO_DATE.search(shown)
    assert "Mon 2 Mar" in journeys  # the day the lesson was read, as people write it


def test_a_lesson_title_is_shown_once(qtbot, window):
    unlock(qtbot, window)
    window.lesson.show_lesson("lesson-escalate", window.workspace.profiles.learner("Ana Lima").pack_id)
    assert window.lesson.title.text() == "How to escalate"
    assert "How to escalate" not in window.lesson.body.toPlainText()


def test_every_glyph_on_the_trainee_screens_is_in_dejavu_sans(qtbot, window):
    if "DejaVu Sans" not in QFontDatabase.families():
        pytest.skip("DejaVu Sans is not installed here")
    metrics = QFontMetrics(QFont("DejaVu Sans"))
    unlock(qtbot, window)
    missing = {}
    for screen in (window.profiles, window.pin, window.today, window.lesson, window.recall, window.drill,
                   window.progress, window.mydata):
        for widget in screen.findChildren(QPushButton) + screen.findChildren(QLabel):
            for ch in set(widget.text()) - set("\n\t"):
                if not metrics.inFontUcs4(ord(ch)):
                    missing[ch] = widget.text()
    assert not missing, missing


def test_asking_a_manager_says_queued_until_it_is_sent(qtbot, window, workspace):
    unlock(qtbot, window)
    window.drill.show_drill(window.learner_id, "jam-c1")
    window.stack.setCurrentWidget(window.drill)
    window.drill.answer.setPlainText("E-stop, then walk away.")
    window.drill.confidence.set_value(2)
    with qtbot.waitSignal(window.drill.checked, timeout=10_000):
        qtbot.mouseClick(window.drill.submit, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.drill.ask, Qt.MouseButton.LeftButton)
    assert window.drill.ask.text() == "Queued for your manager" and "Sent" not in window.drill.ask.text()


def test_export_my_data_starts_in_the_users_own_folder(qtbot, window, monkeypatch, tmp_path):
    unlock(qtbot, window)
    window._show_data()
    asked = {}

    def fake(parent, caption, start, filters):
        asked["start"] = start
        return "", ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", fake)
    monkeypatch.chdir(tmp_path)  # DrillPad's working folder is not where a person keeps files
    qtbot.mouseClick(window.mydata.export, Qt.MouseButton.LeftButton)
    start = Path(asked["start"])
    assert start.name == "drillpad-ana-lima.json" and start.parent != tmp_path
    assert start.parent.is_dir() and str(start.parent).startswith(os.path.expanduser("~"))


def test_the_export_dialog_has_controls_a_gloved_finger_can_hit(qtbot, window, monkeypatch, tmp_path):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QToolButton

    from drillpad.ui.widgets.common import MIN_TARGET

    monkeypatch.setenv("HOME", str(tmp_path))
    unlock(qtbot, window)
    window._show_data()
    small = {}

    def look_and_cancel() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, QFileDialog), dialog
        for control in (dialog.findChildren(QPushButton) + dialog.findChildren(QLineEdit)
                        + dialog.findChildren(QComboBox) + dialog.findChildren(QToolButton)):
            if control.isVisible() and control.height() < MIN_TARGET:
                small[f"{type(control).__name__} {control.text() if hasattr(control, 'text') else ''}"] = \
                    control.height()
        dialog.reject()

    QTimer.singleShot(0, look_and_cancel)
    qtbot.mouseClick(window.mydata.export, Qt.MouseButton.LeftButton)
    assert not small, small


def test_no_trainee_screen_counts_in_brackets(qtbot, window, workspace):
    """ "4 item(s)" reads as badly as "day(s)": counts say "1 item", "4 items"."""
    workspace.profiles.add_learner("Cy Diaz", "dock-hand")  # a new learner: lessons to read today
    workspace.profiles.set_pin("Cy Diaz", "2468")
    window._choose(workspace.profiles.learner("Cy Diaz").id)
    window.pin.entry.setText("2468")
    with qtbot.waitSignal(window.pin.unlocked, timeout=5_000):
        window.pin._submit()
    qtbot.waitUntil(lambda: window.today.ready, timeout=10_000)
    shown = [visible for visible in (window.today, window.sync_label, window.model_label)]
    with qtbot.waitSignal(window.progress.loaded, timeout=10_000):
        window._show_progress()
    shown.append(window.progress)
    texts = []
    for widget in shown:
        texts += [label.text() for label in [widget, *widget.findChildren(QLabel)] if isinstance(label, QLabel)]
    assert any("items, about" in t or "1 item, about" in t for t in texts), texts
    assert not [t for t in texts if "(s)" in t]


def test_lock_and_time_carry_a_picture(qtbot, window, workspace):
    """A lock on every Lock and Stop button, a stopwatch beside the minutes on Today and on a lesson: pictures a
    second-language reader gets without the words (issue #18), drawn in the text colour so dark palettes keep them."""
    unlock(qtbot, window)
    qtbot.waitUntil(lambda: window.today.ready, timeout=10_000)
    locks = [b for screen in (window.today, window.lesson, window.recall, window.drill)
             for b in screen.findChildren(QPushButton) if "Lock" in b.text()]
    assert len(locks) == 4 and all(not b.icon().isNull() for b in locks), [b.text() for b in locks]
    for screen in (window.today, window.lesson):
        watch = screen.findChild(QLabel, "stopwatch")
        assert watch is not None and not watch.pixmap().isNull() and watch.accessibleName() == "Time needed"
        image = watch.pixmap().toImage()
        ink = window.palette().color(window.foregroundRole()).rgb() & 0xFFFFFF
        assert any(image.pixel(x, y) & 0xFFFFFF == ink and image.pixelColor(x, y).alpha() == 255
                   for x in range(image.width()) for y in range(image.height()))


def _plain(label: QLabel) -> None:
    shown = label.text()
    assert shown.startswith("⚠") and not any(w in shown for w in ("import", "module", "initialized")), shown
    assert "partially initialized" in label.toolTip()  # the detail, for whoever helps, on hover


def test_a_worker_that_fails_shows_plain_words_not_the_error_text(qtbot, window, workspace, monkeypatch):
    """An error in a worker (such as the pydantic import race) never reaches the trainee as its text."""
    from drillpad.workspace import Workspace

    unlock(qtbot, window)
    qtbot.waitUntil(lambda: window.today.ready, timeout=10_000)
    with monkeypatch.context() as m:
        m.setattr(Workspace, "today", lambda *a, **k: broken_engine())
        window.today.show_for(window.learner_id)
        qtbot.waitUntil(lambda: window.today.summary.text().startswith("⚠"), timeout=10_000)
        _plain(window.today.summary)
    with monkeypatch.context() as m:
        m.setattr(Workspace, "progress", lambda *a, **k: broken_engine())
        window._show_progress()
        qtbot.waitUntil(lambda: window.progress.skills.text().startswith("⚠"), timeout=10_000)
        _plain(window.progress.skills)

    class Broken:
        def run(self):
            broken_engine()

    prompt = workspace.db.execute("SELECT id FROM prompts LIMIT 1").fetchone()[0]
    pack = workspace.profiles.learner("Ana Lima").pack_id
    window.recall.show_prompt(window.learner_id, prompt, pack)
    window.stack.setCurrentWidget(window.recall)
    window.drill.show_drill(window.learner_id, "jam-c1")
    for screen, button, shown, prepare in ((window.recall, window.recall.check, window.recall.result, "prepare_prompt"),
                                          (window.drill, window.drill.submit, window.drill.feedback, "prepare_drill")):
        window.stack.setCurrentWidget(screen)
        screen.answer.setPlainText("E-stop, then the padlock.")
        screen.confidence.set_value(3)
        with monkeypatch.context() as m:
            m.setattr(workspace, prepare, lambda *a, **k: Broken())
            with qtbot.waitSignal(screen.checked, timeout=10_000):
                qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        _plain(shown)
        assert "still here" in shown.text() and screen.answer.toPlainText() == "E-stop, then the padlock."
