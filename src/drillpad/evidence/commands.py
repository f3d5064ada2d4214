"""The ``drillpad evidence`` and ``drillpad inbox`` commands (their arguments are in evidence/cli.py)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from drillpad.evidence import authority
from drillpad.evidence import bundle as bundle_mod
from drillpad.evidence import has_manager_keys, read_capped
from drillpad.evidence import keys as keys_mod
from drillpad.evidence.bundle import BundleRefused
from drillpad.evidence.sync import SIG, SUFFIX, SyncError

PASSPHRASE_ENV = "DRILLPAD_PASSPHRASE"


def passphrase(confirm: bool = False) -> str:
    """The manager's passphrase: DRILLPAD_PASSPHRASE (scripts) or asked without echo."""
    if os.environ.get(PASSPHRASE_ENV):
        return os.environ[PASSPHRASE_ENV]
    if not sys.stdin.isatty():
        raise SyncError(f"the manager passphrase is needed: run in a terminal or set {PASSPHRASE_ENV}")
    first = getpass.getpass("Manager passphrase: ")
    if confirm and getpass.getpass("Again, to confirm: ") != first:
        raise SyncError("the two passphrases differ; nothing was created")
    return first


def run(ws, args: argparse.Namespace) -> int:
    try:
        return _run(ws, args)
    except (SyncError, keys_mod.KeyError_) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _manager_keys(ws):
    return keys_mod.unlock_manager_keys(ws.paths.data_dir, passphrase())


def _run(ws, args: argparse.Namespace) -> int:
    ev = ws.evidence
    cmd = args.evidence_command if args.command == "evidence" else "serve"
    if cmd == "manager-init":
        team = ev.manager_init(args.team, passphrase(confirm=True))
        print(f"Team {team['name']!r} ({team['id']}) created. Manager key fingerprint: "
              f"{keys_mod.fingerprint(team['manager_public_key'])}\nNext: drillpad evidence team export team.json "
              "--folder SHARED_FOLDER (or --url http://THIS-PC:8765), and give the file to IT.")
    elif cmd == "team" and args.team_command == "export":
        path = ev.export_team_file(args.file, folder=args.folder, url=args.url)
        print(f"Wrote {path}. Install it on each workstation (policy key team_file, or "
              "drillpad evidence team import FILE).")
    elif cmd == "team":
        team = ev.import_team_file(args.file)
        print(f"Enrolled in team {team['name']!r}. Manager key fingerprint "
              f"{keys_mod.fingerprint(team['manager_public_key'])} — check it with your manager.\n"
              f"This workstation's fingerprint: {keys_mod.device_key(ws.paths.data_dir).fingerprint}")
    elif cmd == "send":
        return _send(ws, args)
    elif cmd == "export":
        args.url = None
        return _send(ws, args)
    elif cmd == "import":
        manager = _manager_keys(ws)
        outcomes = ev.import_folder(args.folder, manager)
        for o in outcomes:
            print(f"{o.outcome:9} {o.file}: {o.reason}")
        published = ev.publish_decisions(args.folder, manager)
        counts = {k: sum(1 for o in outcomes if o.outcome == k)
                  for k in ("imported", "already", "pending", "held", "refused", "skipped")}
        print(f"{len(outcomes)} bundle(s): {counts['imported']} imported, {counts['already']} already had, "
              f"{counts['pending']} waiting for approval, {counts['held']} held, {counts['skipped']} skipped, "
              f"{counts['refused']} refused (see {ws.paths.data_dir / 'quarantine'}). "
              f"{published} decision(s) published for the workstations.")
        return 1 if counts["refused"] else 0
    elif cmd == "verify":
        return _verify(ws, args)
    elif cmd == "devices":
        devices = ev.devices()
        if not devices:
            print("No devices yet: they appear when their first bundle arrives.")
        for d in devices:
            print(f"{d['id']}  {d['name'][:24]:24}  {d['status']:8}  fingerprint {d['fingerprint']}  first seen {d['first_seen'][:10]}  "
                  f"bundles imported: {d['last_seq']}")
    elif cmd in ("approve", "revoke"):
        matches = [d for d in ev.devices() if d["id"].startswith(args.device)]
        if len(matches) != 1:
            raise SyncError(f"{args.device!r} matches {len(matches)} devices; give more of the id")
        device = matches[0]
        if cmd == "approve":
            ev.approve_device(device["id"])
            print(f"Approved {device['id']} (fingerprint {device['fingerprint']}). Import the folder again to take "
                  "its bundles.")
        else:
            ev.revoke_device(device["id"])
            print(f"Revoked {device['id']}: its bundles are refused from now on; what was imported stays.")
    elif cmd == "status":
        team = ev.team()
        if team is None:
            print("Not enrolled: import the manager's team file (drillpad evidence team import FILE).")
            return 0
        s = ev.status()
        print(f"Team {team['name']!r} ({team['id']}) as {team['role']}; manager key "
              f"{keys_mod.fingerprint(team['manager_public_key'])}")
        print(f"Outbox: {s['pending']} new record(s), {s['unacked_bundles']} bundle(s) not yet acknowledged; "
              f"last acknowledged {s['last_sync'] or 'never'}")
        for r in ws.db.execute("SELECT at, outcome, file, reason FROM bundle_log ORDER BY id DESC LIMIT 10"):
            print(f"  {r[0][:16]}  {r[1]:8} {r[2]}: {r[3]}")
    elif cmd == "serve":
        return _serve(ws, args)
    return 0


def _send(ws, args: argparse.Namespace) -> int:
    ev = ws.evidence
    team = ev.team()
    if team is None:
        raise SyncError("this workstation is not enrolled: import the manager's team file first "
                        "(drillpad evidence team import FILE)")
    policy = ws.policy.policy
    if args.folder is not None:
        target = ("folder", str(args.folder))
    elif args.url:
        target = ("url", args.url)
    else:
        target = ev.target(policy.sync_folder, policy.sync_url)
    if target is None:
        raise SyncError("no sync target: pass --folder or --url, or ask IT to set sync_folder / sync_url")
    result, where = ev.sync(target), target[1]
    print(f"Sent {result['sent']} bundle(s) to {where}; {result['acknowledged']} acknowledged by the manager; "
          f"{result.get('decisions', 0)} new decision(s) from the manager.")
    for problem in ev.problems:
        print(f"warning: {problem}", file=sys.stderr)
    return 0


def _verify(ws, args: argparse.Namespace) -> int:
    path: Path = args.file
    sig = path.with_name(path.name[: -len(SUFFIX)] + SIG) if path.name.endswith(SUFFIX) else Path(str(path) + ".minisig")
    try:
        cipher = read_capped(path, bundle_mod.MAX_BUNDLE_BYTES)
        signature = read_capped(sig, bundle_mod.MAX_SIGNATURE_BYTES)
        claimed = bundle_mod.peek(signature)
        key = args.key
        row = ws.db.execute("SELECT public_key, status FROM peer_devices WHERE id = ?", [claimed.device]).fetchone()
        if row is not None and row[1] == "revoked":
            raise BundleRefused(f"device {claimed.device} is revoked: its bundles are refused", "revoked")
        if key is None:
            if row is None:
                raise BundleRefused(f"device {claimed.device} is not known here: pass its key with --key", "unknown-device")
            key = row[0]
        header = bundle_mod.verify(cipher, signature, key)
        print(f"{path.name}: signature OK — team {header.team}, device {header.device}, bundle {header.seq}, "
              f"{header.events} event(s)")
        if has_manager_keys(ws.paths.data_dir) and (os.environ.get(PASSPHRASE_ENV) or sys.stdin.isatty()):
            manifest, events = bundle_mod.open_bundle(cipher, _manager_keys(ws).identity, header)
            # who may say what: the import's own rules (read-only), so OK means the import would take it
            unknown = authority.check_device_events(ws.db, header.device, events, park=True)
            if unknown:
                aside = sum(e["learner_id"] in unknown for e in events)
                print(f"{path.name}: contents valid — {len(events)} event(s); the import would set {aside} aside, "
                      f"about {len(unknown)} learner(s) not introduced here yet, until the bundle of the workstation "
                      "that enrolled them arrives")
                return 0
            print(f"{path.name}: contents OK — {len(events)} event(s), created {manifest.created_at}")
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except BundleRefused as exc:
        print(f"REFUSED: {path.name}: {exc.reason}", file=sys.stderr)
        return 1
    return 0


def _serve(ws, args: argparse.Namespace) -> int:
    from drillpad.evidence.inbox import serve
    from drillpad.workspace import Workspace

    team = ws.evidence.team()
    if team is None or team["role"] != "manager":
        raise SyncError("only a manager's DrillPad runs the inbox (drillpad evidence manager-init)")
    manager = _manager_keys(ws)
    data_dir, policy = ws.paths.data_dir, ws.policy
    server = serve(lambda: Workspace.open(data_dir, policy=policy), manager, data_dir / "inbox", args.host, args.port)
    print(f"DrillPad inbox for team {team['name']!r} listening on {server.url} (Ctrl+C to stop). Each bundle is "
          "verified and imported as it arrives, or refused with the reason; new devices wait for approval "
          "(drillpad evidence devices).", flush=True)
    try:
        server.serve_forever()  # Ctrl+C ends it normally (waitress handles the interrupt)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    print("Inbox stopped.", flush=True)
    return 0
