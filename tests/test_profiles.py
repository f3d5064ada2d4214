"""Profiles on a shared workstation: PIN format and hashing, lock-out that survives restarts and clock
changes, manager reset, and events bound to the unlocked session."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from drillpad.core import pin as pin_core
from drillpad.paths import Paths
from drillpad.workspace import LearningError, Workspace


@pytest.fixture
def ana(workspace, minipack):
    workspace.import_pack(minipack)
    workspace.add_learner("Ana Lima", "dock-hand")
    workspace.set_pin("Ana Lima", "2580")
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
    messages = [ana.unlock("Ana Lima", "0000").message for _ in range(4)]
    assert messages[0] == "Wrong PIN. 4 tries left before a short lock." and messages[3].startswith("Wrong PIN. 1 try")
    fifth = ana.unlock("Ana Lima", "0000")
    assert fifth.message == "Wrong PIN. Locked for 30 seconds." and fifth.locked_until is not None
    assert not ana.unlock("Ana Lima", "2580").ok  # even the right PIN waits out the lock
    clock.advance(timedelta(seconds=31))
    assert ana.unlock("Ana Lima", "0000").message == "Wrong PIN. Locked for 60 seconds."
    clock.advance(timedelta(seconds=61))
    assert ana.unlock("Ana Lima", "2580").ok
    assert ana.unlock("Ana Lima", "0000").message.startswith("Wrong PIN. 4 tries")  # a success resets the count


def test_the_lock_survives_a_restart_and_a_clock_moved_back(ana, clock, data_dir):
    for _ in range(6):
        ana.unlock("Ana Lima", "0000")
    ana.close()
    clock.advance(timedelta(hours=-3))  # someone sets the clock back
    with Workspace(Paths.resolve(data_dir, env={}), clock=clock) as again:
        result = again.unlock("Ana Lima", "2580")
        assert not result.ok and result.failures == 5 and "Locked for now" in result.message  # tries while locked do not count


def test_ten_failures_lock_until_a_manager_resets_and_then_a_new_pin_is_chosen(ana, clock):
    for _ in range(10):
        clock.advance(timedelta(hours=1))
        last = ana.unlock("Ana Lima", "0000")
    assert last.needs_manager and "ask your manager" in last.message
    clock.advance(timedelta(days=30))
    assert ana.unlock("Ana Lima", "2580").needs_manager
    ana.reset_pin("Ana Lima", by="Maria (manager)")
    assert not ana.has_pin("Ana Lima")
    ana.set_pin("Ana Lima", "7391")
    assert ana.unlock("Ana Lima", "7391").ok
    with pytest.raises(LearningError, match="already has a PIN"):
        ana.set_pin("Ana Lima", "1357")


def test_events_are_bound_to_the_unlocked_session_and_another_profile_cannot_write(ana):
    ana.add_learner("Ben Okafor", "dock-hand")
    assert ana.unlock("Ana Lima", "2580").ok
    event = ana.reflect("Ana Lima", "Locking out first felt slow but safe.")
    assert event.payload["session"] == ana.session["id"]
    with pytest.raises(LearningError, match="another profile is unlocked"):
        ana.reflect("Ben Okafor", "not me")
    ana.lock()
    assert "session" not in ana.reflect("Ben Okafor", "from the terminal").payload


def test_export_my_data_holds_only_that_learners_events(ana):
    ana.add_learner("Ben Okafor", "dock-hand")
    ana.reflect("Ana Lima", "mine")
    ana.reflect("Ben Okafor", "his")
    data = ana.export_my_data("Ana Lima")
    assert data["learner"]["name"] == "Ana Lima"
    assert [e["payload"]["text"] for e in data["events"] if e["kind"] == "reflection"] == ["mine"]
    assert json.loads(json.dumps(data)) == data
    assert ana.my_data("Ana Lima")["counts"] == {"learner.added": 1, "reflection": 1}
