"""Evidence: device and manager keys, signed bundles, sync, the manager's inbox.

Only file names live here, so that asking "is this a manager's PC?" at start-up loads no crypto.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

KEYS_DIR = "keys"
DEVICE_KEY, DEVICE_PUB, DEVICE_AGE = "device.key", "device.pub", "device.age"
MANAGER_KEY, MANAGER_PUB, MANAGER_AGE, MANAGER_RECIPIENT = "manager.key", "manager.pub", "manager.age", "manager.recipient"


def has_manager_keys(data_dir: Path) -> bool:
    return (data_dir / KEYS_DIR / MANAGER_KEY).exists()


def atomic_write(path: Path, data: bytes, *, mode: int = 0o644) -> None:
    """Write *data* so that a reader sees the old file or the new one, never half of one (a unique temporary
    name beside it, flushed to disk, then renamed); *mode* 0o600 for secrets."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
