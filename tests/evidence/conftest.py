from __future__ import annotations

import shutil
from datetime import datetime, timezone

import pytest

from drillpad.clock import FixedClock
from drillpad.evidence import keys as keys_mod
from drillpad.paths import Paths
from drillpad.workspace import Workspace
from tests.conftest import DATA

PASS = "correct horse battery"
_unlocked: dict[str, keys_mod.ManagerKeys] = {}


def unlock(manager: Workspace) -> keys_mod.ManagerKeys:
    """The manager's keys, unlocked once per key: age's scrypt takes ~2 s by design, every time."""
    public = keys_mod.manager_public(manager.paths.data_dir)[0]
    if public not in _unlocked:
        _unlocked[public] = keys_mod.unlock_manager_keys(manager.paths.data_dir, PASS)
    return _unlocked[public]


@pytest.fixture(scope="session")
def manager_template(tmp_path_factory):
    """A manager's data dir with the test pack and keys, made once; each test gets a copy."""
    folder = tmp_path_factory.mktemp("manager-template") / "data"
    ws = Workspace(Paths.resolve(folder, env={}), clock=FixedClock(datetime(2026, 3, 1, tzinfo=timezone.utc)))
    ws.import_pack(DATA / "minipack")
    ws.evidence.manager_init("North DC", PASS)
    ws.close()
    return folder


@pytest.fixture
def pair(tmp_path, clock, minipack, manager_template):
    """A workstation enrolled in a manager's team (shared folder ``share``), with one learner."""
    shutil.copytree(manager_template, tmp_path / "manager")
    device = Workspace(Paths.resolve(tmp_path / "device", env={}), clock=clock)
    manager = Workspace(Paths.resolve(tmp_path / "manager", env={}), clock=clock)
    device.import_pack(minipack)
    team_file = manager.evidence.export_team_file(tmp_path / "team.json", folder=str(tmp_path / "share"))
    device.evidence.import_team_file(team_file)
    ana = device.add_learner("Ana Lima", "dock-hand")
    device.reflect(ana.id, "Locking out felt slow but right.")
    yield device, manager, tmp_path / "share"
    device.close()
    manager.close()


@pytest.fixture
def manager_keys():
    return unlock
