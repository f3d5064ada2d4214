"""Backups, damage detection, restore and salvage — on real database files with a real damaged page."""

from __future__ import annotations

import os
import sqlite3
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from drillpad.cli import main
from drillpad.clock import FixedClock
from drillpad.paths import Paths
from drillpad.store import backups
from drillpad.store.db import DamagedDatabaseError
from drillpad.store.integrity import check_database
from drillpad.workspace import Workspace

ANSWERS = ["press the e-stop", "no idea", "emergency stop then lock out", "stop the belt"]


def _answer(ws: Workspace, n: int) -> list[str]:
    ids = []
    for i in range(n):
        ids.append(ws.answer_prompt("Alex", "jam-first", ANSWERS[i % 4] + " " + "x" * 120, 1 + i % 4).event_id)
        ws.clock.advance(minutes=1)
    return ids


def _event_leaves(path: Path) -> list[int]:
    """The events table's leaf pages, in key order (SQLite's dbstat)."""
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute(
            "SELECT pageno FROM dbstat WHERE name = 'events' AND pagetype = 'leaf' ORDER BY path")]
    finally:
        conn.close()


def _damage_page(path: Path, page: int) -> None:
    """Overwrite one page of the file with garbage, as a failing disk or a torn copy would."""
    conn = sqlite3.connect(path)
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with path.open("r+b") as f:
        f.seek((page - 1) * size)
        f.write(bytes((i * 37 + 11) % 256 for i in range(size)))


@pytest.fixture
def history(tmp_path, minipack):
    """A data dir with 80 answers before a backup and 80 after it, closed cleanly."""
    clock = FixedClock(datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc))
    paths = Paths.resolve(tmp_path / "data", env={})
    with Workspace(paths, clock=clock) as ws:
        ws.import_pack(minipack)
        ws.profiles.add_learner("Alex", "dock-hand")
        before = _answer(ws, 80)
        taken = ws.backup()
        clock.advance(hours=20)
        after = _answer(ws, 80)
    return paths, clock, taken, before, after


def test_damaged_events_page_after_clean_exit_is_found_restored_and_salvaged(history, capsys):
    paths, clock, taken, before, after = history
    db = paths.db_path
    leaves = _event_leaves(db)
    assert len(leaves) >= 6
    victim = leaves[-3]  # a page written after the backup: what it held is in no backup
    conn = sqlite3.connect(db)
    everything = dict(conn.execute("SELECT rowid, id FROM events"))
    conn.close()
    _damage_page(db, victim)
    conn = sqlite3.connect(db)
    readable = set()
    for rowid, event_id in everything.items():
        try:
            if conn.execute("SELECT payload FROM events WHERE rowid = ?", [rowid]).fetchone():
                readable.add(event_id)
        except sqlite3.DatabaseError:
            pass
    conn.close()
    lost = set(everything.values()) - readable
    assert lost and lost <= set(after)  # the page held only answers made after the backup

    # detected at the next start: nothing reads from or writes to it
    with pytest.raises(DamagedDatabaseError, match=r"drillpad check --full.*drillpad restore"):
        Workspace(paths, clock=clock)
    untouched = db.read_bytes()
    d = ["--data-dir", str(paths.data_dir)]
    for argv in (["today", "--learner", "Alex"], ["stats", "--json"], ["rebuild"], ["drill", "--learner", "Alex"],
                 ["demonstrate", "--learner", "Alex", "--task", "clear-jam", "did it"]):
        assert main(d + argv) == 1, argv
        err = capsys.readouterr().err
        assert "is damaged" in err and "drillpad restore" in err, argv
    assert db.read_bytes() == untouched
    assert not list(paths.log_dir.glob("crash-*.txt"))

    # the full check names what it found
    assert main(d + ["check", "--full"]) == 1
    out = capsys.readouterr()
    assert "event row(s) cannot be read" in out.out + out.err

    # restore: the backup comes back, every event that still reads is salvaged, the lost ones are listed
    assert main(d + ["restore"]) == 0
    out = capsys.readouterr().out
    assert f"{len(lost)} record(s) could not be read" in out
    assert f"{len(lost)} of them answers" in out
    damaged = list((paths.data_dir / "damaged").glob("drillpad-*.db"))
    assert len(damaged) == 1 and damaged[0].read_bytes() == untouched
    assert check_database(db, full=True).ok
    with Workspace(paths, clock=clock) as ws:
        stored = {r[0] for r in ws.db.execute("SELECT id FROM events")}
        assert set(before) <= stored
        assert set(after) - lost <= stored
        assert not (lost & stored)
        assert ws.rebuild()["differed"] == 0
        assert ws.today("Alex").learner == "Alex"
    assert main(d + ["check", "--full"]) == 0
    assert "ok" in capsys.readouterr().out


def test_the_app_opens_a_damaged_database_by_restoring_and_says_what_may_be_missing(history):
    paths, clock, taken, before, after = history
    _damage_page(paths.db_path, _event_leaves(paths.db_path)[-3])
    with Workspace(paths, clock=clock, repair=True) as ws:
        report = ws.restored
        assert report is not None and report.backup is not None
        assert report.backup.path == taken.path
        assert report.missing and all(e["kind"] == "review" and e["learner"] == "Alex" for e in report.missing)
        assert report.salvaged_events > 0
        assert report.missing_answers == len(report.missing)
        stored = {r[0] for r in ws.db.execute("SELECT id FROM events")}
        assert set(before) <= stored and len(stored & set(after)) == report.salvaged_events


def test_damage_after_an_unclean_exit_is_found_by_the_full_check(history):
    paths, clock, *_ = history
    paths.db_path.with_name("drillpad.db.open").write_text("999999")
    with Workspace(paths, clock=clock) as ws:  # an unclean exit alone is not damage
        assert ws.profiles.learners()
    _damage_page(paths.db_path, _event_leaves(paths.db_path)[1])
    paths.db_path.with_name("drillpad.db.open").write_text("999999")
    with pytest.raises(DamagedDatabaseError, match="after an unclean exit"):
        Workspace(paths, clock=clock)


def test_restore_without_any_backup_salvages_what_reads(history):
    paths, clock, taken, before, after = history
    taken.path.unlink()
    _damage_page(paths.db_path, _event_leaves(paths.db_path)[-3])
    report = Workspace.restore(paths, clock=clock)
    assert report.backup is None
    with Workspace(paths, clock=clock) as ws:
        stored = {r[0] for r in ws.db.execute("SELECT id FROM events")}
        assert set(before) <= stored
        assert ws.profiles.learners()[0].name == "Alex"
        assert ws.today("Alex").items is not None


def test_backups_are_verified_private_and_rotated_daily_and_weekly(tmp_path, minipack):
    clock = FixedClock(datetime(2026, 1, 1, 9, 0, tzinfo=timezone.utc))
    paths = Paths.resolve(tmp_path / "data", env={})
    with Workspace(paths, clock=clock) as ws:
        ws.import_pack(minipack)
        ws.profiles.add_learner("Alex", "dock-hand")
        assert ws.backup(if_due=True) is not None
        assert ws.backup(if_due=True) is None  # one a day is enough
        for _ in range(60):  # two months of daily backups, two a day
            clock.advance(hours=12)
            ws.backup()
        kept = ws.backups()
    days = {b.taken_at.date() for b in kept}
    assert len(kept) <= 11 and len(days) == len(kept)
    newest = kept[0].taken_at.date()
    assert {newest - timedelta(days=n) for n in range(7)} <= days
    weeks = {b.taken_at.isocalendar()[:2] for b in kept}
    assert len(weeks) == 4
    for b in kept:
        assert stat.S_IMODE(b.path.stat().st_mode) == 0o600
        assert check_database(b.path, full=True).ok
    assert stat.S_IMODE((paths.data_dir / "backups").stat().st_mode) == 0o700


def test_a_backup_of_a_damaged_database_is_not_kept(history):
    paths, clock, taken, *_ = history
    _damage_page(paths.db_path, _event_leaves(paths.db_path)[2])
    clock.advance(days=1)
    from drillpad.store.db import StoreError

    with pytest.raises(StoreError, match="failed its check"):
        backups.make_backup(paths.db_path, clock.now())
    assert [b.path for b in backups.list_backups(paths.db_path)] == [taken.path]
    assert not list((paths.data_dir / "backups").glob("*.partial"))


def test_restore_refuses_while_drillpad_has_the_data_open(history):
    paths, clock, *_ = history
    from drillpad.store.db import StoreError

    paths.db_path.with_name("drillpad.db.open").write_text(str(os.getppid()))
    with pytest.raises(StoreError, match="still running"):
        Workspace.restore(paths, clock=clock)


def test_cli_backup_and_list(history, capsys):
    paths, clock, taken, *_ = history
    d = ["--data-dir", str(paths.data_dir)]
    assert main(d + ["backup"]) == 0
    out = capsys.readouterr().out
    assert "Backup written and verified:" in out
    assert main(d + ["backup", "--list"]) == 0
    out = capsys.readouterr().out
    assert taken.path.name in out


def test_after_a_restore_new_events_never_reuse_the_numbers_of_lost_ones(history):
    """The newest events page is damaged: its events are lost, but their sequence numbers were used (and may
    already be at the manager's). The next event made here takes a number above all of them."""
    paths, clock, taken, before, after = history
    db = paths.db_path
    conn = sqlite3.connect(db)
    top = conn.execute("SELECT max(seq) FROM events").fetchone()[0]
    conn.close()
    _damage_page(db, _event_leaves(db)[-1])  # the page with the highest numbers
    report = Workspace.restore(paths, clock=clock)
    assert report.missing  # some of the newest events are gone
    with Workspace(paths, clock=clock) as ws:
        assert ws.db.execute("SELECT max(seq) FROM events").fetchone()[0] < top
        new = ws.reflect("Alex", "after the restore")
        seq = ws.db.execute("SELECT seq FROM events WHERE id = ?", [new.id]).fetchone()[0]
    assert seq > top


def test_a_restore_killed_half_way_leaves_the_data_where_it_was(history):
    """Killed (power cut, kill -9) while salvaging: the next start must not find an empty new database where the
    trainees' data was; it finds the damaged file as before, and restore can simply be run again."""
    import subprocess
    import sys

    paths, clock, taken, before, after = history
    _damage_page(paths.db_path, _event_leaves(paths.db_path)[-3])
    code = ("import os, sys; from datetime import datetime, timezone; from pathlib import Path; "
            "from drillpad.store import backups; "
            "backups._salvage = lambda *a, **k: os._exit(9); "  # dies in the middle of the restore
            "backups.restore(Path(sys.argv[1]), datetime(2026, 3, 4, tzinfo=timezone.utc))")
    src = Path(__file__).resolve().parents[1] / "src"
    r = subprocess.run([sys.executable, "-c", code, str(paths.db_path)], env={**os.environ, "PYTHONPATH": str(src)},
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 9, r.stderr
    with pytest.raises(DamagedDatabaseError):  # not an empty new database
        Workspace(paths, clock=clock)
    report = Workspace.restore(paths, clock=clock)
    assert report.backup is not None and report.backup.path == taken.path
    with Workspace(paths, clock=clock) as ws:
        stored = {r[0] for r in ws.db.execute("SELECT id FROM events")}
    assert set(before) <= stored and len(stored & set(after)) == report.salvaged_events > 0


def test_a_restore_killed_between_its_renames_is_finished_at_the_next_start(history):
    """The restored copy was complete and the damaged file already set aside when the process died: the next
    start puts the restored copy in place instead of making an empty database."""
    paths, clock, taken, before, after = history
    db = paths.db_path
    restoring = db.with_name(db.name + ".restoring")
    src, dst = sqlite3.connect(taken.path), sqlite3.connect(restoring)
    src.backup(dst)
    src.close()
    dst.close()
    aside = paths.data_dir / "damaged"
    aside.mkdir()
    db.rename(aside / "drillpad-20260304T000000Z.db")
    with Workspace(paths, clock=clock) as ws:
        stored = {r[0] for r in ws.db.execute("SELECT id FROM events")}
        assert set(before) <= stored and ws.profiles.learners()[0].name == "Alex"
    assert not restoring.exists()


def test_restoring_a_named_backup_over_sound_data_does_not_call_it_damaged(history, capsys):
    paths, clock, taken, before, after = history
    d = ["--data-dir", str(paths.data_dir)]
    assert main(d + ["restore", taken.path.name]) == 0
    out = capsys.readouterr().out
    assert "damaged file" not in out, out
    assert "salvaged from the file it replaced" in out and "The file it replaced is kept at" in out
    with Workspace(paths, clock=clock) as ws:  # nothing was lost: every later event came across by id
        stored = {r[0] for r in ws.db.execute("SELECT id FROM events")}
    assert set(before) | set(after) <= stored


def test_restore_takes_the_newest_copy_by_content_not_by_a_clock_that_was_set_ahead(history):
    """The clock was a year ahead for one start (a backup is stamped 2027), then corrected; a later day's backup
    holds more. Restoring must take the later one, not the copy whose name says 2027."""
    paths, clock, taken, before, after = history
    clock.jump(timedelta(days=365))
    with Workspace(paths, clock=clock) as ws:
        ahead = ws.backup()
        clock.jump(timedelta(days=-365))
        clock.advance(days=1)
        later = _answer(ws, 40)
        real = ws.backup()
    assert ahead.taken_at > real.taken_at
    _damage_page(paths.db_path, _event_leaves(paths.db_path)[1])
    report = Workspace.restore(paths, clock=clock)
    assert report.backup is not None and report.backup.path == real.path
    with Workspace(paths, clock=clock) as ws:
        stored = {r[0] for r in ws.db.execute("SELECT id FROM events")}
    assert set(later) <= stored


def test_a_backup_stamped_by_a_clock_set_ahead_does_not_make_one_due_at_every_start(history):
    paths, clock, taken, *_ = history
    clock.jump(timedelta(days=365))
    with Workspace(paths, clock=clock) as ws:
        ws.backup()
    clock.jump(timedelta(days=-365))
    clock.advance(days=1)
    with Workspace(paths, clock=clock) as ws:
        assert ws.backup(if_due=True) is not None  # the day's own backup
        assert ws.backup(if_due=True) is None  # and no second one that day
