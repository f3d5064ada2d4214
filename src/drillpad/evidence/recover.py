"""After a restore: take back what the team's bundles still hold, and never reuse a sequence number.

A restored backup (or a damaged events page) can lose this workstation's newest events. Many of them already
left in evidence bundles: this PC's own (kept in ``outbox/`` until acknowledged, and copied to the shared
folder) and the team's other workstations' (in the shared folder). Every bundle is verified first — the
device's signature, against this PC's own key or the key on the manager-signed roster — then decrypted with
this workstation's age identity, validated like any bundle, and its events are stored **by event id** (nothing
is doubled). A bundle made before this PC was among its recipients cannot be read here ("sealed"; its events
are at the manager's). A workstation encrypts its bundles to itself too (evidence/sync.py), so its own
bundles come back; bundles made before that change stay sealed.

Sequence numbers: the floor of this device (store/events.py) is raised above every number its readable
bundles hold, and above the outbox's; when the manager's signed device state in the shared folder shows it
holds more, this workstation resumes from there at once (``Evidence.collect_state``), so the first answer
after the restore already takes a number the manager has never seen.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from drillpad.evidence import UnreadableFile, read_capped
from drillpad.evidence import bundle as bundle_mod
from drillpad.evidence import keys as keys_mod
from drillpad.evidence.bundle import BundleRefused
from drillpad.store import events as event_store

if TYPE_CHECKING:
    from drillpad.evidence.sync import Evidence

log = logging.getLogger(__name__)


@dataclass
class Recovered:
    events: int = 0
    """Events that came back (not in the restored database before)."""
    bundles: int = 0
    """Bundles read (verified and decrypted)."""
    sealed: int = 0
    """Bundles this PC may not decrypt (made before it was among their recipients)."""
    skipped: int = 0
    """Bundles refused (bad signature, revoked device, authority) or waiting for a learner not known here."""
    resumed: bool = False
    """The manager's device state showed it holds more of this device's history: continued from there."""


def _bundles(folder: Path, prefix: str) -> list[tuple[str, str, int]]:
    try:
        names = [e.name for e in os.scandir(folder) if e.name.endswith(".bundle") and e.name.startswith(prefix)]
    except OSError:
        return []
    found = []
    for name in names:
        device, _, seq = name[len(prefix):-len(".bundle")].rpartition("-")
        if seq.isdigit():
            found.append((name, device, int(seq)))
    return found


def recover(ev: Evidence, folders: list[Path]) -> Recovered:
    """Re-apply, by event id, every event still in this team's bundles in *folders*; raise the sequence floor;
    resume from the manager's signed device state. Each bundle is one transaction."""
    from drillpad.evidence.sync import SyncError

    out = Recovered()
    team = ev.team()
    if team is None:
        return out
    own = keys_mod.device_key(ev.data_dir)
    trusted = {ev.device_id: (own.public_b64, "approved", None)}
    for device, public, status, revoked_after in ev.db.execute(
            "SELECT id, public_key, status, revoked_after FROM peer_devices WHERE id != ? AND status IN "
            "('approved', 'revoked')", [ev.device_id]):
        trusted[device] = (public, status, revoked_after)
    prefix = f"{team['id']}-"
    seen: set[str] = set()
    top = 0
    found = [(folder, *b) for folder in folders for b in _bundles(folder, prefix)]
    # this PC's own bundles first (they introduce its learners), then each device's in order
    found.sort(key=lambda f: (f[2] != ev.device_id, f[2], f[3]))
    for folder, name, device, seq in found:
        if device not in trusted:
            continue
        public, status, revoked_after = trusted[device]
        if status == "revoked" and seq > (revoked_after or 0):
            out.skipped += 1
            continue
        try:
            cipher = read_capped(folder / name, bundle_mod.MAX_BUNDLE_BYTES)
            signature = read_capped(folder / (name + ".minisig"), bundle_mod.MAX_SIGNATURE_BYTES)
        except (OSError, UnreadableFile):
            continue
        sha = bundle_mod.sha256(cipher)
        if sha in seen:
            continue  # the outbox's copy and the shared folder's are one bundle
        seen.add(sha)
        try:
            header = bundle_mod.verify(cipher, signature, public)
            if (header.team, header.device, header.seq) != (team["id"], device, seq):
                raise BundleRefused("the file name does not match the signed header")
            _, events = bundle_mod.open_bundle(cipher, own.identity, header)
        except BundleRefused as exc:
            if "cannot be decrypted" in exc.reason:
                out.sealed += 1
            else:
                out.skipped += 1
                log.warning("after the restore, bundle %s was not taken back: %s", name, exc.reason)
            continue
        try:
            out.events += _apply(ev, device, events)
        except (BundleRefused, sqlite3.IntegrityError) as exc:
            out.skipped += 1
            log.warning("after the restore, bundle %s was not taken back: %s", name, exc)
            continue
        out.bundles += 1
        if device == ev.device_id and events:
            top = max(top, events[-1]["seq"])
    outbox = ev.db.execute("SELECT coalesce(max(to_event_seq), 0) FROM outbox").fetchone()[0]
    with ev.db.atomic():
        event_store.raise_floor(ev.db, ev.device_id, max(top, outbox))
    for folder in folders[1:]:  # the shared folders (the outbox holds no state file)
        try:
            out.resumed = ev.collect_state(folder) or out.resumed
        except SyncError as exc:
            ev.problems.append(str(exc))
    return out


def _apply(ev: Evidence, device: str, events: list[dict]) -> int:
    from drillpad.evidence import authority

    db = ev.db
    with event_store.writing(db):
        if device != ev.device_id:  # a peer's events pass the same rules as when they first came
            authority.check_device_events(db, device, events, from_roster=True)
        for e in events:
            if e["kind"] == "learner.added":
                ev._add_learner(e, device)
        return event_store.apply(db, [event_store.Event(**e) for e in events])
