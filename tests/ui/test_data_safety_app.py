"""The window and damaged or unusable data: a dialog says what happened; the day's backup is taken by a worker."""

from __future__ import annotations

import sqlite3
import sys
from datetime import datetime, timezone

import pytest
from PySide6.QtWidgets import QMessageBox

from drillpad.clock import FixedClock
from drillpad.llm.fake import FakeEngine
from drillpad.paths import Paths
from drillpad.store.backups import list_backups
from drillpad.ui import app as app_module
from drillpad.workspace import Workspace
from tests.test_backups import _answer, _damage_page, _event_leaves
from tests.test_store_failures import small_disk  # noqa: F401 - a fixture


@pytest.fixture
def shown(monkeypatch, qapp):
    """Message boxes record their text instead of waiting for a click; the crash hook is put back afterwards."""
    seen: list[tuple[str, str]] = []
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(QMessageBox, "critical", staticmethod(lambda _parent, title, text, *a: seen.append((title, text))))
    monkeypatch.setattr(QMessageBox, "open", lambda box: seen.append((box.windowTitle(), box.text()
                                                                      + "\n" + box.detailedText())))
    monkeypatch.setattr(app_module.MainWindow, "__init__", _no_model(app_module.MainWindow.__init__))
    return seen


def _no_model(init):
    def wrapped(self, workspace, **kwargs):
        init(self, workspace, engine_factory=lambda: FakeEngine(unavailable="test"), pregenerate=False, **kwargs)
    return wrapped


def _run(open_workspace) -> int:
    return app_module.run_app(open_workspace, on_first_paint=lambda window: window.close())


def test_a_database_that_cannot_be_opened_is_explained_in_a_dialog(tmp_path, shown):
    data = tmp_path / "data"
    Workspace(Paths.resolve(data, env={})).close()
    conn = sqlite3.connect(data / "drillpad.db")
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    assert _run(lambda: Workspace(Paths.resolve(data, env={}), repair=True)) == 1
    assert len(shown) == 1
    title, text = shown[0]
    assert title == "DrillPad cannot start" and "newer DrillPad" in text


def test_damaged_practice_data_is_restored_and_the_trainee_told_what_may_be_missing(tmp_path, minipack, shown):
    clock = FixedClock(datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc))
    paths = Paths.resolve(tmp_path / "data", env={})
    with Workspace(paths, clock=clock) as ws:
        ws.import_pack(minipack)
        ws.profiles.add_learner("Alex", "dock-hand")
        _answer(ws, 60)
        ws.backup()
        clock.advance(days=1)
        _answer(ws, 60)
    _damage_page(paths.db_path, _event_leaves(paths.db_path)[-3])
    assert _run(lambda: Workspace(paths, clock=clock, repair=True)) == 0
    (title, text), = shown
    assert title == "DrillPad restored your practice data"
    assert text.startswith("Your practice data was damaged. DrillPad restored the copy from Monday 02 March")
    assert "answer(s) made since then may be missing" in text and "Alex" in text
    assert (paths.data_dir / "damaged").is_dir()


def test_the_window_takes_the_days_backup_in_a_worker(qtbot, workspace, minipack):
    workspace.import_pack(minipack)
    assert list_backups(workspace.paths.db_path) == []
    w = app_module.MainWindow(workspace, engine_factory=lambda: FakeEngine(unavailable="test"), pregenerate=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: len(list_backups(workspace.paths.db_path)) == 1, timeout=10_000)
    assert list_backups(workspace.paths.db_path)[0].taken_at == workspace.clock.now()


def test_after_an_unclean_exit_the_window_shows_first_and_damage_the_full_check_finds_brings_the_restore_dialog(
        qtbot, tmp_path, minipack, shown):
    import json
    import uuid

    from drillpad.store.integrity import check_database

    clock = FixedClock(datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc))
    paths = Paths.resolve(tmp_path / "data", env={})
    with Workspace(paths, clock=clock) as ws:
        ws.import_pack(minipack)
        ws.profiles.add_learner("Alex", "dock-hand")
        _answer(ws, 10)
        ws.backup()
        clock.advance(hours=1)
        _answer(ws, 3)
        device = ws.device_id
    # damage only the full check finds (the quick check passes): an event whose payload is not an object
    conn = sqlite3.connect(paths.db_path)
    with conn:
        conn.execute("INSERT INTO events (id, device_id, seq, learner_id, kind, payload, created_at) VALUES "
                     "(?, ?, 999, NULL, 'reflection', ?, ?)", [str(uuid.uuid4()), device, json.dumps([1]),
                                                                clock.now().isoformat()])
    conn.close()
    paths.db_path.with_name("drillpad.db.open").write_text("999999")  # the last session did not close
    assert check_database(paths.db_path, full=False).ok and not check_database(paths.db_path, full=True).ok

    ws = Workspace(paths, clock=clock, repair=True, defer_full_check=True)  # the quick check only: it opens
    assert ws.full_check_due and ws.restored is None
    window = app_module.MainWindow(ws)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.full_check_done, timeout=15_000) as found:
        window.show()
        assert window.isVisible() and ws.full_check_due  # the window is up; the full check has not finished
    assert not found.args[0].ok
    qtbot.waitUntil(lambda: bool(shown), timeout=5_000)
    (title, text), = shown
    assert title == "DrillPad restored your practice data" and "Monday 02 March" in text
    assert ws.restored is not None and window.stack.currentWidget() is window.profiles
    assert check_database(paths.db_path, full=True).ok
    assert ws.profiles.learners()[0].name == "Alex"  # the window goes on with the restored data
    window.close()
    ws.close()



def _fill_disk(disk) -> None:
    with (disk / "filler").open("wb", buffering=0) as f:  # unbuffered: closing has nothing left to write
        try:
            while True:
                f.write(b"\0" * 4096)
        except OSError:
            pass


def test_on_a_really_full_disk_the_pin_screen_says_so_and_nothing_crashes(qtbot, small_disk, minipack, clock,
                                                                           monkeypatch):
    """The disk fills while the window is open (a real small tmpfs): the next PIN typed is an attempt that cannot be
    written. The trainee is told in plain words on the PIN screen; no crash report, no traceback."""
    from tests.ui.test_trainee_lock import choose, enter_pin

    crashes: list[BaseException] = []
    monkeypatch.setattr(sys, "excepthook", lambda t, exc, tb: crashes.append(exc))
    ws = Workspace(Paths.resolve(small_disk / "data", env={}), clock=clock)
    try:
        ws.import_pack(minipack)
        ws.profiles.add_learner("Ana Lima", "dock-hand")
        ws.profiles.set_pin("Ana Lima", "2580")
        ws.backup()  # today's is taken: the window's worker has nothing to write
        w = app_module.MainWindow(ws, engine_factory=lambda: FakeEngine(unavailable="test"), pregenerate=False)
        qtbot.addWidget(w)
        w.show()
        _fill_disk(small_disk)
        choose(qtbot, w, "Ana Lima")
        enter_pin(qtbot, w, "2580")
        assert not crashes, crashes
        assert w.stack.currentWidget() is w.pin
        assert "disk is full" in w.pin.message.text(), w.pin.message.text()
        (small_disk / "filler").unlink()  # space freed: the same PIN opens the profile
        enter_pin(qtbot, w, "2580")
        assert not crashes, crashes
        assert w.stack.currentWidget() is w.today
        w.close()
    finally:
        ws.close()


def test_on_a_really_full_disk_the_typed_answer_and_reflection_stay_and_nothing_crashes(qtbot, small_disk, minipack,
                                                                                        clock, monkeypatch):
    """Unlocked, then the disk fills (a real small tmpfs, no patched methods): Check my answer and Save on the
    reflection say the disk is full in plain words and keep what was typed; once space is freed they go in."""
    from tests.ui.test_trainee_lock import press, reach, unlock

    crashes: list[BaseException] = []
    monkeypatch.setattr(sys, "excepthook", lambda t, exc, tb: crashes.append(exc))
    ws = Workspace(Paths.resolve(small_disk / "data", env={}), clock=clock)
    try:
        ws.import_pack(minipack)
        ws.profiles.add_learner("Ana Lima", "dock-hand")
        ws.profiles.set_pin("Ana Lima", "2580")
        ws.backup()
        w = app_module.MainWindow(ws, engine_factory=lambda: FakeEngine(unavailable="test"), pregenerate=False)
        qtbot.addWidget(w)
        w.show()
        unlock(qtbot, w)
        recall = reach(qtbot, w, clock, "recall")
        typed = "Press the e-stop first, then lock out the isolator. " * 40  # needs new pages
        recall.answer.setPlainText(typed)
        press(qtbot, recall.confidence.buttons[3])
        _fill_disk(small_disk)
        with qtbot.waitSignal(recall.checked, timeout=10_000):
            press(qtbot, recall.check)
        assert not crashes, crashes
        assert "disk is full" in recall.result.text() and recall.answer.toPlainText() == typed
        (small_disk / "filler").unlink()
        with qtbot.waitSignal(recall.checked, timeout=10_000):
            press(qtbot, recall.check)
        assert "Source:" in recall.result.text()
        assert ws.db.execute("SELECT count(*) FROM events WHERE kind = 'review' AND payload LIKE ?",
                             ["%Press the e-stop first, then lock out%"]).fetchone()[0] == 1
        w.close()
    finally:
        ws.close()


def test_damage_found_by_a_save_while_the_window_is_open_restores_instead_of_crashing(qtbot, tmp_path, minipack,
                                                                                      clock, shown, monkeypatch):
    """The disk damages the events table while a trainee practises (after a clean start, so no full check runs):
    the next answer's save meets the damage. No crash report: the window locks, restores the newest good copy with
    everything that still reads, and says what may be missing — it does not go on writing into the damaged file."""
    from tests.ui.test_trainee_lock import press, reach, unlock

    crashes: list[BaseException] = []
    monkeypatch.setattr(sys, "excepthook", lambda t, exc, tb: crashes.append(exc))
    paths = Paths.resolve(tmp_path / "data", env={})
    ws = Workspace(paths, clock=clock)
    try:
        ws.import_pack(minipack)
        ws.profiles.add_learner("Ana Lima", "dock-hand")
        ws.profiles.set_pin("Ana Lima", "2580")
        ws.profiles.add_learner("Alex", "dock-hand")
        earlier = _answer(ws, 60)
        ws.backup()
        w = app_module.MainWindow(ws)  # (the shown fixture gives it the fake engine, no pre-generation)
        qtbot.addWidget(w)
        w.show()
        unlock(qtbot, w)
        recall = reach(qtbot, w, clock, "recall")
        recall.answer.setPlainText("Press the e-stop first.")
        press(qtbot, recall.confidence.buttons[3])
        ws.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        for page in _event_leaves(paths.db_path):  # every leaf of the events table goes bad on the disk
            _damage_page(paths.db_path, page)
        ws.db.execute("PRAGMA shrink_memory")  # nothing of it left in the connection's cache
        press(qtbot, recall.check)
        qtbot.waitUntil(lambda: bool(crashes) or any(title == "DrillPad restored your practice data" for title, _ in shown),
                        timeout=20_000)
        assert not crashes, crashes
        assert w.stack.currentWidget() is w.profiles  # locked: nobody's screen stays open
        assert list((paths.data_dir / "damaged").glob("drillpad-*.db"))
        stored = {r[0] for r in ws.db.execute("SELECT id FROM events")}
        assert set(earlier) <= stored
        w.close()
    finally:
        ws.close()


def test_damage_met_by_a_screen_reading_in_a_worker_restores_too(qtbot, tmp_path, minipack, clock, shown,
                                                                   monkeypatch):
    """The damage is met first by a read (Today gathers the learner's day in a worker): the same restore."""
    from tests.ui.test_trainee_lock import choose, enter_pin

    crashes: list[BaseException] = []
    monkeypatch.setattr(sys, "excepthook", lambda t, exc, tb: crashes.append(exc))
    paths = Paths.resolve(tmp_path / "data", env={})
    ws = Workspace(paths, clock=clock)
    try:
        ws.import_pack(minipack)
        ws.profiles.add_learner("Ana Lima", "dock-hand")
        ws.profiles.set_pin("Ana Lima", "2580")
        earlier = []
        for _ in range(60):
            earlier.append(ws.answer_prompt("Ana Lima", "jam-first", "press the e-stop " + "x" * 120, 3).event_id)
            clock.advance(minutes=1)
        ws.backup()
        w = app_module.MainWindow(ws)
        qtbot.addWidget(w)
        w.show()
        ws.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn = sqlite3.connect(paths.db_path)
        cards = [r[0] for r in conn.execute("SELECT pageno FROM dbstat WHERE name = 'cards'")]
        conn.close()
        for page in cards:  # the schedules Today reads go bad on the disk
            _damage_page(paths.db_path, page)
        ws.db.execute("PRAGMA shrink_memory")
        choose(qtbot, w, "Ana Lima")
        enter_pin(qtbot, w, "2580")
        qtbot.waitUntil(lambda: bool(crashes) or any(t == "DrillPad restored your practice data" for t, _ in shown),
                        timeout=20_000)
        assert not crashes, crashes
        assert w.stack.currentWidget() is w.profiles
        assert set(earlier) <= {r[0] for r in ws.db.execute("SELECT id FROM events")}
        w.close()
    finally:
        ws.close()
