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


@pytest.fixture
def fake_gguf():
    """Write a small fake GGUF file (and, unless manifest=False, its manifest) into a folder."""
    import hashlib
    import json

    def make(folder: Path, name: str = "tiny", *, data: bytes | None = None, manifest: bool = True,
             **overrides) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        data = b"GGUF" + name.encode() * 64 if data is None else data
        path = folder / f"{name}.gguf"
        path.write_bytes(data)
        if manifest:
            fields = {"name": name, "file": path.name, "size": len(data),
                      "sha256": "sha256:" + hashlib.sha256(data).hexdigest(), "license": "Apache-2.0",
                      "intended_use": ["generator"], "context_length": 2048, "chat_template": "chatml",
                      **overrides}
            (folder / f"{name}.manifest.json").write_text(json.dumps(fields))
        return path

    return make
