"""Competency levels from evidence: one test per rule of drillpad.core.competency, hand-computed.

The role has three behaviours, one per evidence source; each test writes down the learner's events
and the level, counts and evidence a manager would expect to see for them.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from drillpad.core.competency import BehaviourSpec, assess
from drillpad.core.events import EventView
from drillpad.core.pack import Behaviour

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
LEVELS = {1: "Needs guidance", 2: "Developing", 3: "Capable with support", 4: "Competent",
          5: "Independent and consistent"}

ESCALATE = Behaviour(id="escalate", title="Escalates a spill", description="Calls the supervisor first.",
                     evidence="drill", tasks=["spill", "fire-door"], demonstrations=3)
LIFT = Behaviour(id="safe-lift", title="Lifts safely", description="Checks the load and asks for help.",
                 evidence="observed", tasks=["lift"], demonstrations=2)
PAPERWORK = Behaviour(id="paperwork", title="Fills in the delivery note", description="Complete and legible.",
                      evidence="work_sample", tasks=["delivery-note"], demonstrations=2)


def at(day: int, hour: int = 0) -> datetime:
    return T0 + timedelta(days=day, hours=hour)


def drill(eid: str, day: int, *, task: str = "spill", correct: bool = True, needs_review: bool = False,
          score: float | None = None, item: str = "spill-aisle-3", attempt: int = 1) -> EventView:
    return EventView(eid, "review", at(day), {
        "task": task, "item_kind": "drill", "item": item, "score": (1.0 if correct else 0.5) if score is None else score,
        "correct": correct, "needs_review": needs_review, "attempt": attempt, "confidence": 3})


def demo(eid: str, day: int, source: str, *, task: str = "lift", note: str = "moved pallets") -> EventView:
    return EventView(eid, "demonstration", at(day), {"task": task, "note": note, "source": source})


def decision(eid: str, day: int, review_id: str, passed: bool) -> EventView:
    return EventView(eid, "review.decision", at(day), {"event": review_id, "criteria": {}, "passed": passed,
                                                        "by": "Maria (manager)"})


def signoff(eid: str, day: int, behaviour: str, level: int) -> EventView:
    return EventView(eid, "signoff", at(day), {"behaviour": behaviour, "level": level, "by": "Maria (manager)",
                                                "note": "seen on shift", "evidence": []})


def override(eid: str, day: int, behaviour: str, level: int) -> EventView:
    return EventView(eid, "competency.override", at(day), {"behaviour": behaviour, "level": level,
                                                            "by": "Maria (manager)", "note": "after a coaching talk"})


def one(behaviour: Behaviour, events: list[EventView]):
    [result] = assess([behaviour], LEVELS, events)
    return result


# --- evidence, by the behaviour's source ------------------------------------------------------


def test_drill_evidence_is_correct_drill_attempts_on_the_behaviours_tasks():
    events = [
        drill("r1", 0, correct=True),                       # counts
        drill("r2", 1, correct=False),                      # listed, does not count
        drill("r3", 2, task="fire-door", correct=True),     # the behaviour's other task: counts
        drill("r4", 3, task="lift", correct=True),          # another behaviour's task: not listed
        EventView("p1", "review", at(4), {"task": "spill", "item_kind": "prompt", "item": "q1", "score": 1.0,
                                          "correct": True, "attempt": 1, "confidence": 4}),  # a recall prompt
    ]
    b = one(ESCALATE, events)
    assert [e.event_id for e in b.evidence] == ["r1", "r2", "r3"]
    assert [e.counts for e in b.evidence] == [True, False, True]
    assert (b.counted, b.attempts, b.success_rate) == (2, 3, pytest.approx(2 / 3))


def test_drill_attempt_waiting_for_review_is_listed_but_neither_counts_nor_fails():
    b = one(ESCALATE, [drill("r1", 0, correct=True), drill("r2", 1, correct=False, needs_review=True, score=0.8)])
    pending = b.evidence[1]
    assert (pending.event_id, pending.counts) == ("r2", False)
    assert "review" in pending.why_not
    assert (b.counted, b.attempts, b.success_rate) == (1, 1, 1.0)


def test_a_managers_review_decision_replaces_the_attempts_outcome():
    events = [
        drill("r1", 0, correct=False, needs_review=True),   # manager passes it
        drill("r2", 1, correct=True),                        # manager fails it
        drill("r3", 2, correct=False, needs_review=True),    # passed, then (later) not passed after all
        decision("d1", 3, "r1", passed=True),
        decision("d2", 3, "r2", passed=False),
        decision("d3", 4, "r3", passed=True),
        decision("d4", 5, "r3", passed=False),
    ]
    b = one(ESCALATE, events)
    assert {e.event_id: e.counts for e in b.evidence} == {"r1": True, "r2": False, "r3": False}
    assert (b.counted, b.attempts) == (1, 3)
    assert "manager" in b.evidence[1].why_not


def test_observed_evidence_counts_peer_and_manager_demonstrations_not_self_reported_ones():
    events = [demo("m1", 0, "self"), demo("m2", 1, "peer"), demo("m3", 2, "manager"),
              demo("m4", 3, "peer", task="delivery-note")]  # not one of this behaviour's tasks
    b = one(LIFT, events)
    assert {e.event_id: e.counts for e in b.evidence} == {"m1": False, "m2": True, "m3": True}
    assert "self-reported" in b.evidence[0].why_not
    assert b.counted == 2


def test_work_sample_evidence_counts_only_peer_reviewed_samples():
    task = "delivery-note"
    events = [demo("w1", 0, "self", task=task), demo("w2", 1, "peer", task=task), demo("w3", 2, "manager", task=task)]
    b = one(PAPERWORK, events)
    assert {e.event_id: e.counts for e in b.evidence} == {"w1": False, "w2": True, "w3": False}
    assert all("peer" in e.why_not for e in b.evidence if not e.counts)
    assert b.counted == 1


def test_each_piece_of_evidence_has_its_id_date_a_one_line_description_and_why_it_does_not_count():
    b = one(ESCALATE, [drill("r1", 0, score=1.0), drill("r2", 1, correct=False, score=0.5)])
    ok, missed = b.evidence
    assert (ok.event_id, ok.when[:10], ok.counts, ok.why_not) == ("r1", "2026-03-02", True, "")
    assert (missed.event_id, missed.when[:10], missed.counts) == ("r2", "2026-03-03", False)
    assert missed.why_not
    assert "spill-aisle-3" in ok.description and "100%" in ok.description.replace(" %", "%")
    assert "\n" not in ok.description + missed.description


# --- levels from evidence ---------------------------------------------------------------------


def test_level_1_without_successful_evidence():
    assert one(ESCALATE, []).level == 1
    b = one(ESCALATE, [drill("r1", 0, correct=False), drill("r2", 1, correct=False)])
    assert (b.level, b.level_name, b.source_of_level) == (1, "Needs guidance", "evidence")
    assert (b.counted, b.attempts, b.success_rate) == (0, 2, 0.0)


def test_level_2_with_some_success_below_60_percent():
    # 1 of 2 passed = 50 %
    b = one(ESCALATE, [drill("r1", 0, correct=False), drill("r2", 1, correct=True)])
    assert (b.level, b.level_name, b.counted, b.success_rate) == (2, "Developing", 1, 0.5)


def test_level_3_at_60_percent_success_and_fewer_than_n_demonstrations():
    # 3 of 5 passed = exactly 60 %, N = 4: level 3
    four_needed = ESCALATE.model_copy(update={"demonstrations": 4})
    results = [True, False, True, False, True]
    b = one(four_needed, [drill(f"r{i}", i, correct=ok) for i, ok in enumerate(results)])
    assert (b.level, b.level_name, b.counted, b.required, b.success_rate) == (3, "Capable with support", 3, 4, 0.6)
    assert not b.ready_for_signoff


def test_level_4_and_ready_for_signoff_once_n_demonstrations_count():
    b = one(LIFT, [demo("m1", 0, "peer"), demo("m2", 1, "manager")])
    assert (b.level, b.level_name, b.counted, b.required) == (4, "Competent", 2, 2)
    assert b.ready_for_signoff


def test_evidence_alone_never_reaches_level_5_or_signs_off():
    b = one(ESCALATE, [drill(f"r{i}", i) for i in range(10)])
    assert (b.level, b.source_of_level, b.counted) == (4, "evidence", 10)
    assert b.signed_off is None
    assert b.ready_for_signoff


def test_a_signoff_at_4_or_more_ends_ready_for_signoff_and_one_below_does_not():
    evidence = [demo("m1", 0, "peer"), demo("m2", 1, "peer")]
    assert not one(LIFT, evidence + [signoff("s1", 2, "safe-lift", 4)]).ready_for_signoff
    assert one(LIFT, evidence + [signoff("s1", 2, "safe-lift", 3)]).ready_for_signoff


def test_a_managers_signoff_sets_the_level_it_names_and_is_shown():
    b = one(LIFT, [demo("m1", 0, "peer"), demo("m2", 1, "peer"), signoff("s1", 2, "safe-lift", 5),
                   signoff("s-other", 3, "paperwork", 2)])  # another behaviour's sign-off: ignored
    assert (b.level, b.level_name, b.source_of_level) == (5, "Independent and consistent", "signoff")
    assert (b.signed_off["level"], b.signed_off["by"], b.signed_off["when"][:10]) == (5, "Maria (manager)",
                                                                                      "2026-03-04")
    assert not b.ready_for_signoff


def test_a_later_override_sets_the_level_and_the_latest_manager_decision_wins():
    evidence = [demo("m1", 0, "peer"), demo("m2", 1, "peer")]          # level 4 from evidence
    # given out of time order on purpose: the time of each decision decides, not the list order
    later_override = one(LIFT, [override("o1", 6, "safe-lift", 3), *evidence, signoff("s1", 5, "safe-lift", 5)])
    assert (later_override.level, later_override.level_name, later_override.source_of_level) == (
        3, "Capable with support", "override")
    assert later_override.signed_off["level"] == 5   # the sign-off is still on record
    later_signoff = one(LIFT, [signoff("s1", 6, "safe-lift", 5), *evidence, override("o1", 5, "safe-lift", 3)])
    assert (later_signoff.level, later_signoff.source_of_level) == (5, "signoff")
    two_overrides = one(LIFT, [override("o2", 4, "safe-lift", 2), override("o1", 3, "safe-lift", 4)])
    assert (two_overrides.level, two_overrides.source_of_level) == (2, "override")


# --- the shape of the answer ------------------------------------------------------------------


def test_one_result_per_behaviour_in_role_order_from_pack_behaviours_or_specs():
    events = [drill("r1", 0), demo("m1", 1, "peer"), demo("w1", 2, "peer", task="delivery-note")]
    results = assess([PAPERWORK, ESCALATE, LIFT], LEVELS, events)
    assert [(r.id, r.title, r.counted, r.required) for r in results] == [
        ("paperwork", "Fills in the delivery note", 1, 2), ("escalate", "Escalates a spill", 1, 3),
        ("safe-lift", "Lifts safely", 1, 2)]
    spec = BehaviourSpec(LIFT.id, LIFT.title, LIFT.evidence, tuple(LIFT.tasks), LIFT.demonstrations)
    assert assess([spec], LEVELS, events) == [results[2]]
