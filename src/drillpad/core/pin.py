"""Profile PINs on a shared workstation: format, scrypt hashing, and the lock-out rule.

A PIN is 4–8 digits. It is stored only as an scrypt hash (``scrypt$n$r$p$salt$hash``, base64).
Wrong PINs are counted over a rolling ``WINDOW`` (24 hours); a right PIN does not wipe the count.
From ``FREE_TRIES`` failures in the window the profile locks for a time that doubles with each
further failure; at ``MAX_FAILURES`` it stays locked until a manager resets it. An attempt is
counted *before* its PIN is checked, so parallel tries cannot outrun the rule. The count lives
in the database (a restart does not reset it). A lock is kept as its length, measured on the
monotonic clock: moving the system clock either way neither stretches nor shortens it, and
after a machine restart it starts again from its remaining length — never longer than nominal.
See docs/pin-lock.md.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from datetime import timedelta

FREE_TRIES = 5
MAX_FAILURES = 10
FIRST_LOCK = timedelta(seconds=30)
WINDOW = timedelta(hours=24)
_N, _R, _P = 2**14, 8, 1
_PIN = re.compile(r"^\d{4,8}$")


class PinFormatError(ValueError):
    pass


def complete(pin: str) -> bool:
    """Whether *pin* has the shape of a PIN (4–8 digits): anything else is not an attempt and is not counted."""
    return bool(_PIN.match(pin or ""))


def check_format(pin: str) -> str:
    if not _PIN.match(pin or ""):
        raise PinFormatError("a PIN is 4 to 8 digits")
    if len(set(pin)) == 1:
        raise PinFormatError("choose a PIN that is not one digit repeated")
    return pin


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return "$".join(["scrypt", str(_N), str(_R), str(_P), base64.b64encode(salt).decode(),
                     base64.b64encode(digest).decode()])


def verify_pin(pin: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(pin.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(base64.b64decode(digest)))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(digest))


def lock_duration(failures: int) -> timedelta | None:
    """How long the profile locks after *failures* wrong PINs in the window; None: until a manager resets."""
    if failures >= MAX_FAILURES:
        return None
    if failures < FREE_TRIES:
        return timedelta(0)
    return FIRST_LOCK * 2 ** (failures - FREE_TRIES)


def lock_left(lock_seconds: float, lock_mono: float | None, mono_now: float) -> float:
    """Seconds of a lock still to wait: its length less the monotonic time since it started. A monotonic clock
    that went back means the machine restarted: the lock counts again from its length, never more."""
    if lock_seconds <= 0 or lock_mono is None:
        return 0.0
    elapsed = mono_now - lock_mono
    if elapsed < 0:
        elapsed = 0.0
    return max(0.0, min(lock_seconds, lock_seconds - elapsed))


def needs_manager(failures: int) -> bool:
    return failures >= MAX_FAILURES
