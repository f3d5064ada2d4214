from __future__ import annotations

import ctypes
import shutil
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from drillpad.clock import FixedClock
from drillpad.paths import Paths
from drillpad.workspace import Workspace

# PySide6 6.12.0's QCoreApplication.processEvents() drops one reference to None per call from Python (pytest-qt
# calls it after every test, some tests call it too). None is not immortal on Python 3.11, so after a few thousand
# calls the interpreter aborts with "Fatal Python error: none_dealloc" — measured: 1,000 calls took None's count
# from 5,233 to 4,233, and a full run died that way once. None is given a million references that are never
# given back (a list holding them would give them back at exit, and the abort would come then); the app itself
# never calls processEvents in its event loop. From Python 3.12 on None is immortal.
if sys.version_info < (3, 12):
    ctypes.c_ssize_t.from_address(id(None)).value += 1_000_000

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


@pytest.fixture(autouse=True)
def _automatic_collection_after_a_window():
    """A window turns automatic garbage collection off for as long as the application runs (drillpad.ui.collector);
    pytest-qt's application runs for the whole session, so each test gives it back when done."""
    yield
    if "drillpad.ui.collector" in sys.modules:
        from PySide6.QtCore import QCoreApplication

        if (app := QCoreApplication.instance()) is not None:
            sys.modules["drillpad.ui.collector"].uninstall(app)
