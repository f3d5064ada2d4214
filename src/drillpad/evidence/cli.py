"""``drillpad evidence …`` and ``drillpad inbox serve``: enrolment, sending, verifying and importing
evidence bundles from the terminal (IT scripts, managers without a display)."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parsers(sub: argparse._SubParsersAction) -> None:
    ev = sub.add_parser("evidence", help="evidence bundles: enrol, send, verify, import, approve devices")
    act = ev.add_subparsers(dest="evidence_command", metavar="ACTION", required=True)
    mi = act.add_parser("manager-init", help="make this DrillPad a manager's: create the manager keys and the team")
    mi.add_argument("--team", required=True, help="the team's name, e.g. 'North DC picking'")
    team = act.add_parser("team", help="the team file that enrols workstations").add_subparsers(
        dest="team_command", metavar="ACTION", required=True)
    te = team.add_parser("export", help="(manager) write the team file to give to IT")
    te.add_argument("file", type=Path)
    te.add_argument("--folder", help="the shared folder workstations drop bundles into")
    te.add_argument("--url", help="the inbox address, e.g. http://manager-pc:8765")
    ti = team.add_parser("import", help="(workstation) pin the manager's key from a team file")
    ti.add_argument("file", type=Path)
    send = act.add_parser("send", help="(workstation) send new evidence: folder drop or the manager's inbox")
    where = send.add_mutually_exclusive_group()
    where.add_argument("--folder", type=Path, help="default: the team file's or the policy's folder")
    where.add_argument("--url", help="default: the team file's or the policy's inbox URL")
    exp = act.add_parser("export", help="(workstation) write new evidence bundles to a folder, e.g. a USB stick")
    exp.add_argument("folder", type=Path)
    imp = act.add_parser("import", help="(manager) import every bundle in a folder, then publish decisions to it")
    imp.add_argument("folder", type=Path)
    ver = act.add_parser("verify", help="check a bundle's signature (and, for the manager, its contents); "
                         "imports nothing")
    ver.add_argument("file", type=Path)
    ver.add_argument("--key", help="the device's public key (default: the approved device's key)")
    act.add_parser("devices", help="(manager) devices that sent bundles, with fingerprints and approval")
    ap = act.add_parser("approve", help="(manager) approve a device after comparing its fingerprint")
    ap.add_argument("device", help="device id (or its first 8 characters)")
    rv = act.add_parser("revoke", help="(manager) refuse a lost or retired device's bundles from now on")
    rv.add_argument("device", help="device id (or its first 8 characters)")
    act.add_parser("status", help="enrolment, outbox and the last bundles imported or refused")

    inbox = sub.add_parser("inbox", help="the manager's HTTP inbox for bundles").add_subparsers(
        dest="inbox_command", metavar="ACTION", required=True)
    srv = inbox.add_parser("serve", help="receive bundles over HTTP (refuses anything that fails verification)")
    srv.add_argument("--host", default="0.0.0.0")
    srv.add_argument("--port", type=int, default=8765)


def run(ws, args: argparse.Namespace) -> int:
    from drillpad.evidence.commands import run as run_commands  # imported on use: --help stays fast

    return run_commands(ws, args)
