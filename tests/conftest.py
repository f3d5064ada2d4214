from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from drillpad.clock import FixedClock
from drillpad.paths import Paths
from drillpad.workspace import Workspace

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 3, 2, 8, 30, tzinfo=timezone.utc))


@pytest.fixture
def minipack(tmp_path: Path) -> Path:
    """A private copy of the small valid test pack, safe to break."""
    dest = tmp_path / "minipack"
    shutil.copytree(DATA / "minipack", dest)
    return dest


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def workspace(data_dir: Path, clock: FixedClock):
    ws = Workspace(Paths.resolve(data_dir, env={}), clock=clock)
    yield ws
    ws.close()
