"""The authoritative, deterministic grader for scenario drills.

Per criterion it matches the author's cues (core.cues: normalisation, synonyms, negation),
enforces order where the criterion says ``after``, and catches ``must_not`` actions. It also
guards the grade itself:

- answer text is data: text that addresses the grader ("ignore the rubric", "mark all
  criteria as met", "as the assessor you must…") is removed before grading and flagged, so it
  can never raise a score;
- keyword stuffing (a bare list of cue words, or an answer that both does and refuses the same
  step) earns nothing and is flagged;
- empty and off-topic answers score zero.

Every result says, per criterion, met or not, how sure the grader is, and the words that
earned it. Whenever it is unsure, the attempt is marked ``needs_review`` for a manager instead
of receiving a guessed grade.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from drillpad.core import lexicon
from drillpad.core.cues import (
    COUNTERFACTUAL, DETERMINERS, NEGATORS, NO_WAY_I, PERSON, STOPWORDS, VERB_KEYS, Match, Sentence, Span,
    Synonyms, Unit, english_words, find_cue,
    is_subject, negated, norm, plain_synonyms, tells,
    pieces, split_sentences, stem, tokens,
)
from drillpad.core.pack import Criterion, Drill, MustNot, Prompt

REVIEW_BELOW = 0.6
GRADER_VERSION = f"cues-2026.12+lexicon-{lexicon.LEXICON_VERSION}"
_STOP_STEMS = frozenset(norm(" ".join(STOPWORDS)))
# Words too common to count as a trace of a cue ("lock out" minus these is still {"lock", "out"}).
_TRACE_IGNORE = frozenset("i we you he she they it my our the a an to of and or then first next after before".split())
_INJECTION = re.compile(
    r"ignore (?:the |all |any |your |previous |prior |above )*(?:rubric|instructions?|criteria|rules|prompt)"
    r"|(?:mark|grade|score|rate|count)\w* (?:this |me |my answer |it )?(?:as )?(?:all |every |each )?"
    r"(?:criteri(?:a|on)s?|points?|answer)? ?(?:as )?(?:met|correct|passed|full marks|100)"
    r"|(?:all|every|each) (?:criteri(?:a|on)s?|steps?|points?) (?:are|is|as|were|was|have been|has been) "
    r"(?:met|satisfied|passed|done|covered|complete)"
    r"|as (?:the|an) (?:assessor|grader|examiner|marker|evaluator|ai|model|llm)"
    r"|(?:give|award) (?:me |this )?(?:full|maximum|top|all the) (?:marks|points|score)"
    r"|full marks|system prompt|you (?:must|should|will) (?:mark|grade|score|pass|give)"
    r"|(?:assessor|grader|examiner|marker)s? (?:must|should|will)"
    # notes to the marking system and claims of authority over the rubric
    r"|\b(?:marking|grading|scoring|assessment|evaluation) (?:system|tool|software|ai|bot|engine|scheme)"
    r"|\b(?:note|message|instruction)s? (?:for|to) (?:the )?(?:marker|grader|assessor|examiner|system|ai|reviewer)"
    r"|\b(?:to|dear) (?:the )?(?:marker|grader|assessor|examiner|whoever (?:marks|grades|checks))"
    r"|\bi(?:'m| am) (?:the|a|an|your) (?:trainer|assessor|instructor|examiner|training lead|trainer here)"
    r"|\b(?:criteria|rubric|sop|procedure|marking scheme|rules?|checklist|requirements?) "
    r"(?:(?:was|were|has|have) (?:been )?|got |just )?(?:updated|changed|revised|amended|relaxed|removed|waived)"
    r"|\b(?:trainer|assessor|instructor|training team|h&s|health and safety|manager|supervisor|boss|sop)"
    r"(?: \w+){0,2} (?:said|says|told (?:me|us)|agreed|confirmed|approved)(?: that)?(?: \w+){0,8}? "
    r"(?:not (?:needed|required|necessary)|isn't (?:needed|required|necessary)|optional|no longer|skip|can be skipped)"
    r"|\b(?:this|my) answer (?:is|should be|must be) (?:marked |graded |considered |treated as )?"
    r"(?:correct|complete|a pass|passed|full)"
    r"|\b(?:should|must) be (?:marked|graded|scored|considered|treated) (?:as )?(?:correct|complete|a pass|passed)"
    r"|\b(?:already|previously) (?:been )?(?:signed off|approved|assessed|certified)"
    r"|\bas (?:the|a|your|an) (?:[\w-]+ ){0,3}?(?:supervisor|manager|lead|leader|trainer|"
    r"assessor|boss|safety officer|h&s officer|instructor)\b[\s,]+i\b(?:'m| am)? ?(?:can )?"
    r"(?:confirm|say|authori[sz]e|approve|certify|decide|declare|waive|allow)"
    r"|\bi (?:hereby )?(?:confirm|certify|authori[sz]e|declare) (?:that )?(?:[\w-]+ ){1,4}"
    r"(?:is|are) (?:not|no longer) (?:required|needed|necessary)"
    # (2026-12f red team) a note to whoever marks it, a pasted sign-off or system text, a step declared done
    r"|\b(?:assessor|grader|examiner|evaluator|reviewer|moderator)s?\s*(?::|,|please\b|pls\b|note\b|-\s)"
    # (a marker is also a pen or a sticker: "the drug with the purple marker, the senior hears …"; the one who marks
    # is spoken to)
    r"|(?:^|[.!?,;:\n]\s*|\b(?:dear|hi|hello|hey|to|for)\s+)(?:the\s+)?markers?\s*(?::|,|please\b|pls\b|note\b|-\s)"
    r"|[\[<#(]\s*(?:#+\s*)?(?:system|admin|pasted|signed|sign-off|override|note to|assistant|instructions?)\b"
    r"|\bsystem (?:notice|override|message|note|instruction)|\bsigned off\s*[:\-—]|\bsign-off\s*[:\-—]"
    r"|\bplease\s+(?:to\s+)?(?:mark|count|treat|consider|tick|score|record)\b[^.]{0,40}?\b(?:done|met|complete|"
    r"completed|covered|passed|satisfied|ticked)\b"
    r"|\b(?:mark|treat|count)\s+(?:it|this|that|them|me|my answer|"
    r"(?:the|that|this|each|every|all)\s+(?:[\w-]+\s+){0,2}?(?:[\w-]+)|[\w-]+)\s+as\s+"
    r"(?:met|passed|complete|completed|covered|satisfied)\b"
    # (a step declared done by someone else or taken away; not "once that step is done I …")
    r"|\bstep (?:is|was|has been|are|were)\s+(?:already\s+|now\s+)?(?:covered|removed|dropped|waived|satisfied|"
    r"not needed|not required|optional|ticked)"
    r"|\bstep (?:is|was|has been) (?:already )?(?:done|complete|completed|finish|finished) (?:by|from|for me)\b"
    r"|\bso (?:this|that|the [\w-]+) step (?:is|was) (?:already )?(?:done|complete|completed|finish|finished)\b"
    r"|\b(?:that's|thats|that is)\s+(?:[\w-]+\s+){1,4}?(?:done|covered|ticked|sorted)\b(?:[^.]{0,30}\b(?:marker|note))"
    r"|\b(?:all|every|each) (?:criteri(?:a|on)s?|steps?|points?)\s+(?:now\s+)?"
    r"(?:met|satisfied|passed|done|covered|complete)"
    r"|\bexempt (?:from|of)\b|\bi(?:'m| am) exempt\b"
    r"|\brev(?:ision)?\.?\s*\d+\b[^.;]{0,60}?\b(?:removes?|removed|redefines?|drops?|dropped|waives?|no longer|"
    r"exempts?|allows?|says? (?:we|you) (?:don't|do not|no longer))"
    r"|\b(?:graded|scored|marked)\s+\d+\s*/\s*\d+|\breuse (?:the |my |that )?(?:grade|score|mark)"
    r"|\b(?:assessor|marker|grader|examiner)s?\s+(?:this|that|it)\b"
    r"|\b(?:this|that|it) (?:counts|should count) as (?:met|done|complete|completed|covered|passed|a pass|full|"
    r"['\"‘’“”])"
    r"|\bpasted from\b|\bsigned\s*:|\bpre-?\s?approved\b|\bplease (?:grade|mark|score|count|tick|accept|pass)\b"
    r"|\bgrade it so\b|\bstep (?:is|was) (?:met|satisfied|covered) by\b|\bas n/?a\b|\bnot applicable\b"
    r"|\b(?:doesn't|does not|don't|do not) apply to (?:me|us)\b"
    r"|\bi(?:'m| am) (?:the )?(?:site'?s? )?(?:nominated|designated)\b"
    r"|\bi(?:'m| am) authori[sz]ed to (?:skip|close|shut|override|ignore|bypass|sign|approve|waive|leave out)\b"
    r"|\bso (?:those|these|both|the) (?:two|three|steps?|ones?) (?:are|is|were) (?:already )?"
    r"(?:done|covered|complete|sorted)|\b(?:those|these|both|the) (?:two|three|steps) (?:are|were) already "
    r"(?:done|covered|complete|sorted)"
    # (2026-12f–j blind red team) a step waived or deprecated, "mark complete"
    r"|\bwaived\b|\bdeprecated\b|\bmark\s+(?:it\s+|this\s+|me\s+)?(?:complete|completed|passed|full)\b"
    # a claim about the answer or the candidate, system text, a rubric changed
    r"|\b(?:reviewed|authori[sz]ed|approved|verified|checked|confirmed|signed off)\b[^.;]{0,20}?\b(?:this|my|the) "
    r"(?:answer|response|attempt|submission)\b|\bskip (?:the )?marking\b"
    r"|\b(?:this|the) (?:candidate|trainee|learner)\s+(?:is|has|was|already)\b|^\s*system\s*:"
    r"|\baward (?:all|every|full|the full)\b|\b(?:rubric|criteria|marking scheme)\b[^.;]{0,30}?\b(?:has|have|was|were)"
    r"\s+(?:been\s+)?(?:changed|updated|revised)\b"
    # (2026-12s/12t red team) a step said to be covered elsewhere, exempt, not applicable or owed credit; the
    # marking itself named ("the isolate criterion", a JSON of results); a step claimed done before by someone else
    r"|\bcriteri(?:on|a)\b|\brubric\b|\bn/a\b|\b(?:count|counted|held|go|goes) against me\b"
    r"|\b(?:give|gave|award|get|deserve)s? (?:me )?(?:the |full |some )?credit\b|\bcredit (?:for|me)\b"
    r"|\bexempts?\b|\bexemption\b"
    r"|\bsigned off (?:the|this|that|my|our) (?:[\w-]+ )?(?:step|steps|criterion|answer|assessment|drill|module|part)\b"
    r"|\b(?:doesn't|does not|don't|do not) apply\b(?! to (?:him|her|them|the \w+))"
    r"|\b(?:step|steps|part|bit|everything else|the rest|all the rest)\b[^.;]{0,40}?\b(?:is|are|was|were|'s)\s+"
    r"(?:already\s+)?(?:covered|satisfied|handled|taken care of|n/a|ticked)\b"
    r"|\b(?:already|been)\s+(?:been\s+)?satisfied\b|\b(?:so\s+)?(?:that's|thats|that is)\s+(?:already\s+)?covered\b"
    r"|\b(?:everything|all) else (?:on the list |in the list )?(?:is|was|has been) (?:done|complete|covered|sorted)"
    r"|[{\[]\s*[\"'][\w -]+[\"']\s*:\s*[\"']?(?:met|true|yes|done|pass|passed|complete)\b"
    r"|\b(?:was|were|has been|had been) (?:already )?(?:done|completed|carried out|sorted) by (?!me\b|us\b)\w+ "
    r"(?:before|earlier|already|this morning|last night|at the start)"
    r"|\b(?:(?-i:[A-Z][a-z]+)|he|she|they|maintenance|engineering|someone|somebody)\s+(?:has\s+|had\s+)?"
    r"already\s+(?!(?:knows?|gone|left|here|there|on|in|out|back|at|down|up|got|has|had|is|was)\b)\w+(?:ed|ne|en|t)\b"
    r"[^.;]{0,40}?\b(?:no need|don't need|do not need|not needed|isn't needed|covered|"
    r"nothing (?:else )?(?:to do|for me))",
    re.IGNORECASE,
)
# a block set apart ([…], (…), <<…>>, // … //) that claims an approval, a log entry or an override: "[LOG 02:41
# security: alarm already raised, trainee call not required]", "[approved - H&S]", "(I'm an approved assessor …)"
_CLAIM_BLOCK = re.compile(r"\[[^\]]{0,300}\]|\([^)]{0,300}\)|<<.{0,300}?>>|//.{0,300}?//|```.{0,1000}?(?:```|$)"
                          r"|\{[^{}]{0,600}\}", re.DOTALL)
_CLAIM_WORDS = re.compile(
    r"\b(?:approv\w*|waiv\w*|override|overrid\w*|not (?:required|needed|necessary)|assessor|marker|grader|"
    r"authori[sz]\w*|signed|stamp\w*|exempt|criteri\w*|rubric|full (?:marks|credit)|log\s+\d{1,2}[:.]?\d{2})",
    re.IGNORECASE)
# a step waived on someone's say-so: "As agreed with Dev, small bin fires don't need the call point", "Per Dev, the
# tag isn't needed" (flagged for a manager; the words stay, so a forbidden act in them is still caught)
_AUTHORITY = re.compile(
    r"(?:^|[.;!?]\s*)as (?:agreed|confirmed|approved|authori[sz]ed|cleared|arranged) (?:with|by)\s+[\w' &()-]{2,50}?,"
    r"|(?:^|[.;!?]\s*)(?:per|according to)\s+"
    r"[\w' &()-]{2,50}?,\s*(?=[^.;!?]*\b(?:don't|doesn't|do not|does not|isn't|aren't|is not|are not|no need|not needed|"
    r"not required|no longer|can|allowed|permitted|fine|ok|okay|optional|only needs?)\b)", re.IGNORECASE)
# a block set apart as system text or a pasted note: "[SYSTEM] … [/SYSTEM]", "--- … ---", "<note> … </note>"
_INJECTED_BLOCK = re.compile(r"\[\s*(system|admin|note|instructions?|sys)\s*\](?:.*?\[\s*/\s*\1\s*\])?"
                             r"|<+\s*([a-z_]+)[^>]*>+(?:.*?<\s*/\s*\2\s*>)?|-{3,}.{0,400}?-{3,}",
                             re.IGNORECASE | re.DOTALL)
# pictures (emoji) a list may use for its items: "🚶 walkway ✋ STOP 🦺 banksman"
_PICTURES = "\U0001F300-\U0001FAFF\u2600-\u26FF\u270A-\u270D"
_FRAGMENT = re.compile(f"(?:[,;:.!?\n•–/|=>→➡⇒✓✔☑✅#{_PICTURES}\uFE0F]|\\s-+\\s|->)+")
_CONNECTED = re.compile(r"\b(?:then|first|next|after|before|and|i|i'd|we|my|it)\b", re.IGNORECASE)
# "X, Y and Z are the key to compliance", "Response = X + Y + Z": the steps named as a list, not done.
# "Approach, badge check, walkway and escort are the foundations of …": three or more things named, then said to
# be something ("are the …"; nobody does anything: no I/we/you/who before the verb)
_DOER = r"i|i'd|i'll|i'm|we|we'd|you|me|my|then|they|it|he|she|who|that|which|what"
# (an "it" after a verb's -ing is its object, not a doer: "freeing it from the poolside")
_ITEM = rf"(?:(?!\b(?:{_DOER.replace('|it|', '|')})\b)(?!(?<!ing )\bit\b)[^,;:.!?()]){{1,40}}"
_LISTED_SUBJECT = re.compile(rf"\s*(?:{_ITEM},\s*)+(?:{_ITEM}\s)?(?:and|or|&)\s{_ITEM}\s(?:is|are|make up|form)\s+"
                             r"(?:the|all|what|a|an|our|your|how)\s", re.IGNORECASE)
# a (truck's) key handed to someone is no "key to …": "DO NOT USE tag and key to the manager"
_HANDED_TO = (r"\s+(?:the\s+|my\s+|his\s+|her\s+|our\s+)?(?:manager|supervisor|shift|lead|security|office|desk|"
              r"gatehouse|reception|driver|engineer|him|her|them|me|goods|transport|team|board|cabinet|box)\b"
              r"|\s+(?-i:[A-Z][a-z]+)\b(?!\s+(?:and|&)\b)")  # (someone named: "keys to Gaz for the standby")
_META = re.compile(
    r"\b(?:is|are|were|being)\s+(?:the\s+|all\s+|my\s+)?(?:key|keys|important|essential|vital|crucial|critical|"
    r"pillars?|basics|fundamentals|requirements?|answer|response)\b|\bkey\s+(?:steps?|points?|words?)\b|\bkeys?\s+(?:to|for)\b(?!" + _HANDED_TO + ")"
    r"|\bcomplian(?:ce|t)\b|\bkeywords?\b|\bbest practice\b|\ball that matters\b"
    # the steps counted and named as a routine: "…: that is the booth clearance routine in five steps", "…: those six
    # steps are what make a thinners spill safe" (12zzj dev)
    r"|\b(?:in|those|these|the|its?) (?:two|three|four|five|six|seven|eight|\d) steps\b|\b(?:is|are) what (?:makes?|keeps?)\b"
    # ("the pillars of safety", "four pillars"; not "the eyewash station on the pillar")
    r"|\bpillars? of\b|\b(?:key|main|core|two|three|four|five|six|seven) pillars?\b"
    r"|^\s*(?:response|answer|steps|summary|procedure|solution)\s*[:=]"
    # the answer described instead of given: "the correct answer includes …", "I know the procedure is …"
    r"|\bthe (?:correct|right|model|ideal|expected|textbook|proper|full|perfect) (?:answer|response|procedure)\b"
    r"|\b(?:this|my|the) (?:answer|response) (?:includes?|contains?|covers?|mentions?|has|lists?)\b"
    r"|\bi know (?:the|that the|all the) (?:procedure|sop|steps|rules|drill|answer)\s+(?:is|are|says?|includes?)\b"
    r"|\bthe (?:procedure|sop|steps|process) (?:is|are|says?|would be|includes?)\s*:?\s*(?:to\s+)?"
    r"(?:[\w-]+\s*,\s*){2,}"
    # (2026-12t red team) "The main things here are …", "The procedure covers …"
    r"|\bthe main (?:things?|points?|steps?|priorities|bits|parts|jobs)\b"
    r"|\bthe (?:procedure|sop|process|drill|steps)\b[^.,;:]{0,40}?\b(?:covers?|involves?|consists? of|comes? down to)\b"
    # ("The right approach combines gloves and glasses, supervisor approval, …")
    r"|\bthe (?:right|correct|best|safe|proper|ideal|whole) (?:approach|way|method|response)\s+(?:combines|involves|"
    r"consists of|brings together)\b"
    # (2026-12s red team) "… is the rule", "… are what this situation is about"
    r"|\b(?:is|are) (?:the|my|our) (?:golden )?(?:rule|rules|drill|motto|mantra|way to go|order of the day)\b"
    r"|\bwhat (?:this|the) (?:situation|scenario|job|drill|task|case) is (?:all )?about\b"
    # (2026-12f red team) a mnemonic, a rhyme or a checklist instead of an answer
    r"|\b(?:mnemonic|acronym|rhyme|checklist|motto|slogan|mantra|textbook)\b"
    r"|^\s*(?:what|all)\s+(?:[\w'-]+\s+){0,4}?(?:needs?|wants?|expects?|takes?)\b[^:.]{0,30}:"
    r"|\b(?:means|equals)\s+(?:a|an|the|having|your|some)?\s*[\w-]+(?:\s+[\w-]+){0,3}\s*,"
    # (not "this is how I'd do it", "I know it by heart: …", "when it comes down to it": answers say those too;
    # "X, Y and Z are how …" and "… comes down to A, B and C" are caught by their shape, see _nobody_does)
    r"|\bthe one to remember\b|\bshould know (?:it |them )?by heart\b|\bin one line\b"
    r"|\bthe whole [\w -]{1,30} story\b|\bkind of situation\b"
    r"|^\s*what keeps\b|\bevery (?:picker|operator|driver|worker|trainee|baker|one|body)\b"
    r"[^.]{0,20}\bshould know\b"
    # (2026-12f–j blind red team) what it comes down to, what matters ("all about", "all covered", "Remember:" …
    # are _STRONG_META's)
    r"|(?<!when it )\bcomes?\s+down\s+to\b(?!\s+it\b)|\bwhat\s+(?:really\s+)?matters?\b"
    r"|\bin (?:two|three|four|five|six|\d) words\b"
    r"|\bthat'?s\s+(?:the\s+whole\b|basically\s+it\b|all\s+(?:there\s+is|you\s+need)\b|the\s+(?:[\w-]+\s+)?"
    r"(?:law|golden rule|gist)\b|the main things?\b)|\bthe main things? (?:for|about|with|in|is|are)\b"
    r"|\b(?:this|that|these|those) (?:is|are) the (?:rules?|steps?|drill|procedure|sop)\b"
    r"|\bthe (?:sop|procedure|rule|drill) is (?:basically|basicly|just|all|really|simply)\b"
    # the steps named and then called by the drill's name: "…, overload log and Helen: that's overloaded lorry
    # handling", "… - that's the jammed mixer procedure" (not "That's the job done" after a plan)
    r"|(?:[:;,]|\s-+)\s*(?:and\s+)?that'?s\s+(?:the\s+|how\s+(?:you\s+do\s+)?)?(?:[\w-]+\s+){0,3}"
    r"(?:handling|procedure|process|protocol|routine|sop|response)(?:\s+in\s+(?:a\s+)?nutshell)?"
    # (with a tail that has nobody doing anything: "…, with no water ever")
    r"(?:\s*[,;]\s*(?![^.!?]*\b(?:i|we|i'd|i'll|we'll|then|you)\b)[^.!?]{1,40})?\s*[.!]?\s*$"
    # "In a nutshell: stop, isolate, …" (not "That's it in a nutshell" after a plan: see _doing_after)
    r"|^\s*in\s+(?:a\s+)?nutshell\s*[:,-]",
    re.IGNORECASE)
# frames under which a single step named is still only named: a mnemonic, "Remember:", "Good practice would …",
# "… is all about …", "All covered"
_STRONG_META = re.compile(r"^\s*remember\s*(?::|the\b)|"
                          # ("Key here is: stop Marek, stop plant, …"; not a key that opens something: "the key is in
                          # the drawer")
                          r"^\s*(?:the\s+)?key\s+here\s+(?:is|are)\b(?!\s+(?:in|on|at|with|under|behind|inside|by|"
                          r"near|hanging|kept|missing|gone|lost)\b)|^\s*(?:the\s+)?key\s+(?:is|are)\s*:|"
                          r"\bgood practice\b|\b(?:all|just|really|mainly|mostly|basically) "
                          r"about\b|\ball\s+(?:covered|ticked)\b|\b(?:topics?|things?|points?|items?|bases)\s+covered\b",
                          re.IGNORECASE)


def _doing_after(s: Sentence, at: int) -> bool:
    """Someone doing a step after offset *at* of sentence *s* (a frame's end): "The main thing is the alarm, so I
    BREAK the call point", not "that's the rhyme we LEARN on day one"."""
    for k, u in enumerate(s.units):
        a = s.offsets[u.first][0]
        if a >= at and s.words[u.first] in _DOER_WORDS and any(v.keys & VERB_KEYS for v in s.units[k + 1:k + 3]):
            # (not one set against the steps named: "I know the procedure is X, Y, Z, but I'd just swap it")
            return not re.search(r"\bbut\b", s.text[at - s.start:a - s.start], re.IGNORECASE)
    return False


_ITS_THE = re.compile(r"\b(?:it'?s|it is)\s+(?:all\s+)?the\b", re.IGNORECASE)
_SPEAKING = frozenset("i i'm i'll i'd me my you your you'll he she his her him we they them don't dont won't wont "
                      "can't cant doesn't not never must mustn't".split())  # ("Gareth must not dig there. I tell Bea")
# the same words three times over (two words or more: a shout is often said three times, "fire fire fire")
_REPEATED = re.compile(r"\b((?:[\w'-]+\s+){1,2}[\w'-]{2,})(?:[\s,;.!-]+\1\b){2,}", re.IGNORECASE)
# a mnemonic named by its letters: "the three Ps", "the 4 Ls"
_MNEMONIC = re.compile(r"\b(?:[Tt]wo|[Tt]hree|[Ff]our|[Ff]ive|[Ss]ix|[Ss]even|\d)\s+[A-Z]'?s\b")
# an acronym for the steps ("C.L.O.S.E.", "P.A.W.S.")
_ACRONYM = re.compile(r"(?:\b[A-Za-z]\.){3,}")
_DOTTED_WORDS = frozenset("asap ppe sds loto coshh eta fyi rsvp aka ie eg etc am pm".split()) | frozenset(
    lexicon.ABBREVIATIONS)
_LIST_NUMBER = re.compile(r"^\s*(?:\d{1,2}|[a-z])[.)]\s+", re.MULTILINE)
_ARTICLES = DETERMINERS | {"some", "any"}
# someone doing something: "I", "we", "me and Sam" …
_DOER_WORDS = frozenset("i i'd i'll i'm i've we we'd we'll we're we've me us myself let's lets".split())
_CLAUSE_SPLIT = re.compile(r"[,;:→➡⇒✓✔()\n]|\s-+\s|\b(?:and|then|or|but|so|next|after that|afterwards|"
                           r"first)\b", re.IGNORECASE)
# words that make a run of terms a sentence someone says ("I'd", "the", "with", "then")
_FUNCTION = frozenset("""i we you my our the a an it to then with of on in for before after so if that this would
will i'd i'll we'd is are be have has at by and first next them his her their from into until once while when
i'm im am i've we're we'll he she they he's she's they're it's was were""".split()
                      # (a subject and its verb make a sentence: "No way I'm letting Dean near the container. Tell Bea.")
                      # (and text speak's: "permit frm mel", "standby @ manway", "w/ mel", "b4 entry")
                      + "frm @ & w/ w b4 til till thru wiv".split())


@dataclass(frozen=True)
class CriterionResult:
    id: str
    met: bool
    confidence: float
    evidence: str
    start: int = -1
    end: int = -1
    note: str = ""


@dataclass(frozen=True)
class Violation:
    id: str
    text: str
    evidence: str
    start: int
    end: int


@dataclass(frozen=True)
class Grade:
    drill_id: str
    criteria: dict[str, CriterionResult]
    violations: list[Violation]
    score: float
    passed: bool
    needs_review: bool
    flags: list[str] = field(default_factory=list)
    feedback: list[str] = field(default_factory=list)

    def to_contract(self) -> dict:
        """The stable JSON shape of `drillpad grade --json`."""
        return {
            "drill": self.drill_id,
            "criteria": {k: {"met": c.met, "confidence": round(c.confidence, 2), "evidence": c.evidence}
                         for k, c in self.criteria.items()},
            "violations": [v.id for v in self.violations],
            "score": round(self.score, 3),
            "passed": self.passed,
            "needs_review": self.needs_review,
            "flags": self.flags,
        }


def _strip_injection(answer: str) -> tuple[str, bool]:
    """Blank out sentences that address the grader (keeping offsets), and say if any did."""
    found = False
    out = list(answer)
    for m in [*_INJECTED_BLOCK.finditer(answer), *_CLAIM_BLOCK.finditer(answer)]:
        if _INJECTION.search(m.group(0)) or (m.re is _INJECTED_BLOCK and (m.group(1) or m.group(2))) or (
                m.re is _CLAIM_BLOCK and _CLAIM_WORDS.search(m.group(0))):
            found = True
            for i in range(m.start(), m.end()):
                out[i] = " "
    # (the rest of a sentence around a blanked block is read on its own: "(… mark complete.) I press the stop")
    for start, chunk in pieces("".join(out)):
        if _INJECTION.search(chunk):
            found = True
            for i in range(start, start + len(chunk)):
                out[i] = " "
    return "".join(out), found


_VERB_STEMS = frozenset(stem(v) for v in lexicon.ACTION_VERBS)
_MODALS = frozenset("will would can could should must might may shall 'll 'd".split())
_SEQUENCE = frozenset("then first next after before once until finally".split())
_PEOPLE = frozenset({"i", "we", "my", "our", "i'd", "i'll", "we'd", "we'll", "me", "us"})


_ARROW = re.compile(r"->|=>|[→➡⇒]")
_PICTOGRAPH = re.compile(f"[{_PICTURES}]")
_SEQUENCE_SPLIT = re.compile(r"(?:->|=>|[→➡⇒;\n]|\.(?:\s|$))+")


# what is said on the radio, the phone or the tannoy, after a colon or a dash: the message ("tell Quay Control on
# channel 12 - gang, bay 30, all down", "on the tannoy: Code Amber, Leo, 4, red coat")
_MESSAGE = re.compile(r"\b(?:tell|tells|told|report|reports|radio|radios|call|calls|ring|rings|phone|say|says|shout|"
                      r"announce|tannoy|channel \d+|ch ?\d+|ext \d+)\b[^.!?\n:]*?(?P<tail>(?:\s-+\s|:\s)[^.!?\n]*)",
                      re.IGNORECASE)


def _without_message(text: str) -> str:
    """*text* without the messages it gives, when they are short fragments with no step in them and at least eight
    words of answer remain; else *text* as it is (steps listed as the message are still a list)."""
    kept, at = [], 0
    for m in _MESSAGE.finditer(text):
        tail = [tokens(f) for f in re.split(r"[,;:]+|\s-+\s", m.group("tail")) if tokens(f)]
        if tail and all(len(f) <= 4 and not any(stem(w) in _VERB_STEMS for w in f) for f in tail):
            kept.append(text[at:m.start("tail")])
            at = m.end("tail")
    out = "".join(kept) + text[at:]
    return out if at and len(tokens(out)) >= 8 else text


def _is_list_shaped(answer: str) -> bool:
    """A bare list of terms: three or more fragments, most of them one to three words with nobody
    doing anything ("e-stop, lockout, padlock, isolator"). A terse answer made of steps ("close
    valve, key off, swap cyl, open slowly") is not one: its fragments start with verbs."""
    # steps joined by arrows are a sequence: each step is what lies between them, commas and all ("layers off, wet
    # skin, fan -> stay w him"); not when pictures stand for the steps ("📦 46 kg → 🛒 flatbed trolley → 👥 Morgan")
    parts = _FRAGMENT if len(_ARROW.findall(answer)) < 2 or _PICTOGRAPH.search(answer) else _SEQUENCE_SPLIT
    fragments = [f.strip() for f in parts.split(answer) if tokens(f)]
    if len(fragments) < 3:
        return False
    # one word a sentence: "STOP. ISOLATE. LOCK. PROVE. GLOVES." (a terse step keeps its object:
    # "Close valve. Key off.")
    if len(fragments) >= 4 and sum(len(tokens(f)) == 1 for f in fragments) / len(fragments) >= 0.7:
        return True
    bare = [f for f in fragments if len(tokens(f)) <= 3 and not (set(tokens(f)) & _FUNCTION)
            and not any(w in NEGATORS or w.endswith("n't") or stem(w) in _VERB_STEMS
                        for w in tokens(f.replace("-", "")))]  # "e-stop" is a thing, not a step
    # (not lines most of which do something, one of them listing what to ask: "Tell Dev no, not ringing thru. /
    # WWHAM w/ customer: who 4, symptoms, how long, tried what, other meds. / … / Log in blue folder.": 12zzh refiner)
    lines = [t for x in re.split(r"[.!?\n]+", answer) if (t := tokens(x))]
    if len(bare) / len(fragments) >= 0.6 and not (
            len(lines) >= 3 and sum(any(stem(w) in _VERB_STEMS for w in t) for t in lines) / len(lines) >= 0.6):
        return True
    # one breath of short fragments with nobody in them: "reject, record the reading, shift lead"
    one_sentence = not re.search(r"[.!?\n]\s*\S", answer.strip())
    clauses = [f for f in re.split(r"[,;]+", answer) if tokens(f)]
    return (one_sentence and len(clauses) >= 3 and all(len(tokens(f)) <= 4 for f in clauses)
            and not any(set(tokens(f)) & (_PEOPLE | _SEQUENCE) for f in clauses)  # "…, try start, then clear it"
            and not all(_an_order(f) for f in clauses)  # "stop btn, isolate, tell Bea asap", "don't skip the isolation"
            # (a clause joined on by "and" + a verb is prose: "Tell Joanna no light, no phone, and get out together")
            and not any(len(t := tokens(f)) > 1 and t[0] in ("and", "then") and stem(t[1]) in _VERB_STEMS
                        for f in clauses))


def _an_order(fragment: str) -> bool:
    """A fragment that starts with a verb, or with "don't" / "never" / "no" and a word ("don't skip the isolation",
    "no kids in")."""
    t = tokens(fragment)
    return stem(t[0]) in _VERB_STEMS or (len(t) > 1 and t[0] in ("don't", "dont", "never", "do", "no"))


# a person's name in a drill's text: a capitalised word of two letters or more ("Jo", "Kwame"), not a two-letter
# function word at the head of a sentence ("It", "If", "He")
_NAME = (r"(?!(?:It|He|If|We|On|No|At|Or|Is|In|Mr|Ms|Do|An|As|Go|So|Re|My|Up|Us|Me|Be|By|To|Of|Oh|Ok|Hi|Am|Pm|Id|"
         r"Ta|Ah|Eh|Er|Um|Hm)\b)[A-Z][a-z]{1,}")
_APPOSITIVE = re.compile(r"\b(" + _NAME + r"),\s+(?:a|an|the|our|your)\s+((?:[a-z-]+\s+){0,3}?[a-z-]{3,})"
                         r"(?=\s*(?:[,.;:)]|\s(?:is|was|who|has|on|in|at|from|with)\b))")
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”")
_ROLE_KEYS = frozenset(f"lex:{r}" for r in ("supervisor", "first-aider", "maintenance", "security"))
@dataclass(frozen=True)
class _DrillFacts:
    """What the grader reads from a drill itself, the same for every answer to it."""

    synonyms: Synonyms  # the pack's and the lexicon's, plus this drill's spelling vocabulary and people
    two: dict[str, "TwoActions | None"]  # each criterion's two-action reading
    own_words: dict[str, frozenset[str]]  # the words of each criterion's text that no other criterion uses
    guards: dict[str, list[MustNot]]  # the forbidden action each required criterion is the safeguard against
    urgent: dict[str, bool]  # whether a criterion wants its step done at once
    before: dict[str, frozenset[str]]  # the step a criterion's text says comes after it ("before unplugging")
    prevents: dict[str, list[MustNot]]  # the forbidden acts a step that stops someone is against
    refuses: dict[str, list[MustNot]]  # the forbidden acts a step of saying no refuses ("Refuses to drive Route 9")
    condition: dict[str, frozenset[str]]  # the content words of each criterion's own "only once …" clause
    turned_down: dict[str, re.Pattern[str]]  # saying no to the one a preventing step stops, who proposes the act
    sided_with: dict[str, re.Pattern[str]]  # siding with the one the situation quotes proposing a forbidden act
    # for a forbidden act whose cue words the lexicon's longer phrases could swallow: the synonyms that read those
    # phrases as their words
    split: dict[str, Synonyms]


_drill_cache: dict[tuple[int, int], tuple[Drill, Synonyms, _DrillFacts]] = {}
DRILL_CACHE_SIZE = 16
"""Each entry holds a lexicon copy (~0.3 MB) and is keyed by object identity, and a window loads its drill
afresh for every answer: 512 entries grew the trainee app by ~150 MB over a day. The most recent few."""


def drill_synonyms(drill: Drill, synonyms: Synonyms | None) -> Synonyms:
    """The pack's synonyms and the lexicon, plus what this drill adds: spelling towards its own cue
    words, and the people its scenario names read as their role ("Jordan, the shift lead")."""
    return drill_facts(drill, synonyms).synonyms


_NOT_PART = re.compile(r"\b(?:instead of|rather than|without|never|(?<!do )not|no|don't|doesn't|isn't)\b[^,;:.()]*")


def _every_cue(c: Criterion) -> list[str]:
    """A criterion's cues and the cues of each of its parts."""
    return [*c.cues, *(x for p in c.parts for x in p)]


def drill_facts(drill: Drill, synonyms: Synonyms | None) -> _DrillFacts:
    """The per-drill facts (cached for the most recent drills): the drill's synonyms, and the readings of
    its criteria that do not depend on the answer."""
    base = synonyms or plain_synonyms()  # one object, so that a drill graded without synonyms is cached too
    key = (id(drill), id(base))
    hit = _drill_cache.pop(key, None)
    if hit is not None:
        _drill_cache[key] = hit  # most recently used last
        return hit[2]
    cue_text = [q for c in drill.criterion for q in _every_cue(c)]
    cue_text += [q for m in drill.must_not for q in m.cues]
    vocabulary = {w for q in cue_text for w in tokens(q) if len(w) >= 5 and w.isalpha()}
    vocabulary |= {w for members in lexicon.CONCEPTS.values() for m in members for w in tokens(m)
                   if len(w) >= 5 and w.isalpha()}
    aliases: dict[str, frozenset[str]] = {}
    situation = drill.situation_text()
    # a capitalised word is a person's name unless the drill also writes it in lower case ("dock") or it
    # names a place with a number ("Bay 3", "Dock 2")
    lower = set(re.findall(r"\b[a-z][a-z]+\b", " ".join([situation, drill.question, drill.model_answer])))
    numbered = {n.lower() for n in re.findall(r"\b(" + _NAME + r")\s+\d", situation)}
    # (what someone says is not who they are: "Lee … says: 'tape it down with gaffer'" makes Lee no boss)
    unquoted = _QUOTED.sub(lambda q: " " * len(q.group(0)), situation)
    for said in re.finditer(r"\S.*?(?:[.!?;](?=\s)|$)", situation, re.DOTALL):
        sentence = said.group(0)
        names = {n for n in re.findall(r"\b" + _NAME + r"\b", sentence)
                 if n.lower() not in STOPWORDS and n.lower() not in english_words() and n.lower() not in vocabulary}
        roles = base.meanings(unquoted[said.start():said.end()]) & _ROLE_KEYS
        # one role in the sentence and one person: that person has that role here
        if len(names) == 1 and len(roles) == 1:
            aliases[next(iter(names)).lower()] = frozenset(roles)
        # every person named is someone a cue's "him" or "her" can stand for ("help him up": "help Kofi up"):
        # a capitalised word not written in lower case anywhere in the drill, and an English word ("Morgan")
        # only inside a sentence
        for m in re.finditer(r"\b" + _NAME + r"\b", sentence):
            n = m.group(0).lower()
            if n in STOPWORDS or n in lower or n in numbered or (m.start() == 0 and n in english_words()):
                continue
            aliases[n] = aliases.get(n, frozenset()) | {PERSON}
    # a person introduced by what they are ("Marta, a reach truck driver, …"): "stop Marta" is "stop the driver"
    for m in _APPOSITIVE.finditer(situation):
        name, head = m.group(1), m.group(2).split()[-1]
        if name.lower() in STOPWORDS or name.lower() in english_words() or head in STOPWORDS:
            continue
        # (and as the whole role where the pack or lexicon names it: "Gareth, the crew leader" is a "crew leader")
        role = base.cue_units(m.group(2))
        aliases[name.lower()] = aliases.get(name.lower(), frozenset()) | base.meanings(head) | (
            role[-1].keys if role else frozenset())
    out = base.with_extra(vocabulary, aliases)
    # (a criterion's own words leave out what it says not to do: "instead of CARRYING it", "never LIFTS it alone")
    content = {c.id: frozenset().union(*_content(_NOT_PART.sub(" ", c.text), out)) for c in drill.criterion}
    situation = drill.situation_text()
    prevents = {c.id: _prevented(drill, c, out) or _proposed(drill, c, situation, out)
                for c in drill.criterion if _PREVENTING.match(c.text)}
    facts = _DrillFacts(
        synonyms=out,
        two={c.id: two_actions(drill, c, out) for c in drill.criterion},
        own_words={c.id: content[c.id] - frozenset().union(*(k for o, k in content.items() if o != c.id))
                   for c in drill.criterion},
        guards={c.id: _guarded(drill, c.id, out) for c in drill.criterion if c.required},
        # (not when its text names a later time itself: "tells the lead at once and reports before the end of shift")
        # (a step the SOP puts before the work is not to be put off either: "Radios the crew leader BEFORE trying to
        # free it")
        urgent={c.id: bool(_URGENT.search(c.text) or _BEFORE_WORK.search(c.text)) and not _later(c.text)
                for c in drill.criterion},
        before={c.id: _later_step(c.text, out) for c in drill.criterion},
        prevents=prevents,
        refuses={c.id: _closest(drill, c.text, out) for c in drill.criterion
                 if c.id not in prevents and _REFUSING.search(c.text)},
        condition={c.id: _condition_words(c.text, out) for c in drill.criterion},
        turned_down={c.id: p for c in drill.criterion if c.id in prevents
                     and (p := _saying_no_to(c.text, situation)) is not None},
        sided_with=_siding_with(drill, situation, out),
        split={m.id: split for m in drill.must_not
               if (split := out.splitting_phrases_over(m.cues)) is not out},
    )
    while len(_drill_cache) >= DRILL_CACHE_SIZE:
        del _drill_cache[next(iter(_drill_cache))]  # the least recently used goes
    _drill_cache[key] = (drill, base, facts)
    return facts


@dataclass(frozen=True)
class _Found:
    met: bool
    start: int = -1
    end: int = -1
    evidence: str = ""
    refused: str = ""   # why a mention did not count: negated, declared unnecessary, only if, if needed
    trace: bool = False  # every word of a cue present, but not as the phrase
    missing: tuple[str, ...] = ()  # parts of a criterion not said (the others were)
    tight: bool = False  # the trace is the cue's words next to each other in another order
    cues: tuple[str, ...] = ()  # the cues met (not refused)


# A step the SOP wants done at once ("tells the shift lead straight away") …
_URGENT = re.compile(r"\b(?:straight ?away|at once|immediately|right away|without delay|asap|promptly|urgently|"
                     r"there and then|right then)\b", re.IGNORECASE)
# … is not done when the answer puts it off ("mention it to Sam at break", "tell her at the end of the shift")
_PUT_OFF = re.compile(
    r"\b(?:later(?: on)?|tomorrow|eventually|at some point|sometime|some time|in the morning|at handover|"
    r"(?:at|on|in|during|after|over) (?:my |the |our |a |his |her |their )?(?:break|lunch|tea ?break|dinner|brew)|"
    r"(?:at|by|before|after|towards?) (?:the )?end of (?:the |my |our )?(?:shift|day|night|week)|end of (?:the )?shift|"
    # ("log it after the shift", "after work", "when it's quieter")
    r"after (?:the |my |our |this )?(?:shift|work)|(?:when|once|if) (?:it'?s|it is|it gets|things are|we'?re|we are) "
    r"(?:a bit )?quiet(?:er)?|"
    # (or of a round of work: "I'll tell Paula at the end of her med round", "after the sailing")
    r"(?:at|by|after|towards?) (?:the )?end of (?:the |my |our |his |her |their )?(?:[\w-]+ )?(?:round|rounds|list|run|"
    r"session|crossing|sailing|job)|"
    r"(?:when|once|after) i(?:'ve| have)? (?:get|got|have|had|find) (?:a |the )?(?:chance|minute|moment|time|round to it)|"
    r"(?:when|once|after) (?:i'm|i am|i've|i have|we're|we've) (?:done|finished)|(?:when|once|after) i finish|"
    r"next (?:time|shift|week|day)|(?:at|in) the next (?:meeting|briefing|huddle|shift)|"
    # ("mention it to Priya when she's done for the day": 12zzh refiner)
    r"(?:when|once|after)\s+(?:[\w'-]+\s+){0,2}?(?:done|finished)\s+for\s+the\s+(?:day|night|shift)|"
    # a step held off ("I'd hold off on stopping the court until the first aider's had a look", "hang fire on calling")
    # or kept for another day ("I'll ring the depot on Monday", 12zzm and 12zzn refiners)
    # (the trainee's own: not "tell Jordan to hold off for now and radio Sam")
    r"(?:i|we)(?:'d|'ll|\s+would|\s+will|\s+could)?\s+(?:just\s+|probably\s+)?(?:hold|held|hang)\s+(?:off|fire)|"
    r"(?:hold|holding|hang|hanging)\s+(?:off|fire)\s+on|"
    r"(?:on|by|next|this|over the|at the) (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekend)|"
    # "when he's back from lunch", "once she's back"
    r"back from (?:his |her |their )?(?:break|lunch|tea ?break|dinner)|"
    r"(?:when|once|after) \w+(?:'s|'re|\s+is|\s+are|\s+gets|\s+comes)\s+back|"
    # "once the van's gone", "when the lorry has left" (not "when the charge has finished": a step's own time)
    r"(?:when|once|after)\s+(?:the\s+|that\s+|this\s+|my\s+|our\s+)?\w+(?:'s|\s+is|\s+has|\s+have|\s+are)\s+"
    r"(?:gone|left|away))\b",
    re.IGNORECASE)
_CLAUSE_END = re.compile(r"[,.;:!?]|\b(?:and|then|but|so)\b", re.IGNORECASE)


# the things of "leave … for later / till tomorrow / for the next shift" (a thing left for later is not done)
_LEFT_FOR_LATER = re.compile(
    r"\bleav(?:e|es|ing)\b(?P<what>[^,.;:!?]{1,60}?)\b(?:for|till|til|until)\s+"
    r"(?:later|tomorrow|next (?:shift|time|week)|"
    r"the next shift|the (?:day|night|morning|late|early|next) shift|someone else|another day|the morning)\b",
    re.IGNORECASE)


# (not a deadline: "writes it up before going off duty", "before the end of the shift")
_BEFORE_WORK = re.compile(r"\bbefore\b(?!\s+(?:going off|going home|leaving|clocking|finishing|knocking off|signing off|"
                          r"handover|(?:the\s+)?end\b|the shift|(?:i|you|they|he|she|we)\s+(?:go|leave|finish)))",
                          re.IGNORECASE)
# "let Gareth know after", "I'll tell him afterwards": said for after the work, at the end of the step's clause
_AFTER_BARE = re.compile(r"\bafter(?:wards)?\s*$", re.IGNORECASE)


# the job finished first, then the step: "I'd finish the cuts on G1 then ring Rob", "get the order done, then tell
# Bea" (not a step of the procedure finished: "finish locking it off, then tell Bea")
_DET = r"(?:the|my|this|that|these|those|our|his|her|their|all|a|an)"
_THEN = r"(?:\s+first)?\s*,?\s*(?:and\s+)?(?:then|after that|before(?:\s+(?:i|we)(?:'ll|'d)?)?)\s*$"
_FINISH_FIRST = re.compile(rf"(?<!not )(?<!n't )\b(?:finish(?:es|ed|ing)?(?:\s+(?:off|up))?\s+{_DET}\b[^.;:!?]{{0,50}}?"
                           rf"|(?:get|got|getting)\s+{_DET}\b[^.;:!?]{{0,40}}?\bdone\b){_THEN}", re.IGNORECASE)


def _clause_around(sentence: Sentence, span: Span) -> tuple[str, str]:
    """The words of a match's clause before it (from the last punctuation) and after it (up to the next punctuation
    or "and", "then", "but", "so")."""
    rel_a, rel_b = span.start - sentence.start, span.end - sentence.start
    # (the clause begins after "so", "but", "because" too: "Grace on break SO I ring nurse in charge now" is not put off)
    return (re.split(r"[,.;:!?]|\b(?:so|but|because|cos)\b", sentence.text[:rel_a], flags=re.IGNORECASE)[-1],
            _CLAUSE_END.split(sentence.text[rel_b:], maxsplit=1)[0])


# "I would radio Code Amber, but not until I've checked the toilets" (12zzi refiner)
_BUT_NOT_UNTIL = re.compile(r"[^.;:!?]{0,60}?,?\s*\bbut\s+not\s+(?:until|till|til|before)\b", re.IGNORECASE)


def _put_off(sentence: Sentence, span: Span, text: str) -> bool:
    """Whether the clause of a match says it will be done later ("tell Sam at break", "let him know at some
    point", "finish the batch, then tell Sam"), and not also at once ("tell Sam straight away, not at the end of
    the shift")."""
    before, after = _clause_around(sentence, span)
    clause = before + " " + after
    later = _later(clause) or bool(_AFTER_BARE.search(after)) \
        or bool(_FINISH_FIRST.search(text[max(0, span.start - 120):span.start])) \
        or bool(_BUT_NOT_UNTIL.match(text[span.end:]))
    return later and not _URGENT.search(clause)


def _kept_for_next_time(sentence: Sentence, span: Span) -> bool:
    """Whether the clause of a match keeps the step for another occasion ("the lock-off I'll do next time")."""
    if not _NOT_THIS_TIME.search(sentence.text):
        return False
    before, after = _clause_around(sentence, span)
    return bool(_NOT_THIS_TIME.search(before + " " + after))


# where someone is, not when: "Radios Gareth straight away even though he is at lunch", "he's on his break"
_WHEREABOUTS = re.compile(r"\b(?:is|are|was|were|'s|'re)\s+(?:still\s+|just\s+)?(?:at|on|in|having)\s+(?:his |her |their |a )?"
                          r"(?:break|lunch|tea ?break|dinner|brew)\b", re.IGNORECASE)


def _later(text: str) -> bool:
    """Whether *text* puts something off till later ("tell Sam at break"; not "Sam is at lunch", nor a time refused:
    "now, not end of shift")."""
    text = _WHEREABOUTS.sub(" ", text)
    return any(not _NOT_BEFORE.search(text[:m.start()]) for m in _PUT_OFF.finditer(text))


_NOT_BEFORE = re.compile(r"\b(?:not|never)\s+(?:at\s+|till\s+|until\s+|by\s+)?(?:the\s+)?$", re.IGNORECASE)
# a step kept for another occasion is not done, urgent or not: "Lock-off I'll do next time when we're not rushed"
_NOT_THIS_TIME = re.compile(r"\b(?:next time|another (?:day|time)|some other time)\b", re.IGNORECASE)


_CASE_ARROW = re.compile(r"\s*(?:=>|->|→|=|:)")


def _search(cues: list[str], sentences: list[Sentence], synonyms: Synonyms, text: str, *,
            forbidden: bool = False, urgent: bool = False, after: int = -1, refusing: bool = False,
            delegated: bool = False, timed: bool = False, conditional: bool = False,
            condition: frozenset[str] = frozenset()) -> _Found:
    """The earliest clean match of any of *cues* (starting after the offset *after*), else what was seen instead;
    with *urgent* (the step is to be done at once), a match put off till later is refused; with *refusing* (the
    step is itself saying no: "Politely declines to work the tail-lift"), a negation is part of it ("tell him no
    politely, can't do the buttons"); with *delegated* (the step is leaving it to someone or having it done: "Leaves
    the valve to security", "Has an ambulance called"), someone else doing it is the step; with *timed* (the step's
    text is about when: "Takes it off only once the platform is on the ground"), a cue in a time clause counts;
    *condition* (the content words of the step's own "only once …" / "until …" clause): the step held back until
    that condition ("no all-clear till the cable's stowed", "all clear only when cable stowed") is the step."""
    waived = ({"negated", "declared unnecessary"} if refusing else set()) | (
        {"by someone else"} if delegated else set()) | ({"circumstance"} if timed else set()) | (
        {"supposed", "later"} if conditional else set())
    # (the step's own condition: "if the hook can't reach -> call"; a step for when things turn, kept for a turn: "If
    # he feel bad or is more than 45 minute inside, I call 999" meets "Calls 999 if they become unwell")
    per_cue = [[replace(m, refused="") if m.refused in waived and not (
                    # (a refusal itself negated is no refusal: "I wouldn't refuse Lee", "I would not stop him")
                    refusing and m.refused == "negated" and (_REFUSING.search(q) or _STOPPING_HEAD.match(q))) or (
                    condition and m.refused in ("negated", "only if") and _own_condition(sentences[m.span.sentence],
                                                                                      m.span, condition, synonyms)) or (
                    condition and m.refused in ("only if", "not committed")
                    and _own_condition_first(sentences[m.span.sentence], m.span, condition, synonyms))
                else m for m in find_cue(q, sentences, synonyms, suppositions=forbidden) if m.span.start > after]
               for q in cues]
    if urgent:
        per_cue = [[replace(m, refused="put off") if not m.refused and _put_off(sentences[m.span.sentence], m.span, text)
                    else m for m in found] for found in per_cue]
    if not forbidden:  # a thing left for later is not done: "leave the curtains and mattress for later"
        later = [(m.start("what"), m.end("what")) for m in _LEFT_FOR_LATER.finditer(text)]
        if later or _NOT_THIS_TIME.search(text):
            per_cue = [[replace(m, refused="put off") if not m.refused and (any(
                            a <= m.span.start and m.span.end <= b for a, b in later)
                            or _kept_for_next_time(sentences[m.span.sentence], m.span)) else m
                        for m in found] for found in per_cue]
    matches: list[Match] = [m for found in per_cue for m in found]
    clean = [m.span for m in matches if not m.refused]
    refused = [m for m in matches if m.refused]
    if clean:
        span = min(clean, key=lambda sp: (sp.start, -sp.end))
        # said, then taken back in so many words ("Press the e-stop. Actually no, I would not press it")
        retracted = any(r.refused == "negated" and r.span.start > c.span.start and r.span.sentence != c.span.sentence
                        and not _CASE_ARROW.match(text[r.span.end:])  # "not breathing = CPR": a case, not a no
                        and _negated_itself(sentences[r.span.sentence], r.span,
                                            _verb_before(sentences[c.span.sentence], c.span))
                        for found in per_cue for c in found if not c.refused for r in found)
        return _Found(True, span.start, span.end, text[span.start:span.end],
                      refused="negated" if retracted else "",
                      cues=tuple(q for q, found in zip(cues, per_cue) if any(not m.refused for m in found)))
    if refused:
        first = refused[0]
        return _Found(False, first.span.start, first.span.end, text[first.span.start:first.span.end],
                      refused=first.refused)
    for q in cues:
        units = [u for t in q.split(" + ") for u in synonyms.cue_units(t)]
        units = [u for u in units if not (u.keys & _TRACE_IGNORE)]
        if len(units) < 2:
            continue
        for s in sentences:
            idx = [next(iter(s.where(u.keys)), None) for u in units]
            if None in idx:
                continue
            hits = [s.units[i] for i in idx]
            if not any(negated(s, i) for i in idx):
                a = min(s.offsets[v.first][0] for v in hits)
                b = max(s.offsets[v.last][1] for v in hits)
                between = s.words[s.units[min(idx)].last + 1:s.units[max(idx)].first]
                # "Jordan gets told", "spray for leaks" — but not "jacket will dry" for "dry jacket"
                tight = max(idx) - min(idx) <= len(units) and not set(between) & _MODALS
                return _Found(False, a, b, text[a:b], trace=True, tight=tight)
    return _Found(False)


def _first_unit(sentence: Sentence, span: Span) -> int | None:
    return next((i for i, u in enumerate(sentence.units) if sentence.offsets[u.first][0] >= span.start), None)


def _verb_before(sentence: Sentence, span: Span) -> frozenset[str]:
    """The meanings of the content word just before a match ("PRESS the e-stop")."""
    first = _first_unit(sentence, span)
    for u in reversed(sentence.units[:first or 0]):
        if not (u.bridge or u.soft or u.stop or u.negator):
            return u.keys
    return frozenset()


def _negated_itself(sentence: Sentence, span: Span, verb: frozenset[str]) -> bool:
    """The negator refuses the step itself: it stands right before the refused words, or before the
    verb the step was said with ("Press the e-stop … I would NOT PRESS the e-stop") — not before another
    verb that has them as its object ("don't WAIT for the first aider"): only then is a later refusal
    taking the step back."""
    first = _first_unit(sentence, span)
    if first is None:
        return False
    between = 0
    for u in reversed(sentence.units[:first]):
        if u.negator:
            return True
        if not (u.bridge or u.soft or u.stop):
            between += 1
            if between > 1 or not (u.keys & verb):
                return False
    return False


_TIMED = re.compile(r"(?<!\bat )\b(?:once|until|till|when|after)\b", re.IGNORECASE)  # (not "at once")
# a step done with someone else standing by: what they do meanwhile is the step ("… while Tomasz watches from the
# door")
_ACCOMPANIED = re.compile(r"\bwith (?:a|an|another|the|a second|someone|somebody)\b(?:\s+[\w-]+){0,3}?\s+"
                          r"(?:standing by|stood by|watching|on standby|at the door|outside)\b", re.IGNORECASE)
# (waiting for someone is having them do it too: "Waits until the signaller confirms": "I wait he confirm")
_DELEGATED = re.compile(r"\s*(?:has|have|leaves?|hands?(?: over)?|waits?\s+(?:until|till|for)"
                        # "Lets Gary up to strap" (not "lets go of", "lets the lead know")
                        r"|lets?(?!\s+go\b)(?!\s+(?:[\w-]+\s+){1,3}?know\b)"
                        # "Gets C6 stopped by the control cabin", "Gets Bea to stop it", "Asks Bea to stop it"
                        r"|gets?\s+(?:[\w-]+\s+){1,4}?(?:to\s+[\w-]+|[\w-]+(?:ed|pt|ne|wn|ut)\s+by)"
                        r"|asks?\s+(?:[\w-]+\s+){1,4}?to\s+[\w-]+)\b", re.IGNORECASE)
_REFUSING = re.compile(r"\b(?:declin|refus|turns? down|says? no\b|tells? (?:him|her|them|the \w+) no\b)", re.IGNORECASE)


# a step whose own text is conditional: "Calls Control IF the hook cannot reach it"
_CONDITIONAL_STEP = re.compile(r"\b(?:if|unless|in case)\b", re.IGNORECASE)


# the condition a step's own text puts on it ("Gives the all-clear ONLY WHEN THE CABLE IS STOWED"), and the same said
# after the step in an answer ("no all-clear TILL THE CABLE'S STOWED")
_OWN_CONDITION = re.compile(r"\b(?:only\s+)?(?:once|until|till|til|when|after)\b([^,.;:!?]*)", re.IGNORECASE)
# … and as an answer says it, also "only if" ("ELK only if cleared")
_OWN_CONDITION_SAID = re.compile(_OWN_CONDITION.pattern + r"|\bonly\s+if\b([^,.;:!?]*)", re.IGNORECASE)


# a forbidden act after a plain condition is the act in that case ("If Ade's already parked over it I'd just go
# straight in", "if no one picks up, knock and go in"); not "I'd ONLY X if …", nor a case that is not so ("If it WAS
# under 1.2 m I might …, but …", "If there WERE no glass …")
_IF_OPEN = re.compile(r"^(?:(?:and|but|so|then|or)\s+)?(?:if|when|once)\b[^.;!?]*?"
                      r"(?:,|\bi'd\b|\bi\b|\bwe\b|\bthen\b)", re.IGNORECASE)
_NOT_SO = re.compile(r"\b(?:was|were|had|did|could|wasn't|weren't|only)\b", re.IGNORECASE)


def _if_then_act(sentences: list[Sentence], start: int) -> bool:
    s = sentences[_sentence_at(sentences, start) or 0]
    before = s.text[:start - s.start]
    m = _IF_OPEN.match(before.lstrip(" -–—"))
    return bool(m) and not _NOT_SO.search(before) and not re.search(r"\bbut\b", s.text[start - s.start:], re.I)


# the step said to come after the one that follows it in the text: "… after I hit the gas stop", "… once I've …"
_SAID_AFTER = re.compile(r"[^.;:!?,]{0,30}?\b(?:after|once|as soon as)\s+(?:i|we|i've|we've|i'?ve|you)\b", re.IGNORECASE)
_IF_BEFORE = re.compile(r"\b(?:if|unless|in case|otherwise)\b", re.IGNORECASE)


def _condition_words(text: str, synonyms: Synonyms) -> frozenset[str]:
    m = _OWN_CONDITION.search(text)
    return frozenset().union(*_content(m.group(1), synonyms)) if m else frozenset()


def _own_condition(s: Sentence, span: Span, condition: frozenset[str], synonyms: Synonyms) -> bool:
    """Whether the clause after a refused or conditional match names the step's own condition: "He doesn't get an
    all-clear till the cable's stowed" (two of its words, or all of them when it has one)."""
    m = _OWN_CONDITION_SAID.search(s.text[span.end - s.start:])
    if m is None or _PUT_OFF.search(m.group(0)) or _IF_BEFORE.search(s.text[:span.start - s.start]):
        return False  # (not a step kept for another case: "If it gets worse I'd stay by the cones until …")
    return _names_condition(m.group(1) or m.group(2) or "", condition, synonyms)


def _names_condition(clause: str, condition: frozenset[str], synonyms: Synonyms) -> bool:
    """Whether *clause* names the step's own condition: two of its words, or all of them when it has one."""
    content = _content(clause, synonyms)
    said = frozenset().union(*content)
    # (or nothing but one of its words: "ELK only if cleared" for "… once she is cleared to come off the floor")
    return len(said & condition) >= min(2, len(condition)) or len(content) == 1 and bool(said & condition)


# the step's own condition said first, inverted: "Only when the door lights are out would I give RA"
_CONDITION_INVERTED = re.compile(r"\s*(?:and |but |so )?only\s+(?:once|when|after|until|till)\b([^,.;:!?]*?)\b"
                                 r"(?:would|will|do|can|could|should)\s+(?:i|we)\b", re.IGNORECASE)


def _own_condition_first(s: Sentence, span: Span, condition: frozenset[str], synonyms: Synonyms) -> bool:
    """Whether the sentence opens with the step's own condition, inverted, and the step follows it: "Only once
    maintenance has signed it off would I restart the mixer"."""
    m = _CONDITION_INVERTED.match(s.text)
    return m is not None and s.start + m.end() <= span.start and _names_condition(m.group(1), condition, synonyms)


def _criterion(c: Criterion, sentences: list[Sentence], synonyms: Synonyms, text: str, urgent: bool = False,
               after: int = -1, condition: frozenset[str] = frozenset()) -> _Found:
    """*condition*: the content words of the criterion's own condition (the drill's facts hold them)."""
    how = {"refusing": bool(_REFUSING.search(c.text)), "delegated": bool(_DELEGATED.match(c.text)),
           "timed": bool(_TIMED.search(c.text) or _ACCOMPANIED.search(c.text)),
           "conditional": bool(_CONDITIONAL_STEP.search(c.text)),
           "condition": condition}
    found = _search(c.cues, sentences, synonyms, text, urgent=urgent, after=after, **how) if c.cues \
        else _Found(False)
    if found.met or not c.parts:
        return found
    parts = [_search(p, sentences, synonyms, text, urgent=urgent, after=after, **how) for p in c.parts]
    if all(p.met for p in parts):
        first = min(parts, key=lambda p: p.start)
        return _Found(True, first.start, max(p.end for p in parts), " … ".join(p.evidence for p in parts),
                      refused=next((p.refused for p in parts if p.refused), ""))
    no = next((p for p in parts if p.refused and not p.met), None)  # a part refused: "no need for an apron"
    missing = [i for i, p in enumerate(parts) if not p.met]
    some = len(missing) < len(parts)
    if no is not None:
        return _Found(False, no.start, no.end, no.evidence, refused=no.refused, trace=found.trace,
                      missing=tuple(c.parts[i][0] for i in missing) if some else ())
    return _Found(False, refused=found.refused, trace=found.trace,
                  missing=tuple(c.parts[i][0] for i in missing) if some else ())


# refusing to let someone, just before what a stopping step's cue names: "I'm not letting | Dean near the container"
# the words of stopping someone, at the head of what an answer says it will not do ("stop Dean", "refuse Lee")
_STOPPING_HEAD = re.compile(r"(?:stop|halt|refus|prevent|block|turn\w* (?:\w+ )?down|send\w* (?:\w+ )?back)", re.IGNORECASE)
_NOT = r"(?:\b(?:not|never)|n't)"
_NOT_GOING_TO = re.compile(rf"{_NOT}\s+(?:going to\s+|gonna\s+)?(?:try (?:to|and)\s+|bother to\s+)?$", re.IGNORECASE)
_NOT_LETTING = re.compile(rf"(?:{_NOT}|{NO_WAY_I})\s+(?:going to\s+|gonna\s+)?(?:let|letting|allow|allowing)\s+$",
                          re.IGNORECASE)


def _said_as_not_letting(text: str, at: int) -> bool:
    """Whether the words just before offset *at* refuse to let someone: "I'm not letting | Dean near the container"."""
    return bool(_NOT_LETTING.search(text[max(0, at - 40):at]))


_REFUSED_NOTE = {
    "negated": "mentioned, but as something you would not do",
    "declared unnecessary": "mentioned, but said to be unnecessary",
    "only if": "said you would do it only if something else happened; the situation needs it now",
    "if needed": "said you would do it only if needed; a manager will check",
    "put off": "said you would do it later; the SOP says at once",
    "unavailable": "named someone you said is not available",
    "circumstance": "mentioned as something that happens, not as what you do",
    "later": "kept for something that has not happened; the situation needs it now",
    "left to others": "said to be someone else's job",
    "supposed": "said as a supposition",
    "maybe": "said you might; not that you would",
    "not committed": "said as what is usually or ideally done, not what you do",
    "by someone else": "said someone else will do it",
}


# voice typing writes "no" as "know": "tell darren know nudging", "know way am i typing it", "say know to it" (not
# "let him know", "tell Tom I know …", "tell Bea know the …" is left as said)
_KNOW_WAY = re.compile(r"\bknow(?=\s+way\b)", re.IGNORECASE)
_TOLD_KNOW = re.compile(r"\b(?:(?:tell|tells|told)\s+[A-Za-z]+|say|says|said)\s+(know)\b(?!\s+(?:that|what|how|about|"
                        r"where|when|if|why|who|which|the|it|its|it's|we|i|he|she|they|you|this|there|them|him|her|"
                        r"whether|anything|nothing)\b)", re.IGNORECASE)


def _heard_as_no(answer: str) -> str:
    """*answer* with voice typing's "know" for "no" read as "no" (same length: evidence offsets stay)."""
    if "know" not in answer.lower():
        return answer
    answer = _KNOW_WAY.sub("  no", answer)
    return _TOLD_KNOW.sub(lambda m: m.group(0)[:m.start(1) - m.start()] + "  no", answer)


def grade(drill: Drill, answer: str, synonyms: Synonyms | None = None) -> Grade:
    answer = _heard_as_no(answer)
    facts = drill_facts(drill, synonyms)
    synonyms = facts.synonyms
    flags: list[str] = []
    cleaned, injected = _strip_injection(answer)
    claimed = injected or bool(_AUTHORITY.search(answer))  # (a step waived on someone's say-so: for a manager)
    if claimed:
        flags.append("injection")
    sentences = split_sentences(cleaned, synonyms)
    # what the answer says it will do or skip counts even inside a note to the grader ("I'm the trainer:
    # the restraint isn't needed here")
    said_sentences = split_sentences(answer, synonyms) if injected else sentences
    n_words = sum(len(s.words) for s in sentences)

    if n_words == 0:
        flags.append("empty")
        # (all of it a note to the marker: a forbidden act said in it is still said)
        violations = [Violation(m.id, m.text, f.evidence, f.start, f.end) for m in drill.must_not
                      if injected and (f := _own_act_in_note(m.cues, said_sentences, synonyms, answer)).met]
        return _zero(drill, flags, needs_review=claimed, violations=violations,
                     feedback=[_CLAIM_FEEDBACK if injected else "No answer was given."])

    results: dict[str, CriterionResult] = {}
    contradicted: set[str] = set()
    skipped: dict[str, _Found] = {}  # required steps the answer says it will not do ("no need to chock it")
    kept: dict[str, _Found] = {}  # required steps kept for a case ("if the swelling gets worse I'd call 999")
    cues_met: dict[str, tuple[str, ...]] = {}
    refused_own: dict[str, _Found] = {}  # steps whose own cue was said refused ("I'm not letting Dean near it")
    for c in drill.criterion:
        f = _criterion(c, sentences, synonyms, cleaned, facts.urgent[c.id], condition=facts.condition[c.id])
        cues_met[c.id] = f.cues
        if not f.met and f.refused == "negated" and f.start >= 0:
            refused_own[c.id] = f
        if c.required and not f.met:
            said = f if not injected else _criterion(c, said_sentences, synonyms, answer, facts.urgent[c.id],
                                                     condition=facts.condition[c.id])
            if said.start >= 0 and (said.refused in _SKIPPING and not _none_there(answer if injected else cleaned,
                                                                                   said)
                                    or said.refused == "only if" and _wished(
                    said_sentences, said.start)):
                skipped[c.id] = said
            elif said.start >= 0 and said.refused in ("only if", "later"):
                kept[c.id] = said
            # (in an answer with a note, the step named in the note is not said: "the lock was removed from the SOP")
            elif (not said.met or injected) and (dismissed := _dismissed(facts.own_words[c.id], said_sentences, answer)
                                   or injected and _id_dismissed(c.id, answer)):
                skipped[c.id] = dismissed
        waved = c.required and f.met and (_dismissed(facts.own_words[c.id], said_sentences, answer)
                                           or (not injected and _waved_off(f, sentences, cleaned)))
        if waved and not injected and waved.start == f.start and f.refused != "negated":
            # the only mention is the one waved away ("the restraint arm's down but don't bother with it")
            skipped[c.id] = waved
            results[c.id] = CriterionResult(c.id, False, 0.85, "", note=_REFUSED_NOTE["declared unnecessary"])
        elif f.met:
            # said, and also waved away in the step's own words ("proving isn't needed … check it's isolated")
            if f.refused == "negated" or waved:
                contradicted.add(c.id)
            results[c.id] = CriterionResult(c.id, True, 0.9, f.evidence, f.start, f.end)
        elif f.missing and not f.refused:
            results[c.id] = CriterionResult(c.id, False, 0.8, "", note="not all of it: missing " + ", ".join(
                f"“{m}”" for m in f.missing))
        elif f.refused:
            unsure = f.refused == "if needed"
            results[c.id] = CriterionResult(c.id, False, 0.55 if unsure else 0.85, "", note=_REFUSED_NOTE[f.refused])
        elif f.trace and f.tight:
            # the cue's words side by side in another order ("Jordan gets told"): credited, less surely
            results[c.id] = CriterionResult(c.id, True, 0.65, f.evidence, f.start, f.end,
                                            note="said in other words")
        elif f.trace:
            results[c.id] = CriterionResult(c.id, False, 0.5, "", note=_PARTLY)
        else:
            results[c.id] = CriterionResult(c.id, False, 0.9, "")
    # each forbidden act looked for once: refused here, said below
    found_forbidden = {m.id: _search(m.cues, sentences, synonyms, cleaned, forbidden=True) for m in drill.must_not}
    for m in drill.must_not:
        if found_forbidden[m.id].start < 0 and (split := facts.split.get(m.id)) is not None:
            # a cue whose words sit inside a longer phrase of the lexicon in the answer: read that phrase as its
            # words ("I'll nip back to the kiosk" says "back to the kiosk", not only "go back to" = carry on)
            again = _search(m.cues, split_sentences(cleaned, split), split, cleaned, forbidden=True)
            if again.met:
                found_forbidden[m.id] = again
    # a step that stops someone doing something is met by refusing that act in the forbidden act's own words
    # ("Gareth, hold it, not with the bucket" stops the digger from going in with the bucket)
    for cid, prevented in facts.prevents.items():
        own = refused_own.get(cid)
        if not results[cid].met and own is not None and _said_as_not_letting(cleaned, own.start):
            # … and by not letting the one it stops do what its cue names ("No way I'm letting Marcus near the door")
            results[cid] = CriterionResult(cid, True, 0.7, own.evidence, own.start, own.end,
                                           note="said as not letting them")
        if results[cid].met or results[cid].note:
            continue
        for m in prevented:
            f = found_forbidden[m.id]
            if not f.met and f.refused == "negated" and f.start >= 0:
                results[cid] = CriterionResult(cid, True, 0.7, f.evidence, f.start, f.end,
                                               note="said as refusing the forbidden act")
                break
    # … and by saying no to the one it stops, who has just proposed the act ("Tell Dan no.", Dan: "I'll just hop in")
    for cid, no in facts.turned_down.items():
        # (a cue of the step refused by the no itself is no reason to doubt it: "tomasz no your not moving it")
        if not results[cid].met and results[cid].note in ("", _PARTLY, _REFUSED_NOTE["negated"]) \
                and (m := no.search(cleaned)) \
                and not _NEGATOR_BEFORE.search(cleaned[max(0, m.start() - 12):m.start()]):
            results[cid] = CriterionResult(cid, True, 0.7, m.group(0), m.start(), m.end(),
                                           note="said as saying no to the one who proposes the act")
    # a criterion whose text asks for two things, written with cues for one: the other must be said too
    said_keys = frozenset(k for s in sentences for u in s.units for k in u.keys) | frozenset(
        w for s in sentences for w in s.stems)  # the words inside a phrase too ("keep PEOPLE away")
    for c in drill.criterion:
        r = results[c.id]
        if r.met and not c.parts and (missing := _unsaid_part(facts.two[c.id], cues_met[c.id], synonyms, said_keys)):
            results[c.id] = CriterionResult(
                c.id, False, 0.5 if c.required else 0.7, "",
                note=f"only part of it: nothing about “{missing}”" + ("; a manager will check" if c.required else ""))
    # order: a criterion that must follow others is not met when the answer puts it before them (a step
    # that is missing is already marked missing; what was right stays right). A step first named in passing and
    # then done in its place is in order: its mention after the earlier step (in the same sentence too) counts.
    texts = {c.id: c.text for c in drill.criterion}
    for c in drill.criterion:
        for before in c.after:
            r, b = results[c.id], results[before]
            if r.met and b.met and r.start < b.start \
                    and not _SAID_AFTER.match(cleaned[r.end:b.start]):  # (not "I tell Bea after I press the stop")
                later = _criterion(c, sentences, synonyms, cleaned, facts.urgent[c.id], after=b.end,
                                   condition=facts.condition[c.id])
                if later.met and not later.refused:
                    results[c.id] = CriterionResult(c.id, True, r.confidence, later.evidence, later.start,
                                                    later.end, note=r.note)
                    continue
                results[c.id] = CriterionResult(c.id, False, 0.75, r.evidence, r.start, r.end,
                                                note=f"said before “{texts[before]}”; the SOP order is the other way round")
    # "Switches the charger off before UNPLUGGING": an answer that unplugs first has the order the wrong way round
    for c in drill.criterion:
        r = results[c.id]
        if r.met and (later := facts.before[c.id]) and (at := _first_said(later, _around(sentences, r.start, cleaned)))\
                is not None and at < r.start and not _stated_as_prior(sentences, r.start):
            results[c.id] = CriterionResult(c.id, False, 0.75, r.evidence, r.start, r.end,
                                            note=f"said after “{cleaned[at:at + 30].split(',')[0].strip()}”; "
                                                 "the SOP order is the other way round")
    violations: list[Violation] = []
    for m in drill.must_not:
        f = found_forbidden[m.id]
        if not f.met and injected:
            f = _own_act_in_note(m.cues, said_sentences, synonyms, answer)
        if not f.met and f.refused == "only if" and f.start >= 0 and _if_then_act(sentences, f.start):
            f = replace(f, met=True, refused="")  # "If Ade's already parked over it I'd just go straight in"
        if not f.met:
            continue
        # a step said both ways excuses nothing; nor does a step done first when the act is said while the danger
        # it guards against lasts ("shout stop … while he's still creeping back I'll nip up to the cab")
        allowed = m.unless_after and all(results[a].met and a not in contradicted and results[a].start < f.start
                                         and not _undone(cleaned[results[a].end:f.start])
                                         for a in m.unless_after) and not _while_still(m.text, sentences, f.start)
        allowed = allowed or _kept_for_after(m.text, sentences, f.end, cleaned, synonyms) \
            or _kept_till_danger_over(m.text, sentences, f.start, f.end, cleaned)
        # the step said anywhere excuses the act ("off at the panel, lock off at the isolator" is no panel-only stop)
        allowed = allowed or bool(m.unless_met) and all(results[a].met and a not in contradicted for a in m.unless_met)
        # … and so does the act said for once that step is done ("only let Dean climb once the outage is confirmed")
        allowed = allowed or _kept_till_step([q for c in drill.criterion if c.id in (*m.unless_after, *m.unless_met)
                                              for q in _every_cue(c)], sentences, f.start, f.end, cleaned, synonyms)
        if not allowed:
            violations.append(Violation(m.id, m.text, f.evidence, f.start, f.end))
    # refusing a safeguard is the shortcut it guards against: "no need to chock it" is "loading an
    # unrestrained trailer", "the trolley's not worth it" is "carrying it 15 metres"
    said = {v.id for v in violations}
    for cid, f in skipped.items():
        for m in facts.guards[cid]:
            # (not a shortcut that is the step's own act done wrongly: "I'm not signing his figure" refuses the signing
            # in "Signing the ullage box without a dip")
            # (nor a step's cue whose negation is the one refusing the act itself: "stop + charge" in "I stop, she
            # doesnt get charged"; unless the act is leaving something undone: "Keeping it from Ruth instead of
            # reporting it" is "I won't tell Ruth")
            refusal = found_forbidden[m.id]
            if refusal.refused == "negated" and f.start <= refusal.start < max(f.end, f.start + 1) \
                    and not _AN_OMISSION.search(_ACT_HEAD.split(m.text, maxsplit=1)[0]):
                continue
            if m.id not in said and not _same_act(texts[cid], m.text):
                violations.append(Violation(m.id, m.text, f.evidence, f.start, f.end))
                said.add(m.id)
    # not stopping the one a step stops is letting them do it: "I would not stop Dean, it's not my place" is Dean
    # climbing the body (not "I'm not letting him", which stops him)
    for cid, own in refused_own.items():
        acts = facts.prevents.get(cid) or facts.refuses.get(cid)
        if acts and not results[cid].met and cid not in contradicted \
                and _STOPPING_HEAD.match(own.evidence) \
                and _NOT_GOING_TO.search(cleaned[max(0, own.start - 30):own.start]) \
                and not _said_as_not_letting(cleaned, own.start):
            for m in acts:
                if m.id not in said:
                    violations.append(Violation(m.id, m.text, own.evidence, own.start, own.end))
                    said.add(m.id)
    # a step kept for when things get worse is the act of waiting to see, or of not doing it, where that is the
    # forbidden act ("Waiting to see if he gets better before calling 999", "Not calling 999 for her head mark"); any
    # other condition is a step not done, not a shortcut taken
    for cid, f in kept.items():
        for m in facts.guards[cid]:
            if m.id not in said and (_WAIT_TO_SEE.search(m.text) or _NOT_DOING.match(m.text)):
                violations.append(Violation(m.id, m.text, f.evidence, f.start, f.end))
                said.add(m.id)
    # siding with the one who proposes a forbidden act is doing it ("Dev's right, ten minutes. Leave the key where it
    # is …"), unless the act is refused in its own words ("Fair enough, Tom. I won't force the guard though")
    for m in drill.must_not:
        f = found_forbidden[m.id]
        if (pattern := facts.sided_with.get(m.id)) and m.id not in said \
                and not (f.refused == "negated" and f.start >= 0) and (agreed := _sides(pattern, cleaned)):
            violations.append(Violation(m.id, m.text, agreed.group(0), agreed.start(), agreed.end()))
            said.add(m.id)

    # a step that is itself saying no ("Politely refuses to hand the parcel over") takes a negation as part of it; the
    # same words said plainly are the forbidden act it refuses ("so I give him parcel"), not the refusal
    for c in drill.criterion:
        r = results[c.id]
        if r.met and _REFUSING.search(c.text) and any(v.start < r.end and r.start < v.end for v in violations):
            results[c.id] = CriterionResult(c.id, False, 0.85, "", note="said as done, not refused")
    met = [r for r in results.values() if r.met]
    named = _naming(sentences, met) if met else []  # the sentences that name steps instead of doing them
    # (a recall question asks for the things themselves: a short list of them is its answer, "Face shield, gloves,
    # apron"; a dump of many more terms than it asks for is not)
    if met and _is_stuffing(cleaned, sentences, met, named) and not (
            isinstance(drill, RecallDrill) and not _REPEATED.search(cleaned) and not (named and len(named) == len(sentences))
            and _list_items(cleaned) <= 2 * len(drill.criterion) + 3):
        flags.append("stuffing")
    if claimed:
        # a note to the marker or a claim of authority earns nothing: a manager reads the whole answer and decides
        # (a forbidden act in it is still reported; so is a keyword list around it)
        return _zero(drill, flags, needs_review=True, violations=violations, feedback=[_CLAIM_FEEDBACK])
    if "stuffing" in flags:
        # told at once to say it in their own words (the flag stays in the evidence, and they can ask a manager);
        # a forbidden act named in such a sentence is named, not done ("… restarting the mixer after maintenance
        # are the key"); one in a bare list of terms stays flagged
        violations = [v for v in violations if not _in_any(named, v.start)]
        return _zero(drill, flags, needs_review=False, violations=violations,
                     feedback=["This looks like a list of key words. Describe what you would do, in order, "
                               "in your own words."])
    # a frame beside the answer names its own steps, not does them ("Remember the three Ps: …" after a plan)
    if named:
        for c in drill.criterion:
            r = results[c.id]
            if r.met and _in_any(named, r.start):
                later = _criterion(c, sentences, synonyms, cleaned, facts.urgent[c.id],
                                   after=max(x.start + len(x.text) for x in named if x.start <= r.start),
                                   condition=facts.condition[c.id])
                results[c.id] = CriterionResult(c.id, True, r.confidence, later.evidence, later.start, later.end) \
                    if later.met and not later.refused and not _in_any(named, later.start) \
                    else CriterionResult(c.id, False, 0.85, "", note="named, not said as what you do")
        met = [r for r in results.values() if r.met]
    if contradicted:
        flags.append("contradictory")  # the same step both done and refused: credit nothing for it
        for cid in contradicted:
            r = results[cid]
            results[cid] = CriterionResult(cid, False, 0.5, r.evidence, r.start, r.end,
                                           note="said both ways; a manager will check")
        met = [r for r in results.values() if r.met]
    traces = any(r.note for r in results.values())
    if not met and not violations and not traces and not _on_topic(drill, sentences):
        flags.append("off-topic")
        return _zero(drill, flags, needs_review=claimed,
                     feedback=["This answer does not address the situation. Read it again and say what you would do."])

    return _finish(drill, results, violations, flags)


# a safeguard undone: "take the tag off, switch it back on" (not "I won't take the lock off")
_UNDO = re.compile(r"\b(?:(?:take|takes|took|taking|pull|pulls|pulled|get|gets|got|whip|whips)\s+(?:the\s+|my\s+|his\s+|her\s+)?"
                   r"(?:lock|locks|padlock|padlocks|tag|tags|hasp|lock-off)\s+off|(?:remove|removes|removed|removing)\s+"
                   r"(?:the\s+|my\s+)?(?:lock|locks|padlock|padlocks|tag|tags|hasp|lock-off)|unlock\w*"
                   r"|(?:switch|switches|switched|turn|turns|turned|put|puts|flick|flicks|power|powers|powered)\s+"
                   r"(?:it|them|the\s+[\w-]+|[\w-]+)\s+back\s+(?:on|up)|re-?energi[sz]\w*)\b", re.IGNORECASE)
_UNDO_REFUSED = re.compile(r"(?:\bnot|\bnever|\bno|n't)\s+(?:\w+\s+){0,2}$", re.IGNORECASE)


def _undone(between: str) -> bool:
    """Whether the text *between* a step and an act undoes the step ("lock and tag on … then I'd take the tag off,
    switch it back on and …")."""
    return any(not _UNDO_REFUSED.search(between[:m.start()]) for m in _UNDO.finditer(between))


_SAFEGUARD = re.compile(r"\b(?:before|until|till|without)\s+(.+)", re.IGNORECASE)
_ONCE_AFTER = re.compile(r"^[^.;:!?,]{0,30}?\b(?:once|after|when|as soon as)\b([^.;:!?,]+)", re.IGNORECASE)


def _kept_for_after(forbidden: str, sentences: list[Sentence], end: int, text: str, synonyms: Synonyms) -> bool:
    """Whether a forbidden act that is one only before its safeguard ("Letting him carry on grinding before a permit
    is issued") is said for after it, in the same clause: "he can carry on once he has a permit"."""
    guard = _SAFEGUARD.search(forbidden)
    at = _sentence_at(sentences, end - 1)
    if not guard or at is None:
        return False
    s = sentences[at]
    later = _ONCE_AFTER.match(text[end:s.start + len(s.text)])
    return bool(later) and _shared(later.group(1), guard.group(1), synonyms) >= 1


# a forbidden act that is one only while the danger lasts: "Opening the door while the drum is still turning"
_WHILE_DANGER = re.compile(r"\bwhile\s+(?:[\w'-]+\s+){0,4}?(?:still\s+)?[\w'-]+ing\b"
                           # (or while a state lasts: "… while the cleat lamp is amber")
                           r"|\bwhile\s+(?:[\w'-]+\s+){0,5}?(?:is|are|'s|'re)\s+(?:still\s+)?[\w'-]+", re.IGNORECASE)
# … kept for once it has stopped, in the act's own sentence: "When it says DOOR FREE, I open", "I open it once the
# drum has stopped", "wait till it stops turning, then open" (not "when it slows down", "when it's nearly stopped")
_ONCE_WORDS = "when|once|after|as soon as|until|till|til"
_ONCE_CLAUSE = rf"\b(?:{_ONCE_WORDS})\b"
_ONCE_OR_IF = rf"\b(?:{_ONCE_WORDS}|if)\b"  # (a danger over: "if it's green, I …")
_DANGER_OVER = re.compile(r"\b(?:stop(?:s|ped)?|stands? still|(?:is|it's|its|has|have|are)\s+(?:come to a\s+)?"
                          r"(?:still(?!\s+(?:amber|red|on|live|hot|open|there|in|not|flashing)\b)|stationary|at rest)\b"
                          r"(?!\s+[\w'-]+ing)|free|released|finish(?:es|ed)|"
                          r"come to a (?:stop|standstill|halt)|"
                          # (a state put right: "once the lamp is green", "if the engineer gets it fixed")
                          r"green|fixed|repaired|sorted|(?:checks?|checked) out|pass(?:es|ed))\b", re.IGNORECASE)
_NOT_OVER_YET = re.compile(r"\b(?:nearly|almost|slow\w*|about to|starts?|starting|begins?|still\s+[\w'-]+ing)\b",
                           re.IGNORECASE)


_BUT_THEN = re.compile(r"\bbut\b(?!\s+only\b)(?!\s+not\s+before\b)", re.IGNORECASE)


def _once_clauses(before: str, after: str, words: str = _ONCE_CLAUSE) -> list[str]:
    """The when/once/till clauses about an act (or those opened by other *words*): the last one in the text *before*
    it and one opening the text *after* it ("once the drum has stopped I open it", "I open it once the drum has
    stopped"). Not one the act follows after a "but": that clause had its own answer ("If Gary was on the bed I'd
    stop the lift, but he's only at the headboard so I'd carry on lowering")."""
    clauses = [m.group(1) for m in re.finditer(words + r"([^.;:!?]*?)(?=" + words + r"|$)", before,
                                               re.IGNORECASE)][-1:]
    clauses = [c for c in clauses if not _BUT_THEN.search(c)]
    if (m := re.match(r"^[^.;:!?,]{0,30}?" + words + r"([^.;:!?,]+)", after, re.IGNORECASE)):
        clauses.append(m.group(1))
    return clauses


def _kept_till_danger_over(forbidden: str, sentences: list[Sentence], start: int, end: int, text: str) -> bool:
    """Whether a forbidden act that is one only while the danger lasts is said for once the danger is over, in a
    when/once/till clause of its own sentence, before the act or just after it."""
    at = _sentence_at(sentences, start)
    if at is None or not _WHILE_DANGER.search(forbidden):
        return False
    s = sentences[at]
    before = text[s.start:start]
    if s.cut_at_then():
        before = s.prev_text + " " + before  # (the sentence was cut at "then": "wait till it stops | then I open it")
    return any(_DANGER_OVER.search(c) and not _NOT_OVER_YET.search(c)
               for c in _once_clauses(before, text[end:s.start + len(s.text)], _ONCE_OR_IF))


def _kept_till_step(cues: list[str], sentences: list[Sentence], start: int, end: int, text: str,
                    synonyms: Synonyms) -> bool:
    """Whether a forbidden act that the pack allows after a step (whose *cues* these are) is said for once that step
    is done: the step named in a once/after/until clause of the act's own sentence, just before the act or just after
    it ("I only restart the mixer once maintenance have checked it"; not "restart it, maintenance check it after")."""
    at = _sentence_at(sentences, start)
    if not cues or at is None:
        return False
    s = sentences[at]
    for clause in _once_clauses(text[s.start:start], text[end:s.start + len(s.text)]):
        said = split_sentences(clause, synonyms)
        if any(not m.refused or m.refused == "circumstance" for q in cues for m in find_cue(q, said, synonyms)):
            return True
    return False


_WHILE_TIMED = re.compile(r"\b(?:while|still|until|before|yet)\b", re.IGNORECASE)
_STILL = re.compile(r"\b(?:still|yet to)\s+(?:[\w'-]+\s+){0,2}?[\w'-]+ing\b|\bwhile\s+(?:[\w'-]+\s+){0,3}?"
                    r"(?:still|being|not yet)\b"
                    # "… while we wait", "while we're waiting for it", "before it comes"
                    r"|\b(?:while|whilst)\s+(?:we|i|they|you)(?:'re| are| am|'m)?\s+(?:wait|waiting)\b"
                    # the danger going on, without "still": "as it goes round", "while it's reversing", "with it
                    # creeping back", "as the belt is running" (not "while I'm walking over", "as it stops", "with it
                    # sitting in the tray", "with the filling gun")
                    r"|\b(?:while|whilst|as|with)\s+(?:(?:it|he|she|they)(?:'s|'re|\s+is|\s+are)?|"
                    r"(?:the|that|this)\s+[\w-]+(?:'s|\s+is|\s+are))\s+(?!(?:sitting|standing|resting|lying|waiting|"
                    r"stopping|parking|being)\b)[\w-]+ing\b"
                    r"|\b(?:while|whilst|as|with)\s+(?:it|he|she|they|(?:the|that|this)\s+[\w-]+)\s+(?:turns|moves|"
                    r"runs|rolls|spins|goes|creeps|reverses|drives|comes|swings|slews|lifts)\b",
                    re.IGNORECASE)
# the danger named as a state that lasts: "even if it's still amber", "the lorry is still in gear" (not "once it is
# still, …", nor a case: "if the smell is still strong outside I'd …")
_STILL_STATE = re.compile(r"\b(?:it'?s|its|it is|he'?s|she'?s|they'?re|is|are)\s+still\s+(?=[a-z])", re.IGNORECASE)
_LAST_IF = re.compile(r"(\beven\s+)?\b(?:if|when|once)\b(?!.*\b(?:if|when|once)\b)[^,;.]*$", re.IGNORECASE)


def _while_still(forbidden: str, sentences: list[Sentence], start: int) -> bool:
    """Whether a forbidden act whose text is about timing ("… while the lorry is still moving", "… before it is
    restrained") is said in a sentence that says the danger has not passed ("while he's still reversing", "while
    it's still rolling", "while the restraint's being sorted out")."""
    if not _WHILE_TIMED.search(forbidden):
        return False
    at = _sentence_at(sentences, start)
    if at is None:
        return False
    text = sentences[at].text
    return bool(_STILL.search(text)) or any((c := _LAST_IF.search(text[:m.start()])) is None or c.group(1)
                                            for m in _STILL_STATE.finditer(text))


_AN_OMISSION = re.compile(r"\b(?:instead of|rather than|without|not|never|no|skip\w*|keep\w*\s+(?:[\w'-]+\s+){1,3}?"
                          r"from|fail\w*|forget\w*|ignor\w*)\b", re.IGNORECASE)
_ACT_HEAD = re.compile(r"\b(?:while|before|until|till|when|if|once|after|as)\b", re.IGNORECASE)  # (… its case)
_NOT_DOING = re.compile(r"\s*(?:not|never|failing to|failure to)\s+[a-z]+ing\b", re.IGNORECASE)
_WAIT_TO_SEE = re.compile(r"\bwait(?:s|ing)?\b(?:\s+\w+){0,3}?\s+(?:to see|and see|for|until)\b|\bwait and see\b",
                          re.IGNORECASE)
# "No trolley, so …", "there's no trolley free": there is none (a circumstance), not the step refused
_NONE_BEFORE = re.compile(r"\b(?:there'?s\s+|there\s+is\s+|theres\s+)?no\s+(?:\w+\s+){0,2}$", re.IGNORECASE)
_NONE_AFTER = re.compile(r"\s*(?:free|available|around|about|left|nearby|here|there|in sight|to hand)?\s*"
                         r"(?:,|;|\.|—|-\s|so\b)", re.IGNORECASE)


def _none_there(text: str, f: _Found) -> bool:
    return bool(_NONE_BEFORE.search(text[max(0, f.start - 40):f.start]) and _NONE_AFTER.match(text[f.end:]))


_SKIPPING = frozenset({"negated", "declared unnecessary"})  # (not "only if …": a condition is no shortcut taken)


def _wished(sentences: list[Sentence], start: int) -> bool:
    """The step at *start* said as what would happen in another world, then set aside: "If Jordan wasn't in such a
    hurry I'd get the restraint on. But he says straight away, …" — a step skipped, not kept for a case."""
    i = _sentence_at(sentences, start)
    if i is None or not COUNTERFACTUAL.search(sentences[i].text):
        return False
    s = sentences[i]
    return bool(re.search(r"\bbut\b", s.text[start - s.start:], re.IGNORECASE)
                or re.match(r"\s*but\b", s.next_text, re.IGNORECASE))


_GENERIC = frozenset(stem(w) for w in (
    "use using get take make do put keep let start work go going come have need want try check sure "
    "before after first then still instead while until only all any some every way thing "
    "out off back up down in on over away round around side".split())) | {"lex:put"}


_DISMISS_BEFORE = re.compile(
    r"\b(?:no need (?:for|to|of)|(?:don't|do not|won't|will not|wouldn't|would not|doesn't|does not|didn't|"
    r"shouldn't|not going to|never)\s+(?:really\s+)?(?:need|bother(?:\s+with)?|require)|"
    r"(?<!n't )(?<!not )(?<!never )(?<!dont )(?<!wont )"  # (not "I won't skip it": that commits)
    r"(?:(?<!the )(?<!a )(?<!general )(?<!waste )skip|skipping|forget about|ignore|ignoring)\b)"  # (not "in the skip")
    # (up to three words, none opening a clause of its own: "I wouldn't bother Kath UNLESS Dan starts kicking off")
    r"(?:\s+(?!(?:unless|if|until|till|when|because|cos|but|and|or|so|then)\b)[\w'-]+){0,3}\s*$", re.IGNORECASE)
_DISMISS_AFTER = re.compile(
    r"^[\s\w'-]{0,20}?\b(?:(?:isn't|is not|aren't|are not|'s not|'re not)\s+(?:really\s+)?"
    r"(?:needed|required|necessary|worth it)|(?:is|are|'s|'re)\s+(?:optional|unnecessary|pointless|overkill)|"
    r"(?:doesn't|does not|don't|do not) (?:apply|matter)|no longer (?:applies|apply|needed|required|necessary)|"
    r"(?:is|are|was|were|has been|have been)\s+(?:now\s+)?(?:removed|waived|cancelled|canceled|obsolete|dropped))\b",
    re.IGNORECASE)


# the step named, then waved away by a pronoun later in the sentence: "the restraint arm's down but it's only a quick
# load so don't bother with it", "the restraint won't catch the bar so forget it" ("don't forget it" is no dismissal)
_DISMISS_IT = re.compile(
    r"^[^.;!?]{0,70}?(?:\b(?:don't|do not|dont|won't|wouldn't|not going to|no need to|never)\s+(?:really\s+)?"
    r"(?:bother(?:ing)?|need|worry)(?:\s+(?:with|about))?\s+(?:it|that|them)\b"
    r"|(?<!don't )(?<!dont )(?<!not )(?<!never )\b(?:forget|skip|ignore)\s+(?:about\s+)?(?:it|that|them)\b"
    r"|\bno need for (?:it|that|them)\b|\b(?:it|that)(?:'s| is)\s+(?:not|n't)\s+(?:really\s+)?(?:needed|necessary))",
    re.IGNORECASE)


def _in_clause_before(text: str, s: Sentence, a: int) -> str:
    """The text of sentence *s* before offset *a*, from the last comma, semicolon or colon on."""
    clause_start = max(text.rfind(p, s.start, a) for p in ",;:") + 1 or s.start
    return text[max(clause_start, s.start):a]


def _waved_by_pronoun(before: str, rest: str) -> bool:
    """A thing named as the subject of its clause (*before* it) and waved away by a pronoun in the *rest* of the
    sentence: "the restraint arm's down but it's only a quick load so don't bother with it"."""
    return is_subject(before) and bool(_DISMISS_IT.match(rest))


def _waved_off(f: _Found, sentences: list[Sentence], text: str) -> _Found | None:
    """The mention that met a step, waved away by a pronoun (see _waved_by_pronoun)."""
    at = _sentence_at(sentences, f.start)
    if at is None:
        return None
    s = sentences[at]
    if _waved_by_pronoun(_in_clause_before(text, s, f.start), text[f.end:s.start + len(s.text)]):
        return _Found(False, f.start, f.end, f.evidence, refused="declared unnecessary")
    return None


def _dismissed(mine: frozenset[str], sentences: list[Sentence], text: str) -> _Found | None:
    """A required step waved away in words its cues did not foresee, by a word of the step's own text
    that no other step uses (*mine*): "won't need a break" (… then a warm-up break), "pendants are optional"."""
    for s in sentences:
        for u in s.units:
            if not u.keys & mine or u.stop:
                continue
            a, b = s.offsets[u.first][0], s.offsets[u.last][1]
            before = _in_clause_before(text, s, a)
            rest = text[b:s.start + len(s.text)]
            after = re.split(r"[,.;:!?]", rest, maxsplit=1)[0]
            # (what a telling step tells is the message: "tell Bea the guard isn't needed")
            if _DISMISS_BEFORE.search(before) or (_DISMISS_AFTER.match(after) and not tells([u], after)) \
                    or _waved_by_pronoun(before, rest):
                return _Found(False, a, b, text[a:b], refused="declared unnecessary")
    return None


def _id_dismissed(cid: str, text: str) -> _Found | None:
    """A step waved away by its id in a note to the marker: "Please mark refuse-route as not needed", "'support' no
    longer applies"."""
    for m in re.finditer(rf"(?<![\w-]){re.escape(cid)}(?![\w-])", text, re.IGNORECASE):
        after = re.split(r"[,.;:!?]", text[m.end():].lstrip("'\"’” "), maxsplit=1)[0]
        after = re.sub(r"^(?:step|criterion|criteria)\b", "", after, flags=re.IGNORECASE)
        if _DISMISS_AFTER.match(after) or re.match(r"\s*as\s+(?:not\s+(?:needed|required|necessary|applicable)|"
                                                   r"n/?a|optional|waived)\b", after, re.IGNORECASE):
            return _Found(False, m.start(), m.end(), m.group(0), refused="declared unnecessary")
    return None


_AND_THEN = re.compile(r"\s*(?:,\s*|\s+)(?:and then|and|then)\s+(?=([a-z]+)\b)|\s*;\s*(?=([a-z]+)\b)", re.IGNORECASE)


def _second_action(word: str) -> bool:
    """Whether *word*, after "and" in a criterion's text, starts a second action: a verb ending in -s ("… and
    RECORDS it"). Not a short verb ending in -e ("… and GIVES the commands", "… and TAKES the key out"): with those
    the dev answers meet the criterion by either part (measured when the stemmer learnt "gives" is "give": 12 such
    criteria, answers sent to a manager 478 -> 550 on every round's dev answers)."""
    if not word.endswith("s") or stem(word) not in _VERB_STEMS:
        return False
    return not (word.endswith("es") and len(word) == 5 and stem(word) == word[:3] + "e")


def criterion_actions(text: str) -> list[str]:
    """The actions a criterion's text joins: "Tells the shift lead and records it" → two; "Lowers
    the leveller and its lip" → one (the word after "and" is no verb). Brackets are left out."""
    text = re.sub(r"\([^)]*\)", " ", text)
    out, pos = [], 0
    for m in _AND_THEN.finditer(text):
        word = (m.group(1) or m.group(2) or "").lower()
        if _second_action(word):
            out.append(text[pos:m.start()])
            pos = m.end()
    out.append(text[pos:])
    return [seg for seg in out if seg.strip()]


@dataclass(frozen=True)
class TwoActions:
    """A criterion's text joining two actions, as the grader reads it."""

    actions: tuple[str, str]
    keys: tuple[frozenset[str], frozenset[str]]  # the words that say each (and only it)
    asked: tuple[bool, bool]  # whether the grader asks for each when the cues met the other


def two_actions(drill: Drill, c: Criterion, synonyms: Synonyms) -> TwoActions | None:
    """How the grader reads a criterion whose text joins two actions ("Tells the shift lead and
    records it"), or None (one action; three or more are left to the cues: too many ways to say them)."""
    segments = criterion_actions(c.text)
    if c.parts or len(segments) != 2:
        return None
    # words of the scene say nothing about which action was meant ("the bay"), but a person named in
    # the action does ("reports to Sam": "I give my name to Sam")
    scene = frozenset().union(*_content(drill.situation_text(), synonyms))
    people = [frozenset(stem(n.lower()) for n in re.findall(r"\b" + _NAME + r"\b", seg)) for seg in segments]
    units = [[u - (scene - named) for u in _content(seg, synonyms)] for seg, named in zip(segments, people)]
    keys = [frozenset().union(*u) for u in units]
    keys = [k - frozenset().union(*(o for j, o in enumerate(keys) if j != i)) for i, k in enumerate(keys)]
    if not all(keys):
        return None  # no telling which part the cues stand for
    # one plain word ("keeps PEOPLE back") has too many other wordings to ask for; one word the lexicon
    # knows the wordings of ("RECORDS it": log, write up, fill in …) does not; and a bare verb sharing
    # the other's object ("STOPS and lowers the mast") is part of that action
    asked = [not ((sum(1 for u in us if u & k) < 2 and not any(x.startswith("lex:") for x in k))
                  or len(tokens(seg)) == 1) for us, k, seg in zip(units, keys, segments)]
    return TwoActions((segments[0].strip(), segments[1].strip()), (keys[0], keys[1]), (asked[0], asked[1]))


def _unsaid_part(two: TwoActions | None, cues_met: tuple[str, ...], synonyms: Synonyms,
                 said: frozenset[str]) -> str:
    """The action of a two-action criterion (*two*, its reading) the answer says nothing about, when its cues
    (*cues_met*) matched the other ("Tells the shift lead and records it" met by "tell Jordan" alone), else ""."""
    if two is None or not any(two.asked):
        return ""
    matched = [frozenset(k for t in q.split(" + ") for u in synonyms.cue_units(t) for k in u.keys)
               for q in cues_met]
    covered = [_near(k, said) or any(_near(k, m) for m in matched) for k in two.keys]
    if all(covered) or not any(covered):
        return ""  # all said; or no telling which part the cues stand for
    unsaid = covered.index(False)
    return two.actions[unsaid] if two.asked[unsaid] else ""


def _near(keys: frozenset[str], said: frozenset[str]) -> bool:
    """Any of *keys* said, a word counting when its first five letters are ("isolate" / "isolator")."""
    if keys & said:
        return True
    heads = {k[:5] for k in said if len(k) >= 5 and ":" not in k}
    return any(len(k) >= 5 and ":" not in k and k[:5] in heads for k in keys)


def _content(text: str, synonyms: Synonyms) -> list[frozenset[str]]:
    """The meanings of each content word or phrase of *text* (function and very common words left out)."""
    return [keys for keys, _ in _content_units(text, synonyms)]


def _a_person(u: Unit, synonyms: Synonyms) -> bool:
    """Whether a unit of a text names a person: a role, or someone the scenario names ("Dean")."""
    return bool(u.keys & _ROLE_KEYS) or any(PERSON in synonyms.meanings(k) for k in u.keys if ":" not in k)


def _content_units(text: str, synonyms: Synonyms) -> list[tuple[frozenset[str], Unit]]:
    """(meanings, unit) of each content word or phrase of *text*."""
    out = []
    for u in synonyms.cue_units(text):
        keys = u.keys - _GENERIC
        if keys and not (u.stop or u.negator or u.bridge or u.soft):
            out.append((keys, u))
    return out


def _shared(a: str, b: str, synonyms: Synonyms) -> int:
    """How many content words of *b* mean something *a* says."""
    said = frozenset().union(*_content(a, synonyms))
    return sum(1 for keys in _content(b, synonyms) if keys & said)


_PREVENTING = re.compile(r"\s*(?:stops|prevents|refuses to let|does not let|doesn't let|won't let|will not let|"
                         r"forbids|tells (?:\w+ ){1,3}not to"
                         # a step of keeping out of it: "Stays outside the slew zone", "Leaves the bin where it is"
                         r"|stays? (?:out|outside|off|clear|behind)|keeps? (?:out|off|clear)(?! \w+ (?:out|off|clear))"
                         # "Keeps the door shut while the drum is still turning"
                         r"|keeps? (?:the |it |them )?(?:[\w-]+ ){0,2}(?:shut|closed|locked|down|in place)"
                         r"|leaves? (?:[\w-]+ ){1,4}(?:where (?:it|they) (?:is|are)|alone|in place|untouched))\b",
                         re.IGNORECASE)


def _closest(drill: Drill, text: str, synonyms: Synonyms) -> list[MustNot]:
    """The forbidden acts whose text shares the most content words with *text*, two or more; of those tied, the ones
    sharing most beside a person both name ("Stops Dean putting the ladder in the container" is about the ladder, not
    "Climbing into the container, or letting Dean climb in", though each shares two words with it)."""
    mine = _content_units(text, synonyms)
    said = frozenset().union(*(k for k, _ in mine))
    not_person = frozenset().union(*(k for k, u in mine if not _a_person(u, synonyms)))
    scored = []
    for m in drill.must_not:
        theirs = _content_units(m.text, synonyms)
        scored.append((sum(1 for k, _ in theirs if k & said),
                       sum(1 for k, u in theirs if k & not_person and not _a_person(u, synonyms)), m))
    best = max((n for n, _, _ in scored), default=0)
    if best < 2:
        return []
    tied = [(acts, m) for n, acts, m in scored if n == best]
    most = max(acts for acts, _ in tied)
    return [m for acts, m in tied if acts == most]


# the situation quoting someone: their name in the sentence that opens the quote ("Dan, at the hatch, says: “I'll just
# hop in…")
_PARTLY = "partly mentioned; a manager will check"  # a cue's words scattered in a sentence
_QUOTE = re.compile(r"[“\"][^”\"]{8,}[”\"]")
_NEGATOR_BEFORE = re.compile(r"\b(?:not|never|don'?t|didn'?t|won'?t|wouldn'?t)\s*$", re.IGNORECASE)


def _saying_no_to(text: str, situation: str) -> re.Pattern[str] | None:
    """For a step that stops someone named in its *text* ("Stops Dan from going into the bin") who proposes the act
    in the *situation*'s words: how an answer says no to them ("tell Dan no", "say no to Dan", "Dan, no!", "I wouldn't
    let Dan")."""
    quoted_by = {w for _, by in _quotes_by(text, situation) for w in by}
    names = [w for w in re.findall(r"\b" + _NAME + r"\b", text[1:]) if w in quoted_by]
    if not names:
        return None
    n = "|".join(re.escape(w) for w in names)
    no = r"(?:no|nope|no way|not a chance)\b(?!\s+(?:one|longer|more|body|need|problem|matter)\b)"
    return re.compile(rf"\b(?:tell|tells|told|say|says|said)\s+(?:to\s+)?(?:{n})\s+{no}"
                      rf"|\b(?:say|says|said)\s+no\s+to\s+(?:{n})\b|\b(?:{n}),\s*{no}|\bno,\s*(?:{n})\b"
                      # "No Dev, oily towels can catch fire": said to him, at the start of a sentence
                      rf"|(?:^|[.!?;:]\s*)no\s+(?:{n})\s*[,.!]"
                      rf"|\b(?:won'?t|wouldn'?t|will not|would not|don'?t|do not|not|never)\s+(?:be\s+)?"
                      rf"(?:let|letting|allow|allowing)\s+(?:{n})\b"
                      # "tell Ollie not to go down", "Ollie want go down, I say no", "Sophie must not go on the cover",
                      # "Ollie's not going down"
                      rf"|\b(?:tell|tells|told|ask|asks|asked)\s+(?:{n})\s+(?:not|never)\s+to\b"
                      rf"|\b(?:{n})\b[^.;:!?]{{0,60}}?\b(?:wants?|asks?|says?)\b[^.;:!?]{{0,60}}?"
                      rf"\b(?:i|we)\s+(?:say|said|tell (?:him|her|them)|told (?:him|her|them))\s+no\b"
                      rf"|\b(?:{n})\s+(?:must not|mustn'?t|cannot|can'?t|may not|is not allowed to|isn'?t allowed to)\b"
                      rf"|\b(?:{n})(?:'s\s+not|\s+is\s+not|\s+isn'?t|\s+not)\s+(?:going|getting|allowed|to)\b"
                      # "Tell Dean he's not going up there", "Marek stays on solid ground"
                      rf"|\b(?:tell|tells|told)\s+(?:{n})\s+(?:he|she|they)(?:'s|'re|\s+is|\s+are)\s+not\s+"
                      rf"(?:going|getting|allowed)\b"
                      rf"|\b(?:{n})\s+(?:stays?|keeps?|remains?)\s+(?:off|out|back|away|clear|outside|"
                      rf"(?:on|at)\s+(?:the\s+)?(?:solid\s+)?(?:ground|floor|walkway))\b"
                      # an order about him, or the act or thing refused to him: "Marcus doesn't touch that key",
                      # "Kasia please no touching", "dev NO.", "no key marcus!!", "Nobody is popping that door, Marcus"
                      rf"|\b(?:{n})\s+(?:doesn'?t|does not|won'?t|will not)\s+(?:touch|use|open|go|get|lift|pull|"
                      rf"cut|start|restart|reset|climb|move|drive|dig|put|take|do)\b"
                      rf"|\b(?:{n})[,!]?\s+(?:please\s+)?{no}\s*(?:[\w-]+ing\b|[.!])"
                      # "I talk to Gav and tell him no" (12zzs author): by pronoun after his name
                      rf"|\b(?:{n})\b[^.!?]{{0,60}}?\b(?:tell|tells|told|say|says|said)\s+(?:to\s+)?(?:him|her|them)\s+{no}"
                      # "tom no leave it", "priya no leave it tom no x-ray" (12zzq refiner, voice): at a clause's head
                      rf"|(?:^|[.!?;,]\s*)(?:{n})[,!]?\s+(?:no|nope)\s+(?!(?:one|longer|more|body|need|problem|matter|"
                      rf"idea|way|worries|chance|sign|reply|answer)\b)[a-z]"
                      # said to him: "Dean, you're not going up there", "tomasz no your not moving it", "you can't"
                      rf"|\b(?:{n})[,!]?\s+(?:(?:no|nope)[,!]?\s+)?(?:(?:you'?re|youre|you\s+are|your|ur)\s+not\s+"
                      rf"(?:going|getting|allowed|[\w-]+ing)\b|(?:you|u)\s+(?:can'?t|cannot|can not|mustn'?t|"
                      rf"must not|don'?t|do not|won'?t|will not)\b)"
                      rf"|(?:^|[.!?;:]\s*)no\s+[\w-]+\s+(?:{n})\s*[!.]"
                      rf"|\b(?:nobody|no one|no-one)\b[^.;:!?]{{0,40}},\s*(?:{n})\s*[.!]",
                      re.IGNORECASE)


# a clause that turns against what it follows ("Tom's right that we're behind, BUT I isolate it first")
_TURNING = re.compile(r"\b(?:but|though|however|still|yet)\b", re.IGNORECASE)
_ON_CONDITION = re.compile(r"[,\s]+(?:if|as long as|provided|once|when|so long as)\b", re.IGNORECASE)
_NEGATED_BEFORE = re.compile(r"\b(?:not|no|never|won'?t|wouldn'?t|don'?t|isn'?t|doubt)\b|n't\b", re.IGNORECASE)


def _quotes_with_openers(situation: str) -> list[tuple[re.Match[str], str]]:
    """The *situation*'s quotes, each with the words that open it: its sentence, from after the quote before it (each
    quote is its own speaker's: 'Tom says: "…," and Ola says: "…"' opens Ola's with "and Ola says:")."""
    out, said_before = [], 0
    for q in _QUOTE.finditer(situation):
        out.append((q, re.split(r"[.!?]\s", situation[said_before:q.start()])[-1]))
        said_before = q.end()
    return out


def _siding_with(drill: Drill, situation: str, synonyms: Synonyms) -> dict[str, re.Pattern[str]]:
    """For each forbidden act someone the *situation* quotes proposes (the first of the acts their quote commits, what
    they propose to do themselves): how an answer sides with them ("Dev's right", "Fair enough, Callum", "Callum has a
    point", "go with Ray's plan", "Carys knows these towers"); with no name ("then fair enough", "Ok fine") when only one
    person proposes any."""
    proposed: dict[str, set[str]] = {}
    for q, opener in _quotes_with_openers(situation):
        names = {n for n in re.findall(r"\b" + _NAME + r"\b", opener)
                 if n.lower() not in STOPWORDS and n.lower() not in english_words()}
        quoted = q.group(0).strip("“”\"")
        sentences = split_sentences(quoted, synonyms)
        found = sorted((f.start, m.id) for m in drill.must_not
                       if (f := _search(m.cues, sentences, synonyms, quoted, forbidden=True)).met)
        if names and found:
            proposed.setdefault(found[0][1], set()).update(names)
    everyone = set().union(*proposed.values()) if proposed else set()
    out = {}
    for mid, names in proposed.items():
        n = "|".join(re.escape(w) for w in sorted(names))
        alone = (r"|\bfair enough\b|(?:^|[.!?]\s+)(?:ok(?:ay)?,? fine|fine,? fine|alright then|fine then)\b"
                 if len(everyone) == 1 else "")
        out[mid] = re.compile(rf"\b(?:{n})(?:'s|\s+is|\s+was)\s+(?:right|correct|spot on|got a point)\b"
                              rf"|\b(?:{n})\s+has\s+a\s+point\b"
                              # (not "okay Marek, stay in the car": getting his attention for an order, 12zzv)
                              rf"|(?:^|[.!?;:]\s*)(?:fair enough|fine)[,!]?\s+(?:{n})\b"
                              rf"|\bdo\s+(?:as|what)\s+(?:{n})\s+(?:says?|said|wants?)\b"
                              rf"|\bgo\s+with\s+(?:{n})(?:'s)?\s+(?:idea|plan|way|suggestion)\b"
                              rf"|\bagree\s+with\s+(?:{n})\b"
                              # "Carys knows these towers. I'd do what she says", "let Kasia do what she said"
                              rf"|\b(?:{n})\b[^\n]{{0,100}}?\bdo(?:es)?\s+what\s+(?:he|she|they)\s+"
                              rf"(?:says?|said|wants?|suggests?|suggested)\b"
                              rf"|\b(?:{n})\s+knows\s+(?:best|what\s+(?:he|she|they)(?:'s|'re|\s+is|\s+are)\s+doing|"
                              rf"(?:his|her|their|this|these)\s+[\w-]+){alone}", re.IGNORECASE)
    return out


def _sides(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """Where *text* sides with someone in *pattern*'s words: not when the sentence then turns against it, nor when
    the clause before it says not ("I don't think Dev's right"), nor when it agrees only on a condition ("fair enough
    if Tom watches from the side")."""
    for m in pattern.finditer(text):
        if _ON_CONDITION.match(text, m.end()):
            continue
        end = m.end() + re.search(r"[.!?;]|$", text[m.end():]).start()
        clause = max(text.rfind(p, 0, m.start()) for p in ".!?;:,\n") + 1
        if not _TURNING.search(text[m.end():end]) and not _NEGATED_BEFORE.search(text[clause:m.start()]):
            return m
    return None


def _prevented(drill: Drill, c: Criterion, synonyms: Synonyms) -> list[MustNot]:
    """The forbidden acts a step that stops someone doing something is against: the closest by their texts ("Stops
    the digger from going in with the bucket near the cable" / "Digging with the bucket near the marked cable")."""
    return _closest(drill, c.text, synonyms)


def _quotes_by(text: str, situation: str) -> list[tuple[str, list[str]]]:
    """The *situation*'s quotes said by someone a step's *text* names, each with those names, in the order the step
    names them: a name in the sentence that opens the quote ("Dani, the touring sound No.2, needs it back: “I'll just
    nip under …”")."""
    named = re.findall(r"\b" + _NAME + r"\b", text[1:])
    out = []
    for q, opener in _quotes_with_openers(situation):
        said_by = set(re.findall(r"\b" + _NAME + r"\b", opener))
        if by := [w for w in named if w in said_by]:
            out.append((q.group(0), by))
    return out


def _proposed(drill: Drill, c: Criterion, situation: str, synonyms: Synonyms) -> list[MustNot]:
    """For a step that stops someone the situation quotes proposing the act ("Stops Dani going under the lift"; Dani:
    "I'll just nip under and grab it, or you could drop the lift a bit"), when no forbidden act's text is close enough
    to its own: of the acts the quote's words commit, the one whose text shares most with the step's."""
    quoted = " ".join(q.strip("“”\"") for q, _ in _quotes_by(c.text, situation))
    if not quoted:
        return []
    sentences = split_sentences(quoted, synonyms)
    found = [(f.start, m) for m in drill.must_not if (f := _search(m.cues, sentences, synonyms, quoted,
                                                                   forbidden=True)).met]
    scored = [(_shared(c.text, m.text, synonyms), at, m) for at, m in found]
    best = max((n for n, _, _ in scored), default=0)
    # (of those tied, the one said first: what they propose to do themselves, before "or you could …")
    tied = sorted((at, m.id, m) for n, at, m in scored if n == best and n >= 1)
    return [tied[0][2]] if tied else []


def _same_act(step: str, act: str) -> bool:
    """Whether a step's text and a forbidden act's text open with the same verb ("Signs the sheet with …" / "Signing
    the sheet without …")."""
    a, b = norm(step)[:1], norm(act)[:1]
    return bool(a) and a == b and bool(re.match(r"\s*[A-Za-z]+ing\b", act))


def _guarded(drill: Drill, criterion: str, synonyms: Synonyms) -> list[MustNot]:
    """The forbidden action a required step is the safeguard against: the one whose text shares most
    content words with the step's, two or more ("Uses the flatbed trolley instead of carrying it 15
    metres" / "Carrying the box the 15 metres … instead of using the trolley"). Not those merely
    allowed after the step (unless_after): skipping the lock-off is not pulling the jam out by hand."""
    tied = _closest(drill, next(c.text for c in drill.criterion if c.id == criterion), synonyms)
    # only one that says it is a shortcut ("… without a pendant", "… before it is restrained"): refusing "the recovery
    # position once the jerking stops" is not "holding them down or trying to stop the jerking"
    return [m for m in tied if _SHORTCUT.search(m.text)]


# what a forbidden act that skips a step says of itself
# (not "the general waste SKIP", a bin)
_SHORTCUT = re.compile(r"\b(?:not|no|without|instead|rather than|before|until|(?<!the )(?<!a )(?<!waste )skip\w*|past|"
                       r"deciding|decides|ignor\w*|forget\w*|unless)\b", re.IGNORECASE)


_BEFORE_ING = re.compile(r"\bbefore\s+([a-z]+ing)\b", re.IGNORECASE)
_ORDER_WORDS = frozenset({"before", "prior", "b4", "ahead", "until", "till", "til"})
_PRIOR_WORDS = frozenset({"after", "once", "when", "having"})


def _later_step(text: str, synonyms: Synonyms) -> frozenset[str]:
    """The meanings of the verb a criterion's text says comes after it ("… before UNPLUGGING the battery"),
    or nothing when there is none or it is too common to tell ("before starting", "before going in")."""
    m = _BEFORE_ING.search(text)
    if not m:
        return frozenset()
    units = synonyms.cue_units(m.group(1))
    keys = frozenset().union(*(u.keys for u in units)) if len(units) == 1 else frozenset()
    return frozenset() if keys & _GENERIC or not keys else keys


def _in_any(sentences: list[Sentence], at: int) -> bool:
    """Whether offset *at* of the answer lies inside one of *sentences*."""
    return any(s.start <= at < s.start + len(s.text) for s in sentences)


def _sentence_at(sentences: list[Sentence], start: int) -> int | None:
    """The index of the sentence that holds the offset *start*, or None."""
    return next((k for k, s in enumerate(sentences) if s.start <= start <= s.start + len(s.text)), None)


def _around(sentences: list[Sentence], start: int, text: str) -> list[Sentence]:
    """The sentence of *start*, and the one before when "then" joins them ("I unplug it, then switch off"):
    farther away, the later step's verb is too often another action ("we only lift the box onto it")."""
    i = _sentence_at(sentences, start)
    if i is None:
        return []
    if i > 0 and re.search(r"\b(?:then|next|after that|afterwards)\s*$",
                           text[sentences[i - 1].start:sentences[i].start], re.IGNORECASE):
        return sentences[i - 1:i + 1]
    return [sentences[i]]


def _first_said(keys: frozenset[str], sentences: list[Sentence]) -> int | None:
    """Where the answer first does what *keys* mean (not refused, not named as what comes later:
    "before unplugging", "until it's unplugged"), or None."""
    for s in sentences:
        for i in s.where(keys):
            earlier = s.words[max(0, s.units[i].first - 3):s.units[i].first]
            if negated(s, i) or any(w in _ORDER_WORDS for w in earlier):
                continue
            # a verb where a step is said ("I UNPLUG it", "…, unplug it", "and unplug"), not a noun ("a person lift")
            a = s.offsets[s.units[i].first][0]
            if not earlier or earlier[-1] in _VERB_BEFORE or re.search(r"[,;:]\s*$", s.text[:a - s.start]):
                return a
    return None


_VERB_BEFORE = frozenset("i we i'd i'll we'd we'll you and then to will would just first also".split())


def _stated_as_prior(sentences: list[Sentence], start: int) -> bool:
    """Whether the step at *start* is said as what is done first: "after I switch it off", "once it's off",
    "switch it off first"."""
    i = _sentence_at(sentences, start)
    if i is None:
        return False
    s = sentences[i]
    before = re.split(r"[,;:]", s.text[:start - s.start])[-1]
    after = re.split(r"[,;:.]", s.text[start - s.start:], maxsplit=1)[0]
    return any(w in _PRIOR_WORDS for w in tokens(before)) or "first" in tokens(after)


def _finish(drill: Drill, results: dict[str, CriterionResult], violations: list[Violation],
            flags: list[str]) -> Grade:
    required = [c for c in drill.criterion if c.required]
    score = sum(r.met for r in results.values()) / len(drill.criterion)
    passed = all(results[c.id].met for c in required) and not violations and "contradictory" not in flags
    unsure = any(r.confidence < REVIEW_BELOW for r in results.values())
    needs_review = unsure or "injection" in flags or "contradictory" in flags
    if violations and "must-not" not in flags:
        flags = [*flags, "must-not"]
    return Grade(drill.id, results, violations, score, passed, needs_review, flags,
                 _feedback(drill, results, violations))


def grade_retry(drill: Drill, first: str, retry: str, synonyms: Synonyms | None = None) -> Grade:
    """Grade a retry together with the first attempt: what was right the first time stays right
    (and counts for the SOP order), the retry's own words decide what it now says it would do."""
    first = first.rstrip()
    cut = len(first) + 1
    alone = grade(drill, retry, synonyms)
    if "stuffing" in alone.flags or "injection" in alone.flags or "empty" in alone.flags:
        return alone
    both = grade(drill, first + "\n" + retry, synonyms)
    results: dict[str, CriterionResult] = {}
    for cid, a in alone.criteria.items():
        b = both.criteria[cid]
        if b.met and b.start < cut:
            results[cid] = replace(b, note="from your first answer")
        elif b.met or a.met:
            r = b if b.met else a
            shift = 0 if b.met else cut
            results[cid] = replace(r, start=r.start + shift, end=r.end + shift)
        else:
            results[cid] = a if a.note or not b.note else b
    violations = [replace(v, start=v.start + cut, end=v.end + cut) for v in alone.violations]
    flags = [f for f in alone.flags if f not in ("off-topic", "must-not")]
    return _finish(drill, results, violations, flags)


def _is_stuffing(text: str, sentences: list[Sentence], met: list[CriterionResult], named: list[Sentence]) -> bool:
    """A list of key words rather than an answer: a bare list of terms; a run of terms with almost
    no words that make a sentence; or the steps named in one breath and declared "the key" or
    "the answer" ("lockout, platen and hook are the key to compliance", "Response = X + Y + Z"); *named*: the
    sentences of the answer that name steps (see _naming)."""
    if _is_list_shaped(_without_message(_LIST_NUMBER.sub("", text))):
        return True  # (a numbered list of bare terms is one too: "1) Stop button 2) Isolate …")
    if len(met) >= 1 and _REPEATED.search(text):
        return True  # the same words over and over ("LIFT TOGETHER LIFT TOGETHER LIFT TOGETHER")
    # the steps asked as a run of short questions ("Stop button? Isolated? Bea told?")
    asked = [x for x in sentences if x.text.rstrip().endswith("?") and len(x.words) <= 5]
    if len(met) >= 2 and len(asked) >= 3 and sum(_in_any(asked, r.start) for r in met) >= 2:
        return True
    if len(met) >= 2 and _a_column_of_terms(text):
        return True  # one term a line, hardly a step among them ("5m exclusion / stop shunter / cones / channel 5 …")
    if len(met) >= 2 and _shouted_terms(text):
        return True  # a run of terms in capitals ("EV STOP!!! 10 METRES!!! CHANNEL 3!!! YARD REPORT!!!")
    if met and _in_verse(text):
        return True  # the steps in a rhyme ("Out to the point, away from the drain, / gauntlets and goggles, again …")
    if len(met) >= 2 and len(_PICTOGRAPH.findall(text)) >= 3:
        return True  # pictures standing for the steps ("🚶 walkway ✋ STOP 🦺 banksman 📝 supervisor")
    if len(met) >= 2 and any(m.group(0).replace(".", "").lower() not in _DOTTED_WORDS for m in _ACRONYM.finditer(text)):
        return True  # a mnemonic for the steps ("C.L.O.S.E."), not "a.s.a.p." or "P.P.E."
    words = [w for s in sentences for w in s.words]
    # ("then" parts the sentences, so it is not among their words: "hurdle btwn cow & calf then tag")
    function = sum(w in _FUNCTION for w in words) + len(re.findall(r"\bthen\b", text, re.IGNORECASE))
    # a run of terms with no punctuation and (almost) none of the words that make a sentence:
    # "emergency stop lock out", "valve closed run until it stops gloves goggles …"
    # (arrows, slashes and bullets part steps as well as commas do: "ext off door -> door shut -> Dariusz ch1")
    # (so does punctuation said aloud to voice typing: "tell gav no coupling full stop get cones round it")
    unpunctuated = len(re.findall(r"[.,;:!?\n•|→➡⇒/]|->|=>|\s-+\s|\b(?:full stop|comma|new line)\b",
                                  text.strip().rstrip(".!?"), re.IGNORECASE)) <= 1
    # (two orders parted by one comma are a terse plan: "hit the e-stop right away, then radio channel 2 emergency")
    clauses = [tokens(c) for c in re.split(r"[,;]+", text) if tokens(c)]
    unpunctuated = unpunctuated and not (len(clauses) >= 2 and all(
        _an_order(" ".join(c[1:] if c[0] in ("then", "and") and len(c) > 1 else c)) for c in clauses))
    if len(met) >= 2 and len(words) >= 3 and unpunctuated and function == 0 and not any(
            w.endswith("'d") for w in words) and not _terse_plan(text):
        return True
    # (someone speaking to people — two of "you", "me", "his", "don't" … — is voice typing, not a list: "kwame kwame
    # can you hear me tap his shoulders …", "radu stop don't send anything down …")
    # (nor is a plan in text speak, most of its parts orders: "call Gareth ch 2 & wait 4 him. hurdle btwn cow & calf
    # then tag")
    if len(met) >= 2 and len(words) >= 8 and unpunctuated and function / len(words) < 0.2 \
            and (len(set(words) & _SPEAKING) < 2 or not set(tokens(_blank(text, met))) & _SPEAKING) \
            and not _terse_plan(text):
        # (none of them outside the steps' own words is no one speaking: "… sorry WE missed YOU card …")
        return True
    # things dictated after "it's the", nobody doing any of them ("so its the eye wash station twenty minute water
    # channel four first aid then hospital yeah thats basically it"); not "so its the stop button then isolate …")
    if met and unpunctuated and _ITS_THE.search(text) and all(_nobody_does(s, s.start) for s in sentences):
        return True
    # the steps named in a frame and nowhere else ("What matters: stop, flush, first aider"); a frame beside an
    # answer ("The main thing is the alarm, so: shout fire, break the call point …") only names its own
    # (a mnemonic is a list whatever else is said: "Remember the three Ls: Latch, Lead, Log. Shut doors save lives!")
    return bool(named) and (any(_MNEMONIC.search(x.text) for x in named) or all(_in_any(named, r.start) for r in met))


def _list_items(text: str) -> int:
    """How many terms a list-shaped answer gives: its parts between commas, stops, arrows, bullets, "and" and "then",
    or its words when nothing parts them ("visor gloves apron")."""
    parts = [p for p in re.split(r"[.,;:!?\n•|→➡⇒/]|->|=>|\s-+\s|\b(?:and|then|&)\b", text) if tokens(p)]
    return len(parts) if len(parts) > 1 else len(tokens(text))


def _terse_plan(text: str) -> bool:
    """Three or more parts (between stops, commas, "&", "then", "and"), most of them orders."""
    parts = [tokens(p) for p in re.split(r"[.,;&]|\b(?:then|and)\b", text, flags=re.IGNORECASE) if tokens(p)]
    return len(parts) >= 3 and sum(_an_order(" ".join(p)) for p in parts) / len(parts) >= 0.6


def _blank(text: str, met: list[CriterionResult]) -> str:
    """*text* with the words that met steps blanked out."""
    out = list(text)
    for r in met:
        out[r.start:r.end] = " " * (r.end - r.start)
    return "".join(out)


def _shouted_terms(text: str) -> bool:
    """Four or more short fragments in capitals, fewer than half of them orders: terms shouted, not steps ("PRESS THE
    STOP! TELL BEA!" is an answer)."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 10 or sum(c.isupper() for c in letters) < 0.8 * len(letters):
        return False
    fragments = [f for f in re.split(r"[!.?,;:\n]+", text) if tokens(f)]
    return len(fragments) >= 4 and all(len(tokens(f)) <= 3 for f in fragments) \
        and sum(_an_order(f) for f in fragments) * 2 < len(fragments)


def _a_column_of_terms(text: str) -> bool:
    """Six or more short lines (five words at most, but for one: a sign's words), unnumbered, nobody in them, and
    fewer than a third opening with a verb ("stop shunter", not "cones", "yard controller", "SWITCHES")."""
    lines = [tokens(line) for line in text.splitlines() if tokens(line)]
    if len(lines) < 6 or sum(len(t) > 5 for t in lines) > 1 or any(set(t) & _DOER_WORDS for t in lines) \
            or _LIST_NUMBER.search(text):
        return False
    verbs = sum(1 for t in lines if stem(t[0]) in _VERB_STEMS and not (t[0].endswith("s") and not t[0].endswith("ss")))
    return verbs * 3 < len(lines)


_COMMON_ENDINGS = frozenset("ing ion ent ers ies ted ded lly ess ure ble ive".split())


def _in_verse(text: str) -> bool:
    """Four or more lines, two pairs of them (next or next but one) ending in rhyming words: a rhyme, not an
    answer; a rhyme written on one line has its lines parted by ";", "?" or "," ("The stop, not a tug; ten metres
    clear, channel three to hear; …")."""
    lines = text.splitlines()
    if len(lines) < 4 and len(re.findall(r"[;?]", text)) >= 2:
        lines = re.split(r"[;?,!]", text)
    ends = [m[-1].lower() for line in lines if (m := re.findall(r"[A-Za-z]{3,}", line))]
    if len(ends) < 4:
        return False
    pairs = sum(1 for i, a in enumerate(ends) for b in ends[i + 1:i + 3]
                if a != b and a[-3:] not in _COMMON_ENDINGS
                and a[-(k := 3 if min(len(a), len(b)) >= 4 else 2):] == b[-k:])
    return pairs >= 2


def _meta(text: str) -> re.Match[str] | None:
    """The first _META frame in *text* that is one: a key turned or taken to do a step ("Release the key to stop the
    roller") is no "key to compliance"."""
    for m in _META.finditer(text):
        after = tokens(text[m.end():])
        if m.group(0).lower().startswith("key") and (
                after and stem(after[0]) in _VERB_STEMS and not after[0].endswith("ing")
                # (or one got or taken: "get the key for the sling store", "take the key to the office")
                or set(tokens(text[:m.start()])[-3:]) & _TAKING_A_KEY):
            continue
        return m
    return None


_TAKING_A_KEY = frozenset("get gets got getting take takes took taking fetch fetches grab grabs use uses turn turns pull "
                          "pulls hand hands give gives pass passes borrow find collect bring brings keep keeps hold "
                          "holds ask need".split())


# the rule told instead of what you would do: "The rules say nobody enters Iso without a gown", "The Local Rules say
# nobody holds a patient", "The procedure is that at 25 mph gusts or more you stop, …" (12zy and 12zz refiners)
_RULE_TOLD = re.compile(r"^\s*(?:but\s+|and\s+)?(?:i\s+know\s+(?:that\s+)?)?"
                        # ("Hold rules say close the maze at once, but …", "The rules for a CD bag are that …", "The rule
                        # is the lift stays stopped until …": 12zzg and 12zzh refiners)
                        r"(?:(?:the\s+)?(?:(?!i\b|we\b|you\b)[a-z-]+\s+)?(?:sop|rules?|procedure|policy)"
                        r"(?:\s+for(?:\s+[\w'-]+){1,4}?)?\s+"
                        # ("I know the rule is to treat every bite as venomous and call 999, but …": 12zzc refiner)
                        r"(?:says?|states?|is|are that|are)\b"
                        # "By the book it's heat off, sash fully down, red tag, …" (12zzb refiner)
                        r"|by the book,?\s+(?:it'?s|it is|you)\b"
                        # "You're meant to keep people back …", "You're supposed to step back …" (12zzn, 12zzr refiners)
                        r"|(?:you|we)(?:'re|\s+are)\s+(?:supposed|meant)\s+to\b)", re.IGNORECASE)


def _naming(sentences: list[Sentence], met: list[CriterionResult]) -> list[Sentence]:
    """The sentences that name the steps instead of doing them: "X, Y and Z are the key to …", "Battery safety
    means X, Y and Z", "The SOP says you …"."""
    out = []
    for s in sentences:
        inside = [r for r in met if s.start <= r.start < s.start + len(s.text)]
        first = min((r.start for r in inside), default=0)
        if (inside and (_STRONG_META.search(s.text) or _MNEMONIC.search(s.text) or (
                (m := _RULE_TOLD.match(s.text)) and not _doing_after(s, s.start + m.end())))) or (
                len(inside) >= 2 and (((m := _meta(s.text)) and not _doing_after(s, s.start + m.end()))
                                      or _LISTED_SUBJECT.match(s.text))) or (
                len(inside) >= 3 and _FRAME.search(s.text[:first - s.start]) and _nobody_does(s, first)):
            out.append(s)
    # a sentence cut at "then" is read whole for a frame after its last step ("Code Allergy, a Jext in the outer thigh,
    # 999 saying anaphylaxis and | then ringing mum ARE THE KEY TO handling Leo's reaction": 12zzi dev)
    for group in _cut_at_then(sentences):
        last = group[-1]
        inside = [r for r in met if group[0].start <= r.start < last.start + len(last.text)]
        if len(inside) >= 2 and (m := _meta(last.text)) and not _doing_after(last, last.start + m.end()) \
                and not any(w in _DOER_WORDS for g in group for w in g.words):
            out += [g for g in group if all(g is not o for o in out)]
    return out


def _cut_at_then(sentences: list[Sentence]) -> list[list[Sentence]]:
    """The runs of two or more sentences that one sentence of the answer was cut into at "then"."""
    runs: list[list[Sentence]] = []
    for s in sentences:
        if runs and s.cut_at_then():
            runs[-1].append(s)
        else:
            runs.append([s])
    return [run for run in runs if len(run) >= 2]


# what a sentence that names the steps instead of doing them says of them ("Battery safety MEANS …", "Nothing moves
# WITHOUT …", "Anyone going in NEEDS …", "What KEEPS backs safe: …", "A real alarm IS a …")
_FRAME = re.compile(r"\b(?:means?|needs?|requires?|without|is|are|keeps?|takes?|equals|calls? for|comes? down to|"
                    r"starts? with|involves?|includes?)\b", re.IGNORECASE)


def _nobody_does(s: Sentence, start: int) -> bool:
    """Nobody does anything in the sentence: no "I" or "we", and no part of it starts with a verb ("Battery
    safety means a finished charge, a switched-off charger and goggles", "Nothing moves without the keys in, the
    restraint on and a green light") — unlike a terse answer ("close valve, key off, swap cyl") or one said by
    someone ("I close the valve …")."""
    if any(w in _DOER_WORDS for w in s.words):
        return False
    for at in [start, *(s.start + m.end() for m in _CLAUSE_SPLIT.finditer(s.text) if s.start + m.end() > start)]:
        article = False
        for u in (u for u in s.units if s.offsets[u.first][0] >= at):
            if s.words[u.first] in _ARTICLES:
                article = True  # "the LOG", "a TAG": a thing, not a step
                continue
            if u.keys & VERB_KEYS and not article and not s.words[u.first].endswith(("ed", "en")):
                return False  # a clause that starts with a verb: a step someone does
            if not (u.soft or u.stop or u.bridge):
                break  # it starts with a thing
    return True


def _on_topic(drill: Drill, sentences: list[Sentence]) -> bool:
    """Whether the answer shares at least two content words with the drill's situation and model answer."""
    words = {w for s in sentences for w in s.stems} - _STOP_STEMS
    reference = set(norm(" ".join([drill.situation_text(), drill.question, drill.model_answer]))) - _STOP_STEMS
    return len(words & reference) >= 2


def _own_act_in_note(cues: list[str], sentences: list[Sentence], synonyms: Synonyms, text: str) -> _Found:
    """A forbidden act the trainee says they do inside a note to the marker ("This step doesn't apply today: …, so I
    reset the monitor and carried on, reached in and grabbed the joint"): said by "I" or "we" earlier in its sentence,
    not a claim about what is allowed ("any trained driver can shut the valve")."""
    f = _search(cues, sentences, synonyms, text, forbidden=True)
    at = _sentence_at(sentences, f.start) if f.met else None
    if at is None or not re.search(r"\b(?:i|we|i'd|i'll|we'd|we'll|i've)\b", text[sentences[at].start:f.start],
                                   re.IGNORECASE):
        return _Found(False)
    return f


_CLAIM_FEEDBACK = ("Your answer has a note to the marker or a claim that a step is not needed. A manager will read it. "
                   "Write only what you would do.")


def _zero(drill: Drill, flags: list[str], *, needs_review: bool, feedback: list[str],
          violations: list[Violation] | None = None) -> Grade:
    results = {c.id: CriterionResult(c.id, False, 0.9, "") for c in drill.criterion}
    violations = violations or []
    if violations:
        flags = [*flags, "must-not"]
        feedback = [*feedback, *(f"⚠ Must not: {v.text} — you said “{v.evidence}”." for v in violations)]
    return Grade(drill.id, results, violations, 0.0, False, needs_review, flags, feedback)


def _feedback(drill: Drill, results: dict[str, CriterionResult], violations: list[Violation]) -> list[str]:
    lines = []
    for c in drill.criterion:
        r = results[c.id]
        where = f" ({c.source})" if c.source else ""
        if r.met:
            lines.append(f"✓ {c.text} — you said “{r.evidence}”.")
        elif r.note.startswith("said before"):
            lines.append(f"✗ {c.text}: {r.note}{where}.")
        else:
            lines.append(f"✗ {c.text}{where}." + (f" Hint: {c.hint}" if c.hint else ""))
    for v in violations:
        lines.append(f"⚠ Must not: {v.text} — you said “{v.evidence}”.")
    return lines


class RecallDrill(Drill):
    """A recall prompt in drill shape (see prompt_as_drill): a short list of the things it asks for is its answer."""


def prompt_as_drill(prompt: Prompt) -> Drill:
    """A recall prompt in the shape of a drill, so that the same grader reads recall answers (negation,
    the lexicon, spelling, stuffing): each key point is a required criterion with the point's id and
    cues; the question is the situation, the prompt's answer the model answer. No must_not, no order."""
    criteria = [Criterion.model_construct(id=pt.id, text=pt.text, required=True, cues=list(pt.cues), parts=[],
                                          hint="", source=prompt.source, after=[])
                for pt in prompt.point]
    return RecallDrill.model_construct(id=prompt.id, task=prompt.task, title=prompt.question, source=prompt.source,
                                 minutes=1, situation=prompt.question, question=prompt.question,
                                 model_answer=prompt.answer, slots={}, fact=[], criterion=criteria, must_not=[],
                                 choice=[])


def grade_prompt(prompt: Prompt, answer: str, synonyms: Synonyms | None = None) -> Grade:
    """Grade a recall answer with the drill grader (criteria are the prompt's point ids)."""
    hit = _prompt_cache.get(id(prompt))
    if hit is None or hit[0] is not prompt:
        if len(_prompt_cache) > 512:
            _prompt_cache.clear()
        hit = _prompt_cache[id(prompt)] = (prompt, prompt_as_drill(prompt))  # the same drill: its synonyms cached
    return grade(hit[1], answer, synonyms)


_prompt_cache: dict[int, tuple[Prompt, Drill]] = {}
