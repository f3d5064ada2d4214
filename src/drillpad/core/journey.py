"""Learn → rehearse → perform: where a learner stands on a task, and why.

Stages move on evidence events only:

- **learn** is met by reading the task's lesson and then answering one of its retrieval
  prompts correctly (the recall check);
- **rehearse** is met by correct answers (prompts or drills) on at least
  ``success_days`` separate days, the last at least ``min_span_days`` after the first;
- **perform** is met by the number of on-the-job demonstrations the role's rule asks for.

A task whose three stages are met is *ready for sign-off*; only a manager signs off.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from drillpad.core.dates import day_text
from drillpad.core.events import EventView
from drillpad.core.words import count_text

STAGES = ("learn", "rehearse", "perform", "ready")


@dataclass(frozen=True)
class RehearseRule:
    success_days: int = 2
    min_span_days: int = 2


@dataclass(frozen=True)
class TaskJourney:
    task_id: str
    stage: str  # learn | rehearse | perform | ready
    learn_met: bool
    rehearse_met: bool
    demonstrations: int
    demonstrations_needed: int
    reasons: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)  # ids of the events that moved the stage


def rehearse_reason(days: int, span: int, rule: RehearseRule) -> str:
    """Plain words for the rehearse rule: right answers on *days* different days, *span* days apart."""
    so_far = f"right on {days} different day{'' if days == 1 else 's'}"
    if days >= rule.success_days and span >= rule.min_span_days:
        return f"{so_far}, {span} days apart: practice done"
    return (f"{so_far} so far; you need {rule.success_days} different days, the last at least "
            f"{rule.min_span_days} days after the first")


def task_journey(task_id: str, events: Iterable[EventView], *, rule: RehearseRule = RehearseRule(),
                 demonstrations_needed: int = 1) -> TaskJourney:
    mine = [e for e in events if e.payload.get("task") == task_id]
    reasons: list[str] = []
    evidence: list[str] = []

    read = next((e for e in mine if e.kind == "lesson.read"), None)
    recall = None
    if read:
        recall = next((e for e in mine if e.kind == "review" and e.payload.get("item_kind") == "prompt"
                       and e.payload.get("correct") and e.when >= read.when), None)
    learn_met = bool(read and recall)
    if read:
        evidence.append(read.id)
        reasons.append(f"read the lesson on {day_text(read.when)}")
    if recall:
        evidence.append(recall.id)
        reasons.append(f"passed the recall check on {day_text(recall.when)}")

    successes = [e for e in mine if e.kind == "review" and e.payload.get("correct")]
    days = sorted({e.when.date() for e in successes})
    rehearse_met = (len(days) >= rule.success_days and (days[-1] - days[0]).days >= rule.min_span_days)
    if days:
        reasons.append(rehearse_reason(len(days), (days[-1] - days[0]).days, rule))
        firsts = {}
        for e in successes:
            firsts.setdefault(e.when.date(), e.id)
        evidence.extend(firsts.values())

    demos = [e for e in mine if e.kind == "demonstration"]
    evidence.extend(e.id for e in demos)
    if demos:
        reasons.append(f"{len(demos)} of {count_text(demonstrations_needed, 'demonstration')} logged")

    if not learn_met:
        stage = "learn"
    elif not rehearse_met:
        stage = "rehearse"
    elif len(demos) < demonstrations_needed:
        stage = "perform"
    else:
        stage = "ready"
    return TaskJourney(task_id, stage, learn_met, rehearse_met, len(demos), demonstrations_needed, reasons,
                       list(dict.fromkeys(evidence)))
