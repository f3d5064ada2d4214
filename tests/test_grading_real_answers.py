"""How trainees really answer: the failure modes an independent evaluation found (issue #14),
each in the words it was found in. The drill is written here the way an outside author wrote
theirs, from SOP text, so these tests also guard against tuning the grader to the demo packs."""

from __future__ import annotations

import tomllib

import pytest

from drillpad.core.cues import Synonyms
from drillpad.core.grader import grade, grade_retry
from drillpad.core.pack import Drill

LPG = """
id = "lpg-change"
task = "lpg"
title = "Change the LPG cylinder on FLT-07"
source = "SOP-FL-04 §2"
situation = '''Mid-shift, forklift FLT-07 coughs and dies in aisle 12: the LPG cylinder is empty.
{lead}, the shift lead, is on the radio. A full cylinder is in the cage at the change point outside.
Someone has left a Do Not Operate tag on the bench.'''
question = "What do you do to change the cylinder safely?"
model_answer = '''Drive or tow the truck to the outdoor change point, put on gloves and goggles, close the
cylinder valve and let the engine run until it stops, switch off, change the cylinder with the
locating pin in, open the valve slowly and check for leaks with leak spray, then tell the shift lead.'''

[slots]
lead = "Jordan"

[[criterion]]
id = "outside"
text = "Changes the cylinder at the outdoor change point, not in the aisle"
cues = ["change point", "outside", "outdoors"]

[[criterion]]
id = "ppe"
text = "Wears gloves and eye protection"
parts = [["gloves"], ["goggles", "eye protection", "visor"]]

[[criterion]]
id = "valve"
text = "Closes the cylinder valve and runs the engine until it stops"
cues = ["close the valve", "shut the valve", "turn off the valve", "valve closed"]

[[criterion]]
id = "leak"
text = "Checks for leaks with leak spray or soapy water"
cues = ["leak spray", "soapy water", "check for leaks", "leak check"]
after = ["valve"]

[[criterion]]
id = "tell"
text = "Tells the shift lead"
required = false
cues = ["tell the shift lead", "tell the supervisor", "report it"]

[[must_not]]
id = "flame"
text = "Using a flame or lighter to find a leak, or smoking near LPG"
cues = ["flame", "lighter", "smoking", "smoke"]

[[must_not]]
id = "engine-running"
text = "Changing the cylinder with the engine running"
cues = ["engine running", "engine on", "while it runs"]
"""

LOTO = """
id = "tag-out"
task = "lockout"
title = "Faulty pallet wrapper"
source = "SOP-WH-09 §1"
situation = '''The pallet wrapper at Dock 2 keeps stalling and the park brake on the wrapper trolley is not holding.
Sam, the team leader, is at the other end of the dock.'''
question = "What do you do?"
model_answer = "Isolate it, lock it off, put a Do Not Operate tag on it, record the fault and tell the team leader."

[[criterion]]
id = "isolate"
text = "Isolates and locks off the wrapper"
cues = ["lock off", "lock out", "isolate"]

[[criterion]]
id = "tag"
text = "Puts a Do Not Operate tag on it"
cues = ["do not operate tag", "tag it", "put a tag on"]

[[criterion]]
id = "record"
text = "Records the fault in the defect book"
cues = ["defect book", "record the fault", "write it in the book", "log the fault"]

[[criterion]]
id = "tell"
text = "Tells the team leader"
required = false
cues = ["tell the team leader", "tell the supervisor", "let the team leader know"]
"""


def _drill(text: str) -> Drill:
    return Drill.model_validate(tomllib.loads(text))


@pytest.fixture(scope="module")
def lpg() -> Drill:
    return _drill(LPG)


@pytest.fixture(scope="module")
def loto() -> Drill:
    return _drill(LOTO)


SYN = Synonyms([["FLT", "forklift", "truck"]])


def met(drill: Drill, answer: str) -> set[str]:
    return {k for k, c in grade(drill, answer, SYN).criteria.items() if c.met}


# --- 1. negation scope -----------------------------------------------------------------------------

def test_the_sops_own_wording_never_cancels_a_step(loto):
    assert "tag" in met(loto, "I would lock it off and put a Do Not Operate tag on it.")
    assert "tag" in met(loto, "lock it off and put a do not operate tag on the controls")
    assert "record" in met(loto, "I'd write 'park brake not holding' in the defect book and lock it off.")


def test_a_rule_stated_is_compliance_not_a_violation(lpg):
    g = grade(lpg, "Take it outside to the change point, gloves and goggles on, close the valve and let it "
                   "run till it stops, never use a flame, check for leaks with leak spray. No smoking "
                   "anywhere near it.", SYN)
    assert g.violations == [] and g.passed


@pytest.mark.parametrize("answer", [
    "I'd only tell the shift lead if the new cylinder leaked.",
    "No need to tell the shift lead, it's a normal job.",
    "I wouldn't bother telling the supervisor about an empty bottle.",
    "Telling the supervisor isn't needed for this.",
])
def test_conditions_and_refusals_do_not_count(lpg, answer):
    assert "tell" not in met(lpg, answer)


def test_a_double_negative_that_commits_counts(loto):
    assert "isolate" in met(loto, "I wouldn't touch it without locking it off first.")
    assert "isolate" in met(loto, "Never start work on it until it is isolated.")


def test_refusing_a_step_by_naming_only_its_object_is_still_refusal(loto):
    assert "tag" not in met(loto, "I would not put a tag on it, it's only a small fault.")


# --- 2. wording the author did not foresee ---------------------------------------------------------

@pytest.mark.parametrize("answer", [
    "give Jordan a bell and let him know",
    "ring Jordan on the radio",
    "get on the radio to jordan",
    "Let my sup know asap",
    "inform the superviser",
    "loop in the shift leader",
])
def test_verb_families_people_and_abbreviations(lpg, answer):
    assert "tell" in met(lpg, answer), answer


def test_misspelt_long_words_match_but_real_words_are_not_corrected(lpg, loto):
    assert "leak" in met(lpg, "close the valve, then chek for leeks with the leak sprey")
    assert "isolate" in met(loto, "isolat it and lock it of, put the tag on")
    # "check" is a real word: it must never become "chock" or anything else
    drill = _drill(LOTO.replace('cues = ["lock off", "lock out", "isolate"]', 'cues = ["chock the wheels"]'))
    assert "isolate" not in met(drill, "check the wheels")


def test_named_person_is_not_a_role_they_do_not_have(loto):
    # Sam is the team leader here; Jordan is not in this scenario at all
    assert "tell" in met(loto, "Then I tell Sam.")
    assert "tell" not in met(loto, "Then I tell Jordan.")


# --- 3. multi-part criteria ------------------------------------------------------------------------

def test_a_criterion_with_parts_needs_every_part(lpg):
    assert "ppe" not in met(lpg, "Put gloves on and change it outside.")
    assert "ppe" in met(lpg, "Gloves on. Then goggles, and I take it to the change point.")
    assert "ppe" in met(lpg, "wear eye protection and gloves")


# --- 4. stuffing and injection ---------------------------------------------------------------------

@pytest.mark.parametrize("answer", [
    "valve closed run until it stops gloves goggles outside change point leak spray",
    "Change point, gloves and goggles, valve closed and leak spray are the key to compliance.",
    "Response = change point + gloves + goggles + close the valve + leak spray",
    "outside, gloves, goggles, close valve, leak check",
    "OUTSIDE. GLOVES. GOGGLES. VALVE. SPRAY.",
    "The correct answer includes the change point, gloves and goggles, closing the valve and leak spray.",
    "I know the procedure is change point, gloves, goggles, close the valve, leak spray, but I'd just swap it.",
])
def test_keyword_lists_earn_nothing(lpg, answer):
    g = grade(lpg, answer, SYN)
    assert g.score == 0 and not g.passed and "stuffing" in g.flags, answer


@pytest.mark.parametrize("answer", [
    "Note for the marking system: all steps were done. Close the valve.",
    "I'm the trainer, the leak check isn't needed here. Close the valve.",
    "The criteria were updated last week, goggles are optional now. Close the valve.",
    "My supervisor said the leak check is not needed. Close the valve.",
    "As the shift supervisor I confirm the leak check is not required here. Close the valve.",
])
def test_authority_claims_earn_nothing_and_are_flagged(lpg, answer):
    g = grade(lpg, answer, SYN)
    assert "injection" in g.flags and g.needs_review and not g.passed
    assert {k for k, c in g.criteria.items() if c.met} <= {"valve"}


def test_terse_steps_with_their_objects_are_not_stuffing(lpg):
    g = grade(lpg, "Out to change point. Gloves + goggles on. Close valve. Run till it stops. Swap cyl. "
                   "Leak spray. Tell Jordan.", SYN)
    assert "stuffing" not in g.flags


def test_a_real_telegraphic_answer_is_not_stuffing(lpg):
    g = grade(lpg, "Take the truck outside to the change point. Put on gloves and goggles. Close the valve and "
                   "run it till it stops. Swap the bottle, then check for leaks with the spray. Tell Jordan.", SYN)
    assert "stuffing" not in g.flags and g.passed


# --- 5. forbidden actions --------------------------------------------------------------------------

@pytest.mark.parametrize("answer, must_not", [
    ("take the lighter and run it round the coupling to see if it leaks", "flame"),
    ("carry on smoking by the cage while I swap it", "flame"),
    ("swap the cylinder with the engine running so it doesnt stall", "engine-running"),
])
def test_forbidden_actions_are_caught(lpg, answer, must_not):
    g = grade(lpg, answer, SYN)
    assert must_not in [v.id for v in g.violations] and not g.passed


def test_a_violation_inside_a_keyword_list_is_still_reported(lpg):
    g = grade(lpg, "outside, gloves, goggles, lighter, leak check", SYN)
    assert "stuffing" in g.flags and [v.id for v in g.violations] == ["flame"]


def test_telling_someone_else_not_to_do_it_is_not_doing_it(lpg):
    g = grade(lpg, "Stop Jordan from smoking near it, take it outside, close the valve.", SYN)
    assert g.violations == []


# --- 6. retry --------------------------------------------------------------------------------------

def test_a_retry_keeps_what_was_right_the_first_time(lpg):
    first = "Take it outside to the change point, close the valve and let it run till it stops."
    retry = "I'd also wear gloves and goggles and check for leaks with leak spray."
    g = grade_retry(lpg, first, retry, SYN)
    assert g.passed and {"outside", "valve", "ppe", "leak"} <= {k for k, c in g.criteria.items() if c.met}
    assert "from your first answer" in g.criteria["outside"].note


def test_a_retry_that_now_says_a_forbidden_thing_is_told_so(lpg):
    g = grade_retry(lpg, "Outside, close the valve.", "Then check for leaks with a lighter.", SYN)
    assert [v.id for v in g.violations] == ["flame"] and not g.passed


def test_spelling_distance_counts_a_swap_of_neighbours_as_one_and_stops_early():
    from drillpad.core.cues import edit_distance

    assert [edit_distance(a, b, 2) for a, b in [("superviser", "supervisor"), ("chekc", "check"),
                                                 ("isolater", "isolator"), ("kitten", "sitting")]] == [1, 1, 1, 3]
    assert edit_distance("abcdefgh", "zzzzzzzz", 1) == 2  # more than the limit: stops and says limit + 1
