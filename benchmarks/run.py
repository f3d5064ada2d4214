#!/usr/bin/env python3
"""Run DrillPad's benchmarks (`make bench`): print a table, keep the raw numbers.

Each ``benchmarks/bench_*.py`` offers ``run() -> dict`` and ``report(result) -> rows`` of
(measure, value, goal, comparison). The raw results of one run go to
``benchmarks/results/<UTC time>.json`` (git-ignored) for comparison between runs.

    benchmarks/run.py            # every benchmark
    benchmarks/run.py llm        # only bench_llm.py
    benchmarks/run.py --smoke    # every benchmark at its tiny size (`make bench-smoke`, CI)

Every benchmark also defines ``SMOKE``, the keyword arguments of a tiny ``run`` (seconds, no
thresholds), so that CI runs it and a benchmark that no longer works fails the build.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent


def load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def table(rows: list[tuple[str, ...]]) -> str:
    header = ("measure", "value", "goal", "comparison")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
    return "\n".join([line(header), line(tuple("-" * w for w in widths)), *(line(r) for r in rows)])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help="benchmarks to run (bench_NAME.py); default: all")
    ap.add_argument("--smoke", action="store_true", help="each benchmark at its tiny size (SMOKE); no results file")
    args = ap.parse_args(argv)
    benches = sorted(HERE.glob("bench_*.py"))
    if args.names:
        wanted = {f"bench_{n.removeprefix('bench_').removesuffix('.py')}.py" for n in args.names}
        if missing := wanted - {b.name for b in benches}:
            ap.error(f"no such benchmark: {', '.join(sorted(missing))}")
        benches = [b for b in benches if b.name in wanted]
    results: dict[str, object] = {
        "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count(), "processor": platform.processor() or platform.machine()},
    }
    for path in benches:
        name = path.stem.removeprefix("bench_")
        print(f"\n== {name} ({path.name})", flush=True)
        module = load(path)
        if args.smoke and not isinstance(getattr(module, "SMOKE", None), dict):
            raise SystemExit(f"error: {path.name} defines no SMOKE size: give it one so CI runs it")
        t = time.perf_counter()
        result = module.run(**module.SMOKE) if args.smoke else module.run()
        result["bench_seconds"] = round(time.perf_counter() - t, 1)
        results[name] = result
        print(table(module.report(result)), flush=True)
        if args.smoke:
            print(f"({path.name} smoke run: {result['bench_seconds']} s)", flush=True)
    if args.smoke:
        return 0
    out = HERE / "results" / (datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + ".json")
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nraw numbers: {out.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
