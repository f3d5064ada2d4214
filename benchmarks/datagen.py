"""Realistic learning data for benchmarks and tests: N learners × M events over two years.

The history of a distribution centre: learners in the demo packs' two roles, each on one of a
few team workstations, answering the packs' real recall prompts and scenario drills on working
days (6:00–22:00 UTC), with a learning curve per item, confidence that tracks (imperfectly)
whether they were right, drill criteria missed and missed again, attempts routed to a manager
("needs review") and the manager's decisions on them, requests for review, lessons read before
practice, reflections, demonstrations (self, peer or manager), the manager's weekly check-ins,
coaching plans and sign-offs made on the manager's own device.

Written through the same code path as a real import: ``learner.added`` events introduce the
learners (the rows are inserted as ``Evidence._add_learner`` does), and every event is stored by
``drillpad.store.events.apply`` — the function the manager's bundle import calls once a bundle is
verified — in one transaction per *batch* events (one bundle). Signature checks and decryption
are not part of this path (bench_evidence measures them); sign-off signatures are placeholders.
Review cards are then built by the cards' rebuild (imports do not schedule); the metric
aggregates are kept by ``apply`` itself, in each batch's transaction.

    python benchmarks/datagen.py DATA_DIR --learners 200 --events 1000
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from drillpad.clock import FixedClock, from_iso, to_iso  # noqa: F401 (from_iso for callers)
from drillpad.paths import Paths
from drillpad.store import events as event_store
from drillpad.workspace import Workspace, demo_packs_dir

T0 = datetime(2025, 1, 6, 6, 0, tzinfo=timezone.utc)  # a Monday
SPAN_DAYS = 730
WORKSTATIONS = 8
FIRST_NAMES = ("Sam", "Priya", "Tomasz", "Ana", "Kofi", "Mei", "Jonas", "Leila", "Omar", "Zofia", "Ravi", "Ines",
               "Dmitri", "Aisha", "Luca", "Hana", "Pedro", "Greta", "Yusuf", "Nia")
LAST_NAMES = ("Ortiz", "Nair", "Kowalski", "Silva", "Mensah", "Chen", "Berg", "Haddad", "Farouk", "Nowak",
              "Patel", "Costa", "Ivanov", "Bello", "Rossi", "Sato", "Alves", "Lind", "Demir", "Okafor")


@dataclass
class Generated:
    learners: list[str]
    events: int
    seconds: float
    import_seconds: float  # inside event_store.apply (events and their aggregates)
    path: Path
    end: datetime  # the time after the last event (a clock for the benchmarks)


def _content(ws: Workspace) -> dict[tuple[str, str], dict]:
    """Per (pack, role): its tasks, prompts, drills (with criteria and labelled answers), behaviours, lessons."""
    out = {}
    for pack_id, role_id in ws.db.execute("SELECT pack_id, id FROM roles ORDER BY pack_id, id"):
        tasks = [r[0] for r in ws.db.execute("SELECT id FROM tasks WHERE pack_id = ? AND role_id = ? ORDER BY position",
                                             [pack_id, role_id])]
        prompts = [(r[0], r[1], json.loads(r[2])) for r in ws.db.execute(
            "SELECT id, task_id, points FROM prompts WHERE pack_id = ? ORDER BY id", [pack_id]) if r[1] in tasks]
        drills = []
        for drill_id, task, body in ws.db.execute("SELECT id, task_id, body FROM drills WHERE pack_id = ? ORDER BY id",
                                                  [pack_id]):
            if task not in tasks:
                continue
            b = json.loads(body)
            answers = [r[0] for r in ws.db.execute("SELECT answer FROM examples WHERE pack_id = ? AND drill_id = ?",
                                                   [pack_id, drill_id])] or [b.get("model_answer", "")]
            drills.append((drill_id, task, [c["id"] for c in b["criterion"]], answers, b.get("situation", ""),
                           b.get("source", "")))
        lessons = [(r[0], r[1]) for r in ws.db.execute("SELECT id, task_id FROM lessons WHERE pack_id = ?", [pack_id])
                   if r[1] in tasks]
        behaviours = [(r[0], json.loads(r[1]), r[2]) for r in ws.db.execute(
            "SELECT id, tasks, evidence FROM behaviours WHERE pack_id = ? AND role_id = ?", [pack_id, role_id])]
        out[(pack_id, role_id)] = {"tasks": tasks, "prompts": prompts, "drills": drills, "lessons": lessons,
                                   "behaviours": behaviours}
    return out


def _working_times(rng: random.Random, start: datetime, end: datetime, n: int) -> list[datetime]:
    """*n* sorted times on working days (Mon–Fri) between *start* and *end*, in shift hours."""
    days = [start + timedelta(days=d) for d in range((end - start).days) if (start + timedelta(days=d)).weekday() < 5]
    days = days or [start]
    out = []
    for _ in range(n):
        day = rng.choice(days).replace(hour=6, minute=0, second=0, microsecond=0)
        out.append(day + timedelta(seconds=rng.randrange(16 * 3600), microseconds=rng.randrange(1_000_000)))
    out.sort()
    return out


class _Writer:
    """Events in bundle-sized batches, each batch stored by ``event_store.apply`` in one transaction."""

    # as the app makes them (time-ordered), from the seeded generator so that a seed gives the same data; bench_scale
    # can swap it
    make_id = staticmethod(lambda at: event_store.new_event_id(at, random_bits=random.getrandbits(74)))

    def __init__(self, ws: Workspace, batch: int):
        self.ws, self.batch, self.pending, self.total = ws, batch, [], 0
        self.seq: dict[str, int] = {}
        self.seconds = 0.0

    def add(self, device: str, learner: str | None, kind: str, payload: dict, when: datetime) -> str:
        seq = self.seq[device] = self.seq.get(device, 0) + 1
        at = to_iso(when)
        event_id = self.make_id(at)
        self.pending.append(event_store.Event(event_id, device, seq, learner, kind, payload, at))
        if len(self.pending) >= self.batch:
            self.flush()
        return event_id

    def flush(self) -> None:
        if self.pending:
            t = time.perf_counter()
            self.total += event_store.apply(self.ws.db, self.pending)
            self.seconds += time.perf_counter() - t
            self.pending = []


def generate(ws: Workspace, learners: int, events_each: int, *, seed: int = 7, batch: int = 2000,
             span_days: int = SPAN_DAYS, progress=None) -> Generated:
    """Populate *ws* (demo packs imported here if missing) with *learners* × about *events_each* events."""
    t = time.perf_counter()
    rng = random.Random(seed)
    random.seed(seed)  # event ids
    installed = {r[0] for r in ws.db.execute("SELECT id FROM packs")}
    for folder in sorted(p for p in demo_packs_dir().iterdir() if p.is_dir()):
        if folder.name not in installed:
            ws.import_pack(folder)
    content = _content(ws)
    roles = sorted(content)
    end = T0 + timedelta(days=span_days)
    devices = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(WORKSTATIONS)]
    manager = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    with ws.db.atomic():
        for n, device in enumerate([*devices, manager]):
            ws.db.execute("INSERT OR IGNORE INTO devices (id, name, is_self, public_key, created_at) "
                          "VALUES (?, ?, 0, NULL, ?)", [device, f"bench {'manager' if device == manager else n}",
                                                        to_iso(T0)])
    out = _Writer(ws, batch)
    ids = []
    existing = ws.db.execute("SELECT count(*) FROM learners").fetchone()[0]
    for i in range(learners):
        pack_id, role_id = roles[i % len(roles)]
        c = content[(pack_id, role_id)]
        device = devices[i % len(devices)]
        learner_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        name = f"{FIRST_NAMES[i % 20]} {LAST_NAMES[(i // 20) % 20]} {existing + i:04}"
        joined = T0 + timedelta(days=rng.randrange(max(1, span_days // 8)), hours=rng.randrange(8))
        # as Evidence._add_learner does for a bundle's learner.added event
        ws.db["learners"].insert({"id": learner_id, "name": name, "pack_id": pack_id, "role_id": role_id,
                                  "created_at": to_iso(joined), "active": 1})
        out.add(device, learner_id, "learner.added", {"name": name, "pack": pack_id, "role": role_id}, joined)
        ids.append(learner_id)
        _learner_history(rng, out, c, pack_id, learner_id, device, manager, joined, end, events_each - 1)
        if progress is not None:
            progress(i + 1, learners)
    out.flush()
    from drillpad.core.pack import Settings
    from drillpad.store import cards as card_store

    card_store.rebuild(ws.db, {r[0]: Settings.model_validate_json(r[1]).desired_retention
                               for r in ws.db.execute("SELECT id, settings FROM packs")})
    return Generated(ids, out.total, time.perf_counter() - t, out.seconds, ws.paths.db_path, end)


def _learner_history(rng: random.Random, out: _Writer, c: dict, pack_id: str, learner: str, device: str,
                     manager: str, joined: datetime, end: datetime, n: int) -> None:
    skill = rng.gauss(0, 0.6)  # this learner's ability (logit offset)
    overconfident = rng.gauss(0, 0.5)
    read: set[str] = set()
    attempts: dict[str, int] = {}
    weak = {d[0]: set(rng.sample(d[2], k=min(len(d[2]), rng.choice((0, 1, 1, 2))))) for d in c["drills"]}
    last_checkin_week = None
    recent_drills: list[str] = []
    session = str(uuid.uuid4())
    for when in _working_times(rng, joined, end, n):
        if rng.random() < 0.01:
            session = str(uuid.uuid4())
        week = (when - T0).days // 7
        unread = [t for t in c["tasks"] if t not in read]
        roll = rng.random()
        if unread and (roll < 0.08 or not read):
            task = unread[0]
            read.add(task)
            lesson = next((lid for lid, t in c["lessons"] if t == task), task)
            out.add(device, learner, "lesson.read", {"pack": pack_id, "task": task, "lesson": lesson,
                                                     "seconds": rng.randint(60, 600), "session": session}, when)
        elif roll < 0.03 and last_checkin_week != week:
            last_checkin_week = week
            out.add(manager, learner, "checkin", {"note": rng.choice(("Good week on the dock.", "Talked through "
                    "the lock-out steps.", "Wants more practice on spills.")), "by": "manager"}, when)
        elif roll < 0.05:
            out.add(device, learner, "reflection", {"question": "What did you do differently this week?",
                                                    "text": "I stopped and checked the label first.",
                                                    "session": session}, when)
        elif roll < 0.075:
            b_id, b_tasks, evidence = rng.choice(c["behaviours"])
            source = rng.choice(("self", "peer", "manager") if evidence == "observed" else ("self", "peer"))
            out.add(device, learner, "demonstration", {"pack": pack_id, "task": rng.choice(b_tasks), "behaviour": b_id,
                                                       "note": "Did it on shift with the team lead watching.",
                                                       "source": source, "session": session}, when)
        elif roll < 0.077:
            b_id, _, _ = rng.choice(c["behaviours"])
            out.add(manager, learner, "signoff", {"behaviour": b_id, "level": rng.choice((3, 4, 4, 5)),
                                                  "note": "Seen on shift.", "by": "manager", "evidence": [],
                                                  "learner": learner, "signature": "bench-unsigned"}, when)
        elif roll < 0.079 and c["drills"]:
            d = rng.choice(c["drills"])
            out.add(manager, learner, "coaching.plan", {"task": d[1], "drill": d[0], "note": "",
                                                        "follow_up": (when + timedelta(days=7)).date().isoformat(),
                                                        "by": "manager"}, when)
        else:
            practice = [p for p in c["prompts"] if p[1] in read]
            drills = [d for d in c["drills"] if d[1] in read]
            if drills and (rng.random() < 0.25 or not practice):
                d = rng.choice(drills)
                recent_drills = _drill_attempt(rng, out, pack_id, learner, device, manager, d, attempts, skill,
                                               overconfident, weak[d[0]], session, when, recent_drills)
            elif practice:
                p = rng.choice(practice)
                _prompt_attempt(rng, out, pack_id, learner, device, p, attempts, skill, overconfident, session, when)


def _p_correct(skill: float, attempt: int) -> float:
    return 1 / (1 + math.exp(-(skill - 0.4 + 1.6 * (1 - math.exp(-(attempt - 1) / 3)))))


def _confidence(rng: random.Random, p: float, correct: bool, overconfident: float) -> int:
    return max(1, min(4, round(1 + 3 * p + overconfident + (0.4 if correct else -0.4) + rng.gauss(0, 0.6))))


def _prompt_attempt(rng, out, pack_id, learner, device, prompt, attempts, skill, overconfident, session, when):
    prompt_id, task, points = prompt
    attempt = attempts[prompt_id] = attempts.get(prompt_id, 0) + 1
    p = _p_correct(skill, attempt)
    missed = [pt["text"] for pt in points if rng.random() > p ** (1 / max(1, len(points)))]
    score = 1 - len(missed) / len(points)
    correct = not missed
    out.add(device, learner, "review", {
        "pack": pack_id, "task": task, "item_kind": "prompt", "item": prompt_id, "score": score, "correct": correct,
        "confidence": _confidence(rng, p, correct, overconfident), "rating": 3 if correct else (2 if score else 1),
        "seconds": round(rng.uniform(15, 120), 1), "attempt": attempt, "missed": missed, "session": session}, when)


def _drill_attempt(rng, out, pack_id, learner, device, manager, drill, attempts, skill, overconfident, weak,
                   session, when, recent):
    drill_id, task, criteria, answers, situation, source = drill
    attempt = attempts[drill_id] = attempts.get(drill_id, 0) + 1
    p = _p_correct(skill, attempt)
    missed = [c for c in criteria if rng.random() > (p * (0.7 if c in weak else 1.0)) ** (1 / len(criteria))]
    needs_review = rng.random() < 0.07
    flags = ["keyword_run"] if rng.random() < 0.02 else []
    score = 1 - len(missed) / len(criteria)
    correct = not missed and not needs_review
    grade = {"criteria": {c: {"met": c not in missed, "confidence": round(rng.uniform(0.5, 1), 2),
                              "evidence": "" if c in missed else "…"} for c in criteria},
             "score": score, "passed": not missed, "needs_review": needs_review}
    event_id = out.add(device, learner, "review", {
        "pack": pack_id, "task": task, "item_kind": "drill", "item": drill_id, "score": score, "correct": correct,
        "confidence": _confidence(rng, p, correct, overconfident), "rating": 2 if needs_review else (3 if correct else 1),
        "seconds": round(rng.uniform(60, 400), 1), "attempt": attempt, "missed": missed,
        "needs_review": needs_review, "flags": flags, "violations": [], "grade": grade,
        "answer": rng.choice(answers), "scenario": {"variant": None, "situation": situation, "source": source},
        "judge": None, "session": session}, when)
    if not needs_review and rng.random() < 0.01:
        out.add(device, learner, "review.requested", {"event": event_id, "note": "Was that right?",
                                                      "session": session}, when + timedelta(minutes=1))
    elif needs_review and rng.random() < 0.8:  # most routed attempts get a decision within a few days
        decided = {c: c not in missed or rng.random() < 0.3 for c in criteria}
        out.add(manager, learner, "review.decision", {
            "event": event_id, "passed": all(decided.values()), "criteria": decided, "overridden": [], "note": "",
            "task": task, "by": "manager"}, when + timedelta(days=rng.randint(1, 4), hours=rng.randint(0, 8)))
    return (recent + [drill_id])[-5:]


class _Collector(_Writer):
    """Events per learner, numbered after what each device already stored, kept instead of stored."""

    def __init__(self, ws: Workspace):
        super().__init__(ws, batch=10**9)
        self.seq = dict(ws.db.execute("SELECT device_id, max(seq) FROM events GROUP BY device_id").fetchall())


def day_of_bundles(ws: Workspace, day: datetime, events_each: int = 10, *, seed: int = 11,
                   per: str = "device") -> list[list]:
    """One working day at the site after the history: every learner's about *events_each* events made on *day*
    (practice, lessons, reflections, demonstrations and the manager's records) as bundles (lists of
    ``event_store.Event``) to be imported one transaction per bundle: one per workstation (*per* "device": each
    workstation sends its day's events; the manager's own records in one more) or one per learner ("learner":
    the smallest bundles, the most transactions)."""
    rng = random.Random(seed)
    content = _content(ws)
    manager = ws.db.execute("SELECT id FROM devices WHERE name = 'bench manager'").fetchone()[0]
    out = _Collector(ws)
    bundles = []
    for learner_id, pack_id, role_id in ws.db.execute(
            "SELECT id, pack_id, role_id FROM learners WHERE active = 1 ORDER BY id").fetchall():
        row = ws.db.execute("SELECT device_id FROM events WHERE learner_id = ? AND kind = 'learner.added'",
                            [learner_id]).fetchone()
        if row is None:
            continue
        start = day.replace(hour=6, minute=0, second=0, microsecond=0)
        _learner_history(rng, out, content[(pack_id, role_id)], pack_id, learner_id, row[0], manager, start,
                         start + timedelta(days=1), events_each)
        bundles.append(out.pending)
        out.pending = []
    if per == "device":
        devices: dict[str, list] = {}
        for e in (e for b in bundles for e in b):
            devices.setdefault(e.device_id, []).append(e)
        bundles = [sorted(b, key=lambda e: e.seq) for _, b in sorted(devices.items())]
    return bundles


def open_workspace(data_dir: Path, clock_at: datetime | None = None) -> Workspace:
    return Workspace(Paths.resolve(data_dir, env={}), clock=FixedClock(clock_at or T0 + timedelta(days=SPAN_DAYS)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data_dir", type=Path)
    ap.add_argument("--learners", type=int, default=200)
    ap.add_argument("--events", type=int, default=1000, help="events per learner (about)")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    with open_workspace(args.data_dir) as ws:
        g = generate(ws, args.learners, args.events, seed=args.seed)
    size = g.path.stat().st_size
    print(f"{len(g.learners)} learners, {g.events:,} events in {g.seconds:.1f} s, imported at "
          f"{g.events / g.import_seconds:,.0f} events/s (aggregates included), {size / 1e6:.0f} MB ({size / 1e6 / (g.events / 1e6):.0f} MB per "
          f"million events) at {g.path}")


if __name__ == "__main__":
    main()
