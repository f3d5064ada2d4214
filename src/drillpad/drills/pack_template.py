"""`drillpad pack new PATH`: a commented template pack that validates, to edit into a team's own.

It has every file kind of docs/pack-format.md: pack.toml, rubric.toml, one role with five tasks and
three behaviours, a lesson per task (one with a decision tree), a recall prompt per task, one drill
with cues, parts, after, must_not, facts and a choice, and labelled example answers in the dev and
holdout splits (one of them for a recall prompt). Every comment says what to change.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path


class TemplateError(Exception):
    pass


def slug(title: str) -> str:
    """A pack id from a title: lower-case letters, digits and '-', 2–60 characters."""
    text = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60].strip("-")
    return text if len(text) >= 2 else "my-pack"


PACK = '''# pack.toml — who the pack is and who approved it. See docs/pack-format.md for every field.
format = 1                          # the pack format version; leave it at 1
id = "{id}"                         # the pack's stable id: lower-case letters, digits and '-'
version = "0.1.0"                   # raise it for every approved change (MAJOR.MINOR.PATCH)
title = "{title}"
description = "Safe operating procedures for one role, turned into lessons, recall and drills."
language = "en"

[approval]                          # DrillPad teaches only source-approved content: say who approved it
approved_by = "Name Surname, Site Operations Manager"
approved_on = {today}               # a TOML date, no quotes
source_document = "Site Safe Operating Procedures"
source_revision = "Rev 1"

[settings]                          # optional; these are the defaults
desired_retention = 0.9
daily_budget_minutes = 10

[context]                           # words the local model may use to adapt scenarios to your site
sites = ["Dock 1", "Aisle 4"]
equipment = ["conveyor C1", "pallet jack"]
people = ["Sam", "Alex"]            # fictional first names only
shifts = ["early", "late"]

[[synonyms]]                        # phrases your staff use for the same thing; they win over the lexicon
terms = ["e-stop", "emergency stop", "big red button"]
'''

RUBRIC = '''# rubric.toml — the five competency levels, 1 to 5. Reword them in your site's language.
[[level]]
level = 1
name = "Needs guidance"
description = "Cannot yet do the task without step-by-step help."
example = "Asks what to do when a carton jams; would reach in without stopping the line."

[[level]]
level = 2
name = "Knows the steps"
description = "Can say the steps, but misses some under pressure."
example = "Stops the belt but forgets to lock out."

[[level]]
level = 3
name = "Does it with support"
description = "Does the task right when someone is nearby to check."
example = "Clears jams by the SOP while the shift lead watches."

[[level]]
level = 4
name = "Does it alone"
description = "Does the task right on their own."
example = "Clears jams by the SOP on a night shift alone."

[[level]]
level = 5
name = "Independent and consistent"
description = "Does the task right every time, unprompted, and helps others."
example = "Clears jams by the SOP every time and reminds new starters to lock out."
'''

ROLE = '''# roles/associate.toml — one role: its skills map (5 to 10 tasks) and 3 to 5 critical behaviours.
id = "associate"
title = "Warehouse Associate"
summary = "Receives, stores and moves stock safely."

[[task]]
id = "conveyor-jam"                 # tasks are named by lessons, prompts and drills
title = "Clear a conveyor jam safely"
what_good_looks_like = "Stops, locks out and tests before reaching in."
failure_points = ["Reaching in while the belt is only paused, not isolated"]

[[task]]
id = "spill"
title = "Deal with a spill"
what_good_looks_like = "Cones the spill off, then reports it."

[[task]]
id = "pallet-check"
title = "Check a pallet before moving it"
what_good_looks_like = "Looks for broken boards and loose wrap before lifting."

[[task]]
id = "manual-handling"
title = "Lift a heavy carton"
what_good_looks_like = "Checks the weight and gets help over 25 kg."

[[task]]
id = "near-miss"
title = "Report a near miss"
what_good_looks_like = "Tells the shift lead the same shift and logs it."

[[behaviour]]
id = "safe-isolation"
title = "Isolates equipment before working on it"
description = "E-stop, lockout and a try-start before any hands-on work."
evidence = "drill"                  # drill | observed | work_sample
tasks = ["conveyor-jam"]
demonstrations = 3                  # successful demonstrations before sign-off

[[behaviour]]
id = "reports-hazards"
title = "Reports hazards and near misses"
description = "Tells the shift lead and logs it the same shift."
evidence = "observed"
tasks = ["spill", "near-miss"]
demonstrations = 2

[[behaviour]]
id = "safe-handling"
title = "Moves loads safely"
description = "Checks the pallet or carton before moving it."
evidence = "work_sample"
tasks = ["pallet-check", "manual-handling"]
demonstrations = 2
'''

LESSON_JAM = '''+++
# lessons/conveyor-jam.md — front matter (TOML) between +++ lines, then the lesson in Markdown.
# A lesson must be readable in under five minutes.
id = "lesson-conveyor-jam"
task = "conveyor-jam"
title = "Clearing a conveyor jam"
source = "SOP 3 Conveyor jams"

[tree]                              # optional: a decision tree walked one question at a time
start = "moving"

[[tree.node]]
id = "moving"
text = "Is the belt, or anything on it, still moving?"
options = [
  {{ label = "Yes", next = "estop" }},
  {{ label = "No, it has stopped", next = "lockout" }},
]

[[tree.node]]
id = "estop"
action = "Press the nearest e-stop, then lock out."

[[tree.node]]
id = "lockout"
action = "Lock out the isolator with your own padlock, then try the start button."
+++
# Clearing a conveyor jam

1. **Stop** the conveyor with the nearest e-stop.
2. **Lock out** the isolator with your own padlock and tag.
3. **Test**: press start to prove it is dead.
4. Clear the jam, remove your lock, walk round, restart.
'''

LESSON = '''+++
id = "lesson-{task}"
task = "{task}"
title = "{title}"
source = "SOP {n}"
+++
# {title}

{body}
'''

LESSONS = {
    "spill": ("Dealing with a spill", 4, "Cone the spill off so nobody walks through it, then tell the shift lead "
                                        "and log it. Use the spill kit only for what the label allows."),
    "pallet-check": ("Checking a pallet", 5, "Before you lift, look for broken boards, loose wrap and a load "
                                           "leaning over the edge. A damaged pallet is restacked, never moved."),
    "manual-handling": ("Lifting a heavy carton", 6, "Check the weight on the label. Over 25 kg, get a second "
                                                   "person or a pallet jack; bend your knees and keep it close."),
    "near-miss": ("Reporting a near miss", 7, "Tell the shift lead the same shift and log it in the near-miss "
                                            "book: what happened, where and when."),
}

PROMPTS = '''# prompts/associate.toml — recall prompts: short questions answered from memory.
# Each key point is graded like a drill criterion, by its cues. A point may have an id (named by
# labelled examples' met); without one it is p1, p2, … by position.

[[prompt]]
id = "jam-first-step"
task = "conveyor-jam"
question = "A carton is wedged on a running conveyor. What is the first thing you do?"
answer = "Press the nearest e-stop."
source = "SOP 3.1"

[[prompt.point]]
id = "estop"
text = "Press the e-stop"
cues = ["e-stop", "stop the conveyor", "stop the belt"]

[[prompt]]
id = "spill-first-step"
task = "spill"
question = "You find oil on the floor of Aisle 4. What do you do before anything else?"
answer = "Cone it off so nobody walks through it, then tell the shift lead."
source = "SOP 4.1"

[[prompt.point]]
text = "Cone it off"
cues = ["cone it off", "cone off", "cones", "cordon"]

[[prompt.point]]
text = "Tell the shift lead"
cues = ["tell + shift lead", "tell + supervisor", "let + shift lead + know"]

[[prompt]]
id = "pallet-damage"
task = "pallet-check"
question = "What do you do with a pallet that has a broken bottom board?"
answer = "Do not move it: restack the load onto a good pallet."
source = "SOP 5.2"

[[prompt.point]]
text = "Restack onto a good pallet"
cues = ["restack", "new pallet", "good pallet", "swap the pallet"]

[[prompt]]
id = "lift-limit"
task = "manual-handling"
question = "Above what weight do you get help or a pallet jack to move a carton?"
answer = "25 kg."
source = "SOP 6.1"

[[prompt.point]]
text = "25 kg"
cues = ["25 kg", "25kg", "25 kilos", "twenty five kilos"]

[[prompt]]
id = "near-miss-when"
task = "near-miss"
question = "When do you report a near miss, and to whom?"
answer = "The same shift, to the shift lead, and log it in the near-miss book."
source = "SOP 7.1"

[[prompt.point]]
text = "Tell the shift lead"
cues = ["tell + shift lead", "tell + supervisor", "shift lead"]

[[prompt.point]]
text = "Log it"
cues = ["log it", "near-miss book", "write it down", "near miss book"]
'''

DRILL = '''# drills/jam-at-c1.toml — one scenario drill. Its model answer is graded by the real grader when the
# pack is validated: it must meet every required criterion and commit no must_not.
id = "jam-at-c1"
task = "conveyor-jam"
title = "Carton wedged on {{equipment}}"
source = "SOP 3"
minutes = 3
situation = """It is the {{shift}} shift at {{site}}. A split carton has wedged under the guard of {{equipment}};
the belt has stopped by itself but the motor is still humming. Sam, the shift lead, is on the radio."""
question = "What do you do, in order, before the belt runs again?"
model_answer = """Press the e-stop, then lock out the isolator with my own padlock and tag. I try the start
button to prove it is dead, put on gloves and safety glasses, and clear the carton. Then I tell Sam."""

[slots]                             # every {{slot}} in the situation needs a default here
shift = "late"
site = "Dock 1"
equipment = "conveyor C1"

[[criterion]]
id = "stop"
text = "Stops the conveyor with the e-stop first"
required = true
cues = ["e-stop", "stop the conveyor", "stop the belt"]   # the ways your staff say it, not only the SOP's
hint = "What makes the conveyor safe to approach at all?"
source = "SOP 3.1"

[[criterion]]
id = "lockout"
text = "Locks out and tags the isolator with their own lock"
required = true
cues = ["lock out", "lockout", "padlock + isolator"]     # " + ": all terms in one sentence, any order
after = ["stop"]                    # order: must be said after these criteria
hint = "An e-stop can be reset by someone else. What stops that?"
source = "SOP 3.2"

[[criterion]]
id = "test"
text = "Tries the start button to prove it is dead"
required = true
cues = ["try the start", "try start", "test it", "prove it is dead"]
after = ["lockout"]
source = "SOP 3.3"

[[criterion]]
id = "ppe"
text = "Puts on gloves and eye protection"
required = false                    # optional criteria raise the score but are not needed to pass
parts = [                           # every part needed, anywhere in the answer; each part lists alternatives
  ["gloves"],
  ["safety glasses", "goggles", "eye protection"],
]
source = "SOP 3.4"

[[criterion]]
id = "tell"
text = "Tells the shift lead"
required = false
cues = ["tell + shift lead", "tell + supervisor", "radio + shift lead"]  # "tell Sam" counts: Sam is the shift lead here
source = "SOP 3.6"

[[must_not]]
id = "reach-before-lockout"
text = "Reaching in before the conveyor is locked out"
cues = ["reach in", "pull the carton out", "grab the carton", "let him reach in", "quick + grab",
        "hand in + quick"]         # as trainees say it: docs/pack-format.md, "Forbidden acts: cues …"
unless_after = ["lockout"]          # allowed once these criteria were met earlier in the answer
# unless_met = ["lockout"]          # (or: allowed when these criteria are met anywhere in the answer)
source = "SOP 3 warning"

[[fact]]                            # what an AI-adapted variant must keep (no facts: never varied)
text = "the belt stopped by itself"
cues = ["stopped by itself", "stopped on its own", "belt has stopped"]

[[choice]]                          # optional multiple-choice step before the free answer
question = "Which of these makes the conveyor safe to reach into?"
options = ["Pressing the e-stop", "Lockout with my own padlock and a try-start", "Waiting until the belt stops"]
correct = 1                         # index into options, from 0
'''

EXAMPLES = '''# examples/associate.toml — labelled answers. Write them (or collect them) before you tune cues:
#   split = "dev"      you may tune cues on these (`drillpad pack check-cues` uses them)
#   split = "holdout"  evaluation only: never tune on them (`drillpad eval grading` reports them apart)
# met lists what the answer truly meets (criterion ids, or for a prompt its point ids); violations
# lists the must_not items it commits.

[[example]]
id = "ex-001"
drill = "jam-at-c1"
kind = "correct"
split = "dev"
answer = "E-stop first, then lock out the isolator with my padlock and tag, try start, gloves and glasses on, clear it, tell Sam."
met = ["stop", "lockout", "test", "ppe", "tell"]

[[example]]
id = "ex-002"
drill = "jam-at-c1"
kind = "paraphrased"
split = "dev"
answer = "Hit the big red button, put my own padlock on the isolator, then try the start button so I know it's dead."
met = ["stop", "lockout", "test"]

[[example]]
id = "ex-003"
drill = "jam-at-c1"
kind = "wrong"
split = "dev"
answer = "The belt has already stopped, so I'd just reach in and pull the carton out quickly."
met = []
violations = ["reach-before-lockout"]

[[example]]
id = "ex-004"
drill = "jam-at-c1"
kind = "negated"
split = "holdout"
answer = "I wouldn't bother with the lockout, the e-stop is enough. Then I clear the carton."
met = ["stop"]

[[example]]
id = "ex-005"
drill = "jam-at-c1"
kind = "stuffing"
split = "holdout"
answer = "e-stop, lockout, padlock, isolator, try start, gloves"
met = []

[[example]]
id = "ex-006"
prompt = "spill-first-step"         # an answer to a recall prompt: met names its point ids
kind = "paraphrased"
split = "dev"
answer = "Put cones round it so no one slips, then let the shift lead know."
met = ["p1", "p2"]

[[example]]
id = "ex-007"
prompt = "jam-first-step"
kind = "negated"
split = "holdout"
answer = "I wouldn't touch the e-stop, I'd wait for maintenance."
met = []
'''


def template_files(title: str | None = None) -> dict[str, str]:
    """The template pack's files (path inside the pack → text)."""
    title = title or "My Site — Warehouse Associate"
    escaped = title.replace("\\", "\\\\").replace('"', '\\"')
    files = {
        "pack.toml": PACK.format(id=slug(title), title=escaped, today=date.today().isoformat()),
        "rubric.toml": RUBRIC,
        "roles/associate.toml": ROLE,
        "lessons/conveyor-jam.md": LESSON_JAM.format(),
        "prompts/associate.toml": PROMPTS,
        "drills/jam-at-c1.toml": DRILL.format(),
        "examples/associate.toml": EXAMPLES,
    }
    for task, (lesson_title, n, body) in LESSONS.items():
        files[f"lessons/{task}.md"] = LESSON.format(task=task, title=lesson_title, n=n, body=body)
    return files


def write_template(folder: Path, title: str | None = None) -> list[Path]:
    """Write the template pack into *folder* (new, or empty); never overwrites anything."""
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise TemplateError(f"{folder} already exists and is not an empty folder; choose a new folder")
    written = []
    for rel, text in template_files(title).items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
