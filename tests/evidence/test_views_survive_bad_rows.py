"""The manager's views read an append-only log: a bad row stored before imports were strict (or by any
other route) is shown as invalid and left out; it never fails the whole Team, Needs review, Coaching, Cohort
gaps or Calibration view."""

from __future__ import annotations

import json
import uuid

import pytest

from drillpad.manager import ManagerDesk
from tests.evidence.conftest import enrol


def _store(ws, learner_id, kind, payload, created_at="2026-03-01T09:00:00+00:00", raw_payload=None):
    device = ws.device_id
    seq = ws.db.execute("SELECT coalesce(max(seq), 0) + 1 FROM events WHERE device_id = ?", [device]).fetchone()[0]
    ws.db.execute("INSERT INTO events (id, device_id, seq, learner_id, kind, payload, created_at) VALUES "
                  "(?, ?, ?, ?, ?, ?, ?)", [str(uuid.uuid4()), device, seq, learner_id, kind,
                                            raw_payload or json.dumps(payload), created_at])


BAD = {
    "created_at not a date": ("reflection", {"text": "x"}, "not a date"),
    "sign-off level abc": ("signoff", {"behaviour": "isolation", "level": "abc", "by": "x"}, None),
    "review decision without event": ("review.decision", {"passed": True, "criteria": {}}, None),
    "score abc": ("review", {"pack": "mini-dock", "task": "jam", "item_kind": "drill", "item": "jam-c1",
                             "score": "abc", "correct": True, "confidence": 3, "rating": 3, "attempt": 1,
                             "needs_review": True, "answer": "a long enough answer to be picked"}, None),
    "override level none": ("competency.override", {"behaviour": "isolation", "level": None}, None),
    "calibration rating without month": ("calibration.rating", {"rater": "x"}, None),
}


@pytest.mark.parametrize("case", list(BAD))
def test_one_bad_row_is_shown_as_invalid_and_every_view_still_works(pair, manager_keys, case):
    device, manager, share = pair
    enrol(device, manager, share)
    ana = manager.profiles.learner("Ana Lima").id
    kind, payload, created_at = BAD[case]
    _store(manager, None if kind == "calibration.rating" else ana, kind, payload,
           **({"created_at": created_at} if created_at else {}))
    desk = ManagerDesk(manager)
    rows = desk.team_overview()
    row = next(r for r in rows if r.name == "Ana Lima")
    if kind != "calibration.rating":
        assert row.invalid and "invalid" in row.stuck, row
    assert row.levels and row.levels[0].level < 5
    desk.needs_review()
    desk.cohort_gaps()
    desk.coaching_prep("Ana Lima")
    desk.calibration_set()
    desk.calibration_report()


def test_a_learner_with_a_null_id_is_one_invalid_row_not_a_broken_team_view(pair, manager_keys):
    device, manager, share = pair
    enrol(device, manager, share)
    manager.db.execute("INSERT INTO learners (id, name, pack_id, role_id, created_at, active) VALUES "
                       "(NULL, 'Ghost', 'mini-dock', 'dock-hand', '2026-03-01T00:00:00+00:00', 1)")
    desk = ManagerDesk(manager)
    rows = {r.name: r for r in desk.team_overview()}
    assert rows["Ana Lima"].levels and "invalid" in rows["Ghost"].stuck and not rows["Ghost"].levels
    desk.needs_review()
    desk.cohort_gaps()
    desk.calibration_set()
