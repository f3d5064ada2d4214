"""`drillpad eval grading` says what an answer that commits a forbidden act is told: the issue's own words are
"a trainee who ... says a forbidden action must not pass". Forbidden acts caught counts each act the grader names;
this counts answers, by what the trainee sees (a missed act on an answer that also misses its safeguard is still
told "not yet")."""

from __future__ import annotations

from dataclasses import replace

from drillpad.cli import main
from drillpad.core.grader import grade
from drillpad.drills.evaluation import evaluate, render
from drillpad.workspace import Workspace


def _pack(tmp_path):
    folder = tmp_path / "p"
    assert main(["pack", "new", str(folder)]) == 0
    return Workspace.validate_pack(folder)


def test_answers_that_commit_a_forbidden_act_are_counted_by_what_they_are_told(tmp_path):
    pack = _pack(tmp_path)
    committing = [e for e in pack.examples if e.violations]
    assert committing, "the template labels an answer that commits a forbidden act"
    report = evaluate(pack)
    assert report.forbidden_answers == len(committing)
    assert report.forbidden_passed == 0 and sum(report.forbidden_outcomes.values()) == len(committing)


def test_a_grader_that_misses_every_forbidden_act_and_passes_is_seen(tmp_path):
    pack = _pack(tmp_path)

    def blind(drill, answer, synonyms=None):
        g = grade(drill, answer, synonyms)
        return replace(g, violations=[], passed=True, needs_review=False)

    report = evaluate(pack, grader=blind)
    assert report.forbidden_passed == report.forbidden_answers > 0
    text = render(pack, [report])
    assert f"of the {report.forbidden_answers} that commit a forbidden act: pass {report.forbidden_passed}" in text
