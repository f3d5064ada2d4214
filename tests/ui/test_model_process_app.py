"""The app with its model in a child process (the fake engine there, as the real one runs): the whole story
still passes; a kill -9 of the model while it writes a scenario shows "AI helper restarting…", loses nothing, the
drill shows the written scenario, and the model is back for the next generation; repeated crashes turn AI off."""

from __future__ import annotations

import os
import signal
import sys

import pytest

from drillpad.llm.engine import EngineState
from drillpad.llm.fake import Stall
from drillpad.llm.process import ProcessEngine
from drillpad.ui.app import MainWindow
from tests.ui import test_trainee_app as story

WAIT = 30_000


def kill9(pid: int) -> None:
    os.kill(pid, signal.SIGKILL if sys.platform != "win32" else signal.SIGTERM)


def make_window(qtbot, workspace, minipack, engine: ProcessEngine, pregenerate: bool = False) -> MainWindow:
    workspace.import_pack(minipack)
    workspace.profiles.add_learner("Ana Lima", "dock-hand")
    workspace.profiles.add_learner("Ben Okafor", "dock-hand")
    workspace.profiles.set_pin("Ana Lima", "2580")
    w = MainWindow(workspace, engine_factory=lambda: engine, pregenerate=pregenerate)
    qtbot.addWidget(w)
    w.show()
    return w


def test_the_whole_story_with_the_fake_engine_in_a_child_process(qtbot, workspace, minipack, clock):
    engine = ProcessEngine.fake(load_failure="test: no model file")  # the child starts, loads, and says why not
    window = make_window(qtbot, workspace, minipack, engine)
    story.test_a_whole_session_on_a_shared_workstation(qtbot, window, workspace, clock)
    assert engine.state is EngineState.UNAVAILABLE and engine.reason == "test: no model file"


def test_the_whole_story_with_a_ready_fake_model_in_a_child_process(qtbot, workspace, minipack, clock):
    """As above, with the model loaded and ready in its child (the case the app is built for; the story's drill has
    no variant made yet, so it shows the written scenario), and the child still running at the end."""
    engine = ProcessEngine.fake(default="not a scenario")
    window = make_window(qtbot, workspace, minipack, engine)
    story.whole_session(qtbot, window, workspace, clock, ai_ready=True)
    assert engine.state is EngineState.READY and workspace.ai.engine is engine and engine.pid is not None
    assert "".join(engine.stream("Say something.")) == "not a scenario"


@pytest.fixture
def crashing(qtbot, workspace, minipack):
    engine = ProcessEngine.fake([Stall('{"situation": "A carton')], default="not a scenario",
                                restart_delays=(0.2,), max_crashes=3)
    window = make_window(qtbot, workspace, minipack, engine)
    qtbot.waitUntil(lambda: window.model_label.text() == "✓ AI helper ready", timeout=WAIT)
    return window, engine


def test_kill_9_while_the_model_writes_a_scenario(qtbot, crashing, workspace, clock):
    from drillpad.ui import workers

    window, engine = crashing
    outcome = []
    workers.run(lambda: "".join(engine.stream("Write a scenario.")), outcome.append, outcome.append)
    assert engine.wait_busy(30)  # a scenario being written in a worker, stuck mid-way
    first = engine.pid
    kill9(first)
    qtbot.waitUntil(lambda: window.model_label.text().startswith("AI helper restarting…"), timeout=WAIT)
    qtbot.waitUntil(lambda: window.model_label.text() == "✓ AI helper ready", timeout=WAIT)
    assert engine.pid != first and engine.crashes == 1
    qtbot.waitUntil(lambda: bool(outcome), timeout=WAIT)
    assert "model process stopped (killed by signal SIGKILL)" in outcome[0]  # that generation failed, told

    window._choose(workspace.profiles.learner("Ana Lima").id)  # the app carried on: unlock and practise the drill
    story.enter_pin(qtbot, window, "2580")
    assert window.learner_id is not None
    window.drill.show_drill(window.learner_id, "jam-c1")
    assert window.drill.note.text() == "Written scenario from Mini Dock SOP §3"
    assert "".join(engine.stream("Say something.")) == "not a scenario"  # the next generation works
    kinds = [r[0] for r in workspace.db.execute("SELECT kind FROM events")]
    assert "learner.added" in kinds


def test_repeated_crashes_turn_ai_off_with_the_reason_in_the_status_bar(qtbot, workspace, minipack):
    engine = ProcessEngine.fake([Stall("x")] * 3, restart_delays=(0,), max_crashes=1)
    window = make_window(qtbot, workspace, minipack, engine)
    qtbot.waitUntil(lambda: window.model_label.text() == "✓ AI helper ready", timeout=WAIT)
    stream = engine.stream("Write.")
    next(stream)
    kill9(engine.pid)
    qtbot.waitUntil(lambda: window.model_label.text().startswith("AI off"), timeout=WAIT)
    why = window.model_label.toolTip()  # plain words on screen, the reason on hover
    assert window.model_label.text() == "AI off — using the written scenarios"
    assert "crashed 1 times" in why and "AI is off until DrillPad restarts" in why
    assert workspace.ai.engine is None  # answers are graded without waiting for a model
