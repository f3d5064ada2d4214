"""A save that fails because of the computer (a full disk, no write access, a busy database) reaches the screens
as the workspace's own error, SaveError / DiskFullError, with nothing half-written: ui/ never needs SQLite."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from drillpad.workspace import DiskFullError, SaveError

UI = Path(__file__).resolve().parents[1] / "src" / "drillpad" / "ui"


@pytest.fixture
def alex(workspace, minipack):
    workspace.import_pack(minipack)
    workspace.profiles.add_learner("Alex", "dock-hand")
    return "Alex"


def _fill(workspace) -> None:
    """The database may not grow by a page more: SQLite itself answers SQLITE_FULL, as on a full disk."""
    pages = workspace.db.execute("PRAGMA page_count").fetchone()[0]
    workspace.db.execute(f"PRAGMA max_page_count = {pages}")


def _events(workspace) -> int:
    return workspace.db.execute("SELECT count(*) FROM events").fetchone()[0]


def test_a_full_database_is_a_disk_full_error_and_keeps_nothing_of_the_answer(workspace, alex):
    before = _events(workspace)
    _fill(workspace)
    answer = "Hit the e-stop, then padlock the isolator. " * 200  # needs new pages
    with pytest.raises(DiskFullError) as caught:
        workspace.submit_drill(alex, "jam-c1", answer, 3)
    assert caught.value.reason == "full" and "full" in str(caught.value)
    assert _events(workspace) == before
    workspace.db.execute("PRAGMA max_page_count = 1073741823")  # space freed: the same answer goes in
    grade, _event = workspace.submit_drill(alex, "jam-c1", answer, 3)
    assert grade.passed and _events(workspace) == before + 1


def test_a_reflection_on_a_full_disk_is_a_disk_full_error(workspace, alex):
    _fill(workspace)
    with pytest.raises(DiskFullError):
        workspace.reflect(alex, "I learnt to lock out before clearing a jam. " * 200)


def test_a_busy_database_is_a_save_error_that_says_busy(workspace, alex):
    import sqlite3

    workspace.db.execute("PRAGMA busy_timeout = 0")
    other = sqlite3.connect(str(workspace.paths.db_path), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        with pytest.raises(SaveError) as caught:
            workspace.reflect(alex, "Locked out the isolator today.")
        assert caught.value.reason == "busy"
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_a_mistake_in_the_data_is_not_dressed_up_as_a_save_error(workspace, alex):
    from drillpad.workspace import LearningError

    with pytest.raises(LearningError):
        workspace.reflect(alex, "   ")


def test_the_screens_never_import_sqlite3():
    offenders = []
    for path in sorted(UI.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n.split(".")[0] == "sqlite3" for n in names):
                offenders.append(f"{path.relative_to(UI.parent)}:{node.lineno}")
    assert offenders == []
