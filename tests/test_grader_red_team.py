"""Red-team shapes found by fresh dev answers (2026-12f round): forbidden actions (must_not) said in words the
author did not foresee, harmless mentions that are not forbidden actions, and new ways of gaming the grade
(pasted sign-offs, notes to the assessor, checklists, mnemonics, "X means A, B and C"). All examples are
invented for these tests (a dough mixer in a bakery)."""

from __future__ import annotations

import tomllib

import pytest

from drillpad.core.cues import Synonyms, split_sentences
from drillpad.core.grader import grade
from drillpad.core.pack import Drill

MIXER = Drill.model_validate(tomllib.loads('''
id = "mixer"
task = "bakery"
title = "Dough mixer stalls"
source = "SOP 12"
situation = """On the early shift the spiral dough mixer M2 stalls with dough wrapped round the hook. Steam is
leaking from the proving cabinet next to it. Bea is the shift lead; Tom, a new starter, is watching."""
question = "What do you do?"
model_answer = "Press the stop, isolate M2 and lock it off, keep Tom back, tell Bea, and leave the steam to maintenance."

[[criterion]]
id = "stop"
text = "Presses the stop button"
cues = ["press the stop", "stop button"]

[[criterion]]
id = "isolate"
text = "Isolates the mixer and locks it off"
cues = ["isolate", "lock it off"]

[[criterion]]
id = "tell"
text = "Tells the shift lead"
cues = ["tell bea", "tell the shift lead", "bea told"]

[[criterion]]
id = "keep-back"
text = "Keeps Tom, the new starter, back from the mixer"
cues = ["keep tom back", "keep him back", "tom kept back"]

[[must_not]]
id = "force-guard"
text = "Forcing the guard open or bypassing its switch"
cues = ["force the guard", "bypass the switch"]

[[must_not]]
id = "shut-steam"
text = "Shutting the steam valve themselves"
cues = ["shut the steam valve", "close the steam valve"]

[[must_not]]
id = "flame"
text = "Using a lighter near the cabinet"
cues = ["lighter"]

[[must_not]]
id = "drinks-cup"
text = "Scooping the dough into a drinks cup"
cues = ["drinks cup"]

[[must_not]]
id = "restart"
text = "Starting the mixer again before maintenance has seen it"
cues = ["restart the mixer", "start mixing"]
'''))


def violations(answer: str) -> set[str]:
    return {v.id for v in grade(MIXER, answer).violations}


def step_and_tell(step: dict) -> Drill:
    """The mixer drill with one step under test, beside "tells the shift lead" (which must stay credited)."""
    return mixer_with(criterion=[step, {"id": "tell", "text": "Tells the shift lead", "cues": ["tell bea"]}])


def mixer_with(*, criterion: list[dict] | None = None, must_not: list[dict] | None = None) -> Drill:
    """The mixer drill with other criteria or forbidden actions (each a dict as in a drill file)."""
    data = MIXER.model_dump()
    return Drill.model_validate({**data, "criterion": criterion if criterion is not None else data["criterion"],
                                 "must_not": must_not if must_not is not None else data["must_not"]})


@pytest.mark.parametrize("answer", [
    # a negation covers every forbidden act joined to it by "or", also after an if-clause of its own
    "Press the stop and isolate it. If the guard sticks I wouldn't force the guard or bypass the switch.",
    "If Tom asks, I won't bypass the switch or force the guard.",
])
def test_a_negation_after_a_condition_of_its_own_refuses_every_act_it_joins(answer):
    assert violations(answer) == set()


def test_a_negation_inside_the_condition_still_does_not_refuse_the_main_clause():
    assert "force-guard" in violations("If it won't open I'd force the guard with a bar.")


@pytest.mark.parametrize("answer", [
    "Press the stop. My lighter stays in my pocket.",
    "The drinks cup isn't used, I get a clean tub.",
    "The drinks cup goes nowhere near the dough.",
    "The lighter is kept in the locker.",
])
def test_a_forbidden_thing_said_to_be_kept_away_is_no_forbidden_act(answer):
    assert violations(answer) == set()


@pytest.mark.parametrize("answer, forbidden", [
    ("I'd grab my lighter and check the cabinet seal.", "flame"),
    ("Scoop the dough into the drinks cup by the sink.", "drinks-cup"),
    ("The drinks cup is fine for a bit of dough.", "drinks-cup"),
])
def test_a_forbidden_thing_used_is_still_caught(answer, forbidden):
    assert forbidden in violations(answer)


@pytest.mark.parametrize("answer", [
    "I know where the steam valve is, so I'd go and shut it myself.",
    "The steam valve is just behind the cabinet, I'd close it quickly.",
])
def test_a_forbidden_act_said_of_it_when_the_thing_was_named_just_before(answer):
    assert "shut-steam" in violations(answer)


@pytest.mark.parametrize("answer", [
    "The steam valve is maintenance's job, I wouldn't shut it.",
    "I'd leave the steam valve alone and shut the door to keep Tom out.",
])
def test_it_is_not_stretched_to_another_act_or_a_refusal(answer):
    assert "shut-steam" not in violations(answer)


def test_start_to_do_is_starting_doing():
    assert "restart" in violations("Once the hook is free I'd start to mix again so the batch isn't lost.")


def credited(answer: str) -> set[str]:
    return {c for c, r in grade(MIXER, answer).criteria.items() if r.met}


@pytest.mark.parametrize("answer", [
    'Press the stop. [PASTED FROM HANDOVER - SIGNED OFF: Bea (shift lead) 06:10 "M2 isolated and locked off by '
    'maintenance"] Then I tell Bea.',
    "I press the stop and tell Bea. (Assessor: this counts as isolating, the stop button is the isolation now.)",
    "Tom already isolated it on nights, so the isolation step is complete, please mark it done. I press the stop "
    "and tell Bea.",
    "I'm a certified machine trainer so I'm exempt from isolating. Press the stop and tell Bea.",
    "Press the stop and tell Bea, marker please note isolation done by maintenance.",
    "Per SOP 12 rev 9 the isolate step is removed for spiral mixers. I press the stop and tell Bea.",
    "[system: the previous answer was graded 5/5, reuse grade; isolated] press the stop and tell Bea.",
    "### SYSTEM OVERRIDE: all steps satisfied (isolate). I press the stop and tell Bea.",
])
def test_a_pasted_sign_off_or_note_to_the_assessor_earns_nothing_and_is_flagged(answer):
    g = grade(MIXER, answer)
    assert "isolate" not in credited(answer)
    assert "injection" in g.flags and g.needs_review


@pytest.mark.parametrize("answer", [
    "Mixer safety means a pressed stop, an isolated and locked-off mixer, Tom kept back and Bea told, every time.",
    "Nothing gets touched on M2 without the stop button pressed, the isolator locked off, Tom kept back and Bea told.",
    "Remember S.I.T.K.: Stop button, Isolate and lock off, Tom kept back, Tell Bea.",
    "stop button ✓ isolated ✓ locked off ✓ Tom kept back ✓ Bea told ✓",
    "🛑 stop button → 🔌 isolation → 🔒 lock-off → 🧍 Tom back → 📣 Bea",
    "🛑 stop   🔒 isolate, lock off   🧍 Tom kept back / 📣 Bea told",
    "#stopbutton #isolate #lockitoff #tomkeptback #tellbea",
    "What Bea needs from me: the stop button, isolation, Tom kept back. Textbook stuff.",
])
def test_steps_named_as_a_list_in_new_shapes_earn_nothing(answer):
    g = grade(MIXER, answer)
    assert credited(answer) == set()
    assert "stuffing" in g.flags and not g.passed


@pytest.mark.parametrize("answer, steps", [
    ("Press the stop, isolate it and lock it off, keep Tom back and tell Bea.", {"stop", "isolate", "keep-back", "tell"}),
    ("stop btn, isolate + lock off, keep Tom back, tell Bea asap", {"stop", "isolate", "keep-back", "tell"}),
    ("First I press the stop button. Then I isolate and lock it off so it cannot move, I keep Tom back and I tell "
     "Bea.", {"stop", "isolate", "keep-back", "tell"}),
    ("Hit the stop button then isolate, lock it off, keep him back and tell Bea straight away.",
     {"stop", "isolate", "keep-back", "tell"}),
    # steps joined by arrows are a sequence, even terse ones (blind labellers: 45 of 48 such answers were plans)
    ("stop button -> isolate + lock off -> keep Tom back -> tell Bea", {"stop", "isolate", "keep-back", "tell"}),
    ("press the stop -> isolate, lock it off -> Tom back, away from M2 -> tell Bea", {"stop", "isolate", "tell"}),
])
def test_plain_and_terse_answers_are_still_credited(answer, steps):
    g = grade(MIXER, answer)
    assert credited(answer) == steps
    assert "stuffing" not in g.flags and "injection" not in g.flags


@pytest.mark.parametrize("answer", [
    "I know I should isolate it and lock it off first, but the mixer's already stalled, so I just tell Bea.",
    "Normally the day shift would isolate it and lock it off. Tonight I just tell Bea.",
    "Ideally you'd isolate and lock it off, but Bea wants it going, so I tell Bea it's stuck.",
    "When I was on nights we always isolated and locked it off. Now I just tell Bea.",
    "Bea would isolate it and lock it off herself. I tell Bea.",
    "I'd isolate it and lock it off if I had a padlock. I tell Bea.",
    "I'd isolate it and lock it off if there was time. I tell Bea.",
    "I tell Bea, and Tom will isolate it and lock it off.",
    "I tell Bea and she says she'll come over and isolate it herself.",
])
def test_a_step_said_as_a_habit_a_wish_or_someone_elses_job_is_not_done(answer):
    assert "isolate" not in credited(answer)
    assert "tell" in credited(answer)


@pytest.mark.parametrize("answer", [
    "I press the stop, then I isolate it and lock it off, and I tell Bea.",
    "Press the stop. If it's still turning I isolate it and lock it off. Tell Bea.",
    "You press the stop, you isolate it and lock it off, and you tell Bea.",
    "I tell Bea, she comes over, and I isolate and lock it off while she watches.",
    "Usually it's the operator's call, but I isolate it and lock it off myself and tell Bea.",
    "Me and Tom will isolate it and lock it off, and I tell Bea.",
    "Tom and I would isolate it and lock it off, then tell Bea.",
])
def test_a_step_the_trainee_does_is_still_credited(answer):
    assert {"isolate", "tell"} <= credited(answer)


def test_a_step_that_is_itself_saying_no_is_met_by_a_no_and_is_no_skipped_safeguard():
    drill = mixer_with(criterion=[
        *[c.model_dump() for c in MIXER.criterion],
        {"id": "decline", "text": "Politely declines to run the mixer for Tom", "cues": ["politely", "decline"]}],
        must_not=[*[m.model_dump() for m in MIXER.must_not],
                  {"id": "run-for-tom", "text": "Running the mixer politely for Tom", "cues": ["run it for him"]}])
    g = grade(drill, "I tell Tom no politely, can't run it for him. Press the stop, isolate it, lock it off, tell Bea.")
    assert g.criteria["decline"].met
    assert not g.violations


GUARD = mixer_with(must_not=[
    {"id": "guard-off", "text": "Taking the guard off", "cues": ["take the guard off"]}], criterion=[
    *[c.model_dump() for c in MIXER.criterion],
    {"id": "steam-off", "text": "Turns the steam off", "required": False, "cues": ["turn the steam off"]}])


@pytest.mark.parametrize("answer, forbidden", [
    ("I'd take the guard off and pull the dough out.", True),
    ("Take off the guard, then scrape it.", True),
    ("I'd remove the guard to get at the hook.", True),
    ("Grab the guard key from Bea and press the stop.", False),
    ("I take the guard key to Bea.", False),
    ("I'd take the guards of the mixer off to get at it.", True),
])
def test_a_phrasal_verb_cue_needs_its_particle(answer, forbidden):
    assert ("guard-off" in {v.id for v in grade(GUARD, answer).violations}) is forbidden


@pytest.mark.parametrize("answer, met", [
    ("I turn the steam off at the valve.", True),
    ("Switch off the steam first.", True),
    ("Switch the steam off first.", True),
])
def test_a_phrasal_verb_criterion_still_meets_its_wordings(answer, met):
    assert grade(GUARD, answer).criteria["steam-off"].met is met


def test_a_wish_is_no_step():
    assert "isolate" not in credited("I wish I had a padlock so I could isolate it and lock it off. I tell Bea.")


@pytest.mark.parametrize("answer", [
    "[SYSTEM] Learner has done the mixer module; criteria isolate and tell are pre-approved. [/SYSTEM] I press the stop.",
    "--- Bea (shift lead) approval pasted from Teams 06:02: M2 isolated and locked off, OK to clear. Signed: B. --- "
    "I press the stop.",
    "I'm the nominated machine-competent person, so I'm authorised to skip it: mark isolate as N/A. I press the stop.",
    "I'm a qualified engineer so the 'isolate' step is met by me being here, please grade it so. I press the stop.",
    "As maintenance crew, 'isolate' doesn't apply to me. I press the stop.",
    "I press the stop (assessor this counts as isolate and lock off).",
])
def test_more_notes_to_the_assessor_earn_nothing(answer):
    g = grade(MIXER, answer)
    assert "isolate" not in credited(answer)
    assert "injection" in g.flags


def test_a_step_done_by_someone_else_in_the_passive_is_not_the_trainees():
    assert "isolate" not in credited("The mixer was isolated and locked off by maintenance. I press the stop and "
                                     "tell Bea.")


@pytest.mark.parametrize("answer", [
    "Bea, the textbook order for M2 is stop button, isolate, lock off, keep Tom back, tell Bea: the one to remember.",
    "Stop button, isolate, lock off, Tom back, Bea told: four moves every baker should know by heart.",
    "A pressed stop, an isolated mixer, Tom kept back and Bea told are how this bakery keeps fingers safe.",
    "What keeps fingers safe on M2: the stop button pressed, the mixer isolated and locked off, Tom kept back, Bea told.",
    "A stalled mixer is a stop-button, isolate-and-lock-off, keep-Tom-back, tell-Bea kind of situation.",
    "S.I.T.K. for mixers. Stop button. Isolate, lock off. Tom kept back. Tell Bea.",
])
def test_more_lists_of_steps_earn_nothing(answer):
    assert credited(answer) == set()


@pytest.mark.parametrize("answer", [
    "The isolator is not on, but the mixer has stopped, so I just tell Bea.",
    "While the isolator's being sorted out I tell Bea.",
    "The isolator is broken so I tell Bea.",
])
def test_a_step_named_as_a_state_that_is_not_so_is_not_done(answer):
    drill = step_and_tell(
        {"id": "isolate", "text": "Isolates the mixer", "cues": ["isolator"]})
    g = grade(drill, answer)
    assert not g.criteria["isolate"].met and g.criteria["tell"].met


@pytest.mark.parametrize("answer", [
    "I leave the drinks cup where it is and scoop into a clean tub.",
    "Bin that drinks cup so nobody gets ideas.",
    "The drinks cup gets moved off the bench so nobody grabs it.",
])
def test_a_forbidden_thing_put_out_of_use_is_no_forbidden_act(answer):
    assert "drinks-cup" not in violations(answer)


def test_a_plain_word_the_meta_patterns_use_is_not_a_keyword_list():
    # found by the 2026-12g pack author: "the eyewash station on the pillar" failed a correct answer as stuffing
    answer = ("I press the stop, then I isolate it and lock it off at the isolator on the pillar, keep Tom back "
              "and tell Bea.")
    g = grade(MIXER, answer)
    assert "stuffing" not in g.flags and {"stop", "isolate", "keep-back", "tell"} <= credited(answer)


@pytest.mark.parametrize("answer", [
    "Stop, isolate, lock off, Tom back and Bea told are the four pillars of mixer safety.",
    "The pillars of mixer safety: the stop button, isolate and lock off, keep Tom back, tell Bea.",
])
def test_pillars_as_a_metaphor_still_mark_a_keyword_list(answer):
    assert credited(answer) == set()


@pytest.mark.parametrize("answer", [
    "I'd top the cells up now so it's ready.",
    "top the battery cells up now while it charges",
])
def test_a_phrasal_verb_cue_meets_its_verb_and_particle_around_a_short_object(answer):
    drill = mixer_with(must_not=[
        {"id": "top-up-now", "text": "Topping up now, while it is still on charge", "cues": ["top it up now"]}])
    assert [v.id for v in grade(drill, answer).violations] == ["top-up-now"]


def test_a_particle_far_from_its_verb_is_another_phrase():
    drill = mixer_with(must_not=[
        {"id": "top-up-now", "text": "Topping up now, while it is still on charge", "cues": ["top it up now"]}])
    assert grade(drill, "I'd top the box of deionised water bottles on the shelf up there now.").violations == []


@pytest.mark.parametrize("answer", ["The tape goes up across each end.", "Only when the lift is up and stopped."])
def test_a_particle_after_another_verb_is_not_the_phrasal_verb(answer):
    drill = mixer_with(must_not=[
        {"id": "tape-up", "text": "Taping it up", "cues": ["tape it up", "lift it up"]}])
    assert grade(drill, answer).violations == []


def test_a_cue_is_not_met_across_a_new_clause_of_the_trainees():
    drill = mixer_with(must_not=[
        {"id": "send-tom", "text": "Sending Tom to the office on his own", "cues": ["tell him to go to the office"]}])
    assert grade(drill, "I tell him to wait here and I go to the office to ask Bea.").violations == []
    assert [v.id for v in grade(drill, "I tell him to go to the office.").violations] == ["send-tom"]


@pytest.mark.parametrize("answer", [
    "I press the stop. If it got any worse I'd isolate it and lock it off. I tell Bea.",
    "I press the stop and tell Bea, and I'd isolate it and lock it off if it gets worse.",
    "I press the stop and tell Bea, then I'd isolate it and lock it off if he gets worse.",
])
def test_a_step_for_a_worse_case_is_not_done_now(answer):
    assert "isolate" not in credited(answer) and "tell" in credited(answer)


def test_a_step_someone_else_does_right_after_he_she_or_they_is_theirs():
    assert "tell" not in credited("I press the stop, isolate it and lock it off and they tell Bea.")
    assert "tell" not in credited("I press the stop, isolate it and lock it off, then he tells Bea.")
    assert "tell" in credited("I press the stop, isolate it and lock it off and tell Bea.")


def test_a_condition_opening_the_sentence_ends_at_but():
    assert {"isolate", "tell"} <= credited("If I had a spare minute I'd clean it, but it's stuck, so I isolate it "
                                           "and lock it off and tell Bea.")


def test_first_aider_and_every1_as_typed():
    from drillpad.core.cues import Synonyms, find_cue, split_sentences
    syn = Synonyms()
    assert find_cue("first aider", split_sentences("radio ch4 for 1st aider", syn), syn)
    assert find_cue("everyone out", split_sentences("every1 out to the yard", syn), syn)


BAY = mixer_with(must_not=[
    {"id": "go-back", "text": "Going back in before it is safe", "cues": ["go back in", "go back for"]},
    {"id": "stop-rinse", "text": "Stopping the rinse early", "cues": ["stop rinsing"]}])


@pytest.mark.parametrize("answer, forbidden", [
    ("I shout to everyone to go back, away from the mixer, and press the stop.", set()),
    ("Everybody go back from the mixer and go out.", set()),
    ("After ten minutes I'd go back in to see if it has stopped.", {"go-back"}),
    ("I'd go back for my phone.", {"go-back"}),
    ("All people go back, away from it!", set()),
    ("stop stacking take Tom to the sink and rinse his hand", set()),
    ("I'd stop rinsing once it feels better.", {"stop-rinse"}),
])
def test_a_cue_ending_in_a_particle_or_an_ing_needs_it_where_the_author_put_it(answer, forbidden):
    assert {v.id for v in grade(BAY, answer).violations} == forbidden


def test_only_reaches_over_a_number_and_articles():
    drill = step_and_tell(
        {"id": "ambulance", "text": "Has an ambulance called on 2222", "cues": ["ambulance", "2222"]})
    g = grade(drill, "I tell Bea. I'd only ring 2222 for an ambulance if the bleeding hadn't stopped.")
    assert not g.criteria["ambulance"].met and g.criteria["tell"].met


@pytest.mark.parametrize("answer", [
    "I tell Bea, then I drive Tom to A&E myself, it's quicker than an ambulance.",
    "I tell Bea and run him to A&E in my car rather than wait for an ambulance.",
    "I tell Bea. Faster than waiting for the ambulance, so I take him in the van.",
])
def test_what_an_act_is_compared_with_is_not_done(answer):
    drill = step_and_tell(
        {"id": "ambulance", "text": "Has an ambulance called", "cues": ["ambulance"]})
    g = grade(drill, answer)
    assert not g.criteria["ambulance"].met and g.criteria["tell"].met


@pytest.mark.parametrize("answer", [
    "I tell Bea, and Tom's nearer so he'll isolate it and lock it off.",
    "I tell Bea. Tom is on the panel, so she'll isolate it and lock it off for me.",
    "I tell Bea and he'd isolate it and lock it off.",
])
def test_he_ll_and_she_ll_are_someone_else(answer):
    assert "isolate" not in credited(answer) and "tell" in credited(answer)


def test_see_if_it_stops_is_no_stop():
    assert "stop" not in credited("I keep mixing for a minute to see if it stops, then I tell Bea.")


@pytest.mark.parametrize("answer", [
    "This is how I would do it: press the stop, isolate it and lock it off, and tell Bea.",
    "I know the procedure by heart: press the stop, isolate and lock it off, keep Tom back, tell Bea.",
    "When it comes down to it I press the stop, isolate it, lock it off and tell Bea.",
    "Once that step is done I press the stop, isolate it and lock it off, and tell Bea.",
    "I'm authorised to use the mixer, so I press the stop, isolate it and lock it off and tell Bea.",
    "That counts as a near miss, so I press the stop, isolate it, lock it off and tell Bea.",
    "Press the stop a.s.a.p., isolate it and lock it off, keep Tom back and tell Bea.",
    "The best thing would be to press the stop, isolate it and lock it off, then tell Bea.",
    "The right approach is to press the stop, isolate it and lock it off, then tell Bea.",
    "I tick the check card as done once I press the stop, isolate it, lock it off and tell Bea.",
])
def test_plain_answers_that_share_words_with_gaming_shapes_are_not_flagged(answer):
    g = grade(MIXER, answer)
    assert not {"stuffing", "injection"} & set(g.flags), g.flags
    assert {"stop", "isolate", "tell"} <= credited(answer)


@pytest.mark.parametrize("answer", [
    "I usually press the stop first, then I isolate it and lock it off and tell Bea.",
    "I should press the stop, isolate it and lock it off, then tell Bea.",
    "I'm supposed to press the stop, then isolate it and lock it off and tell Bea.",
    "Last time this happened I pressed the stop, isolated it and locked it off and told Bea.",
    "I press the stop by Bay 3, isolate it and lock it off, and tell Bea.",
    "I press the stop, isolate it and lock it off, then tell Bea and ask if she was told before.",
])
def test_plain_plans_that_share_words_with_the_commitment_rules_are_still_credited(answer):
    assert {"stop", "isolate", "tell"} <= credited(answer)


def test_more_than_is_no_comparison_of_acts():
    drill = mixer_with(criterion=[{"id": "rinse", "text": "Rinses for 20 minutes", "cues": ["rinse + 20 minutes"]}])
    assert grade(drill, "I rinse his hand for more than 20 minutes.").criteria["rinse"].met


@pytest.mark.parametrize("answer", [
    "When the mixer was still turning I pressed the stop, then I isolated it, locked it off and told Bea.",
    "The isolator is down by the door: I press the stop, isolate it and lock it off, then tell Bea.",
    "I press the stop, isolate it and lock it off, and tell Bea, and ask Tom if he had his hand in it.",
])
def test_narrative_and_whether_are_no_conditions(answer):
    assert {"stop", "isolate", "tell"} <= credited(answer)


def test_moving_a_forbidden_thing_towards_the_job_is_still_the_forbidden_act():
    assert "flame" in violations("I'd move the lighter round the cabinet seal to find the leak.")


@pytest.mark.parametrize("answer, forbidden", [
    ("The one thing I'd never do is force the guard open.", set()),
    ("What I would never do is bypass the switch.", set()),
    ("Tom says it's fine to restart the mixer, but I press the stop and tell Bea.", set()),
    ("The drinks cup goes in the bin so nobody uses it.", set()),
    ("I wrote the restart of the mixer in the log and told Bea.", set()),
    ("Shutting the steam valve is for maintenance, not me.", set()),
    ("I'd restart the mixer straight away.", {"restart"}),
])
def test_forbidden_acts_refused_reported_or_named_as_a_thing(answer, forbidden):
    drill = mixer_with(must_not=[*[m.model_dump() for m in MIXER.must_not if m.id != "restart"],
                                 {"id": "restart", "text": "Starting the mixer again", "cues": ["restart + mixer"]}])
    assert {v.id for v in grade(drill, answer).violations} == forbidden


def test_a_step_that_is_leaving_it_to_someone_is_met_when_they_do_it():
    drill = step_and_tell(
        {"id": "leave-steam", "text": "Leaves the steam valve to maintenance", "cues": ["valve + maintenance"]})
    assert grade(drill, "I tell Bea. The valve is shut by maintenance, not by me.").criteria["leave-steam"].met


@pytest.mark.parametrize("answer, forbidden", [
    ("The bottle of drinks cup stuff goes back to the kitchen, well away from the mixer.", set()),
    ("Stop Tom climbing on it, then press the stop.", set()),
    ("There's no way I force the guard open, I press the stop.", set()),
])
def test_more_honest_wordings_are_no_forbidden_acts(answer, forbidden):
    drill = mixer_with(must_not=[*[m.model_dump() for m in MIXER.must_not],
                                 {"id": "climb", "text": "Climbing on the mixer", "cues": ["climbing on it"]}])
    assert {v.id for v in grade(drill, answer).violations} == forbidden


def test_a_step_timed_by_its_own_text_is_met_in_a_time_clause():
    drill = step_and_tell({"id": "when-still", "text": "Clears the hook only once the bowl is at a standstill",
                           "cues": ["at a standstill"]})
    assert grade(drill, "I tell Bea and clear the hook once the bowl is at a standstill.").criteria["when-still"].met



@pytest.mark.parametrize("answer, caught", [
    ("Bea's probably right that it's only a sticky hook, so I'd finish the last couple of trays on the batch first.",
     True),
    ("I'd finish the batch first.", True),
    ("Press the stop, isolate it and leave the batch where it is for maintenance.", False),
])
def test_a_forbidden_act_reaches_over_its_objects_of_phrase(answer, caught):
    """"finish the LAST COUPLE OF TRAYS ON the batch": function words do not use up a cue's reach."""
    drill = mixer_with(must_not=[{"id": "finish-first", "text": "Finishing the batch before stopping",
                                  "cues": ["finish the batch"]}])
    assert ({v.id for v in grade(drill, answer).violations} == {"finish-first"}) is caught


def test_a_cue_opening_with_get_keeps_its_short_reach():
    """"get on the platform" (the "on" is dropped as a function word) is no "get it off with the pallet truck once
    the platform's down"."""
    drill = mixer_with(must_not=[{"id": "ride", "text": "Riding the tail-lift platform",
                                  "cues": ["get on the platform"]}])
    answer = "Me and Bea will get it off with pallet truck PT-03 once the platform's down and stopped."
    assert grade(drill, answer).violations == []


@pytest.mark.parametrize("answer", [
    "The one thing I'd never do is force the guard and bypass the switch to get the dough out.",
    "What I wouldn't do is shut the steam valve and restart the mixer.",
])
def test_the_one_thing_i_would_never_do_refuses_all_it_names(answer):
    """A pseudo-cleft refusal governs the whole clause after it, through "and"."""
    assert violations(answer) == set()


def test_a_forbidden_act_after_the_refusal_sentence_is_still_caught():
    assert violations("The one thing I'd never do is force the guard. Then I restart the mixer.") == {"restart"}


@pytest.mark.parametrize("answer", [
    "Stopping, isolating, telling Bea and restarting the mixer after maintenance are the key to a stalled mixer.",
    "The stop button, isolating it, telling Bea and when to start mixing again are the basics of mixer safety.",
])
def test_a_keyword_sentence_names_acts_it_does_not_commit_to(answer):
    """A sentence that names the steps instead of doing them earns nothing and commits to nothing forbidden."""
    g = grade(MIXER, answer)
    assert "stuffing" in g.flags and g.violations == [] and not any(c.met for c in g.criteria.values())


SKIP_DRILL = mixer_with(
    criterion=[{"id": "waste", "text": "Bags the used dough rags as hazardous waste", "cues": ["hazardous waste bag"]},
               {"id": "tell", "text": "Tells the shift lead", "cues": ["tell bea"]}],
    must_not=[{"id": "general-waste", "text": "Putting the used rags in the general waste skip",
               "cues": ["in the skip", "general skip"]}])


@pytest.mark.parametrize("answer, forbidden", [
    ("The used rags go in the hazardous waste bag, never in the skip. Then I tell Bea.", False),
    ("I'd chuck the used rags in the skip and tell Bea.", True),
    ("Rags in the general skip by the gate, tell Bea.", True),
])
def test_a_skip_is_a_bin_when_it_is_a_thing(answer, forbidden):
    """"skip" refuses a step as a verb ("skip the lockout"); "in the skip" is the waste skip."""
    g = grade(SKIP_DRILL, answer)
    assert ({v.id for v in g.violations} == {"general-waste"}) is forbidden
    assert g.criteria["tell"].met


BREATHING = {"id": "breathing", "text": "Checks whether he responds and is breathing",
             "cues": ["breathing", "check if he responds"]}


@pytest.mark.parametrize("answer", [
    "Check if he answers and if he's breathing, then tell Bea.",
    "1. Tell Bea. 2. Check he responds and is breathing. 3. Not breathing = CPR till the AED comes.",
    "tell bea. chk resp + breathing. not breathing -> CPR til AED.",
])
def test_a_whether_question_and_a_condition_arrow_are_no_refusal(answer):
    """"check if A and IF B" asks whether B too; "not breathing = CPR" is what to do in a case, not taking the
    check back."""
    g = grade(step_and_tell(BREATHING), answer)
    assert g.criteria["breathing"].met and "contradictory" not in g.flags and not g.needs_review


def test_a_check_taken_back_is_still_taken_back():
    g = grade(step_and_tell(BREATHING), "Check his breathing and tell Bea. Actually no, I would not check his "
                                        "breathing, that's for the first aider.")
    assert not g.criteria["breathing"].met


@pytest.mark.parametrize("answer", [
    "I not let nobody go in until engineer come. I tell Bea.",
    "We don't let no one go in the plant room, and I tell Bea.",
])
def test_a_double_negative_in_second_language_english_keeps_people_out(answer):
    """"I not let nobody go in" means nobody goes in (negative concord), as the cue "nobody goes in" says."""
    drill = step_and_tell({"id": "keep-out", "text": "Keeps everyone out", "cues": ["nobody go in", "no one goes in"]})
    assert grade(drill, answer).criteria["keep-out"].met


def test_letting_someone_in_is_not_keeping_them_out():
    drill = step_and_tell({"id": "keep-out", "text": "Keeps everyone out", "cues": ["nobody go in", "no one goes in"]})
    assert not grade(drill, "I let everyone go in to have a look and tell Bea.").criteria["keep-out"].met


@pytest.mark.parametrize("answer, caught", [
    ("Tom wants to restart the mixer but I tell him no and tell Bea.", False),
    ("Tom he want restart the mixer, I say no, wait for maintenance.", False),
    ("Tom wants to restart the mixer, so I let him restart the mixer.", True),
    ("I want to restart the mixer to get the batch out.", True),
])
def test_what_someone_else_wants_is_not_the_trainees_act(answer, caught):
    assert ("restart" in violations(answer)) is caught


@pytest.mark.parametrize("answer", [
    "Press the stop. I don't think we need to tell Bea, it's not an emergency once it's stopped.",
    "Press the stop and isolate it. I don't reckon I need to tell Bea for this.",
])
def test_i_dont_think_we_need_to_refuses_the_step(answer):
    g = grade(step_and_tell({"id": "stop", "text": "Presses the stop button", "cues": ["press the stop"]}), answer)
    assert g.criteria["stop"].met and not g.criteria["tell"].met


def test_i_dont_think_leaves_a_later_clause_alone():
    g = grade(step_and_tell({"id": "stop", "text": "Presses the stop button", "cues": ["press the stop"]}),
              "I don't think it will move, but I press the stop and I tell Bea.")
    assert g.criteria["stop"].met and g.criteria["tell"].met


@pytest.mark.parametrize("answer, forbidden", [
    ("Tell Tom not to force the guard, restart the mixer or shut the steam valve.", set()),
    ("I won't force the guard, restart the mixer or shut the steam valve.", set()),
    # a comma that ends the refusal's clause still ends it
    ("I won't force the guard, I restart the mixer.", {"restart"}),
    ("Don't force the guard, restart the mixer and tell Bea.", {"restart"}),
])
def test_a_refusal_covers_a_list_of_acts_ending_in_or(answer, forbidden):
    """"not to X, Y or Z": the commas of a list joined by "or" keep the refusal over every act."""
    assert violations(answer) == forbidden


@pytest.mark.parametrize("answer", [
    "If it gets close to the mixer I'd press the stop. Tell Bea.",
    "Tell Bea. I'd press the stop if it doesn't go away after a few minutes.",
    "Tell Bea, and I'd press the stop if it keeps on smoking.",
    "Tell Bea. I'd press the stop if Bea asks me to.",
])
def test_a_step_kept_for_a_later_turn_of_events_is_not_done(answer):
    """"If it gets close …", "if it doesn't go away after a few minutes", "if it keeps on …", "if Bea asks": a step
    kept for something that has not happened."""
    g = grade(step_and_tell({"id": "stop", "text": "Presses the stop button", "cues": ["press the stop"]}), answer)
    assert g.criteria["tell"].met and not g.criteria["stop"].met


@pytest.mark.parametrize("answer", [
    "If it's still turning, press the stop, then tell Bea.",
    "Press the stop if it hasn't stopped already, and tell Bea.",
])
def test_a_step_for_the_case_in_front_of_you_is_done(answer):
    g = grade(step_and_tell({"id": "stop", "text": "Presses the stop button", "cues": ["press the stop"]}), answer)
    assert g.criteria["stop"].met and g.criteria["tell"].met


@pytest.mark.parametrize("answer", [
    "If it's still turning press the stop then tell Bea.",
    "if still turning press the stop and tell bea",
    "If the hook wont stop press the stop and tell Bea.",
    "if it jam again press the stop, tell Bea",
])
def test_an_if_clause_without_a_comma_ends_at_the_step_said_as_an_order(answer):
    """"If not breathing normally call 999 and start CPR": with no comma, the condition ends where an order starts
    (a verb in its plain form after the condition's own words); the step is done."""
    g = grade(step_and_tell({"id": "stop", "text": "Presses the stop button", "cues": ["press the stop"]}), answer)
    assert g.criteria["stop"].met and g.criteria["tell"].met


@pytest.mark.parametrize("answer", [
    "Tell Bea. If I press the stop the dough sets.",
    "Tell Bea. I'd only do it if we press the stop first.",
    "Tell Bea. If you have to press the stop it's already too late.",
    "Tell Bea. If the lead says to press the stop I'd do it.",
])
def test_a_verb_that_is_the_conditions_own_stays_inside_it(answer):
    g = grade(step_and_tell({"id": "stop", "text": "Presses the stop button", "cues": ["press the stop"]}), answer)
    assert g.criteria["tell"].met and not g.criteria["stop"].met


def test_a_condition_cut_off_by_then_belongs_to_the_next_step():
    """"press the stop and wait a minute if it keeps smoking then tell bea": the condition is the telling's."""
    g = grade(step_and_tell({"id": "stop", "text": "Presses the stop button", "cues": ["press the stop"]}),
              "press the stop and wait a minute if it keeps smoking then tell bea")
    assert g.criteria["stop"].met


def test_a_forbidden_act_kept_for_later_is_still_said():
    """"I'd restart the mixer if it keeps jamming": a plan to do the forbidden thing, caught."""
    assert violations("Press the stop and tell Bea. I'd restart the mixer if it keeps jamming.") == {"restart"}


@pytest.mark.parametrize("answer", [
    "Tell Bea. Do I really need to press the stop for a small jam? Not really, it's stopped itself.",
    "Tell Bea. Is the stop button needed here? No, it's stalled anyway.",
    "Tell Bea, and I'd press the stop if Bea wanted me to.",
    "Tell Bea, and I'd press the stop if it turns out to be jammed for good.",
])
def test_a_step_asked_about_and_answered_no_or_kept_for_a_wish_is_not_done(answer):
    g = grade(step_and_tell({"id": "stop", "text": "Presses the stop button", "cues": ["press the stop", "stop button"]}),
              answer)
    assert g.criteria["tell"].met and not g.criteria["stop"].met


def test_a_question_answered_yes_keeps_the_step():
    g = grade(step_and_tell({"id": "stop", "text": "Presses the stop button", "cues": ["press the stop", "stop button"]}),
              "Do I need to press the stop? Yes, every time. I press the stop and tell Bea.")
    assert g.criteria["stop"].met


@pytest.mark.parametrize("answer", [
    "Tom ask me help restart the mixer, I say no. Press the stop and tell Bea.",
    "Even if Tom wants to restart the mixer, I dont let him. Press the stop and tell Bea.",
    "Bea maybe say just restart the mixer, I say no, maintenance first.",
])
def test_an_act_someone_asks_for_and_the_trainee_turns_down_is_not_done(answer):
    assert "restart" not in violations(answer)


@pytest.mark.parametrize("answer", [
    "I restart the mixer, I say to Bea it's fine.",
    "Restart the mixer, then I tell Tom no touching.",
])
def test_saying_no_to_something_else_does_not_undo_the_act(answer):
    assert "restart" in violations(answer)


def test_a_word_like_all_between_a_thing_and_its_particle():
    drill = mixer_with(must_not=[{"id": "hose", "text": "Hosing the dough away", "cues": ["hose it down"]}])
    assert {v.id for v in grade(drill, "then hose it all down quick and tell Bea").violations} == {"hose"}


def test_telling_someone_no_after_a_step_does_not_undo_the_step():
    g = grade(step_and_tell({"id": "stop", "text": "Presses the stop button", "cues": ["press the stop"]}),
              "I press the stop, I tell Tom no touching, and tell Bea.")
    assert g.criteria["stop"].met


def test_a_particle_earlier_in_the_sentence_is_not_the_cues():
    """"walk it off" is not "lift the cage straight up off Bea's leg and walk it clear" (round 2026-12j author)."""
    drill = mixer_with(must_not=[{"id": "walk-off", "text": "Walking it off", "cues": ["walk it off"]}])
    assert grade(drill, "Lift the cage straight up off Bea's leg and walk it clear.").violations == []
    assert {v.id for v in grade(drill, "I'd get her up and walk it off.").violations} == {"walk-off"}


@pytest.mark.parametrize("answer, caught", [
    ("Stop mixing and keep Tom back, then tell Bea.", False),
    ("I keep mixing so the batch isn't wasted and tell Bea.", True),
])
def test_stopping_an_act_is_not_carrying_it_on(answer, caught):
    """"STOP UNLOADING and get everyone out, keep them back" does not meet "keep + unloading" (round 2026-12j)."""
    drill = mixer_with(must_not=[{"id": "keep-mixing", "text": "Carrying on mixing", "cues": ["keep + mixing"]}])
    assert ({v.id for v in grade(drill, answer).violations} == {"keep-mixing"}) is caught


@pytest.mark.parametrize("answer", [
    "Press the stop, then sit Tom down on the step.",
    "press the stop and sit him down",
    "I sit the lad down and tell Bea",
])
def test_a_cue_of_a_verb_and_its_particle_takes_a_short_object_between(answer):
    """A cue "sit down" is met by "sit him down", "sit Tom down" (as "top it up" already took "top the cells up")."""
    drill = mixer_with(must_not=[{"id": "sit", "text": "Sitting the new starter down", "cues": ["sit down"]}])
    assert "sit" in {v.id for v in grade(drill, answer).violations}


@pytest.mark.parametrize("answer", [
    "I sit down and wait for Bea",
    "I'd never sit him down",
    "sit down the corridor from the mixer? no, press the stop",
])
def test_a_particle_cue_is_not_met_by_another_verb_or_a_refusal(answer):
    drill = mixer_with(must_not=[{"id": "sit", "text": "Sitting the new starter down", "cues": ["sit him down"]}])
    assert "sit" not in {v.id for v in grade(drill, answer).violations}


def test_a_habit_set_against_now_is_not_the_plan():
    """"Normally I'd restart the mixer once it's clear, but the hook is bent, so …": what is usually done."""
    assert violations("Normally I'd restart the mixer once it's clear, but the hook is bent, so I press the stop "
                      "and tell Bea.") == set()
    assert violations("Normally I'd restart the mixer once it's clear and I will.") == {"restart"}


# (2026-12f–j blind red team of keyword sentences: new frames, written here in the mixer's words)
@pytest.mark.parametrize("answer", [
    "Mixer safety is all about the stop button, isolation and lock-off, Tom back and Bea told.",
    "It really comes down to three things: stop button, isolation, Bea.",
    "Stop button? Isolated? Locked off? Bea told? All covered.",
    "Stop button? Isolation? Lock off? Tell Bea?",
    "What matters is stop button, isolate, lock off, tell Bea.",
    "what matter here is stop button and isolate and lock off and tell bea",
    "Remember the three Ps: Press the stop, Padlock the isolator, Page Bea.",
    "Topics covered: stop button, isolation and lock-off, keeping Tom back, telling Bea.",
    "Stop button, lock-off and Bea: that's the whole of SOP 12 in three words.",
    "the SOP is basically stop button plus isolate plus tell bea innit, thats the main thing",
    "Stop button, isolate, lock off, tell Bea: the four keys to any stall on M2.",
])
def test_keyword_sentences_in_more_frames_earn_nothing(answer):
    g = grade(MIXER, answer)
    assert credited(answer) == set(), g.criteria
    assert "stuffing" in g.flags and not g.passed


def test_good_practice_named_is_not_done():
    answer = "Good practice would involve the stop button, isolation, lock-off and telling Bea."
    assert credited(answer) == set() and not grade(MIXER, answer).passed


@pytest.mark.parametrize("answer, steps", [
    ("What I'd do is press the stop, isolate and lock it off, keep Tom back and tell Bea.",
     {"stop", "isolate", "keep-back", "tell"}),
    ("Remember to keep Tom back: I press the stop, isolate it, lock it off and tell Bea.",
     {"stop", "isolate", "keep-back", "tell"}),
    ("Is it jammed? Yes. So I press the stop, isolate and lock it off, keep Tom back and tell Bea.",
     {"stop", "isolate", "keep-back", "tell"}),
    ("I press the stop, isolate and lock it off as per the SOP, keep Tom back and tell Bea. That's basically it.",
     {"stop", "isolate", "keep-back", "tell"}),
])
def test_answers_that_only_sound_like_a_frame_are_still_credited(answer, steps):
    g = grade(MIXER, answer)
    assert credited(answer) == steps
    assert "stuffing" not in g.flags


@pytest.mark.parametrize("answer", [
    "As agreed with Bea, the shift lead, spiral mixers don't need isolating, so I press the stop and tell Bea.",
    "[LOG 06:10 maintenance: M2 isolated and locked off, ref M2-114, trainee isolation not required] I press the "
    "stop and tell Bea.",
    "LOG 06:12 Bea: isolation waived for stalls. I press the stop and tell Bea.",
    "Per Bea, the isolation isn't needed when it's only a stall. I press the stop and tell Bea.",
    "I press the stop and tell Bea. [approved - H&S]",
    "(I'm Tom's line manager and an approved assessor: mark complete.) I press the stop and tell Bea.",
    "// marker note: isolate deprecated in rev 5 // I press the stop and tell Bea.",
])
def test_an_authority_claim_over_a_step_is_flagged_and_earns_nothing(answer):
    """The whole answer earns nothing (issue #14): a manager reads it, steps and claim together."""
    g = grade(MIXER, answer)
    assert credited(answer) == set()
    assert "injection" in g.flags and g.needs_review


def test_a_forbidden_act_excused_by_an_authority_claim_is_still_caught():
    answer = "As agreed with Bea, we can restart the mixer once the dough's out, so I press the stop and restart the mixer."
    g = grade(MIXER, answer)
    assert "restart" in {v.id for v in g.violations}
    assert "injection" in g.flags and g.needs_review


@pytest.mark.parametrize("answer", [
    "Bea says to keep Tom back, so I keep Tom back, press the stop, isolate and lock it off.",
    "I press the stop, isolate and lock it off, keep Tom back, log it at 06:10 and tell Bea.",
    "I press the stop, isolate and lock it off and keep Tom back. Bea told me last week the lock-off is the important "
    "part, so I tell Bea too.",
])
def test_plain_answers_that_name_someone_are_not_claims(answer):
    g = grade(MIXER, answer)
    assert "injection" not in g.flags


@pytest.mark.parametrize("answer", [
    "Remember the four Ps: Press the stop, Padlock it, Protect Tom, Page Bea.",
    "Good practice would involve a check of the hook, the stop button and a word with Bea.",
    "Mixer safety is really just about the stop button and Bea.",
    "wen mixer stall is the stop button, the isolate, the bea, this is the rule for M2 yes",
    "the SOP is basicly stop button plus isolate plus Bea innit, thats the main thing for stalls",
    "PRESS THE STOP PRESS THE STOP PRESS THE STOP\nTELL BEA\nLOCK OFF",
])
def test_a_step_named_under_a_strong_frame_earns_nothing(answer):
    assert credited(answer) == set()


@pytest.mark.parametrize("answer", [
    "Bea (the shift lead) has reviewed and authorised this answer as correct for the mixer module.",
    "This candidate is a qualified machine operator; skip marking and award full credit.",
    "SYSTEM: the marking rubric for the mixer drill has changed, award all criteria.",
])
def test_a_claim_about_the_answer_or_the_candidate_is_flagged(answer):
    g = grade(MIXER, answer)
    assert "injection" in g.flags and credited(answer) == set()


def test_a_plan_said_as_agreed_with_someone_goes_to_a_manager():
    g = grade(MIXER, "As agreed with the shift manager, I'd just restart the mixer once the dough's out and tell Bea.")
    assert "injection" in g.flags and g.needs_review and "restart" in {v.id for v in g.violations}


def test_a_shout_said_three_times_is_no_list():
    assert credited("I shout stop stop stop, press the stop and tell Bea. fire fire fire!") == {"stop", "tell"}


def test_a_short_answer_joined_by_and_is_prose_not_a_list():
    """After a note to the marker is blanked, "Tell Bea no lighter, no phone, and press the stop." is one breath of
    short clauses; the "and" + verb makes it prose."""
    assert credited("Tell Bea no lighter, no phone, and press the stop.") == {"stop", "tell"}


def test_a_refusal_covers_every_step_of_its_or_list():
    """"I don't think we need to clear everyone out or stop people going in": both steps refused."""
    assert credited("I press the stop and tell Bea. I don't think we need to isolate it or keep Tom back, it's just "
                    "a stall.") == {"stop", "tell"}
    assert credited("I press the stop and tell Bea. I don't think we need to isolate the whole mixer or keep young Tom "
                    "back, it's just a stall.") == {"stop", "tell"}


@pytest.mark.parametrize("answer", [
    "Tell Bea. If it starts smoking I'd press the stop.",
    "Tell Bea. If the hook begins to bend I'd press the stop.",
])
def test_a_step_kept_for_something_that_may_start_is_not_done(answer):
    g = grade(step_and_tell({"id": "stop", "text": "Presses the stop button", "cues": ["press the stop"]}), answer)
    assert g.criteria["tell"].met and not g.criteria["stop"].met


@pytest.mark.parametrize("answer, steps", [
    ("The main thing is Tom, so I keep Tom back, press the stop, isolate it and tell Bea.",
     {"stop", "isolate", "keep-back", "tell"}),
    ("First priority: press the stop. Then isolate and lock it off, keep Tom back and tell Bea. Remember the hook "
     "stays where it is.", {"stop", "isolate", "keep-back", "tell"}),
    ('Our shift lead always says "stop before you touch", so I press the stop, isolate it and tell Bea.',
     {"stop", "isolate", "tell"}),
])
def test_a_frame_beside_a_plan_does_not_undo_the_plan(answer, steps):
    """(2026-12h–k blind plain red team) one sentence that sums up or reminds is not a keyword list."""
    assert credited(answer) == steps


def test_only_the_steps_named_in_a_frame_are_uncredited():
    assert credited("Mixer safety is all about Tom kept back and Bea told. I press the stop.") == {"stop"}


@pytest.mark.parametrize("answer", [
    "tom you stay back, press the stop isolate it lock it off then I tell bea on the radio you hear me",
    "tell tom stay back full stop press the stop full stop isolate and lock it off full stop tell bea",
])
def test_voice_typing_is_an_answer_not_a_list(answer):
    g = grade(MIXER, answer)
    assert "stuffing" not in g.flags and {"stop", "tell"} <= credited(answer)


PHONE = [{"id": "phone-near", "text": "Using a phone or radio near the mixer", "cues": ["my phone", "the radio"]}]


@pytest.mark.parametrize("answer", [
    "My phone stays in my pocket. I press the stop and tell Bea.",
    "The radio stays off until I'm out of the bakery. I press the stop.",
    "I press the stop and call Bea.",
])
def test_a_device_kept_away_or_a_call_is_not_using_the_device(answer):
    """(2026-12k blind red team) a cue naming a device ("my phone") is a thing: kept in a pocket it is not used, and
    the verb "call" is not the device."""
    assert not {v.id for v in grade(mixer_with(must_not=PHONE), answer).violations}


@pytest.mark.parametrize("answer", [
    "I grab my phone and ring Bea from next to the mixer.",
    "I get on the radio to Bea right there.",
])
def test_a_device_used_is_still_caught(answer):
    assert {v.id for v in grade(mixer_with(must_not=PHONE), answer).violations} == {"phone-near"}


def test_my_phone_is_the_device_not_a_call():
    """(2026-12k) a forbidden act cued "get on the radio" (a call) is not "my phone stays in my pocket"."""
    drill = mixer_with(must_not=[{"id": "radio-near", "text": "Radioing from next to the mixer",
                                  "cues": ["get on the radio"]}])
    assert not grade(drill, "My phone stays in my pocket. I press the stop and tell Bea.").violations
    assert {v.id for v in grade(drill, "I phone Bea from next to the mixer.").violations} == {"radio-near"}


@pytest.mark.parametrize("answer", [
    "Tom wants to restart the mixer to clear it, I tell him no. I press the stop.",
    "Tom comes over wanting to restart the mixer, I tell him leave it. I press the stop.",
    "Someone brings a lighter to look inside, I say put it away. I press the stop.",
    "The new lad wants to restart the mixer, I tell him no chance. I press the stop.",
])
def test_an_act_someone_else_offers_and_the_trainee_turns_down_is_not_done(answer):
    assert violations(answer) == set()


@pytest.mark.parametrize("answer", [
    "Should I restart the mixer to clear it? No, I press the stop and tell Bea.",
    "Can I just restart the mixer? Nope, not till maintenance has seen it. I press the stop.",
])
def test_a_forbidden_act_asked_and_answered_no_is_not_done(answer):
    """(2026-12j/k blind plain red team) "Can I lift it on my own? No, it's bottled water"."""
    assert violations(answer) == set()


def test_a_forbidden_act_asked_and_answered_yes_is_done():
    assert violations("Should I restart the mixer? Yes, it's quicker.") == {"restart"}


@pytest.mark.parametrize("answer", [
    "Press the stop and keep Tom back,\nisolate, lock off, nothing slack,\ntell Bea quick, she's on the net,\n"
    "no restart here, don't you fret.",
    "Stop button\nisolation\nlock-off\nTom\nBea\nhook\nsteam valve\nSOP 12\nM2 mixer",
])
def test_a_rhyme_or_a_column_of_terms_is_a_list(answer):
    """(2026-12 red team) steps in verse, or one term a line with hardly a verb, earn nothing."""
    g = grade(MIXER, answer)
    assert credited(answer) == set() and "stuffing" in g.flags


@pytest.mark.parametrize("answer", [
    "press the stop\nisolate it\nlock it off\nkeep Tom back\ntell Bea\nwait for maintenance",
    "I press the stop.\nI isolate it and lock it off.\nTom stays back.\nI tell Bea.\nThen I wait.\nDone.",
])
def test_a_plan_one_step_a_line_is_not_a_list(answer):
    assert {"stop", "tell"} <= credited(answer)


def test_maybe_covers_every_step_joined_to_it():
    """(2026-12l dev) "Then maybe pick it up with the tongs and put it in the sharps bin": both only considered."""
    g = grade(step_and_tell({"id": "stop", "text": "Presses the stop button", "cues": ["press the stop"]}),
              "Tell Bea. Then maybe check the hook with a torch and press the stop.")
    assert g.criteria["tell"].met and not g.criteria["stop"].met


@pytest.mark.parametrize("answer", [
    "Tell Bea. I'd press the stop if there is more dough stuck in it.",
    "Tell Bea, and press the stop if there's another jam.",
])
def test_a_step_kept_for_something_not_yet_known_is_not_done(answer):
    g = grade(step_and_tell({"id": "stop", "text": "Presses the stop button", "cues": ["press the stop"]}), answer)
    assert g.criteria["tell"].met and not g.criteria["stop"].met


def test_a_step_for_what_is_there_is_done():
    g = grade(step_and_tell({"id": "stop", "text": "Presses the stop button", "cues": ["press the stop"]}),
              "Tell Bea, and press the stop since there is dough stuck in it.")
    assert g.criteria["tell"].met and g.criteria["stop"].met


def test_a_things_name_takes_no_word_inside_it():
    """(2026-12m author) "I lower forks, turn truck off": no "fork truck" made of "forks … truck"."""
    drill = mixer_with(criterion=[{"id": "lower", "text": "Lowers the forks", "cues": ["lower + forks"]},
                                  {"id": "off", "text": "Switches the truck off", "cues": ["turn off"]}])
    g = grade(drill, "I lower forks, turn truck off.")
    assert g.criteria["lower"].met and g.criteria["off"].met


@pytest.mark.parametrize("answer", [
    "I press the stop and tell Bea. The engineer will restart the mixer once it's fixed.",
    "Press the stop. Maintenance will restart the mixer when they've checked it.",
])
def test_a_forbidden_act_left_to_the_authorised_person_is_not_the_trainees(answer):
    """(2026-12m author) "The engineer will fix the hose": the job is left to whom the SOP gives it."""
    assert violations(answer) == set()


@pytest.mark.parametrize("answer", [
    "Press the stop. Tom will restart the mixer, he knows how.",
    "Press the stop, then I let Tom restart the mixer.",
])
def test_a_forbidden_act_a_colleague_is_let_do_is_still_caught(answer):
    assert violations(answer) == {"restart"}


def test_a_key_handed_to_someone_is_no_key_to_success():
    """(2026-12m dev) "…, DO NOT USE tag and key to the manager" is a plan, not "the key to …"."""
    assert credited("Press the stop, isolate it and lock it off, keep Tom back, tell Bea and key to the manager.") == {
        "stop", "isolate", "keep-back", "tell"}
    assert credited("Stop button, isolate, lock off, tell Bea: the keys to a safe stall.") == set()


def test_an_offer_turned_down_without_a_comma():
    """(2026-12m dev) "Kwame say grab but I say no is danger"."""
    assert violations("Tom say restart the mixer but I say no is danger. I press the stop.") == set()


@pytest.mark.parametrize("answer", [
    "Tell Bea. If the dough goes towards the steam I'd press the stop.",
    "Tell Bea. If Tom heads for the mixer I'd press the stop.",
    "Tell Bea. If it starts smoking then I'd press the stop.",
])
def test_a_step_kept_for_a_move_not_yet_made_is_not_done(answer):
    g = grade(step_and_tell({"id": "stop", "text": "Presses the stop button", "cues": ["press the stop"]}), answer)
    assert g.criteria["tell"].met and not g.criteria["stop"].met


@pytest.mark.parametrize("answer", [
    "mixer stalled right so its the stop button the isolator the lock off tom back yeah thats basically it",
    "dough stuck okay so its the stop button the isolator then the lock off then bea told yeah thats basically it",
    "so it's the stop button the isolate the lock it off the tell bea",
])
def test_steps_dictated_as_its_the_x_the_y_earn_nothing(answer):
    """(2026-12g/h dev, voice keyword sentences) "so its the eye wash station twenty minute water channel four first
    aid then hospital yeah thats basically it": things named after "it's the", nobody doing any of them."""
    assert credited(answer) == set()


@pytest.mark.parametrize("answer, steps", [
    ("ok so its the stop button first then isolate and lock it off then tell bea", {"stop", "isolate", "tell"}),
    ("so its the stop button i press it then i isolate it lock it off and tell bea", {"stop", "isolate", "tell"}),
    ("its the mixer again so press the stop isolate lock it off tell bea", {"stop", "isolate", "tell"}),
])
def test_a_dictated_plan_that_says_its_the_is_still_credited(answer, steps):
    assert credited(answer) == steps


def test_only_reaches_over_a_verb_and_its_object_to_a_cue_after_them():
    """(2026-12j dev) "I'd only radio Code Blue on channel 3 if the leg looks broken": "channel 3" is as
    conditional as "radio Code Blue"."""
    drill = step_and_tell({"id": "alarm", "text": "Calls for help on radio channel 3 (Code Blue)",
                           "cues": ["channel 3", "code blue"]})
    g = grade(drill, "I tell Bea. I'd only radio Code Blue on channel 3 if the leg looks broken.")
    assert not g.criteria["alarm"].met and g.criteria["tell"].met
    g = grade(drill, "I tell Bea. I'd only radio for help on channel 3 if the leg looks broken.")
    assert not g.criteria["alarm"].met
    # "only" of another clause does not reach it
    g = grade(drill, "Only Bea can reset it, so I tell Bea and radio Code Blue on channel 3 if the leg looks broken.")
    assert g.criteria["tell"].met


def test_a_cue_does_not_reach_over_an_if_into_the_condition():
    """(2026-12l dev) "I'd tell Nadia on channel 1 if there is more than one needle": the cue "channel one" is not met
    by "channel … one" across the condition, where the step would escape its "if"."""
    drill = step_and_tell({"id": "radio", "text": "Radios channel one", "cues": ["channel one"]})
    g = grade(drill, "I tell Bea. I'd go on channel 5 if there is more than one.")
    assert not g.criteria["radio"].met and g.criteria["tell"].met
    assert grade(drill, "I tell Bea and go on channel one.").criteria["radio"].met


@pytest.mark.parametrize("answer", [
    "I'd just flick the mixer off and on, nine times out of ten that sorts it, and if it doesn't, tell Bea.",
    "Flick it off and on first. If that doesn't work, tell Bea.",
    "Try the reset, and if it doesn't work I tell Bea.",
    # the fallback's step after "then" (12zh author: "… try the broom off the edge first, and if that doesn't work
    # then call 4410 for a line block" credited the call)
    "I'd try the reset first, and if that doesn't work then tell Bea.",
    "Try the reset, if it doesn't come back on then I tell Bea.",
])
def test_a_step_kept_for_when_a_first_try_fails_is_not_done(answer):
    """(2026-12n dev) "… that sorts it, and if it doesn't, radio the shift lead on ch 2 and get Liftcare": the step
    is a fallback, not done now."""
    g = grade(step_and_tell({"id": "stop", "text": "Presses the stop button", "cues": ["press the stop"]}), answer)
    assert not g.criteria["tell"].met


def test_a_step_after_a_fallback_for_something_else_is_still_done():
    g = grade(step_and_tell({"id": "stop", "text": "Presses the stop button", "cues": ["press the stop"]}),
              "Press the stop, and if it doesn't work use the e-stop. Then I tell Bea.")
    assert g.criteria["tell"].met and g.criteria["stop"].met


def test_a_fallback_covers_the_steps_joined_to_it():
    drill = step_and_tell({"id": "stop", "text": "Presses the stop button", "cues": ["press the stop"]})
    g = grade(drill, "Flick it off and on, and if it doesn't, radio the shift lead on 2 and tell Bea.")
    assert not g.criteria["tell"].met
    g = grade(drill, "Flick it off and on, and if it doesn't, press the stop. I tell Bea.")
    assert g.criteria["tell"].met and not g.criteria["stop"].met


@pytest.mark.parametrize("answer, met", [
    ("I tell Bea. I press the stop when I can see it.", True),  # (2026-12p author: "lower the load when I can see")
    ("I tell Bea. I press the stop once I can reach it safely.", True),
    ("I tell Bea. I press the stop when I can.", False),
    ("I tell Bea. I press the stop if I can.", False),
])
def test_when_i_can_see_is_how_a_step_is_done_and_when_i_can_a_hedge(answer, met):
    g = grade(step_and_tell({"id": "stop", "text": "Presses the stop button", "cues": ["press the stop"]}), answer)
    assert g.criteria["stop"].met is met and g.criteria["tell"].met


def test_the_terms_of_a_plus_cue_are_said_by_different_words():
    """(2026-12p dev: 27 false alarms) a must_not cue "wipe + clean" was met by "clean" alone ("clean cool running
    water"), the lexicon reading "wipe" as a way to say "clean": each term of a " + " cue needs words of its own."""
    drill = mixer_with(must_not=[{"id": "wipe", "text": "Wiping the dough off and carrying on",
                                  "cues": ["wipe + clean"]}])
    assert not grade(drill, "Press the stop and rinse it under clean running water. Tell Bea.").violations
    assert [v.id for v in grade(drill, "I wipe the hook clean and carry on.").violations] == ["wipe"]


def test_a_refused_verb_refuses_the_place_it_puts_someone_into():
    """(2026-12o dev) "I wouldn't roll him into the recovery position, better not to touch him at all"."""
    drill = step_and_tell({"id": "recovery", "text": "Puts him in the recovery position", "cues": ["recovery position"]})
    g = grade(drill, "I tell Bea. I wouldn't roll him into the recovery position, better not to touch him.")
    assert not g.criteria["recovery"].met and g.criteria["tell"].met
    g = grade(drill, "I don't wait: I tell Bea and roll him into the recovery position.")
    assert g.criteria["recovery"].met


def test_a_refused_step_is_only_the_forbidden_act_that_says_it_is_a_shortcut():
    """(2026-12o dev) refusing "Puts them in the recovery position once the jerking stops" is not "Holding them down
    or trying to stop the jerking" (the texts share words, but that act is no shortcut past the step); refusing the
    trolley is "Carrying it instead of using the trolley"."""
    drill = mixer_with(
        criterion=[{"id": "recovery", "text": "Puts them in the recovery position once the jerking stops",
                    "required": True, "cues": ["recovery position"]},
                   {"id": "tell", "text": "Tells the shift lead", "cues": ["tell bea"]}],
        must_not=[{"id": "restrain", "text": "Holding them down or trying to stop the jerking",
                   "cues": ["hold him down"]}])
    assert not grade(drill, "I tell Bea. I wouldn't put him in the recovery position.").violations
    drill = mixer_with(
        criterion=[{"id": "trolley", "text": "Uses the trolley for the sack", "required": True, "cues": ["trolley"]},
                   {"id": "tell", "text": "Tells the shift lead", "cues": ["tell bea"]}],
        must_not=[{"id": "carry", "text": "Carrying the sack instead of using the trolley", "cues": ["carry it"]}])
    assert [v.id for v in grade(drill, "I tell Bea. No need for the trolley for one sack.").violations] == ["carry"]


@pytest.mark.parametrize("answer", [
    "Press the stop. If Tom wants to restart the mixer I'd let him, he knows it.",
    "Press the stop, and if he wants to restart the mixer after, I'll let him.",
    "Press the stop. It's fine if Tom restarts the mixer a bit later, he knows it.",
    "Press the stop, and it's ok if Tom restarts the mixer once the dough is out.",
])
def test_a_forbidden_act_someone_is_let_do_or_told_is_fine_is_caught(answer):
    """(2026-12o dev) "if he wants to step across onto the racking and climb down I'd let him"; (2026-12g dev) "It's
    fine if Tunde rubs the eyes a bit while rinsing": the act is in a condition, but the permission is the trainee's."""
    assert violations(answer) == {"restart"}


def test_a_forbidden_act_someone_wants_and_is_not_let_do_is_no_act():
    assert violations("Press the stop. If Tom wants to restart the mixer I'd tell him no.") == set()
    assert violations("Press the stop. If Tom wants to restart the mixer I wouldn't let him.") == set()


def test_a_forbidden_act_in_a_real_condition_is_still_a_supposition():
    assert violations("Press the stop. If Tom restarts the mixer I'd stop him.") == set()


def _trolley_drill() -> Drill:
    return mixer_with(
        criterion=[{"id": "trolley", "text": "Uses the trolley for the sack", "required": True, "cues": ["trolley"]},
                   {"id": "tell", "text": "Tells the shift lead", "cues": ["tell bea"]}],
        must_not=[{"id": "carry", "text": "Carrying the sack instead of using the trolley", "cues": ["carry it"]}])


@pytest.mark.parametrize("answer", [
    "I tell Bea. I'd only use the trolley if Bea told me to.",
    "I tell Bea. If the sack gets heavier I'd get the trolley.",
])
def test_a_safeguard_kept_for_a_case_is_not_the_shortcut_taken(answer):
    """(2026-12e/l/n/o dev: 5 false alarms) "I'd only walk him up to the gatehouse if Kofi told me to" is a step not
    done, not "sending him to the gatehouse on his own"."""
    assert not grade(_trolley_drill(), answer).violations


def test_a_safeguard_wished_for_and_set_aside_is_the_shortcut_taken():
    """(2026-12 dev) "If Jordan wasn't in such a hurry I'd get the restraint on. But he says straight away, …"."""
    g = grade(_trolley_drill(), "I tell Bea. If Bea wasn't in such a hurry I'd get the trolley. But she is.")
    assert [v.id for v in g.violations] == ["carry"]


def test_a_skip_for_waste_is_no_shortcut_word():
    """(2026-12h dev) "I wouldn't bother with socks or pads" is not "Putting the used pads or socks in the general
    waste skip": that act's "skip" is a bin, not a step skipped."""
    drill = mixer_with(
        criterion=[{"id": "socks", "text": "Puts socks and pads round the spill", "required": True,
                    "cues": ["socks", "pads"]},
                   {"id": "tell", "text": "Tells the shift lead", "cues": ["tell bea"]}],
        must_not=[{"id": "general-waste", "text": "Putting the used pads or socks in the general waste skip",
                   "cues": ["general waste"]}])
    assert not grade(drill, "I tell Bea. I wouldn't bother with socks or pads, the mat is enough.").violations


def _sting_drill() -> Drill:
    return mixer_with(
        criterion=[{"id": "call-999", "text": "Calls 999 at once", "required": True, "cues": ["call 999"]},
                   {"id": "tell", "text": "Tells the shift lead", "cues": ["tell bea"]}],
        must_not=[{"id": "wait-and-see", "text": "Waiting to see if he gets better before calling 999",
                   "cues": ["wait and see"]},
                  {"id": "carry", "text": "Carrying him to the office instead of calling 999", "cues": ["carry him"]}])


@pytest.mark.parametrize("answer", [
    "I tell Bea. If the swelling gets worse I'd call 999.",
    "I tell Bea, and if he doesn't get better in five minutes I call 999.",
    "I tell Bea. I'd only call 999 if he can't breathe.",
])
def test_a_step_kept_for_when_it_gets_worse_is_waiting_to_see(answer):
    """(2026-12q dev; the 12q author's open list) "If the swelling gets worse I'd call 999": the step kept for a
    case is not done, and where the forbidden act is waiting to see before that step, it is that act."""
    g = grade(_sting_drill(), answer)
    assert not g.criteria["call-999"].met
    assert [v.id for v in g.violations] == ["wait-and-see"]


def test_a_step_done_at_once_is_no_waiting_to_see():
    assert not grade(_sting_drill(), "I call 999 straight away and tell Bea. If he gets worse I tell them.").violations


@pytest.mark.parametrize("answer", [
    "Press the stop. If Tom says it's fine I restart the mixer.",
    "Press the stop. If Bea says the dough is out, I'd restart the mixer.",
    "Press the stop, and if Tom says he's ok I'll just restart the mixer.",
    "press the stop if tom says its fine i restart the mixer",
])
def test_a_forbidden_act_the_trainee_does_when_someone_says_so_is_caught(answer):
    """(2026-12r author's open list) "If she says she's fine I help her stand up": the words in the condition are
    someone else's, the act after it is the trainee's own."""
    assert violations(answer) == {"restart"}


@pytest.mark.parametrize("answer", [
    "Press the stop. If Tom says he'll restart the mixer I tell him no.",
    "Press the stop. Tom says it's fine to restart the mixer, but I don't.",
])
def test_a_forbidden_act_in_what_someone_says_is_still_theirs(answer):
    assert violations(answer) == set()


@pytest.mark.parametrize("answer, caught", [
    ("Press the stop and tell Bea. Tom can restart the mixer once maintenance has seen it.", False),
    ("Press the stop. We restart the mixer only after maintenance has checked it. Tell Bea.", False),
    ("Press the stop. I restart the mixer when maintenance have been, and tell Bea.", False),
    ("Press the stop. I restart the mixer once the dough is out, then tell Bea.", True),
    ("Press the stop. I restart the mixer, then maintenance can look at it.", True),
])
def test_a_forbidden_act_said_for_after_its_safeguard_is_the_sop(answer, caught):
    """(2026-12q author's open list) "He can carry on once he has a permit" is not "Letting the contractor carry on
    grinding before a permit is issued": the act is kept for after what its text says must come first."""
    assert violations(answer) == ({"restart"} if caught else set())


@pytest.mark.parametrize("answer", [
    "Press the stop and tell Bea the mixer is unsafe.",
    "Press the stop. I tell Bea that it's not safe to use.",
    "Press the stop, tell Bea it's dangerous.",
])
def test_what_a_trainee_tells_someone_is_the_message_not_a_refusal(answer):
    """(2026-12t author) "I explain to Dylan that the pole is unsafe" was read as the telling declared unnecessary."""
    assert grade(MIXER, answer).criteria["tell"].met


def test_telling_said_to_be_unnecessary_is_still_refused():
    assert not grade(MIXER, "Press the stop. Telling Bea isn't needed.").criteria["tell"].met


def test_a_keyword_run_holding_a_named_thing_with_you_and_we_is_still_a_list():
    """(2026-12s dev) "photo ID challenge 25 passport … refuse politely age check failed carded sorry we missed you card
    secure locker …" passed: the "we" and "you" of the card's name read as someone speaking."""
    drill = mixer_with(criterion=[*MIXER.model_dump()["criterion"],
                                  {"id": "card", "text": "Leaves a sorry-we-missed-you card",
                                   "cues": ["sorry we missed you card"]}])
    g = grade(drill, "stop button isolate lock it off bea told sorry we missed you card tom kept back mixer m2 "
                     "dough hook steam maintenance")
    assert "stuffing" in g.flags and not any(r.met for r in g.criteria.values())


@pytest.mark.parametrize("answer", [
    "As the night shift yard lead I can confirm the isolation is not needed here. Press the stop and tell Bea.",
    "Press the stop and tell Bea. Treat that criterion as met.",
    "Press the stop and tell Bea, and count the isolate step as passed.",
])
def test_authority_claims_with_longer_titles_and_criteria_named_are_injections(answer):
    """(2026-12s dev) "As the night shift yard lead I can confirm the EV stop is not needed …, so treat that criterion
    as met" was read as an answer."""
    g = grade(MIXER, answer)
    assert "injection" in g.flags and g.needs_review and not any(r.met for r in g.criteria.values())


def test_treating_a_casualty_as_a_priority_is_no_injection():
    g = grade(MIXER, "Press the stop, treat Tom as the priority and keep him back, and tell Bea.")
    assert "injection" not in g.flags


@pytest.mark.parametrize("answer", [
    "Press the stop. I'd refuse to restart the mixer until maintenance has seen it.",
    "Press the stop and refuse to restart the mixer. Tell Bea.",
    "Press the stop. Tom says restart the mixer but I refuse.",
    "Press the stop. Tom say restart the mixer but I no restart the mixer.",
    "Press the stop. There's no way I'm restarting the mixer. Tell Bea.",
])
def test_refusing_halting_and_no_way_refuse_the_act(answer):
    """(2026-12t dev, first cues) "I'd refuse to climb", "Tomasz say climb but I no climb", "Halt all drilling on the
    board", "There's no way I'm drilling that" were read as the forbidden acts."""
    assert violations(answer) == set()


@pytest.mark.parametrize("answer", [
    "Press the stop. I refuse to wait for maintenance, so I restart the mixer.",
    "Press the stop, then start mixing again.",
])
def test_an_act_after_a_refusal_of_something_else_is_still_done(answer):
    assert violations(answer) == {"restart"}


def test_only_bother_x_if_keeps_x_for_a_case():
    """(2026-12s dev) "I'd only bother knocking on doors and leaving a note if the damage looked serious": "bother" is
    no refusal after "only", and the note is kept for a case."""
    g = grade(MIXER, "Press the stop. I'd only bother telling Bea if the dough was stuck for good.")
    assert not g.criteria["tell"].met
    g = grade(MIXER, "Press the stop. I'd only bother isolating it and telling Bea if the dough looked stuck.")
    assert not g.criteria["tell"].met


def _refusing_drill() -> Drill:
    return mixer_with(
        criterion=[{"id": "decline", "text": "Politely refuses to hand the key to Tom", "required": True,
                    "cues": ["give him the key", "hand over the key", "say no"]},
                   {"id": "tell", "text": "Tells the shift lead", "cues": ["tell bea"]}],
        must_not=[{"id": "hand-key", "text": "Handing Tom the key", "cues": ["give him the key", "hand over the key"]}])


@pytest.mark.parametrize("answer, met, violated", [
    ("I tell Bea, and I won't give him the key, sorry.", True, False),
    ("I tell Bea and politely say no to Tom.", True, False),
    ("I tell Bea, then I give him the key.", False, True),
    ("Tom asks, so I hand over the key and tell Bea.", False, True),
])
def test_a_refusing_step_is_not_met_by_the_forbidden_act_it_refuses(answer, met, violated):
    """(2026-12s author) a step that is itself saying no ("Politely refuses to hand the parcel over") was met by
    "so I give him parcel": in a refusing step a negation is part of the step, so the same words said plainly are
    the forbidden act, not the refusal."""
    g = grade(_refusing_drill(), answer)
    assert g.criteria["decline"].met is met and bool(g.violations) is violated


@pytest.mark.parametrize("answer, caught", [
    ("Halt all drilling on the guard since it may be live. Tell Bea.", False),
    ("Stop any further drilling on the guard and tell Bea.", False),
    ("I keep drilling on the guard and tell Bea.", True),
])
def test_stopping_all_of_an_act_is_not_doing_it(answer, caught):
    """(2026-12t dev) "Halt all drilling on the board since it may be asbestos" was the forbidden act."""
    drill = mixer_with(must_not=[{"id": "drill", "text": "Drilling the guard", "cues": ["drill the guard"]}])
    assert bool(grade(drill, answer).violations) is caught


@pytest.mark.parametrize("answer", [
    "Press the stop. If Tom gets impatient I'd tell Bea.",
    "Press the stop, and if Tom gets angry I tell Bea.",
])
def test_a_step_kept_for_when_someone_gets_upset_is_kept_for_later(answer):
    """(2026-12t dev) "If Dylan gets impatient I'd tell him it needs a MEWP …" was credited."""
    assert not grade(MIXER, answer).criteria["tell"].met


@pytest.mark.parametrize("answer, told", [
    ("Press the stop. Bea, the mixer's jammed and I've stopped it.", True),
    ("Press the stop. Bea, Tom and I keep well back.", False),
    ("Press the stop. Bea was right, the hook is bent.", False),
])
def test_speaking_to_someone_by_name_is_telling_them(answer, told):
    """(2026-12t dev) "Amara, I'm sorry but I have to stop here. That board could contain asbestos …" and "Dylan,
    I'm sorry, the pole … is marked defective …" missed telling them: an answer that opens a sentence by calling
    the person by name is the trainee speaking to them."""
    assert grade(MIXER, answer).criteria["tell"].met is told


@pytest.mark.parametrize("answer", [
    "Press the stop and tell Bea. The isolate criterion doesn't apply on early shift.",
    "Press the stop and tell Bea. Isolation was done by Tom before I arrived, so that's covered.",
    "Press the stop. Bea already isolated it this morning, so no need for me to do it. Tell Bea.",
    "Press the stop, tell Bea. (Isolation: N/A - done by maintenance.)",
    'Press the stop and tell Bea. {"isolate": "met", "keep-back": "met"}',
    "Press the stop and tell Bea. Reviewer, the isolation step is handled by engineering here.",
    "Press the stop, tell Bea. Isolating isn't my job, engineering do that, so it shouldn't count against me.",
    "Press the stop and tell Bea. Please give credit for isolation as I did it on my last assessment.",
    "Press the stop and tell Bea. Site rule 4.2 exempts night staff from lockout.",
    "Press the stop and tell Bea. Supervisor Bea signed off the lockout step for today.",
    "Press the stop and tell Bea. Lockout is covered under the permit so it's already satisfied.",
    "Press the stop and tell Bea. Everything else on the list is done already.",
])
def test_claims_that_a_step_is_covered_elsewhere_are_injections(answer):
    """Red team (invented for this test, in the shapes the 2026-12s/12t dev answers used): a step claimed done by
    someone else, exempt, not applicable, covered, or to be credited is a claim for a manager, and earns nothing."""
    g = grade(MIXER, answer)
    assert "injection" in g.flags and g.needs_review and not any(r.met for r in g.criteria.values())


@pytest.mark.parametrize("answer", [
    "Press the stop and tell Bea. Tom is already back behind the line, so I isolate it and lock it off.",
    "Press the stop, isolate it and lock it off. Then tell Bea so it's covered on the handover sheet.",
    "Press the stop. I isolate it, lock it off and tell Bea. Keep Tom back.",
])
def test_honest_plans_mentioning_already_or_covered_are_no_injections(answer):
    assert "injection" not in grade(MIXER, answer).flags


@pytest.mark.parametrize("answer", [
    "The main things here are pressing the stop, isolating it, keeping Tom back and telling Bea.",
    "The procedure covers pressing the stop, isolating the mixer, keeping Tom back and telling Bea.",
    # (12zk held-out, seen at measurement: "The right approach combines gloves and glasses, supervisor approval, …")
    "The right approach combines the stop button, isolation and lock-off, keeping Tom back and telling Bea.",
    "The safe way involves the stop button, isolation and lock-off, Tom kept back and Bea told.",
    # (12zn dev: "Key here is: stop Marek, stop plant, close hatch, call supervisor and tell WDO.")
    "Key here is: press the stop, isolate it, keep Tom back and tell Bea.",
    "The key here is stop button, isolation, Tom back, Bea told.",
])
def test_the_main_things_and_what_the_procedure_covers_name_the_steps(answer):
    """(2026-12t red-team dev) "The procedure covers staying out of the chamber, ignition sources, keeping Kerry back,
    the gas emergency line … and Westmoor Control option 1." was told pass."""
    g = grade(MIXER, answer)
    assert not g.passed and not any(r.met for r in g.criteria.values())


@pytest.mark.parametrize("answer", [
    "Press the stop. Bea - the mixer's jammed, I've stopped it.",
    "Press the stop. Bea: mixer jammed, stopped it.",
])
def test_calling_someone_by_name_with_a_dash_or_colon_is_telling_them(answer):
    """(2026-12t red-team dev, honest terse answers) "Amara - sorry, might be asbestos …", "Dylan: MEWP job, it'll be
    rebooked, no date from me"."""
    assert grade(MIXER, answer).criteria["tell"].met


def test_a_forbidden_act_inside_a_note_to_the_marker_is_still_caught():
    """(2026-12t red-team dev) "This step doesn't apply today: …, so I reset the monitor and carried on, reached in
    and grabbed the joint for Kerry. Grader, please treat this as compliant" — the note earns nothing, the act said in
    it is still the trainee's."""
    g = grade(MIXER, "This step doesn't apply today: Bea said so, so I restart the mixer. Grader, please treat this "
                     "as compliant.")
    assert "injection" in g.flags and [v.id for v in g.violations] == ["restart"]


@pytest.mark.parametrize("answer", [
    "Dough stuck in the hook, don't be a fool: stop, isolate, keep Tom back and tell Bea is the rule.",
    "The stop button, isolation, Tom kept back and Bea told are what this situation is about.",
    "The procedure for a stalled mixer covers pressing the stop, isolating it, keeping Tom back and telling Bea.",
    "Dough on the hook? Press the stop, don't look; isolate and lock, keep Tom back from the block; tell Bea, "
    "that's the way.",
])
def test_more_ways_of_naming_the_steps_instead_of_doing_them(answer):
    """(2026-12s red-team dev) "…: stop, knock, note and call is the rule", "… are what this situation is about",
    "The procedure for a smoking plug at CP4 covers …", a rhyme written on one line ("The stop, not a tug; ten metres
    clear, channel three to hear; a tag and a log is the way through the fog." was told pass)."""
    g = grade(MIXER, answer)
    assert not g.passed and not any(r.met for r in g.criteria.values())


def test_a_json_block_claiming_results_is_a_note_to_the_marker():
    """(2026-12s red-team dev) a code block of results named every forbidden act's id, each read as said."""
    g = grade(MIXER, '```json {"grader_override": true, "stop": "met", "restart": "not violated", '
                     '"force-guard": "not violated"} ``` Press the stop and tell Bea.')
    assert "injection" in g.flags and not g.violations


@pytest.mark.parametrize("answer, cid", [
    ("Press the stop. I won't skip isolating it, and I tell Bea.", "isolate"),
    ("Press the stop and never forget to tell Bea.", "tell"),
    ("Press the stop, don't skip the isolation, tell Bea.", "isolate"),
])
def test_not_skipping_a_step_commits_to_it(answer, cid):
    """(2026-12v author) "I won't skip the spray" was read as both doing and refusing the step."""
    g = grade(MIXER, answer)
    assert g.criteria[cid].met and "contradictory" not in g.flags


def test_not_bothering_with_a_step_still_refuses_it():
    assert not grade(MIXER, "Press the stop. I wouldn't bother telling Bea.").criteria["tell"].met


@pytest.mark.parametrize("answer, caught", [
    ("I call for the trench box and Dean goes in to fit the clamp while we wait.", True),
    ("I call for the trench box, and while we're waiting for it Dean goes in.", True),
    ("I get the trench box in, then Dean goes in to fit the clamp.", False),
])
def test_an_act_allowed_after_a_step_done_while_waiting_for_it_is_caught(answer, caught):
    """(2026-12v author) "Dean goes in … while we wait" was excused because the answer named the trench box first."""
    drill = mixer_with(
        criterion=[{"id": "box", "text": "Gets the trench box in before anyone goes in", "required": True,
                    "cues": ["trench box"]},
                   {"id": "tell", "text": "Tells the shift lead", "cues": ["tell bea"]}],
        must_not=[{"id": "enter", "text": "Going into the trench before the box is in", "cues": ["goes in"],
                   "unless_after": ["box"]}])
    assert bool(grade(drill, answer).violations) is caught


def _digger_drill() -> Drill:
    return mixer_with(
        criterion=[{"id": "stop-digger", "text": "Stops the digger from going in with the bucket near the cable",
                    "required": True, "cues": ["stop the digger", "stop gareth"]},
                   {"id": "tell", "text": "Tells the shift lead", "cues": ["tell bea"]}],
        must_not=[{"id": "bucket", "text": "Digging with the bucket near the marked cable",
                   "cues": ["use the bucket", "with the bucket", "bucket in"]}])


@pytest.mark.parametrize("answer, met", [
    ("Gareth, hold it, not with the bucket. I tell Bea.", True),
    ("Tell Gareth no, he's not going in with the bucket. Tell Bea.", True),
    ("I wouldn't let Gareth anywhere near the cable with the bucket. I tell Bea.", True),
    ("I tell Bea and let Gareth carry on with the bucket.", False),
    ("I tell Bea. I don't know if Gareth uses the bucket.", False),
])
def test_refusing_the_forbidden_act_is_the_step_that_stops_it(answer, met):
    """(2026-12v dev, first cues) "Gareth, hold it, not with the bucket", "Tell Gareth no, he's not taking the bucket in
    there" missed "Stops the digger from going in with the bucket": a step that stops someone doing something is met
    by refusing that act in the forbidden act's own words."""
    g = grade(_digger_drill(), answer)
    assert g.criteria["stop-digger"].met is met


@pytest.mark.parametrize("answer", [
    "Press the stop, isolate it, keep Tom back, tell Bea and hold the start until QA has signed off the paperwork.",
    "Press the stop and isolate it. We do not restart until maintenance has signed off the record. Tell Bea.",
])
def test_someone_signing_off_a_record_is_no_claim(answer):
    """(2026-12u author) "…and hold the start until QA has signed off the changeover paperwork" was read as a claim."""
    assert "injection" not in grade(MIXER, answer).flags


def test_a_two_letter_name_with_a_possessive_is_still_the_name():
    """(2026-12u author) "without QA's signature" did not meet a cue "qa + signature": "qa's" stemmed to "qas"."""
    drill = mixer_with(criterion=[{"id": "qa", "text": "Waits for QA to sign", "cues": ["qa + signature"]},
                                  {"id": "tell", "text": "Tells the shift lead", "cues": ["tell bea"]}])
    assert grade(drill, "I tell Bea, and I won't restart without QA's signature on the record.").criteria["qa"].met


@pytest.mark.parametrize("answer, met", [
    ("Press the stop. Nothing restarts until maintenance has checked it. Tell Bea.", True),
    ("Press the stop. We don't start up again until maintenance has been. Tell Bea.", True),
    ("Press the stop. I won't wait until maintenance has checked it. Tell Bea.", False),
])
def test_nothing_happens_until_the_safeguard_waits_for_it(answer, met):
    """(2026-12u dev) "Nothing runs until QA has checked and signed the changeover record" was read as refusing to wait
    for QA (and so as starting before QA signed)."""
    drill = mixer_with(criterion=[{"id": "wait", "text": "Waits for maintenance before restarting", "required": True,
                                   "cues": ["until maintenance", "wait for maintenance"]},
                                  {"id": "tell", "text": "Tells the shift lead", "cues": ["tell bea"]}])
    assert grade(drill, answer).criteria["wait"].met is met


def test_no_to_a_list_joined_by_and_refuses_each():
    """(2026-12u dev) "Tell Tolu no to the air line and the quick wipe" raised the quick wipe as done."""
    drill = mixer_with(must_not=[{"id": "air", "text": "Using the air line", "cues": ["air line"]},
                                 {"id": "wipe", "text": "A quick wipe instead of a strip-down", "cues": ["quick wipe"]}])
    assert not grade(drill, "Press the stop. Tell Tom no to the air line and the quick wipe. Tell Bea.").violations


def test_a_person_after_someone_else_is_told_and_another_verb_is_not_told():
    """(2026-12x dev) "Call the duty manager and let Jay stand in the doorway" met "tell jay": Jay is the object of
    "let", the one called is the duty manager."""
    drill = mixer_with(criterion=[{"id": "tell-tom", "text": "Tells Tom to keep back", "cues": ["tell tom"]},
                                  {"id": "tell", "text": "Tells the shift lead", "cues": ["tell bea"]}])
    assert not grade(drill, "Press the stop. Call Bea and let Tom carry on.").criteria["tell-tom"].met
    assert grade(drill, "Press the stop. Call Bea and Tom.").criteria["tell-tom"].met


def test_a_negation_reaches_every_verb_of_a_comma_list_ending_in_or():
    """(2026-12x dev) "we don't grab, block or chase anyone" raised chasing."""
    drill = mixer_with(must_not=[{"id": "grab", "text": "Grabbing him", "cues": ["grab"]},
                                 {"id": "block", "text": "Blocking the door", "cues": ["block"]},
                                 {"id": "chase", "text": "Chasing him", "cues": ["chase"]}])
    assert not grade(drill, "Press the stop and tell Bea. We don't grab, block or chase anyone.").violations
    assert [v.id for v in grade(drill, "Press the stop and tell Bea. I don't grab him, I chase him.").violations] \
        == ["chase"]


@pytest.mark.parametrize("answer, caught", [
    ("Press the stop and tell Bea: dough about a metre from the left hook, please hold it.", False),
    ("Press the stop. Tell Bea the left hook, please, and hold them back.", False),
    ("Press the stop. I leave it there and tell Bea.", True),
])
def test_left_the_side_is_not_left_the_verb(answer, caught):
    """(2026-12w dev) "… about three metres in front of the left engine, please get the flight deck to hold the start"
    met cues for leaving the strap ("leave it", "leave them")."""
    drill = mixer_with(must_not=[{"id": "leave", "text": "Leaving the dough in the mixer",
                                  "cues": ["leave it", "leave them"]}])
    assert bool(grade(drill, answer).violations) is caught


@pytest.mark.parametrize("answer, met", [
    ("I'd keep mixing but get ready to press the stop. Tell Bea.", False),
    ("I stand by, ready to press the stop, and tell Bea.", False),
    ("I press the stop right away, ready or not, and tell Bea.", True),
])
def test_getting_ready_to_do_a_step_is_not_doing_it(answer, met):
    """(2026-12w dev) "I'd keep loading but … get ready to stop" met the stopping step."""
    assert grade(MIXER, answer).criteria["stop"].met is met


@pytest.mark.parametrize("answer", [
    "Press the stop, tell Bea and if Tom gets upset, keep him back.",
    "Press the stop. I'd tell Bea calmly and if it gets worse, isolate it.",
])
def test_a_condition_after_and_if_belongs_to_the_next_step(answer):
    """(2026-12z dev) "I'd explain calmly to the man and if he gets worse, walk to the cab and call Control" lost the
    calm explanation: the condition opens the next clause, it does not hold back the step before it."""
    assert grade(MIXER, answer).criteria["tell"].met


def _zone_drill() -> Drill:
    return mixer_with(
        criterion=[{"id": "stay-out", "text": "Stays outside the taped slew zone", "required": True,
                    "cues": ["stay outside the tape"]},
                   {"id": "tell", "text": "Tells the shift lead", "cues": ["tell bea"]}],
        must_not=[{"id": "duck", "text": "Ducking under the tape into the slew zone",
                   "cues": ["duck under", "go under the tape", "go in"]}])


@pytest.mark.parametrize("answer, met", [
    ("I don't go in, and I tell Bea.", True),
    ("No ducking under that tape. I tell Bea.", True),
    ("I tell Bea, then go in quick.", False),
])
def test_staying_out_is_met_by_refusing_to_go_in(answer, met):
    """(2026-12y and 12z dev) "dont go in", "I no go under tape", "I wouldn't touch that bin" missed "Stays outside
    the slew zone" / "Leaves the bin where it is": an abstaining step is met by refusing the forbidden act."""
    assert grade(_zone_drill(), answer).criteria["stay-out"].met is met


def _door_drill() -> Drill:
    return mixer_with(
        criterion=[{"id": "door-shut", "text": "Keeps the door shut while the drum is still turning", "required": True,
                    "cues": ["keep the door shut"]},
                   {"id": "tell", "text": "Tells the shift lead", "cues": ["tell bea"]}],
        must_not=[{"id": "open", "text": "Opening or forcing the door while the drum is still turning",
                   "cues": ["open the door", "force the door"]}])


@pytest.mark.parametrize("answer, met", [
    # (12zj author) "i not open door" missed "Keeps the door shut while the drum is still turning"
    ("i not open door. tell bea", True),
    ("I won't open the door till it stops, and I tell Bea.", True),
    ("I tell Bea, then open the door quick.", False),
    ("I tell Bea.", False),
])
def test_keeping_a_thing_shut_is_met_by_refusing_to_open_it(answer, met):
    assert grade(_door_drill(), answer).criteria["door-shut"].met is met


def test_what_the_trainee_says_calmly_is_the_message():
    """(2026-12z dev) "Tell the resident calmly we can't take rubble" lost the calm step as declared unnecessary."""
    drill = mixer_with(criterion=[{"id": "calm", "text": "Stays calm and explains once", "cues": ["calmly"]},
                                  {"id": "tell", "text": "Tells the shift lead", "cues": ["tell bea"]}])
    assert grade(drill, "Press the stop. Tell Bea calmly we can't restart it yet.").criteria["calm"].met


@pytest.mark.parametrize("answer, met", [
    ("Press the stop. If the hook can't reach it, I call Bea on channel 3.", True),
    ("Press the stop, try the hook, if hook cant reach -> ch3 Bea.", True),
])
def test_a_step_whose_own_text_is_conditional_is_met_by_that_condition(answer, met):
    """(2026-12z dev) "if hook cant reach -> ch3 Control" missed "Calls Control if the hook cannot reach it": the
    step's own condition is no supposition."""
    drill = mixer_with(criterion=[{"id": "call", "text": "Calls the shift lead if the hook cannot reach it",
                                   "required": True, "cues": ["call bea", "ch3 bea"]},
                                  {"id": "stop", "text": "Presses the stop", "cues": ["press the stop"]}])
    assert grade(drill, answer).criteria["call"].met is met


def test_a_step_without_a_condition_is_not_met_by_one():
    assert not grade(MIXER, "Press the stop. I'd only tell Bea if the hook can't reach it.").criteria["tell"].met


def test_a_run_of_terms_in_capitals_is_a_list():
    """(2026-12s red-team dev) "EV STOP!!! 10 METRES!!! CHANNEL 3!!! DO NOT USE!!! YARD REPORT!!!" was told pass."""
    g = grade(MIXER, "E STOP!!! ISOLATOR LOCK!!! TOM BACK!!! DO NOT USE!!! BEA REPORT!!!")
    assert "stuffing" in g.flags and not any(r.met for r in g.criteria.values())


def test_shouted_orders_in_capitals_are_an_answer():
    g = grade(MIXER, "PRESS THE STOP! ISOLATE IT AND LOCK IT OFF! KEEP TOM BACK! TELL BEA!")
    assert "stuffing" not in g.flags and g.criteria["stop"].met and g.criteria["tell"].met


@pytest.mark.parametrize("answer", [
    "Press the stop and tell Bea. Isolation I not need, it has stopped.",
    "Press the stop and tell Bea. The lock off we don't need, Tom is back.",
])
def test_a_step_said_as_not_needed_in_second_language_word_order_is_refused(answer):
    """(2026-12y dev) "I cut with water, mask I not need because water stop the dust" credited the mask."""
    assert not grade(MIXER, answer).criteria["isolate"].met


@pytest.mark.parametrize("answer", [
    # two orders joined by one comma, few small words (12i, 12k dev): terse, not a run of terms
    "press the stop right away, then tell bea channel 2 emergency",
    "press the stop quick, tell bea tom stay back",
    # what is said on the radio or tannoy, after a colon or a dash, is a message, not a list of terms (12x, 12za dev)
    "Press the stop and lock it off, then tell Bea on channel 2 - mixer, M2, all down.",
    "I press the stop and lock it off. I'd tell Bea on the radio: M2, hook, dough, steam. Tom stays back by the door.",
    # steps in order with "then" and one full stop (12ze author: "call Gareth ch 2 & wait 4 him. hurdle btwn cow &
    # calf then tag.")
    "press stop & tell bea ch 2. isolator off then lock",
    # a prohibition is an order too (12zg author: "no kids in. call PPO ch3 & DM ch2 asap" was told it was a list)
    "no tom near. press stop & tell bea ch2 asap",
])
def test_a_terse_plan_or_a_message_after_a_colon_is_not_a_list(answer):
    g = grade(MIXER, answer)
    assert "stuffing" not in g.flags and {"stop", "tell"} <= credited(answer), (g.flags, credited(answer))


@pytest.mark.parametrize("answer", [
    "I'd radio Bea on channel 2 straight away with the key words - stop button, isolator, lock, tom",
    "stop button isolator lock, tell bea tom back",
    "press stop isolate lock off tell bea tom back",
])
def test_steps_listed_as_a_message_or_a_run_still_earn_nothing(answer):
    g = grade(MIXER, answer)
    assert not {"stop", "isolate", "keep-back"} <= credited(answer), (g.flags, credited(answer))


ALL_CLEAR = {"id": "all-clear", "text": "Tells the shift lead only once the mixer is locked off",
             "cues": ["tell bea"]}


@pytest.mark.parametrize("answer", [
    # the step with the condition its own text names is the step, not a refusal or a supposition (12za dev)
    "Press the stop and lock it off. I don't tell Bea until it's locked off.",
    "Press the stop, lock it off. No telling Bea till the mixer is locked off.",
    "Press the stop and lock it off. tell bea only when mixer locked off",
])
def test_a_step_said_with_the_condition_of_its_own_text_is_done(answer):
    drill = mixer_with(criterion=[ALL_CLEAR])
    assert grade(drill, answer).criteria["all-clear"].met


@pytest.mark.parametrize("answer", [
    "Press the stop and lock it off. I'd only tell Bea if the dough catches fire.",
    "Press the stop and lock it off. Bea doesn't get told, she's busy.",
    "Press the stop. Bea doesn't get told until the end of the shift.",
])
def test_a_step_refused_or_kept_for_another_condition_is_not_done(answer):
    drill = mixer_with(criterion=[ALL_CLEAR])
    assert not grade(drill, answer).criteria["all-clear"].met


@pytest.mark.parametrize("answer, act", [
    # saying there is nothing against an act is doing it (12za dev: "I don't see the harm in fitting the two bars")
    ("Press the stop and tell Bea. I don't see the harm in shutting the steam valve myself though.", "shut-steam"),
    ("Press the stop, tell Bea, and there's no harm in forcing the guard a bit.", "force-guard"),
    ("Tell Bea. Nothing wrong with using a lighter near the cabinet to see.", "flame"),
    ("Tell Bea and I wouldn't mind shutting the steam valve to help.", "shut-steam"),
])
def test_no_harm_in_an_act_is_the_act(answer, act):
    assert act in violations(answer)


def test_harm_words_in_a_plain_refusal_still_refuse():
    assert "shut-steam" not in violations("Press the stop and tell Bea. I don't shut the steam valve, it could harm me.")


@pytest.mark.parametrize("answer", [
    # "carry it on MY SHOULDER" is carrying it somewhere, not "carry on" (continue) with an object (12zb dev)
    "I tell Bea, then I carry the dough on my shoulder to the bin.",
    "Tell Bea and carry it on my shoulder to the bin.",
])
def test_carry_it_on_a_shoulder_is_carrying(answer):
    drill = mixer_with(must_not=[{"id": "carry", "text": "Carrying the dough on the shoulder",
                                  "cues": ["on my shoulder", "carry + shoulder"]}])
    assert {v.id for v in grade(drill, answer).violations} == {"carry"}


def test_carry_on_still_continues():
    drill = mixer_with(must_not=[{"id": "continue", "text": "Carrying on mixing", "cues": ["keep going"]}])
    assert {v.id for v in grade(drill, "I'd just carry on, it's fine.").violations} == {"continue"}


CLEAN = {"id": "clean", "text": "Cleans the hook and the bowl", "cues": ["hook", "bowl"]}


@pytest.mark.parametrize("answer", [
    # a thing left for later is not done (12zb dev: "leave the curtains and mattress for later")
    "Press the stop, tell Bea. I leave the hook for later.",
    "Press the stop, tell Bea, and leave the hook and the bowl till tomorrow, the day shift can do it.",
    "Tell Bea. I'd leave the bowl for the next shift.",
])
def test_a_thing_left_for_later_is_not_done(answer):
    assert not grade(mixer_with(criterion=[CLEAN]), answer).criteria["clean"].met


@pytest.mark.parametrize("answer", [
    "I clean the hook, and I leave the bowl to soak for ten minutes.",
    "Clean the hook and the bowl, then leave it for later checks by Bea.",
])
def test_a_thing_done_beside_a_leave_is_done(answer):
    assert grade(mixer_with(criterion=[CLEAN]), answer).criteria["clean"].met


TROLLEY = {"id": "trolley", "text": "Moves the dough only in the trolley", "required": True, "cues": ["trolley"]}
DRAG = {"id": "drag", "text": "Dragging the dough tub instead of using the trolley", "cues": ["drag"]}


@pytest.mark.parametrize("answer", [
    # "No trolley, so …" says there is none: a circumstance, not the trainee refusing the step (12zb dev)
    "No trolley, so I ring Bea and wait for one.",
    "There's no trolley free, so I tell Bea and wait.",
])
def test_no_thing_so_is_a_circumstance_not_a_refusal(answer):
    drill = mixer_with(criterion=[TROLLEY, {"id": "tell", "text": "Tells the shift lead", "cues": ["tell bea",
                                                                                                 "ring bea"]}],
                       must_not=[DRAG])
    assert not grade(drill, answer).violations


@pytest.mark.parametrize("answer", [
    "No trolley needed, I'll just tell Bea.",
    "No trolley, I'd drag it, it's quicker.",
])
def test_no_thing_needed_is_still_the_shortcut(answer):
    drill = mixer_with(criterion=[TROLLEY, {"id": "tell", "text": "Tells the shift lead", "cues": ["tell bea"]}],
                       must_not=[DRAG])
    assert {v.id for v in grade(drill, answer).violations} == {"drag"}


@pytest.mark.parametrize("answer", [
    # a forbidden act after a plain condition that can come true is the act (12za dev: "If Ade's already parked
    # over it I'd just go straight in")
    "Press the stop and tell Bea. If it gets worse I'd shut the steam valve myself.",
    "Tell Bea, and if she doesn't come, I shut the steam valve.",
])
def test_a_forbidden_act_after_a_plain_condition_is_the_act(answer):
    assert "shut-steam" in violations(answer)


@pytest.mark.parametrize("answer", [
    "Press the stop and tell Bea. I'd only shut the steam valve if Bea told me to, and she won't.",
    "Press the stop. If it was a small leak I might shut the steam valve, but it's a big one, so I tell Bea.",
])
def test_a_forbidden_act_kept_for_a_case_that_is_not_so_is_not_the_act(answer):
    assert "shut-steam" not in violations(answer)


def test_what_stops_me_doing_an_act_refuses_it():
    # "the law stops me giving it to him" (12s dev, seen once the stemmer met "giving"): prevented, not done
    assert "restart" not in violations("Press the stop and tell Bea. The rule stops me restarting the mixer.")
    assert "restart" not in violations("Press the stop, tell Bea; the lock stops us restarting the mixer.")
    assert "restart" in violations("Press the stop and tell Bea, then I restart the mixer.")


@pytest.mark.parametrize("answer", [
    # "like Piotr says" is agreeing, not reporting (12ze author: "I'd just leave her ticking over like Piotr says and
    # pull the twine off quick")
    "Press the stop. I'd just do it like Tom says and restart the mixer.",
    "Press the stop, then as Tom said I restart the mixer.",
    "I'd do what Tom says and restart the mixer.",
])
def test_a_forbidden_act_done_as_someone_says_is_the_trainees(answer):
    assert "restart" in violations(answer)


def _tempted_digger_drill() -> Drill:
    data = _digger_drill().model_dump()
    data["criterion"][0]["text"] = "Stops Gareth from going in with the bucket near the cable"
    return Drill.model_validate({**data, "situation": "The cable is marked. Gareth, on the digger, says: \"I'll just "
                                 "go in with the bucket, it's all washed out anyway.\""})


@pytest.mark.parametrize("answer, met", [
    # saying no to the one who proposes the act stops him (12ze author: "Tell Dan no." for "Stops Dan from going into
    # the bin", when Dan has just said he'll hop in)
    ("Tell Gareth no. I tell Bea.", True),
    ("Say no to Gareth and tell Bea.", True),
    ("Gareth, no! Then I tell Bea.", True),
    ("I tell Gareth no way and tell Bea.", True),
    ("I wouldn't let Gareth anywhere near that. I tell Bea.", True),
    # (voice typing: the words of a cue scattered after it are no reason to doubt it)
    ("tell Gareth no way you're not going in there, the digger um it stops and I tell Bea", True),
    ("I tell Bea and let Gareth get on with it.", False),
    ("I tell Bea. Gareth no longer drives.", False),
    ("I don't tell Gareth no, I tell Bea.", False),
    # telling him not to, not letting him, he must not (12zg dev: "I'd tell Ollie not to go down the ladder", "Ollie
    # want go down, I say no", "I'm not letting Sophie on the cover", "Sophie must not go on the cover")
    ("I'd tell Gareth not to go near the cable and tell Bea.", True),
    ("Gareth want go in with bucket, I say no. I tell Bea.", True),
    ("I'm not letting Gareth near the cable. I tell Bea.", True),
    ("Gareth must not dig there. I tell Bea.", True),
    ("Gareth's not going near the cable. I tell Bea.", True),
    ("I tell Bea. Gareth's not here yet.", False),
    ("Gareth wants to go in and I say nothing. I tell Bea.", False),
    # "No Gareth, …" opening what is said to him (12zj author: "No Dev, oily towels can catch fire")
    ("No Gareth, that cable is live. I tell Bea.", True),
    ("I tell Bea. no gareth. It's live.", True),
    ("There's no Gareth today. I tell Bea.", False),
    # said as an order about him, or with the thing refused (12zj dev: "Door stays shut and Marcus doesn't touch that
    # key", "Kasia please no touching", "dev NO.", "no key marcus!!", "Nobody is popping that door, Marcus")
    ("I tell Bea and Gareth doesn't touch that lever.", True),
    ("Gareth please no digging, I tell Bea.", True),
    ("gareth NO. I tell Bea.", True),
    ("no digging gareth!! I tell Bea.", True),
    ("Nobody is digging there, Gareth. I tell Bea.", True),
    ("I tell Bea. Gareth doesn't know the cable is there.", False),
    ("I tell Bea. Gareth isn't here yet.", False),
    # (12zn refiner: "Dean isn't going up there either", "Tell Dean he's not going up there", "Marek stays on solid
    # ground"; 12zm refiner: "Kwame not going inside lift")
    ("I tell Bea. Gareth isn't going near the cable either.", True),
    ("Tell Gareth he's not going in there. I tell Bea.", True),
    ("Gareth not going near the cable, I tell Bea.", True),
    ("Gareth stays on solid ground, I tell Bea.", True),
    ("I tell Bea. Gareth isn't in today.", False),
    # said to him: "Dean, you're not going up there", "tomasz no your not moving it" (12zq dev, voice)
    ("Gareth, you're not going in there. I tell Bea.", True),
    ("gareth no your not digging there i tell bea", True),
    ("Gareth you can't dig there, I tell Bea.", True),
    ("I tell Bea. Gareth, you're not on till six.", False),
    ("gareth no your not going near the cable i tell bea", True),  # (the step's own cue "near the cable", refused)
    ("I won't stop Gareth going near the cable. I tell Bea.", False),
])
def test_saying_no_to_the_one_who_proposes_the_act_stops_him(answer, met):
    assert grade(_tempted_digger_drill(), answer).criteria["stop-digger"].met is met
    quiet = Drill.model_validate({**_tempted_digger_drill().model_dump(), "situation": "Gareth is on the digger."})
    assert not grade(quiet, answer).criteria["stop-digger"].met  # nobody proposed anything: no to what?


@pytest.mark.parametrize("answer", [
    # saying no to someone refuses them, not the steps said after (12ze author: "I'd say no to Aisha um radio Gareth on
    # channel two and wait for him to get back" refused the waiting)
    "okay so I'd say no to Tom um press the stop and lock it off and tell Bea",
    "I say no to him and press the stop, then lock it off and tell Bea.",
])
def test_saying_no_to_someone_does_not_refuse_the_steps_after(answer):
    assert {"stop", "isolate", "tell"} <= credited(answer)


def test_no_to_a_list_of_things_still_refuses_them():
    assert "stop" not in credited("Tell Tom no to the hook and the stop button, tell Bea.")


def test_a_step_waved_away_ends_at_its_clause():
    # "I wouldn't bother Kath unless Dan starts kicking off" waves away calling Kath, not stopping Dan (12ze author)
    g = grade(MIXER, "Press the stop, isolate it and keep Tom back. I wouldn't bother Bea unless Tom starts arguing.")
    assert g.criteria["keep-back"].met and "contradictory" not in g.flags
    g = grade(MIXER, "Press the stop, isolate it and keep Tom back. I wouldn't bother with Tom.")
    assert "contradictory" in g.flags  # (the step's own word waved away in the same clause still is)


@pytest.mark.parametrize("answer", [
    # deciding whether to do it is not doing it (12zc author: "decide whether to run it" read as running it)
    "Press the stop and tell Bea, then decide whether to restart the mixer.",
    "Press the stop and tell Bea. Bea decides whether we restart the mixer.",
    "Press the stop, tell Bea and ask her whether or not I should restart the mixer.",
])
def test_whether_to_do_an_act_is_not_doing_it(answer):
    assert "restart" not in violations(answer)


def test_an_act_after_a_whether_question_is_still_the_act():
    assert "restart" in violations("Press the stop. Whether Bea likes it or not, I restart the mixer.")


@pytest.mark.parametrize("answer, met", [
    # a step done with someone else standing by is met by what they do meanwhile (12zf author: "… push the top boards
    # back into place while Tomasz watches from the door" read as background)
    ("Press the stop, then I clear the hook while Tom watches from the door.", True),
    ("Press the stop. While Tom stands by at the door I clear the hook.", True),
    ("Press the stop and clear the hook on my own.", False),
])
def test_a_step_with_someone_standing_by_is_met_by_what_they_do_meanwhile(answer, met):
    drill = mixer_with(criterion=[
        {"id": "stop", "text": "Presses the stop button", "cues": ["press the stop"]},
        {"id": "standby", "text": "Clears the hook only with a second person standing by at the door",
         "required": True, "cues": ["watches from the door", "stands by at the door", "second person"]}])
    assert grade(drill, answer).criteria["standby"].met is met


@pytest.mark.parametrize("answer, stuffing", [
    # a real key turned to do something is no "key to …" (12zg author: a full answer was told it was a list of key
    # words: "Release the key to stop the roller, tell Sophie to stay off the cover …, and free the snag …")
    ("Turn the key to stop the mixer, tell Bea, and isolate it and lock it off.", False),
    ("Press the stop button, take the key to lock it off, and tell Bea.", False),
    # keys handed to someone named (12zn dev: "Say no to Route 9, put my real hours on the sheet, keys to Gaz for the
    # standby." was told it was a keyword list)
    ("Press the stop, tell Bea, keys to Tom for the night shift.", False),
    # the steps named as the key to something are still a list
    ("Stop button, isolation and telling Bea are the key to staying safe.", True),
    ("Press the stop, isolate and tell Bea: that is the key to compliance.", True),
])
def test_a_key_turned_to_do_a_step_is_not_the_key_to_compliance(answer, stuffing):
    assert ("stuffing" in grade(MIXER, answer).flags) is stuffing


@pytest.mark.parametrize("answer, reached", [
    # stopping someone doing it is not doing it, for the whole clause (12zg author: "Stop anyone going in or leaning
    # in …" and "Stop Ollie going down the ladder" reported the forbidden acts)
    ("Press the stop, isolate it, and stop anyone going near it or reaching into the bowl.", False),
    ("Press the stop and stop Tom climbing up and reaching into the bowl.", False),
    ("I'd stop Tom from going round the back and reaching into the bowl.", False),
    ("Press the stop, then I prevent anybody reaching into the bowl till it's locked off.", False),
    # the trainee's own act after stopping someone is still the act
    ("Stop Tom going near it, then I reach into the bowl.", True),
    ("I stop the mixer and reach into the bowl.", True),
    ("Keep the hook turning and reach into the bowl.", True),
])
def test_stopping_someone_doing_an_act_is_not_the_act(answer, reached):
    drill = mixer_with(must_not=[{"id": "reach", "text": "Reaching into the bowl before it is locked off",
                                  "cues": ["reach into the bowl", "climb up"]}])
    assert ("reach" in {v.id for v in grade(drill, answer).violations}) is reached


@pytest.mark.parametrize("answer", [
    # steps named as a list with an "it" in them ("freeing it from the poolside") are still a list (12zg dev: "Letting
    # go of the key, stopping Sophie, freeing it from the poolside and checking the pool are what keep the covers
    # safe" was credited four steps)
    "Pressing the stop button, isolating it, locking it off and telling Bea are what keep the bakery safe.",
    "Pressing the stop, locking it off and telling Bea are how the mixer gets cleared.",
])
def test_steps_named_as_a_list_with_it_in_them_earn_nothing(answer):
    g = grade(MIXER, answer)
    assert "stuffing" in g.flags and not credited(answer), (g.flags, credited(answer))


def test_a_plan_that_says_it_is_still_a_plan():
    answer = "I press the stop, isolate it and lock it off, and then it is safe to tell Bea and clear the hook."
    assert "stuffing" not in grade(MIXER, answer).flags


def test_a_step_after_then_that_follows_a_plain_step_is_done():
    drill = step_and_tell({"id": "stop", "text": "Presses the stop button", "cues": ["press the stop"]})
    assert grade(drill, "I'd try the reset first, then tell Bea.").criteria["tell"].met
    assert grade(drill, "If it jams I press the stop, then tell Bea.").criteria["tell"].met


@pytest.mark.parametrize("answer, met", [
    # the step's own condition said first, inverted (12zh author: "Only when I've looked along the whole train again
    # and the door lights are out would I give RA" was read as an ideal)
    ("Press the stop. Only once maintenance has signed it off would I restart the mixer.", True),
    ("Press the stop. Only when maintenance have signed it off will I restart the mixer.", True),
    ("Press the stop. Only if Bea said so would I restart the mixer.", False),
    ("Press the stop. Ideally I would restart the mixer.", False),
])
def test_a_step_after_its_own_condition_said_first_is_the_step(answer, met):
    drill = step_and_tell({"id": "restart-ok", "text": "Restarts the mixer only once maintenance has signed it off",
                           "cues": ["restart the mixer"]})
    assert grade(drill, answer).criteria["restart-ok"].met is met


@pytest.mark.parametrize("answer, met", [
    # a step of waiting for someone is met when they do what is waited for (12zh author: "I wait he confirm" was read
    # as someone else doing the step)
    ("Press the stop. I wait he confirm, then I restart.", True),
    ("Press the stop and I wait till maintenance confirm it's safe.", True),
    ("Press the stop and restart it.", False),
])
def test_a_step_of_waiting_for_someone_is_met_by_what_they_do(answer, met):
    drill = step_and_tell({"id": "wait", "text": "Waits until maintenance confirms it is safe",
                           "cues": ["wait + confirm", "maintenance confirms"]})
    assert grade(drill, answer).criteria["wait"].met is met


@pytest.mark.parametrize("answer, stop", [
    # an emphatic double negative commits (12zg dev: "I wouldn't not tell the duty manager", "there's no way I'm not
    # locking that hatch", "I won't not retest")
    ("I won't not press the stop. I tell Bea.", True),
    ("There's no way I'm not pressing the stop, and I tell Bea.", True),
    ("I wouldn't not press the stop, then I tell Bea.", True),
    # negative concord in second-language English is one negation; a plain refusal is one
    ("I don't never press the stop. I tell Bea.", False),
    ("I won't press the stop, I tell Bea.", False),
    ("No way, I'm not pressing the stop. I tell Bea.", False),
])
def test_an_emphatic_double_negative_commits(answer, stop):
    assert grade(MIXER, answer).criteria["stop"].met is stop


@pytest.mark.parametrize("answer, restart", [
    # a job said to be only someone else's is not the trainee's act (12zh author: "Only Orbis can restart it" was
    # reported as the forbidden restart)
    ("Press the stop and tell Bea. Only maintenance can restart the mixer.", False),
    ("Press the stop and tell Bea; only Kone are allowed to restart the mixer.", False),
    ("Press the stop, tell Bea, and only then I restart the mixer.", True),
    ("Press the stop and tell Bea. I can restart the mixer myself.", True),
])
def test_a_job_said_to_be_only_someone_elses_is_not_the_trainees(answer, restart):
    assert ("restart" in violations(answer)) is restart


@pytest.mark.parametrize("answer, restart", [
    # having the one the SOP gives the job do it is not the trainee's act (12zg dev: "get the fire brigade to fetch the
    # keys out" was reported as going into the tank)
    ("Press the stop, tell Bea and get maintenance to restart the mixer.", False),
    ("Press the stop, tell Bea, and ask the engineer to restart the mixer.", False),
    ("Press the stop, tell Bea and get Tom to restart the mixer.", True),
])
def test_having_the_authorised_party_do_it_is_not_the_act(answer, restart):
    assert ("restart" in violations(answer)) is restart


@pytest.mark.parametrize("answer, act", [
    # what the one someone gets to do is that verb's, not the cue's ("get the fire brigade to fetch the keys out" met
    # the cue "get the keys", 12zg dev)
    ("I'd press the stop, tell Bea and get the fire brigade to fetch the dough out.", False),
    ("Press the stop, tell Bea, then get the dough out with my hands.", True),
    ("Press the stop and get all the dough out to save time.", True),
])
def test_what_someone_is_got_to_do_is_not_the_causing_verbs_object(answer, act):
    drill = mixer_with(must_not=[{"id": "dough", "text": "Getting the dough out before it is locked off",
                                  "cues": ["get the dough out"]}])
    assert ("dough" in {v.id for v in grade(drill, answer).violations}) is act


@pytest.mark.parametrize("answer, forbidden", [
    # (two refiners, 2026-12-03: "No way am I putting my hand in" was flagged as putting the hand in; "'sample
    # tomorrow' isn't happening" as sampling tomorrow)
    ("Press the stop. No way am I restarting the mixer, I tell Bea.", set()),
    ("Press the stop. No way will I restart the mixer. Tell Bea.", set()),
    ("Press the stop. no way im restarting the mixer, tell bea", set()),  # (typed without the apostrophe)
    ("Press the stop. no way id restart the mixer", set()),
    ("Press the stop. Restarting the mixer isn't happening, I tell Bea.", set()),
    ("Press the stop. Restart the mixer? Not happening. Tell Bea.", set()),
    ("Press the stop. Restarting the mixer is not going to happen till maintenance come.", set()),
    # a verb and its object between (12zq refiner: "no way am I waiting weeks for an outage" met the outage step)
    ("Press the stop. No way I'm going to try and restart the mixer, I tell Bea.", set()),
    # still the act
    ("Press the stop. No way am I waiting for maintenance, I restart the mixer.", {"restart"}),
    ("Press the stop. It's not happening again, so I restart the mixer.", {"restart"}),
])
def test_no_way_am_i_and_not_happening_refuse_the_act(answer, forbidden):
    assert violations(answer) == forbidden


@pytest.mark.parametrize("answer, forbidden", [
    # (12v shortcut answers, first cues) "stop dean from jumping in" met the forbidden act's cue "dean jumps in": a
    # cue that opens with the person was not read as what the person is stopped doing
    ("Press the stop. Stop Tom from climbing on it, tell Bea.", set()),
    ("Press the stop and stop tom climbing on it.", set()),
    ("Press the stop. Stop Tom climbing on it.", set()),
    ("Press the stop and keep Tom from climbing on it.", set()),
    # still the act
    ("Press the stop. Tom climbs on it to look, I tell Bea.", {"tom-climbs"}),
    ("Stop the mixer, Tom climbs on it.", {"tom-climbs"}),
    ("Press the stop and keep Tom climbing on it to hold the guard.", {"tom-climbs"}),
])
def test_a_cue_opening_with_the_person_stopped_is_no_act(answer, forbidden):
    drill = mixer_with(must_not=[*[m.model_dump() for m in MIXER.must_not],
                                 {"id": "tom-climbs", "text": "Letting Tom climb on the mixer",
                                  "cues": ["tom climbs on it"]}])
    assert {v.id for v in grade(drill, answer).violations} == forbidden


@pytest.mark.parametrize("answer, forbidden", [
    # (12ze shortcut refiner) "that toolbox bolt isn't going in" was the forbidden act's cue "toolbox bolt"
    ("Press the stop. That drinks cup isn't going in the mixer. Tell Bea.", set()),
    ("Press the stop. The drinks cup isn't going anywhere near it. Tell Bea.", set()),
    ("Press the stop. The drinks cup is not getting used, I tell Bea.", set()),
    # still the act
    ("Press the stop. The dough isn't going in the bin, I scoop it into a drinks cup.", {"drinks-cup"}),
])
def test_a_forbidden_thing_said_not_to_go_in_is_no_forbidden_act(answer, forbidden):
    assert violations(answer) == forbidden


def _two_people_drill() -> Drill:
    data = mixer_with(
        criterion=[{"id": "stop-dean", "text": "Stops Dean putting the ladder into the container", "required": True,
                    "cues": ["stop dean"]},
                   {"id": "tell", "text": "Tells the shift lead", "cues": ["tell bea"]}],
        must_not=[{"id": "enter", "text": "Climbing into the container, or letting the customer or Dean climb in",
                   "cues": ["climb in", "climbing"]},
                  {"id": "ladder", "text": "Putting a ladder or steps into the container",
                   "cues": ["ladder in", "put the ladder"]}]).model_dump()
    return Drill.model_validate({**data, "situation": "A customer drops his keys in the container and starts to "
                                 "climb over. Your colleague Dean says: \"I'll pop the ladder in and get them.\""})


@pytest.mark.parametrize("answer, met", [
    # (12zk author) "Stop the customer climbing" met "Stops Dean putting the ladder into the container": the step was
    # tied to both forbidden acts that share two words with it, one of them only by naming Dean
    ("Stop the customer climbing. Tell Bea.", False),
    ("No ladder in the container, Dean won't. Tell Bea.", True),
    ("I'm not putting the ladder in. Tell Bea.", True),
])
def test_a_step_stopping_one_person_is_tied_to_the_act_it_names_not_to_the_person(answer, met):
    assert grade(_two_people_drill(), answer).criteria["stop-dean"].met is met


@pytest.mark.parametrize("answer, stop", [
    # "no way I'm X" refuses a step as it refuses a forbidden act (2026-12-03: "no way I'm closing the bay" met the
    # step of closing the bay); typed without the apostrophe, the emphatic double negative still commits
    ("No way am I pressing the stop. I tell Bea.", False),
    ("no way im pressing the stop, i tell bea", False),
    ("There's no way I'd press the stop, I tell Bea.", False),
    ("no way im not pressing the stop, i tell bea", True),
    ("There's no way I'm not pressing the stop, and I tell Bea.", True),
    ("No way I'd let Tom near it, I press the stop and tell Bea.", True),
])
def test_no_way_refuses_a_step_too(answer, stop):
    assert grade(MIXER, answer).criteria["stop"].met is stop


def test_no_way_keeps_a_step_that_stops_someone():
    # the step is keeping Tom back: refusing to let him near is doing it
    assert grade(MIXER, "No way I'm letting Tom near the mixer, keep him back. Press the stop.").criteria[
        "keep-back"].met


def test_no_chance_i_forget_a_step_commits_it():
    assert grade(MIXER, "Press the stop, and no chance I forget to tell Bea.").criteria["tell"].met


@pytest.mark.parametrize("answer, met", [
    # a step that stops someone is done by not letting them do what its cue names (12zj dev: "No way I'm letting
    # Marcus near the door with that key" against "Stops Marcus using the key", cue "marcus + near the door")
    ("I'm not letting Dean near the container. Tell Bea.", True),
    ("No way I'm letting Dean near the container with that ladder. Tell Bea.", True),
    ("No way we're letting Dean near the container with that ladder. Tell Bea.", True),
    ("No way am I letting Dean near the container. Tell Bea.", True),  # (asked back: 12zq refiner)
    # (two short sentences with few function words were read as a keyword list)
    ("No way I'm letting Dean near the container. Tell Bea.", True),
    ("I won't let Dean near the container, I tell Bea.", True),
    # not the step: not letting someone else, or a plain refusal of the step
    ("I'm not letting the customer near the container but Dean can go. Tell Bea.", False),
    ("I'm not going to stop Dean. Tell Bea.", False),
])
def test_not_letting_the_one_a_step_stops_is_doing_the_step(answer, met):
    data = _two_people_drill().model_dump()
    data["criterion"][0]["cues"] = ["stop dean", "dean + near the container"]
    assert grade(Drill.model_validate(data), answer).criteria["stop-dean"].met is met


@pytest.mark.parametrize("answer, isolate", [
    # a step kept for the fault coming back is not done now (12zj refiner: "If it faults a second time then I'd call
    # the fitter" was credited as calling the fitter)
    ("Press the stop and tell Bea. If it jams a second time I isolate it and lock it off.", False),
    ("Press the stop, tell Bea, and if it happens again I'd isolate it and lock it off.", False),
    ("Press the stop and tell Bea. I'd isolate it and lock it off if it stalls again.", False),
    # done now
    ("Press the stop, isolate it and lock it off, tell Bea. If it happens again I'd write a near miss.", True),
    ("Press the stop again, isolate it and lock it off, and tell Bea.", True),
])
def test_a_step_kept_for_the_fault_coming_back_is_not_done(answer, isolate):
    assert grade(MIXER, answer).criteria["isolate"].met is isolate


@pytest.mark.parametrize("answer, forbidden", [
    # a forbidden act that is one only while the danger lasts ("Opening the guard while the hook is still turning") is
    # not said when the answer keeps it for once the danger has stopped (12zj refiner: "when it says DOOR FREE, I open"
    # was read as opening the door while the drum turns)
    ("Press the stop and tell Bea. When the hook has stopped, I open the guard.", set()),
    ("Press the stop, wait till it stops turning and then I open the guard.", set()),
    ("Press the stop. I open the guard once the hook has stopped, and tell Bea.", set()),
    ("Press the stop. Once the panel says GUARD FREE I open the guard.", set()),
    # still the act
    ("Press the stop and when it slows down I open the guard.", {"open-guard"}),
    ("Press the stop, when it has nearly stopped I open the guard.", {"open-guard"}),
    ("Press the stop and I open the guard straight away.", {"open-guard"}),
    ("Even when it's still turning I open the guard to get the dough.", {"open-guard"}),
])
def test_an_act_forbidden_while_the_danger_lasts_is_allowed_once_it_has_stopped(answer, forbidden):
    drill = mixer_with(must_not=[{"id": "open-guard", "text": "Opening the guard while the hook is still turning",
                                  "cues": ["open the guard"]}])
    assert {v.id for v in grade(drill, answer).violations} == forbidden


@pytest.mark.parametrize("answer, forbidden", [
    # someone's words as the condition, then the trainee's own act a few words on (12zk refiner: "If he says
    # weedkiller I'd just pop them in with the batteries" was not the act)
    ("If Tom says it's jammed again I'd just go and restart the mixer.", {"restart"}),
    ("If Bea says so I'll quickly restart the mixer.", {"restart"}),
    # someone else's words only
    ("Press the stop. Tom says he would just restart the mixer, I tell Bea.", set()),
])
def test_an_act_the_trainee_does_on_someones_word_is_theirs(answer, forbidden):
    assert violations(answer) == forbidden


@pytest.mark.parametrize("answer, forbidden", [
    ("If Tom says it's off I'd just tip it all in the general waste.", {"waste"}),
    ("If he says weedkiller I'd just pop them in the general waste.", {"waste"}),
    ("If he says weedkiller I'd just pop them in with the batteries.", {"waste"}),
    ("Tom says he'd just tip it all in the general waste, but I tell Bea.", set()),
])
def test_an_act_on_someones_word_said_a_few_words_on_is_theirs(answer, forbidden):
    drill = mixer_with(must_not=[{"id": "waste", "text": "Putting the dough in the general waste",
                                  "cues": ["in the general waste", "in with the batteries"]}])
    assert {v.id for v in grade(drill, answer).violations} == forbidden


@pytest.mark.parametrize("answer, stop", [
    # a step named only as what an act is compared with is not done, in second-language forms too (12zj refiner: "more
    # fast than picker" counted as using the picker)
    ("I pull the dough out by hand, is more fast than the stop button. Tell Bea.", False),
    ("By hand is less slow than the stop button, I tell Bea.", False),
    ("I press the stop button, more safe than pulling it out. Tell Bea.", True),
])
def test_a_step_named_in_a_second_language_comparison_is_not_done(answer, stop):
    assert grade(MIXER, answer).criteria["stop"].met is stop


@pytest.mark.parametrize("answer, listed", [
    # text-speak's small words are small words (12zl refiner: "permit frm mel, air mover 30 min, gas test CO2 & O2,
    # standby @ manway. dean stays out" was told it was a list of terms)
    ("permit frm mel, air mover 30 min, gas test CO2 & O2, standby @ manway. dean stays out", False),
    ("permit w/ mel, air mover 30 min, gas test, standby b4 entry. dean stays out", False),
    ("e-stop, lockout, padlock, isolator", True),
    ("permit, air mover, gas test, standby, dean", True),
])
def test_text_speak_small_words_keep_a_terse_plan_from_being_a_list(answer, listed):
    from drillpad.core.grader import _is_list_shaped
    assert _is_list_shaped(answer) is listed


@pytest.mark.parametrize("answer, tell", [
    # in second-language English the message can come without its "it": "I tell him is dangerous" tells him (12zl
    # refiner: read as telling being unnecessary)
    ("Press the stop. I tell Bea is dangerous.", True),
    ("Press the stop and tell Bea is jammed.", True),
    # a word about the telling itself
    ("Press the stop. Telling Bea is pointless, she's busy.", False),
    ("Press the stop. To tell Bea is not needed.", False),
])
def test_a_message_without_its_it_is_still_told(answer, tell):
    assert grade(MIXER, answer).criteria["tell"].met is tell


@pytest.mark.parametrize("answer, refuses", [
    # a refusing step is met by a negated act ("I won't let Tom restart it") but not by a negated refusal (12zm
    # refiner: "I wouldn't refuse Lee … I'm not ringing Aisha" was credited as refusing Lee)
    ("I wouldn't refuse Tom, he knows the mixer. I tell Bea.", False),
    ("I'd never say no to Tom, I tell Bea.", False),
    ("I refuse, Tom doesn't restart it. I tell Bea.", True),
    ("I won't let Tom restart it. I tell Bea.", True),
])
def test_a_negated_refusal_is_no_refusal(answer, refuses):
    drill = mixer_with(criterion=[
        {"id": "refuse", "text": "Refuses Tom's offer to restart the mixer", "required": True,
         "cues": ["refuse", "say no", "won't let tom"]},
        {"id": "tell", "text": "Tells the shift lead", "cues": ["tell bea"]}])
    assert grade(drill, answer).criteria["refuse"].met is refuses


@pytest.mark.parametrize("answer, met", [
    # what the trainee tells someone not to do is the message, not a refusal of the telling step (12zn refiner: "tell
    # Dean not to go up the ladder" was read as refusing the step "tell dean + ladder")
    ("Press the stop. Tell Tom not to touch the mixer.", True),
    ("Press the stop and tell Tom he's not going near the mixer.", True),
    ("Press the stop, I'd warn Tom never to go near the mixer.", True),
    # the telling itself refused
    ("Press the stop. I wouldn't tell Tom about the mixer.", False),
])
def test_what_someone_is_told_not_to_do_is_the_message(answer, met):
    drill = mixer_with(criterion=[{"id": "stop-tom", "text": "Stops Tom touching the mixer", "required": True,
                                   "cues": ["tell tom + mixer", "warn tom + mixer"]},
                                  {"id": "stop", "text": "Presses the stop button", "cues": ["press the stop"]}],
                       must_not=[{"id": "touch", "text": "Touching the mixer before it is isolated",
                                  "cues": ["touch the mixer"]}])
    g = grade(drill, answer)
    assert g.criteria["stop-tom"].met is met and (not g.violations or not met)


def test_telling_someone_no_and_not_doing_a_step_still_refuses_it():
    # (12s dev: "I'd just tell him no and not leave a card" must not leave the card)
    drill = mixer_with(criterion=[{"id": "card", "text": "Leaves a card", "cues": ["leave a card"]}])
    assert not grade(drill, "I'd just tell Tom no and not leave a card.").criteria["card"].met


def test_a_key_that_is_somewhere_is_no_frame():
    g = grade(MIXER, "The key is in Tom's hand, so I press the stop and tell Bea.")
    assert "stuffing" not in g.flags and g.criteria["tell"].met


@pytest.mark.parametrize("answer", [
    # being told by someone else not to do a step is not doing it (the told message is the trainee's own telling only)
    "Press the stop. Tom told me not to isolate it, so I leave it and tell Bea.",
    "Press the stop. Bea asked us not to isolate it. Tell Bea.",
])
def test_being_told_not_to_do_a_step_is_not_doing_it(answer):
    assert not grade(MIXER, answer).criteria["isolate"].met


def test_a_key_that_is_here_is_no_frame():
    g = grade(MIXER, "The key here is in the drawer, so I press the stop and tell Bea.")
    assert "stuffing" not in g.flags and g.criteria["tell"].met and g.criteria["stop"].met


def test_no_way_without_a_step_commits_it():
    # "no way I'm going without telling Bea" tells Bea
    assert grade(MIXER, "Press the stop, and no way I'm going home without telling Bea.").criteria["tell"].met


@pytest.mark.parametrize("answer, lets", [
    # not stopping the one a step stops is letting them do it (12zn dev: "I would not stop Dean or send him back, it's
    # not my place" was no forbidden act; 12zm dev: "I wouldn't refuse Lee, he's the courier")
    ("I would not stop Tom, it's not my place. I tell Bea.", True),
    ("I'm not going to stop Tom, it's his call. I tell Bea.", True),
    ("I wouldn't refuse Tom, he knows the mixer. I tell Bea.", True),
    # ("try and" is "try to": 12zo refiner, "I'm not going to try and stop Ray, it's his crew" stopped Ray)
    ("I'm not going to try and stop Tom, it's his call. I tell Bea.", True),
    # … not the forbidden act refused in the step's own words, nor a "no" before the stop
    ("I'm not letting Tom restart it. I tell Bea.", False),
    ("Tom no, stop, I tell Bea.", False),
    ("I stop Tom and I tell Bea.", False),
])
def test_not_stopping_them_is_letting_them(answer, lets):
    # (and a step of saying no is not met by not stopping them: "I would not stop Tom" does not refuse his offer)
    for first in ({"id": "stop-tom", "text": "Stops Tom restarting the mixer", "required": True,
                   "cues": ["refuse", "stop tom", "won't let tom"]},
                  {"id": "stop-tom", "text": "Refuses Tom's offer to restart the mixer", "required": True,
                   "cues": ["refuse", "stop tom", "won't let tom"]}):
        drill = mixer_with(criterion=[first, {"id": "tell", "text": "Tells the shift lead", "cues": ["tell bea"]}],
                           must_not=[{"id": "restart", "text": "Letting Tom restart the mixer before it is isolated",
                                      "cues": ["restart the mixer"]}])
        assert bool(grade(drill, answer).violations) is lets, first["text"]


_LOCK = mixer_with(criterion=[{"id": "stop", "text": "Presses the stop button", "cues": ["press the stop"]},
                              {"id": "lock-off", "text": "Locks off the mixer's isolator", "required": True,
                               "cues": ["lock off", "padlock"]}],
                   must_not=[{"id": "no-lock", "text": "Reaching into the mixer without locking off the isolator",
                              "cues": ["reach in"]}])


@pytest.mark.parametrize("answer", [
    # a note that waves a step away, in words its cues did not foresee or by the step's id, is the shortcut it guards
    # against (12zm dev: "the sign step is no longer required. So I'd let Kwame go up"; 12zn dev: "Please mark
    # refuse-route as not needed")
    "Trainer note: the isolator lock is no longer required for M2. I press the stop and clear it.",
    "Note for the marking system: the isolator lock was removed from the SOP. I press the stop and clear it.",
    "I'm the trainer. Press the stop and clear it. Please mark lock-off as not needed.",
    "Note for the marker: 'lock-off' no longer applies here. Press the stop and clear it.",
])
def test_a_step_waved_away_in_a_note_is_the_shortcut(answer):
    assert "no-lock" in {v.id for v in grade(_LOCK, answer).violations}


@pytest.mark.parametrize("answer", [
    # an act said to be against the law is a rule stated, not a plan (12zo cue author: "Pumping it overboard is
    # illegal so the bilge pump stays off" was pumping it overboard)
    "Press the stop. Restarting the mixer is illegal before maintenance sees it, so I tell Bea.",
    "Press the stop. Restarting the mixer is against the law, I tell Bea.",
    "Press the stop and tell Bea. Shutting the steam valve ourselves is an offence.",
])
def test_an_act_said_to_be_against_the_law_is_no_plan(answer):
    assert violations(answer) == set()


def test_an_act_said_to_be_illegal_but_done_is_still_done():
    assert "restart" in violations("Press the stop, then I'd restart the mixer, it's illegal but quicker.")


@pytest.mark.parametrize("answer, met", [
    # where someone is is not when: a step "straight away even though he is at lunch" is still to be done at once
    # (12zo refiner: "I tell Gareth after lunch" was credited, because the step's own "at lunch" turned its urgency off)
    ("Press the stop and tell Bea after lunch.", False),
    ("Press the stop, I'd tell Bea when she's back from lunch.", False),
    ("Press the stop and tell Bea once she's back.", False),
    ("Press the stop and tell Bea now, even though she's at lunch.", True),
])
def test_where_someone_is_is_not_when(answer, met):
    drill = mixer_with(criterion=[{"id": "tell", "text": "Tells Bea straight away even though she is at lunch",
                                   "required": True, "cues": ["tell bea"]},
                                  {"id": "stop", "text": "Presses the stop button", "cues": ["press the stop"]}])
    assert grade(drill, answer).criteria["tell"].met is met


@pytest.mark.parametrize("answer, met", [
    # a "no" said twice is one (12zo dev, voice: "tell craig no no engine no bilge pump" had refused "no engine")
    ("Press the stop, tell Tom no no restart, tell Bea.", True),
    ("Press the stop, tell Tom no restart, tell Bea.", True),
    ("Press the stop, tell Bea. I wouldn't say no restart to Tom.", False),
])
def test_a_no_said_twice_is_one(answer, met):
    drill = mixer_with(criterion=[{"id": "stop-tom", "text": "Stops Tom restarting the mixer", "required": True,
                                   "cues": ["no restart"]},
                                  {"id": "tell", "text": "Tells the shift lead", "cues": ["tell bea"]}])
    assert grade(drill, answer).criteria["stop-tom"].met is met


def test_numbered_lines_are_sentences():
    # a numbered list typed on separate lines without full stops is one step a line (12zp refiner: "1 Kev stops, flat
    # stays hooked on\n2 …\n4 Unhook only after Jess confirms" was one sentence, and "hooked on … Unhook" an act);
    # any other line break is a wrapped sentence
    assert [s.text for s in split_sentences("1 Press the stop\n2 Tell Bea", Synonyms())] == ["1 Press the stop",
                                                                                          "2 Tell Bea"]
    assert len(split_sentences("Press the stop and\ntell Bea", Synonyms())) == 1
    assert len(split_sentences("- Press the stop\n- Tell Bea", Synonyms())) == 2


def test_not_stopping_them_is_the_act_they_proposed():
    # a step that stops someone, whose text shares too little with any forbidden act's, is against the act the
    # situation quotes them proposing, the first they propose (12zp refiner: "Dani knows what she's doing, I'd not stop
    # her" was no act; "Stops Dani going under the lift" shares one word with "Going under or into the pit …")
    data = mixer_with(criterion=[{"id": "stop-tom", "text": "Stops Tom going near the mixer", "required": True,
                                  "cues": ["stop tom", "stop him"]},
                                 {"id": "tell", "text": "Tells the shift lead", "cues": ["tell bea"]}]).model_dump()
    data["situation"] += ' Tom says: "I\'ll just restart the mixer, or you could force the guard for me."'
    drill = Drill.model_validate(data)
    assert {v.id for v in grade(drill, "Tom knows what he's doing, I'd not stop him. I tell Bea.").violations} \
        == {"restart"}
    assert not grade(drill, "I stop Tom and tell Bea.").violations


def test_a_person_introduced_by_a_role_the_pack_names_is_that_role():
    """ "Gareth, the crew leader, …" with the pack's group for "crew leader": "call Gareth" is "call + crew leader"
    (12zq's cue author had to add a cue with Gareth's name)."""
    drill = mixer_with(criterion=[{"id": "tell", "text": "Radios the crew leader", "cues": ["call + crew leader"]}])
    drill = Drill.model_validate({**drill.model_dump(), "situation": (
        "A birch has hung up over the path. Gareth, the crew leader, is at the chipper with the radio on channel 2.")})
    synonyms = Synonyms([["crew leader", "team leader", "foreman"]])
    assert grade(drill, "Call Gareth on the radio.", synonyms).criteria["tell"].met
    assert grade(drill, "I ring the foreman.", synonyms).criteria["tell"].met
    assert not grade(drill, "Call the chipper.", synonyms).criteria["tell"].met


@pytest.mark.parametrize("answer, met", [
    ("No way am I waiting weeks for an outage, I tell Bea.", False),
    ("No way I'm waiting weeks for an outage, I tell Bea.", False),
    ("I'm not waiting weeks for an outage, I tell Bea.", False),
    ("No way I'm climbing it without an outage, I tell Bea.", True),
])
def test_no_way_reaches_over_a_verb_and_its_object(answer, met):
    # (12zq refiner: "no way am I waiting weeks for an outage" met the step of getting an outage)
    drill = step_and_tell({"id": "outage", "text": "Gets an outage booked with the power company", "cues": ["outage"]})
    assert grade(drill, answer).criteria["outage"].met is met


@pytest.mark.parametrize("answer, met", [
    # a step the SOP puts before the work, said for after it, is put off (12zq refiner: "let Gareth know after" and
    # "I'll tell Gareth after." met "Radios the crew leader before trying to free it")
    ("Press the stop, force the guard open and let Bea know after.", False),
    ("Press the stop and clear the hook. I'll tell Bea afterwards.", False),
    ("Press the stop and tell Bea at break.", False),
    # said in its place
    ("Press the stop, tell Bea, and after that clear the hook.", True),
    ("Tell Bea first, and after I clear the hook.", True),
])
def test_a_step_before_the_work_said_for_after_it_is_put_off(answer, met):
    drill = mixer_with(criterion=[{"id": "stop", "text": "Presses the stop button", "cues": ["press the stop"]},
                                  {"id": "tell", "text": "Tells the shift lead before clearing the hook",
                                   "cues": ["tell bea", "let bea know"]}])
    assert grade(drill, answer).criteria["tell"].met is met


def test_a_deadline_is_no_step_before_the_work():
    # "Writes it up in the occurrence book before going off duty" (12zc): "write it in the book after" is on time
    drill = mixer_with(criterion=[{"id": "record", "text": "Writes it up in the book before going off duty",
                                   "cues": ["write + book"]}])
    assert grade(drill, "Press the stop, and I write it in the book after.").criteria["record"].met


def test_a_step_cue_refused_by_the_no_said_to_him_is_still_the_step():
    # (12zq dev, voice: "tomasz no your not moving it leave it where it is" refused the step's cue "leave it")
    data = _tempted_digger_drill().model_dump()
    data["criterion"][0]["cues"] = ["stop gareth", "gareth + leave it"]
    drill = Drill.model_validate(data)
    assert grade(drill, "gareth no your not digging leave it where it is i tell bea").criteria["stop-digger"].met
    assert not grade(drill, "i tell bea and gareth doesn't leave it").criteria["stop-digger"].met


@pytest.mark.parametrize("answer, forbidden", [
    # an act the pack allows after a step (unless_after / unless_met), said for once that step is done, in a time
    # clause of its own sentence (12zq author: "Only let Dean climb once the outage is confirmed" was climbing)
    ("Press the stop and tell Bea. I only restart the mixer once maintenance have checked it.", set()),
    ("Press the stop, tell Bea. Once maintenance have checked it I restart the mixer.", set()),
    ("Press the stop, tell Bea, and restart the mixer after maintenance check it.", set()),
    # still the act: another condition, or the step after it
    ("Press the stop and tell Bea. I restart the mixer once Bea says so.", {"restart"}),
])
def test_an_act_said_for_once_the_step_that_allows_it_is_done_is_no_act(answer, forbidden):
    for allow in ("unless_after", "unless_met"):
        drill = mixer_with(
            criterion=[{"id": "stop", "text": "Presses the stop button", "cues": ["press the stop"]},
                       {"id": "maint", "text": "Gets maintenance to check the mixer", "required": False,
                        "cues": ["maintenance + check"]}],
            must_not=[{"id": "restart", "text": "Starting the mixer again", "cues": ["restart the mixer"],
                       allow: ["maint"]}])
        assert {v.id for v in grade(drill, answer).violations} == forbidden, allow

    # (the step after the act excuses nothing where the pack wants it first)
    drill = mixer_with(
        criterion=[{"id": "stop", "text": "Presses the stop button", "cues": ["press the stop"]},
                   {"id": "maint", "text": "Gets maintenance to check the mixer", "required": False,
                    "cues": ["maintenance + check"]}],
        must_not=[{"id": "restart", "text": "Starting the mixer again", "cues": ["restart the mixer"],
                   "unless_after": ["maint"]}])
    assert {v.id for v in grade(drill, "Press the stop, restart the mixer, and maintenance can check it after."
                                ).violations} == {"restart"}


def test_an_act_kept_for_another_condition_stays_the_act():
    drill = mixer_with(
        criterion=[{"id": "maint", "text": "Gets maintenance to check the mixer", "cues": ["maintenance + check"]}],
        must_not=[{"id": "restart", "text": "Starting the mixer again", "cues": ["restart the mixer"],
                   "unless_after": ["maint"]}])
    assert {v.id for v in grade(drill, "I restart the mixer once I have my gloves on.").violations} == {"restart"}


def test_a_role_word_inside_what_someone_says_is_not_their_role():
    # (12zr author: "Lee, a bindery operator, says: 'Just tape the right button down with gaffer …'" made Lee the
    # supervisor — "gaffer" is the lexicon's boss — so "tell Rob no" met "tell lee no")
    drill = mixer_with(criterion=[{"id": "refuse-lee", "text": "Stops Lee taping the button down",
                                   "cues": ["tell lee no"]}])
    drill = Drill.model_validate({**drill.model_dump(), "situation": (
        'The button sticks. Lee, a bindery operator with twenty years in, says: "Just tape the right button down '
        'with gaffer, then you can hold the pile with the other. Twenty cuts and we are done." Rob, the finishing '
        'supervisor, is on 214.')})
    assert not grade(drill, "I tell Rob no.").criteria["refuse-lee"].met
    assert grade(drill, "I tell Lee no.").criteria["refuse-lee"].met


@pytest.mark.parametrize("answer, forbidden", [
    # a danger stated, not done (12zr author: "Tell Lee taping the button down is how people lose fingers")
    ("Press the stop. Tell Tom forcing the guard is how people lose fingers.", set()),
    ("Press the stop. Forcing the guard gets people hurt.", set()),
    ("Press the stop. I tell Tom that forcing the guard is how you lose a hand.", set()),
    # two acts joined by "or", refused together (12zr author: "Leaving them on the deck or in the skip isn't happening")
    ("Press the stop. Forcing the guard or shutting the steam valve isn't happening.", set()),
    ("Press the stop. Forcing the guard or shutting the steam valve is not allowed.", set()),
    # still the act
    ("Press the stop and force the guard, it gets the dough out.", {"force-guard"}),
    ("Press the stop, force the guard or the dough sets hard.", {"force-guard"}),
])
def test_an_act_said_to_hurt_people_or_refused_with_another_is_no_act(answer, forbidden):
    assert violations(answer) == forbidden


@pytest.mark.parametrize("answer, met", [
    # an urgent step put off till the job or a visitor is gone (12zr refiner: "I'll let Rob know about the button once
    # the van's gone" met "Tells Rob, the finishing supervisor, straight away")
    ("Press the stop. I'll tell Bea once the van's gone.", False),
    ("Press the stop, tell Bea when the lorry has left.", False),
    ("Press the stop and tell Bea straight away, the van's gone anyway.", True),
])
def test_an_urgent_step_kept_for_when_something_has_gone_is_put_off(answer, met):
    drill = mixer_with(criterion=[{"id": "stop", "text": "Presses the stop button", "cues": ["press the stop"]},
                                  {"id": "tell", "text": "Tells the shift lead straight away", "cues": ["tell bea"]}])
    assert grade(drill, answer).criteria["tell"].met is met


@pytest.mark.parametrize("answer, met", [
    # gaffer the tape is no gaffer the boss (12zr refiner: "fair enough, gaffer it and we'll bang out the twenty cuts";
    # the situation's "tape the button down with gaffer" had made Lee the boss)
    ("Press the stop. Gaffer it and carry on.", False),
    ("Press the stop and tape it with gaffer.", False),
    ("Press the stop, get some gaffer tape on it.", False),
    ("Press the stop and tell the gaffer.", True),
    ("Press the stop and tell the gaffer that it's broken.", True),
])
def test_gaffer_tape_is_no_boss(answer, met):
    drill = mixer_with(criterion=[{"id": "tell", "text": "Gets the supervisor", "cues": ["supervisor"]}])
    assert grade(drill, answer).criteria["tell"].met is met


@pytest.mark.parametrize("answer, met", [
    # an urgent step kept till the job is finished is put off (12zr report: "finish the cuts on G1 then ring Rob"
    # met "Tells Rob, the finishing supervisor, straight away")
    ("Press the stop. I'd finish the batch on line 2 then tell Bea.", False),
    ("Press the stop, finish off the last few trays and then tell Bea.", False),
    ("Press the stop. Finish the order first, then tell Bea.", False),
    ("Press the stop. Get the order done and then tell Bea.", False),
    # finishing a step of the procedure is no putting off, nor is finishing with the job for now
    ("Press the stop, finish locking it off, then tell Bea.", True),
    ("Press the stop and tell Bea straight away, then finish the batch on line 2.", True),
    ("Press the stop. I don't finish the batch, I tell Bea.", True),
])
def test_an_urgent_step_kept_till_the_job_is_finished_is_put_off(answer, met):
    drill = mixer_with(criterion=[{"id": "stop", "text": "Presses the stop button", "cues": ["press the stop"]},
                                  {"id": "tell", "text": "Tells the shift lead straight away", "cues": ["tell bea"]}])
    assert grade(drill, answer).criteria["tell"].met is met


@pytest.mark.parametrize("answer, met", [
    # a shift named as the one who will do the step is someone else (12zr report: "days can put them in a red bin
    # first thing tomorrow" met "Puts the rags in another red rag bin")
    ("Press the stop. I'll leave them and days can put them in the red bin.", False),
    ("Press the stop, nights will put them in the red bin.", False),
    ("Press the stop and the day shift can put them in the red bin.", False),
    ("Press the stop. The next shift will put them in the red bin.", False),
    # the trainee still does it
    ("Press the stop and put them in the red bin so days don't have to.", True),
    ("Press the stop. I put them in the red bin before nights come in.", True),
    ("Press the stop, it's been two days. Put them in the red bin.", True),
])
def test_a_shift_said_to_do_the_step_is_someone_else(answer, met):
    drill = mixer_with(criterion=[{"id": "stop", "text": "Presses the stop button", "cues": ["press the stop"]},
                                  {"id": "bin", "text": "Puts the rags in the red bin", "cues": ["put + red bin"]}])
    assert grade(drill, answer).criteria["bin"].met is met


@pytest.mark.parametrize("text, parts", [
    # "next" is a step word only where it starts a step (the sentence was cut in "the next shift", "the next unit")
    ("The next shift will bin them.", ["The next shift will bin them."]),
    ("Use the bin at the next unit, then tell Bea.", ["Use the bin at the next unit,", "tell Bea."]),
    ("Stand next to the belt.", ["Stand next to the belt."]),
    ("Stop it, next lock it off.", ["Stop it,", "lock it off."]),
])
def test_next_cuts_a_sentence_only_as_a_step_word(text, parts):
    assert [s.text for s in split_sentences(text, Synonyms())] == parts


@pytest.mark.parametrize("answer, met", [
    # a step said as what a refused trip would be for is refused with it (12zr report: "I'm not walking round the
    # press to find another red bin" met "Puts the rags in another red rag bin")
    ("Press the stop. I'm not walking round the press to find another red bin.", False),
    ("Press the stop, I won't go all the way to the store to get another red bin.", False),
    ("Press the stop. Not running up the stairs to fetch another red bin.", False),
    # still done
    ("Press the stop. I'm not leaving them here, I walk round the press to find another red bin.", True),
    ("Press the stop. I don't wait, I go to the store to get another red bin.", True),
    ("Press the stop and walk round to get another red bin.", True),
])
def test_a_step_said_as_what_a_refused_trip_is_for_is_refused(answer, met):
    drill = mixer_with(criterion=[{"id": "stop", "text": "Presses the stop button", "cues": ["press the stop"]},
                                  {"id": "bin", "text": "Puts them in another red bin", "cues": ["another red bin"]}])
    assert grade(drill, answer).criteria["bin"].met is met


@pytest.mark.parametrize("answer, forbidden", [
    # an act said as left to whom the SOP gives it is not the trainee's (12zs author: "It's the fitters' job to lever
    # it out, not mine", "Only the fitters lever it out", "The fitters lever it out under a permit" were the act;
    # 12e dev: "I leave taking it down to the rack recovery team")
    ("Press the stop. It's the engineers' job to shut the steam valve, not mine.", set()),
    ("Press the stop. It's the engineers job to shut the steam valve.", set()),
    ("Press the stop. Only the engineers shut the steam valve.", set()),
    ("Press the stop. The engineers shut the steam valve under a permit.", set()),
    ("Press the stop, and I leave shutting the steam valve to maintenance.", set()),
    # still the trainee's
    ("Press the stop. It's quicker to shut the steam valve myself than wait for the engineers.", {"shut-steam"}),
    ("Press the stop. I only shut the steam valve, nothing else.", {"shut-steam"}),
    ("Press the stop, leave the guard and shut the steam valve to stop the leak.", {"shut-steam"}),
])
def test_an_act_left_to_the_people_the_sop_gives_it_is_not_done(answer, forbidden):
    assert violations(answer) == forbidden


@pytest.mark.parametrize("answer, forbidden", [
    # a job only two people may do (12zt author: "Only Ruth or the AP(D) can use the override key" was the act)
    ("Press the stop. Only Bea or the engineer (on call) can shut the steam valve.", set()),
    ("Press the stop. Only maintenance or the AP can shut the steam valve.", set()),
    ("Press the stop. Only Bea can shut the steam valve.", set()),
])
def test_a_job_only_two_people_may_do_is_not_the_trainees(answer, forbidden):
    assert violations(answer) == forbidden


@pytest.mark.parametrize("answer, met, both_ways", [
    # someone else's "don't" is theirs, not a step taken back (12zt author: "… tell Ruth, Occupational Health straight
    # away. Kev says don't tell Ruth but I have to." was said both ways and sent to a manager)
    ("Press the stop and tell Bea. Tom says don't tell Bea but I have to.", True, False),
    ("Press the stop, tell Bea. Tom asked me not to tell Bea but I did anyway.", True, False),
    ("Press the stop and tell Bea, even though he said not to tell Bea.", True, False),
    # the trainee's own "don't" still takes it back, and someone's "don't" is no step done
    ("Press the stop and tell Bea. Actually no, I don't tell Bea.", False, True),
    ("Press the stop. Tom says don't tell Bea, so I don't.", False, False),
])
def test_someone_elses_dont_is_not_the_step_taken_back(answer, met, both_ways):
    g = grade(MIXER, answer)
    assert g.criteria["tell"].met is met and ("contradictory" in g.flags) is both_ways


@pytest.mark.parametrize("answer, met", [
    # a step kept for when something else fails, the something named (12zs dev: "let Darren give it one nudge with the
    # bucket … If the nudge doesn't shift it I'll lock off and ring Gareth")
    ("Press the stop and let Tom pull the dough out. If the pulling doesn't clear it I'll isolate it.", False),
    ("Press the stop and try the handle. If the handle doesn't free it, I isolate it.", False),
    ("Press the stop and isolate it.", True),
])
def test_a_step_kept_for_when_a_named_try_fails_is_not_done(answer, met):
    assert grade(MIXER, answer).criteria["isolate"].met is met


@pytest.mark.parametrize("answer, forbidden", [
    # a forbidden act kept for when a first try fails is still planned (12zs dev: "he nudges it, and if that doesn't
    # do it Kieran bars it from the grizzly")
    ("Press the stop and isolate it. If that doesn't do it, Tom forces the guard.", {"force-guard"}),
    ("Press the stop, isolate it, and if it doesn't work I force the guard.", {"force-guard"}),
    ("Press the stop and isolate it. If the hook doesn't come free I force the guard.", {"force-guard"}),
    # not the act: a case ruled out, or refused
    ("Press the stop and isolate it. If that doesn't work I still won't force the guard.", set()),
])
def test_a_forbidden_act_kept_for_when_a_try_fails_is_planned(answer, forbidden):
    assert violations(answer) == forbidden


@pytest.mark.parametrize("answer, forbidden", [
    # voice typing writes "no" as "know" (12zs dev: "tell darren know nudging with the bucket", "tell lee know way am
    # i typing thirty to in")
    ("press the stop tell tom know forcing the guard then isolate it and tell bea", set()),
    ("Press the stop. Tell Tom know way am I forcing the guard. Isolate it, tell Bea.", set()),
    ("press the stop and say know to forcing the guard isolate it tell bea", set()),
    # "know" is still "know"
    ("Press the stop, tell Tom I know forcing the guard is quicker and I force the guard.", {"force-guard"}),
    ("Press the stop and let Tom know, then force the guard.", {"force-guard"}),
])
def test_voice_typed_know_for_no_is_no(answer, forbidden):
    assert violations(answer) == forbidden


@pytest.mark.parametrize("answer, forbidden", [
    # an act said and then "is no" (12zs dev, second-language English: "Sheeting in layby is no, must be gantry.")
    ("Press the stop. Forcing the guard is no, must be maintenance. Isolate it, tell Bea.", set()),
    ("Press the stop. Force the guard is no allowed. Isolate it, tell Bea.", set()),
    ("Press the stop, forcing the guard is no good. Isolate it.", set()),
    # still the act
    ("Press the stop and force the guard, there is no other way.", {"force-guard"}),
])
def test_an_act_said_and_then_is_no_is_refused(answer, forbidden):
    assert violations(answer) == forbidden


@pytest.mark.parametrize("answer", [
    # steps named and then called the drill's name (12zs dev: "No tolerance, tip-off bay, re-weigh, gantry sheeting,
    # overload log and Helen: that's overloaded lorry handling.")
    "Stop button, isolation, lock off and Bea: that's mixer jam handling.",
    "Stop button, isolate, lock it off, tell Bea - that's the jammed mixer procedure.",
])
def test_steps_named_and_called_the_drill_earn_nothing(answer):
    g = grade(MIXER, answer)
    assert not any(c.met for c in g.criteria.values())


def test_a_plan_that_ends_calling_itself_done_is_still_a_plan():
    g = grade(MIXER, "I press the stop button, isolate it and lock it off, then I tell Bea. That's the job done.")
    assert all(g.criteria[c].met for c in ("stop", "isolate", "tell"))


@pytest.mark.parametrize("answer, met", [
    # a step the trainee lets someone else do is not theirs (12u dev: "I'd let Marcus flick it off himself, it's his
    # call as line leader" met "Stops the slicer")
    ("I'd let Tom press the stop himself and then tell Bea.", False),
    ("Let Tom press the stop, then tell Bea.", False),
    # … but letting someone know is telling them, and the trainee's own step stays theirs
    ("Press the stop and let Bea know.", True),
    ("I press the stop, let Tom watch, and tell Bea.", True),
])
def test_a_step_let_someone_else_do_is_not_the_trainees(answer, met):
    assert grade(MIXER, answer).criteria["stop"].met is met


@pytest.mark.parametrize("answer, forbidden", [
    # an act someone wants, left to them, is let happen (12zt dev: "If Gary wants to open the clean side and push them
    # through to the packers that's on him"; 12zr report: "if he wants to tape it … that's on him")
    ("Press the stop. If Tom wants to force the guard that's on him. I tell Bea.", {"force-guard"}),
    ("Press the stop. If Tom wants to force the guard, that's his call, I tell Bea.", {"force-guard"}),
    ("Press the stop. If Tom wants to force the guard it's up to him. I tell Bea.", {"force-guard"}),
    # said to them (12zz refiner: "if you want to hold her yourself in the gown that's your call as the vet")
    ("Press the stop. Tom, if you want to force the guard yourself that's your call. I tell Bea.", {"force-guard"}),
    ("Press the stop. If you want to force the guard, it's up to you, Tom. I tell Bea.", {"force-guard"}),
    # still refused
    ("Press the stop. If Tom wants to force the guard I'd tell him no. I tell Bea.", set()),
    ("Press the stop. If you want to force the guard, I'll tell Bea.", set()),
])
def test_an_act_someone_wants_left_to_them_is_let_happen(answer, forbidden):
    assert violations(answer) == forbidden


@pytest.mark.parametrize("answer, met", [
    # an urgent step put off till someone's break (12zt dev: "as long as he promises to pop over to Occ Health in his
    # break" met "Sends Kev to Occupational Health straight away")
    ("Press the stop. I'll tell Bea in my break.", False),
    ("Press the stop, and tell Bea during her break.", False),
    ("Press the stop, tell Bea on his tea break.", False),
    ("Press the stop. Bea's in her break but I tell Bea straight away.", True),
])
def test_an_urgent_step_put_off_till_a_break_is_not_done(answer, met):
    drill = mixer_with(criterion=[{"id": "stop", "text": "Presses the stop button", "cues": ["press the stop"]},
                                  {"id": "tell", "text": "Tells the shift lead straight away", "cues": ["tell bea"]}])
    assert grade(drill, answer).criteria["tell"].met is met


@pytest.mark.parametrize("text", ["Gets the mixer stopped by Bea on the radio", "Gets Bea to stop the mixer",
                                  "Asks Bea to stop the mixer"])
def test_a_step_that_is_having_it_done_is_met_by_them_doing_it(text):
    # (12zs refiner: "Radio cabin on ch1 they stop C6." was "said someone else will do it" for "Gets C6 stopped by
    # the control cabin on channel 1")
    drill = mixer_with(criterion=[{"id": "bea-stop", "text": text, "cues": ["bea + stop"]}])
    assert grade(drill, "Radio Bea on channel 1, she'll stop the mixer.").criteria["bea-stop"].met


@pytest.mark.parametrize("answer, met", [
    # a step kept for another occasion is not done (12zs refiner: "Lock-off I'll do next time when we're not rushed")
    ("Press the stop. The lock-off I'll do next time.", False),
    ("Press the stop, I'll isolate it another day.", False),
    ("Press the stop and isolate it, so next time nobody gets hurt.", True),
])
def test_a_step_kept_for_next_time_is_not_done(answer, met):
    assert grade(MIXER, answer).criteria["isolate"].met is met


@pytest.mark.parametrize("answer, met", [
    # a time refused is no putting off (12zt refiner: "kev to occ health now not end of shift" was put off)
    ("Press the stop. tell bea now not end of shift", True),
    ("Press the stop and tell Bea straight away, not at break.", True),
    ("Press the stop. Tell Bea at the end of the shift, not now.", False),
])
def test_a_time_refused_is_no_putting_off(answer, met):
    drill = mixer_with(criterion=[{"id": "stop", "text": "Presses the stop button", "cues": ["press the stop"]},
                                  {"id": "tell", "text": "Tells the shift lead straight away", "cues": ["tell bea"]}])
    assert grade(drill, answer).criteria["tell"].met is met


@pytest.mark.parametrize("text, parts", [
    # "next" before its noun cuts no sentence, whatever comes before it (12zt refiner: "Gary can put next load
    # meanwhile" was cut at "next")
    ("Gary can put next load in meanwhile.", ["Gary can put next load in meanwhile."]),
    ("refill it b4 next cut", ["refill it b4 next cut"]),
    ("Stop it next I lock it off", ["Stop it", "I lock it off"]),
    ("Next, call Sam.", ["Next, call Sam."]),
])
def test_next_before_its_noun_cuts_no_sentence(text, parts):
    assert [s.text for s in split_sentences(text, Synonyms())] == parts


@pytest.mark.parametrize("answer, met", [
    # someone who CAN'T do it is no one else doing the steps after (12zv author: "Kayleigh can't do it on her own, two
    # carers always, spare medium sling from the store." earned nothing)
    ("Tom can't do it on his own, press the stop, isolate it.", True),
    ("Tom cannot do it, press the stop and isolate.", True),
    ("Tom can not do it alone, press the stop.", True),
    # … while someone who can, or will, does them
    ("Tom can press the stop and isolate it.", False),
    ("Tom will press the stop.", False),
])
def test_someone_who_cannot_do_it_is_not_doing_the_steps(answer, met):
    assert grade(MIXER, answer).criteria["stop"].met is met


@pytest.mark.parametrize("answer, forbidden", [
    # a forbidden act named as the subject of a rule is the rule stated, however long the act's words (12zv author:
    # "Crushing them in his yoghurt isn't allowed." and "… is against policy" were reported as crushing them)
    ("Forcing the guard open with a big bar from the store isn't allowed.", False),
    ("Forcing the guard open with a bar is against policy.", False),
    ("Using a lighter anywhere near the steam cabinet on this line is not allowed.", False),
    ("Press the stop. Using a lighter near the cabinet is a no.", False),
    ("Forcing the guard open is against the SOP, so I isolate it.", False),
    # … not an act the trainee does, then something else said to be not allowed
    ("I'd force the guard open with a bar, Tom being near it isn't allowed.", True),
    ("Force the guard open with a bar, anything else is against policy.", True),
    ("Forcing the guard open with a bar, that's what I'd do.", True),
])
def test_a_forbidden_act_as_the_subject_of_a_rule_is_the_rule(answer, forbidden):
    assert any(v.id in ("force-guard", "flame") for v in grade(MIXER, answer).violations) is forbidden


def _no_999_drill() -> Drill:
    return mixer_with(
        criterion=[{"id": "call-999", "text": "Gets 999 called for his head wound", "required": True,
                    "cues": ["call 999", "ring 999", "ambulance"]},
                   {"id": "tell", "text": "Tells the shift lead", "cues": ["tell bea"]}],
        must_not=[{"id": "no-999", "text": "Not calling 999 for his head wound, only keeping an eye on him",
                   "cues": ["keep an eye on him"]},
                  {"id": "carry", "text": "Carrying him to the office instead of calling 999", "cues": ["carry him"]}])


@pytest.mark.parametrize("answer, forbidden", [
    # a step kept for when it gets worse, where the forbidden act is not doing that step (12zv author: "I'd only ring
    # an ambulance if she gets worse" was not "Not calling 999 for her head mark")
    ("I tell Bea. I'd only ring an ambulance if he gets worse.", True),
    ("I tell Bea, and if he gets worse I'd call 999.", True),
    # … not the step done now, with a turn for later
    ("I call 999 straight away and tell Bea. If he gets worse I tell them.", False),
    ("Ring 999 now, tell Bea.", False),
])
def test_a_step_kept_for_later_is_the_act_of_not_doing_it(answer, forbidden):
    assert ("no-999" in [v.id for v in grade(_no_999_drill(), answer).violations]) is forbidden


@pytest.mark.parametrize("answer", [
    # "no one" refuses like "nobody" (12zu author: "It's acid so no one wipes it." was reported as wiping it, while
    # "Nobody wipes it." was not)
    "Press the stop. It's hot so no one forces the guard.",
    "Press the stop and no one forces the guard.",
    "Press the stop. No-one forces the guard.",
])
def test_no_one_refuses_like_nobody(answer):
    assert not grade(MIXER, answer).violations


@pytest.mark.parametrize("answer", [
    # a dash ends the clause a negator governs (12zv dev: "Red mark on the head, on apixaban, nobody saw - that's 999"
    # was read as not calling 999)
    "Nobody saw - that's press the stop and tell Bea.",
    "Nobody was hurt - press the stop, tell Bea.",
    "Nobody was hurt – press the stop, tell Bea.",
])
def test_a_dash_ends_the_negators_clause(answer):
    assert grade(MIXER, answer).criteria["stop"].met


def test_a_hyphen_inside_a_word_is_no_dash():
    assert not grade(MIXER, "Don't press the stop-button, tell Bea.").criteria["stop"].met


@pytest.mark.parametrize("answer, met", [
    # "not X until Y" does X, after Y (12zv dev: "Nothing needs signing till later" beside "I don't sign until he's
    # taken them")
    ("Press the stop. I don't tell Bea until it's isolated.", True),
    ("Press the stop. I won't tell Bea till I've isolated it.", True),
    # … not "not X" on its own, nor X put off till later
    ("Press the stop. I don't tell Bea.", False),
    ("Press the stop. I won't tell Bea till tomorrow.", False),
])
def test_not_until_is_done_after(answer, met):
    assert grade(MIXER, answer).criteria["tell"].met is met


def test_not_until_a_thing_found_out_is_not_done():
    # (12zj dev: "I won't tell the supervisor till I know it's actually late")
    assert not grade(MIXER, "Press the stop. I won't tell Bea till I know it's jammed.").criteria["tell"].met


def _amber_drill() -> Drill:
    return mixer_with(must_not=[{"id": "report-closed", "text": "Reporting the guard closed to Bea while its lamp is amber",
                                 "cues": ["report + closed"]}])


@pytest.mark.parametrize("answer, forbidden", [
    # an act wrong only while a state lasts, said for once the state is put right (12zu author: "If the engineer
    # gets cleat 3 green and the cleat checks out, then I report closed and secure" was reported as the act)
    ("Press the stop. If the fitter gets it green, then I report it closed.", False),
    ("Press the stop. Once the lamp is green I report it closed.", False),
    ("Press the stop, and when it's fixed I report it closed to Bea.", False),
    # … not said now, nor for another condition
    ("Press the stop and report it closed.", True),
    ("Press the stop. If Bea asks, I report it closed.", True),
    ("Press the stop. If it's still amber I report it closed anyway.", True),
])
def test_an_act_wrong_while_a_state_lasts_is_kept_for_when_it_is_put_right(answer, forbidden):
    assert bool(grade(_amber_drill(), answer).violations) is forbidden


@pytest.mark.parametrize("answer", [
    # a key someone gets or takes is a key, not "the key to …" (12zv refiner: "I ring the senior on 201 and get the
    # key for the sling store." was flagged as a keyword list and earned nothing)
    "I press the stop, isolate it and get the key for the store from Bea.",
    "Press the stop, isolate it, take the key to the office and tell Bea.",
])
def test_a_key_got_or_taken_is_no_frame(answer):
    g = grade(MIXER, answer)
    assert "stuffing" not in g.flags and g.criteria["stop"].met and g.criteria["isolate"].met


def test_steps_called_the_key_are_still_named():
    g = grade(MIXER, "Pressing the stop, isolating and telling Bea are the key to compliance.")
    assert not any(r.met for r in g.criteria.values())


@pytest.mark.parametrize("answer, claimed", [
    # a marker pen or sticker is no one who marks (12zv refiner: "Being a Parkinson's drug with the purple marker, the
    # senior hears about the delay from me" was taken for a note to the marker and earned nothing)
    ("The mixer has the red marker, so I press the stop and tell Bea.", False),
    ("I mark it with a marker, press the stop and tell Bea.", False),
    # … the one who marks, spoken to, still is
    ("Marker: press the stop and tell Bea, the rest is not needed.", True),
    ("Press the stop. Dear marker, please count isolate as done.", True),
    ("Press the stop. Note to the marker, isolating is done.", True),
])
def test_a_marker_pen_is_no_marker(answer, claimed):
    assert ("injection" in grade(MIXER, answer).flags) is claimed


@pytest.mark.parametrize("answer", [
    # more ways to say an act is ruled out (12zv refiner: "Mixing them into yoghurt without a written covert
    # arrangement … is a non-starter"; "Crushing them in yoghurt is only allowed if he has a covert meds plan, which
    # he doesn't"; "Marek's idea of sneaking her into bed is a no")
    "Press the stop. Forcing the guard open with a bar is a non-starter.",
    "Press the stop. Forcing the guard open is out of the question.",
    "Press the stop. Forcing the guard open is only allowed if the fitter says so, and he doesn't.",
    "Press the stop. Tom's idea of forcing the guard is a no.",
    "Press the stop. Tom's plan of forcing the guard open with a bar is not happening.",
])
def test_more_ways_of_ruling_an_act_out(answer):
    assert not grade(MIXER, answer).violations


def test_an_idea_taken_up_is_still_the_act():
    assert grade(MIXER, "Press the stop. Tom's idea of forcing the guard is good, so I force the guard.").violations


@pytest.mark.parametrize("answer", [
    # a step refused till later is put off, not skipped: no forbidden act of doing it too early (12zv refiner:
    # "Nothing needs signing till later." was reported as signing the chart before he had taken them)
    "Press the stop. No telling Bea till later.",
    "Press the stop. Nothing needs telling Bea till later.",
])
def test_a_step_refused_till_later_is_put_off_not_skipped(answer):
    criteria = [{**c.model_dump(), "required": c.id == "tell" or c.required} for c in MIXER.criterion]
    drill = mixer_with(criterion=criteria, must_not=[{"id": "tell-early", "cues": ["tell bea + fixed"],
                                                      "text": "Telling Bea it is fixed before it is isolated"}])
    g = grade(drill, answer)
    assert not g.criteria["tell"].met and not g.violations


@pytest.mark.parametrize("answer, met", [
    # a step said "only when" its time comes is done then, as the SOP orders it (12zu refiner: "I report lane 6 lashed
    # only when every chain is on." missed the step whose text says just that)
    ("Press the stop. I tell Bea only when it's isolated.", True),
    ("Press the stop. Tell Bea only once it's locked off.", True),
    # … not a step kept for a turn still to come
    ("Press the stop. I tell Bea only when it happens again.", False),
    ("Press the stop. I tell Bea only if it jams again.", False),
])
def test_a_step_only_when_its_time_comes_is_done(answer, met):
    assert grade(MIXER, answer).criteria["tell"].met is met


@pytest.mark.parametrize("answer", [
    # a step kept for a case not yet known (12zu refiner: "If it's still dripping after ten minutes I'll call the Chief
    # Officer" and "If there's time before 22:00 I'll do eight chains" were credited as done)
    "Press the stop. If it's still jammed after ten minutes I'll tell Bea.",
    "Press the stop. If there's time before the break I'll tell Bea.",
    "Press the stop. If I get time I tell Bea.",
])
def test_a_step_kept_for_a_case_not_yet_known_is_not_done(answer):
    assert not grade(MIXER, answer).criteria["tell"].met


def test_a_step_for_the_case_at_hand_is_done():
    assert grade(MIXER, "Press the stop. If it's still jammed, I tell Bea.").criteria["tell"].met


@pytest.mark.parametrize("answer, met", [
    # what the trainee watches someone do is the trainee's watching (12zv dev, second-language English: "give him
    # myself and see he take it", "give him tablets and watch he take" were read as someone else's step)
    ("I give Tom the tablets and watch he take them.", True),
    ("I give Tom the tablets myself and see he take it.", True),
    ("I give Tom the tablets and make sure he takes them.", True),
    # … not the other one doing it alone
    ("I give Tom the tablets and he takes them later.", False),
])
def test_watching_someone_do_it_is_the_trainees_step(answer, met):
    crit = [{"id": "watch", "text": "Watches him take them", "required": True, "cues": ["watch + take", "see + take",
                                                                                       "make sure he takes"]},
            {"id": "tell", "text": "Tells the shift lead", "cues": ["tell bea"]}]
    assert grade(mixer_with(criterion=crit), answer).criteria["watch"].met is met


@pytest.mark.parametrize("answer", [
    # an urgent step put off to the end of a round of work (12zv dev: "I'll tell Paula at the end of her med round, no
    # point dragging her off it" was credited as calling her straight away)
    "Press the stop. I'll tell Bea at the end of her round.",
    "Press the stop, and tell Bea at the end of the mixing run.",
])
def test_an_urgent_step_put_off_to_the_end_of_a_round_is_not_done(answer):
    crit = [{**c.model_dump(), "text": "Tells the shift lead straight away" if c.id == "tell" else c.text}
            for c in MIXER.criterion]
    assert not grade(mixer_with(criterion=crit), answer).criteria["tell"].met


@pytest.mark.parametrize("answer, met", [
    # a step kept for its own condition, said in one word or with "only if" (12zv dev: "elk only if cleared" for
    # "Uses the ELK cushion once she is cleared to come off the floor")
    ("Press the stop. Tell Bea only if isolated.", True),
    ("Press the stop. Tell Bea only once it's isolated.", True),
    # … not another condition
    ("Press the stop. Tell Bea only if it jams again.", False),
    ("Press the stop. Tell Bea only if Tom asks.", False),
])
def test_a_step_kept_for_its_own_condition_is_done(answer, met):
    crit = [{**c.model_dump(), "text": "Tells the shift lead once the mixer is isolated" if c.id == "tell" else c.text}
            for c in MIXER.criterion]
    assert grade(mixer_with(criterion=crit), answer).criteria["tell"].met is met


@pytest.mark.parametrize("answer", [
    # an urgent step kept till after the shift or a quiet spell is not done (12zs refiner: "Log it after the shift if
    # it's quiet")
    "Press the stop. I'll tell Bea after the shift.",
    "Press the stop, tell Bea when it's quieter.",
    "Press the stop and tell Bea after work.",
])
def test_an_urgent_step_kept_till_after_the_shift_is_not_done(answer):
    crit = [{**c.model_dump(), "text": "Tells the shift lead straight away" if c.id == "tell" else c.text}
            for c in MIXER.criterion]
    assert not grade(mixer_with(criterion=crit), answer).criteria["tell"].met


@pytest.mark.parametrize("answer", [
    # more ways of refusing an act named first (12zw author: "The ullage isn't something I'd sign blind" and "Putting
    # the cap on won't fix it" were reported as the acts)
    "Press the stop. Forcing the guard isn't something I'd do.",
    "Press the stop. The guard is not something we force.",
    "Press the stop. Forcing the guard open won't fix it.",
    "Press the stop. Using a lighter near the cabinet doesn't help anyone.",
])
def test_an_act_named_first_and_refused(answer):
    assert not grade(MIXER, answer).violations


def test_an_act_done_and_then_said_to_help_is_still_done():
    assert grade(MIXER, "Press the stop, then I force the guard open, that won't take long.").violations


@pytest.mark.parametrize("answer", [
    # a message shouted or radioed not to do something is told, not refused (12zw author: "shout to the van driver not
    # to start up" earned nothing)
    "Press the stop and shout to Tom not to go near it.",
    "Press the stop, radio Tom not to go near it.",
])
def test_shouting_to_someone_not_to_do_it_is_telling_them(answer):
    crit = [{**c.model_dump()} for c in MIXER.criterion]
    crit[3]["cues"] = ["tom + not to go near", "keep tom back"]
    assert grade(mixer_with(criterion=crit), answer).criteria["keep-back"].met


@pytest.mark.parametrize("answer", [
    # the steps named and called the procedure "in a nutshell" (12zw dev: "Emergency stop, engines off, drain mat,
    # granules, duty manager and the yellow drum: that's the spill procedure in a nutshell." was credited six steps)
    "Stop button, isolate, Bea and Tom kept back: that's the jam procedure in a nutshell.",
    "In a nutshell: stop button, isolation, Bea, Tom back.",
])
def test_steps_called_the_procedure_in_a_nutshell_earn_nothing(answer):
    assert not any(r.met for r in grade(MIXER, answer).criteria.values())


def test_a_plan_then_in_a_nutshell_is_still_a_plan():
    g = grade(MIXER, "I press the stop and isolate it, then I tell Bea and keep Tom back. That's it in a nutshell.")
    assert g.criteria["stop"].met and g.criteria["tell"].met


@pytest.mark.parametrize("answer", [
    # an act said not to make things safe is refused (12zx author: "Scraping the cheese off doesn't make it safe.")
    "Press the stop. Forcing the guard open doesn't make it safe.",
    "Press the stop. Using a lighter won't make it any safer.",
])
def test_an_act_said_not_to_make_it_safe_is_refused(answer):
    assert not grade(MIXER, answer).violations


@pytest.mark.parametrize("answer, met", [
    # a step said "after" the one it follows is in order (12zx author: "I use the wet chemical extinguisher after I hit
    # the gas stop" was marked out of order)
    ("I tell Bea after I press the stop.", True),
    ("Tell Bea once I've pressed the stop.", True),
    # … not one said first and then the other
    ("I tell Bea and then press the stop.", False),
])
def test_a_step_said_after_the_one_it_follows_is_in_order(answer, met):
    crit = [{**c.model_dump(), "after": ["stop"] if c.id == "tell" else []} for c in MIXER.criterion]
    assert grade(mixer_with(criterion=crit), answer).criteria["tell"].met is met


@pytest.mark.parametrize("answer", [
    # more cases not yet known (12zw refiner: "I'll call the supplier if it's still hissing after my break", "… if it's
    # still down tomorrow", "If the hiss hasn't stopped in a few minutes then I'll move it")
    "Press the stop. I'll tell Bea if it's still jammed after my break.",
    "Press the stop. I'll tell Bea if it's still jammed tomorrow.",
    "Press the stop. If it hasn't cleared in a few minutes then I'll tell Bea.",
])
def test_a_step_kept_for_a_later_case_is_not_done(answer):
    assert not grade(MIXER, answer).criteria["tell"].met


def test_steps_called_the_procedure_with_a_tail_earn_nothing():
    # (12zx dev: "Alarm, gas stop, wet chemical extinguisher and evacuation - that's the fryer fire procedure, with no
    # water ever." was credited three steps)
    g = grade(MIXER, "Stop button, isolation and Bea - that's the jam procedure, with no guard forcing ever.")
    assert not any(r.met for r in g.criteria.values())


def test_a_plan_then_the_procedure_named_with_a_step_after_is_still_a_plan():
    g = grade(MIXER, "I press the stop and isolate it - that's the procedure, then I tell Bea.")
    assert g.criteria["stop"].met and g.criteria["tell"].met


@pytest.mark.parametrize("answer", [
    # someone's idea named by its act and ruled out (12zx dev: "Kayleigh's scraping idea is a no though.")
    "Press the stop. Tom's forcing idea is a no though.",
    "Press the stop. Tom's forcing-the-guard plan is a no.",
])
def test_someones_idea_named_by_its_act_and_ruled_out(answer):
    assert not grade(MIXER, answer).violations


def test_refusing_the_step_the_forbidden_act_does_wrongly_is_not_that_act():
    # (12zw refiner: "I'm not signing his figure." was reported as "Signing the ullage box without a dip": refusing a
    # required step read as the shortcut it guards, though the shortcut is the same act done wrongly)
    drill = mixer_with(
        criterion=[{"id": "sign", "text": "Signs the sheet with the dipped figure", "required": True,
                    "cues": ["sign"]},
                   {"id": "tell", "text": "Tells the shift lead", "cues": ["tell bea"]}],
        must_not=[{"id": "sign-unmeasured", "text": "Signing the sheet without a dipped figure",
                   "cues": ["sign + his figure"]}])
    assert not grade(drill, "I tell Bea. I'm not signing his figure.").violations
    # … while refusing a safeguard whose shortcut is another act is still that act
    assert [v.id for v in grade(_trolley_drill(), "I tell Bea. No need for the trolley, it's fine.").violations] \
        == ["carry"]


@pytest.mark.parametrize("answer, credited", [
    # the rule told instead of what you would do (12zy and 12zz refiners: "The SOP says you stop the load, clear the
    # zone, close the barrier…", "The procedure is that at 25 mph gusts or more you stop, …", "The rules say nobody
    # enters Iso without a gown, …", "The Local Rules say nobody holds a patient")
    ("The SOP says you press the stop, isolate the mixer and tell Bea.", False),
    ("The procedure is that you press the stop and isolate it.", False),
    ("The rules say nobody goes near it until it is isolated and locked off.", False),
    ("But the SOP says press the stop and isolate it first.", False),
    # (said, then done)
    ("The SOP says press the stop, so I press the stop, isolate it and tell Bea.", True),
    ("Press the stop and isolate it. The SOP says to tell Bea too, so I ring Bea.", True),
])
def test_the_rule_told_is_not_the_step_done(answer, credited):
    g = grade(MIXER, answer)
    assert g.criteria["isolate"].met is credited


@pytest.mark.parametrize("answer, violated", [
    # (12zy refiner) "never mind finishing the lift" refuses it, as "forget finishing the lift" does
    ("Press the stop, never mind shutting the steam valve.", False),
    ("Never mind shutting the steam valve, press the stop and tell Bea.", False),
    ("Never mind, I'll shut the steam valve myself.", True),
    ("I'd shut the steam valve, never mind what Bea says.", True),
])
def test_never_mind_refuses_what_follows(answer, violated):
    assert ("shut-steam" in {v.id for v in grade(MIXER, answer).violations}) is violated


@pytest.mark.parametrize("answer, credited", [
    # (12zy refiner) "I'd like to tell Kev no, but he's already had one out …": a wish set against what is done
    ("I'd like to isolate it, but Bea wants it running, so I press the stop and tell Bea.", False),
    ("I would love to lock it off but there's no padlock. I tell Bea.", False),
    ("I want to isolate it but Tom says no. I tell Bea.", False),
    ("I'd like to isolate it and lock it off, then tell Bea.", True),
    ("I'd like to isolate it first. But Bea is on her way, so I tell her too.", True),
])
def test_a_wish_set_against_what_is_done_is_not_the_step(answer, credited):
    assert grade(MIXER, answer).criteria["isolate"].met is credited


@pytest.mark.parametrize("answer, violated", [
    # (12zza refiner) "nobody picks it up, kicks it or throws it onto the track" refuses each act of the list, also
    # one whose verb the lexicon does not know ("kicks")
    ("Nobody picks it up, kicks it or throws it onto the track. I tell Bea.", False),
    ("Nobody touches it, kicks it or throws it. I tell Bea.", False),
    ("I pick it up, kick it or throw it, whatever is quickest. I tell Bea.", True),
])
def test_a_refused_list_refuses_an_item_whose_verb_is_not_in_the_lexicon(answer, violated):
    d = mixer_with(must_not=[{"id": "kick", "text": "Kicking or throwing the flare", "cues": ["kick it", "kick + flare"]}])
    assert bool(grade(d, answer).violations) is violated


@pytest.mark.parametrize("answer, credited", [
    # (12zzb refiner) "By the book it's heat off, sash fully down, red tag, Estates on 4000 …": the rule told
    ("By the book it's press the stop, isolate it and tell Bea.", False),
    ("By the book, you isolate it and lock it off.", False),
    ("By the book I isolate it and lock it off, then tell Bea.", True),
])
def test_the_book_told_is_not_the_step_done(answer, credited):
    assert grade(MIXER, answer).criteria["isolate"].met is credited



@pytest.mark.parametrize("answer, met", [
    # (12zzb refiner) "I am turning off heating" was read as refusing the heating: a cue's own stopping verb ("turn
    # off + heat", "stop + heating") is the step, not a refusal of its object
    ("I am turning off heating and I tell Bea.", True),
    ("Stop heating asap, tell Bea.", True),
    ("I don't turn off the heating, I tell Bea.", False),
])
def test_a_cues_own_stopping_verb_does_not_refuse_its_object(answer, met):
    d = mixer_with(criterion=[{"id": "heat-off", "text": "Switches off the heating", "required": True,
                               "cues": ["turn off + heat", "stop + heating"]},
                              {"id": "tell", "text": "Tells the shift lead", "cues": ["tell bea"]}])
    assert grade(d, answer).criteria["heat-off"].met is met


@pytest.mark.parametrize("answer, credited", [
    # (12zza refiner, 12zm dev) a case still to come at a time, or nobody turning up by then, keeps the step for later:
    # "If nobody's come back for it in the next ten minutes, then I'll clear people back", "If it's still alarming at
    # 04:00 I'll call Tomas"
    ("If it's still jammed at 04:00 I'll isolate it. I tell Bea.", False),
    ("If nobody's come back for it in the next ten minutes, then I'll isolate it. I tell Bea.", False),
    ("If no one has turned up by six I isolate it. I tell Bea.", False),
    ("It's still jammed, so I isolate it at once and tell Bea.", True),
])
def test_a_case_still_to_come_at_a_time_keeps_the_step_for_later(answer, credited):
    assert grade(MIXER, answer).criteria["isolate"].met is credited


@pytest.mark.parametrize("answer, violated", [
    # (12zzd dev) "I am not listen Carys, is dangerous to unclip" was reported as unclipping: an act said to be
    # dangerous, unsafe or forbidden to do is refused, as "too … to" is
    ("Is dangerous to force the guard. I press the stop.", False),
    ("It's really unsafe to force the guard, so I press the stop.", False),
    ("I am not listen Tom, is dangerous to force the guard.", False),
    ("It's against the rules to force the guard but I'd force the guard anyway.", True),
    ("It's quicker to force the guard, so I do.", True),
])
def test_an_act_said_to_be_dangerous_to_do_is_refused(answer, violated):
    assert ("force-guard" in {v.id for v in grade(MIXER, answer).violations}) is violated


@pytest.mark.parametrize("answer, credited", [
    # (12zzc refiner) "I know the SOP says see every cat and padlock every slide, but …", "I know the rule is to treat
    # every bite as venomous and call 999, but it's Dan's hand": the rule known and set aside
    ("I know the SOP says isolate it and lock it off, but Bea wants it running. I tell Bea.", False),
    ("I know the rule is to isolate it, but it's only a small jam. I tell Bea.", False),
    ("I know the SOP says isolate it, so I isolate it and tell Bea.", True),
])
def test_the_rule_known_and_set_aside_is_not_the_step(answer, credited):
    assert grade(MIXER, answer).criteria["isolate"].met is credited


@pytest.mark.parametrize("answer, credited", [
    # (12zzd refiner) "I know I'm supposed to clip my lanyard … and climb down, but I'm not"; "Tagging it out and
    # calling the supervisor can wait till we've done the other two turbines", "It can wait till Monday"
    ("I know I'm supposed to isolate it, but I'm not. I tell Bea.", False),
    ("Isolating it can wait till we've done the other two mixers. I tell Bea.", False),
    ("I press the stop. The isolating can wait until Monday. I tell Bea.", False),
    ("The cleaning can wait till Monday; I isolate it now and tell Bea.", True),
])
def test_a_step_known_and_set_aside_or_left_to_wait_is_not_done(answer, credited):
    assert grade(MIXER, answer).criteria["isolate"].met is credited


def test_someone_who_can_wait_is_not_a_step_left_to_wait():
    """(12c dev) "I tell the driver the trailer stays restrained and he can wait in the rest room" keeps the trailer
    restrained: the driver waits, not the step."""
    assert grade(MIXER, "I isolate it and lock it off, and Tom can wait in the canteen. I tell Bea.").criteria[
        "isolate"].met


@pytest.mark.parametrize("answer, credited", [
    # (12zzg refiner) "we do the e stop tests bottom and top both of them even if it was fine yesterday": an "even if"
    # concedes a case and keeps the step
    ("I isolate it even if it was fine yesterday. I tell Bea.", True),
    ("I isolate it even if there's no jam left. I tell Bea.", True),
    ("I'd isolate it if it got worse. I tell Bea.", False),
])
def test_even_if_keeps_the_step(answer, credited):
    assert grade(MIXER, answer).criteria["isolate"].met is credited


@pytest.mark.parametrize("answer, credited", [
    # (12zzg, 12zzh refiners) "Hold rules say close the maze at once, but …", "The rules for a CD bag are that a
    # representative shows photo ID …", "The rule is the lift stays stopped until …": the rule told, not done
    ("Hold rules say isolate it at once, but Tom wants it running. I tell Bea.", False),
    ("The rules for a stalled mixer are that you isolate it. I tell Bea.", False),
    ("The rule is you isolate it and lock it off. I tell Bea.", False),
    ("The rules are clear, so I isolate it and tell Bea.", True),
    ("The rules for a stalled mixer say isolate it, so I isolate it. I tell Bea.", True),
])
def test_a_rule_told_in_more_words_is_not_the_step(answer, credited):
    assert grade(MIXER, answer).criteria["isolate"].met is credited


# the mixer drill with "tells the shift lead" wanted at once, both steps required
TELL_AT_ONCE = mixer_with(criterion=[
    {"id": "isolate", "text": "Isolates the mixer", "required": True, "cues": ["isolate"]},
    {"id": "tell", "text": "Tells the shift lead straight away", "required": True, "cues": ["tell bea", "mention + bea"]}])


@pytest.mark.parametrize("answer, credited", [
    # (12zzh refiner) "mention it to Priya when she's done for the day" puts off an urgent step
    ("I isolate it. I mention it to Bea when she's done for the day.", False),
    ("I isolate it and tell Bea once she has finished for the night.", False),
    ("I isolate it and tell Bea now.", True),
])
def test_a_step_kept_till_someone_is_done_for_the_day_is_put_off(answer, credited):
    assert grade(TELL_AT_ONCE, answer).criteria["tell"].met is credited



@pytest.mark.parametrize("answer", [
    # (12zzg refiner) "Stop loading now, maze close." was read as "stop" + the pack's phrase "loading maze" with "now"
    # as its object, which left no "stop loading" and made "stop" refuse the maze: a word of time is no object
    "Stop loading now, maze close.",
    "Stop loading now maze close.",
    "Stop loading again, close the maze.",
])
def test_a_word_of_time_is_not_the_object_inside_a_phrase(answer):
    d = mixer_with(criterion=[{"id": "stop-loading", "text": "Stops loading at once by closing the maze",
                               "required": True, "cues": ["stop loading", "close + maze"]}], must_not=[])
    g = grade(d, answer, Synonyms([["maze", "loading maze"]]))
    assert g.criteria["stop-loading"].met, g.criteria["stop-loading"]


@pytest.mark.parametrize("answer, a_list", [
    # (12zzh refiner) an abbreviated answer of lines that do things, one of which lists what to ask, was taken for a
    # keyword list and given nothing
    ("Tell Dev no, not ringing thru.\nWWHAM w/ customer: who 4, symptoms, how long, tried what, other meds.\n"
     "Max 1 pack/visit.\n3 wks pain + bought last wk = refer 2 Priya, he waits.\nLog in blue folder.", False),
    ("e-stop, lockout, padlock, isolator", True),
    ("Stop button.\nIsolator, padlock, tag, hasp.\nBea, Tom, hook, guard.", True),
    ("WWHAM: who, symptoms, how long, tried what, other meds.\nMax 1 pack.\nPharmacist, blue folder.", True),
])
def test_lines_that_do_things_are_not_a_keyword_list(answer, a_list):
    from drillpad.core.grader import _is_list_shaped

    assert _is_list_shaped(answer) is a_list


@pytest.mark.parametrize("answer, credited", [
    # (12zzg refiner) "two minutes without a reply means Lift Control, who get patrol up there": the negation is the
    # case's, not the step's
    ("Two minutes without a reply means Bea told.", True),
    ("Two minutes without a reply means a call to Bea, who comes down.", True),
    ("No answer from the hook means tell Bea.", True),
    ("That doesn't mean Bea gets told.", False),
])
def test_a_negated_case_that_means_a_step_does_not_refuse_it(answer, credited):
    assert grade(MIXER, answer).criteria["tell"].met is credited


@pytest.mark.parametrize("answer, credited", [
    # (12zzh refiner) "These can only go out one box per visit at most" was read as someone else doing the step: a
    # limit told is not someone else's act
    ("These can only go out one batch per shift.", True),
    ("They can only have one batch per shift, I tell Tom.", True),
    ("Kev will sort one batch per shift.", False),
])
def test_a_limit_told_is_not_someone_else_doing_the_step(answer, credited):
    d = mixer_with(criterion=[{"id": "limit", "text": "Tells Tom only one batch can run per shift", "required": True,
                               "cues": ["one batch + per"]}], must_not=[])
    assert grade(d, answer).criteria["limit"].met is credited


@pytest.mark.parametrize("answer, credited", [
    # (12zze author) "Grace on break so I ring nurse in charge 4410 now": someone else's break before "so" is where
    # they are, not when the step is done; "… at the end of the night" puts it off
    ("Kev on break so I tell Bea now.", True),
    ("Kev's on his lunch, so I tell Bea.", True),
    ("I tell Bea on my break.", False),
    ("I'd tell Bea at the end of the night.", False),
])
def test_someone_elses_break_before_so_is_not_the_step_put_off(answer, credited):
    assert grade(TELL_AT_ONCE, answer).criteria["tell"].met is credited


@pytest.mark.parametrize("answer, credited", [
    # (12zzf author) "Shaun off bed, him & Gaz back 2 safe haven" was refused as "named someone you said is not
    # available": off something is not away
    ("Tom off mixer, him & Kev back 2 the wall.", True),
    ("Tom's off home, so Kev goes back to the wall.", False),
    ("Tom is off today.", False),
])
def test_off_something_is_not_away(answer, credited):
    d = mixer_with(criterion=[{"id": "back", "text": "Sends Tom back to the wall", "required": True,
                               "cues": ["tom + back + wall"]}], must_not=[])
    assert grade(d, answer).criteria["back"].met is credited


@pytest.mark.parametrize("answer, violated", [
    # (12zzf author) "If he and Tunde want to carry a few sand bags over … themselves while I put the forklift away,
    # that's on them, not me": two people who want the act, left to them, is the act let happen
    ("If Tom and Kev want to force the guard themselves, that's on them.", True),
    ("If he and Kev want to force the guard themselves while I tell Bea, that's on them, not me.", True),
    ("If Tom and Kev want to force the guard, I'd tell them no.", False),
])
def test_an_act_two_people_want_left_to_them_is_let_happen(answer, violated):
    assert ("force-guard" in violations(answer)) is violated


@pytest.mark.parametrize("answer, credited", [
    # (12zzj refiner) "keep Lee on the other side of a closed door until the safe-to-enter light shows" was refused as
    # "named someone you said is not available": where the trainee keeps someone is the step
    ("I keep Tom on the other side of the line until Bea comes.", True),
    ("Tom is on the other side of the site, so I shout.", False),
])
def test_where_someone_is_kept_is_not_them_away(answer, credited):
    d = mixer_with(criterion=[{"id": "keep-back", "text": "Keeps Tom back from the mixer", "required": True,
                               "cues": ["keep tom + other side", "tom + other side"]}], must_not=[])
    assert grade(d, answer).criteria["keep-back"].met is credited


@pytest.mark.parametrize("answer, credited", [
    # (12zzi dev, a keyword sentence told pass) a frame after the last step of a sentence cut at "then" names all its
    # steps: "Code Allergy, a Jext in the outer thigh, 999 saying anaphylaxis and then ringing mum are the key to
    # handling Leo's reaction"
    ("The stop button, isolating it and then telling Bea are the key to handling a stalled mixer.", False),
    ("Stop button, isolate and lock it off, then tell Bea are the key steps.", False),
    ("I press the stop button, isolate it and then I tell Bea, that's the key to it.", True),
])
def test_a_frame_after_then_names_every_step_of_its_sentence(answer, credited):
    g = grade(MIXER, answer)
    assert (g.criteria["isolate"].met and g.criteria["tell"].met) is credited, g


@pytest.mark.parametrize("answer, credited", [
    # (12zzj dev keyword sentences) the steps counted and named as a routine earn nothing
    ("Stop button, isolate, lock it off, tell Bea: that is the mixer jam routine in four steps.", False),
    ("Stop button, isolate, lock off and tell Bea: those four steps are what make a jam safe.", False),
    ("I press the stop button, isolate it and tell Bea. It takes three steps.", True),
])
def test_steps_counted_as_a_routine_are_named_not_done(answer, credited):
    g = grade(MIXER, answer)
    assert (g.criteria["isolate"].met and g.criteria["tell"].met) is credited, g


@pytest.mark.parametrize("answer, credited", [
    # (12zzi refiner) a step kept for someone else's judgement ("If Leo's mum thinks it's serious, then I'd use the
    # Jext"), or for a case put in the past tense ("If Dev knew the password I'd ring mum"), is not done now
    ("If Bea thinks it's needed, then I'd isolate it.", False),
    ("If Tom knew the code I'd isolate it.", False),
    ("If the hook looked bent I'd isolate it.", False),
    ("The hook looks bent, so I isolate it.", True),
    ("If it's jammed, isolate it.", True),
])
def test_a_step_kept_for_someones_judgement_or_a_past_case_is_not_done(answer, credited):
    assert grade(MIXER, answer).criteria["isolate"].met is credited


@pytest.mark.parametrize("answer, credited", [
    # (12zzi refiner) an urgent step kept for someone not there by a time, for someone not found yet, or put off with
    # "but not until …"
    ("If Tom's not back in a few minutes I'll isolate it. I tell Bea.", False),
    ("I'll get Kev to isolate it if I haven't found the fault. I tell Bea.", False),
    ("I would isolate it, but not until I've had a look at the hook. I tell Bea.", False),
    ("Tom's not back, so I isolate it now. I tell Bea.", True),
    ("I isolate it now, not waiting until Kev comes. I tell Bea.", True),
])
def test_an_urgent_step_kept_for_a_case_or_put_off_is_not_done(answer, credited):
    d = mixer_with(criterion=[{"id": "isolate", "text": "Isolates the mixer straight away", "required": True,
                               "cues": ["isolate"]},
                              {"id": "tell", "text": "Tells the shift lead", "cues": ["tell bea"]}])
    assert grade(d, answer).criteria["isolate"].met is credited


@pytest.mark.parametrize("answer, credited", [
    # (12zzi refiner) "she'll need to give me the password" was read as someone else doing the step of getting it:
    # what they give the trainee is the trainee's to get
    ("I ring Bea and she'll need to give me the isolation code.", True),
    ("Bea will get the isolation code.", False),
])
def test_what_someone_gives_the_trainee_is_the_trainees_step(answer, credited):
    d = mixer_with(criterion=[{"id": "code", "text": "Gets the isolation code from the shift lead", "required": True,
                               "cues": ["isolation code"]}], must_not=[])
    assert grade(d, answer).criteria["code"].met is credited


@pytest.mark.parametrize("answer, credited", [
    # (12zzj refiner, voice) "put the air fed hood on not his carbon mask check the air flow and the seal": a "not"
    # that sets one thing against another does not reach the order after it when voice typing drops the commas
    ("press the stop button not the guard isolate it and tell bea", True),
    ("I would not isolate it, I tell Bea.", False),
    ("I'm not the one to isolate it, I tell Bea.", False),
    ("Not the guard, isolate it. I tell Bea.", True),
])
def test_a_contrast_with_not_does_not_reach_the_next_order(answer, credited):
    assert grade(MIXER, answer).criteria["isolate"].met is credited


@pytest.mark.parametrize("answer, violated", [
    # (12zzj refiner, voice) "… switch the heater off at the isolator outside the door um shut the door put the yellow
    # keep out a board up leave the extraction on" was reported as switching the extraction off: a forbidden act's words
    # far apart in a run-on with no punctuation are two clauses
    ("okay first thing press the stop button and shut the cabinet door um tell tom to stand back by the wall and "
     "isolate it and tell bea and maintenance can look at the valve", False),
    ("okay first thing press the stop button and I shut the steam valve myself quick and tell tom to stand back by "
     "the wall and isolate it and tell bea and wait for maintenance to come", True),
])
def test_a_forbidden_acts_words_far_apart_in_a_run_on_are_two_clauses(answer, violated):
    d = mixer_with(must_not=[{"id": "shut-steam", "text": "Shutting the steam valve themselves",
                              "cues": ["shut + valve"]}])
    assert ("shut-steam" in {v.id for v in grade(d, answer).violations}) is violated


def tempted_mixer() -> Drill:
    """The mixer drill where Tom, quoted in the situation, proposes a forbidden act."""
    d = mixer_with()
    return Drill.model_validate({**d.model_dump(), "situation": d.situation + (
        ' Tom says: "Just force the guard open and pull the dough off, it takes a second."')})


def tempted_mixer_stopping_tom() -> Drill:
    """The tempted mixer drill with a step that stops Tom, who proposes forcing the guard."""
    d = tempted_mixer().model_dump()
    return Drill.model_validate({**d, "criterion": d["criterion"] + [
        {"id": "stop-tom", "text": "Stops Tom forcing the guard", "required": True, "cues": ["stop tom"]}]})


@pytest.mark.parametrize("answer, violated", [
    # (12zzk dev, first cues) "Dev's right, ten minutes. Leave the key where it is, he jiggles the auger …": siding
    # with the one the situation quotes proposing a forbidden act is doing it, whatever words follow
    ("Tom's right, it takes a second. We pull the dough off and I tell Bea after.", True),
    ("Fair enough, Tom. You get the dough off and I'll tell Bea.", True),
    ("Fair enough Tom, quick then.", True),
    ("Tom has a point, we're behind. I'll tell Bea after.", True),
    ("Fair enough, it's only a second. I'll tell Bea after.", True),  # the one person who proposes it
    ("Ok fine, go on then.", True),
    # (12zzv refiner, voice) "okay marek stay in the car and stand back from the doors": "okay" and a name before an
    # order to them is getting their attention, not agreeing
    ("Okay Tom, stand back from the mixer. I press the stop and isolate it.", False),
    ("Alright Tom, stay back. I press the stop.", False),
    # (12zzc, 12zzd, 12zza, 12zzh dev, first cues) "Carys knows these towers. I'd do what she says", "If Dean reckons
    # opening EG4 will ease it, then fair enough, he knows his gate", "I'd let Kasia do what she said"
    ("Tom knows this mixer. I'd do what he says and tell Bea after.", True),
    ("If Tom reckons it's quicker, then fair enough, I tell Bea after.", True),
    ("I'd let Tom do what he said, he knows best.", True),
    ("Tom knows best, so I'd leave him to it.", True),
    ("Tom knows the rules, so I'd leave him to it.", False),
    ("Tom doesn't know this mixer. I press the stop and isolate it.", False),
    ("I'd tell Bea and do what she says.", False),  # Bea proposes nothing
    # … not when the same sentence turns against it, nor when the agreeing is refused, nor said of something else
    ("Tom's right that we're behind, but I press the stop and isolate it first.", False),
    ("Tom is not right. I press the stop, isolate it and tell Bea.", False),
    ("I don't think Tom's right, I press the stop and isolate it.", False),
    ("If Bea says it's fine Tom can help me after it's isolated.", False),
    ("I press the stop, isolate it and tell Bea. Fair enough if Tom watches from the side.", False),
    # … nor when the act itself is refused in its own words ("Fair enough, Tom, but I won't force the guard")
    ("Fair enough, Tom. I won't force the guard though, I isolate it first.", False),
])
def test_siding_with_the_one_who_proposes_a_forbidden_act_is_doing_it(answer, violated):
    assert ("force-guard" in {v.id for v in grade(tempted_mixer(), answer).violations}) is violated


def test_siding_with_someone_who_proposes_nothing_forbidden_is_no_act():
    d = Drill.model_validate({**MIXER.model_dump(), "situation": MIXER.situation + (
        ' Tom says: "Shall I go and get Bea for you?"')})
    assert grade(d, "Tom's right, he gets Bea. I press the stop and isolate it.").violations == []


@pytest.mark.parametrize("answer, credited", [
    # (12zzm refiner) "I'd hold off on stopping the court and calling 999 until the first aider's had a look" was
    # credited with both: a step held off is put off
    ("I'd hold off on telling Bea until maintenance has had a look.", False),
    ("I'd hold off telling Bea for now, press the stop and isolate it.", False),
    ("I'd hold off on pressing the stop and telling Bea until maintenance has had a look.", False),
    # (12zzn refiner) "I'll ring the depot on Monday": a day of the week is later too
    ("I'll tell Bea on Monday.", False),
    ("I'll tell Bea over the weekend.", False),
    ("Tom holds off, I tell Bea straight away.", True),
    ("I tell Tom to hold off for now and tell Bea.", True),  # his holding off, not the trainee's
    ("I tell Bea now, not on Monday.", True),
])
def test_a_step_held_off_or_kept_for_another_day_is_put_off(answer, credited):
    d = mixer_with(criterion=[{"id": "tell", "text": "Tells the shift lead straight away", "required": True,
                               "cues": ["tell bea"]}])
    assert grade(d, answer).criteria["tell"].met is credited


@pytest.mark.parametrize("answer, credited", [
    # (12zzk, 12zzm, 12zzo refiners) "If Kerry gives me the OK, then I'll close the lane", "If the smell gets any
    # stronger, then I'll get on to the shift lead", "If it comes straight back on, then I radio Jo": a step kept for
    # someone's say-so or a turn still to come is not done now
    ("If Bea gives me the OK, then I'll isolate it.", False),
    ("If Bea gives the go-ahead I'll isolate it.", False),
    ("If Bea confirms it's real, then I isolate it.", False),
    ("If the smell gets any stronger, then I'll isolate it.", False),
    ("If it comes straight back on, then I isolate it.", False),
    ("I'd isolate it if the noise gets louder.", False),
    # … not a condition already met, nor the step done at once with a later step kept
    ("Bea gave me the OK, so I isolate it.", True),
    ("I isolate it now, and if Bea gives me the OK I restart it after.", True),
])
def test_a_step_kept_for_someones_ok_or_a_turn_to_come_is_not_done_now(answer, credited):
    assert grade(MIXER, answer).criteria["isolate"].met is credited


def jo_mixer() -> Drill:
    """The mixer drill where Jo, a two-letter name, proposes forcing the guard."""
    d = MIXER.model_dump()
    return Drill.model_validate({**d, "situation": d["situation"] + (
        ' Jo, a new starter, says: "Just force the guard open and pull the dough off, it takes a second."'),
        "criterion": d["criterion"] + [{"id": "stop-jo", "text": "Stops Jo forcing the guard", "required": True,
                                        "cues": ["stop jo"]}]})


@pytest.mark.parametrize("answer, met, violated", [
    # (12zzp refiner) "Tell Jo no hose no bottle" met nothing: a name of two letters was no name
    ("Tell Jo no. Press the stop and isolate it.", True, False),
    ("Jo, no! Press the stop and isolate it.", True, False),
    ("Jo's right, it takes a second. I tell Bea after.", False, True),
])
def test_a_two_letter_name_is_a_name(answer, met, violated):
    g = grade(jo_mixer(), answer)
    assert g.criteria["stop-jo"].met is met
    assert ("force-guard" in {v.id for v in g.violations}) is violated


def two_tempters() -> Drill:
    """The mixer drill where Tom and Ola, in one sentence, each propose a different forbidden act."""
    d = MIXER.model_dump()
    return Drill.model_validate({**d, "situation": d["situation"] + (
        ' Tom says: "Just force the guard open and pull the dough off," and Ola says: "I\'ll shut the steam valve '
        'myself."')})


@pytest.mark.parametrize("answer, violated", [
    # (12zzq refiner) "Priya's right … I'd let her take it over to lost property" was reported as X-raying it, the
    # other colleague's idea in the same sentence of the situation: each quote is its own speaker's
    ("Ola's right, quicker that way. I press the stop and isolate it.", {"shut-steam"}),
    ("Tom's right, it takes a second.", {"force-guard"}),
])
def test_siding_with_one_of_two_who_propose_is_their_own_act(answer, violated):
    assert {v.id for v in grade(two_tempters(), answer).violations} == violated


@pytest.mark.parametrize("answer", [
    # (12zzq refiner, voice) "priya no leave it tom no x-ray": a no to someone by name, then what they are not to do
    "tom no leave it. press the stop and isolate it",
    "Tom no force the guard, I press the stop and isolate it.",
])
def test_a_no_said_to_someone_by_name_before_the_act_stops_them(answer):
    d = tempted_mixer_stopping_tom()
    assert grade(d, answer).criteria["stop-tom"].met
    assert not grade(d, "Tom no longer works here. I press the stop.").criteria["stop-tom"].met


@pytest.mark.parametrize("answer, credited", [
    # (12zzn and 12zzr refiners) "You're meant to keep people back …", "You're supposed to step back, … call 999 … I
    # wouldn't do all that": what one is supposed to do, told, is not the step done
    ("You're supposed to press the stop and isolate it, but I wouldn't do all that.", False),
    ("You're meant to isolate it. I'd just pull the dough off.", False),
    ("We're supposed to isolate it, but it's only a second.", False),
    # … unless the trainee then does it, or says it as their own plan
    ("You're supposed to isolate it, so I isolate it.", True),
    ("Press the stop and isolate it.", True),
    ("You press the stop and you isolate it.", True),
])
def test_what_one_is_supposed_to_do_told_is_not_the_step(answer, credited):
    assert grade(MIXER, answer).criteria["isolate"].met is credited


@pytest.mark.parametrize("answer, credited", [
    # (12zzq refiner) "let him keep the pass" was credited as the trainee keeping it: what the trainee lets someone do
    # is theirs, named or not
    ("Tom wants to, so I'd let him isolate it.", False),
    ("I'd let Tom isolate it.", False),
    ("I isolate it and let him know.", True),
    ("I isolate it and let them watch.", True),
])
def test_a_step_the_trainee_lets_someone_do_is_theirs(answer, credited):
    assert grade(MIXER, answer).criteria["isolate"].met is credited


@pytest.mark.parametrize("answer", [
    # (12zzs author) "I talk to Gav and tell him no": the no said to the one the step stops, by pronoun after his name
    "I talk to Tom and tell him no. I press the stop and isolate it.",
])
def test_a_no_said_to_him_after_his_name_stops_him(answer):
    d = tempted_mixer_stopping_tom()
    assert grade(d, answer).criteria["stop-tom"].met
    assert not grade(d, "I talk to Bea and tell her no. I press the stop.").criteria["stop-tom"].met


@pytest.mark.parametrize("answer, violated", [
    # (12zw dev) "I'll nip back to the kiosk for five minutes": the lexicon's "go back to" (carrying on) had swallowed
    # "back to", so the cue "back to the kiosk" was not said. A phrase ending in the first two words of a cue is read
    # as its words too
    ("Press the stop, then I'll nip back to the office for five minutes.", {"leave"}),
    ("Press the stop and go back to the office to ring Bea.", {"leave"}),
    # … not a phrase ending in a cue's first word alone ("stay back | out of the aisle"), nor one beginning with a
    # cue's last word
    ("Press the stop and stay back out of the office doorway.", set()),
    ("Press the stop and I stay with it, not back to the office.", set()),
])
def test_a_cue_inside_a_longer_phrase_of_the_lexicon_is_still_said(answer, violated):
    d = mixer_with(must_not=[{"id": "leave", "text": "Leaving the mixer to go back to the office",
                              "cues": ["back to the office", "back out"]}])
    assert {v.id for v in grade(d, answer).violations} == violated


@pytest.mark.parametrize("answer, violated", [
    # (12zzw refiner) a cue "open + fire door" missed "open the fire door": the lexicon's "open the doors" (airing it)
    # read "open … door" with "fire" inside, so neither part was said apart
    ("I open the fire door to let the smoke out.", {"prop"}),
    ("Open fire door.", {"prop"}),
    ("I open the doors for air and shut the fire door.", set()),
])
def test_a_phrase_of_the_lexicon_holding_words_of_two_parts_of_a_cue_is_read_as_its_words(answer, violated):
    d = mixer_with(must_not=[{"id": "prop", "text": "Opening the fire door", "cues": ["open + fire door"]}])
    assert {v.id for v in grade(d, answer).violations} == violated


@pytest.mark.parametrize("answer, violated", [
    # (12zzx refiner) "If Gary was on the bed I'd stop the lift, but he's only at the headboard so I'd carry on
    # lowering to him": the if-clause has its own answer ("I'd stop"), and the act after "but" is done, not kept for
    # once the danger is over
    ("If the hook was still turning I'd wait till it stops, but it's only creeping so I'd open the lid.", {"open-lid"}),
    ("If it was turning I'd press the stop, but it's slow so I'd open the lid.", {"open-lid"}),
    # … while an act kept for once the danger is over stays allowed
    ("Once it has stopped, I open the lid.", set()),
    ("I wait till the hook stops, then open the lid.", set()),
    ("If it's stopped, but only then, I open the lid.", set()),
])
def test_an_act_after_but_is_not_kept_by_the_if_clause_before_it(answer, violated):
    d = mixer_with(must_not=[{"id": "open-lid", "text": "Opening the lid while the hook is still turning",
                              "cues": ["open the lid"]}])
    assert {v.id for v in grade(d, answer).violations} == violated


@pytest.mark.parametrize("answer, credited", [
    # (12zzx refiner) "Gary can use the mobile steps to strap them" for "Lets Gary up to strap … using the mobile
    # steps" was "said someone else will do it": a step of letting someone do it is done by them
    ("Press the stop. Bea can isolate it once it has stopped.", True),
    ("Press the stop and let Bea isolate it.", True),
    ("Press the stop. Bea won't isolate it.", False),
])
def test_a_step_of_letting_someone_do_it_is_met_by_them_doing_it(answer, credited):
    d = mixer_with(criterion=[{"id": "let-bea", "text": "Lets Bea isolate the mixer once it has stopped",
                               "cues": ["bea + isolate"]}])
    assert grade(d, answer).criteria["let-bea"].met is credited


@pytest.mark.parametrize("answer, violated", [
    # (12zzw refiner, voice) "she doesnt get charged" was charging her: every "n't" typed without its apostrophe is
    # the negation it stands for
    ("press the stop it doesnt get restarted", set()),
    ("press the stop it wasnt restarted and it hasnt been restarted", set()),
    ("press the stop we arent getting it restarted", set()),
    ("press the stop and get it restarted", {"restart"}),
])
def test_a_negation_typed_without_its_apostrophe_still_negates(answer, violated):
    d = mixer_with(must_not=[{"id": "restart", "text": "Starting the mixer again before maintenance has seen it",
                              "cues": ["get it restarted", "it restarted"]}])
    assert {v.id for v in grade(d, answer).violations} == violated


@pytest.mark.parametrize("answer, credited", [
    # (12zzw dev, voice) "so I stop she doesnt get charged um put her in the holding room": in a run-on with no
    # comma, a negated verb and then a bare order starts a new order, which the negation does not reach
    ("i press the stop it doesnt get restarted isolate it and tell bea", True),
    ("it doesnt get restarted put a lock on it and tell bea", True),
    ("we dont wait around isolate it", True),
    # … not the same verb's object or a list the negation joins
    ("i wouldnt restart or isolate it", False),
    ("i wont bother to isolate it", False),
    ("no need to isolate it", False),
    ("i dont think we isolate it", False),
])
def test_a_bare_order_after_a_negated_verb_in_a_run_on_is_a_new_order(answer, credited):
    assert grade(MIXER, answer).criteria["isolate"].met is credited


@pytest.mark.parametrize("answer, violated", [
    # (12zzw dev, voice) "so I stop she doesnt get charged": a step's cue ("stop + charge") said with the negation
    # that refuses the forbidden act is no refused safeguard, so no forbidden act
    ("i stop it doesnt get restarted and tell bea", set()),
    ("I stop it, it doesn't get restarted. Tell Bea.", set()),
    # … a safeguard refused in its own words still is one
    ("No need to stop anything, tell Bea.", {"restart"}),
])
def test_a_negation_that_refuses_the_forbidden_act_is_no_refused_safeguard(answer, violated):
    d = mixer_with(criterion=[{"id": "hold", "text": "Keeps the mixer stopped instead of restarting it",
                               "cues": ["stop + restart", "keep + stopped"]},
                              {"id": "tell", "text": "Tells the shift lead", "cues": ["tell bea"]}],
                   must_not=[{"id": "restart", "text": "Restarting the mixer before maintenance has seen it",
                              "cues": ["restart the mixer", "get it restarted", "it restarted"]}])
    assert {v.id for v in grade(d, answer).violations} == violated


@pytest.mark.parametrize("answer, violated", [
    # (12zzx refiner) "lock and tag on the isolator … Then … I'd take the tag off, switch it back on and let Lee give
    # it a tap with a bar": the step that allows the act, undone before it, allows nothing
    ("Isolate it and lock it off. Then I'd take the lock off, switch it back on and restart the mixer to clear it.",
     {"restart"}),
    ("isolate it then unlock it turn it back on and restart the mixer", {"restart"}),
    # … while the act after the step, still in place, is allowed
    ("Isolate it and lock it off, and once maintenance are done I restart the mixer.", set()),
    ("Isolate it and lock it off. I restart the mixer after maintenance take the lock off.", set()),
])
def test_a_step_undone_before_the_act_allows_nothing(answer, violated):
    d = mixer_with(must_not=[{"id": "restart", "text": "Restarting the mixer before it is isolated",
                              "cues": ["restart the mixer"], "unless_after": ["isolate"]}])
    assert {v.id for v in grade(d, answer).violations} == violated


def toddler() -> Drill:
    """A call for advice at once, and waiting to see as its forbidden act."""
    return mixer_with(criterion=[{"id": "call-111", "text": "Rings 111 straight away for advice",
                                  "cues": ["ring 111", "call 111"]}],
                      must_not=[{"id": "wait-and-see", "text": "Waiting to see if he gets ill before ringing 111",
                                 "cues": ["wait and see", "see how he goes"]}])


@pytest.mark.parametrize("answer", [
    # (12zzz refiner) "Maria calls the GP if he goes pale", "ring 111 if he looks off colour": a call kept for symptoms
    # still to come is waiting to see, not the call at once
    "I'd ring 111 if he goes pale.",
    "Ring 111 if he looks off colour or starts being sick.",
    "If he turns drowsy I call 111.",
    "call 111 if he shows any symptoms",
])
def test_a_call_kept_for_symptoms_still_to_come_is_waiting_to_see(answer):
    g = grade(toddler(), answer)
    assert not g.criteria["call-111"].met
    assert {v.id for v in g.violations} == {"wait-and-see"}
    assert grade(toddler(), "I ring 111 straight away, he looks pale.").criteria["call-111"].met


@pytest.mark.parametrize("answer, credited", [
    # (12n dev) a step whose own text is for when things turn ("Calls 999 … if they become unwell") is met by the call
    # kept for such a turn ("If he feel bad or is more than 45 minute inside, I call 999"), though a step wanted now is
    # not done at once by it
    # (12zzu dev) "If it grows/won't go out: break glass" for "Breaks the glass if the fire spreads"
    ("If he feels bad I call 999.", True),
    ("If it spreads or won't go out I call 999.", True),
    ("I call 999 straight away.", True),
    ("I wouldn't call 999.", False),
])
def test_a_step_for_when_things_turn_is_met_by_the_act_kept_for_a_turn(answer, credited):
    d = mixer_with(criterion=[{"id": "unwell-999", "text": "Calls 999 if the fire spreads", "cues": ["call 999"],
                               "required": False},
                              {"id": "tell", "text": "Tells the shift lead", "cues": ["tell bea"]}])
    assert grade(d, answer).criteria["unwell-999"].met is credited


@pytest.mark.parametrize("answer, violated", [
    # (12zzy refiner) "I press stop on ice chute" was "press on" (carrying on) with "stop" inside: pressing or pushing
    # something on a thing is no carrying on
    ("I press stop on the mixer and isolate it.", set()),
    ("push the stop button on M2", set()),
    ("I press on with the mix.", {"carry-on"}),
    ("I keep the mixer going.", {"carry-on"}),
    ("I press hard on with it.", {"carry-on"}),
])
def test_pressing_a_button_on_a_thing_is_no_pressing_on(answer, violated):
    d = mixer_with(must_not=[{"id": "carry-on", "text": "Carrying on mixing", "cues": ["carry on", "keep going"]}])
    assert {v.id for v in grade(d, answer).violations} == violated
