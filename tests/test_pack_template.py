"""`drillpad pack new`: a commented template pack that validates, grades and imports."""

from __future__ import annotations

from collections import Counter

from drillpad.cli import main
from drillpad.drills.evaluation import evaluate
from drillpad.workspace import Workspace


def test_template_validates_without_warnings_and_has_every_file_kind(tmp_path, capsys):
    folder = tmp_path / "new-pack"
    assert main(["pack", "new", str(folder), "--title", "Eastgate DC — Associate"]) == 0
    assert "drillpad pack validate" in capsys.readouterr().out
    pack = Workspace.validate_pack(folder)
    assert [str(w) for w in pack.warnings] == []
    assert pack.id == "eastgate-dc-associate" and pack.manifest.title == "Eastgate DC — Associate"
    (role,) = pack.roles
    assert len(role.task) == 5 and len(role.behaviour) == 3
    assert {lz.task for lz in pack.lessons} == {t.id for t in role.task} and any(lz.tree for lz in pack.lessons)
    assert {p.task for p in pack.prompts} == {t.id for t in role.task}
    (drill,) = pack.drills
    assert drill.must_not and drill.fact and drill.choice and any(c.parts for c in drill.criterion)
    assert {e.split for e in pack.examples} == {"dev", "holdout"}
    assert Counter(bool(e.prompt) for e in pack.examples)[True] >= 1
    assert "# " in (folder / "drills" / "jam-at-c1.toml").read_text()  # commented


def test_template_examples_grade_as_labelled(tmp_path):
    folder = tmp_path / "p"
    assert main(["pack", "new", str(folder)]) == 0
    report = evaluate(Workspace.validate_pack(folder))
    assert report.accuracy == 1.0 and report.must_not_recall == 1.0, report.mistakes


def test_template_imports(tmp_path, workspace):
    folder = tmp_path / "p"
    assert main(["pack", "new", str(folder)]) == 0
    assert workspace.import_pack(folder).action == "installed"
    assert workspace.profiles.add_learner("Jo", "associate").name == "Jo"


def test_pack_new_never_overwrites(tmp_path, capsys):
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "pack.toml").write_text("mine")
    assert main(["pack", "new", str(folder)]) == 1
    assert "not an empty folder" in capsys.readouterr().err
    assert (folder / "pack.toml").read_text() == "mine"
