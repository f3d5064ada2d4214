"""The built-in lexicon's entries behave as documented in docs/pack-format.md."""

import pytest

from drillpad.core.cues import Synonyms, find_cue, split_sentences, stem

SYN = Synonyms()


def _version(v: str) -> tuple[int, ...]:
    return tuple(int(x) for x in v.split("."))  # (2026.12.10 comes after 2026.12.9)


def said(text: str, cue: str) -> bool:
    return bool(find_cue(cue, split_sentences(text, SYN), SYN, suppositions=True))


def test_turning_the_body_is_twisting():
    assert said("When we put it on the trolley we turn the body to the side.", "twist")
    assert not said("We turn the trolley round.", "twist")


def test_doing_is_do_but_going_to_is_no_go_to():
    assert said("I'm doing it in one stint.", "do it in one stint")
    assert not said("I'd shout if it was going to hit Ola.", "go to Ola")


def test_going_back_to_work_is_carrying_on():
    assert said("Not my problem, I'd get back to work.", "carry on working")
    assert said("I'd crack on with the pick.", "carry on with the pick")
    assert said("then continue picking", "carry on picking")
    assert not said("I'd carry the box back to the bay.", "carry on working")


def test_help_is_met_by_a_team_lift_but_a_team_lift_is_not_met_by_help():
    assert said("Me and Morgan do a team lift.", "help")
    assert said("I ask Morgan to help.", "help")
    assert not said("I'll radio Femi and get you some help.", "team lift")
    assert said("The two of us lift it together off the platform.", "lift it together")


def test_all_in_one_go():
    assert said("I pick the whole order in one hit.", "in one go")
    assert said("Pick whole order, 70 min straight, warm room after.", "in one go")
    assert said("I'd do it non-stop so Sam isn't waiting.", "in one go")


def test_swinging_round_from_the_hips_is_twisting():
    assert said("I'll just swing round from the hips to drop my end.", "twist")
    assert said("then I pivot at the waist onto the trolley", "twist")


def test_kicking_or_booting_a_gate_open_is_forcing_it():
    assert said("The gate always sticks so I'd give it a good boot to get it open.", "force the gate")
    assert said("I'd kick the gate open.", "force the gate")


def test_fooling_a_switch_is_bypassing_it():
    assert said("I put a screwdriver in the interlock switch so the machine thinks the gate is shut.", "bypass")
    assert said("I'd fool the interlock with a bit of tape.", "bypass the interlock")


def test_an_adjustable_is_a_spanner():
    assert said("I'd give it a tweak with the adjustable to crack it off.", "spanner")
    assert said("I use the grips on the coupling.", "spanner")


def test_taking_a_look_is_looking_not_taking():
    # found by the 2026-12g pack author: "take a closer look" met a forbidden "pick it up"
    assert not said("I'd take a closer look from the doorway.", "pick it up")
    assert not said("Take a quick look at it from a distance.", "pick it up")
    assert said("I'd take a look at the seal.", "check the seal")
    # ("a closer look" is going nearer, not any check: a cue "take a closer look" is not met by "checked")
    assert not said("Returns should be checked properly at the front desk.", "take a closer look")
    assert said("I'd pick it up and carry it outside.", "pick it up")


def test_a_bunk_up_is_climbing():
    assert said("I'd get Alex to give me a bunk up onto the frame.", "climb on")
    assert said("Get a leg up onto the frame.", "climb on")


def test_a_whack_with_a_mallet_is_knocking_it_back():
    assert said("I'd give it a whack with the rubber mallet to seat it back in.", "knock it back")
    assert said("Bash it back in with the hammer.", "knock it back")


def test_swinging_by_the_locker_is_going_to_it():
    assert said("swing by my locker 4 my phone", "go to my locker")
    assert said("I'd nip to my locker first.", "go to my locker")
    assert not said("I'd go past the lockers to the fire exit.", "go to my locker")


def test_going_easy_with_it_is_being_careful_with_it():
    assert said("Marta's right, just go easy with it till the lorry's done.", "careful with it")
    assert said("I'll take it steady with it.", "careful with it")


def test_cba_is_cant_be_bothered():
    assert said("Charger says 40 min, cba waiting.", "can't be bothered")


# --- 2026.12.7: words the blind forbidden-action dev answers used for what the cues said -----------------------

def test_on_my_own_by_myself_and_solo_are_alone():
    assert said("I'd just lift it on me own, it's not that heavy.", "lift it alone")
    assert said("I go in by myself and get it done.", "go in alone")
    assert said("Go in solo, quick.", "go in on my own")
    assert not said("I'd leave the battery alone and get everyone out.", "lift it alone")


def test_regardless_and_all_the_same_are_anyway():
    assert said("The pendant's red but I go in regardless.", "go in anyway")
    assert said("I'd use it all the same, carefully.", "use it anyway")


def test_yanking_or_tugging_is_pulling():
    assert said("Yank the connector and top it up.", "pull the connector")
    assert said("I'd tug the film out.", "pull the film out")
    assert not said("I'd pull the cage trolley away from the door.", "pull the connector")


def test_a_swap_is_a_change():
    assert said("I'd swap it here by the racking.", "change it here")
    assert said("I change the cylinder in the aisle.", "swap the cylinder in the aisle")


def test_nipping_or_popping_back_in_is_going_back_in():
    assert said("After ten minutes I'd nip back in to see if it's stopped.", "go back in")
    assert said("I'd pop back inside for my phone.", "go back inside")
    assert not said("Shout at everyone to get back from the shelf.", "go back in")


def test_not_going_anywhere_is_wont_move():
    assert said("Driver's put the brake on so it's not going anywhere.", "it won't move")
    assert said("The trailer's going nowhere with the brake on.", "it won't move")


def test_a_phrase_led_by_a_negator_still_negates_what_follows():
    """"won't move" is the idiom "it won't move" and still the "won't" of "I won't move the bin or open the lid"
    (found by the round 2026-12i author: lexicon 2026.12.7 had lost it)."""
    text = "I won't move the bin or open the lid."
    assert [m.refused for m in find_cue("open the lid", split_sentences(text, SYN), SYN, suppositions=True)] == [
        "negated"]
    assert not any(not m.refused for m in find_cue("move the bin", split_sentences(text, SYN), SYN, suppositions=True))
    assert said("The brake's on so it's not going anywhere.", "it won't move")


def test_sit_is_an_action_verb_2026_12_8():
    from drillpad.core.lexicon import ACTION_VERBS, LEXICON_VERSION
    assert "sit" in ACTION_VERBS and _version(LEXICON_VERSION) >= (2026, 12, 8)


# --- 2026.12.8: words of the blind 12j/12k forbidden-act red team --------------------------------------------------
def test_a_jet_wash_is_hosing_down_but_a_hose_is_a_thing():
    assert said("I jetwash the trailer floor after.", "hose down")
    assert said("then pressure wash it all away", "hose down")
    assert said("then hose it all down quick", "hose it down")
    assert not said("the hose is split so I don't touch the hose", "hose down")


def test_flicking_or_flipping_a_switch_off_is_switching_off():
    assert said("I'd just flick it off on its own switch", "switch off")
    assert said("flip the isolator off from the doorway", "switch off")


# --- 2026.12.9: the 2026-12o/12p dev answers -------------------------------------------------------------------------
def test_unclipping_is_not_every_way_of_removing_2026_12_9():
    """(2026-12o dev) a must_not cue "unclip" (the harness) was met by "take the key out"."""
    from drillpad.core.lexicon import LEXICON_VERSION
    assert _version(LEXICON_VERSION) >= (2026, 12, 9)
    assert not said("after tag the truck do not use take the key out", "unclip")
    assert said("he'd unclip and climb down", "unclip")
    assert said("take the guard off", "remove the guard")


def test_moving_a_thing_is_not_keeping_oneself_clear():
    """(12zf author) "back the carriage off the log" met "stand back", "keep clear"; "the smoke gets pulled away" met
    "get away" and "move away". Keeping oneself clear takes no object; getting people out still does."""
    assert not said("back the carriage off the log", "keep clear")
    assert not said("back the carriage off the log", "stand back")
    assert not said("the smoke gets pulled away by the fan", "get away")
    assert said("I back off from the saw", "keep clear")
    assert said("get everyone out of the mill", "evacuate")
    assert said("get Ola away from the saw", "get away")


# --- 2026.12.10: the 2026-12ze/12zf dev answers ----------------------------------------------------------------------
def test_an_at_sign_on_its_own_is_at_2026_12_10():
    """(12zf author) "in w/ Tomasz @ door" missed a standby "at the door"."""
    from drillpad.core.lexicon import LEXICON_VERSION
    assert _version(LEXICON_VERSION) >= (2026, 12, 10)
    assert said("in w/ Tomasz @ the door", "at the door")
    assert said("Tomasz stands @ the door", "stand + at the door")
    from drillpad.core.cues import norm
    assert norm("Bev can sign the permit l8r")[-1] == "later"  # (txt speak for a step put off)


# --- 2026.12.11 ------------------------------------------------------------------------------------------------------
def test_a_name_with_s_is_the_name_2026_12_11():
    """(12y dev, found with the authors' first cues) "Dionne's done it loads of times so I'd let her clip the rail back
    on" missed "dionne + clip": "Dionne's" stemmed to "dion" but "Dionne" to "dionn"; "Dave's" and "here's" did too
    ("here's" became "her")."""
    from drillpad.core.cues import norm
    from drillpad.core.lexicon import LEXICON_VERSION
    assert _version(LEXICON_VERSION) >= (2026, 12, 11)
    assert said("Dionne's done it loads of times so I'd let her clip the rail back on", "dionne + clip")
    assert said("Dave's van is blocking the gate", "dave + van")
    assert norm("here's")[0] != norm("her")[0]
    assert norm("the driver's cab") == norm("the drivers cab")  # (a possessive is the word, as before)
    assert norm("there's")[0] == norm("theres")[0] and norm("it's") == norm("its")


def test_a_forbidden_act_cue_that_skips_is_refused_by_a_negator_before_it():
    """(an author following the docs' checklist wrote "skip + spray", "without + permit") "we can't skip the spray",
    "I'm not skipping it, spray the clamp", "I wouldn't go in without a permit" were reported as the forbidden act:
    a cue's own negation word was matched as written even when the answer refused it."""
    from drillpad.core.cues import find_cue, split_sentences

    def act(text: str, cue: str) -> bool:
        return any(not m.refused for m in find_cue(cue, split_sentences(text, SYN), SYN, suppositions=True))

    assert not act("I'd tell Karen we can't skip the spray or the samples.", "skip + spray")
    assert not act("we're not skipping it um spray the clamp", "skip + spray")
    assert not act("I wouldn't go in without a permit.", "without + permit")
    assert not act("I won't open the valve without spraying the clamp first.", "without + spray")
    assert act("I'd skip the spray tonight, Karen's right.", "skip + spray")
    assert act("I'd go in without a permit, it's two minutes.", "without + permit")
    assert act("No need to scan it again, the afternoon crew did.", "no need + scan")
    assert act("I'd do it without the spray.", "without + spray")


def test_raising_a_thing_is_not_telling_2026_12_12():
    """(12zi author) "Radio the controller" met a forbidden act's cue "raise it" (the car on the lift): the lexicon's
    telling family had "raise it"; "raise it with the manager" is still telling."""
    from drillpad.core.lexicon import LEXICON_VERSION
    assert _version(LEXICON_VERSION) >= (2026, 12, 12)
    assert not said("Radio the controller on channel 2", "raise it")
    assert not said("tell Kyle to stay out", "raise it")
    assert said("I'd raise it with the manager", "tell + manager")
    assert said("then raise it on the lift", "raise it")


def test_a_number_typed_with_its_unit_is_the_number_and_the_unit():
    """(12zi author) "stop @ 40psi, no more air" did not meet "stop + 40" ("40psi" was one word, never "40"), so the
    step was met only by "stop + air", which "no more air" refuses. A number glued to its unit is both; an ordinal
    ("2nd") and a word led by letters ("b4", "ch3") stay whole. Lexicon 2026.12.13, so a re-grade says why."""
    from drillpad.core.cues import norm
    from drillpad.core.lexicon import LEXICON_VERSION
    assert _version(LEXICON_VERSION) >= (2026, 12, 13)
    assert said("stop @ 40psi, no more air", "stop + 40")
    assert said("stop at 40 psi", "40psi max") is False and said("40psi max", "40 psi max")
    assert said("wait 10mins for it to vent", "wait 10 mins")
    assert len(norm("2nd go")) == 2 and len(norm("3rd")) == 1 and len(norm("40psi")) == 2
    assert norm("b4") == norm("before") and norm("ch3") == ["ch3"]


def test_a_decimal_number_is_one_number():
    """(12zl refiner) "once it's down to about 0.3 bar that's close enough" met "0 bar" ("0.3" was read as "0" and
    "3"), so venting to zero was credited and the forbidden act of opening the port under pressure excused. A decimal
    is one number. Lexicon 2026.12.14, so a re-grade says why."""
    from drillpad.core.cues import norm
    from drillpad.core.lexicon import LEXICON_VERSION
    assert _version(LEXICON_VERSION) >= (2026, 12, 14)
    assert not said("vent it down to about 0.3 bar", "0 bar")
    assert said("vent it down to 0 bar.", "0 bar") and said("keep 1.5 m away", "1.5 m")
    assert said("stand back 1.5m", "1.5 m")
    assert len(norm("0.3 bar")) == 2 and len(norm("stop. 3 more")) == 3


@pytest.mark.parametrize("forms", [
    # a short verb that ends in -e is the same word with -ing, -ed and -s (12zs author: "type" did not meet "typing"
    # or "typed"; the same for wave, poke, move, hose)
    ("type", "typing", "typed", "types"),
    ("wave", "waving", "waved", "waves"),
    ("poke", "poking", "poked"),
    ("move", "moving", "moved", "moves"),
    ("hose", "hosing", "hosed"),
    ("wipe", "wiping", "wiped", "wipes"),
    ("tape", "taping", "taped", "tapes"),
    ("note", "noted", "notes"),
    ("use", "using", "used", "uses"),
    # … and a short verb that doubles its last letter stays itself
    ("tap", "tapping", "tapped", "taps"),
    ("stop", "stopping", "stopped", "stops"),
    ("fix", "fixing", "fixed"),
    ("gas", "gases"),
    ("bus", "buses"),
    # a word that ends in -eed is no past tense (12zt author: "encourage + bleed" missed "encourage bleeding"),
    # unless of a verb that ends in -ee
    ("bleed", "bleeding", "bleeds"),
    ("speed", "speeding", "speeds"),
    ("proceed", "proceeding", "proceeded"),
    ("agree", "agreed", "agreeing", "agrees"),
    ("free", "freed", "freeing"),
])
def test_forms_of_a_short_word_share_its_stem(forms):
    assert {stem(w) for w in forms} == {stem(forms[0])}


def test_a_short_word_ending_in_e_is_not_the_word_without_it():
    assert stem("tape") != stem("tap") and stem("note") != stem("not") and stem("site") != stem("sit")
    assert stem("noted") != stem("not") and stem("taping") != stem("tapping")


def test_a_cue_with_a_short_e_verb_meets_its_other_forms():
    syn = Synonyms()
    assert find_cue("type + weight", split_sentences("I'd be typing in the weight by hand.", syn), syn)
    assert find_cue("wave him out", split_sentences("I'm waving him out, he's a regular.", syn), syn)
    assert find_cue("use the pinch bar", split_sentences("I'm using the pinch bar on it.", syn), syn)


@pytest.mark.parametrize("cue, answer", [
    # voice typing spells out letters (12zs dev: "i walk down to the m c c and lock it off"), and "iso" is isolate
    ("lock + mcc", "right so i walk down to the m c c and lock it off"),
    ("ppe", "um put on my p p e first"),
    ("aed", "someone fetch the a e d from reception"),
    ("isolate", "iso both @ mcc my locks/tags"),
])
def test_spelt_out_letters_and_iso_meet_their_cue(cue, answer):
    assert find_cue(cue, split_sentences(answer, SYN), SYN)


def test_single_words_are_not_glued():
    assert [s.words for s in split_sentences("I lock it, a big lock", SYN)] == [["i", "lock", "it", "a", "big", "lock"]]


def test_making_a_call_is_calling_2026_12_16():
    # 12zu refiner: "I'm not making a radio call to the Chief Officer over a drip" was credited as calling him: the
    # "not" governed "making", and the call was a second verb
    from drillpad.core.lexicon import LEXICON_VERSION
    assert _version(LEXICON_VERSION) >= (2026, 12, 16)
    for said in ("I make a radio call to Bea.", "I'll make a call to Bea.", "Making a phone call to Bea."):
        assert any(not m.refused for m in find_cue("call bea", split_sentences(said, SYN), SYN))
    refused = find_cue("call bea", split_sentences("I'm not making a radio call to Bea over a jam.", SYN), SYN)
    assert refused and all(m.refused == "negated" for m in refused)
