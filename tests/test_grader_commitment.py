"""What an answer commits to: a step said only on a condition, put off when the SOP says "at once",
left to someone who is not there, or said about a thing rather than done; and who a cue's "him"
stands for. All examples here are invented for these tests (a vehicle-lift fault in a workshop)."""

from __future__ import annotations

import tomllib

import pytest

from drillpad.core.cues import Synonyms, find_cue, split_sentences
from drillpad.core.grader import grade
from drillpad.core.pack import Drill

LIFT = tomllib.loads('''
id = "lift"
task = "workshop"
title = "Two-post lift drops"
source = "SOP 7"
situation = """At Northgate depot a two-post lift drops a few centimetres while you raise a van. Priti is
the shift lead. Owen, the van's driver, is standing next to the lift. Dana works in the next bay."""
question = "What do you do?"
model_answer = "Lower it, tag it, keep Owen away, tell Priti at once, get Dana to help move the van."

[[criterion]]
id = "report"
text = "Tells the shift lead (Priti) straight away"
cues = ["priti", "tell the shift lead"]

[[criterion]]
id = "tag"
text = "Puts a Do Not Use tag on the lift"
cues = ["tag"]

[[criterion]]
id = "owen-away"
text = "Keeps the driver away from the lift"
cues = ["keep him away", "keep him back"]

[[criterion]]
id = "helper"
text = "Gets a second person (Dana) to help move the van"
cues = ["dana", "get help"]

[[criterion]]
id = "stop"
text = "Stops work on the lift"
required = false
cues = ["stop work"]

[[must_not]]
id = "climb"
text = "Climbing onto the lift arms"
cues = ["climb up", "climb onto the arms"]

[[must_not]]
id = "force"
text = "Forcing the safety catch"
cues = ["force the catch", "wedge"]

[[must_not]]
id = "reset"
text = "Resetting the lift controller themselves"
cues = ["reset the controller"]

[[must_not]]
id = "one-go"
text = "Finishing the job in one go"
cues = ["in one go"]
''')


@pytest.fixture(scope="module")
def lift():
    return Drill.model_validate(LIFT)


def met(r):
    return {k for k, c in r.criteria.items() if c.met}


def ids(r):
    return sorted(v.id for v in r.violations)


# --- conditions and hedges ------------------------------------------------------------------------

def test_only_with_the_verb_between_is_still_conditional(lift):
    r = grade(lift, "Lower it and tag it. I'd only call Priti if it drops again.")
    assert "report" not in met(r) and "tag" in met(r)
    assert r.criteria["report"].note.startswith("said you would do it only if")


def test_a_step_followed_by_only_if_is_conditional(lift):
    r = grade(lift, "Lower it, then tag it and tell the shift lead only if it happens again.")
    assert "report" not in met(r) and "tag" in met(r)


def test_only_that_is_no_condition(lift):
    assert "report" in met(grade(lift, "Lower it, tag it and tell Priti - only that lift, not the others."))


# --- put off when the SOP says "at once" --------------------------------------------------------------

@pytest.mark.parametrize("later", ["Mention it to Priti at break.", "Tell the shift lead at the end of the shift.",
                                   "I'd let Priti know at some point today.", "Tell Priti later on."])
def test_a_step_put_off_is_not_done_straight_away(lift, later):
    r = grade(lift, "Lower it and tag it. " + later)
    assert "report" not in met(r) and r.criteria["report"].confidence >= 0.6


def test_putting_off_a_step_with_no_hurry_in_its_text_is_still_doing_it(lift):
    assert "tag" in met(grade(lift, "Lower it, tell Priti now, and tag it later once Owen has gone."))


def test_straight_away_is_no_putting_off(lift):
    assert "report" in met(grade(lift, "Lower it, tag it and tell Priti straight away, not at the end of the shift."))


# --- a person who is not there ------------------------------------------------------------------------

@pytest.mark.parametrize("away", ["Dana's busy so I'd move the van myself.",
                                  "Dana is on her break, so I'd shift the van on my own.",
                                  "Since Dana's not around I'd move it alone."])
def test_a_helper_said_to_be_unavailable_is_not_got(lift, away):
    assert "helper" not in met(grade(lift, "Lower it and tag it. " + away))


def test_a_helper_who_is_there_counts(lift):
    assert "helper" in met(grade(lift, "Lower it, tag it, and Dana's free so she helps me move the van."))


# --- the circumstance, not the step -----------------------------------------------------------------

def test_a_step_in_a_clause_about_something_else_happening_is_no_step(lift):
    r = grade(lift, "Keep raising it until the alarm stops, then tag it.")
    assert "stop" not in met(r)


def test_my_own_step_in_a_time_clause_still_counts(lift):
    assert "stop" in met(grade(lift, "Once I stop work on it, I tag it and tell Priti."))
    assert "stop" in met(grade(lift, "Nobody touches it until work has stopped on the lift."))


# --- "him" in a cue is whoever the scenario names -----------------------------------------------------

def test_a_cue_pronoun_is_met_by_a_person_the_scenario_names(lift):
    assert "owen-away" in met(grade(lift, "Lower it, keep Owen away from it and tag it."))


def test_a_cue_pronoun_is_not_met_by_a_thing(lift):
    assert "owen-away" not in met(grade(lift, "Lower it, keep the van away from the wall and tag it."))


def test_a_named_cue_is_not_met_by_a_pronoun_or_another_name(lift):
    assert "helper" not in met(grade(lift, "Lower it, tag it and get Owen to move the van."))


# --- forbidden actions in words the author did not list ---------------------------------------------

def test_hopping_up_is_climbing(lift):
    assert "climb" in ids(grade(lift, "I'd hop up on the arm to see the catch."))


def test_prising_is_forcing(lift):
    assert "force" in ids(grade(lift, "I'd prise the catch with a screwdriver so it holds."))


def test_a_jam_is_not_forcing(lift):
    assert "force" not in ids(grade(lift, "The catch is jammed, so I lower it, tag it and tell Priti at once."))
    assert "force" not in ids(grade(lift, "Lower it, tag it, tell Priti and note the jam in the log."))


def test_a_negator_refuses_a_long_forbidden_clause(lift):
    r = grade(lift, "I'm not going to poke about inside the cabinet of the lift to reset the controller myself either.")
    assert "reset" not in ids(r)
    assert "reset" in ids(grade(lift, "I'm not waiting for the engineer. I'd open the cabinet and reset the controller."))


def test_too_long_for_one_go_is_a_refusal(lift):
    assert "one-go" not in ids(grade(lift, "It's too big a job for one go, so I'd do half then take a break."))


def test_someone_elses_job_is_a_refusal(lift):
    r = grade(lift, "Resetting the controller is the engineer's job, not mine. I tag it and tell Priti.")
    assert "reset" not in ids(r)


def test_my_job_is_no_refusal(lift):
    assert "reset" in ids(grade(lift, "I'd reset the controller, it's my job anyway."))


SYN = Synonyms()


def said(text: str, cue: str) -> bool:
    return bool(find_cue(cue, split_sentences(text, SYN), SYN, suppositions=True))


def test_getting_someone_out_is_not_keeping_clear_myself():
    assert said("I keep clear of the lift.", "keep clear")
    assert not said("Once it stops I get Sam out to the side.", "keep clear")


def test_going_to_a_place_is_go_to():
    assert said("Then I am going to the locker for my phone.", "go to the locker")
    assert not said("I'm going to lock it off.", "go to the locker")


def test_a_quarantine_bay_is_a_place_not_out_of_service():
    assert said("Tag it out of use.", "out of service")
    assert not said("Drive it to the quarantine bay and put a tag on.", "out of service")


def test_putting_something_down_is_not_loading():
    assert said("Then we get loading.", "get loading")
    assert not said("The driver took the keys, so I get them and put them in the office.", "get loading")


def test_popping_a_cover_off_is_removing_it():
    assert said("I'd pop the cover off to look.", "remove the cover")


def test_already_so_is_a_state_not_a_step(lift):
    r = grade(lift, "No need to stop work, it's already stopped. Tag it and tell Priti at once.")
    assert "stop" not in met(r)
    assert "stop" in met(grade(lift, "I've already stopped work on it. Tag it and tell Priti at once."))


def test_a_person_after_him_is_not_the_one_told():
    assert not said("I'd walk to the cab and tell him Sam is behind the trailer.", "tell sam")
    assert not said("Call them and say the supervisor is on the way.", "call the supervisor")
    assert said("I'd tell Sam straight away.", "tell sam")
    assert said("Give the keys to Sam.", "give the keys")
    assert said("Give him the keys.", "give the keys")


# --- per-drill facts are worked out once per drill, not for every answer ----------------------------------

def test_per_drill_readings_are_computed_once(lift, monkeypatch):
    import drillpad.core.grader as grader_mod

    calls = {"two": 0, "guard": 0, "content": 0}
    real_two, real_guarded, real_content = grader_mod.two_actions, grader_mod._guarded, grader_mod._content

    def counting(name, real):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return real(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(grader_mod, "two_actions", counting("two", real_two))
    monkeypatch.setattr(grader_mod, "_guarded", counting("guard", real_guarded))
    monkeypatch.setattr(grader_mod, "_content", counting("content", real_content))
    drill = lift.model_copy(deep=True)  # a drill not seen before: its facts are worked out on its first answer
    answers = ["Lower it, tag it, tell Priti at once, keep Owen away and get Dana to help.",
               "No need to tag it. Tell Priti. Dana will help me. Owen keeps back.",
               "I won't bother with a tag. Keep Owen away and get help."]
    first = grade(drill, answers[0])
    after_first = dict(calls)
    again = [grade(drill, a) for a in answers * 2]
    assert calls == after_first
    assert again[0] == first



# --- said, and waved away in the step's own words -------------------------------------------------------

JACK = Drill.model_validate(tomllib.loads('''
id = "jack"
task = "workshop"
title = "Raising a van"
source = "SOP 8"
situation = "A van needs its front wheel off in bay 2."
question = "How do you raise it?"
model_answer = "Use the trolley jack instead of carrying the axle stands in one by one, and prove the stands hold."

[[criterion]]
id = "jack"
text = "Uses the trolley jack instead of lifting the corner by hand"
cues = ["trolley jack", "jack"]

[[criterion]]
id = "prove"
text = "Proves the axle stands hold before working underneath"
cues = ["check + stands", "prove + stands"]

[[must_not]]
id = "hand-lift"
text = "Lifting the corner of the van by hand instead of using the trolley jack"
cues = ["lift it by hand"]
'''))


def test_a_step_said_and_waved_away_goes_to_a_manager():
    r = grade(JACK, "Proving is not needed with new stands. Jack it up with the trolley jack and check the stands.")
    assert not r.criteria["prove"].met and r.needs_review and "contradictory" in r.flags


def test_waving_away_what_a_step_says_not_to_do_is_no_contradiction():
    r = grade(JACK, "Use the trolley jack, no need to lift it by hand. Prove the stands hold before going under.")
    assert r.criteria["jack"].met and r.passed and not r.needs_review and r.violations == []


# --- a step only considered is not committed to ------------------------------------------------------------

@pytest.mark.parametrize("maybe", ["I might tag it later if there's time.", "Maybe tag it?", "Perhaps I'd tag it.",
                                   "Should I put a tag on it?", "I could possibly tag it."])
def test_a_step_only_considered_is_not_done(lift, maybe):
    r = grade(lift, "Lower it and tell Priti at once. " + maybe)
    assert "tag" not in met(r) and "report" in met(r)


def test_a_forbidden_action_only_considered_is_still_said(lift):
    assert "reset" in ids(grade(lift, "I might just reset the controller and carry on."))


def test_a_sure_step_next_to_a_maybe_counts(lift):
    r = grade(lift, "Lower it, tag it and tell Priti at once; maybe Dana can help later.")
    assert {"tag", "report"} <= met(r)


@pytest.mark.parametrize(("text", "cue"), [("I'd just crack on and finish the van.", "carry on"),
                                           ("Keep going with the job, it's nearly done.", "carry on"),
                                           ("Tape over the sensor so it stops tripping.", "bypass the sensor"),
                                           ("I'd override the interlock for a second.", "cheat the interlock"),
                                           ("Stick my hand in and pull the rag out.", "reach in")])
def test_forbidden_actions_in_other_frontline_words(text, cue):
    assert said(text, cue)


def test_carrying_on_is_not_keeping_on_the_walkway():
    assert not said("Keep on the walkway and wait.", "carry on")


# --- "X before Y-ing" in a criterion's text: the answer must not do Y first ------------------------------

CHARGE = Drill.model_validate(tomllib.loads('''
id = "charge"
task = "charging"
title = "Topping up a battery"
source = "SOP 9"
situation = "A reach truck battery on charge in bay 3 needs topping up."
question = "What do you do?"
model_answer = "Let it finish, switch the charger off before unplugging, goggles on, top up with DI water."

[[criterion]]
id = "off-first"
text = "Switches the charger off before unplugging the battery"
cues = ["switch the charger off", "charger + off"]

[[criterion]]
id = "water"
text = "Tops up with deionised water"
cues = ["deionised water", "di water"]
'''))


def test_doing_what_the_criterion_says_comes_after_first_is_out_of_order():
    r = grade(CHARGE, "I unplug the battery from the charger and switch the charger off, then top up with DI water.")
    assert not r.criteria["off-first"].met and "order" in r.criteria["off-first"].note


@pytest.mark.parametrize("answer", [
    "Switch the charger off, then unplug the battery and top up with DI water.",
    "Before unplugging, I switch the charger off. Then DI water.",
    "I unplug it only after I switch the charger off, then top up with DI water.",
    "Never unplug it live: switch the charger off first, then DI water.",
])
def test_the_right_order_in_any_words_stays_met(answer):
    assert grade(CHARGE, answer).criteria["off-first"].met


def test_the_later_step_as_another_action_sentences_away_is_no_order():
    r = grade(CHARGE, "I unplug the radio in the office. I walk to bay 3. Switch the charger off and top up with DI water.")
    assert r.criteria["off-first"].met


def test_then_joins_the_order_across_a_split():
    r = grade(CHARGE, "I unplug the battery, then I switch the charger off and top up with DI water.")
    assert not r.criteria["off-first"].met


def test_the_later_step_word_used_as_a_noun_is_no_order():
    r = grade(CHARGE, "There's an unplug warning on the screen, so switch the charger off and top up with DI water.")
    assert r.criteria["off-first"].met
