"""Packaged build (`make package`, dist/drillpad/): what it weighs and how fast it starts.

- size: the whole onedir folder (Python, Qt, the llama libraries, demo packs and the embedded
  model) against the GGUF model file it carries; also the Linux tarball when present.
- start-up: time to a usable trainee window from the packaged binary, offscreen, on a fresh
  temporary data dir, against an empty PySide6 window started the same way as in bench_ui.py.
  The packaged binary cannot run bench_ui.py's Python child (a frozen app runs only its own
  entry point) and has no flag that reports its first paint, so its figure comes from
  `drillpad --smoke --no-model`: each line is timestamped as it arrives (through a pty, so the
  app's output is line-buffered), and the time at which "ok trainee window" arrives, minus the
  two checks that run before it and a real launch does not do (demo import, one graded drill),
  is process start → frozen Python up → workspace opened → Qt up → trainee window shown and
  its first events processed. The same is measured from the source checkout (`python -m
  drillpad --smoke --no-model`) so the cost of packaging itself is visible, and `--version`
  gives the floor of the packaged binary (bootloader, Python, the CLI's imports).
Each measure runs twice and the second (warm file cache) is reported. Figures only, no goals:
on shared 2-core machines, read the ratios, not the decimals.
"""

from __future__ import annotations

import importlib.util
import json
import os
import pty
import re
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DIST = REPO / "dist"
APP_DIR = DIST / "drillpad"
BINARY = APP_DIR / "drillpad"
RUNS = 2
MB = 1e6
SKIP = f"skip: no packaged build at {BINARY.relative_to(REPO)}; run `make package` first"
CHECK = re.compile(r"^ok\s+(?P<name>.+?) \((?P<ms>\d+) ms\)")


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def sizes() -> dict:
    internal = APP_DIR / "_internal"
    models = sorted((internal / "models").glob("*.gguf"))
    tarballs = sorted(DIST.glob("drillpad-*.tar.gz"))
    return {
        "folder_mb": folder_bytes(APP_DIR) / MB,
        "model_mb": sum(m.stat().st_size for m in models) / MB,
        "models": [m.name for m in models],
        "qt_mb": folder_bytes(internal / "PySide6") / MB if (internal / "PySide6").is_dir() else None,
        "llama_mb": folder_bytes(internal / "llama_cpp") / MB if (internal / "llama_cpp").is_dir() else None,
        "tarball": tarballs[-1].name if tarballs else None,
        "tarball_mb": tarballs[-1].stat().st_size / MB if tarballs else None,
    }


def child_env(home: Path) -> dict[str, str]:
    """Offscreen Qt and a throwaway home, so nothing reads or writes the user's DrillPad folders."""
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(home), "XDG_DATA_HOME": str(home / "data"),
            "XDG_STATE_HOME": str(home / "state"), "XDG_CACHE_HOME": str(home / "cache"),
            "XDG_CONFIG_HOME": str(home / "config"), "DRILLPAD_DATA_DIR": str(home / "drillpad-data")}


def timed_lines(cmd: list[str], env: dict[str, str], timeout: float = 180) -> tuple[list[tuple[float, str]], int]:
    """Run cmd with its output on a pty; every line with the seconds since just before the start."""
    master, slave = pty.openpty()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=env, cwd=REPO)
    os.close(slave)
    lines: list[tuple[float, str]] = []
    pending = b""
    try:
        while True:
            if time.perf_counter() - t0 > timeout:
                proc.kill()
                raise TimeoutError(f"{' '.join(cmd)} took more than {timeout:.0f} s")
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the pty
                break
            if not chunk:
                break
            now = time.perf_counter() - t0
            pending += chunk
            *done, pending = pending.split(b"\n")
            lines += [(now, line.decode(errors="replace").rstrip("\r")) for line in done]
    finally:
        os.close(master)
    if pending:
        lines.append((time.perf_counter() - t0, pending.decode(errors="replace").rstrip("\r")))
    return lines, proc.wait(timeout=30)


def smoke_window(cmd: list[str], env: dict[str, str]) -> dict:
    lines, code = timed_lines([*cmd, "--smoke", "--no-model"], env)
    text = "\n".join(line for _, line in lines)
    if code != 0:
        raise RuntimeError(f"{' '.join(cmd)} --smoke --no-model failed (exit {code}):\n{text}")
    checks = {}
    for at, line in lines:
        if m := CHECK.match(line):
            checks[m["name"]] = (at, int(m["ms"]) / 1000)
    window_at, window_s = checks["trainee window"]
    before = sum(s for name, (at, s) in checks.items() if at < window_at)
    return {"usable_s": window_at - before, "window_line_s": window_at, "window_check_s": window_s,
            "checks_before_s": before, "total_s": lines[-1][0] if lines else None}


def version_s(cmd: list[str], env: dict[str, str]) -> float:
    t = time.perf_counter()
    subprocess.run([*cmd, "--version"], env=env, capture_output=True, check=True, timeout=60, cwd=REPO)
    return time.perf_counter() - t


def empty_qt_s(env: dict[str, str], home: Path) -> float:
    """bench_ui.py's empty QMainWindow child, from interpreter start to its first event-loop turn."""
    spec = importlib.util.spec_from_file_location("bench_ui", Path(__file__).with_name("bench_ui.py"))
    bench_ui = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_ui)
    out = subprocess.run([sys.executable, "-c", bench_ui.CHILD, repr(time.time()), "empty", str(home)], env=env,
                         capture_output=True, text=True, check=True, timeout=120)
    return float(out.stdout.strip().splitlines()[-1])


def run() -> dict:
    if not BINARY.exists():
        print(SKIP, flush=True)
        return {"skipped": SKIP}
    source = [sys.executable, "-m", "drillpad"]
    runs = []
    for _ in range(RUNS):
        with tempfile.TemporaryDirectory(prefix="drillpad-bench-package-") as tmp:
            env = child_env(Path(tmp))
            runs.append({
                "empty_qt_s": empty_qt_s(env, Path(tmp)),
                "packaged": smoke_window([str(BINARY)], env),
                "source": smoke_window(source, env),
                "packaged_version_s": version_s([str(BINARY)], env),
                "source_version_s": version_s(source, env),
            })
    return {"size": sizes(), "start": runs[-1], "runs": runs, "reported_run": RUNS}


def report(r: dict) -> list[tuple[str, str, str, str]]:
    if "skipped" in r:
        return [("packaged build", "skipped", "–", r["skipped"])]
    size, start = r["size"], r["start"]
    packaged, source, empty = start["packaged"], start["source"], start["empty_qt_s"]
    parts = ", ".join(f"{name} {size[key]:.0f} MB" for name, key in (("Qt", "qt_mb"), ("llama", "llama_mb"))
                      if size[key] is not None)
    model = (f"model {size['model_mb']:.0f} MB → folder is {size['folder_mb'] / size['model_mb']:.1f}× the model "
             f"({parts}; the rest Python, numpy, system libraries and DrillPad)" if size["model_mb"]
             else "no model in the build")
    rows = [("packaged folder dist/drillpad/", f"{size['folder_mb']:.0f} MB", "–", model)]
    if size["tarball"]:
        rows.append((f"tarball {size['tarball']}", f"{size['tarball_mb']:.0f} MB", "–",
                     f"{size['tarball_mb'] / size['folder_mb']:.2f}× the folder"))
    rows += [
        ("packaged: launch → trainee window shown", f"{packaged['usable_s']:.2f} s", "–",
         f"empty PySide6 window {empty:.2f} s → {packaged['usable_s'] / empty:.1f}×; from source "
         f"{source['usable_s']:.2f} s → packaged {packaged['usable_s'] / source['usable_s']:.2f}× source; "
         f"from `--smoke --no-model`, run {r['reported_run']} of {len(r['runs'])}"),
        ("packaged: `drillpad --version`", f"{start['packaged_version_s']:.2f} s", "–",
         f"from source {start['source_version_s']:.2f} s; the floor before any window"),
    ]
    return rows


if __name__ == "__main__":
    result = run()
    print(json.dumps(result, indent=2))
    for row in report(result):
        print("  ".join(row))
