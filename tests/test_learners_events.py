from __future__ import annotations

from datetime import datetime

import pytest

from drillpad.store.learners import LearnerError


def test_add_and_list_learners(workspace, minipack):
    workspace.import_pack(minipack)
    workspace.profiles.add_learner("  Zoe   Park ", "dock-hand")
    workspace.profiles.add_learner("alex kim", "dock-hand")
    assert [(lr.name, lr.role_title) for lr in workspace.profiles.learners()] == [("alex kim", "Dock Hand"),
                                                                       ("Zoe Park", "Dock Hand")]
    assert workspace.profiles.learner("ZOE PARK").name == "Zoe Park"


def test_learner_errors_are_specific(workspace, minipack):
    with pytest.raises(LearnerError, match="none \\(import a pack first\\)"):
        workspace.profiles.add_learner("Alex", "dock-hand")
    workspace.import_pack(minipack)
    with pytest.raises(LearnerError, match="no role 'picker'; installed roles: mini-dock:dock-hand"):
        workspace.profiles.add_learner("Alex", "picker")
    workspace.profiles.add_learner("Alex", "dock-hand")
    with pytest.raises(LearnerError, match="already exists"):
        workspace.profiles.add_learner("ALEX", "dock-hand")
    with pytest.raises(LearnerError, match="1 to 60 characters"):
        workspace.profiles.add_learner("   ", "dock-hand")
    with pytest.raises(LearnerError, match="no learner 'Bo'"):
        workspace.profiles.learner("Bo")
    assert len(workspace.profiles.learners()) == 1


def test_events_get_device_sequence_and_utc_time(workspace, minipack, clock):
    workspace.import_pack(minipack)
    alex = workspace.profiles.add_learner("Alex", "dock-hand")
    first = workspace.record(alex.id, "note", {"text": "a"})
    clock.advance(minutes=5)
    second = workspace.record(alex.id, "note", {"text": "b"})
    assert (first.seq, second.seq) == (2, 3)  # 1 is the learner.added event
    assert first.device_id == second.device_id == workspace.device_id
    assert second.created_at == "2026-03-02T08:35:00.000000+00:00"
    assert len(first.id) == 36 and first.id != second.id


def test_device_id_is_stable_across_sessions(data_dir, clock):
    from drillpad.paths import Paths
    from drillpad.workspace import Workspace

    with Workspace(Paths.resolve(data_dir, env={}), clock=clock) as ws:
        first = ws.device_id
    with Workspace(Paths.resolve(data_dir, env={}), clock=clock) as ws:
        assert ws.device_id == first


def test_applying_the_same_events_twice_changes_nothing(workspace, minipack):
    from drillpad.store import events as event_store

    workspace.import_pack(minipack)
    alex = workspace.profiles.add_learner("Alex", "dock-hand")
    workspace.db.execute("INSERT INTO devices (id, name, created_at) VALUES ('other-device', 'pc2', 'now')")
    incoming = [event_store.Event(f"00000000-0000-4000-8000-00000000000{i}", "other-device", i, alex.id, "note",
                                  {"n": i}, "2026-03-02T08:00:00.000000+00:00") for i in (1, 2)]
    assert event_store.apply(workspace.db, incoming) == 2
    assert event_store.apply(workspace.db, incoming) == 0
    assert workspace.db["events"].count == 3  # the two, and learner.added


def test_week_start_day_comes_from_the_pack(workspace, minipack, clock):
    manifest = minipack / "pack.toml"
    manifest.write_text(manifest.read_text().replace("daily_budget_minutes = 10",
                                                     'daily_budget_minutes = 10\nweek_starts_on = "thursday"'))
    workspace.import_pack(minipack)
    workspace.profiles.add_learner("Alex", "dock-hand")
    # the fixture clock is Monday 2026-03-02; a Thursday week started on 2026-02-26
    assert {w.week.isoformat() for w in workspace.today("Alex").cadence} == {"2026-02-26"}


def test_a_big_batch_with_repeats_stores_each_event_once_and_a_failing_one_leaves_nothing(workspace, minipack):
    """A bundle-sized batch (ids looked up together, inserted at once, a larger page cache while it runs): an event
    repeated inside it or already stored is skipped; a batch that fails stores none of its events, and the page
    cache is back to its size either way."""
    import sqlite3

    from drillpad.store import events as event_store

    workspace.import_pack(minipack)
    alex = workspace.profiles.add_learner("Alex", "dock-hand")
    workspace.db.execute("INSERT INTO devices (id, name, created_at) VALUES ('other-device', 'pc2', 'now')")
    cache = workspace.db.execute("PRAGMA cache_size").fetchone()[0]
    made = [event_store.Event(f"00000000-0000-4000-8000-{i:012}", "other-device", i, alex.id, "note", {"n": i},
                              "2026-03-02T08:00:00.000000+00:00") for i in range(1, 601)]
    assert event_store.apply(workspace.db, made[:10]) == 10
    assert event_store.apply(workspace.db, made + made[500:]) == 590
    assert workspace.db.execute("SELECT count(*) FROM events WHERE device_id = 'other-device'").fetchone()[0] == 600
    clash = [event_store.Event(f"00000000-0000-4000-9000-{i:012}", "other-device", 600 + i, alex.id, "note", {},
                               "2026-03-02T09:00:00.000000+00:00") for i in range(1, 300)]
    clash.append(event_store.Event("00000000-0000-4000-a000-000000000001", "other-device", 5, alex.id, "note", {},
                                   "2026-03-02T09:00:00.000000+00:00"))  # another event under a used number
    with pytest.raises(sqlite3.IntegrityError, match="events.device_id, events.seq"):
        event_store.apply(workspace.db, clash)
    assert workspace.db.execute("SELECT count(*) FROM events WHERE device_id = 'other-device'").fetchone()[0] == 600
    assert workspace.db.execute("SELECT folded FROM event_counts WHERE learner_id = ?", [alex.id]).fetchone()[0] == 601
    assert workspace.db.execute("PRAGMA cache_size").fetchone()[0] == cache


def test_event_ids_are_time_ordered_uuids_from_the_clock(workspace, minipack, clock):
    """Version-7 ids: unique, RFC 9562 layout, sorted by the injected clock (a day's import then appends to the id
    indexes instead of writing a random page per event) and accepted by the evidence schema's canonical form."""
    import re
    import uuid as uuid_mod

    from drillpad.evidence.schemas import UUID_PATTERN
    from drillpad.store import events as event_store

    workspace.import_pack(minipack)
    alex = workspace.profiles.add_learner("Alex", "dock-hand")
    made = []
    for _ in range(5):
        made.append(workspace.record(alex.id, "note", {"text": "x"}))
        clock.advance(minutes=1)
    ids = [e.id for e in made]
    assert ids == sorted(ids)
    for e in made:
        u = uuid_mod.UUID(e.id)
        assert (u.version, u.variant) == (7, uuid_mod.RFC_4122) and re.match(UUID_PATTERN, e.id)
        assert u.int >> 80 == int(datetime.fromisoformat(e.created_at).timestamp() * 1000)
    same_ms = {event_store.new_event_id(made[0].created_at) for _ in range(1000)}
    assert len(same_ms) == 1000  # 74 random bits: the same instant never repeats an id
    assert event_store.new_event_id("1969-07-20T20:17:00+00:00").startswith("00000000-0000-7")  # clamped, still valid
