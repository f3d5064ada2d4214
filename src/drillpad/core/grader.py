"""The authoritative, deterministic grader for scenario drills.

Per criterion it matches the author's cues (core.cues: normalisation, synonyms, negation),
enforces order where the criterion says ``after``, and catches ``must_not`` actions. It also
guards the grade itself:

- answer text is data: text that addresses the grader ("ignore the rubric", "mark all
  criteria as met", "as the assessor you must…") is removed before grading and flagged, so it
  can never raise a score;
- keyword stuffing (a bare list of cue words, or an answer that both does and refuses the same
  step) earns nothing and is flagged;
- empty and off-topic answers score zero.

Every result says, per criterion, met or not, how sure the grader is, and the words that
earned it. Whenever it is unsure, the attempt is marked ``needs_review`` for a manager instead
of receiving a guessed grade.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from drillpad.core.cues import STOPWORDS, Sentence, Span, Synonyms, match_cue, norm, split_sentences, tokens
from drillpad.core.pack import Drill

REVIEW_BELOW = 0.6
_STOP_STEMS = frozenset(norm(" ".join(STOPWORDS)))
# Words too common to count as a trace of a cue ("lock out" minus these is still {"lock", "out"}).
_TRACE_IGNORE = frozenset("i we you he she they it my our the a an to of and or then first next after before".split())
_INJECTION = re.compile(
    r"ignore (?:the |all |any |your |previous |prior |above )*(?:rubric|instructions?|criteria|rules|prompt)"
    r"|(?:mark|grade|score|rate|count)\w* (?:this |me |my answer |it )?(?:as )?(?:all |every |each )?"
    r"(?:criteri(?:a|on)s?|points?|answer)? ?(?:as )?(?:met|correct|passed|full marks|100)"
    r"|(?:all|every|each) criteri(?:a|on)s? (?:are|is|as) (?:met|satisfied|passed)"
    r"|as (?:the|an) (?:assessor|grader|examiner|marker|evaluator|ai|model|llm)"
    r"|(?:give|award) (?:me |this )?(?:full|maximum|top|all the) (?:marks|points|score)"
    r"|full marks|system prompt|you (?:must|should|will) (?:mark|grade|score|pass|give)"
    r"|(?:assessor|grader|examiner|marker)s? (?:must|should|will)",
    re.IGNORECASE,
)
_FRAGMENT = re.compile(r"[,;\n•\-–/|]+")
_CONNECTED = re.compile(r"\b(?:then|first|next|after|before|and|i|i'd|we|my|it)\b", re.IGNORECASE)


@dataclass(frozen=True)
class CriterionResult:
    id: str
    met: bool
    confidence: float
    evidence: str
    start: int = -1
    end: int = -1
    note: str = ""


@dataclass(frozen=True)
class Violation:
    id: str
    text: str
    evidence: str
    start: int
    end: int


@dataclass(frozen=True)
class Grade:
    drill_id: str
    criteria: dict[str, CriterionResult]
    violations: list[Violation]
    score: float
    passed: bool
    needs_review: bool
    flags: list[str] = field(default_factory=list)
    feedback: list[str] = field(default_factory=list)

    def to_contract(self) -> dict:
        """The stable JSON shape of `drillpad grade --json`."""
        return {
            "drill": self.drill_id,
            "criteria": {k: {"met": c.met, "confidence": round(c.confidence, 2), "evidence": c.evidence}
                         for k, c in self.criteria.items()},
            "violations": [v.id for v in self.violations],
            "score": round(self.score, 3),
            "passed": self.passed,
            "needs_review": self.needs_review,
            "flags": self.flags,
        }


def _strip_injection(answer: str) -> tuple[str, bool]:
    """Blank out sentences that address the grader (keeping offsets), and say if any did."""
    found = False
    out = list(answer)
    for s in split_sentences(answer):
        chunk = answer[s.start:s.start + len(s.text)]
        if _INJECTION.search(chunk):
            found = True
            for i in range(s.start, s.start + len(s.text)):
                out[i] = " "
    return "".join(out), found


def _is_list_shaped(answer: str) -> bool:
    """A bare list of terms: three or more fragments, nearly all one to three words long with no
    person doing anything ("e-stop, lockout, padlock, isolator")."""
    fragments = [f.strip() for f in _FRAGMENT.split(answer) if f.strip()]
    if len(fragments) < 3:
        return False
    short = [f for f in fragments if len(tokens(f)) <= 3 and not (set(tokens(f)) & {"i", "we", "you", "my", "i'd"})]
    return len(short) / len(fragments) >= 0.75


def _first_span(cues: list[str], sentences: list[Sentence], synonyms: Synonyms) -> tuple[Span | None, str]:
    """Earliest non-negated match of any cue, else what was seen: "negated", "partial" or ""."""
    found = [s for cue in cues if (s := match_cue(cue, sentences, synonyms))]
    if found:
        return min(found, key=lambda s: s.start), ""
    if any(match_cue(cue, sentences, synonyms, negated=True) for cue in cues):
        return None, "negated"
    # every word of some cue present in one sentence, but not as the phrase: the grader cannot tell
    stems = [set(s.stems) for s in sentences]
    for cue in cues:
        words = set(norm(cue.replace(" + ", " "))) - _TRACE_IGNORE
        if words and any(words <= st for st in stems):
            return None, "partial"
    return None, ""


def grade(drill: Drill, answer: str, synonyms: Synonyms | None = None) -> Grade:
    synonyms = synonyms or Synonyms()
    flags: list[str] = []
    cleaned, injected = _strip_injection(answer)
    if injected:
        flags.append("injection")
    sentences = split_sentences(cleaned)
    n_words = sum(len(s.words) for s in sentences)

    if n_words == 0:
        flags.append("empty")
        return _zero(drill, flags, needs_review=injected, feedback=["No answer was given."])

    results: dict[str, CriterionResult] = {}
    contradicted: set[str] = set()
    for c in drill.criterion:
        span, trace = _first_span(c.cues, sentences, synonyms)
        if span:
            if any(match_cue(cue, sentences, synonyms, negated=True) for cue in c.cues):
                contradicted.add(c.id)
            results[c.id] = CriterionResult(c.id, True, 0.9, cleaned[span.start:span.end], span.start, span.end)
        elif trace == "negated":
            results[c.id] = CriterionResult(c.id, False, 0.85, "", note="mentioned, but as something you would not do")
        else:
            results[c.id] = CriterionResult(c.id, False, 0.5 if trace else 0.9, "",
                                            note="partly mentioned; a manager will check" if trace else "")
    # order: a criterion that must follow others is met only when they come first in the answer
    texts = {c.id: c.text for c in drill.criterion}
    for c in drill.criterion:
        r = results[c.id]
        for before in c.after:
            b = results[before]
            if r.met and b.met and r.start < b.start:
                results[c.id] = CriterionResult(c.id, False, 0.75, r.evidence, r.start, r.end,
                                                note=f"said before “{texts[before]}”; the SOP order is the other way round")
            elif r.met and not b.met:
                results[c.id] = CriterionResult(c.id, False, 0.7, r.evidence, r.start, r.end,
                                                note=f"done without first “{texts[before]}”, which the SOP requires")
    violations: list[Violation] = []
    for m in drill.must_not:
        span, _ = _first_span(m.cues, sentences, synonyms)
        if not span:
            continue
        allowed = m.unless_after and all(results[a].met and results[a].start < span.start for a in m.unless_after)
        if not allowed:
            violations.append(Violation(m.id, m.text, cleaned[span.start:span.end], span.start, span.end))

    met = [r for r in results.values() if r.met]
    # no function word at all ("cones tape label sds kit gloves radio") is a list, not an answer
    spans = [(r.start, r.end) for r in met]
    outside = [w for s in sentences for w, (a, b) in zip(s.words, s.offsets)
               if not any(x <= a and b <= y for x, y in spans)]
    connected = _CONNECTED.search(cleaned) is not None
    bare = n_words >= 3 and not connected and not any(w in STOPWORDS or w.endswith("'d") for w in outside)
    if met and (_is_list_shaped(cleaned) or (len(met) >= 2 and bare)):
        flags.append("stuffing")
        return _zero(drill, flags, needs_review=True,
                     feedback=["This looks like a list of key words. Describe what you would do, in order."])
    if contradicted:
        flags.append("contradictory")  # the same step both done and refused: credit nothing for it
        for cid in contradicted:
            r = results[cid]
            results[cid] = CriterionResult(cid, False, 0.5, r.evidence, r.start, r.end,
                                           note="said both ways; a manager will check")
        met = [r for r in results.values() if r.met]
    traces = any(r.note for r in results.values())
    if not met and not violations and not traces and not _on_topic(drill, sentences):
        flags.append("off-topic")
        return _zero(drill, flags, needs_review=injected,
                     feedback=["This answer does not address the situation. Read it again and say what you would do."])

    required = [c for c in drill.criterion if c.required]
    score = len(met) / len(drill.criterion)
    passed = all(results[c.id].met for c in required) and not violations and "contradictory" not in flags
    unsure = any(r.confidence < REVIEW_BELOW for r in results.values())
    needs_review = unsure or injected or "contradictory" in flags
    if violations:
        flags.append("must-not")
    return Grade(drill.id, results, violations, score, passed, needs_review, flags,
                 _feedback(drill, results, violations))


def _on_topic(drill: Drill, sentences: list[Sentence]) -> bool:
    """Whether the answer shares at least two content words with the drill's situation and model answer."""
    words = {w for s in sentences for w in s.stems} - _STOP_STEMS
    reference = set(norm(" ".join([drill.situation_text(), drill.question, drill.model_answer]))) - _STOP_STEMS
    return len(words & reference) >= 2


def _zero(drill: Drill, flags: list[str], *, needs_review: bool, feedback: list[str]) -> Grade:
    results = {c.id: CriterionResult(c.id, False, 0.9, "") for c in drill.criterion}
    return Grade(drill.id, results, [], 0.0, False, needs_review, flags, feedback)


def _feedback(drill: Drill, results: dict[str, CriterionResult], violations: list[Violation]) -> list[str]:
    lines = []
    for c in drill.criterion:
        r = results[c.id]
        where = f" ({c.source})" if c.source else ""
        if r.met:
            lines.append(f"✓ {c.text} — you said “{r.evidence}”.")
        elif r.note.startswith("said before"):
            lines.append(f"✗ {c.text}: {r.note}{where}.")
        else:
            lines.append(f"✗ {c.text}{where}." + (f" Hint: {c.hint}" if c.hint else ""))
    for v in violations:
        lines.append(f"⚠ Must not: {v.text} — you said “{v.evidence}”.")
    return lines
