"""The manager's inbox: a small HTTP server on the manager's PC (``drillpad inbox serve``).

Workstations POST each bundle to ``/v1/bundles`` (the encrypted bundle as the body, its minisign
signature and the device's public key file base64-encoded in headers) and GET
``/v1/decisions?device=ID`` for the manager's signed decisions and ``/v1/state?device=ID`` for the manager's
signed device state (a refused replay's reply carries it too: a workstation restored from a backup
continues). The team's approved workstations also GET ``/v1/roster`` and the bundles the inbox accepted
(``/v1/peers``, ``/v1/peers/bundle``): one trainee, any workstation, without a shared folder. Every bundle
goes through the same import as a folder drop (``Evidence.import_bundle``: verify, approve, sequence, chain,
limits, one transaction) and the reply says what happened and why:

- 200 ``imported`` / ``already`` with the manager's signed acknowledgement;
- 202 ``pending`` (device waits for approval) or ``held`` (an earlier bundle is missing);
- 409 ``skipped`` (another team's bundle); 422 ``refused`` with the reason; 413 too large;
  400 a malformed request; 503 the manager's data could not be opened.

Serving many workstations at once is waitress's job (a maintained pure-Python WSGI server): one
event loop does all the network I/O, so a slow or silent client holds only its own connection,
never a worker; connections silent for ``channel_timeout`` seconds are closed; the listen backlog
is real (1024); a request body is received into a buffer that spills to an anonymous temporary
file past ``INBUF_BYTES`` and is refused with 413 past the bundle limit; only complete requests
reach the worker threads.

A post must **authenticate before anything is written**: its signature header names a team and a
device; another team's bundle is skipped, and the body must verify against that device's key
(the approved one, or for a new device the key it presents). A post that fails leaves no file,
no device and no log row — only the reply with the reason (and a line in the server's log).
An authenticated bundle is written into a private staging folder under ``inbox/``, imported,
answered, and the folder removed: quarantine (for refusals after the signature) is the import's.
Imports run one at a time in this process (inside, the import may take its own cross-process lock).
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable
from http import HTTPStatus
from pathlib import Path
from urllib.parse import parse_qs

import waitress
from waitress.channel import HTTPChannel

from drillpad.evidence import bundle as bundle_mod
from drillpad.evidence import keys as keys_mod
from drillpad.evidence import read_capped
from drillpad.evidence.bundle import BundleRefused, Header
from drillpad.evidence.sync import ACK, PUB, SIG, STATE, SUFFIX, SyncError, parse_device_public

log = logging.getLogger(__name__)
MAX_HEADER_BYTES = 8192
"""One X-DrillPad-* header (a base64 signature is under 6 KB)."""
MAX_HEADERS_BYTES = 32 * 1024
"""All request headers together."""
MAX_DEVICE_FILE_BYTES = 2000
INBUF_BYTES = 256 * 1024
"""Request bytes held in memory per connection; beyond this waitress spills to an anonymous temp file."""
STAGING_PREFIX = ".post-"
KEPT_DIR = "team-bundles"
_KEPT = re.compile(r"^[A-Za-z0-9._-]{1,64}-(?P<device>[0-9a-f-]{36})-(?P<seq>\d{6,12})\.bundle$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
STATUS = {"imported": 200, "already": 200, "pending": 202, "held": 202, "skipped": 409, "refused": 422}


class _Refused(Exception):
    def __init__(self, status: int, reason: str, outcome: str = "refused"):
        super().__init__(reason)
        self.status, self.reason, self.outcome = status, reason, outcome


class Inbox:
    """*open_workspace* opens the manager's workspace (called once per request, in a worker thread).

    ``serve_forever()`` runs the server in the calling thread; ``shutdown()`` from another thread
    stops it and waits; ``server_close()`` releases the port and the worker threads."""

    def __init__(self, address: tuple[str, int], open_workspace: Callable, manager: keys_mod.ManagerKeys,
                 inbox_dir: Path, *, threads: int = 4, channel_timeout: int = 30, connection_limit: int = 500,
                 backlog: int = 1024, keep_dir: Path | None = None):
        self.open_workspace, self.manager, self.inbox_dir = open_workspace, manager, inbox_dir
        self.keep_dir = keep_dir or inbox_dir.parent / KEPT_DIR
        """Accepted bundles, kept for the team's workstations (``GET /v1/peers``)."""
        self.inbox_dir.mkdir(parents=True, exist_ok=True)
        self._clear_staging()
        self._import_lock = threading.Lock()
        self._running, self._done, self._stopping = threading.Event(), threading.Event(), False
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # posts queue for the import by design
        self._server = waitress.create_server(
            self._app, host=address[0], port=address[1], threads=threads, backlog=backlog,
            connection_limit=connection_limit, channel_timeout=channel_timeout,
            cleanup_interval=max(1, min(30, channel_timeout)), asyncore_use_poll=True,
            max_request_body_size=bundle_mod.MAX_BUNDLE_BYTES + 1, max_request_header_size=MAX_HEADERS_BYTES,
            inbuf_overflow=INBUF_BYTES, ident="DrillPadInbox", expose_tracebacks=False)

    @property
    def server_address(self) -> tuple[str, int]:
        return self._server.effective_host, int(self._server.effective_port)

    @property
    def url(self) -> str:
        host, port = self.server_address
        return f"http://{host}:{port}"

    # --- running and stopping ---------------------------------------------------------------------

    def serve_forever(self) -> None:
        """Serve until ``shutdown()`` (or Ctrl+C, which waitress turns into a normal return)."""
        self._running.set()
        try:
            self._server.run()
        finally:
            self._done.set()

    def shutdown(self) -> None:
        if self._stopping:
            return
        self._stopping = True
        self._server.task_dispatcher.shutdown(cancel_pending=True, timeout=10)  # let answers being made finish
        if self._done.is_set():
            return  # the loop has already ended (and closed its trigger)
        try:
            self._server.trigger.pull_trigger(self._close_all)  # runs in the serving thread, ends its loop
        except OSError:  # the loop closed its trigger while we were getting here
            self._close_all()
            return
        if self._running.is_set():
            self._done.wait()

    def server_close(self) -> None:
        if not self._running.is_set() or self._done.is_set():
            self._close_all()  # the loop is not running: nothing else touches its sockets
        self._server.task_dispatcher.shutdown(cancel_pending=True, timeout=10)

    def _close_all(self) -> None:
        for dispatcher in list(self._server._map.values()):  # channels, the listening socket, the trigger
            try:
                dispatcher.handle_close() if isinstance(dispatcher, HTTPChannel) else dispatcher.close()
            except OSError:
                pass

    def _clear_staging(self) -> None:
        """Remove what a post cut off by a crash left in its private staging folder."""
        for stale in self.inbox_dir.glob(STAGING_PREFIX + "*"):
            shutil.rmtree(stale, ignore_errors=True)

    # --- the WSGI application ---------------------------------------------------------------------

    def _app(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        method, path = environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", "")
        try:
            if path == "/v1/bundles" and method == "POST":
                status, body = self._post(environ)
            elif path == "/v1/decisions" and method == "GET":
                status, body = self._decisions(environ)
            elif path == "/v1/state" and method == "GET":
                status, body = self._state(environ)
            elif path == "/v1/roster" and method == "GET":
                status, body = self._roster(environ)
            elif path == "/v1/peers" and method == "GET":
                status, body = self._peer_list(environ)
            elif path == "/v1/peers/bundle" and method == "GET":
                status, body = self._peer_bundle(environ)
            elif path == "/v1/health" and method == "GET":
                status, body = 200, {"ok": True}
            else:
                status, body = 404, {"outcome": "refused", "reason": "unknown address; POST /v1/bundles, "
                                     "GET /v1/decisions, /v1/state, /v1/roster, /v1/peers, /v1/peers/bundle "
                                     "(each ?device=ID) or GET /v1/health"}
        except _Refused as exc:
            status, body = exc.status, {"outcome": exc.outcome, "reason": exc.reason}
            log.warning("%s %s %s: %s", environ.get("REMOTE_ADDR"), method, path, exc.reason)
        except SyncError as exc:
            status, body = 503, {"outcome": "error", "reason": str(exc)}
            log.error("%s %s %s: %s", environ.get("REMOTE_ADDR"), method, path, exc)
        except Exception:  # one bad request never stops the inbox; the sender is told to try later
            log.exception("%s %s %s failed", environ.get("REMOTE_ADDR"), method, path)
            status, body = 500, {"outcome": "error", "reason": "the inbox failed on this request; the manager's "
                                 "log has the details; the bundle stays on the workstation"}
        data = json.dumps(body).encode()
        start_response(f"{status} {HTTPStatus(status).phrase}",
                       [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]

    @staticmethod
    def _header(environ: dict, name: str) -> bytes:
        value = environ.get("HTTP_" + name.upper().replace("-", "_"), "")
        if len(value) > MAX_HEADER_BYTES:
            raise _Refused(400, f"the {name} header is too large")
        try:
            return base64.b64decode(value, validate=True)
        except binascii.Error as exc:
            raise _Refused(400, f"the {name} header is not base64") from exc

    def _post(self, environ: dict) -> tuple[int, dict]:
        try:
            length = int(environ.get("CONTENT_LENGTH") or "")
        except ValueError:
            raise _Refused(411, "Content-Length is required") from None
        if length > bundle_mod.MAX_BUNDLE_BYTES or length < 0:
            raise _Refused(413, f"the bundle is larger than {bundle_mod.MAX_BUNDLE_BYTES} bytes")
        signature = self._header(environ, "X-DrillPad-Signature")
        device_file = self._header(environ, "X-DrillPad-Device")
        try:
            claimed = bundle_mod.peek(signature)
        except BundleRefused as exc:
            raise _Refused(422, exc.reason) from exc
        body = environ["wsgi.input"].read(length)  # waitress has the whole body already, capped
        if len(body) != length:
            raise _Refused(400, "the request body was cut short")
        ws = self.open_workspace()
        try:
            team = ws.evidence.team()
            if team is None or team["role"] != "manager":
                raise SyncError("only a manager's DrillPad imports bundles (drillpad evidence manager-init)")
            if claimed.team != team["id"]:
                raise _Refused(STATUS["skipped"], f"for another team ({claimed.team})", "skipped")
            self._authenticate(ws, claimed, body, signature, device_file)
            return self._import(ws, claimed, body, signature, device_file)
        finally:
            ws.close()

    @staticmethod
    def _authenticate(ws, claimed: Header, body: bytes, signature: bytes, device_file: bytes) -> None:
        """The body must be signed by the device it claims: with its key on record, or for a device not
        seen yet, the key it presents. Nothing is written before this passes."""
        row = ws.db.execute("SELECT public_key FROM peer_devices WHERE id = ?", [claimed.device]).fetchone()
        try:
            if row is not None:
                public = row[0]
            elif not device_file:
                raise BundleRefused(f"device {claimed.device} is not known here and the request carries no device "
                                    "key (X-DrillPad-Device)", "unknown-device")
            else:
                public, _, _ = parse_device_public(device_file[:MAX_DEVICE_FILE_BYTES], claimed.device)
            bundle_mod.verify(body, signature, public)
        except keys_mod.KeyError_ as exc:
            raise _Refused(422, f"the device key sent with the bundle is not usable: {exc}") from exc
        except BundleRefused as exc:
            raise _Refused(422, exc.reason) from exc

    def _import(self, ws, claimed: Header, body: bytes, signature: bytes, device_file: bytes) -> tuple[int, dict]:
        stage = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=self.inbox_dir))
        try:
            stem = f"{claimed.team}-{claimed.device}-{claimed.seq:06d}"  # a name we make, never one we are sent
            if device_file:
                (stage / f"device-{claimed.device}{PUB}").write_bytes(device_file[:MAX_DEVICE_FILE_BYTES])
            (stage / (stem + SIG)).write_bytes(signature)
            (stage / (stem + SUFFIX)).write_bytes(body)
            with self._import_lock:
                outcome = ws.evidence.import_bundle(stage / (stem + SUFFIX), self.manager)
            reply = {"outcome": outcome.outcome, "reason": outcome.reason, "events": outcome.events}
            ack = stage / (stem + ACK)
            if outcome.outcome in ("imported", "already"):
                self._keep(stage, stem)
            if outcome.outcome in ("imported", "already") and ack.exists():
                reply["ack"] = base64.b64encode(ack.read_bytes()).decode()
                reply["ack_signature"] = base64.b64encode((stage / (stem + ACK + ".minisig")).read_bytes()).decode()
            state = stage / f"device-{claimed.device}{STATE}"
            if outcome.outcome == "refused" and state.exists():  # a replay: a workstation restored from a backup
                reply["state"] = base64.b64encode(state.read_bytes()).decode()  # continues from the manager's word
                reply["state_signature"] = base64.b64encode(
                    state.with_name(state.name + ".minisig").read_bytes()).decode()
            return STATUS[outcome.outcome], reply
        finally:
            shutil.rmtree(stage, ignore_errors=True)

    # --- the team's workstations exchange bundles through the inbox (roaming) -----------------------------

    def _keep(self, stage: Path, stem: str) -> None:
        """Keep an accepted bundle for the team's other workstations (signature first, then the bundle: a reader
        lists a bundle only once both are there). Bundles are signed by their device and encrypted to the manager
        and the team's approved workstations, so keeping and handing them out reveals only which devices sent
        how many."""
        self.keep_dir.mkdir(parents=True, exist_ok=True)
        for suffix in (SIG, SUFFIX):
            if not (self.keep_dir / (stem + suffix)).exists():
                shutil.copyfile(stage / (stem + suffix), stage / (stem + suffix + ".keep"))
                (stage / (stem + suffix + ".keep")).replace(self.keep_dir / (stem + suffix))

    def _requester(self, environ: dict) -> str:
        """The device id a GET names; only an approved workstation of the team is answered."""
        device = (parse_qs(environ.get("QUERY_STRING", "")).get("device") or [""])[0]
        ws = self.open_workspace()
        try:
            approved = any(d["id"] == device and d["status"] == "approved" for d in ws.evidence.devices())
        finally:
            ws.close()
        if not approved:
            raise _Refused(403, f"device {device[:36]!r} is not an approved workstation of this team")
        return device

    def _roster(self, environ: dict) -> tuple[int, dict]:
        from drillpad.evidence import roaming

        self._requester(environ)
        ws = self.open_workspace()
        try:
            with self._import_lock:  # the roster's version is kept in the manager's database
                made = roaming.roster_file(ws.evidence, self.manager)
        finally:
            ws.close()
        if made is None:
            return 200, {"roster": None}
        return 200, {"roster": base64.b64encode(made[0]).decode(), "signature": base64.b64encode(made[1]).decode(),
                     "version": made[2]}

    def _peer_list(self, environ: dict) -> tuple[int, dict]:
        device = self._requester(environ)
        have: dict[str, int] = {}
        for pair in (parse_qs(environ.get("QUERY_STRING", "")).get("have") or [""])[0].split(","):
            of, _, n = pair.partition(":")
            if _UUID.match(of) and n.isdigit() and len(n) <= 12:
                have[of] = int(n)
        found = []
        for path in sorted(self.keep_dir.glob("*" + SUFFIX)) if self.keep_dir.exists() else []:
            m = _KEPT.match(path.name)
            if (m and m["device"] != device and int(m["seq"]) > have.get(m["device"], 0)
                    and path.with_name(path.name[: -len(SUFFIX)] + SIG).exists()):
                found.append({"device": m["device"], "seq": int(m["seq"])})
        return 200, {"bundles": found}

    def _peer_bundle(self, environ: dict) -> tuple[int, dict]:
        self._requester(environ)
        query = parse_qs(environ.get("QUERY_STRING", ""))
        of, seq = (query.get("of") or [""])[0], (query.get("seq") or [""])[0]
        if not _UUID.match(of) or not seq.isdigit() or len(seq) > 12:
            raise _Refused(400, "of=DEVICE-ID and seq=NUMBER are required")
        matches = sorted(self.keep_dir.glob(f"*-{of}-{int(seq):06d}{SUFFIX}")) if self.keep_dir.exists() else []
        if not matches:
            raise _Refused(404, f"no bundle {int(seq)} from device {of} here")
        path = matches[0]
        try:
            body = read_capped(path, bundle_mod.MAX_BUNDLE_BYTES)
            signature = read_capped(path.with_name(path.name[: -len(SUFFIX)] + SIG), bundle_mod.MAX_SIGNATURE_BYTES)
        except OSError as exc:
            raise _Refused(404, f"bundle {int(seq)} from device {of} cannot be read here ({exc})") from exc
        return 200, {"bundle": base64.b64encode(body).decode(), "signature": base64.b64encode(signature).decode()}

    def _state(self, environ: dict) -> tuple[int, dict]:
        """The manager's signed device state for an approved or revoked device (what a workstation restored from a
        backup continues from; it reads it at every sync, before it sends)."""
        device = (parse_qs(environ.get("QUERY_STRING", "")).get("device") or [""])[0]
        ws = self.open_workspace()
        try:
            known = any(d["id"] == device and d["status"] != "pending" for d in ws.evidence.devices())
            data = ws.evidence.device_state(device, self.manager) if known else None
        finally:
            ws.close()
        if data is None:
            return 200, {"state": None}
        return 200, {"state": base64.b64encode(data[0]).decode(), "signature": base64.b64encode(data[1]).decode()}

    def _decisions(self, environ: dict) -> tuple[int, dict]:
        device = (parse_qs(environ.get("QUERY_STRING", "")).get("device") or [""])[0]
        ws = self.open_workspace()
        try:
            approved = any(d["id"] == device and d["status"] == "approved" for d in ws.evidence.devices())
            data = ws.evidence.decisions_file(self.manager) if approved else None
        finally:
            ws.close()
        if data is None:
            return 200, {"decisions": None}
        cipher, signature, count = data
        return 200, {"decisions": base64.b64encode(cipher).decode(),
                     "signature": base64.b64encode(signature).decode(), "count": count}


def serve(open_workspace: Callable, manager: keys_mod.ManagerKeys, inbox_dir: Path, host: str = "0.0.0.0",
          port: int = 8765, **options) -> Inbox:
    """A ready-to-run inbox (call ``serve_forever()``; ``shutdown()`` from another thread); *options*:
    ``threads``, ``channel_timeout``, ``connection_limit``, ``backlog`` (see ``Inbox``)."""
    return Inbox((host, port), open_workspace, manager, inbox_dir, **options)
