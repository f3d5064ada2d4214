"""The manager's desk: a clear picture of the team and a fair process — humans make every final call.

Everything here reads the event log (the trainees' evidence imported from their bundles) and
writes the manager's decisions as events on the manager's own device: ``review.decision``
(confirm or override a routed attempt per criterion), ``coaching.plan`` (one skill, one scenario,
one follow-up date), ``checkin`` (the weekly check-in note), ``signoff`` (a level and a note,
signed with the manager key) and ``calibration.rating``. Decisions travel back to the
workstations signed by the manager key (evidence/sync.py). No business rule lives in the UI.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from drillpad.clock import from_iso
from drillpad.core import competency as competency_core
from drillpad.core.events import EventView
from drillpad.core.words import count_text
from drillpad.evidence.schemas import check_stored
from drillpad.workspace import LearningError, Workspace

STUCK_DAYS = 14
REPEATED_MISS = 3  # the same criterion missed this many times in the last 5 attempts
DESIGN_PROBLEM_SHARE = 0.5  # half the learners who tried it miss the same step
CALIBRATION_SIZE = 8


@dataclass(frozen=True)
class LearnerRow:
    id: str
    name: str
    role: str
    levels: list[competency_core.BehaviourLevel]
    ready: list[str]  # behaviour titles ready for sign-off
    stuck: str  # why, or ""
    last_active: str | None
    checkin_done: bool
    invalid: tuple[str, ...] = ()  # stored records left out because they are not valid events (why, per record)


@dataclass(frozen=True)
class ReviewItem:
    event_id: str
    learner: str
    learner_id: str
    drill_id: str
    drill_title: str
    when: str
    scenario: str
    question: str
    answer: str
    criteria: list[dict[str, Any]]  # id, text, met, confidence, evidence
    flags: list[str]
    requested: str  # the learner's note when they asked for a review, else ""
    reason: str  # why it is here


@dataclass(frozen=True)
class Friction:
    kind: str  # missed | low-confidence | recurring
    text: str
    count: int


@dataclass
class CoachingPrep:
    learner: str
    summary: list[str]
    friction: list[Friction]
    questions: list[str]
    plan_task: str | None
    plan_task_title: str
    plan_drill: str | None
    follow_up: date
    tasks: list[tuple[str, str]] = field(default_factory=list)  # (id, title) of the role's tasks
    drills: list[tuple[str, str, str]] = field(default_factory=list)  # (id, task, title)


@dataclass(frozen=True)
class Gap:
    drill_id: str
    drill_title: str
    criterion_id: str
    criterion: str
    source: str
    missed_by: int
    tried_by: int
    design_problem: bool


@dataclass(frozen=True)
class CalibrationItem:
    key: str  # anonymous: "A1", "A2", …
    event_id: str
    drill_id: str
    drill_title: str
    scenario: str
    answer: str
    criteria: list[tuple[str, str]]  # (id, text)


@dataclass(frozen=True)
class CalibrationReport:
    raters: list[str]
    items: int
    alpha: float | None  # Krippendorff's alpha (nominal) over every (answer, criterion) unit
    agreement: float | None  # share of units where every rater agreed
    disagreements: list[tuple[str, str, dict[str, bool]]]  # (answer key, criterion id, rater → met)


def _signable(payload: dict[str, Any]) -> bytes:
    return json.dumps({k: v for k, v in payload.items() if k != "signature"}, sort_keys=True,
                      separators=(",", ":")).encode()


class ManagerDesk:
    def __init__(self, ws: Workspace, manager_name: str = "manager"):
        self.ws, self.db, self.by = ws, ws.db, manager_name
        self._calibration_sets: dict[tuple, tuple[CalibrationItem, ...]] = {}  # the last set made, by what it read

    # --- helpers ---------------------------------------------------------------------------------

    def _learners(self):
        return [lr for lr in self.ws.profiles.learners() if isinstance(lr.id, str)]

    def _rows(self, sql: str, args: list | tuple = ()) -> list[tuple]:
        """Rows of ``id, learner_id, created_at, payload, kind`` that are valid events (schemas.check_stored);
        the log is append-only, so one bad record is left out here instead of failing a whole view."""
        return [r for r in self.db.execute(sql, list(args)) if check_stored(r[4], r[1], r[3], r[2]) is None]

    def _valid_events(self, learner_id: str) -> tuple[list[EventView], list[str]]:
        good, bad = [], []
        for r in self.db.execute("SELECT id, kind, created_at, payload, learner_id FROM events WHERE learner_id = ? "
                                 "ORDER BY created_at, device_id, seq", [learner_id]):
            why = check_stored(r[1], r[4], r[3], r[2])
            if why is None:
                good.append(EventView(r[0], r[1], from_iso(r[2]), json.loads(r[3]), r[4]))
            else:
                bad.append(f"{r[1]} {r[0]}: {why}")
        return good, bad

    def _drill_or_none(self, drill_id: str, pack_id: str):
        try:
            return self.ws.drill(drill_id, pack_id)
        except LearningError:
            return None

    def _decided(self) -> set[str]:
        return {json.loads(r[3])["event"] for r in self._rows(
            "SELECT id, learner_id, created_at, payload, kind FROM events WHERE kind = 'review.decision'")}

    def _record(self, learner_id: str, kind: str, payload: dict[str, Any]):
        if self.ws.profiles.session is not None:
            raise LearningError("a trainee profile is unlocked; manager decisions are made in manager mode")
        with self.db.atomic():  # the decision and its statement for the organisation's LRS, together
            event = self.ws.record(learner_id, kind, {**payload, "by": self.by})
            self.ws.lrs.queue([{"id": event.id, "kind": event.kind, "learner_id": event.learner_id,
                                "payload": event.payload, "created_at": event.created_at}])
        return event

    # --- team overview ---------------------------------------------------------------------------

    def team_overview(self, stuck_days: int = STUCK_DAYS) -> list[LearnerRow]:
        """One row per learner, from the aggregates (competency counts and the manager's latest calls, last
        practice, this week's check-in, the last drill attempts) — not every event's JSON. The levels carry no
        evidence list here (``competency(learner)`` gives it for one learner). A learner with stored rows the
        aggregates did not take is read from the events instead, and the invalid rows are reported."""
        from drillpad.store import aggregates

        now = self.ws.clock.now()
        learners = self.ws.profiles.learners()  # every one, so a learner with a broken record shows as invalid
        ids = [lr.id for lr in learners if isinstance(lr.id, str)]
        last_seen = aggregates.last_active(self.db, ids)
        week_start = now.date() - timedelta(days=now.weekday())
        checkins = aggregates.checkins_since(self.db, ids, week_start.isoformat())
        inputs = aggregates.competency_inputs(self.db, ids)
        unfolded = aggregates.unfolded(self.db)
        specs: dict[tuple[str, str], tuple] = {}
        rows = []
        for lr in learners:
            try:
                if not isinstance(lr.id, str):
                    raise ValueError("this learner has no id")
                if lr.id in unfolded:
                    events, invalid = self._competency_events(lr.id)
                    levels = self.ws.competency(lr.id, events)
                else:
                    key = (lr.pack_id, lr.role_id)
                    if key not in specs:
                        specs[key] = self.ws.behaviours(*key)
                    levels, invalid = competency_core.assess_tallies(*specs[key], *inputs[lr.id]), []
                rows.append(self._overview_row(lr, now, stuck_days, last_seen, checkins, levels, invalid))
            except Exception as exc:  # noqa: BLE001 - one learner's bad data never hides the team
                rows.append(LearnerRow(str(lr.id), str(lr.name), str(lr.role_title), [], [],
                                       f"invalid record: {type(exc).__name__}: {exc}"[:200], None, False,
                                       (f"{type(exc).__name__}: {exc}",)))
        return rows

    def _overview_row(self, lr, now, stuck_days: int, last_seen: dict, checkins: dict, levels, invalid) -> LearnerRow:
        from drillpad.store import aggregates

        if not isinstance(lr.id, str):
            raise ValueError("this learner has no id")
        last = from_iso(last_seen[lr.id]) if last_seen.get(lr.id) else None
        stuck = ""
        if last is None:
            stuck = "has not practised yet"
        elif (now - last).days >= stuck_days:
            stuck = f"no practice for {(now - last).days} days"
        else:
            repeated = self._repeated_misses(aggregates.recent_drill_misses(self.db, lr.id, 5))
            if repeated:
                stuck = f"keeps missing: {repeated}"
        if invalid:
            stuck = "; ".join(filter(None, [stuck, f"{len(invalid)} invalid record(s) left out"]))
        return LearnerRow(lr.id, lr.name, lr.role_title, levels, [b.title for b in levels if b.ready_for_signoff],
                          stuck, last.isoformat() if last else None, checkins.get(lr.id, 0) > 0, tuple(invalid))

    def _competency_events(self, learner_id: str) -> tuple[list[EventView], list[str]]:
        """What competency reads: drill attempts (from the facts) and demonstrations and decisions (checked
        against the stored-event schemas; the bad ones are returned as reasons, never applied)."""
        from drillpad.store import aggregates

        drills = [EventView(eid, "review", from_iso(at), payload, learner_id)
                  for eid, _, at, payload in aggregates.drill_attempts(self.db, learner_id)]
        other, bad = [], []
        # decisions and demonstrations, and any drill attempt the aggregates could not take (a stored row
        # that breaks the schema: it is reported as invalid here, never counted)
        for r in self.db.execute(
                "SELECT id, kind, created_at, payload, learner_id FROM events e WHERE learner_id = ? AND (kind IN "
                "('demonstration', 'review.decision', 'signoff', 'competency.override') OR (kind = 'review' AND "
                "NOT EXISTS (SELECT 1 FROM review_facts f WHERE f.event_id = e.id))) "
                "ORDER BY created_at, device_id, seq", [learner_id]):
            why = check_stored(r[1], r[4], r[3], r[2])
            if why is not None:
                bad.append(f"{r[1]} {r[0]}: {why}")
            elif r[1] != "review":  # a valid attempt missing from the facts is counted by a rebuild, not here
                other.append(EventView(r[0], r[1], from_iso(r[2]), json.loads(r[3]), r[4]))
        # any other record of this learner whose time is not a time (the log is append-only; report it)
        bad += [f"{kind} {eid}: created_at {at!r} is not a date and time" for eid, kind, at in self.db.execute(
            "SELECT id, kind, created_at FROM events WHERE learner_id = ? AND julianday(created_at) IS NULL",
            [learner_id])]
        return sorted(drills + other, key=lambda e: e.when), bad

    def _repeated_misses(self, last_drills: list[list[str]]) -> str:
        """*last_drills*: the criteria missed in each of the last 5 drill attempts."""
        counts = Counter(c for missed in last_drills for c in missed)
        worst = [c for c, n in counts.most_common(2) if n >= REPEATED_MISS]
        return ", ".join(w.replace("-", " ") for w in worst)

    # --- needs review ----------------------------------------------------------------------------

    # undecided drill attempts of active learners: routed to a human (read in time order from their covering index),
    # or asked about by the learner (the few review.requested records); the two sets do not overlap
    _UNDECIDED = ("+f.learner_id IN (SELECT id FROM learners WHERE active = 1) AND NOT EXISTS (SELECT 1 FROM "
                  "drill_decisions d WHERE d.learner_id = f.learner_id AND d.attempt_id = f.event_id)")
    _ROUTED = f"FROM review_facts f WHERE f.item_kind = 'drill' AND f.needs_review = 1 AND {_UNDECIDED}"
    _ASKED = ("FROM review_facts f WHERE f.event_id IN (SELECT json_extract(payload, '$.event') FROM events WHERE "
              f"kind = 'review.requested') AND f.item_kind = 'drill' AND f.needs_review = 0 AND {_UNDECIDED}")

    def needs_review_count(self) -> int:
        """How many attempts wait for a manager (see ``needs_review``)."""
        return sum(self.db.execute(f"SELECT count(*) {part}").fetchone()[0] for part in (self._ROUTED, self._ASKED))

    def needs_review(self, offset: int = 0, limit: int | None = None) -> list[ReviewItem]:
        """Attempts the grader routed to a human, or the learner asked about, not yet decided — oldest first,
        *limit* of them from *offset* (a page; all when *limit* is None). Found in the aggregates; only the
        page's events are read."""
        import heapq

        top = -1 if limit is None else offset + limit
        parts = [self.db.execute(f"SELECT f.at, f.device_id, f.seq, f.event_id, f.learner_id {part} "
                                 "ORDER BY f.at, f.device_id, f.seq LIMIT ?", [top]).fetchall()
                 for part in (self._ROUTED, self._ASKED)]
        merged = list(heapq.merge(*parts))
        rows = [(r[3], r[4]) for r in (merged[offset:] if limit is None else merged[offset:offset + limit])]
        if not rows:
            return []
        names = {lr.id: lr for lr in self._learners()}
        ids = [r[0] for r in rows]
        marks = ",".join("?" * len(ids))
        events = {r[0]: r for r in self._rows(f"SELECT id, learner_id, created_at, payload, kind FROM events "
                                              f"WHERE id IN ({marks}) AND +kind = 'review'", ids)}  # by id, not the kind index
        requested = {}
        for r in self._rows("SELECT id, learner_id, created_at, payload, kind FROM events WHERE kind = 'review.requested' "
                            f"AND json_extract(payload, '$.event') IN ({marks}) ORDER BY created_at, device_id, seq", ids):
            requested[json.loads(r[3])["event"]] = json.loads(r[3]).get("note") or "(no note)"
        out, drills = [], {}
        for event_id, person in rows:
            r = events.get(event_id)
            if r is None or person not in names:
                continue  # not a valid event (the views leave it out)
            p = json.loads(r[3])
            lr = names[person]
            if (p["item"], lr.pack_id) not in drills:
                drills[(p["item"], lr.pack_id)] = self._drill_or_none(p["item"], lr.pack_id)
            drill = drills[(p["item"], lr.pack_id)]
            texts = {c.id: c.text for c in drill.criterion} if drill else {}
            grade = p.get("grade") or {}
            criteria = [{"id": cid, "text": texts.get(cid, cid), "met": c.get("met"), "confidence": c.get("confidence"),
                         "evidence": c.get("evidence", "")} for cid, c in (grade.get("criteria") or {}).items()]
            scenario = p.get("scenario") or {}
            reason = ("the grader was not sure" if p.get("needs_review") else "the learner asked for a review")
            if p.get("flags"):
                reason += f" (flags: {', '.join(p['flags'])})"
            out.append(ReviewItem(r[0], lr.name, lr.id, p["item"], drill.title_text() if drill else p["item"], r[2],
                                  scenario.get("situation", ""), scenario.get("question") or
                                  (drill.question if drill else ""), p.get("answer", ""), criteria,
                                  list(p.get("flags", [])), requested.get(r[0], ""), reason))
        return out

    def decide_review(self, event_id: str, criteria: dict[str, bool], note: str = ""):
        """Confirm or override the grader per criterion; the attempt passes when every required criterion is met."""
        row = self.db.execute("SELECT learner_id, payload FROM events WHERE id = ? AND kind = 'review'",
                              [event_id]).fetchone()
        if row is None:
            raise LearningError(f"no drill attempt {event_id}")
        lr = self.ws.profiles.learner(row[0])
        p = json.loads(row[1])
        drill = self.ws.drill(p["item"], lr.pack_id)
        unknown = set(criteria) - {c.id for c in drill.criterion}
        if unknown or len(criteria) != len(drill.criterion):
            raise LearningError(f"decide every criterion of {drill.id} ({', '.join(c.id for c in drill.criterion)})")
        passed = all(criteria[c.id] for c in drill.criterion if c.required)
        graded = {cid: c.get("met") for cid, c in ((p.get("grade") or {}).get("criteria") or {}).items()}
        overridden = sorted(cid for cid, met in criteria.items() if graded.get(cid) is not None and graded[cid] != met)
        return self._record(lr.id, "review.decision", {"event": event_id, "passed": passed, "criteria": criteria,
                                                        "overridden": overridden, "note": note.strip(),
                                                        "task": p.get("task")})

    # --- coaching --------------------------------------------------------------------------------

    def coaching_prep(self, learner_key: str) -> CoachingPrep:
        """The learner's last 4 weeks, levels, friction (criteria missed most, right-but-unsure answers, recurring
        grader flags), questions and a proposed plan — from the aggregates (the last 4 weeks' review rows, the drill
        and competency tallies), or from the events when some of the learner's rows are not in the aggregates."""
        from drillpad.store import aggregates

        lr = self.ws.profiles.learner(learner_key)
        since = self.ws.clock.now() - timedelta(days=28)
        if lr.id in aggregates.unfolded(self.db):
            facts = self._coaching_facts_from_events(lr, since)
        else:
            facts = self._coaching_facts(lr, since)
        answers, right, lessons, demos, levels, drill_items, missed, shaky, flags = facts
        summary = [f"Last 4 weeks: {count_text(answers, 'answer')} ({right} right), "
                   f"{count_text(lessons, 'lesson')} read, {count_text(demos, 'demonstration')} logged."]
        for b in levels:
            summary.append(f"{b.title}: level {b.level} ({b.level_name}), {b.counted} of {b.required} demonstrations"
                           + (" — ready for sign-off" if b.ready_for_signoff else ""))
        texts, task_of = {}, {}
        for item in drill_items:
            d = self._drill_or_none(item, lr.pack_id)
            if d:
                task_of[d.id] = d.task
                texts.update({(d.id, c.id): (c.text, c.source or d.source) for c in d.criterion})
        missed = Counter(dict(sorted(missed.items())))  # ties: in drill and criterion order
        titles = self.ws.drill_titles(lr.pack_id)  # scenarios by title, never by id
        friction = [Friction("missed", f"{texts.get(k, (k[1],))[0]} (in “{titles.get(k[0], k[0])}”)", n)
                    for k, n in missed.most_common(3)]
        shaky_n, shaky_items, shaky_last = shaky
        if shaky_n:
            friction.append(Friction("low-confidence", "right but unsure: " + ", ".join(
                titles.get(i, i) for i in shaky_items[:3]), shaky_n))
        for f, n in Counter(dict(sorted(flags.items()))).most_common(2):
            if n >= 2:
                friction.append(Friction("recurring", f.replace("_", " ").replace("-", " "), n))
        questions = []
        for (drill_id, cid), _ in missed.most_common(2):
            text, source = texts.get((drill_id, cid), (cid, ""))
            questions.append(f"Talk me through this step: “{text}”" + (f" ({source})" if source else "")
                             + ". What gets in the way of it on shift?")
        if shaky_n:
            questions.append(f"You got {shaky_last} right but weren't sure. What made you hesitate?")
        questions.append("What is one situation from this week you'd handle differently now?")
        tasks = [(r[0], r[1]) for r in self.db.execute(
            "SELECT id, title FROM tasks WHERE pack_id = ? AND role_id = ? ORDER BY position", [lr.pack_id, lr.role_id])]
        titles = dict(tasks)
        drills = [(d.id, d.task, d.title_text()) for d in (self._drill_or_none(r[0], lr.pack_id) for r in self.db.execute(
            "SELECT id FROM drills WHERE pack_id = ? ORDER BY id", [lr.pack_id])) if d is not None and d.task in titles]
        plan_drill = missed.most_common(1)[0][0][0] if missed else (drills[0][0] if drills else None)
        plan_task = task_of.get(plan_drill) if plan_drill in task_of else (
            next((d[1] for d in drills if d[0] == plan_drill), tasks[0][0] if tasks else None))
        return CoachingPrep(lr.name, summary, friction, questions[:3], plan_task, titles.get(plan_task, ""),
                            plan_drill, self.ws.clock.now().date() + timedelta(days=7), tasks, drills)

    def _coaching_facts(self, lr, since) -> tuple:
        """What coaching prep reads, from the aggregates: (answers, right, lessons, demonstrations) since *since*,
        levels, the drills tried, {(drill, criterion): misses}, (right-but-unsure answers, their items, the item
        named in the question) and {flag: n}."""
        from drillpad.clock import to_iso
        from drillpad.store import aggregates
        from drillpad.store.merges import aliases

        answers, right = self.db.execute("SELECT count(*), total(correct) FROM review_facts WHERE learner_id = ? "
                                         "AND at >= ?", [lr.id, to_iso(since)]).fetchone()
        ids = aliases(self.db, lr.id)
        recent = Counter(kind for kind, at in self.db.execute(  # a day early in text, then exactly by time
            f"SELECT kind, created_at FROM events WHERE learner_id IN ({','.join('?' * len(ids))}) AND kind IN "
            "('lesson.read', 'demonstration') AND created_at >= ?", [*ids, (since - timedelta(days=1)).isoformat()])
            if from_iso(at) >= since)
        specs, names = self.ws.behaviours(lr.pack_id, lr.role_id)
        levels = competency_core.assess_tallies(specs, names, *aggregates.competency_inputs(self.db, [lr.id])[lr.id])
        tallies = aggregates.drill_tallies(self.db, lr.id)
        drill_items = sorted({item for item, key in tallies if key == "tried"})
        missed = {(item, key[5:]): n for (item, key), n in tallies.items() if key.startswith("miss:")}
        flags: Counter = Counter()
        for (_, key), n in tallies.items():
            if key.startswith("flag:"):
                flags[key[5:]] += n
        rows = self.db.execute("SELECT item, item_kind FROM review_facts WHERE learner_id = ? AND correct = 1 AND "
                               "coalesce(confidence, 4) <= 2 ORDER BY item_kind != 'drill', at, device_id, seq",
                               [lr.id]).fetchall()
        shaky = (len(rows), sorted({r[0] for r in rows}), rows[-1][0] if rows else None)
        return (answers, int(right), recent["lesson.read"], recent["demonstration"], levels, drill_items, missed,
                shaky, flags)

    def _coaching_facts_from_events(self, lr, since) -> tuple:
        """The same as ``_coaching_facts``, from the learner's valid events (some are not in the aggregates)."""
        events, _ = self._valid_events(lr.id)
        drills_done = [e for e in events if e.kind == "review" and e.payload.get("item_kind") == "drill"]
        prompts_done = [e for e in events if e.kind == "review" and e.payload.get("item_kind") != "drill"]
        recent = [e for e in events if e.when >= since]
        shaky = [e for e in drills_done + prompts_done if e.payload.get("correct") and e.payload.get("confidence", 4) <= 2]
        return (sum(1 for e in recent if e.kind == "review"),
                sum(1 for e in recent if e.kind == "review" and e.payload.get("correct")),
                sum(1 for e in recent if e.kind == "lesson.read"), sum(1 for e in recent if e.kind == "demonstration"),
                self.ws.competency(lr.id, events), sorted({e.payload["item"] for e in drills_done}),
                Counter((e.payload["item"], c) for e in drills_done for c in e.payload.get("missed", [])),
                (len(shaky), sorted({e.payload["item"] for e in shaky}), shaky[-1].payload["item"] if shaky else None),
                Counter(f for e in drills_done for f in e.payload.get("flags", []) + e.payload.get("violations", [])))

    def send_plan(self, learner_key: str, task: str, drill: str | None, follow_up: date, note: str = ""):
        """One skill, one scenario, one follow-up date — shown at the top of the learner's Today."""
        lr = self.ws.profiles.learner(learner_key)
        if not self.db.execute("SELECT 1 FROM tasks WHERE pack_id = ? AND role_id = ? AND id = ?",
                               [lr.pack_id, lr.role_id, task]).fetchone():
            raise LearningError(f"{task!r} is not a task of {lr.name}'s role")
        if drill is not None:
            self.ws.drill(drill, lr.pack_id)
        if follow_up <= self.ws.clock.now().date():
            raise LearningError("the follow-up date must be in the future")
        return self._record(lr.id, "coaching.plan", {"task": task, "drill": drill, "follow_up": follow_up.isoformat(),
                                                      "note": note.strip()})

    def merge(self, from_key: str, into_key: str, note: str = ""):
        """Two profiles of one person become one (recorded, reversible until signed off); see evidence/merge.py."""
        from drillpad.evidence import merge as merge_mod

        try:
            profiles = self.ws.profiles
            return merge_mod.merge(self, profiles.learner(from_key).id, profiles.learner(into_key).id, note)
        except merge_mod.MergeError as exc:
            raise LearningError(str(exc)) from None

    def unmerge(self, merge_event_id: str):
        from drillpad.evidence import merge as merge_mod

        try:
            return merge_mod.unmerge(self, merge_event_id)
        except merge_mod.MergeError as exc:
            raise LearningError(str(exc)) from None

    def merges(self) -> list[dict]:
        """The merges in force, newest first: ``id`` (for unmerge), ``from_name``, ``into_name``, ``by``, ``at``."""
        return [{"id": r[0], "from_name": r[1] or r[3], "into_name": r[2] or r[4], "by": r[5], "at": r[6]}
                for r in self.db.execute(
                    "SELECT m.event_id, f.name, i.name, m.from_id, m.into_id, m.by, m.at FROM learner_merges m "
                    "LEFT JOIN learners f ON f.id = m.from_id LEFT JOIN learners i ON i.id = m.into_id "
                    "WHERE m.undone_by IS NULL ORDER BY m.at DESC, m.event_id")]

    def reset_pin(self, learner_key: str):
        """Clear a profile's PIN and wrong-PIN count on every team workstation (a ``pin.reset`` by this manager)."""
        return self.ws.profiles.reset_pin(self.ws.profiles.learner(learner_key).id, self.by)

    def checkin(self, learner_key: str, note: str):
        """The weekly check-in (completes the cadence's fourth item for the learner)."""
        if not note.strip():
            raise LearningError("write a line about the check-in")
        return self._record(self.ws.profiles.learner(learner_key).id, "checkin", {"note": note.strip()})

    # --- cohort gaps -----------------------------------------------------------------------------

    def cohort_gaps(self, limit: int = 10) -> list[Gap]:
        from drillpad.store import aggregates

        tried, missed = aggregates.drill_gaps(self.db)  # learners per drill and per missed criterion, in SQL
        gaps = []
        for (pack_id, drill_id, cid), who in missed.items():
            drill = self._drill_or_none(drill_id, pack_id)
            crit = next((c for c in drill.criterion if c.id == cid), None) if drill else None
            n_tried = tried[(pack_id, drill_id)]
            gaps.append(Gap(drill_id, drill.title_text() if drill else drill_id, cid, crit.text if crit else cid,
                            (crit.source if crit and crit.source else drill.source if drill else ""), who, n_tried,
                            who >= 2 and who / n_tried >= DESIGN_PROBLEM_SHARE))
        gaps.sort(key=lambda g: (-g.missed_by, -g.missed_by / max(g.tried_by, 1), g.drill_id, g.criterion_id))
        return gaps[:limit]

    # --- calibration -----------------------------------------------------------------------------

    def calibration_set(self, month: str | None = None, size: int = CALIBRATION_SIZE) -> list[CalibrationItem]:
        """The same anonymised answers for every manager this month: a stable pick (by the attempt ids
        hashed with the month), names and scenario people removed."""
        import hashlib
        import heapq

        from drillpad.store import aggregates

        month = month or self.ws.clock.now().strftime("%Y-%m")
        learners = {lr.id: lr for lr in self._learners()}
        # the log is append-only: the same drill attempts, people and content give the same set (the tab, the report
        # and each rating read it; a rating is not an attempt)
        key = (month, size, self.db.execute("SELECT max(rowid) FROM events WHERE kind = 'review'").fetchone()[0],
               tuple((lr.id, lr.name, lr.pack_id) for lr in learners.values()),
               tuple(self.db.execute("SELECT id, version FROM packs ORDER BY id").fetchall()))
        if key in self._calibration_sets:
            return list(self._calibration_sets[key])
        # the candidates: every drill attempt the aggregates hold (one narrow row each, no JSON), and the review
        # events of learners the aggregates did not take whole; only the first few in the month's order are read
        ids = {r[0] for r in self.db.execute("SELECT event_id FROM review_facts WHERE item_kind = 'drill'")}
        around = sorted(aggregates.unfolded(self.db))
        if around:
            from drillpad.store.merges import aliases

            stored_as = sorted({i for lid in around for i in aliases(self.db, lid)})
            ids.update(r[0] for r in self.db.execute(
                f"SELECT id FROM events WHERE kind = 'review' AND learner_id IN ({','.join('?' * len(stored_as))})",
                stored_as))
        prefix = f"{month}:".encode()  # digests sort as their hex forms do
        order = [(hashlib.sha256(prefix + i.encode()).digest(), i) for i in ids]
        heapq.heapify(order)  # taken in the month's order only as far as needed
        rows = []
        while order and len(rows) < size:
            eid = heapq.heappop(order)[1]
            r = self.db.execute("SELECT id, learner_id, created_at, payload, kind FROM events WHERE id = ?",
                                [eid]).fetchone()
            if r is None or r[4] != "review" or r[1] not in learners or check_stored(r[4], r[1], r[3], r[2]):
                continue
            p = json.loads(r[3])
            if p.get("item_kind") == "drill" and len(p.get("answer", "").strip()) >= 20:
                rows.append((r[0], r[1], r[3]))
        items = []
        for n, (eid, lid, payload) in enumerate(rows[:size], 1):
            p = json.loads(payload)
            lr = learners[lid]
            drill = self._drill_or_none(p["item"], lr.pack_id)
            if drill is None:
                continue
            answer = p.get("answer", "")
            for other in learners.values():  # anonymise: no names in what the raters see
                for part in [other.name, *other.name.split()]:
                    if len(part) >= 3:
                        answer = answer.replace(part, "[name]")
            items.append(CalibrationItem(f"A{n}", eid, drill.id, drill.title_text(), (p.get("scenario") or {}).get(
                "situation", drill.situation_text()), answer, [(c.id, c.text) for c in drill.criterion]))
        self._calibration_sets = {key: tuple(items)}
        return items

    def rate(self, rater: str, item: CalibrationItem, criteria: dict[str, bool], month: str | None = None):
        month = month or self.ws.clock.now().strftime("%Y-%m")
        if set(criteria) != {cid for cid, _ in item.criteria}:
            raise LearningError(f"rate every criterion of {item.key}")
        if not rater.strip():
            raise LearningError("who is rating? (your name)")
        return self.ws.record(None, "calibration.rating", {"month": month, "rater": rater.strip(), "item": item.event_id,
                                                           "criteria": criteria})

    def import_ratings(self, data: dict[str, Any]) -> int:
        """Ratings another manager exported (``export_ratings``) for the same month; one transaction."""
        if data.get("format") != "drillpad-calibration/1":
            raise LearningError("not a DrillPad calibration ratings file")
        with self.db.atomic():
            for r in data["ratings"]:
                self.ws.record(None, "calibration.rating", {"month": data["month"], "rater": str(r["rater"])[:60],
                                                            "item": str(r["item"]),
                                                            "criteria": {str(k): bool(v) for k, v in r["criteria"].items()}})
        return len(data["ratings"])

    def export_ratings(self, rater: str, month: str | None = None) -> dict[str, Any]:
        month = month or self.ws.clock.now().strftime("%Y-%m")
        latest = self._ratings(month)
        return {"format": "drillpad-calibration/1", "month": month,
                "ratings": [{"rater": rater, "item": item, "criteria": crit}
                            for (who, item), crit in latest.items() if who == rater]}

    def _ratings(self, month: str) -> dict[tuple[str, str], dict[str, bool]]:
        latest: dict[tuple[str, str], dict[str, bool]] = {}
        for r in self._rows("SELECT id, learner_id, created_at, payload, kind FROM events "
                            "WHERE kind = 'calibration.rating' ORDER BY created_at, seq"):
            p = json.loads(r[3])
            if p["month"] == month:
                latest[(p["rater"], p["item"])] = p["criteria"]
        return latest

    def calibration_report(self, month: str | None = None) -> CalibrationReport:
        """Agreement between the managers who rated this month's set: Krippendorff's alpha (nominal) over
        every (answer, criterion), and the units they disagree on."""
        import krippendorff
        import numpy as np

        month = month or self.ws.clock.now().strftime("%Y-%m")
        items = {i.event_id: i for i in self.calibration_set(month)}
        latest = {k: v for k, v in self._ratings(month).items() if k[1] in items}
        raters = sorted({who for who, _ in latest})
        units = [(i.event_id, cid) for i in items.values() for cid, _ in i.criteria]
        matrix = np.full((len(raters), len(units)), np.nan)
        for ri, who in enumerate(raters):
            for ui, (eid, cid) in enumerate(units):
                met = latest.get((who, eid), {}).get(cid)
                if met is not None:
                    matrix[ri, ui] = 1.0 if met else 0.0
        rated = [ui for ui in range(len(units)) if np.sum(~np.isnan(matrix[:, ui])) >= 2]
        alpha = agreement = None
        disagreements = []
        if len(raters) >= 2 and rated:
            values = matrix[:, rated]
            if len(np.unique(values[~np.isnan(values)])) > 1:
                alpha = float(krippendorff.alpha(reliability_data=values, level_of_measurement="nominal"))
            else:
                alpha = 1.0  # everyone gave the same value everywhere: perfect agreement
            same = 0
            for ui in rated:
                votes = {raters[ri]: bool(matrix[ri, ui]) for ri in range(len(raters)) if not np.isnan(matrix[ri, ui])}
                if len(set(votes.values())) == 1:
                    same += 1
                else:
                    eid, cid = units[ui]
                    disagreements.append((items[eid].key, cid, votes))
            agreement = same / len(rated)
        return CalibrationReport(raters, len(items), alpha, agreement, disagreements)

    # --- sign-off --------------------------------------------------------------------------------

    def signoff(self, learner_key: str, behaviour: str, level: int, note: str, keys) -> Any:
        """A manager's sign-off: level + note + the evidence it was based on, signed with the manager key
        (*keys*: evidence.keys.ManagerKeys, unlocked with the passphrase)."""
        lr = self.ws.profiles.learner(learner_key)
        levels = {b.id: b for b in self.ws.competency(lr.id)}
        if behaviour not in levels:
            raise LearningError(f"{behaviour!r} is not a behaviour of {lr.name}'s role")
        if not 1 <= level <= 5:
            raise LearningError("the level is 1 to 5")
        if not note.strip():
            raise LearningError("a sign-off needs a note: what you saw")
        b = levels[behaviour]
        payload = {"behaviour": behaviour, "level": level, "note": note.strip(), "by": self.by,
                   "evidence": [ev.event_id for ev in b.evidence if ev.counts], "counted": b.counted,
                   "required": b.required, "signed_at": self.ws._now(), "learner": lr.id, "nonce": uuid.uuid4().hex,
                   "manager_key": keys.public_b64}
        payload["signature"] = base64.b64encode(bytes(keys.signing.sign(
            _signable(payload), trusted_comment=f"drillpad-signoff {lr.id} {behaviour} level={level}"))).decode()
        return self._record(lr.id, "signoff", payload)  # the "by" it sets is the one signed


def verify_signoff(payload: dict[str, Any], manager_public_b64: str) -> bool:
    """Whether a sign-off record was signed by this manager key and not changed since."""
    import minisign

    try:
        signature = minisign.Signature.from_bytes(base64.b64decode(payload["signature"]))
        minisign.PublicKey.from_base64(manager_public_b64).verify(_signable(payload), signature)
        return True
    except (KeyError, ValueError, minisign.Error):
        return False
