"""The command line, as a user or IT script runs it."""

from __future__ import annotations

import json

import pytest

from drillpad.cli import has_display, main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_validate_ok_and_bad(capsys, minipack):
    code, out, _ = run(capsys, "pack", "validate", str(minipack))
    assert code == 0 and "pack mini-dock 1.0.0 is valid" in out and "5 tasks" in out
    (minipack / "pack.toml").write_text('format = 1\nid = "x"\n')
    code, out, err = run(capsys, "pack", "validate", str(minipack))
    assert code == 1
    assert "pack.toml:2: id: 'x' is not a valid id" in err
    assert "nothing was imported" in err


def test_import_list_learners_roles(capsys, minipack, data_dir):
    d = ["--data-dir", str(data_dir)]
    assert run(capsys, *d, "pack", "import", str(minipack))[1] == "mini-dock 1.0.0: installed\n"
    assert run(capsys, *d, "pack", "import", str(minipack))[1] == "mini-dock 1.0.0: already installed, unchanged\n"
    code, out, _ = run(capsys, *d, "pack", "list", "--json")
    assert json.loads(out)[0]["id"] == "mini-dock"
    assert run(capsys, *d, "learner", "add", "Alex Kim", "--role", "dock-hand")[1] == "Added Alex Kim (Dock Hand).\n"
    code, out, err = run(capsys, *d, "learner", "add", "Bo", "--role", "nope")
    assert code == 1 and "no role 'nope'" in err
    code, out, _ = run(capsys, *d, "learner", "list")
    assert "Alex Kim" in out and "Dock Hand" in out
    code, out, _ = run(capsys, *d, "roles")
    assert "Dock Hand  [mini-dock:dock-hand]" in out and "1. Clear a conveyor jam" in out
    assert "3 demonstration(s) before sign-off" in out


def test_paths_command_names_policy_problems(capsys, tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text("idle_lock_minutes = -1\n")
    code, out, _ = run(capsys, "--policy", str(policy), "--data-dir", str(tmp_path / "d"), "paths")
    assert code == 0
    assert f"data dir:   {tmp_path / 'd'}  (from --data-dir)" in out
    assert "policy problem: idle_lock_minutes" in out


def test_no_display_says_so_and_points_to_terminal_mode(capsys, data_dir, monkeypatch):
    monkeypatch.setattr("drillpad.cli.has_display", lambda: False)
    code, out, _ = run(capsys, "--data-dir", str(data_dir), "gui")
    assert code == 0
    assert out.count("\n") == 1 and out.startswith("No display found")
    assert f"drillpad --data-dir {data_dir} roles" in out


def test_display_detection():
    assert has_display({"DISPLAY": ":0"})
    assert has_display({"QT_QPA_PLATFORM": "offscreen"})
    import sys

    if sys.platform == "linux":
        assert not has_display({})


def test_unknown_command_exits_with_usage(capsys):
    with pytest.raises(SystemExit) as info:
        main(["frobnicate"])
    assert info.value.code == 2


def test_missing_x11_library_is_named_before_qt_can_abort(monkeypatch):
    import ctypes

    from drillpad.ui import platform_check

    def refuse(path, *a, **k):
        raise OSError(f"{path}: libxcb-icccm.so.4: cannot open shared object file: No such file or directory")

    monkeypatch.setattr(ctypes, "CDLL", refuse)
    if platform_check.sys.platform == "linux":
        assert platform_check.missing_x11_library({"DISPLAY": ":0"}) == "libxcb-icccm.so.4"
    assert platform_check.missing_x11_library({"QT_QPA_PLATFORM": "offscreen", "DISPLAY": ":0"}) is None
