"""Matching authored cues in free text the way trainees really write.

The building block of grading. A cue is a phrase ("stop the conveyor") or terms joined by
" + " that must all appear in one sentence ("padlock + isolator"). An answer and a cue are
both normalised the same way:

1. words: lower case, typed abbreviations expanded ("sup", "b4", "w/"), irregular verbs to their
   base ("told" → "tell"), a light stemmer for word endings, and misspellings of words of five
   or more letters matched to the cue vocabulary ("superviser" → "supervisor") unless the word
   is a real English word;
2. units: phrases that mean one thing become one unit carrying every meaning it has: the pack's
   own synonyms first, then the built-in lexicon of frontline English (core.lexicon: "give
   Jordan a bell" is a call, "down tools" is a stop), then people named in the scenario as the
   role they have there ("tell Jordan" when Jordan is the shift lead);
3. a cue is met when its content units appear in the same sentence in the cue's order, with at
   most MAX_GAP other units between neighbours ("stop conveyor C2" meets "stop the conveyor").

A mention does not count when it is refused: a negator governs it ("I would not lock it out",
"no need to", "without", "I wouldn't bother with"), it is declared unnecessary afterwards
("the lockout isn't needed"), or it is made conditional ("I'd only call if it got worse").
A negator governs only what follows it through *bridge* words (to, the, bother, need, …), so
the SOP's own wording never cancels a step ("put a Do Not Operate tag on": "not" governs
"operate", not "tag") and a double negative commits ("I wouldn't start without locking out").
"""

from __future__ import annotations

import copy
import gzip
import re
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources

from drillpad.core import lexicon

# (an "@" on its own is "at": "Tomasz @ door"; a number glued to a unit of 2+ letters is the number, then the
# unit: "40psi", "10mins" — not an ordinal, "2nd")
# (a decimal is one number: "0.3 bar" is not "0 bar")
_TOKEN = re.compile(r"w/o|w/|(?<!\S)@(?!\S)|\d+\.\d+(?!\.?\d)|\d+(?=(?!(?:st|nd|rd|th)\b)[a-z]{2,}\b)"
                    r"|[a-z0-9]+(?:'[a-z]+)?")
# (a new line starting a numbered or bulleted item ends the line before it: "1 Kev stops, flat stays hooked on\n2 …";
# any other line break is the wrapping of one sentence)
_SENTENCE = re.compile(r"(?<=[.!?;\n])\s+|[ \t]*\n\s*(?=(?:\d{1,2}[.):]?|[-*•])\s)|\s+(?:then|and then|after that|afterwards)\s+"
                       # ("next" opening a step: after a comma or "and", before "I", or with its own comma; not
                       # "put next load in", "do it next time")
                       r"|(?<=[,:])\s*(?:and\s+)?next\b,?\s+(?!(?:to|door|time|week|day|shift|month|year|morning|"
                       r"night|one|break)\b)|\s+and\s+next\b,?\s+|\s+next\s*,\s*"
                       r"|\s+next\s+(?=(?:i|we|you|he|she|they|i'd|i'll|we'd|we'll|id|ill)\b)", re.I)
NEGATORS = frozenset({
    "not", "never", "no", "without", "don't", "won't", "didn't", "can't", "cannot", "wouldn't", "shouldn't",
    "isn't", "aren't", "wasn't", "doesn't", "needn't", "mustn't", "skip", "skipping", "instead", "neither", "nor",
    "avoid", "forget", "bother", "nothing", "none", "nobody", "noone", "refuse", "refuses", "refusing",
})
# Negators that are also things ("the skip", "a general waste skip")
_NOUN_TOO = frozenset({"skip", "skips"})
_NOUN_BEFORE = frozenset({"general", "waste", "builders", "builder's", "big", "yard", "metal", "rubbish", "any", "no",
                          "some", "every", "each", "one", "nearest"})


def is_a_thing(word: str, before: str) -> bool:
    """Whether a negator that is also a thing is the thing here ("the skip", "a general waste skip")."""
    return word in _NOUN_TOO and (before in DETERMINERS or before in _NOUN_BEFORE)


# Two-word negators ("rather than carry it", "instead of lifting").
NEGATOR_PHRASES = frozenset({("rather", "than"), ("instead", "of"), ("no", "need"), ("no", "point"),
                             ("no", "reason"), ("never", "mind")})  # ("never mind finishing the lift")
# Negators that a second, earlier negator in the same clause cancels ("I wouldn't start *without* locking out").
_COMMIT_AFTER_NEGATION = frozenset({"without", "until", "unless", "before", "skip", "skipping", "forget", "ignore"})
# Words a negator's scope runs through to reach what it negates ("no NEED TO lock out").
BRIDGE = frozenset("""
to be been being the a an my your his her their our its it them him this that any even ever really actually just
bother bothering need needs needed have has had going gonna want wanna able will would should could can i we you they
he she about with worry point use time go get also still yet necessarily ok okay allowed supposed too much think reckon
believe mean gotta got i'd i'll we'd we'll you'd there's there is are was were do does did please try trying first
straight immediately right away at all either let
""".split())
NEGATION_WINDOW = 8
# A forbidden action's clause can be long ("I'm not going to poke about inside the cabinet to reset it myself",
# "tell Kwame not to drive onto the leveller or touch the lip with his forks"): the negator reaches further.
NEGATION_WINDOW_WIDE = 12
CLAUSE_BREAKS = frozenset({"but", "and", "then", "so", "because", "until", "after", "before", "once", "when",
                           "while", "if", "unless", "though", "although"})
MAX_GAP = 3
STOPWORDS = frozenset("""
a about above after again all also am an and any are as at be because been before being below between both but by
can could did do does doing down during each few for from further had has have having he her here hers him his how
i if in into is it its just me more most my no nor not now of off on once only or other our out over own same she
should so some such than that the their them then there these they this those through to too under until up very
was we were what when where which while who whom why will with would you your yours first next last get got go
going like really just okay ok well yeah i'd i'll i'm we'd we'll
""".split())
# Words that keep a cue phrase a phrase ("lock out", "take off"): never dropped from a cue.
PARTICLES = frozenset({"out", "off", "on", "up", "down", "in", "over", "away", "back", "round", "around"})
_OBJECTS = frozenset({"it", "them", "this", "that", "him", "her", "everything", "all", "one", "us", "someone",
                      "somebody", "everyone", "everybody"})
DETERMINERS = frozenset({"my", "the", "your", "his", "her", "our", "their", "a", "an", "this", "that"})
# The only words a cue may lose when matched: articles, possessives, object pronouns and the like
# ("stop the conveyor" meets "stop conveyor C2"). Every other word of a cue is needed ("change it
# HERE", "while it RUNS", "top up NOW").
_SOFT = frozenset("""the a an my your his her our their its it them this that these those to of for and then just
some any also in at on by into onto from with""".split())
# A person the scenario names (see grader.drill_synonyms), and the pronouns a cue uses for one.
PERSON = "person:named"
_PERSON_PRONOUNS = frozenset({"him", "her"})
_PERSON_KEYS = frozenset({"him", "her", PERSON})
# Who and how sure: free at the start of a cue ("I'd call the lead"), meaningful inside it ("jacket WILL dry").
_SOFT_AT_START = frozenset("i we you i'd i'll i'm we'd we'll would will".split())
# what follows an act and is said of it: a few words, after another act joined by "or" ("leaving them on the deck
# OR IN THE SKIP isn't happening")
_SAID_OF_IT = r"^[\s,]*(?:(?:or|nor)\s+(?:[\w'-]+\s+){1,5}?)?(?:[\w'-]+\s+){0,3}?"
# what a step or act is declared to be: not needed, not allowed, against the rules
_DECLARED = (
    r"(?:(?:not|n't|no longer|never)\s+(?:really\s+|strictly\s+)?(?:needed|required|necessary|needed|important|"
    r"essential|mandatory|compulsory|a must|worth it)|(?:optional|pointless|unnecessary|overkill|a waste of time|"
    r"not needed|not required|unneeded)|can be (?:skipped|ignored|left out|missed|dropped|forgotten)"
    r"|only\s+(?:needed|required|necessary|done|used)\s+(?:if|when)"
    r"|(?:not|never|n't)\s+(?:allowed|permitted|ok|okay|safe|an option|happening|going to happen|gonna happen)"
    # (second-language English: "sheeting in layby is no, must be gantry", "is no allowed", "is no good")
    r"|(?<=\bis )no\s*(?=[,.;:!?]|$)|(?<=\bis )no\s+(?:allowed|permitted|good|ok|okay|safe|possible)\b"
    r"|(?:forbidden|banned|prohibited|dangerous|"
    r"unsafe|not safe|a no-go|illegal|unlawful|against (?:the |our |site |company )?(?:law|rules|regs|policy|sop|"
    r"procedure)|(?:a )?crime|an offence|"
    # "pumping it over the side is pollution"
    r"pollution|polluting|(?:a\s+)?non-?starter|out of the question|off the table)"
    # left to wait: "Tagging it out and calling the supervisor can wait till we've done the other two turbines"
    # (not someone waiting: "he can wait in the rest room")
    r"|(?<!\bhe )(?<!\bshe )(?<!\bthey )(?<!\bwe )(?<!\byou )(?<!\bi )(?:can|could|will)\s+(?:just\s+)?wait\b)")
_POST_REFUSAL = re.compile(
    _SAID_OF_IT + r"(?:is|are|was|were|'s|be|being)?\s*" + _DECLARED +
    # "topping up now would make it boil over": a consequence, not a plan
    r"|^[\s,]*(?:[\w'-]+\s+){0,3}?(?:would|will|could|can|might)\s+(?:make|cause|mean|lead|result|damage|"
    r"boil|spill|overflow|burn|hurt|kill|break)"
    # "tap water I will not use": the object first, then the refusal
    r"|^[\s,]*(?:i|we)\s+(?:will not|won't|wouldn't|would not|don't|do not|never|shouldn't|must not|mustn't|"
    r"cannot|can't|not|no)\b"  # (and in second-language order: "mask I not need")
    # "… isn't something I'd do", "… is not something we do"
    r"|^[\s,]*(?:[\w'-]+\s+){0,3}?(?:isn't|is not|aren't|are not|'s not|'re not)\s+(?:something|anything)\s+"
    r"(?:that\s+)?(?:i|we)\b",
    re.IGNORECASE)
# an act named as the subject of a rule, however long its words: "Crushing them in his yoghurt isn't allowed",
# "Using a lighter anywhere near the cabinet is against policy"
_RULE_OF_IT = re.compile(r"^[\s,-]*(?:[\w'-]+\s+){0,12}?(?:(?:is|are|'s)\s*(?:" + _DECLARED
                         + r"|a no(?:\s+(?:though|then|from me|mate))?\s*(?=[,.;:!?]|$))"
                         # … or said to do no good: "Putting the cap on won't fix it"
                         r"|(?:won't|will not|wouldn't|would not|doesn't|does not|can't|cannot)\s+(?:fix|help|work|"
                         r"stop|solve|sort|make\s+(?:it|them|that|things|her|him)\s+(?:any\s+)?(?:safe|safer|ok|okay|"
                         r"right|better))\b)", re.IGNORECASE)
_GERUND_LEAD = re.compile(r"(?:^|[,.;:!?]\s*)(?:and\s+|but\s+|so\s+|also\s+)?"
                          r"(?:[\w'-]+(?:'s|s')\s+(?:(?:idea|plan|suggestion|way)\s+of\s+)?)?(?!(?:nothing|something|anything|"
                          r"everything|morning|evening|ceiling|building|during|thing|things|sling|string|spring|"
                          r"ring|king|wing|ping|ding)\b)[A-Za-z]+ing\b(?:\s+[\w'-]+){0,3}\s*$", re.IGNORECASE)
# a forbidden act said as a danger, not done: "taping it down is how people lose fingers", "… gets people hurt"
_DANGER_STATED = re.compile(
    _SAID_OF_IT + r"(?:is|are|was|'s)?\s*"
    r"(?:how\s+(?:people|you|someone|somebody|folk|blokes|lads|operators?|workers?)\s+(?:lose|get|end up|got)\b"
    r"|how\s+accidents\s+happen"
    r"|(?:gets?|got|getting)\s+(?:people|someone|somebody|you|folk|them)\s+(?:hurt|killed|injured|maimed))",
    re.IGNORECASE)
# someone's request or wish, then turned down: "Gav ask me help wind the leg up, I say no", "… and want to carry on
# work, I dont let him"
_TURNED_DOWN = re.compile(
    r"^[^.;!?]{0,60}?(?:[,;:-]\s*(?:but\s+|so\s+)?|\s+but\s+)(?:i|we)\s+(?:say|said|shout|shouted|tell|told)\s+(?:(?:him|her|them)"
    r"\s+)?(?:to\s+)?(?:no|nope|no way|no chance|not a chance|leave it|put it (?:away|back|down)|not to|don't|dont|"
    r"do not)\b"
    r"|^[^.;!?]{0,60}?[,;:-]\s*(?:but\s+)?(?:i|we)\s+(?:don't|dont|do not|won't|wont|will not|wouldn't|would not)\s+"
    r"let\s+(?:him|her|them)\b", re.IGNORECASE)
_ISNT = re.compile(r"\b(?:isn't|aren't|wasn't|is not|are not|was not)\s+(?:really\s+)?"
                   r"(?:needed|required|necessary|important|essential|mandatory)", re.IGNORECASE)
_HEDGE_AFTER = re.compile(
    r"^[\s,]*(?:(?!and\b)[\w'-]+\s+){0,4}?(?:if|when)\s+(?:it's\s+|it\s+is\s+|really\s+)?(?:needed|necessary|required|"
    r"i have to|i need to|i must|it gets worse|it gets bad|there's a problem|there is a problem|it's bad|"
    r"it is bad|needs be|it comes to it|possible|i can\b(?!\s+(?:see|reach|hear|get to))|i remember|i get time|"
    r"i have time)\b",
    re.IGNORECASE)
COUNTERFACTUAL = re.compile(r"\bif\b[^,.;]{0,60}?\b(?:was|were|wasn't|weren't|had|hadn't|did|didn't|could)\b",
                             re.IGNORECASE)
# a turn of events that has not happened yet: "if it gets close", "if it doesn't go away after a few minutes", "if it
# keeps on smoking", "if Bea asks me to"
_LATER_TURN = (r"gets? (?:any |a lot |much |really |very )?(?:bigger|closer|close|nearer|near|out of hand|"
               # (12zzk, 12zzm, 12zzo refiners: "if the smell gets any stronger", "if it comes straight back on", "if
               # Kerry gives me the OK", "if Marcus confirms it's a real fire")
               r"stronger|louder|heavier|hotter|thicker|faster|"
               r"out of control|serious|dangerous|impatient|angry|upset|annoyed|aggressive|agitated|stroppy|arsy|"
               r"shirty|violent|abusive|nasty|pushy|cross|mad|difficult|worried|scared|panicky)|spreads?|"
               r"comes? (?:straight |right |back )?(?:back )?on|trips? again|"
               r"gives? (?:me |us )?(?:the |a |his |her |their )?(?:ok|okay|go-ahead|go ahead|nod|green light|thumbs up)|"
               r"confirms?|approves?|(?:says?|said) (?:ok|okay|yes|so|go)\b|"
               r"keeps? (?:on )?\w+ing|(?:doesn't|does not|don't|won't) (?:go away|stop|settle|"
               r"calm down|get better|go out)|asks?(?: me)?(?: to)?|asked me to|tells? me to|told me to|wants? me to|"
               r"wanted me to|turns? out|(?:starts?|begins?) (?:to \w+|\w+ing)|catch(?:es)? fire|"
               # (symptoms still to come: "if he goes pale", "if he looks off colour", "if she shows any symptoms":
               # 12zzz refiner)
               r"(?:goes|go|turns?|looks?|gets?|seems?|feels?|becomes?|starts? (?:to )?(?:look|looking|feel|feeling|"
               r"get|getting))\s+(?:a bit |at all |any )?(?:pale|grey|gray|blue|off colour|off color|drowsy|sleepy|"
               r"floppy|unwell|ill|poorly|sick|worse|funny|dizzy|faint|confused|clammy|breathless|unresponsive|"
               r"wobbly|peaky|rough|bad)\b|(?:is|gets|being) sick\b|throws? up|vomits?|"
               r"shows? (?:any )?(?:signs?|symptoms?)|(?:develops?|gets?|has|have) (?:any )?symptoms?|"
               r"(?:goes|go|heads?|comes?|runs?|moves?|gets?|walks?)\s+(?:towards?|for|near|at|closer|into|onto|over to)|"
               # (still so after a while: "if it's still dripping after ten minutes")
               r"(?:still\s+[\w-]+(?:ing|ed)?|still\s+there)\s+(?:(?:after|in|by)\s+(?:a|an|the|my|his|her|our|\d+|ten|"
               r"five|two|three|fifteen|twenty|thirty|half|few|couple|lunch|break)|tomorrow|later|tonight|next"
               # (… or at a time: "if it's still alarming at 04:00")
               r"|at\s+(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|noon|midnight|the end|"
               r"half|quarter))\b|"
               # (not put right by then: "if the hiss hasn't stopped in a few minutes"; nobody turning up by then: "if
               # nobody's come back for it in the next ten minutes", "if no one has turned up by six")
               r"(?:(?:hasn't|has not|haven't|have not)\s+(?:[\w-]+ed|gone|stopped|settled|cleared)"
               r"|(?:nobody|no one|no-one|noone)(?:'s|\s+has|\s+have)\s+(?:[\w-]+ed|come|turned|shown|been)"
               r"(?:\s+[\w'-]+){0,3}?)\s+(?:in|after|by|within)\b"
               # (someone not back or found by then, or not found yet: "if he's not there in a few minutes", "if I
               # haven't found him": 12zzi refiner)
               r"|(?:(?:'s|is|are|'re)\s+not|isn't|aren't)\s+(?:there|back|here|found|about|around)\s+(?:in|after|by|within)\b"
               r"|(?:haven't|have not|still can't|still cannot)\s+(?:find|found|spot|spotted|seen)\b")
# from the step on, within its clause (up to a comma, a full stop or "but", "then", "so", "and I" …); an "even if"
# concedes a case and keeps the step ("we do the e-stop tests even if it was fine yesterday": 12zzg refiner)
_SAME_CLAUSE = r"^(?:(?!\b(?:but|then|so|and i|and i'd|and we|and if|and when|and once|and in case)\b)[^.;:!?,]){0,60}?"
_IF_ONLY_AFTER = re.compile(
    _SAME_CLAUSE + r"(?<!ask )(?<!asks )(?<!check )(?<!see )"
    r"(?<!know )(?<!even )\bif\s+(?:[\w'-]+\s+){1,3}?"
    r"(?:had|was|were|could|did|would|agreed?|agrees|allows?|lets|let me|says? so|said so|okays?|ok's|"
    r"gets? (?:any )?worse|got (?:any )?worse|goes wrong|went wrong|passes out|passed out)\b"
    # something not yet known: "… if there is more than one needle", "… if there's another jam"
    r"|" + _SAME_CLAUSE + r"(?<!even )\bif\s+there(?:'s|\s+is|\s+are|\s+were)\s+"
    r"(?:any\s+)?(?:more|another|other|a second|others|still)\b",
    re.IGNORECASE)
# the sentence opens with a case that has not happened: "If it got any worse I'd …", "If he passes out, call …"
_IF_FIRST = re.compile(
    r"^\s*(?:and |but |so |then )?if\b[^,.;]{0,60}?\b(?:was|were|wasn't|weren't|had|hadn't|did|didn't|"
    r"could|got|went|gets? (?:any )?worse|goes wrong|passes out|collapses|starts? to|"
    # (someone else's judgement: "If Leo's mum thinks it's serious, then I'd use the Jext": 12zzi refiner)
    r"thinks|reckons|decides|agrees|says so|okays)\b"
    # (a case in the past tense, with "I'd" after it: "If Dev knew the password I'd ring mum": 12zzi refiner)
    r"|^\s*(?:and |but |so |then )?if\b[^,.;]{0,60}?\b(?:knew|thought|wanted|looked|seemed|said|came|felt|needed|"
    r"turned up|showed|answered)\b[^.;]{0,40}?\b(?:i'd|i would|we'd|we would)\b"
    # (or time to spare: "If there's time before 22:00 I'll do eight chains", "if I get time")
    r"|^\s*(?:and |but |so |then )?if\s+(?:there(?:'s|\s+is)|(?:i|we)(?:'ve|\s+have)?\s+(?:got|get|have))\s+"
    r"(?:the\s+|enough\s+)?time\b", re.IGNORECASE)
# … or with a turn of events that has not happened yet, before or after the step: kept for later, not done now
_IF_FIRST_LATER = re.compile(r"^\s*(?:and |but |so |then )?if\b[^,.;]{0,60}?\b(?:" + _LATER_TURN + r")\b", re.IGNORECASE)
_IF_AFTER_LATER = re.compile(
    _SAME_CLAUSE + r"(?<!even )\bif\s+(?:[\w'-]+\s+){1,3}?(?:"
    + _LATER_TURN + r")\b(?!\s+(?:[\w'-]+\s+){0,2}?then\b)", re.IGNORECASE)  # (not "… if it keeps going THEN go")
# the fault coming back, a case for later when the step is planned for it ("If it faults a second time then I'd call
# the fitter", "I'd isolate it if it stalls again"); not an order for the case at hand ("if it jam again press the
# stop"), nor the last step of a list kept for it with "only" ("tag it and tell the lead only if it happens again")
_AGAIN = r"(?:[\w'-]+\s+){0,2}(?:again|a (?:second|2nd|third|3rd) time|another time|twice)\b"
_IF_FIRST_AGAIN = re.compile(r"^\s*(?:and |but |so |then )?if\b[^,.;]{0,60}?\b" + _AGAIN +
                             r"(?:[^.;!?]*?\b(?:i'd|i would|i will|i'll|we'd|we would|we will|we'll|then|i|we)\b"
                             r"|[\s,]*$)", re.IGNORECASE)  # (or cut off by "then": "If it faults again | then I'd …")
_IF_AFTER_AGAIN = re.compile(_SAME_CLAUSE + r"(?<!only )(?<!even )\bif\s+(?:[\w'-]+\s+){1,3}?" + _AGAIN, re.IGNORECASE)
# "only when/once/after" and its clause: the step's time, unless a turn still to come ("… only when it happens again")
_ONLY_IN_CLAUSE = r"^(?:(?!\b(?:and|then|but)\b)[^,.;:!?]){0,40}?\bonly\s+"
_ONLY_WHEN = re.compile(_ONLY_IN_CLAUSE + r"(?:when|once|after)\b([^,.;:!?]*)", re.IGNORECASE)
_LATER_OR_AGAIN = re.compile(r"\b(?:" + _LATER_TURN + r")\b|" + _AGAIN, re.IGNORECASE)
_CONDITION_AFTER = re.compile(r"\b(?:if|when|unless|in case)\b", re.IGNORECASE)
# the condition right after the step, in the same clause: "… and do a near miss only if something happened"
_ONLY_IF_AFTER = re.compile(_ONLY_IN_CLAUSE + r"(?:if|when|in case|once)\b",
                            re.IGNORECASE)


_SHORT_CONTRACTIONS = frozenset({"it", "he", "we", "us"})


_USE = frozenset({"use", "using", "used", "uses"})
_EE_VERBS = frozenset({"agree", "disagree", "free", "guarantee", "referee", "decree", "knee", "pee"})


def _short_e_verb(rest: str) -> bool:
    """Whether what is left of a word after -ing, -ed or -es is a short word that ends in a silent e ("typ" of
    "typing", "wip" of "wiped"): consonant, vowel, consonant. A short verb without the e doubles its last letter
    ("tapping", "stopped"), and none ends in w, x or y ("fixed", "towed")."""
    return len(rest) == 3 and rest[0] not in "aeiou" and rest[1] in "aeiouy" and rest[2] not in "aeiouwxy"


def stem(word: str) -> str:
    """A light, predictable stemmer: plurals and common verb endings."""
    if len(word) == 4 and word.endswith("'s") and word[:2] not in _SHORT_CONTRACTIONS:
        return word[:2]  # a two-letter name's possessive: "QA's signature", "the EV's plug"
    if len(word) > 4 and word.endswith("'s"):
        word = word[:-2]  # a possessive or "is": the word itself ("Dionne's" is "Dionne", "here's" no "her")
    word = word.replace("'", "")
    if word in _USE:
        return "use"
    if word.endswith("ees"):
        return word[:-1]  # "agrees", "trees", "degrees": the word's own -ee
    if word.endswith("eed"):
        # no past tense ("bleed", "speed", "proceed"), unless of a verb that ends in -ee ("agreed", "freed")
        return word[:-1] if word[:-1] in _EE_VERBS else word
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + keep
            if suffix in ("ing", "ed", "es") and _short_e_verb(word) and not (suffix == "es" and word[-1] in "sz"):
                return word + "e"  # "typing", "typed", "types" are "type" ("tapping" keeps its double p: "tap")
            break
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiou":
        word = word[:-1]  # stopped -> stopp -> stop
    if len(word) > 4 and word.endswith("e") and not word.endswith("ee"):
        word = word[:-1]  # isolate, isolated, isolating -> isolat
    return word


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower().replace("’", "'"))


def _base_words(raw: str) -> list[str]:
    """What one typed token stands for, as plain words (abbreviations expanded, irregular verbs based)."""
    word = raw.replace("’", "'")
    expanded = lexicon.ABBREVIATIONS.get(word, word)
    return [lexicon.IRREGULAR.get(w, w) for w in expanded.split()]


def plain_words(text: str) -> list[str]:
    """The words of *text* as the grader reads them, unstemmed: "dont chk" is ["don't", "check"]."""
    return [w for t in tokens(text) for w in _base_words(t)]


def norm(text: str) -> list[str]:
    return [stem(w) for w in plain_words(text)]


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau–Levenshtein distance (optimal string alignment: a swap of two neighbours counts one), or
    ``limit + 1`` as soon as it must exceed *limit*. Words here are short and the vocabulary one drill's,
    so this small loop is enough (a fuzzy-matching library added 12 MB to the packaged app)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] | None = None
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + (ca != cb))
            if before is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        before, row = row, current
    return row[-1]


class _SortedWords:
    """A sorted word list kept as one block of bytes with an index (about 0.8 MB, where a set of the
    same 60,000 words takes 7 MB of a shared PC's memory); ``word in words`` is a binary search."""

    def __init__(self, blob: bytes):
        self.blob = blob
        self.starts = array("I", [0, *(i + 1 for i, b in enumerate(blob) if b == 10)])

    def _word(self, i: int) -> bytes:
        end = self.blob.find(b"\n", self.starts[i])
        return self.blob[self.starts[i]:end if end >= 0 else len(self.blob)]

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str):
            return False
        key = word.encode("utf-8", "replace")
        i = bisect_left(range(len(self.starts)), key, key=self._word)
        return i < len(self.starts) and self._word(i) == key

    def __len__(self) -> int:
        return len(self.starts)


@lru_cache(maxsize=1)
def english_words() -> _SortedWords:
    """Real English words of five or more letters (SCOWL, see core/data/SCOWL-COPYRIGHT.txt)."""
    data = resources.files("drillpad.core").joinpath("data/english-words.txt.gz").read_bytes()
    return _SortedWords(gzip.decompress(data).rstrip(b"\n"))


@dataclass(frozen=True)
class Span:
    sentence: int
    start: int  # char offset in the original text
    end: int


@dataclass(frozen=True)
class Unit:
    keys: frozenset[str]
    first: int  # index of its first word in the sentence
    last: int   # index of its last word
    negator: bool = False
    bridge: bool = False
    stop: bool = False
    inner: frozenset[str] = frozenset()  # meanings of an object inside a phrase ("give JORDAN a bell")
    soft: bool = False  # an article, possessive or object pronoun: free to skip
    particle: bool = False  # a cue's phrasal-verb particle after its object ("take the pad OFF")
    after_object: bool = False  # a cue's particle after "it" ("top it UP"): a short object may stand there


@dataclass(frozen=True)
class Sentence:
    index: int
    start: int
    text: str
    words: list[str]  # raw lower-case tokens
    stems: list[str]
    offsets: list[tuple[int, int]]
    units: list[Unit] = field(default_factory=list)
    by_key: dict[str, list[int]] = field(default_factory=dict)  # meaning -> positions of units carrying it
    next_text: str = ""  # the sentence after this one ("… I'd stop. Otherwise I'd carry on")
    prev_text: str = ""  # the one before ("If it starts smoking | then I'd press the stop")

    def __post_init__(self) -> None:
        for i, u in enumerate(self.units):
            for k in u.keys:
                self.by_key.setdefault(k, []).append(i)

    def cut_at_then(self) -> bool:
        """Whether the sentence was cut from the one before at "then", with no stop between ("If it starts smoking |
        then I'd press the stop", "wait till it stops | then open it")."""
        return bool(self.prev_text) and not re.search(r"[.!?;\n]\s*$", self.prev_text)

    def where(self, keys: frozenset[str]) -> list[int]:
        """Positions of the units carrying any of *keys*, in order."""
        found = [i for k in keys for i in self.by_key.get(k, ())]
        return sorted(set(found)) if len(keys) > 1 else found


def pieces(text: str) -> list[tuple[int, str]]:
    """The sentences of *text* as (offset, text), before any word is read."""
    pos, out = 0, []
    for m in _SENTENCE.finditer(text):
        out.append((pos, text[pos:m.start()]))
        pos = m.end()
    out.append((pos, text[pos:]))
    return out


_ARTICLE_STEMS = frozenset(stem(w) for w in ("the", "a", "an"))
# keeping oneself clear takes no object, whichever group also holds the phrase ("back the carriage off")
_SELF_MOTION = frozenset(tuple(norm(t)) for t in lexicon.CONCEPTS["keep-clear"])


class Synonyms:
    """The phrase knowledge used to read answers: the pack's synonym groups (which win), the
    built-in lexicon, and the extra groups of one drill (people named in the scenario)."""

    def __init__(self, groups: Iterable[Sequence[str]] = (), *, use_lexicon: bool = True,
                 vocabulary: Iterable[str] = ()):
        self.groups = [list(g) for g in groups]
        self.use_lexicon = use_lexicon
        self._phrases: dict[str, list[tuple[tuple[str, ...], frozenset[str]]]] = {}
        self._words: dict[str, set[str]] = {}
        for i, g in enumerate(self.groups):
            self._add_group(f"syn:{i}", g, pack=True)
        if use_lexicon:
            for name, members in lexicon.CONCEPTS.items():
                self._add_group(f"lex:{name}", members, pack=False)
        for first in self._phrases:
            self._phrases[first].sort(key=lambda p: -len(p[0]))
        self._self_motion = _SELF_MOTION if use_lexicon else frozenset()
        self.vocabulary: set[str] = set(vocabulary)
        self._spell_cache: dict[str, str] = {}
        self._cue_cache: dict[str, list[Unit]] = {}

    def _add_group(self, key: str, members: Iterable[str], *, pack: bool) -> None:
        for term in members:
            stems = tuple(norm(term))
            if not stems:
                continue
            if len(stems) == 1:
                self._words.setdefault(stems[0], set()).add(key)
            else:
                self._phrases.setdefault(stems[0], []).append((stems, frozenset({key})))
                # the phrase said without its article, as second-language English and voice typing do ("I open
                # door" is "open the door")
                bare = stems[:1] + tuple(w for w in stems[1:] if w not in _ARTICLE_STEMS)
                if len(bare) < len(stems) and len(bare) > 1:
                    self._phrases[stems[0]].append((bare, frozenset({key})))

    def with_extra(self, vocabulary: Iterable[str] = (), aliases: dict[str, frozenset[str]] | None = None
                   ) -> "Synonyms":
        """A copy that also corrects spelling towards *vocabulary* and reads each word of *aliases*
        as having those meanings too (a person named in the scenario as their role)."""
        out = Synonyms(self.groups, use_lexicon=self.use_lexicon, vocabulary=set(vocabulary) | self.vocabulary)
        for word, keys in (aliases or {}).items():
            out._words.setdefault(stem(word), set()).update(keys)
        return out

    def splitting_phrases_over(self, cues: Iterable[str]) -> "Synonyms":
        """A copy that reads as their single words the lexicon's phrases that swallow words one of *cues* needs apart
        (each cue read as the stems of its " + " parts, in order, articles left out): a phrase ending in the words a
        part begins with ("back to the kiosk" is said in "nip back to the kiosk", which "go back to", carrying on,
        would otherwise swallow), or one whose words are in two parts ("open + fire door" in "open the fire door", read
        as "open … door" with "fire" inside). The pack's own phrases stay whole; so does a phrase that begins with a
        part's last word ("lift | out of use" is no "lift out"). Itself if none is split."""
        read = [tuple(tuple(stem(w) for w in plain_words(part) if w not in ("the", "a", "an")) for part in q.split("+"))
                for q in cues]
        heads = {part[:k] for cue in read for part in cue for k in range(1, len(part) + 1)}
        spread = [[set(part) for part in cue] for cue in read if len(cue) > 1]

        def spans(p: set[str], cue: list[set[str]]) -> bool:
            # (and cuts a part of several words: "fire door"; not "get + cylinder + out" in "get everyone out")
            held = [part for part in cue if p & part]
            return len(held) > 1 and p <= set().union(*cue) and any(len(part) > 1 and not part <= p for part in held)

        def split(p: tuple[str, ...], keys: frozenset[str]) -> bool:
            return any(k.startswith("lex:") for k in keys) and (
                any(p[k:] in heads for k in range(1, len(p) - 1)) or any(spans(set(p), cue) for cue in spread))

        kept = {first: [(p, k) for p, k in group if not split(p, k)] for first, group in self._phrases.items()}
        if all(len(kept[f]) == len(g) for f, g in self._phrases.items()):
            return self
        out = copy.copy(self)
        out._phrases = kept
        out._cue_cache = {}
        return out

    def meanings(self, phrase: str) -> frozenset[str]:
        """Every meaning the units of *phrase* carry (used to find a person's role in a scenario)."""
        raw = plain_words(phrase)
        return frozenset(k for u in self.units([stem(w) for w in raw], raw) for k in u.keys)

    # -- spelling ------------------------------------------------------------------------------
    def correct(self, word: str) -> str:
        """A misspelt word of 5+ letters, matched to the closest vocabulary word, else itself."""
        if len(word) < 5 or not self.vocabulary or word in self.vocabulary or not word.isalpha():
            return word
        if word in self._spell_cache:
            return self._spell_cache[word]
        out = word
        if word not in english_words() and stem(word) not in self.vocabulary:
            limit = 1 if len(word) < 8 else 2
            scored = [(d, v) for v in sorted(self.vocabulary) if abs(len(v) - len(word)) <= limit
                      and (d := edit_distance(word, v, limit)) <= limit]
            if scored:
                out = min(scored)[1]  # the closest; on a tie the first in alphabetical order, every time
        self._spell_cache[word] = out
        return out

    # -- units ---------------------------------------------------------------------------------
    def units(self, stems: list[str], raw: list[str], breaks: frozenset[int] = frozenset()) -> list[Unit]:
        """Group *stems* into units: the longest phrase known at each position, with every meaning
        of it; a two-word phrase may have an object between ("lock it out", "write it down"). No phrase
        reaches over punctuation before a word whose index is in *breaks* ("nobody saw - that's 999" holds no
        "see that")."""
        out: list[Unit] = []
        i = 0
        n = len(stems)
        while i < n:
            best: tuple[int, int, set[str]] | None = None  # (end index, phrase length, keys)
            for phrase, keys in self._phrases.get(stems[i], ()):
                m = len(phrase)
                end, obj = None, 0
                if tuple(stems[i:i + m]) == phrase:
                    end = i + m - 1
                elif (stems[i] in _ACTION_STEMS or keys & VERB_KEYS) \
                        and not (stems[i] == "get" and i + 1 < n and raw[i + 1].endswith("ed")) \
                        and not (phrase in _NO_OBJECT_INSIDE and i + 1 < n and raw[i + 1] not in _HOW_HARD):
                    # a verb phrase with its object inside: "lock it out", "give Jordan a bell", "let my sup know"
                    # (not a thing's name: "forks, turn truck off" holds no "fork truck"; nor keeping oneself clear,
                    # which takes no object: "back the carriage off the log"; nor a passive: "the smoke gets pulled
                    # away")
                    obj = self._object_at(stems, raw, i + 1)
                    if phrase in self._self_motion and not set(raw[i + 1:i + 1 + obj]) <= _HOW_FAR:
                        obj = 0  # "stand WELL back", but not "back THE CARRIAGE off"
                    if obj == 1 and raw[i + 1] in ("it", "them") and i + 2 < n and raw[i + 2] in _FREE_BEFORE_PARTICLE:
                        obj += 1  # "hose it ALL down", "lock it RIGHT off"
                    if obj and tuple(stems[i + 1 + obj:i + m + obj]) == phrase[1:] and not (
                            stems[i] == "carry" and i + m + obj < n and raw[i + m + obj] in DETERMINERS):
                        end = i + m - 1 + obj  # (not "carry it ON MY shoulder": a place, not "carry on")
                if end is None or any(k in breaks for k in range(i + 1, end + 1)):
                    continue
                if best is None or m > best[1]:
                    best = (end, m, set(keys), obj)
                elif m == best[1] and end == best[0]:
                    best[2].update(keys)
            if best is not None:
                end, m, keys, obj = best
                inner = set()
                for k in range(i + 1, i + 1 + obj):  # the object keeps its meaning ("Jordan" is the shift lead)
                    if raw[k] not in STOPWORDS or raw[k] in _PERSON_PRONOUNS:
                        inner |= {stems[k]} | self._words.get(stems[k], set())
                phrase_key = " ".join(s for k, s in enumerate(stems[i:end + 1]) if not (0 < k <= obj))
                keys |= {phrase_key} | self._words.get(phrase_key.replace(" ", ""), set())
                # a phrase led by a negator is still one ("I WON'T MOVE the bin or open the lid": "won't move" is
                # also "it won't move" the idiom); "no one" is the person nobody (see negated: negative concord)
                led = raw[i].split("'")[0] in NEGATORS or raw[i].endswith("n't")
                out.append(Unit(frozenset(keys | inner), i, end, inner=frozenset(inner),
                                negator=led and ("lex:nobody" not in keys or raw[i] == "no")))
                i = end + 1
                continue
            word, s = raw[i], stems[i]
            if i + 1 < n and (word, raw[i + 1]) in NEGATOR_PHRASES:
                out.append(Unit(frozenset({s + " " + stems[i + 1]}), i, i + 1, negator=True))
                i += 2
                continue
            keys = {s} | self._words.get(s, set())
            if i > 0 and raw[i - 1] in _POSSESSIVES:
                # "my phone", "her radio": the device, not the verb ("call")
                keys = {k for k in keys if not (k.startswith("lex:") and k in VERB_KEYS)} | {s}
            if word in ("gaffer", "gaffa") and (i + 1 < n and raw[i + 1] in _GAFFER_TAPE_AFTER
                                                or i > 0 and raw[i - 1] in ("with", "some", "of", "bit")):
                keys = {s, "tape"}  # the tape, not the boss: "gaffer it", "with gaffer", "some gaffer tape"
            # "skip the lockout" refuses it; "in the skip", "the general skip" is a waste skip
            thing = i > 0 and is_a_thing(word, raw[i - 1])
            out.append(Unit(frozenset(keys), i, i, negator=(word.split("'")[0] in NEGATORS or word.endswith("n't"))
                            and not thing,
                            bridge=word in BRIDGE or s in BRIDGE, stop=word in STOPWORDS, soft=word in _SOFT))
            i += 1
        return out

    def cue_units(self, term: str) -> list[Unit]:
        """The content units of one cue term (function words dropped unless nothing else is left)."""
        hit = self._cue_cache.get(term)
        if hit is None:
            hit = self._cue_cache[term] = self._cue_units(term)
        return hit

    def _cue_units(self, term: str) -> list[Unit]:
        raw = plain_words(term)
        stems = [stem(w) for w in raw]
        units = self.units(stems, raw)
        # a cue of one word after "my", "the" … names a thing: "my phone" is the device, not the verb "call" (a
        # phrase with the word in it still says it: "get on the RADIO")
        units = [replace(u, keys=(frozenset(k for k in u.keys if not (k.startswith("lex:") and k in VERB_KEYS))
                                  | self._phrases_with(stems[u.first])) or u.keys)
                 if len(raw) == 2 and u.first == u.last == 1 and raw[0] in DETERMINERS else u for u in units]
        # a verb's particle may have a short object before it: written so ("top it up"), or ending the cue right
        # after its verb ("sit up": "sit him up", "keep back": "keep Tom back")
        units = [replace(u, after_object=True) if u.first == u.last and raw[u.first] in PARTICLES and u.first > 0
                 and (raw[u.first - 1] in ("it", "them") or (u is units[-1] and len(units) > 1
                                                             and stems[u.first - 1] in _ACTION_STEMS))
                 else u for u in units]
        lead = 0
        while lead < len(units) and units[lead].first == units[lead].last and raw[units[lead].first] in (
                _SOFT | _SOFT_AT_START):
            lead += 1
        # (a word ending the cue after a particle, or a particle ending it after a verb, keeps its meaning: "go back
        # IN", "go back FOR", "hop ON")
        last = units[-1] if units else None
        kept = last if last is not None and last.first == last.last and last.first > 0 and (
            raw[last.first - 1] in PARTICLES or (raw[last.first] in PARTICLES
                                                   and stems[last.first - 1] in _ACTION_STEMS)) else None
        content = [u for u in units[lead:] if u is kept or not (u.first == u.last and raw[u.first] in _SOFT)]
        if all(u.stop for u in content) or (len(content) == 1 and len(units) >= 3):
            # "on my own", "in the lift", "it will dry": one word left would match far more than the
            # author meant, so every word of the phrase is needed
            content = units
        # "turn the gas off": the phrase (or its verb alone: "take a couple of pallets off"), then its
        # object, inside the answer's phrase or after it
        out: list[Unit] = []
        for u in content:
            if u.inner:
                verb = {stems[u.first]} | self._words.get(stems[u.first], set())
                out += [replace(u, keys=(u.keys - u.inner) | verb, inner=frozenset()),
                        replace(u, keys=u.inner, inner=frozenset())]
                if raw[u.last] in PARTICLES:
                    # the particle is part of the meaning ("take the pad OFF" is not "take a pad"): it follows the
                    # object at once, or it ends the answer's own phrase ("take off the pad", "switch it off")
                    # (its inner: the bare verb's meanings; a word meeting the phrase otherwise — "REMOVE the pad" —
                    # has the particle in it)
                    out.append(Unit(frozenset({stems[u.last]}), u.last, u.last, stop=True, particle=True,
                                    inner=frozenset(verb)))
            else:
                out.append(u)
        # a cue's "him" or "her" is any person the scenario names ("help him up": "help Kofi up"); a name in a
        # cue is that person only
        out = [replace(u, keys=(u.keys | _PERSON_KEYS) if u.keys & _PERSON_PRONOUNS else u.keys - {PERSON})
               for u in out]
        # a cue word also accepts the narrower words of its meaning ("tell" is met by "ring")
        return [replace(u, keys=u.keys | frozenset(f"lex:{b}" for k in u.keys if k.startswith("lex:")
                                                   for b in lexicon.BROADER.get(k[4:], ())))
                for u in out]

    def _phrases_with(self, word: str) -> frozenset[str]:
        """The phrases of the lexicon and the pack that hold *word* (a stem), as unit keys."""
        return frozenset(" ".join(p) for group in self._phrases.values() for p, _ in group if word in p)

    @staticmethod
    def _object_at(stems: list[str], raw: list[str], k: int) -> int:
        """How many words at *k* are a short object: a pronoun, one word, or "my/the" + one word."""
        if k >= len(stems) or raw[k] in CLAUSE_BREAKS or raw[k] in NEGATORS or raw[k] in _WHEN_WORDS:
            return 0  # (nor a word of time: "stop loading NOW, maze close" holds no "loading maze")
        if raw[k] in DETERMINERS and k + 1 < len(stems) and raw[k + 1] not in CLAUSE_BREAKS:
            return 2
        return 1

    # kept for the gate and older callers: the set of phrases a phrase may stand for
    def variants(self, phrase: tuple[str, ...]) -> set[tuple[str, ...]]:
        return {phrase}


_DASH = r"[–—]|\s-+\s"  # (not the hyphen inside "stop-button")
_PUNCTUATION_BREAK = re.compile(r"[;:()]|" + _DASH)  # (not a comma: "get the office on the VHF, 80")
_CLAUSE_PUNCTUATION = re.compile(r"[,:()]|" + _DASH)
_SIDE_OF = frozenset("hand side engine wing door lane turn aisle leg arm eye foot knee shoulder wheel".split())
_BEFORE_SIDE = DETERMINERS | {"on", "to", "your", "my", "his", "her"}


def split_sentences(text: str, synonyms: Synonyms | None = None) -> list[Sentence]:
    synonyms = synonyms or plain_synonyms()
    out: list[Sentence] = []
    for start, chunk in pieces(text):
        low = chunk.lower().replace("’", "'")
        words: list[str] = []
        offsets: list[tuple[int, int]] = []
        for m in _TOKEN.finditer(low):
            for w in _base_words(m.group(0)):
                words.append(synonyms.correct(w))
                offsets.append((start + m.start(), start + m.end()))
        if words:
            words, offsets = _spelt_out(words, offsets)
            # "going to the locker" is a "go to"; "going to lock it" is no going anywhere
            words = ["go" if w == "going" and i + 2 < len(words) and words[i + 1] == "to"
                     and words[i + 2] in DETERMINERS else w for i, w in enumerate(words)]
            # "the LEFT engine", "on the left side": the side, not the verb "leave"
            words = ["left" if w == "leave" and low[offsets[i][0] - start:offsets[i][1] - start] == "left" and (
                (i > 0 and words[i - 1] in _BEFORE_SIDE)
                or (i + 1 < len(words) and words[i + 1] in _SIDE_OF)) else w for i, w in enumerate(words)]
            stems = [stem(w) for w in words]
            breaks = frozenset(i for i in range(1, len(words))
                               if _PUNCTUATION_BREAK.search(low[offsets[i - 1][1] - start:offsets[i][0] - start]))
            out.append(Sentence(len(out), start, chunk, words, stems, offsets,
                                _spoken_to(synonyms.units(stems, words, breaks), words, chunk)))
    for before, after in zip(out, out[1:]):
        object.__setattr__(before, "next_text", after.text)
        object.__setattr__(after, "prev_text", before.text)
    return out


def _letter_run(words: list[str], i: int, *, after_a: bool = False) -> int:
    """Where a run of single letters from *words[i]* ends (never "i"; "a" only inside the run, or, *after_a* (the run
    opened by an "a" at *i*), nowhere after it)."""
    j = i + after_a
    while j < len(words) and len(words[j]) == 1 and words[j].isalpha() and words[j] != "i" \
            and (words[j] != "a" or (j > i and not after_a)):
        j += 1
    return j


def _spelt_out(words: list[str], offsets: list[tuple[int, int]]) -> tuple[list[str], list[tuple[int, int]]]:
    """Letters that voice typing spells out, read as one word: "the m c c" is "mcc", "the a e d" "aed" (never
    "i"; "a" only at the head of three or more)."""
    if sum(len(w) == 1 for w in words) < 2:
        return words, offsets
    out_w: list[str] = []
    out_o: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        j = _letter_run(words, i)
        if j == i and words[i] == "a":  # "a e d": "a" may open a run of three
            j = _letter_run(words, i, after_a=True)
            if j - i < 3:
                j = i
        if j - i >= 2:
            out_w.append("".join(words[i:j]))
            out_o.append((offsets[i][0], offsets[j - 1][1]))
            i = j
        else:
            out_w.append(words[i])
            out_o.append(offsets[i])
            i += 1
    return out_w, out_o


_VOCATIVE = re.compile(r"\s*[\w']+\s*(?:,|[-–—]\s|:)(?!\s*(?:(?i:and|or)\b|[A-Z][a-z]+\s*(?:,|(?i:and|or)\b)))")


def _spoken_to(units: list[Unit], words: list[str], chunk: str) -> list[Unit]:
    """A sentence that opens by calling someone the scenario names ("Amara, I'm sorry but I have to stop here") is
    the trainee telling them: the name carries the telling too, with the person as its object (see _find)."""
    if units and PERSON in units[0].keys and units[0].first == units[0].last == 0 and _VOCATIVE.match(chunk) \
            and not (len(words) > 1 and words[1] in ("and", "or")):
        u = units[0]
        units = [replace(u, keys=u.keys | _TELL_KEYS, inner=u.keys), *units[1:]]
    return units


_TELL_KEYS = frozenset({"lex:tell", "tel"})


@lru_cache(maxsize=1)
def plain_synonyms() -> Synonyms:
    """The lexicon's synonyms and no pack's: one object, made once."""
    return Synonyms()


def _find(units: list[Unit], cue: list[Unit], sentence: Sentence | None = None) -> list[tuple[int, int]]:
    """Every (first, last) unit index where *cue*'s units appear in order, neighbours at most
    MAX_GAP units apart."""
    found = []
    # how many units a neighbour may be away, function words included: a cue opening with a verb of its own reaches
    # over an object's "of" phrase ("finish the last couple of lines on the order"); "get", "go" do not
    reach = 2 * MAX_GAP if cue[0].stop else 3 * MAX_GAP
    starts = sentence.where(cue[0].keys) if sentence is not None else [
        i for i, u in enumerate(units) if u.keys & cue[0].keys]
    for i in starts:
        u = units[i]
        pos, ok, inside = i, True, bool(u.inner)
        # (what the one someone gets to do is that verb's: "GET the fire brigade to fetch the keys")
        causative = sentence is not None and sentence.stems[u.first] in _CAUSATIVE
        for k, c in enumerate(cue[1:]):
            if inside and units[pos].inner & c.keys:
                inside = False  # "give Jordan a bell" is both the call and the person
                continue
            if c.particle and sentence is not None and (
                    sentence.stems[units[i].last] in c.keys or sentence.stems[units[pos].last] in c.keys
                    or not units[i].keys & c.inner):
                continue  # the answer's own phrase holds it: "take OFF the pad", "switch the steam OFF"
            inside = False
            skipped = 0  # words between that carry meaning; "the", "it", "right", "there" are free
            # a verb's particle ("top it UP") may have a short object before it ("top the cells up"); any other
            # function word of a cue ("in one GO", "walk it OVER") follows at once
            phrasal = c.after_object and bool(cue[k].keys & VERB_KEYS)
            weak = c.stop and not c.particle and not phrasal
            limit = 2 if phrasal else MAX_GAP
            for j in range(pos + 1, min(len(units), pos + 2 + reach)):
                if sentence is not None and (_clause_break(sentence, units[j - 1], units[j]) or _condition_at(
                        sentence, j) or (sentence.words[units[j].first] in _NEW_SUBJECT
                        and sentence.words[units[j - 1].first] in ("and", "then", "so", "while"))):
                    # a cue is said within one clause: "change point, not swapping it in aisle", "tell him to wait
                    # and I go to the gatehouse" (he is not told to go)
                    ok = False
                    break
                if causative and j > i + 1 and j + 1 < len(units) and sentence.words[units[j].first] == "to" \
                        and units[j + 1].keys & VERB_KEYS and not units[j + 1].keys & c.keys \
                        and not units[j].keys & c.keys:
                    ok = False  # what follows is another verb's: "get the fire brigade TO FETCH the keys" is no
                    break  # "get the keys"; "stop trying TO FIX the conveyor" no "stop the conveyor"
                if units[j].keys & c.keys:
                    if sentence is not None and _told_someone_else(sentence, pos, j):
                        ok = False  # "tell HIM Sam is behind": Sam is not the one told
                        break
                    pos = j
                    break
                if units[j].negator or (weak and not units[j].soft and not (
                        sentence is not None and sentence.words[units[j].first] in _FREE_BEFORE_PARTICLE)) or (
                        phrasal and sentence is not None and (units[j].keys & VERB_KEYS
                                                              or sentence.words[units[j].first] in _BE_GO)):
                    ok = False  # (an object, not another verb: "tape GOES up", "the lift IS down")
                    break
                skipped += not units[j].stop
                if skipped > limit:
                    ok = False
                    break
            else:
                ok = False
            if not ok:
                break
        if ok:
            found.append((i, pos))
    return found


# verbs whose object is then told to do something: "GET the fire brigade to fetch the keys"
_CAUSATIVE = frozenset(stem(w) for w in "get ask tell have help want need make persuade remind expect allow pay call "
                                        "send".split())


def _condition_at(sentence: Sentence, j: int) -> bool:
    """Unit *j* opens a condition ("… channel 1 IF there is more than one"), not a question ("check IF he's
    breathing"): a cue's words are not looked for inside it."""
    word = sentence.words[sentence.units[j].first]
    return word == "unless" or (word == "if" and sentence.words[sentence.units[j - 1].last] not in _ASKING)


_ASKING = frozenset("check checks checking see sees seeing ask asks asking know find found look looks looking wonder "
                    "sure test tests testing".split())


_GAFFER_TAPE_AFTER = frozenset({"tape", "taped", "it", "them", "up", "down", "over", "round"})
# words free between a cue's object and its particle: "hose it ALL down", "sweep it ALL up"
_FREE_BEFORE_PARTICLE = frozenset({"all", "right"})
_WHEN_WORDS = frozenset({"now", "again", "first", "immediately", "asap", "today", "tonight", "quickly", "too", "also"})
_HOW_FAR = frozenset({"well", "right", "way", "far", "further", "a", "bit", "little", "good"})
_OBJECT_PRONOUNS = frozenset({"him", "her", "them"})
# (also asked back: "no way AM I putting my hand in", "no way WILL I restart it")
_NO_WAY = re.compile(r"\b(?:no way|not a chance|no chance|never in a million years)\s+"
                     r"(?:(?:would|am|are|will|do|did|should|could|can)\s+)?(?:i|we|im|id)"
                     r"(?:'d|'ll|'m|'re| am| are)?\s+(?:going to\s+|gonna\s+)?"
                     r"(?:(?!(?:not|never|without|forget\w*|skip\w*|miss\w*|fail\w*)\b)[\w'-]+\s+){0,3}"
                     r"(?:(?:a|an|the|my|his|her|our|their|that|this)\s+)?$",  # ("… waiting weeks for AN outage")
                     re.IGNORECASE)  # ("no way I'm NOT …", "no chance I forget to …" commit)
# "Tom says …", "Marta reckons …": someone else's words, not the trainee's plan
# (and what they want or ask for: "Dariusz he want drive tractor out but I tell him no")
# (not "like Piotr says", "as Tom said", "what Tom says": doing it his way is the trainee's own act)
_REPORTED = re.compile(r"(?<!\blike )(?<!\bas )(?<!\bwhat )"
                       r"\b(?:[Hh]e|[Ss]he|[Tt]hey|[A-Z][a-z]+)\s+(?:says|say|said|reckons|thinks|claims|wants?|"
                       r"wanted|asks|"
                       r"asked|is asking|would like|'d like)\s+(?:that\s+|to\s+|me\s+to\s+)?"
                       r"(?:[\w'-]+\s+){0,6}$")

# someone's words as the condition, then the trainee's own act: "If she says she's fine I help her stand up"
_IF_SAYS_I = re.compile(r"\b(?i:if)\s+(?:(?i:he|she|they)|[A-Z][a-z]+)\s+(?:says|said|reckons|thinks|claims|wants?|"
                        r"asks|tells me)\b[^.;:!?]*?[\s,](?i:i|i'd|i'll|i will|i would|we|we'd|we'll)\s+"
                        r"(?:[\w'-]+\s+){0,4}$")


def _clause_start(sentence: Sentence, first_unit: int) -> str:
    """The text of the sentence before the unit, from the last "but"/"so"/";" on."""
    before = before_unit(sentence, first_unit)
    return re.split(r"[;:]|\b(?:but|so|then)\b", before)[-1]


def _compared_with(sentence: Sentence, first_unit: int) -> bool:
    """The step's words are what an act is compared with: "it's quicker than an AMBULANCE"."""
    before = before_unit(sentence, first_unit)
    return bool(re.search(r"\b(?:quicker|faster|easier|better|safer|sooner|rather|(?:more|less)\s+[\w-]+)\s+than\s+"
                          r"(?:[\w'-]+\s+){0,3}$", before, re.IGNORECASE))


_WH = frozenset({"who", "what", "where", "when", "how", "why", "which", "whom", "if", "whether"})
_BE_GO = frozenset("is are was were be been 's go goes going went get gets got come comes".split())


def _said_of_it(sentence: Sentence, cue: list[Unit]) -> list[tuple[int, int]]:
    """A cue "VERB the THING" met as "VERB it" when the thing was named earlier in the same sentence, with no
    other act between ("the steam valve is behind the cabinet, I'd close it"): (the verb, "it")."""
    if len(cue) < 2 or not cue[0].keys & VERB_KEYS or any(u.keys & _PERSON_KEYS for u in cue[1:]) or all(
            u.after_object or u.particle or u.stop for u in cue[1:]):
        return []  # (a cue whose object is already "it" — "walk it OFF" — names no thing that "it" could stand for)
    units, words = sentence.units, sentence.words
    for v in sentence.where(cue[0].keys):
        # "shut IT", or "it" inside the answer's own phrase ("give IT a good boot")
        inside = any(w in ("it", "them") for w in words[units[v].first + 1:units[v].last + 1])
        if not inside and (v + 1 >= len(units) or words[units[v + 1].first] not in ("it", "them")):
            continue
        found = _find(units[:v], cue[1:])
        if not found:
            continue
        last = found[-1][1]
        between = [u for u in units[last + 1:v] if not (u.stop or u.soft or u.bridge or u.negator)]
        # only words that say where it is or that it is there ("… is just behind the cabinet, so I'd go and")
        if len(between) <= 4 and not any(u.keys & VERB_KEYS for u in between[:-1]):
            return [(v, v if inside else v + 1)]  # judged where the act is said: "I wouldn't SHUT IT"
    return []


def _told_someone_else(sentence: Sentence, verb: int, person: int) -> bool:
    """A person after an object pronoun is not the verb's object: "tell HIM Sam is behind the trailer", "call
    THEM and say the supervisor is coming" ("give him the keys": the keys are no person)."""
    between = sentence.units[verb + 1:person]
    other = next((k for k, u in enumerate(between) if u.keys & _PEOPLE_KEYS), None)
    if other is not None and any(u.keys & VERB_KEYS or sentence.words[u.first] in _LET for u in between[other + 1:]):
        return True  # someone else called, then another verb for this one: "call Bea and LET Tom carry on"
    if person == verb + 1 or sentence.words[sentence.units[verb + 1].first] not in _OBJECT_PRONOUNS:
        return False  # (the pronoun right after the verb: "take with ME the contractor" is taking him)
    u = sentence.units[person]
    start = sentence.offsets[u.first][0] - sentence.start
    return bool(u.keys & _PEOPLE_KEYS) or (start > 0 and sentence.text[start].isupper())


def _clause_break(sentence: Sentence, unit_a: Unit, unit_b: Unit) -> bool:
    """A comma (or other clause punctuation, or a dash: "nobody saw - that's 999") between two neighbouring units."""
    a = sentence.offsets[unit_a.last][1] - sentence.start
    b = sentence.offsets[unit_b.first][0] - sentence.start
    return bool(_CLAUSE_PUNCTUATION.search(sentence.text[a:b]))


def _verb_here(sentence: Sentence, at: int) -> bool:
    """Unit *at* is a verb: one the lexicon knows, or a word with "it" or "them" for its object ("KICKS it")."""
    units = sentence.units
    return bool(units[at].keys & VERB_KEYS) or (
        at + 1 < len(units) and units[at].first == units[at].last
        and sentence.words[units[at + 1].first] in ("it", "them") and sentence.words[units[at].first] not in STOPWORDS)


def _or_follows(sentence: Sentence, at: int) -> bool:
    """An "or"/"nor" after unit *at* in its clause, with no new subject before it ("restart the mixer OR shut …")."""
    units = sentence.units
    for j in range(at + 1, len(units)):
        word = sentence.words[units[j].first]
        if _clause_break(sentence, units[j - 1], units[j]) or word in _SUBJECTS:
            return False
        if word in ("or", "nor"):
            return True
        if word in CLAUSE_BREAKS:
            return False
    return False


_UNTIL_WORDS = frozenset({"until", "till", "til"})
_WAIT_KEYS = frozenset({"lex:wait", "wait", "hold", "stay"})
_NO_TO_SOMEONE = re.compile(r"no to (?:him|her|them|[A-Z][a-z]+)\b")
_NO_TO_LIST = re.compile(r"\bno to (?:the |a |an |any |his |her |their )?[\w' -]{1,40}?\band "
                         r"(?:the |a |an |any |his |her |their )?$", re.IGNORECASE)


_TRY = frozenset({"try", "trying", "tried", "tries"})


# a trip refused, and what it would be for: "not walking round the press to find …", "won't go all the way to the
# store to get …" (not "I don't wait, I go to the store to get …": a new clause)
_REFUSED_TRIP = re.compile(r"(?:\b(?:not|never)|n't)\s+(?:be\s+)?(?:going\s+to\s+)?(?:walk|walking|go|going|run|running|"
                           r"head|heading|nip|nipping|pop|popping|trek|trekking|traipse|traipsing|wander|wandering|"
                           r"drive|driving|climb|climbing)\b[^,.;:!?]{0,50}?\bto\s+(?!the\b|a\b)[\w'-]+\s+"
                           r"(?:(?:the|a|an|another|some|my|our)\s+)?$", re.IGNORECASE)


def negated(sentence: Sentence, at: int, *, wide: bool = False) -> bool:
    """Whether the unit at index *at* is refused by a negator before it (see the module doc). *wide*
    (for forbidden actions): the negator governs its whole clause, not one verb and its object — "no
    nudging the lip WITH THE FORKS", "not letting Kwame nudge it WITH THE FORKS" refuse the forks."""
    units = sentence.units
    if wide and _someone_stopped(sentence, at):
        return True  # "stop anyone going in or leaning in", "stop Ollie going down the ladder"
    if not wide and sentence.words[units[at].first] in _UNTIL_WORDS and not any(
            u.keys & _WAIT_KEYS for u in units[max(0, at - 4):at]):
        return False  # "Nothing runs UNTIL QA has signed": the act held back waits ("I won't wait until …" refuses)
    if "no" in sentence.words and (m := _NO_TO_LIST.search(before_unit(sentence, at))) \
            and not _NO_TO_SOMEONE.match(m.group(0)):
        return True  # "Tell Tolu no to the air line and THE QUICK WIPE" (not "say no to Aisha and RADIO Gareth")
    if _REFUSED_TRIP.search(before_unit(sentence, at)):
        return True  # what a refused trip is for: "I'm not walking round the press to find ANOTHER RED BIN"
    coordinated = False
    verbs = 0  # a negator governs one verb and its object: "wouldn't PRESS the e-stop"
    window = NEGATION_WINDOW_WIDE if wide else NEGATION_WINDOW
    listed = None  # whether the act is an item of a list that ends in "or" ("not to X, Y or Z")
    # (an act joined by "or" to an earlier one reaches as far as a forbidden act's clause: "I don't think we need to
    # clear everyone out or STOP people going in")
    for i in range(at - 1, max(-1, at - NEGATION_WINDOW_WIDE - 1), -1):
        if at - i > window and not (coordinated and _verb_here(sentence, at)):
            break
        u = units[i]
        if sentence.words[u.first] == "and" and i > 0 and sentence.words[units[i - 1].first] in _TRY:
            continue  # "I'm not going to try and stop Ray": "try and" is "try to", no new clause
        if _clause_break(sentence, u, units[i + 1]):
            if listed is None:  # (a list of acts: "security or the engineer deal with it" is none)
                # (… or any list whose last item came after "or": "we don't grab, block OR chase anyone")
                listed = coordinated or (_verb_here(sentence, at) and _or_follows(sentence, at))
            if not listed or sentence.text[sentence.offsets[u.last][1] - sentence.start:
                                           sentence.offsets[units[i + 1].first][0] - sentence.start].strip() != ",":
                return False
            continue
        word = sentence.words[u.first]
        if word in _SUBJECTS and not (i > 0 and sentence.words[units[i - 1].first] in _OPINION):
            return False  # a new subject starts a new clause: "if it won't hold I'd chock it"
            # (not after "I don't think": "I don't think WE need to call security")
        if word == "from" and _preventing(sentence, i):
            return True  # "stop Alex from climbing in", "keep people from walking through"
        if units[i].keys & _STOP_DOING and sentence.words[units[at].first].endswith("ing") and all(
                units[k].soft or sentence.words[units[k].first] in _ALL_OF for k in range(i + 1, at)):
            return True  # "STOP (THE) UNLOADING and get everyone out" does not keep unloading
        if i == at - 1 and sentence.words[units[at].first].endswith("ing") and (
                units[i].keys & _PERSON_KEYS or sentence.words[units[i].first] in ("me", "us")) \
                and i > 0 and units[i - 1].keys & _PREVENT:
            return True  # "stop Tom climbing on it", "the law stops me giving it to him"
        if u.negator:
            if word == "not" and not wide and _contrast_then_verb(sentence, i, at):
                return False  # "put the hood on not his carbon mask CHECK the air flow" (voice, 12zzj refiner)
            if _negated_verb_then_order(sentence, i, at):
                return False  # "she doesnt get charged PUT her in the holding room" (voice, 12zzw dev)
            if word == "no" and sentence.words[units[i + 1].first] == "no":
                continue  # "tell craig no no engine": a "no" said twice is one, and the step's own
            if word == "not" and _EMPHATIC_NO.search(sentence.text[:sentence.offsets[u.first][0] - sentence.start]):
                return False  # "I won't not retest", "there's no way I'm not locking that hatch": it is done
            if _ENDORSING.match(sentence.text[sentence.offsets[u.last][1] - sentence.start:
                                              sentence.offsets[units[at].first][0] - sentence.start]):
                return False  # "I don't see the harm in fitting them", "no harm in", "nothing wrong with": it is done
            if (units[at].negator or "lex:nobody" in units[at].keys) and any(
                    sentence.words[units[k].first] in _LET for k in range(i + 1, at)):
                return False  # "I not let nobody go in": negative concord, nobody goes in
            if word in ("forget", "skip", "ignore") and i + 1 < at and sentence.words[units[i + 1].first] in (
                    "it", "that", "them"):
                return False  # "forget it, lower the leveller": the pronoun is what is waved away
            if word in _COMMIT_AFTER_NEGATION and _earlier_negator(sentence, i):
                return False  # "wouldn't start without locking out" commits
            if _in_condition(sentence, i):
                return False  # "if it won't go on, chock the wheels": the negation is the condition's
            return True
        if word in ("or", "nor"):
            coordinated = True  # "no need to lock out or test it" negates both
            continue
        if word in CLAUSE_BREAKS:
            return False
        if word in ("means", "meant") and i > 0 and not units[i - 1].negator:
            return False  # the case is what is negated: "two minutes WITHOUT a reply MEANS Lift Control" (12zzg refiner)
        if word in ("into", "onto") and not wide:
            verbs = -1  # where the act puts its object is the act's: "wouldn't roll him INTO the recovery position"
            continue
        if not (u.bridge or coordinated or wide):
            verbs += 1
            if verbs > 1:
                return False
    return False


def _contrast_then_verb(sentence: Sentence, neg: int, at: int) -> bool:
    """A "not" that sets a thing against another ("the hood, not HIS CARBON MASK"), with a verb after the thing and
    no comma (voice typing): the verb starts a new order, which the "not" does not reach."""
    if neg + 2 >= at or sentence.words[sentence.units[neg + 1].first] not in _CONTRAST_DETERMINERS:
        return False
    u = sentence.units[at]
    if sentence.words[u.first - 1] in ("to", "who", "that", "which", "will", "would", "should", "can", "must"):
        return False  # not a new order: "I'm not the one to isolate it", "not the kind that checks"
    return sentence.words[u.first] in _BARE_ORDERS and not any(
        sentence.units[k].keys & VERB_KEYS or sentence.stems[sentence.units[k].first] in _ACTION_STEMS
        for k in range(neg + 2, at))


_NOT_A_NEW_ORDER_AFTER = frozenset("to and or nor will would should can could must might i we you they he she it "
                                   "me us him her them anyone anybody nobody everyone someone is are was were be "
                                   "in into on onto at near by from with without of for through the a an my your his "
                                   "our their this that these those any some no".split())


def _negated_verb_then_order(sentence: Sentence, neg: int, at: int) -> bool:
    """A negated verb, then a bare order with no comma or "and"/"or" between (voice typing): "it doesnt get restarted
    ISOLATE it". The order starts a new clause, which the negation does not reach; not when the order is the object
    of a verb of letting ("don't let Tom OPEN it") or follows "to" or a subject ("no need to ISOLATE", "I don't think
    we ISOLATE it")."""
    words, units = sentence.words, sentence.units
    u = units[at]
    if words[u.first] not in _BARE_ORDERS or neg + 1 >= at or u.first == 0:
        return False
    if words[u.first - 1] in _NOT_A_NEW_ORDER_AFTER or units[at - 1].keys & _PERSON_KEYS or units[at - 1].negator:
        return False
    between = range(neg + 1, at)
    if any(words[units[k].first] in ("or", "nor", "and", "let", "make", "help", "bother", "need") for k in between):
        return False
    if "," in sentence.text[sentence.offsets[units[neg].last][1] - sentence.start:
                            sentence.offsets[u.first][0] - sentence.start] or sentence.text[
            sentence.offsets[u.first - 1][1] - sentence.start:sentence.offsets[u.first][0] - sentence.start].strip():
        return False  # (nor "open/close buttons")
    return any(units[k].keys & VERB_KEYS or sentence.stems[units[k].first] in _ACTION_STEMS
               or words[units[k].last].endswith("ed") for k in between)


_CONTRAST_DETERMINERS = frozenset({"his", "her", "their", "the", "my", "your", "our", "a", "an", "that", "this"})
_BARE_ORDERS = frozenset("check test press call ring radio tell get put take switch turn close shut open keep "
                         "lock isolate stop wait clear send leave use wear fit load spray wipe".split())


# someone stopped doing something: "stop anyone going near it", "prevent Tom from reaching", "keep them from going";
# what follows in the same clause is what they are stopped doing ("… going near it or reaching into the bowl")
_STOPPING = "stop stops stopping prevent prevents preventing ban bans bar bars block blocks".split()
_KEEPING = "keep keeps keeping".split()  # (only with "from": "keep the pumps running" goes on)
_STOPPED = re.compile(rf"\b(?:(?:{'|'.join(_STOPPING)})\s+(?:[\w'-]+\s+){{1,3}}?(?:from\s+)?"
                      rf"|(?:{'|'.join(_KEEPING)})\s+(?:[\w'-]+\s+){{1,3}}?from\s+)[\w'-]+ing\b", re.IGNORECASE)
_STOPPING_WORDS = frozenset(_STOPPING + _KEEPING)
_STOPPER_BEFORE = re.compile(rf"\b({'|'.join(_STOPPING + _KEEPING)})\s+$", re.IGNORECASE)
_DOING_NEXT = re.compile(r"^\s+(from\s+)?[\w'-]+ing\b", re.IGNORECASE)  # ("keep" only with "from")
_NEW_CLAUSE = re.compile(r"[,.;:!?]|\b(?:i|i'd|i'll|we|we'd|we'll|then|but|so|while|till|until|unless|if|when)\b",
                         re.IGNORECASE)


def _someone_stopped(sentence: Sentence, at: int) -> bool:
    """Whether the unit at *at* is what someone is stopped doing: "stop Tom climbing up and REACHING in", "stop
    anyone going near it or LEANING in"; not "stop Tom going near it, then I REACH in"."""
    if not _STOPPING_WORDS.intersection(sentence.words):
        return False
    if sentence.units[at].keys & _PERSON_KEYS and (m := _STOPPER_BEFORE.search(before_unit(sentence, at))) \
            and (d := _DOING_NEXT.match(after_unit(sentence, at))) and (d.group(1) or m.group(1).lower() in _STOPPING):
        return True  # a cue that opens with the person: "stop DEAN from jumping in", "keep Tom from climbing"
    word = sentence.words[sentence.units[at].first]
    before = before_unit(sentence, at) + (word if word.endswith("ing") else "")  # ("prevent anybody REACHING in")
    last = None
    for last in _STOPPED.finditer(before):
        pass
    if last is None:
        return False
    rest = before[last.end():]
    if _NEW_CLAUSE.search(rest):
        return False
    return not re.search(r"\b(?:and|or)\b", rest, re.IGNORECASE) or word.endswith("ing")


_OPINION = frozenset({"think", "reckon", "believe", "suppose", "guess", "feel"})
# a negation right before "not" that makes it an emphatic double negative ("I wouldn't not tell the duty manager")
# "no way I'm …", "no way we'd …": the emphatic refusal's opening (see also grader._NOT_LETTING)
NO_WAY_I = (r"\bno way\s+(?:i'm|im|i am|i'd|id|i would|i will|i'll|we're|we are|we'd|we would|we'll"
            r"|(?:am|will|would|are|shall)\s+(?:i|we))")  # (asked back too: "no way AM I letting him")
_EMPHATIC_NO = re.compile(rf"(?:\b(?:won't|wouldn't|can't|couldn't|shouldn't|mustn't|will not|would not)|{NO_WAY_I})\s*$",
                          re.IGNORECASE)
# what follows a negator that says nothing is against the act: "I don't SEE THE HARM IN fitting the bars", "no HARM IN",
# "nothing WRONG WITH", "I wouldn't MIND", "it can't HURT to"
_ENDORSING = re.compile(r"(?:n't|\s)*\s*(?:see\s+(?:the|any|a)\s+|see\s+)?(?:harm|problem|issue|danger|risk)\s+"
                        r"(?:in|with)\b|(?:n't|\s)*\s*(?:wrong|bad)\s+(?:in|with|about)\b|(?:n't|\s)*\s*(?:mind|hurt)\b",
                        re.IGNORECASE)
_LET = frozenset({"let", "letting", "allow", "allowing"})
_ALL_OF = frozenset({"all", "any", "further", "more", "the"})  # "halt ALL drilling", "stop ANY FURTHER drilling"
_STOP_DOING = frozenset({"stop", "lex:stop", "quit", "ceas", "halt"})
_PREVENT = frozenset({"stop", "prevent", "keep", "ban", "forbid", "bar", "block", "discourage", "lex:stop"})


def _preventing(sentence: Sentence, at: int) -> bool:
    for i in range(at - 1, max(-1, at - 6), -1):
        u = sentence.units[i]
        if u.keys & _PREVENT:
            return True
        if _clause_break(sentence, u, sentence.units[i + 1]):
            return False
    return False


_SUBJECTS = frozenset({"i", "i'd", "i'll", "i'm", "we", "we'd", "we'll", "you'd", "you'll", "he'd", "she'd",
                       "they'd"})
_CONDITIONS = frozenset({"if", "when", "unless", "whether", "in case"})


def _in_condition(sentence: Sentence, at: int) -> bool:
    for i in range(at - 1, max(-1, at - 6), -1):
        u = sentence.units[i]
        if sentence.words[u.first] in _CONDITIONS:
            return True
        if _clause_break(sentence, u, sentence.units[i + 1]) or _main_clause_subject(sentence, i):
            return False
    return False


def _main_clause_subject(sentence: Sentence, i: int) -> bool:
    """The unit at *i* is "I", "we", "I'd" … starting the main clause after a condition without a comma ("if it
    won't open I'd force it", "if he walked off I wouldn't chase him"), not the condition's own subject
    ("if I fill it now")."""
    return (sentence.words[sentence.units[i].first] in _SUBJECTS and i > 0
            and sentence.words[sentence.units[i - 1].first] not in _CONDITIONS)


_WHETHER = frozenset({"lex:check", "lex:test", "ask", "see", "know", "find", "look", "wonder", "tell", "lex:tell",
                      "check", "test", "sure", "lex:call"})


def _whether_before(sentence: Sentence, end: int) -> bool:
    """An "if" before unit *end* in the sentence that asks whether ("check if …")."""
    units = sentence.units
    return any(sentence.words[units[j].first] == "if" and j > 0 and units[j - 1].keys & _WHETHER for j in range(end))


# words after which a verb is still the condition's own ("if I PRESS", "if we have to PRESS", "if the lead says to
# PRESS", "if the PRESS …")
_NOT_BEFORE_ORDER = DETERMINERS | _SUBJECTS | frozenset(
    "it you he she they someone somebody anyone nobody people to will would can could should must might may not "
    "do does did don't doesn't didn't won't can't cannot and or says said tells told asks asked wants".split())


def _order_after_condition(sentence: Sentence, j: int, if_at: int) -> bool:
    """Unit *j*, after an "if" at *if_at* with no comma, starts the main clause as an order: a verb in its plain
    form after the condition's own words ("if not breathing normally CALL 999", "if it jam again PRESS the stop")."""
    if j - if_at < 2 or j >= len(sentence.units):
        return False
    u, word = sentence.units[j], sentence.words[sentence.units[j].first]
    return bool(u.keys & VERB_KEYS) and not word.endswith(("ing", "ed")) \
        and not (word.endswith("s") and not word.endswith("ss")) \
        and sentence.words[sentence.units[j - 1].last] not in _NOT_BEFORE_ORDER


def in_if_clause(sentence: Sentence, first_unit: int) -> bool:
    """A mention inside an "if" clause is a supposition, not a plan: "if I fill it now it'll spill"; one after the
    condition's end, even with no comma, is not ("if not breathing normally call 999")."""
    units = sentence.units
    for i in range(first_unit - 1, max(-1, first_unit - 6), -1):
        if sentence.words[units[i].first] in ("if", "unless"):
            if any(_order_after_condition(sentence, j, i) for j in range(i + 2, first_unit + 1)):
                return False
            # "check IF the eyewash is full", "ask if he has a badge": whether, not a condition; also a second one
            # joined to it ("check if he answers AND IF he's breathing")
            return not (i > 0 and (units[i - 1].keys & _WHETHER or (
                sentence.words[units[i - 1].first] in ("and", "or") and _whether_before(sentence, i - 1))))
        if _clause_break(sentence, units[i], units[i + 1]) or sentence.words[units[i].first] in ("then", "so") \
                or _main_clause_subject(sentence, i):
            return False
    return False


def _told_at(sentence: Sentence, at: int) -> int:
    """The unit of the telling verb before unit *at* ("tell" in "tell Dean not to go"), or *at*."""
    for i in range(at - 1, max(-1, at - 10), -1):
        if sentence.words[sentence.units[i].first] in _TOLD_VERBS:
            return i
    return at


def _earlier_negator(sentence: Sentence, at: int) -> bool:
    for i in range(at - 1, -1, -1):
        u = sentence.units[i]
        if _clause_break(sentence, u, sentence.units[i + 1]) or sentence.words[u.first] in CLAUSE_BREAKS:
            return False
        if u.negator:
            return True
    return False


def after_unit(sentence: Sentence, unit: int) -> str:
    """The sentence's text after the unit at index *unit* (what is said of a step once it is named)."""
    return sentence.text[sentence.offsets[sentence.units[unit].last][1] - sentence.start:]


def before_unit(sentence: Sentence, unit: int) -> str:
    """The sentence's text before the unit at index *unit* (what is said before a step is named)."""
    return sentence.text[:sentence.offsets[sentence.units[unit].first][0] - sentence.start]


def refused_after(sentence: Sentence, end_unit: int, first_unit: int | None = None, *, act: bool = False) -> bool:
    """"The lockout isn't needed", "... can be skipped": a step declared unnecessary after it is named (not what a
    step of telling someone tells them: "tell Bea the mixer is unsafe", from *first_unit* on); with *act* (a
    forbidden act), also said as a danger ("… is how people lose fingers")."""
    whole = after_unit(sentence, end_unit)
    rest = re.split(r"[,.;:!?]|\b(?:but|and then|so|because)\b", whole, maxsplit=1)[0]
    if first_unit is not None and (tells(sentence.units[first_unit:end_unit + 1], rest) or tells(
            sentence.units[max(0, first_unit - 3):first_unit], rest, _TELLING_BEFORE)):
        return False
    if first_unit is not None and _told_by_me(sentence, first_unit, end_unit):
        return False  # the message without its "it", in second-language English: "I tell him is dangerous"
    said = sentence.text[:sentence.offsets[sentence.units[end_unit].last][1] - sentence.start]
    return bool(_POST_REFUSAL.match(rest) or _ISNT.search(rest[:60]) or (act and _DANGER_STATED.match(rest))
                or (_TURNED_DOWN.match(whole) and _OFFERED.search(said))
                or act and first_unit is not None and _as_gerund(sentence, first_unit) and _RULE_OF_IT.match(rest))


def _as_gerund(sentence: Sentence, unit: int) -> bool:
    """The clause a unit is in opens with an -ing word and the unit is among its first words: the act named as a
    thing ("Crushing them …", "Using a lighter …"), not a step done."""
    first = sentence.offsets[sentence.units[unit].first]
    return bool(_GERUND_LEAD.search(sentence.text[:first[1] - sentence.start]))


_TELLING = frozenset({"lex:tell", "lex:call", "explain", "warn", "say", "shout", "ask"})
_TELLING_BEFORE = frozenset({"lex:tell", "explain"})  # a telling verb just before the step ("tell Bea calmly …")
_BE_NEXT = re.compile(r"^[\s,]*(?:is|are|was|were|'s|be|being|isn't|aren't|wasn't|weren't|can|can't|cannot|could|"
                      r"not|n't|no longer|never|optional|pointless|unnecessary)\b", re.IGNORECASE)


def _told_by_me(sentence: Sentence, first_unit: int, end_unit: int) -> bool:
    """A telling verb said by the trainee, not named as a thing: "I tell him …", "I'll tell Bea …" (not "telling
    Bea …", "to tell Bea …")."""
    for i in range(first_unit, end_unit + 1):
        if sentence.units[i].keys & _TELLING:
            word = sentence.words[sentence.units[i].first]
            prev = sentence.words[sentence.units[i - 1].first] if i > 0 else ""
            return not word.endswith("ing") and prev in ("i", "we", "i'll", "i'd", "we'll", "we'd", "will", "would")
    return False


def tells(units: list[Unit], rest: str, keys: frozenset[str] = _TELLING) -> bool:
    """Whether *units* tell someone something and *rest* is the message ("tell Bea the mixer is unsafe"), not a word
    about the telling itself ("telling Bea isn't needed")."""
    return any(u.keys & keys for u in units) and not _BE_NEXT.match(rest)


# someone else's wish or offer, before the act they want: "Gav ask me …", "the loader wants to …", "someone brings …"
_OFFERED = re.compile(r"\b(?:wants?|wanted|wanting|asks?|asked|asking|offers?|offered|suggests?|says?|said|brings?|"
                      r"comes?|came|tries|trying|about to|going to)\b", re.IGNORECASE)


# Who a step may be left to or done with: a person the scenario names, a role, or a word for a person.
_PEOPLE_KEYS = frozenset({PERSON, "lex:supervisor", "lex:first-aider", "lex:maintenance", "lex:security", "lex:help"}
                         | {stem(w) for w in "driver marshal banksman colleague buddy inspector engineer operator "
                            "contractor guard lead trainer mate partner".split()})
_UNAVAILABLE = re.compile(
    r"^\s*(?:(?:is|are|was|were|'s|'re)\s+)?(?:still\s+|just\s+|already\s+|currently\s+)?"
    r"(?:(?:not|isn't|aren't|wasn't|weren't|is not|are not)\s+(?:here|there|around|about|in|on site|available|free|"
    r"on shift|in today|answering|back|picking up)"
    r"|busy|away|off (?:sick|today|shift|work)|off\b(?!\s+(?:the|to|it|at|and|with))(?!\s+(?!home\b)[a-z]+\s*,)|unavailable|"
    # (not off something: "Shaun off bed, him & Gaz back 2 safe haven": 12zzf author)
    r"elsewhere|tied up|"
    r"gone(?: home)?|out (?:today|on|of the building|of site)|on (?:(?:a|her|his|their|the|my) )?(?:break|lunch|"
    r"holiday|leave|annual leave|another job|a call|the phone|the other side)|nowhere to be)\b",
    re.IGNORECASE)


def unavailable(sentence: Sentence, end_unit: int) -> bool:
    """"Morgan's busy", "the marshal's not there", "Dana is on her break": the person a step is done with or
    left to is said not to be available, so the step is not done with them."""
    if not sentence.units[end_unit].keys & _PEOPLE_KEYS:
        return False
    first = sentence.units[end_unit].first
    if first > 0 and sentence.words[first - 1] in _KEEPING_SOMEONE:
        return False  # where the trainee keeps them: "keep Lee on the other side of a closed door" (12zzj refiner)
    return bool(_UNAVAILABLE.match(after_unit(sentence, end_unit)))


_KEEPING_SOMEONE = frozenset("keep keeps keeping kept leave leaves hold holds send sends".split())


_TOO_MUCH = re.compile(r"\btoo\s+(?:[\w'-]+\s+){1,3}(?:for|to)\s+(?:[\w'-]+\s+){0,2}$"
                       # "(it) is dangerous to unclip", "it's really unsafe to …", "it's against the rules to …"
                       r"|(?:^|\b(?:it'?s|it is|its|is|that'?s|that is)\s+)(?:really\s+|very\s+|so\s+|well\s+|dead\s+)?"
                       r"(?:dangerous|unsafe|risky|deadly|forbidden|banned|illegal|against (?:the |our |site )?(?:rules|law|"
                       r"policy|sop))\s+to\s+(?:just\s+)?$", re.IGNORECASE)


def too_much_for(sentence: Sentence, at: int) -> bool:
    """"The order's too long for one go", "too heavy to lift alone": "too … for/to" refuses what follows."""
    before = before_unit(sentence, at)
    return bool(_TOO_MUCH.search(re.split(r"[,.;:!?]", before)[-1]))


_OTHERS_JOB = re.compile(
    r"^\s*(?:[\w'-]+\s+){0,3}?(?:is|are|'s|'re|was)\s+(?:for\s+(?:the\s+)?(?!me\b|us\b)[\w-]+(?:\s*,\s*not\s+me)?"
    r"|not\s+(?:my|our)\s+(?:job|responsibility|call|place)"
    r"|(?:the\s+|an?\s+)?(?:[\w-]+\s+){0,2}[\w-]+(?:'s|s')\s+(?:job|responsibility|task|call)"
    r"|(?:down|up)\s+to\s+(?:the\s+)?(?!me\b)[\w-]+)\b", re.IGNORECASE)


def left_to_others(sentence: Sentence, end_unit: int) -> bool:
    """"Shutting the valve is the authorised person's job", "… is not my job", "… is down to maintenance": the
    action named as someone else's, not done."""
    return bool(_OTHERS_JOB.match(re.split(r"[,.;:!?]", after_unit(sentence, end_unit), maxsplit=1)[0]))


_TIME_WORDS = frozenset({"until", "till", "til", "once", "when", "whenever", "while", "after", "before"})
_FIRST_PERSON = frozenset({"i", "we", "i'm", "i've", "i'd", "i'll", "we're", "we've", "we'd", "we'll", "me", "us",
                           "you", "you've", "you're", "myself"})
# the trainee starting a clause of their own ("… and I go to the gatehouse")
_NEW_SUBJECT = _SUBJECTS & _FIRST_PERSON


def circumstance(sentence: Sentence, at: int) -> bool:
    """"Keep going until the alarm stops", "when the lorry stops": what someone or something else does, said
    as the time of a step, is not the trainee's step; nor is a state already reached ("it's already stopped")."""
    units = sentence.units
    verb = sentence.words[units[at].first]
    before = sentence.words[max(0, units[at].first - 2):units[at].first]
    if len(before) == 2 and before[1] == "already" and (before[0] in ("is", "are", "was", "were")
                                                        or before[0].endswith(("'s", "'re"))):
        return True  # "it's already stopped": a state, nothing to do
    for i in range(at - 1, max(-1, at - 6), -1):
        if _clause_break(sentence, units[i], units[i + 1]):
            return False
        if sentence.words[units[i].first] in _TIME_WORDS:
            if sentence.words[units[i].first] in _COMMIT_AFTER_NEGATION and any(u.negator for u in units[:i]):
                return False  # "I wouldn't go near it until the power's isolated" commits to isolating it
            subject = sentence.words[units[i].last + 1:units[at].first]
            finite = verb.endswith(("s", "ed")) or (subject and subject[-1] in _AUXILIARIES)
            while subject and subject[-1] in _AUXILIARIES:
                subject = subject[:-1]
            # a subject of its own ("the alarm", "it", "the lorry"): not "after THAT tell …", not "once stopped"
            return (finite and 1 <= len(subject) <= 3 and subject[0] not in ("that", "this", "then", "which")
                    and not any(w in _FIRST_PERSON or w in NEGATORS or w.endswith(("ing", "ed"))
                                or stem(w) in _ACTION_STEMS for w in subject)
                    and not all(w in DETERMINERS or w in _SOFT for w in subject))
    return False


_POSSESSIVES = frozenset({"my", "his", "her", "your", "their", "our"})
# phrases that take no object inside: "press STOP on the chute" is no pressing on (12zzy refiner)
_NO_OBJECT_INSIDE = frozenset({tuple(norm("press on")), tuple(norm("push on"))})
_HOW_HARD = frozenset("hard harder strong stronger firm firmly tight tightly down well gently really".split())  # ("push
# strong on the hand" is pressure on it)
_AUXILIARIES = frozenset({"has", "have", "had", "is", "was", "are", "were", "gets", "got", "does", "did", "will",
                          "'ll", "can", "could", "would", "has been", "been"})
_ACTION_STEMS = frozenset(stem(v) for v in lexicon.ACTION_VERBS)
# the meanings that are doing something (a verb), for reading what "it" is done to
VERB_KEYS = _ACTION_STEMS | frozenset(f"lex:{c}" for c in lexicon.ACTION_CONCEPTS)


_MAYBE = frozenset({"might", "maybe", "perhaps", "possibly", "could", "mite", "mayb"})


# "maybe" and the verb it hedges, a few words back: "Then maybe PICK it up with the tongs (and …)"
_MAYBE_VERB = re.compile(r"\b(?:maybe|might|perhaps|possibly)\s+(?:just\s+)?([a-z]+)\b(?:\s+[\w'-]+){0,6}\s*$",
                         re.IGNORECASE)


_READY_TO = re.compile(r"\b(?:get|getting|be|being|stay|staying|stand|standing|am|i'm|im|we're|are)?\s*"
                       r"(?:ready|prepared|poised|set) to\s+(?:[\w'-]+\s+){0,1}$", re.IGNORECASE)


def considered(sentence: Sentence, first_unit: int, rest: str) -> bool:
    """A step only considered, not committed to: "I might tag it", "maybe call Sam", "should I call Sam?"."""
    if re.match(r"[^.;!]*\?", rest) and re.match(r"\s*(?:should|shall|do|can|could|would|must|is|am)\b",
                                                  sentence.text, re.IGNORECASE):
        return True  # a question about the step
    if _READY_TO.search(before_unit(sentence, first_unit)):
        return True  # "get ready to stop", "stand by, ready to press it": readiness, not the step
    units = sentence.units
    for i in range(first_unit - 1, max(-1, first_unit - 7), -1):
        if sentence.words[units[i].first] == "and" and i > 0 and sentence.words[units[i - 1].first] in ("it", "them"):
            continue  # "I could isolate it AND lock it off": the modal covers both
        if sentence.words[units[i].first] == "and" and units[i + 1].keys & VERB_KEYS and (
                m := _MAYBE_VERB.search(before_unit(sentence, i))) and stem(m.group(1).lower()) in _ACTION_STEMS:
            return True  # "Then maybe pick it up with the tongs AND put it in the bin": the maybe covers both
        if _clause_break(sentence, units[i], units[i + 1]) or sentence.words[units[i].first] in CLAUSE_BREAKS:
            return False
        if sentence.words[units[i].first] in _MAYBE:
            return not (i > 0 and sentence.words[units[i - 1].first] == "if")  # "if I could…" is a condition
    return False


# What is usually done, would ideally be done, used to be done, or someone else would do — not what the trainee
# does: "Normally the day shift would isolate it", "Ideally you'd …, but", "I know I should lock it off, but",
# "When I was on nights we always …", "Bea would isolate it herself".
_NOT_MINE = re.compile(
    # an ideal or a habit said with "would"/"you" ("Normally the day shift would…", "Ideally you'd…"), not the
    # trainee's own habit ("I usually press the stop first" is their plan)
    r"\b(?:ideally|normally|usually|generally|in theory|technically|officially|by the book|on paper)\b"
    r"(?=[^.;:]*?\b(?:would|you|you'd|they'd|he'd|she'd|used to)\b)|"
    r"\b(?:ideally|in theory|in an ideal world|in a perfect world)\b|"
    r"\bwhen i was (?:on|at|in|with)\b|\bat my (?:old|last|previous)\b|"
    r"\b(?:last time|in the past)\b(?![^.;:]*?\b(?:i|we)\b)|"  # "Last time the shift lead switched it off…"
    r"\bi know (?:i|we|you) (?:should|ought|need|have to|must|'m supposed|am supposed|'re supposed|are supposed)|"
    # ("I know I'm supposed to clip my lanyard … but I'm not": 12zzd refiner)
    r"\bi know (?:that )?(?:i'?m|i am|we'?re|we are|you'?re|you are) (?:supposed|meant|expected) to\b|"
    r"\b(?:i|we) used to\b|\bthey (?:always|usually|normally)\b|\bi wish\b|\bif only\b|\bin a dream world\b|"
    r"(?<!\bi )(?<!\bwe )(?<!\byou )(?<!\bthat )(?<!\bit )(?<!\bwhich )(?<!\bthis )(?<!\bwho )"
    r"(?<=[a-z] )would(?! (?:not|never|rather|be|have to|need)\b)|"
    r"\b(?!(?:i|we|you|it|that|this|which|who|there)'d)[a-z]+'d\b(?= (?!rather|better))", re.IGNORECASE)
_NEW_START = re.compile(r"\b(?:but|so|however|though|although|instead|now|tonight|today|this time)\b|[;:]",
                        re.IGNORECASE)


def not_mine(sentence: Sentence, first_unit: int) -> bool:
    """The step at *first_unit* is said as a habit, an ideal or someone else's would-be act, in its part of the
    sentence (before "but", "so", "tonight" … start the trainee's own plan)."""
    before = before_unit(sentence, first_unit)
    part = _NEW_START.split(before)[-1]
    if _HABIT_BUT.search(part) and re.search(r"\bbut\b", sentence.text[len(before):], re.IGNORECASE):
        return True  # "Normally I'd drive straight on, but the lip is hanging …": the habit, set against now
    return bool(_NOT_MINE.search(part)) and not _WITH_ME.search(part)


_HABIT_BUT = re.compile(r"\b(?:normally|usually|most days|any other day)\s+(?:i'd|we'd|i would|we would)\b"
                        # a wish, set against what is done: "I'd like to tell Kev no, but he's already had one out"
                        r"|\b(?:i'd|we'd|i would|we would)\s+(?:really\s+)?(?:like|love|prefer)\s+to\b"
                        r"|\b(?:i|we)\s+(?:really\s+)?(?:want|wanted)\s+to\b",
                        re.IGNORECASE)


# the trainee among those who act: "me and the driver would lift it", "Morgan and I will"
_WITH_ME = re.compile(r"\b(?:me|i)\s+and\b|\band\s+(?:me|i|myself)\b", re.IGNORECASE)


# someone other than the trainee will do it: "… and Tom will isolate it", "she says she'll come over and isolate it"
# (a shift is someone else too: "days can put them in a red bin", "the next shift will sort it")
_SHIFT = r"(?:days|nights|lates|earlies|(?:the\s+|[Tt]he\s+)?(?:day|night|late|early|morning|next|other)\s+shift)"
_WHO = rf"(?:he|she|they|{_SHIFT}|(?!I\b)(?!The\b)[A-Z][a-z]+(?: from [\w -]{{1,20}}?)?)"
_THEY_WILL = re.compile(
    rf"\b{_WHO}(?:'ll|'d|\s+(?:will|'ll|can|is going to|'s going to|are going to|"
    rf"says? (?:he|she|they)(?:'ll| will| can)|said (?:he|she|they)(?:'d| would)))\b"
    r"(?!'t|\s+not\b|\s+only\b)")  # (not "Kayleigh can't …", "Tom can not …": no one doing it; nor a limit told:
# "these can only go out one box per visit", "they can only have one box": 12zzh refiner)
_SUBJECT = re.compile(rf"\b(?:I|i|we|We|you|You|{_WHO})\b(?=\s+[a-z']|'(?:ll|d)\b)")


_BY_SOMEONE = re.compile(
    r"^(?:\s+(?!(?:then|but|so|i|we)\b)[\w'-]+){0,4}?\s+by\s+(?:the\s+|my\s+|our\s+|a\s+)?"
    r"(?:(?!(?:me|myself|hand|the|a)\b)[A-Z][a-z]+\b(?!\s*-?\s*\d)|team ?lead(?:er)?|shift ?lead(?:er)?|supervisor|manager|maintenance|"
    r"security|(?:an? )?engineers?|(?:day|night|late|early) shift|someone else|(?:a |my )?colleague)\b")


_WATCHING = frozenset({"watch", "watching", "see", "seeing", "check", "checking", "ensure"})
_ASKING_OR_WATCHING = _WH | _WATCHING


def someone_else_will(sentence: Sentence, first_unit: int) -> bool:
    """The last one said to act before the step, in its part of the sentence, is someone else who will do it."""
    before = before_unit(sentence, first_unit)
    part = re.split(r"[.;:!?]|\b(?:but|so|then)\b", before)[-1]
    if first_unit > 0 and not _WITH_ME.search(part):
        prev = sentence.units[first_unit - 1]
        if sentence.words[prev.first] in ("he", "she", "they") and sentence.units[first_unit].keys & VERB_KEYS \
                and not _clause_break(sentence, prev, sentence.units[first_unit]) \
                and not (first_unit > 1
                         and sentence.words[sentence.units[first_unit - 2].first] in _ASKING_OR_WATCHING):
            return True  # the step's verb right after someone else: "… and they call an ambulance"
            # (not what the trainee watches them do: "watch he take it", "see he takes them")
    who = list(_SUBJECT.finditer(part))
    if not who or who[-1].group(0).lower() in ("i", "we", "you") or _WITH_ME.search(part):
        return False
    if _TO_ME.search(part, who[-1].end()):
        return False  # what they give the trainee is the trainee's to get: "she'll need to give me the password" (12zzi)
    return bool(_THEY_WILL.match(part, who[-1].start()))


_TO_ME = re.compile(r"\b(?:give|gives|tell|tells|show|shows|hand|hands|read|reads|send|sends)\s+(?:me|us)\b",
                    re.IGNORECASE)


_CONDITION_FIRST = re.compile(r"\s*(?:and |but |so )?only (?:if|in case|should|were)\b", re.IGNORECASE)


# a step kept for when a first try fails, said just before it: "…, and if it doesn't, radio …", "If that doesn't
# work, tell Bea", "and if it doesn't work I tell Bea" (not "… use the e-stop. Then I tell Bea"; nor "if it won't
# hold, chock the wheels and tell Jordan": the SOP's own fallback)
_FALLBACK = re.compile(r"(?:^|[,;:]\s*|\b(?:and|but|or|then)\s+)if\s+(?:it|that|this|they|"
                       # (or the try named: "If the nudge doesn't shift it I'll lock off", "if the pulling doesn't …")
                       r"(?:the|that|this|my|his|her)\s+[\w-]+)\s+"
                       r"(?:doesn'?t|does not|didn'?t)(?:\s+(?:work|help|sort it|fix it|do it|do the trick)|"
                       r"(?:\s+[\w'-]+){1,3}?(?=\s*,))?"
                       r"\s*,?\s*[^,.;:!?]{0,80}$", re.IGNORECASE)


# an if-clause that opens the clause a step is in, inside the sentence: "…, and if it gets worse(,) I …"
_IF_CLAUSE_BEFORE = re.compile(r"(?:[,;:]\s*|\b(?:and|but|so|then)\s+)(if\b[^,.;:!?]*(?:,[^,.;:!?]*)?)$", re.IGNORECASE)


def _opening_case(text: str) -> str:
    """What an opening if-clause makes of what follows: "only if" (a case that has not happened: "If it got any
    worse …"), "later" (a turn of events still to come: "If it gets close …"), or ""."""
    return "only if" if _IF_FIRST.match(text) else "later" if (_IF_FIRST_LATER.match(text)
                                                                 or _IF_FIRST_AGAIN.match(text)) else ""


def hedged(sentence: Sentence, first_unit: int, end_unit: int) -> str:
    """"I'd only call if …" → "only if"; "call them if needed" → "if needed"; else ""."""
    if _CONDITION_FIRST.match(sentence.text):  # "Only if it moved would I get out": the whole sentence hangs on it
        return "only if"
    # "If it got any worse I'd isolate it", "If it gets close to the drain I'd put the mat down" (not after "…, but
    # it's stopped, so I …")
    case = _opening_case(sentence.text)
    if not case and re.match(r"\s*(?:and |but |so )?if\b(?:[^,.;:!?]*|(?:(?!\b(?:i|i'd|i'll|we|we'd|we'll)\b)[^,.;:!?])*,)"
                             r"\s*$", sentence.prev_text, re.IGNORECASE):
        case = _opening_case(sentence.prev_text)  # the condition cut off by "then": "If it starts smoking | then I'd …"
    before = before_unit(sentence, first_unit)
    if case and not re.search(r"\b(?:but|so|instead|otherwise)\b", before, re.IGNORECASE):
        return case
    if (inner := _IF_CLAUSE_BEFORE.search(before)) and (case := _opening_case(inner.group(1))):
        return case  # the case opens the step's own clause: "I tell Bea, and if he doesn't get better I call 999"
    if _FALLBACK.search(before):
        return "fallback"  # "… nine times out of ten that sorts it, and if it doesn't, radio the shift lead"
    if sentence.cut_at_then() and not re.search(r"[,;:]|\b(?:and|but|so|instead|otherwise)\b", before, re.IGNORECASE):
        # the step right after a "then" that ends a fallback or a case: "… first, and if that doesn't work | then
        # call 4410"
        tail = sentence.prev_text
        if _FALLBACK.search(tail):
            return "fallback"
        if (inner := _IF_CLAUSE_BEFORE.search(tail)) and (case := _opening_case(inner.group(1))):
            return case
    units = sentence.units
    rest = after_unit(sentence, end_unit)
    verbs = 0  # "I'd only CALL the shift lead if …", "only put a RED tag on if": the verb and an adjective;
    # "I'd only RADIO CODE BLUE on channel 3 if …": a verb and its object before the cue
    for i in range(first_unit - 1, max(-1, first_unit - 8), -1):
        w = sentence.words[units[i].first]
        if w == "only":
            if _CONDITION_AFTER.search(rest):
                return "only if"
            break
        if w == "bother" and i > 0 and sentence.words[units[i - 1].first] == "only":
            continue  # "I'd only BOTHER knocking on doors and leaving a note if …": no refusal, the "only" reaches on
        if w == "and" and i == first_unit - 1 and _CONDITION_AFTER.search(rest):
            continue  # … over the "and" that joins the step to the one "only" governs, a condition after both
        if units[i].negator or w in CLAUSE_BREAKS:
            break
        if not (units[i].bridge or units[i].soft or units[i].stop):
            verbs += 1
            if verbs > 3:
                break
    if _ONLY_IF_AFTER.match(rest):
        return "only if"  # "tell the shift lead only if it happens again"
    if _HEDGE_AFTER.match(rest):
        return "if needed"
    if _IF_ONLY_AFTER.match(rest):
        return "only if"  # "I'd lock it off if I had a padlock", "… if Sam agrees"
    later = _IF_AFTER_LATER.match(rest) or _IF_AFTER_AGAIN.match(rest)
    if later and not (rest[later.end():].strip() == "" and sentence.next_text
                      and not re.search(r"[.!?;:,]\s*$", sentence.text)):
        # "I'd call security if it doesn't go away after a few minutes", "… if the manager asks" (not "wait to see if
        # it stops, if it keeps going THEN go down": the sentence was cut at "then", the condition is the next step's)
        return "later"
    if considered(sentence, first_unit, rest):
        return "maybe"
    # "If Morgan wasn't busy I'd get them to help, but …" / "… Otherwise I'd keep picking": what would
    # happen in another situation
    if COUNTERFACTUAL.search(sentence.text) and (re.search(r"\bbut\b", rest)
                                                   or re.match(r"\s*otherwise\b", sentence.next_text, re.I)):
        return "only if"
    return ""


@dataclass(frozen=True)
class Match:
    span: Span
    refused: str = ""   # "", "negated", "declared unnecessary", "only if", "if needed", "unavailable", "put off",
    # "left to others", "circumstance", "supposed"


def find_cue(cue: str, sentences: list[Sentence], synonyms: Synonyms, *, suppositions: bool = False
             ) -> list[Match]:
    """Every place *cue* is met, in answer order, each saying whether it was refused or hedged; with
    *suppositions*, a mention inside an "if" clause is refused too (for forbidden actions)."""
    terms = [synonyms.cue_units(t) for t in cue.split(" + ")]
    if not all(terms):
        return []
    if not suppositions:
        # a step keeps its words without the particle ("get Alex out": "get Alex and head for the exit"); a
        # forbidden act needs it ("take the pad OFF" is not "take a clean pad")
        terms = [[u for u in t if not u.particle] for t in terms]
    # "no + smoking": a negation that is a term of the cue is what is asked for, not a refusal of its other
    # terms (a one-phrase cue like "no naked flames" is checked only for negators before it)
    literal = " + " in cue and _literal(cue)
    own_no = [literal and _literal(t) for t in cue.split(" + ")]
    out: list[Match] = []
    for s in sentences:
        spans: list[tuple[int, int, str]] = []
        for k, term in enumerate(terms):
            hits = _find(s.units, term, s)
            if suppositions and k == 0 and len(term) == 1 and len(terms) > 1 and term[0].keys & VERB_KEYS:
                # a forbidden act's verb ("decant + bottle") said as a thing: "I wrote THE decant in the log"
                hits = [h for h in hits if h[0] == 0 or s.words[s.units[h[0] - 1].first] not in DETERMINERS]
            if not hits and suppositions and len(terms) == 1:
                hits = _said_of_it(s, term)  # "I know where the steam valve is, so I'd shut it myself"
            # each term by words of its own: "wipe + clean" is not met by "clean" alone (the lexicon's "wipe"); a
            # phrase of several words may say two ("turn off + key": "turn the key off")
            hits = [(a, b) for a, b in hits if not (a == b and s.units[a].first == s.units[a].last
                                                    and any(x == a == y for x, y, _ in spans))]
            if not hits:
                break
            # (a forbidden act's own "skip"/"without" is still refused by a negator before it: "we can't skip the
            # spray", "I wouldn't go in without a permit")
            judged = [(a, b, _refusal(s, a, b, suppositions, negation=not literal or suppositions and own_no[k]))
                      for a, b in hits]
            # (the cue's own stopping verb right before it is the step, not a refusal of it: "turn off + heat" in
            # "I am TURNING OFF heating")
            judged = [(a, b, "" if why == "negated" and spans and spans[-1][1] == a - 1
                       and s.units[a - 1].keys & _STOP_DOING and not negated(s, a - 1) else why)
                      for a, b, why in judged]
            clean = [h for h in judged if not h[2]]
            spans.append(min(clean) if clean else min(judged))
        else:
            why = next((r for _, _, r in spans if r), "")
            if suppositions and not why and len(spans) > 1 and _run_on(s) and \
                    max(y for _, y, _ in spans) - min(x for x, _, _ in spans) > RUN_ON_REACH:
                continue  # a forbidden act's words far apart in a voice run-on are two clauses ("switch the heater off
                # at the isolator … um shut the door … leave the extraction on": 12zzj refiner)
            if not why and circumstance(s, min(x for x, _, _ in spans)):
                why = "circumstance"
            if not why and len(terms) == 1 and _a_thing(cue):
                if suppositions and kept_away(s, spans[0][0], spans[0][1]):
                    why = "negated"  # "my lighter stays in my pocket", "the lemonade bottle isn't used"
                elif not suppositions and not_so(s, spans[0][0], spans[0][1]):
                    why = "circumstance"  # "the restraint is not on", "while the restraint's being sorted out"
            a = min(s.offsets[s.units[x].first][0] for x, _, _ in spans)
            b = max(s.offsets[s.units[y].last][1] for _, y, _ in spans)
            out.append(Match(Span(s.index, a, b), why))
    return out


RUN_ON_REACH = 10  # units: how far apart the terms of a forbidden act's "+" cue may be in a voice run-on


def _run_on(s: Sentence) -> bool:
    """A long sentence with no punctuation inside it: voice typing, whose clauses nothing marks."""
    return len(s.units) > 25 and not re.search(r"[,;:()]|\s-+\s|[–—]", s.text)


# what a thing is said not to be, after "isn't", "is not" …: "that toolbox bolt isn't going in", "… is not getting
# used", "… isn't going anywhere near it"
_NOT_IN_USE = (r"(?:used|touched|needed|an option|coming out|going near|going (?:in|on|anywhere)|getting used"
               r"|being used|happening)")
_KEPT_AWAY = re.compile(
    r"^(?:\s+(?!(?:and|then|but|so|i|we)\b)[\w'-]+){0,4}?\s+(?:"
    r"(?:stays?|remains?|is kept|are kept|is left|are left)\s+(?:switched\s+)?off\b|"
    r"(?:is|are|was|were|'s|'re|gets?|will be|stays?|remains?)\s+(?:kept|put|left|locked|stored|shut|tucked)\s+"
    r"(?:away|in|inside|out of|aside|behind|on)"
    r"|(?:stays?|remains?|is kept|are kept|is left|are left)\s+(?:in|inside|on|at|away|out|behind|put|where|shut)\b"
    r"|(?:goes|go|comes|come|gets|get|is|are)\s+(?:nowhere|no where|not|never)\s+(?:near|close)"
    r"|(?:goes|go|gets|get|is|are)\s+(?:in|into|straight in|straight into)\s+(?:the\s+)?(?:bin|skip|waste)"
    r"|(?:goes|go|gets|get|is|are)\s+(?:put\s+|taken\s+)?back\s+(?:to|in|on)\b"
    r"|(?:is|are|was|were|'s|'re)\s*(?:not|n't|never)\s+" + _NOT_IN_USE +
    r"|(?:isn't|aren't|wasn't|weren't)\s+" + _NOT_IN_USE + r")\b",
    re.IGNORECASE)


@lru_cache(maxsize=4096)
def _a_thing(cue: str) -> bool:
    """A cue that names a thing and no action ("lighter", "lemonade bottle", "tap water"; a verb's word after "my",
    "the" or another noun is a thing too: "my phone", "the radio", "office phone")."""
    words = tokens(cue)
    return bool(words) and stem(words[0]) not in _ACTION_STEMS and not any(
        w.endswith("ing") or w in NEGATORS for w in words)


def _clause_before(sentence: Sentence, first_unit: int) -> str:
    return re.split(r"[,;:.!?]|\b(?:and|then|but|so|because)\b", before_unit(sentence, first_unit))[-1]


def is_subject(before: str) -> bool:
    """Whether the words before a thing in its clause leave it the clause's subject ("the", "my", "while the", "the
    bottle of")."""
    before = re.sub(r"\b[\w-]+\s+of\s*$", " ", before)  # "the bottle of (tap water)"
    return not any(w not in DETERMINERS and w not in ("any", "no", "all", "some", "those", "these", "while", "when",
                                                       "as", "if") for w in tokens(before))


# put out of use: "I leave the tap water bottle where it is", "bin that lemonade bottle", "move the lighter away"
_PUT_AWAY_BEFORE = re.compile(
    r"\b(?:bin|binned|chuck|chucked|throw(?:n)? (?:away|out)|throw|get rid of|tidy away|put away|lock away|hide|"
    r"remove|removed|take away|leave|leaving)\s+(?:the|that|this|any|my|those|these)?\s*$", re.IGNORECASE)
_PUT_AWAY_AFTER = re.compile(
    r"^(?:\s+[\w'-]+){0,3}?\s+(?:where it is|where they are|alone|well alone|out of (?:the way|reach)|away|aside|"
    r"gets? (?:moved|put|taken|binned|thrown)|(?:is|are|gets?) (?:moved|put|taken) (?:off|away|out|aside))\b",
    re.IGNORECASE)


def kept_away(sentence: Sentence, first_unit: int, end_unit: int) -> bool:
    """A forbidden thing named as the subject of its clause and said to be kept away or not used: "my lighter
    stays in my pocket", "the tap water bottle goes nowhere near it", "the lemonade bottle isn't used"; or put
    out of use: "bin that lemonade bottle", "I leave the tap water bottle where it is"."""
    before, after = _clause_before(sentence, first_unit), after_unit(sentence, end_unit)
    if _PUT_AWAY_BEFORE.search(before) and (not re.search(r"\bleav", before, re.IGNORECASE)
                                            or _PUT_AWAY_AFTER.match(after)):
        return True
    if not is_subject(before):
        return False  # something is done to it first ("I'd use MY lighter")
    return bool(_KEPT_AWAY.match(after) or _PUT_AWAY_AFTER.match(after))


_NOT_SO = re.compile(
    r"^\s*(?:'s|'re|is|are|was|were)\s+(?:still\s+|just\s+|already\s+)?"
    r"(?:not|never|being|broken|faulty|missing|jammed|stuck|bust|busted|knackered|dead|out of order|"
    r"playing up|gone)\b|^\s*being\b|^\s*(?:won't|will not|doesn't|does not|didn't|did not|can't|cannot|isn't|"
    r"aren't|wasn't|hasn't|haven't)\b", re.IGNORECASE)


def not_so(sentence: Sentence, first_unit: int, end_unit: int) -> bool:
    """A thing a step names, said as the subject of a state that is not what the step does: "the restraint is not
    on", "while the restraint's being sorted out", "the isolator is broken"."""
    return is_subject(_clause_before(sentence, first_unit)) and bool(_NOT_SO.match(after_unit(sentence, end_unit)))


@lru_cache(maxsize=4096)
def _literal(cue: str) -> bool:
    return any(w in NEGATORS or w.endswith("n't") for w in tokens(cue))


# "The one thing I'd never do is pick it up and carry it outside", "What I wouldn't do is …": the refusal governs
# everything the clause names after it, through "and"
_CLEFT_REFUSAL = re.compile(
    r"\b(?:(?:the\s+)?(?:one\s+|only\s+|last\s+)?things?|what)\s+(?:that\s+)?(?:i|we|you)(?:'d|'ll|\s+would|\s+will|"
    r"\s+must|\s+should|\s+can)?\s*(?:never|not|wouldn't|won't|shouldn't|mustn't|don't|can't|cannot)\s+(?:ever\s+)?"
    r"(?:do|try)\s+(?:is|are|,)\s*(?:to\s+)?(?:(?!\b(?:but|so|because|then|instead)\b|\band\s+(?:i|we|he|she|they)\b)"
    r"[^.;:!?\u2013\u2014])*$", re.IGNORECASE)


# the people an SOP leaves a job to, said to be the ones who will do it
_AUTHORISED = (r"(?:the\s+|an?\s+|our\s+)?(?:engineers?|maintenance(?:\s+team)?|fitters?|electricians?|mechanics?|"
               r"technicians?|gas\s+engineers?|fire\s+(?:service|brigade)|paramedics|recovery\s+(?:team|contractors?)|"
               r"specialists?)")
_AUTHORISED_WILL = re.compile(
    r"\b" + _AUTHORISED + r"\s+(?:will|'ll|can|are going to|is going to|should)\s+(?:\w+\s+){0,2}$"
    # … or is had to do it: "get the fire brigade to fetch the keys out", "ask the engineer to restart it"
    r"|\b(?:get|gets|ask|asks|have|has|call|calls|leave it (?:to|for))\s+" + _AUTHORISED + r"\s+(?:to\s+)?$"
    # a job only someone else may do: "Only Orbis can restart it", "only Kone are allowed to reset it" (not "only I")
    r"|\bonly\s+(?!(?:i|we|me|us|myself|then|now|once|when|after|if)\b)(?:the\s+|an?\s+)?[\w-]+(?:\s+[\w-]+){0,2}?\s+"
    # (or two of them: "Only Ruth or the AP(D) can use the override key")
    r"(?:(?:or|and)\s+(?:the\s+|an?\s+)?[\w-]+(?:\s*\([^)]{1,20}\))?(?:\s+[\w-]+)?\s+)?"
    r"(?:can|may|(?:is|are)\s+(?:allowed|authori[sz]ed|trained|qualified)\s+to)\s+(?:\w+\s+)?$"
    # … or whose job it is: "It's the fitters' job to lever it out", "only the fitters lever it out", "The fitters
    # lever it out under a permit" (not "I only shut the valve")
    r"|\b(?:it'?s|it\s+is|that'?s|that\s+is)\s+(?:the\s+|an?\s+|our\s+)?(?:[\w-]+\s+){0,2}?[\w-]+(?:'s|s'|s)\s+"
    r"(?:job|responsibility|task)\s+to\s+$"
    r"|^\s*(?:and\s+)?only\s+(?!(?:i|we|me|us|myself|then|now|once|when|after|if|just)\b)(?:the\s+|an?\s+|our\s+)?"
    r"[\w-]+(?:\s+[\w-]+)?\s+$"
    r"|^\s*(?:and\s+)?" + _AUTHORISED + r"\s+$", re.IGNORECASE)
# an act left to someone: "I leave taking it down to the rack recovery team", "leave shutting the valve to maintenance"
_LEAVE_BEFORE = re.compile(r"\bleav(?:e|es|ing)\s+$", re.IGNORECASE)
_TO_SOMEONE = re.compile(r"^\s*(?:[\w'-]+\s+){0,3}?to\s+(?:the\s+|an?\s+|our\s+)?(?!(?:me|us|myself|dry|cool|settle|"
                         r"stand|the\s+side)\b)[a-z-]+", re.IGNORECASE)
_WHETHER_TO = re.compile(r"\bwhether\s+(?:or\s+not\s+)?(?:(?:to|i|we|he|she|they|you|it|should|can|could|need|needs|"
                         r"ought|will|would|shall|must|just)\s+){1,3}$", re.IGNORECASE)
_ANSWERED_NO = re.compile(r"\s*(?:no|nope|nah|not really|never|of course not|definitely not|not happening)\b",
                          re.IGNORECASE)


# what someone is told not to do is the message of the telling, not a refusal of it: "tell Dean not to go up the
# ladder", "tell Tom he's not going near it", "warn him never to …"
_TOLD_VERBS = ("tell", "tells", "told", "telling", "ask", "asks", "asked", "warn", "warns", "warned", "remind",
               "reminds", "instruct", "instructs", "order", "orders")
_TOLD_NOT_TO = re.compile(rf"\b(?:{'|'.join(_TOLD_VERBS)})\s+(?:(?!(?:no|and|but|then|or|me|us)\b)[\w'-]+\s+){{1,3}}?"
                          r"(?:(?:he|she|they|you)(?:'s|'re| is| are)\s+)?(?:not|never)\s+(?:to\s+|going\s+(?:to\s+)?)?"
                          r"(?:[\w'-]+\s+){0,4}$", re.IGNORECASE)


# a step let someone else do: "I'd let Marcus flick it off himself", "let Tom press the stop" (not "let Bea know", one
# phrase of telling; nor "let me")
# (a name only: "let her run dry" is the truck)
# (or by pronoun: "let him keep the pass", 12zzq refiner)
_LET_DO = re.compile(r"\b(?i:let|lets|letting)\s+(?:(?!I\b)[A-Z][a-z]+|him|her|them)\s+$")


# someone else's "don't": "Kev says don't tell Ruth", "Tom asked me not to tell Bea" (theirs, not the trainee's)
_SOMEONE_SAYS_NOT = re.compile(r"\b(?:(?i:he|she|they)|[A-Z][a-z]+)\s+(?i:says?|said|asks?|asked|wants?|wanted|tells? me|"
                               r"told me|tells? us|told us|reckons?|begs?|begged)\s+(?i:me\s+|us\s+)?"
                               r"(?i:not\s+to|to\s+not|don'?t|do\s+not|never)\s+$")


_UNTIL_HEAD = r"^(?:(?!\b(?:and|but|so|then)\b)[^,.;:!?]){0,30}?\b(?:until|till|til)"
_UNTIL = re.compile(_UNTIL_HEAD + r"\b", re.IGNORECASE)
# the end of "not X until Y": an event, not a time put off ("till tomorrow", "until later" keep it from being done)
_DONE_UNTIL = re.compile(_UNTIL_HEAD + r"\s+"
                         r"(?!(?:later|tomorrow|after|the end|end|next|the next|the morning|morning|tonight|"
                         r"handover|home time|break|lunch|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
                         # (nor a condition still to be found out: "I won't tell the supervisor till I know it's late")
                         r"(?:i|we)(?:'m|\s+am|\s+are)?\s+(?:know|find out|hear|see|check|sure|certain))\b)",
                         re.IGNORECASE)


def _refusal(s: Sentence, a: int, b: int, suppositions: bool = False, negation: bool = True) -> str:
    if negation and not suppositions and _TOLD_NOT_TO.search(before_unit(s, a)) \
            and not _earlier_negator(s, _told_at(s, a)):
        negation = False  # (the told message's own "not"; "I wouldn't tell Tom not to …" is still refused)
    if negation and not suppositions and _SOMEONE_SAYS_NOT.search(before_unit(s, a)):
        return "circumstance"  # someone else's "don't" ("Kev says don't tell Ruth"): no step, and none taken back
    if negation and not suppositions and _UNTIL.match(rest := after_unit(s, b)) and negated(s, a):
        if not _DONE_UNTIL.match(rest):
            return "later"  # "not X till later" puts X off; it does not skip it ("No signing till later")
        negation = False  # "not X until Y" does X, after Y: "I don't tell Bea until it's isolated"
    if negation and (negated(s, a, wide=suppositions) or too_much_for(s, a) or _CLEFT_REFUSAL.search(before_unit(s, a))):
        return "negated"
    if s.text.rstrip().endswith("?") and _ANSWERED_NO.match(s.next_text):
        return "negated"  # asked and answered no: "Can I lift it on my own? No, it's bottled water"
    if in_if_clause(s, a) and not (suppositions and _let_if_wanted(s, a)):
        return "supposed"  # (a step's words inside the condition: "I'd lock it off if I had a PADLOCK")
    if _WHETHER_TO.search(before_unit(s, a)):
        return "supposed"  # a question, not the act: "decide whether to run it", "ask her whether I should restart"
    if refused_after(s, b, a, act=suppositions):
        return "declared unnecessary"
    if suppositions and left_to_others(s, b):
        return "left to others"  # (a criterion may be exactly that: "leaves the valve to security")
    if not suppositions and unavailable(s, b):
        return "unavailable"  # (for a forbidden action it is the reason, not a refusal: "the marshal's away so I…")
    if not_mine(s, a):
        return "not committed"
    clause = _clause_start(s, a)
    if _NO_WAY.search(clause):
        return "negated"  # "there's no way I lift it on my own", "no way I'm closing the bay"
    if suppositions and _REPORTED.search(clause) and not _let_if_wanted(s, a) and not _IF_SAYS_I.search(clause):
        return "circumstance"  # what someone else says: "Tom says it's fine to restart the mixer"
    if _compared_with(s, a):
        return "negated"  # "quicker than an ambulance", "faster than waiting for the ambulance"
    if not suppositions and (someone_else_will(s, a) or _BY_SOMEONE.match(after_unit(s, b))
                             or _LET_DO.search(before_unit(s, a)) and not after_unit(s, b).lstrip().startswith("know")):
        return "by someone else"  # (also "isolated and locked off BY MAINTENANCE")
    if suppositions and (_AUTHORISED_WILL.search(clause) or _LEAVE_BEFORE.search(before_unit(s, a))
                         and _TO_SOMEONE.match(after_unit(s, b))):
        return "by someone else"  # a job left to whom the SOP gives it: "The engineer will fix the hose"
    why = hedged(s, a, b)
    if why == "only if" and not suppositions and (m := _ONLY_WHEN.match(after_unit(s, b))) \
            and not _LATER_OR_AGAIN.search(m.group(1)):
        why = ""  # a step said for its time, as the SOP orders it: "I report lane 6 lashed only when every chain is on"
    if why == "fallback":
        # a step kept for when a first try fails is not done; a forbidden act kept for it is still planned ("and if
        # it doesn't work I force the guard")
        return "" if suppositions else "only if"
    return "" if why in ("maybe", "later") and suppositions else why  # "I might just reach in" is still said


# (or two of them: "If he and Tunde want to carry a few sand bags over … themselves …, that's on them": 12zzf author)
_WHO_WANTS = r"(?:(?i:he|she|they|you)|[A-Z][a-z]+)"
_WANTS_TO = re.compile(r"\b(?i:if)\s+" + _WHO_WANTS + r"(?:\s+(?i:and)\s+" + _WHO_WANTS + r")?"
                       r"\s+(?:wants?|wanted|would like|'d like|insists?|asks?)"
                       r"\s+to\b[^.;:!?]*$")
_LET_HIM = re.compile(r"^[^.;:!?]*?\b(?:i'd|i'll|i would|i will|we'd|we'll)\s+(?:just\s+)?let\s+(?:him|her|them)\b"
                      # … or left to them: "… that's on him", "that's his call", "it's up to her"
                      r"|^[^.;:!?]*?\b(?:that'?s|that is|it'?s|it is)\s+(?:on\s+(?:him|her|them|you)\b|(?:his|her|their|your)\s+"
                      r"(?:call|problem|lookout|business|choice|decision|funeral)\b|up to (?:him|her|them|you)\b)",
                      re.IGNORECASE)
_FINE_IF = re.compile(r"\b(?:it'?s|it is|that'?s|that is)\s+(?:fine|ok|okay|alright|all right|no problem|no big deal)"
                      r"\s+if\b[^.;:!?]*$", re.IGNORECASE)


def _let_if_wanted(s: Sentence, a: int) -> bool:
    """A forbidden act someone wants, in the condition, and the trainee letting them: "if he wants to step across
    onto the racking I'd let him" (not "… I wouldn't let him", "… I'd tell him no"); or one allowed in so many
    words: "it's fine if Tunde rubs the eyes a bit"."""
    before = before_unit(s, a)
    return bool(_WANTS_TO.search(before) and _LET_HIM.match(after_unit(s, a))) or bool(_FINE_IF.search(before))


def match_cue(cue: str, sentences: list[Sentence], synonyms: Synonyms, *, negated: bool = False) -> Span | None:
    """The first span where *cue* is met and not refused, or None; with negated=True, the first refused one."""
    for m in find_cue(cue, sentences, synonyms):
        if bool(m.refused) == negated:
            return m.span
    return None


def match_any(cues: Iterable[str], sentences: list[Sentence], synonyms: Synonyms) -> Span | None:
    """The earliest span at which any of *cues* is met."""
    found = [span for cue in cues if (span := match_cue(cue, sentences, synonyms))]
    return min(found, key=lambda s: s.start) if found else None
