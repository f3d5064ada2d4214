"""Opening the one SQLite file of a data dir, safely.

WAL, ``synchronous=FULL`` (asserted: some builds quietly default WAL to NORMAL), foreign
keys on, a busy timeout. The schema comes only from ``migrations``; a database written by a
newer DrillPad is refused rather than damaged (by its migration names and by ``user_version``).
Every open runs SQLite's ``quick_check`` (a damaged page is found before anything reads or writes
it); a marker file tells whether the last session ended cleanly, and if not the full check
(``integrity_check`` and a read of every event) runs too. A damaged database is refused with
:class:`DamagedDatabaseError`; ``drillpad restore`` (``store.backups.restore``) repairs it.

Failures the user can fix — a full disk, a read-only folder or filesystem, missing permissions —
each get their own message saying what to do (:func:`explain`). The data dir is 0700 and the
database, its WAL and its backups 0600: other accounts on a shared PC cannot read them.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import stat
import sys
import threading
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


class DamagedDatabaseError(StoreError):
    """The database failed its integrity check; nothing was written to it."""

    def __init__(self, path: Path, problems: list[str], *, after_unclean_exit: bool = False):
        self.path, self.problems = path, problems
        when = " after an unclean exit" if after_unclean_exit else ""
        shown = "; ".join(problems[:3]) + (f" (+{len(problems) - 3} more)" if len(problems) > 3 else "")
        super().__init__(
            f"{path} is damaged: it failed its integrity check{when} ({shown}). Nothing was written to it. "
            "See what is affected with `drillpad check --full`; `drillpad restore` puts the latest backup back, "
            "keeps the damaged file aside and copies into it every answer that still reads.")


class SaveError(StoreError):
    """A save failed because of the computer, not the data: *reason* is ``full`` (the disk), ``readonly`` (no
    write access), ``busy`` (another program holds the database), ``damaged`` (the file met a damaged page) or
    ``other``; nothing of it was kept (one
    transaction), so the caller may keep what the user typed and let them try again."""

    reason = "other"

    def __init__(self, message: str, reason: str | None = None):
        super().__init__(message)
        if reason is not None:
            self.reason = reason


class DiskFullError(SaveError):
    """The disk (or the database's size limit) is full."""

    reason = "full"


def save_error(exc: BaseException) -> SaveError | None:
    """The SaveError for *exc* when it is a sqlite3 or OS error from saving (a full disk, no write access, a busy
    database, …), or None when it is something else (a bug: let it raise)."""
    if isinstance(exc, SaveError):
        return exc
    if isinstance(exc, OSError):
        text = str(exc)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return DiskFullError(f"the disk is full ({text})")
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return SaveError(text, "readonly")
        return SaveError(text)
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    text = str(exc)
    if isinstance(exc, sqlite3.DatabaseError) and (code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
                                                   or "malformed" in text.lower()):
        return SaveError(f"the database is damaged ({text})", "damaged")  # the disk failed under an open window
    if not isinstance(exc, sqlite3.OperationalError):  # IntegrityError and the like are bugs, not the computer
        return None
    if code == sqlite3.SQLITE_FULL or "full" in text.lower():
        return DiskFullError(text)
    if code in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_CANTOPEN) \
            or "readonly" in text.lower() or "permission" in text.lower():
        return SaveError(text, "readonly")
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or "locked" in text.lower() or "busy" in text.lower():
        return SaveError(text, "busy")
    return SaveError(text)


PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
DB_SUFFIXES = ("", "-wal", "-shm")
DAMAGED_DIR = "damaged"
"""Where a restore keeps the file it replaced (beside the database)."""


def restoring_path(path: Path) -> Path:
    """Where a restore builds the restored copy of *path* before it takes its place."""
    return path.with_name(path.name + ".restoring")


def finish_interrupted_restore(path: Path) -> bool:
    """A restore sets the current file aside only once its restored copy is complete; when it was stopped after
    that (the database is gone, the copy is there), put the copy in place, and the old file's WAL and
    shared-memory files (never to be read with another database) beside the file set aside. True when it did."""
    restoring = restoring_path(path)
    if path.exists() or not restoring.exists():
        return False
    damaged = path.parent / DAMAGED_DIR
    kept = sorted(damaged.glob("drillpad-*.db")) if damaged.is_dir() else []
    for suffix in DB_SUFFIXES[1:]:
        if (left := Path(f"{path}{suffix}")).exists():
            if kept:
                os.replace(left, f"{kept[-1]}{suffix}")
            else:
                left.unlink()
    os.replace(restoring, path)
    return True


def make_private(path: Path, mode: int = PRIVATE_FILE) -> None:
    """Take group and other access away from *path* (file 0600, dir 0700 at most) when it exists and is ours; the
    owner's own bits are never widened, and another owner's file is left alone."""
    del mode  # the owner's bits stay as they are; only group and other bits go
    try:
        current = stat.S_IMODE(path.stat().st_mode)
        if current & 0o077:
            path.chmod(current & 0o700)
    except OSError:
        pass


def _journal_follows(path: Path) -> None:
    """SQLite makes the WAL and shared-memory files with the database's mode: opened while IT had it read-only,
    they stay read-only after IT gives the database back its write access. When this account may write the
    database, its own leftover side files get 0600 too (the database's mode itself is IT's to set)."""
    if not os.access(path, os.R_OK | os.W_OK):
        return
    for suffix in DB_SUFFIXES[1:]:
        side = Path(f"{path}{suffix}")
        try:
            st = side.stat()
            if (not hasattr(os, "getuid") or st.st_uid == os.getuid()) and stat.S_IMODE(st.st_mode) & 0o600 != 0o600:
                side.chmod(PRIVATE_FILE)
        except OSError:
            pass


def read_only_filesystem(path: Path) -> bool:
    """Whether *path* (or its nearest existing parent) is on a filesystem mounted read-only."""
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # pragma: no cover - statvfs is POSIX only
        return False


def _free(path: Path) -> str:
    try:
        free = shutil.disk_usage(path).free
    except OSError:
        return "unknown"
    return f"{free / 1e6:.1f} MB" if free >= 1e5 else f"{free // 1024} KB"


def disk_full_message(folder: Path, action: str) -> str:
    return (f"The disk holding {folder} is full ({_free(folder)} free), so DrillPad could not {action}. "
            "Nothing already saved was lost. Free some space on that disk (or ask IT to), then try again.")


def read_only_fs_message(folder: Path, path: Path) -> str:
    leftover = [p.name for p in (Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]
    journal = (f" The last session's journal ({', '.join(leftover)}) is still there and needs write access to be "
               "folded back in, so the data cannot even be read safely until then." if leftover else "")
    return (f"{folder} is on a filesystem mounted read-only, so DrillPad cannot save practice there.{journal} "
            "Ask IT to make it writable again (or to set data_dir in the policy file to a writable local folder); "
            "nothing has been changed.")


def permission_message(target: Path, action: str) -> str:
    return (f"DrillPad may not {action} {target}: your account lacks permission. Ask IT to give your account "
            "read and write access to it (DrillPad keeps it private to you: folder 0700, files 0600), or to set "
            "data_dir in the policy file to a folder you own.")


def explain(exc: BaseException, path: Path, action: str = "save your practice") -> StoreError | None:
    """A StoreError with a message the user can act on for *exc* (a sqlite3 or OS error touching the database at
    *path*), or None when it is none of the problems a user can fix."""
    folder = path.parent
    if isinstance(exc, StoreError):
        return exc
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return StoreError(disk_full_message(folder, action))
        if exc.errno == errno.EROFS:
            return StoreError(read_only_fs_message(folder, path))
        if exc.errno in (errno.EACCES, errno.EPERM):
            return StoreError(permission_message(Path(exc.filename or folder), "write to"))
        return None
    if not isinstance(exc, sqlite3.Error):
        return None
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    text = str(exc).lower()
    if code == sqlite3.SQLITE_FULL or "disk is full" in text:
        return StoreError(disk_full_message(folder, action))
    if code in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH) \
            or "readonly" in text or "unable to open" in text:
        if read_only_filesystem(folder):
            return StoreError(read_only_fs_message(folder, path))
        for target in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            if target.exists() and not os.access(target, os.R_OK | os.W_OK):
                return StoreError(permission_message(target, "read and write"))
        if not os.access(folder, os.W_OK | os.X_OK):
            return StoreError(permission_message(folder, "create files in"))
        return StoreError(f"DrillPad cannot write {path} ({exc}). Check that no other program holds it and that "
                          "your account may write there; ask IT if it persists.")
    if code == sqlite3.SQLITE_IOERR:
        if shutil.disk_usage(folder).free == 0:
            return StoreError(disk_full_message(folder, action))
        return StoreError(f"The disk holding {path} reported an error ({exc}). Run `drillpad check --full`, and ask "
                          "IT to check the disk; your last saved answers are in the backups folder.")
    if code == sqlite3.SQLITE_CORRUPT or "malformed" in text:
        return DamagedDatabaseError(path, [str(exc)])
    if code == sqlite3.SQLITE_NOTADB:
        return StoreError(f"{path} is not a DrillPad database ({exc}). If it was one, `drillpad restore` puts the "
                          "latest backup back and keeps this file aside.")
    return None


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


_open_here: dict[str, int] = {}
"""How many connections this process has open on each database (by resolved path): the window, a
worker's workspace, a CLI verb. The marker is this process's while any is open: a second connection
does not read it as an unclean exit, and closing one does not remove it under the others."""
_open_lock = threading.Lock()


def _key(path: Path) -> str:
    return str(Path(path).resolve())


def was_unclean(path: Path) -> bool:
    """The last session with *path* did not close it (its ``.open`` marker is still there and is not this
    process's own, open right now): before opening."""
    with _open_lock:
        if _open_here.get(_key(path)):
            return False
    return _marker(path).exists()


def open_database(path: Path, *, check_network: bool = True, defer_full_check: bool = False) -> Database:
    """Open (creating if needed), check and migrate the database at *path*.

    Raises StoreError with a message saying what to do: DamagedDatabaseError when the quick check (or, after an
    unclean exit, the full check) fails; NewerSchemaError for a newer DrillPad's database; disk full, read-only or
    permission problems each with their own message. *defer_full_check* (the window): only the quick check runs
    here even after an unclean exit; the caller runs the full one in the background (``was_unclean`` says when).
    """
    if check_network and (fs := network_filesystem(path.parent)):
        raise StoreError(
            f"{path.parent} is on a network filesystem ({fs}); SQLite's WAL mode is not safe there. "
            "Put the data dir on local disk (policy key data_dir, or --data-dir)."
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if read_only_filesystem(path.parent):
            raise StoreError(read_only_fs_message(path.parent, path))
        finish_interrupted_restore(path)
        if not path.exists():  # created private, so its WAL and shared-memory files are private too
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, PRIVATE_FILE))
        for suffix in DB_SUFFIXES:
            make_private(Path(f"{path}{suffix}"))
        _journal_follows(path)
    except OSError as exc:
        raise explain(exc, path, "open its database") or exc from exc
    unclean = was_unclean(path)
    try:
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise explain(exc, path, "open its database") or StoreError(f"cannot open {path}: {exc}") from exc
    db = Database(conn)
    try:
        _configure(db, path)
        from drillpad.store.integrity import check_connection

        report = check_connection(conn, full=unclean and not defer_full_check)
        if not report.ok:
            raise DamagedDatabaseError(path, report.problems, after_unclean_exit=unclean)
        migrate(db, path)
        with _open_lock:
            _marker(path).write_text(str(os.getpid()))
            _open_here[_key(path)] = _open_here.get(_key(path), 0) + 1
    except BaseException as exc:
        conn.close()
        if isinstance(exc, (sqlite3.Error, OSError)) and (known := explain(exc, path, "open its database")):
            raise known from exc
        raise
    return db


def open_reader(path: Path) -> Database:
    """A read-only connection to the database at *path* (already opened, checked and migrated by the app), for the
    thread that calls this and only that thread (SQLite connections stay in the thread that opened them): no
    check, no migration, no marker; any write through it fails."""
    try:
        conn = sqlite3.connect(f"file:{path.absolute()}?mode=ro", uri=True, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA query_only=ON")
    except sqlite3.Error as exc:
        raise explain(exc, path, "read its database") or StoreError(f"cannot read {path}: {exc}") from exc
    return Database(conn)


def _configure(db: Database, path: Path) -> None:
    try:
        mode = db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        if known := explain(exc, path, "open its database"):
            raise known from exc
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
    """Apply pending migrations; refuse a database from a newer DrillPad. Returns what ran.

    The schema version is also kept in SQLite's ``user_version`` (the number of migrations applied), which
    any SQLite tool shows; a database whose ``user_version`` is above what this DrillPad knows is refused
    like an unknown migration.
    """
    known = schema_names()
    applied = [m.name for m in migrations.applied(db)]
    newer = [name for name in applied if name not in known]
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if newer or version > len(known):
        what = f"schema {newer[-1]}" if newer else f"user_version {version}"
        raise NewerSchemaError(
            f"{path} was written by a newer DrillPad ({what}); this DrillPad knows up to "
            f"{known[-1]} (user_version {len(known)}). Install the newer DrillPad; the database was not changed."
        )
    pending = [m.name for m in migrations.pending(db)]
    migrations.apply(db)
    if version != len(known):
        db.execute(f"PRAGMA user_version = {len(known)}")
    return pending


def close_database(db: Database) -> None:
    path = db.execute("PRAGMA database_list").fetchone()[2]
    db.conn.close()
    if path:
        with _open_lock:
            left = _open_here.get(_key(Path(path)), 1) - 1
            if left > 0:
                _open_here[_key(Path(path))] = left
                return  # another connection of this process still has it open
            _open_here.pop(_key(Path(path)), None)
            _marker(Path(path)).unlink(missing_ok=True)
