"""The window's process does not keep the source of every module it imports (PySide6's
``__feature__`` scan read it all into ``linecache``: ~13 MB of the 350 MB budget)."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

PROBE = """
import linecache, sys
import drillpad.ui  # noqa: F401
import PySide6.QtWidgets  # noqa: F401
linecache.clearcache()
import xml.dom.minidom, email.mime.text, http.cookiejar  # modules nothing imported before
print(len(linecache.cache))
"""


def _cached_files(code: str) -> int:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={"PYTHONPATH": str(REPO / "src"), "QT_QPA_PLATFORM": "offscreen",
                              "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    return int(out.stdout.strip().splitlines()[-1])


def test_modules_imported_after_the_window_are_not_read_into_linecache():
    assert _cached_files(PROBE) == 0


def test_without_drillpad_ui_pyside_would_read_them():
    """The probe can fail: plain PySide6 does read them (if a PySide6 stops doing so, this test
    says the patch in drillpad/ui/__init__.py can go)."""
    assert _cached_files(PROBE.replace("import drillpad.ui  # noqa: F401\n", "")) > 0
