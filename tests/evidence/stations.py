"""Many workstations for the inbox tests and its benchmark (``benchmarks/bench_inbox.py``), made cheaply.

A real workstation needs a data dir, a content pack and a database; two hundred of them would take
longer than the test. Each *station* here is a fresh device key (minisign + age) and one real bundle
made by ``bundle.build`` from a real workstation's events (``learner.added`` then a reflection),
given the station's own device id, event ids and learner, so what the inbox receives is exactly what
a workstation sends.
"""

from __future__ import annotations

import base64
import http.client
import json
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

import minisign
import pyrage

from drillpad.evidence import bundle as bundle_mod
from drillpad.evidence import keys as keys_mod


@dataclass
class Station:
    device_id: str
    public_b64: str
    recipient: str
    cipher: bytes
    signature: bytes
    device_file: bytes

    def headers(self, *, with_key: bool = True) -> dict[str, str]:
        headers = {"Content-Type": "application/octet-stream",
                   "X-DrillPad-Signature": base64.b64encode(self.signature).decode()}
        if with_key:
            headers["X-DrillPad-Device"] = base64.b64encode(self.device_file).decode()
        return headers


def _key() -> keys_mod.DeviceKey:
    pair = minisign.KeyPair.generate()
    return keys_mod.DeviceKey(pair.secret_key, keys_mod.public_key_text(pair.public_key),
                              pyrage.x25519.Identity.generate())


def stations(template, team: dict, count: int, *, team_id: str | None = None, first: int = 0) -> list[Station]:
    """*count* stations whose bundle 1 repeats *template*'s own events (a Workspace that added a learner
    and recorded something), for *team* (the manager's ``evidence.team()``) or another *team_id*."""
    rows = template.db.execute("SELECT kind, payload, created_at FROM events WHERE device_id = ? ORDER BY seq",
                               [template.device_id]).fetchall()
    made = []
    for i in range(first, first + count):
        key, device, learner = _key(), str(uuid.uuid4()), str(uuid.uuid4())
        events = []
        for seq, (kind, payload, created_at) in enumerate(rows, start=1):
            payload = json.loads(payload)
            if kind == "learner.added":
                payload["name"] = f"Station learner {i}"
            events.append({"id": str(uuid.uuid4()), "device_id": device, "seq": seq, "learner_id": learner,
                           "kind": kind, "payload": payload, "created_at": created_at})
        cipher, signature, _ = bundle_mod.build(events, team=team_id or team["id"], seq=1, prev=None,
                                                created_at=rows[0][2], key=key, device_id=device,
                                                recipient=team["manager_recipient"])
        device_file = json.dumps({"device": device, "minisign": key.public_b64, "age": key.recipient,
                                  "fingerprint": key.fingerprint}).encode()
        made.append(Station(device, key.public_b64, key.recipient, cipher, signature, device_file))
    return made


def approve(manager, stations_: list[Station]) -> None:
    """The manager has already approved these devices (the approval flow itself is tested elsewhere)."""
    now = manager.evidence.now()
    with manager.db.atomic():
        for s in stations_:
            manager.db["peer_devices"].insert({
                "id": s.device_id, "name": f"device {s.device_id[:8]}", "public_key": s.public_b64,
                "recipient": s.recipient, "fingerprint": keys_mod.fingerprint(s.public_b64), "status": "approved",
                "first_seen": now, "approved_at": now, "last_seq": 0, "last_hash": None})


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float = 60) -> tuple[int, dict]:
    """POST one bundle the way a workstation does; (status, JSON reply). Connection errors propagate."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("POST", "/v1/bundles", body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        try:
            return response.status, json.loads(data)
        except ValueError:
            return response.status, {"outcome": None, "reason": data.decode("utf-8", "replace")}
    finally:
        conn.close()
