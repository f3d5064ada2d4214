"""A workstation restored from an older backup (issue #17): its next events never reuse a sequence number the
manager already holds, and the events still in the team's bundles come back by id — with real bundles."""

from __future__ import annotations

from drillpad.paths import Paths
from drillpad.workspace import Workspace
from tests.evidence.conftest import enrol
from tests.evidence.test_roaming import Team, practise


def _texts(ws):
    return [r[0] for r in ws.db.execute("SELECT json_extract(payload, '$.text') FROM events WHERE kind = 'reflection' "
                                        "ORDER BY created_at, seq")]


def test_after_restoring_an_older_backup_new_answers_reach_the_manager_without_clashing(pair, manager_keys):
    device, manager, share = pair
    keys = enrol(device, manager, share)
    device.evidence.send_folder(share)  # the ack of bundle 1 comes back
    device.backup()
    device.clock.advance(hours=2)
    for n in range(2):  # sent and imported, then lost from this PC with everything after the backup
        device.reflect("Ana Lima", f"before the crash {n}")
        device.evidence.send_folder(share)
        manager.evidence.import_folder(share, keys)
    paths, clock = device.paths, device.clock
    device.close()

    report = Workspace.restore(paths, clock=clock, salvage=False)  # nothing of the newer events is salvaged
    assert report.from_bundles == 2 and report.sealed_bundles == 0
    assert "2 event(s) came back from evidence bundles" in report.summary()
    restored = Workspace(paths, clock=clock)
    assert _texts(restored)[-2:] == ["before the crash 0", "before the crash 1"]  # pulled back from the outbox
    restored.reflect("Ana Lima", "after the restore")  # before any sync: must not take a number the manager has
    restored.evidence.send_folder(share)
    out = manager.evidence.import_folder(share, keys)
    assert [o.outcome for o in out if o.outcome not in ("already", "skipped")] == ["imported"], out
    texts = _texts(manager)
    assert texts[-1] == "after the restore"
    assert texts.count("before the crash 0") == texts.count("before the crash 1") == 1
    sent = restored.evidence.send_folder(share)
    assert sent["acknowledged"] >= 1 and not restored.evidence.problems
    assert restored.evidence.status()["unacked_bundles"] == 0
    restored.close()


def test_a_restored_workstation_takes_back_the_other_workstations_bundles_from_the_shared_folder(
        tmp_path, clock, minipack, manager_template):
    team = Team(tmp_path, clock, minipack, manager_template, n=2)
    try:
        ws0, ws1 = team.stations
        ana = ws1.profiles.add_learner("Ana Lima", "dock-hand")
        team.sync()
        team.sync()  # the roster reaches both: each encrypts to the other from now on
        ws0.backup()
        team.advance(hours=1)
        practise(ws1, ana.id, 6)
        team.sync()
        theirs = ws0.db.execute("SELECT count(*) FROM events WHERE device_id = ?", [ws1.device_id]).fetchone()[0]
        paths, own_clock = ws0.paths, ws0.clock
        ws0.close()

        report = Workspace.restore(paths, clock=own_clock, salvage=False)
        restored = Workspace(paths, clock=own_clock)
        team.stations[0] = restored
        back = restored.db.execute("SELECT count(*) FROM events WHERE device_id = ?", [ws1.device_id]).fetchone()[0]
        assert back == theirs and report.from_bundles >= 8  # two lessons and six answers or notes came back
        assert [c for c in restored.db.execute("SELECT reviews FROM cards WHERE learner_id = ?", [ana.id])]
    finally:
        team.close()
