"""The embedded model in its own process, as the app runs it: stream, JSON, the system-prompt cache,
cancel during a long prompt, kill -9 and restart; the app's process never loads llama-cpp."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from pydantic import BaseModel

from drillpad.llm.engine import CancelToken, EngineError, EngineState, Prompt
from drillpad.llm.models import DEFAULT_MODEL, ModelCatalog
from drillpad.llm.process import ProcessEngine

pytestmark = pytest.mark.model

REPO = Path(__file__).resolve().parents[1]
COACH = "You coach warehouse staff. Answer in one short sentence."
WAIT = 120


class Tip(BaseModel):
    tip: str


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("llm-proc")
    catalog = ModelCatalog([("install", REPO / "models")], cache_file=tmp / "hashes.json",
                           choice_file=tmp / "choice.json")
    entry = catalog.find(DEFAULT_MODEL)
    if not entry.usable:
        pytest.fail(f"embedded model not usable ({entry.problem}): run `make model`")
    e = ProcessEngine.llama(entry, hash_cache_path=catalog.hash_cache.path, reproducible=True,
                            restart_delays=(0,))
    info = e.load().result(WAIT)
    assert info.state is EngineState.READY, info.reason
    yield e
    e.close()


def test_streams_json_and_reuses_the_system_prompt_in_the_child(engine):
    assert "llama_cpp" not in sys.modules or engine.pid != os.getpid()
    text = "".join(engine.stream(Prompt("What should I check before lifting?", system=COACH), max_tokens=8))
    assert text.strip()
    engine.complete_json(Prompt("One tip for lifting, as JSON.", system=COACH), Tip, max_tokens=48, retries=2)
    status = engine.status()
    assert status["prefix_cache"]["evaluated"] >= 1 and status["prefix_cache"]["in_context"] >= 1
    assert status["threads"] >= 1 and status["threads_source"] in ("measured", "policy")
    assert engine.info().threads == status["threads"]


def test_cancel_during_a_long_prompt_returns_and_the_next_call_works(engine):
    long_prompt = Prompt("Summarise: " + "Check the pallet, the straps and the aisle. " * 150, system=COACH)
    token = CancelToken()
    stream = engine.stream(long_prompt, max_tokens=16, cancel=token)
    done = threading.Event()
    threading.Thread(target=lambda: ("".join(stream), done.set())).start()
    engine.wait_busy(WAIT)  # the child is evaluating the prompt
    token.cancel()
    assert done.wait(WAIT) and stream.generation.finish == "cancelled"
    assert "".join(engine.stream(Prompt("Say OK.", system=COACH), max_tokens=4)).strip()


def test_kill_9_mid_stream_then_the_next_generation_works(engine):
    crashes = engine.crashes
    stream = engine.stream(Prompt("Tell me a long story about forklifts.", system=COACH), max_tokens=200)
    next(stream)
    os.kill(engine.pid, signal.SIGKILL)
    with pytest.raises(EngineError, match="model process stopped"):
        list(stream)
    assert "".join(engine.stream(Prompt("Say OK.", system=COACH), max_tokens=4)).strip()
    assert engine.crashes == crashes + 1 and engine.state is EngineState.READY


def test_memory_of_the_pair_is_reported(engine):
    mem = engine.memory()
    assert mem["ui_rss_mb"] and mem["model_rss_mb"]


APP_STORY = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    # the order `drillpad gui` imports in: the workspace, then the window (which brings PySide6)
    from drillpad.paths import Paths
    from drillpad.workspace import DEMO_PIN, Workspace
    from drillpad.ui.app import MainWindow
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    data = Path(sys.argv[1])
    with Workspace(Paths.resolve(data, env={})) as ws:
        ws.install_demo()
    app = QApplication([])
    ws = Workspace.open(data)
    window = MainWindow(ws, pregenerate=True)
    window.show()
    learner = ws.profiles.learner("Sam Ortiz")
    seen = []
    # (step, what must be true before the next one)
    steps = [(lambda: None, lambda: window.model_label.text().startswith(("✓ AI helper ready", "AI off"))),
             (lambda: window._choose(learner.id), lambda: True),
             (lambda: (window.pin.entry.setText(DEMO_PIN), window.pin._submit()),
              lambda: window.learner_id is not None),
             (lambda: window.start_session(), lambda: True),
             (lambda: window.drill.show_drill(learner.id, "jam-at-c2"), lambda: True),
             (lambda: window._show_progress(), lambda: True),
             # a lock cancels background generation (a model process busy on a prompt is killed and restarts)
             (lambda: window.lock(), lambda: window.engine.state.value == "ready"
              and window.engine.memory()["model_rss_mb"] is not None)]
    def step():
        try:
            if steps and not steps[0][1]():
                QTimer.singleShot(50, step)
                return
            if not seen:
                seen.append(window.model_label.text())
            if steps:
                steps.pop(0)
            if steps:
                steps[0][0]()
                QTimer.singleShot(100, step)
                return
            seen.append({"child": window.engine.pid, "memory": window.engine.memory()})
        except Exception:
            import traceback
            traceback.print_exc()
        app.quit()
    QTimer.singleShot(0, step)
    QTimer.singleShot(120_000, app.quit)
    app.exec()
    print(json.dumps({"label": seen[0], "llama_cpp": "llama_cpp" in sys.modules, **seen[-1]}))
    window.close()
    ws.close()
""")


def test_the_app_story_never_loads_the_model_runtime_in_the_window_process(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO / "src")}
    out = subprocess.run([sys.executable, "-c", APP_STORY, str(tmp_path / "data")], env=env, cwd=REPO,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["label"] == "✓ AI helper ready", result
    assert result["child"] and result["llama_cpp"] is False, (result, out.stderr[-3000:])
    assert result["memory"]["ui_rss_mb"] + result["memory"]["model_rss_mb"] < 350


def test_cli_model_info_shows_the_threads_and_memory(capsys, tmp_path):
    from drillpad.cli import main

    assert main(["--data-dir", str(tmp_path / "data"), "model", "info"]) == 0
    out = capsys.readouterr().out
    assert f"Model: {DEFAULT_MODEL}" in out and "in its own process (pid " in out
    assert "Threads: " in out and ("measured: 1 → " in out or "pinned" in out)
    assert "model process " in out and "together " in out
