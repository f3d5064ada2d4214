"""Catch-up: the team's history for a workstation approved after others had already sealed bundles.

A workstation encrypts each bundle to the manager and to the workstations **on its roster when it builds the
bundle**. One approved later (C) cannot open what A and B made before their roster named C: ``collect_peers``
moves past those bundles and counts them as *sealed*. The manager, who can open every bundle, re-seals that
history for C:

- **The manager** (``publish_catchups``, at every ``publish_decisions``): for every workstation approved in the
  last ``CATCHUP_DAYS`` days, the events of the team's *other* workstations it holds and has not yet put in a
  part for that workstation are written as ``catchup-<team>-<device>-<part 6 digits>.age`` (+ ``.minisig``): JSON
  of the events as their devices made them, at most ``CATCHUP_EVENTS`` per part, **encrypted to that workstation
  only** and **signed by the manager key** (trusted comment ``drillpad-catchup v1 team=… device=… part=N
  events=N``). Parts only add what is new since the last part, so the cost follows the new events; the window
  also covers bundles a workstation built before it saw the new roster and sent days later. When the window
  closes the parts are removed from the folder.
- **The workstation** (``collect_catchups``, in ``send_folder`` after the peers): takes its own parts in order
  (part N only after N-1), each verified against the pinned manager key and its signed device and part number,
  decrypted with its own key, every event validated against the strict schemas, only events of workstations on
  the manager-signed roster (not its own), the authority rules A1–A5 per device as for a peer's bundle, applied
  in one transaction by event id (what it already had is skipped), with the cards, PINs and aggregates of the
  new events. A part about a learner not known here yet waits for the next sync.
"""

from __future__ import annotations

import json
import os
import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pyrage

from drillpad.clock import from_iso
from drillpad.evidence import UnreadableFile, atomic_write, read_capped
from drillpad.evidence import bundle as bundle_mod
from drillpad.evidence import keys as keys_mod
from drillpad.evidence import schemas
from drillpad.evidence.bundle import BundleRefused

if TYPE_CHECKING:
    from drillpad.evidence.sync import Evidence

CATCHUP = "catchup-{team}-{device}-{part:06d}.age"
CATCHUP_FORMAT = "drillpad-catchup/1"
CATCHUP_DAYS = 14
CATCHUP_EVENTS = 20_000
MAX_CATCHUP_BYTES = 64 * 1024 * 1024
_COMMENT = re.compile(r"^drillpad-catchup v1 team=(?P<team>[A-Za-z0-9._-]{1,64}) device=(?P<device>[0-9a-f-]{36}) "
                      r"part=(?P<part>\d{1,9}) events=(?P<events>\d{1,9})$")


# --- the manager ----------------------------------------------------------------------------------------------


def publish_catchups(ev: Evidence, folder, manager: keys_mod.ManagerKeys) -> int:
    """Write the new catch-up parts for every workstation approved in the last CATCHUP_DAYS days; remove the
    parts of those whose window has closed. Returns how many parts were written."""
    from drillpad.evidence.sync import _EVENT_SELECT, _event_dicts

    team = ev.team()
    if team is None or team["role"] != "manager":
        return 0
    now = from_iso(ev.now())
    written = 0
    for device, recipient, approved_at in ev.db.execute(
            "SELECT id, recipient, approved_at FROM peer_devices WHERE status = 'approved' AND recipient IS NOT NULL "
            "ORDER BY id").fetchall():
        row = ev.db.execute("SELECT part, mark, since, closed FROM catchups WHERE device_id = ?", [device]).fetchone()
        if row is None:
            row = (0, 0, approved_at or ev.now(), 0)
            with ev.db.atomic():
                ev.db.execute("INSERT INTO catchups (device_id, part, mark, since, closed) VALUES (?, ?, ?, ?, 0)",
                              [device, *row[:3]])
        part, mark, since, closed = row
        if closed:
            continue
        if now - from_iso(since) > timedelta(days=CATCHUP_DAYS):
            for n in range(1, part + 1):
                for name in (_name(team, device, n), _name(team, device, n) + ".minisig"):
                    try:
                        os.unlink(folder / name)
                    except FileNotFoundError:
                        pass
            with ev.db.atomic():
                ev.db.execute("UPDATE catchups SET closed = 1 WHERE device_id = ?", [device])
            continue
        while True:
            rows = ev.db.execute(
                "SELECT rowid, " + _EVENT_SELECT[len("SELECT "):] + "WHERE rowid > ? AND device_id != ? AND device_id "
                "!= ? AND device_id IN (SELECT id FROM peer_devices WHERE status IN ('approved', 'revoked')) "
                "ORDER BY rowid LIMIT ?", [mark, device, ev.device_id, CATCHUP_EVENTS]).fetchall()
            if not rows:
                break
            part += 1
            events = _event_dicts([r[1:] for r in rows])
            data = json.dumps({"format": CATCHUP_FORMAT, "team": team["id"], "device": device, "part": part,
                               "events": events}, sort_keys=True).encode()
            cipher = pyrage.encrypt(data, [pyrage.x25519.Recipient.from_str(recipient)])
            comment = f"drillpad-catchup v1 team={team['id']} device={device} part={part} events={len(events)}"
            signature = bytes(manager.signing.sign(cipher, trusted_comment=comment))
            folder.mkdir(parents=True, exist_ok=True)
            name = _name(team, device, part)
            atomic_write(folder / (name + ".minisig"), signature)  # signature first, as for bundles
            atomic_write(folder / name, cipher)
            mark = rows[-1][0]
            with ev.db.atomic():
                ev.db.execute("UPDATE catchups SET part = ?, mark = ? WHERE device_id = ?", [part, mark, device])
            written += 1
    return written


def _name(team: dict, device: str, part: int) -> str:
    return CATCHUP.format(team=team["id"], device=device, part=part)


# --- a workstation --------------------------------------------------------------------------------------------


def collect_catchups(ev: Evidence, folder) -> dict[str, int]:
    """Take this workstation's new catch-up parts from *folder* (read only), in order. Returns ``parts`` taken and
    ``events`` new here; a part that cannot be taken yet (a learner not known here) waits, a bad one is logged in
    ``ev.problems`` and stops the rest until the manager writes a good one."""
    from drillpad.evidence.roaming import refresh_pending_cards

    try:
        return _collect_catchups(ev, folder)
    finally:
        refresh_pending_cards(ev.db)


def _collect_catchups(ev: Evidence, folder) -> dict[str, int]:
    from drillpad.evidence.roaming import LearnerNotKnownYet
    from drillpad.evidence.sync import SyncError, verify_manager_file

    counts = {"parts": 0, "events": 0}
    team = ev.team()
    if team is None or team["role"] != "workstation":
        return counts
    row = ev.db.execute("SELECT part FROM catchups WHERE device_id = ?", [ev.device_id]).fetchone()
    taken = row[0] if row else 0
    while True:
        path = folder / _name(team, ev.device_id, taken + 1)
        try:
            cipher = read_capped(path, MAX_CATCHUP_BYTES)
            signature = read_capped(path.with_name(path.name + ".minisig"), bundle_mod.MAX_SIGNATURE_BYTES)
        except FileNotFoundError:
            return counts
        except (OSError, UnreadableFile) as exc:
            ev.problems.append(f"catch-up part {taken + 1} from the manager cannot be read ({exc}); tried next time")
            return counts
        try:
            m = verify_manager_file(team, cipher, signature, _COMMENT, "the catch-up is", "the catch-up file is")
            if m["device"] != ev.device_id or int(m["part"]) != taken + 1:
                raise SyncError("the catch-up file's signed device or part does not match its name; ignored")
            try:
                plain = pyrage.decrypt(cipher, [keys_mod.device_key(ev.data_dir).identity])
            except pyrage.DecryptError as exc:
                raise SyncError("the catch-up file cannot be decrypted with this workstation's key; ignored") from exc
            body = schemas.loads(plain)
            if not isinstance(body, dict) or (body.get("format"), body.get("team"), body.get("device"),
                                              body.get("part")) != (CATCHUP_FORMAT, team["id"], ev.device_id,
                                                                    taken + 1):
                raise SyncError("the catch-up's contents do not match its signed team, device or part; ignored")
            raw = body.get("events")
            if not isinstance(raw, list) or len(raw) != int(m["events"]):
                raise SyncError("the catch-up's events do not match its signed count; ignored")
            events = [schemas.validate(e) for e in raw]
            new = _apply_part(ev, events, taken + 1)
        except (SyncError, schemas.EventInvalid, BundleRefused) as exc:
            reason = getattr(exc, "reason", None) or str(exc)
            ev.problems.append(f"catch-up part {taken + 1} from the manager: {reason}")
            return counts
        except LearnerNotKnownYet as exc:
            ev.problems.append(f"catch-up part {taken + 1} waits: {exc}")
            return counts
        taken += 1
        counts["parts"] += 1
        counts["events"] += new


def _apply_part(ev: Evidence, events: list[dict[str, Any]], part: int) -> int:
    """One part in one transaction: only events of workstations on the roster (not this one), the authority rules
    per device, learners they introduce, events by id, then the derived state of the new ones."""
    from drillpad.evidence.roaming import admit_peer_events, mark_cards
    from drillpad.store import events as event_store
    from drillpad.store import pins as pin_store

    db = ev.db
    roster = {r[0] for r in db.execute("SELECT id FROM peer_devices WHERE status IN ('approved', 'revoked') AND "
                                       "id != ?", [ev.device_id])}
    by_device: dict[str, list[dict[str, Any]]] = {}
    for e in events:
        if e["device_id"] not in roster:
            raise BundleRefused(f"event {e['id']} is from device {e['device_id']}, which is not one of the team's "
                                "other workstations on the roster here")
        by_device.setdefault(e["device_id"], []).append(e)
    with event_store.writing(db):
        stored = event_store.stored_ids(db, [e["id"] for e in events])
        for device, own in by_device.items():
            admit_peer_events(ev, device, [e for e in own if e["id"] not in stored])
        new_events = [e for e in events if e["id"] not in stored]
        for e in new_events:
            db.execute("INSERT OR IGNORE INTO devices (id, name, is_self, public_key, created_at) VALUES "
                       "(?, ?, 0, NULL, ?)", [e["device_id"], f"device {e['device_id'][:8]}", ev.now()])
        new = event_store.apply(db, [event_store.Event(**e) for e in new_events])
        mark_cards(db, new_events)  # computed at the end of collect_catchups
        pin_store.apply_events(db, new_events, now=ev.now())
        db.execute("INSERT INTO catchups (device_id, part, mark, since, closed) VALUES (?, ?, 0, ?, 0) ON CONFLICT"
                   "(device_id) DO UPDATE SET part = excluded.part", [ev.device_id, part, ev.now()])
    return new
