"""Matching authored cues in free text: normalisation, synonyms, negation.

The building block of grading. A cue is a phrase ("stop the conveyor") or terms joined by
" + " that must all appear in one sentence ("padlock + isolator"). Matching ignores case,
punctuation and common word endings, expands the pack's synonym groups, and does not count
a mention that is negated ("I would not lock it out", "never", "without").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_SENTENCE = re.compile(r"(?<=[.!?;\n])\s+|\s+(?:then|and then|after that|afterwards|next)\s+", re.I)
NEGATORS = frozenset({
    "not", "never", "no", "without", "dont", "don't", "wouldnt", "wouldn't", "won't", "wont", "didnt", "didn't",
    "cant", "can't", "cannot", "shouldnt", "shouldn't", "isnt", "isn't", "skip", "skipping", "instead",
    "neither", "nor", "avoid", "forget", "bother",
})
NEGATION_WINDOW = 8
CLAUSE_BREAKS = frozenset({"but", "and", "then", "so", "because", "just", "instead", "until", "after", "before"})
STOPWORDS = frozenset("""
a about above after again all also am an and any are as at be because been before being below between both but by
can could did do does doing down during each few for from further had has have having he her here hers him his how
i if in into is it its just me more most my no nor not now of off on once only or other our out over own same she
should so some such than that the their them then there these they this those through to too under until up very
was we were what when where which while who whom why will with would you your yours first next last get got go
going like really just okay ok well yeah
""".split())


def stem(word: str) -> str:
    """A light, predictable stemmer: plurals and common verb endings."""
    word = word.replace("'", "")
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + keep
            break
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiou":
        word = word[:-1]  # stopped -> stopp -> stop
    return word


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower().replace("’", "'"))


def norm(text: str) -> list[str]:
    return [stem(t) for t in tokens(text)]


@dataclass(frozen=True)
class Span:
    sentence: int
    start: int  # char offset in the original text
    end: int


@dataclass(frozen=True)
class Sentence:
    index: int
    start: int
    text: str
    words: list[str]  # raw lower-case tokens
    stems: list[str]
    offsets: list[tuple[int, int]]


def split_sentences(text: str) -> list[Sentence]:
    out: list[Sentence] = []
    pos = 0
    pieces = []
    for m in _SENTENCE.finditer(text):
        pieces.append((pos, text[pos:m.start()]))
        pos = m.end()
    pieces.append((pos, text[pos:]))
    for start, chunk in pieces:
        offsets = [(start + m.start(), start + m.end()) for m in _TOKEN.finditer(chunk.lower().replace("’", "'"))]
        words = [text[a:b].lower().replace("’", "'") for a, b in offsets]
        if words:
            out.append(Sentence(len(out), start, chunk, words, [stem(w) for w in words], offsets))
    return out


class Synonyms:
    """Groups of interchangeable phrases (from the pack)."""

    def __init__(self, groups: Iterable[Sequence[str]] = ()):
        self.groups = [[tuple(norm(t)) for t in g] for g in groups]

    def variants(self, phrase: tuple[str, ...]) -> set[tuple[str, ...]]:
        out = {phrase}
        for group in self.groups:
            for term in group:
                n = len(term)
                for i in range(len(phrase) - n + 1):
                    if phrase[i:i + n] == term:
                        out |= {phrase[:i] + other + phrase[i + n:] for other in group}
        return out


def _find(stems: list[str], phrase: tuple[str, ...]) -> list[int]:
    n = len(phrase)
    return [i for i in range(len(stems) - n + 1) if tuple(stems[i:i + n]) == phrase]


def _negated(sentence: Sentence, at: int) -> bool:
    """Whether a negator governs the word at *at*: within NEGATION_WINDOW words before it and in
    the same clause (a comma or a clause word like "but", "and", "then" ends its scope; "or"
    does not: "no need to lock out or test it" negates both)."""
    for i in range(at - 1, max(-1, at - NEGATION_WINDOW - 1), -1):
        word = sentence.words[i]
        if word in NEGATORS or word.endswith("n't"):
            return True
        between = sentence.text[sentence.offsets[i][1] - sentence.start:sentence.offsets[i + 1][0] - sentence.start]
        if word in CLAUSE_BREAKS or "," in between:
            return False
    return False


def match_cue(cue: str, sentences: list[Sentence], synonyms: Synonyms, *, negated: bool = False) -> Span | None:
    """The first non-negated span where *cue* is met, or None; with negated=True, the first negated one."""
    terms = [tuple(norm(t)) for t in cue.split(" + ")]
    if not all(terms):
        return None
    for s in sentences:
        spans = []
        for term in terms:
            hits = [(i, len(v)) for v in synonyms.variants(term) for i in _find(s.stems, v)]
            hits = [(i, n) for i, n in hits if _negated(s, i) == negated]
            if not hits:
                break
            i, n = min(hits)
            spans.append((s.offsets[i][0], s.offsets[i + n - 1][1]))
        else:
            return Span(s.index, min(a for a, _ in spans), max(b for _, b in spans))
    return None


def match_any(cues: Iterable[str], sentences: list[Sentence], synonyms: Synonyms) -> Span | None:
    """The earliest span at which any of *cues* is met."""
    found = [span for cue in cues if (span := match_cue(cue, sentences, synonyms))]
    return min(found, key=lambda s: s.start) if found else None
