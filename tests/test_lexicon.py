"""The built-in lexicon's entries behave as documented in docs/pack-format.md."""

from drillpad.core.cues import Synonyms, find_cue, split_sentences

SYN = Synonyms()


def said(text: str, cue: str) -> bool:
    return bool(find_cue(cue, split_sentences(text, SYN), SYN, suppositions=True))


def test_turning_the_body_is_twisting():
    assert said("When we put it on the trolley we turn the body to the side.", "twist")
    assert not said("We turn the trolley round.", "twist")


def test_going_and_doing_are_go_and_do():
    assert said("Then I am going to the locker.", "go to the locker")
    assert said("I'm doing it in one stint.", "do it in one stint")
