"""``drillpad lrs test | send | status | retry | queue-all``: the organisation's LRS from the terminal."""

from __future__ import annotations

import argparse
import json


def add_parsers(sub: argparse._SubParsersAction) -> None:
    lrs = sub.add_parser("lrs", help="(manager) verified evidence to the organisation's LRS as xAPI")
    act = lrs.add_subparsers(dest="lrs_command", metavar="ACTION", required=True)
    act.add_parser("test", help="check the LRS answers xAPI and lets this site's credentials write statements "
                   "(stores nothing)")
    send = act.add_parser("send", help="send the queued statements (batches of 50; waits and retries while the "
                          "LRS is unreachable)")
    send.add_argument("--max-failures", type=int, default=8,
                      help="give up after this many failures in a row (default 8; statements stay queued)")
    send.add_argument("--batch-size", type=int, default=50, help="statements per request (1-50)")
    st = act.add_parser("status", help="queued / sent / refused, with the LRS's reasons and the last success")
    st.add_argument("--json", action="store_true")
    act.add_parser("retry", help="queue refused and conflicting statements again (after the cause was fixed)")
    act.add_parser("queue-all", help="queue statements for every verified event already here (first set-up)")


def run(ws, args: argparse.Namespace) -> int:
    from dataclasses import replace

    from drillpad import __version__
    from drillpad.lrs import outbox

    if args.lrs_command == "status":
        s = outbox.status(ws.db)
        if args.json:
            print(json.dumps(s, indent=2))
            return 0
        c = s["counts"]
        print(f"queued {c['queued']}, sent {c['sent']}, refused {c['refused']}, conflicts {c['conflict']}, "
              f"invalid {c['invalid']}")
        print(f"last success: {s['last_success'] or 'never'}")
        if s["stopped"]:
            print(f"stopped: {s['stopped']}")
        elif s["unreachable"]:
            print(f"LRS unreachable since the last try ({s['last_problem_at']}): {s['last_problem']}")
        for p in s["problems"]:
            print(f"  {p['status']:8} {p['kind']:13} {p['id']}  {p['reason']}")
        return 0
    if args.lrs_command == "retry":
        print(f"{outbox.retry(ws.db)} statement(s) queued again")
        return 0
    config = ws.lrs.config()
    if config is None:
        problems = [p for p in ws.startup_problems if p.startswith("LRS")]
        print(problems[-1] if problems else "No LRS is configured: IT sets lrs_url, lrs_credentials_file, "
              "lrs_org_iri and lrs_site_id in the policy (docs/lrs.md).")
        return 2
    if args.lrs_command == "queue-all":
        print(f"{outbox.queue_all(ws.db, config, now=ws._now(), version=__version__)} statement(s) queued")
        return 0

    from drillpad.lrs.sender import LrsStopped, Sender, Transient

    if args.lrs_command == "test":
        try:
            print(Sender(ws.db, config, now=ws._now).test())
        except (LrsStopped, Transient) as exc:
            print(f"NOT OK: {exc}")
            return 1
        return 0
    config = replace(config, batch_size=max(1, min(50, args.batch_size)))

    def progress(report) -> None:
        if report.batches % 10 == 1:
            print(f"  {report.sent} sent so far", flush=True)

    report = Sender(ws.db, config, now=ws._now, progress=progress).send(max_failures=args.max_failures)
    print(report.summary())
    for m in report.messages:
        print(f"  refused {m}")
    return 1 if report.stopped or report.remaining else 0
