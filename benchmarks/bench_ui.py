"""Trainee app: time to a usable first screen, and main-thread stalls during a scripted session.

- launch: `python -m drillpad gui` (offscreen Qt) on the demo data, from just before the process
  starts to the first paint of the "Who's practising?" screen (the app's `--startup-probe`);
  against a process showing an empty QMainWindow (the floor set by Python + Qt start-up).
- stalls: a 10 ms heartbeat timer on the main thread while a script unlocks a learner, opens
  Today, reads a lesson, answers a recall prompt, answers a drill, opens My progress and locks,
  with the real model loading (in its own process) and pre-generating variants in the
  background, and — as on a busy shared workstation — a competing CPU-bound process on every
  core. Reported: the longest gap between heartbeats and how many exceeded 100 ms; and the
  resident memory (RSS) of the window's process and of the model's process at the end.

    python benchmarks/bench_ui.py            # full
    python benchmarks/bench_ui.py --smoke    # one launch; the session as in the full run

Timings on shared 2-core machines are noisy: read the ratios, not the decimals.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EMPTY_WINDOW = r"""
import os, sys, time
T0 = float(sys.argv[1])
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.show()
def done():
    os.write(1, f"{time.time() - T0:.4f}\n".encode())
    os._exit(0)
QTimer.singleShot(0, done)
app.exec()
"""


def empty_window_s(env: dict[str, str]) -> float:
    """The floor: a Python process showing an empty QMainWindow, until its first event-loop turn."""
    out = subprocess.run([sys.executable, "-c", EMPTY_WINDOW, repr(time.time())], env=env,
                         capture_output=True, text=True, check=True, timeout=120)
    return float(out.stdout.strip().splitlines()[-1])


def first_paint_s(cmd: list[str], env: dict[str, str], data: Path) -> float:
    """Launch `drillpad gui` (*cmd*: the packaged binary or `python -m drillpad`) on *data* and return the
    seconds until its names screen was first painted, from the app's `--startup-probe`."""
    probe = data.parent / f"{data.name}-first-paint.txt"
    probe.unlink(missing_ok=True)
    started = time.time()
    out = subprocess.run([*cmd, "--data-dir", str(data), "--startup-probe", str(probe), "gui"], env=env,
                         capture_output=True, text=True, timeout=120)
    if out.returncode != 0 or not probe.exists():
        raise RuntimeError(f"{' '.join(cmd)} gui failed (exit {out.returncode}):\n{out.stdout}{out.stderr}")
    return float(probe.read_text()) - started


def bench_launch(data: Path, runs: int = 5) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # .pyc kept, as installed
    env["QT_QPA_PLATFORM"] = "offscreen"
    app, floor = [], []
    for _ in range(runs):
        floor.append(empty_window_s(env))
        app.append(first_paint_s([sys.executable, "-m", "drillpad"], env, data))
    return {"drillpad_s": statistics.median(app), "empty_qt_s": statistics.median(floor), "runs": runs}


def _rss_mb() -> float | None:
    try:
        return next(int(line.split()[1]) / 1024 for line in Path("/proc/self/status").read_text().splitlines()
                    if line.startswith("VmRSS:"))
    except (OSError, StopIteration):
        return None


@contextlib.contextmanager
def competing_load(n: int | None = None):
    """A CPU-bound process on every core."""
    procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n or os.cpu_count() or 1)]
    try:
        yield len(procs)
    finally:
        for p in procs:
            p.kill()
        for p in procs:
            p.wait()


def bench_stalls(data: Path, busy: bool = True) -> dict:
    with competing_load() if busy else contextlib.nullcontext(0) as competing:
        return {**_stalls(data), "competing_processes": competing}


def _stalls(data: Path) -> dict:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from drillpad.ui.app import MainWindow
    from drillpad.workspace import DEMO_PIN, Workspace

    app = QApplication.instance() or QApplication([])
    ws = Workspace.open(data)
    window = MainWindow(ws)
    window.show()
    gaps: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.elapsed()]

    long_gaps: list[tuple[int, float]] = []

    def beat() -> None:
        now = clock.elapsed()
        gaps.append(now - last[0])
        if gaps[-1] > 100:
            long_gaps.append((now, gaps[-1]))  # when (ms since start; step n runs at 300·(n+1)) and how long
        last[0] = now

    heart = QTimer()
    heart.setInterval(10)
    heart.timeout.connect(beat)
    heart.start()
    learner = ws.learner("Sam Ortiz")
    steps = [
        lambda: window._choose(learner.id),
        lambda: (window.pin.entry.setText(DEMO_PIN), window.pin._submit()),
        lambda: window.start_session(),
        lambda: window.lesson.done.click() if window.stack.currentWidget() is window.lesson else None,
        lambda: window.drill.show_drill(learner.id, "jam-at-c2"),
        lambda: (window.drill.answer.setPlainText("E-stop, lock out the isolator, try the start button."),
                 window.drill.confidence.set_value(3), window.drill._submit()),
        lambda: window._show_progress(),
        lambda: window._show_data(),
        lambda: window.lock(),
    ]
    for n, step in enumerate(steps):
        QTimer.singleShot(300 * (n + 1), step)
    memory: dict = {}

    def finish() -> None:
        engine = window.engine
        memory.update(engine.memory() if hasattr(engine, "memory") else {"ui_rss_mb": _rss_mb()})
        memory["ai"] = window.model_label.text()
        memory["llama_cpp_in_ui_process"] = "llama_cpp" in sys.modules
        app.quit()

    QTimer.singleShot(300 * (len(steps) + 2), finish)
    app.exec()
    heart.stop()
    window.close()
    ws.close()
    over = [g for g in gaps if g > 100]
    return {"beats": len(gaps), "max_gap_ms": max(gaps), "p99_gap_ms": sorted(gaps)[int(0.99 * (len(gaps) - 1))],
            "over_100ms": len(over), "steps": len(steps), "long_gaps": long_gaps,
            **memory}


SMOKE = {"smoke": True}
"""The tiny size `make bench-smoke` runs (seconds, no thresholds): a broken benchmark fails CI."""


def run(smoke: bool = False) -> dict:
    from drillpad.paths import Paths
    from drillpad.workspace import Workspace

    with tempfile.TemporaryDirectory(prefix="drillpad-bench-ui-") as tmp:
        data = Path(tmp)
        with Workspace(Paths.resolve(data, env={})) as ws:
            ws.install_demo()
        return {"launch": bench_launch(data, runs=1 if smoke else 5), "stalls": bench_stalls(data)}


def report(r: dict) -> list[tuple[str, str, str, str]]:
    launch, stalls = r["launch"], r["stalls"]
    return [
        ("first usable screen after launch", f"{launch['drillpad_s']:.2f} s", "< 1.5 s",
         f"empty Qt window {launch['empty_qt_s']:.2f} s → {launch['drillpad_s'] / launch['empty_qt_s']:.1f}×; "
         f"median of {launch['runs']}"),
        ("longest main-thread stall, scripted session", f"{stalls['max_gap_ms']:.0f} ms", "< 100 ms",
         f"{stalls['over_100ms']} of {stalls['beats']} heartbeats over 100 ms; p99 {stalls['p99_gap_ms']:.0f} ms; "
         f"model loading and pre-generating meanwhile; {stalls['competing_processes']} CPU-bound processes competing"),
        ("RSS, window process + model process", f"{stalls.get('ui_rss_mb') or 0:.0f} + "
         f"{stalls.get('model_rss_mb') or 0:.0f} MB", "< 350 MB together",
         f"{(stalls.get('ui_rss_mb') or 0) + (stalls.get('model_rss_mb') or 0):.0f} MB; llama_cpp imported by the "
         f"window's process: {stalls.get('llama_cpp_in_ui_process')}; {stalls.get('ai', '')[:40]}"),
    ]


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help="one launch instead of five")
    result = run(ap.parse_args().smoke)
    print(json.dumps(result, indent=2))
    for row in report(result):
        print("  ".join(row))
