"""The organisation's LRS as the workspace offers it: its settings from the IT policy, the outbox's status, sending
and retrying, and queuing statements — for verified evidence on the manager's DrillPad, and, where IT allows it
(``lrs_from_workstation``), for a workstation's own facts as they are sealed into a bundle.

The workspace hands it out as ``Workspace.lrs``. This module imports no LRS code: ``config``, ``outbox`` and
``sender`` load on first use, and a workstation without ``lrs_from_workstation`` never reads the credentials.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from drillpad.clock import to_iso
from drillpad.errors import LearningError

if TYPE_CHECKING:
    from sqlite_utils import Database

    from drillpad.clock import Clock
    from drillpad.evidence.sync import Evidence
    from drillpad.lrs.config import LrsConfig
    from drillpad.lrs.sender import SendReport
    from drillpad.policy import LoadedPolicy


class Facade(Protocol):
    """What the LRS uses of the workspace that hands it out (the workspace is never imported here): its database,
    clock, device and IT policy, the list of start-up problems (settings that cannot be read go there), and the
    evidence service (whose team says whether this PC is a workstation)."""

    db: Database
    policy: LoadedPolicy
    clock: Clock
    device_id: str
    startup_problems: list[str]

    @property
    def evidence(self) -> Evidence: ...


class LRS:
    def __init__(self, workspace: Facade):
        self._ws = workspace

    def on(self, workspace: Facade) -> "LRS":
        """This service for a reading view of the workspace, with the settings as read so far."""
        other = copy.copy(self)
        other._ws = workspace
        return other

    def _now(self) -> str:
        return to_iso(self._ws.clock.now())

    def config(self) -> LrsConfig | None:
        """The organisation's LRS settings from the IT policy (drillpad.lrs.config), or None when none is set or
        they cannot be read (the reason is in the workspace's ``startup_problems``)."""
        if not hasattr(self, "_config"):
            from drillpad.lrs.config import LrsConfigError, from_policy

            policy = self._ws.policy
            try:
                self._config = from_policy(policy.policy, policy.source.parent if policy.source else None)
            except LrsConfigError as exc:
                self._config = None
                self._ws.startup_problems.append(f"LRS: {exc}")
        return self._config

    def status(self) -> dict[str, Any] | None:
        """The LRS outbox (queued / sent / refused with reasons, last success, unreachable), or None without an LRS."""
        config = self.config()
        if config is None:
            return None
        from drillpad.lrs.outbox import status

        return {**status(self._ws.db), "url": config.url}

    def send(self, *, max_failures: int | None = 3, progress: Callable[[Any], object] | None = None) -> SendReport:
        """Send the queued statements now (drillpad.lrs.sender); returns its ``SendReport``."""
        config = self.config()
        if config is None:
            raise LearningError("no LRS is configured (IT policy lrs_url)")
        from drillpad.lrs.sender import Sender

        return Sender(self._ws.db, config, now=self._now, progress=progress).send(max_failures=max_failures)

    def retry(self) -> int:
        from drillpad.lrs.outbox import retry

        return retry(self._ws.db)

    def queue(self, events: list[dict[str, Any]]) -> int:
        """Queue the xAPI statements for verified *events* in the caller's transaction (no-op without an LRS)."""
        config = self.config()
        if config is None:
            return 0
        from drillpad import __version__
        from drillpad.lrs.outbox import queue_events

        return queue_events(self._ws.db, events, config, now=self._now(), version=__version__)

    def sends_here(self) -> bool:
        """Whether this learner's workstation sends its own facts to the LRS (IT policy lrs_from_workstation)."""
        if not self._ws.policy.policy.lrs_from_workstation and "_config" not in vars(self):
            return False  # the default: a workstation never reads the LRS credentials
        config = self.config()
        team = self._ws.evidence.team()
        return config is not None and config.from_workstation and team is not None and team["role"] == "workstation"

    def queue_own(self, events: list[dict[str, Any]]) -> int:
        """On a workstation allowed to send (lrs_from_workstation): queue the statements for this PC's own events
        as they are sealed into a bundle, in the transaction that records the bundle. The ids are the ones the
        manager's DrillPad makes for the same events, so the LRS keeps each fact once."""
        if not self.sends_here():
            return 0
        device_id = self._ws.device_id
        return self.queue([e for e in events if e.get("device_id", device_id) == device_id])
