"""Opening the one SQLite file of a data dir, safely.

WAL, ``synchronous=FULL`` (asserted: some builds quietly default WAL to NORMAL), foreign
keys on, a busy timeout. The schema comes only from ``migrations``; a database written by a
newer DrillPad is refused rather than damaged. A marker file tells whether the last session
ended cleanly; if not, a quick integrity check runs before anything else.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

from sqlite_utils import Database

from drillpad.store.migrations import migrations

BUSY_TIMEOUT_MS = 5000
NETWORK_FS = {
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "fuse.sshfs", "sshfs", "9p", "afs", "ceph",
    "glusterfs", "fuse.glusterfs", "davfs", "fuse.davfs2", "fuse.rclone", "fuse.s3fs", "lustre",
}


class StoreError(RuntimeError):
    """A data-dir problem the user must act on; the message says what to do."""


class NewerSchemaError(StoreError):
    pass


def network_filesystem(path: Path, mounts: str | None = None) -> str | None:
    """The network filesystem type *path* lives on, or None for local disk.

    *mounts* is the text of /proc/mounts (read when not given).
    """
    path = path.absolute()
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows builds
        text = str(path)
        if text.startswith("\\\\"):
            return "UNC share"
        import ctypes

        drive = os.path.splitdrive(text)[0] + "\\"
        return "network drive" if ctypes.windll.kernel32.GetDriveTypeW(drive) == 4 else None
    if mounts is None:
        try:
            mounts = Path("/proc/mounts").read_text()
        except OSError:
            return None
    best, fstype = "", None
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        mount = fields[1].replace("\\040", " ")
        if (str(path) == mount or str(path).startswith(mount.rstrip("/") + "/")) and len(mount) >= len(best):
            best, fstype = mount, fields[2]
    return fstype if fstype in NETWORK_FS else None


def _marker(path: Path) -> Path:
    return path.with_name(path.name + ".open")


def open_database(path: Path, *, check_network: bool = True) -> Database:
    """Open (creating if needed) and migrate the database at *path*."""
    if check_network and (fs := network_filesystem(path.parent)):
        raise StoreError(
            f"{path.parent} is on a network filesystem ({fs}); SQLite's WAL mode is not safe there. "
            "Put the data dir on local disk (policy key data_dir, or --data-dir)."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    unclean = _marker(path).exists()
    try:
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open {path}: {exc}") from exc
    db = Database(conn)
    try:
        _configure(db, path)
        if unclean:
            result = db.execute("PRAGMA quick_check").fetchone()[0]
            if result != "ok":
                raise StoreError(
                    f"{path} failed its integrity check after an unclean exit ({result}). "
                    "Restore the latest backup, or ask IT to run `drillpad check --full`."
                )
        migrate(db, path)
    except BaseException:
        conn.close()
        raise
    _marker(path).write_text(str(os.getpid()))
    return db


def _configure(db: Database, path: Path) -> None:
    try:
        mode = db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path} is not a DrillPad database (or is damaged): {exc}") from exc
    if mode.lower() != "wal":
        raise StoreError(f"{path}: could not switch to WAL journal mode (got {mode!r})")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    if db.execute("PRAGMA synchronous").fetchone()[0] != 2:
        raise StoreError(f"{path}: SQLite refused synchronous=FULL; refusing to run without durable commits")
    if db.execute("PRAGMA foreign_keys").fetchone()[0] != 1:
        raise StoreError(f"{path}: this SQLite build cannot enforce foreign keys")


def schema_names() -> list[str]:
    return [m.name for m in migrations._migrations]


def migrate(db: Database, path: Path | str = "database") -> list[str]:
    """Apply pending migrations; refuse a database from a newer DrillPad. Returns what ran."""
    known = schema_names()
    applied = [m.name for m in migrations.applied(db)]
    newer = [name for name in applied if name not in known]
    if newer:
        raise NewerSchemaError(
            f"{path} was written by a newer DrillPad (schema {newer[-1]}); this DrillPad knows up to "
            f"{known[-1]}. Install the newer DrillPad; the database was not changed."
        )
    pending = [m.name for m in migrations.pending(db)]
    migrations.apply(db)
    return pending


def close_database(db: Database) -> None:
    path = db.execute("PRAGMA database_list").fetchone()[2]
    db.conn.close()
    if path:
        _marker(Path(path)).unlink(missing_ok=True)
