"""Trainee app resources on a shared PC: idle CPU on the names screen, and memory after the trainee story.

The app is its window's process and the model's child process: RSS and CPU time are read for both (the process
tree under the window's pid).

- idle CPU: `python -m drillpad gui` (offscreen Qt) on the demo data, with the model when one is installed
  (models/ or the demo data's models/); once the app has had `settle` seconds for its start-up work (model load,
  backup, first sync) on the names screen, the process's CPU time (all threads, from /proc) is read over
  `window` seconds. Reported as % of one core, with the threads that used it.
- memory: a child process runs the scripted trainee story (choose, PIN, Today, lessons, a recall prompt, a
  drill with feedback, My progress, About my data, lock) `stories` times in one window, printing its RSS
  after each; reported: RSS after the first story and after the last, the growth per story, the peak.

    python benchmarks/bench_resources.py            # 5-minute idle window, 10 stories
    python benchmarks/bench_resources.py --smoke    # 20 s to settle, 10-second idle window, 3 stories: quick, for CI
Linux only (/proc). Timings on shared 2-core machines are noisy: read the trend, not the decimals.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TICKS = os.sysconf("SC_CLK_TCK")
FULL = {"settle": 60.0, "window": 300.0, "stories": 10}
SMOKE_SIZES = {"settle": 20.0, "window": 10.0, "stories": 3}
SMOKE = {"smoke": True}  # the tiny run `make bench-smoke` (CI) makes

STORY = r"""
import json, os, sys, time
from datetime import timedelta
from pathlib import Path
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication
from drillpad.clock import FixedClock
from drillpad.ui.app import MainWindow, apply_app_font
from drillpad.workspace import DEMO_PIN, Workspace
from datetime import datetime, timezone

sys.path.insert(0, sys.argv[3])
from bench_resources import tree_memory  # the window's process and the model's, together

def point(n):
    m = tree_memory(os.getpid())
    return json.dumps({"story": n, "rss_mb": m["rss_mb"], "window_mb": m["self_rss_mb"],
                       "model_mb": m["children_rss_mb"], "peak_mb": m["peak_mb"], "ai": window.model_label.text()})

app = QApplication([])
apply_app_font(app)
clock = FixedClock(datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc))
ws = Workspace.open(Path(sys.argv[1]), clock=clock)
window = MainWindow(ws, pregenerate=False)
window.show()

def pump(until, limit=60.0):
    end = time.monotonic() + limit
    while not until() and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.005)

pump(lambda: window.today is not None)
# the story is measured with the model loaded (in its own process), as a trainee meets it
pump(lambda: window.model_label.text().startswith(("✓", "AI off")), 180.0)
learner = ws.profiles.learner("Sam Ortiz")
print(point(0), flush=True)
for n in range(1, int(sys.argv[2]) + 1):
    window._choose(learner.id)
    window.pin.entry.setText(DEMO_PIN)
    window.pin._submit()
    pump(lambda: window.learner_id is not None)
    window.start_session()
    while window.stack.currentWidget() is window.lesson:
        window.lesson.done.click()
        app.processEvents()
    prompt = ws.db.execute("SELECT id FROM prompts WHERE pack_id = ? LIMIT 1", [learner.pack_id]).fetchone()[0]
    window.recall.show_prompt(learner.id, prompt, learner.pack_id)
    window.recall.answer.setPlainText("Stop, cone it off and tell the shift lead.")
    window.recall.confidence.set_value(3)
    window.recall.check.click()
    window.drill.show_drill(learner.id, "jam-at-c2")
    window.stack.setCurrentWidget(window.drill)
    window.drill.answer.setPlainText("E-stop, lock out the isolator, try the start button.")
    window.drill.confidence.set_value(3)
    window.drill.submit.click()
    pump(lambda: not window.drill.submit.isVisible(), 120.0)
    window._show_progress()
    app.processEvents()
    window._show_data()
    app.processEvents()
    window.lock()
    pump(lambda: False, 0.2)
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # as app.exec() does between events
    clock.advance(timedelta(days=1))
    print(point(n), flush=True)
window.close()
ws.close()
"""


def demo_data(with_model: bool) -> Path:
    from drillpad.paths import Paths
    from drillpad.workspace import Workspace

    data = Path(tempfile.mkdtemp(prefix="drillpad-bench-res-"))
    with Workspace(Paths.resolve(data, env={})) as ws:
        ws.install_demo()
    models = sorted((REPO / "models").glob("*.gguf"))
    if with_model and models:  # the model the app would use, found in the data dir
        (data / "models").mkdir(exist_ok=True)
        for f in (REPO / "models").glob(models[0].stem + ".*"):
            os.symlink(f, data / "models" / f.name)
    return data


def process_tree(pid: int) -> list[int]:
    """*pid* and every process below it (the model's child process, its helpers), as they stand now."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        try:
            tasks = list(Path(f"/proc/{p}/task").iterdir())
        except OSError:
            continue
        for task in tasks:
            try:
                todo.extend(int(c) for c in (task / "children").read_text().split())
            except OSError:
                continue
    return found


def _status_mb(pid: int, field: str) -> int:
    try:
        line = next(x for x in Path(f"/proc/{pid}/status").read_text().splitlines() if x.startswith(field + ":"))
    except (OSError, StopIteration):
        return 0
    return int(line.split()[1]) // 1024


def tree_memory(pid: int) -> dict[str, int]:
    """RSS of *pid* and of the processes below it (the window and the model's process), and the sum of their peaks
    (an upper bound of the peak of the whole: the two need not peak at the same moment)."""
    procs = process_tree(pid)
    own, children = _status_mb(pid, "VmRSS"), sum(_status_mb(p, "VmRSS") for p in procs[1:])
    return {"rss_mb": own + children, "self_rss_mb": own, "children_rss_mb": children,
            "peak_mb": sum(_status_mb(p, "VmHWM") for p in procs)}


def cpu_seconds(pid: int, tree: bool = True) -> tuple[float, dict[str, float]]:
    """CPU time (user + system) of *pid* and, unless *tree* is false, of the processes below it; and per thread
    name (a child's threads are named "child:NAME")."""
    total = 0.0
    threads: dict[str, float] = {}
    for p in process_tree(pid) if tree else [pid]:
        try:
            total += sum(float(x) for x in Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[11:13]) / TICKS
            tasks = list(Path(f"/proc/{p}/task").iterdir())
        except OSError:
            continue
        for task in tasks:
            try:
                name = ("" if p == pid else "child:") + (task / "comm").read_text().strip()
                fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
                threads[name] = threads.get(name, 0.0) + (float(fields[11]) + float(fields[12])) / TICKS
            except OSError:
                continue
    return total, threads


def bench_idle(data: Path, settle: float, window: float) -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen([sys.executable, "-m", "drillpad", "--data-dir", str(data), "gui"], env=env,
                            stdout=subprocess.DEVNULL, stderr=log)
    try:
        time.sleep(settle)  # the names screen, then the start-up work (model load, backup, first sync)
        if proc.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"drillpad gui exited ({proc.returncode}):\n{log.read().decode()[-2000:]}")
        start_cpu, start_threads = cpu_seconds(proc.pid)
        t0 = time.monotonic()
        time.sleep(window)
        end_cpu, end_threads = cpu_seconds(proc.pid)
        elapsed = time.monotonic() - t0
        memory, processes = tree_memory(proc.pid), len(process_tree(proc.pid))
    finally:
        proc.terminate()
        proc.wait(30)
    busy = {k: round(end_threads.get(k, 0) - start_threads.get(k, 0), 3) for k in end_threads}
    return {"window_s": round(elapsed, 1), "startup_cpu_s": round(start_cpu, 2),
            "idle_cpu_s": round(end_cpu - start_cpu, 3),
            "idle_cpu_pct": round(100 * (end_cpu - start_cpu) / elapsed, 2),
            "busiest_threads": dict(sorted(busy.items(), key=lambda kv: -kv[1])[:3]), "rss_mb": memory["rss_mb"],
            "model_mb": memory["children_rss_mb"], "processes": processes,
            "settle_s": settle}


def bench_story(data: Path, stories: int) -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", STORY, str(data), str(stories), str(Path(__file__).parent)], env=env,
                         capture_output=True, text=True, timeout=900)
    points = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode != 0 or len(points) < 2:
        raise RuntimeError(f"the scripted story failed (exit {out.returncode}):\n{out.stderr[-2000:]}")
    first, last = points[1], points[-1]
    growth = (last["rss_mb"] - first["rss_mb"]) / max(1, last["story"] - first["story"])
    return {"before_mb": points[0]["rss_mb"], "after_first_mb": first["rss_mb"], "after_last_mb": last["rss_mb"],
            "stories": last["story"], "growth_per_story_mb": round(growth, 1), "peak_mb": last["peak_mb"],
            "window_mb": last["window_mb"], "model_mb": last["model_mb"], "ai": last["ai"]}


def run(smoke: bool = False) -> dict:
    sizes = SMOKE_SIZES if smoke else FULL
    data = demo_data(with_model=True)
    try:
        model = any((data / "models").glob("*.gguf")) if (data / "models").exists() else False
        return {"model": model, "idle": bench_idle(data, sizes["settle"], sizes["window"]),
                "story": bench_story(data, sizes["stories"]), "smoke": smoke}
    finally:
        shutil.rmtree(data, ignore_errors=True)


def report(r: dict) -> list[tuple[str, str, str, str]]:
    idle, story = r["idle"], r["story"]
    model = "model loaded" if r["model"] else "no model installed"
    return [
        ("idle CPU on the names screen", f"{idle['idle_cpu_pct']:.2f} % of a core", "~0 %",
         f"{idle['idle_cpu_s']} s CPU in {idle['window_s']} s after {idle['settle_s']:.0f} s to settle "
         f"(start-up work {idle['startup_cpu_s']} s), {idle['processes']} process(es); {model}; RSS {idle['rss_mb']} MB "
         f"(model's process {idle['model_mb']} MB); busiest threads {idle['busiest_threads']}"),
        ("RSS after the trainee story (window + model process)", f"{story['after_last_mb']} MB", "< 350 MB",
         f"window {story['window_mb']} + model {story['model_mb']} MB; before {story['before_mb']} MB, after 1 story "
         f"{story['after_first_mb']} MB, after {story['stories']} {story['growth_per_story_mb']:+.1f} MB per story; "
         f"sum of peaks {story['peak_mb']} MB; {model}; status bar: {story['ai']}"),
    ]


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help="10-second idle window and 3 stories: quick, for CI")
    result = run(smoke=ap.parse_args().smoke)
    sys.path.insert(0, str(Path(__file__).parent))
    from run import table

    print(table(report(result)))
