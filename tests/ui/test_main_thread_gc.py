"""Python's cyclic garbage collector runs on the main thread only while the window is open.

A collection started by a worker's allocations can free Qt wrappers (a closed screen's widgets, a finished job's
signals) in that worker's thread, and Qt then crashes the whole app (seen as a rare fatal error in
test_a_lock_while_grading_records_nothing_for_nobody: the segfault's stack was in gc_collect_main, in the
grading worker). So the window turns automatic collection off and collects on its own thread, on a timer, when
the counts pass the usual thresholds (pyqtgraph does the same)."""

from __future__ import annotations

import gc
import threading

import pytest

from drillpad.llm.fake import FakeEngine
from drillpad.ui import collector, workers
from drillpad.ui.app import MainWindow


class _Cycle:
    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def collections():
    """The threads every collection started in, while the test runs."""
    seen: list[int] = []

    def note(phase: str, info: dict) -> None:
        if phase == "start":
            seen.append(threading.get_ident())

    gc.callbacks.append(note)
    yield seen
    gc.callbacks.remove(note)


@pytest.fixture
def _window(workspace):
    def make(qtbot):
        window = MainWindow(workspace, engine_factory=lambda: FakeEngine(unavailable="test"), pregenerate=False)
        qtbot.addWidget(window)
        return window
    return make


def _make_garbage() -> int:
    for _ in range(50_000):  # far over generation 0's threshold (700): an automatic collection would start here
        _Cycle()
    return threading.get_ident()


def test_a_worker_that_makes_garbage_never_runs_the_collector(qtbot, qapp, collections, _window):
    collector.uninstall(qapp)
    _window(qtbot)
    assert not gc.isenabled()
    main = threading.get_ident()
    done: list[int] = []
    workers.run(_make_garbage, done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=10_000)
    assert done[0] != main
    assert all(thread == main for thread in collections), "a collection ran in the worker's thread"


def test_the_main_thread_collects_what_the_worker_left(qtbot, qapp, collections):
    gc.collect()
    collector.install(qapp)
    done: list[int] = []
    workers.run(_make_garbage, done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=10_000)
    assert gc.get_count()[0] > gc.get_threshold()[0]  # the worker's cycles are waiting
    qtbot.waitUntil(lambda: gc.get_count()[0] < gc.get_threshold()[0], timeout=5_000)  # the timer collected them
    assert collections and set(collections) == {threading.get_ident()}
    assert not [o for o in gc.get_objects() if isinstance(o, _Cycle)]


def test_installing_twice_keeps_one_timer_and_quitting_gives_collection_back(qapp):
    first = collector.install(qapp)
    assert collector.install(qapp) is first
    assert not gc.isenabled()
    collector.uninstall(qapp)
    assert gc.isenabled()
    collector.install(qapp)
    assert not gc.isenabled()
