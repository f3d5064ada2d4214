"""The built-in lexicon of frontline English that the cue grader understands.

A pack author writes cues in the SOP's words; trainees answer in their own. This lexicon is
what bridges the two without the author foreseeing every phrasing:

- CONCEPTS: groups of words and phrases that mean the same action or thing on a shop floor
  ("call", "ring", "phone", "radio", "give a bell", "get on the line"). A cue word in a group
  matches any member of the group. A word may belong to more than one group ("report" is both
  telling someone and writing it down).
- IRREGULAR: irregular verb forms mapped to their base (told → tell, rang → ring).
- ABBREVIATIONS: what people type on a shared PC with gloves on (sup, b4, asap, w/, &).
- Misspellings of words of five or more letters are matched against the drill's own cue words
  (see core.cues); the English word list in core/data keeps real words from being "corrected".

The pack's own ``[[synonyms]]`` are applied first and always win. The lexicon is versioned: a
change of LEXICON_VERSION is recorded with every grade, so a re-grade can say why it differs.
docs/pack-format.md ("What the grader understands") documents it for authors; tests/test_lexicon.py
pins its behaviour.
"""

from __future__ import annotations

LEXICON_VERSION = "2026.12.17"

# Each group: a name (never shown to users) and its members. Members are phrases in plain words;
# they are normalised (lower case, light stemming) exactly as answers are.
CONCEPTS: dict[str, tuple[str, ...]] = {
    # --- talking to people
    "call": ("call", "ring", "phone", "radio", "give a bell", "give a ring", "give a call", "give a shout",
             "get on the line", "get on the radio", "get on the phone", "bell", "buzz", "dial", "contact",
             "get hold of", "page", "call up", "ring up", "phone up", "shout for", "summon", "make a call",
             "make a radio call", "make a phone call", "put a call in", "put a call out"),
    "tell": ("tell", "notify", "inform", "let know", "let them know", "loop in", "alert", "report to", "warn",
             "advise", "update", "flag to", "flag it", "flag up", "raise with", "escalate", "speak to",
             "talk to", "shout to", "speak with", "talk with", "mention to", "make aware", "brief", "get word to",
             "call", "radio", "contact"),
    "report": ("report", "rpt", "log", "record", "write down", "write up", "note down", "jot down", "document",
               "fill in", "fill out", "make a note", "paperwork", "do the paperwork"),
    "supervisor": ("supervisor", "sup", "supe", "supervisr", "shift lead", "shift leader", "team leader", "team lead",
                   "lead hand", "boss", "gaffer", "manager", "line manager", "foreman", "charge hand", "chargehand",
                   "duty manager", "shift manager", "tl", "mgr", "leader", "supervisor on duty"),
    "first-aider": ("first aider", "first aid", "first aid person", "medic", "first responder", "first aid team"),
    "maintenance": ("maintenance", "engineer", "engineering", "fitter", "technician", "tech", "maintenance team",
                    "maint", "electrician", "sparky"),
    "security": ("security", "security guard", "gatehouse"),
    # --- stopping and isolating
    "stop": ("stop", "halt", "down tools", "kill", "shut down", "shut off", "switch off", "turn off", "power down",
             "power off", "cut the power", "cut power", "knock off", "stop work", "stop working", "cease", "pause",
             "flick off", "flip off"),
    "e-stop": ("e-stop", "estop", "e stop", "emergency stop", "emergency stop button", "red button",
               "big red button", "stop button", "emergency button", "kill switch", "mushroom button",
               "panic button", "red mushroom", "emergency switch"),
    "lockout": ("lock out", "lockout", "lock off", "lock-off", "loto", "lock out tag out", "lockout tagout",
                "padlock", "lock", "isolate", "isolation"),
    "isolator": ("isolator", "isolation switch", "isolating switch", "main switch", "mains switch", "power switch",
                 "isolation point", "disconnect", "breaker", "rotary switch", "isolater"),
    "tag": ("tag", "label", "notice", "danger tag", "lock tag"),
    "out-of-service": ("out of service", "out of use", "do not use", "do not operate", "do not touch",
                       "do not start", "danger do not", "not to be used", "dont use", "dont operate", "not in use",
                       "take out of service", "take out of use", "out of action", "off the road", "park up",
                       "tag out", "unserviceable", "u s"),
    # --- checking
    "check": ("check", "inspect", "look at", "examine", "verify", "make sure", "ensure", "confirm", "double check",
              "double-check", "eyeball", "have a look", "look over", "chk", "go over", "go round", "see that",
              "check over", "visual check", "take a look", "take a quick look", "have a quick look",
              "take a look at", ),
    "test": ("test", "prove", "trial", "test it", "try it", "check it works", "check that it works",
             "try start", "try-start"),
    # going nearer to see ("a closer look" is neither any check nor taking something)
    "look-closer": ("take a closer look", "have a closer look", "get a closer look", "take a proper look",
                    "have a proper look", "get a better look"),
    "wait": ("wait", "hold on", "hang on", "stand by", "hold off", "give it time", "wait for",
             "wait until", "wait till", "wait til"),
    # --- people and places
    "nobody": ("nobody", "no one", "noone", "no-one", "no body", "anyone", "anybody", "everyone clear", "all clear",
               "area clear", "everybody clear", "people clear", "clear of people"),
    "cordon": ("cordon", "cordon off", "cone off", "cones", "cone", "tape off", "block off", "barrier", "barriers",
               "close off", "section off", "fence off", "rope off", "barricade", "keep people away", "keep people out",
               "keep everyone away", "keep everyone out", "keep others away", "stop people", "block the area",
               "put out cones", "hazard tape", "warning tape", "caution tape", "chain off", "wet floor sign"),
    "evacuate": ("evacuate", "get out", "leave the area", "move away", "step back", "stand back", "clear the area",
                 "get clear", "back off", "back away", "get away"),
    # keeping oneself out of the way (never making others leave: "get Ola out" is not "keep clear")
    "keep-clear": ("keep clear", "stay clear", "stand clear", "stand back", "step back", "stay back",
                   "keep my distance", "keep a safe distance", "stay out of the way", "keep out of the way",
                   "back off", "back away"),
    # getting up onto something ("hop up on the turntable" is climbing onto it)
    "climb": ("climb", "climb up", "climb on", "climb onto", "climb into", "hop up", "hop on", "hop onto",
              "jump up", "jump on", "jump onto", "get up on", "step up on", "clamber", "scramble up", "scale",
              "bunk up", "give me a bunk up", "leg up", "give me a leg up", "get a leg up", "get a bunk up"),
    # hitting a thing back into place ("knock it back", "give it a whack with the mallet")
    "knock": ("knock", "whack", "give it a whack", "bash", "hammer", "thump", "clout", "mallet", "give it a knock",
              "give it a bash"),
    # going somewhere on the way ("swing by my locker", "nip to the office")
    # ("stop at" is not one: "stop Marta at the end"; nor "head to": "the sprinkler head to slow it")
    "go-to": ("go to", "swing by", "pop to", "pop into", "nip to", "nip into", "call in at", "nip back to",
              "pop back to", "dash to"),
    # doing it anyway, carefully ("go easy with it", "take it steady")
    "careful": ("careful", "carefully", "go easy", "take it easy", "take it steady", "go steady", "go gently",
                "keep it slow", "take it slow", "go slow"),
    # carrying on regardless ("crack on", "keep going", "press on", "get back to work")
    "continue": ("continue", "carry on", "crack on", "keep going", "press on", "push on", "soldier on",
                 "keep working", "keep at it", "get on with it", "get on with", "get back to", "go back to",
                 "plough on", "plow on"),
    # getting round a safety device ("override the interlock", "cheat the switch", "tape over the sensor")
    "bypass": ("bypass", "by-pass", "override", "defeat", "cheat", "short out", "tape over", "tie back", "fool",
               "trick", "so the machine thinks", "so the machine think", "so it thinks", "so it think"),
    # a hand or arm into a machine
    "reach-in": ("reach in", "reach into", "put my hand in", "stick my hand in", "get my hand in", "put my arm in",
                 "stick my arm in", "get my arm in", "go in with my hand", "reach inside", "reach through"),
    # forcing a thing ("wedge the gate open", "jam a bit of wood in the head", "prise the gate")
    # ("jam" alone is mostly the jam itself: "clear the jam", "it's jammed")
    "force": ("force", "prise", "prize", "pry", "wedge", "force open", "prise open", "wedge open", "jam open",
              "prop open", "jam it in", "jam it open", "kick open", "kick it open", "boot it open", "give it a boot",
              "give it a good boot", "give it a kick", "give it a whack", "bash it open", "shoulder it open",
              "barge it open", "yank it open"),
    # --- protective equipment
    "gloves": ("gloves", "glove", "gauntlets", "gauntlet", "hand protection", "rubber gloves", "nitrile gloves"),
    "eye-protection": ("goggles", "safety glasses", "glasses", "specs", "eye protection", "safety specs",
                       "safety goggles", "eye shield", "eyewear"),
    "face-shield": ("face shield", "visor", "face visor", "face guard", "full face shield", "faceshield"),
    "apron": ("apron", "pinny", "chemical apron", "rubber apron"),
    "hi-vis": ("hi vis", "hi-vis", "high vis", "hivis", "hi viz", "high visibility", "vest", "hi-viz"),
    "boots": ("boots", "safety boots", "steel toe", "steel toes", "safety shoes", "toe caps", "toecaps"),
    "ppe": ("ppe", "p p e", "protective equipment", "safety gear", "protective gear", ),
    "wear": ("wear", "put on", "don", "have on", "suit up", "gear up", ),
    # --- things on the floor
    "forklift": ("forklift", "fork lift", "flt", "lift truck", "fork truck", "counterbalance", ),
    "pallet-jack": ("pallet jack", "pallet truck", "pump truck", "ppt", "hand pallet truck", "hand truck"),
    "spill-kit": ("spill kit", "spill pack", "absorbent", "absorbent pads", "granules", "spill pads", "absorbent granules", ),
    "leak": ("leak", "leaking", "drip", "dripping", "seep", "seeping", ),
    "damaged": ("damaged", "damage", "broken", "faulty", "fault", "defective", "defect", "busted", "knackered",
                "not working", "cracked", "bent", "dented", ),
    "photo": ("photo", "picture", "pic", "pics", "photograph", "snap", "take a photo", "take a picture"),
    "remove": ("remove", "take out", "take off", "take away", "get rid of", "clear away", "pop off", "prise off"),
    "clean": ("clean", "clean up", "wipe", "wipe up", "mop", "mop up", "soak up", "absorb", "sweep", "sweep up"),
    "immediately": ("immediately", "straight away", "right away", "asap", "at once", "urgently", "without delay",
                    "straightaway", "right now"),
    "fire": ("fire", "flame", "naked flame", "open flame", "lighter", "spark", "sparks",
             "smoking", "cigarette", "fag", "vape", "vaping", "ignition source"),
    "engine": ("engine", "motor", "ignition"),
    "vent": ("ventilate", "ventilation", "air flow", "fresh air", "open the doors", "extractor", "extraction", "vent"),
    "wheel-chock": ("chock", "chocks", "wheel chock", "wheel chocks", "wheel stop"),
    "restraint": ("restraint", "dock lock", "vehicle restraint", "trailer restraint", "dock restraint", ),
    "ladder": ("ladder", "step ladder", "stepladder", "kick stool", "hop up"),
    "take": ("take", "bring", "grab", "collect", "fetch", "escort", "take along", "bring along", "pick up"),
    "put": ("put", "place", "drop", "set down", "pop", "slot", "lower", "put down"),
    "twist": ("twist", "turn at the waist", "turn the body", "turn my body", "turn your body", "swivel",
              "rotate the body", "rotate my body", "swing round from the hips", "turn from the hips",
              "swing from the hips", "from the hips", "pivot at the waist", "turn at the hips", "twist round"),
    "wet": ("wet", "damp", "moist", "soaked", "soggy", "wringing"),
    "help": ("help", "second person", "another person", "a colleague", "colleague", "workmate", "buddy", "someone else",
             "another pair of hands", "assistance", "assist"),
    # lifting with someone: a kind of help, so a cue "get help" is met by it, but "help" alone is no team lift
    # (see BROADER): "I'll get you some help" is not lifting it by hand
    "team-lift": ("team lift", "two person", "two people", "two person lift", "two man lift", "two-man lift",
                  "lift it together", "lift together", "lift between us", "the two of us lift", "both lift"),
    # all at once, without the break the SOP asks for
    "in-one-go": ("in one go", "in one hit", "in one stretch", "in one shot", "in one sitting", "in one stint",
                  "straight through", "non stop", "nonstop", "non-stop", "without a break", "without stopping",
                  "min straight", "mins straight", "minutes straight", "all in one", "in one run"),
    # hand tools on a fitting the SOP wants done by hand
    "spanner": ("spanner", "wrench", "adjustable", "adjustable spanner", "grips", "mole grips", "pliers",
                "stillsons", "pipe wrench", "multigrips"),
    "handbrake": ("handbrake", "hand brake", "park brake", "parking brake"),
    "before": ("before", "b4", "prior to", "ahead of", ),
    # --- 2026.12.7: the words trainees used for forbidden acts the cues named otherwise
    "alone": ("alone", "on my own", "on me own", "by myself", "by meself", "myself", "meself", "single-handed",
              "single handed", "solo", "on my tod", "without help", "without a buddy"),
    "anyway": ("anyway", "anyhow", "regardless", "all the same", "any way", "even so"),
    # a cue's "pull" is met by a yank or a tug; a cue's "yank" is not met by any pull (see BROADER)
    "pull": ("pull",),
    "yank": ("yank", "tug", "rip out", "wrench out"),
    "swap": ("swap", "change", "change over", "swap over", "swap out", "switch over", "exchange"),
    # going back to the danger ("nip back into the bay"); "get back" is the warning to keep away
    "go-back": ("go back", "nip back", "pop back", "head back", "dash back", "run back", "walk back", "sneak back"),
    # --- 2026.12.8: words of the blind 12j/12k forbidden-act red team
    # (washing a spill away with water under pressure; not "the hose", a thing)
    "hose-down": ("hose down", "hose off", "hose out", "hose it down", "jet wash", "jetwash", "pressure wash",
                  "power wash", "jet it"),
    "wont-move": ("won't move", "will not move", "not going anywhere", "isn't going anywhere", "is not going anywhere",
                  "going nowhere", "won't go anywhere", "can't move", "cannot move", "stays put", "stay put",
                  "won't roll", "not going to move"),
}

IRREGULAR: dict[str, str] = {
    "doing": "do",  # too short for the stemmer's "-ing" ("going" stays: "going to hit him" is no "go to")
    "told": "tell", "rang": "ring", "rung": "ring", "took": "take", "taken": "take", "wore": "wear",
    "worn": "wear", "spoke": "speak", "spoken": "speak", "gave": "give", "given": "give", "got": "get",
    "gotten": "get", "went": "go", "gone": "go", "kept": "keep", "left": "leave", "stood": "stand",
    "brought": "bring", "caught": "catch", "held": "hold", "saw": "see", "seen": "see", "wrote": "write",
    "written": "write", "broke": "break", "ran": "run", "drove": "drive", "driven": "drive", "threw": "throw",
    "thrown": "throw", "hung": "hang", "made": "make", "put": "put", "shut": "shut", "cut": "cut", "set": "set",
    "sent": "send", "felt": "feel", "found": "find", "did": "do", "done": "do", "said": "say", "knew": "know",
    "known": "know", "began": "begin", "begun": "begin", "fell": "fall", "fallen": "fall", "lit": "light",
    "ate": "eat", "bent": "bend", "let": "let", "led": "lead", "paid": "pay", "laid": "lay", "stuck": "stick",
    "swept": "sweep", "wound": "wind", "chose": "choose", "chosen": "choose", "hid": "hide", "rode": "ride",
}

# What people type; each expands to plain words before anything else happens.
ABBREVIATIONS: dict[str, str] = {
    "b4": "before", "@": "at", "l8r": "later", "gr8": "great", "asap": "immediately", "w": "with", "wo": "without",
    "w/o": "without", "w/": "with",
    "wrk": "work", "rpt": "report", "dn": "delivery note", "pic": "photo", "pics": "photos", "sup": "supervisor",
    "supe": "supervisor", "mgr": "manager", "chk": "check", "thru": "through", "pls": "please", "plz": "please",
    "u": "you", "ur": "your", "msg": "message", "tl": "team leader", "ppl": "people", "bc": "because",
    "cos": "because", "coz": "because", "cuz": "because", "tho": "though", "wud": "would", "wld": "would",
    "shd": "should", "dont": "don't", "wont": "won't", "cant": "can't", "didnt": "didn't", "wouldnt": "wouldn't",
    "shouldnt": "shouldn't", "isnt": "isn't", "doesnt": "doesn't", "arent": "aren't", "wasnt": "wasn't",
    "werent": "weren't", "hasnt": "hasn't", "havent": "haven't", "hadnt": "hadn't", "couldnt": "couldn't",
    "neednt": "needn't", "mustnt": "mustn't", "aint": "ain't", "im": "i'm", "id": "i'd", "ill": "i'll", "ive": "i've",
    "nxt": "next", "btn": "button", "btns": "buttons",
    "pt": "point", "cyl": "cylinder", "chgr": "charger", "hyd": "hydraulic", "thn": "then", "n": "and", "nd": "and", "yr": "your", "hv": "have", "abt": "about",
    "cba": "can't be bothered", "obvs": "obviously", "1st": "first", "every1": "everyone", "some1": "someone",
    "any1": "anyone", "no1": "no one", "iso": "isolate", "isol8": "isolate",
}

# A cue word of the first group is also met by a word of the others (calling someone is one way of
# telling them), never the other way round ("get my phone" is not "tell the lead").
BROADER: dict[str, tuple[str, ...]] = {"tell": ("call",), "help": ("team-lift",), "pull": ("yank",)}

# Verbs of doing something on the floor: a fragment with one of these is a step, not a key word
# ("close valve, swap cyl, open slowly" is an answer; "outside, gloves, goggles" is a list). (2026.12.8: "sit", so a
# cue "sit up" takes "sit him up".)
ACTION_VERBS = frozenset("""
add agree ask attach back bend bleed block bring call carry chain change check chock clean clear close cone connect
cordon cover cut detach disconnect do drain drive drop empty evacuate fetch fill fit fix flag flush get give go grab
hand hang help hold hook inform inspect isolate keep kill leave let lift listen load lock log lower make move note
notify open phone pick place plug press prop pull push put radio raise record release remove replace report reset
ring roll run say send set shift shout shut slide smell spray stack stand start step stop strap swap switch tag take
tape tell test tie tip top try turn undo unload unplug use wait walk warn wash wear wipe wrap write
decant pour rinse restart guide wave lean reverse wind
sit
""".split())

# The groups of CONCEPTS that are actions (the rest are things, people and places).
ACTION_CONCEPTS = frozenset("""
call tell report stop lockout check test wait cordon evacuate keep-clear climb continue bypass reach-in force wear
remove clean take put twist knock go-to pull yank swap go-back hose-down
""".split())
