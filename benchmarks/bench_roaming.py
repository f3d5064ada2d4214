"""Roaming benchmark: a team's workstations share one folder; a long-offline (and a new) workstation syncs.

Setup (timed apart, not part of the figures): a manager (the demo packs, keys) and W workstations on one shared
folder, each enrolled and approved through real syncs, plus one more workstation approved at the same time that
then stays off for the whole year; L learners enrolled by the manager. A year of practice (about E events per
workstation) is **generated** with ``benchmarks/datagen.py``'s learner histories (lessons, prompts, drills with
grades, reflections, demonstrations, review requests; the manager's own records and confirmations are left
out: a workstation never makes them), each learner practising on a workstation drawn per day (roaming). Each workstation's events
are then **sealed as the workstation would**: one bundle per workstation per working day (``--per week``: per
week) with ``evidence.bundle.build`` — signed by that workstation's key, encrypted to the manager, every approved
workstation and itself, numbered and chained — written to the shared folder (``--inbox``: the inbox's kept
bundles), stored in that workstation's database with its outbox row (one transaction per bundle) and applied at
the manager through ``Evidence._apply`` (the import's own transaction, authority rules included; decryption
and signature checks are skipped there — bench_evidence measures them).

Timed: (1) the offline workstation's **first full sync** (roster + every bundle of the year, verified,
decrypted, validated, applied, cards computed) and its data dir's size; (2) an **incremental sync** after one
day's practice on the others; (3) a learner's **Today** on that workstation; (4) the **catch-up** (folder
route): a workstation approved after the year — the manager's publish (the whole history re-sealed for it once)
and that workstation's first sync (every bundle sealed to it, the history from the catch-up) — and what a daily
publish costs while the whole team is inside its 14-day window.

    python benchmarks/bench_roaming.py --smoke          # 3 workstations, 5 learners, 300 events each (CI)
    python benchmarks/bench_roaming.py                  # 5 workstations, 20 learners, 3,000 events each
    python benchmarks/bench_roaming.py --workstations 30 --learners 200 --events 16000   # the issue's size
    python benchmarks/bench_roaming.py --smoke --inbox  # the same through ``drillpad inbox serve`` (no folder)
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
for _p in (REPO, REPO / "benchmarks"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

import datagen  # noqa: E402

from drillpad.clock import FixedClock, to_iso  # noqa: E402
from drillpad.evidence import bundle as bundle_mod  # noqa: E402
from drillpad.evidence import catchup as catchup_mod  # noqa: E402
from drillpad.evidence import keys as keys_mod  # noqa: E402
from drillpad.evidence import roaming  # noqa: E402
from drillpad.paths import Paths  # noqa: E402
from drillpad.store import events as event_store  # noqa: E402
from drillpad.workspace import Workspace, demo_packs_dir  # noqa: E402

PASS = "bench roaming passphrase"
SMOKE = {"workstations": 3, "learners": 5, "events": 300}
START = datetime(2026, 1, 5, 6, 0, tzinfo=timezone.utc)  # a Monday: the team starts practising
DAYS = 364
MANAGER_KINDS = {"checkin", "signoff", "coaching.plan", "review.decision"}
MANAGER_MARK = "00000000-0000-4000-8000-000000000000"


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


class _Practice(datagen._Writer):
    """What datagen's learner histories make, kept (not stored): (time, learner, kind, payload, id)."""

    def __init__(self):
        self.pending, self.kept = [], []

    def add(self, device, learner, kind, payload, when):
        event_id = str(uuid.UUID(int=random.getrandbits(128), version=4))
        if device != MANAGER_MARK and kind != "learner.added" and payload.get("source") != "manager":
            self.kept.append((when, learner, kind, payload, event_id))
        return event_id


def practice(content: dict, learners: list[tuple[str, str, str]], stations: list, per_learner: int,
             start: datetime, days: int, rng: random.Random) -> dict[str, list]:
    """Each learner's history over [start, start + days), each day on one workstation drawn at random (roaming):
    {device id: [(time, learner, kind, payload, id), …] in time order}."""
    out = _Practice()
    for learner_id, pack_id, role_id in learners:
        datagen._learner_history(rng, out, content[(pack_id, role_id)], pack_id, learner_id, "-", MANAGER_MARK,
                                 start, start + timedelta(days=days), per_learner)
    by_device: dict[str, list] = {}
    where: dict[tuple[str, object], str] = {}
    for item in sorted(out.kept, key=lambda x: x[0]):
        key = (item[1], item[0].date())
        device = where.setdefault(key, rng.choice(stations).device_id)
        by_device.setdefault(device, []).append(item)
    return by_device


def seal(ws: Workspace, made: list, manager: Workspace, dest: Path, per: str) -> int:
    """*made* (one workstation's events) as that workstation would send them: one bundle per day (or week),
    signed and encrypted as ``Evidence.build_bundle`` does, written to *dest*, stored here with the outbox row
    (one transaction per bundle) and applied at the manager. Returns the number of bundles."""
    team = ws.evidence.team()
    key = keys_mod.device_key(ws.paths.data_dir)
    recipients = [*roaming.recipients(ws.evidence), key.recipient]
    groups: dict[object, list] = {}
    for item in made:
        day = item[0].date()
        groups.setdefault(day if per == "day" else day.isocalendar()[:2], []).append(item)
    n = 0
    for items in groups.values():
        for chunk in (items[i:i + 5000] for i in range(0, len(items), 5000)):
            last = ws.db.execute("SELECT seq, sha256 FROM outbox ORDER BY seq DESC LIMIT 1").fetchone()
            seq, prev = (last[0] + 1, last[1]) if last else (1, None)
            first = event_store.next_seq(ws.db, ws.device_id)
            events = [{"id": i, "device_id": ws.device_id, "seq": first + k, "learner_id": lid, "kind": kind,
                       "payload": payload, "created_at": to_iso(when)}
                      for k, (when, lid, kind, payload, i) in enumerate(chunk)]
            created = events[-1]["created_at"]
            cipher, signature, header = bundle_mod.build(events, team=team["id"], seq=seq, prev=prev,
                                                         created_at=created, key=key, device_id=ws.device_id,
                                                         recipient=recipients)
            name = f"{team['id']}-{ws.device_id}-{seq:06d}"
            (dest / (name + ".bundle.minisig")).write_bytes(signature)
            (dest / (name + ".bundle")).write_bytes(cipher)
            sha = bundle_mod.sha256(cipher)
            with ws.db.atomic():
                event_store.apply(ws.db, [event_store.Event(**e) for e in events])
                ws.db["outbox"].insert({"seq": seq, "file": name, "sha256": sha, "prev_sha256": prev,
                                        "from_event_seq": first, "to_event_seq": first + len(events) - 1,
                                        "events": len(events), "created_at": created, "acked_at": created})
            manager.evidence._apply(events, header, sha, name + ".bundle")
            n += 1
    return n


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--workstations", type=int, default=5)
    ap.add_argument("--learners", type=int, default=20)
    ap.add_argument("--events", type=int, default=3000, help="practice events per workstation in the year")
    ap.add_argument("--per", choices=("day", "week"), default="day", help="one bundle per workstation per …")
    ap.add_argument("--inbox", action="store_true", help="sync through the manager's HTTP inbox, not a folder")
    ap.add_argument("--no-catchup", action="store_true", help="skip the catch-up measurements")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--profile", action="store_true", help="cProfile the first full sync (its time then includes the profiler)")
    a = ap.parse_args(argv)
    if a.smoke:
        a.workstations, a.learners, a.events = SMOKE["workstations"], SMOKE["learners"], SMOKE["events"]
    random.seed(a.seed)
    rng = random.Random(a.seed)
    clock = FixedClock(START - timedelta(days=1))
    tmp = Path(tempfile.mkdtemp(prefix="bench-roaming-"))
    packs = sorted(p for p in demo_packs_dir().iterdir() if p.is_dir())
    server = None
    opened: list[Workspace] = []
    try:
        t_setup = time.perf_counter()
        share = tmp / "share"
        manager = Workspace(Paths.resolve(tmp / "manager", env={}), clock=clock)
        opened.append(manager)
        for pack in packs:
            manager.import_pack(pack)
        manager.evidence.manager_init("Bench team", PASS)
        keys = keys_mod.unlock_manager_keys(manager.paths.data_dir, PASS)
        team_file = manager.evidence.export_team_file(tmp / "team.json", folder=str(share))

        def station(i: int) -> Workspace:
            ws = Workspace(Paths.resolve(tmp / f"ws{i}", env={}), clock=clock)
            opened.append(ws)
            for pack in packs:
                ws.import_pack(pack)
            ws.evidence.import_team_file(team_file)
            return ws

        if a.inbox:
            import threading

            from drillpad.evidence.inbox import KEPT_DIR, serve

            data_dir = manager.paths.data_dir
            server = serve(lambda: Workspace.open(data_dir, clock=clock), keys, data_dir / "inbox", "127.0.0.1", 0)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            dest = data_dir / KEPT_DIR
        else:
            dest = share
        dest.mkdir(parents=True, exist_ok=True)

        def send(ws: Workspace) -> None:
            if server is not None:
                ws.evidence.send_http(server.url)
            else:
                ws.evidence.send_folder(share)

        def manager_round(folder: Path = share) -> None:
            if server is None:
                manager.evidence.import_folder(folder, keys)
            for d in manager.evidence.devices():
                if d["status"] == "pending":
                    manager.evidence.approve_device(d["id"])
            if server is None:
                manager.evidence.import_folder(folder, keys)
            manager.evidence.publish_decisions(share, keys)

        content = datagen._content(manager)
        roles = sorted(content)
        learners = []
        for n in range(a.learners):
            pack_id, role_id = roles[n % len(roles)]
            lr = manager.profiles.add_learner(f"Learner {n:03d}", f"{pack_id}:{role_id}")
            learners.append((lr.id, pack_id, role_id))
        stations = [station(i) for i in range(a.workstations)]
        newcomer = station(a.workstations)  # approved with the others, then off for the year
        for _ in range(2):
            for ws in [*stations, newcomer]:
                send(ws)
            manager_round()
        for ws in stations:
            send(ws)  # the roster naming every workstation, before anything is sealed
        enrol = time.perf_counter() - t_setup

        t0 = time.perf_counter()
        per_learner = max(1, a.workstations * a.events // a.learners)
        year = practice(content, learners, stations, per_learner, START, DAYS, rng)
        generate = time.perf_counter() - t0
        t0 = time.perf_counter()
        bundles = sum(seal(ws, year.get(ws.device_id, []), manager, dest, a.per) for ws in stations)
        sealing = time.perf_counter() - t0
        made = sum(len(v) for v in year.values())
        clock.advance(days=DAYS + 1)
        print(f"route: {'inbox serve (HTTP)' if server is not None else 'shared folder'}; one bundle per "
              f"workstation per {a.per}")
        print(f"team: {a.workstations} workstations + 1 offline, {a.learners} learners; the year: {made:,} events "
              f"in {bundles:,} bundles ({_size(dest) / 1e6:.1f} MB); setup: enrolment {enrol:.1f} s, generated "
              f"in {generate:.1f} s, sealed, stored and applied at the manager in {sealing:.1f} s")

        t0 = time.perf_counter()
        if a.profile:
            import cProfile
            import pstats

            prof = cProfile.Profile()
            prof.runcall(send, newcomer)
            pstats.Stats(prof).sort_stats("cumulative").print_stats(30)
        else:
            send(newcomer)
        first = time.perf_counter() - t0
        got = newcomer.db.execute("SELECT count(*) FROM events WHERE device_id NOT IN (?, ?) AND kind != "
                                  "'device.enrolled'", [newcomer.device_id, manager.device_id]).fetchone()[0]
        disk = _size(newcomer.paths.data_dir)
        print(f"first full sync of the workstation off for the year: {first:.2f} s, {got:,} of {made:,} events "
              f"taken, data dir {disk / 1e6:.1f} MB ({newcomer.evidence.problems[:2] or 'no problems'})")

        day_start = START + timedelta(days=DAYS + 1)
        clock.advance(hours=12)
        per_day = max(1, per_learner * len(learners) // 250 // len(learners))
        day = practice(content, learners, stations, per_day, day_start, 1, rng)
        day_events = sum(len(v) for v in day.values())
        before_day = manager.db.execute("SELECT max(rowid) FROM events").fetchone()[0]
        for ws in stations:
            seal(ws, day.get(ws.device_id, []), manager, dest, "day")
        t0 = time.perf_counter()
        send(newcomer)
        incremental = time.perf_counter() - t0
        got_day = newcomer.db.execute("SELECT count(*) FROM events WHERE device_id NOT IN (?, ?) AND kind != "
                                      "'device.enrolled'", [newcomer.device_id, manager.device_id]).fetchone()[0] - got
        print(f"incremental sync after a day ({day_events:,} events from {len(day)} workstations): "
              f"{incremental:.2f} s, {got_day:,} taken")

        times = []
        for lid, _, _ in learners[:20]:
            t0 = time.perf_counter()
            newcomer.today(lid)
            times.append(time.perf_counter() - t0)
        print(f"Today: median {statistics.median(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms")

        if server is None and not a.no_catchup:
            _catchup(manager, keys, share, tmp, station, stations, newcomer, before_day, day_events, clock)
    finally:
        for ws in opened:
            ws.close()
        if server is not None:
            server.shutdown()
            server.server_close()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def _catchup(manager, keys, share, tmp, station, stations, newcomer, before_day, day_events, clock) -> None:
    """The catch-up's costs: a workstation approved after the year, and a daily publish with the whole team in
    its 14-day window."""
    ev = manager.evidence
    # (a) the whole team inside its window: the day's events re-sealed once per workstation
    with manager.db.atomic():
        manager.db.execute("UPDATE catchups SET since = ?, closed = 0, mark = ?", [ev.now(), before_day])
    in_window = manager.db.execute("SELECT count(*) FROM catchups").fetchone()[0]
    t0 = time.perf_counter()
    parts = catchup_mod.publish_catchups(ev, share, keys)
    publish_day = time.perf_counter() - t0
    t0 = time.perf_counter()
    taken = catchup_mod.collect_catchups(newcomer.evidence, share)
    collect_day = time.perf_counter() - t0
    print(f"catch-up, the whole team in its window: a daily publish re-seals the day's {day_events:,} events for "
          f"{in_window} workstations: {publish_day:.2f} s ({parts} parts); one workstation takes its part in "
          f"{collect_day:.2f} s ({taken['events']} new)")
    with manager.db.atomic():  # the windows close again
        manager.db.execute("UPDATE catchups SET closed = 1")
    # (b) a workstation approved after the year
    late_drop = tmp / "late-drop"
    late = station(len(stations) + 1)
    late.evidence.send_folder(late_drop)  # its first bundle reaches the manager by USB stick
    manager.evidence.import_folder(late_drop, keys)
    for d in ev.devices():
        if d["status"] == "pending":
            ev.approve_device(d["id"])
    t0 = time.perf_counter()
    from drillpad.evidence import roaming as roaming_mod

    roaming_mod.publish_roster(ev, share, keys)
    parts = catchup_mod.publish_catchups(ev, share, keys)
    publish = time.perf_counter() - t0
    total = manager.db.execute("SELECT count(*) FROM events WHERE device_id != ?", [manager.device_id]).fetchone()[0]
    t0 = time.perf_counter()
    late.evidence.send_folder(share)
    first = time.perf_counter() - t0
    got = late.db.execute("SELECT count(*) FROM events WHERE device_id NOT IN (?, ?)",
                          [late.device_id, manager.device_id]).fetchone()[0]
    print(f"catch-up, a workstation approved after the year: the manager's publish {publish:.2f} s ({parts} "
          f"parts, {total:,} events); its first sync {first:.2f} s, {got:,} events taken, data dir "
          f"{_size(late.paths.data_dir) / 1e6:.1f} MB ({late.evidence.received.get('sealed', 0)} bundles sealed to it)")


def run(workstations: int = 5, learners: int = 20, events: int = 3000, inbox: bool = False) -> dict:
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
