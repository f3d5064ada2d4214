"""`drillpad pack check-cues`: per criterion, must_not and prompt point, which labelled answers the
cues miss or wrongly meet (with the sentence), and cue suggestions mined from the labelled answers,
each measured by grading with the real grader on a copy of the drill."""

from __future__ import annotations

import json

import pytest

from drillpad.cli import main
from drillpad.drills.cue_check import check_cues, ngram_candidates
from drillpad.workspace import Workspace

EXAMPLES = '''
[[example]]
id = "ab-1"
drill = "jam-c1"
kind = "paraphrased"
split = "dev"
answer = "First I slap the panic plunger on the side. Then I lock out the isolator."
met = ["stop", "lockout"]

[[example]]
id = "ab-2"
drill = "jam-c1"
kind = "non-native"
split = "dev"
answer = "I slap panic plunger quick. After I lock out isolator with padlock."
met = ["stop", "lockout"]

[[example]]
id = "ab-3"
drill = "jam-c1"
kind = "partial"
split = "dev"
answer = "I check the plunger is not stuck and then lock out the isolator."
met = ["lockout"]

[[example]]
id = "ab-4"
drill = "jam-c1"
kind = "wrong"
split = "dev"
answer = "I stop the belt at the far end by hand. Then I pull the carton out with my fingers."
met = []
violations = ["reach-in"]

[[example]]
id = "ab-5"
drill = "jam-c1"
kind = "correct"
split = "dev"
answer = "Press the e-stop, then lock out the isolator with my padlock and test it."
met = ["stop", "lockout"]

[[example]]
id = "ab-6"
drill = "jam-c1"
kind = "paraphrased"
split = "holdout"
answer = "I slap the panic plunger and padlock the isolator."
met = ["stop", "lockout"]

[[example]]
id = "ab-7"
prompt = "jam-first"
kind = "paraphrased"
split = "dev"
answer = "Slap the panic plunger."
met = ["p1"]
'''


@pytest.fixture
def pack(minipack):
    (minipack / "examples" / "more.toml").write_text(EXAMPLES)
    return Workspace.validate_pack(minipack)


def item(report, owner, item_id):
    return next(i for i in report.items if i.owner == owner and i.id == item_id)


def test_a_missed_criterion_lists_the_answers_with_their_sentence(pack):
    stop = item(check_cues(pack), "jam-c1", "stop")
    assert [m.example for m in stop.misses] == ["ab-1", "ab-2"]
    assert stop.misses[0].quote == "First I slap the panic plunger on the side."


def test_a_false_hit_names_the_sentence_and_the_cue_that_matched(pack):
    stop = item(check_cues(pack), "jam-c1", "stop")
    (hit,) = stop.false_hits
    assert hit.example == "ab-4" and hit.quote == "I stop the belt at the far end by hand."
    assert hit.cues == ["stop the belt"]


def test_suggestions_separate_met_from_not_met_and_say_what_they_fix_and_break(pack):
    stop = item(check_cues(pack), "jam-c1", "stop")
    best = stop.suggestions[0]
    assert best.action == "add" and best.cue == "panic plunger"
    assert [f.example for f in best.fixes] == ["ab-1", "ab-2"] and best.breaks == []
    stop = item(check_cues(pack, max_suggestions=8), "jam-c1", "stop")
    plunger = next(s for s in stop.suggestions if s.cue == "plunger" and s.action == "add")
    assert [b.example for b in plunger.breaks] == ["ab-3"]  # "check the plunger" is not the e-stop


def test_removing_the_cue_behind_a_false_hit_is_measured_too(pack):
    stop = item(check_cues(pack), "jam-c1", "stop")
    remove = next(s for s in stop.suggestions if s.action == "remove")
    assert remove.cue == "stop the belt" and [f.example for f in remove.fixes] == ["ab-4"]


def test_suggestions_never_are_a_stop_word_or_start_or_end_with_one(pack):
    report = check_cues(pack)
    for i in report.items:
        for s in i.suggestions:
            if s.action == "add":
                words = s.cue.split()
                assert words[0] not in ("i", "the", "then", "on", "and", "with", "my", "first", "after")
                assert words[-1] not in ("i", "the", "then", "on", "and", "with", "my", "in", "out")


def test_ngram_candidates_respect_the_stop_word_rules():
    grams = ngram_candidates("First I slap the panic plunger on the side")
    assert "panic plunger" in grams and "slap the panic" in grams
    assert not {"the", "on the", "panic plunger on", "i slap", "first"} & set(grams)


def test_a_missed_forbidden_action_is_listed(pack):
    reach = item(check_cues(pack), "jam-c1", "reach-in")
    assert reach.kind == "must_not"
    assert [m.example for m in reach.misses] == ["ab-4"]
    assert reach.misses[0].quote == "Then I pull the carton out with my fingers."
    assert any(s.cue.startswith("pull the carton") or s.cue == "carton" for s in reach.suggestions)


def test_prompt_points_are_checked_like_criteria(pack):
    point = item(check_cues(pack), "jam-first", "p1")
    assert point.kind == "point" and [m.example for m in point.misses] == ["ab-7"]
    assert any(s.cue == "panic plunger" for s in point.suggestions)


def test_holdout_answers_are_left_out_by_default(pack):
    report = check_cues(pack)
    assert report.holdout_left_out == 2  # ab-6 and the minipack's own holdout answer
    assert "ab-6" not in [m.example for i in report.items for m in i.misses]
    stop = item(check_cues(pack, split="all"), "jam-c1", "stop")
    assert "ab-6" in [m.example for m in stop.misses]


def test_cli_text_and_json(pack, minipack, capsys):
    assert main(["pack", "check-cues", str(minipack), "--drill", "jam-c1"]) == 0
    out = capsys.readouterr().out
    assert "criterion stop" in out and "“First I slap the panic plunger on the side.”" in out
    assert 'add cue "panic plunger"' in out and "fixes ab-1, ab-2" in out
    assert "jam-first" not in out  # --drill keeps to that drill
    assert main(["pack", "check-cues", str(minipack), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    stop = next(i for i in data["items"] if i["owner"] == "jam-c1" and i["id"] == "stop")
    assert stop["suggestions"][0]["cue"] == "panic plunger"


def test_cli_unknown_drill_is_a_plain_error(minipack, capsys):
    assert main(["pack", "check-cues", str(minipack), "--drill", "nope"]) == 1
    assert "no drill or prompt 'nope'" in capsys.readouterr().err
