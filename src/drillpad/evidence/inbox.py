"""The manager's inbox: a small HTTP server on the manager's PC (``drillpad inbox serve``).

Workstations POST each bundle to ``/v1/bundles`` (the encrypted bundle as the body, its minisign
signature and the device's public key file base64-encoded in headers) and GET
``/v1/decisions?device=ID`` for the manager's signed decisions. Every bundle goes through the
same import as a folder drop — verify, approve, sequence, chain, limits, one transaction — and
the reply says what happened and why:

- 200 ``imported`` / ``already`` with the manager's signed acknowledgement;
- 202 ``pending`` (device waits for approval) or ``held`` (an earlier bundle is missing);
- 409 ``skipped`` (another team's bundle); 422 ``refused`` with the reason; 413 too large;
  400 a malformed request.

The request size is bounded before anything is read. One request is handled at a time, so
imports never race.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from drillpad.evidence import bundle as bundle_mod
from drillpad.evidence import keys as keys_mod
from drillpad.evidence.bundle import BundleRefused
from drillpad.evidence import atomic_write
from drillpad.evidence.sync import ACK, PUB, SIG, SUFFIX, SyncError

log = logging.getLogger(__name__)
MAX_HEADER_BYTES = 8192
STATUS = {"imported": 200, "already": 200, "pending": 202, "held": 202, "skipped": 409, "refused": 422}


class Inbox(HTTPServer):
    """*open_workspace* opens the manager's workspace (called in the serving thread)."""

    def __init__(self, address: tuple[str, int], open_workspace: Callable, manager: keys_mod.ManagerKeys,
                 inbox_dir: Path):
        super().__init__(address, _Handler)
        self.open_workspace, self.manager, self.inbox_dir = open_workspace, manager, inbox_dir
        self.inbox_dir.mkdir(parents=True, exist_ok=True)
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


class _Handler(BaseHTTPRequestHandler):
    server: Inbox
    server_version = "DrillPadInbox/1"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        log.info("%s %s", self.address_string(), format % args)

    def _reply(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _header(self, name: str) -> bytes:
        value = self.headers.get(name, "")
        if len(value) > MAX_HEADER_BYTES:
            raise ValueError(f"the {name} header is too large")
        try:
            return base64.b64decode(value, validate=True)
        except binascii.Error as exc:
            raise ValueError(f"the {name} header is not base64") from exc

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        if urlparse(self.path).path != "/v1/bundles":
            return self._reply(404, {"outcome": "refused", "reason": "unknown address; POST /v1/bundles"})
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            return self._reply(411, {"outcome": "refused", "reason": "Content-Length is required"})
        if length > bundle_mod.MAX_BUNDLE_BYTES or length < 0:
            self.close_connection = True
            return self._reply(413, {"outcome": "refused",
                                     "reason": f"the bundle is larger than {bundle_mod.MAX_BUNDLE_BYTES} bytes"})
        try:
            signature = self._header("X-DrillPad-Signature")
            device_file = self._header("X-DrillPad-Device")
            header = bundle_mod.peek(signature)
        except ValueError as exc:
            return self._reply(400, {"outcome": "refused", "reason": str(exc)})
        except BundleRefused as exc:
            return self._reply(422, {"outcome": "refused", "reason": exc.reason})
        body = self.rfile.read(length)
        if len(body) != length:
            return self._reply(400, {"outcome": "refused", "reason": "the request body was cut short"})
        stem = f"{header.team}-{header.device}-{header.seq:06d}"  # a name we make, never one we are sent
        folder = self.server.inbox_dir
        with self.server.lock:
            if device_file:
                atomic_write(folder / f"device-{header.device}{PUB}", device_file[:2000])
            atomic_write(folder / (stem + SIG), signature)
            atomic_write(folder / (stem + SUFFIX), body)
            ws = self.server.open_workspace()
            try:
                outcome = ws.evidence.import_bundle(folder / (stem + SUFFIX), self.server.manager)
            except SyncError as exc:
                return self._reply(503, {"outcome": "refused", "reason": str(exc)})
            finally:
                ws.close()
        reply = {"outcome": outcome.outcome, "reason": outcome.reason, "events": outcome.events}
        ack = folder / (stem + ACK)
        if outcome.outcome in ("imported", "already") and ack.exists():
            reply["ack"] = base64.b64encode(ack.read_bytes()).decode()
            reply["ack_signature"] = base64.b64encode((folder / (stem + ACK + ".minisig")).read_bytes()).decode()
        self._reply(STATUS[outcome.outcome], reply)

    def do_GET(self) -> None:  # noqa: N802
        url = urlparse(self.path)
        if url.path == "/v1/health":
            return self._reply(200, {"ok": True})
        if url.path != "/v1/decisions":
            return self._reply(404, {"reason": "unknown address"})
        device = (parse_qs(url.query).get("device") or [""])[0]
        with self.server.lock:
            ws = self.server.open_workspace()
            try:
                approved = any(d["id"] == device and d["status"] == "approved" for d in ws.evidence.devices())
                data = ws.evidence.decisions_file(self.server.manager) if approved else None
            finally:
                ws.close()
        if data is None:
            return self._reply(200, {"decisions": None})
        cipher, signature, count = data
        self._reply(200, {"decisions": base64.b64encode(cipher).decode(),
                          "signature": base64.b64encode(signature).decode(), "count": count})


def serve(open_workspace: Callable, manager: keys_mod.ManagerKeys, inbox_dir: Path, host: str = "0.0.0.0",
          port: int = 8765) -> Inbox:
    """A ready-to-run inbox (call ``serve_forever()``; ``shutdown()`` from another thread)."""
    return Inbox((host, port), open_workspace, manager, inbox_dir)
