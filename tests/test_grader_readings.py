"""How the grader reads three more shapes of answer: a person the scenario introduces by what they do ("Marta, a
reach truck driver"), a condition put first ("Only if it moved would I get out"), and steps named as the subject
of a statement ("Approach, badge check and escort are the foundations of a secure site")."""

from __future__ import annotations

import tomllib

from drillpad.core.grader import grade
from drillpad.core.pack import Drill

RACK = Drill.model_validate(tomllib.loads('''
id = "rack"
task = "racking"
title = "Pallet failing overhead"
source = "SOP 3"
situation = """A pallet four levels up is sagging over aisle 4. Dana, a counterbalance driver, is turning into the
aisle. Lee, the shift lead, is on the radio."""
question = "What do you do?"
model_answer = "Get out from under it, stop the driver, close the aisle and radio the shift lead."

[[criterion]]
id = "clear"
text = "Gets out from under the load"
cues = ["get out from under", "step out", "get clear"]

[[criterion]]
id = "stop"
text = "Stops the driver coming into the aisle"
cues = ["stop the driver", "stop the truck"]

[[criterion]]
id = "close"
text = "Closes the aisle with barriers"
cues = ["barrier", "close the aisle"]

[[criterion]]
id = "report"
text = "Radios the shift lead"
cues = ["radio the shift lead", "call the supervisor"]
'''))


def test_a_person_introduced_by_their_job_reads_as_that_job():
    r = grade(RACK, "Step out from under it, stop Dana before she comes in, barriers across and radio Lee.")
    assert r.criteria["stop"].met and r.criteria["report"].met and r.passed
    assert not grade(RACK, "Step out from under it and wave at Lee.").criteria["stop"].met


def test_a_condition_put_first_is_a_condition():
    r = grade(RACK, "Only if it started to move would I get out and radio Lee. For now I'd keep picking.")
    assert not r.criteria["clear"].met and not r.criteria["report"].met
    ok = grade(RACK, "Only then, once I'm out from under it, I stop the driver, put the barrier up and radio Lee.")
    assert ok.criteria["stop"].met and ok.criteria["close"].met


def test_steps_named_as_the_subject_of_a_statement_earn_nothing():
    r = grade(RACK, "Getting clear, stopping the driver, barriers and the shift lead are the foundations of "
                    "rack safety.")
    assert r.score == 0 and not r.passed and "stuffing" in r.flags
    fine = grade(RACK, "Step out, stop the driver, barriers up. Barriers and radios are kept by the office.")
    assert fine.criteria["close"].met and "stuffing" not in fine.flags


DECANT = Drill.model_validate(tomllib.loads('''
id = "decant"
task = "chemicals"
title = "Decanting a corrosive"
source = "SOP 4"
situation = "You need 5 litres of a corrosive floor stripper from the 200-litre drum in the chemical store."
question = "How do you decant it?"
model_answer = """Read the safety data sheet, put on goggles, gloves and apron, then fill a labelled container from
the tap."""

[[criterion]]
id = "sds"
text = "Reads the safety data sheet"
cues = ["safety data sheet", "sds"]

[[criterion]]
id = "ppe"
text = "Puts on goggles, gloves and apron"
parts = [["goggles", "face shield"], ["gloves"], ["apron"]]

[[criterion]]
id = "fill"
text = "Fills a labelled container from the tap"
cues = ["fill + container", "from the tap"]
after = ["ppe"]

[[must_not]]
id = "no-ppe"
text = "Starting to decant before putting on goggles, gloves and apron"
cues = ["start filling before"]
'''))


def test_refusing_one_part_of_the_protective_kit_is_the_forbidden_shortcut():
    r = grade(DECANT, "It's only floor cleaner, no need for the data sheet or an apron, gloves are enough. "
                      "I'd fill a container from the tap.")
    assert not r.criteria["ppe"].met and [v.id for v in r.violations] == ["no-ppe"]
    fine = grade(DECANT, "Read the SDS, goggles, gloves and apron on, then fill a labelled container from the tap.")
    assert fine.passed and not fine.violations


def test_only_if_anywhere_in_the_clause_makes_it_a_condition():
    r = grade(RACK, "Step out from under it. I'd only call the supervisor if it got worse. I'd stop the truck.")
    assert r.criteria["clear"].met and r.criteria["stop"].met and not r.criteria["report"].met
    r = grade(RACK, "Step out, stop the truck, barriers. Radio the shift lead only if something falls.")
    assert not r.criteria["report"].met and r.criteria["close"].met
    ok = grade(RACK, "Step out, stop the truck and put the barrier up, then radio the shift lead. I'd only go back "
                     "in if the shift lead says so.")
    assert ok.passed


def test_a_step_said_again_after_the_earlier_one_in_the_same_sentence_is_in_order():
    same = grade(DECANT, "Fill the container? Read the SDS, put goggles, gloves and apron on and fill the container "
                         "from the tap.")
    assert same.criteria["fill"].met, same.criteria["fill"].note
