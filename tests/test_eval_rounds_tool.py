"""tools/eval_rounds.py: the author's first cues come from the commit that added the round's pack."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "evaluation" / "round-2026-12h" / "pack"


def _tool():
    spec = importlib.util.spec_from_file_location("eval_rounds", ROOT / "tools" / "eval_rounds.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs the git history")
def test_first_cues_are_the_drills_as_first_committed_and_the_examples_as_now():
    tool = _tool()
    files = tool.first_cues(PACK)
    added = subprocess.run(["git", "-C", str(ROOT), "log", "--diff-filter=A", "--format=%H", "--",
                            "evaluation/round-2026-12h/pack/pack.toml"], capture_output=True, text=True,
                           check=True).stdout.split()[-1]
    first = subprocess.run(["git", "-C", str(ROOT), "show", f"{added}:evaluation/round-2026-12h/pack/drills/"
                            "diesel-to-drain.toml"], capture_output=True, check=True).stdout
    assert files["drills/diesel-to-drain.toml"] == first
    assert files["drills/diesel-to-drain.toml"] != (PACK / "drills" / "diesel-to-drain.toml").read_bytes()
    assert files["examples/holdout.toml"] == (PACK / "examples" / "holdout.toml").read_bytes()


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs the git history")
def test_skip_leaves_rounds_out_of_the_rows_and_the_pool(capsys):
    tool = _tool()
    others = [p.parent.name.removeprefix("round-2026-") for p in sorted((ROOT / "evaluation").glob("round-*/pack"))]
    assert tool.main(["--skip", ",".join(r for r in others if r != "12h")]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = [r for r in lines if r.startswith("|")]
    assert [r.split(" | ")[0] for r in rows] == ["| 12h held-out, author's first cues", "| 12h held-out, cues now",
                                                 "| all 1, cues now", "| all 1, the authors' first cues"]
    assert rows[1].split(" | ")[1:] == rows[2].split(" | ")[1:]
    told = [r for r in lines if r.startswith("answers that commit a forbidden act told pass")]
    assert len(told) == 2 and all(re.search(r": \d+ of [1-9]\d*$", r) for r in told), told


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs the git history")
def test_split_dev_grades_the_dev_answers_instead(capsys):
    tool = _tool()
    others = [p.parent.name.removeprefix("round-2026-") for p in sorted((ROOT / "evaluation").glob("round-*/pack"))]
    skip = ",".join(r for r in others if r != "12h")
    assert tool.main(["--skip", skip, "--split", "dev"]) == 0
    dev = [r for r in capsys.readouterr().out.splitlines() if r.startswith("|")]
    assert dev[0].startswith("| 12h dev, author's first cues | ")
    assert tool.main(["--skip", skip]) == 0
    held = [r for r in capsys.readouterr().out.splitlines() if r.startswith("|")]
    # (a different set of answers: the counts differ)
    assert dev[1].split(" | ")[1] != held[1].split(" | ")[1]
