"""One importer at a time: two imports started together on one data dir (real processes: the CLI and the
inbox, say), each with a different bundle #6 from the same device, never both apply — 20 trials, 0 forks,
no "database is locked"."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sqlite3
import textwrap

from drillpad.paths import DB_FILENAME

from tests.evidence.conftest import enrol, event, forge

IMPORTER = textwrap.dedent("""
    import json, os, sys
    from pathlib import Path
    import minisign, pyrage
    from drillpad.evidence.keys import ManagerKeys
    from drillpad.workspace import Workspace

    data, share = Path(sys.argv[1]), Path(sys.argv[2])
    keys = ManagerKeys(minisign.KeyPair.generate().secret_key, pyrage.x25519.Identity.from_str(os.environ["ID"]),
                       "", "")
    ws = Workspace.open(data)
    print("ready", flush=True)
    sys.stdin.readline()  # both start at once
    out = ws.evidence.import_folder(share, keys)
    print(json.dumps([[o.file, o.outcome, o.reason] for o in out]), flush=True)
    ws.close()
""")
TRIALS = 20


def test_two_concurrent_imports_of_two_different_bundle_6_never_fork_the_device(pair, manager_keys, tmp_path):
    device, manager, share = pair
    keys = enrol(device, manager, share)
    for n in range(4):
        device.reflect("Ana Lima", f"note {n}")
        device.evidence.send_folder(share)
    manager.evidence.import_folder(share, keys)
    assert manager.db.execute("SELECT last_seq FROM peer_devices").fetchone()[0] == 5
    six = [forge(device, tmp_path / f"six-{x}", events=[event(device)], name=f"six-{x}") for x in "ab"]
    seq6 = device.db.execute("SELECT max(seq) FROM events WHERE device_id = ?", [device.device_id]).fetchone()[0] + 1
    template = tmp_path / "manager-at-5"
    manager.close()
    shutil.copytree(manager.paths.data_dir, template)
    env = {**os.environ, "ID": str(keys.identity)}
    forks = crashes = locked = 0
    for trial in range(TRIALS):
        data = tmp_path / f"trial-{trial}"
        shutil.copytree(template, data)
        shares = []
        for x, name in zip("ab", six):
            folder = data.parent / f"trial-{trial}-{x}"
            shutil.copytree(tmp_path / f"six-{x}", folder)
            shares.append(folder)
        procs = [subprocess.Popen([sys.executable, "-c", IMPORTER, str(data), str(s)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for s in shares]
        for p in procs:
            assert p.stdout.readline().strip() == "ready"
        for p in procs:
            p.stdin.write("go\n")
            p.stdin.flush()
        results = []
        for p in procs:
            out, err = p.communicate(timeout=120)
            crashes += p.returncode != 0
            locked += "database is locked" in err + out
            results.append(json.loads(out.strip().splitlines()[-1]) if p.returncode == 0 else [])
        db = sqlite3.connect(data / DB_FILENAME)
        n6 = db.execute("SELECT count(*) FROM events WHERE device_id = ? AND seq = ?", [device.device_id, seq6]
                        ).fetchone()[0]
        imported6 = db.execute("SELECT count(*) FROM bundle_log WHERE outcome = 'imported' AND seq = 6").fetchone()[0]
        db.close()
        forks += n6 != 1 or imported6 != 1
        outcomes = sorted(o[1] for r in results for o in r)
        assert outcomes == ["imported", "refused"], (trial, results)
    assert (forks, crashes, locked) == (0, 0, 0)
