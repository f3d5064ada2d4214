"""Is the database whole? SQLite's own checks, a read of every event, and a reader for damaged files.

``quick_check`` runs at every start (it reads every page, so a damaged page is found before
DrillPad reads or writes it); ``integrity_check`` plus a read of every event row is the full
check (after an unclean exit, and ``drillpad check --full``). :func:`read_rows` reads what a
damaged table still holds, row by row, so ``restore`` can salvage it.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

MAX_PROBLEMS = 20
EVENT_COLUMNS = ("id", "device_id", "seq", "learner_id", "kind", "payload", "created_at")


@dataclass
class CheckReport:
    full: bool
    problems: list[str] = field(default_factory=list)
    events_read: int = 0
    events_unreadable: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems


def _pragma_check(conn: sqlite3.Connection, full: bool) -> list[str]:
    pragma = "integrity_check" if full else "quick_check"
    try:
        rows = [r[0] for r in conn.execute(f"PRAGMA {pragma}({MAX_PROBLEMS})")]
    except sqlite3.DatabaseError as exc:
        return [f"{pragma} could not run: {exc}"]
    return [] if rows == ["ok"] else rows


def _tables(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                                       "'sqlite_%' ORDER BY rootpage")]


def check_connection(conn: sqlite3.Connection, *, full: bool) -> CheckReport:
    """Quick check (*full* False) or integrity check plus a read of every event row."""
    started = time.perf_counter()
    report = CheckReport(full=full)
    try:
        report.problems = _pragma_check(conn, full)
        if full and "events" in _tables(conn):
            rows, unreadable = read_rows(conn, "events", EVENT_COLUMNS)
            report.events_read = len(rows)
            report.events_unreadable = len(unreadable)
            if unreadable:
                report.problems.append(f"{len(unreadable)} event row(s) cannot be read")
    except sqlite3.DatabaseError as exc:  # the schema itself is unreadable
        report.problems.append(str(exc))
    report.seconds = time.perf_counter() - started
    return report


def connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection that cannot change *path* (it still sees the committed contents of its WAL)."""
    if not path.exists():
        raise FileNotFoundError(path)
    return sqlite3.connect(f"file:{path.absolute()}?mode=ro", uri=True, isolation_level=None)


def check_database(path: Path, *, full: bool) -> CheckReport:
    conn = connect_read_only(path)
    try:
        return check_connection(conn, full=full)
    finally:
        conn.close()


def _valid_event(row: tuple) -> bool:
    try:
        return len(row[0]) == 36 and isinstance(json.loads(row[5]), dict)
    except (TypeError, ValueError):
        return False


def _rowids(conn: sqlite3.Connection, table: str) -> set[int]:
    """Every rowid that can still be found: a table scan (resumed past damaged pages by seeking further on), and
    every index on the table (an index is a separate b-tree; it often survives a damaged table page)."""
    found: set[int] = set()
    try:
        top = conn.execute(f'SELECT max(rowid) FROM "{table}"').fetchone()[0] or 0
    except sqlite3.DatabaseError:
        top = None
    start, skip = 0, 1
    while top is not None and start < top:
        last = None
        try:
            for (rowid,) in conn.execute(f'SELECT rowid FROM "{table}" NOT INDEXED WHERE rowid > ? ORDER BY rowid',
                                         [start]):
                found.add(rowid)
                last = rowid
            break
        except sqlite3.DatabaseError:  # seek past the damaged page: 1, 2, 4 … 64 rowids on
            if last is not None:
                start, skip = last, 1
            start, skip = start + skip, min(skip * 2, 64)
    for (index,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?", [table]):
        try:
            found.update(r[0] for r in conn.execute(f'SELECT rowid FROM "{table}" INDEXED BY "{index}"'))
        except sqlite3.DatabaseError:
            continue
    return found


def read_rows(conn: sqlite3.Connection, table: str, columns: tuple[str, ...] | list[str]) -> tuple[
        list[tuple], set[int]]:
    """The rows of *table* that still read (and, for events, hold a valid id and JSON payload), and the rowids
    that are known to exist but cannot be read. Fast path: one scan; row by row only when that fails."""
    cols = ", ".join(f'"{c}"' for c in columns)
    check = _valid_event if table == "events" else (lambda _row: True)
    try:
        rows = conn.execute(f'SELECT rowid, {cols} FROM "{table}"').fetchall()
        good = [r[1:] for r in rows if check(r[1:])]
        return good, {r[0] for r in rows if not check(r[1:])}
    except sqlite3.DatabaseError:
        pass
    good, bad = [], set()
    for rowid in sorted(_rowids(conn, table)):
        try:
            row = conn.execute(f'SELECT {cols} FROM "{table}" WHERE rowid = ?', [rowid]).fetchone()
        except sqlite3.DatabaseError:
            bad.add(rowid)
            continue
        if row is not None and check(row):
            good.append(row)
        elif row is not None:
            bad.add(rowid)
    return good, bad


def unreadable_events(conn: sqlite3.Connection, rowids: set[int]) -> list[dict]:
    """What the indexes still say about event rows that cannot be read: id, learner, kind, time (when known)."""
    found: dict[int, dict] = {r: {"rowid": r} for r in rowids}
    probes = (("id", "SELECT rowid, id FROM events INDEXED BY sqlite_autoindex_events_1"),
              ("learner_kind_time", "SELECT rowid, learner_id, kind, created_at FROM events INDEXED BY "
                                    "events_learner_kind"))
    for what, sql in probes:
        try:
            for row in conn.execute(sql):
                if row[0] in found:
                    if what == "id":
                        found[row[0]]["id"] = row[1]
                    else:
                        found[row[0]].update(learner_id=row[1], kind=row[2], created_at=row[3])
        except sqlite3.DatabaseError:
            continue
    return sorted(found.values(), key=lambda e: (e.get("created_at") or "", e["rowid"]))
