"""Python's cyclic garbage collector, run on the main thread only while a window is open.

An automatic collection runs in whichever thread happens to allocate past the threshold. When that is a worker
(grading an answer, gathering progress) the collection can free the last reference to a Qt wrapper (a closed
screen's widget in a reference cycle, a finished job's signals) in the worker's thread, and Qt crashes the app:
a segfault in ``gc_collect_main`` inside the grading worker, seen under test. So while the application runs,
automatic collection is off and a timer on the main thread collects each generation when its count passes the
usual threshold, as pyqtgraph's ``GarbageCollector`` does. Reference counting still frees everything that is not
in a cycle at once; only cycles wait, for at most one tick.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QTimer

TICK_MS = 250


class MainThreadCollector(QObject):
    def __init__(self, app: QCoreApplication, tick_ms: int = TICK_MS):
        super().__init__(app)
        self.was_enabled = gc.isenabled()
        self.threshold = gc.get_threshold()
        self.timer = QTimer(self)
        self.timer.setInterval(tick_ms)
        self.timer.timeout.connect(self.check)
        gc.disable()
        self.timer.start()
        app.aboutToQuit.connect(self.stop)

    def check(self) -> None:
        """Collect the generations whose counts passed their thresholds, youngest first, as Python would."""
        young, middle, old = gc.get_count()
        if young > self.threshold[0]:
            gc.collect(0)
            if middle > self.threshold[1]:
                gc.collect(1)
                if old > self.threshold[2]:
                    gc.collect(2)

    def stop(self) -> None:
        self.timer.stop()
        if self.was_enabled:
            gc.enable()


def install(app: QCoreApplication) -> MainThreadCollector:
    """Once per application: later calls return the collector already running."""
    current = app.findChild(MainThreadCollector)
    if current is not None and current.timer.isActive():
        return current
    uninstall(app)  # (one stopped by a quit)
    return MainThreadCollector(app)


def uninstall(app: QCoreApplication) -> None:
    """Give automatic collection back (the application quits, or a test is done with it)."""
    if (current := app.findChild(MainThreadCollector)) is not None:
        current.stop()
        current.setParent(None)
        current.deleteLater()
