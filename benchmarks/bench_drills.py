"""Scenario drills: deterministic grading time, the embedded model as judge, and the time from
"start" to a drill on screen with a cached variant.

- grade: every labelled answer of both demo packs graded 20 times; p50/p95 per answer;
- judge: the embedded model's per-criterion verdict on 12 labelled answers (load excluded), p50/p95,
  with the same answers' deterministic grading as the comparison;
- start_drill: a demo data dir with cached variants; ``Workspace.start_drill`` p50/p95 when a
  variant is waiting, against the written-scenario path (same call, nothing cached).
Timings on shared 2-core machines are noisy: read ratios, not decimals.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path

from drillpad.core.grader import grade
from drillpad.drills.evaluation import pack_synonyms
from drillpad.drills.judge import JudgeInvalid, judge
from drillpad.llm.fake import FakeEngine
from drillpad.paths import Paths
from drillpad.store.packs import load_pack_folder
from drillpad.workspace import Workspace, demo_packs_dir

GOOD = ("It is the early shift at Dock 5. A torn carton is jammed under the side guard of conveyor C2. The belt "
        "has stopped by itself, but the motor is still humming, and Tomasz is waiting for the next tote.")


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def bench_grade(repeat: int = 20) -> dict:
    times: list[float] = []
    for folder in sorted(demo_packs_dir().iterdir()):
        pack = load_pack_folder(folder)
        syn = pack_synonyms(pack)
        for e in pack.examples:
            drill = pack.drill(e.drill)
            for _ in range(repeat):
                t = time.perf_counter()
                grade(drill, e.answer, syn)
                times.append((time.perf_counter() - t) * 1000)
    return {"answers": len(times) // repeat, "repeat": repeat, "p50_ms": statistics.median(times), "p95_ms": pct(times, 0.95),
            "max_ms": max(times)}


def bench_judge(answers: int = 12) -> dict:
    with tempfile.TemporaryDirectory() as tmp, Workspace(Paths.resolve(Path(tmp), env={})) as ws:
        engine = ws.ai.open_engine()
        try:
            info = engine.load().result()
        except Exception as exc:  # noqa: BLE001 - report, do not fail the whole run
            return {"skipped": f"no model: {exc}"}
        if info.reason:  # no usable model: an engine that says why (it raised on first use before)
            engine.close()
            return {"skipped": f"no model: {info.reason}"}
        pack = load_pack_folder(demo_packs_dir() / "warehouse-associate")
        times, invalid = [], 0
        for e in pack.examples[:answers]:
            t = time.perf_counter()
            try:
                judge(engine, pack.drill(e.drill), e.answer, pack_id=pack.id)
            except JudgeInvalid:
                invalid += 1
            times.append((time.perf_counter() - t) * 1000)
        engine.close()
    return {"model": engine.info().name, "answers": len(times), "invalid": invalid,
            "p50_ms": statistics.median(times), "p95_ms": pct(times, 0.95)}


def bench_start(learners: int = 200) -> dict:
    with tempfile.TemporaryDirectory() as tmp, Workspace(Paths.resolve(Path(tmp), env={})) as ws:
        ws.install_demo()
        for n in range(learners):
            ws.profiles.add_learner(f"Learner {n:03}", "warehouse-associate")
        engine = FakeEngine(default=json.dumps({"situation": GOOD, "question": "What do you do, in order?"}))
        ws.ai.engine = engine
        ws.ai.pregenerate(engine, per_drill=1, max_attempts=1)  # one variant of the conveyor drill for everyone
        learners = [lr.name for lr in ws.profiles.learners() if lr.role_id == "warehouse-associate"]
        cached, written = [], []
        for name in learners:
            t = time.perf_counter()
            view = ws.start_drill(name, "jam-at-c2")
            cached.append((time.perf_counter() - t) * 1000)
            assert view.variant_id is not None
        for name in learners:  # all seen now: the written scenario
            t = time.perf_counter()
            ws.start_drill(name, "jam-at-c2")
            written.append((time.perf_counter() - t) * 1000)
    return {"learners": len(learners), "cached_p50_ms": statistics.median(cached), "cached_p95_ms": pct(cached, 0.95),
            "written_p50_ms": statistics.median(written)}


SMOKE = {"grade_repeat": 2, "judge_answers": 2, "learners": 4}
"""The tiny size `make bench-smoke` runs (seconds, no thresholds): a broken benchmark fails CI."""


def run(grade_repeat: int = 20, judge_answers: int = 12, learners: int = 200) -> dict:
    return {"grade": bench_grade(grade_repeat), "judge": bench_judge(judge_answers), "start": bench_start(learners)}


def report(r: dict) -> list[tuple[str, str, str, str]]:
    g, j, s = r["grade"], r["judge"], r["start"]
    rows = [("deterministic grade p95", f"{g['p95_ms']:.2f} ms", "< 20 ms",
             f"p50 {g['p50_ms']:.2f} ms over {g['answers']} answers × {g['repeat']}")]
    if "skipped" in j:
        rows.append(("LLM judge p95", "skipped", "< 2 s", j["skipped"]))
    else:
        rows.append(("LLM judge p95 (embedded model)", f"{j['p95_ms']:.0f} ms", "< 2 s",
                     f"p50 {j['p50_ms']:.0f} ms; {j['p95_ms'] / g['p95_ms']:.0f}× the grader; "
                     f"{j['invalid']}/{j['answers']} invalid verdicts"))
    rows.append(("drill shown, cached variant p95", f"{s['cached_p95_ms']:.1f} ms", "< 100 ms",
                 f"p50 {s['cached_p50_ms']:.1f} ms; written scenario p50 {s['written_p50_ms']:.1f} ms; "
                 f"{s['learners']} learners"))
    return rows
