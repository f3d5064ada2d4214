"""Authority: a workstation's key vouches only for what a workstation makes (docs/evidence.md, "Who may
say what"). A compromised workstation signs its bundles with its real key; the manager refuses — the
whole bundle, quarantined with a reason naming the event and the rule — every event beyond that."""

from __future__ import annotations

import pytest

from drillpad.manager import ManagerDesk
from tests.evidence.conftest import enrol, event, forge


def _refused(manager, share, keys, name, *needles):
    before = manager.db["events"].count
    outcomes = {o.file: o for o in manager.evidence.import_folder(share, keys)}
    out = outcomes[name]
    assert out.outcome == "refused", out
    for needle in needles:
        assert needle in out.reason, out.reason
    assert manager.db["events"].count == before
    assert not (share / name).exists()
    reasons = list((manager.paths.data_dir / "quarantine").glob("*.reason.txt"))
    assert any(needles[0] in r.read_text() for r in reasons)
    return out


DECISIONS = [
    ("signoff", {"behaviour": "isolation", "level": 5, "note": "forged", "by": "manager"}),
    ("competency.override", {"behaviour": "isolation", "level": 5}),
    ("review.decision", {"event": "00000000-0000-4000-8000-000000000001", "passed": True, "criteria": {}}),
    ("coaching.plan", {"task": "jam", "drill": None, "follow_up": "2026-03-09", "note": ""}),
    ("checkin", {"note": "all good"}),
    ("calibration.rating", {"month": "2026-03", "rater": "x", "item": "00000000-0000-4000-8000-000000000001",
                            "criteria": {}}),
]


@pytest.mark.parametrize("kind, payload", DECISIONS, ids=[k for k, _ in DECISIONS])
def test_a_manager_decision_signed_by_a_workstation_is_refused(pair, manager_keys, kind, payload):
    device, manager, share = pair
    keys = enrol(device, manager, share)
    learner = None if kind == "calibration.rating" else "ana"
    name = forge(device, share, events=[event(device, kind=kind, learner=learner, payload=payload)])
    out = _refused(manager, share, keys, name, "event 1", kind, "manager decision")
    assert "rule A2" in out.reason
    level = {b.id: b for b in manager.competency("Ana Lima")}["isolation"]
    assert level.level < 5 and level.source_of_level == "evidence"
    assert ManagerDesk(manager).team_overview()[0].levels[0].level < 5


def test_a_demonstration_claiming_the_manager_as_source_is_refused(pair, manager_keys):
    device, manager, share = pair
    keys = enrol(device, manager, share)
    ok = event(device, payload={"pack": "mini-dock", "task": "jam", "note": "did it", "source": "peer"},
               kind="demonstration")
    bad = event(device, 2, payload={"pack": "mini-dock", "task": "jam", "note": "did it", "source": "manager"},
                kind="demonstration")
    name = forge(device, share, events=[ok, bad])
    out = _refused(manager, share, keys, name, "event 2", "source 'manager'")
    assert "rule A4" in out.reason


def test_events_for_a_learner_on_no_roster_wait_and_are_never_applied(pair, manager_keys):
    """A3 (roaming): a workstation may hold the team's roster learners, never one nobody enrolled. The events about
    such a learner wait, set aside; the rest of the bundle is imported and the device's next bundles are not held."""
    import uuid

    device, manager, share = pair
    keys = enrol(device, manager, share)
    stranger = str(uuid.uuid4())
    name = forge(device, share, events=[event(device, learner=stranger), event(device, 2)])
    out = {o.file: o for o in manager.evidence.import_folder(share, keys)}[name]
    assert out.outcome == "imported" and "1 about a learner not introduced here yet set aside" in out.reason
    assert manager.db.execute("SELECT count(*) FROM events WHERE learner_id = ?", [stranger]).fetchone()[0] == 0
    assert [(p["learner_id"], p["events"]) for p in manager.evidence.parked()] == [(stranger, 1)]


def test_a_rule_broken_after_an_event_for_an_unknown_learner_still_refuses_the_bundle(pair, manager_keys):
    """Setting the events about a learner not known yet aside checks every rule on every event: a manager decision
    after one of them refuses the whole bundle, nothing set aside."""
    import uuid

    device, manager, share = pair
    keys = enrol(device, manager, share)
    stranger = str(uuid.uuid4())
    forged = event(device, 2, kind="signoff", learner=stranger,
                   payload={"behaviour": "isolation", "level": 5, "note": "forged", "by": "manager"})
    name = forge(device, share, events=[event(device, learner=stranger), forged])
    _refused(manager, share, keys, name, "event 2", "rule A2")
    assert manager.evidence.parked() == []


def test_events_for_a_roster_learner_from_any_team_workstation_are_accepted(pair, manager_keys):
    device, manager, share = pair
    keys = enrol(device, manager, share)
    bo = manager.profiles.add_learner("Bo Chen", "dock-hand")  # enrolled by the manager: on the roster
    name = forge(device, share, events=[event(device, learner=bo.id)])
    out = {o.file: o for o in manager.evidence.import_folder(share, keys)}[name]
    assert out.outcome == "imported"


def test_a_learner_added_twice_under_another_devices_learner_id_is_refused(pair, manager_keys):
    device, manager, share = pair
    keys = enrol(device, manager, share)
    bo = manager.profiles.add_learner("Bo Chen", "dock-hand")
    takeover = event(device, kind="learner.added", learner=bo.id,
                     payload={"name": "Bo Chen", "pack": "mini-dock", "role": "dock-hand"})
    name = forge(device, share, events=[takeover, event(device, 2, learner=bo.id)])
    _refused(manager, share, keys, name, "event 1", "rule A3")


def test_an_unknown_event_kind_is_refused_by_name(pair, manager_keys):
    device, manager, share = pair
    keys = enrol(device, manager, share)
    name = forge(device, share, events=[event(device, kind="level", payload={"level": 5})])
    _refused(manager, share, keys, name, "event 1", "'level'")


def test_what_a_workstation_really_makes_is_accepted(pair, manager_keys):
    device, manager, share = pair
    keys = enrol(device, manager, share)
    device.log_demonstration("Ana Lima", "jam", "Cleared a jam with Jo watching", source="peer")
    device.read_lesson("Ana Lima", "lesson-jam", 30.0)
    device.answer_prompt("Ana Lima", "jam-first", "stop the conveyor and lock out", 3, 20.0)
    device.evidence.send_folder(share)
    outcomes = manager.evidence.import_folder(share, keys)
    assert [o.outcome for o in outcomes][-1] == "imported" and outcomes[-1].events == 3
