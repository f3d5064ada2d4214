#!/usr/bin/env python3
"""Held-out figures of every evaluation round, with the author's first cues and with the cues as they are now.

    .venv/bin/python tools/eval_rounds.py            # a README table row per round and version, then pooled rows
    .venv/bin/python tools/eval_rounds.py --skip 12zs,12zt   # the same without those rounds (the older sets)
    .venv/bin/python tools/eval_rounds.py --split dev        # the dev answers instead (what the grader is worked on)

"The author's first cues" are the round's drills/ and pack.toml as first committed (before any answer existed);
"now" is the working tree (after the author's refinement on the dev answers, if any). Only aggregate figures are
printed: held-out answers are for evaluation only. Needs git (the rounds' history is the evidence of their order).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from drillpad.core.pack import load_pack
from drillpad.drills.evaluation import GradingReport, evaluate
from drillpad.store.packs import read_pack_folder

ROOT = Path(__file__).resolve().parent.parent


def _git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], check=True, capture_output=True, text=True).stdout


def first_cues(pack_dir: Path) -> dict[str, bytes]:
    """The pack's files, with drills/ and pack.toml as in the commit that added the pack."""
    rel = pack_dir.relative_to(ROOT).as_posix()
    first = _git("log", "--diff-filter=A", "--format=%H", "--", f"{rel}/pack.toml").split()[-1]
    files = read_pack_folder(pack_dir)
    files = {k: v for k, v in files.items() if not k.startswith("drills/")}
    for path in _git("ls-tree", "-r", "--name-only", first, f"{rel}/drills", f"{rel}/pack.toml").split():
        files[path[len(rel) + 1:]] = subprocess.run(["git", "-C", str(ROOT), "show", f"{first}:{path}"],
                                                    check=True, capture_output=True).stdout
    return files


def row(label: str, reports: list[GradingReport]) -> str:
    n = sum(r.answers for r in reports)
    crit = sum(r.criteria for r in reports)
    not_met = sum(r.labelled_not_met for r in reports)
    acc = sum(r.accuracy * r.criteria for r in reports) / crit
    rec = sum(r.recall * (r.criteria - r.labelled_not_met) for r in reports) / (crit - not_met)
    fp = sum(r.false_passes for r in reports) / not_met
    fpu = sum(r.false_pass_unreviewed_rate * r.labelled_not_met for r in reports) / not_met
    caught, labelled = sum(r.must_not_caught for r in reports), sum(r.must_not_labelled for r in reports)
    alarms = sum(r.must_not_false_alarms for r in reports)
    review = sum(r.review_rate * r.answers for r in reports) / n
    adv, adv_n = sum(r.adversarial_credited for r in reports), sum(r.adversarial for r in reports)
    return (f"| {label} | {n} | {acc:.3f} | {rec:.3f} | {fp:.1%} ({fpu:.1%}) | {caught / labelled:.0%} "
            f"({caught}/{labelled}; {alarms}) | {review:.0%} | {adv} of {adv_n} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Held-out figures of every evaluation round")
    parser.add_argument("--skip", default="", help="rounds to leave out, comma-separated (e.g. 12zs,12zt)")
    parser.add_argument("--split", default="holdout", choices=("holdout", "dev"),
                        help="which labelled answers to grade (default: the held-out ones)")
    args = parser.parse_args(argv)
    skip = {r for r in args.skip.split(",") if r}
    split = args.split
    name_of = {"holdout": "held-out", "dev": "dev"}[split]
    rounds = sorted((ROOT / "evaluation").glob("round-*/pack"))
    first_all, now_all = [], []
    for pack_dir in rounds:
        name = pack_dir.parent.name.removeprefix("round-2026-")
        if name in skip:
            continue
        first = evaluate(load_pack(first_cues(pack_dir), source=str(pack_dir)), split=split)
        now = evaluate(load_pack(read_pack_folder(pack_dir), source=str(pack_dir)), split=split)
        if not now.answers:
            print(f"| {name}: no {name_of} answers yet |")
            continue
        first_all.append(first)
        now_all.append(now)
        print(row(f"{name} {name_of}, author's first cues", [first]))
        print(row(f"{name} {name_of}, cues now", [now]))
    print(row(f"all {len(now_all)}, cues now", now_all))
    print(row(f"all {len(first_all)}, the authors' first cues", first_all))
    for label, reports in (("cues now", now_all), ("the authors' first cues", first_all)):
        print(f"answers that commit a forbidden act told pass ({label}): "
              f"{sum(r.forbidden_passed for r in reports)} of {sum(r.forbidden_answers for r in reports)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
