"""The pack author's loop (`drillpad pack check-cues`): where the cues go wrong on labelled answers,
and which cues would put it right.

For every criterion and must_not of every drill, and every key point of every recall prompt, it
grades the labelled answers (by default the dev split: holdout answers are for evaluation only)
with the real grader and lists

- misses: answers labelled met (or, for a must_not, labelled as committing it) that the grader
  did not credit, quoting the sentence(s) of the answer no other item was credited from;
- false hits: answers the grader credited against their label, quoting the sentence that matched
  and naming the cue(s) that match on their own;
- suggestions, each measured by grading every labelled answer of that drill again with the real
  grader on a copy of the drill changed by the suggestion, listing the answers it fixes and breaks:
  * add a cue: word n-grams (1–3 words; never a stop word alone, never starting or ending with
    one, no negation words, no single very common word) that occur in the answers the item
    misses and separate answers labelled met from those labelled not met;
  * remove a cue that wrongly meets answers on its own (when the item has other cues).

Nothing is written: the author edits the pack, then runs check-cues and `eval grading` again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Literal

from drillpad.core.authoring import COMMON_WORDS
from drillpad.core.cues import NEGATORS, STOPWORDS, Synonyms, norm, split_sentences, tokens
from drillpad.core.grader import Grade, grade, prompt_as_drill
from drillpad.core.pack import Drill, Example, Pack
from drillpad.drills.evaluation import pack_synonyms

CANDIDATES_GRADED = 8  # the best-separating n-grams per item that are measured with the real grader
MAX_SUGGESTIONS = 4

ItemKind = Literal["criterion", "must_not", "point"]


@dataclass(frozen=True)
class Quote:
    example: str
    kind: str
    quote: str
    note: str = ""
    cues: list[str] = field(default_factory=list)  # for a false hit: the cues that match it on their own


@dataclass(frozen=True)
class Change:
    example: str
    item: str  # the item whose grade changes (usually the one the suggestion is for)


@dataclass(frozen=True)
class Suggestion:
    action: Literal["add", "remove"]
    cue: str
    fixes: list[Change]
    breaks: list[Change]
    met_with: int = 0     # labelled-met answers (of this item) that contain the phrase
    not_met_with: int = 0  # labelled-not-met answers that contain it


@dataclass(frozen=True)
class ItemReport:
    owner: str  # drill or prompt id
    id: str
    kind: ItemKind
    text: str
    cues: list[str]
    labelled_met: int
    labelled_not_met: int
    misses: list[Quote]
    false_hits: list[Quote]
    suggestions: list[Suggestion]


@dataclass(frozen=True)
class CueReport:
    pack: str
    version: str
    split: str
    answers: int
    holdout_left_out: int
    items: list[ItemReport]

    def as_dict(self) -> dict:
        return asdict(self)


# --- n-grams ----------------------------------------------------------------------------------

def _allowed_word(w: str) -> bool:
    return len(w) > 1 and w not in NEGATORS and not w.endswith("n't")


def _stop(w: str) -> bool:
    return w in STOPWORDS or w.split("'")[0] in STOPWORDS  # "he's", "it'll"


def ngram_candidates(text: str, max_n: int = 3) -> list[str]:
    """Word n-grams of *text* (1 to *max_n* words) that could be a cue: never a stop word alone, never
    starting or ending with a stop word, no negation word, not one very common word."""
    words = tokens(text)
    out: list[str] = []
    for n in range(1, max_n + 1):
        for i in range(len(words) - n + 1):
            gram = words[i:i + n]
            if _stop(gram[0]) or _stop(gram[-1]) or not all(map(_allowed_word, gram)):
                continue
            if n == 1 and gram[0] in COMMON_WORDS:
                continue
            phrase = " ".join(gram)
            if phrase not in out:
                out.append(phrase)
    return out


def _contains(stems_by_sentence: list[list[str]], phrase: list[str]) -> bool:
    n = len(phrase)
    return any(s[i:i + n] == phrase for s in stems_by_sentence for i in range(len(s) - n + 1))


# --- the drill under change ---------------------------------------------------------------------

def _with_cues(drill: Drill, kind: ItemKind, item_id: str, cues: list[str], *, only: bool = False) -> Drill:
    """A copy of *drill* whose item *item_id* has *cues* (and, with *only*, no parts)."""
    if kind == "must_not":
        items = [m.model_copy(update={"cues": cues}) if m.id == item_id else m for m in drill.must_not]
        return drill.model_copy(update={"must_not": items})
    update = {"cues": cues, "parts": []} if only else {"cues": cues}
    items = [c.model_copy(update=update) if c.id == item_id else c for c in drill.criterion]
    return drill.model_copy(update={"criterion": items})


def _outcomes(drill: Drill, examples: list[Example], synonyms: Synonyms) -> dict[tuple[str, str], bool]:
    """(example, item) → graded as labelled, over every criterion and must_not of *drill*."""
    out: dict[tuple[str, str], bool] = {}
    for e in examples:
        g = grade(drill, e.answer, synonyms)
        violated = {v.id for v in g.violations}
        for c in drill.criterion:
            out[(e.id, c.id)] = g.criteria[c.id].met == (c.id in e.met)
        for m in drill.must_not:
            out[(e.id, m.id)] = (m.id in violated) == (m.id in e.violations)
    return out


def _changes(before: dict, after: dict, item_id: str) -> tuple[list[Change], list[Change]]:
    fixes = [Change(e, i) for (e, i), ok in after.items() if ok and not before[(e, i)]]
    breaks = [Change(e, i) for (e, i), ok in after.items() if not ok and before[(e, i)]]
    key = lambda ch: (ch.item != item_id, ch.example)  # noqa: E731 - the item's own answers first
    return sorted(fixes, key=key), sorted(breaks, key=key)


# --- quoting --------------------------------------------------------------------------------------

def _sentence_at(answer: str, start: int) -> str:
    for s in split_sentences(answer):
        if s.start <= start < s.start + len(s.text):
            return s.text.strip()
    return answer.strip()


def _unclaimed(answer: str, g: Grade) -> str:
    """The sentence(s) of *answer* that no criterion or must_not was credited from: where a missed
    step most likely is."""
    spans = [(r.start, r.end) for r in g.criteria.values() if r.met and r.start >= 0]
    spans += [(v.start, v.end) for v in g.violations]
    free = [s.text.strip() for s in split_sentences(answer)
            if not any(s.start <= a < s.start + len(s.text) for a, _ in spans)]
    return " … ".join(free) if free else answer.strip()


def _truth(kind: ItemKind, item_id: str, e: Example) -> bool:
    return item_id in (e.violations if kind == "must_not" else e.met)


def _got(kind: ItemKind, item_id: str, g: Grade) -> bool:
    if kind == "must_not":
        return any(v.id == item_id for v in g.violations)
    return g.criteria[item_id].met


def _evidence_start(kind: ItemKind, item_id: str, g: Grade) -> int:
    if kind == "must_not":
        return next(v.start for v in g.violations if v.id == item_id)
    return g.criteria[item_id].start


# --- the check ------------------------------------------------------------------------------------

def check_cues(pack: Pack, *, drill: str | None = None, split: str = "dev",
               max_suggestions: int = MAX_SUGGESTIONS) -> CueReport:
    """Check every item's cues on the labelled answers of *split* ("dev", "holdout" or "all")."""
    synonyms = pack_synonyms(pack)
    used = [e for e in pack.examples if split == "all" or e.split == split]
    owners: list[tuple[Drill, list[Example], ItemKind]] = []
    for d in pack.drills:
        owners.append((d, [e for e in used if e.drill == d.id], "criterion"))
    for p in pack.prompts:
        owners.append((prompt_as_drill(p), [e for e in used if e.prompt == p.id], "point"))
    if drill is not None:
        owners = [o for o in owners if o[0].id == drill]
        if not owners:
            raise KeyError(drill)
    items: list[ItemReport] = []
    for d, examples, kind in owners:
        items += _check_owner(d, examples, kind, synonyms, max_suggestions)
    return CueReport(pack.id, pack.version, split, sum(len(ex) for _, ex, _ in owners),
                     0 if split in ("all", "holdout") else sum(1 for e in pack.examples if e.split == "holdout"
                                                               and (drill is None or e.item == drill)),
                     items)


def _check_owner(d: Drill, examples: list[Example], criterion_kind: ItemKind, synonyms: Synonyms,
                 max_suggestions: int) -> list[ItemReport]:
    grades = {e.id: grade(d, e.answer, synonyms) for e in examples}
    baseline = _outcomes(d, examples, synonyms)
    stems = {e.id: [s.stems for s in split_sentences(e.answer)] for e in examples}
    out = []
    items: list[tuple[ItemKind, str, str, list[str]]] = [
        (criterion_kind, c.id, c.text, [*c.cues, *(f"[part] {' | '.join(p)}" for p in c.parts)]) for c in d.criterion]
    items += [("must_not", m.id, m.text, list(m.cues)) for m in d.must_not]
    for kind, item_id, text, shown_cues in items:
        own_cues = list(next((c.cues for c in d.criterion if c.id == item_id), None)
                        or next((m.cues for m in d.must_not if m.id == item_id), []))
        misses, false_hits = [], []
        for e in examples:
            g = grades[e.id]
            truth, got = _truth(kind, item_id, e), _got(kind, item_id, g)
            if truth and not got:
                note = "" if kind == "must_not" else g.criteria[item_id].note
                misses.append(Quote(e.id, e.kind, _unclaimed(e.answer, g), note))
            elif got and not truth:
                quote = _sentence_at(e.answer, _evidence_start(kind, item_id, g))
                culprits = [q for q in own_cues if _got(kind, item_id, grade(
                    _with_cues(d, kind, item_id, [q], only=True), e.answer, synonyms))]
                false_hits.append(Quote(e.id, e.kind, quote, "", culprits))
        adds, removes = _suggest(d, examples, kind, item_id, own_cues, misses, false_hits, stems, baseline, synonyms)
        out.append(ItemReport(d.id, item_id, kind, text, shown_cues,
                              sum(_truth(kind, item_id, e) for e in examples),
                              sum(not _truth(kind, item_id, e) for e in examples),
                              misses, false_hits, adds[:max_suggestions] + removes[:max_suggestions]))
    return out


def _suggest(d: Drill, examples: list[Example], kind: ItemKind, item_id: str, own_cues: list[str],
             misses: list[Quote], false_hits: list[Quote], stems: dict[str, list[list[str]]],
             baseline: dict, synonyms: Synonyms) -> tuple[list[Suggestion], list[Suggestion]]:
    by_id = {e.id: e for e in examples}
    positives = [e for e in examples if _truth(kind, item_id, e)]
    negatives = [e for e in examples if not _truth(kind, item_id, e)]
    scored: list[tuple[tuple, str, int, int]] = []
    if misses:
        seen: set[str] = set()
        for m in misses:  # from the sentences no other item was credited from: where the missed step is
            for part in m.quote.split(" … "):
                seen.update(ngram_candidates_in(part))
        missed_ids = {m.example for m in misses}
        forms: dict[tuple[str, ...], str] = {}  # one phrase per stem sequence ("charge", "charging" → "charge")
        for phrase in sorted(seen, key=lambda p: (len(p), p)):
            forms.setdefault(tuple(norm(phrase)), phrase)
        for key_t, phrase in forms.items():
            key = list(key_t)
            if not key:
                continue
            pos = sum(_contains(stems[e.id], key) for e in positives)
            neg = sum(_contains(stems[e.id], key) for e in negatives)
            missed = sum(_contains(stems[i], key) for i in missed_ids)
            if pos - neg <= 0:
                continue
            words = phrase.split()
            inner_stops = sum(w in STOPWORDS for w in words)
            scored.append(((-(pos - neg), -missed, neg, inner_stops, abs(len(words) - 2), phrase), phrase, pos, neg))
    scored.sort()
    adds: list[Suggestion] = []
    for _, phrase, pos, neg in scored[:CANDIDATES_GRADED]:
        after = _outcomes(_with_cues(d, kind, item_id, [*own_cues, phrase]), examples, synonyms)
        fixes, breaks = _changes(baseline, after, item_id)
        if fixes:
            adds.append(Suggestion("add", phrase, fixes, breaks, pos, neg))
    removes: list[Suggestion] = []
    culprits = dict.fromkeys(q for h in false_hits for q in h.cues)
    for q in culprits:
        rest = [x for x in own_cues if x != q]
        has_parts = any(c.parts for c in d.criterion if c.id == item_id)
        if not rest and not has_parts:
            continue  # its only cue: the item needs rewriting, not a cue less
        after = _outcomes(_with_cues(d, kind, item_id, rest), examples, synonyms)
        fixes, breaks = _changes(baseline, after, item_id)
        if fixes:
            removes.append(Suggestion("remove", q, fixes, breaks))
    best = lambda s: (-(len(s.fixes) - len(s.breaks)), len(s.breaks))  # noqa: E731
    return sorted(adds, key=best), sorted(removes, key=best)


def ngram_candidates_in(answer: str) -> Iterable[str]:
    """The candidates of every sentence of *answer* (n-grams never cross a sentence)."""
    for s in split_sentences(answer):
        yield from ngram_candidates(s.text)


# --- the text report ---------------------------------------------------------------------------------

def _ids(changes: list[Change], item_id: str) -> str:
    return ", ".join(c.example if c.item == item_id else f"{c.example} ({c.item})" for c in changes)


def render(report: CueReport, *, quotes: int = 6) -> str:
    left = (f"; {report.holdout_left_out} holdout answers left out: they are for evaluation only "
            "(`drillpad eval grading`)" if report.holdout_left_out else "")
    out = [f"Cues of {report.pack} {report.version} checked on {report.answers} labelled {report.split} answers{left}.",
           "Each suggestion was measured by grading those answers again with the cue changed.", ""]
    owner = None
    for it in report.items:
        if it.owner != owner:
            owner = it.owner
            n = sum(1 for i in report.items if i.owner == owner)
            out.append(f"{'Prompt' if it.kind == 'point' else 'Drill'} {owner} ({n} items)")
        label = {"criterion": "criterion", "must_not": "must_not", "point": "point"}[it.kind]
        met_word = "labelled as committed" if it.kind == "must_not" else "labelled met"
        out.append(f"  {label} {it.id} — {it.text}")
        if not it.labelled_met + it.labelled_not_met:
            out.append("    no labelled answers: add some to examples/ to check these cues")
            continue
        if not it.misses and not it.false_hits:
            out.append(f"    right on all {it.labelled_met + it.labelled_not_met} answers")
        if it.misses:
            out.append(f"    misses {len(it.misses)} of {it.labelled_met} answers {met_word}:")
            for q in it.misses[:quotes]:
                note = f" ({q.note})" if q.note else ""
                out.append(f"      {q.example} [{q.kind}] “{_short(q.quote)}”{note}")
        if it.false_hits:
            not_word = "labelled as not committed" if it.kind == "must_not" else "labelled not met"
            out.append(f"    wrongly found in {len(it.false_hits)} of {it.labelled_not_met} answers {not_word}:")
            for q in it.false_hits[:quotes]:
                by = f" — by cue {', '.join(repr(c) for c in q.cues)}" if q.cues else ""
                out.append(f"      {q.example} [{q.kind}] “{_short(q.quote)}”{by}")
        for s in it.suggestions:
            fixes = f"fixes {_ids(s.fixes, it.id)}"
            breaks = f"breaks {_ids(s.breaks, it.id)}" if s.breaks else "breaks nothing"
            seen = f" (in {s.met_with} met / {s.not_met_with} not-met answers)" if s.action == "add" else ""
            out.append(f"    suggestion: {s.action} cue \"{s.cue}\" — {fixes}; {breaks}{seen}")
        if (it.misses or it.false_hits) and not it.suggestions:
            out.append("    no single cue change fixes these without breaking others: reword the cues by hand, "
                       "or use parts = [[…], […]] for several things that must all be said")
    return "\n".join(out)


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
