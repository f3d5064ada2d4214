"""The durable outbox of statements (table ``lrs_outbox``, migration m010_lrs_outbox) and the sender's state.

``queue_events`` runs inside the caller's transaction — the evidence import's, or the one recording a
manager's decision — so a statement exists exactly when the verified event it describes does. Queueing is
idempotent (the statement id is derived from the event id). A statement that fails validation is stored as
``invalid`` with the problems and never sent; it does not stop the import.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from drillpad.lrs import statements as st
from drillpad.lrs.catalog import SqliteCatalog
from drillpad.lrs.config import LrsConfig
from drillpad.lrs.signing import SigningError
from drillpad.lrs.validation import InvalidStatement, validate


@dataclass(frozen=True)
class Pending:
    seq: int
    id: str
    statement: dict[str, Any]
    signature: str | None


def queue_events(db: Database, events: Iterable[dict[str, Any]], config: LrsConfig, *, now: str,
                 version: str) -> int:
    """Queue the statements for *events* (dicts as in a bundle's events.jsonl) inside the caller's transaction.
    Returns how many were newly queued."""
    catalog = SqliteCatalog(db)
    signer = None
    new = 0
    with db.atomic():
        for event in events:
            try:
                built = st.build(event, catalog, config.sharing, version)
            except (st.StatementError, KeyError, TypeError, ValueError) as exc:
                new += _store(db, st.statement_id(config.sharing, event["id"]), event, "?", {"event": event["id"]},
                              None, "invalid", f"cannot describe this event: {exc}", now)
                continue
            if built is None:
                continue
            status, reason, signature, statement = "queued", None, None, built.statement
            try:
                validate(statement)
                if built.sign:
                    if signer is None:
                        signer = config.signer()
                    if signer is None:
                        status, reason = "invalid", ("sign-offs are sent signed, and the IT policy names no site "
                                                     "key and certificate (lrs_signing_key_file, lrs_certificate_file)")
                    else:
                        from drillpad.lrs.signing import sign, sign_embedded

                        if config.signature == "extension":
                            statement = sign_embedded(statement, signer, config.sharing.ext("jws"))
                        else:
                            statement, signature = sign(statement, signer)
                        validate(statement)
            except InvalidStatement as exc:
                status, reason = "invalid", str(exc)
            except SigningError as exc:  # a missing or wrong key file never stops an import
                status, reason = "invalid", f"not signed: {exc}"
            new += _store(db, built.id, event, built.kind, statement, signature, status, reason, now)
    return new


def _store(db: Database, sid: str, event: dict[str, Any], kind: str, statement: dict[str, Any],
           signature: str | None, status: str, reason: str | None, now: str) -> int:
    return db.execute(
        "INSERT INTO lrs_outbox (id, event_id, kind, statement, signature, status, reason, queued_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING",
        [sid, event["id"], kind, json.dumps(statement, sort_keys=True, separators=(",", ":")), signature, status,
         reason, now]).rowcount


def queue_all(db: Database, config: LrsConfig, *, now: str, version: str) -> int:
    """Queue statements for every event already stored (the first time an LRS is configured); idempotent."""
    rows = db.execute("SELECT id, kind, learner_id, payload, created_at FROM events WHERE learner_id IS NOT NULL "
                      "ORDER BY created_at, device_id, seq").fetchall()
    events = [{"id": r[0], "kind": r[1], "learner_id": r[2], "payload": json.loads(r[3]), "created_at": r[4]}
              for r in rows]
    with db.atomic():
        return queue_events(db, events, config, now=now, version=version)


def next_batch(db: Database, size: int) -> list[Pending]:
    return [Pending(r[0], r[1], json.loads(r[2]), r[3]) for r in db.execute(
        "SELECT seq, id, statement, signature FROM lrs_outbox WHERE status = 'queued' ORDER BY seq LIMIT ?",
        [size])]


def mark(db: Database, ids: list[str], status: str, *, now: str, reason: str | None = None) -> None:
    """Move queued statements to *status* (sent, refused, conflict) in one transaction."""
    sent_at = now if status == "sent" else None
    with db.atomic():
        db.conn.executemany("UPDATE lrs_outbox SET status = ?, reason = ?, attempts = attempts + 1, "
                            "sent_at = coalesce(?, sent_at) WHERE id = ? AND status = 'queued'",
                            [(status, reason, sent_at, i) for i in ids])


def set_state(db: Database, **values: str | None) -> None:
    with db.atomic():
        for key, value in values.items():
            if value is None:
                db.execute("DELETE FROM lrs_state WHERE key = ?", [key])
            else:
                db.execute("INSERT INTO lrs_state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET "
                           "value = excluded.value", [key, value])


def state(db: Database) -> dict[str, str]:
    return dict(db.execute("SELECT key, value FROM lrs_state").fetchall())


def status(db: Database, problems: int = 20) -> dict[str, Any]:
    """Counts by status, the last success and problem, and the latest refused/conflict/invalid with reasons."""
    counts = {s: 0 for s in ("queued", "sent", "refused", "conflict", "invalid")}
    counts.update(dict(db.execute("SELECT status, count(*) FROM lrs_outbox GROUP BY status").fetchall()))
    s = state(db)
    rows = [dict(zip(("id", "event_id", "kind", "status", "reason"), r)) for r in db.execute(
        "SELECT id, event_id, kind, status, reason FROM lrs_outbox WHERE status IN ('refused', 'conflict', 'invalid') "
        "ORDER BY seq DESC LIMIT ?", [problems])]
    return {"counts": counts, "last_success": s.get("last_success"), "last_problem": s.get("last_problem"),
            "last_problem_at": s.get("last_problem_at"), "unreachable": s.get("unreachable") == "1",
            "stopped": s.get("stopped"), "problems": rows}


def retry(db: Database, *, statuses: tuple[str, ...] = ("refused", "conflict")) -> int:
    """Put refused and conflicting statements back in the queue (after the cause was fixed at the LRS).
    Invalid statements are never retried: they are DrillPad bugs."""
    marks = ",".join("?" * len(statuses))
    with db.atomic():
        n = db.execute(f"UPDATE lrs_outbox SET status = 'queued', reason = NULL WHERE status IN ({marks})",
                       list(statuses)).rowcount
        db.execute("DELETE FROM lrs_state WHERE key = 'stopped'")
    return n
