"""Trainee app: time to a usable first screen, and main-thread stalls during a scripted session.

- launch: `python -m drillpad gui` (offscreen Qt) on the demo data, from just before the process
  starts to the first paint of the "Who's practising?" screen (the app's `--startup-probe`);
  against a process showing an empty QMainWindow (the floor set by Python + Qt start-up).
- stalls: a 10 ms heartbeat timer on the main thread while a script unlocks a learner, opens
  Today, reads a lesson, answers a recall prompt, answers a drill, opens My progress and locks,
  with the real model loading (in its own process) and pre-generating variants in the
  background, and — as on a busy shared workstation — a competing CPU-bound process on every
  core. Each session runs in a fresh process (nothing another benchmark imported counts as the
  window's). Reported: the longest gap between heartbeats, how many exceeded 100 ms, and for each
  gap over 100 ms the scripted step that was running (or whose callbacks were); and the resident
  memory (RSS) of the window's process and of the model's process at the end.

    python benchmarks/bench_ui.py                    # full
    python benchmarks/bench_ui.py --smoke            # one launch; the session as in the full run
    python benchmarks/bench_ui.py --runs 3 [--idle]  # three sessions (the worst shown); without the load
    python benchmarks/bench_ui.py --why              # also sample the main thread's stack in each long gap
    python benchmarks/bench_ui.py --runs 3 --no-launch --gaps-over 50   # the sessions only; list gaps over 50 ms

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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import competing_load  # noqa: E402 - benchmarks/load.py, shared with bench_llm

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


def bench_stalls(data: Path, busy: bool = True, runs: int = 1, why: bool = False, gaps_over_ms: float = 100) -> dict:
    """The scripted session *runs* times, each in a fresh process (so that nothing another benchmark imported
    into this one, such as bench_llm's raw llama-cpp, is counted as the window's), under a competing CPU-bound
    process on every core if *busy*. The longest stall is the worst run's; every run's is kept."""
    sessions = []
    with competing_load() if busy else contextlib.nullcontext(0) as competing:
        for _ in range(runs):
            sessions.append(session_in_child(data, why=why, gaps_over_ms=gaps_over_ms))
    worst = max(sessions, key=lambda s: s["max_gap_ms"])
    every_gap = [{"run": n + 1, **g} for n, s in enumerate(sessions) for g in s["long_gaps"]]
    return {**worst, "runs": runs, "max_gap_ms_each": [s["max_gap_ms"] for s in sessions],
            "long_gaps": every_gap, "competing_processes": competing}


def session_in_child(data: Path, why: bool = False, gaps_over_ms: float = 100) -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--session", str(data),
                          *(["--why"] if why else []), "--gaps-over", str(gaps_over_ms)], env=env, capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"the scripted session failed (exit {out.returncode}):\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


class _Sampler:
    """Why a stall happened (--why): a thread that, while the heartbeat is late by more than 50 ms, takes the main
    thread's stack every 10 ms. Off for the figures (its sampling takes the interpreter lock too)."""

    def __init__(self, last_beat: list[float]):
        import threading

        self.last_beat, self.main = last_beat, threading.get_ident()
        self.samples: list[tuple[float, str]] = []  # (perf_counter, "file:line function ← caller ← …")
        self.others: list[tuple[float, str]] = []  # (perf_counter, another thread's "file:line function")
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        import threading

        while not self.stop.wait(0.01):
            if time.perf_counter() - self.last_beat[0] < 0.05:
                continue
            frames = sys._current_frames()
            for ident, other in frames.items():  # what the other threads run meanwhile (they take the lock too)
                if ident not in (self.main, threading.get_ident()):
                    self.others.append((time.perf_counter(), f"{Path(other.f_code.co_filename).name}:"
                                                             f"{other.f_lineno} {other.f_code.co_name}"))
            other = None
            frame, stack = frames.get(self.main), []
            del frames
            while frame is not None:  # plain fields only, and no reference kept: the frame lives on in its thread
                stack.append((frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name))
                frame = frame.f_back
            del frame
            ours = [f for f in stack if "drillpad" in f[0] or "bench_ui" in f[0]]
            where = " ← ".join(f"{Path(f[0]).name}:{f[1]} {f[2]}" for f in ours[:4])
            self.samples.append((time.perf_counter(), where or "(Qt, outside Python)"))

    def during(self, start: float, end: float) -> list[tuple[str, int]]:
        from collections import Counter

        return Counter(w for t, w in self.samples if start <= t <= end).most_common(3)

    def others_during(self, start: float, end: float) -> list[tuple[str, int]]:
        from collections import Counter

        return Counter(w for t, w in self.others if start <= t <= end).most_common(4)


def session(data: Path, why: bool = False, gaps_over_ms: float = 100) -> dict:
    """The scripted session in this process (``--session DATA``): from the names screen's first paint (measured on
    its own by the launch figure), a 10 ms heartbeat on the main thread while the script runs, a step every 300 ms;
    each gap over *gaps_over_ms* (100 ms) is reported with the step that was running (or whose callbacks ran) then."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from drillpad.ui.app import MainWindow
    from drillpad.workspace import DEMO_PIN, Workspace

    app = QApplication.instance() or QApplication([])
    ws = Workspace.open(data)
    window = MainWindow(ws)
    window.show()
    t0 = time.perf_counter()
    ms = lambda t: round((t - t0) * 1000)  # noqa: E731
    gaps: list[float] = []
    last = [time.perf_counter()]
    sampler = _Sampler(last) if why else None
    ran: list[tuple[str, float, float]] = []  # (step, started, ended)
    long_gaps: list[dict] = []

    def step_at(start: float, end: float) -> str:
        inside = [name for name, a, b in ran if a < end and b > start]
        if inside:
            return "in " + " + ".join(inside)
        before = [name for name, a, _b in ran if a <= start]
        return f"after {before[-1]} (its callbacks)" if before else "after the first paint, before the first step"

    def beat() -> None:
        now = time.perf_counter()
        gap = (now - last[0]) * 1000
        gaps.append(gap)
        if gap > gaps_over_ms:
            entry = {"at_ms": ms(last[0]), "gap_ms": round(gap), "step": step_at(last[0], now)}
            if sampler is not None:
                entry["where"] = sampler.during(last[0], now)
                entry["other_threads"] = sampler.others_during(last[0], now)
            long_gaps.append(entry)
        last[0] = now

    heart = QTimer()
    heart.setInterval(10)
    heart.timeout.connect(beat)

    def painted() -> None:  # first paint is its own measure (launch); the session's stalls count from there
        last[0] = time.perf_counter()
        heart.start()

    window.first_paint.connect(painted)
    learner = ws.profiles.learner("Sam Ortiz")

    def answer_drill() -> None:
        window.drill.answer.setPlainText("E-stop, lock out the isolator, try the start button.")
        window.drill.confidence.set_value(3)
        window.drill._submit()

    steps = [
        ("choose learner", lambda: window._choose(learner.id)),
        ("PIN unlock", lambda: (window.pin.entry.setText(DEMO_PIN), window.pin._submit())),
        ("start session", window.start_session),
        ("lesson done", lambda: window.lesson.done.click() if window.stack.currentWidget() is window.lesson else None),
        ("open drill", lambda: window.drill.show_drill(learner.id, "jam-at-c2")),
        ("submit drill answer", answer_drill),
        ("My progress", window._show_progress),
        ("About my data", window._show_data),
        ("lock", window.lock),
    ]

    def timed(name: str, fn) -> None:
        started = time.perf_counter()
        try:
            fn()
        finally:
            ran.append((name, started, time.perf_counter()))

    before: set[str] = set()

    def script() -> None:
        before.update(sys.modules)
        for n, (name, fn) in enumerate(steps):
            QTimer.singleShot(300 * (n + 1), lambda name=name, fn=fn: timed(name, fn))
        QTimer.singleShot(300 * (len(steps) + 2), finish)

    window.first_paint.connect(script)
    memory: dict = {}

    def finish() -> None:
        engine = window.engine
        memory.update(engine.memory() if hasattr(engine, "memory") else {"ui_rss_mb": _rss_mb()})
        memory["ai"] = window.model_label.text()
        memory["llama_cpp_in_ui_process"] = "llama_cpp" in sys.modules
        if why:  # modules first imported after the first paint (on whichever thread)
            memory["imported_after_first_paint"] = sorted(m for m in set(sys.modules) - before if "." not in m
                                                          or m.startswith("drillpad."))
        heart.stop()  # quitting closes the window, which ends the model's process: not part of the session
        app.quit()

    app.exec()
    heart.stop()
    if sampler is not None:
        sampler.stop.set()
    window.close()
    ws.close()
    over = [g for g in gaps if g > 100]
    return {"beats": len(gaps), "max_gap_ms": round(max(gaps)), "p99_gap_ms": round(sorted(gaps)[int(0.99 * (len(gaps) - 1))]),
            "over_100ms": len(over), "steps": len(steps), "long_gaps": long_gaps,
            "step_ms": {name: round((b - a) * 1000) for name, a, b in ran}, **memory}


SMOKE = {"smoke": True}
"""The tiny size `make bench-smoke` runs (seconds, no thresholds): a broken benchmark fails CI."""


def run(smoke: bool = False, busy: bool = True, runs: int = 1, why: bool = False, gaps_over_ms: float = 100,
        launch: bool = True) -> dict:
    from drillpad.paths import Paths
    from drillpad.workspace import Workspace

    with tempfile.TemporaryDirectory(prefix="drillpad-bench-ui-") as tmp:
        data = Path(tmp)
        with Workspace(Paths.resolve(data, env={})) as ws:
            ws.install_demo()
        return {"launch": bench_launch(data, runs=1 if smoke else 5) if launch else None,
                "stalls": bench_stalls(data, busy=busy, runs=runs, why=why, gaps_over_ms=gaps_over_ms)}


def report(r: dict) -> list[tuple[str, str, str, str]]:
    launch, stalls = r["launch"], r["stalls"]
    return [
        *([("first usable screen after launch", f"{launch['drillpad_s']:.2f} s", "< 1.5 s",
            f"empty Qt window {launch['empty_qt_s']:.2f} s → {launch['drillpad_s'] / launch['empty_qt_s']:.1f}×; "
            f"median of {launch['runs']}")] if launch else []),
        ("longest main-thread stall, scripted session", f"{stalls['max_gap_ms']:.0f} ms", "< 100 ms",
         f"{stalls['over_100ms']} of {stalls['beats']} heartbeats over 100 ms; p99 {stalls['p99_gap_ms']:.0f} ms; "
         f"worst of {stalls['runs']} run(s): {stalls['max_gap_ms_each']} ms; model loading and pre-generating "
         f"meanwhile; {stalls['competing_processes']} CPU-bound processes competing"),
        *[("  gap", f"{g['gap_ms']} ms", "", f"run {g.get('run', 1)} at {g['at_ms']} ms, {g['step']}"
           + "".join(f"; {n}× {w}" for w, n in g.get("where", []))
           + ("; other threads: " + ", ".join(f"{n}× {w}" for w, n in g["other_threads"]) if g.get("other_threads")
              else "")) for g in stalls["long_gaps"]],
        ("RSS, window process + model process", f"{stalls.get('ui_rss_mb') or 0:.0f} + "
         f"{stalls.get('model_rss_mb') or 0:.0f} MB", "< 350 MB together",
         f"{(stalls.get('ui_rss_mb') or 0) + (stalls.get('model_rss_mb') or 0):.0f} MB; llama_cpp imported by the "
         f"window's process: {stalls.get('llama_cpp_in_ui_process')}; {stalls.get('ai', '')[:40]}"),
    ]


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help="one launch instead of five")
    ap.add_argument("--idle", action="store_true", help="the session without the competing CPU-bound processes")
    ap.add_argument("--runs", type=int, default=1, help="scripted sessions (each in a fresh process); the worst is shown")
    ap.add_argument("--why", action="store_true",
                    help="sample the main thread's stack during each long gap (slightly perturbs the figures)")
    ap.add_argument("--gaps-over", type=float, default=100, metavar="MS",
                    help="list each gap longer than this (default 100 ms; lower it to see the turns that grow into stalls)")
    ap.add_argument("--no-launch", action="store_true", help="skip the first-paint launches (the sessions only)")
    ap.add_argument("--session", metavar="DATA", type=Path, help=argparse.SUPPRESS)  # one session, in this process
    args = ap.parse_args()
    if args.session is not None:
        print(json.dumps(session(args.session, why=args.why, gaps_over_ms=args.gaps_over)))
        sys.exit(0)
    result = run(args.smoke, busy=not args.idle, runs=args.runs, why=args.why, gaps_over_ms=args.gaps_over,
                 launch=not args.no_launch)
    print(json.dumps(result, indent=2))
    for row in report(result):
        print("  ".join(row))
