"""Checks that help a pack author write content that grades well (run by `pack validate` and import).

These need the grader, so they run after the pack's files are valid on their own:

- a drill's model answer, graded by the real grader, must meet every required criterion and commit
  no must_not (error: a trainee writing the model answer would be told "not yet"); the same for a
  recall prompt's answer against its key points;
- risky cues (warning): a cue that is only stop words ("off", "the"), a cue that is one very common
  word ("check", "make"), a cue containing a negation word ("do not reach in": such a cue is
  matched literally, without the grader's negation handling);
- a task with no recall prompt (warning), a pack with no holdout examples (warning).

Each check returns findings; core.pack turns them into Problems with file and line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from drillpad.core.cues import (
    DETERMINERS, NEGATORS, PARTICLES, STOPWORDS, Synonyms, is_a_thing, plain_synonyms, plain_words,
)
from drillpad.core.grader import drill_synonyms, grade, grade_prompt, two_actions
from drillpad.core.pack import Drill, Example, Prompt, Role

# One word that almost every answer says, whatever it does: alone as a cue it credits nearly anyone.
COMMON_WORDS = frozenset("""
check make put take use get go do done see look know want need work way time area sure safe safely right good
fine job people person start back keep help move come give let try leave thing things stuff say said sort bit
everything something anything place call tell ask report area okay ok yes now always again
""".split())


@dataclass(frozen=True)
class Finding:
    file: str
    loc: tuple
    message: str
    severity: Literal["error", "warning"] = "warning"


def check_model_answers(drills: Iterable[tuple[str, Drill]], prompts: Iterable[tuple[str, int, Prompt]],
                        synonyms: Synonyms) -> list[Finding]:
    """Grade each drill's model answer (and each prompt's answer) with the real grader."""
    out: list[Finding] = []
    for path, d in drills:
        g = grade(d, d.model_answer, synonyms)
        failed = [c for c in d.criterion if c.required and not g.criteria[c.id].met]
        why = []
        if failed:
            why.append("it fails its own required criterion " + ", ".join(
                f"{c.id!r} ({c.text}{'; ' + g.criteria[c.id].note if g.criteria[c.id].note else ''})" for c in failed))
        if g.violations:
            why.append("it commits must_not " + ", ".join(f"{v.id!r} (said “{v.evidence}”)" for v in g.violations))
        if {"stuffing", "off-topic"} & set(g.flags):
            why.append("the grader reads it as " + " and ".join(f for f in g.flags if f in ("stuffing", "off-topic")))
        if why:
            out.append(Finding(path, ("model_answer",), "the model answer, graded like a trainee's, is not a pass: "
                               + "; ".join(why) + ". Add cues in the model answer's words, or reword it, so a "
                               "trainee who writes it is told they passed", "error"))
        elif g.needs_review:
            out.append(Finding(path, ("model_answer",), "the model answer passes but would be sent to a manager "
                               "(" + (", ".join(g.flags) or "the grader is unsure of "
                                      + ", ".join(k for k, r in g.criteria.items() if r.confidence < 0.6)) + ")"))
    for path, i, p in prompts:
        g = grade_prompt(p, p.answer, synonyms)
        failed = [pt for pt in p.point if not g.criteria[pt.id].met]
        if failed:
            out.append(Finding(path, ("prompt", i, "answer"), f"prompt {p.id!r}: its own answer does not meet key "
                               "point " + ", ".join(f"{pt.id!r} ({pt.text})" for pt in failed)
                               + ": add a cue in the answer's words, so a learner who writes it is told it is right",
                               "warning"))
    return out


def cue_risk(cue: str) -> tuple[str, str]:
    """(kind, word) when *cue* is risky: "negation", "stop words", "common word" or "particle dropped" (the word
    the cue is then read as); else ("", "")."""
    for term in cue.split(" + "):
        words = plain_words(term)  # as the grader reads it: "dont" is "don't"
        if len(words) == 2 and words[1] in PARTICLES and words[0] not in STOPWORDS:
            # "pop in", "head in": the grader keeps the particle only after a verb it knows, so the cue is met by its
            # first word alone ("pop" is also "put")
            units = plain_synonyms().cue_units(term)
            if len(units) == 1 and not any(" " in k for k in units[0].keys):
                return "particle dropped", words[0]
        negators = [w for i, w in enumerate(words) if (w in NEGATORS or w.endswith("n't"))
                    and not (i and is_a_thing(w, words[i - 1]))]  # ("into the skip": the waste container)
        if negators:
            return "negation", negators[0]
        if words and all(w in STOPWORDS for w in words):
            return "stop words", words[0]
        # ("my things", "the area": the grader may skip "my" and "the")
        content = [w for w in words if w not in DETERMINERS]
        if len(content) == 1 and content[0] in COMMON_WORDS and " + " not in cue:
            return "common word", content[0]
    return "", ""


def _risk_message(kind: str, cues: list[tuple[str, str]]) -> str:
    listed = ("cue " if len(cues) == 1 else "cues ") + ", ".join(repr(c) for c, _ in cues)
    verb = ("is", "contains") if len(cues) == 1 else ("are", "contain")
    if kind == "negation":
        words = ", ".join(dict.fromkeys(repr(w) for _, w in cues))
        return (f"{listed} {verb[1]} the negation word {words}: a cue with a negation word is matched "
                f"literally, so the answer must use these very words (\"I won't …\" does not meet \"not …\"), and "
                "the grader's negation handling is off for it. Prefer the action itself as the cue (\"keep clear\" "
                "rather than \"don't go near\"), and write a forbidden action as a must_not")
    if kind == "particle dropped":
        words = ", ".join(dict.fromkeys(repr(w) for _, w in cues))
        return (f"{listed} {verb[0]} read as {words} alone: the grader keeps a last word like 'in' or 'out' only "
                "after a verb it knows, so any answer that says the first word meets it (\"pop in\" meets \"I put my "
                "gown on\"). Give it its place or object: \"pop into iso\", \"head + into the hopper\"")
    if kind == "stop words":
        return (f"{listed} {verb[0]} only common word(s) such as 'the', 'off', 'what': it is met by almost any answer. "
                "Write the action or thing it stands for")
    return (f"{listed} {verb[0]} a single very common word: almost every answer says it, so it credits answers that "
            "do not do this step. Say what it applies to (\"check the chocks\"), or join it to another term "
            "with ' + '")


def check_cues(drills: Iterable[tuple[str, Drill]], prompts: Iterable[tuple[str, int, Prompt]],
               synonyms: Synonyms | None = None) -> list[Finding]:
    out: list[Finding] = []

    def look(path: str, loc: tuple, cues: Iterable[str]) -> None:
        risky: dict[str, list[tuple[str, str]]] = {}
        for cue in cues:
            kind, word = cue_risk(cue)
            if kind:
                risky.setdefault(kind, []).append((cue, word))
        for kind, found in risky.items():
            out.append(Finding(path, loc, _risk_message(kind, found)))

    for path, d in drills:
        for i, c in enumerate(d.criterion):
            look(path, ("criterion", i, "cues"), c.cues)
            look(path, ("criterion", i, "parts"), (q for part in c.parts for q in part))
            if (two := two_actions(d, c, drill_synonyms(d, synonyms))) is not None and all(two.asked):
                first, second = two.actions
                out.append(Finding(path, ("criterion", i, "text"), (
                    f"criterion '{c.id}' asks for two actions (“{first}” and “{second}”) but has only cues: "
                    "an answer that says one of them goes to a manager unless it also says something of the "
                    "other. To say exactly which words count for each, use parts = [[...], [...]] "
                    "(docs/pack-format.md, \"Criteria with several parts\")")))
        for i, m in enumerate(d.must_not):
            look(path, ("must_not", i, "cues"), m.cues)
    for path, i, p in prompts:
        for j, pt in enumerate(p.point):
            look(path, ("prompt", i, "point", j, "cues"), pt.cues)
    return out


def check_coverage(roles: Iterable[tuple[str, Role]], prompts: Iterable[tuple[str, int, Prompt]],
                   examples: list[tuple[str, int, Example]]) -> list[Finding]:
    out: list[Finding] = []
    with_prompt = {p.task for _, _, p in prompts}
    for path, role in roles:
        for i, t in enumerate(role.task):
            if t.id not in with_prompt:
                out.append(Finding(path, ("task", i, "id"), f"task {t.id!r} has no recall prompt in prompts/: "
                                   "learners only meet it in lessons and drills, and spaced recall has nothing to "
                                   f"ask; add a [[prompt]] with task = \"{t.id}\""))
    if not examples:
        out.append(Finding("examples/", (), "the pack has no labelled example answers: nobody can measure how well "
                           "its cues grade. Add examples/*.toml with split = \"dev\" (to tune cues on) and "
                           "split = \"holdout\" (for evaluation only)"))
    elif not any(e.split == "holdout" for _, _, e in examples):
        out.append(Finding(examples[0][0], (), "no labelled example is split = \"holdout\": `eval grading` can only "
                           "report figures on answers the cues were tuned on. Keep some answers, written by someone "
                           "who has not seen the cues, as holdout for evaluation only"))
    return out
