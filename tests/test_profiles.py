"""Profiles on a shared workstation: PIN format and hashing, lock-out that survives restarts and clock
changes, manager reset, and events bound to the unlocked session."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest

from drillpad.core import pin as pin_core
from drillpad.paths import Paths
from drillpad.workspace import LearningError, Workspace


@pytest.fixture
def ana(workspace, minipack):
    workspace.import_pack(minipack)
    workspace.profiles.add_learner("Ana Lima", "dock-hand")
    workspace.profiles.set_pin("Ana Lima", "2580")
    return workspace


@pytest.mark.parametrize("bad", ["123", "123456789", "12a4", "", "1111"])
def test_a_pin_is_4_to_8_digits_and_not_one_digit_repeated(bad):
    with pytest.raises(pin_core.PinFormatError):
        pin_core.check_format(bad)


def test_the_pin_is_stored_only_as_a_salted_scrypt_hash(ana):
    stored = ana.db.execute("SELECT hash FROM pins").fetchone()[0]
    assert stored.startswith("scrypt$16384$8$1$") and "2580" not in stored
    assert pin_core.verify_pin("2580", stored) and not pin_core.verify_pin("2581", stored)
    assert pin_core.hash_pin("2580") != pin_core.hash_pin("2580")  # salted


def test_five_wrong_pins_lock_the_profile_for_a_growing_time(ana, clock):
    messages = [ana.profiles.unlock("Ana Lima", "0000").message for _ in range(4)]
    assert messages[0] == "Wrong PIN. 4 tries left before a short lock." and messages[3].startswith("Wrong PIN. 1 try")
    fifth = ana.profiles.unlock("Ana Lima", "0000")
    assert fifth.message == "Wrong PIN. Locked for 30 seconds." and fifth.locked_until is not None
    assert not ana.profiles.unlock("Ana Lima", "2580").ok  # even the right PIN waits out the lock
    clock.advance(timedelta(seconds=31))
    assert ana.profiles.unlock("Ana Lima", "0000").message == "Wrong PIN. Locked for 60 seconds."
    clock.advance(timedelta(seconds=61))
    assert ana.profiles.unlock("Ana Lima", "2580").ok
    seventh = ana.profiles.unlock("Ana Lima", "0000")  # a success does not wipe the count: 7 in the last 24 hours
    assert seventh.message == "Wrong PIN. Locked for 2 minutes." and seventh.failures == 7
    clock.advance(timedelta(hours=24, seconds=1))  # a day later the window has rolled past them
    assert ana.profiles.unlock("Ana Lima", "0000").message == "Wrong PIN. 4 tries left before a short lock."


def test_the_lock_survives_a_restart_and_a_clock_moved_back(ana, clock, data_dir):
    for _ in range(6):
        ana.profiles.unlock("Ana Lima", "0000")
    ana.close()
    clock.advance(timedelta(hours=-3))  # someone sets the clock back
    with Workspace(Paths.resolve(data_dir, env={}), clock=clock) as again:
        result = again.profiles.unlock("Ana Lima", "2580")
        assert not result.ok and result.failures == 5 and "Locked for now" in result.message  # tries while locked do not count


def test_ten_failures_lock_until_a_manager_resets_and_then_a_new_pin_is_chosen(ana, clock):
    for _ in range(10):
        clock.advance(timedelta(hours=1))
        last = ana.profiles.unlock("Ana Lima", "0000")
    assert last.needs_manager and "ask your manager" in last.message
    clock.advance(timedelta(days=30))
    assert ana.profiles.unlock("Ana Lima", "2580").needs_manager
    ana.profiles.reset_pin("Ana Lima", by="Maria (manager)")
    assert not ana.profiles.has_pin("Ana Lima")
    ana.profiles.set_pin("Ana Lima", "7391")
    assert ana.profiles.unlock("Ana Lima", "7391").ok
    with pytest.raises(LearningError, match="already has a PIN"):
        ana.profiles.set_pin("Ana Lima", "1357")


def test_events_are_bound_to_the_unlocked_session_and_another_profile_cannot_write(ana):
    ana.profiles.add_learner("Ben Okafor", "dock-hand")
    assert ana.profiles.unlock("Ana Lima", "2580").ok
    event = ana.reflect("Ana Lima", "Locking out first felt slow but safe.")
    assert event.payload["session"] == ana.profiles.session["id"]
    with pytest.raises(LearningError, match="another profile is unlocked"):
        ana.reflect("Ben Okafor", "not me")
    ana.profiles.lock()
    assert "session" not in ana.reflect("Ben Okafor", "from the terminal").payload


def test_export_my_data_holds_only_that_learners_events(ana):
    ana.profiles.add_learner("Ben Okafor", "dock-hand")
    ana.reflect("Ana Lima", "mine")
    ana.reflect("Ben Okafor", "his")
    data = ana.export_my_data("Ana Lima")
    assert data["learner"]["name"] == "Ana Lima"
    assert [e["payload"]["text"] for e in data["events"] if e["kind"] == "reflection"] == ["mine"]
    assert json.loads(json.dumps(data)) == data
    assert ana.my_data("Ana Lima")["counts"] == {"learner.added": 1, "reflection": 1, "pin.set": 1}
    chosen = [e["payload"] for e in data["events"] if e["kind"] == "pin.set"]
    assert chosen and "scrypt" not in json.dumps(chosen)  # the PIN verifier stays out of a file the learner keeps


def wait_out(ws, clock, result) -> None:
    """Let real time pass until a timed lock has ended."""
    if result.locked_until is not None:
        clock.advance(result.locked_until - clock.now() + timedelta(seconds=1))


def test_a_clock_moved_ahead_and_corrected_never_locks_for_longer_than_the_nominal_time(ana, clock):
    clock.jump(timedelta(days=365))  # someone sets the clock a year ahead
    for _ in range(4):
        ana.profiles.unlock("Ana Lima", "0000")
    clock.jump(timedelta(days=-365))  # and IT corrects it
    fifth = ana.profiles.unlock("Ana Lima", "0000")
    assert fifth.message == "Wrong PIN. Locked for 30 seconds."  # not "Locked for 525601 minutes"
    clock.advance(timedelta(seconds=31))
    assert ana.profiles.unlock("Ana Lima", "2580").ok


def test_a_lock_is_neither_stretched_nor_shortened_by_changing_the_clock(ana, clock):
    for _ in range(5):
        ana.profiles.unlock("Ana Lima", "0000")
    clock.jump(timedelta(days=2))  # set ahead: the lock still runs
    assert "Locked for now. Try again in 30 seconds" in ana.profiles.unlock("Ana Lima", "2580").message
    clock.jump(timedelta(days=-30))  # set far back: the lock ends after its 30 seconds of real time all the same
    clock.advance(timedelta(seconds=31))
    assert ana.profiles.unlock("Ana Lima", "2580").ok


def test_900_guesses_between_the_owners_logins_reach_the_manager_lock(ana, clock, monkeypatch):
    checked = []
    real = pin_core.verify_pin
    monkeypatch.setattr(pin_core, "verify_pin", lambda pin, stored: checked.append(pin) or real(pin, stored))
    guesses = (f"{n:04d}" for n in range(1000, 1900))  # 900 guesses, 9 at a time
    locked = False
    for _ in range(100):
        for _ in range(9):
            result = ana.profiles.unlock("Ana Lima", next(guesses))
            locked = locked or result.needs_manager
            wait_out(ana, clock, result)
        owner = ana.profiles.unlock("Ana Lima", "2580")  # the owner comes in between the guesses
        wait_out(ana, clock, owner)
        if not ana.profiles.unlock("Ana Lima", "2580").ok and owner.needs_manager:
            locked = True
        ana.profiles.lock()
        clock.advance(timedelta(hours=1))
    assert locked
    wrong_checked = [pin for pin in checked if pin != "2580"]
    assert len(wrong_checked) == pin_core.MAX_FAILURES  # the 11th to 900th guesses never reached the hash
    assert ana.profiles.unlock("Ana Lima", "2580").needs_manager


def test_the_owner_is_told_of_wrong_attempts_since_the_last_visit(ana, clock):
    for _ in range(3):
        ana.profiles.unlock("Ana Lima", "0000")
    welcome = ana.profiles.unlock("Ana Lima", "2580")
    assert welcome.ok and welcome.wrong_since_last_visit == 3
    assert welcome.message.startswith("Welcome, Ana. 3 wrong PIN attempts since your last visit")
    again = ana.profiles.unlock("Ana Lima", "2580")
    assert again.message == "Welcome, Ana." and again.wrong_since_last_visit == 0


def test_an_incomplete_pin_is_not_a_wrong_pin(ana):
    for typed in ("", "2", "258"):
        result = ana.profiles.unlock("Ana Lima", typed)
        assert not result.ok and result.failures == 0 and "all the digits" in result.message
    assert ana.profiles.unlock("Ana Lima", "0000").message == "Wrong PIN. 4 tries left before a short lock."


def test_30_simultaneous_unlocks_are_counted_before_the_hash_is_checked(ana, clock, data_dir, monkeypatch):
    checked = []
    real = pin_core.verify_pin
    monkeypatch.setattr(pin_core, "verify_pin", lambda pin, stored: checked.append(pin) or real(pin, stored))
    spaces = [Workspace(Paths.resolve(data_dir, env={}), clock=clock) for _ in range(30)]
    start = threading.Barrier(30)
    results = []

    def guess(ws, n):
        start.wait()
        results.append(ws.profiles.unlock("Ana Lima", f"{1000 + n:04d}"))

    threads = [threading.Thread(target=guess, args=(ws, n)) for n, ws in enumerate(spaces)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for ws in spaces:
        ws.close()
    assert len(results) == 30 and not any(r.ok for r in results)
    assert len(checked) <= pin_core.MAX_FAILURES  # the rule allows 10; counting first stops at the first lock
    counted = ana.db.execute("SELECT count(*) FROM pin_attempts WHERE outcome = 'wrong'").fetchone()[0]
    assert counted == len(checked)
    assert sum(r.message.startswith("Locked for now") for r in results) == 30 - len(checked)


def test_failures_counted_before_the_upgrade_still_count_and_ten_stay_locked(tmp_path, clock, minipack):
    import sqlite3

    from sqlite_utils import Database

    from drillpad.store.migrations import migrations

    data = tmp_path / "old"
    with Workspace(Paths.resolve(data, env={}), clock=clock) as ws:
        ws.import_pack(minipack)
        ana, ben = ws.profiles.add_learner("Ana Lima", "dock-hand"), ws.profiles.add_learner("Ben Okafor", "dock-hand")
        ws.profiles.set_pin("Ana Lima", "2580")
        ws.profiles.set_pin("Ben Okafor", "1357")
    path = Paths.resolve(data, env={}).db_path
    old = tmp_path / "before-m006.db"  # the same data as an older DrillPad left it
    db = Database(sqlite3.connect(old, isolation_level=None))
    migrations.apply(db, stop_before="m006_pin_attempts")
    src = sqlite3.connect(path)
    for table in ("packs", "roles", "learners", "pins"):
        rows = src.execute(f"SELECT * FROM {table}").fetchall()  # noqa: S608 - fixed names
        if table == "pins":
            rows = [r[:6] for r in rows]
        for row in rows:
            db.execute(f"INSERT OR IGNORE INTO {table} VALUES ({','.join('?' * len(row))})", row)
    src.close()
    db.execute("UPDATE pins SET failures = 10, last_failure_at = ? WHERE learner_id = ?",
               [clock.now().isoformat(), ana.id])
    db.execute("UPDATE pins SET failures = 3, last_failure_at = ? WHERE learner_id = ?",
               [clock.now().isoformat(), ben.id])
    db.conn.close()
    path.unlink()
    for extra in path.parent.glob(path.name + "-*"):
        extra.unlink()
    old.rename(path)
    with Workspace(Paths.resolve(data, env={}), clock=clock) as ws:
        assert ws.profiles.unlock("Ana Lima", "2580").needs_manager  # locked before the upgrade, locked after
        assert ws.profiles.unlock("Ben Okafor", "0000").message == "Wrong PIN. 1 try left before a short lock."
