"""The SQLite store: pragmas, migrations from every earlier version, newer schemas refused."""

from __future__ import annotations

import sqlite3

import pytest
from sqlite_utils import Database

from drillpad.store import db as store_db
from drillpad.store.db import (
    NewerSchemaError,
    StoreError,
    close_database,
    network_filesystem,
    open_database,
    schema_names,
    was_unclean,
)
from drillpad.store.migrations import migrations


def test_fresh_database_is_durable_and_migrated(tmp_path):
    db = open_database(tmp_path / "d.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert [m.name for m in migrations.applied(db)] == schema_names()
    for table in ("packs", "roles", "tasks", "behaviours", "rubric_levels", "lessons", "prompts", "drills",
                  "examples", "learners", "devices", "events"):
        assert db[table].exists(), table
    close_database(db)


@pytest.mark.parametrize("stop_before", schema_names())
def test_migrates_from_each_earlier_version(tmp_path, stop_before):
    path = tmp_path / "old.db"
    old = Database(path)
    migrations.apply(old, stop_before=stop_before)
    old.conn.close()
    db = open_database(path)
    assert [m.name for m in migrations.applied(db)] == schema_names()
    close_database(db)


def test_reopening_is_a_no_op(tmp_path):
    close_database(open_database(tmp_path / "d.db"))
    db = open_database(tmp_path / "d.db")
    assert len(migrations.applied(db)) == len(schema_names())
    close_database(db)


def test_database_from_a_newer_drillpad_is_refused_untouched(tmp_path):
    path = tmp_path / "d.db"
    db = open_database(path)
    db["_sqlite_migrations"].insert({"migration_set": "drillpad", "name": "m999_future", "applied_at": "x"})
    close_database(db)
    before = path.read_bytes()
    with pytest.raises(NewerSchemaError, match="newer DrillPad .*m999_future"):
        open_database(path)
    assert path.read_bytes() == before


def test_not_a_database(tmp_path):
    path = tmp_path / "d.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not a DrillPad database"):
        open_database(path)


def test_events_are_append_only(tmp_path):
    db = open_database(tmp_path / "d.db")
    db.execute("INSERT INTO devices (id, name, is_self, created_at) VALUES ('dev', 'pc', 1, 'now')")
    db.execute("INSERT INTO events (id, device_id, seq, kind, payload, created_at) "
               "VALUES ('00000000-0000-0000-0000-000000000001', 'dev', 1, 'note', '{}', 'now')")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE events SET kind = 'x'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM events")
    close_database(db)


def test_an_event_write_takes_the_write_lock_before_it_reads(tmp_path):
    """A deferred transaction that reads its sequence number, then writes after another connection committed, gets
    "database is locked" at once, without waiting (a window closing under a busy worker lost its last writes that
    way). ``events.writing`` holds the write lock from its start, so the other writer waits instead."""
    from drillpad.store import events as event_store

    a = open_database(tmp_path / "d.db")
    b = Database(sqlite3.connect(tmp_path / "d.db", isolation_level=None))
    b.execute("PRAGMA busy_timeout = 0")
    a.execute("INSERT INTO devices (id, name, is_self, created_at) VALUES ('dev', 'pc', 1, 'now')")
    with event_store.writing(a):
        seq = event_store.next_seq(a, "dev")
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            b.execute("INSERT INTO devices (id, name, is_self, created_at) VALUES ('other', 'pc2', 0, 'now')")
        a.execute("INSERT INTO events (id, device_id, seq, kind, payload, created_at) VALUES (?, 'dev', ?, 'note', "
                  "'{}', 'now')", [event_store.new_event_id("2026-12-02T09:00:00+00:00"), seq])
    b.execute("INSERT INTO devices (id, name, is_self, created_at) VALUES ('other', 'pc2', 0, 'now')")
    assert a.execute("SELECT count(*) FROM events").fetchone()[0] == 1
    b.conn.close()
    close_database(a)


def test_unclean_exit_runs_a_quick_check(tmp_path):
    path = tmp_path / "d.db"
    db = open_database(path)
    db.conn.close()  # no close_database: the "open" marker stays, as after a crash
    store_db._open_here.clear()  # ... and the next process knows nothing of this one
    assert path.with_name("d.db.open").exists() and was_unclean(path)
    db = open_database(path)  # quick_check passes on an intact file
    close_database(db)
    assert not path.with_name("d.db.open").exists()


def test_a_second_connection_of_the_same_process_is_no_unclean_exit_and_keeps_the_marker(tmp_path):
    """A worker's own workspace on the window's database: opening it is not an unclean exit, and
    closing it leaves the window's marker (a crash afterwards must still be noticed)."""
    path = tmp_path / "d.db"
    window = open_database(path)
    assert not was_unclean(path)
    worker = open_database(path)
    close_database(worker)
    assert path.with_name("d.db.open").exists()
    close_database(window)
    assert not path.with_name("d.db.open").exists()


MOUNTS = """/dev/vda / ext4 rw 0 0
server:/export /mnt/share nfs4 rw 0 0
//nas/team /mnt/team\\040drive cifs rw 0 0
"""


def test_network_filesystems_are_detected(tmp_path):
    from pathlib import Path

    assert network_filesystem(Path("/home/me/data"), MOUNTS) is None
    assert network_filesystem(Path("/mnt/share/drillpad"), MOUNTS) == "nfs4"
    assert network_filesystem(Path("/mnt/team drive/x"), MOUNTS) == "cifs"
    assert network_filesystem(Path("/mnt/shared"), MOUNTS) is None


def test_database_on_a_network_share_is_refused(tmp_path, monkeypatch):
    import drillpad.store.db as dbmod

    monkeypatch.setattr(dbmod, "network_filesystem", lambda path, mounts=None: "cifs")
    with pytest.raises(StoreError, match="network filesystem \\(cifs\\)"):
        open_database(tmp_path / "d.db")
    assert not (tmp_path / "d.db").exists()
