"""Evidence bundles from a workstation to a manager: enrolment, approval, import, acknowledgement, and
every way a bundle can be wrong — each refused with a clear reason and zero rows changed."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import tarfile
from pathlib import Path

import minisign
import pyrage
import pytest

from drillpad.evidence import bundle as bundle_mod
from drillpad.evidence import keys as keys_mod
from drillpad.evidence.bundle import BundleRefused, Header
from drillpad.paths import Paths
from drillpad.workspace import Workspace

PASS = "correct horse battery"


from tests.evidence.conftest import unlock as keys  # noqa: E402


def counts(ws) -> tuple[int, int]:
    return ws.db["events"].count, ws.db["learners"].count


def approve_and_import(device, manager, share):
    device.evidence.send_folder(share)
    first = manager.evidence.import_folder(share, keys(manager))
    assert [o.outcome for o in first] == ["pending"] and "fingerprint" in first[0].reason
    manager.evidence.approve_device(device.device_id)
    return manager.evidence.import_folder(share, keys(manager))


def test_round_trip_device_to_manager_with_approval_and_acknowledgement(pair):
    device, manager, share = pair
    fingerprint = keys_mod.device_key(device.paths.data_dir).fingerprint
    device.evidence.send_folder(share)
    pending = manager.evidence.import_folder(share, keys(manager))
    assert pending[0].outcome == "pending" and fingerprint in pending[0].reason  # the manager compares it
    assert manager.evidence.devices()[0]["fingerprint"] == fingerprint
    before = counts(manager)
    manager.evidence.approve_device(device.device_id)
    imported = manager.evidence.import_folder(share, keys(manager))
    assert [o.outcome for o in imported] == ["imported"] and imported[0].events == 2
    logged = manager.evidence.log(1)[0]
    assert (logged["outcome"], logged["file"], logged["seq"]) == ("imported", imported[0].file, 1)
    assert manager.profiles.learner("Ana Lima").role_id == "dock-hand"
    assert counts(manager) == (before[0] + 2, before[1] + 1)
    assert device.evidence.status()["unacked_bundles"] == 1
    assert device.evidence.send_folder(share) == {"sent": 0, "acknowledged": 1, "decisions": 0}  # the ack came back
    assert device.evidence.status()["unacked_bundles"] == 0 and device.evidence.status()["last_sync"]
    again = manager.evidence.import_folder(share, keys(manager))
    assert [o.outcome for o in again] == ["already"] and counts(manager) == (before[0] + 2, before[1] + 1)


def test_the_next_bundle_carries_only_new_events_and_chains_to_the_last(pair):
    device, manager, share = pair
    approve_and_import(device, manager, share)
    device.evidence.send_folder(share)
    device.reflect("Ana Lima", "Second week.")
    device.evidence.send_folder(share)
    outcomes = manager.evidence.import_folder(share, keys(manager))
    assert [o.outcome for o in outcomes] == ["already", "imported"] and outcomes[1].events == 1


def test_a_gap_is_held_until_the_missing_bundle_arrives(pair, tmp_path):
    device, manager, share = pair
    approve_and_import(device, manager, share)
    device.evidence.send_folder(share)
    device.reflect("Ana Lima", "two")
    second = device.evidence.build_bundle()
    device.reflect("Ana Lima", "three")
    third = device.evidence.build_bundle()
    for p in (third, third.with_name(third.name + ".minisig")):
        shutil.copy(p, share / p.name)
    held = manager.evidence.import_bundle(share / third.name, keys(manager))
    assert held.outcome == "held" and "bundle 2 from this device is missing" in held.reason
    for p in (second, second.with_name(second.name + ".minisig")):
        shutil.copy(p, share / p.name)
    outcomes = [o.outcome for o in manager.evidence.import_folder(share, keys(manager))]
    assert outcomes == ["already", "imported", "imported"]


# --- refusals: each with a reason, each leaving the manager's data unchanged ---------------------


def refused(manager, share, name, *, expect: str):
    before = counts(manager)
    outcome = manager.evidence.import_bundle(share / name, keys(manager))
    assert outcome.outcome == "refused", outcome
    assert expect in outcome.reason, outcome.reason
    assert counts(manager) == before
    quarantined = list((manager.paths.data_dir / "quarantine").glob("*.reason.txt"))
    assert any(expect in q.read_text() for q in quarantined)
    return outcome


def sent(device, manager, share):
    """Enrol and import the first bundle, then put a second one in the share; returns its name."""
    approve_and_import(device, manager, share)
    device.evidence.send_folder(share)
    device.reflect("Ana Lima", "next")
    path = device.evidence.build_bundle()
    for p in (path, path.with_name(path.name + ".minisig")):
        shutil.copy(p, share / p.name)
    return path.name


@pytest.mark.parametrize("where", [0, 100, -1])
def test_a_tampered_byte_anywhere_in_the_bundle_is_refused(pair, where):
    device, manager, share = pair
    name = sent(device, manager, share)
    data = bytearray((share / name).read_bytes())
    data[where] ^= 0x01
    (share / name).write_bytes(bytes(data))
    refused(manager, share, name, expect="signature does not match")


def test_a_tampered_signature_or_trusted_comment_is_refused(pair):
    device, manager, share = pair
    name = sent(device, manager, share)
    sig = share / (name + ".minisig")
    lines = sig.read_bytes().split(b"\n")
    lines[2] = lines[2].replace(b"events=1", b"events=9")  # change the signed comment
    sig.write_bytes(b"\n".join(lines))
    refused(manager, share, name, expect="signature does not match")


def test_a_bundle_signed_with_another_key_is_refused(pair, tmp_path):
    device, manager, share = pair
    name = sent(device, manager, share)
    impostor = keys_mod.DeviceKey(minisign.KeyPair.generate().secret_key, "")
    header = bundle_mod.peek((share / (name + ".minisig")).read_bytes())
    sig = impostor.secret.sign((share / name).read_bytes(), trusted_comment=header.comment())
    (share / (name + ".minisig")).write_bytes(bytes(sig))
    refused(manager, share, name, expect="signature does not match")


def test_an_unapproved_device_waits_and_nothing_is_imported(pair):
    device, manager, share = pair
    device.evidence.send_folder(share)
    before = counts(manager)
    for _ in range(2):
        outcomes = manager.evidence.import_folder(share, keys(manager))
        assert [o.outcome for o in outcomes] == ["pending"] and counts(manager) == before


def test_a_replayed_identical_older_bundle_is_already_had_and_changes_nothing(pair):
    device, manager, share = pair
    name = sent(device, manager, share)
    first = name.replace("-000002", "-000001")
    manager.evidence.import_bundle(share / name, keys(manager))
    # a copy of bundle 1 under a new name: same device, older sequence
    for suffix in ("", ".minisig"):
        shutil.copy(share / (first + suffix), share / ("copy-" + first + suffix))
    (share / first).unlink()
    (share / (first + ".minisig")).unlink()
    before = counts(manager)
    outcome = manager.evidence.import_bundle(share / ("copy-" + first), keys(manager))
    assert outcome.outcome == "already" and counts(manager) == before
    assert (share / ("copy-" + first)).exists() and (share / ("copy-" + first[: -len(".bundle")] + ".ack")).exists()


def test_a_rolled_back_sequence_with_a_new_signature_is_refused(pair):
    device, manager, share = pair
    name = sent(device, manager, share)
    manager.evidence.import_bundle(share / name, keys(manager))
    # the device's own key re-signs old content as sequence 1 again (a restored backup, say)
    key = keys_mod.device_key(device.paths.data_dir)
    team = device.evidence.team()
    cipher, sig, _ = bundle_mod.build([], team=team["id"], seq=1, prev=None, created_at="2026-03-02T08:30:00+00:00",
                                      key=key, device_id=device.device_id, recipient=team["manager_recipient"])
    (share / "rollback.bundle").write_bytes(cipher)
    (share / "rollback.bundle.minisig").write_bytes(sig)
    refused(manager, share, "rollback.bundle", expect="replayed or rolled-back")


def test_a_revoked_devices_bundles_are_refused(pair):
    device, manager, share = pair
    name = sent(device, manager, share)
    manager.evidence.revoke_device(device.device_id)
    refused(manager, share, name, expect="is revoked")


def test_a_truncated_bundle_is_refused(pair):
    device, manager, share = pair
    name = sent(device, manager, share)
    data = (share / name).read_bytes()
    (share / name).write_bytes(data[: len(data) // 2])
    refused(manager, share, name, expect="signature does not match")


def _signed(device, members: dict[str, bytes], header_events: int, *, raw_tar: bytes | None = None):
    """A bundle the device really signed, with hand-made contents (a buggy or hostile device)."""
    team = device.evidence.team()
    key = keys_mod.device_key(device.paths.data_dir)
    plain = raw_tar if raw_tar is not None else _tar(members)
    cipher = pyrage.encrypt(plain, [pyrage.x25519.Recipient.from_str(team["manager_recipient"])])
    last = device.db.execute("SELECT seq, sha256 FROM outbox ORDER BY seq DESC LIMIT 1").fetchone()
    header = Header(team["id"], device.device_id, last[0] + 1, last[1], header_events)
    return cipher, bytes(key.secret.sign(cipher, trusted_comment=header.comment())), header


def _tar(members: dict[str, bytes], sizes: dict[str, int] | None = None) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _manifest(device, header_seq, prev, body: bytes, count: int, **over) -> bytes:
    m = {"format": 1, "team_id": device.evidence.team()["id"], "device_id": device.device_id, "seq": header_seq,
         "prev_sha256": prev, "event_count": count, "created_at": "2026-03-02T08:30:00+00:00",
         "events_sha256": bundle_mod.sha256(body), **over}
    return json.dumps(m).encode()


def _event(device, n: int, **over) -> dict:
    return {"id": f"00000000-0000-4000-8000-{n:012d}", "device_id": device.device_id, "seq": 100 + n,
            "learner_id": None, "kind": "llm.generation", "payload": {"n": n}, "created_at": "2026-03-02T08:30:00+00:00",
            **over}


def _drop(share, name, cipher, sig):
    (share / name).write_bytes(cipher)
    (share / (name + ".minisig")).write_bytes(sig)


def _prepared(device, manager, share):
    approve_and_import(device, manager, share)
    device.evidence.send_folder(share)
    last = device.db.execute("SELECT seq, sha256 FROM outbox ORDER BY seq DESC LIMIT 1").fetchone()
    return last[0] + 1, last[1]


@pytest.mark.parametrize("case, expect", [
    ("extra member", "exactly manifest.json, events.jsonl"),
    ("path traversal", "exactly manifest.json, events.jsonl"),
    ("malformed json", "not valid JSON"),
    ("unknown format", "manifest.json: format"),
    ("duplicate ids", "duplicate event id"),
    ("oversize field", "the limit is"),
    ("hash mismatch", "does not match the hash"),
    ("count mismatch", "the manifest says"),
])
def test_bad_contents_from_a_real_device_key_are_refused(pair, case, expect):
    device, manager, share = pair
    seq, prev = _prepared(device, manager, share)
    events = [_event(device, 1), _event(device, 2)]
    body = bundle_mod.events_jsonl(events)
    count = 2
    members = {}
    if case == "malformed json":
        body = b'{"id": "broken\n{}\n'
    elif case == "duplicate ids":
        body = bundle_mod.events_jsonl([_event(device, 1), _event(device, 1)])
    elif case == "oversize field":
        body = bundle_mod.events_jsonl([_event(device, 1, payload={"text": "x" * (bundle_mod.MAX_EVENT_BYTES + 1)}),
                                        _event(device, 2)])
    manifest = _manifest(device, seq, prev, body, count)
    if case == "unknown format":
        manifest = _manifest(device, seq, prev, body, count, format=2)
    elif case == "hash mismatch":
        manifest = _manifest(device, seq, prev, body + b" ", count)
    elif case == "count mismatch":
        manifest = _manifest(device, seq, prev, body, 3)
    members = {"manifest.json": manifest, "events.jsonl": body}
    if case == "extra member":
        members["notes.txt"] = b"hello"
    if case == "path traversal":
        members = {"../manifest.json": manifest, "events.jsonl": body}
    header_events = 3 if case == "count mismatch" else count
    cipher, sig, _ = _signed(device, members, header_events)
    _drop(share, "bad.bundle", cipher, sig)
    refused(manager, share, "bad.bundle", expect=expect)


def test_an_archive_bomb_claiming_a_huge_member_is_refused(pair, monkeypatch):
    device, manager, share = pair
    seq, prev = _prepared(device, manager, share)
    monkeypatch.setattr(bundle_mod, "MAX_MEMBER_BYTES", 1000)  # the real cap is 48 MB; same code path
    body = bundle_mod.events_jsonl([_event(device, n) for n in range(1, 30)])
    cipher, sig, _ = _signed(device, {"manifest.json": _manifest(device, seq, prev, body, 29), "events.jsonl": body}, 29)
    _drop(share, "bomb.bundle", cipher, sig)
    refused(manager, share, "bomb.bundle", expect="claims")


def test_a_bundle_too_large_is_refused_before_it_is_read(pair, monkeypatch):
    device, manager, share = pair
    name = sent(device, manager, share)
    monkeypatch.setattr(bundle_mod, "MAX_BUNDLE_BYTES", 100)
    refused(manager, share, name, expect="larger than 100 bytes")


def test_a_learner_in_a_role_the_manager_lacks_refuses_the_whole_bundle(pair):
    device, manager, share = pair
    manager.db.execute("PRAGMA foreign_keys = OFF")
    with manager.db.atomic():
        manager.db.execute("UPDATE roles SET id = 'renamed' WHERE id = 'dock-hand'")
    manager.db.execute("PRAGMA foreign_keys = ON")
    device.evidence.send_folder(share)
    manager.evidence.import_folder(share, keys(manager))
    manager.evidence.approve_device(device.device_id)
    name = next(share.glob("*.bundle")).name
    refused(manager, share, name, expect="import that content pack first")


def test_the_manager_passphrase_is_required(pair):
    _, manager, _ = pair
    with pytest.raises(keys_mod.KeyError_, match="wrong passphrase"):
        keys_mod.unlock_manager_keys(manager.paths.data_dir, "not it at all")


BUSY = pyrage.DecryptError("Excessive work parameter for passphrase.\nDecryption would take around 32 seconds.")


def test_a_busy_computer_is_not_called_a_wrong_passphrase(pair, monkeypatch, capsys):
    """age refuses to decrypt when its quick benchmark says the scrypt would take far longer than when the key was
    made (a busy shared PC: 'would take around 32 seconds'). The passphrase is right (minisign's key opened with it):
    say the computer is busy, not that the passphrase is wrong — in the window's process, the child and its parent."""
    from tests.evidence.conftest import PASS

    _, manager, _ = pair
    data_dir = manager.paths.data_dir
    (data_dir / keys_mod.KEYS_DIR / keys_mod.MANAGER_WRAP).unlink()  # keys made before the wrap existed
    monkeypatch.setattr(pyrage.passphrase, "decrypt", lambda *a: (_ for _ in ()).throw(BUSY))
    with pytest.raises(keys_mod.KeyError_) as in_process:
        keys_mod.unlock_manager_keys(data_dir, PASS)
    assert "busy" in str(in_process.value) and "wrong passphrase" not in str(in_process.value)

    monkeypatch.setattr("sys.stdin", io.StringIO(PASS))
    assert keys_mod._age_child(str(data_dir / keys_mod.KEYS_DIR / keys_mod.MANAGER_AGE)) == 3
    said = capsys.readouterr().err
    assert "32 seconds" in said

    done = subprocess.CompletedProcess([], 3, "", said)
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: done)
    with pytest.raises(keys_mod.KeyError_) as in_child:
        keys_mod.unlock_manager_keys_in_child(data_dir, PASS)
    assert "busy" in str(in_child.value) and "wrong passphrase" not in str(in_child.value)


def _no_child(*a, **k):
    raise AssertionError("the age child process was started")


def test_a_busy_computer_still_unlocks_the_manager_key(pair, monkeypatch):
    """Red team: on a busy shared PC age refused ('would take around 32 seconds') and the manager could not work
    at all. The age identity is also kept wrapped with the passphrase by a scrypt that never refuses (it only
    takes longer), so a busy PC unlocks — in the window's worker too, without the age child process."""
    from tests.evidence.conftest import PASS

    _, manager, _ = pair
    data_dir = manager.paths.data_dir
    expected = keys_mod.unlock_manager_keys(data_dir, PASS).recipient
    monkeypatch.setattr(pyrage.passphrase, "decrypt", lambda *a: (_ for _ in ()).throw(BUSY))
    monkeypatch.setattr(subprocess, "run", _no_child)
    unlocked = keys_mod.unlock_manager_keys(data_dir, PASS)
    assert str(unlocked.identity.to_public()) == unlocked.recipient == expected
    assert str(keys_mod.unlock_manager_keys_in_child(data_dir, PASS).identity.to_public()) == expected
    with pytest.raises(keys_mod.KeyError_, match="wrong passphrase"):
        keys_mod.unlock_manager_keys_in_child(data_dir, "not it at all")


def test_the_wrapped_identity_is_owner_only_and_not_in_clear(pair):
    from tests.evidence.conftest import PASS

    _, manager, _ = pair
    data_dir = manager.paths.data_dir
    wrap = data_dir / keys_mod.KEYS_DIR / keys_mod.MANAGER_WRAP
    identity = str(keys_mod.unlock_manager_keys(data_dir, PASS).identity)
    assert wrap.stat().st_mode & 0o777 == 0o600
    assert identity.encode() not in wrap.read_bytes() and identity.split("1", 1)[1].encode() not in wrap.read_bytes()


def test_keys_made_before_the_wrap_gain_it_at_their_next_unlock(pair, monkeypatch):
    """An install from before the wrap has only age's file: the first unlock (on a calm PC) writes the wrap, and
    from then on a busy PC unlocks too."""
    from tests.evidence.conftest import PASS

    _, manager, _ = pair
    data_dir = manager.paths.data_dir
    wrap = data_dir / keys_mod.KEYS_DIR / keys_mod.MANAGER_WRAP
    wrap.unlink()
    expected = keys_mod.unlock_manager_keys(data_dir, PASS).recipient
    assert wrap.exists() and wrap.stat().st_mode & 0o777 == 0o600
    monkeypatch.setattr(pyrage.passphrase, "decrypt", lambda *a: (_ for _ in ()).throw(BUSY))
    assert keys_mod.unlock_manager_keys(data_dir, PASS).recipient == expected


def test_keys_made_before_the_wrap_gain_it_through_the_child_too(pair, monkeypatch):
    from tests.evidence.conftest import PASS

    _, manager, _ = pair
    data_dir = manager.paths.data_dir
    wrap = data_dir / keys_mod.KEYS_DIR / keys_mod.MANAGER_WRAP
    wrap.unlink()
    expected = keys_mod.unlock_manager_keys_in_child(data_dir, PASS).recipient
    assert wrap.exists()
    monkeypatch.setattr(subprocess, "run", _no_child)
    assert keys_mod.unlock_manager_keys_in_child(data_dir, PASS).recipient == expected


@pytest.mark.parametrize("damage", ["flip", "truncate", "garbage", "other-identity"])
def test_a_damaged_wrap_falls_back_to_age_and_is_mended(pair, damage):
    """A damaged wrap (a flipped byte, a cut file, another identity wrapped with the same passphrase) is never
    taken for the key: age's file decides, the wrap is written again, and the unlock says nothing alarming."""
    from tests.evidence.conftest import PASS

    _, manager, _ = pair
    data_dir = manager.paths.data_dir
    wrap = data_dir / keys_mod.KEYS_DIR / keys_mod.MANAGER_WRAP
    expected = keys_mod.unlock_manager_keys(data_dir, PASS).recipient
    data = bytearray(wrap.read_bytes())
    if damage == "flip":
        data[-10] ^= 1
    elif damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "garbage":
        data = bytearray(b"\x00not a wrap at all")
    else:
        data = bytearray(keys_mod._wrap_identity(str(pyrage.x25519.Identity.generate()), PASS))
    wrap.write_bytes(bytes(data))
    assert keys_mod.unlock_manager_keys(data_dir, PASS).recipient == expected
    assert keys_mod._unwrap_identity(wrap.read_bytes(), PASS) is not None
    assert str(keys_mod._unwrap_identity(wrap.read_bytes(), PASS).to_public()) == expected


def test_a_device_key_is_owner_only(pair):
    device, _, _ = pair
    keys_mod.device_key(device.paths.data_dir)
    mode = (device.paths.data_dir / "keys" / "device.key").stat().st_mode & 0o777
    assert mode == 0o600


@pytest.mark.skipif(shutil.which("minisign") is None, reason="Debian's minisign is not installed")
def test_the_standard_minisign_tool_verifies_a_bundle(pair):
    device, _, share = pair
    path = device.evidence.build_bundle()
    public = keys_mod.device_key(device.paths.data_dir).public_b64
    result = subprocess.run(["minisign", "-Vm", str(path), "-P", public], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "drillpad-bundle v1" in result.stdout
    data = bytearray(path.read_bytes())
    data[5] ^= 1
    path.write_bytes(bytes(data))
    assert subprocess.run(["minisign", "-Vm", str(path), "-P", public], capture_output=True).returncode != 0


def test_another_teams_bundles_in_a_shared_folder_are_left_alone(pair, tmp_path, clock, minipack):
    device, manager, share = pair
    other = Workspace(Paths.resolve(tmp_path / "other-manager", env={}), clock=clock)
    other.evidence.manager_init("South DC", PASS)
    device.evidence.send_folder(share)
    outcomes = other.evidence.import_folder(share, keys_mod.unlock_manager_keys(other.paths.data_dir, PASS))
    assert [o.outcome for o in outcomes] == ["skipped"] and list(share.glob("*.bundle"))
    other.close()


def test_a_workstation_never_silently_accepts_another_manager_key(pair, tmp_path, clock):
    device, _, _ = pair
    other = Workspace(Paths.resolve(tmp_path / "other", env={}), clock=clock)
    other.evidence.manager_init("Rogue", PASS)
    path = other.evidence.export_team_file(tmp_path / "rogue.json")
    from drillpad.evidence.sync import SyncError

    with pytest.raises(SyncError, match="never accepted silently"):
        device.evidence.import_team_file(path)
    other.close()
