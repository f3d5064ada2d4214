"""LRS benchmark: N statements queued in the manager's outbox and delivered to Learning Locker's statement
service (npm xapi-statements 5.0.1, in memory, on 127.0.0.1; installed by ``make lrs-servers``).

Setup (not timed): a manager's data dir with the test pack, a learner and one of each practice event.
Timed, separately: queueing (statements built from events, validated with ralph-malph's BaseXapiStatement and
stored, 1,000 per transaction) and delivery (``drillpad.lrs.sender.Sender``: batches of 50, HTTP Basic) — end to
end. Memory: this process's resident size sampled every 10 % and its peak (flat = no growth with N).
The goal (≥ 500 statements/s end to end) is for the sender; the LRS itself is the limit.

    python benchmarks/bench_lrs.py            # 100,000 statements
    python benchmarks/bench_lrs.py --smoke    # 1,000 statements, for CI
    python benchmarks/bench_lrs.py --statements 20000
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # for tests.lrs

from drillpad.clock import FixedClock  # noqa: E402
from drillpad.lrs import outbox  # noqa: E402
from drillpad.lrs.sender import Sender  # noqa: E402
from drillpad.paths import Paths  # noqa: E402
from drillpad.workspace import Workspace  # noqa: E402
from tests.lrs import servers  # noqa: E402
from tests.lrs.conftest import evidence, make_site  # noqa: E402

PACK = REPO / "tests" / "data" / "minipack"
STATEMENTS, SMOKE_STATEMENTS = 100_000, 1_000
SMOKE = {"statements": SMOKE_STATEMENTS}  # the tiny size `make bench-smoke` (CI) runs
CHUNK = 1_000


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run(statements: int = STATEMENTS) -> dict:
    clock = FixedClock(datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        site = make_site(root / "site")
        server = servers.XapiStatements.start(root / "lrs")
        try:
            ws = Workspace(Paths.resolve(root / "manager", env={}), clock=clock, policy=site.policy(server.url))
            ws.import_pack(PACK)
            ws.profiles.add_learner("Bench Learner", "dock-hand")
            evidence(ws, "Bench Learner")
            rows = ws.db.execute("SELECT kind, learner_id, payload, created_at FROM events WHERE kind IN "
                                 "('lesson.read', 'review', 'demonstration')").fetchall()
            config = ws.lrs.config()
            samples: list[tuple[str, int, float]] = []
            step = max(1, statements // 10)
            t0 = time.perf_counter()
            for start in range(0, statements, CHUNK):
                events = [{"id": str(uuid.uuid4()), "kind": rows[i % len(rows)][0], "learner_id": rows[i % len(rows)][1],
                           "payload": json.loads(rows[i % len(rows)][2]), "created_at": rows[i % len(rows)][3]}
                          for i in range(start, min(statements, start + CHUNK))]
                with ws.db.atomic():
                    outbox.queue_events(ws.db, events, config, now=ws._now(), version="bench")
                if (start + CHUNK) % step < CHUNK:
                    samples.append(("queue", start + len(events), rss_mb()))
            queue_s = time.perf_counter() - t0
            ws.db.execute("DELETE FROM lrs_outbox WHERE event_id IN (SELECT id FROM events)")  # only the N copies
            queued = outbox.status(ws.db)["counts"]["queued"]

            marks: list[tuple[int, float]] = []

            def progress(report) -> None:
                if report.sent % step < config.batch_size:
                    samples.append(("send", report.sent, rss_mb()))
                    marks.append((report.sent, time.perf_counter()))

            rss_before_send = rss_mb()
            t1, cpu1 = time.perf_counter(), time.process_time()
            marks.append((0, t1))
            report = Sender(ws.db, replace(config, read_timeout=300), now=ws._now, progress=progress).send()
            send_s, send_cpu = time.perf_counter() - t1, time.process_time() - cpu1
            ws.close()
        finally:
            server.stop()
    sends = [s for s in samples if s[0] == "send"]
    return {"statements": statements, "queued": queued, "queue_seconds": queue_s,
            "queue_per_second": statements / queue_s, "sent": report.sent, "refused": report.refused,
            "remaining": report.remaining, "send_seconds": send_s, "send_per_second": report.sent / send_s,
            "end_to_end_per_second": report.sent / (queue_s + send_s),
            "sender_cpu_seconds": send_cpu, "sender_cpu_per_second": report.sent / send_cpu,
            "first_tenth_per_second": (marks[1][0] - marks[0][0]) / (marks[1][1] - marks[0][1]) if len(marks) > 2 else None,
            "last_tenth_per_second": (marks[-1][0] - marks[-2][0]) / (marks[-1][1] - marks[-2][1]) if len(marks) > 2
            else None,
            "rss_before_send_mb": rss_before_send, "rss_first_send_sample_mb": sends[0][2] if sends else None,
            "rss_last_send_sample_mb": sends[-1][2] if sends else None,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "samples": samples}


def report(r: dict) -> list[tuple[str, str, str, str]]:
    return [
        (f"{r['statements']:,} statements queued (built, validated, stored)", f"{r['queue_seconds']:.1f} s", "",
         f"{r['queue_per_second']:.0f}/s"),
        ("delivered to xapi-statements (batches of 50)", f"{r['send_seconds']:.1f} s", "",
         f"{r['send_per_second']:.0f}/s; {r['sent']:,} sent, {r['refused']} refused, {r['remaining']} left"),
        ("end to end", f"{r['end_to_end_per_second']:.0f} statements/s", "≥ 500", ""),
        ("delivery rate, first → last 10 % (the LRS's store grows)",
         f"{r['first_tenth_per_second']:.0f} → {r['last_tenth_per_second']:.0f}/s", "", "the LRS is the limit"),
        ("sender's own CPU for delivery", f"{r['sender_cpu_seconds']:.1f} s",
         "", f"{r['sender_cpu_per_second']:.0f} statements per CPU-second"),
        ("sender's memory (RSS) first → last 10 % of delivery",
         f"{r['rss_first_send_sample_mb']:.0f} → {r['rss_last_send_sample_mb']:.0f} MB", "flat",
         f"peak {r['peak_rss_mb']:.0f} MB (whole process)"),
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help=f"{SMOKE_STATEMENTS:,} statements: quick, for CI")
    ap.add_argument("--statements", type=int, default=STATEMENTS)
    args = ap.parse_args(argv)
    result = run(SMOKE_STATEMENTS if args.smoke else args.statements)
    for row in report(result):
        print("  ".join(row))
    return 0 if result["sent"] == result["statements"] and result["remaining"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
