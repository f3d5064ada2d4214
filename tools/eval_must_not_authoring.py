#!/usr/bin/env python3
"""Does the docs' checklist for forbidden-act cues help a new author? Held-out figures per round and condition.

    .venv/bin/python tools/eval_must_not_authoring.py          # a README row per condition, pooled over rounds

For each round under evaluation/must-not-authoring/<condition>/<round>/drills/, a fresh author (who had not seen any
answer) was given that round's pack as first committed with every `[[must_not]]`'s cues removed, and wrote them:
"without" read the docs as they were before the checklist (f058e21), "checklist" read them with it (fde277b). Their
drills are evaluated on the round's held-out answers, next to the round author's first cues ("first") and the cues
now ("now", after refinement on dev answers). Only the forbidden acts' cues differ between conditions.

The second experiment (2026-12-03): does refining on shortcut answers help more than refining on the dev answers
alone? For each round a supervisor (a helper who saw only the SOP and the drills' texts, never a cue or an answer)
wrote 48 answers that commit the forbidden acts in the ways people cut corners, plus right answers that refuse them
(refined-dev-shortcuts/<round>/examples/shortcuts.toml). Starting from the first cues, one fresh author refined only
the forbidden acts' cues on the round's dev answers ("refined-dev"), another on the dev answers and the shortcut
answers ("refined-dev-shortcuts"); neither saw a held-out answer. The briefs are in briefs/.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_rounds import ROOT, first_cues  # noqa: E402

from drillpad.core.pack import load_pack  # noqa: E402
from drillpad.drills.evaluation import evaluate  # noqa: E402
from drillpad.store.packs import read_pack_folder  # noqa: E402

AB = ROOT / "evaluation" / "must-not-authoring"


def main() -> int:
    conditions = sorted(p.name for p in AB.iterdir() if p.is_dir() and p.name != "briefs")
    totals: dict[str, list[int]] = {}
    for rnd in sorted({r.name for c in conditions for r in (AB / c).iterdir() if r.is_dir()}):
        pack_dir = ROOT / "evaluation" / f"round-2026-{rnd}" / "pack"
        first = first_cues(pack_dir)
        versions = {"first": first, "now": read_pack_folder(pack_dir)}
        for c in conditions:
            drills = AB / c / rnd / "drills"
            if drills.is_dir():
                versions[c] = {**first, **{f"drills/{p.name}": p.read_bytes() for p in drills.glob("*.toml")}}
        for name, files in versions.items():
            pack = load_pack(files, source=f"{rnd} {name}")
            r = evaluate(pack, split="holdout")
            cues = sum(len(m.cues) for d in pack.drills for m in d.must_not)
            t = totals.setdefault(name, [0, 0, 0, 0, 0, 0])
            for i, v in enumerate((r.must_not_caught, r.must_not_labelled, r.must_not_false_alarms, cues,
                                   round(r.accuracy * r.criteria), r.criteria)):
                t[i] += v
    print("| forbidden-act cues by | caught | false alarms | cues | criterion accuracy |")
    print("|---|---|---|---|---|")
    for name, (caught, labelled, alarms, cues, right, crit) in totals.items():
        print(f"| {name} | {caught / labelled:.0%} ({caught}/{labelled}) | {alarms} | {cues} | {right / crit:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
