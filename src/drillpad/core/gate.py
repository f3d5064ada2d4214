"""The quality gate: what an AI-adapted scenario must pass before a trainee sees it.

The embedded model is small and often writes nonsense, so nothing it writes is trusted. A
variant is shown only if ordinary code finds that it

- keeps every fact of the situation the criteria depend on (the drill's ``[[fact]]`` cues);
- suggests none of the source's "must not" actions and does not give away a required step;
- stays within length and reading-level limits, and asks a question;
- has no leftover template tokens, chat markup or meta-talk ("Here is a scenario");
- names no one outside the pack's context vocabulary and holds no contact details;
- is not a near-copy of the written scenario or of a recent variant.

Every check is reported, so the reason a variant was dropped can be logged and shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from drillpad.core.cues import Synonyms, match_cue, split_sentences, tokens
from drillpad.core.pack import Context, Drill

TEMPLATE_VERSION = "scenario/1"
"""Bump when the generation prompt or the gate changes: cached variants are keyed by it."""

MIN_WORDS = 20
MAX_WORDS = 130
MAX_QUESTION_WORDS = 30
MAX_GRADE_LEVEL = 9.0
NEAR_DUPLICATE = 0.8

_TEMPLATE_TOKENS = re.compile(
    r"\{[a-z_ ]*\}|\{\{|\}\}|<\|?/?[a-z_]+\|?>|\[/?INST\]|###|\bTODO\b|\bXXX\b|\[(?:name|site|person|equipment)\]"
    r"|\b(?:as an ai|language model|here is|here's a|scenario:|situation:|sure[,!])", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")
_PHONE = re.compile(r"(?:\+?\d[\d ()-]{6,}\d)")
_CAPITALISED = re.compile(r"\b[A-Z][a-z]{2,}(?:\s+[A-Z][a-z]{2,})*\b")
_VOWELS = re.compile(r"[aeiouy]+")


@dataclass(frozen=True)
class Candidate:
    situation: str
    question: str


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str = ""


@dataclass(frozen=True)
class GateResult:
    checks: tuple[Check, ...]

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def reasons(self) -> list[str]:
        return [f"{c.name}: {c.detail}" for c in self.checks if not c.passed]

    def to_payload(self) -> dict:
        return {"passed": self.passed, "version": TEMPLATE_VERSION,
                "checks": {c.name: {"passed": c.passed, "detail": c.detail} for c in self.checks}}


def grade_level(text: str) -> float:
    """Flesch–Kincaid grade level, with a vowel-group syllable count (good enough to catch
    rambling, long-worded text; not a linguistics tool)."""
    words = tokens(text)
    sentences = max(1, len(re.findall(r"[.!?]+", text)) or 1)
    if not words:
        return 0.0
    syllables = sum(max(1, len(_VOWELS.findall(w.removesuffix("e") or w))) for w in words)
    return 0.39 * len(words) / sentences + 11.8 * syllables / len(words) - 15.59


def shingles(text: str, n: int = 3) -> set[tuple[str, ...]]:
    words = tokens(text)
    return {tuple(words[i:i + n]) for i in range(max(1, len(words) - n + 1))}


def similarity(a: str, b: str) -> float:
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb) if sa | sb else 1.0


def allowed_names(drill: Drill, context: Context) -> set[str]:
    """Capitalised words a variant may use: the pack's context vocabulary and the written drill."""
    words: set[str] = set()
    for text in (*context.sites, *context.equipment, *context.people, *context.shifts, *drill.slots.values(),
                 drill.situation, drill.question, drill.title):
        words.update(w.lower() for w in re.findall(r"[A-Za-z]+", text))
    return words


def check(drill: Drill, candidate: Candidate, *, synonyms: Synonyms | None = None, context: Context | None = None,
          recent: Sequence[str] = (), personal_names: Iterable[str] = ()) -> GateResult:
    """Run every check on *candidate*; *recent* are earlier variants of this drill, *personal_names*
    the names of people on this workstation (never to appear in generated text)."""
    synonyms = synonyms or Synonyms([])
    context = context or Context()
    text = candidate.situation.strip()
    sentences = split_sentences(text)
    authored = drill.situation_text()
    authored_sentences = split_sentences(authored)
    checks: list[Check] = []

    if not drill.fact:
        checks.append(Check("facts", False, "the drill lists no facts, so a variant cannot be checked"))
    else:
        lost = [f.text for f in drill.fact if not any(match_cue(c, sentences, synonyms) for c in f.cues)]
        checks.append(Check("facts", not lost, "lost: " + "; ".join(lost) if lost else f"{len(drill.fact)} kept"))

    banned = [m.text for m in drill.must_not if any(match_cue(c, sentences, synonyms) for c in m.cues)]
    checks.append(Check("must_not", not banned, "suggests: " + "; ".join(banned) if banned else "none suggested"))

    leaked = [c.text for c in drill.criterion if c.required
              and any(match_cue(q, sentences, synonyms) for q in c.cues)
              and not any(match_cue(q, authored_sentences, synonyms) for q in c.cues)]
    checks.append(Check("answer_leak", not leaked, "gives away: " + "; ".join(leaked) if leaked else "no step given"))

    n = len(tokens(text))
    limit = max(MAX_WORDS, int(len(tokens(authored)) * 1.6))
    checks.append(Check("length", MIN_WORDS <= n <= limit, f"{n} words (allowed {MIN_WORDS}–{limit})"))
    q = candidate.question.strip()
    q_ok = q.endswith("?") and 3 <= len(tokens(q)) <= MAX_QUESTION_WORDS
    checks.append(Check("question", q_ok, "asks a question" if q_ok else f"not a short question: {q[:80]!r}"))
    level = grade_level(text)
    ceiling = max(MAX_GRADE_LEVEL, grade_level(authored) + 2)
    checks.append(Check("reading_level", level <= ceiling, f"grade {level:.1f} (at most {ceiling:.1f})"))

    leftovers = sorted({m.group(0) for m in _TEMPLATE_TOKENS.finditer(text + "\n" + q)})
    checks.append(Check("template_tokens", not leftovers,
                        "found " + ", ".join(repr(t) for t in leftovers) if leftovers else "clean"))

    pii: list[str] = []
    if _EMAIL.search(text) or _PHONE.search(re.sub(r"\b\d+(?:\.\d+)?\s*(?:°C|metres|litre|kg|m)\b", "", text)):
        pii.append("contact details")
    lowered = text.lower()
    for name in personal_names:
        parts = [p for p in re.findall(r"[A-Za-z]+", name) if len(p) > 2]
        if any(re.search(rf"\b{re.escape(p.lower())}\b", lowered) for p in parts):
            pii.append(f"a learner's name ({name})")
    allowed = allowed_names(drill, context)
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        for m in _CAPITALISED.finditer(sentence):
            if m.start() == 0:
                continue  # sentence-initial capitals are not names
            unknown = [w for w in m.group(0).split() if w.lower() not in allowed]
            if unknown:
                pii.append(f"unknown name {m.group(0)!r}")
    checks.append(Check("personal_data", not pii, "; ".join(dict.fromkeys(pii)) if pii else "none"))

    copies = [s for s in (authored, *recent) if similarity(text, s) >= NEAR_DUPLICATE]
    checks.append(Check("near_duplicate", not copies,
                        "too close to " + ("the written scenario" if copies[0] == authored else "a recent variant")
                        if copies else "new"))
    return GateResult(tuple(checks))
