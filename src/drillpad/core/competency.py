"""Competency: the rubric level of a learner on each of their role's behaviours, from evidence.

Evidence by the behaviour's source:

- ``drill``: scenario-drill attempts on the behaviour's tasks. One counts when it passed and was
  not routed to review — or when a manager's ``review.decision`` on it says it passed.
- ``observed``: ``demonstration`` events on its tasks confirmed by a peer or a manager
  (source ``peer``/``manager``); self-reported ones are listed but do not count.
- ``work_sample``: ``demonstration`` events reviewed by a peer (source ``peer``).

Levels (the pack names them; 1 "needs guidance" … 5 "independent and consistent"):

1. no successful evidence yet;
2. some success, but fewer than 60 % of attempts succeed;
3. at least one counted and ≥ 60 % success, fewer than the role's N demonstrations;
4. N or more counted → **ready for sign-off** (a manager decides; nothing is signed off here);
5. only by a manager's sign-off at level 5.

A manager's ``signoff`` sets the level it names; a later ``competency.override`` sets the level
too. The latest manager decision wins; the source of the level says which rule applied.

``assess`` reads the events and lists the evidence; ``assess_tallies`` gives the same levels from counts kept
per task × behaviour × kind of evidence (store/aggregates.py) without the list — the team heat-map.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from drillpad.core.events import EventView

SUCCESS_FOR_LEVEL_3 = 0.6
SIGNOFF_LEVEL = 4


@dataclass(frozen=True)
class BehaviourSpec:
    id: str
    title: str
    evidence: str  # drill | observed | work_sample
    tasks: tuple[str, ...]
    demonstrations: int


@dataclass(frozen=True)
class Evidence:
    event_id: str
    when: str
    description: str
    counts: bool
    why_not: str = ""


@dataclass(frozen=True)
class BehaviourLevel:
    id: str
    title: str
    level: int
    level_name: str
    source_of_level: str  # evidence | override | signoff
    counted: int
    required: int
    attempts: int
    success_rate: float | None
    ready_for_signoff: bool
    signed_off: dict | None
    evidence: list[Evidence] = field(default_factory=list)


def _decisions(events: Sequence[EventView]) -> dict[str, bool]:
    """A manager's latest pass/fail decision per reviewed attempt."""
    out: dict[str, bool] = {}
    for e in events:
        if e.kind == "review.decision":
            out[e.payload["event"]] = bool(e.payload.get("passed"))
    return out


def _evidence(spec: BehaviourSpec, events: Sequence[EventView], decisions: Mapping[str, bool],
              titles: Mapping[str, str] | None = None) -> list[Evidence]:
    """The evidence for *spec*, described in plain words: the scenario by its title (*titles*: drill id → title)."""
    found: list[Evidence] = []
    titles = titles or {}
    for e in events:
        task = e.payload.get("task")
        if task not in spec.tasks:
            continue
        when = e.when.isoformat()
        if spec.evidence == "drill" and e.kind == "review" and e.payload.get("item_kind") == "drill":
            decided = decisions.get(e.id)
            item = str(e.payload.get("item"))
            name = f"Scenario “{titles.get(item, item)}”"
            if decided is not None:
                found.append(Evidence(e.id, when, f"{name}: your manager said "
                                      + ("it passed" if decided else "not yet"), decided,
                                      "" if decided else "the manager's review said not yet"))
            elif e.payload.get("needs_review"):
                found.append(Evidence(e.id, when, name, False, "waiting for a manager's review"))
            else:
                ok = bool(e.payload.get("correct"))
                found.append(Evidence(e.id, when, f"{name}: {e.payload.get('score', 0):.0%} of the steps right", ok,
                                      "" if ok else "some required steps were missing"))
        elif spec.evidence in ("observed", "work_sample") and e.kind == "demonstration":
            if e.payload.get("behaviour") not in (None, spec.id):
                continue  # logged for another behaviour of the same task
            source = e.payload.get("source", "self")
            allowed = ("peer", "manager") if spec.evidence == "observed" else ("peer",)
            ok = source in allowed
            why = "" if ok else ("self-reported: a peer or manager must confirm it" if spec.evidence == "observed"
                                 else "a work sample counts once a peer has reviewed it")
            found.append(Evidence(e.id, when, f"{e.payload.get('note', '')} ({source})", ok, why))
    return found


def _level(spec: BehaviourSpec, level_names: Mapping[int, str], counted: int, judged: int,
           calls: Sequence[tuple[str, int, dict | None]], evidence: list[Evidence]) -> BehaviourLevel:
    """*calls*: the manager's sign-offs and overrides on the behaviour in time order as (kind, level, signed)."""
    rate = counted / judged if judged else None
    if counted == 0:
        level = 1
    elif counted >= spec.demonstrations:
        level = 4
    elif rate is not None and rate >= SUCCESS_FOR_LEVEL_3:
        level = 3
    else:
        level = 2
    source, signed = "evidence", None
    for kind, called, signature in calls:
        level, source = called, kind
        if kind == "signoff":
            signed = signature
    ready = counted >= spec.demonstrations and not (signed and signed["level"] >= SIGNOFF_LEVEL)
    return BehaviourLevel(spec.id, spec.title, level, level_names.get(level, f"level {level}"), source,
                          counted, spec.demonstrations, judged, rate, ready, signed, evidence)


def assess(behaviours: Iterable[BehaviourSpec], level_names: Mapping[int, str],
           events: Iterable[EventView], titles: Mapping[str, str] | None = None) -> list[BehaviourLevel]:
    events = sorted(events, key=lambda e: e.when)
    decisions = _decisions(events)
    out = []
    for spec in behaviours:
        evidence = _evidence(spec, events, decisions, titles)
        counted = sum(1 for ev in evidence if ev.counts)
        judged = [ev for ev in evidence if ev.why_not != "waiting for a manager's review"
                  and not ev.why_not.startswith("self-reported")]  # unconfirmed claims are not attempts
        calls = []
        for e in events:
            if e.payload.get("behaviour") != spec.id:
                continue
            if e.kind == "signoff":
                level = int(e.payload["level"])
                calls.append(("signoff", level, {"level": level, "by": e.payload.get("by", "manager"),
                                                 "when": e.when.isoformat(), "note": e.payload.get("note", "")}))
            elif e.kind == "competency.override":
                calls.append(("override", int(e.payload["level"]), None))
        out.append(_level(spec, level_names, counted, len(judged), calls, evidence))
    return out


def assess_tallies(behaviours: Iterable[BehaviourSpec], level_names: Mapping[int, str],
                   tallies: Mapping[tuple[str, str, str], int],
                   calls: Mapping[tuple[str, str], Mapping]) -> list[BehaviourLevel]:
    """The levels ``assess`` gives, from counts: *tallies* {(task, behaviour or '', evidence): n} with evidence
    ``passed``/``failed``/``waiting`` (drill attempts, after the manager's latest decision) or
    ``peer``/``manager``/``other`` (demonstrations); *calls* {(behaviour, 'signoff'|'override'): {key, level, by,
    when, note}}, the latest of each (``key`` orders them). The evidence list is left empty."""
    out = []
    for spec in behaviours:
        tasks = set(spec.tasks)

        def n(behaviours_: tuple[str, ...], kinds: tuple[str, ...]) -> int:
            return sum(tallies.get((t, b, k), 0) for t in tasks for b in behaviours_ for k in kinds)

        if spec.evidence == "drill":
            counted = n(("",), ("passed",))
            judged = counted + n(("",), ("failed",))
        elif spec.evidence in ("observed", "work_sample"):
            mine = ("", spec.id)
            counted = n(mine, ("peer", "manager") if spec.evidence == "observed" else ("peer",))
            judged = counted if spec.evidence == "observed" else n(mine, ("peer", "manager", "other"))
        else:
            counted = judged = 0
        made = []
        for kind in ("signoff", "override"):
            c = calls.get((spec.id, kind))
            if c is not None:
                signed = ({"level": c["level"], "by": c["by"], "when": c["when"], "note": c["note"]}
                          if kind == "signoff" else None)
                made.append((c["key"], kind, c["level"], signed))
        made.sort(key=lambda m: m[0])
        out.append(_level(spec, level_names, counted, judged, [m[1:] for m in made], []))
    return out
