"""Derived aggregates for the five metrics, Today and the manager's desk: kept in step with the
event log in the same transaction as each event, and rebuilt from the events by ``rebuild``.

- ``review_facts``: one narrow row per review event (no JSON), with what each metric needs of it:
  first attempt, correct, confidence, the criteria missed, whether it is a delayed review (7 days
  or more after the learner first answered the item) and its error-recurrence contribution (its
  misses and how many the learner's next attempt at the item, within 14 days, missed again).
- ``review_days``: those facts summed per learner × task × UTC day; a metric over a date range
  reads whole days here and only the partial days at its ends from ``review_facts``.
- ``task_progress``: per learner × task, the first event on it and the first level ≥ 4 (time to
  independence).
- ``learner_days``: per learner × UTC day, the weekly cadence's counts (prompt, scenario,
  reflection, check-in), the new items started (Today's cap) and the last activity.

- ``competency_tallies``: per learner × task × behaviour (``''`` for drill attempts and demonstrations that name
  none) × evidence the count of competency evidence: a drill attempt is ``passed``, ``failed`` or ``waiting`` (for a
  manager's review; the latest ``review.decision`` on it, in ``drill_decisions``, overrides the grader), a
  demonstration is ``peer``, ``manager`` or ``other`` (self-reported) by who confirmed it; ``competency_calls``: the
  latest ``signoff`` and ``competency.override`` per learner × behaviour. ``core.competency.assess_tallies`` turns
  them into the same levels as ``assess`` over the events.
- ``drill_tallies``: per learner × drill the attempts (``tried``), each criterion's misses (``miss:ID``) and the
  grader's flags (``flag:NAME``) — the cohort gaps and coaching prep.
- ``event_counts``: per learner id, the events stored (a trigger on ``events``, whatever route stored them) and the
  events the aggregates took (``folded``); where they differ (a row stored around the event store, or a
  competency record the aggregates could not read) the manager's views read that learner's events and report the
  invalid rows.

Order-dependent facts (first answer, next attempt) are repaired when an event arrives out of
time order (a workstation with a wrong clock, a merge, a late bundle): the item's neighbours are
recomputed. Times are compared in their one stored form (``clock.to_iso``: UTC, microseconds).
The definitions are core.metrics' (``metrics.Counts``): the incremental and rebuilt aggregates
are checked against ``metrics.compute`` over the events on randomised histories.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlite_utils import Database

from drillpad.clock import from_iso, to_iso
from drillpad.core import metrics as metrics_core

CONF = (1, 2, 3, 4)
DAY_COLUMNS = ("n", "first_n", "first_ok", "delayed_n", "delayed_ok", "misses", "recurred",
               *(f"c{c}_{x}" for c in CONF for x in ("n", "ok")))  # the tables: migrations.m008_aggregates
CADENCE_COLUMNS = ("prompt", "scenario", "reflection", "checkin", "new_items")
ACTIVE_KINDS = ("review", "lesson.read", "demonstration", "reflection")

_FACT_COLUMNS = ("event_id", "learner_id", "task", "item_kind", "item", "at", "day", "device_id", "seq", "correct",
                 "needs_review", "score", "first", "confidence", "missed", "delayed", "misses", "recurred")
_SELECT_FACT = f"SELECT {', '.join(_FACT_COLUMNS)} FROM review_facts"


def _norm(created_at: str) -> str:
    return to_iso(from_iso(created_at))


def _fact(event_id: str, learner_id: str, device_id: str, seq: int, payload: dict[str, Any], at: str) -> dict:
    conf = payload.get("confidence")
    return {"event_id": event_id, "learner_id": learner_id, "task": str(payload.get("task") or ""),
            "item_kind": str(payload.get("item_kind") or ""), "item": str(payload.get("item") or ""), "at": at,
            "day": at[:10], "device_id": device_id, "seq": seq, "correct": int(bool(payload.get("correct"))),
            "needs_review": int(bool(payload.get("needs_review"))),
            "score": payload.get("score") if isinstance(payload.get("score"), (int, float)) else None,
            "first": int(payload.get("attempt") == 1),
            "confidence": int(conf) if conf in metrics_core.CONFIDENCE_PROBABILITY else None,
            "missed": json.dumps(list(payload.get("missed", []))), "delayed": 0, "misses": 0, "recurred": 0}


def _recurrence(fact: dict, successor: dict | None) -> tuple[int, int]:
    """The (misses, recurred) a review contributes, given the learner's next attempt at the item."""
    if successor is None or from_iso(successor["at"]) - from_iso(fact["at"]) > metrics_core.RECURRENCE_WINDOW:
        return 0, 0
    missed, again = json.loads(fact["missed"]), json.loads(successor["missed"])
    return len(missed), sum(1 for c in missed if c in again)


def _delayed(fact: dict, first_seen: str) -> int:
    return int(from_iso(fact["at"]) - from_iso(first_seen) >= metrics_core.DELAY)


def _day_delta(fact: dict, sign: int) -> dict[str, int]:
    d = {"n": 1, "first_n": fact["first"], "first_ok": fact["first"] * fact["correct"],
         "delayed_n": fact["delayed"], "delayed_ok": fact["delayed"] * fact["correct"],
         "misses": fact["misses"], "recurred": fact["recurred"]}
    if fact["confidence"] is not None:
        d[f"c{fact['confidence']}_n"] = 1
        d[f"c{fact['confidence']}_ok"] = fact["correct"]
    return {k: sign * v for k, v in d.items() if v}


_UPSERT_DAY = (f"INSERT INTO review_days (learner_id, task, day, {', '.join(DAY_COLUMNS)}) "
               f"VALUES (?, ?, ?, {', '.join('?' * len(DAY_COLUMNS))}) ON CONFLICT (learner_id, day, task) DO UPDATE SET "
               + ", ".join(f"{c} = {c} + excluded.{c}" for c in DAY_COLUMNS))


class Pending:
    """The additive aggregate changes of a batch of events (one bundle), written once per row at the end of the
    batch's transaction instead of once per event: day sums, cadence days, task progress, competency and drill
    tallies, folded counts. Nothing in the folding reads these tables, so the order of writes does not matter."""

    def __init__(self) -> None:
        self.days: dict[tuple[str, str, str], dict[str, int]] = {}
        self.learner_days: dict[tuple[str, str], list] = {}
        self.progress: dict[tuple[str, str], list] = {}
        self.tallies: dict[tuple[str, str, str, str], int] = defaultdict(int)
        self.drills: dict[tuple[str, str, str], int] = defaultdict(int)
        self.folded: dict[str, int] = defaultdict(int)
        self.people: dict[str, str] = {}  # learner id → the profile it counts towards (no merge happens mid-batch)

    def day(self, fact: dict, delta: dict[str, int]) -> None:
        row = self.days.setdefault((fact["learner_id"], fact["task"], fact["day"]), dict.fromkeys(DAY_COLUMNS, 0))
        for k, v in delta.items():
            row[k] += v

    def learner_day(self, learner_id: str, day: str, cadence: dict[str, int], active: str | None) -> None:
        row = self.learner_days.setdefault((learner_id, day), [dict.fromkeys(CADENCE_COLUMNS, 0), None])
        for k, v in cadence.items():
            row[0][k] += v
        if active is not None and (row[1] is None or active > row[1]):
            row[1] = active

    def task(self, learner_id: str, task: str, at: str, reached: str | None) -> None:
        row = self.progress.setdefault((learner_id, task), [at, reached])
        row[0] = min(row[0], at)
        if reached is not None:
            row[1] = reached if row[1] is None else min(row[1], reached)

    def flush(self, db: Database) -> None:
        if self.days:
            db.conn.executemany(_UPSERT_DAY, [[*k, *(v[c] for c in DAY_COLUMNS)] for k, v in self.days.items()
                                              if any(v.values())])
        if self.learner_days:
            db.conn.executemany(_UPSERT_LEARNER_DAY, [[*k, *(c[x] for x in CADENCE_COLUMNS), active]
                                                      for k, (c, active) in self.learner_days.items()])
        if self.progress:
            db.conn.executemany(_UPSERT_PROGRESS, [[*k, *v] for k, v in self.progress.items()])
        changed = [[*k, n] for k, n in self.tallies.items() if n]
        if changed:
            db.conn.executemany(_UPSERT_TALLY, changed)
            db.conn.executemany("DELETE FROM competency_tallies WHERE learner_id = ? AND task = ? AND behaviour = ? "
                                "AND evidence = ? AND n = 0", [r[:4] for r in changed if r[4] < 0])
        if self.drills:
            db.conn.executemany(_UPSERT_DRILL, [[*k, n] for k, n in self.drills.items()])
        if self.folded:
            db.conn.executemany("UPDATE event_counts SET folded = folded + ? WHERE learner_id = ?",
                                [[n, k] for k, n in self.folded.items()])
        self.__init__()


def _bump(pending: Pending, fact: dict, delta: dict[str, int]) -> None:
    if delta:
        pending.day(fact, delta)


def _replace(db: Database, pending: Pending, old: dict, new: dict) -> None:
    """Store a fact's new derived values and move the day sums by the difference."""
    delta = _day_delta(new, 1)
    for k, v in _day_delta(old, -1).items():
        delta[k] = delta.get(k, 0) + v
    _bump(pending, new, {k: v for k, v in delta.items() if v})
    db.execute("UPDATE review_facts SET delayed = ?, misses = ?, recurred = ? WHERE event_id = ?",
               [new["delayed"], new["misses"], new["recurred"], new["event_id"]])


def _rows(cursor) -> list[dict]:
    return [dict(zip(_FACT_COLUMNS, r)) for r in cursor.fetchall()]


_COLS = ", ".join(_FACT_COLUMNS)
# a review's neighbours among the learner's answers to the item, in one statement: the one just before it (0), the
# one just after it (1), and the time of the first answer (2, in the "at" column)
_NEIGHBOURS = (
    f"SELECT * FROM (SELECT 0, {_COLS} FROM review_facts WHERE learner_id = ? AND item = ? AND (at, device_id, seq) < "
    "(?, ?, ?) ORDER BY at DESC, device_id DESC, seq DESC LIMIT 1) "
    f"UNION ALL SELECT * FROM (SELECT 1, {_COLS} FROM review_facts WHERE learner_id = ? AND item = ? AND "
    "(at, device_id, seq) > (?, ?, ?) ORDER BY at, device_id, seq LIMIT 1) "
    "UNION ALL SELECT 2, " + ", ".join("min(at)" if c == "at" else "NULL" for c in _FACT_COLUMNS)
    + " FROM review_facts WHERE learner_id = ? AND item = ?")


def _neighbours(db: Database, fact: dict) -> tuple[list[dict], list[dict], str | None]:
    args, key = [fact["learner_id"], fact["item"]], [fact["at"], fact["device_id"], fact["seq"]]
    found: dict[int, tuple] = {r[0]: r[1:] for r in db.execute(_NEIGHBOURS, [*args, *key, *args, *key, *args])}
    return ([dict(zip(_FACT_COLUMNS, found[0]))] if 0 in found else [],
            [dict(zip(_FACT_COLUMNS, found[1]))] if 1 in found else [], found[2][_FACT_COLUMNS.index("at")])


def _on_review(db: Database, pending: Pending, fact: dict) -> None:
    where = "WHERE learner_id = ? AND item = ?"
    args = [fact["learner_id"], fact["item"]]
    before, after, first = _neighbours(db, fact)
    if first is not None and fact["at"] < first:  # answered "before" the first answer: every delayed flag moves
        for other in _rows(db.execute(f"{_SELECT_FACT} {where}", args)):
            changed = {**other, "delayed": _delayed(other, fact["at"])}
            if changed["delayed"] != other["delayed"]:
                _replace(db, pending, other, changed)
        before, after, _ = _neighbours(db, fact)  # as they are now
    fact["delayed"] = _delayed(fact, fact["at"] if first is None or fact["at"] < first else first)
    fact["misses"], fact["recurred"] = _recurrence(fact, after[0] if after else None)
    db.execute(f"INSERT INTO review_facts ({', '.join(_FACT_COLUMNS)}) VALUES ({', '.join('?' * len(_FACT_COLUMNS))})",
               [fact[c] for c in _FACT_COLUMNS])
    _bump(pending, fact, _day_delta(fact, 1))
    if before:
        old = before[0]
        misses, recurred = _recurrence(old, fact)
        if (misses, recurred) != (old["misses"], old["recurred"]):
            _replace(db, pending, old, {**old, "misses": misses, "recurred": recurred})


def _cadence_delta(kind: str, payload: dict[str, Any]) -> dict[str, int]:
    d = {}
    if kind == "review":
        d["scenario" if payload.get("item_kind") == "drill" else "prompt"] = 1
        if payload.get("attempt") == 1:
            d["new_items"] = 1
    elif kind in ("reflection", "checkin"):
        d[kind] = 1
    elif kind == "lesson.read":
        d["new_items"] = 1
    return d


_UPSERT_LEARNER_DAY = (
    f"INSERT INTO learner_days (learner_id, day, {', '.join(CADENCE_COLUMNS)}, last_active) "
    f"VALUES (?, ?, {', '.join('?' * len(CADENCE_COLUMNS))}, ?) ON CONFLICT (learner_id, day) DO UPDATE SET "
    + ", ".join(f"{c} = {c} + excluded.{c}" for c in CADENCE_COLUMNS)
    + ", last_active = CASE WHEN last_active IS NULL OR excluded.last_active > last_active THEN excluded.last_active "
      "ELSE last_active END")

_UPSERT_PROGRESS = (
    "INSERT INTO task_progress (learner_id, task, started_at, reached_at) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (learner_id, task) DO UPDATE SET started_at = min(started_at, excluded.started_at), "
    "reached_at = CASE WHEN reached_at IS NULL THEN excluded.reached_at WHEN excluded.reached_at IS NULL THEN "
    "reached_at ELSE min(reached_at, excluded.reached_at) END")


def on_event(db: Database, event_id: str, device_id: str, seq: int, learner_id: str | None, kind: str,
             payload: dict[str, Any], created_at: str, pending: Pending | None = None) -> None:
    """Fold one newly stored event into the aggregates (call inside the event's transaction). With *pending*
    the additive changes wait in it for ``pending.flush(db)``, which the caller makes before committing."""
    if learner_id is None:
        return
    if pending is None:
        pending = Pending()
        _fold(db, event_id, device_id, seq, learner_id, kind, payload, created_at, pending)
        pending.flush(db)
    else:
        _fold(db, event_id, device_id, seq, learner_id, kind, payload, created_at, pending)


def _fold(db: Database, event_id: str, device_id: str, seq: int, learner_id: str, kind: str,
          payload: dict[str, Any], created_at: str, pending: Pending) -> None:
    stored_as = learner_id
    if learner_id not in pending.people:
        pending.people[learner_id] = _person(db, learner_id)
    learner_id = pending.people[learner_id]
    at = _norm(created_at)
    cadence = _cadence_delta(kind, payload)
    active = at if kind in ACTIVE_KINDS else None
    if cadence or active:
        pending.learner_day(learner_id, at[:10], cadence, active)
    task = payload.get("task")
    if task is not None:
        reached = at if kind == "level" and payload.get("level", 0) >= metrics_core.INDEPENDENT_LEVEL else None
        pending.task(learner_id, str(task), at, reached)
    folded = True
    if kind == "review":
        fact = _fact(event_id, learner_id, device_id, seq, payload, at)
        _on_review(db, pending, fact)
        if fact["item_kind"] == "drill":
            _on_drill(db, pending, fact, payload)
    elif kind == "demonstration":
        found = demo_evidence(payload)
        folded = found is not None
        if found is not None:
            pending.tallies[(learner_id, *found)] += 1
    elif kind == "review.decision":
        folded = _on_decision(db, pending, learner_id, (at, device_id, seq), payload)
    elif kind in CALL_KINDS:
        folded = _on_call(db, learner_id, kind, (at, device_id, seq), event_id, payload)
    if folded:
        pending.folded[stored_as] += 1


# --- competency and drills -------------------------------------------------------------------------

CALL_KINDS = {"signoff": "signoff", "competency.override": "override"}
_UPSERT_TALLY = ("INSERT INTO competency_tallies (learner_id, task, behaviour, evidence, n) VALUES (?, ?, ?, ?, ?) "
                 "ON CONFLICT (learner_id, task, behaviour, evidence) DO UPDATE SET n = n + excluded.n")
_UPSERT_DRILL = ("INSERT INTO drill_tallies (learner_id, item, key, n) VALUES (?, ?, ?, ?) "
                 "ON CONFLICT (learner_id, item, key) DO UPDATE SET n = n + excluded.n")


def drill_state(correct: int, needs_review: int, decision: int | None) -> str:
    """A drill attempt as competency evidence: the manager's latest decision, else waiting, else the grade."""
    if decision is not None:
        return "passed" if decision else "failed"
    if needs_review:
        return "waiting"
    return "passed" if correct else "failed"


def demo_evidence(payload: dict[str, Any]) -> tuple[str, str, str] | None:
    """(task, behaviour or '', who confirmed it) of a demonstration, or None when it cannot be read."""
    task, behaviour = payload.get("task"), payload.get("behaviour")
    if not isinstance(task, str) or not task or (behaviour is not None and (not isinstance(behaviour, str)
                                                                            or not behaviour)):
        return None
    source = payload.get("source", "self")
    return task, behaviour or "", source if source in ("peer", "manager") else "other"


def drill_keys(fact: dict, payload: dict[str, Any]) -> list[str]:
    """The drill tallies one attempt adds to: tried, each criterion missed, each flag and violation."""
    keys = ["tried", *(f"miss:{c}" for c in json.loads(fact["missed"]))]
    for name in ("flags", "violations"):
        value = payload.get(name)
        if isinstance(value, list):
            keys += [f"flag:{f}" for f in value]
    return keys


def _call(payload: dict[str, Any]) -> tuple[str, int] | None:
    behaviour, level = payload.get("behaviour"), payload.get("level")
    if not isinstance(behaviour, str) or not behaviour or isinstance(level, bool):
        return None
    try:
        return behaviour, int(level)
    except (TypeError, ValueError):
        return None


def _on_drill(db: Database, pending: Pending, fact: dict, payload: dict[str, Any]) -> None:
    row = db.execute("SELECT passed FROM drill_decisions WHERE learner_id = ? AND attempt_id = ?",
                     [fact["learner_id"], fact["event_id"]]).fetchone()
    if fact["task"]:
        state = drill_state(fact["correct"], fact["needs_review"], row[0] if row else None)
        pending.tallies[(fact["learner_id"], fact["task"], "", state)] += 1
    for key in drill_keys(fact, payload):
        pending.drills[(fact["learner_id"], fact["item"], key)] += 1


def _on_decision(db: Database, pending: Pending, learner_id: str, key: tuple[str, str, int], payload: dict[str, Any]) -> bool:
    attempt = payload.get("event")
    if not isinstance(attempt, str):
        return False
    passed = int(bool(payload.get("passed")))
    old = db.execute("SELECT at, device_id, seq, passed FROM drill_decisions WHERE learner_id = ? AND attempt_id = ?",
                     [learner_id, attempt]).fetchone()
    if old is not None and tuple(old[:3]) > key:
        return True  # a later decision on the attempt stands
    db.execute("INSERT INTO drill_decisions (learner_id, attempt_id, at, device_id, seq, passed) VALUES (?, ?, ?, ?, ?, ?) "
               "ON CONFLICT (learner_id, attempt_id) DO UPDATE SET at = excluded.at, device_id = excluded.device_id, "
               "seq = excluded.seq, passed = excluded.passed", [learner_id, attempt, *key, passed])
    fact = db.execute("SELECT task, correct, needs_review FROM review_facts WHERE event_id = ? AND learner_id = ? AND "
                      "item_kind = 'drill'", [attempt, learner_id]).fetchone()
    if fact is not None and fact[0]:
        before = drill_state(fact[1], fact[2], old[3] if old is not None else None)
        after = drill_state(fact[1], fact[2], passed)
        if before != after:
            pending.tallies[(learner_id, fact[0], "", before)] -= 1
            pending.tallies[(learner_id, fact[0], "", after)] += 1
    return True


def _on_call(db: Database, learner_id: str, kind: str, key: tuple[str, str, int], event_id: str,
             payload: dict[str, Any]) -> bool:
    found = _call(payload)
    if found is None:
        return False
    behaviour, level = found
    old = db.execute("SELECT at, device_id, seq FROM competency_calls WHERE learner_id = ? AND behaviour = ? AND "
                     "kind = ?", [learner_id, behaviour, CALL_KINDS[kind]]).fetchone()
    if old is None or tuple(old) < key:
        db.execute("INSERT OR REPLACE INTO competency_calls (learner_id, behaviour, kind, at, device_id, seq, event_id, "
                   "level, by, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   [learner_id, behaviour, CALL_KINDS[kind], *key, event_id, level,
                    str(payload.get("by", "manager")), str(payload.get("note", ""))])
    return True


COMPETENCY_TABLES = ("competency_tallies", "competency_calls", "drill_decisions", "drill_tallies")


def rebuild(db: Database) -> dict[str, int]:
    """Recompute every aggregate from the events, one learner at a time (memory stays flat); report how
    many review days differed from what was kept incrementally."""
    # the competency tables come with migration m011; m008 rebuilds without them
    competency = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'event_counts'").fetchone() is not None
    with db.atomic():
        # what was kept incrementally, to compare with afterwards: a temporary table (on disk), not a dict in memory
        db.execute("DROP TABLE IF EXISTS temp.review_days_before")
        db.execute("CREATE TEMP TABLE review_days_before AS SELECT * FROM main.review_days")
        for table in ("review_facts", "review_days", "task_progress", "learner_days",
                      *(COMPETENCY_TABLES + ("event_counts",) if competency else ())):
            db.execute(f"DELETE FROM {table}")
        if competency:
            db.execute("INSERT INTO event_counts (learner_id, stored) SELECT learner_id, count(*) FROM events "
                       "WHERE learner_id IS NOT NULL GROUP BY learner_id")
        learners = [r[0] for r in db.execute("SELECT DISTINCT learner_id FROM events WHERE learner_id IS NOT NULL")]
        people = sorted({_person(db, learner_id) for learner_id in learners})
        for learner_id in people:
            _rebuild_learner(db, learner_id, competency)
        # review days whose sums changed, appeared or went (each key once)
        differed = db.execute(
            "SELECT count(*) FROM (SELECT learner_id, task, day FROM (SELECT * FROM temp.review_days_before EXCEPT "
            "SELECT * FROM main.review_days) UNION SELECT learner_id, task, day FROM (SELECT * FROM main.review_days "
            "EXCEPT SELECT * FROM temp.review_days_before))").fetchone()[0]
        db.execute("DROP TABLE temp.review_days_before")
    return {"review_days": db.execute("SELECT count(*) FROM review_days").fetchone()[0], "differed": differed}


def _person(db: Database, learner_id: str) -> str:
    """The profile whose aggregates an event counts towards: itself, or the one it was merged into."""
    if db.execute("SELECT 1 FROM learner_merges WHERE from_id = ? AND undone_by IS NULL LIMIT 1",
                  [learner_id]).fetchone() is None:
        return learner_id
    from drillpad.store.merges import canonical

    return canonical(db, learner_id)


def _aliases(db: Database, learner_id: str) -> list[str]:
    from drillpad.store.merges import aliases

    return aliases(db, learner_id)


def _rebuild_learner(db: Database, learner_id: str, competency: bool = True) -> None:
    days: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(DAY_COLUMNS, 0))
    cadence: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(CADENCE_COLUMNS, 0))
    last: dict[str, str] = {}
    progress: dict[str, list[str | None]] = {}
    items: dict[str, list[dict]] = defaultdict(list)
    tallies: dict[tuple[str, str, str], int] = defaultdict(int)
    drill_counts: dict[tuple[str, str], int] = defaultdict(int)
    decisions: dict[str, tuple[tuple[str, str, int], int]] = {}
    calls: dict[tuple[str, str], tuple] = {}
    folded: dict[str, int] = defaultdict(int)
    ids = _aliases(db, learner_id)
    for event_id, device_id, seq, kind, payload, created_at, stored_as in db.execute(
            "SELECT id, device_id, seq, kind, payload, created_at, learner_id FROM events "
            f"WHERE learner_id IN ({_marks(ids)})", ids):
        p = json.loads(payload)
        at = _norm(created_at)
        key = (at, device_id, seq)
        folded[stored_as] += 1
        if kind == "demonstration":
            found = demo_evidence(p)
            if found is None:
                folded[stored_as] -= 1
            else:
                tallies[found] += 1
        elif kind == "review.decision":
            if not isinstance(p.get("event"), str):
                folded[stored_as] -= 1
            elif p["event"] not in decisions or decisions[p["event"]][0] < key:
                decisions[p["event"]] = (key, int(bool(p.get("passed"))))
        elif kind in CALL_KINDS:
            call = _call(p)
            if call is None:
                folded[stored_as] -= 1
            elif (call[0], CALL_KINDS[kind]) not in calls or calls[(call[0], CALL_KINDS[kind])][0] < key:
                calls[(call[0], CALL_KINDS[kind])] = (key, event_id, call[1], str(p.get("by", "manager")),
                                                      str(p.get("note", "")))
        for k, v in _cadence_delta(kind, p).items():
            cadence[at[:10]][k] += v
        if kind in ACTIVE_KINDS:
            cadence[at[:10]]  # noqa: B018 - the day exists even with no cadence counts
            last[at[:10]] = max(last.get(at[:10], at), at)
        task = p.get("task")
        if task is not None:
            entry = progress.setdefault(str(task), [at, None])
            entry[0] = min(entry[0], at)
            if kind == "level" and p.get("level", 0) >= metrics_core.INDEPENDENT_LEVEL:
                entry[1] = at if entry[1] is None else min(entry[1], at)
        if kind == "review":
            fact = _fact(event_id, learner_id, device_id, seq, p, at)
            items[fact["item"]].append(fact)
            if fact["item_kind"] == "drill":
                for k in drill_keys(fact, p):
                    drill_counts[(fact["item"], k)] += 1
    for facts in items.values():
        for fact in facts:
            if fact["item_kind"] == "drill" and fact["task"]:
                decided = decisions.get(fact["event_id"])
                tallies[(fact["task"], "", drill_state(fact["correct"], fact["needs_review"],
                                                       decided[1] if decided else None))] += 1
        facts.sort(key=lambda f: (f["at"], f["device_id"], f["seq"]))
        first = facts[0]["at"]
        for i, fact in enumerate(facts):
            fact["delayed"] = _delayed(fact, first)
            fact["misses"], fact["recurred"] = _recurrence(fact, facts[i + 1] if i + 1 < len(facts) else None)
            for k, v in _day_delta(fact, 1).items():
                days[(fact["task"], fact["day"])][k] += v
        db.conn.executemany(f"INSERT INTO review_facts ({', '.join(_FACT_COLUMNS)}) "
                       f"VALUES ({', '.join('?' * len(_FACT_COLUMNS))})", [[f[c] for c in _FACT_COLUMNS] for f in facts])
    db.conn.executemany(f"INSERT INTO review_days (learner_id, task, day, {', '.join(DAY_COLUMNS)}) "
                   f"VALUES (?, ?, ?, {', '.join('?' * len(DAY_COLUMNS))})",
                   [[learner_id, task, day, *(v[c] for c in DAY_COLUMNS)] for (task, day), v in days.items()])
    db.conn.executemany(f"INSERT INTO learner_days (learner_id, day, {', '.join(CADENCE_COLUMNS)}, last_active) "
                   f"VALUES (?, ?, {', '.join('?' * len(CADENCE_COLUMNS))}, ?)",
                   [[learner_id, day, *(v[c] for c in CADENCE_COLUMNS), last.get(day)] for day, v in cadence.items()])
    db.conn.executemany("INSERT INTO task_progress (learner_id, task, started_at, reached_at) VALUES (?, ?, ?, ?)",
                   [[learner_id, task, s, r] for task, (s, r) in progress.items()])
    if not competency:
        return
    db.conn.executemany("INSERT INTO competency_tallies (learner_id, task, behaviour, evidence, n) VALUES (?, ?, ?, ?, ?)",
                        [[learner_id, *k, n] for k, n in tallies.items() if n])
    db.conn.executemany("INSERT INTO drill_tallies (learner_id, item, key, n) VALUES (?, ?, ?, ?)",
                        [[learner_id, *k, n] for k, n in drill_counts.items()])
    db.conn.executemany("INSERT INTO drill_decisions (learner_id, attempt_id, at, device_id, seq, passed) "
                        "VALUES (?, ?, ?, ?, ?, ?)", [[learner_id, a, *k, p] for a, (k, p) in decisions.items()])
    db.conn.executemany("INSERT INTO competency_calls (learner_id, behaviour, kind, at, device_id, seq, event_id, level, "
                        "by, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [[learner_id, b, kind, *key, *rest] for (b, kind), (key, *rest) in calls.items()])
    db.conn.executemany("UPDATE event_counts SET folded = ? WHERE learner_id = ?", [[n, i] for i, n in folded.items()])


# --- reading ---------------------------------------------------------------------------------------

def _marks(ids: list[str]) -> str:
    return ",".join("?" * len(ids))


def _day_floor(when: datetime) -> datetime:
    return when.astimezone(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)


def _sum_days(db: Database, ids: list[str], task: str | None, first_day: str | None, end_day: str | None) -> list[int]:
    sql = f"SELECT {', '.join(f'total({c})' for c in DAY_COLUMNS)} FROM review_days WHERE learner_id IN ({_marks(ids)})"
    args: list[Any] = list(ids)
    if first_day is not None:
        sql += " AND day >= ?"
        args.append(first_day)
    if end_day is not None:
        sql += " AND day < ?"
        args.append(end_day)
    if task is not None:
        sql += " AND task = ?"
        args.append(task)
    return [int(v) for v in db.execute(sql, args).fetchone()]


def _sum_facts(db: Database, ids: list[str], task: str | None, start: str, end: str) -> list[int]:
    cols = ["count(*)", "total(first)", "total(first * correct)", "total(delayed)", "total(delayed * correct)",
            "total(misses)", "total(recurred)"]
    for c in CONF:
        cols += [f"total(confidence = {c})", f"total(confidence = {c} AND correct)"]
    sql = (f"SELECT {', '.join(cols)} FROM review_facts WHERE learner_id IN ({_marks(ids)}) AND at >= ? AND at < ?")
    args: list[Any] = [*ids, start, end]
    if task is not None:
        sql += " AND task = ?"
        args.append(task)
    return [int(v) for v in db.execute(sql, args).fetchone()]


def review_sums(db: Database, ids: list[str], *, task: str | None = None, start: datetime | None = None,
                end: datetime | None = None) -> dict[str, int]:
    """The review counts behind four metrics for *ids* over [start, end): whole UTC days from
    ``review_days``, the partial days at either end from ``review_facts``."""
    if not ids:
        return dict.fromkeys(DAY_COLUMNS, 0)
    total = [0] * len(DAY_COLUMNS)

    def add(values: list[int]) -> None:
        for i, v in enumerate(values):
            total[i] += v

    first_day = end_day = None
    if start is not None:
        first_day_dt = _day_floor(start)
        if first_day_dt < start:
            first_day_dt += timedelta(days=1)
        first_day = first_day_dt.date().isoformat()
    if end is not None:
        end_day_dt = _day_floor(end)
        end_day = end_day_dt.date().isoformat()
    if start is not None and end is not None and first_day >= end_day:  # within one or two partial days
        if start < end:
            add(_sum_facts(db, ids, task, to_iso(start), to_iso(end)))
        return dict(zip(DAY_COLUMNS, total))
    add(_sum_days(db, ids, task, first_day, end_day))
    if start is not None and first_day_dt > start:
        add(_sum_facts(db, ids, task, to_iso(start), to_iso(first_day_dt)))
    if end is not None and end_day_dt < end:
        add(_sum_facts(db, ids, task, to_iso(end_day_dt), to_iso(end)))
    return dict(zip(DAY_COLUMNS, total))


def counts(db: Database, ids: list[str], *, task: str | None = None, start: datetime | None = None,
           end: datetime | None = None) -> metrics_core.Counts:
    """The metrics' counts for *ids* (see ``metrics.Counts``), read from the aggregates."""
    s = review_sums(db, ids, task=task, start=start, end=end)
    progress: Iterable = []
    if ids:
        sql = f"SELECT started_at, reached_at FROM task_progress WHERE learner_id IN ({_marks(ids)})"
        args: list[Any] = list(ids)
        if task is not None:
            sql += " AND task = ?"
            args.append(task)
        progress = db.execute(sql, args).fetchall()
    days, running = [], 0
    for started, reached in progress:
        if reached is None:
            running += 1
            continue
        when = from_iso(reached)
        if (start is None or when >= start) and (end is None or when < end):
            days.append((when - from_iso(started)) / timedelta(days=1))
    return metrics_core.Counts(
        first=(s["first_ok"], s["first_n"]), delayed=(s["delayed_ok"], s["delayed_n"]),
        recurrence=(s["recurred"], s["misses"]),
        confidence={c: (s[f"c{c}_ok"], s[f"c{c}_n"]) for c in CONF},
        independence_days=sorted(days), still_running=running)


def cadence_counts(db: Database, learner_id: str, since: str) -> dict[str, dict[str, int]]:
    """Per UTC day from *since* (YYYY-MM-DD): the cadence items done and new items started."""
    return {r[0]: dict(zip(CADENCE_COLUMNS, r[1:])) for r in db.execute(
        f"SELECT day, {', '.join(CADENCE_COLUMNS)} FROM learner_days WHERE learner_id = ? AND day >= ?",
        [learner_id, since])}


def last_active(db: Database, ids: list[str]) -> dict[str, str]:
    """Each learner's latest practice (review, lesson, demonstration or reflection), as stored."""
    if not ids:
        return {}
    return dict(db.execute(f"SELECT learner_id, max(last_active) FROM learner_days WHERE learner_id IN ({_marks(ids)}) "
                           "GROUP BY learner_id", ids).fetchall())


def drill_attempts(db: Database, learner_id: str) -> list[tuple[str, str, str, dict[str, Any]]]:
    """The learner's scenario-drill attempts in time order as (event id, device, time, the payload
    fields competency reads), from the facts instead of the events' JSON."""
    return [(r[0], r[1], r[2], {"task": r[3] or None, "item_kind": "drill", "item": r[4], "correct": bool(r[5]),
                                "needs_review": bool(r[6]), "score": r[7] if r[7] is not None else 0,
                                "missed": json.loads(r[8])})
            for r in db.execute("SELECT event_id, device_id, at, task, item, correct, needs_review, score, missed "
                                "FROM review_facts WHERE learner_id = ? AND item_kind = 'drill' "
                                "ORDER BY at, device_id, seq", [learner_id])]


def recent_drill_misses(db: Database, learner_id: str, last: int) -> list[list[str]]:
    """The criteria missed in the learner's *last* drill attempts, oldest first."""
    rows = db.execute("SELECT missed FROM review_facts WHERE learner_id = ? AND item_kind = 'drill' "
                      "ORDER BY at DESC, device_id DESC, seq DESC LIMIT ?", [learner_id, last]).fetchall()
    return [json.loads(r[0]) for r in reversed(rows)]


def checkins_since(db: Database, ids: list[str], day: str) -> dict[str, int]:
    if not ids:
        return {}
    return dict(db.execute(f"SELECT learner_id, sum(checkin) FROM learner_days WHERE learner_id IN ({_marks(ids)}) "
                           "AND day >= ? GROUP BY learner_id", [*ids, day]).fetchall())


def drill_gaps(db: Database) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str, str], int]]:
    """Per (learner's pack, drill): how many learners tried it; per (pack, drill, criterion): how many
    learners missed that criterion at least once — from the per learner × drill tallies."""
    tried = {(r[0], r[1]): r[2] for r in db.execute(
        "SELECT l.pack_id, t.item, count(*) FROM drill_tallies t JOIN learners l ON l.id = t.learner_id AND "
        "l.active = 1 WHERE t.key = 'tried' GROUP BY l.pack_id, t.item")}
    missed = {(r[0], r[1], r[2]): r[3] for r in db.execute(
        "SELECT l.pack_id, t.item, substr(t.key, 6), count(*) FROM drill_tallies t JOIN learners l ON "
        "l.id = t.learner_id AND l.active = 1 WHERE t.key >= 'miss:' AND t.key < 'miss;' "
        "GROUP BY l.pack_id, t.item, substr(t.key, 6)")}
    return tried, missed


def competency_inputs(db: Database, ids: list[str]) -> dict[str, tuple[dict, dict]]:
    """Per learner in *ids*: the competency tallies {(task, behaviour, evidence): n} and the latest manager
    calls {(behaviour, 'signoff'|'override'): {key, level, by, when, note}} — what ``assess_tallies`` reads."""
    out: dict[str, tuple[dict, dict]] = {i: ({}, {}) for i in ids}
    if not ids:
        return out
    for learner_id, task, behaviour, evidence, n in db.execute(
            f"SELECT learner_id, task, behaviour, evidence, n FROM competency_tallies WHERE learner_id IN ({_marks(ids)})",
            ids):
        out[learner_id][0][(task, behaviour, evidence)] = n
    for learner_id, behaviour, kind, at, device_id, seq, level, by, note in db.execute(
            "SELECT learner_id, behaviour, kind, at, device_id, seq, level, by, note FROM competency_calls "
            f"WHERE learner_id IN ({_marks(ids)})", ids):
        out[learner_id][1][(behaviour, kind)] = {"key": (at, device_id, seq), "level": level, "by": by,
                                                 "when": from_iso(at).isoformat(), "note": note}
    return out


def unfolded(db: Database) -> set[str]:
    """The learners (as their merged-into profile) with stored events the aggregates did not take."""
    return {_person(db, r[0]) for r in db.execute("SELECT learner_id FROM event_counts WHERE stored != folded")}


def drill_tallies(db: Database, learner_id: str) -> dict[tuple[str, str], int]:
    """{(drill, key): n} for one learner: ``tried``, ``miss:CRITERION``, ``flag:NAME``."""
    return {(r[0], r[1]): r[2] for r in db.execute("SELECT item, key, n FROM drill_tallies WHERE learner_id = ?",
                                                  [learner_id])}
