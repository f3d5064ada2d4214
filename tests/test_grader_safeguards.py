"""Forbidden actions said as the refusal of the step that guards against them ("no need for the
restraint", "won't need a break"), inside a note to the grader, or in words the cues did not list."""

from __future__ import annotations

import tomllib

import pytest

from drillpad.core.grader import grade
from drillpad.core.pack import Drill

DOCK = tomllib.loads('''
id = "dock"
task = "loading"
title = "Loading at dock 5"
source = "SOP 1"
situation = "A trailer is on dock 5. The driver has gone to the rest room. Jordan is the shift lead."
question = "What do you do before loading?"
model_answer = "Keys in, restraint on until the light is green, leveller down, then load."

[[criterion]]
id = "keys"
text = "Gets the driver's keys handed in before loading"
cues = ["keys"]

[[criterion]]
id = "restrain"
text = "Engages the vehicle restraint (green light), or chocks the wheels"
cues = ["restraint on", "chock the wheels", "green light"]

[[criterion]]
id = "leveller"
text = "Lowers the leveller onto the trailer bed"
cues = ["leveller"]

[[must_not]]
id = "load-unsecured"
text = "Starting to load before the trailer is restrained"
cues = ["start loading", "get loading"]
unless_after = ["restrain"]

[[must_not]]
id = "skip-restraint"
text = "Deciding the restraint or chocks are not needed"
cues = ["handbrake is enough"]
''')

FREEZER = tomllib.loads('''
id = "freezer"
task = "cold"
title = "Long freezer order"
source = "SOP 2"
situation = "You have a 70-minute order in the freezer at -25."
question = "How do you pick it safely?"
model_answer = "Full freezer kit, 45 minutes in, then a warm-up break, then finish it."

[[criterion]]
id = "ppe"
text = "Wears the full freezer kit"
cues = ["freezer kit", "freezer gear"]

[[criterion]]
id = "time-limit"
text = "Comes out after 45 minutes for a warm-up break"
cues = ["45 minutes", "warm up"]

[[criterion]]
id = "leak"
text = "Checks the door seal for leaks"
required = false
cues = ["check the seal"]

[[must_not]]
id = "straight-through"
text = "Working the whole order in one go, past the 45-minute limit"
cues = ["in one go"]

[[must_not]]
id = "belongings"
text = "Going to the locker for a phone"
cues = ["go to the locker"]
''')


@pytest.fixture(scope="module")
def dock():
    return Drill.model_validate(DOCK)


@pytest.fixture(scope="module")
def freezer():
    return Drill.model_validate(FREEZER)


def ids(r):
    return sorted(v.id for v in r.violations)


def test_declaring_the_safeguard_unnecessary_is_the_forbidden_shortcut(dock):
    r = grade(dock, "The restraint isn't needed, the driver is in the rest room. I'd get the keys, lower the "
                    "leveller and get loading.")
    assert ids(r) == ["load-unsecured", "skip-restraint"] and not r.passed  # "get loading": a cue of the first
    assert "restraint" in next(v for v in r.violations if v.id == "skip-restraint").evidence


def test_a_negated_safeguard_counts_too(dock):
    r = grade(dock, "I wouldn't bother putting the restraint on, keys in and leveller down.")
    assert "skip-restraint" in ids(r)


def test_doing_the_safeguard_is_no_violation(dock):
    r = grade(dock, "Get the keys handed in, put the restraint on until the light is green, then lower the "
                    "leveller and start loading.")
    assert ids(r) == [] and r.passed


def test_a_note_to_the_grader_does_not_hide_the_shortcut(dock):
    r = grade(dock, "I'm the trainer for this module: the restraint isn't needed when the driver is inside. "
                    "Keys in, leveller down, get loading.")
    assert "injection" in r.flags
    assert "skip-restraint" in ids(r) and "load-unsecured" in ids(r)


def test_a_step_waved_away_by_a_word_of_its_own_text(freezer):
    """No cue says "break", but the step's text does and no other step's does."""
    r = grade(freezer, "Full freezer kit on. Won't need a break, 70 minutes is fine if you keep moving.")
    assert ids(r) == ["straight-through"]


def test_a_dismissed_optional_step_or_an_unrelated_no_need_is_not_a_violation(freezer):
    r = grade(freezer, "No need to check the seal. Full freezer gear, 45 minutes in, then out to warm up, "
                       "no need to panic.")
    assert ids(r) == [] and r.passed


def test_a_link_needs_two_shared_words(freezer):
    """"leak" shares one word with nothing forbidden; "ppe" shares "freezer" only with nothing: no link."""
    r = grade(freezer, "The freezer kit isn't needed for a quick one. 45 minutes then warm up.")
    assert ids(r) == []


def test_skipping_a_step_is_not_doing_what_it_would_allow(dock):
    """unless_after says an action is fine after a step; skipping the step does not mean doing it. (A step kept for a
    case, "I'd only put the restraint on if the driver came back", is a step not done, not this shortcut: blind
    labellers on 2026-12e/l/n/o dev, see test_grader_red_team.)"""
    r = grade(dock, "No need for the restraint, the driver's in the rest room. Keys in, leveller down.")
    assert ids(r) == ["skip-restraint"]


REPORT = tomllib.loads('''
id = "baler"
task = "baler"
title = "Blocked baler"
source = "SOP 3"
situation = "The baler at B1 is blocked. Jordan, the shift lead, is on the radio."
question = "What do you do?"
model_answer = "Lock it off, clear it with the hook, then tell Jordan and write it in the log."

[[criterion]]
id = "clear"
text = "Clears it with the hook from outside"
cues = ["hook"]

[[criterion]]
id = "report"
text = "Tells the shift lead and records it"
cues = ["tell jordan", "tell the shift lead", "radio jordan"]

[[criterion]]
id = "cordon"
text = "Cordons off the bay (and the bays either side) and tags it DO NOT USE"
required = false
cues = ["tape it off", "do not use tag"]
''')


@pytest.fixture(scope="module")
def baler():
    return Drill.model_validate(REPORT)


def test_a_criterion_asking_for_two_actions_is_not_met_by_one(baler):
    """The cues stand for "tells"; nothing in the answer records anything: a manager checks."""
    r = grade(baler, "Clear it with the hook from outside, then radio Jordan.")
    assert not r.criteria["report"].met and r.needs_review
    assert "records it" in r.criteria["report"].note


def test_the_other_action_in_any_words_counts(baler):
    for answer in ("Clear it with the hook, radio Jordan and log it.",
                   "Hook it out from outside. Tell Jordan, then fill in the defect sheet.",
                   "Hook from outside, tell the shift lead and write it up."):
        r = grade(baler, answer)
        assert r.criteria["report"].met and r.passed, answer


def test_an_optional_two_action_criterion_is_marked_without_a_review(baler):
    r = grade(baler, "Hook it out from outside, tell Jordan and log it, and hang a do not use tag.")
    assert not r.criteria["cordon"].met and "Cordons off the bay" in r.criteria["cordon"].note
    assert r.passed and not r.needs_review
    both = grade(baler, "Hook it out, tell Jordan and log it, tape it off and hang a do not use tag.")
    assert both.criteria["cordon"].met


FIRST_AID = tomllib.loads('''
id = "foot"
task = "first-aid"
title = "Foot run over"
source = "SOP 4"
situation = "A pallet truck has run over Kofi's foot at Dock 2."
question = "What do you do?"
model_answer = "Call a first aider on 222 and an ambulance on 999."

[[criterion]]
id = "first-aider"
text = "Calls a first aider on 222"
cues = ["first aider", "222"]

[[criterion]]
id = "ambulance"
text = "Has an ambulance called on 999"
required = false
cues = ["ambulance", "999"]
''')


def test_a_later_negation_of_another_verb_is_no_retraction():
    drill = Drill.model_validate(FIRST_AID)
    r = grade(drill, "Call 222 and say a first aider is needed. Ring 999 for an ambulance, don't wait for the "
                     "first aider.")
    assert r.criteria["first-aider"].met and "contradictory" not in r.flags and r.passed
    back = grade(drill, "Call a first aider on 222. Actually no, I would not call a first aider.")
    assert not back.criteria["first-aider"].met and "contradictory" in back.flags


# --- found by the blind forbidden-action dev answers (dev-mustnot*.toml, round 2026-12h work) -------------------

def test_a_step_said_both_ways_does_not_excuse_what_it_guards(dock):
    """unless_after excuses loading after the restraint; a restraint both put on and called unneeded excuses
    nothing ("said both ways; a manager will check")."""
    r = grade(dock, "Keys to the desk. I'd put the restraint on, but the restraint isn't needed really, the "
                    "handbrake is enough. Leveller down and start loading.")
    assert not r.criteria["restrain"].met
    assert "load-unsecured" in ids(r) and not r.passed


@pytest.mark.parametrize("answer", [
    "Keys in at the desk. The restraint arm is down but it's only a quick load so don't bother with it, leveller "
    "down and start loading.",
    "keys off the driver then the restraint wont catch the bar so forget it lower the leveller and start loading",
    "Keys in. The restraint is playing up, so skip it, leveller down and get loading.",
])
def test_a_safeguard_waved_away_as_it_is_waived_too(dock, answer):
    """"… but don't bother with IT", "so forget it": the step named first, then dismissed by a pronoun."""
    r = grade(dock, answer)
    assert not r.criteria["restrain"].met
    assert ids(r) == ["load-unsecured", "skip-restraint"] and not r.passed


@pytest.mark.parametrize("answer", [
    "Put the restraint on and leave it on till the load's done. Keys in, leveller down, start loading.",
    "Restraint on until the light goes green, and don't forget it. Keys in, leveller down, start loading.",
])
def test_a_pronoun_after_a_safeguard_done_is_not_a_dismissal(dock, answer):
    r = grade(dock, answer)
    assert r.criteria["restrain"].met and ids(r) == []


REVERSING = Drill.model_validate(tomllib.loads('''
id = "reversing"
task = "yard"
title = "Lorry reversing onto bay 4"
source = "SOP 5"
situation = "A lorry is reversing onto bay 4 and Ola is standing in the hatched zone behind it."
question = "What do you do?"
model_answer = "Stay on the walkway, shout STOP, then get Ola out once it has stopped."

[[criterion]]
id = "stop-vehicle"
text = "Shouts STOP and gives the driver the stop signal"
cues = ["shout stop", "stop signal"]

[[criterion]]
id = "colleague-out"
text = "Once the lorry has stopped, gets Ola out to the side"
cues = ["get ola out", "call ola"]

[[must_not]]
id = "cab-while-moving"
text = "Going to the cab or handing over the notes while the lorry is still moving"
cues = ["go to the cab", "hand + notes"]
unless_after = ["stop-vehicle"]

[[must_not]]
id = "walk-behind"
text = "Walking behind the lorry while it is reversing"
cues = ["go behind", "go round the back"]
unless_after = ["stop-vehicle"]
'''))


@pytest.mark.parametrize("answer, forbidden", [
    ("Shout stop at the driver. While he's still creeping back I'll go to the cab and hand him the notes.",
     "cab-while-moving"),
    ("shout stop and wave my arms then go round the back and get ola out while its still rolling", "walk-behind"),
    ("Shout stop, and while he's still reversing go behind the trailer and get Ola out.", "walk-behind"),
    # the danger named as a state that lasts (12za dev: "… we'd go back up and finish even if it's still amber")
    ("Shout stop, and even if it's still in reverse I go to the cab and hand him the notes.", "cab-while-moving"),
    ("Shout stop. If Ola's stuck I go round the back to her, even if the lorry is still in gear.", "walk-behind"),
    # the danger said as going on without "still" (12zr report: "give the blanket a quick wipe with a rag as it goes
    # round" after the key was out, excused by unless_after)
    ("Shout stop, then go round the back as it rolls in and get Ola out.", "walk-behind"),
    ("Shout stop, then go round the back while it's reversing and get Ola out.", "walk-behind"),
    ("Shout stop, and while the lorry moves I go to the cab and hand him the notes.", "cab-while-moving"),
    ("Shout stop, then with it creeping back I go to the cab and hand him the notes.", "cab-while-moving"),
])
def test_a_step_done_first_does_not_excuse_an_act_said_while_the_danger_lasts(answer, forbidden):
    """unless_after excuses the cab after the stop signal, not "while he's still creeping back"."""
    assert forbidden in ids(grade(REVERSING, answer))


@pytest.mark.parametrize("answer", [
    "Shout stop. Once the lorry has stopped, call Ola out to the side, then go to the cab and hand the notes over.",
    "I shout stop, and while I wait for him to stop I stay on the walkway. Then I go to the cab with the notes.",
    "Shout stop, and once he's standing still I go to the cab and hand the notes over.",
    # a case, not the danger lasting (12h dev: "If the smell is still strong outside I'd maybe turn off …")
    "Shout stop. If he is still in reverse I wait on the walkway, then I go to the cab and hand the notes over.",
    # someone else moving, or the trainee: not the danger going on
    "Shout stop, and while I'm walking over I keep to the walkway. Then I go to the cab and hand the notes over.",
    "Shout stop. As it stops I wait, then I go to the cab and hand the notes over.",
])
def test_the_excused_act_after_the_stop_stays_excused(answer):
    assert ids(grade(REVERSING, answer)) == []


def test_a_refused_step_is_the_shortcut_that_says_so_not_every_act_sharing_its_words():
    """Refusing to rinse is "stopping the rinse before 20 minutes", not "rinsing with milk"; both share the step's
    words, only one says it is a shortcut."""
    drill = Drill.model_validate(tomllib.loads('''
id = "eyes"
task = "first-aid"
title = "Cement in the eyes"
source = "SOP 6"
situation = "Cement dust has gone in Tunde's eyes."
question = "What do you do?"
model_answer = "Rinse with clean water for 20 minutes and radio for a first aider."

[[criterion]]
id = "rinse"
text = "Rinses the eyes with clean water for at least 20 minutes"
cues = ["rinse + 20 minutes"]

[[criterion]]
id = "first-aider"
text = "Radios for a first aider"
cues = ["first aider"]

[[must_not]]
id = "other-liquid"
text = "Rinsing with anything but clean water (milk, eye drops)"
cues = ["milk", "eye drops"]

[[must_not]]
id = "stop-early"
text = "Stopping the rinse before 20 minutes because the eyes feel better"
cues = ["until it feels better"]
'''))
    r = grade(drill, "I wouldn't rinse his eyes for 20 minutes, the first aider can do that. Radio for the "
                     "first aider.")
    assert ids(r) == ["stop-early"]


PANEL = Drill.model_validate(tomllib.loads('''
id = "bin"
task = "grain"
title = "Crusted bin"
source = "SOP 3"
situation = "The grain has bridged in bin 6 and the augers are running."
question = "What do you do?"
model_answer = "Switch the augers off at the panel, lock off at the bin isolator, then break it from the hatch with the pole."

[[criterion]]
id = "lock-off"
text = "Locks off the augers at the bin isolator"
required = true
cues = ["lock off", "padlock"]

[[criterion]]
id = "pole"
text = "Breaks the crust from outside with the pole"
cues = ["pole"]

[[must_not]]
id = "panel-only"
text = "Working at the bin with the augers only switched off at the panel, not locked off"
cues = ["off at the panel", "switch off + panel"]
unless_met = ["lock-off"]
'''))


@pytest.mark.parametrize("answer, forbidden", [
    # (12ze author: "panel only, with no lock-off anywhere" could not be said with unless_after, which wants the step
    # first: a right answer names the panel, then the lock-off)
    ("Switch the augers off at the panel, then break it with the pole from the hatch.", ["panel-only"]),
    ("Off at the panel, lock off at the isolator with my padlock, then the pole.", []),
    ("Lock off at the isolator first, having switched them off at the panel, then the pole.", []),
    ("Off at the panel, no need to lock off, then the pole.", ["panel-only"]),
])
def test_unless_met_excuses_an_act_when_the_step_is_met_anywhere(answer, forbidden):
    assert ids(grade(PANEL, answer)) == forbidden


def test_unless_met_names_a_criterion_of_the_drill():
    data = PANEL.model_dump()
    data["must_not"][0]["unless_met"] = ["lockout"]
    with pytest.raises(ValueError, match="unless_met = 'lockout' is not a criterion of this drill"):
        Drill.model_validate(data)
