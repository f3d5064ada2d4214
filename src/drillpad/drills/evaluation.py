"""Measuring a grader on a pack's labelled example answers (`drillpad eval grading`).

- criterion accuracy: share of (answer, criterion) pairs graded as labelled;
- macro-F1: the mean of F1 for "met" and F1 for "not met";
- false-pass rate: share of criteria labelled *not met* that the grader marked met;
- score inflation: on adversarial answers (injection, stuffing), the mean amount by which the
  grader's score exceeds the labelled score (0 is the only acceptable value);
- review rate: share of answers routed to a manager.
Reported for the dev split, the held-out split (used only for evaluation), and all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

from drillpad.core.cues import Synonyms
from drillpad.core.grader import Grade, grade
from drillpad.core.pack import Example, Pack

ADVERSARIAL = ("injection", "stuffing")


@dataclass(frozen=True)
class GradingReport:
    split: str
    answers: int
    criteria: int
    accuracy: float
    macro_f1: float
    false_pass_rate: float
    false_passes: int
    labelled_not_met: int
    score_inflation: float
    review_rate: float
    mistakes: list[dict]

    def as_dict(self) -> dict:
        return asdict(self)


def pack_synonyms(pack: Pack) -> Synonyms:
    return Synonyms([g.terms for g in pack.manifest.synonyms])


def _macro_f1(tp: int, fp: int, fn: int, tn: int) -> float:
    """Mean F1 of the two classes (met, not met), over the classes that occur."""
    scores = [2 * a / (2 * a + b + c) for a, b, c in ((tp, fp, fn), (tn, fn, fp)) if a + b + c]
    return sum(scores) / len(scores) if scores else 0.0


def evaluate(pack: Pack, grader: Callable[..., Grade] = grade, split: str | None = None) -> GradingReport:
    synonyms = pack_synonyms(pack)
    examples: list[Example] = [e for e in pack.examples if split in (None, e.split)]
    tp = fp = fn = tn = 0
    inflation: list[float] = []
    reviews = 0
    mistakes: list[dict] = []
    for e in examples:
        drill = pack.drill(e.drill)
        g = grader(drill, e.answer, synonyms)
        reviews += g.needs_review
        labelled_score = len(e.met) / len(drill.criterion)
        if e.kind in ADVERSARIAL:
            inflation.append(max(0.0, g.score - labelled_score))
        for c in drill.criterion:
            truth, got = c.id in e.met, g.criteria[c.id].met
            tp += truth and got
            tn += (not truth) and (not got)
            fp += (not truth) and got
            fn += truth and (not got)
            if truth != got:
                mistakes.append({"example": e.id, "kind": e.kind, "criterion": c.id, "label": truth, "graded": got,
                                 "evidence": g.criteria[c.id].evidence})
    total = tp + tn + fp + fn
    return GradingReport(
        split=split or "all", answers=len(examples), criteria=total,
        accuracy=(tp + tn) / total if total else 0.0,
        macro_f1=_macro_f1(tp, fp, fn, tn),
        false_pass_rate=fp / (fp + tn) if fp + tn else 0.0, false_passes=fp, labelled_not_met=fp + tn,
        score_inflation=sum(inflation) / len(inflation) if inflation else 0.0,
        review_rate=reviews / len(examples) if examples else 0.0,
        mistakes=mistakes,
    )
