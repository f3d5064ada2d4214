"""Deliver the outbox to the LRS: batches of at most 50, oldest first, ``X-Experience-API-Version: 1.0.3``,
HTTP Basic, a statement marked sent only after the LRS accepted it (so kill -9 at any moment loses nothing,
and a resend is harmless because the ids are the statements' own).

- 2xx: the batch is sent.
- 400 (or 413): the batch is split in halves until the statement the LRS refuses is alone; that one is
  *refused* with the LRS's message and the rest flow. 409 likewise, marked *conflict* (a different statement
  already has that id at the LRS).
- 401/403: stop at once with a clear message (credentials, or the site's authority and scopes — a 403, or a 401
  whose message names a scope, as Ralph's does); nothing is marked.
  404/405 likewise (the URL names no xAPI statements resource).
- 429, 5xx, timeouts, refused connections: wait (exponential back-off with full jitter, at least what
  ``Retry-After`` asks) and try again; the LRS shows as unreachable meanwhile.
"""

from __future__ import annotations

import email.utils
import json
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

import requests
from sqlite_utils import Database

from drillpad.lrs import outbox
from drillpad.lrs.config import LrsConfig
from drillpad.lrs.signing import SIGNATURE_CONTENT_TYPE
from drillpad.lrs.statements import XAPI_VERSION

MAX_RETRY_AFTER = 3600.0


class LrsStopped(RuntimeError):
    """The LRS refused our credentials or authority (401/403): sending stops until IT fixes it."""


class Transient(RuntimeError):
    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


@dataclass
class SendReport:
    sent: int = 0
    refused: int = 0
    conflicts: int = 0
    batches: int = 0
    retries: int = 0
    remaining: int = 0
    stopped: str | None = None
    unreachable: str | None = None
    messages: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{self.sent} sent", f"{self.refused} refused", f"{self.conflicts} conflict(s)",
                 f"{self.remaining} still queued"]
        if self.stopped:
            parts.append(f"stopped: {self.stopped}")
        elif self.unreachable:
            parts.append(f"LRS unreachable: {self.unreachable}")
        return ", ".join(parts)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = time.time() if now is None else now
    return max(0.0, min(when.timestamp() - now, MAX_RETRY_AFTER))


def _message(response: requests.Response) -> str:
    """The LRS's own words about a refusal (its JSON message, else its text), short."""
    text = response.text[:2000]
    try:
        data = json.loads(text)
        if isinstance(data, dict):
            for key in ("message", "detail", "error", "warnings"):
                if data.get(key):
                    text = data[key] if isinstance(data[key], str) else json.dumps(data[key])
                    break
    except ValueError:
        pass
    return f"HTTP {response.status_code}: {' '.join(str(text).split())[:500]}"


class Sender:
    def __init__(self, db: Database, config: LrsConfig, *, now: Callable[[], str],
                 sleep: Callable[[float], None] = time.sleep, rng: random.Random | None = None,
                 session: requests.Session | None = None, base_delay: float = 1.0, max_delay: float = 300.0,
                 progress: Callable[[SendReport], object] | None = None):
        self.db, self.config, self.now, self.sleep = db, config, now, sleep
        self.rng = rng or random.Random()
        self.session = session or requests.Session()
        self.session.auth = (config.username, config.password)
        self.session.headers.update({"X-Experience-API-Version": XAPI_VERSION})
        self.base_delay, self.max_delay, self.progress = base_delay, max_delay, progress

    # --- one request ------------------------------------------------------------------------------

    def _post(self, batch: list[outbox.Pending]) -> requests.Response:
        statements = [p.statement for p in batch]
        signed = [p for p in batch if p.signature]
        timeout = (self.config.connect_timeout, self.config.read_timeout)
        try:
            if not signed:
                body = json.dumps(statements, separators=(",", ":")).encode()
                return self.session.post(self.config.statements_url, data=body, timeout=timeout,
                                         headers={"Content-Type": "application/json"})
            boundary = "drillpad-" + uuid.uuid4().hex
            parts = [f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode()
                     + json.dumps(statements, separators=(",", ":")).encode() + b"\r\n"]
            for p in signed:
                sha2 = p.statement["attachments"][0]["sha2"]
                parts.append(f"--{boundary}\r\nContent-Type: {SIGNATURE_CONTENT_TYPE}\r\n"
                             f"Content-Transfer-Encoding: binary\r\nX-Experience-API-Hash: {sha2}\r\n\r\n".encode()
                             + p.signature.encode() + b"\r\n")  # type: ignore[union-attr]
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            return self.session.post(self.config.statements_url, data=body, timeout=timeout,
                                     headers={"Content-Type": f"multipart/mixed; boundary={boundary}"})
        except requests.Timeout as exc:
            raise Transient(f"no answer within {self.config.read_timeout:g} s ({type(exc).__name__})") from exc
        except requests.ConnectionError as exc:
            raise Transient(f"cannot connect to {self.config.statements_url} ({_reason(exc)})") from exc

    def _deliver(self, batch: list[outbox.Pending], report: SendReport) -> None:
        """Send *batch*; bisect on 400/409 so only the statement the LRS refuses is held back."""
        response = self._post(batch)
        code = response.status_code
        if 200 <= code < 300:
            outbox.mark(self.db, [p.id for p in batch], "sent", now=self.now())
            report.sent += len(batch)
            return
        if code in (401, 403, 404, 405):
            self._refusal(response)
        if code in (400, 409, 413):
            if len(batch) > 1:
                half = len(batch) // 2
                self._deliver(batch[:half], report)
                self._deliver(batch[half:], report)
                return
            if code == 409:
                outbox.mark(self.db, [batch[0].id], "conflict", now=self.now(),
                            reason=f"another statement with this id is already at the LRS ({_message(response)})")
                report.conflicts += 1
            else:
                outbox.mark(self.db, [batch[0].id], "refused", now=self.now(), reason=_message(response))
                report.refused += 1
            report.messages.append(f"{batch[0].id}: {_message(response)}")
            return
        raise Transient(_message(response), parse_retry_after(response.headers.get("Retry-After")))

    def _refusal(self, response: requests.Response) -> None:
        """Raise ``LrsStopped`` for an answer that no retry mends: 401/403 (credentials, authority, scopes) and
        404/405 (the URL names no xAPI statements resource)."""
        code = response.status_code
        if code in (401, 403):
            said = _message(response)
            # Ralph answers a missing scope with 401 too: then the password is right and the scopes are not
            scopes = code == 403 or "scope" in said.lower()
            raise LrsStopped(
                f"the LRS refused DrillPad's credentials ({said}). "
                + ("This site's credential may not write these statements: ask the LRS administrator to check "
                   "its authority and scopes." if scopes
                   else "Check username and password in the LRS credentials file (lrs_credentials_file)."))
        if code in (404, 405):
            raise LrsStopped(f"{self.config.statements_url} is not an xAPI statements resource ({_message(response)}): "
                             "check lrs_url in the IT policy (it names the xAPI endpoint, e.g. https://lrs.example.com"
                             "/xAPI/)")

    # --- the loop -----------------------------------------------------------------------------------

    def delay(self, failures: int, retry_after: float | None) -> float:
        """Full-jitter exponential back-off, never shorter than what the LRS asked for."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (failures - 1))
        wait = self.rng.uniform(0, ceiling)
        return max(wait, retry_after) if retry_after is not None else wait

    def send(self, *, max_failures: int | None = 8, max_batches: int | None = None) -> SendReport:
        """Send until the queue is empty, the LRS stops us (401/403), or *max_failures* transient failures in a
        row (then the LRS is marked unreachable; the statements stay queued for next time)."""
        report = SendReport()
        failures = 0
        while max_batches is None or report.batches < max_batches:
            batch = outbox.next_batch(self.db, self.config.batch_size)
            if not batch:
                break
            try:
                self._deliver(batch, report)
            except LrsStopped as exc:
                report.stopped = str(exc)
                outbox.set_state(self.db, stopped=str(exc), last_problem=str(exc), last_problem_at=self.now())
                break
            except Transient as exc:
                failures += 1
                report.retries += 1
                report.unreachable = str(exc)
                outbox.set_state(self.db, unreachable="1", last_problem=str(exc), last_problem_at=self.now())
                if max_failures is not None and failures >= max_failures:
                    break
                self.sleep(self.delay(failures, exc.retry_after))
                continue
            failures = 0
            report.batches += 1
            report.unreachable = None
            outbox.set_state(self.db, unreachable="0", stopped=None, last_success=self.now())
            if self.progress is not None:
                self.progress(report)
        report.remaining = self.db.execute("SELECT count(*) FROM lrs_outbox WHERE status = 'queued'").fetchone()[0]
        return report

    def test(self) -> str:
        """Check the LRS answers xAPI and lets our credentials write statements; a one-line verdict, or raise.
        The write check posts an empty list of statements: it stores nothing, and an LRS checks the credential
        (and its scopes) before it reads the body — Ralph then says "cannot be empty" (400), others 200."""
        timeout = (self.config.connect_timeout, self.config.read_timeout)
        versions: list[str] = []
        try:
            about = self.session.get(self.config.about_url, timeout=timeout)
            try:
                versions = about.json().get("version", []) if about.ok else []
            except ValueError:
                versions = []
            probe = self.session.post(self.config.statements_url, data=b"[]", timeout=timeout,
                                      headers={"Content-Type": "application/json"})
        except requests.RequestException as exc:
            raise Transient(f"cannot reach the LRS at {self.config.url} ({_reason(exc)})") from exc
        self._refusal(probe)  # 401/403/404/405: raise with what to fix
        if probe.status_code >= 500 or probe.status_code == 429:
            raise Transient(f"the LRS at {self.config.url} answered {_message(probe)}")
        if not versions and probe.headers.get("X-Experience-API-Version"):
            versions = [probe.headers["X-Experience-API-Version"]]
        shown = ", ".join(versions) if versions else "not stated"
        return f"OK: {self.config.url} answers xAPI (versions {shown}) and accepts the credentials of " \
               f"{self.config.username!r} for writing statements"


def _reason(exc: Exception) -> str:
    text = str(exc)
    for marker in ("Connection refused", "Name or service not known", "timed out", "Connection reset"):
        if marker in text:
            return marker.lower()
    return type(exc).__name__


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")
