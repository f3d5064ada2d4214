"""Roaming: one person, one learner id, one history on every workstation of the team (docs/evidence.md).

- **The roster** (``roster-<team>.age`` + ``.minisig`` in the folder): the team's learners (id, display name,
  pack, role, since, status), its approved and revoked devices (signing key, age recipient, and for a revoked
  one the last bundle accepted from it) and the profile merges. The manager signs it (minisign, the pinned key)
  and encrypts it to every approved workstation (age); its *version* only goes up, and a workstation never
  applies an older one over a newer one. The manager is the only authority on who is on the team.
- **History follows the trainee**: a workstation encrypts each bundle to the manager *and* every approved
  workstation on its roster, so the team's workstations take each other's bundles from the same folder
  without the manager's PC being on. A workstation verifies a peer's bundle against that device's key **on the
  manager-signed roster** (never a key the folder presents), in sequence and chain per device, refuses a
  revoked device's bundles after the last one the manager accepted, checks the same authority rules as the
  manager, and merges by event id. Derived state (FSRS cards, aggregates) takes each new event at once.
- A workstation never moves, changes or deletes anything in the shared folder: only the manager quarantines.
- **PINs** travel as events (``pin.set`` with the scrypt verifier, ``pin.reset``, ``pin.failed``; store/pins.py)
  in the same bundles, and the roster carries each person's current PIN event for workstations that could not
  read the bundle it came in.
- **By URL**: ``collect_by_url`` takes the same roster and bundles from the manager's inbox (``inbox serve``)
  into a private cache and applies them with the same functions as from a folder.
"""

from __future__ import annotations

import json
import os
import re
from typing import TYPE_CHECKING, Annotated, Any, Literal

import pyrage
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from drillpad.evidence import UnreadableFile, atomic_write, read_capped
from drillpad.evidence import bundle as bundle_mod
from drillpad.evidence import keys as keys_mod
from drillpad.evidence import schemas
from drillpad.evidence.bundle import BundleRefused

if TYPE_CHECKING:
    from drillpad.evidence.sync import Evidence

ROSTER = "roster-{team}.age"
ROSTER_FORMAT = "drillpad-roster/1"
MAX_ROSTER_BYTES = 16 * 1024 * 1024
_ROSTER_COMMENT = re.compile(r"^drillpad-roster v1 team=(?P<team>[A-Za-z0-9._-]{1,64}) version=(?P<version>\d{1,12})$")


class RosterDevice(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    id: schemas.Uuid
    name: Annotated[str, Field(max_length=60)]
    minisign: Annotated[str, Field(max_length=200)]
    age: Annotated[str, Field(max_length=200)] | None
    status: Literal["approved", "revoked"]
    revoked_after: Annotated[int, Field(ge=0, le=schemas.MAX_SEQ)] | None = None


class RosterLearner(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    id: schemas.Uuid
    name: schemas.Name
    pack: schemas.Ref
    role: schemas.Ref
    since: schemas.IsoTime
    status: Literal["active", "merged"]
    merged_into: schemas.Uuid | None = None


class RosterMerge(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    event: schemas.Uuid
    from_id: schemas.Uuid
    into_id: schemas.Uuid
    by: schemas.Short
    at: schemas.IsoTime


class Roster(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    format: Literal["drillpad-roster/1"]
    team: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{1,64}$")]
    version: Annotated[int, Field(ge=1)]
    issued_at: schemas.IsoTime
    devices: Annotated[list[RosterDevice], Field(max_length=10_000)]
    learners: Annotated[list[RosterLearner], Field(max_length=100_000)]
    merges: Annotated[list[RosterMerge], Field(max_length=100_000)] = []
    pins: Annotated[list[dict[str, Any]], Field(max_length=100_000)] = []
    """Each learner's last ``pin.set``/``pin.reset`` event by the clock rule (as the device made it), so a
    workstation that could not read the bundle it came in (sealed) still has the person's PIN."""


# --- the manager: build and publish -----------------------------------------------------------------------


def roster_body(ev: Evidence) -> dict[str, Any]:
    """The roster as it stands on the manager's PC (without version and time)."""
    devices = [{"id": r[0], "name": r[1][:60], "minisign": r[2], "age": r[3], "status": r[4],
                "revoked_after": r[5] if r[4] == "revoked" else None}
               for r in ev.db.execute("SELECT id, name, public_key, recipient, status, coalesce(revoked_after, last_seq) "
                                      "FROM peer_devices WHERE status IN ('approved', 'revoked') ORDER BY id")]
    merged = dict(ev.db.execute("SELECT from_id, into_id FROM learner_merges WHERE undone_by IS NULL").fetchall())
    learners = [{"id": r[0], "name": r[1], "pack": r[2], "role": r[3], "since": r[4],
                 "status": "merged" if r[0] in merged else "active", "merged_into": merged.get(r[0])}
                for r in ev.db.execute("SELECT id, name, pack_id, role_id, created_at FROM learners ORDER BY id")]
    merges = [{"event": r[0], "from_id": r[1], "into_id": r[2], "by": r[3], "at": r[4]}
              for r in ev.db.execute("SELECT event_id, from_id, into_id, by, at FROM learner_merges "
                                     "WHERE undone_by IS NULL ORDER BY at, event_id")]
    from drillpad.evidence.sync import _EVENT_SELECT, _event_dicts

    pins = _event_dicts(ev.db.execute(
        _EVENT_SELECT + "WHERE id IN (SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY learner_id ORDER BY "
        "created_at DESC, device_id DESC, seq DESC) AS n FROM events WHERE kind IN ('pin.set', 'pin.reset') AND "
        "learner_id IS NOT NULL) WHERE n = 1) ORDER BY learner_id").fetchall())
    return {"devices": devices, "learners": learners, "merges": merges, "pins": pins}


def roster_file(ev: Evidence, manager: keys_mod.ManagerKeys) -> tuple[bytes, bytes, int] | None:
    """The signed roster (cipher, signature, version), encrypted to every approved workstation; None when no
    workstation is approved yet. The version goes up only when the roster changed."""
    team = ev.team()
    body = roster_body(ev)
    recipients = [d["age"] for d in body["devices"] if d["status"] == "approved" and d["age"]]
    if team is None or not recipients:
        return None
    digest = bundle_mod.sha256(json.dumps(body, sort_keys=True).encode())
    row = ev.db.execute("SELECT version, sha256 FROM roster_state WHERE id = 1").fetchone()
    version = row[0] if row and row[1] == digest else (row[0] + 1 if row else 1)
    with ev.db.atomic():
        ev.db.execute("INSERT INTO roster_state (id, version, sha256, issued_at, applied_at) VALUES (1, ?, ?, ?, ?) "
                      "ON CONFLICT(id) DO UPDATE SET version = excluded.version, sha256 = excluded.sha256, "
                      "issued_at = excluded.issued_at, applied_at = excluded.applied_at",
                      [version, digest, ev.now(), ev.now()])
    data = json.dumps({"format": ROSTER_FORMAT, "team": team["id"], "version": version, "issued_at": ev.now(),
                       **body}, sort_keys=True).encode()
    cipher = pyrage.encrypt(data, [pyrage.x25519.Recipient.from_str(r) for r in recipients])
    signature = manager.signing.sign(cipher, trusted_comment=f"drillpad-roster v1 team={team['id']} version={version}")
    return cipher, bytes(signature), version


def publish_roster(ev: Evidence, folder, manager: keys_mod.ManagerKeys) -> int:
    """Write the signed roster into *folder*; returns its version (0: no approved workstation yet)."""
    made = roster_file(ev, manager)
    if made is None:
        return 0
    cipher, signature, version = made
    name = ROSTER.format(team=ev.team()["id"])  # type: ignore[index]
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(folder / (name + ".minisig"), signature)
    atomic_write(folder / name, cipher)
    return version


# --- a workstation: apply the roster ------------------------------------------------------------------------


def collect_roster(ev: Evidence, folder) -> int:
    """Apply the manager's roster from *folder*; returns its version when a newer one was applied, else 0."""
    from drillpad.evidence.sync import SyncError, verify_manager_file

    team = ev.team()
    if team is None or team["role"] != "workstation":
        return 0
    path = folder / ROSTER.format(team=team["id"])
    try:
        cipher = read_capped(path, MAX_ROSTER_BYTES)
        signature = read_capped(path.with_name(path.name + ".minisig"), bundle_mod.MAX_SIGNATURE_BYTES)
    except FileNotFoundError:
        return 0
    except OSError as exc:
        raise SyncError(f"the manager's roster cannot be read: {exc}") from exc
    m = verify_manager_file(team, cipher, signature, _ROSTER_COMMENT, "the roster is", "the roster file is")
    version = int(m["version"])
    row = ev.db.execute("SELECT version FROM roster_state WHERE id = 1").fetchone()
    if row is not None and version <= row[0]:
        if version < row[0]:
            ev.problems.append(f"an older roster (version {version}; this PC has {row[0]}) is in the folder; ignored")
        return 0
    try:
        plain = pyrage.decrypt(cipher, [keys_mod.device_key(ev.data_dir).identity])
    except pyrage.DecryptError:
        return 0  # not approved yet (or approved after this roster was written)
    try:
        roster = Roster.model_validate(schemas.loads(plain))
    except (schemas.EventInvalid, ValidationError) as exc:
        raise SyncError(f"the manager's roster is damaged ({str(exc)[:200]}); ignored") from exc
    if roster.version != version or roster.team != team["id"]:
        raise SyncError("the roster's contents do not match its signed version or team; ignored")
    apply_roster(ev, roster, bundle_mod.sha256(cipher))
    return version


def apply_roster(ev: Evidence, roster: Roster, sha: str) -> None:
    """Devices, learners (the manager's display names win) and merges, in one transaction."""
    db, now = ev.db, ev.now()
    installed = {tuple(r) for r in db.execute("SELECT pack_id, id FROM roles")}
    with db.atomic():
        for d in roster.devices:
            if d.id == ev.device_id:
                continue
            db.execute(
                "INSERT INTO peer_devices (id, name, public_key, recipient, fingerprint, status, first_seen, approved_at, "
                "last_seq, last_hash, revoked_after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, NULL, ?) ON CONFLICT(id) DO "
                "UPDATE SET name = excluded.name, public_key = excluded.public_key, recipient = excluded.recipient, "
                "fingerprint = excluded.fingerprint, status = excluded.status, revoked_after = excluded.revoked_after",
                [d.id, d.name or f"device {d.id[:8]}", d.minisign, d.age, keys_mod.fingerprint(d.minisign), d.status,
                 now, now, d.revoked_after])
            db.execute("INSERT OR IGNORE INTO devices (id, name, is_self, public_key, created_at) VALUES (?, ?, 0, ?, ?)",
                       [d.id, d.name or f"device {d.id[:8]}", d.minisign, now])
        listed = [lr for lr in roster.learners if (lr.pack, lr.role) in installed]
        missing = len(roster.learners) - len(listed)
        if missing:
            ev.problems.append(f"{missing} learner(s) on the roster are in a role whose pack is not installed here")
        ids = {lr.id for lr in listed}
        # names first out of the way (the manager's names are unique on the team), then the roster's names
        for lr in listed:
            db.execute("UPDATE learners SET name = ? WHERE id = ?", [lr.id, lr.id])
        for lr in listed:
            clash = db.execute("SELECT id FROM learners WHERE name = ? COLLATE NOCASE AND id != ?",
                               [lr.name, lr.id]).fetchone()
            if clash is not None and clash[0] not in ids:  # someone this PC added that the manager has not seen yet
                db.execute("UPDATE learners SET name = ? WHERE id = ?", [f"{lr.name[:44]} ({clash[0][:8]})", clash[0]])
            db.execute("INSERT INTO learners (id, name, pack_id, role_id, created_at, active) VALUES (?, ?, ?, ?, ?, ?) "
                       "ON CONFLICT(id) DO UPDATE SET name = excluded.name, active = excluded.active",
                       [lr.id, lr.name, lr.pack, lr.role, lr.since, 1 if lr.status == "active" else 0])
        from drillpad.evidence import merge as merge_mod

        merge_mod.apply_merges(ev, [(m.event, m.from_id, m.into_id, m.by, m.at) for m in roster.merges])
        _apply_roster_pins(ev, roster.pins, {lr.id for lr in listed})
        db.execute("INSERT INTO roster_state (id, version, sha256, issued_at, applied_at) VALUES (1, ?, ?, ?, ?) "
                   "ON CONFLICT(id) DO UPDATE SET version = excluded.version, sha256 = excluded.sha256, "
                   "issued_at = excluded.issued_at, applied_at = excluded.applied_at",
                   [roster.version, sha, roster.issued_at, now])


def _apply_roster_pins(ev: Evidence, pins: list[dict[str, Any]], learners: set[str]) -> None:
    """The roster's PIN events (inside apply_roster's transaction): each checked against the strict schema, stored
    by id (a bundle carrying it later changes nothing) and applied by the clock rule like one from a bundle."""
    from drillpad.store import events as event_store
    from drillpad.store import pins as pin_store

    db, fresh = ev.db, []
    for raw in pins:
        try:
            e = schemas.validate(raw)
        except schemas.EventInvalid as exc:
            ev.problems.append(f"a PIN record on the roster is not valid ({exc}); left out")
            continue
        if e["kind"] not in ("pin.set", "pin.reset") or e["learner_id"] not in learners:
            continue
        if db.execute("SELECT 1 FROM events WHERE id = ?", [e["id"]]).fetchone():
            continue
        if db.execute("SELECT 1 FROM events WHERE device_id = ? AND seq = ?", [e["device_id"], e["seq"]]).fetchone():
            continue  # another event holds that number here: the device's own bundle decides
        db.execute("INSERT OR IGNORE INTO devices (id, name, is_self, public_key, created_at) VALUES (?, ?, 0, NULL, ?)",
                   [e["device_id"], f"device {e['device_id'][:8]}", ev.now()])
        event_store.apply(db, [event_store.Event(**e)])
        fresh.append(e)
    pin_store.apply_events(db, fresh, now=ev.now())


# --- a workstation: take the other workstations' bundles --------------------------------------------------


def recipients(ev: Evidence) -> list[str]:
    """Who a bundle made here is encrypted to: the manager and every workstation approved on the roster."""
    team = ev.team()
    peers = [r[0] for r in ev.db.execute("SELECT recipient FROM peer_devices WHERE status = 'approved' AND "
                                         "recipient IS NOT NULL AND id != ? ORDER BY id", [ev.device_id])]
    return [team["manager_recipient"], *peers] if team else peers


def collect_peers(ev: Evidence, folder) -> dict[str, int]:
    """Take every team workstation's new bundles from *folder* (read only). Returns counts: ``bundles`` applied,
    ``events`` new, ``sealed`` (made before this PC could read them), ``refused``, ``held``. The cards the new
    reviews touch are computed once, at the end (and any a stopped sync left)."""
    try:
        return _collect_peers(ev, folder)
    finally:
        refresh_pending_cards(ev.db)


def _collect_peers(ev: Evidence, folder) -> dict[str, int]:
    team = ev.team()
    counts = {"bundles": 0, "events": 0, "sealed": 0, "refused": 0, "held": 0}
    if team is None or team["role"] != "workstation":
        return counts
    peers = {r[0]: r[1:] for r in ev.db.execute(
        "SELECT id, public_key, status, last_seq, last_hash, revoked_after FROM peer_devices WHERE id != ?",
        [ev.device_id])}
    if not peers:
        return counts
    try:
        names = sorted(e.name for e in os.scandir(folder) if e.name.endswith(".bundle") and not e.name.startswith("."))
    except OSError:
        return counts
    prefix = f"{team['id']}-"
    stuck: set[str] = set()
    identity = None
    for name in names:
        if not name.startswith(prefix):
            continue
        rest = name[len(prefix):-len(".bundle")]
        device, _, seq_text = rest.rpartition("-")
        if device not in peers or device in stuck or not seq_text.isdigit():
            continue
        public, status, last_seq, last_hash, revoked_after = peers[device]
        seq = int(seq_text)
        if seq <= last_seq:
            continue  # already had (the manager is the one who refuses replays)
        if identity is None:  # read once per sync, not once per bundle
            identity = keys_mod.device_key(ev.data_dir).identity
        outcome = _take(ev, folder, name, device, seq, public, status, last_seq, last_hash, revoked_after, identity)
        counts[outcome[0]] += 1
        counts["events"] += outcome[1]
        if outcome[0] in ("refused", "held"):
            stuck.add(device)  # the rest of this device's bundles wait behind this one
        else:
            row = ev.db.execute("SELECT last_seq, last_hash FROM peer_devices WHERE id = ?", [device]).fetchone()
            peers[device] = (public, status, row[0], row[1], revoked_after)
    return counts


def _log_once(ev: Evidence, name: str, device: str, seq: int, outcome: str, reason: str) -> None:
    if not ev.db.execute("SELECT 1 FROM bundle_log WHERE file = ? AND outcome = ? AND reason = ?",
                         [name, outcome, reason]).fetchone():
        from drillpad.evidence.sync import ImportOutcome

        ev._log(ImportOutcome(name, outcome, reason, 0, device, seq), None)


def _take(ev: Evidence, folder, name: str, device: str, seq: int, public: str, status: str, last_seq: int,
          last_hash: str | None, revoked_after: int | None, identity) -> tuple[str, int]:
    if status == "revoked" and seq > (revoked_after or 0):
        _log_once(ev, name, device, seq, "refused", f"device {device} is revoked on the manager's roster (bundles "
                  f"after {revoked_after or 0} are refused)")
        return "refused", 0
    if seq > last_seq + 1:
        return "held", 0  # bundle last_seq + 1 is not in the folder (yet)
    path = folder / name
    try:
        cipher = read_capped(path, bundle_mod.MAX_BUNDLE_BYTES)
        signature = read_capped(path.with_name(name[: -len(".bundle")] + ".bundle.minisig"),
                                bundle_mod.MAX_SIGNATURE_BYTES)
    except (OSError, UnreadableFile):
        return "held", 0
    sha = bundle_mod.sha256(cipher)
    try:
        header = bundle_mod.verify(cipher, signature, public)
        if (header.device, header.seq) != (device, seq):
            raise BundleRefused("the file name does not match the signed header")
        if header.prev != last_hash:
            raise BundleRefused("the chain is broken: this bundle does not follow the last one taken from this device")
        try:
            _, events = bundle_mod.open_bundle(cipher, identity, header)
        except BundleRefused as exc:
            if "cannot be decrypted" not in exc.reason:
                raise
            events = None
        new = apply_peer_bundle(ev, events, header, sha, name)
    except BundleRefused as exc:
        _log_once(ev, name, device, seq, "refused", exc.reason)
        return "refused", 0
    except LearnerNotKnownYet as exc:
        _log_once(ev, name, device, seq, "held", str(exc))
        return "held", 0
    return ("sealed", 0) if events is None else ("bundles", new)


class LearnerNotKnownYet(Exception):
    """A peer's bundle (or a catch-up part) speaks of a learner this PC does not know yet (the roster or that
    learner's own workstation has not come through): it waits and is tried again at the next sync."""


def admit_peer_events(ev: Evidence, device: str, events: list[dict[str, Any]]) -> None:
    """Inside the caller's write transaction: check a team workstation's *events* against the authority rules
    (learners from the roster) and enrol the learners they add. A learner not known here yet raises
    LearnerNotKnownYet; any other breach, BundleRefused."""
    from drillpad.evidence import authority

    try:
        authority.check_device_events(ev.db, device, events, from_roster=True)
    except BundleRefused as exc:
        if exc.kind == "unknown-learner":
            raise LearnerNotKnownYet(exc.reason) from None
        raise
    for e in events:
        if e["kind"] == "learner.added":
            ev._add_learner(e, device)


def apply_peer_bundle(ev: Evidence, events: list[dict] | None, header, sha: str, name: str) -> int:
    """One peer bundle in one transaction: authority rules, learners it introduces, events by id, the device's
    sequence and chain, and the derived cards of every item a new review touches. *events* None: a sealed
    bundle (encrypted before this PC was on the sender's roster) — its events reach this PC through the
    manager's catch-up (evidence/catchup.py) and only the chain moves on."""
    from drillpad.store import events as event_store
    from drillpad.store import pins as pin_store

    db = ev.db
    with event_store.writing(db):
        if events:
            admit_peer_events(ev, header.device, events)
            stored = event_store.stored_ids(db, [e["id"] for e in events])
            new_events = [e for e in events if e["id"] not in stored]
            new = event_store.apply(db, [event_store.Event(**e) for e in events])
            mark_cards(db, new_events)  # computed once at the end of the sync (refresh_pending_cards)
            pin_store.apply_events(db, new_events, now=ev.now())
        else:
            new = 0
        db.execute("UPDATE peer_devices SET last_seq = ?, last_hash = ? WHERE id = ?", [header.seq, sha, header.device])
        db.execute("INSERT OR REPLACE INTO imported_bundles (device_id, seq, sha256, file, imported_at) "
                   "VALUES (?, ?, ?, ?, ?)", [header.device, header.seq, sha, name, ev.now()])
    return new


def mark_cards(db, events: list[dict]) -> None:
    """Note the (learner, item) of every new review, in the caller's transaction: the sync computes each noted
    card once at its end (``refresh_pending_cards``) instead of once per bundle — a workstation taking a peer's
    bundles one after another (all of a's, then all of b's, whose reviews sort between a's) replayed the item's
    whole history for every bundle."""
    keys = {(e["learner_id"], e["payload"]["pack"], e["payload"]["item_kind"], e["payload"]["item"])
            for e in events if e["kind"] == "review" and e["learner_id"]}
    db.conn.executemany("INSERT OR IGNORE INTO cards_pending (learner_id, pack_id, item_kind, item_id) "
                        "VALUES (?, ?, ?, ?)", sorted(keys))


def refresh_pending_cards(db) -> int:
    """Compute every noted card (the whole person, merges included) and clear the notes, in one transaction.
    Returns how many were computed (none noted: no transaction at all)."""
    from drillpad.core.pack import Settings
    from drillpad.evidence import merge as merge_mod
    from drillpad.store import cards as card_store

    if not db.execute("SELECT 1 FROM cards_pending LIMIT 1").fetchone():
        return 0
    with db.atomic():
        keys = db.execute("SELECT learner_id, pack_id, item_kind, item_id FROM cards_pending").fetchall()
        done: set[tuple] = set()
        retention: dict[str, float] = {}
        for learner, pack, kind, item in sorted(keys):
            if pack not in retention:
                row = db.execute("SELECT settings FROM packs WHERE id = ?", [pack]).fetchone()
                retention[pack] = Settings.model_validate_json(row[0]).desired_retention if row else 0.9
            key = (merge_mod.canonical(db, learner), pack, kind, item)
            if key not in done:
                done.add(key)
                card_store.refresh_card(db, *key, retention[pack])
        db.execute("DELETE FROM cards_pending")
    return len(done)


def refresh_cards(db, events: list[dict]) -> None:
    """Recompute at once the FSRS card of every (learner, item) a new review touches."""
    with db.atomic():
        mark_cards(db, events)
        refresh_pending_cards(db)


# --- a workstation that syncs by URL: the same roster and bundles, through the manager's inbox ------------------

PEER_CACHE = "peer-cache"
"""Where a workstation keeps what it fetched from the inbox until it is taken (then removed)."""
_BUNDLE_NAME = re.compile(r"^(?P<team>[A-Za-z0-9._-]{1,64})-(?P<device>[0-9a-f-]{36})-(?P<seq>\d{6,12})\.bundle$")


def collect_by_url(ev: Evidence, client) -> dict[str, int]:
    """The roster and the team's other workstations' new bundles from the manager's inbox (``GET /v1/roster``,
    ``/v1/peers``, ``/v1/peers/bundle``), verified and applied exactly as from a folder: they are written into
    a private cache and read by ``collect_roster`` and ``collect_peers``. Names are made here from the device id
    and number, never taken from the reply."""
    import base64

    from drillpad.evidence.sync import SyncError

    team = ev.team()
    counts = {"bundles": 0, "events": 0, "sealed": 0, "refused": 0, "held": 0}
    if team is None or team["role"] != "workstation":
        return counts
    cache = ev.data_dir / PEER_CACHE
    cache.mkdir(parents=True, exist_ok=True)
    _, reply = client.roster(ev.device_id)
    if reply.get("roster"):
        name = ROSTER.format(team=team["id"])
        try:
            atomic_write(cache / (name + ".minisig"), base64.b64decode(reply["signature"]))
            atomic_write(cache / name, base64.b64decode(reply["roster"]))
            collect_roster(ev, cache)
        except (TypeError, ValueError, KeyError) as exc:
            ev.problems.append(f"the inbox sent a damaged roster ({exc}); ignored")
        except SyncError as exc:
            ev.problems.append(str(exc))
    taken = dict(ev.db.execute("SELECT id, last_seq FROM peer_devices WHERE id != ?", [ev.device_id]).fetchall())
    _, listing = client.peer_bundles(ev.device_id, taken)  # only what is new since the last sync
    wanted = []
    for item in listing.get("bundles") or []:
        if not isinstance(item, dict):
            continue
        device, seq = item.get("device"), item.get("seq")
        if device in taken and isinstance(seq, int) and not isinstance(seq, bool) and taken[device] < seq < 10**12:
            wanted.append((device, seq))
    for device, seq in sorted(wanted):
        stem = f"{team['id']}-{device}-{seq:06d}"
        if (cache / (stem + ".bundle")).exists():
            continue
        _, got = client.peer_bundle(ev.device_id, device, seq)
        try:
            body, signature = base64.b64decode(got["bundle"]), base64.b64decode(got["signature"])
        except (TypeError, ValueError, KeyError):
            break  # gone or damaged: the rest of this sync waits (it is tried next time)
        atomic_write(cache / (stem + ".bundle.minisig"), signature)
        atomic_write(cache / (stem + ".bundle"), body)
    counts = collect_peers(ev, cache)
    now_taken = dict(ev.db.execute("SELECT id, last_seq FROM peer_devices").fetchall())
    for entry in os.scandir(cache):  # what was taken (or refused) is not kept: the events are in the database
        m = _BUNDLE_NAME.match(entry.name.removesuffix(".minisig"))
        if m and (m["device"] not in now_taken or int(m["seq"]) <= now_taken[m["device"]]):
            os.unlink(entry.path)
    return counts
