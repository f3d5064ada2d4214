"""The terminal study session and the learning CLI verbs."""

from __future__ import annotations

import io

import pytest

from drillpad.cli import main
from drillpad.study import run_study


def scripted(replies):
    replies = iter(replies)
    return lambda _prompt: next(replies)


def test_study_session_reads_lesson_walks_tree_and_answers(workspace, minipack):
    workspace.import_pack(minipack)
    workspace.profiles.add_learner("Alex", "dock-hand")
    out: list[str] = []
    # lesson-jam: walk tree (y, choose 1 = Yes -> estop), Enter; then q at the next lesson.
    run_study(workspace, "Alex", scripted(["y", "1", "", "q"]), out.append)
    text = "\n".join(out)
    assert "Is the belt moving?" in text and "→ Press the e-stop, then lock out." in text
    assert "Stopped. Everything you answered is saved." in text
    assert workspace.db.execute("SELECT count(*) FROM events WHERE kind = 'lesson.read'").fetchone()[0] == 1
    out.clear()
    # Now the jam prompt is open. Lessons for other tasks come first in the pack order? Answer what comes.
    today = workspace.today("Alex")
    assert any(i.item_id == "jam-first" for i in today.items)


def test_study_answers_a_prompt_with_feedback(workspace, minipack):
    workspace.import_pack(minipack)
    workspace.profiles.add_learner("Alex", "dock-hand")
    workspace.read_lesson("Alex", "lesson-jam")
    for lesson in ("lesson-unload", "lesson-spill", "lesson-scan", "lesson-escalate"):
        workspace.read_lesson("Alex", lesson)
    workspace.clock.advance(days=1)
    out: list[str] = []
    replies = []
    for item in workspace.today("Alex").items:
        if item.kind == "prompt":
            replies += ["press the emergency stop", "5", "4"]
        elif item.kind == "drill":
            replies += ["I press the e-stop, then padlock the isolator.", "3"]
    run_study(workspace, "Alex", scripted(replies + ["I stopped before reaching in"]), out.append)
    text = "\n".join(out)
    assert "Please type a number from 1 to 4." in text
    assert "✓ Press the e-stop  — you said “emergency stop”" in text
    assert "Well done — that is the procedure." in text
    assert workspace.db.execute("SELECT count(*) FROM events WHERE kind = 'reflection'").fetchone()[0] == 1


def test_today_stats_rebuild_demonstrate_cli(capsys, minipack, data_dir, monkeypatch):
    d = ["--data-dir", str(data_dir)]
    assert main([*d, "pack", "import", str(minipack)]) == 0
    assert main([*d, "learner", "add", "Alex", "--role", "dock-hand"]) == 0
    monkeypatch.setenv("DRILLPAD_PIN", "2580")  # a script gives the learner's PIN
    assert main([*d, "learner", "pin", "Alex"]) == 0
    capsys.readouterr()
    assert main([*d, "today", "--learner", "Alex"]) == 0
    out = capsys.readouterr().out
    assert "Today for Alex: 5 item(s)" in out and "[lesson] Clearing a jam" in out and "Journey:" in out
    assert main([*d, "demonstrate", "--learner", "Alex", "--task", "jam", "Cleared C1 with lockout"]) == 0
    assert main([*d, "stats", "--learner", "Alex"]) == 0
    assert "First-time accuracy" in capsys.readouterr().out
    assert main([*d, "rebuild"]) == 0
    assert "0 differed" in capsys.readouterr().out
    assert main([*d, "today", "--learner", "Nobody"]) == 1
    assert "no learner 'Nobody'" in capsys.readouterr().err


def test_lessons_read_as_plain_text_in_the_terminal():
    from drillpad.study import plain_text

    assert plain_text("# Jams\n1. **Stop** the *belt*.") == "JAMS\n────\n1. Stop the belt."


def test_study_drill_retry_with_hints_then_model_answer(workspace, minipack):
    from drillpad.study import _drill

    workspace.import_pack(minipack)
    workspace.profiles.add_learner("Alex", "dock-hand")
    out: list[str] = []
    replies = iter(["I would clear the carton from conveyor C1 carefully.", "y", "Clear the carton on the conveyor.", "n"])
    _drill(workspace, "Alex", "jam-c1", lambda _p: next(replies), lambda: 2, out.append)
    text = "\n".join(out)
    assert "Hint: What stops the belt?" in text
    assert text.count("✗ Stops the belt with the e-stop") == 2
    assert text.endswith("Model answer: Press the e-stop, lock out the isolator with my padlock, try start, then clear it."
                         "  (Source: Mini Dock SOP §3)")
    assert workspace.db.execute("SELECT count(*) FROM events WHERE kind = 'review'").fetchone()[0] == 2


def test_drill_command_runs_one_drill(capsys, minipack, data_dir, monkeypatch):
    d = ["--data-dir", str(data_dir)]
    main([*d, "pack", "import", str(minipack)])
    main([*d, "learner", "add", "Alex", "--role", "dock-hand"])
    monkeypatch.setenv("DRILLPAD_PIN", "2580")
    main([*d, "learner", "pin", "Alex"])
    replies = iter(["Press the e-stop, then padlock the isolator.", "4"])
    monkeypatch.setattr("builtins.input", lambda _p="": next(replies))
    assert main([*d, "drill", "--learner", "Alex"]) == 0
    out = capsys.readouterr().out
    assert "On the early shift at Dock 1, a carton jams conveyor C1." in out
    assert "Well done — that is the procedure." in out


LEARNER_VERBS = [["today", "--learner", "Alex"], ["stats", "--learner", "Alex"], ["drill", "--learner", "Alex"],
                 ["study", "--learner", "Alex"], ["demonstrate", "--learner", "Alex", "--task", "jam", "Did it"]]


@pytest.fixture
def alex_dir(capsys, minipack, data_dir, monkeypatch):
    d = ["--data-dir", str(data_dir)]
    main([*d, "pack", "import", str(minipack)])
    main([*d, "learner", "add", "Alex", "--role", "dock-hand"])
    monkeypatch.delenv("DRILLPAD_PIN", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # a script: no terminal, nothing to read
    capsys.readouterr()
    return d


@pytest.mark.parametrize("verb", LEARNER_VERBS, ids=lambda v: v[0])
def test_verbs_that_open_one_learners_data_need_their_pin(capsys, alex_dir, monkeypatch, verb):
    assert main([*alex_dir, *verb]) == 1
    assert "Alex has no PIN yet" in capsys.readouterr().err
    monkeypatch.setenv("DRILLPAD_PIN", "2580")
    assert main([*alex_dir, "learner", "pin", "Alex"]) == 0
    monkeypatch.delenv("DRILLPAD_PIN")
    assert main([*alex_dir, *verb]) == 1  # no terminal to type it in, no DRILLPAD_PIN
    err = capsys.readouterr().err
    assert f"drillpad {verb[0]} opens Alex's practice data, so it needs their PIN" in err and "DRILLPAD_PIN" in err
    monkeypatch.setenv("DRILLPAD_PIN", "1111")
    assert main([*alex_dir, *verb]) == 1
    assert "Wrong PIN. 4 tries left" in capsys.readouterr().err  # counted like a wrong PIN in the window
    monkeypatch.setenv("DRILLPAD_PIN", "2580")
    assert main([*alex_dir, *verb]) == 0
    assert "1 wrong PIN attempt since your last visit" in capsys.readouterr().err


def test_stats_for_a_cohort_of_three_or_more_needs_no_learners_pin(capsys, alex_dir):
    for name in ("Bo", "Cy"):
        main([*alex_dir, "learner", "add", name, "--role", "dock-hand"])
    assert main([*alex_dir, "stats", "--cohort", "dock-hand"]) == 0
    assert main([*alex_dir, "stats"]) == 0
    assert "First-time accuracy" in capsys.readouterr().out


@pytest.mark.parametrize("scope", [["--cohort", "dock-hand"], []], ids=["cohort", "everyone"])
def test_stats_for_fewer_than_three_learners_would_show_one_persons_practice_so_it_is_refused(
        capsys, alex_dir, tmp_path, scope):
    assert main([*alex_dir, "stats", *scope]) == 1
    err = capsys.readouterr().err
    assert "only 1 learner" in err and "--learner" in err and "First-time accuracy" not in err
    policy = tmp_path / "policy.toml"
    policy.write_text('cli_authority = "IT service desk (ticket 4412)"\n')
    assert main(["--policy", str(policy), *alex_dir, "stats", *scope]) == 0  # under IT's stated authority, logged
    assert "IT service desk (ticket 4412)" in capsys.readouterr().err


def test_an_it_authority_in_the_policy_runs_without_the_pin_and_is_logged(capsys, alex_dir, tmp_path, data_dir):
    policy = tmp_path / "policy.toml"
    policy.write_text('cli_authority = "IT service desk (ticket 4411)"\n')
    assert main(["--policy", str(policy), *alex_dir, "today", "--learner", "Alex"]) == 0
    captured = capsys.readouterr()
    assert "Today for Alex" in captured.out and "IT service desk (ticket 4411)" in captured.err
    log = (data_dir / "logs" / "drillpad.log").read_text()
    assert "drillpad today for learner Alex" in log and "IT service desk (ticket 4411)" in log
