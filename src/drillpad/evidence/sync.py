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

import json
import re
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import minisign
import pyrage
from sqlite_utils import Database

from drillpad.evidence import atomic_write
from drillpad.evidence import bundle as bundle_mod
from drillpad.evidence import keys as keys_mod
from drillpad.evidence.bundle import BundleRefused, Header
from drillpad.store import events as event_store

TEAM_FILE_FORMAT = 1
DECISIONS = "decisions-{team}.age"
DECISION_KINDS = frozenset({"signoff", "competency.override", "review.decision", "coaching.plan", "checkin"})
_DECISIONS_COMMENT = re.compile(r"^drillpad-decisions v1 team=(?P<team>[A-Za-z0-9._-]{1,64}) "
                                r"device=(?P<device>[0-9a-f-]{36}) events=(?P<events>\d{1,7})$")
SUFFIX, SIG, ACK, PUB = ".bundle", ".bundle.minisig", ".ack", ".pub"
MAX_EVENTS_PER_BUNDLE = 5000


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


def parse_device_public(data: bytes, device: str) -> tuple[str, str | None]:
    """(minisign public key, age recipient) from a device's ``.pub`` file."""
    try:
        info = json.loads(data)
        public, recipient = str(info["minisign"]), info.get("age") or None
        if info.get("device") != device:
            raise keys_mod.KeyError_(f"the key file names device {info.get('device')!r}, not {device}")
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise keys_mod.KeyError_(f"not a DrillPad device key file ({exc})") from exc
    if recipient is not None and not (isinstance(recipient, str) and recipient.startswith("age1")):
        raise keys_mod.KeyError_("the device's age recipient is not valid")
    return keys_mod.public_key_text(keys_mod.load_public_key(public)), recipient


class Evidence:
    def __init__(self, db: Database, data_dir: Path, now: Callable[[], str], device_id: str):
        self.db, self.data_dir, self.now, self.device_id = db, data_dir, now, device_id
        self.problems: list[str] = []
        """Problems met while syncing that did not stop it (shown to the user)."""
        self.after_verified_import: Callable[[list[dict[str, Any]]], object] | None = None
        """Called with a bundle's events at the end of its import transaction, after every check passed (the
        organisation's LRS queues its statements there: drillpad.lrs); raising rolls the import back."""

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
        cipher, signature, _ = bundle_mod.build(events, team=team["id"], seq=seq, prev=prev, created_at=self.now(),
                                                key=key, device_id=self.device_id,
                                                recipient=team["manager_recipient"])
        self.outbox_dir.mkdir(parents=True, exist_ok=True)
        name = f"{team['id']}-{self.device_id}-{seq:06d}"
        atomic_write(self.outbox_dir / (name + SIG), signature)
        atomic_write(self.outbox_dir / (name + SUFFIX), cipher)
        with self.db.atomic():
            self.db["outbox"].insert({"seq": seq, "file": name, "sha256": bundle_mod.sha256(cipher),
                                      "prev_sha256": prev, "from_event_seq": rows[0][2], "to_event_seq": rows[-1][2],
                                      "events": len(rows), "created_at": self.now(), "acked_at": None})
        return self.outbox_dir / (name + SUFFIX)

    def send_folder(self, folder: Path) -> dict[str, int]:
        """Drop every unacknowledged bundle into *folder* (USB stick, network share) and collect acks."""
        team = self.team()
        if team is None:
            raise SyncError("this workstation is not enrolled: import the manager's team file first")
        folder.mkdir(parents=True, exist_ok=True)
        while self.build_bundle() is not None:
            pass
        acked = self.collect_acks(folder)
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
        return {"sent": sent, "acknowledged": acked, "decisions": decisions}

    def device_public_file(self) -> bytes:
        """What the manager needs to know this device: its signing key and age recipient (public halves)."""
        key = keys_mod.device_key(self.data_dir)
        return (json.dumps({"device": self.device_id, "minisign": key.public_b64, "age": key.recipient,
                            "fingerprint": key.fingerprint}, indent=1) + "\n").encode()

    def collect_acks(self, folder: Path) -> int:
        """Mark bundles acknowledged by the manager's signed ack files (verified against the pinned key)."""
        team = self.team()
        if team is None:
            return 0
        count = 0
        for (seq, name, sha) in self.db.execute("SELECT seq, file, sha256 FROM outbox WHERE acked_at IS NULL").fetchall():
            ack, sig = folder / (name + ACK), folder / (name + ACK + ".minisig")
            try:
                data, signature = ack.read_bytes()[:4096], sig.read_bytes()[:4096]
            except OSError:
                continue
            count += self._accept_ack(seq, sha, data, signature)
        return count

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

    def send_http(self, url: str, *, timeout: float | None = None) -> dict[str, int]:
        """POST every unacknowledged bundle to the manager's inbox, then fetch the manager's decisions.
        Nothing is lost when the inbox is unreachable: bundles stay in the outbox for next time.
        *timeout*: seconds to wait for each answer (default ``inbox_client.READ_TIMEOUT``)."""
        import base64

        from drillpad.evidence.inbox_client import InboxClient, InboxUnavailable

        if self.team() is None:
            raise SyncError("this workstation is not enrolled: import the manager's team file first")
        while self.build_bundle() is not None:
            pass
        device_file = self.device_public_file()
        sent = acked = 0
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
                    raise SyncError(f"the manager's inbox refused bundle {seq}: {reply.get('reason')}")
            _, reply = client.decisions(self.device_id)
        except InboxUnavailable as exc:
            raise SyncError(f"{exc}; {len(rows) - acked} bundle(s) stay in the outbox and go next time") from exc
        decisions = 0
        if reply.get("decisions"):
            decisions = self.apply_decisions(base64.b64decode(reply["decisions"]),
                                             base64.b64decode(reply["signature"]))
        return {"sent": sent, "acknowledged": acked, "decisions": decisions}

    # --- manager decisions travel back to the workstations ----------------------------------------

    def publish_decisions(self, folder: Path, manager: keys_mod.ManagerKeys) -> int:
        """Write the manager's decisions (sign-offs, overrides, review decisions, plans, check-in notes) for
        the team's learners to *folder*: encrypted to every approved device, signed by the manager key.
        Returns how many decisions it holds (0: nothing written)."""
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
            if path.stat().st_size > bundle_mod.MAX_BUNDLE_BYTES:
                raise SyncError(f"{path} is larger than {bundle_mod.MAX_BUNDLE_BYTES} bytes")
            cipher, signature = path.read_bytes(), path.with_name(path.name + ".minisig").read_bytes()[:4096]
        except FileNotFoundError:
            return 0
        return self.apply_decisions(cipher, signature)

    def apply_decisions(self, cipher: bytes, signature: bytes) -> int:
        """Verify the manager's decisions against the pinned key, then store those for this device's learners
        in one transaction (idempotent by event id). Returns how many were new."""
        team = self.team()
        if team is None:
            return 0
        try:
            sig = minisign.Signature.from_bytes(signature)
            keys_mod.load_public_key(team["manager_public_key"]).verify(cipher, sig)
        except (ValueError, minisign.Error) as exc:
            raise SyncError(f"the manager's decisions are not signed by the pinned manager key ({exc}); ignored") from exc
        m = _DECISIONS_COMMENT.match(sig.trusted_comment)
        if m is None or m["team"] != team["id"]:
            raise SyncError("the decisions file is not for this team; ignored")
        try:
            body = pyrage.decrypt(cipher, [keys_mod.device_key(self.data_dir).identity])
        except pyrage.DecryptError:
            return 0  # not encrypted to this device yet (approved after the file was written)
        try:
            events = bundle_mod.parse_events(body, int(m["events"]), m["device"], DECISION_KINDS)
        except BundleRefused as exc:
            raise SyncError(f"the manager's decisions are damaged: {exc.reason}") from exc
        known = {r[0] for r in self.db.execute("SELECT id FROM learners")}
        mine = [event_store.Event(**e) for e in events if e["learner_id"] in known]
        with self.db.atomic():
            self.db.execute("INSERT OR IGNORE INTO devices (id, name, is_self, public_key, created_at) "
                            "VALUES (?, 'manager', 0, ?, ?)", [m["device"], team["manager_public_key"], self.now()])
            return event_store.apply(self.db, mine)

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
            if self.db.execute("UPDATE peer_devices SET status = 'revoked' WHERE id = ? AND status != 'revoked'",
                               [device_id]).rowcount != 1:
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

    def import_folder(self, folder: Path, manager: keys_mod.ManagerKeys) -> list[ImportOutcome]:
        paths = sorted(folder.glob("*" + SUFFIX), key=lambda p: p.name)
        return [self.import_bundle(p, manager) for p in paths]

    def import_bundle(self, path: Path, manager: keys_mod.ManagerKeys) -> ImportOutcome:
        team = self.team()
        if team is None or team["role"] != "manager":
            raise SyncError("only a manager's DrillPad imports bundles (drillpad evidence manager-init)")
        sig_path = path.with_name(path.name[: -len(SUFFIX)] + SIG)
        name = path.name
        try:
            if not sig_path.exists():
                raise BundleRefused("the signature file (.minisig) is missing", "signature")
            if path.stat().st_size > bundle_mod.MAX_BUNDLE_BYTES:
                raise BundleRefused(f"the bundle is larger than {bundle_mod.MAX_BUNDLE_BYTES} bytes")
            signature = sig_path.read_bytes()[: bundle_mod.MAX_SIGNATURE_BYTES + 1]
            claimed = bundle_mod.peek(signature)
        except BundleRefused as exc:
            return self._refuse(path, sig_path, ImportOutcome(name, "refused", exc.reason), None)
        if claimed.team != team["id"]:
            return ImportOutcome(name, "skipped", f"for another team ({claimed.team})")
        device = self.db.execute("SELECT public_key, status, last_seq, last_hash FROM peer_devices WHERE id = ?",
                                 [claimed.device]).fetchone()
        if device is None:
            return self._new_device(path, claimed)
        public, status, last_seq, last_hash = device
        if status == "pending":
            out = ImportOutcome(name, "pending", f"device {claimed.device} is waiting for your approval "
                                f"(fingerprint {keys_mod.fingerprint(public)})", device=claimed.device,
                                seq=claimed.seq)
            return out
        if status == "revoked":
            return self._refuse(path, sig_path, ImportOutcome(name, "refused", f"device {claimed.device} is revoked",
                                                              device=claimed.device, seq=claimed.seq), None)
        cipher = path.read_bytes()
        sha = bundle_mod.sha256(cipher)
        try:
            header = bundle_mod.verify(cipher, signature, public)
            if header.seq <= last_seq:
                if header.seq == last_seq and sha == last_hash:
                    self._ack(path, header, sha, manager)
                    return ImportOutcome(name, "already", "already imported; acknowledged again", 0,
                                         header.device, header.seq)
                raise BundleRefused(f"replayed or rolled-back bundle: sequence {header.seq}, but bundles up to "
                                    f"{last_seq} from this device are already imported", "replay")
            if header.seq > last_seq + 1:
                out = ImportOutcome(name, "held", f"bundle {last_seq + 1} from this device is missing; this one "
                                    f"({header.seq}) waits for it", 0, header.device, header.seq)
                self._log(out, sha)
                return out
            if header.prev != last_hash:
                raise BundleRefused("the chain is broken: this bundle does not follow the last one imported from "
                                    "this device", "chain")
            _, events = bundle_mod.open_bundle(cipher, manager.identity, header)
            new = self._apply(events, header, sha, name)
        except BundleRefused as exc:
            return self._refuse(path, sig_path, ImportOutcome(name, "refused", exc.reason, device=claimed.device,
                                                              seq=claimed.seq), sha)
        self._ack(path, header, sha, manager)
        return ImportOutcome(name, "imported", f"{new} new event(s) of {len(events)}", new, header.device, header.seq)

    def _new_device(self, path: Path, claimed: Header) -> ImportOutcome:
        pub = path.parent / f"device-{claimed.device}{PUB}"
        try:
            public, recipient = parse_device_public(pub.read_bytes()[:2000], claimed.device)
        except (OSError, keys_mod.KeyError_) as exc:
            return ImportOutcome(path.name, "pending", f"unknown device {claimed.device} and its public key file "
                                 f"is missing or unreadable ({exc})", device=claimed.device, seq=claimed.seq)
        with self.db.atomic():
            self.db["peer_devices"].insert({"id": claimed.device, "name": f"device {claimed.device[:8]}",
                                            "public_key": public, "recipient": recipient,
                                            "fingerprint": keys_mod.fingerprint(public),
                                            "status": "pending", "first_seen": self.now(), "approved_at": None,
                                            "last_seq": 0, "last_hash": None})
        out = ImportOutcome(path.name, "pending", f"new device {claimed.device} (fingerprint "
                            f"{keys_mod.fingerprint(public)}): approve it to import its bundles",
                            device=claimed.device, seq=claimed.seq)
        self._log(out, None)
        return out

    def _apply(self, events: list[dict], header: Header, sha: str, name: str) -> int:
        """All of a bundle's events, and the learners they introduce, in one transaction."""
        with self.db.atomic():
            self.db.execute("INSERT OR IGNORE INTO devices (id, name, is_self, public_key, created_at) "
                            "VALUES (?, ?, 0, NULL, ?)", [header.device, f"device {header.device[:8]}", self.now()])
            for e in events:
                if e["kind"] == "learner.added":
                    self._add_learner(e, header.device)
            known = {r[0] for r in self.db.execute("SELECT id FROM learners")}
            for e in events:
                if e["learner_id"] is not None and e["learner_id"] not in known:
                    raise BundleRefused(f"event {e['id']} is for a learner this bundle never introduced")
            new = event_store.apply(self.db, [event_store.Event(**e) for e in events])
            self.db.execute("UPDATE peer_devices SET last_seq = ?, last_hash = ? WHERE id = ?",
                            [header.seq, sha, header.device])
            self._log(ImportOutcome(name, "imported", f"{new} new event(s)", new, header.device, header.seq), sha)
            if self.after_verified_import is not None:
                self.after_verified_import(events)
        return new

    def _add_learner(self, e: dict, device: str) -> None:
        p = e["payload"]
        if self.db.execute("SELECT 1 FROM learners WHERE id = ?", [e["learner_id"]]).fetchone():
            return
        if not self.db.execute("SELECT 1 FROM roles WHERE pack_id = ? AND id = ?", [p.get("pack"), p.get("role")]
                               ).fetchone():
            raise BundleRefused(f"learner {p.get('name')!r} is in role {p.get('pack')}:{p.get('role')}, which is not "
                                "installed here: import that content pack first, then import the bundle again")
        name = str(p.get("name", "learner"))[:60]
        if self.db.execute("SELECT 1 FROM learners WHERE name = ?", [name]).fetchone():
            name = f"{name[:48]} ({device[:8]})"  # two people with one name on different workstations
        self.db["learners"].insert({"id": e["learner_id"], "name": name, "pack_id": p["pack"], "role_id": p["role"],
                                    "created_at": e["created_at"], "active": 1})

    def _ack(self, path: Path, header: Header, sha: str, manager: keys_mod.ManagerKeys) -> None:
        data = json.dumps({"sha256": sha, "device": header.device, "seq": header.seq, "imported_at": self.now()},
                          sort_keys=True).encode()
        stem = path.name[: -len(SUFFIX)]
        atomic_write(path.parent / (stem + ACK + ".minisig"), bytes(manager.signing.sign(data)))
        atomic_write(path.parent / (stem + ACK), data)

    def _refuse(self, path: Path, sig_path: Path, outcome: ImportOutcome, sha: str | None) -> ImportOutcome:
        quarantine = self.data_dir / "quarantine"
        quarantine.mkdir(parents=True, exist_ok=True)
        stamp = uuid.uuid4().hex[:6]
        for p in (path, sig_path):
            if p.exists():
                shutil.move(str(p), quarantine / f"{stamp}-{p.name}")
        atomic_write(quarantine / f"{stamp}-{path.name}.reason.txt", (outcome.reason + "\n").encode())
        self._log(outcome, sha)
        return outcome
