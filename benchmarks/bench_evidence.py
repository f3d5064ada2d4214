"""Evidence benchmark: verify and import 1,000 bundles (goal < 30 s on this machine).

Setup (not timed): 20 workstations enrolled in one team, each with a learner, each sending 50
bundles of 10 events into one shared folder — 1,000 bundles, 10,000 events. The manager's
devices are approved up front. Timed: ``import_folder`` on the whole folder (signature check,
sequence, chain, decryption, validation, one transaction per bundle, signed acknowledgement).

Baseline in the same run: the bare cost of the cryptography alone — minisign verify and age
decrypt of every bundle, nothing else — so the ratio shows what the checks and the database add.
"""

from __future__ import annotations

import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import minisign
import pyrage

from drillpad.clock import FixedClock
from drillpad.evidence import keys as keys_mod
from drillpad.paths import Paths
from drillpad.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
PACK = REPO / "tests" / "data" / "minipack"
PASS = "benchmark passphrase"
DEVICES, BUNDLES_EACH, EVENTS_EACH = 20, 50, 10
SMOKE = {"devices": 2, "bundles_each": 2, "events_each": 3}
"""The tiny size `make bench-smoke` runs (seconds, no thresholds): a broken benchmark fails CI."""


def run(devices: int = DEVICES, bundles_each: int = BUNDLES_EACH, events_each: int = EVENTS_EACH) -> dict:
    clock = FixedClock(datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        share = root / "share"
        manager = Workspace(Paths.resolve(root / "manager", env={}), clock=clock)
        manager.import_pack(PACK)
        manager.evidence.manager_init("Bench team", PASS)
        team_file = manager.evidence.export_team_file(root / "team.json", folder=str(share))
        keys = keys_mod.unlock_manager_keys(root / "manager", PASS)
        t = time.perf_counter()
        publics = {}
        for d in range(devices):
            ws = Workspace(Paths.resolve(root / f"device{d}", env={}), clock=clock)
            ws.import_pack(PACK)
            ws.evidence.import_team_file(team_file)
            lr = ws.profiles.add_learner(f"Learner {d}", "dock-hand")
            for b in range(bundles_each):
                for e in range(events_each - (1 if b == 0 else 0)):
                    ws.reflect(lr.id, f"bundle {b} note {e}")
                ws.evidence.build_bundle()
            ws.evidence.send_folder(share)
            publics[ws.device_id] = keys_mod.device_key(ws.paths.data_dir).public_b64
            ws.close()
        setup_seconds = time.perf_counter() - t
        manager.evidence.import_folder(share, keys)  # registers the devices as pending (not timed)
        for device_id in publics:
            manager.evidence.approve_device(device_id)
        bundles = sorted(share.glob("*.bundle"))

        t = time.perf_counter()
        for path in bundles:  # baseline: the cryptography alone
            sig = minisign.Signature.from_bytes(path.with_name(path.name + ".minisig").read_bytes())
            data = path.read_bytes()
            device = sig.trusted_comment.split("device=")[1].split()[0]
            minisign.PublicKey.from_base64(publics[device]).verify(data, sig)
            pyrage.decrypt(data, [keys.identity])
        crypto_seconds = time.perf_counter() - t

        t = time.perf_counter()
        outcomes = manager.evidence.import_folder(share, keys)
        import_seconds = time.perf_counter() - t
        imported = sum(1 for o in outcomes if o.outcome == "imported")
        events = manager.db.execute("SELECT count(*) FROM events WHERE kind = 'reflection'").fetchone()[0]
        manager.close()
    return {"bundles": len(bundles), "imported": imported, "events": events, "setup_seconds": round(setup_seconds, 1),
            "import_seconds": round(import_seconds, 2), "crypto_only_seconds": round(crypto_seconds, 2),
            "per_bundle_ms": round(1000 * import_seconds / max(len(bundles), 1), 2)}


def report(r: dict) -> list[tuple[str, str, str, str]]:
    return [
        (f"verify + import {r['bundles']} bundles ({r['events']} events)", f"{r['import_seconds']:.1f} s", "< 30 s",
         f"{r['import_seconds'] / max(r['crypto_only_seconds'], 1e-9):.1f}× crypto alone ({r['crypto_only_seconds']:.1f} s)"),
        ("per bundle", f"{r['per_bundle_ms']:.1f} ms", "", f"{r['imported']} imported"),
    ]


if __name__ == "__main__":
    import json

    result = run()
    print(json.dumps(result, indent=2))
    for row in report(result):
        print("  ".join(row))
