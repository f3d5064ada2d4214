"""The names screen comes first: what loads before it is painted is kept to what it needs.

Timings are measured by benchmarks/bench_package.py, never asserted here; this test pins the
cause instead — the modules that cost most of a second (pydantic with the pack models, numpy,
the model runtime, the crypto of evidence bundles, the learner screens) must load after the
first paint, so that the window is usable in well under a second.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from drillpad.paths import Paths
from drillpad.workspace import Workspace

LATER = ("pydantic", "pydantic_core", "numpy", "llama_cpp", "minisign", "pyrage", "fsrs_optimizer",
         "drillpad.core.pack", "drillpad.core.grader", "drillpad.store.packs", "drillpad.evidence.sync",
         "drillpad.llm.llama", "drillpad.ui.trainee.drill", "drillpad.ui.trainee.progress")

CHILD = r"""
import json, sys
from drillpad.cli import main
from drillpad.ui import app

run_app = app.run_app

def measured(open_workspace, on_first_paint=None):
    def first_paint(window):
        print(json.dumps({"loaded": sorted(sys.modules), "tiles": len(window.profiles.tiles)}), flush=True)
        on_first_paint(window)
    return run_app(open_workspace, on_first_paint=first_paint)

app.run_app = measured
sys.exit(main(["--data-dir", sys.argv[1], "--startup-probe", sys.argv[2], "gui"]))
"""


def test_the_first_screen_is_painted_before_the_heavy_modules_load(tmp_path):
    data = tmp_path / "data"
    with Workspace(Paths.resolve(data, env={})) as ws:
        ws.install_demo()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "DRILLPAD_DATA_DIR": str(data)}
    out = subprocess.run([sys.executable, "-c", CHILD, str(data), str(tmp_path / "painted")], env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["tiles"] == 2  # the demo learners are on screen
    loaded = set(report["loaded"])
    early = sorted(m for m in loaded if m in LATER or m.split(".")[0] in LATER)
    assert early == [], f"loaded before the first paint: {early}"
    assert float((tmp_path / "painted").read_text()) > 0  # the probe wrote the time of the first paint
