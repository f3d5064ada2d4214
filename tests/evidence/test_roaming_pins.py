"""PIN and lock-out on every team workstation (issue #16, part 3): the scrypt verifier travels in signed,
encrypted events (never the PIN), a change and a manager's reset reach every workstation, and wrong PINs
count per person across workstations as far as sync allows."""

from __future__ import annotations

import json

import pytest

from drillpad.core import pin as pin_core
from drillpad.evidence import schemas
from tests.evidence.test_roaming import Team
from tests.ui.test_trainee_lock import choose, enter_pin


@pytest.fixture
def team(tmp_path, clock, minipack, manager_template):
    t = Team(tmp_path, clock, minipack, manager_template)
    yield t
    t.close()


@pytest.fixture
def sam(team):
    sam = team.manager.profiles.add_learner("Sam Ortiz", "dock-hand")
    team.sync()
    team.sync()  # the workstations are approved and have the roster
    return sam


def test_a_pin_chosen_on_one_workstation_unlocks_on_every_other(team, sam):
    a, b, c = team.stations
    a.profiles.set_pin(sam.id, "2580")
    team.sync()
    for ws in (b, c):
        assert ws.profiles.has_pin(sam.id)
        assert ws.profiles.unlock(sam.id, "2580").ok
        ws.profiles.lock()
    sent = [json.loads(r[0]) for r in b.db.execute("SELECT payload FROM events WHERE kind = 'pin.set'")]
    assert len(sent) == 1 and sent[0]["verifier"].startswith("scrypt$")
    assert "2580" not in json.dumps(sent)  # only the verifier travels, never the PIN


def test_a_pin_change_reaches_the_others_and_the_last_change_wins(team, sam):
    a, b, c = team.stations
    a.profiles.set_pin(sam.id, "2580")
    team.sync()
    assert b.profiles.unlock(sam.id, "2580").ok
    b.profiles.change_pin(sam.id, "1357")
    b.profiles.lock()
    team.advance(minutes=5)
    assert c.profiles.unlock(sam.id, "2580").ok  # c has not heard of b's change yet
    c.profiles.change_pin(sam.id, "9753")  # the later change
    c.profiles.lock()
    c.evidence.send_folder(team.share)  # c's bundle goes first: arrival order is not the rule
    b.evidence.send_folder(team.share)
    team.sync()
    for ws in (a, b, c):
        assert ws.profiles.unlock(sam.id, "9753").ok, ws.device_id
        ws.profiles.lock()
        assert not ws.profiles.unlock(sam.id, "1357").ok


def test_changing_a_pin_needs_that_person_unlocked(team, sam):
    a = team.stations[0]
    a.profiles.set_pin(sam.id, "2580")
    with pytest.raises(Exception, match="unlock"):
        a.profiles.change_pin(sam.id, "1357")


def test_a_managers_reset_on_the_managers_pc_reaches_every_workstation(team, sam):
    a, b, c = team.stations
    a.profiles.set_pin(sam.id, "2580")
    team.sync()
    for _ in range(pin_core.MAX_FAILURES):
        a.profiles.unlock(sam.id, "1111")
        team.advance(hours=1)  # past each timed lock
    assert a.profiles.pin_status(sam.id).needs_manager
    team.manager.profiles.reset_pin(sam.id, "Dana (manager)")
    team.sync()
    for ws in (a, b, c):
        assert not ws.profiles.has_pin(sam.id), ws.device_id
        assert ws.profiles.pin_status(sam.id).failures == 0
    b.profiles.set_pin(sam.id, "4826")  # a new PIN, chosen after the reset, works everywhere
    team.sync()
    assert a.profiles.unlock(sam.id, "4826").ok and c.profiles.unlock(sam.id, "4826").ok


def test_a_reset_made_on_a_workstation_reaches_the_others(team, sam):
    a, b, c = team.stations
    a.profiles.set_pin(sam.id, "2580")
    team.sync()
    b.profiles.reset_pin(sam.id, "Dana (manager)")
    team.sync()
    assert not a.profiles.has_pin(sam.id) and not c.profiles.has_pin(sam.id)


def test_wrong_pins_count_per_person_across_workstations(team, sam):
    a, b, c = team.stations
    a.profiles.set_pin(sam.id, "2580")
    team.sync()
    for ws in (a, b):
        for _ in range(4):
            assert not ws.profiles.unlock(sam.id, "1111").ok
            team.advance(minutes=10)
    team.sync()
    assert c.profiles.pin_status(sam.id).failures == 8
    assert a.profiles.pin_status(sam.id).failures == 8
    assert not c.profiles.unlock(sam.id, "1111").ok
    team.advance(hours=1)
    out = c.profiles.unlock(sam.id, "1111")
    assert out.needs_manager  # the tenth wrong PIN, counted over three workstations
    team.sync()
    assert a.profiles.pin_status(sam.id).needs_manager and b.profiles.pin_status(sam.id).needs_manager
    assert not b.profiles.unlock(sam.id, "2580").ok  # locked on b too, even with the right PIN


def test_a_wrong_pin_made_before_a_reset_does_not_count_after_it(team, sam):
    a, b, c = team.stations
    a.profiles.set_pin(sam.id, "2580")
    team.sync()
    for _ in range(3):
        a.profiles.unlock(sam.id, "1111")
    team.advance(minutes=30)
    team.manager.profiles.reset_pin(sam.id, "Dana (manager)")
    team.manager_round()  # the reset travels before a's wrong PINs have
    b.evidence.send_folder(team.share)
    team.sync()
    for ws in (a, b, c):
        assert ws.profiles.pin_status(sam.id).failures == 0, ws.device_id


def test_a_verifier_with_costly_scrypt_parameters_is_refused():
    """A workstation's pin.set could make every other one spend minutes (or gigabytes) per unlock."""
    base = {"id": "00000000-0000-4000-8000-000000000001", "device_id": "00000000-0000-4000-8000-000000000002",
            "seq": 1, "learner_id": "00000000-0000-4000-8000-000000000003", "kind": "pin.set",
            "created_at": "2026-03-02T08:30:00+00:00"}
    good = pin_core.hash_pin("2580")
    assert schemas.validate({**base, "payload": {"verifier": good}})
    _, n, r, p, salt, digest = good.split("$")
    for bad in (f"scrypt${2**24}${r}${p}${salt}${digest}", f"scrypt${n}$64${p}${salt}${digest}",
                "2580", f"md5${n}${r}${p}${salt}${digest}"):
        with pytest.raises(schemas.EventInvalid, match="verifier"):
            schemas.validate({**base, "payload": {"verifier": bad}})


def test_a_pin_set_before_pins_travelled_reaches_the_others(team, sam):
    from drillpad.store import pins as pin_store

    a, b, _ = team.stations
    pin_store.set_hash(a.db, sam.id, pin_core.hash_pin("2580"), a._now())  # as an older DrillPad stored it: no event
    assert a.profiles.unlock(sam.id, "2580").ok
    a.reflect(sam.id, "cleared the jam with the e-stop")
    a.profiles.lock()
    team.sync()
    assert b.profiles.has_pin(sam.id) and b.profiles.unlock(sam.id, "2580").ok


def test_no_one_chooses_a_pin_here_for_a_person_whose_history_is_here_without_their_pin(team, sam):
    from drillpad.workspace import LearningError

    a, b, _ = team.stations
    a.profiles.set_pin(sam.id, "2580")
    assert a.profiles.unlock(sam.id, "2580").ok
    a.reflect(sam.id, "my private note")
    a.profiles.lock()
    team.sync()
    with b.db.conn:
        b.db.execute("DELETE FROM pins")  # as if the verifier had not come (a sealed bundle): the history has
    with pytest.raises(LearningError, match="another workstation"):
        b.profiles.set_pin(sam.id, "1470")  # a coworker would otherwise choose a PIN and read Sam's history
    team.manager.profiles.reset_pin(sam.id, "Dana (manager)")
    team.sync()
    b.profiles.set_pin(sam.id, "4826")  # after a manager's reset, the person chooses a new PIN anywhere
    assert b.profiles.unlock(sam.id, "4826").ok


def test_a_workstation_shows_a_roaming_trainees_history_only_after_they_unlock(team, sam, qtbot):
    from PySide6.QtWidgets import QLabel

    from drillpad.llm.fake import FakeEngine
    from drillpad.ui.app import MainWindow

    a, b, _ = team.stations
    a.profiles.set_pin(sam.id, "2580")
    assert a.profiles.unlock(sam.id, "2580").ok
    a.reflect(sam.id, "my private note about the dock")
    a.profiles.lock()
    team.sync()
    w = MainWindow(b, engine_factory=lambda: FakeEngine(unavailable="test"), pregenerate=False)
    qtbot.addWidget(w)
    w.show()
    w._choose(sam.id)  # the tile: the PIN screen, nothing of Sam's history
    shown = " ".join(lbl.text() for lbl in w.findChildren(QLabel) if lbl.isVisible())
    assert w.stack.currentWidget() is w.pin and "private note" not in shown and "Choose a PIN" not in shown
    assert b.my_data(sam.id)["counts"]["reflection"] == 1  # it is here, kept behind the PIN
    w.lock()
    with b.db.conn:
        b.db.execute("DELETE FROM pins")  # as if Sam's verifier had not come: nobody may choose one here
    choose(qtbot, w, "Sam Ortiz")
    for _ in range(2):
        enter_pin(qtbot, w, "1470")
    assert w.stack.currentWidget() is w.pin and "another workstation" in w.pin.message.text()
    assert not b.profiles.has_pin(sam.id)


def test_about_my_data_says_which_machines_hold_a_copy(team, sam, qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QPushButton

    from drillpad.llm.fake import FakeEngine
    from drillpad.ui.app import MainWindow
    from tests.ui.test_trainee_lock import visible_text

    a, b, c = team.stations
    a.profiles.set_pin(sam.id, "2580")
    team.sync()
    copies = b.my_data(sam.id)["copies"]
    assert [x["device"] for x in copies] == [b.device_id, None, *sorted([a.device_id, c.device_id])]
    assert copies[1]["name"].startswith("your manager's DrillPad")
    w = MainWindow(b, engine_factory=lambda: FakeEngine(unavailable="test"), pregenerate=False)
    qtbot.addWidget(w)
    w.show()
    choose(qtbot, w, "Sam Ortiz")
    enter_pin(qtbot, w, "2580")
    buttons = {btn.text(): btn for btn in w.today.findChildren(QPushButton)}
    qtbot.mouseClick(buttons["About my data"], Qt.MouseButton.LeftButton)
    text = visible_text(w.mydata)
    assert "Copies of your practice are on 4 machines" in text
    for device in (a.device_id, b.device_id, c.device_id):
        assert device[:8] in text
    w.lock()


def test_the_reset_pin_verb_on_the_managers_pc(team, sam, capsys):
    from drillpad import cli

    a, b, _ = team.stations
    a.profiles.set_pin(sam.id, "2580")
    team.sync()
    d = ["--data-dir", str(team.manager.paths.data_dir)]
    assert cli.main([*d, "learner", "reset-pin", "Sam Ortiz", "--by", "Dana"]) == 0
    assert "every team workstation" in capsys.readouterr().out
    team.sync()
    assert not a.profiles.has_pin(sam.id) and not b.profiles.has_pin(sam.id)
    with pytest.raises(SystemExit, match="only the manager"):
        cli.main(["--data-dir", str(b.paths.data_dir), "learner", "reset-pin", "Sam Ortiz"])


def test_wrong_pins_after_a_reset_in_the_same_bundle_count_once(team, sam):
    a, b, _ = team.stations
    a.profiles.set_pin(sam.id, "2580")
    team.sync()
    for _ in range(3):
        a.profiles.unlock(sam.id, "1111")
    a.profiles.reset_pin(sam.id, "Dana (manager)")
    a.profiles.set_pin(sam.id, "4826")
    for _ in range(2):
        a.profiles.unlock(sam.id, "1111")
    team.sync()  # all of it reaches b in one bundle
    assert a.profiles.pin_status(sam.id).failures == 2
    assert b.profiles.pin_status(sam.id).failures == 2


def test_a_workstation_approved_later_gets_the_pin_from_the_roster(team):
    """Its pin.set was in a bundle sealed before the new workstation was on the roster: the manager's signed
    roster carries each person's current PIN event too."""
    a, b, c = team.stations
    sam = team.manager.profiles.add_learner("Sam Ortiz", "dock-hand")
    team.sync([a, b])
    team.sync([a, b])
    a.profiles.set_pin(sam.id, "2580")
    assert a.profiles.unlock(sam.id, "2580").ok
    a.reflect(sam.id, "before the new PC came")
    a.profiles.lock()
    team.sync([a, b])
    team.sync()  # c announces itself and is approved; the roster names it
    team.sync()
    assert a.profiles.unlock(sam.id, "2580").ok
    a.reflect(sam.id, "after the new PC came")
    a.profiles.lock()
    team.sync()
    assert c.db.execute("SELECT count(*) FROM events WHERE kind = 'reflection'").fetchone()[0] == 2  # sealed one: catch-up
    assert c.profiles.has_pin(sam.id) and c.profiles.unlock(sam.id, "2580").ok
