"""Work off the main thread: run a function in the thread pool, get its result by signal.

Like Anki's QueryOp: ``run(fn, on_done, on_error)`` calls *fn* in a worker thread and delivers
the result (or the exception's message) back on the main thread. Nothing waits for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QRunnable, QThreadPool, Signal


class DamageNotice(QObject):
    """Said when a save or a worker's read met a damaged database while the window is open (a disk failing
    under it); the window restores, as after a failed full check."""

    found = Signal()


_damage_notice: DamageNotice | None = None


def damage_notice() -> DamageNotice:
    """The one notice, living in the application's thread (so a worker's emit is queued to the window)."""
    global _damage_notice
    if _damage_notice is None:
        _damage_notice = DamageNotice()
        if (app := QCoreApplication.instance()) is not None:
            _damage_notice.moveToThread(app.thread())
    return _damage_notice


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(str)
    progress = Signal(float, str)


class Job(QRunnable):
    def __init__(self, fn: Callable[..., Any], *, with_progress: bool = False):
        super().__init__()
        self.fn = fn
        self.with_progress = with_progress
        self.signals = _Signals()

    def run(self) -> None:  # in a worker thread
        try:
            if self.with_progress:
                result = self.fn(lambda fraction, text="": self.signals.progress.emit(float(fraction), str(text)))
            else:
                result = self.fn()
        except Exception as exc:  # noqa: BLE001 - every failure is reported to the screen that asked
            from drillpad.workspace import is_damage

            if is_damage(exc):  # the data file is damaged: the window restores it (and the screen says why)
                damage_notice().found.emit()
            self.signals.failed.emit(str(exc) or type(exc).__name__)
            return
        self.signals.done.emit(result)


_live: set[Job] = set()


def run(fn: Callable[..., Any], on_done: Callable[[Any], object] | None = None,
        on_error: Callable[[str], object] | None = None, on_progress: Callable[[float, str], object] | None = None,
        pool: QThreadPool | None = None) -> Job:
    job = Job(fn, with_progress=on_progress is not None)
    job.setAutoDelete(False)
    _live.add(job)
    if on_done is not None:
        job.signals.done.connect(on_done)
    if on_error is not None:
        job.signals.failed.connect(on_error)
    if on_progress is not None:
        job.signals.progress.connect(on_progress)
    job.signals.done.connect(lambda _=None: _live.discard(job))
    job.signals.failed.connect(lambda _=None: _live.discard(job))
    (pool or QThreadPool.globalInstance()).start(job)
    return job
