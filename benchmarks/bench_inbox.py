"""Inbox benchmark: N workstations post at the same moment while a slow client holds connections open.

Setup (not timed): a manager with the test pack and keys; N approved workstations, each with one
real signed and encrypted bundle (a new learner and a reflection; see tests/evidence/stations.py).
The inbox (``drillpad inbox serve``'s server) runs on 127.0.0.1 in this process.

Timed: two slow clients connect first and then say nothing (one silent, one stopped half-way
through its body); then N threads released together each POST their bundle on a new connection.
Measured: connection resets and other failures, every reply's outcome, bundles imported (from the
manager's log: each exactly once), wall time, posts per second, and each post's latency.

    python benchmarks/bench_inbox.py            # 200 posts
    python benchmarks/bench_inbox.py --smoke    # 20 posts, for CI
    python benchmarks/bench_inbox.py --posts 500
"""

from __future__ import annotations

import argparse
import socket
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # for tests.evidence.stations

from drillpad.clock import FixedClock  # noqa: E402
from drillpad.evidence import keys as keys_mod  # noqa: E402
from drillpad.evidence.inbox import serve  # noqa: E402
from drillpad.paths import Paths  # noqa: E402
from drillpad.workspace import Workspace  # noqa: E402
from tests.evidence.stations import approve, post, stations  # noqa: E402

PACK = REPO / "tests" / "data" / "minipack"
PASS = "benchmark passphrase"
POSTS, SMOKE_POSTS, TIMEOUT = 200, 20, 120
SMOKE = {"posts": SMOKE_POSTS}  # the tiny size `make bench-smoke` (CI) runs


def run(posts: int = POSTS) -> dict:
    clock = FixedClock(datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        manager = Workspace(Paths.resolve(root / "manager", env={}), clock=clock)
        manager.import_pack(PACK)
        manager.evidence.manager_init("Bench team", PASS)
        keys = keys_mod.unlock_manager_keys(root / "manager", PASS)
        template = Workspace(Paths.resolve(root / "device", env={}), clock=clock)
        template.import_pack(PACK)
        template.reflect(template.profiles.add_learner("Template", "dock-hand").id, "Locked out the dock leveller first.")
        many = stations(template, manager.evidence.team(), posts)
        template.close()
        approve(manager, many)
        data_dir = manager.paths.data_dir
        server = serve(lambda: Workspace.open(data_dir, clock=clock), keys, data_dir / "inbox", "127.0.0.1", 0)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        results: list[object] = [None] * posts
        latency = [0.0] * posts
        start = threading.Barrier(posts + 1)

        def send(i: int) -> None:
            start.wait(TIMEOUT)
            t = time.perf_counter()
            try:
                results[i] = post(server.url, many[i].cipher, many[i].headers(), timeout=TIMEOUT)
            except OSError as exc:
                results[i] = exc
            latency[i] = time.perf_counter() - t

        try:
            silent = socket.create_connection(server.server_address)
            half = socket.create_connection(server.server_address)
            half.sendall(b"POST /v1/bundles HTTP/1.1\r\nHost: manager\r\nContent-Length: 100000\r\n\r\npartial")
            threads = [threading.Thread(target=send, args=(i,)) for i in range(posts)]
            for t in threads:
                t.start()
            start.wait(TIMEOUT)
            t0 = time.perf_counter()
            for t in threads:
                t.join(TIMEOUT * 2)
            wall = time.perf_counter() - t0
            silent.close()
            half.close()
        finally:
            server.shutdown()
            server.server_close()
            thread.join(TIMEOUT)
        failures = [r for r in results if not isinstance(r, tuple)]
        resets = sum(1 for r in failures if isinstance(r, ConnectionResetError))
        outcomes: dict[str, int] = {}
        for r in results:
            if isinstance(r, tuple):
                outcomes[str(r[1].get("outcome"))] = outcomes.get(str(r[1].get("outcome")), 0) + 1
        once = manager.db.execute("SELECT count(*) FROM (SELECT device_id FROM bundle_log WHERE outcome = 'imported' "
                                  "GROUP BY device_id HAVING count(*) = 1)").fetchone()[0]
        manager.close()
    ordered = sorted(latency)
    return {"posts": posts, "resets": resets, "other_failures": len(failures) - resets, "outcomes": outcomes,
            "imported_once": once, "wall_seconds": round(wall, 2), "posts_per_second": round(posts / wall, 1),
            "latency_p50_ms": round(1000 * statistics.median(ordered), 1),
            "latency_p95_ms": round(1000 * ordered[int(0.95 * (len(ordered) - 1))], 1),
            "latency_max_ms": round(1000 * ordered[-1], 1), "slow_clients_held": 2}


def report(r: dict) -> list[tuple[str, str, str, str]]:
    return [
        (f"{r['posts']} simultaneous posts, 2 slow clients held", f"{r['resets']} resets", "0",
         f"{r['other_failures']} other failures; {r['imported_once']} of {r['posts']} imported exactly once"),
        ("all answered in", f"{r['wall_seconds']:.1f} s", "", f"{r['posts_per_second']:.0f} posts/s"),
        ("post latency p50 / p95 / max", f"{r['latency_p50_ms']:.0f} / {r['latency_p95_ms']:.0f} / "
         f"{r['latency_max_ms']:.0f} ms", "", "queued behind one import at a time"),
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help=f"{SMOKE_POSTS} posts: quick, for CI")
    ap.add_argument("--posts", type=int, default=POSTS)
    args = ap.parse_args(argv)
    result = run(SMOKE_POSTS if args.smoke else args.posts)
    for row in report(result):
        print("  ".join(row))
    ok = result["resets"] == 0 and result["other_failures"] == 0 and result["imported_once"] == result["posts"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
