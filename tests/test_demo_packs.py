"""The bundled demo packs: what a new user sees first must be complete and valid."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from drillpad.workspace import DEMO_LEARNERS, Workspace, demo_packs_dir

PACKS = sorted(p for p in demo_packs_dir().iterdir() if p.is_dir()) if demo_packs_dir().is_dir() else []
KINDS = {"correct", "partial", "wrong", "paraphrased", "negated", "off-topic", "injection", "stuffing"}


def test_there_are_two_demo_packs():
    assert [p.name for p in PACKS] == ["field-technician", "warehouse-associate"]


@pytest.mark.parametrize("folder", PACKS, ids=lambda p: p.name)
def test_demo_pack_is_complete(folder: Path):
    pack = Workspace.validate_pack(folder)
    # risky-cue advice (negation words matched literally, common words) is allowed in the demo; nothing else
    assert not [w for w in pack.warnings if not w.field.endswith(".cues")], [str(w) for w in pack.warnings]
    for role in pack.roles:
        tasks = {t.id for t in role.task}
        assert len(tasks) >= 6
        assert tasks <= {lz.task for lz in pack.lessons}, "every task has a lesson"
        assert len([p for p in pack.prompts if p.task in tasks]) >= 5
        assert len([d for d in pack.drills if d.task in tasks]) >= 2
    assert any(lz.tree for lz in pack.lessons), "at least one decision tree"
    assert all(lz.reading_minutes <= 5 for lz in pack.lessons)
    kinds = Counter(e.kind for e in pack.examples)
    assert len(pack.examples) >= 40
    assert set(kinds) == KINDS, f"missing kinds: {KINDS - set(kinds)}"
    holdout = [e for e in pack.examples if e.split == "holdout"]
    assert 0.15 <= len(holdout) / len(pack.examples) <= 0.4
    assert {e.drill for e in pack.examples} == {d.id for d in pack.drills}, "every drill has labelled answers"


def test_demo_installs_into_a_fresh_workspace_and_is_idempotent(workspace):
    first = workspace.install_demo()
    assert {r.action for r in first} == {"installed"}
    second = workspace.install_demo()
    assert {r.action for r in second} == {"unchanged"}
    assert sorted(lr.name for lr in workspace.profiles.learners()) == sorted(n for n, _ in DEMO_LEARNERS)
    assert {r.id for r in workspace.roles()} == {"warehouse-associate", "field-technician"}
