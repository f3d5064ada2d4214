"""``drillpad evidence …`` as a manager and IT would script it, and enrolment through the IT policy."""

from __future__ import annotations

import re

from drillpad.cli import main
from drillpad.paths import Paths
from drillpad.policy import load_policy
from drillpad.workspace import Workspace

PASS = "correct horse battery"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_enrol_send_approve_import_from_the_command_line(capsys, tmp_path, minipack, monkeypatch):
    monkeypatch.setenv("DRILLPAD_PASSPHRASE", PASS)
    mgr, dev, share = ["--data-dir", str(tmp_path / "m")], ["--data-dir", str(tmp_path / "d")], tmp_path / "share"
    for d in (mgr, dev):
        assert run(capsys, *d, "pack", "import", str(minipack))[0] == 0
    code, out, _ = run(capsys, *mgr, "evidence", "manager-init", "--team", "North DC")
    assert code == 0 and "Team 'North DC'" in out and "fingerprint" in out
    code, out, _ = run(capsys, *mgr, "evidence", "team", "export", str(tmp_path / "team.json"), "--folder", str(share))
    assert code == 0
    code, out, _ = run(capsys, *dev, "evidence", "team", "import", str(tmp_path / "team.json"))
    assert code == 0 and "Enrolled in team 'North DC'" in out
    device_fp = re.search(r"This workstation's fingerprint: (.+)", out).group(1)
    run(capsys, *dev, "learner", "add", "Ana Lima", "--role", "dock-hand")
    code, out, _ = run(capsys, *dev, "evidence", "send")  # the team file's folder
    assert code == 0 and f"Sent 1 bundle(s) to {share}" in out

    bundle = next(share.glob("*.bundle"))
    code, out, err = run(capsys, *mgr, "evidence", "verify", str(bundle))
    assert code == 1 and "is not known here" in err
    code, out, _ = run(capsys, *mgr, "evidence", "import", str(share))
    assert code == 0 and "1 waiting for approval" in out
    code, out, _ = run(capsys, *mgr, "evidence", "devices")
    assert "pending" in out and device_fp in out
    device_id = out.split()[0]
    code, out, _ = run(capsys, *mgr, "evidence", "approve", device_id[:8])
    assert code == 0 and "Approved" in out
    code, out, _ = run(capsys, *mgr, "evidence", "verify", str(bundle))
    assert code == 0 and "signature OK" in out and "contents OK" in out
    code, out, _ = run(capsys, *mgr, "evidence", "import", str(share))
    assert code == 0 and "1 imported" in out
    code, out, _ = run(capsys, *dev, "evidence", "export", str(tmp_path / "usb"))  # the USB stick way
    assert code == 0 and f"Sent 1 bundle(s) to {tmp_path / 'usb'}" in out  # not yet acknowledged: sent again
    code, out, _ = run(capsys, *dev, "evidence", "send")
    assert "1 acknowledged by the manager" in out
    code, out, _ = run(capsys, *dev, "evidence", "status")
    assert "0 bundle(s) not yet acknowledged" in out

    code, out, _ = run(capsys, *mgr, "evidence", "revoke", device_id[:8])  # the workstation was stolen
    assert code == 0 and "Revoked" in out
    bundle.write_bytes(bundle.read_bytes()[:-1] + b"\x00")
    code, _, err = run(capsys, *mgr, "evidence", "verify", str(bundle))
    assert code == 1 and "REFUSED" in err and "revoked" in err  # a revoked device's bundle is never "OK"


def test_a_wrong_passphrase_is_a_clear_error(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("DRILLPAD_PASSPHRASE", PASS)
    run(capsys, "--data-dir", str(tmp_path / "m"), "evidence", "manager-init", "--team", "T")
    monkeypatch.setenv("DRILLPAD_PASSPHRASE", "not the passphrase")
    code, _, err = run(capsys, "--data-dir", str(tmp_path / "m"), "evidence", "import", str(tmp_path))
    assert code == 1 and "wrong passphrase for the manager key" in err


def test_send_without_enrolment_says_what_to_do(capsys, tmp_path):
    code, _, err = run(capsys, "--data-dir", str(tmp_path / "d"), "evidence", "send", "--folder", str(tmp_path))
    assert code == 1 and "import the manager's team file first" in err


def test_the_policy_team_file_enrols_the_workstation_at_start(tmp_path, clock):
    manager = Workspace(Paths.resolve(tmp_path / "m", env={}), clock=clock)
    manager.evidence.manager_init("North DC", PASS)
    manager.evidence.export_team_file(tmp_path / "it" / "team.json", url="http://manager-pc:8765")
    manager.close()
    (tmp_path / "it" / "policy.toml").write_text('team_file = "team.json"\nsync_folder = "/mnt/share"\n')
    policy = load_policy(tmp_path / "it" / "policy.toml")
    ws = Workspace(Paths.resolve(tmp_path / "d", env={}), clock=clock, policy=policy)
    assert ws.evidence.team()["name"] == "North DC" and not ws.startup_problems
    assert ws.sync_target() == ("folder", "/mnt/share")  # the policy's folder; the team file only has a URL
    ws.close()


def test_a_bad_policy_team_file_is_reported_and_drillpad_still_starts(tmp_path, clock):
    (tmp_path / "policy.toml").write_text('team_file = "missing.json"\nidle_lock_minutes = 0\n')
    ws = Workspace(Paths.resolve(tmp_path / "d", env={}), clock=clock, policy=load_policy(tmp_path / "policy.toml"))
    problems = " | ".join(ws.startup_problems)
    assert "IT policy: idle_lock_minutes" in problems and "IT policy team_file" in problems
    assert "missing.json" in problems and ws.evidence.team() is None
    ws.close()
