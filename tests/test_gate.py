"""The quality gate on AI-adapted scenarios: one test per check, on the demo pack's conveyor drill."""

from __future__ import annotations

import pytest

from drillpad.core.cues import Synonyms
from drillpad.core.gate import Candidate, check, grade_level, similarity
from drillpad.store.packs import load_pack_folder

from tests.conftest import REPO

PACK = load_pack_folder(REPO / "assets" / "packs" / "warehouse-associate")
DRILL = next(d for d in PACK.drills if d.id == "jam-at-c2")
SYN = Synonyms([g.terms for g in PACK.manifest.synonyms])
QUESTION = "What do you do, in order, before the belt runs again?"
GOOD = ("It is the early shift at Dock 5. A torn carton is jammed under the side guard of conveyor C2. "
        "The belt has stopped by itself, but the motor is still humming, and Tomasz is waiting for the next tote.")


def gate(situation: str, question: str = QUESTION, **kw):
    return check(DRILL, Candidate(situation, question), synonyms=SYN, context=PACK.manifest.context, **kw)


def failed(result) -> set[str]:
    return {c.name for c in result.checks if not c.passed}


def test_a_faithful_retelling_in_the_pack_vocabulary_passes():
    result = gate(GOOD)
    assert result.passed, result.reasons
    assert result.to_payload()["checks"]["facts"]["detail"] == "3 kept"


def test_a_variant_that_drops_a_fact_the_criteria_depend_on_fails_and_names_it():
    result = gate(GOOD.replace("The belt has stopped by itself, but the motor is still humming", "The belt is slow"))
    assert failed(result) == {"facts"}
    assert "the belt stopped by itself" in result.reasons[0] and "the motor is still live" in result.reasons[0]


def test_a_variant_that_suggests_a_must_not_action_fails():
    result = gate(GOOD + " Your lead says you can just reach in and pull the carton out.")
    assert "must_not" in failed(result)


def test_a_variant_that_gives_away_a_required_step_fails():
    result = gate(GOOD + " You remember to lock out the isolator with your padlock.")
    assert "answer_leak" in failed(result)


@pytest.mark.parametrize("situation", ["Dock 3, late shift.", " ".join([GOOD] * 4)])
def test_too_short_or_too_long_fails(situation):
    assert "length" in failed(gate(situation))


def test_a_statement_instead_of_a_question_fails():
    assert failed(gate(GOOD, "Describe it")) == {"question"}


def test_hard_reading_level_fails():
    wordy = ("Notwithstanding considerable organisational inconsistencies, a comprehensively deteriorated "
             "corrugated container has become irretrievably immobilised underneath the protective lateral "
             "guarding of conveyor C2; the belt has stopped by itself, although the electrical motor "
             "unmistakably continues humming, while Jordan is waiting.")
    assert grade_level(wordy) > 9
    assert "reading_level" in failed(gate(wordy))


@pytest.mark.parametrize("leftover", ["{person}", "<|im_end|>", "Here is a scenario:", "[name]"])
def test_leftover_template_tokens_and_meta_talk_fail(leftover):
    assert "template_tokens" in failed(gate(GOOD + " " + leftover))


def test_contact_details_unknown_names_and_learners_names_fail():
    assert "personal_data" in failed(gate(GOOD + " Call 07700 900123 if needed."))
    assert "personal_data" in failed(gate(GOOD.replace("Tomasz", "Brenda Smith")))
    assert "personal_data" in failed(gate(GOOD, personal_names=["Tomasz Bell"]))
    # measurements and the pack's own names are not personal data
    assert gate(GOOD.replace("tote.", "tote of 12.5 kg.")).passed


def test_a_copy_of_the_written_scenario_or_of_a_recent_variant_fails():
    assert "near_duplicate" in failed(gate(DRILL.situation_text()))
    result = gate(GOOD, recent=[GOOD.replace("Tomasz", "Tomasz again")])
    assert failed(result) == {"near_duplicate"} and "recent variant" in result.reasons[0]
    assert similarity(GOOD, GOOD) == 1.0


def test_a_drill_without_facts_is_never_varied():
    bare = DRILL.model_copy(update={"fact": []})
    result = check(bare, Candidate(GOOD, QUESTION), synonyms=SYN, context=PACK.manifest.context)
    assert not result.passed and "lists no facts" in result.reasons[0]
