"""Importing packs: one transaction, idempotent, upgrades keep learners' history."""

from __future__ import annotations

import pytest

from drillpad.store.packs import PackImportError


def counts(ws) -> dict[str, int]:
    return {t: ws.db[t].count for t in ("packs", "roles", "tasks", "behaviours", "rubric_levels", "lessons",
                                        "prompts", "drills", "examples", "pack_imports")}


def bump(pack, version: str, old: str = "1.0.0") -> None:
    manifest = pack / "pack.toml"
    manifest.write_text(manifest.read_text().replace(f'version = "{old}"', f'version = "{version}"'))


def test_import_installs_everything(workspace, minipack):
    result = workspace.import_pack(minipack)
    assert (result.pack_id, result.version, result.action) == ("mini-dock", "1.0.0", "installed")
    assert counts(workspace) == {"packs": 1, "roles": 1, "tasks": 5, "behaviours": 3, "rubric_levels": 5,
                                 "lessons": 5, "prompts": 1, "drills": 1, "examples": 2, "pack_imports": 1}
    (role,) = workspace.roles()
    assert role.approval == "Approved by Test Approver, Site Manager on 2026-03-02 — Mini Dock SOP, Rev 1"
    assert [t.title for t in role.tasks][0] == "Clear a conveyor jam"
    assert role.tasks[0].has_lesson and role.tasks[0].drills == 1


def test_same_content_twice_is_a_no_op(workspace, minipack):
    workspace.import_pack(minipack)
    before = counts(workspace)
    result = workspace.import_pack(minipack)
    assert result.action == "unchanged"
    assert counts(workspace) == before


def test_upgrade_keeps_learners_and_their_history(workspace, minipack, clock):
    workspace.import_pack(minipack)
    alex = workspace.profiles.add_learner("Alex", "dock-hand")
    event = workspace.record(alex.id, "note", {"text": "practised"})
    lesson = minipack / "lessons" / "spill.md"
    lesson.write_text(lesson.read_text() + "\nNew step: photograph the spill for the report.\n")
    bump(minipack, "1.1.0")
    clock.advance(days=1)
    result = workspace.import_pack(minipack)
    assert (result.action, result.previous_version) == ("upgraded", "1.0.0")
    assert workspace.profiles.learner("Alex").id == alex.id
    assert workspace.db["events"].get(event.id)["learner_id"] == alex.id
    assert "photograph" in workspace.db.execute("SELECT body FROM lessons WHERE id = 'lesson-spill'").fetchone()[0]
    assert counts(workspace)["pack_imports"] == 2


def test_changed_content_with_the_same_version_is_refused(workspace, minipack):
    workspace.import_pack(minipack)
    lesson = minipack / "lessons" / "spill.md"
    lesson.write_text(lesson.read_text() + "\nAn unapproved edit.\n")
    with pytest.raises(PackImportError, match="raise `version`"):
        workspace.import_pack(minipack)


def test_older_version_is_refused(workspace, minipack):
    bump(minipack, "2.0.0")
    workspace.import_pack(minipack)
    bump(minipack, "1.9.0", old="2.0.0")
    with pytest.raises(PackImportError, match="older than the installed 2.0.0"):
        workspace.import_pack(minipack)


def test_upgrade_that_removes_a_role_in_use_is_refused_and_changes_nothing(workspace, minipack):
    workspace.import_pack(minipack)
    workspace.profiles.add_learner("Alex", "dock-hand")
    before = counts(workspace)
    role = minipack / "roles" / "dock-hand.toml"
    role.write_text(role.read_text().replace('id = "dock-hand"', 'id = "dock-worker"'))
    bump(minipack, "1.1.0")
    with pytest.raises(PackImportError, match="removes role 'dock-hand', which 1 learner"):
        workspace.import_pack(minipack)
    assert counts(workspace) == before
    assert workspace.db["packs"].get("mini-dock")["version"] == "1.0.0"


def test_a_failure_midway_leaves_nothing_behind(workspace, minipack, monkeypatch):
    from sqlite_utils.db import Table

    original = Table.insert_all

    def failing_insert_all(self, records, *args, **kwargs):
        if self.name == "drills":
            raise RuntimeError("disk pulled out")
        return original(self, records, *args, **kwargs)

    monkeypatch.setattr(Table, "insert_all", failing_insert_all)
    with pytest.raises(RuntimeError, match="disk pulled out"):
        workspace.import_pack(minipack)
    assert all(n == 0 for n in counts(workspace).values())


def test_invalid_pack_writes_nothing(workspace, minipack):
    from drillpad.core.pack import PackInvalid

    (minipack / "rubric.toml").write_text("[[level]]\nlevel = 1\n")
    with pytest.raises(PackInvalid):
        workspace.import_pack(minipack)
    assert all(n == 0 for n in counts(workspace).values())


def test_two_packs_may_reuse_ids(workspace, minipack, tmp_path):
    import shutil

    other = tmp_path / "other"
    shutil.copytree(minipack, other)
    manifest = other / "pack.toml"
    manifest.write_text(manifest.read_text().replace('id = "mini-dock"', 'id = "mini-dock-two"'))
    workspace.import_pack(minipack)
    workspace.import_pack(other)
    assert workspace.db["tasks"].count == 10
    from drillpad.store.learners import LearnerError

    with pytest.raises(LearnerError, match="several packs"):
        workspace.profiles.add_learner("Alex", "dock-hand")
    assert workspace.profiles.add_learner("Alex", "mini-dock-two:dock-hand").pack_id == "mini-dock-two"
