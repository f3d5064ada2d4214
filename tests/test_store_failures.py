"""Failures a user can fix get their own message and what to do — never a traceback or "is damaged"."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from drillpad.cli import main
from drillpad.store.db import NewerSchemaError, close_database, open_database
from drillpad.workspace import Workspace

SRC = Path(__file__).resolve().parents[1] / "src"
ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def _cli(*argv: str, data: Path, stdout=subprocess.PIPE) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(SRC), "HOME": str(data.parent)}
    env.pop("DRILLPAD_DATA_DIR", None)
    return subprocess.run([sys.executable, "-m", "drillpad", "--data-dir", str(data), *argv], env=env,
                          stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=120,
                          cwd=data.parent)


def test_user_version_from_a_newer_drillpad_is_refused_untouched(tmp_path):
    path = tmp_path / "d.db"
    close_database(open_database(path))
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] >= 5  # this DrillPad records its schema there
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(NewerSchemaError, match="newer DrillPad .*user_version 999"):
        open_database(path)
    assert path.read_bytes() == before


def test_data_dir_and_every_file_are_private(tmp_path, capsys, minipack):
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    (data / "drillpad.db").touch(mode=0o644)  # made by an older DrillPad
    os.chmod(data / "drillpad.db", 0o644)
    old_umask = os.umask(0o022)
    try:
        assert main(["--data-dir", str(data), "pack", "import", str(minipack)]) == 0
        assert main(["--data-dir", str(data), "backup"]) == 0
        capsys.readouterr()
        with Workspace.open(data) as ws:
            ws.profiles.add_learner("Alex", "dock-hand")  # the WAL and shared-memory files exist while it is open
            files = [p for p in data.rglob("*") if p.is_file()]
            assert {p.name for p in files} >= {"drillpad.db", "drillpad.db-wal", "drillpad.db-shm", "drillpad.log"}
            for p in files:
                assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
        for d in [data, *[p for p in data.rglob("*") if p.is_dir()]]:
            assert stat.S_IMODE(d.stat().st_mode) == 0o700, d
    finally:
        os.umask(old_umask)


def test_stats_json_into_a_closed_pipe_is_quiet(tmp_path, minipack):
    data = tmp_path / "data"
    assert _cli("pack", "import", str(minipack), data=data).returncode == 0
    read_end, write_end = os.pipe()
    os.close(read_end)  # `| head -1` that has already gone
    try:
        r = _cli("stats", "--json", data=data, stdout=write_end)
    finally:
        os.close(write_end)
    assert "Traceback" not in r.stderr and "BrokenPipe" not in r.stderr, r.stderr
    assert r.returncode == 141
    assert not list((data / "logs").glob("crash-*.txt"))


SETPRIV = shutil.which("setpriv")


@pytest.mark.skipif(ROOT and not SETPRIV, reason="root reads everything; needs setpriv to drop that")
def test_no_permission_on_the_database_says_so(tmp_path, minipack):
    data = tmp_path / "data"
    assert _cli("pack", "import", str(minipack), data=data).returncode == 0
    (data / "drillpad.db").chmod(0o400)  # e.g. restored by IT from a copy with the wrong mode
    drop = [SETPRIV, "--inh-caps=-dac_override,-dac_read_search",
            "--bounding-set=-dac_override,-dac_read_search"] if ROOT else []
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    r = subprocess.run([*drop, sys.executable, "-m", "drillpad", "--data-dir", str(data), "learner", "add", "Bo",
                        "--role", "dock-hand"], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 1, r.stderr
    assert "lacks permission" in r.stderr and "drillpad.db" in r.stderr and "Ask IT" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and "not a DrillPad database" not in r.stderr


def _mount_tmpfs(where: Path, size: str) -> bool:
    where.mkdir()
    return ROOT and subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(where)],
                                   capture_output=True).returncode == 0


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "disk"
    if not _mount_tmpfs(mount, "3m"):
        pytest.skip("needs root and permission to mount a small tmpfs")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


def test_disk_full_says_so_and_what_to_do(small_disk, minipack):
    data = small_disk / "data"
    assert _cli("pack", "import", str(minipack), data=data).returncode == 0
    with (small_disk / "filler").open("wb", buffering=0) as f:  # unbuffered: closing has nothing left to write
        try:
            while True:
                f.write(b"\0" * 65536)
        except OSError:
            pass
    r = _cli("learner", "add", "Bo Lind", "--role", "dock-hand", data=data)
    assert r.returncode == 1, r.stderr
    assert "is full" in r.stderr and "Free some space" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and "not a DrillPad database" not in r.stderr
    (small_disk / "filler").unlink()
    assert _cli("learner", "add", "Bo Lind", "--role", "dock-hand", data=data).returncode == 0


def test_read_only_filesystem_with_a_leftover_wal_says_so(small_disk, minipack):
    data = small_disk / "data"
    assert _cli("pack", "import", str(minipack), data=data).returncode == 0
    code = ("import os, sys; from drillpad.workspace import Workspace; ws = Workspace.open(sys.argv[1]); "
            "ws.profiles.add_learner('Alex', 'dock-hand'); os._exit(0)")  # ends without closing: the WAL stays
    subprocess.run([sys.executable, "-c", code, str(data)], env={**os.environ, "PYTHONPATH": str(SRC)}, check=True)
    assert (data / "drillpad.db-wal").exists()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    r = _cli("learner", "list", data=data)
    assert r.returncode in (1, 2), r.stderr
    assert "read-only" in r.stderr and "drillpad.db-wal" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and "not a DrillPad database" not in r.stderr


def test_once_it_fixes_the_databases_mode_its_journal_files_follow(tmp_path, minipack):
    """A database IT restored as 0400 is read (a list works), and SQLite makes its WAL and shared-memory files with
    the same 0400; once IT gives the database back its 0600, those leftovers must not keep DrillPad from writing."""
    if not ROOT:
        pytest.skip("needs root to drop the capability that ignores file modes")
    data = tmp_path / "data"
    assert _cli("pack", "import", str(minipack), data=data).returncode == 0
    (data / "drillpad.db").chmod(0o400)
    drop = [SETPRIV, "--inh-caps=-dac_override,-dac_read_search", "--bounding-set=-dac_override,-dac_read_search"]
    env = {**os.environ, "PYTHONPATH": str(SRC)}

    def run(*argv):
        return subprocess.run([*drop, sys.executable, "-m", "drillpad", "--data-dir", str(data), *argv], env=env,
                              capture_output=True, text=True, timeout=120)

    assert run("learner", "list").returncode == 0
    (data / "drillpad.db").chmod(0o600)  # IT fixes the database's mode
    r = run("learner", "add", "Bo Lind", "--role", "dock-hand")
    assert r.returncode == 0, r.stderr
    for suffix in ("-wal", "-shm"):
        if (side := data / f"drillpad.db{suffix}").exists():
            assert stat.S_IMODE(side.stat().st_mode) == 0o600, suffix
