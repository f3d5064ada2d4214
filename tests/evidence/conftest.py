from __future__ import annotations

import shutil
from datetime import datetime, timezone

import pytest

from drillpad.clock import FixedClock
from drillpad.evidence import keys as keys_mod
from drillpad.paths import Paths
from drillpad.workspace import Workspace
from tests.conftest import DATA

PASS = "correct horse battery"
_unlocked: dict[str, keys_mod.ManagerKeys] = {}


def unlock(manager: Workspace) -> keys_mod.ManagerKeys:
    """The manager's keys, unlocked once per key: age's scrypt takes ~2 s by design, every time."""
    public = keys_mod.manager_public(manager.paths.data_dir)[0]
    if public not in _unlocked:
        _unlocked[public] = keys_mod.unlock_manager_keys(manager.paths.data_dir, PASS)
    return _unlocked[public]


@pytest.fixture(scope="session")
def manager_template(tmp_path_factory):
    """A manager's data dir with the test pack and keys, made once; each test gets a copy."""
    folder = tmp_path_factory.mktemp("manager-template") / "data"
    ws = Workspace(Paths.resolve(folder, env={}), clock=FixedClock(datetime(2026, 3, 1, tzinfo=timezone.utc)))
    ws.import_pack(DATA / "minipack")
    ws.evidence.manager_init("North DC", PASS)
    ws.close()
    return folder


@pytest.fixture
def pair(tmp_path, clock, minipack, manager_template):
    """A workstation enrolled in a manager's team (shared folder ``share``), with one learner."""
    shutil.copytree(manager_template, tmp_path / "manager")
    device = Workspace(Paths.resolve(tmp_path / "device", env={}), clock=clock)
    manager = Workspace(Paths.resolve(tmp_path / "manager", env={}), clock=clock)
    device.import_pack(minipack)
    team_file = manager.evidence.export_team_file(tmp_path / "team.json", folder=str(tmp_path / "share"))
    device.evidence.import_team_file(team_file)
    ana = device.profiles.add_learner("Ana Lima", "dock-hand")
    device.reflect(ana.id, "Locking out felt slow but right.")
    yield device, manager, tmp_path / "share"
    device.close()
    manager.close()


@pytest.fixture
def manager_keys():
    return unlock


# --- a compromised workstation: bundles really signed by the device's key, with hand-made contents -------


def enrol(device, manager, share):
    """First bundle sent, the device approved and its bundle imported; returns the manager keys."""
    keys = unlock(manager)
    device.evidence.send_folder(share)
    manager.evidence.import_folder(share, keys)
    manager.evidence.approve_device(device.device_id)
    assert [o.outcome for o in manager.evidence.import_folder(share, keys)] == ["imported"]
    return keys


def next_header(device, count: int):
    from drillpad.evidence.bundle import Header

    team = device.evidence.team()
    last = device.db.execute("SELECT seq, sha256 FROM outbox ORDER BY seq DESC LIMIT 1").fetchone()
    return Header(team["id"], device.device_id, last[0] + 1, last[1], count)


def tar_of(members: dict[str, bytes]) -> bytes:
    import io
    import tarfile

    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def forge(device, share, *, events: list[dict] | None = None, body: bytes | None = None, count: int | None = None,
          plain: bytes | None = None, name: str = "aaa-forged") -> str:
    """Drop into *share* a bundle the device's real key signed, chained after its last one, holding exactly
    *events* (or the raw events.jsonl *body*, or the raw tar *plain*); returns the bundle's file name."""
    import json

    import pyrage

    from drillpad.evidence import bundle as bundle_mod

    if body is None:
        body = bundle_mod.events_jsonl(events or [])
    if count is None:
        count = len(events) if events is not None else body.count(b"\n")
    header = next_header(device, count)
    if plain is None:
        manifest = {"format": 1, "team_id": header.team, "device_id": header.device, "seq": header.seq,
                    "prev_sha256": header.prev, "event_count": count, "created_at": "2026-03-02T08:30:00+00:00",
                    "events_sha256": bundle_mod.sha256(body)}
        plain = tar_of({"manifest.json": json.dumps(manifest).encode(), "events.jsonl": body})
    team = device.evidence.team()
    cipher = pyrage.encrypt(plain, [pyrage.x25519.Recipient.from_str(team["manager_recipient"])])
    key = keys_mod.device_key(device.paths.data_dir)
    share.mkdir(parents=True, exist_ok=True)
    (share / (name + ".bundle.minisig")).write_bytes(bytes(key.secret.sign(cipher, trusted_comment=header.comment())))
    (share / (name + ".bundle")).write_bytes(cipher)
    return name + ".bundle"


def event(device, seq_offset: int = 1, *, kind: str = "reflection", learner: str | None = "ana",
          payload: dict | None = None, **over) -> dict:
    """A well-formed event from *device* (learner "ana" = the device's own Ana Lima), to be spoiled."""
    import uuid

    if learner == "ana":
        learner = device.profiles.learner("Ana Lima").id
    top = device.db.execute("SELECT max(seq) FROM events WHERE device_id = ?", [device.device_id]).fetchone()[0] or 0
    return {"id": str(uuid.uuid4()), "device_id": device.device_id, "seq": top + seq_offset, "learner_id": learner,
            "kind": kind, "payload": {"text": "a note"} if payload is None else payload,
            "created_at": "2026-03-02T08:30:00+00:00", **over}
