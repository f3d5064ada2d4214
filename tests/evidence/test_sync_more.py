"""Manager decisions back to the workstations, the HTTP inbox, a kill -9 in the middle of an import,
and fuzzing of the parts that read untrusted bytes before anything is verified."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import urllib.error
import urllib.request
from datetime import date

import minisign
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drillpad.evidence import bundle as bundle_mod
from drillpad.evidence import keys as keys_mod
from drillpad.evidence.bundle import BundleRefused
from drillpad.evidence.inbox import serve
from drillpad.evidence.sync import SyncError
from drillpad.manager import ManagerDesk, verify_signoff
from drillpad.workspace import Workspace


def enrolled(device, manager, share, unlock):
    """First bundle sent, device approved, bundle imported; returns the unlocked manager keys."""
    keys = unlock(manager)
    device.evidence.send_folder(share)
    manager.evidence.import_folder(share, keys)
    manager.evidence.approve_device(device.device_id)
    assert [o.outcome for o in manager.evidence.import_folder(share, keys)] == ["imported"]
    return keys


# --- decisions travel back -----------------------------------------------------------------------


def test_a_managers_plan_and_signoff_reach_the_workstation_signed(pair, manager_keys):
    device, manager, share = pair
    keys = enrolled(device, manager, share, manager_keys)
    desk = ManagerDesk(manager, "Sam (shift lead)")
    desk.send_plan("Ana Lima", "jam", "jam-c1", date(2026, 3, 9), "Practise the lock-out order")
    desk.signoff("Ana Lima", "isolation", 4, "Saw two clean lock-outs on nights", keys)
    assert manager.evidence.publish_decisions(share, keys) == 2
    result = device.evidence.send_folder(share)
    assert result["decisions"] == 2 and result["acknowledged"] == 1
    plan = device.plans("Ana Lima")[0]
    assert (plan.task, plan.drill, plan.follow_up, plan.by) == ("jam", "jam-c1", "2026-03-09", "Sam (shift lead)")
    level = {b.id: b for b in device.competency("Ana Lima")}["isolation"]
    assert level.level == 4 and level.source_of_level == "signoff"
    signoff = device.db.execute("SELECT payload FROM events WHERE kind = 'signoff'").fetchone()[0]
    assert verify_signoff(json.loads(signoff), keys.public_b64)
    assert device.evidence.send_folder(share)["decisions"] == 0  # idempotent by event id


def test_a_changed_signoff_record_no_longer_verifies(pair, manager_keys):
    device, manager, share = pair
    keys = enrolled(device, manager, share, manager_keys)
    event = ManagerDesk(manager).signoff("Ana Lima", "isolation", 3, "ok", keys)
    assert verify_signoff(event.payload, keys.public_b64)
    assert not verify_signoff({**event.payload, "level": 5}, keys.public_b64)


def test_forged_decisions_are_ignored_and_do_not_stop_sending(pair, manager_keys):
    device, manager, share = pair
    keys = enrolled(device, manager, share, manager_keys)
    ManagerDesk(manager).send_plan("Ana Lima", "jam", None, date(2026, 3, 9))
    manager.evidence.publish_decisions(share, keys)
    team = device.evidence.team()
    name = f"decisions-{team['id']}.age"
    rogue = minisign.KeyPair.generate().secret_key
    comment = minisign.Signature.from_bytes((share / (name + ".minisig")).read_bytes()).trusted_comment
    (share / (name + ".minisig")).write_bytes(bytes(rogue.sign((share / name).read_bytes(), trusted_comment=comment)))
    before = device.db["events"].count
    with pytest.raises(SyncError, match="not signed by the pinned manager key"):
        device.evidence.collect_decisions(share)
    device.reflect("Ana Lima", "still sending")
    result = device.evidence.send_folder(share)
    assert result["sent"] == 1 and result["decisions"] == 0
    assert any("pinned manager key" in p for p in device.evidence.problems)
    assert device.db["events"].count == before + 1  # only the new reflection; no forged plan


def test_decisions_for_another_workstations_learners_stay_off_this_one(pair, manager_keys, tmp_path, clock):
    device, manager, share = pair
    keys = enrolled(device, manager, share, manager_keys)
    other = Workspace.open(tmp_path / "other-device", clock=clock)
    other.import_pack(tmp_path / "minipack")
    other.evidence.import_team_file(tmp_path / "team.json")
    other.profiles.add_learner("Bo Chen", "dock-hand")
    other_share = tmp_path / "share2"
    other.evidence.send_folder(other_share)
    manager.evidence.import_folder(other_share, keys)
    manager.evidence.approve_device(other.device_id)
    manager.evidence.import_folder(other_share, keys)
    desk = ManagerDesk(manager)
    desk.send_plan("Ana Lima", "jam", None, date(2026, 3, 9))
    desk.send_plan("Bo Chen", "spill", None, date(2026, 3, 10))
    manager.evidence.publish_decisions(share, keys)
    assert device.evidence.collect_decisions(share) == 1
    assert [p.task for p in device.plans("Ana Lima")] == ["jam"]
    assert "Bo Chen" not in {lr.name for lr in device.profiles.learners()}
    other.close()


# --- the HTTP inbox --------------------------------------------------------------------------------


@pytest.fixture
def inbox(pair, manager_keys):
    device, manager, share = pair
    keys = manager_keys(manager)
    data_dir = manager.paths.data_dir
    server = serve(lambda: Workspace.open(data_dir, clock=manager.clock), keys, data_dir / "inbox", "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, keys
    server.shutdown()
    server.server_close()
    thread.join()


def test_bundles_over_http_wait_for_approval_then_import_and_are_acknowledged(pair, inbox):
    device, manager, _ = pair
    server, keys = inbox
    first = device.evidence.send_http(server.url)
    assert first == {"sent": 1, "acknowledged": 0, "decisions": 0}
    pending = manager.evidence.devices()
    assert [d["status"] for d in pending] == ["pending"]
    assert pending[0]["fingerprint"] == keys_mod.device_key(device.paths.data_dir).fingerprint
    manager.evidence.approve_device(device.device_id)
    second = device.evidence.send_http(server.url)
    assert second == {"sent": 1, "acknowledged": 1, "decisions": 0}
    assert device.evidence.status()["unacked_bundles"] == 0
    ManagerDesk(manager).send_plan("Ana Lima", "jam", None, date(2026, 3, 9))
    device.reflect("Ana Lima", "again")
    assert device.evidence.send_http(server.url) == {"sent": 1, "acknowledged": 1, "decisions": 1}
    assert device.plans("Ana Lima")[0].task == "jam"


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
    request = urllib.request.Request(url + "/v1/bundles", data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_the_inbox_refuses_a_tampered_bundle_with_the_reason(pair, inbox):
    device, manager, _ = pair
    server, _ = inbox
    device.evidence.send_http(server.url)
    manager.evidence.approve_device(device.device_id)
    device.reflect("Ana Lima", "x")
    path = device.evidence.build_bundle()
    data = bytearray(path.read_bytes())
    data[-1] ^= 1
    signature = path.with_name(path.name + ".minisig").read_bytes()
    status, reply = _post(server.url, bytes(data), {"X-DrillPad-Signature": base64.b64encode(signature).decode()})
    assert status == 422 and reply["outcome"] == "refused" and "signature does not match" in reply["reason"]


def test_the_inbox_bounds_the_request_size_before_reading(pair, inbox, monkeypatch):
    _, _, _ = pair
    server, _ = inbox
    monkeypatch.setattr(bundle_mod, "MAX_BUNDLE_BYTES", 1000)
    status, reply = _post(server.url, b"x" * 2000, {})
    assert status == 413 and "larger than 1000 bytes" in reply["reason"]
    status, reply = _post(server.url, b"x" * 10, {"X-DrillPad-Signature": "not base64!"})
    assert status == 400 and "not base64" in reply["reason"]


def test_an_unreachable_inbox_keeps_the_bundles_in_the_outbox(pair):
    device, _, _ = pair
    with pytest.raises(SyncError, match="not reachable.*stay in the outbox"):
        device.evidence.send_http("http://127.0.0.1:9", timeout=2)
    assert device.evidence.status()["unacked_bundles"] == 1


# --- kill -9 in the middle of an import ----------------------------------------------------------


KILLER = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from drillpad.evidence import keys as keys_mod
    from drillpad.store import events as event_store
    from drillpad.workspace import Workspace

    data, share, passphrase = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    real = event_store.apply
    def dying_apply(db, incoming):
        # store half of the events, then the process is killed: no clean-up of any kind runs
        for e in incoming[: len(incoming) // 2]:
            db.execute("INSERT INTO events (id, device_id, seq, learner_id, kind, payload, created_at) "
                       "VALUES (?, ?, ?, ?, ?, '{}', ?)", [e.id, e.device_id, e.seq, e.learner_id, e.kind, e.created_at])
        os.kill(os.getpid(), signal.SIGKILL)
    event_store.apply = dying_apply
    ws = Workspace.open(data)
    ws.evidence.import_folder(share, keys_mod.unlock_manager_keys(data, passphrase))
""")


def test_kill_9_in_the_middle_of_an_import_leaves_all_or_nothing(pair, manager_keys):
    device, manager, share = pair
    keys = enrolled(device, manager, share, manager_keys)
    for n in range(40):
        device.reflect("Ana Lima", f"note {n}")
    device.evidence.send_folder(share)
    before = (manager.db["events"].count, manager.db["learners"].count,
              manager.db.execute("SELECT last_seq FROM peer_devices").fetchone()[0])
    manager.close()
    from tests.evidence.conftest import PASS

    child = subprocess.run([sys.executable, "-c", KILLER, str(manager.paths.data_dir), str(share), PASS],
                           capture_output=True, text=True, timeout=120)
    assert child.returncode == -signal.SIGKILL, child.stderr
    again = Workspace.open(manager.paths.data_dir, clock=device.clock)
    after = (again.db["events"].count, again.db["learners"].count,
             again.db.execute("SELECT last_seq FROM peer_devices").fetchone()[0])
    assert after == before  # nothing of the half-applied bundle
    outcomes = again.evidence.import_folder(share, keys)
    assert [o.outcome for o in outcomes][-1] == "imported" and outcomes[-1].events == 40
    again.close()


# --- fuzzing what is read before the signature is checked --------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_parse_comment_accepts_only_well_formed_headers(comment):
    try:
        header = bundle_mod.parse_comment(comment)
    except BundleRefused as exc:
        assert exc.reason
    else:
        assert header.comment() == comment or header.prev is None


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_peek_never_crashes_on_arbitrary_signature_bytes(data):
    try:
        bundle_mod.peek(data)
    except BundleRefused as exc:
        assert exc.reason


_field = st.one_of(st.none(), st.integers(-5, 10**12), st.text(max_size=80), st.booleans(),
                   st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["format", "team_id", "device_id", "seq", "prev_sha256", "event_count",
                                        "created_at", "events_sha256", "extra"]), _field, max_size=9),
       st.binary(max_size=200))
def test_the_manifest_parser_refuses_anything_malformed_with_a_reason(fields, junk):
    from pydantic import ValidationError

    for raw in (json.dumps(fields).encode(), junk):
        try:
            m = bundle_mod.Manifest.model_validate_json(raw)
        except ValidationError as exc:
            assert exc.errors()
        else:
            assert m.format == 1 and m.seq >= 1 and m.events_sha256.startswith("sha256:")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=3000))
def test_events_parser_refuses_arbitrary_bytes_with_a_reason(body):
    try:
        events = bundle_mod.parse_events(body, body.count(b"\n"), "00000000-0000-4000-8000-000000000000")
    except BundleRefused as exc:
        assert exc.reason
    else:
        assert all(set(e) == {"id", "device_id", "seq", "learner_id", "kind", "payload", "created_at"} for e in events)


def test_minisign_signature_from_the_device_names_the_bundle(pair):
    device, _, _ = pair
    path = device.evidence.build_bundle()
    sig = minisign.Signature.from_bytes(path.with_name(path.name + ".minisig").read_bytes())
    assert sig.trusted_comment.startswith("drillpad-bundle v1 ") and f"device={device.device_id}" in sig.trusted_comment
    assert os.stat(path).st_size > 0
