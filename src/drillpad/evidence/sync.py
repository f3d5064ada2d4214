"""Enrolment, the device's outbox, folder delivery, and the manager's import — nothing lost,
nothing forged.

Workstation: import the manager's team file (pins the manager key and age recipient) →
``build_bundle`` collects this device's events since the last bundle → ``send_folder`` drops
the bundles (signature first, then the bundle, each written under a temporary name and
renamed, so a reader never sees half a bundle) with the device's public key; bundles stay in
the outbox until the manager's signed acknowledgement comes back, and sending again is harmless.

Manager: ``import_folder`` takes every bundle for this team, in order per device:
signature against the approved device key → sequence (a replayed or older bundle is refused;
a gap is held until the missing one arrives) → previous-bundle hash → decrypt and validate →
all events (and the learners they introduce) applied in **one transaction**, idempotent by
event id. A new device waits as *pending* until the manager approves it (device id and key
fingerprint shown). Refused bundles move to ``quarantine/`` with a ``.reason.txt``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import sqlite3
import stat
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import filelock
import minisign
import pyrage
from sqlite_utils import Database

from drillpad.clock import from_iso
from drillpad.evidence import PART, UnreadableFile, atomic_write, authority, file_kind, read_capped
from drillpad.evidence import bundle as bundle_mod
from drillpad.evidence import keys as keys_mod
from drillpad.evidence import schemas
from drillpad.evidence.bundle import BundleRefused, Header
from drillpad.store import events as event_store
from drillpad.store import pins as pin_store

TEAM_FILE_FORMAT = 1
DECISIONS = "decisions-{team}.age"
DECISION_KINDS = frozenset({"signoff", "competency.override", "review.decision", "coaching.plan", "checkin",
                            "pin.reset"})
_DECISIONS_COMMENT = re.compile(r"^drillpad-decisions v1 team=(?P<team>[A-Za-z0-9._-]{1,64}) "
                                r"device=(?P<device>[0-9a-f-]{36}) events=(?P<events>\d{1,7})$")
SUFFIX, SIG, ACK, PUB, STATE = ".bundle", ".bundle.minisig", ".ack", ".pub", ".state"
STATE_FORMAT = "drillpad-device-state/1"
MAX_EVENTS_PER_BUNDLE = 5000
MAX_PUB_BYTES = MAX_ACK_BYTES = 4096
MAX_PENDING_DEVICES = 20
PENDING_DAYS = 14
STALE_PART_SECONDS = 3600
IMPORT_LOCK, IMPORT_LOCK_TIMEOUT = "import.lock", 600
log = logging.getLogger(__name__)


class SyncError(RuntimeError):
    pass


@dataclass(frozen=True)
class ImportOutcome:
    file: str
    outcome: str  # imported | already | pending | held | refused | skipped
    reason: str
    events: int = 0
    device: str | None = None
    seq: int | None = None


_EVENT_SELECT = "SELECT id, device_id, seq, learner_id, kind, payload, created_at FROM events "


def _event_dicts(rows: list[tuple]) -> list[dict[str, Any]]:
    """Events as stored (``_EVENT_SELECT`` rows) as the dicts a bundle's events.jsonl holds."""
    return [{"id": r[0], "device_id": r[1], "seq": r[2], "learner_id": r[3], "kind": r[4],
             "payload": json.loads(r[5]), "created_at": r[6]} for r in rows]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "team"


def parse_device_public(data: bytes, device: str) -> tuple[str, str | None, str | None]:
    """(minisign public key, age recipient, the workstation's name as it gives it) from a device's ``.pub``
    file."""
    try:
        info = schemas.loads(data)
        public, recipient, name = str(info["minisign"]), info.get("age") or None, info.get("name")
        if info.get("device") != device:
            raise keys_mod.KeyError_(f"the key file names device {info.get('device')!r}, not {device}")
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise keys_mod.KeyError_(f"not a DrillPad device key file ({exc})") from exc
    if recipient is not None and not (isinstance(recipient, str) and recipient.startswith("age1")):
        raise keys_mod.KeyError_("the device's age recipient is not valid")
    if isinstance(name, str):
        name = "".join(c for c in name if c.isprintable())[:60].strip() or None
    else:
        name = None
    return keys_mod.public_key_text(keys_mod.load_public_key(public)), recipient, name


def verify_manager_file(team: dict, cipher: bytes, signature: bytes, comment: re.Pattern, signed: str,
                        named: str) -> re.Match:
    """Check a file the manager signed (decisions, roster) against the pinned manager key, and that its signed
    comment is of *comment*'s form and names this team; the match of the comment, or SyncError saying which."""
    try:
        sig = minisign.Signature.from_bytes(signature)
        keys_mod.load_public_key(team["manager_public_key"]).verify(cipher, sig)
    except (ValueError, minisign.Error) as exc:
        raise SyncError(f"{signed} not signed by the pinned manager key ({exc}); ignored") from exc
    m = comment.match(sig.trusted_comment)
    if m is None or m["team"] != team["id"]:
        raise SyncError(f"{named} not for this team; ignored")
    return m


class Evidence:
    def __init__(self, db: Database, data_dir: Path, now: Callable[[], str], device_id: str):
        self.db, self.data_dir, self.now, self.device_id = db, data_dir, now, device_id
        self.problems: list[str] = []
        """Problems met while syncing that did not stop it (shown to the user)."""
        self._import_lock: filelock.FileLock | None = None
        self.received: dict[str, int] = {}
        """What the last folder sync took from the team's other workstations (roaming.collect_peers)."""
        self.after_verified_import: Callable[[list[dict[str, Any]]], object] | None = None
        """Called with a bundle's events at the end of its import transaction, after every check passed (the
        organisation's LRS queues its statements there: drillpad.lrs); raising rolls the import back."""
        self.after_bundle_built: Callable[[list[dict[str, Any]]], object] | None = None
        """Called with a new bundle's events in the transaction that records the bundle (a workstation's own facts
        for the LRS, when the policy allows it)."""

    # --- team and keys ------------------------------------------------------------------------

    def team(self) -> dict[str, Any] | None:
        row = self.db.execute("SELECT id, name, manager_public_key, manager_recipient, inbox, role FROM team").fetchone()
        if row is None:
            return None
        return {"id": row[0], "name": row[1], "manager_public_key": row[2], "manager_recipient": row[3],
                "inbox": json.loads(row[4]), "role": row[5]}

    def manager_init(self, team_name: str, passphrase: str) -> dict[str, Any]:
        if self.team() is not None:
            raise SyncError(f"this data dir already belongs to team {self.team()['name']!r}")
        public, recipient = keys_mod.create_manager_keys(self.data_dir, passphrase)
        team_id = f"{_slug(team_name)}-{uuid.uuid4().hex[:6]}"
        with self.db.atomic():
            self.db["team"].insert({"id": team_id, "name": team_name, "manager_public_key": public,
                                    "manager_recipient": recipient, "inbox": "{}", "role": "manager",
                                    "pinned_at": self.now()})
        return self.team()  # type: ignore[return-value]

    def export_team_file(self, path: Path, *, folder: str | None = None, url: str | None = None) -> Path:
        team = self.team()
        if team is None or team["role"] != "manager":
            raise SyncError("only a manager's DrillPad exports a team file (drillpad evidence manager-init)")
        data = {"format": TEAM_FILE_FORMAT, "team_id": team["id"], "team_name": team["name"],
                "manager_public_key": team["manager_public_key"], "manager_recipient": team["manager_recipient"],
                "manager_fingerprint": keys_mod.fingerprint(team["manager_public_key"]),
                "inbox": {"folder": folder, "url": url}}
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, (json.dumps(data, indent=2) + "\n").encode())
        return path

    def import_team_file(self, path: Path) -> dict[str, Any]:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            team_id, name = str(data["team_id"]), str(data["team_name"])
            public, recipient = str(data["manager_public_key"]), str(data["manager_recipient"])
            inbox = data.get("inbox") or {}
            if data.get("format") != TEAM_FILE_FORMAT:
                raise SyncError(f"{path}: team file format {data.get('format')!r} is not supported")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise SyncError(f"{path} is not a DrillPad team file: {exc}") from exc
        keys_mod.load_public_key(public)
        if not re.match(r"^[A-Za-z0-9._-]{1,64}$", team_id) or not recipient.startswith("age1"):
            raise SyncError(f"{path}: the team id or the manager's age recipient is not valid")
        current = self.team()
        if current is not None and (current["id"] != team_id or current["manager_public_key"] != public):
            raise SyncError(f"this workstation is already enrolled in team {current['name']!r} with another "
                            "manager key; a different key is never accepted silently")
        with self.db.atomic():
            self.db.execute("DELETE FROM team")
            self.db["team"].insert({"id": team_id, "name": name, "manager_public_key": public,
                                    "manager_recipient": recipient, "inbox": json.dumps(inbox),
                                    "role": "workstation", "pinned_at": self.now()})
        return self.team()  # type: ignore[return-value]

    # --- the device's outbox --------------------------------------------------------------------

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    def pending_events(self) -> int:
        last = self.db.execute("SELECT coalesce(max(to_event_seq), 0) FROM outbox").fetchone()[0]
        return self.db.execute("SELECT count(*) FROM events WHERE device_id = ? AND seq > ?",
                               [self.device_id, last]).fetchone()[0]

    def status(self) -> dict[str, Any]:
        row = self.db.execute("SELECT max(acked_at), count(*) FILTER (WHERE acked_at IS NULL) FROM outbox").fetchone()
        return {"last_sync": row[0], "unacked_bundles": row[1], "pending": self.pending_events()}

    def build_bundle(self) -> Path | None:
        """Put this device's new events into the next bundle; None when there is nothing new."""
        team = self.team()
        if team is None:
            raise SyncError("this workstation is not enrolled: import the manager's team file first "
                            "(drillpad evidence team import FILE)")
        last = self.db.execute("SELECT seq, sha256, to_event_seq FROM outbox ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev, after = (last[0] + 1, last[1], last[2]) if last else (1, None, 0)
        rows = self.db.execute(_EVENT_SELECT + "WHERE device_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                               [self.device_id, after, MAX_EVENTS_PER_BUNDLE]).fetchall()
        if not rows:
            return None
        events = _event_dicts(rows)
        key = keys_mod.device_key(self.data_dir)
        from drillpad.evidence import roaming

        cipher, signature, _ = bundle_mod.build(events, team=team["id"], seq=seq, prev=prev, created_at=self.now(),
                                                key=key, device_id=self.device_id,
                                                recipient=[*roaming.recipients(self), key.recipient])
        # …and to this workstation itself: after a restore it reads its own bundles back (evidence/recover.py)
        self.outbox_dir.mkdir(parents=True, exist_ok=True)
        name = f"{team['id']}-{self.device_id}-{seq:06d}"
        atomic_write(self.outbox_dir / (name + SIG), signature)
        atomic_write(self.outbox_dir / (name + SUFFIX), cipher)
        with self.db.atomic():
            self.db["outbox"].insert({"seq": seq, "file": name, "sha256": bundle_mod.sha256(cipher),
                                      "prev_sha256": prev, "from_event_seq": rows[0][2], "to_event_seq": rows[-1][2],
                                      "events": len(rows), "created_at": self.now(), "acked_at": None})
            if self.after_bundle_built is not None:
                self.after_bundle_built(events)
        return self.outbox_dir / (name + SUFFIX)

    def send_folder(self, folder: Path) -> dict[str, int]:
        """Drop every unacknowledged bundle into *folder* (USB stick, network share) and collect acks."""
        team = self.team()
        if team is None:
            raise SyncError("this workstation is not enrolled: import the manager's team file first")
        from drillpad.evidence import roaming

        folder.mkdir(parents=True, exist_ok=True)
        acked = self.collect_acks(folder)
        try:
            self.collect_state(folder)
        except SyncError as exc:
            self.problems.append(str(exc))
        try:  # the manager's roster first: it names the team's learners and the workstations to trust
            roaming.collect_roster(self, folder)
        except SyncError as exc:
            self.problems.append(str(exc))
        peers = roaming.collect_peers(self, folder)
        from drillpad.evidence import catchup

        caught = catchup.collect_catchups(self, folder)  # what was sealed before this PC was on the others' rosters
        peers["events"] += caught["events"]
        self._announce()
        while self.build_bundle() is not None:
            pass
        acked += self.collect_acks(folder)
        try:
            decisions = self.collect_decisions(folder)
        except SyncError as exc:  # a bad decisions file never stops this device's evidence going out
            decisions = 0
            self.problems.append(str(exc))
        atomic_write(folder / f"device-{self.device_id}{PUB}", self.device_public_file())
        sent = 0
        for (name,) in self.db.execute("SELECT file FROM outbox WHERE acked_at IS NULL ORDER BY seq").fetchall():
            for suffix in (SIG, SUFFIX):  # signature first: a bundle is only picked up once both exist
                atomic_write(folder / (name + suffix), (self.outbox_dir / (name + suffix)).read_bytes())
            sent += 1
        self._record_run(peers)
        self.received = peers
        return {"sent": sent, "acknowledged": acked, "decisions": decisions}

    def _announce(self) -> None:
        """A workstation that has recorded nothing yet says so once (``device.enrolled``), so that its first
        bundle reaches the manager and it can be approved before anyone practises on it; a PIN set here before
        PINs travelled gets its ``pin.set``."""
        team = self.team()
        if team is None or team["role"] != "workstation":
            return
        pin_store.announce_local(self.db, self.device_id, self.now())  # PINs set before PINs travelled
        if self.db.execute("SELECT 1 FROM events WHERE device_id = ? LIMIT 1", [self.device_id]).fetchone():
            return
        name = self.db.execute("SELECT name FROM devices WHERE id = ?", [self.device_id]).fetchone()
        event_store.append(self.db, device_id=self.device_id, learner_id=None, kind="device.enrolled",
                           payload={"name": (name[0] if name else None)}, now=self.now())

    def _record_run(self, peers: dict[str, int]) -> None:
        with self.db.atomic():
            self.db["sync_runs"].insert({"at": self.now(), "ok": 1, "peers": self.workstations(),
                                         "received": peers["events"],
                                         "note": f"{peers['bundles']} bundle(s) from other workstations"})

    def workstations(self) -> int:
        """How many of the team's workstations this PC exchanges with (itself included)."""
        n = self.db.execute("SELECT count(*) FROM peer_devices WHERE status = 'approved' AND id != ?",
                            [self.device_id]).fetchone()[0]
        return n + 1

    def holders(self) -> list[dict[str, Any]]:
        """The machines that hold a copy of the team's practice records: this PC, the manager's (a workstation
        sends there) and every workstation on the roster — approved, or revoked (it keeps what it had)."""
        team = self.team()
        me = self.db.execute("SELECT name FROM devices WHERE id = ?", [self.device_id]).fetchone()
        out = [{"device": self.device_id, "name": f"this computer ({me[0] if me else 'workstation'}, "
                f"{self.device_id[:8]})", "status": "this"}]
        if team is None:
            return out
        if team["role"] == "workstation":
            out.append({"device": None, "name": f"your manager's DrillPad ({team['name']})", "status": "manager"})
        for device, name, status in self.db.execute(
                "SELECT id, name, status FROM peer_devices WHERE status IN ('approved', 'revoked') AND id != ? "
                "ORDER BY id", [self.device_id]):
            label = f"{name} ({device[:8]})" + (", revoked: keeps what it had" if status == "revoked" else "")
            out.append({"device": device, "name": label, "status": status})
        return out

    def last_run(self) -> dict[str, Any] | None:
        row = self.db.execute("SELECT at, peers, received FROM sync_runs WHERE ok = 1 ORDER BY id DESC LIMIT 1"
                              ).fetchone()
        return {"at": row[0], "workstations": row[1], "received": row[2]} if row else None

    def device_public_file(self) -> bytes:
        """What the manager needs to know this device: its signing key and age recipient (public halves)."""
        key = keys_mod.device_key(self.data_dir)
        row = self.db.execute("SELECT name FROM devices WHERE id = ?", [self.device_id]).fetchone()
        return (json.dumps({"device": self.device_id, "minisign": key.public_b64, "age": key.recipient,
                            "fingerprint": key.fingerprint, "name": row[0] if row else None}, indent=1)
                + "\n").encode()

    def collect_acks(self, folder: Path) -> int:
        """Mark bundles acknowledged by the manager's signed ack files (verified against the pinned key)."""
        team = self.team()
        if team is None:
            return 0
        count = 0
        for (seq, name, sha) in self.db.execute("SELECT seq, file, sha256 FROM outbox WHERE acked_at IS NULL").fetchall():
            ack, sig = folder / (name + ACK), folder / (name + ACK + ".minisig")
            try:
                data, signature = read_capped(ack, MAX_ACK_BYTES), read_capped(sig, MAX_ACK_BYTES)
            except OSError:
                continue
            count += self._accept_ack(seq, sha, data, signature)
        return count

    def collect_state(self, folder: Path) -> bool:
        """Read the manager's signed word on this device's history (``device-<id>.state``); when it shows
        this workstation was restored from a backup (the manager has bundles this outbox does not, or another
        bundle under one of its numbers), continue from where the manager is. True when it resumed."""
        team = self.team()
        path = folder / f"device-{self.device_id}{STATE}"
        if team is None:
            return False
        try:
            data = read_capped(path, MAX_ACK_BYTES)
            signature = read_capped(path.with_name(path.name + ".minisig"), MAX_ACK_BYTES)
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise SyncError(f"the manager's device state file cannot be read: {exc}") from exc
        return self.apply_state(data, signature)

    def apply_state(self, data: bytes, signature: bytes) -> bool:
        team = self.team()
        try:
            keys_mod.load_public_key(team["manager_public_key"]).verify(  # type: ignore[index]
                data, minisign.Signature.from_bytes(signature))
            state = schemas.loads(data)
            last_seq, last_hash, top = int(state["last_seq"]), state["last_hash"], int(state["last_event_seq"])
            if (state.get("format"), state.get("team"), state.get("device")) != (
                    STATE_FORMAT, team["id"], self.device_id):  # type: ignore[index]
                return False
        except (ValueError, TypeError, KeyError, AttributeError, minisign.Error) as exc:
            raise SyncError(f"the manager's device state file is not signed by the pinned manager key or is "
                            f"damaged ({exc}); ignored") from exc
        mine = self.db.execute("SELECT coalesce(max(seq), 0) FROM outbox").fetchone()[0]
        at = self.db.execute("SELECT sha256 FROM outbox WHERE seq = ?", [last_seq]).fetchone()
        if last_seq == 0 or not (last_seq > mine or (at is not None and at[0] != last_hash)):
            return False
        self._resume(last_seq, last_hash, top)
        return True

    def _resume(self, last_seq: int, last_hash: str, last_event_seq: int) -> None:
        """Continue after the manager's bundle *last_seq*: unsent bundles are dropped (their events go again,
        by id, in the next bundle), and a ``device.resumed`` event takes the next free sequence number above
        everything the manager holds from this device, so nothing made here from now on clashes."""
        with self.db.atomic():
            acked_to = self.db.execute("SELECT coalesce(max(to_event_seq), 0) FROM outbox WHERE acked_at IS NOT NULL "
                                       "AND seq < ?", [last_seq]).fetchone()[0]
            clash = self.db.execute("SELECT count(*) FROM events WHERE device_id = ? AND seq > ? AND seq <= ?",
                                    [self.device_id, acked_to, last_event_seq]).fetchone()[0]
            for (name,) in self.db.execute("SELECT file FROM outbox WHERE acked_at IS NULL OR seq >= ?",
                                           [last_seq]).fetchall():
                for suffix in (SIG, SUFFIX):
                    (self.outbox_dir / (name + suffix)).unlink(missing_ok=True)
            self.db.execute("DELETE FROM outbox WHERE acked_at IS NULL OR seq >= ?", [last_seq])
            top = self.db.execute("SELECT coalesce(max(seq), 0) FROM events WHERE device_id = ?",
                                  [self.device_id]).fetchone()[0]
            seq = max(top, last_event_seq) + 1
            payload = {"last_bundle": last_seq, "last_event_seq": last_event_seq, "unsent": clash}
            now = self.now()
            self.db.execute("INSERT INTO events (id, device_id, seq, learner_id, kind, payload, created_at) "
                            "VALUES (?, ?, ?, NULL, 'device.resumed', ?, ?)",
                            [event_store.new_event_id(now), self.device_id, seq, json.dumps(payload, sort_keys=True),
                             now])
            self.db["outbox"].insert({"seq": last_seq, "file": f"resumed-{last_seq:06d}", "sha256": last_hash,
                                      "prev_sha256": None, "from_event_seq": last_event_seq,
                                      "to_event_seq": last_event_seq, "events": 0, "created_at": now,
                                      "acked_at": now})
        if clash:
            self.problems.append(f"this workstation was restored from a backup: {clash} record(s) made here share "
                                 "sequence numbers with records the manager already has and may not reach them")

    def _accept_ack(self, seq: int, sha: str, data: bytes, signature: bytes) -> bool:
        """Mark bundle *seq* acknowledged if the manager really signed an ack for exactly its bytes."""
        team = self.team()
        if team is None:
            return False
        try:
            keys_mod.load_public_key(team["manager_public_key"]).verify(data, minisign.Signature.from_bytes(signature))
            if json.loads(data).get("sha256") != sha:
                return False
        except (ValueError, AttributeError, minisign.Error):
            return False  # a forged or damaged ack is ignored: the bundle is simply sent again
        with self.db.atomic():
            self.db.execute("UPDATE outbox SET acked_at = ? WHERE seq = ? AND acked_at IS NULL", [self.now(), seq])
        return True

    def target(self, sync_folder: Path | None = None, sync_url: str | None = None) -> tuple[str, str] | None:
        """Where this workstation sends: ("folder", path) or ("url", address) — the team file's target first,
        then the IT policy's (*sync_folder*, *sync_url*); None when there is none."""
        team = self.team()
        if team is None or team["role"] != "workstation":
            return None
        inbox = team["inbox"]
        if inbox.get("folder") or sync_folder:
            return "folder", str(inbox.get("folder") or sync_folder)
        if inbox.get("url") or sync_url:
            return "url", str(inbox.get("url") or sync_url)
        return None

    def sync(self, target: tuple[str, str]) -> dict[str, int]:
        kind, where = target
        return self.send_folder(Path(where)) if kind == "folder" else self.send_http(where)

    # --- HTTP delivery to the manager's inbox (drillpad inbox serve) ------------------------------

    def send_http(self, url: str, *, timeout: float | None = None, _again: bool = True) -> dict[str, int]:
        """POST every unacknowledged bundle to the manager's inbox, then fetch the manager's decisions and its
        signed word on this device (a workstation restored from a backup continues from there, and sends again
        at once). Nothing is lost when the inbox is unreachable: bundles stay in the outbox for next time.
        *timeout*: seconds to wait for each answer (default ``inbox_client.READ_TIMEOUT``)."""
        import base64

        from drillpad.evidence.inbox_client import InboxClient, InboxUnavailable

        if self.team() is None:
            raise SyncError("this workstation is not enrolled: import the manager's team file first")
        self._announce()  # a new workstation says so, to be approved before anyone practises on it
        while self.build_bundle() is not None:
            pass
        device_file = self.device_public_file()
        sent = acked = 0
        resumed = False
        rows = self.db.execute("SELECT seq, file, sha256 FROM outbox WHERE acked_at IS NULL ORDER BY seq").fetchall()
        try:
            client = InboxClient(url, read_timeout=timeout) if timeout else InboxClient(url)
            for seq, name, sha in rows:
                status, reply = client.post_bundle((self.outbox_dir / (name + SUFFIX)).read_bytes(),
                                                   (self.outbox_dir / (name + SIG)).read_bytes(), device_file)
                if status >= 500 or "outcome" not in reply:
                    raise InboxUnavailable(f"the manager's inbox could not take bundle {seq} now (HTTP {status}: "
                                           f"{reply.get('reason') or 'no reason given'})")
                sent += 1
                if reply.get("outcome") in ("imported", "already") and reply.get("ack"):
                    try:
                        ack, ack_sig = base64.b64decode(reply["ack"]), base64.b64decode(reply["ack_signature"])
                    except (KeyError, TypeError, ValueError):
                        ack = ack_sig = b""  # a damaged ack is not accepted: the bundle simply goes again
                    acked += self._accept_ack(seq, sha, ack, ack_sig)
                elif reply.get("outcome") in ("pending", "held"):
                    break  # the manager has to approve this device (or the gap to close) first
                elif reply.get("outcome") == "refused":
                    if self._apply_state_reply(reply, "state_signature"):
                        resumed = True  # a replay: restored from a backup, continue from where the manager is
                        break
                    raise SyncError(f"the manager's inbox refused bundle {seq}: {reply.get('reason')}")
            _, reply = client.decisions(self.device_id)
            if not resumed:  # like the folder's device-<id>.state, when nothing was refused (nothing to send)
                resumed = self._apply_state_reply(client.state(self.device_id)[1], "signature")
            from drillpad.evidence import roaming

            peers = roaming.collect_by_url(self, client)  # the roster and the other workstations' bundles
        except InboxUnavailable as exc:
            raise SyncError(f"{exc}; {len(rows) - acked} bundle(s) stay in the outbox and go next time") from exc
        decisions = 0
        if reply.get("decisions"):
            decisions = self.apply_decisions(base64.b64decode(reply["decisions"]),
                                             base64.b64decode(reply["signature"]))
        self._record_run(peers)
        self.received = peers
        out = {"sent": sent, "acknowledged": acked, "decisions": decisions}
        if resumed and _again:
            more = self.send_http(url, timeout=timeout, _again=False)
            out = {k: out[k] + more[k] for k in out}
        return out

    def _apply_state_reply(self, reply: dict, signature_key: str) -> bool:
        """Apply the manager's signed device state carried in an inbox reply (verified against the pinned key)."""
        import base64

        if not reply.get("state"):
            return False
        try:
            data, signature = base64.b64decode(reply["state"]), base64.b64decode(reply.get(signature_key) or "")
        except (TypeError, ValueError):
            return False
        try:
            return self.apply_state(data, signature)
        except SyncError as exc:
            self.problems.append(str(exc))
            return False

    # --- manager decisions travel back to the workstations ----------------------------------------

    def publish_decisions(self, folder: Path, manager: keys_mod.ManagerKeys) -> int:
        """Write the manager's decisions (sign-offs, overrides, review decisions, plans, check-in notes) for
        the team's learners to *folder*: encrypted to every approved device, signed by the manager key.
        Returns how many decisions it holds (0: nothing written)."""
        from drillpad.evidence import roaming

        roaming.publish_roster(self, folder, manager)  # the team's learners and workstations travel with them
        from drillpad.evidence import catchup

        catchup.publish_catchups(self, folder, manager)  # history sealed before a workstation was approved
        data = self.decisions_file(manager)
        if data is None:
            return 0
        cipher, signature, count = data
        team = self.team()
        name = DECISIONS.format(team=team["id"])  # type: ignore[index]
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write(folder / (name + ".minisig"), signature)
        atomic_write(folder / name, cipher)
        return count

    def decisions_file(self, manager: keys_mod.ManagerKeys) -> tuple[bytes, bytes, int] | None:
        team = self.team()
        if team is None or team["role"] != "manager":
            raise SyncError("only a manager's DrillPad publishes decisions")
        recipients = [r[0] for r in self.db.execute(
            "SELECT recipient FROM peer_devices WHERE status = 'approved' AND recipient IS NOT NULL")]
        marks = ",".join("?" * len(DECISION_KINDS))
        rows = self.db.execute(_EVENT_SELECT + f"WHERE device_id = ? AND learner_id IS NOT NULL AND kind IN ({marks}) "
                               "ORDER BY seq",
                               [self.device_id, *sorted(DECISION_KINDS)]).fetchall()
        if not recipients or not rows:
            return None
        events = _event_dicts(rows)
        body = bundle_mod.events_jsonl(events)
        cipher = pyrage.encrypt(body, [pyrage.x25519.Recipient.from_str(r) for r in recipients])
        comment = f"drillpad-decisions v1 team={team['id']} device={self.device_id} events={len(events)}"
        return cipher, bytes(manager.signing.sign(cipher, trusted_comment=comment)), len(events)

    def collect_decisions(self, folder: Path) -> int:
        team = self.team()
        if team is None:
            return 0
        path = folder / DECISIONS.format(team=team["id"])
        try:
            cipher = read_capped(path, bundle_mod.MAX_BUNDLE_BYTES)
            signature = read_capped(path.with_name(path.name + ".minisig"), bundle_mod.MAX_SIGNATURE_BYTES)
        except FileNotFoundError:
            return 0
        except OSError as exc:
            raise SyncError(f"the manager's decisions file cannot be read: {exc}") from exc
        return self.apply_decisions(cipher, signature)

    def apply_decisions(self, cipher: bytes, signature: bytes) -> int:
        """Verify the manager's decisions against the pinned key, then store those for this device's learners
        in one transaction (idempotent by event id). Returns how many were new."""
        team = self.team()
        if team is None:
            return 0
        m = verify_manager_file(team, cipher, signature, _DECISIONS_COMMENT, "the manager's decisions are",
                            "the decisions file is")
        try:
            body = pyrage.decrypt(cipher, [keys_mod.device_key(self.data_dir).identity])
        except pyrage.DecryptError:
            return 0  # not encrypted to this device yet (approved after the file was written)
        try:
            events = bundle_mod.parse_events(body, int(m["events"]), m["device"], DECISION_KINDS)
        except BundleRefused as exc:
            raise SyncError(f"the manager's decisions are damaged: {exc.reason}") from exc
        known = {r[0] for r in self.db.execute("SELECT id FROM learners")}
        mine = [e for e in events if e["learner_id"] in known]
        with self.db.atomic():
            self.db.execute("INSERT OR IGNORE INTO devices (id, name, is_self, public_key, created_at) "
                            "VALUES (?, 'manager', 0, ?, ?)", [m["device"], team["manager_public_key"], self.now()])
            return self._store(mine)  # (a manager's PIN reset reaches every workstation)

    # --- the manager's import -------------------------------------------------------------------

    def devices(self) -> list[dict[str, Any]]:
        return [dict(zip(("id", "name", "fingerprint", "status", "first_seen", "last_seq"), r)) for r in self.db.execute(
            "SELECT id, name, fingerprint, status, first_seen, last_seq FROM peer_devices ORDER BY first_seen")]

    def log(self, limit: int = 20) -> list[dict[str, Any]]:
        """The latest bundles imported, held, waiting or refused, newest first."""
        return [dict(zip(("at", "outcome", "file", "reason", "device_id", "seq"), r)) for r in self.db.execute(
            "SELECT at, outcome, file, reason, device_id, seq FROM bundle_log ORDER BY id DESC LIMIT ?", [limit])]

    def revoke_device(self, device_id: str) -> None:
        """A lost or retired workstation: its bundles are refused from now on (what was imported stays)."""
        with self.db.atomic():
            if self.db.execute("UPDATE peer_devices SET status = 'revoked', revoked_after = last_seq WHERE id = ? "
                               "AND status != 'revoked'", [device_id]).rowcount != 1:
                raise SyncError(f"no device {device_id} to revoke")

    def approve_device(self, device_id: str) -> None:
        with self.db.atomic():
            if self.db.execute("UPDATE peer_devices SET status = 'approved', approved_at = ? WHERE id = ? AND "
                               "status = 'pending'", [self.now(), device_id]).rowcount != 1:
                raise SyncError(f"no pending device {device_id}")

    def _log(self, outcome: ImportOutcome, sha: str | None) -> None:
        """One row of the import log (inside the caller's transaction when there is one)."""
        with self.db.atomic():
            self.db["bundle_log"].insert({"file": outcome.file, "device_id": outcome.device, "seq": outcome.seq,
                                          "outcome": outcome.outcome, "reason": outcome.reason, "sha256": sha,
                                          "events": outcome.events, "at": self.now()})

    @contextlib.contextmanager
    def import_lock(self):
        """One importer at a time per data dir — the CLI, the manager's window and the inbox all import through
        ``import_bundle``/``import_folder``, which take this lock (a lock file; re-entrant in one Evidence)."""
        if self._import_lock is None:
            self._import_lock = filelock.FileLock(str(self.data_dir / IMPORT_LOCK), timeout=IMPORT_LOCK_TIMEOUT)
        try:
            with self._import_lock:
                yield
        except filelock.Timeout as exc:
            raise SyncError(f"another import has been running on this PC for over {IMPORT_LOCK_TIMEOUT} s "
                            f"(lock {exc.lock_file}); try again when it has finished") from exc

    def import_folder(self, folder: Path, manager: keys_mod.ManagerKeys) -> list[ImportOutcome]:
        """Import every ``*.bundle`` in *folder*, in name order. Never stops at a bad one: it is quarantined
        (or, when it is not a regular file, left alone) with the reason, and the next one is imported."""
        self._require_manager()
        with self.import_lock():
            try:
                entries = sorted((e.name for e in os.scandir(folder)), key=str)
            except OSError as exc:
                raise SyncError(f"cannot read the folder {folder}: {exc}") from exc
            self._sweep_parts(folder, entries)
            names = [name for name in entries if name.endswith(SUFFIX) and not name.startswith(".")]
            results = {name: self.import_bundle(folder / name, manager) for name in names}
            for _ in range(8):  # a bundle held for a learner another device introduces: again once that is in
                held = [n for n, o in results.items() if o.outcome == "held"]
                if not held or not any(o.outcome == "imported" for o in results.values()):
                    break
                again = {n: self.import_bundle(folder / n, manager) for n in held}
                results.update(again)
                if not any(o.outcome == "imported" for o in again.values()):
                    break
            return [results[name] for name in names]

    def _require_manager(self) -> dict[str, Any]:
        team = self.team()
        if team is None or team["role"] != "manager":
            raise SyncError("only a manager's DrillPad imports bundles (drillpad evidence manager-init)")
        return team

    def _now_dt(self) -> datetime:
        return from_iso(self.now())

    def _sweep_parts(self, folder: Path, names: list[str]) -> None:
        """Remove ``.part`` files (half-written by a sender killed mid-write) older than an hour; younger ones
        may still be being written, and are ignored like every other name that is not ``*.bundle``."""
        cutoff = self._now_dt().timestamp() - STALE_PART_SECONDS
        for name in names:
            if name.startswith(".") and name.endswith(PART):
                path = folder / name
                try:
                    info = os.lstat(path)
                    if stat.S_ISREG(info.st_mode) and info.st_mtime < cutoff:
                        path.unlink()
                except OSError:
                    continue  # someone else renamed or removed it: fine

    def import_bundle(self, path: Path, manager: keys_mod.ManagerKeys) -> ImportOutcome:
        """Import one bundle; always returns an outcome (a bad bundle is quarantined with the reason, never
        raised), so one bundle can never stop the ones after it."""
        self._require_manager()
        sig_path = path.with_name(path.name[: -len(SUFFIX)] + SIG) if path.name.endswith(SUFFIX) else \
            path.with_name(path.name + ".minisig")
        with self.import_lock():
            try:
                return self._import_one(path, sig_path, manager)
            except sqlite3.OperationalError as exc:  # busy or locked: the bundle stays and is tried again
                return ImportOutcome(path.name, "held", f"the database was busy ({exc}); the bundle stays in the "
                                     "folder and is tried again next time")
            except Exception as exc:  # noqa: BLE001 - the last guard: a surprise is one bundle's problem only
                log.exception("importing %s", path)
                try:
                    return self._refuse(path, sig_path, ImportOutcome(
                        path.name, "refused", f"could not be imported ({type(exc).__name__}: {exc})"), None)
                except Exception:  # noqa: BLE001
                    return ImportOutcome(path.name, "skipped", f"could not be imported or quarantined "
                                         f"({type(exc).__name__}: {exc}); left where it is")

    def _import_one(self, path: Path, sig_path: Path, manager: keys_mod.ManagerKeys) -> ImportOutcome:
        team = self._require_manager()
        name = path.name
        for p in (path, sig_path):
            try:
                mode = os.lstat(p).st_mode
            except FileNotFoundError:
                if p is path:
                    return ImportOutcome(name, "skipped", "the bundle is gone (another importer took it)")
                return self._refuse(path, sig_path, ImportOutcome(name, "refused",
                                                                  "the signature file (.minisig) is missing"), None)
            if not stat.S_ISREG(mode):
                return ImportOutcome(name, "skipped", f"{p.name} is {file_kind(mode)}, not a regular file; "
                                     "left alone")
        try:
            signature = read_capped(sig_path, bundle_mod.MAX_SIGNATURE_BYTES)
            claimed = bundle_mod.peek(signature)
        except UnreadableFile as exc:
            if not exc.too_large:
                return ImportOutcome(name, "skipped", f"{exc}; left alone")
            return self._refuse(path, sig_path, ImportOutcome(name, "refused", f"the signature file {exc.why}"), None)
        except BundleRefused as exc:
            return self._refuse(path, sig_path, ImportOutcome(name, "refused", exc.reason), None)
        if claimed.team != team["id"]:
            return ImportOutcome(name, "skipped", f"for another team ({claimed.team})")
        device = self.db.execute("SELECT public_key, status, last_seq, last_hash FROM peer_devices WHERE id = ?",
                                 [claimed.device]).fetchone()
        if device is None:
            return self._new_device(path, sig_path, signature, claimed)
        public, status, last_seq, last_hash = device
        if status == "pending":
            return ImportOutcome(name, "pending", f"device {claimed.device} is waiting for your approval "
                                 f"(fingerprint {keys_mod.fingerprint(public)})", device=claimed.device,
                                 seq=claimed.seq)
        if status == "revoked":
            return self._refuse(path, sig_path, ImportOutcome(name, "refused", f"device {claimed.device} is revoked",
                                                              device=claimed.device, seq=claimed.seq), None)
        sha = None
        try:
            cipher = self._read_bundle(path)
            sha = bundle_mod.sha256(cipher)
            header = bundle_mod.verify(cipher, signature, public)
            if self._had(header.device, header.seq) == sha:
                if not self._acked(path, sha):  # an ack already beside it says so: nothing to write again
                    self._ack(path, header, sha, manager)
                return ImportOutcome(name, "already", f"already had bundle {header.seq} from this device; "
                                     "acknowledged again", 0, header.device, header.seq)
            if header.seq <= last_seq:
                self._publish_state(path.parent, header.device, manager)
                raise BundleRefused(f"replayed or rolled-back bundle: bundle {header.seq} from this device was "
                                    f"already imported with different content (bundles up to {last_seq} are in); "
                                    "a workstation restored from a backup continues from there by itself once it "
                                    "reads this manager's device state file", "replay")
            if header.seq > last_seq + 1:
                out = ImportOutcome(name, "held", f"bundle {last_seq + 1} from this device is missing; this one "
                                    f"({header.seq}) waits for it", 0, header.device, header.seq)
                self._log(out, sha)
                return out
            if header.prev != last_hash:
                raise BundleRefused("the chain is broken: this bundle does not follow the last one imported from "
                                    "this device", "chain")
            _, events = bundle_mod.open_bundle(cipher, manager.identity, header)
            new, parked = self._apply(events, header, sha, name)
        except _AlreadyHad as had:
            self._ack(path, had.header, had.sha, manager)
            return ImportOutcome(name, "already", f"already had bundle {had.header.seq} from this device; "
                                 "acknowledged again", 0, had.header.device, had.header.seq)
        except BundleRefused as exc:
            if exc.kind == "unknown-learner":  # roaming: the learner's own workstation's bundle comes first
                out = ImportOutcome(name, "held", exc.reason, 0, claimed.device, claimed.seq)
                self._log(out, sha)
                return out
            return self._refuse(path, sig_path, ImportOutcome(name, "refused", exc.reason, device=claimed.device,
                                                              seq=claimed.seq), sha)
        self._ack(path, header, sha, manager)
        aside = (f"; {parked} about a learner not introduced here yet set aside until the bundle of the workstation "
                 "that enrolled them arrives" if parked else "")
        return ImportOutcome(name, "imported", f"{new} new event(s) of {len(events)}{aside}", new, header.device,
                             header.seq)

    @staticmethod
    def _read_bundle(path: Path) -> bytes:
        try:
            return read_capped(path, bundle_mod.MAX_BUNDLE_BYTES)
        except UnreadableFile as exc:
            raise BundleRefused(f"the bundle {exc.why}" if exc.too_large else str(exc)) from exc

    def _had(self, device: str, seq: int) -> str | None:
        row = self.db.execute("SELECT sha256 FROM imported_bundles WHERE device_id = ? AND seq = ?",
                              [device, seq]).fetchone()
        return row[0] if row else None

    def _expire_pending(self) -> None:
        cutoff = self._now_dt() - timedelta(days=PENDING_DAYS)
        old = [r[0] for r in self.db.execute("SELECT id, first_seen FROM peer_devices WHERE status = 'pending'")
               if _before(r[1], cutoff)]
        if old:
            with self.db.atomic():
                self.db.execute(f"DELETE FROM peer_devices WHERE status = 'pending' AND id IN "
                                f"({','.join('?' * len(old))})", old)

    def _new_device(self, path: Path, sig_path: Path, signature: bytes, claimed: Header) -> ImportOutcome:
        """A device seen for the first time is registered as pending only once its bundle verifies with the key
        it presents; at most MAX_PENDING_DEVICES wait at once, and each waits PENDING_DAYS at most."""
        pub = path.parent / f"device-{claimed.device}{PUB}"
        name = path.name
        try:
            public, recipient, workstation = parse_device_public(read_capped(pub, MAX_PUB_BYTES), claimed.device)
        except (OSError, keys_mod.KeyError_) as exc:
            return ImportOutcome(name, "pending", f"unknown device {claimed.device} and its public key file "
                                 f"is missing or unreadable ({exc}); nothing registered", device=claimed.device,
                                 seq=claimed.seq)
        try:
            cipher = self._read_bundle(path)
            bundle_mod.verify(cipher, signature, public)
        except BundleRefused as exc:
            return self._refuse(path, sig_path, ImportOutcome(
                name, "refused", f"unknown device {claimed.device}: the bundle does not verify with the key its "
                f".pub file presents ({exc.reason}); nothing registered", device=claimed.device, seq=claimed.seq),
                None)
        self._expire_pending()
        waiting = self.db.execute("SELECT count(*) FROM peer_devices WHERE status = 'pending'").fetchone()[0]
        if waiting >= MAX_PENDING_DEVICES:
            return ImportOutcome(name, "pending", f"new device {claimed.device} ({workstation or 'no name'}) not "
                                 f"registered: {waiting} devices already wait for approval (the limit is "
                                 f"{MAX_PENDING_DEVICES}); approve or revoke some, or wait {PENDING_DAYS} days for "
                                 "them to expire", device=claimed.device, seq=claimed.seq)
        label = workstation or f"device {claimed.device[:8]}"
        with self.db.atomic():
            self.db["peer_devices"].insert({"id": claimed.device, "name": label,
                                            "public_key": public, "recipient": recipient,
                                            "fingerprint": keys_mod.fingerprint(public),
                                            "status": "pending", "first_seen": self.now(), "approved_at": None,
                                            "last_seq": 0, "last_hash": None})
            out = ImportOutcome(name, "pending", f"new device {claimed.device} ({label}, fingerprint "
                                f"{keys_mod.fingerprint(public)}): approve it to import its bundles",
                                device=claimed.device, seq=claimed.seq)
            self._log(out, None)
        return out

    def _apply(self, events: list[dict], header: Header, sha: str, name: str) -> int:
        """All of a bundle's events, and the learners they introduce, in one transaction — with the device's
        sequence and chain checked again inside it, and the authority rules (authority.py) per event."""
        with event_store.writing(self.db):  # the sequence is read under the write lock: check and apply are one
            row = self.db.execute("SELECT status, last_seq, last_hash FROM peer_devices WHERE id = ?",
                                  [header.device]).fetchone()
            if row is None or row[0] != "approved":
                raise BundleRefused(f"device {header.device} is no longer approved")
            if (row[1], row[2]) != (header.seq - 1, header.prev):
                if self._had(header.device, header.seq) == sha:
                    raise _AlreadyHad(header, sha)
                raise BundleRefused(f"another import took bundle {row[1]} from this device first; this bundle "
                                    f"{header.seq} no longer follows it", "replay")
            unknown = authority.check_device_events(self.db, header.device, events, park=True)
            for n, e in enumerate(events, 1):
                clash = self.db.execute("SELECT id FROM events WHERE device_id = ? AND seq = ?",
                                        [e["device_id"], e["seq"]]).fetchone()
                if clash is not None and clash[0] != e["id"]:
                    raise BundleRefused(f"event {n} ({e['id']}): this device's event {e['seq']} is already here "
                                        f"as {clash[0]}: one sequence number, two events", "replay")
            self.db.execute("INSERT OR IGNORE INTO devices (id, name, is_self, public_key, created_at) "
                            "VALUES (?, ?, 0, NULL, ?)", [header.device, f"device {header.device[:8]}", self.now()])
            for e in events:
                if e["kind"] == "learner.added":
                    self._add_learner(e, header.device)
            parked = [e for e in events if e["learner_id"] in unknown]
            if parked:
                self.db.conn.executemany(
                    "INSERT INTO parked_events (id, device_id, seq, learner_id, kind, event, bundle_sha256, parked_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING",
                    [[e["id"], e["device_id"], e["seq"], e["learner_id"], e["kind"], json.dumps(e, sort_keys=True),
                      sha, self.now()] for e in parked])
            # (a new list: the bundle's own stays as it came, for the outcome's count)
            applied = [e for e in events if e["learner_id"] not in unknown] + self._released()
            new = self._store(applied)
            self.db.execute("UPDATE peer_devices SET last_seq = ?, last_hash = ? WHERE id = ?",
                            [header.seq, sha, header.device])
            self.db.execute("INSERT INTO imported_bundles (device_id, seq, sha256, file, imported_at) "
                            "VALUES (?, ?, ?, ?, ?)", [header.device, header.seq, sha, name, self.now()])
            self._log(ImportOutcome(name, "imported", f"{new} new event(s)", new, header.device, header.seq), sha)
            if self.after_verified_import is not None:
                self.after_verified_import(applied)
        return new, len(parked)

    def _store(self, events: list[dict]) -> int:
        """Events (verified, authority checked) into the store with the PIN state they carry; how many were new."""
        stored = event_store.stored_ids(self.db, [e["id"] for e in events if e["kind"] in pin_store.PIN_KINDS])
        fresh = [e for e in events if e["kind"] in pin_store.PIN_KINDS and e["id"] not in stored]
        new = event_store.apply(self.db, [event_store.Event(**e) for e in events])
        pin_store.apply_events(self.db, fresh, now=self.now())
        return new

    def _released(self) -> list[dict]:
        """The events set aside for learners who are on the roster here now, taken out of waiting (in the caller's
        transaction), in the order their devices made them."""
        rows = self.db.execute("SELECT p.id, p.event FROM parked_events p JOIN learners l ON l.id = p.learner_id "
                               "ORDER BY p.device_id, p.seq").fetchall()
        if rows:
            self.db.conn.executemany("DELETE FROM parked_events WHERE id = ?", [[r[0]] for r in rows])
        return [json.loads(r[1]) for r in rows]

    def parked(self) -> list[dict[str, Any]]:
        """Records waiting for a learner not introduced here yet, per device and learner: how many, since when."""
        return [dict(zip(("device_id", "learner_id", "events", "since"), r)) for r in self.db.execute(
            "SELECT device_id, learner_id, count(*), min(parked_at) FROM parked_events GROUP BY device_id, learner_id "
            "ORDER BY min(parked_at)")]

    def _add_learner(self, e: dict, device: str) -> None:
        p = e["payload"]
        if self.db.execute("SELECT 1 FROM learners WHERE id = ?", [e["learner_id"]]).fetchone():
            return
        if not self.db.execute("SELECT 1 FROM roles WHERE pack_id = ? AND id = ?", [p["pack"], p["role"]]
                               ).fetchone():
            raise BundleRefused(f"learner {p['name']!r} is in role {p['pack']}:{p['role']}, which is not "
                                "installed here: import that content pack first, then import the bundle again")
        name, n = p["name"], 1
        while self.db.execute("SELECT 1 FROM learners WHERE name = ?", [name]).fetchone():
            n += 1  # two people with one name on different workstations
            name = f"{p['name'][:44]} ({device[:8]}{'' if n == 2 else f' {n - 1}'})"
        self.db["learners"].insert({"id": e["learner_id"], "name": name, "pack_id": p["pack"], "role_id": p["role"],
                                    "created_at": e["created_at"], "active": 1})

    def device_state(self, device: str, manager: keys_mod.ManagerKeys) -> tuple[bytes, bytes]:
        """The manager's signed word on where a device's history stands here (last bundle, its hash, the last
        event sequence number): a workstation restored from a backup continues from there."""
        row = self.db.execute("SELECT last_seq, last_hash FROM peer_devices WHERE id = ?", [device]).fetchone()
        top = self.db.execute("SELECT coalesce(max(seq), 0) FROM events WHERE device_id = ?", [device]).fetchone()[0]
        data = json.dumps({"format": STATE_FORMAT, "team": self.team()["id"], "device": device,  # type: ignore[index]
                           "last_seq": row[0] if row else 0, "last_hash": row[1] if row else None,
                           "last_event_seq": top, "at": self.now()}, sort_keys=True).encode()
        return data, bytes(manager.signing.sign(data))

    def _publish_state(self, folder: Path, device: str, manager: keys_mod.ManagerKeys) -> None:
        data, signature = self.device_state(device, manager)
        atomic_write(folder / f"device-{device}{STATE}.minisig", signature)
        atomic_write(folder / f"device-{device}{STATE}", data)

    def _acked(self, path: Path, sha: str) -> bool:
        """Whether the signed acknowledgement of exactly this bundle (*sha*) already lies beside it in the folder
        (re-reading a shared folder every round would otherwise rewrite — and fsync — two acks and the device state
        per bundle ever sent). Checked against the manager's own key, so a forged or stale ack is written over."""
        stem = path.name[: -len(SUFFIX)]
        try:
            data = read_capped(path.parent / (stem + ACK), MAX_ACK_BYTES)
            signature = read_capped(path.parent / (stem + ACK + ".minisig"), MAX_ACK_BYTES)
            keys_mod.load_public_key(self.team()["manager_public_key"]).verify(  # type: ignore[index]
                data, minisign.Signature.from_bytes(signature))
            return json.loads(data).get("sha256") == sha
        except Exception:  # noqa: BLE001 - missing, unreadable, forged or damaged: write it again
            return False

    def _ack(self, path: Path, header: Header, sha: str, manager: keys_mod.ManagerKeys) -> None:
        data = json.dumps({"sha256": sha, "device": header.device, "seq": header.seq, "imported_at": self.now()},
                          sort_keys=True).encode()
        stem = path.name[: -len(SUFFIX)]
        atomic_write(path.parent / (stem + ACK + ".minisig"), bytes(manager.signing.sign(data)))
        atomic_write(path.parent / (stem + ACK), data)
        self._publish_state(path.parent, header.device, manager)

    def _refuse(self, path: Path, sig_path: Path, outcome: ImportOutcome, sha: str | None) -> ImportOutcome:
        """Move the bundle and its signature (regular files only) to ``quarantine/`` with the reason, and log it.
        The same bundle refused again (a workstation drops an unacknowledged bundle into the folder at every sync)
        is kept once: its copy in the folder is removed and the reason brought up to date."""
        quarantine = self.data_dir / "quarantine"
        quarantine.mkdir(parents=True, exist_ok=True)
        stamp = _quarantine_stamp(path, sig_path)
        for p in (path, sig_path):
            try:
                if stat.S_ISREG(os.lstat(p).st_mode):
                    target = quarantine / f"{stamp}-{p.name}"
                    if target.exists():
                        p.unlink()  # this very file is in quarantine already
                    else:
                        shutil.move(str(p), target)
            except FileNotFoundError:
                continue
        atomic_write(quarantine / f"{stamp}-{path.name}.reason.txt", (outcome.reason + "\n").encode())
        self._log(outcome, sha)
        return outcome


class _AlreadyHad(Exception):
    """Another importer applied this very bundle between our check and our transaction."""

    def __init__(self, header: Header, sha: str):
        super().__init__(header.seq)
        self.header, self.sha = header, sha


def _quarantine_stamp(path: Path, sig_path: Path) -> str:
    """A name prefix for a refused bundle in quarantine, from its bytes and its signature's (the same files
    refused again get the same name); a random one when they cannot be read within their limits."""
    try:
        digest = bundle_mod.sha256(read_capped(sig_path, bundle_mod.MAX_SIGNATURE_BYTES)
                                   + read_capped(path, bundle_mod.MAX_BUNDLE_BYTES))
    except OSError:
        return uuid.uuid4().hex[:6]
    return digest.removeprefix("sha256:")[:12]


def _before(when: str, cutoff: datetime) -> bool:
    try:
        return from_iso(when) < cutoff
    except (TypeError, ValueError):
        return True  # an unreadable date on a pending device: let it expire
