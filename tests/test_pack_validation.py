"""Pack validation: every kind of bad input gets a specific error with file, line and field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from drillpad.core.pack import PackInvalid
from drillpad.workspace import Workspace


def problems(folder: Path) -> list[str]:
    with pytest.raises(PackInvalid) as info:
        Workspace.validate_pack(folder)
    return [str(p) for p in info.value.problems if p.severity == "error"]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"fixture changed: {old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def test_valid_pack_loads(minipack):
    pack = Workspace.validate_pack(minipack)
    assert pack.id == "mini-dock"
    assert [t.id for t in pack.roles[0].task] == ["jam", "unload", "spill", "scan", "escalate"]
    assert pack.content_hash.startswith("sha256:")
    assert pack.drill("jam-c1").situation_text() == "On the early shift at Dock 1, a carton jams conveyor C1."


def test_malformed_toml_reports_file_and_line(minipack):
    edit(minipack / "drills" / "jam-c1.toml", 'minutes = 3', 'minutes = = 3')
    (msg,) = problems(minipack)
    assert msg.startswith("drills/jam-c1.toml:5: invalid TOML")


def test_lesson_without_front_matter(minipack):
    (minipack / "lessons" / "spill.md").write_text("# Spill\n\nJust text, no front matter.\n")
    (msg,) = problems(minipack)
    assert msg.startswith("lessons/spill.md:1:") and "front matter" in msg


def test_lesson_with_unclosed_front_matter(minipack):
    (minipack / "lessons" / "spill.md").write_text('+++\nid = "lesson-spill"\ntask = "spill"\n# body\n')
    (msg,) = problems(minipack)
    assert "never closed" in msg


def test_malformed_toml_inside_lesson_front_matter_counts_lines_from_file_start(minipack):
    edit(minipack / "lessons" / "jam.md", 'title = "Clearing a jam"', 'title = "Clearing a jam')
    (msg,) = problems(minipack)
    assert msg.startswith("lessons/jam.md:4: invalid TOML")


def test_unknown_field_is_an_error_with_its_line(minipack):
    edit(minipack / "drills" / "jam-c1.toml", "required = true", "requird = true")
    msgs = problems(minipack)
    assert "drills/jam-c1.toml:18: criterion[0].requird: unknown field" in msgs[0]


def test_duplicate_ids_across_files(minipack):
    edit(minipack / "lessons" / "spill.md", 'id = "lesson-spill"', 'id = "lesson-jam"')
    (msg,) = problems(minipack)
    assert "duplicate lesson id 'lesson-jam'" in msg and msg.startswith("lessons/spill.md:2:")


def test_duplicate_criterion_ids_in_a_drill(minipack):
    edit(minipack / "drills" / "jam-c1.toml", 'id = "lockout"', 'id = "stop"')
    (msg,) = problems(minipack)
    assert "duplicate criterion/must_not ids" in msg and "stop" in msg


def test_dangling_references(minipack):
    edit(minipack / "drills" / "jam-c1.toml", 'task = "jam"', 'task = "jams"')
    edit(minipack / "examples" / "dock-hand.toml", 'met = ["stop", "lockout"]', 'met = ["stop", "lock"]')
    msgs = problems(minipack)
    assert any(m.startswith("drills/jam-c1.toml:2: task: task 'jams' does not exist") for m in msgs)
    assert any("examples/dock-hand.toml:7: example[0].met: met names 'lock'" in m for m in msgs)


def test_behaviour_naming_another_roles_task(minipack):
    edit(minipack / "roles" / "dock-hand.toml", 'tasks = ["jam"]', 'tasks = ["jam", "forklift"]')
    (msg,) = problems(minipack)
    assert "behaviour 'isolation' names task 'forklift'" in msg


def test_role_with_eleven_tasks(minipack):
    role = minipack / "roles" / "dock-hand.toml"
    extra = "".join(
        f'\n[[task]]\nid = "extra-{i}"\ntitle = "Extra {i}"\nwhat_good_looks_like = "Done well."\n' for i in range(6)
    )
    role.write_text(role.read_text() + extra)
    (msg,) = problems(minipack)
    assert "5–10 tasks" in msg and "has 11" in msg and msg.startswith("roles/dock-hand.toml")


def test_role_with_two_behaviours(minipack):
    role = minipack / "roles" / "dock-hand.toml"
    text = role.read_text()
    role.write_text(text[: text.rindex("[[behaviour]]")])
    (msg,) = problems(minipack)
    assert "3–5 critical behaviours" in msg


def test_drill_without_criteria(minipack):
    drill = minipack / "drills" / "jam-c1.toml"
    text = drill.read_text()
    drill.write_text(text[: text.index("[[criterion]]")])
    (minipack / "examples" / "dock-hand.toml").unlink()
    (msg,) = problems(minipack)
    assert "has no criteria" in msg


def test_twenty_minute_lesson_is_refused(minipack):
    lesson = minipack / "lessons" / "scan.md"
    lesson.write_text(lesson.read_text() + ("Scan the label and check the count on the screen. " * 360))
    (msg,) = problems(minipack)
    assert re.search(r"takes about 20(\.\d)? minutes to read", msg)
    assert msg.startswith("lessons/scan.md:")


def test_pack_without_approval(minipack):
    manifest = minipack / "pack.toml"
    text = manifest.read_text()
    start = text.index("[approval]")
    manifest.write_text(text[:start] + text[text.index("[settings]"):])
    (msg,) = problems(minipack)
    assert msg == "pack.toml: approval: required field is missing"


def test_rubric_needs_five_levels(minipack):
    rubric = minipack / "rubric.toml"
    text = rubric.read_text()
    rubric.write_text(text[: text.rindex("[[level]]")])
    (msg,) = problems(minipack)
    assert "exactly five levels" in msg and msg.startswith("rubric.toml")


def test_decision_tree_with_missing_node(minipack):
    edit(minipack / "lessons" / "jam.md", 'next = "lockout"', 'next = "isolate"')
    (msg,) = problems(minipack)
    assert "leads to missing node 'isolate'" in msg and msg.startswith("lessons/jam.md:")


def test_situation_placeholder_without_default(minipack):
    edit(minipack / "drills" / "jam-c1.toml", 'site = "Dock 1"\n', "")
    (msg,) = problems(minipack)
    assert "{site}" in msg


def test_choice_answer_out_of_range(minipack):
    drill = minipack / "drills" / "jam-c1.toml"
    drill.write_text(drill.read_text() + '\n[[choice]]\nquestion = "Which?"\noptions = ["A", "B"]\ncorrect = 2\n')
    (msg,) = problems(minipack)
    assert "only 2 options" in msg


def test_not_utf8(minipack):
    (minipack / "prompts" / "dock-hand.toml").write_bytes(b'[[prompt]]\nid = "caf\xe9"\n')
    (msg,) = problems(minipack)
    assert msg.startswith("prompts/dock-hand.toml:2: not UTF-8")


def test_missing_manifest_and_no_roles(tmp_path):
    (tmp_path / "empty").mkdir()
    msgs = problems(tmp_path / "empty")
    assert any(m.startswith("pack.toml: missing") for m in msgs)
    assert any(m.startswith("rubric.toml: missing") for m in msgs)
    assert any("at least one role" in m for m in msgs)


def test_stray_files_are_warnings_not_errors(minipack):
    (minipack / "notes.txt").write_text("draft")
    pack = Workspace.validate_pack(minipack)
    assert [str(w) for w in pack.warnings if w.file == "notes.txt"] == [
        "notes.txt: not part of the pack format; ignored (warning)"]
    assert not [w for w in pack.warnings if w.severity == "error"]


def test_content_hash_changes_with_content(minipack):
    before = Workspace.validate_pack(minipack).content_hash
    edit(minipack / "lessons" / "spill.md", "Follow the steps", "Follow all the steps")
    assert Workspace.validate_pack(minipack).content_hash != before


# --- issue #17: what a pack import used to accept, or said too vaguely -------------------------------------


def test_duplicate_criterion_id_names_the_line_of_the_second_one(minipack):
    edit(minipack / "drills" / "jam-c1.toml", 'id = "lockout"', 'id = "stop"')
    (msg,) = problems(minipack)
    assert msg.startswith("drills/jam-c1.toml:24:") and "duplicate criterion/must_not ids" in msg and "stop" in msg


def test_a_utf8_byte_order_mark_is_named(minipack):
    role = minipack / "roles" / "dock-hand.toml"
    role.write_bytes(b"\xef\xbb\xbf" + role.read_bytes())
    (msg,) = problems(minipack)
    assert msg.startswith("roles/dock-hand.toml:1:") and "byte-order mark (BOM)" in msg


def test_a_huge_file_reports_its_real_size(minipack):
    with (minipack / "lessons" / "big.md").open("wb") as f:
        f.truncate(50 * 1024 * 1024)
    (msg,) = problems(minipack)
    assert msg.startswith("lessons/big.md:") and "52,428,800 bytes (50.0 MB)" in msg


def test_a_symlinked_folder_is_refused_by_name(minipack, tmp_path):
    real = tmp_path / "elsewhere"
    (minipack / "lessons").rename(real)
    (minipack / "lessons").symlink_to(real, target_is_directory=True)
    msgs = problems(minipack)
    assert any(m.startswith("lessons:") and "symbolic link" in m and str(real) in m for m in msgs), msgs


def test_a_lesson_that_is_a_symlink_outside_the_pack_is_refused(minipack, tmp_path):
    outside = tmp_path / "outside.md"
    outside.write_bytes((minipack / "lessons" / "spill.md").read_bytes())
    (minipack / "lessons" / "spill.md").unlink()
    (minipack / "lessons" / "spill.md").symlink_to(outside)
    msgs = problems(minipack)
    assert any(m.startswith("lessons/spill.md:1:") and "symbolic link" in m and str(outside) in m for m in msgs), msgs


def test_a_task_whose_lesson_file_is_missing_is_refused_at_the_task(minipack):
    (minipack / "lessons" / "spill.md").unlink()
    (msg,) = problems(minipack)
    assert msg.startswith("roles/dock-hand.toml:17:") and "task 'spill' has no lesson" in msg
    with pytest.raises(PackInvalid) as info:
        Workspace.validate_pack(minipack)
    # said once, as the error it is (a '(warning)' for the same task printed beside it contradicted it)
    assert [str(p) for p in info.value.problems if "spill" in str(p) and "lesson" in str(p)] == [msg]


def test_a_decision_tree_node_that_cannot_reach_an_end_is_refused(minipack):
    edit(minipack / "lessons" / "jam.md", '''id = "estop"
action = "Press the e-stop, then lock out."''', '''id = "estop"
text = "Did you press the e-stop?"
options = [
  { label = "Yes", next = "estop" },
  { label = "Not sure", next = "estop" },
]''')  # a question that only leads back to itself: the walk never ends
    (msg,) = problems(minipack)
    assert msg.startswith("lessons/jam.md:") and "cannot reach an end" in msg and "'estop'" in msg
