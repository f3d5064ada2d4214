"""Evidence bundles: build on the device; verify before anything is parsed on the manager's PC.

A bundle is two files: ``NAME.bundle`` — a tar of exactly ``manifest.json`` and
``events.jsonl``, encrypted to the manager with age — and ``NAME.bundle.minisig``, the device
key's minisign signature over those exact encrypted bytes. The signature's *trusted comment*
carries the team id, device id, bundle sequence number, the previous bundle's hash and the
event count, so a replayed, rolled-back or swapped bundle is refused before it is opened:

    drillpad-bundle v1 team=<id> device=<uuid> seq=<n> prev=<sha256 hex|none> events=<n>

Anyone can check one with the standard tool: ``minisign -Vm NAME.bundle -P <device public key>``.

Opening (after the signature): decrypt into memory (the encrypted file is size-capped, and the
tar is not compressed, so it cannot expand), read only the two expected regular members with
capped sizes, check the manifest against the signed comment and the hash of events.jsonl,
then validate every event. Every refusal raises ``BundleRefused`` with a reason a person can act on.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import tarfile
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import minisign
import pyrage
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from drillpad.evidence import schemas
from drillpad.evidence.keys import DeviceKey, load_public_key

FORMAT = 1
MEMBERS = ("manifest.json", "events.jsonl")
MAX_BUNDLE_BYTES = 32 * 1024 * 1024
MAX_SIGNATURE_BYTES = 4096
MAX_EVENTS = 20_000
MAX_EVENT_BYTES = 256 * 1024
MAX_MEMBER_BYTES = 48 * 1024 * 1024
_COMMENT = re.compile(r"^drillpad-bundle v(?P<v>\d+) team=(?P<team>[A-Za-z0-9._-]{1,64}) "
                      r"device=(?P<device>[0-9a-f-]{36}) seq=(?P<seq>\d{1,9}) "
                      r"prev=(?P<prev>[0-9a-f]{64}|none) events=(?P<events>\d{1,7})$")
Sha = Annotated[str, StringConstraints(pattern=r"^sha256:[0-9a-f]{64}$")]


class BundleRefused(Exception):
    def __init__(self, reason: str, kind: str = "invalid"):
        super().__init__(reason)
        self.reason = reason
        self.kind = kind
        """``signature``, ``unknown-device``, ``unapproved``, ``replay``, ``gap``, ``chain``, ``team`` or ``invalid``."""


@dataclass(frozen=True)
class Header:
    team: str
    device: str
    seq: int
    prev: str | None  # sha256:… of the previous bundle, None for the first
    events: int

    def comment(self) -> str:
        prev = self.prev.removeprefix("sha256:") if self.prev else "none"
        return (f"drillpad-bundle v{FORMAT} team={self.team} device={self.device} seq={self.seq} prev={prev} "
                f"events={self.events}")


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    format: Literal[1]
    team_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,64}$")]
    device_id: Annotated[str, StringConstraints(pattern=r"^[0-9a-f-]{36}$")]
    seq: Annotated[int, Field(ge=1)]
    prev_sha256: Sha | None
    event_count: Annotated[int, Field(ge=0, le=MAX_EVENTS)]
    created_at: schemas.IsoTime
    events_sha256: Sha


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def parse_comment(comment: str) -> Header:
    m = _COMMENT.match(comment)
    if m is None:
        raise BundleRefused(f"not a DrillPad bundle signature (trusted comment {comment[:80]!r})")
    if int(m["v"]) != FORMAT:
        raise BundleRefused(f"bundle format v{m['v']} is not supported (this DrillPad reads v{FORMAT}); update DrillPad")
    prev = None if m["prev"] == "none" else "sha256:" + m["prev"]
    return Header(m["team"], m["device"], int(m["seq"]), prev, int(m["events"]))


def _tar(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in MEMBERS:
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode, info.uid, info.gid = len(members[name]), 0, 0o644, 0, 0
            tar.addfile(info, io.BytesIO(members[name]))
    return out.getvalue()


def events_jsonl(events: list[dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(e, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"
                    for e in events)


def build(events: list[dict[str, Any]], *, team: str, seq: int, prev: str | None, created_at: str,
          key: DeviceKey, device_id: str, recipient: str | list[str]) -> tuple[bytes, bytes, Header]:
    """(encrypted bundle, minisign signature, header) for *events* (dicts as stored), encrypted to *recipient*
    (the manager's age recipient, then — roaming — every approved workstation's)."""
    body = events_jsonl(events)
    manifest = Manifest(format=FORMAT, team_id=team, device_id=device_id, seq=seq, prev_sha256=prev,
                        event_count=len(events), created_at=created_at, events_sha256=sha256(body))
    plain = _tar({"manifest.json": manifest.model_dump_json().encode(), "events.jsonl": body})
    try:
        recipients = [recipient] if isinstance(recipient, str) else recipient
        cipher = pyrage.encrypt(plain, [pyrage.x25519.Recipient.from_str(r) for r in recipients])
    except (pyrage.RecipientError, pyrage.EncryptError) as exc:
        raise BundleRefused(f"the team file's manager recipient is not usable: {exc}") from exc
    header = Header(team, device_id, seq, prev, len(events))
    signature = key.secret.sign(cipher, trusted_comment=header.comment(),
                                untrusted_comment=f"DrillPad bundle {seq} from device {device_id}")
    return cipher, bytes(signature), header


def peek(signature: bytes) -> Header:
    """The header as claimed (NOT yet trusted): tells which device key to verify with."""
    if len(signature) > MAX_SIGNATURE_BYTES:
        raise BundleRefused("the signature file is too large to be a minisign signature", "signature")
    try:
        sig = minisign.Signature.from_bytes(signature)
    except (minisign.Error, ValueError, UnicodeDecodeError) as exc:
        raise BundleRefused(f"the signature file is not a minisign signature: {exc}", "signature") from exc
    return parse_comment(sig.trusted_comment)


def verify(cipher: bytes, signature: bytes, public_key_b64: str) -> Header:
    """Check the device's signature over the exact bytes; returns the now-trusted header."""
    if len(cipher) > MAX_BUNDLE_BYTES:
        raise BundleRefused(f"the bundle is {len(cipher)} bytes; the limit is {MAX_BUNDLE_BYTES}")
    header = peek(signature)
    try:
        load_public_key(public_key_b64).verify(cipher, minisign.Signature.from_bytes(signature))
    except minisign.Error as exc:
        raise BundleRefused(f"the signature does not match this device's key ({exc}): the bundle was changed "
                            "after it was signed, or signed by another key", "signature") from exc
    return header


def open_bundle(cipher: bytes, identity: pyrage.x25519.Identity, header: Header) -> tuple[Manifest, list[dict]]:
    """Decrypt and read a *verified* bundle; every event is validated."""
    try:
        plain = pyrage.decrypt(cipher, [identity])
    except pyrage.DecryptError as exc:
        raise BundleRefused(f"the bundle cannot be decrypted with this manager's key ({exc})") from exc
    members = _read_members(plain)
    try:
        manifest = Manifest.model_validate_json(members["manifest.json"])
    except ValidationError as exc:
        first = exc.errors()[0]
        raise BundleRefused(f"manifest.json: {'.'.join(map(str, first['loc'])) or '(file)'}: {first['msg']}") from exc
    claimed = (manifest.team_id, manifest.device_id, manifest.seq, manifest.prev_sha256, manifest.event_count)
    if claimed != (header.team, header.device, header.seq, header.prev, header.events):
        raise BundleRefused("manifest.json does not match the signed header (team, device, sequence, previous "
                            "bundle or event count)")
    if sha256(members["events.jsonl"]) != manifest.events_sha256:
        raise BundleRefused("events.jsonl does not match the hash in manifest.json")
    return manifest, parse_events(members["events.jsonl"], manifest.event_count, manifest.device_id)


def _read_members(plain: bytes) -> dict[str, bytes]:
    try:
        tar = tarfile.open(fileobj=io.BytesIO(plain), mode="r:")
        infos = tar.getmembers()
    except (tarfile.TarError, EOFError, ValueError, OverflowError, UnicodeError) as exc:
        raise BundleRefused(f"the archive inside the bundle is damaged ({exc})") from exc
    names = [i.name for i in infos]
    if sorted(names) != sorted(MEMBERS):
        bad = [n for n in names if n not in MEMBERS] or names
        raise BundleRefused(f"the archive must hold exactly {', '.join(MEMBERS)}; found {', '.join(bad[:5])}")
    out = {}
    for info in infos:
        if info.type not in (tarfile.REGTYPE, tarfile.AREGTYPE) or info.sparse is not None:
            raise BundleRefused(f"{info.name} is not a plain regular file in the archive (type {info.type!r}"
                                f"{', sparse' if info.sparse is not None else ''})")
        if info.size > MAX_MEMBER_BYTES:
            raise BundleRefused(f"{info.name} claims {info.size} bytes; the limit is {MAX_MEMBER_BYTES}")
        try:
            data = tar.extractfile(info).read(info.size + 1)  # type: ignore[union-attr]
        except (tarfile.TarError, OSError, ValueError, EOFError) as exc:
            raise BundleRefused(f"{info.name} cannot be read from the archive ({exc})") from exc
        if len(data) != info.size:
            raise BundleRefused(f"{info.name} is truncated inside the archive")
        out[info.name] = data
    return out


def parse_events(body: bytes, count: int, device_id: str, kinds: frozenset[str] | None = None) -> list[dict]:
    """Validate every line of an events.jsonl against its kind's strict schema (schemas.py): *count*
    events, all from *device_id*, sequence numbers strictly increasing, unique ids."""
    lines = body.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    if len(lines) != count:
        raise BundleRefused(f"events.jsonl has {len(lines)} events; the manifest says {count}")
    events: list[dict] = []
    seen: set[str] = set()
    last_seq = 0
    for n, line in enumerate(lines, 1):
        where = f"event {n} (events.jsonl line {n})"
        if len(line) > MAX_EVENT_BYTES:
            raise BundleRefused(f"{where}: event is {len(line)} bytes; the limit is {MAX_EVENT_BYTES}")
        try:
            e = schemas.validate(schemas.loads(line))
        except schemas.EventInvalid as exc:
            raise BundleRefused(f"{where}: {exc}") from None
        if e["id"] in seen:
            raise BundleRefused(f"{where}: duplicate event id {e['id']}")
        seen.add(e["id"])
        if e["device_id"] != device_id:
            raise BundleRefused(f"{where}: event from device {e['device_id']} in a bundle from {device_id}")
        if e["seq"] <= last_seq:
            raise BundleRefused(f"{where}: seq {e['seq']} does not follow {last_seq} (each event has its own, "
                                "increasing sequence number)")
        last_seq = e["seq"]
        if kinds is not None and e["kind"] not in kinds:
            raise BundleRefused(f"{where}: {e['kind']!r} is not a manager decision")
        events.append(e)
    return events
