"""Profile PINs on a shared workstation: format, scrypt hashing, and the lock-out rule.

A PIN is 4–8 digits. It is stored only as an scrypt hash (``scrypt$n$r$p$salt$hash``, base64).
After ``FREE_TRIES`` wrong PINs in a row the profile locks for a time that doubles with each
further failure; after ``MAX_FAILURES`` it stays locked until a manager resets it. The failure
count lives in the database, so restarting the app does not reset it, and a clock moved back
does not shorten a lock (the lock is measured from the last failure, whichever is later).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from datetime import datetime, timedelta

FREE_TRIES = 5
MAX_FAILURES = 10
FIRST_LOCK = timedelta(seconds=30)
_N, _R, _P = 2**14, 8, 1
_PIN = re.compile(r"^\d{4,8}$")


class PinFormatError(ValueError):
    pass


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
    """How long the profile locks after *failures* consecutive wrong PINs; None: until a manager resets."""
    if failures >= MAX_FAILURES:
        return None
    if failures < FREE_TRIES:
        return timedelta(0)
    return FIRST_LOCK * 2 ** (failures - FREE_TRIES)


def locked_until(failures: int, last_failure: datetime | None) -> datetime | None:
    """When the lock ends (None when not locked by time); ``datetime.max`` style is avoided: callers
    check ``needs_manager`` first."""
    duration = lock_duration(failures)
    if duration is None or last_failure is None or not duration:
        return None
    return last_failure + duration


def needs_manager(failures: int) -> bool:
    return failures >= MAX_FAILURES
