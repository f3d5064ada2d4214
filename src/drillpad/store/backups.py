"""Backups of the database, and restoring one with everything the damaged file still holds.

Backups are taken online through SQLite's backup API (never a file copy: a copy taken while
DrillPad writes can be torn), into ``backups/`` of the data dir as
``drillpad-YYYYmmddTHHMMSSZ.db``; each is verified with ``integrity_check`` before it is kept,
and files are 0600. Rotation keeps the newest backup of each of the last 7 days that have one
and of each of the last 4 ISO weeks that have one (and always the newest).

Restore never deletes anything: the damaged database (with its WAL) moves to ``damaged/``,
the chosen backup (the newest that still passes its check, unless one is named) becomes the
database, and every row the damaged file still reads is copied in — events by id (they are
append-only with stable ids, so nothing is doubled), other rows newest-wins. The report lists
the events the damaged file knows of (from its indexes) but can no longer read.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from drillpad.store.db import (
    DAMAGED_DIR,
    DB_SUFFIXES,
    PRIVATE_DIR,
    PRIVATE_FILE,
    StoreError,
    close_database,
    explain,
    make_private,
    open_database,
    restoring_path,
)
from drillpad.store.events import raise_floor
from drillpad.store.integrity import (
    check_connection,
    connect_read_only,
    read_rows,
    unreadable_events,
)

log = logging.getLogger(__name__)

BACKUP_DIR = "backups"
KEEP_DAILY = 7
KEEP_WEEKLY = 4
STAMP = "%Y%m%dT%H%M%SZ"
DERIVED_TABLES = {"cards", "_sqlite_migrations"}
"""Rebuilt from events after a restore (cards) or owned by the restored copy (migrations)."""


@dataclass(frozen=True)
class Backup:
    path: Path
    taken_at: datetime

    @property
    def size(self) -> int:
        return self.path.stat().st_size


@dataclass
class RestoreReport:
    backup: Backup | None
    damaged_kept: Path | None
    salvaged_events: int = 0
    salvaged_rows: dict[str, int] = field(default_factory=dict)
    unreadable_events: int = 0
    missing: list[dict] = field(default_factory=list)
    """Events the damaged file knows of but cannot read, and that are not in the backup: rowid, and when the
    indexes still hold them, id, learner_id, learner (name), kind, created_at."""
    from_bundles: int = 0
    """Events taken back from evidence bundles (this PC's outbox, the team's shared folder): evidence/recover.py."""
    sealed_bundles: int = 0
    """Bundles this PC could not decrypt (their events are at the manager's)."""
    replaced_damaged: bool = True
    """The file the backup replaced failed its quick check (False: a sound file replaced by a named backup)."""

    @property
    def missing_answers(self) -> int:
        return sum(1 for e in self.missing if e.get("kind") in ("review", None))

    def summary(self) -> str:
        source = (f"the backup of {self.backup.taken_at:%Y-%m-%d %H:%M} UTC" if self.backup
                  else "no backup (none was usable), only what the damaged file still reads")
        replaced = "the damaged file" if self.replaced_damaged else "the file it replaced"
        lines = [f"Restored {source}; {self.salvaged_events} newer event(s) salvaged from {replaced}."]
        if self.from_bundles or self.sealed_bundles:
            lines.append(f"{self.from_bundles} event(s) came back from evidence bundles (this PC's outbox and the "
                         f"team's shared folder)" + (f"; {self.sealed_bundles} bundle(s) could not be read here, "
                                                     "their records are at the manager's" if self.sealed_bundles
                                                     else "") + ".")
        if self.missing:
            lines.append(f"{len(self.missing)} record(s) could not be read and may be missing "
                         f"({self.missing_answers} of them answers):")
            for e in self.missing[:20]:
                lines.append(f"  - {e.get('created_at', 'time unknown')[:16].replace('T', ' ')}  "
                             f"{e.get('learner') or e.get('learner_id') or 'learner unknown'}  "
                             f"{e.get('kind') or 'kind unknown'}")
        if self.damaged_kept:
            lines.append(f"{replaced[0].upper()}{replaced[1:]} is kept at {self.damaged_kept}.")
        return "\n".join(lines)


def backups_dir(db_path: Path) -> Path:
    return db_path.parent / BACKUP_DIR


def list_backups(db_path: Path) -> list[Backup]:
    """Backups of *db_path*, newest first."""
    found = []
    folder = backups_dir(db_path)
    for path in folder.glob("drillpad-*.db") if folder.is_dir() else ():
        try:
            taken = datetime.strptime(path.stem.removeprefix("drillpad-"), STAMP).replace(tzinfo=timezone.utc)
        except ValueError:
            continue
        found.append(Backup(path, taken))
    return sorted(found, key=lambda b: b.taken_at, reverse=True)


def backup_due(db_path: Path, now: datetime) -> bool:
    """True when no backup was taken on *now*'s (UTC) day (any of them: one stamped by a clock that was set ahead
    sorts first by name, and must not make a backup due at every start)."""
    today = now.astimezone(timezone.utc).date()
    return all(b.taken_at.date() != today for b in list_backups(db_path))


def _verify(path: Path) -> list[str]:
    conn = connect_read_only(path)
    try:
        return check_connection(conn, full=True).problems
    finally:
        conn.close()


def make_backup(db_path: Path, now: datetime) -> Backup:
    """Copy the database online (backup API) into backups/, verify the copy, then rotate. Safe from any thread
    (it uses its own connections) and while DrillPad writes (the copy is one consistent snapshot)."""
    folder = backups_dir(db_path)
    taken = now.astimezone(timezone.utc).replace(microsecond=0)
    final = folder / f"drillpad-{taken.strftime(STAMP)}.db"
    partial = final.with_name(final.name + ".partial")
    try:
        folder.mkdir(mode=PRIVATE_DIR, exist_ok=True)
        make_private(folder, PRIVATE_DIR)
        partial.unlink(missing_ok=True)
        os.close(os.open(partial, os.O_CREAT | os.O_WRONLY, PRIVATE_FILE))
        src = connect_read_only(db_path)
        try:
            dst = sqlite3.connect(partial)
            try:
                src.backup(dst)
                dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            finally:
                dst.close()
        finally:
            src.close()
        if problems := _verify(partial):
            partial.unlink(missing_ok=True)
            raise StoreError(f"the backup of {db_path} failed its check ({'; '.join(problems[:3])}), so it was not "
                             "kept: the database itself may be damaged. Run `drillpad check --full`.")
        os.replace(partial, final)
    except (sqlite3.Error, OSError) as exc:
        partial.unlink(missing_ok=True)
        raise explain(exc, db_path, "make a backup") or StoreError(f"backup of {db_path} failed: {exc}") from exc
    rotate(db_path)
    return Backup(final, taken)


def rotate(db_path: Path) -> list[Path]:
    """Keep the newest backup of each of the last KEEP_DAILY days and KEEP_WEEKLY ISO weeks that have one."""
    backups = list_backups(db_path)
    keep: set[Path] = set()
    days: list = []
    weeks: list = []
    for b in backups:  # newest first: the first one seen of a day or week is its newest
        day, week = b.taken_at.date(), b.taken_at.isocalendar()[:2]
        if day not in days and len(days) < KEEP_DAILY:
            days.append(day)
            keep.add(b.path)
        if week not in weeks and len(weeks) < KEEP_WEEKLY:
            weeks.append(week)
            keep.add(b.path)
    removed = [b.path for b in backups if b.path not in keep]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


def _choose_backup(db_path: Path, named: Path | None) -> Backup | None:
    if named is not None:
        named = named if named.is_absolute() or named.exists() else backups_dir(db_path) / named
        if not named.is_file():
            raise StoreError(f"no backup {named}; see the list with `drillpad backup --list`")
        if problems := _verify(named):
            raise StoreError(f"the backup {named} is damaged too ({'; '.join(problems[:3])}); name another one "
                             "(`drillpad backup --list`), or restore without a name to take the newest good one")
        match = [b for b in list_backups(db_path) if b.path.resolve() == named.resolve()]
        return match[0] if match else Backup(named, datetime.fromtimestamp(named.stat().st_mtime, timezone.utc))
    for b in sorted(list_backups(db_path), key=lambda b: (_progress(b.path), b.taken_at), reverse=True):
        if not _verify(b.path):
            return b
        log.warning("backup %s failed its check; trying an older one", b.path)
    return None


def _progress(path: Path) -> int:
    """How far a backup's history goes, whatever the clock said when it was taken: the sum of every device's
    highest event number (they only ever rise, even across a restore: ``seq_floor``). A clock set ahead for one
    day stamps a backup with a future name; this keeps it from passing for the newest copy."""
    try:
        conn = connect_read_only(path)
    except (sqlite3.Error, OSError):
        return -1
    try:
        for query in ("SELECT total(seq) FROM seq_floor",  # older backups have no floor: their events say it
                      "SELECT total(top) FROM (SELECT max(seq) AS top FROM events GROUP BY device_id)"):
            try:
                return int(conn.execute(query).fetchone()[0])
            except sqlite3.Error:
                continue
        return -1
    finally:
        conn.close()


def _in_use_by(db_path: Path) -> int | None:
    marker = db_path.with_name(db_path.name + ".open")
    try:
        pid = int(marker.read_text().strip())
    except (OSError, ValueError):
        return None
    if pid == os.getpid():
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    return pid


def restore(db_path: Path, now: datetime, backup: Path | None = None, *, salvage: bool = True) -> RestoreReport:
    """Put a backup back as the database, keeping the current file aside and salvaging what it still reads.

    The caller rebuilds derived state (schedules) afterwards (the Workspace does)."""
    if (pid := _in_use_by(db_path)) is not None:
        raise StoreError(f"DrillPad is still running with this data (process {pid}); close it, then restore")
    chosen = _choose_backup(db_path, backup)
    stamp = now.astimezone(timezone.utc).strftime(STAMP)
    current = db_path if db_path.exists() else None
    aside = db_path.parent / DAMAGED_DIR / f"drillpad-{stamp}.db" if current is not None else None
    restoring = restoring_path(db_path)
    for suffix in DB_SUFFIXES:
        Path(f"{restoring}{suffix}").unlink(missing_ok=True)
    if chosen is not None:
        os.close(os.open(restoring, os.O_CREAT | os.O_WRONLY, PRIVATE_FILE))
        src, dst = connect_read_only(chosen.path), sqlite3.connect(restoring)
        try:
            src.backup(dst)
        finally:
            src.close()
            dst.close()
    db = open_database(restoring, check_network=False)  # migrates an older backup to this DrillPad's schema
    report = RestoreReport(chosen, aside)
    if current is not None:
        report.replaced_damaged = not _sound(current)
    try:  # the restored copy is made complete beside the current file, which stays in place until it is
        if salvage and current is not None:  # (a restore killed before this ends leaves the data as it was)
            _salvage(db.conn, current, report)
    finally:
        close_database(db)
    if aside is not None:
        aside.parent.mkdir(mode=PRIVATE_DIR, exist_ok=True)
        os.replace(db_path, aside)  # from here a start finishes the restore (finish_interrupted_restore)
        for suffix in DB_SUFFIXES[1:]:  # the WAL travels with its database: it holds committed answers
            if Path(f"{db_path}{suffix}").exists():
                os.replace(f"{db_path}{suffix}", f"{aside}{suffix}")
    db_path.with_name(db_path.name + ".open").unlink(missing_ok=True)
    os.replace(restoring, db_path)
    log.warning("restored %s: %s", db_path, report.summary())
    return report


def _sound(path: Path) -> bool:
    """Whether *path* passes SQLite's quick check (read-only)."""
    try:
        conn = connect_read_only(path)
    except (sqlite3.Error, OSError):
        return False
    try:
        return check_connection(conn, full=False).ok
    except sqlite3.Error:
        return False
    finally:
        conn.close()


def _salvage(conn: sqlite3.Connection, damaged_path: Path, report: RestoreReport) -> None:
    try:
        damaged = connect_read_only(damaged_path)
    except (sqlite3.Error, OSError) as exc:
        log.warning("the damaged file %s cannot be opened for salvage: %s", damaged_path, exc)
        return
    try:
        try:
            theirs = {r[0] for r in damaged.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as exc:
            log.warning("the damaged file's schema cannot be read (%s); nothing salvaged", exc)
            return
        ours = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                                           "'sqlite_%'")]
        conn.execute("PRAGMA foreign_keys=OFF")  # rows arrive in any order; checked afterwards
        try:
            with conn:
                conn.execute("BEGIN")
                for table in ours:
                    if table in DERIVED_TABLES or table not in theirs:
                        continue
                    mine = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
                    try:
                        have = {r[1] for r in damaged.execute(f'PRAGMA table_info("{table}")')}
                    except sqlite3.DatabaseError:
                        continue
                    columns = [c for c in mine if c in have]
                    rows, bad = read_rows(damaged, table, columns)
                    verb = "INSERT OR IGNORE" if table == "events" else "INSERT OR REPLACE"
                    marks = ", ".join("?" for _ in columns)
                    names = ", ".join(f'"{c}"' for c in columns)
                    written = 0  # rows this statement wrote (total_changes would add the events trigger's)
                    for row in rows:
                        if table == "seq_floor":  # the floor only goes up
                            raise_floor(conn, *row)
                            continue
                        written += conn.execute(f'{verb} INTO "{table}" ({names}) VALUES ({marks})', row).rowcount
                    if table == "events":
                        report.salvaged_events = written
                        report.unreadable_events = len(bad)
                        known = {r[0] for r in conn.execute("SELECT id FROM events")}
                        report.missing = [e for e in unreadable_events(damaged, bad) if e.get("id") not in known]
                    else:
                        report.salvaged_rows[table] = len(rows)
                for device_id, seq in _seqs_used(damaged):
                    raise_floor(conn, device_id, seq)
        finally:
            conn.execute("PRAGMA foreign_keys=ON")
        names = dict(conn.execute("SELECT id, name FROM learners"))
        for e in report.missing:
            e["learner"] = names.get(e.get("learner_id"))
        if broken := conn.execute("PRAGMA foreign_key_check").fetchall():
            log.warning("after salvage %d row(s) point at rows that could not be read: %s", len(broken), broken[:5])
    finally:
        damaged.close()


def _seqs_used(damaged: sqlite3.Connection) -> list[tuple[str, int]]:
    """The highest sequence number each device used in the damaged file, from the (device_id, seq) index — a
    separate b-tree that often outlives a damaged table page — else from what the table still reads."""
    for sql in ("SELECT device_id, max(seq) FROM events INDEXED BY sqlite_autoindex_events_2 GROUP BY device_id",
                "SELECT device_id, max(seq) FROM events GROUP BY device_id"):
        try:
            return [(d, s) for d, s in damaged.execute(sql).fetchall() if d is not None and s is not None]
        except sqlite3.DatabaseError:
            continue
    return []
