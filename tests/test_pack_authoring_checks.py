"""`pack validate` as a pack author meets it: checks that need the grader (a model answer that fails
its own drill), risky cues, tasks without recall prompts, no holdout examples, prompt examples,
and every validator message in plain words with file:line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from drillpad.core.pack import PackInvalid
from drillpad.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]


def errors(folder: Path) -> list[str]:
    with pytest.raises(PackInvalid) as info:
        Workspace.validate_pack(folder)
    return [str(p) for p in info.value.problems if p.severity == "error"]


def warnings(folder: Path) -> list[str]:
    return [str(w) for w in Workspace.validate_pack(folder).warnings]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"fixture changed: {old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


DRILL = "drills/jam-c1.toml"


# --- the model answer is graded by the real grader ------------------------------------------

def test_model_answer_that_fails_its_own_required_criterion_is_an_error(minipack):
    edit(minipack / DRILL, "Press the e-stop, lock out the isolator with my padlock, try start, then clear it.",
         "Press the e-stop, try start, then clear it.")
    (msg,) = errors(minipack)
    assert msg.startswith("drills/jam-c1.toml:8: model_answer:")
    assert "fails its own required criterion 'lockout'" in msg and "Locks out the isolator" in msg


def test_model_answer_that_commits_a_must_not_is_an_error(minipack):
    edit(minipack / DRILL, 'model_answer = "Press the e-stop,', 'model_answer = "Reach in to free it, press the e-stop,')
    (msg,) = errors(minipack)
    assert msg.startswith("drills/jam-c1.toml:8: model_answer:") and "must_not 'reach-in'" in msg


def test_model_answer_that_meets_its_criteria_is_fine(minipack):
    Workspace.validate_pack(minipack)  # the fixture's own model answer passes


# --- risky cues ------------------------------------------------------------------------------

def test_a_stop_word_alone_as_a_cue_is_a_warning_with_its_line(minipack):
    edit(minipack / DRILL, 'cues = ["e-stop", "stop the belt"]', 'cues = ["e-stop", "stop the belt", "off"]')
    (msg,) = [w for w in warnings(minipack) if "off" in w]
    assert msg.startswith("drills/jam-c1.toml:19: criterion[0].cues:")
    assert "'off'" in msg and "any answer" in msg and msg.endswith("(warning)")


def test_a_single_very_common_word_as_a_cue_is_a_warning(minipack):
    edit(minipack / DRILL, 'cues = ["e-stop", "stop the belt"]', 'cues = ["e-stop", "check"]')
    (msg,) = [w for w in warnings(minipack) if "'check'" in w]
    assert "very common" in msg and "criterion[0].cues" in msg


def test_a_common_word_behind_my_or_the_is_still_a_common_word(minipack):
    """(2026-12o: a must_not cue "my things" fired on "first thing I stop the truck": "my" is free to skip)"""
    edit(minipack / DRILL, 'cues = ["reach in"]', 'cues = ["reach in", "my things"]')
    (msg,) = [w for w in warnings(minipack) if "'my things'" in w]
    assert "very common" in msg and "must_not[0].cues" in msg


def test_a_cue_with_a_negation_word_is_a_warning_that_says_it_is_matched_literally(minipack):
    edit(minipack / DRILL, 'cues = ["reach in"]', 'cues = ["reach in", "do not wait"]')
    (msg,) = [w for w in warnings(minipack) if "do not wait" in w]
    assert "must_not[0].cues" in msg and "'not'" in msg and "literally" in msg


@pytest.mark.parametrize("cue, word", [("dont wait", "don't"), ("wont wait", "won't"), ("wo gloves", "without")])
def test_a_negation_word_typed_short_is_a_negation_word(minipack, cue, word):
    """(12zi author) a cue "dont wait" raised no warning: the grader reads "dont" as "don't" in an answer, so
    the cue has the same trouble as "don't wait" and needs the same advice, naming the word it stands for."""
    edit(minipack / DRILL, 'cues = ["reach in"]', f'cues = ["reach in", "{cue}"]')
    (msg,) = [w for w in warnings(minipack) if cue in w]
    assert (f"'{word}'" in msg or f'"{word}"' in msg) and "literally" in msg


@pytest.mark.parametrize("cue, warned", [("crush them into the skip", False), ("general waste skip", False),
                                         ("skip the lock-off", True), ("skip + lock-off", True)])
def test_a_skip_that_is_a_waste_container_is_no_negation_word(minipack, cue, warned):
    """(12zk refiner) "crush them into the skip" and "general waste skip" got the negation-word advice, though the
    grader reads "the skip" and "general waste skip" as the container, as it does in an answer."""
    edit(minipack / DRILL, 'cues = ["reach in"]', f'cues = ["reach in", "{cue}"]')
    assert bool([w for w in warnings(minipack) if cue in w and "negation" in w]) is warned


def test_ordinary_cues_raise_no_warning(minipack):
    assert not [w for w in warnings(minipack) if ".cues" in w]


# --- coverage --------------------------------------------------------------------------------

def test_a_task_without_a_recall_prompt_is_a_warning(minipack):
    found = [w for w in warnings(minipack) if "recall prompt" in w]
    assert len(found) == 4  # only "jam" has one
    assert any(w.startswith("roles/dock-hand.toml:12: task[1].id:") and "'unload'" in w for w in found)


def test_a_pack_without_holdout_examples_is_a_warning(minipack):
    edit(minipack / "examples/dock-hand.toml", 'split = "holdout"', 'split = "dev"')
    (msg,) = [w for w in warnings(minipack) if "holdout" in w]
    assert msg.startswith("examples/") and "evaluation" in msg


def test_a_pack_with_holdout_examples_has_no_such_warning(minipack):
    assert not [w for w in warnings(minipack) if "holdout" in w]


# --- plain words for raw validator texts -------------------------------------------------------

def test_bad_id_says_what_an_id_may_contain(minipack):
    edit(minipack / DRILL, 'id = "lockout"', 'id = "Lock_Out"')
    msgs = errors(minipack)
    assert any("drills/jam-c1.toml:24:" in m and "'Lock_Out' is not a valid id" in m and "lower-case" in m
               for m in msgs), msgs
    assert not any("String should match pattern" in m for m in msgs)


def test_unclosed_quote_says_a_quote_is_not_closed(minipack):
    edit(minipack / DRILL, 'title = "Carton stuck on {equipment}"', 'title = "Carton stuck on {equipment}')
    (msg,) = errors(minipack)
    assert msg.startswith("drills/jam-c1.toml:3:") and "a quote is not closed" in msg
    assert "Illegal character" not in msg


@pytest.mark.parametrize("old, new, words", [
    ("minutes = 3", "minutes = three", "not a valid TOML value"),
    ('text = "Locks out the isolator"', 'text = "Locks out the isolator"\ntext = "again"', "given twice"),
    ('cues = ["reach in"]', 'cues = ["reach in"', "a list ('[') is not closed"),
    ("minutes = 3", "minutes 3", "'=' is missing"),
])
def test_toml_errors_in_plain_words(minipack, old, new, words):
    edit(minipack / DRILL, old, new)
    (msg,) = errors(minipack)
    assert words in msg, msg
    assert msg.startswith("drills/jam-c1.toml:")


@pytest.mark.parametrize("old, new, words", [
    ("minutes = 3", "minutes = 30", "at most 15"),
    ("minutes = 3", "minutes = 3.5", "a whole number"),
    ("required = true", 'required = "maybe"', "true or false"),
    ('cues = ["reach in"]', "cues = []", "at least 1 item"),
    ('title = "Carton stuck on {equipment}"', 'title = ""', "empty"),
    ('cues = ["reach in"]', 'cues = "reach in"', "a list"),
])
def test_field_errors_in_plain_words(minipack, old, new, words):
    edit(minipack / DRILL, old, new)
    msgs = errors(minipack)
    assert any(words in m for m in msgs), msgs
    for raw in ("should be", "Input should", "String should", "List should", "Value error"):
        assert not any(raw in m for m in msgs), msgs


def test_kind_and_split_name_the_allowed_values(minipack):
    edit(minipack / "examples/dock-hand.toml", 'kind = "correct"', 'kind = "right"')
    (msg,) = errors(minipack)
    assert "'right' is not one of" in msg and "'correct'" in msg and "'paraphrased'" in msg


# --- prompt examples and point ids --------------------------------------------------------------

PROMPT_EXAMPLES = '''
[[example]]
id = "mini-pr-1"
prompt = "jam-first"
kind = "paraphrased"
split = "dev"
answer = "Smack the big red button."
met = ["p1"]
'''


def test_examples_may_name_a_prompt_and_its_point_ids(minipack):
    (minipack / "examples/prompts.toml").write_text(PROMPT_EXAMPLES)
    pack = Workspace.validate_pack(minipack)
    (ex,) = [e for e in pack.examples if e.prompt]
    assert ex.drill is None and ex.met == ["p1"]
    assert [p.id for p in pack.prompts[0].point] == ["p1"]


def test_a_prompt_example_naming_an_unknown_point_is_an_error(minipack):
    (minipack / "examples/prompts.toml").write_text(PROMPT_EXAMPLES.replace('met = ["p1"]', 'met = ["p2"]'))
    (msg,) = errors(minipack)
    assert msg.startswith("examples/prompts.toml:8: example[0].met:") and "'p2'" in msg and "jam-first" in msg


def test_an_example_names_exactly_one_of_drill_or_prompt(minipack):
    (minipack / "examples/prompts.toml").write_text(
        PROMPT_EXAMPLES.replace('prompt = "jam-first"', 'prompt = "jam-first"\ndrill = "jam-c1"'))
    (msg,) = errors(minipack)
    assert msg.startswith("examples/prompts.toml:2:") and "exactly one of" in msg


def test_a_prompt_example_naming_a_missing_prompt_is_an_error(minipack):
    (minipack / "examples/prompts.toml").write_text(PROMPT_EXAMPLES.replace('"jam-first"', '"jam-last"'))
    (msg,) = errors(minipack)
    assert "prompt 'jam-last' does not exist" in msg


def test_point_ids_may_be_named_and_must_be_unique(minipack):
    path = minipack / "prompts/dock-hand.toml"
    edit(path, 'text = "Press the e-stop"', 'id = "estop"\ntext = "Press the e-stop"')
    pack = Workspace.validate_pack(minipack)
    assert pack.prompts[0].point[0].id == "estop"
    path.write_text(path.read_text() + '\n[[prompt.point]]\nid = "estop"\ntext = "Again"\ncues = ["again"]\n')
    (msg,) = errors(minipack)
    assert "duplicate point id 'estop'" in msg


# --- the packs we ship stay valid ------------------------------------------------------------------

@pytest.mark.parametrize("folder", ["assets/packs/warehouse-associate", "assets/packs/field-technician",
                                    "tests/data/minipack"])
def test_shipped_packs_still_validate(folder):
    Workspace.validate_pack(REPO / folder)


def test_the_eval_round_pack_validates_without_its_frozen_holdout(tmp_path):
    src = REPO / "evaluation/round-2026-12/pack"
    dest = tmp_path / "pack"
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("holdout.toml"))
    Workspace.validate_pack(dest)


def test_a_criterion_joining_two_actions_with_cues_only_is_a_warning(minipack):
    assert not [w for w in warnings(minipack) if "two actions" in w]
    edit(minipack / DRILL, 'text = "Locks out the isolator"', 'text = "Locks out the isolator and tags it"')
    assert any("nothing about “tags it”" in e for e in errors(minipack))  # the model answer does not tag it
    edit(minipack / DRILL, "lock out the isolator with my padlock,", "lock out the isolator with my padlock and tag it,")
    (msg,) = [w for w in warnings(minipack) if "two actions" in w]
    assert "criterion[1].text" in msg and "“tags it”" in msg and "parts = [[...], [...]]" in msg


@pytest.mark.parametrize("cue, alone", [("pop in", "pop"), ("head in", "head"), ("nip in", "nip")])
def test_a_cue_read_without_its_particle_is_a_warning(minipack, cue, alone):
    """(12zz refiner, 12zza dev) a cue "pop in" was read as "pop" alone, which the lexicon takes for "put": it met "put
    gown, gloves" and a model answer's "I put". A two-word cue whose last word ("in", "out", "on" …) the grader drops,
    because the word before it is no verb it knows, is met by the first word alone: the author is told so."""
    edit(minipack / DRILL, 'cues = ["reach in"]', f'cues = ["reach in", "{cue}"]')
    (msg,) = [w for w in warnings(minipack) if f"'{cue}'" in w]
    assert "must_not[0].cues" in msg and f"'{alone}'" in msg and "alone" in msg


@pytest.mark.parametrize("cue", ["reach in", "hop on", "go back", "get out"])
def test_a_cue_that_keeps_its_particle_raises_no_such_warning(minipack, cue):
    edit(minipack / DRILL, 'cues = ["reach in"]', f'cues = ["reach in", "{cue}"]')
    assert not [w for w in warnings(minipack) if "alone" in w]
