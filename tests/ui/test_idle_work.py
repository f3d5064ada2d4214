"""An idle shared PC does no work: with the model ready, the names screen generates nothing; variants are made
for the person who is practising, and a lock stops that."""

from __future__ import annotations

from drillpad.llm.fake import FakeEngine
from drillpad.ui.app import MainWindow
from drillpad.workspace import DEMO_PIN


def test_the_names_screen_generates_nothing_and_a_learner_gets_their_variants(qtbot, workspace):
    workspace.install_demo()  # its drills have facts, so variants can be made
    engine = FakeEngine(default="not json")  # every variant is rejected: the work never ends by itself
    w = MainWindow(workspace, engine_factory=lambda: engine, pregenerate=True)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.model_label.text() == "✓ AI helper ready", timeout=5_000)
    qtbot.waitUntil(lambda: w.today is not None, timeout=5_000)  # the start-up work is done
    assert engine.prompts == [] and w._background_cancel is None  # nobody here: nothing is generated

    w._choose(workspace.profiles.learner("Sam Ortiz").id)
    w.pin.entry.setText(DEMO_PIN)
    with qtbot.waitSignal(w.pin.unlocked, timeout=5_000):
        w.pin._submit()
    qtbot.waitUntil(lambda: len(engine.prompts) > 0, timeout=5_000)  # Sam's upcoming drills
    token = w._background_cancel
    w.lock()
    assert token is None or token.cancelled
    qtbot.waitUntil(lambda: w._background_cancel is None, timeout=5_000)
    assert workspace.profiles.session is None and w.stack.currentWidget() is w.profiles
