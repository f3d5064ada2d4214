"""Evidence: device and manager keys, signed bundles, sync, the manager's inbox.

Only file names live here, so that asking "is this a manager's PC?" at start-up loads no crypto.
"""

from __future__ import annotations

from pathlib import Path

KEYS_DIR = "keys"
DEVICE_KEY, DEVICE_PUB, DEVICE_AGE = "device.key", "device.pub", "device.age"
MANAGER_KEY, MANAGER_PUB, MANAGER_AGE, MANAGER_RECIPIENT = "manager.key", "manager.pub", "manager.age", "manager.recipient"


def has_manager_keys(data_dir: Path) -> bool:
    return (data_dir / KEYS_DIR / MANAGER_KEY).exists()
