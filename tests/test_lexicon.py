"""The built-in lexicon's entries behave as documented in docs/pack-format.md."""

from drillpad.core.cues import Synonyms, find_cue, split_sentences

SYN = Synonyms()


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
