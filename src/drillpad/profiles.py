"""Profiles: who practises on this workstation, their PINs and the unlocked session.

The learners (list, look up, add), a PIN set, changed or reset, the lock-out windows (wrong PINs counted before the
PIN is compared, in one transaction; lock lengths bounded whatever the clock does), and the session that every event
made until ``lock()`` is bound to. The workspace hands it out as ``Workspace.profiles``.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from drillpad.clock import Clock, from_iso, to_iso
from drillpad.core import pin as pin_core
from drillpad.errors import LearningError, saves
from drillpad.store import events as event_store
from drillpad.store import learners as learner_store
from drillpad.store import pins as pin_store

if TYPE_CHECKING:
    from sqlite_utils import Database


@dataclass(frozen=True)
class UnlockResult:
    ok: bool
    message: str
    failures: int = 0
    """wrong PINs in the rolling window (``pin.WINDOW``)"""
    locked_until: datetime | None = None
    needs_manager: bool = False
    seconds_left: float = 0.0
    """of a timed lock, on the monotonic clock"""
    incomplete: bool = False
    """the PIN was not all there (nothing was counted)"""
    wrong_since_last_visit: int = 0


class PinCheck:
    """A counted unlock attempt whose PIN is still to be compared with the hash. ``check()`` is the slow part
    (scrypt) and touches no database, so a UI may run it in a worker; then ``Profiles.finish_unlock``."""

    def __init__(self, learner_id: str, name: str, attempt_id: int, pin: str, pin_hash: str):
        self.learner_id, self.name, self.attempt_id = learner_id, name, attempt_id
        self._pin, self._hash = pin, pin_hash
        self.right: bool | None = None

    def check(self) -> bool:
        self.right = pin_core.verify_pin(self._pin, self._hash)
        self._pin = ""
        return self.right


def _wait(delta: timedelta | float) -> str:
    total = delta.total_seconds() if isinstance(delta, timedelta) else delta
    seconds = max(1, int(total + 0.999))
    if seconds < 90:
        return f"{seconds} seconds"
    return f"{(seconds + 59) // 60} minutes"


class Profiles:
    def __init__(self, db: Database, clock: Clock, device_id: str):
        self.db, self.clock, self.device_id = db, clock, device_id
        self.session: dict[str, str] | None = None
        """The unlocked profile's session (id, learner), set by ``unlock``; events are bound to it."""

    def on(self, db: Database) -> "Profiles":
        """This service on another connection (a reader's, or the database reopened after a repair), with the
        session as it is now."""
        other = copy.copy(self)
        other.db = db
        return other

    def _now(self) -> str:
        return to_iso(self.clock.now())

    # --- learners ------------------------------------------------------------------------

    def learners(self) -> list[learner_store.Learner]:
        return learner_store.list_learners(self.db)

    def learner(self, key: str) -> learner_store.Learner:
        return learner_store.get_learner(self.db, key)

    def add_learner(self, name: str, role: str) -> learner_store.Learner:
        """Add a learner; the ``learner.added`` event carries them to the manager in evidence bundles."""
        with self.db.atomic():
            lr = learner_store.add_learner(self.db, name, role, now=self._now())
            event_store.append(self.db, device_id=self.device_id, learner_id=lr.id, kind="learner.added",
                               payload={"name": lr.name, "pack": lr.pack_id, "role": lr.role_id}, now=self._now())
        return lr

    def add_demo_learner(self, name: str, role: str, pin: str) -> learner_store.Learner:
        """A demo learner with the demo PIN (set here only: no ``pin.set`` event), in one transaction."""
        with self.db.atomic():
            lr = self.add_learner(name, role)
            pin_store.set_hash(self.db, lr.id, pin_core.hash_pin(pin), self._now())
        return lr

    # --- PIN, lock-out, session ----------------------------------------------------------

    def has_pin(self, learner_key: str) -> bool:
        return pin_store.get(self.db, self.learner(learner_key).id) is not None

    @saves
    def set_pin(self, learner_key: str, pin: str) -> None:
        """Set the PIN of a profile that has none (first use, or after a manager's reset)."""
        lr = self.learner(learner_key)
        if pin_store.get(self.db, lr.id) is not None:
            raise LearningError(f"{lr.name} already has a PIN; a manager can reset it")
        if pin_store.history_without_pin(self.db, lr.id, self.device_id):
            raise LearningError(f"{lr.name}'s practice from another workstation is here, but their PIN has not come "
                                "with it yet: sync this workstation (or ask a manager to reset the PIN), then try "
                                "again")
        self._store_pin(lr.id, pin_core.hash_pin(pin_core.check_format(pin)))

    def change_pin(self, learner_key: str, pin: str) -> None:
        """The unlocked learner chooses a new PIN; it reaches the team's other workstations at the next sync."""
        lr = self.learner(learner_key)
        if self.session is None or self.session["learner"] != lr.id:
            raise LearningError(f"unlock {lr.name}'s profile first: only they change their PIN")
        self._store_pin(lr.id, pin_core.hash_pin(pin_core.check_format(pin)))

    def _pin_stamp(self, learner_id: str) -> str:
        """Now, or just after the last PIN event known here when this PC's clock is behind it."""
        now = self._now()
        last = pin_store.latest_stamp(self.db, learner_id)
        if last is not None and from_iso(last) >= from_iso(now):
            now = to_iso(from_iso(last) + timedelta(microseconds=1))
        return now

    def _store_pin(self, learner_id: str, verifier: str) -> None:
        """The verifier here and as a ``pin.set`` event (one transaction), which carries it — never the PIN — to
        the team's other workstations. Stamped no earlier than the last PIN event known here, so a PIN chosen after
        a reset follows it by the clock rule even on a PC whose clock is behind."""
        now = self._pin_stamp(learner_id)
        payload: dict[str, Any] = {"verifier": verifier}
        if self.session is not None and self.session["learner"] == learner_id:
            payload["session"] = self.session["id"]
        with self.db.atomic():
            e = event_store.append(self.db, device_id=self.device_id, learner_id=learner_id, kind="pin.set",
                                   payload=payload, now=now)
            pin_store.set_hash(self.db, learner_id, verifier, now, e.id)

    def unlock(self, learner_key: str, pin: str, *, via: str = "app") -> UnlockResult:
        """Check a PIN. The attempt is counted before the PIN is compared (wrong PINs count towards a lock-out
        that survives restarts and right ones do not wipe); a right PIN starts a session that every event made
        until ``lock()`` is bound to. (The UI runs the slow comparison in a worker: ``begin_unlock``, ``check()``
        there, then ``finish_unlock``.)"""
        started = self.begin_unlock(learner_key, pin, via=via)
        if isinstance(started, UnlockResult):
            return started
        started.check()
        return self.finish_unlock(started)

    def _pin_window(self) -> str:
        return to_iso(self.clock.now() - pin_core.WINDOW)

    @saves
    def begin_unlock(self, learner_key: str, pin: str, *, via: str = "app") -> UnlockResult | PinCheck:
        """Count an unlock attempt (one transaction) and hand back the check to run; or say why there is none:
        an incomplete PIN (not an attempt: nothing counted), no PIN yet, or a lock."""
        lr = self.learner(learner_key)
        if not pin_core.complete(pin):
            return UnlockResult(False, "Type all the digits of your PIN (4 to 8), then OK.", incomplete=True)
        claim = pin_store.claim(self.db, lr.id, now=self._now(), since=self._pin_window(),
                                mono=self.clock.monotonic(), via=via)
        if claim.state == "no_pin":
            return UnlockResult(False, "This profile has no PIN yet: choose one first.")
        if claim.state == "manager":
            return UnlockResult(False, "Locked after too many wrong PINs. Ask your manager to reset your PIN.",
                                claim.failures, needs_manager=True)
        if claim.state == "locked":
            return UnlockResult(False, f"Locked for now. Try again in {_wait(claim.seconds_left)}.", claim.failures,
                                self.clock.now() + timedelta(seconds=claim.seconds_left),
                                seconds_left=claim.seconds_left)
        assert claim.attempt_id is not None
        return PinCheck(lr.id, lr.name, claim.attempt_id, pin, claim.hash)

    @saves
    def finish_unlock(self, check: PinCheck) -> UnlockResult:
        """Record the outcome of a counted attempt whose ``check()`` has run; a right PIN starts the session."""
        if check.right is None:
            raise LearningError("the PIN was not checked yet")
        out = pin_store.resolve(self.db, check.learner_id, check.attempt_id, check.right, now=self._now(),
                                since=self._pin_window(), mono=self.clock.monotonic(), device_id=self.device_id,
                                event_at=None if check.right else self._pin_stamp(check.learner_id))
        if check.right:
            self.session = {"id": str(uuid.uuid4()), "learner": check.learner_id}
            n = out.wrong_since_last_visit
            notice = (f" {n} wrong PIN attempt{'' if n == 1 else 's'} since your last visit — if that was not you, "
                      "tell your manager." if n else "")
            return UnlockResult(True, f"Welcome, {check.name.split()[0]}.{notice}", out.failures,
                                wrong_since_last_visit=n)
        if out.manager_lock:
            return UnlockResult(False, "Wrong PIN. The profile is now locked: ask your manager to reset your PIN.",
                                out.failures, needs_manager=True)
        if out.seconds_left:
            return UnlockResult(False, f"Wrong PIN. Locked for {_wait(out.seconds_left)}.", out.failures,
                                self.clock.now() + timedelta(seconds=out.seconds_left), seconds_left=out.seconds_left)
        left = pin_core.FREE_TRIES - out.failures
        return UnlockResult(False, f"Wrong PIN. {left} {'try' if left == 1 else 'tries'} left before a short lock.",
                            out.failures)

    def pin_status(self, learner_key: str) -> UnlockResult:
        """The profile's lock as it stands now (nothing is counted or written): for a live countdown."""
        lr = self.learner(learner_key)
        row = pin_store.get(self.db, lr.id)
        if row is None:
            return UnlockResult(False, "This profile has no PIN yet: choose one first.")
        counted = pin_store.failures(self.db, lr.id, self._pin_window())
        if row.manager_lock or pin_core.needs_manager(counted):
            return UnlockResult(False, "Locked after too many wrong PINs. Ask your manager to reset your PIN.",
                                counted, needs_manager=True)
        left = pin_core.lock_left(row.lock_seconds, row.lock_mono, self.clock.monotonic())
        if left > 0:
            return UnlockResult(False, f"Locked for now. Try again in {_wait(left)}.", counted,
                                self.clock.now() + timedelta(seconds=left), seconds_left=left)
        return UnlockResult(False, "You can try your PIN again now.", counted)

    def lock(self) -> None:
        """End the session: nothing more is recorded for the last person."""
        self.session = None

    def reset_pin(self, learner_key: str, by: str) -> event_store.Event:
        """A manager clears a profile's PIN and failure count; the learner chooses a new PIN. The ``pin.reset``
        event reaches every team workstation (in this PC's bundle, or in the manager's decisions)."""
        lr = self.learner(learner_key)
        with self.db.atomic():
            pin_store.clear(self.db, lr.id)
            return event_store.append(self.db, device_id=self.device_id, learner_id=lr.id, kind="pin.reset",
                                      payload={"by": by}, now=self._pin_stamp(lr.id))
