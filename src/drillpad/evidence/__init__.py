"""Evidence: device and manager keys, signed bundles, sync, the manager's inbox.

Only file names live here, so that asking "is this a manager's PC?" at start-up loads no crypto.
"""

from __future__ import annotations

import errno
import os
import stat
import uuid
from pathlib import Path

KEYS_DIR = "keys"
DEVICE_KEY, DEVICE_PUB, DEVICE_AGE = "device.key", "device.pub", "device.age"
MANAGER_KEY, MANAGER_PUB, MANAGER_AGE, MANAGER_RECIPIENT = "manager.key", "manager.pub", "manager.age", "manager.recipient"
MANAGER_WRAP = "manager.identity"  # the age identity again, wrapped by a scrypt that never refuses (keys.py)


def has_manager_keys(data_dir: Path) -> bool:
    return (data_dir / KEYS_DIR / MANAGER_KEY).exists()


def atomic_write(path: Path, data: bytes, *, mode: int = 0o644) -> None:
    """Write *data* so that a reader sees the old file or the new one, never half of one (a unique temporary
    name beside it, flushed to disk, then renamed); *mode* 0o600 for secrets."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}{PART}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a failure leaves no .part behind (a kill -9 can: import_folder sweeps those)
        raise


PART = ".part"


class UnreadableFile(OSError):
    """Not a regular file (a FIFO, a device, a directory, a symbolic link), or larger than allowed."""

    def __init__(self, path: Path, why: str, *, too_large: bool = False):
        super().__init__(f"{path.name} {why}")
        self.path, self.why, self.too_large = path, why, too_large


_KINDS = ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def file_kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def read_capped(path: Path, cap: int) -> bytes:
    """The bytes of the regular file *path*, at most *cap* of them, from a folder others can write to: a
    symbolic link is never followed, a FIFO or device never blocks (opened O_NOFOLLOW | O_NONBLOCK and
    checked on the open descriptor), and nothing past the cap is read. ``UnreadableFile`` says why not."""
    try:
        if stat.S_ISLNK(os.lstat(path).st_mode):  # Windows has no O_NOFOLLOW
            raise UnreadableFile(path, "is a symbolic link; only regular files are read")
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
                     | getattr(os, "O_BINARY", 0))
    except UnreadableFile:
        raise
    except OSError as exc:
        if exc.errno == getattr(errno, "ELOOP", -1):
            raise UnreadableFile(path, "is a symbolic link; only regular files are read") from exc
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableFile(path, f"is {file_kind(info.st_mode)}, not a regular file")
        if info.st_size > cap:
            raise UnreadableFile(path, f"is larger than {cap} bytes (the limit): {info.st_size} bytes",
                                 too_large=True)
        chunks, left = [], cap + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        if len(data) > cap:
            raise UnreadableFile(path, f"grew past the limit of {cap} bytes while being read", too_large=True)
        return data
    finally:
        os.close(fd)
