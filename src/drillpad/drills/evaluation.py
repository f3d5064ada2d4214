"""Measuring a grader on a pack's labelled example answers (`drillpad eval grading`).

Criterion figures, over (answer, criterion) pairs:
- accuracy: share graded as labelled; macro-F1: mean of F1 for "met" and for "not met";
- recall: share of criteria labelled *met* that the grader credited;
- false-pass rate: share of criteria labelled *not met* that the grader marked met, and the part
  of those on answers it did NOT send to a manager (the ones nobody would catch).
Must-not figures, over (answer, must_not) pairs: recall (forbidden actions caught) and false alarms.
Answer outcomes, as a trainee sees them: told pass / sent to a manager / told "not yet", overall and
for the answers that are labelled fully right (every required criterion, no must-not), and for the answers
labelled as committing a forbidden act (which must not be told pass, caught by name or not).
Adversarial answers (injection, stuffing, keyword sentences): how many were credited anything.
Everything is also given per kind of answer. Reported for dev, held-out and all.
Labelled answers to recall prompts (`prompt = "ID"`) count too: each key point is a criterion
(core.grader.prompt_as_drill), graded by the same grader.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from drillpad.core.cues import Synonyms
from drillpad.core.grader import Grade, grade, prompt_as_drill
from drillpad.core.pack import Drill, Example, Pack

ADVERSARIAL = ("injection", "stuffing", "keyword-sentence")


@dataclass
class _Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, truth: bool, got: bool) -> None:
        self.tp += truth and got
        self.tn += (not truth) and (not got)
        self.fp += (not truth) and got
        self.fn += truth and (not got)

    @property
    def total(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def accuracy(self) -> float:
        return (self.tp + self.tn) / self.total if self.total else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def false_pass_rate(self) -> float:
        return self.fp / (self.fp + self.tn) if self.fp + self.tn else 0.0


@dataclass(frozen=True)
class GradingReport:
    split: str
    answers: int
    criteria: int
    accuracy: float
    macro_f1: float
    recall: float
    false_pass_rate: float
    false_passes: int
    labelled_not_met: int
    false_pass_unreviewed_rate: float
    must_not_recall: float
    must_not_caught: int
    must_not_labelled: int
    must_not_false_alarms: int
    score_inflation: float
    adversarial: int
    adversarial_credited: int
    review_rate: float
    outcomes: dict[str, int]
    right_answers: int
    right_outcomes: dict[str, int]
    forbidden_answers: int
    forbidden_outcomes: dict[str, int]
    by_kind: dict[str, dict]
    mistakes: list[dict] = field(default_factory=list)

    @property
    def forbidden_passed(self) -> int:
        """Answers labelled as committing a forbidden act that the trainee is told passed."""
        return self.forbidden_outcomes.get("pass", 0)

    def as_dict(self) -> dict:
        return asdict(self)


def pack_synonyms(pack: Pack) -> Synonyms:
    return Synonyms([g.terms for g in pack.manifest.synonyms])


def macro_f1(tp: int, fp: int, fn: int, tn: int) -> float:
    """Mean F1 of the two classes (met, not met), over the classes that occur."""
    scores = [2 * a / (2 * a + b + d) for a, b, d in ((tp, fp, fn), (tn, fn, fp)) if a + b + d]
    return sum(scores) / len(scores) if scores else 0.0


def outcome(g: Grade) -> str:
    """What the trainee is told: pass, sent to a manager, or not yet."""
    return "review" if g.needs_review else ("pass" if g.passed else "not yet")


def example_drill(pack: Pack, example: Example) -> Drill:
    """What *example* answers, as a drill: the drill itself, or the recall prompt in drill shape
    (its key points are the criteria, named by point id)."""
    if example.drill is not None:
        return pack.drill(example.drill)
    prompt = pack.prompt(example.prompt or "")
    key = (id(pack), prompt.id)
    if key not in _prompt_drills or _prompt_drills[key][0] is not pack:
        if len(_prompt_drills) > 256:
            _prompt_drills.clear()
        _prompt_drills[key] = (pack, prompt_as_drill(prompt))  # one object: the grader caches its synonyms
    return _prompt_drills[key][1]


_prompt_drills: dict[tuple[int, str], tuple[Pack, Drill]] = {}


def evaluate(pack: Pack, grader: Callable[..., Grade] = grade, split: str | None = None) -> GradingReport:
    synonyms = pack_synonyms(pack)
    examples: list[Example] = [e for e in pack.examples if split in (None, e.split)]
    crit, must = _Counts(), _Counts()
    fp_unreviewed = 0
    inflation: list[float] = []
    adversarial_credited = 0
    outcomes: Counter[str] = Counter()
    right_outcomes: Counter[str] = Counter()
    right = 0
    forbidden_outcomes: Counter[str] = Counter()
    kinds: dict[str, dict] = defaultdict(lambda: {"answers": 0, "criteria": _Counts(), "must_not": _Counts(),
                                                  "outcomes": Counter()})
    mistakes: list[dict] = []
    for e in examples:
        drill = example_drill(pack, e)
        g = grader(drill, e.answer, synonyms)
        told = outcome(g)
        outcomes[told] += 1
        k = kinds[e.kind]
        k["answers"] += 1
        k["outcomes"][told] += 1
        labelled_score = len(e.met) / len(drill.criterion)
        if e.kind in ADVERSARIAL:
            inflation.append(max(0.0, g.score - labelled_score))
            adversarial_credited += any(g.criteria[c.id].met and c.id not in e.met for c in drill.criterion)
        if all(c.id in e.met for c in drill.criterion if c.required) and not e.violations:
            right += 1
            right_outcomes[told] += 1
        if e.violations:
            forbidden_outcomes[told] += 1
        for c in drill.criterion:
            truth, got = c.id in e.met, g.criteria[c.id].met
            crit.add(truth, got)
            k["criteria"].add(truth, got)
            fp_unreviewed += (got and not truth and not g.needs_review)
            if truth != got:
                mistakes.append({"example": e.id, "kind": e.kind, "item": c.id,
                                 "type": "criterion" if e.drill else "point", "of": e.item,
                                 "label": truth, "graded": got, "evidence": g.criteria[c.id].evidence,
                                 "note": g.criteria[c.id].note, "told": told, "answer": e.answer})
        violated = {v.id: v for v in g.violations}
        for m in drill.must_not:
            truth, got = m.id in e.violations, m.id in violated
            must.add(truth, got)
            k["must_not"].add(truth, got)
            if truth != got:
                mistakes.append({"example": e.id, "kind": e.kind, "item": m.id, "type": "must_not", "of": e.item,
                                 "label": truth, "graded": got,
                                 "evidence": violated[m.id].evidence if got else "", "note": "", "told": told,
                                 "answer": e.answer})
    n = len(examples)
    return GradingReport(
        split=split or "all", answers=n, criteria=crit.total,
        accuracy=crit.accuracy, macro_f1=macro_f1(crit.tp, crit.fp, crit.fn, crit.tn), recall=crit.recall,
        false_pass_rate=crit.false_pass_rate, false_passes=crit.fp, labelled_not_met=crit.fp + crit.tn,
        false_pass_unreviewed_rate=fp_unreviewed / (crit.fp + crit.tn) if crit.fp + crit.tn else 0.0,
        must_not_recall=must.recall, must_not_caught=must.tp, must_not_labelled=must.tp + must.fn,
        must_not_false_alarms=must.fp,
        score_inflation=sum(inflation) / len(inflation) if inflation else 0.0,
        adversarial=len(inflation), adversarial_credited=adversarial_credited,
        review_rate=outcomes["review"] / n if n else 0.0,
        outcomes=dict(outcomes), right_answers=right, right_outcomes=dict(right_outcomes),
        forbidden_answers=sum(forbidden_outcomes.values()), forbidden_outcomes=dict(forbidden_outcomes),
        by_kind={kind: {"answers": v["answers"], "accuracy": round(v["criteria"].accuracy, 3),
                        "recall": round(v["criteria"].recall, 3),
                        "false_pass_rate": round(v["criteria"].false_pass_rate, 3),
                        "must_not_recall": round(v["must_not"].recall, 3) if v["must_not"].tp + v["must_not"].fn
                        else None,
                        "outcomes": dict(v["outcomes"])}
                 for kind, v in sorted(kinds.items())},
        mistakes=mistakes,
    )


def render(pack: Pack, reports: list[GradingReport], *, mistakes: int = 40) -> str:
    """The text report of `drillpad eval grading`."""
    out = [f"Deterministic grader on {pack.id} {pack.version} labelled answers", "",
           f"{'split':8} {'answers':>7} {'accuracy':>8} {'recall':>7} {'false-pass':>15} {'unreviewed':>10} "
           f"{'must-not (false alarms)':>23} {'review':>6} {'adv. credited':>13}"]
    for r in reports:
        out.append(f"{r.split:8} {r.answers:7} {r.accuracy:8.3f} {r.recall:7.3f} "
                   f"{r.false_pass_rate:6.1%} ({r.false_passes:>3}/{r.labelled_not_met:<3}) "
                   f"{r.false_pass_unreviewed_rate:10.1%} "
                   f"{r.must_not_recall:5.0%} ({r.must_not_caught}/{r.must_not_labelled}; {r.must_not_false_alarms:>2}) "
                   f"{r.review_rate:6.0%} "
                   f"{r.adversarial_credited:>6} of {r.adversarial}")
    for r in reports:
        o, ro = r.outcomes, r.right_outcomes
        out.append(f"{r.split}: answers told pass {o.get('pass', 0)}, sent to a manager {o.get('review', 0)}, "
                   f"told not yet {o.get('not yet', 0)}; of the {r.right_answers} fully right: pass "
                   f"{ro.get('pass', 0)}, manager {ro.get('review', 0)}, not yet {ro.get('not yet', 0)}; "
                   f"of the {r.forbidden_answers} that commit a forbidden act: pass {r.forbidden_passed}, manager "
                   f"{r.forbidden_outcomes.get('review', 0)}, not yet {r.forbidden_outcomes.get('not yet', 0)}")
    last = reports[-1]
    out += ["", f"By kind ({last.split}):",
            f"  {'kind':17} {'answers':>7} {'accuracy':>8} {'recall':>7} {'false-pass':>10} {'must-not':>8}  told"]
    for kind, k in last.by_kind.items():
        mn = "—" if k["must_not_recall"] is None else f"{k['must_not_recall']:.0%}"
        told = ", ".join(f"{n} {w}" for w, n in sorted(k["outcomes"].items()))
        out.append(f"  {kind:17} {k['answers']:7} {k['accuracy']:8.3f} {k['recall']:7.3f} "
                   f"{k['false_pass_rate']:10.1%} {mn:>8}  {told}")
    if last.mistakes and mistakes:
        out += ["", f"Mistakes ({len(last.mistakes)}; first {min(mistakes, len(last.mistakes))}):"]
        for m in last.mistakes[:mistakes]:
            what = "missed" if m["label"] else "wrongly found"
            ev = f" — matched “{m['evidence']}”" if m["evidence"] else ""
            note = f" ({m['note']})" if m["note"] else ""
            answer = m["answer"] if len(m["answer"]) <= 160 else m["answer"][:157] + "…"
            out.append(f"  {m['example']} [{m['kind']}] {m['type']} {m['item']} {what}{ev}{note}\n      “{answer}”")
    return "\n".join(out)
