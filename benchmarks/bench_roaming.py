"""Roaming benchmark: a team's workstations share one folder; a new (or long-offline) workstation syncs.

Setup (not timed): a manager (test pack, keys) and W workstations on one shared folder, each enrolled and
approved; L learners enrolled by the manager; every workstation records E practice events spread over the
learners (real ``answer_prompt``/``read_lesson``/``reflect``), with syncs in between.

Timed: (1) one more workstation's **first full sync** (roster + every peer bundle, decrypted, verified,
applied, cards computed) and its data dir's size; (2) an **incremental sync** after one day's practice on the
others (E / 30 events per workstation); (3) a learner's **Today** on that workstation after unlock.

    python benchmarks/bench_roaming.py --smoke          # 3 workstations, 5 learners, 60 events each (CI)
    python benchmarks/bench_roaming.py                  # 5 workstations, 20 learners, 600 events each
    python benchmarks/bench_roaming.py --workstations 30 --learners 200 --events 16000   # the issue's size (slow)
    python benchmarks/bench_roaming.py --smoke --inbox  # the same through ``drillpad inbox serve`` (no folder)
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from drillpad.clock import FixedClock  # noqa: E402
from drillpad.evidence import keys as keys_mod  # noqa: E402
from drillpad.paths import Paths  # noqa: E402
from drillpad.workspace import Workspace  # noqa: E402

PACK = REPO / "tests" / "data" / "minipack"
PASS = "bench roaming passphrase"
SMOKE = {"workstations": 3, "learners": 5, "events": 60}
ANSWERS = ["I hit the emergency stop straight away.", "press the e-stop and lock out", "I call someone"]


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--workstations", type=int, default=5)
    ap.add_argument("--learners", type=int, default=20)
    ap.add_argument("--events", type=int, default=600, help="practice events per workstation")
    ap.add_argument("--inbox", action="store_true", help="sync through the manager's HTTP inbox, not a folder")
    a = ap.parse_args(argv)
    if a.smoke:
        a.workstations, a.learners, a.events = SMOKE["workstations"], SMOKE["learners"], SMOKE["events"]
    clock = FixedClock(datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc))
    tmp = Path(tempfile.mkdtemp(prefix="bench-roaming-"))
    try:
        share = tmp / "share"
        manager = Workspace(Paths.resolve(tmp / "manager", env={}), clock=clock)
        manager.import_pack(PACK)
        manager.evidence.manager_init("Bench team", PASS)
        keys = keys_mod.unlock_manager_keys(manager.paths.data_dir, PASS)
        team_file = manager.evidence.export_team_file(tmp / "team.json", folder=str(share))

        def station(i: int) -> Workspace:
            ws = Workspace(Paths.resolve(tmp / f"ws{i}", env={}), clock=clock)
            ws.import_pack(PACK)
            ws.evidence.import_team_file(team_file)
            return ws

        server = None
        if a.inbox:
            import threading

            from drillpad.evidence.inbox import serve

            data_dir = manager.paths.data_dir
            server = serve(lambda: Workspace.open(data_dir, clock=clock), keys, data_dir / "inbox", "127.0.0.1", 0)
            threading.Thread(target=server.serve_forever, daemon=True).start()

        def send(ws: Workspace) -> None:
            if server is not None:
                ws.evidence.send_http(server.url)
            else:
                ws.evidence.send_folder(share)

        def manager_round() -> None:
            if server is None:
                manager.evidence.import_folder(share, keys)
            for d in manager.evidence.devices():
                if d["status"] == "pending":
                    manager.evidence.approve_device(d["id"])
            if server is None:
                manager.evidence.import_folder(share, keys)
                manager.evidence.publish_decisions(share, keys)

        learners = [manager.add_learner(f"Learner {n:03d}", "dock-hand").id for n in range(a.learners)]
        stations = [station(i) for i in range(a.workstations)]
        newcomer = station(a.workstations)
        for _ in range(2):
            for ws in [*stations, newcomer]:
                send(ws)
            manager_round()
        for ws in stations:
            send(ws)

        def practise(ws: Workspace, n: int, k: int) -> None:
            for i in range(n):
                lid = learners[(k + i) % len(learners)]
                if (k + i) < len(learners):
                    ws.read_lesson(lid, "lesson-jam")
                else:
                    ws.answer_prompt(lid, "jam-first", ANSWERS[i % 3], confidence=1 + i % 4)
                clock.advance(minutes=1)

        t0 = time.perf_counter()
        rounds = 3
        for r in range(rounds):
            for i, ws in enumerate(stations):
                practise(ws, a.events // rounds, k=r * 7 + i)
                send(ws)
            manager_round()
        setup = time.perf_counter() - t0
        total = manager.db.execute("SELECT count(*) FROM events").fetchone()[0]
        kept = manager.paths.data_dir / "team-bundles"
        bundles = len(list((kept if server is not None else share).glob("*.bundle")))

        t0 = time.perf_counter()
        send(newcomer)
        first = time.perf_counter() - t0
        got = newcomer.db.execute("SELECT count(*) FROM events").fetchone()[0]
        disk = _size(newcomer.paths.data_dir)

        clock.advance(days=1)
        for i, ws in enumerate(stations):
            practise(ws, max(1, a.events // 30), k=1000 + i)
            send(ws)
        t0 = time.perf_counter()
        send(newcomer)
        incremental = time.perf_counter() - t0

        times = []
        for lid in learners[:20]:
            t0 = time.perf_counter()
            newcomer.today(lid)
            times.append(time.perf_counter() - t0)
        print(f"route: {'inbox serve (HTTP)' if server is not None else 'shared folder'}")
        print(f"team: {a.workstations} workstations + 1 new, {a.learners} learners, {a.events} events each; "
              f"{total} events at the manager in {bundles} bundles (setup {setup:.1f} s)")
        print(f"first full sync of a new workstation: {first:.2f} s, {got} events taken, data dir {disk / 1e6:.1f} MB")
        print(f"incremental sync after a day ({max(1, a.events // 30)} events per workstation): {incremental:.2f} s")
        print(f"Today after unlock: median {statistics.median(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms")
        for ws in [*stations, newcomer, manager]:
            ws.close()
        if server is not None:
            server.shutdown()
            server.server_close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def run(workstations: int = 5, learners: int = 20, events: int = 600, inbox: bool = False) -> dict:
    """For benchmarks/run.py (`make bench`, `make bench-smoke`): the figures are printed as the run goes."""
    argv = ["--workstations", str(workstations), "--learners", str(learners), "--events", str(events)]
    code = main(argv + (["--inbox"] if inbox else []))
    if code:
        raise RuntimeError(f"bench_roaming failed (exit {code})")
    return {"workstations": workstations, "learners": learners, "events": events, "inbox": inbox}


def report(r: dict) -> list[tuple[str, str, str, str]]:
    return [("roaming: first and incremental sync, Today", "printed above", "incremental < 5 s, Today < 100 ms",
             f"{r['workstations']} workstations + 1 new, {r['learners']} learners, {r['events']} events each")]


if __name__ == "__main__":
    raise SystemExit(main())
