"""The shared folder is written by others: only regular files are read (never a FIFO, a link or a
directory), each with a size cap; new devices register only once their bundle verifies; re-importing is
harmless; ``evidence verify`` refuses a revoked device's bundle."""

from __future__ import annotations

import os
import shutil
from datetime import timedelta

import pytest

from drillpad import cli
from drillpad.evidence import sync as sync_mod
from tests.evidence.conftest import PASS, enrol


def _outcomes(manager, share, keys):
    return {o.file: o for o in manager.evidence.import_folder(share, keys)}


@pytest.mark.parametrize("kind", ["fifo", "symlink to /dev/zero", "directory"])
def test_a_bundle_name_that_is_not_a_regular_file_is_skipped_and_the_rest_imported(pair, manager_keys, kind):
    device, manager, share = pair
    keys = enrol(device, manager, share)
    odd = share / "aaa-odd.bundle"
    if kind == "fifo":
        os.mkfifo(odd)
        os.mkfifo(share / "aaa-odd.bundle.minisig")
    elif kind == "directory":
        odd.mkdir()
        (share / "aaa-odd.bundle.minisig").mkdir()
    else:
        odd.symlink_to("/dev/zero")
        (share / "aaa-odd.bundle.minisig").symlink_to("/dev/zero")
    device.reflect("Ana Lima", "after the odd file")
    device.evidence.send_folder(share)
    out = _outcomes(manager, share, keys)
    assert out["aaa-odd.bundle"].outcome == "skipped" and "not a regular file" in out["aaa-odd.bundle"].reason
    assert [o.outcome for f, o in out.items() if f != "aaa-odd.bundle"] == ["already", "imported"]
    assert os.path.lexists(odd)  # left alone, never moved or read


def test_a_signature_file_that_is_a_fifo_is_skipped_not_read(pair, manager_keys):
    device, manager, share = pair
    keys = enrol(device, manager, share)
    device.reflect("Ana Lima", "x")
    device.evidence.send_folder(share)
    sig = next(share.glob("*-000002.bundle.minisig"))
    sig.unlink()
    os.mkfifo(sig)
    out = manager.evidence.import_bundle(share / sig.name.removesuffix(".minisig"), keys)
    assert out.outcome == "skipped" and "FIFO" in out.reason


def test_a_stale_part_file_is_swept_and_a_fresh_one_ignored(pair, manager_keys, clock):
    device, manager, share = pair
    keys = enrol(device, manager, share)
    stale, fresh = share / ".x.bundle.1234abcd.part", share / ".y.bundle.5678abcd.part"
    for p in (stale, fresh):
        p.write_bytes(b"half")
    old = clock.now().timestamp() - 2 * sync_mod.STALE_PART_SECONDS
    os.utime(stale, (old, old))
    now = clock.now().timestamp()
    os.utime(fresh, (now, now))
    manager.evidence.import_folder(share, keys)
    assert not stale.exists() and fresh.exists()


def test_forged_files_for_new_devices_register_nothing(pair, manager_keys, tmp_path):
    device, manager, share = pair
    keys = manager_keys(manager)
    device.evidence.send_folder(share)
    pub = next(share.glob("device-*.pub"))
    other = {"device": device.device_id, "minisign": "RWQf6LRCGA9i59SLOFxz6NxvASXDJeRtuZykwQepbDEGt87ig1BNpWaE",
             "age": None}
    import json

    pub.write_text(json.dumps(other))  # a key that did not sign the bundle
    out = manager.evidence.import_folder(share, keys)
    assert out[0].outcome == "refused" and "does not verify with the key" in out[0].reason
    assert manager.evidence.devices() == []


def test_pending_devices_are_capped_expire_and_show_the_workstation_name(pair, manager_keys, monkeypatch, clock):
    device, manager, share = pair
    keys = manager_keys(manager)
    device.evidence.send_folder(share)
    monkeypatch.setattr(sync_mod, "MAX_PENDING_DEVICES", 0)
    out = manager.evidence.import_folder(share, keys)
    assert out[0].outcome == "pending" and "limit is 0" in out[0].reason and manager.evidence.devices() == []
    monkeypatch.setattr(sync_mod, "MAX_PENDING_DEVICES", 20)
    manager.evidence.import_folder(share, keys)
    (listed,) = manager.evidence.devices()
    name = device.db.execute("SELECT name FROM devices WHERE is_self = 1").fetchone()[0]
    assert listed["status"] == "pending" and listed["name"] == name
    clock.advance(timedelta(days=sync_mod.PENDING_DAYS + 1))
    manager.evidence._expire_pending()
    assert manager.evidence.devices() == []


def test_re_importing_a_folder_is_quiet_acknowledged_and_exits_0(pair, manager_keys, capsys, monkeypatch):
    device, manager, share = pair
    keys = enrol(device, manager, share)
    for n in range(3):
        device.reflect("Ana Lima", f"note {n}")
        device.evidence.send_folder(share)
    manager.evidence.import_folder(share, keys)
    before = manager.db["events"].count
    quarantine = manager.paths.data_dir / "quarantine"
    monkeypatch.setenv("DRILLPAD_PASSPHRASE", PASS)
    manager.close()
    code = cli.main(["--data-dir", str(manager.paths.data_dir), "evidence", "import", str(share)])
    printed = capsys.readouterr().out
    assert code == 0 and "4 already had" in printed and "0 refused" in printed, printed
    assert not quarantine.exists() or not list(quarantine.iterdir())
    again = type(manager).open(manager.paths.data_dir, clock=device.clock)
    assert again.db["events"].count == before
    again.close()


def test_a_bundle_that_went_by_usb_is_acknowledged_when_it_comes_again_by_another_way(pair, manager_keys, tmp_path):
    device, manager, share = pair
    keys = enrol(device, manager, share)
    usb = tmp_path / "usb"
    device.reflect("Ana Lima", "went by USB")
    device.evidence.send_folder(usb)          # the device's copy stays unacknowledged
    manager.evidence.import_folder(usb, keys)  # the manager imports the stick (acks land on the stick)
    device.reflect("Ana Lima", "later")
    device.evidence.send_folder(share)         # the old bundle and the new one go to the share
    out = [o.outcome for o in manager.evidence.import_folder(share, keys)]
    assert out == ["already", "already", "imported"]
    assert device.evidence.send_folder(share)["acknowledged"] == 2
    assert device.evidence.status()["unacked_bundles"] == 0


def test_a_replay_with_different_content_is_still_refused(pair, manager_keys):
    from tests.evidence.conftest import event, forge

    device, manager, share = pair
    keys = enrol(device, manager, share)
    device.reflect("Ana Lima", "bundle 2")
    device.evidence.send_folder(share)
    manager.evidence.import_folder(share, keys)
    device.db.execute("DELETE FROM outbox WHERE seq = 2")  # sign another bundle 2 with the real key
    name = forge(device, share, events=[event(device)])
    out = {o.file: o for o in manager.evidence.import_folder(share, keys)}[name]
    assert out.outcome == "refused" and "different content" in out.reason


def test_verify_says_refused_for_a_revoked_devices_bundle(pair, manager_keys, capsys):
    device, manager, share = pair
    enrol(device, manager, share)
    bundle = next(share.glob("*-000001.bundle"))
    manager.evidence.revoke_device(device.device_id)
    manager.close()
    code = cli.main(["--data-dir", str(manager.paths.data_dir), "evidence", "verify", str(bundle)])
    err = capsys.readouterr().err
    assert code == 1 and "REFUSED" in err and "revoked" in err


def test_a_workstation_restored_from_a_backup_continues_from_where_the_manager_is(pair, manager_keys, tmp_path):
    from drillpad.workspace import Workspace

    device, manager, share = pair
    keys = enrol(device, manager, share)
    device.evidence.send_folder(share)  # the ack of bundle 1 comes back
    backup = tmp_path / "backup.sqlite3"
    device.db.execute("VACUUM INTO ?", [str(backup)])
    for n in range(2):
        device.reflect("Ana Lima", f"before the crash {n}")
        device.evidence.send_folder(share)
        manager.evidence.import_folder(share, keys)
    db_path, clock = device.paths.db_path, device.clock
    device.close()
    for extra in ("-wal", "-shm"):
        db_path.with_name(db_path.name + extra).unlink(missing_ok=True)
    shutil.copy(backup, db_path)
    restored = Workspace.open(device.paths.data_dir, clock=clock)
    assert restored.evidence.status()["unacked_bundles"] == 0
    restored.evidence.send_folder(share)  # reads the manager's device state: resumes after bundle 3
    restored.reflect("Ana Lima", "after the restore")
    restored.evidence.send_folder(share)
    out = [o.outcome for o in manager.evidence.import_folder(share, keys)]
    assert "refused" not in out and out.count("imported") == 2, out  # the resume marker, then the new note
    texts = [r[0] for r in manager.db.execute("SELECT json_extract(payload, '$.text') FROM events "
                                              "WHERE kind = 'reflection' ORDER BY seq")]
    assert texts[-1] == "after the restore" and texts.count("before the crash 1") == 1
    assert restored.evidence.send_folder(share)["acknowledged"] == 2 and not restored.evidence.problems
    restored.close()


def test_re_importing_leaves_the_acks_already_there_alone_and_writes_a_missing_or_forged_one(pair, manager_keys):
    """A shared folder is read again every round; the acks of bundles imported long ago are not rewritten (each
    rewrite was two fsync'd files and the device state per bundle ever sent: the three-workstation story spent
    most of its sync time on them). One that is missing or not the manager's is written again."""
    device, manager, share = pair
    keys = enrol(device, manager, share)
    for n in range(2):
        device.reflect("Ana Lima", f"note {n}")
        device.evidence.send_folder(share)
    manager.evidence.import_folder(share, keys)
    acks = sorted(share.glob("*.ack"))
    assert len(acks) == 3
    old = 1_000_000_000
    for p in [*acks, *share.glob("*.ack.minisig"), *share.glob("*.state")]:
        os.utime(p, (old, old))
    acks[1].write_bytes(b'{"sha256": "sha256:forged"}')  # not signed by the manager
    acks[2].unlink()
    assert [o.outcome for o in manager.evidence.import_folder(share, keys)] == ["already"] * 3
    assert os.stat(acks[0]).st_mtime == old  # left alone
    assert os.stat(acks[1]).st_mtime != old and b"forged" not in acks[1].read_bytes()
    assert acks[2].exists()
    assert device.evidence.send_folder(share)["acknowledged"] == 2
    assert device.evidence.status()["unacked_bundles"] == 0


def test_verify_refuses_what_the_import_would_refuse_not_only_a_bad_signature(pair, manager_keys, capsys, monkeypatch):
    """A manager checking a bundle with ``evidence verify`` before importing it must not read "contents OK" for a
    workstation-signed sign-off at level 5 (the import refuses it under rule A2)."""
    from tests.evidence.conftest import event, forge

    device, manager, share = pair
    enrol(device, manager, share)
    forged = forge(device, share, events=[event(device, kind="signoff", payload={
        "behaviour": "isolation", "level": 5, "note": "forged", "by": "manager"})])
    monkeypatch.setenv("DRILLPAD_PASSPHRASE", PASS)
    manager.close()
    code = cli.main(["--data-dir", str(manager.paths.data_dir), "evidence", "verify", str(share / forged)])
    out, err = capsys.readouterr()
    assert code == 1 and "contents OK" not in out and "REFUSED" in err and "rule A2" in err, (out, err)
    genuine = next(share.glob("*-000001.bundle"))
    code = cli.main(["--data-dir", str(manager.paths.data_dir), "evidence", "verify", str(genuine)])
    out, err = capsys.readouterr()
    assert code == 0 and "contents OK" in out, (out, err)
