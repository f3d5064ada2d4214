"""The evidence part of ``drillpad --smoke``: enrol, export a signed bundle, verify it, import it."""

from __future__ import annotations

from pathlib import Path

from drillpad.evidence import bundle as bundle_mod
from drillpad.evidence import keys as keys_mod

PASSPHRASE = "smoke-test passphrase"


def check(ws, tmp: Path) -> str:
    """*ws* is the smoke test's workstation (demo content, one graded drill); a throwaway manager lives in *tmp*."""
    from drillpad.workspace import Workspace

    manager = Workspace.open(tmp / "manager")
    try:
        manager.install_demo()
        manager.evidence.manager_init("Smoke test", PASSPHRASE)
        team = manager.evidence.export_team_file(tmp / "team.json", folder=str(tmp / "share"))
        ws.evidence.import_team_file(team)
        path = ws.evidence.build_bundle()
        if path is None:
            raise AssertionError("no events to put in a bundle")
        signature = path.with_name(path.name + ".minisig").read_bytes()
        header = bundle_mod.verify(path.read_bytes(), signature, keys_mod.device_key(ws.paths.data_dir).public_b64)
        keys = keys_mod.unlock_manager_keys(tmp / "manager", PASSPHRASE)
        ws.evidence.send_folder(tmp / "share")
        manager.evidence.import_folder(tmp / "share", keys)
        manager.evidence.approve_device(ws.device_id)
        outcomes = manager.evidence.import_folder(tmp / "share", keys)
        # the first bundle, and any the workstation made since (its PIN events travel too): all imported
        if not outcomes or any(o.outcome != "imported" for o in outcomes):
            raise AssertionError(f"import: {[(o.outcome, o.reason) for o in outcomes]}")
        return (f"bundle {header.seq} with {header.events} event(s) signed by device {header.device[:8]}, "
                f"verified, decrypted and imported by a manager ({len(outcomes)} bundle(s): "
                + "; ".join(o.reason for o in outcomes) + ")")
    finally:
        manager.close()
