"""DrillPad's command line: a thin layer over the Workspace (terminal mode, IT scripting)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from drillpad import __version__
from drillpad.paths import InstallDirWriteError, Paths, resources_dir
from drillpad.policy import find_policy

# The rest of DrillPad (workspace, stores, packs) is imported when a command needs it, so that
# --help, --version and --smoke answer at once.
if TYPE_CHECKING:
    from drillpad.workspace import Workspace

EMBEDDED_MODEL = "SmolLM2-135M-Instruct.Q4_1.gguf"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="drillpad", description="DrillPad: offline training for frontline staff.")
    p.add_argument("--version", action="version", version=f"DrillPad {__version__}")
    p.add_argument("--data-dir", type=Path, help="where the database lives (default: policy, then user data dir)")
    p.add_argument("--policy", type=Path, help="IT policy file to use instead of the usual search")
    p.add_argument("--smoke", action="store_true",
                   help="check this installation offline on a temporary data dir, print each check, exit 0 if all pass")
    p.add_argument("--no-model", action="store_true", help=argparse.SUPPRESS)
    # Benchmarks: write the time of the window's first paint (seconds since the epoch) to FILE, then close.
    p.add_argument("--startup-probe", type=Path, metavar="FILE", help=argparse.SUPPRESS)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    sub.add_parser("gui", help="open the DrillPad window (the default)")
    demo = sub.add_parser("demo", help="import the bundled demo packs and learners, then open the window")
    demo.add_argument("--no-gui", action="store_true", help="only set up the demo content")

    pack = sub.add_parser("pack", help="content packs: validate, check-cues, new, import, list").add_subparsers(
        dest="pack_command", metavar="ACTION", required=True)
    v = pack.add_parser("validate", help="check a pack folder and list every problem; imports nothing")
    v.add_argument("path", type=Path)
    v.add_argument("--json", action="store_true")
    cc = pack.add_parser("check-cues", help="which labelled answers each cue misses or wrongly meets, and cue "
                                            "suggestions measured with the grader; imports nothing")
    cc.add_argument("path", type=Path)
    cc.add_argument("--drill", metavar="ID", help="only this drill (or recall prompt)")
    cc.add_argument("--split", choices=("dev", "holdout", "all"), default="dev",
                    help="which labelled answers to use (default dev: holdout answers are for evaluation only)")
    cc.add_argument("--json", action="store_true")
    nw = pack.add_parser("new", help="write a commented template pack that validates, to edit into your own")
    nw.add_argument("path", type=Path)
    nw.add_argument("--title", help="the pack's title (its id is made from it)")
    i = pack.add_parser("import", help="import (or upgrade) pack folders, each in one transaction")
    i.add_argument("paths", type=Path, nargs="+")
    pl = pack.add_parser("list", help="installed packs")
    pl.add_argument("--json", action="store_true")

    learner = sub.add_parser("learner", help="learners on this workstation").add_subparsers(
        dest="learner_command", metavar="ACTION", required=True)
    la = learner.add_parser("add", help="add a learner")
    la.add_argument("name")
    la.add_argument("--role", required=True, help="role id, or PACK:ROLE when several packs have it")
    ll = learner.add_parser("list", help="list learners")
    ll.add_argument("--json", action="store_true")
    lp = learner.add_parser("pin", help="choose the PIN of a profile that has none yet (typed twice, or DRILLPAD_PIN)")
    lp.add_argument("name")
    lr_ = learner.add_parser("reset-pin", help="manager: clear a profile's PIN and wrong-PIN count on every team "
                             "workstation (the learner chooses a new PIN)")
    lr_.add_argument("name")
    lr_.add_argument("--by", default="manager", help="who resets (recorded)")
    lm = learner.add_parser("merge", help="manager: two profiles of one person become one on every team workstation "
                            "(recorded; reversible with unmerge until signed off)")
    lm.add_argument("source", metavar="FROM", help="the profile to merge (name or id)")
    lm.add_argument("into", metavar="INTO", help="the profile that stays (name or id)")
    lm.add_argument("--by", default="manager", help="who merges (recorded)")
    lm.add_argument("--note", default="")
    lu = learner.add_parser("unmerge", help="manager: take a merge back (by its id, printed by merge)")
    lu.add_argument("merge_id")
    lu.add_argument("--by", default="manager")

    today = sub.add_parser("today", help="a learner's queue for today, weekly cadence and journey")
    today.add_argument("--learner", required=True)
    study = sub.add_parser("study", help="an interactive practice session in the terminal")
    study.add_argument("--learner", required=True)
    drill = sub.add_parser("drill", help="run one scenario drill in the terminal (the next one due, or --id); "
                                         "`drill pregenerate` prepares AI-adapted variants ahead of time")
    drill.add_argument("action", nargs="?", choices=("run", "pregenerate"), default="run")
    drill.add_argument("--learner", help="the learner (required to run; pregenerate: default everyone)")
    drill.add_argument("--id", help="drill id (default: the learner's next drill in today's queue, else their first)")
    drill.add_argument("--per-drill", type=int, default=2, help="pregenerate: unseen variants to keep per learner")
    stats = sub.add_parser("stats", help="the five learning metrics, with the counts behind them")
    who = stats.add_mutually_exclusive_group()
    who.add_argument("--learner")
    who.add_argument("--cohort", metavar="ROLE")
    stats.add_argument("--task", help="only this task")
    stats.add_argument("--since", type=_date, help="YYYY-MM-DD (inclusive)")
    stats.add_argument("--until", type=_date, help="YYYY-MM-DD (exclusive)")
    stats.add_argument("--json", action="store_true")
    demo_log = sub.add_parser("demonstrate", help="log an on-the-job demonstration as evidence")
    demo_log.add_argument("--learner", required=True)
    demo_log.add_argument("--task", required=True)
    demo_log.add_argument("note")
    sub.add_parser("rebuild", help="recompute all schedules from the event log and report differences")
    ck = sub.add_parser("check", help="check the database for damage (read-only): SQLite's quick check, or --full")
    ck.add_argument("--full", action="store_true", help="integrity_check and a read of every event row")
    bk = sub.add_parser("backup", help="take a verified backup now into the data dir's backups/ (rotated: 7 daily, "
                                       "4 weekly)")
    bk.add_argument("--list", action="store_true", help="list the backups instead")
    rs = sub.add_parser("restore", help="put a backup back (the newest good one unless named); the current file is "
                                        "kept in damaged/ and every event it still reads is salvaged")
    rs.add_argument("backup", nargs="?", type=Path, help="a backup file (a name in backups/ or a path)")
    rs.add_argument("--no-salvage", action="store_true", help="do not copy anything from the current file")

    gr = sub.add_parser("grade", help="grade answers to a pack's drill with the deterministic grader (no import)")
    gr.add_argument("--pack", type=Path, required=True)
    gr.add_argument("--drill", help="drill id (with --answer)")
    gr.add_argument("--answer", help="the answer text")
    gr.add_argument("--batch", type=Path, help="JSONL: one {\"id\", \"drill\", \"answer\"} per line")
    gr.add_argument("--json", action="store_true")
    ev = sub.add_parser("eval", help="measure graders on a pack's labelled answers").add_subparsers(
        dest="eval_command", metavar="WHAT", required=True)
    eg = ev.add_parser("grading", help="criterion accuracy, macro-F1, false-pass rate, score inflation")
    eg.add_argument("--pack", type=Path, required=True)
    eg.add_argument("--judge", action="store_true",
                    help="also calibrate the model in use as a judge and record the result in its manifest")
    eg.add_argument("--json", action="store_true")
    egen = ev.add_parser("generation", help="how many of the model's scenario variants pass the quality gate")
    egen.add_argument("--pack", type=Path, required=True)
    egen.add_argument("--per-drill", type=int, default=5)
    egen.add_argument("--json", action="store_true")

    roles = sub.add_parser("roles", help="roles and their skills maps (tasks, behaviours)")
    roles.add_argument("--json", action="store_true")
    sub.add_parser("paths", help="where DrillPad reads and writes, and the IT policy in force")

    from drillpad.evidence.cli import add_parsers as evidence_parsers

    evidence_parsers(sub)

    from drillpad.lrs.cli import add_parsers as lrs_parsers

    lrs_parsers(sub)

    model = sub.add_parser("model", help="the local model").add_subparsers(
        dest="model_command", metavar="ACTION", required=True)
    ms = model.add_parser("smoke", help="load a GGUF and generate a few tokens (in a child process)")
    ms.add_argument("path", type=Path, nargs="?")
    mli = model.add_parser("list", help="models found (install, user and policy folders) and whether each is usable")
    mli.add_argument("--json", action="store_true")
    mv = model.add_parser("verify", help="hash models and compare with their manifests (reads every byte)")
    mv.add_argument("name", nargs="?")
    mu = model.add_parser("use", help="use this model from now on (verified first)")
    mu.add_argument("name")
    minfo = model.add_parser("info", help="load the model in use as the app does (its own process) and show "
                             "its threads, how they were chosen, and the memory of both processes")
    minfo.add_argument("--json", action="store_true")
    return p


def _date(text: str):
    from datetime import datetime, timezone

    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-03-31") from None


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:
        # the reader went away (`drillpad stats --json | head -1`): not an error, and nothing to report.
        # Point stdout at devnull so the interpreter's final flush does not complain either.
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 141  # 128 + SIGPIPE, as a shell reports it


def _main(argv: list[str] | None) -> int:
    os.umask(0o077)  # every file DrillPad makes (database, WAL, backups, logs, exports) is private to this account
    args = _parser().parse_args(argv)
    if args.smoke:
        from drillpad.smoke import run_smoke

        return run_smoke(model=not args.no_model)
    policy = find_policy(args.policy)
    for problem in policy.problems:  # a bad policy key never stops DrillPad: its default is used
        print(f"warning: policy {policy.source}: {problem}", file=sys.stderr)
    paths = Paths.resolve(args.data_dir, policy)
    try:
        paths.ensure()  # before anything is written: refuses data or logs inside the install folder
    except InstallDirWriteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: DrillPad cannot write to {paths.data_dir} or {paths.log_dir} ({exc}); ask IT to set data_dir "
              "and log_dir in the policy file to folders you may write to", file=sys.stderr)
        return 2
    try:
        from drillpad.logs import install_crash_handler, setup_logging

        setup_logging(paths.log_dir)
        install_crash_handler(paths.log_dir)
    except OSError as exc:
        print(f"warning: logs cannot be written ({exc}); continuing without them", file=sys.stderr)
    if policy.problems:
        import logging

        logging.getLogger("drillpad").warning("policy %s problems: %s", policy.source,
                                              "; ".join(map(str, policy.problems)))
    try:
        return _dispatch(args, policy)
    except BrokenPipeError:
        raise
    except Exception as exc:  # noqa: BLE001 - what the user can act on is printed; the rest propagates
        return _user_error(exc, paths)


def _user_error(exc: Exception, paths: Paths | None = None) -> int:
    """Print an error the user can act on (a bad pack, a data-dir problem…) and return the exit code; anything
    else is a bug and is raised again for the crash report. (Imported here, not at start, because the pack
    models load pydantic, which the window's first screen does not need.)"""
    from drillpad.core.pack import PackInvalid
    from drillpad.store.db import StoreError
    from drillpad.store.learners import LearnerError
    from drillpad.store.packs import PackImportError
    from drillpad.workspace import LearningError

    if isinstance(exc, PackInvalid):
        _print_problems(exc.problems)
        errors = sum(1 for p in exc.problems if p.severity == "error")
        print(f"error: {errors} problem(s) in the pack; nothing was imported", file=sys.stderr)
        return 1
    if isinstance(exc, (PackImportError, LearnerError, LearningError, StoreError)):
        print(f"error: {exc}", file=sys.stderr)
        return 1
    import sqlite3

    if paths is not None and isinstance(exc, (sqlite3.Error, OSError)):
        from drillpad.store.db import explain

        if (known := explain(exc, paths.db_path)) is not None:  # disk full, read-only, no permission, damage
            print(f"error: {known}", file=sys.stderr)
            return 1
    raise exc


def _print_problems(problems) -> None:
    for problem in problems:
        print(problem, file=sys.stderr if problem.severity == "error" else sys.stdout)


def _dispatch(args: argparse.Namespace, policy) -> int:
    from drillpad.workspace import Workspace

    cmd = args.command or "gui"
    if cmd == "model":
        return _model(args, policy)
    if cmd == "paths":
        return _paths(args, policy)
    if cmd == "pack" and args.pack_command == "validate":
        pack = Workspace.validate_pack(args.path)
        if args.json:
            print(json.dumps({"ok": True, "id": pack.id, "version": pack.version, "content_hash": pack.content_hash,
                              "warnings": [str(w) for w in pack.warnings]}, indent=2))
            return 0
        _print_problems(pack.warnings)
        print(f"{args.path}: pack {pack.id} {pack.version} is valid — {len(pack.roles)} role(s), "
              f"{sum(len(r.task) for r in pack.roles)} tasks, {len(pack.lessons)} lessons, {len(pack.prompts)} "
              f"prompts, {len(pack.drills)} drills, {len(pack.examples)} labelled answers")
        return 0
    if cmd == "pack" and args.pack_command == "check-cues":
        return _check_cues(args)
    if cmd == "pack" and args.pack_command == "new":
        return _pack_new(args)
    if cmd == "grade":
        return _grade(args)
    if cmd == "eval" and args.eval_command == "grading" and not args.judge:
        return _eval(args)
    if cmd in ("gui", "demo"):
        return _gui(args, policy)
    if cmd in ("check", "restore") or (cmd == "backup" and args.list):
        return _data_safety(args, policy)
    with Workspace.open(args.data_dir, policy=policy) as ws:
        if cmd in ("evidence", "inbox"):
            from drillpad.evidence.cli import run as run_evidence

            return run_evidence(ws, args)
        if cmd == "lrs":
            from drillpad.lrs.cli import run as run_lrs

            return run_lrs(ws, args)
        if cmd in ("today", "study", "demonstrate") or (cmd == "stats" and args.learner) or (
                cmd == "drill" and args.action == "run" and args.learner):  # one learner's data: their PIN
            if (refused := learner_access(ws, args.learner, cmd, policy)) is not None:
                return refused
        if cmd == "stats" and not args.learner and (refused := small_group_access(ws, args.cohort, policy)):
            return refused
        if cmd == "pack" and args.pack_command == "import":
            for path in args.paths:
                r = ws.import_pack(path)
                detail = {"installed": "installed", "unchanged": "already installed, unchanged",
                          "upgraded": f"upgraded from {r.previous_version}"}[r.action]
                print(f"{r.pack_id} {r.version}: {detail}")
        elif cmd == "pack":
            rows = ws.packs()
            if args.json:
                print(json.dumps(rows, indent=2))
            elif not rows:
                print("No packs installed. Import one with: drillpad pack import PATH")
            for r in ([] if args.json else rows):
                print(f"{r['id']} {r['version']}  {r['title']}\n    {r['roles']} role(s), {r['tasks']} tasks, "
                      f"{r['drills']} drills; approved by {r['approved_by']} on {r['approved_on']} "
                      f"({r['source_document']}, {r['source_revision']})")
        elif cmd == "learner" and args.learner_command == "add":
            lr = ws.profiles.add_learner(args.name, args.role)
            print(f"Added {lr.name} ({lr.role_title}).")
        elif cmd == "learner" and args.learner_command == "pin":
            return _choose_pin(ws, args.name)
        elif cmd == "learner" and args.learner_command == "reset-pin":
            from drillpad.evidence import has_manager_keys

            if not has_manager_keys(ws.paths.data_dir):
                raise SystemExit("drillpad learner reset-pin: only the manager's DrillPad resets a PIN for the team; "
                                 "the reset reaches every workstation with the next decisions")
            lr = ws.profiles.learner(args.name)
            ws.profiles.reset_pin(lr.id, args.by)
            print(f"{lr.name}'s PIN is reset; it reaches every team workstation at their next sync, where "
                  f"{lr.name.split()[0]} chooses a new one.")
        elif cmd == "learner" and args.learner_command in ("merge", "unmerge"):
            from drillpad.evidence import has_manager_keys
            from drillpad.manager import ManagerDesk

            if not has_manager_keys(ws.paths.data_dir):
                raise SystemExit("drillpad learner merge: only the manager's DrillPad merges profiles; the merge "
                                 "reaches the workstations with the next roster")
            desk = ManagerDesk(ws, args.by)
            if args.learner_command == "merge":
                into = ws.profiles.learner(args.into)
                source = ws.profiles.learner(args.source)
                event = desk.merge(source.id, into.id, args.note)
                print(f"Merged {source.name} into {into.name} (merge {event.id}); the workstations get it with the "
                      "next roster (drillpad evidence import FOLDER publishes it).")
            else:
                desk.unmerge(args.merge_id)
                print(f"Merge {args.merge_id} taken back; the two profiles are separate again.")
        elif cmd == "learner":
            learners = ws.profiles.learners()
            if args.json:
                print(json.dumps([asdict(lr) for lr in learners], indent=2))
            elif not learners:
                print("No learners yet. Add one with: drillpad learner add NAME --role ROLE")
            for lr in ([] if args.json else learners):
                print(f"{lr.name:24} {lr.role_title}")
        elif cmd == "today":
            _today(ws, args.learner)
        elif cmd == "study":
            from drillpad.study import run_study

            return run_study(ws, args.learner)
        elif cmd == "drill" and args.action == "pregenerate":
            return _pregenerate(ws, args)
        elif cmd == "drill":
            from drillpad.study import run_drill

            if not args.learner:
                raise SystemExit("drillpad drill: --learner NAME is required")
            return run_drill(ws, args.learner, args.id)
        elif cmd == "eval":
            return _eval_model(ws, args)
        elif cmd == "stats":
            _stats(ws, args)
        elif cmd == "demonstrate":
            ws.log_demonstration(args.learner, args.task, args.note)
            print("Logged. A peer or your manager can confirm it later.")
        elif cmd == "backup":
            b = ws.backup()
            print(f"Backup written and verified: {b.path} ({b.size / 1e6:.1f} MB). Kept: {len(ws.backups())} "
                  "(the newest of each of the last 7 days and 4 weeks).")
        elif cmd == "rebuild":
            report = ws.rebuild()
            print(f"Rebuilt {report['cards']} schedule(s) from the event log: {report['differed']} differed from the "
                  f"stored state, {report['stale']} stale removed; metric aggregates: "
                  f"{report.get('aggregates_differed', 0)} day(s) differed.")
        elif cmd == "roles":
            roles = ws.roles()
            if args.json:
                print(json.dumps([asdict(r) for r in roles], indent=2))
                return 0
            if not roles:
                print("No roles: import a pack first (drillpad pack import PATH).")
            for r in roles:
                print(f"{r.title}  [{r.pack_id}:{r.id}]  {r.pack_title} {r.pack_version}\n  {r.approval}")
                for n, t in enumerate(r.tasks, 1):
                    print(f"  {n}. {t.title}\n     Good looks like: {t.what_good_looks_like}")
                print("  Critical behaviours:")
                for b in r.behaviours:
                    print(f"   - {b['title']} (evidence: {b['evidence'].replace('_', ' ')}, "
                          f"{b['demonstrations']} demonstration(s) before sign-off)")
                print()
    return 0


PIN_ENV = "DRILLPAD_PIN"


def _read_pin(prompt: str) -> str | None:
    """The PIN from DRILLPAD_PIN (scripts), else typed at the terminal without echo; None when neither can be."""
    if (pin := os.environ.get(PIN_ENV)) is not None:
        return pin
    if not sys.stdin.isatty():
        return None
    import getpass

    return getpass.getpass(prompt)


def _under_it_authority(policy, done: str, note: str) -> bool:
    """Whether IT states an authority in the policy (``cli_authority``) to go ahead without a learner's PIN; if so,
    what is *done* is logged under it and the *note* told on stderr."""
    import logging

    authority = policy.policy.cli_authority
    if not authority:
        return False
    logging.getLogger("drillpad").warning("%s under the authority stated by policy %s: %s", done, policy.source,
                                          authority)
    print(f"note: {note} under {authority!r} (IT policy); this is logged.", file=sys.stderr)
    return True


def learner_access(ws: Workspace, learner: str, verb: str, policy) -> int | None:
    """A verb that reads or writes one learner's data runs with that learner's PIN (counted like the window's:
    wrong ones lead to the same lock), or under the authority IT states in the policy (``cli_authority``),
    logged as such. Returns None to go ahead, else the exit code."""
    lr = ws.profiles.learner(learner)
    if _under_it_authority(policy, f"drillpad {verb} for learner {lr.name} ({lr.id}) run without their PIN",
                           f"{lr.name}'s data, opened without their PIN"):
        return None
    if not ws.profiles.has_pin(lr.id):
        print(f"error: {lr.name} has no PIN yet. Choose one in the DrillPad window, or with "
              f"`drillpad learner pin \"{lr.name}\"`, then try again.", file=sys.stderr)
        return 1
    pin = _read_pin(f"{lr.name}'s PIN: ")
    if pin is None:
        print(f"error: drillpad {verb} opens {lr.name}'s practice data, so it needs their PIN: run it in a terminal "
              f"to type it, or set {PIN_ENV} for a script (IT: or set cli_authority in the policy).", file=sys.stderr)
        return 1
    result = ws.profiles.unlock(lr.id, pin, via="cli")
    if not result.ok:
        print(f"error: {result.message}", file=sys.stderr)
        return 1
    if result.wrong_since_last_visit:
        print(result.message, file=sys.stderr)
    return None


SMALL_GROUP = 3  # a cohort's figures stand for nobody in particular from this many learners on


def small_group_access(ws: Workspace, role: str | None, policy) -> int | None:
    """Cohort figures for fewer than SMALL_GROUP learners would show one person's practice without their PIN:
    refused, except on the manager's DrillPad or under the authority IT states in the policy (logged). Returns
    None to go ahead, else the exit code."""
    from drillpad.evidence import has_manager_keys

    n = len(ws.stats_scope(None, role))
    if n == 0 or n >= SMALL_GROUP or has_manager_keys(ws.paths.data_dir):
        return None
    scope = f"cohort {role}" if role else "this workstation"
    if _under_it_authority(policy, f"drillpad stats for {scope} ({n} learner(s)) run",
                           f"{scope} has {n} learner(s); shown"):
        return None
    print(f"error: {scope} has only {n} learner{'s' if n != 1 else ''}, so its figures would show one person's "
          f"practice without their PIN. Use `drillpad stats --learner NAME` (their PIN), or the manager's DrillPad.",
          file=sys.stderr)
    return 1


def _choose_pin(ws: Workspace, name: str) -> int:
    from drillpad.core.pin import PinFormatError

    lr = ws.profiles.learner(name)
    if ws.profiles.has_pin(lr.id):
        print(f"error: {lr.name} already has a PIN; a manager can reset it", file=sys.stderr)
        return 1
    first = _read_pin(f"Choose {lr.name}'s PIN (4 to 8 digits): ")
    if first is None:
        print(f"error: type the PIN in a terminal, or set {PIN_ENV}", file=sys.stderr)
        return 1
    if PIN_ENV not in os.environ and _read_pin("The same PIN again: ") != first:
        print("error: the two PINs were different; nothing was changed", file=sys.stderr)
        return 1
    try:
        ws.profiles.set_pin(lr.id, first)
    except PinFormatError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{lr.name}'s PIN is set.")
    return 0


def _grade(args: argparse.Namespace) -> int:
    from drillpad.workspace import Workspace

    from drillpad.core.grader import grade
    from drillpad.drills.evaluation import pack_synonyms

    pack = Workspace.validate_pack(args.pack)
    synonyms = pack_synonyms(pack)
    drills = {d.id: d for d in pack.drills}
    if args.batch:
        if not args.json:
            print("error: --batch writes JSON lines; add --json", file=sys.stderr)
            return 2
        bad = 0
        with args.batch.open(encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    item = json.loads(line)
                    drill = drills[item["drill"]]
                    answer = item["answer"]
                    if not isinstance(answer, str):
                        raise TypeError("answer must be a string")
                except (json.JSONDecodeError, KeyError, TypeError) as exc:
                    print(f"{args.batch}:{n}: skipped: {exc!r}", file=sys.stderr)
                    bad += 1
                    continue
                print(json.dumps({"id": item.get("id"), **grade(drill, answer, synonyms).to_contract()}))
        return 1 if bad else 0
    if not (args.drill and args.answer is not None):
        print("error: give --drill and --answer, or --batch FILE --json", file=sys.stderr)
        return 2
    if args.drill not in drills:
        print(f"error: no drill {args.drill!r} in {pack.id}; drills: {', '.join(drills)}", file=sys.stderr)
        return 1
    g = grade(drills[args.drill], args.answer, synonyms)
    if args.json:
        print(json.dumps(g.to_contract(), indent=2))
        return 0
    for line in g.feedback:
        print(line)
    status = "needs review by a manager" if g.needs_review else ("passed" if g.passed else "not yet")
    print(f"Score {g.score:.0%} — {status}" + (f" (flags: {', '.join(g.flags)})" if g.flags else ""))
    return 0


def _check_cues(args: argparse.Namespace) -> int:
    from drillpad.workspace import Workspace

    from drillpad.drills.cue_check import check_cues, render

    pack = Workspace.validate_pack(args.path)
    try:
        report = check_cues(pack, drill=args.drill, split=args.split)
    except KeyError:
        items = ", ".join([d.id for d in pack.drills] + [p.id for p in pack.prompts])
        print(f"error: no drill or prompt {args.drill!r} in {pack.id}; there are: {items}", file=sys.stderr)
        return 1
    print(json.dumps(report.as_dict(), indent=2, ensure_ascii=False) if args.json else render(report))
    return 0


def _pack_new(args: argparse.Namespace) -> int:
    from drillpad.drills.pack_template import TemplateError, write_template

    try:
        written = write_template(args.path, title=args.title)
    except TemplateError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"Wrote a template pack to {args.path} ({len(written)} files). Edit it into your own, then run:\n"
          f"  drillpad pack validate {args.path}\n  drillpad pack check-cues {args.path}")
    return 0


def _eval(args: argparse.Namespace) -> int:
    from drillpad.workspace import Workspace

    from drillpad.drills.evaluation import evaluate, render

    pack = Workspace.validate_pack(args.pack)
    reports = [evaluate(pack, split=s) for s in ("dev", "holdout", None)]
    if args.json:
        print(json.dumps([r.as_dict() for r in reports], indent=2))
        return 0
    print(render(pack, reports))
    return 0


def _loaded_engine(ws: Workspace):
    """The model in use, loaded, or None after saying why (the caller falls back)."""
    from drillpad.llm.engine import EngineError

    engine = ws.ai.open_engine()
    try:
        engine.load().result()
    except EngineError:
        pass
    if engine.reason or engine.state.value != "ready":
        print(f"AI off: {engine.reason or engine.state.value}. Written scenarios are used; nothing to measure.",
              file=sys.stderr)
        return None
    ws.ai.engine = engine
    return engine


def _pregenerate(ws: Workspace, args: argparse.Namespace) -> int:
    engine = _loaded_engine(ws)
    if engine is None:
        return 1
    info = engine.info()
    print(f"Preparing scenario variants with {info.name} ({(info.sha256 or '')[:19]}…); each is checked by the "
          "quality gate and discarded if it fails.")
    report = ws.ai.pregenerate(engine, learner_key=args.learner, per_drill=args.per_drill,
                               progress=lambda n, total, drill: print(f"  {n}/{total} {drill}", end="\r", flush=True))
    print(f"\n{report.attempts} generated · {report.kept} kept · {report.rejected} discarded")
    for reason, count in sorted(report.reasons.items(), key=lambda kv: -kv[1]):
        print(f"  discarded for {reason}: {count}")
    return 0


def _eval_model(ws: Workspace, args: argparse.Namespace) -> int:
    from drillpad.workspace import Workspace

    from drillpad.drills.judge import MAX_FALSE_PASS, MIN_ACCURACY
    from drillpad.drills.variants import evaluate_generation

    pack = Workspace.validate_pack(args.pack)
    code = _eval(args) if args.eval_command == "grading" and not args.json else 0
    engine = _loaded_engine(ws)
    if engine is None:
        return 1
    info = engine.info()
    if args.eval_command == "generation":
        report = evaluate_generation(engine, pack, per_drill=args.per_drill)
        if args.json:
            print(json.dumps(report.as_dict(), indent=2))
            return 0
        print(f"Scenario variants by {info.name} ({(info.sha256 or '')[:19]}…) on {pack.id} {pack.version}")
        print(f"passed the quality gate: {report.passed}/{report.attempts} ({report.pass_rate:.0%})")
        for drill_id, (ok, n) in report.per_drill.items():
            print(f"  {drill_id:24} {ok}/{n}")
        for reason, count in sorted(report.failures.items(), key=lambda kv: -kv[1]):
            print(f"  failed {reason}: {count}")
        return 0
    print(f"\nCalibrating {info.name} as a judge on {len(pack.examples)} labelled answers…", file=sys.stderr)
    calibration, where = ws.ai.calibrate_judge(
        engine, pack, progress=lambda n, total: print(f"  {n}/{total}", end="\r", file=sys.stderr, flush=True))
    if args.json:
        print(json.dumps(calibration.as_dict(), indent=2))
    else:
        verdict = "ENABLED as a second opinion" if calibration.passed else "NOT enabled (the grader decides alone)"
        print(f"\nLLM judge {info.name} on {pack.id} {pack.version}: accuracy {calibration.accuracy:.3f} "
              f"(needs ≥ {MIN_ACCURACY}), macro-F1 {calibration.macro_f1:.3f}, false-pass "
              f"{calibration.false_pass_rate:.1%} (needs ≤ {MAX_FALSE_PASS:.0%}), invalid verdicts "
              f"{calibration.invalid}/{calibration.answers} → {verdict}\nRecorded in {where}")
    return code


def _today(ws: Workspace, learner: str) -> None:
    today = ws.today(learner)
    print(f"Today for {today.learner}: {len(today.items)} item(s), about {today.minutes:g} of "
          f"{today.budget_minutes:g} minutes")
    for n, item in enumerate(today.items, 1):
        print(f"  {n}. [{item.kind}] {item.title}  ~{item.minutes:g} min  ({item.reason})")
    if not today.items:
        print("  Nothing due. Well done — come back tomorrow.")
    print("This week:")
    for w in today.cadence:
        print(f"  {w.item:10} {w.status}" + (f" (from the week of {w.week})" if w.status == "rolled over" else ""))
    print("Journey:")
    for title, j in ws.journeys(learner):
        why = "; ".join(j.reasons) or "not started"
        print(f"  {title}: {j.stage}  — {why}")


def _stats(ws: Workspace, args: argparse.Namespace) -> None:
    m = ws.stats(args.learner, args.cohort, args.since, args.until, task=args.task)
    if args.json:
        print(json.dumps(asdict(m), indent=2, default=str))
        return
    scope = args.learner or (f"cohort {args.cohort}" if args.cohort else "all learners")
    scope += f", task {args.task}" if args.task else ""
    t = m.time_to_independence
    print(f"Learning metrics for {scope}")
    print(f"  First-time accuracy   {m.first_time_accuracy}")
    median = "–" if t.median_days is None else f"{t.median_days:.1f} days median"
    print(f"  Time to independence  {median} (reached n={t.reached}, still running {t.still_running})")
    print(f"  Error recurrence      {m.error_recurrence}")
    print(f"  Delayed quiz score    {m.delayed_quiz_score}")
    brier = "–" if m.calibration.brier is None else f"{m.calibration.brier:.3f}"
    by = ", ".join(f"{c}: {r}" for c, r in m.calibration.by_confidence.items())
    print(f"  Confidence            Brier {brier} (n={m.calibration.n}); accuracy by confidence {by}")


def _data_safety(args: argparse.Namespace, policy) -> int:
    """check, restore and backup --list work without opening the database the usual way: it may be damaged."""
    from drillpad.store.backups import list_backups
    from drillpad.workspace import Workspace

    paths = Paths.resolve(args.data_dir, policy)
    if args.command == "backup":
        found = list_backups(paths.db_path)
        if not found:
            print(f"No backups yet in {paths.data_dir / 'backups'}. Take one with: drillpad backup")
        for b in found:
            print(f"{b.path.name}  {b.taken_at:%Y-%m-%d %H:%M} UTC  {b.size / 1e6:.1f} MB")
        return 0
    if args.command == "check":
        report = Workspace.check(paths, full=args.full)
        kind = "full check (integrity_check and every event row)" if args.full else "quick check"
        if report.ok:
            print(f"{paths.db_path}: ok — {kind}" + (f", {report.events_read} events read" if args.full else "")
                  + f", {report.seconds:.2f} s")
            return 0
        for problem in report.problems:
            print(f"  {problem}", file=sys.stderr)
        more = "" if args.full else " Run `drillpad check --full` to see how many answers are affected."
        print(f"error: {paths.db_path} is damaged ({kind}).{more} `drillpad restore` puts the newest good backup "
              "back, keeps this file aside and salvages every event that still reads.", file=sys.stderr)
        return 1
    report = Workspace.restore(paths, args.backup, policy=policy, salvage=not args.no_salvage)
    print(report.summary())
    return 0


def _paths(args: argparse.Namespace, policy) -> int:
    paths = Paths.resolve(args.data_dir, policy)
    print(f"data dir:   {paths.data_dir}  (from {paths.data_dir_source})")
    print(f"database:   {paths.db_path}")
    print(f"logs:       {paths.log_dir}")
    print(f"cache:      {paths.cache_dir}")
    print(f"resources:  {resources_dir()}")
    print(f"policy:     {policy.source or 'none found (defaults in force)'}")
    for problem in policy.problems:
        print(f"  policy problem: {problem}")
    return 0


def _model(args: argparse.Namespace, policy) -> int:
    from drillpad.llm.smoke import SmokeError, run_smoke

    if args.model_command == "info":
        return _model_info(args, policy)
    if args.model_command != "smoke":
        return _model_catalog(args, policy)
    path = args.path or resources_dir() / "models" / EMBEDDED_MODEL
    try:
        r = run_smoke(path)
    except SmokeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"Model OK: {r.model} loaded in {r.load_seconds:.2f} s, {r.tokens} tokens in {r.generate_seconds:.2f} s "
          f"(llama-cpp-python {r.llama_version}): {r.text.strip()!r}")
    return 0


def _model_info(args: argparse.Namespace, policy) -> int:
    from drillpad.workspace import Workspace

    with Workspace.open(args.data_dir, policy=policy) as ws:
        engine = ws.ai.open_engine()
        try:
            info = engine.load().result()
            status = engine.status() if hasattr(engine, "status") and info.state.value == "ready" else {}
            memory = engine.memory() if hasattr(engine, "memory") else {}
            info = engine.info()
        finally:
            engine.close()
    if args.json:
        print(json.dumps({"name": info.name, "sha256": info.sha256, "state": info.state.value, "reason": info.reason,
                          "runtime": info.runtime, "context_length": info.context_length, "threads": info.threads,
                          **status, **memory}, indent=2))
        return 0 if info.state.value == "ready" else 1
    if info.state.value != "ready":
        print(f"AI off: {info.reason or info.state.value}", file=sys.stderr)
        return 1
    print(f"Model: {info.name} ({info.sha256})")
    print(f"Runtime: {info.runtime}, in its own process (pid {status.get('pid', '?')}); context {info.context_length} "
          f"tokens; template {info.template}")
    rates = status.get("thread_rates") or {}
    how = {"policy": "pinned by the IT policy key model_threads",
           "measured": "measured: " + ", ".join(f"{n} → {r:.1f} tokens/s" for n, r in sorted(rates.items()))}.get(
        status.get("threads_source", ""), status.get("threads_source", ""))
    print(f"Threads: {info.threads} of {status.get('cores', '?')} physical core(s) ({how})")
    ui, model = memory.get("ui_rss_mb"), memory.get("model_rss_mb")
    if ui is not None and model is not None:
        print(f"Memory (RSS): this process {ui:.0f} MB, model process {model:.0f} MB, together {ui + model:.0f} MB")
    return 0


def _model_catalog(args: argparse.Namespace, policy) -> int:
    from drillpad.workspace import Workspace

    from drillpad.llm.models import ModelError, ModelStatus

    with Workspace.open(args.data_dir, policy=policy) as ws:
        catalog = ws.ai.models
        try:
            if args.model_command == "use":
                entry = catalog.use(args.name)
                print(f"DrillPad will use {entry.name} ({entry.sha256}) from now on.")
                return 0
            entries = catalog.verify(args.name) if args.model_command == "verify" else catalog.entries()
        except ModelError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        selection = catalog.select()
    in_use = selection.entry.name if selection.entry is not None and not selection.reason else None
    if args.model_command == "verify":
        for e in entries:
            detail = f"OK {e.actual_sha256}" if e.status is ModelStatus.VERIFIED else f"{e.status}: {e.problem}"
            print(f"{e.name}: {detail}", file=sys.stdout if e.status is ModelStatus.VERIFIED else sys.stderr)
        failed = sum(e.status is not ModelStatus.VERIFIED for e in entries)
        if failed:
            print(f"error: {failed} of {len(entries)} model(s) failed verification", file=sys.stderr)
        return 1 if failed else 0
    if args.json:
        print(json.dumps([{
            "name": e.name, "status": str(e.status), "usable": e.usable, "in_use": e.name == in_use,
            "source": e.source, "path": str(e.path), "sha256": e.sha256, "problem": e.problem,
            **(e.manifest.model_dump(exclude={"name", "sha256"}) if e.manifest else {}),
        } for e in entries], indent=2))
        return 0
    if not entries:
        print("No models found.")
    for e in entries:
        m = e.manifest
        facts = f"  {m.size / 1e6:.1f} MB  {'+'.join(m.intended_use)}  {m.license}" if m else ""
        print(f"{'*' if e.name == in_use else ' '} {e.name}  [{e.status}]{facts}\n      {e.path} ({e.source})"
              + (f"\n      {e.problem}" if e.problem else ""))
    chosen = " (chosen with `drillpad model use`)" if selection.chosen else " (default)"
    print(f"In use: {in_use}{chosen}" if in_use else f"No model in use: {selection.reason}")
    return 0


def has_display(env: dict[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    if sys.platform != "linux" or env.get("QT_QPA_PLATFORM"):
        return True
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


def _offer_terminal_study(args: argparse.Namespace, policy) -> int:
    from drillpad.workspace import Workspace

    from drillpad.study import run_study

    with Workspace.open(args.data_dir, policy=policy) as ws:
        learners = ws.profiles.learners()
        if not learners:
            return 0
        names = ", ".join(lr.name for lr in learners)
        try:
            who = input(f"Practise in the terminal now? Type your name ({names}) or press Enter to quit: ").strip()
        except EOFError:
            return 0
        if not who:
            return 0
        if (refused := learner_access(ws, who, "study", policy)) is not None:
            return refused
        return run_study(ws, who)


def _gui(args: argparse.Namespace, policy) -> int:
    from drillpad.workspace import Workspace

    if args.command == "demo":
        with Workspace.open(args.data_dir, policy=policy) as ws:
            for r in ws.install_demo(manager=True):
                if r.action != "unchanged":
                    print(f"Demo pack {r.pack_id} {r.version} {r.action}.")
            names = ", ".join(lr.name for lr in ws.profiles.learners())
        if args.no_gui:
            from drillpad.workspace import DEMO_MANAGER_PASSPHRASE, DEMO_PIN

            print(f"Demo ready. Learners: {names} (PIN {DEMO_PIN}). Manager mode passphrase: "
                  f"{DEMO_MANAGER_PASSPHRASE!r}.")
            return 0
    if not has_display():
        data = f" --data-dir {args.data_dir}" if args.data_dir else ""
        print(f"No display found, so DrillPad's window cannot open here. Use the terminal mode instead: "
              f"`drillpad{data} study --learner NAME`, `drillpad{data} today --learner NAME`, "
              f"`drillpad{data} roles`, `drillpad --help` (in this checkout: .venv/bin/drillpad).")
        if sys.stdin.isatty():
            return _offer_terminal_study(args, policy)
        return 0
    from drillpad.ui.platform_check import XCB_PACKAGES, missing_x11_library

    if missing := missing_x11_library():
        print(f"DrillPad's window cannot open: the system library {missing} that Qt needs for X11 is missing. "
              f"On Debian/Ubuntu: sudo apt-get install {' '.join(XCB_PACKAGES)}. Until then use the terminal "
              "mode (`drillpad --help`).", file=sys.stderr)
        return 1
    from drillpad.ui.app import run_app

    def probe(window) -> None:
        import time

        args.startup_probe.write_text(f"{time.time():.6f}\n")
        window.close()

    return run_app(lambda: Workspace.open(args.data_dir, policy=policy, repair=True, defer_full_check=True),
                   on_first_paint=probe if args.startup_probe else None)
