"""The workstation's side of the manager's HTTP inbox (``drillpad evidence send --url``).

One request per connection, with two bounded waits: ``CONNECT_TIMEOUT`` to reach the manager's PC
and ``READ_TIMEOUT`` for its answer (the inbox imports one bundle at a time, so a workstation may
queue behind the others: 200 at once are all answered within a few seconds, docs/evidence.md).
Every failure is an ``InboxUnavailable`` that says what happened in words a person can act on
(nothing listening, no answer, not the inbox, the inbox could not take it now); the caller keeps the
bundles in the outbox for next time.
"""

from __future__ import annotations

import base64
import http.client
import socket
from urllib.parse import quote, urlsplit

from drillpad.evidence import bundle as bundle_mod
from drillpad.evidence import schemas
from drillpad.evidence.sync import SyncError

CONNECT_TIMEOUT = 10.0
"""Seconds to reach the manager's PC (on a site network it takes milliseconds)."""
READ_TIMEOUT = 60.0
"""Seconds to wait for an answer once connected."""
MAX_HAVE = 400
"""Devices named in one listing request (each ~45 characters of the request line; the inbox takes 32 KB)."""


class InboxUnavailable(SyncError):
    """The inbox could not be reached or could not take the request now; nothing was lost."""


class InboxClient:
    def __init__(self, url: str, *, connect_timeout: float = CONNECT_TIMEOUT, read_timeout: float = READ_TIMEOUT):
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InboxUnavailable(f"{url!r} is not an inbox address: write it as http://MANAGER-PC:8765")
        try:
            self.port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as exc:
            raise InboxUnavailable(f"{url!r} is not an inbox address ({exc})") from exc
        self.url, self.host, self.https = url.strip().rstrip("/"), parts.hostname, parts.scheme == "https"
        self.prefix = parts.path.rstrip("/")
        self.connect_timeout, self.read_timeout = min(connect_timeout, read_timeout), read_timeout

    def post_bundle(self, body: bytes, signature: bytes, device_file: bytes) -> tuple[int, dict]:
        return self._request("POST", "/v1/bundles", body, {
            "Content-Type": "application/octet-stream",
            "X-DrillPad-Signature": base64.b64encode(signature).decode(),
            "X-DrillPad-Device": base64.b64encode(device_file).decode()})

    def decisions(self, device_id: str) -> tuple[int, dict]:
        return self._request("GET", f"/v1/decisions?device={quote(device_id)}", None, {})

    def state(self, device_id: str) -> tuple[int, dict]:
        return self._request("GET", f"/v1/state?device={quote(device_id)}", None, {})

    def roster(self, device_id: str) -> tuple[int, dict]:
        return self._request("GET", f"/v1/roster?device={quote(device_id)}", None, {})

    def peer_bundles(self, device_id: str, have: dict[str, int] | None = None) -> tuple[int, dict]:
        """The team's bundles the inbox keeps: ``{"bundles": [{"device", "seq"}, …]}``, without those up to
        *have*'s number for each device named there (what this workstation has taken already)."""
        taken = ",".join(f"{d}:{n}" for d, n in sorted((have or {}).items())[:MAX_HAVE] if n > 0)
        return self._request("GET", f"/v1/peers?device={quote(device_id)}" + (f"&have={quote(taken)}" if taken else ""),
                             None, {})

    def peer_bundle(self, device_id: str, of: str, seq: int) -> tuple[int, dict]:
        return self._request("GET", f"/v1/peers/bundle?device={quote(device_id)}&of={quote(of)}&seq={int(seq)}",
                             None, {})

    def _request(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> tuple[int, dict]:
        where = f"{self.host}:{self.port}"
        unreachable = f"the manager's inbox at {self.url} is not reachable"
        kind = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
        conn = kind(self.host, self.port, timeout=self.connect_timeout)
        try:
            try:
                conn.connect()
            except socket.gaierror as exc:
                raise InboxUnavailable(f"{unreachable}: the name {self.host!r} is not known on this network "
                                       f"({exc.strerror}); check the inbox address") from exc
            except ConnectionRefusedError as exc:
                raise InboxUnavailable(f"{unreachable}: nothing is listening at {where} (connection refused); is "
                                       "`drillpad inbox serve` running on the manager's PC?") from exc
            except TimeoutError as exc:
                raise InboxUnavailable(f"{unreachable}: no answer from {where} within {self.connect_timeout:g} s "
                                       "while connecting; check the address and that the manager's PC is on "
                                       "the network") from exc
            except OSError as exc:
                raise InboxUnavailable(f"{unreachable}: cannot connect to {where} ({exc.strerror or exc})") from exc
            conn.sock.settimeout(self.read_timeout)
            try:
                conn.request(method, self.prefix + path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read(2 * bundle_mod.MAX_BUNDLE_BYTES + 1)
            except TimeoutError as exc:
                raise InboxUnavailable(f"the manager's inbox at {self.url} took the connection but did not answer "
                                       f"within {self.read_timeout:g} s") from exc
            except (OSError, http.client.HTTPException) as exc:
                raise InboxUnavailable(f"the connection to the manager's inbox at {self.url} broke before it "
                                       f"answered ({exc.__class__.__name__}: {exc})") from exc
        finally:
            conn.close()
        try:
            reply = schemas.loads(data)  # plain JSON only: finite numbers, bounded depth (ValueError)
            if not isinstance(reply, dict):
                raise ValueError("not an object")
        except ValueError:
            if response.status == 413:  # the server's own limit, before the inbox saw the request
                return 413, {"outcome": "refused", "reason": "the bundle is larger than the inbox accepts"}
            raise InboxUnavailable(f"{self.url} answered HTTP {response.status} with something that is not a "
                                   "DrillPad inbox reply: is this the right address?") from None
        return response.status, reply
