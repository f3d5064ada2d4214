"""Recall prompts graded by the same grader as drills: prompt_as_drill, labelled prompt answers in
`eval grading`, and the workspace's recall grading (negation and the lexicon apply to recall too)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drillpad.cli import main
from drillpad.core.cues import Synonyms
from drillpad.core.grader import grade_prompt, prompt_as_drill
from drillpad.core.pack import Prompt
from drillpad.drills.evaluation import evaluate
from drillpad.workspace import Workspace

PROMPT = Prompt.model_validate({
    "id": "jam-first", "task": "jam", "question": "What is the first thing you do at a jam?",
    "answer": "Press the e-stop.", "source": "SOP §3.1",
    "point": [{"text": "Press the e-stop", "cues": ["e-stop", "stop the belt"]},
              {"id": "tell", "text": "Tell the shift lead", "cues": ["tell + supervisor"]}],
})

PROMPT_EXAMPLES = '''
[[example]]
id = "mini-pr-1"
prompt = "jam-first"
kind = "paraphrased"
split = "dev"
answer = "Smack the emergency stop button."
met = ["p1"]

[[example]]
id = "mini-pr-2"
prompt = "jam-first"
kind = "negated"
split = "holdout"
answer = "I would not press the e-stop, I'd shout for help."
met = []
'''


def test_prompt_points_become_required_criteria_with_their_ids():
    drill = prompt_as_drill(PROMPT)
    assert [(c.id, c.text, c.required, c.cues) for c in drill.criterion] == [
        ("p1", "Press the e-stop", True, ["e-stop", "stop the belt"]),
        ("tell", "Tell the shift lead", True, ["tell + supervisor"])]
    assert drill.id == "jam-first" and drill.model_answer == "Press the e-stop." and drill.must_not == []


def test_recall_answers_get_negation_and_the_lexicon():
    assert not grade_prompt(PROMPT, "I would not press the e-stop.").criteria["p1"].met
    g = grade_prompt(PROMPT, "Hit the e-stop and let my sup know.", Synonyms())
    assert g.criteria["p1"].met and g.criteria["tell"].met and g.passed


def test_eval_grading_counts_prompt_examples(minipack):
    (minipack / "examples" / "prompts.toml").write_text(PROMPT_EXAMPLES)
    pack = Workspace.validate_pack(minipack)
    report = evaluate(pack)
    assert report.answers == 4  # 2 drill answers, 2 prompt answers
    assert report.by_kind["negated"]["answers"] == 2
    assert report.criteria == 2 * 2 + 2 * 1  # the drill has 2 criteria, the prompt 1 point


def test_eval_grading_cli_lists_a_prompt_mistake(minipack, capsys):
    (minipack / "examples" / "prompts.toml").write_text(PROMPT_EXAMPLES.replace(
        'answer = "Smack the emergency stop button."', 'answer = "I pull the cord to halt everything."'))
    assert main(["eval", "grading", "--pack", str(minipack)]) == 0
    out = capsys.readouterr().out
    assert "mini-pr-1 [paraphrased] point p1 missed" in out


def test_prompt_examples_are_imported_without_breaking_the_pack_import(minipack, workspace):
    (minipack / "examples" / "prompts.toml").write_text(PROMPT_EXAMPLES)
    assert workspace.import_pack(minipack).action == "installed"


# --- the workspace's recall grading --------------------------------------------------------------

@pytest.fixture
def alex(workspace, minipack):
    workspace.import_pack(minipack)
    workspace.profiles.add_learner("Alex", "dock-hand")
    return "Alex"


def test_recall_negation_with_a_double_negative_commits(workspace, alex):
    result = workspace.answer_prompt(alex, "jam-first", "I wouldn't go near it without hitting the e-stop first.", 3)
    assert result.correct and result.points[0].met


def test_recall_refusal_is_not_credited(workspace, alex):
    result = workspace.answer_prompt(alex, "jam-first", "No need to press the e-stop, it stopped by itself.", 3)
    assert not result.correct and not result.points[0].met


def test_recall_reads_misspellings_of_cue_words(workspace, alex):
    result = workspace.answer_prompt(alex, "jam-first", "I'd press the emergancy stop.", 3)
    assert result.correct


def test_recall_event_keeps_its_shape_and_adds_the_grader(workspace, alex):
    workspace.answer_prompt(alex, "jam-first", "e-stop", 3)
    payload = json.loads(workspace.db.execute("SELECT payload FROM events WHERE kind = 'review'").fetchone()[0])
    for key in ("pack", "task", "item_kind", "item", "score", "correct", "confidence", "rating", "seconds", "attempt",
                "missed"):
        assert key in payload
    assert payload["grader"].startswith("cues-") and payload["points"] == {"p1": True} and payload["flags"] == []


PPE = Prompt.model_validate({
    "id": "ppe", "task": "acid", "question": "What do you wear to top up a battery?",
    "answer": "Face shield, acid gloves and an apron.", "source": "SOP §2",
    "point": [{"id": "face", "text": "Face shield", "cues": ["face shield", "visor"]},
              {"id": "gloves", "text": "Acid gloves", "cues": ["gloves"]},
              {"id": "apron", "text": "Apron", "cues": ["apron"]}],
})


@pytest.mark.parametrize("answer", [
    # a recall question asks for the things themselves: a list of them is the answer (12zs and 12zt authors:
    # "Stockpile conveyors -> screens -> secondary -> primary -> feeder last." and "Indicator changed, wrap intact,
    # pack dry." met nothing and were told to say it in their own words)
    "Face shield, acid gloves, apron.",
    "face shield, gloves, apron",
    "Face shield -> gloves -> apron",
    "visor gloves apron",
])
def test_a_list_of_the_things_asked_is_a_recall_answer(answer):
    g = grade_prompt(PPE, answer)
    assert g.passed and "stuffing" not in g.flags


@pytest.mark.parametrize("answer", [
    # … but a dump of every word that might be asked is still a keyword list, and so is a frame or a claim
    "visor gloves apron boots helmet mask goggles earplugs harness vest lanyard respirator",
    "face shield, gloves, apron, boots, helmet, mask, goggles, earplugs, harness, vest, lanyard",
    "Face shield, gloves and apron are the key to compliance.",
])
def test_a_dump_of_terms_is_still_no_recall_answer(answer):
    assert not grade_prompt(PPE, answer).passed


def test_a_drill_still_wants_a_plan_not_a_list():
    from drillpad.core.grader import grade
    from drillpad.core.pack import Drill
    drill = Drill.model_validate(prompt_as_drill(PPE).model_dump())
    assert "stuffing" in grade(drill, "visor gloves apron").flags
