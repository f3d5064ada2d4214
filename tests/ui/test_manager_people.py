"""The manager's People and PINs tab, driven offscreen: merge two profiles of one person (the confirmation names
both and says it can be undone until sign-off), undo the merge, reset a PIN — through the real buttons."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from drillpad.ui.manager.desk import ManagerScreen

PASS = "correct horse battery"


@pytest.fixture
def screen(qtbot, workspace, minipack):
    workspace.import_pack(minipack)
    for name in ("Ana Lima", "Sam Ortiz", "Sam Ortiz (e13551b9)"):
        workspace.profiles.add_learner(name, "dock-hand")
    workspace.answer_prompt("Sam Ortiz (e13551b9)", "jam-first", "press the e-stop and lock out", confidence=3)
    workspace.evidence.manager_init("North DC", PASS)
    s = ManagerScreen(workspace, None, "Dana")
    qtbot.addWidget(s)
    s.show()
    s.tabs.setCurrentWidget(s.people)
    return s


@pytest.fixture
def answer(monkeypatch):
    """Every confirmation is read (its text kept) and answered by clicking its first button (go) or Cancel."""
    seen: list[str] = []
    choice = {"go": True}

    def exec_(box):
        seen.append(box.text())
        buttons = box.buttons()
        go = next(b for b in buttons if box.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole)
        (go if choice["go"] else next(b for b in buttons if b is not go)).click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: seen.append(a[2]))
    return seen, choice


def _pick(box, name):
    box.setCurrentIndex(box.findText(name))


def test_a_merge_asks_first_naming_both_and_can_be_undone(qtbot, screen, answer):
    seen, choice = answer
    tab, ws = screen.people, screen.ws
    _pick(tab.merge_from, "Sam Ortiz (e13551b9)")
    _pick(tab.merge_into, "Sam Ortiz")
    choice["go"] = False
    qtbot.mouseClick(tab.merge_button, Qt.MouseButton.LeftButton)
    assert "Sam Ortiz (e13551b9)" in seen[-1] and "into “Sam Ortiz”" in seen[-1]
    assert "undo" in seen[-1] and "until you sign Sam Ortiz off" in seen[-1]
    assert len(ws.profiles.learners()) == 3  # Cancel: nothing merged

    choice["go"] = True
    qtbot.mouseClick(tab.merge_button, Qt.MouseButton.LeftButton)
    assert [lr.name for lr in ws.profiles.learners()] == ["Ana Lima", "Sam Ortiz"]
    assert [tab.merge_from.itemText(i) for i in range(tab.merge_from.count())] == ["Ana Lima", "Sam Ortiz"]
    assert tab.merge_list.count() == 1 and "Sam Ortiz (e13551b9) merged into Sam Ortiz — by Dana" in \
        tab.merge_list.item(0).text()
    assert ws.db.execute("SELECT reviews FROM cards WHERE learner_id = ?", [ws.profiles.learner("Sam Ortiz").id]
                         ).fetchone()[0] == 1  # the merged-away profile's practice is Sam's now

    assert not tab.unmerge_button.isEnabled()  # nothing chosen yet
    tab.merge_list.setCurrentRow(0)
    qtbot.mouseClick(tab.unmerge_button, Qt.MouseButton.LeftButton)
    assert "Separate “Sam Ortiz (e13551b9)” from “Sam Ortiz”" in seen[-1]
    assert len(ws.profiles.learners()) == 3 and tab.merge_list.count() == 0


def test_merging_a_profile_into_itself_is_refused_in_plain_words(qtbot, screen, answer, monkeypatch):
    said = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: said.append(a[2]))
    tab = screen.people
    _pick(tab.merge_from, "Ana Lima")
    _pick(tab.merge_into, "Ana Lima")
    qtbot.mouseClick(tab.merge_button, Qt.MouseButton.LeftButton)
    assert said and "two different profiles" in said[0].lower()
    assert len(screen.ws.profiles.learners()) == 3


def test_a_pin_reset_asks_first_and_clears_the_pin(qtbot, screen, answer):
    seen, choice = answer
    ws, tab = screen.ws, screen.people
    ws.profiles.set_pin("Ana Lima", "4821")
    assert ws.profiles.has_pin("Ana Lima")
    _pick(tab.pin_person, "Ana Lima")
    choice["go"] = False
    qtbot.mouseClick(tab.reset_button, Qt.MouseButton.LeftButton)
    assert "Reset Ana Lima’s PIN?" in seen[-1] and ws.profiles.has_pin("Ana Lima")
    choice["go"] = True
    qtbot.mouseClick(tab.reset_button, Qt.MouseButton.LeftButton)
    assert not ws.profiles.has_pin("Ana Lima")
    reset = ws.db.execute("SELECT payload FROM events WHERE kind = 'pin.reset'").fetchone()[0]
    assert '"by": "Dana"' in reset
    assert "reaches every workstation" in seen[-1]
