"""The manager's desk shows the LRS outbox (queued / sent / refused with reasons, last success), sends in a
worker, and the status bar says when the LRS is unreachable."""

from __future__ import annotations

from PySide6.QtCore import Qt

from drillpad.llm.fake import FakeEngine
from drillpad.paths import Paths
from drillpad.ui.app import MainWindow
from drillpad.workspace import Workspace
from tests.lrs import servers


def reopen(manager, site, url: str) -> Workspace:
    """The manager's data dir opened with the LRS at *url* (the policy is read when a workspace opens)."""
    manager.close()
    return Workspace(Paths.resolve(manager.paths.data_dir, env={}), clock=manager.clock, policy=site.policy(url))


def test_the_desk_sends_and_shows_what_went_and_what_was_refused(qtbot, team, site, xapi_statements):
    device, manager, share, keys = team
    ws = reopen(manager, site, xapi_statements.url)
    try:
        w = MainWindow(ws, engine_factory=lambda: FakeEngine(unavailable="test"), pregenerate=False)
        qtbot.addWidget(w)
        from drillpad.ui.manager.desk import ManagerScreen

        screen = ManagerScreen(ws, keys, "Sam")
        qtbot.addWidget(screen)
        screen.tabs.setCurrentWidget(screen.lrs)
        assert "Queued 6 · sent 0" in screen.lrs.summary.text() and "Last success: never" in screen.lrs.summary.text()
        with qtbot.waitSignal(screen.lrs.sent, timeout=30_000) as sent:
            qtbot.mouseClick(screen.lrs.send_button, Qt.MouseButton.LeftButton)
        assert sent.args[0].sent == 6
        assert "Queued 0 · sent 6" in screen.lrs.summary.text() and "Last success: 2026-03-02 08:30" in \
            screen.lrs.summary.text()
        assert screen.lrs.problems.count() == 0
    finally:
        ws.close()


def test_the_status_bar_says_when_the_lrs_is_unreachable(qtbot, team, site):
    device, manager, share, keys = team
    ws = reopen(manager, site, f"http://127.0.0.1:{servers.free_port()}/xAPI/")
    try:
        w = MainWindow(ws, engine_factory=lambda: FakeEngine(unavailable="test"), pregenerate=False)
        qtbot.addWidget(w)
        from drillpad.ui.manager.desk import ManagerScreen

        screen = ManagerScreen(ws, keys, "Sam")
        qtbot.addWidget(screen)
        screen.lrs.sent.connect(lambda _r: w._refresh_sync())
        with qtbot.waitSignal(screen.lrs.sent, timeout=60_000):
            screen.lrs.send_now()
        assert "⚠ LRS unreachable" in screen.lrs.summary.text() and "Queued 6" in screen.lrs.summary.text()
        assert "⚠ LRS unreachable, 6 statement(s) waiting" in w.sync_label.text()
        assert "cannot connect" in w.sync_label.toolTip()
    finally:
        ws.close()


def test_about_my_data_says_exactly_what_the_lrs_receives_and_from_whom(qtbot, tmp_path, clock, site):
    from drillpad.ui.trainee.mydata import MyDataScreen

    url = "https://lrs.example.com/xAPI/"
    ws = Workspace(Paths.resolve(tmp_path / "ws", env={}), clock=clock,
                   policy=site.policy(url, lrs_send=("drill", "reflection", "reflection_text")))
    try:
        screen = MyDataScreen(ws)
        qtbot.addWidget(screen)
        shown = screen.lrs.text()
        assert url in shown and "never this computer" in shown and "not by name or e-mail" in shown
        assert "the text of your reflections" in shown and "not your answer text" in shown
        assert "lessons completed" not in shown and "your name" not in shown
    finally:
        ws.close()
    ws = Workspace(Paths.resolve(tmp_path / "ws2", env={}), clock=clock)
    try:
        screen = MyDataScreen(ws)
        qtbot.addWidget(screen)
        assert "names no LRS" in screen.lrs.text() and "never your answer text" in screen.lrs.text()
    finally:
        ws.close()


def test_about_my_data_says_when_this_computer_sends_too(qtbot, tmp_path, clock, site):
    from drillpad.ui.trainee.mydata import MyDataScreen

    ws = Workspace(Paths.resolve(tmp_path / "ws", env={}), clock=clock,
                   policy=site.policy("https://lrs.example.com/xAPI/", lrs_from_workstation=True))
    try:
        screen = MyDataScreen(ws)
        qtbot.addWidget(screen)
        shown = screen.lrs.text()
        assert "never this computer" not in shown
        assert "this computer also sends what you do here" in shown and "not your answer text" in shown
    finally:
        ws.close()
