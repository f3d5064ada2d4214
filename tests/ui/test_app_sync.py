"""The trainee app sends evidence in the background and says what is waiting; IT policy problems show."""

from __future__ import annotations

from drillpad.llm.fake import FakeEngine
from drillpad.paths import Paths
from drillpad.policy import load_policy
from drillpad.ui.app import MainWindow
from drillpad.workspace import Workspace


def test_evidence_goes_to_the_share_after_each_person_locks(qtbot, tmp_path, clock, minipack):
    manager = Workspace(Paths.resolve(tmp_path / "m", env={}), clock=clock)
    manager.evidence.manager_init("North DC", "correct horse battery")
    team = manager.evidence.export_team_file(tmp_path / "team.json", folder=str(tmp_path / "share"))
    manager.close()
    ws = Workspace(Paths.resolve(tmp_path / "d", env={}), clock=clock)
    ws.import_pack(minipack)
    ws.evidence.import_team_file(team)
    ws.profiles.add_learner("Ana Lima", "dock-hand")
    w = MainWindow(ws, engine_factory=lambda: FakeEngine(unavailable="test"), pregenerate=False)
    qtbot.addWidget(w)
    w.show()  # the first sync starts just after the names screen is painted
    qtbot.waitUntil(lambda: len(list((tmp_path / "share").glob("*.bundle"))) == 1, timeout=10_000)
    qtbot.waitUntil(lambda: "not yet confirmed" in w.sync_label.text(), timeout=10_000)
    assert "waiting to send: 0 records, 1 bundle not yet confirmed" in w.sync_label.text()
    ws.reflect("Ana Lima", "after the first sync")
    w.lock()
    qtbot.waitUntil(lambda: len(list((tmp_path / "share").glob("*.bundle"))) == 2, timeout=10_000)
    w.close()
    ws.close()


def test_an_unenrolled_workstation_says_so(qtbot, workspace):
    w = MainWindow(workspace, engine_factory=lambda: FakeEngine(unavailable="test"), pregenerate=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: "not enrolled with a manager" in w.sync_label.text(), timeout=5_000)


def test_a_bad_policy_key_is_shown_and_its_default_used(qtbot, tmp_path, clock):
    (tmp_path / "policy.toml").write_text("idle_lock_minutes = 999\n")
    ws = Workspace(Paths.resolve(tmp_path / "d", env={}), clock=clock, policy=load_policy(tmp_path / "policy.toml"))
    w = MainWindow(ws, engine_factory=lambda: FakeEngine(unavailable="test"), pregenerate=False)
    qtbot.addWidget(w)
    assert w.problem_label.text().startswith("⚠ IT policy: idle_lock_minutes")
    assert w.idle.interval() == 2 * 60_000
    w.close()
    ws.close()


class _EndlessStream:
    """A model that never stops on its own: only the cancel token (checked before every word) ends it."""

    def __init__(self, cancel, started):
        self.cancel, self.finish, self.tokens = cancel, None, 0
        started.set()

    def __iter__(self):
        return self

    def __next__(self) -> str:
        if self.cancel.cancelled or self.tokens >= 2_000_000:  # bounded, so a failing test still ends
            self.finish = "cancelled" if self.cancel.cancelled else "length"
            raise StopIteration
        self.tokens += 1
        return " word"


def test_closing_the_window_stops_the_background_pregeneration(qtbot, workspace):
    import threading

    from PySide6.QtCore import QThreadPool

    class EndlessEngine(FakeEngine):
        def __init__(self):
            super().__init__(default="")
            self.started = threading.Event()
            self.streams: list[_EndlessStream] = []

        def _open(self, rendered, request, cancel):
            self.streams.append(_EndlessStream(cancel, self.started))
            return self.streams[-1]

    workspace.install_demo()  # its drills have the facts variants are made from
    engine = EndlessEngine()
    w = MainWindow(workspace, engine_factory=lambda: engine)  # pre-generation on, as in the app
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.model_label.text() == "✓ AI helper ready", timeout=10_000)
    from drillpad.workspace import DEMO_PIN

    w._choose(workspace.profiles.learner("Sam Ortiz").id)  # variants are made for the person practising
    w.pin.entry.setText(DEMO_PIN)
    w.pin._submit()
    qtbot.waitUntil(engine.started.is_set, timeout=10_000)
    w.close()  # waits for the workers: the generation must stop at the next word, not run on
    assert QThreadPool.globalInstance().activeThreadCount() == 0
    assert engine.streams[-1].finish == "cancelled"  # (on a busy machine an earlier one may have run to its end)


def _enrolled(tmp_path, clock, minipack, policy=None):
    manager = Workspace(Paths.resolve(tmp_path / "m", env={}), clock=clock)
    manager.evidence.manager_init("North DC", "correct horse battery")
    team = manager.evidence.export_team_file(tmp_path / "team.json", folder=str(tmp_path / "share"))
    manager.close()
    ws = Workspace(Paths.resolve(tmp_path / "d", env={}), clock=clock, policy=policy)
    ws.import_pack(minipack)
    ws.evidence.import_team_file(team)
    ws.profiles.add_learner("Ana Lima", "dock-hand")
    ws.profiles.set_pin("Ana Lima", "2580")
    return ws


def test_sync_runs_by_itself_while_idle_but_never_mid_answer(qtbot, tmp_path, clock, minipack):
    (tmp_path / "policy.toml").write_text("sync_minutes = 7\n")
    ws = _enrolled(tmp_path, clock, minipack, load_policy(tmp_path / "policy.toml"))
    share = tmp_path / "share"
    w = MainWindow(ws, engine_factory=lambda: FakeEngine(unavailable="test"), pregenerate=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: len(list(share.glob("*.bundle"))) == 1 and not w._syncing, timeout=10_000)
    assert w.sync_timer.interval() == 7 * 60_000 and w.sync_timer.isActive()  # every few minutes, IT's choice
    ws.reflect("Ana Lima", "made on the terminal while the names show")
    w.sync_timer.timeout.emit()  # the timer's tick: idle on the names screen, so it syncs
    qtbot.waitUntil(lambda: len(list(share.glob("*.bundle"))) == 2 and not w._syncing, timeout=10_000)
    assert ws.profiles.unlock("Ana Lima", "2580").ok
    w._unlocked(ws.profiles.learner("Ana Lima").id)
    w.start_session()  # a lesson, a prompt or a drill is on screen: the learner is mid-answer
    assert w.stack.currentWidget() in (w.lesson, w.recall, w.drill)
    ws.reflect("Ana Lima", "made mid-answer")
    w.sync_timer.timeout.emit()
    assert not w._syncing and len(list(share.glob("*.bundle"))) == 2  # no sync under a learner's answer
    w.lock()  # after the lock it runs
    qtbot.waitUntil(lambda: len(list(share.glob("*.bundle"))) == 3 and not w._syncing, timeout=10_000)
    w.close()
    ws.close()


def test_the_status_bar_says_when_it_last_synced_and_with_how_many_workstations(qtbot, tmp_path, clock, minipack):
    ws = _enrolled(tmp_path, clock, minipack)
    w = MainWindow(ws, engine_factory=lambda: FakeEngine(unavailable="test"), pregenerate=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: "last synced just now — 1 workstation" in w.sync_label.text(), timeout=10_000)
    clock.advance(minutes=2)
    w.sync_clock.timeout.emit()  # the label's minute tick
    assert "last synced 2 min ago — 1 workstation" in w.sync_label.text()
    w.close()
    ws.close()
