"""Workstations that sync only by URL (``drillpad inbox serve``): a restored workstation continues from the
manager's signed device state (issue #15), and the team's bundles and roster travel through the inbox too
(issue #16)."""

from __future__ import annotations

import base64
import shutil

from drillpad.evidence.inbox_client import InboxClient
from drillpad.workspace import Workspace
from tests.evidence.test_inbox_server import serving


def _enrol_by_url(device, manager, keys, url):
    device.evidence.send_http(url)  # pending
    manager.evidence.approve_device(device.device_id)
    assert device.evidence.send_http(url)["acknowledged"] == 1


def _restore(device, backup):
    db_path, clock = device.paths.db_path, device.clock
    device.close()
    for extra in ("-wal", "-shm"):
        db_path.with_name(db_path.name + extra).unlink(missing_ok=True)
    shutil.copy(backup, db_path)
    return Workspace.open(device.paths.data_dir, clock=clock)


def _texts(manager):
    return [r[0] for r in manager.db.execute("SELECT json_extract(payload, '$.text') FROM events "
                                             "WHERE kind = 'reflection' ORDER BY seq")]


def test_a_workstation_restored_from_a_backup_continues_by_url(pair, manager_keys, tmp_path):
    device, manager, _ = pair
    keys = manager_keys(manager)
    with serving(manager, keys) as server:
        _enrol_by_url(device, manager, keys, server.url)
        backup = tmp_path / "backup.sqlite3"
        device.db.execute("VACUUM INTO ?", [str(backup)])
        for n in range(2):
            device.reflect("Ana Lima", f"before the crash {n}")
            device.evidence.send_http(server.url)
        restored = _restore(device, backup)
        ticks = iter(f"2026-12-02T10:00:{n:02d}+00:00" for n in range(60))
        restored.evidence.now = lambda: next(ticks)  # a clock that moves on every reading
        # at start: reads the manager's device state, resumes and sends the resume marker
        assert restored.evidence.send_http(server.url)["acknowledged"] == 1
        # the resume is one moment: its event and its outbox row carry the same time (the clock is read once)
        (event_at,) = restored.db.execute("SELECT created_at FROM events WHERE kind = 'device.resumed'").fetchone()
        (made, acked) = restored.db.execute("SELECT created_at, acked_at FROM outbox WHERE file LIKE 'resumed-%'"
                                            ).fetchone()
        assert made == acked == event_at
        restored.reflect("Ana Lima", "after the restore")
        assert restored.evidence.send_http(server.url)["acknowledged"] == 1
        assert not restored.evidence.problems
        restored.close()
    texts = _texts(manager)
    assert texts[-1] == "after the restore" and texts.count("before the crash 1") == 1


def test_the_inbox_answers_a_refused_replay_with_the_managers_signed_device_state(pair, manager_keys, tmp_path):
    device, manager, _ = pair
    keys = manager_keys(manager)
    with serving(manager, keys) as server:
        _enrol_by_url(device, manager, keys, server.url)
        backup = tmp_path / "backup.sqlite3"
        device.db.execute("VACUUM INTO ?", [str(backup)])
        device.reflect("Ana Lima", "before the crash")
        device.evidence.send_http(server.url)
        restored = _restore(device, backup)
        restored.reflect("Ana Lima", "made before the first sync")
        path = restored.evidence.build_bundle()
        status, reply = InboxClient(server.url).post_bundle(
            path.read_bytes(), path.with_name(path.name + ".minisig").read_bytes(),
            restored.evidence.device_public_file())
        assert (status, reply["outcome"]) == (422, "refused") and "replayed" in reply["reason"]
        state, signature = base64.b64decode(reply["state"]), base64.b64decode(reply["state_signature"])
        assert restored.evidence.apply_state(state, signature)  # verified against the pinned manager key
        restored.reflect("Ana Lima", "after the restore")
        restored.evidence.send_http(server.url)
        assert any("restored from a backup" in p for p in restored.evidence.problems)
        restored.close()
    assert _texts(manager)[-1] == "after the restore"


def test_workstations_that_sync_only_by_url_take_the_roster_and_each_others_bundles(tmp_path, clock, minipack,
                                                                                    manager_template):
    import uuid

    from tests.evidence.test_roaming import Team, _cards, practise

    team = Team(tmp_path, clock, minipack, manager_template)
    a, b, c = team.stations
    try:
        with serving(team.manager, team.keys) as server:
            def sync():
                for ws in team.stations:
                    ws.evidence.send_http(server.url)
                for d in team.manager.evidence.devices():
                    if d["status"] == "pending":
                        team.manager.evidence.approve_device(d["id"])
                for ws in team.stations:
                    ws.evidence.send_http(server.url)

            sam = team.manager.profiles.add_learner("Sam Ortiz", "dock-hand")
            sync()
            sync()
            assert b.profiles.learner("Sam Ortiz").id == sam.id == c.profiles.learner("Sam Ortiz").id  # the roster, by URL
            practise(a, sam.id, 8)
            a.profiles.set_pin(sam.id, "2580")
            sync()
            assert _cards(a, sam.id) and _cards(b, sam.id) == _cards(a, sam.id) == _cards(c, sam.id)
            assert c.profiles.unlock(sam.id, "2580").ok
            assert b.evidence.last_run()["workstations"] == 3
            assert not list((b.paths.data_dir / "peer-cache").glob("*.bundle*"))  # taken, so not kept twice
            assert b.db.execute("SELECT sum(received) FROM sync_runs").fetchone()[0] >= 8
            assert not (team.share / "roster").exists() and not any(team.share.glob("*.bundle"))  # no folder used
            everything = InboxClient(server.url).peer_bundles(b.device_id)[1]["bundles"]
            newer = InboxClient(server.url).peer_bundles(b.device_id, {a.device_id: 1})[1]["bundles"]
            assert {x["device"] for x in everything} == {a.device_id, c.device_id}
            assert newer == [x for x in everything if x["device"] != a.device_id or x["seq"] > 1]  # only what's new
            status, reply = InboxClient(server.url).peer_bundles(str(uuid.uuid4()))
            assert status == 403 and "approved" in reply["reason"]  # the list is for the team's workstations
    finally:
        team.close()


def test_a_bundle_imported_from_a_usb_stick_is_acknowledged_when_it_comes_again_by_url(pair, manager_keys, tmp_path):
    """The issue's stuck workstation: once an older bundle was imported another way (a USB export), every later
    ``send --url`` stopped at "refused bundle 1: replayed or rolled-back", for good."""
    device, manager, _ = pair
    keys = manager_keys(manager)
    usb = tmp_path / "usb"
    device.evidence.send_folder(usb)  # bundle 1 on the stick (pending: a new device)
    manager.evidence.import_folder(usb, keys)
    manager.evidence.approve_device(device.device_id)
    assert [o.outcome for o in manager.evidence.import_folder(usb, keys)] == ["imported"]
    device.reflect("Ana Lima", "after the stick")  # bundle 2, while bundle 1 is still unacknowledged here
    with serving(manager, keys) as server:
        sent = device.evidence.send_http(server.url)
        assert sent == {"sent": 2, "acknowledged": 2, "decisions": 0}, sent
        assert device.evidence.status()["unacked_bundles"] == 0 and not device.evidence.problems
        device.reflect("Ana Lima", "and later")
        assert device.evidence.send_http(server.url)["acknowledged"] == 1
    assert _texts(manager)[-2:] == ["after the stick", "and later"]
    assert not (manager.paths.data_dir / "quarantine").exists() or not list(
        (manager.paths.data_dir / "quarantine").iterdir())
