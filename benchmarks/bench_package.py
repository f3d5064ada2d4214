"""Packaged build (`make package`, dist/drillpad/): what it weighs and how fast it starts.

- size: the whole onedir folder (Python, Qt, the llama libraries, demo packs and the embedded
  model) against the GGUF model file it carries; also the Linux tarball when present.
- start-up: time from launching `drillpad gui` on the demo data (offscreen, OS file cache warm)
  to the first paint of the "Who's practising?" names screen — the moment a trainee can tap
  their name. The app's hidden `--startup-probe FILE` flag writes the wall-clock time of that
  first paint and closes the window; the figure is that time minus the time just before the
  process was started. The same launch from the source checkout (`python -m drillpad`) shows
  what packaging itself costs; an empty PySide6 window started the same way as in bench_ui.py
  is the floor set by Python and Qt; `--version` is the floor of the packaged binary
  (bootloader, Python, the command line's imports).
Each start-up measure runs RUNS times and the median is reported (the first run warms the file
cache). Figures only, no goals in tests: on shared 2-core machines, read the ratios, not the
decimals.
"""

from __future__ import annotations

import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DIST = REPO / "dist"
APP_DIR = DIST / "drillpad"
BINARY = APP_DIR / "drillpad"
RUNS = 5
SMOKE = {"runs": 1}
"""The tiny size `make bench-smoke` runs (seconds, no thresholds): a broken benchmark fails CI."""
MB = 1e6
SKIP = f"skip: no packaged build at {BINARY.relative_to(REPO)}; run `make package` first"


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
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # source runs as installed: .pyc kept
    return {**env, "QT_QPA_PLATFORM": "offscreen", "HOME": str(home), "XDG_DATA_HOME": str(home / "data"),
            "XDG_STATE_HOME": str(home / "state"), "XDG_CACHE_HOME": str(home / "cache"),
            "XDG_CONFIG_HOME": str(home / "config"), "DRILLPAD_DATA_DIR": str(home / "drillpad-data")}


def version_s(cmd: list[str], env: dict[str, str]) -> float:
    t = time.perf_counter()
    subprocess.run([*cmd, "--version"], env=env, capture_output=True, check=True, timeout=60, cwd=REPO)
    return time.perf_counter() - t


def _bench_ui():
    spec = importlib.util.spec_from_file_location("bench_ui", Path(__file__).with_name("bench_ui.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(runs: int = RUNS) -> dict:
    if not BINARY.exists():
        print(SKIP, flush=True)
        return {"skipped": SKIP}
    bench_ui = _bench_ui()  # the same launch probe and empty-window floor as the trainee app's bench
    source = [sys.executable, "-m", "drillpad"]
    with tempfile.TemporaryDirectory(prefix="drillpad-bench-package-") as tmp:
        home = Path(tmp)
        env = child_env(home)
        data = home / "demo-data"
        subprocess.run([str(BINARY), "--data-dir", str(data), "demo", "--no-gui"], env=env, capture_output=True,
                       check=True, timeout=300, cwd=REPO)
        times = {"packaged_s": [], "source_s": [], "empty_qt_s": [], "packaged_version_s": [], "source_version_s": []}
        for _ in range(runs):
            times["packaged_s"].append(bench_ui.first_paint_s([str(BINARY)], env, data))
            times["source_s"].append(bench_ui.first_paint_s(source, env, data))
            times["empty_qt_s"].append(bench_ui.empty_window_s(env))
            times["packaged_version_s"].append(version_s([str(BINARY)], env))
            times["source_version_s"].append(version_s(source, env))
    start = {key: statistics.median(values) for key, values in times.items()}
    return {"size": sizes(), "start": start, "runs": times}


def report(r: dict) -> list[tuple[str, str, str, str]]:
    if "skipped" in r:
        return [("packaged build", "skipped", "–", r["skipped"])]
    size, start = r["size"], r["start"]
    empty = start["empty_qt_s"]
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
        ("packaged: launch → names screen painted", f"{start['packaged_s']:.2f} s", "< 1 s",
         f"empty PySide6 window {empty:.2f} s → {start['packaged_s'] / empty:.1f}×; from source "
         f"{start['source_s']:.2f} s → packaged {start['packaged_s'] / start['source_s']:.2f}× source; "
         f"median of {len(r['runs']['packaged_s'])}, offscreen, demo data"),
        ("packaged: `drillpad --version`", f"{start['packaged_version_s']:.2f} s", "–",
         f"from source {start['source_version_s']:.2f} s; the floor before any window"),
    ]
    return rows


if __name__ == "__main__":
    result = run()
    print(json.dumps(result, indent=2))
    for row in report(result):
        print("  ".join(row))
