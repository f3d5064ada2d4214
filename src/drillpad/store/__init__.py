"""The SQLite store: one file per data dir, schema by migrations, one module per table group.

sqlite-utils is imported here, before any store module, *without numpy*: sqlite-utils imports
numpy when it is installed only to map numpy scalar types to column types, and DrillPad never
stores numpy values. numpy is installed (llama-cpp-python needs it), and importing it would add
~0.2 s — a fifth of the start-up budget — before the first screen. numpy stays importable
afterwards for the code that needs it (the model runtime, calibration statistics).
"""

from __future__ import annotations

import sys


def _import_sqlite_utils_without_numpy() -> None:
    if "sqlite_utils" in sys.modules or "numpy" in sys.modules:
        return  # already imported (or numpy already paid for): nothing to save
    sys.modules["numpy"] = None  # type: ignore[assignment] - `import numpy` now raises ImportError
    try:
        import sqlite_utils  # noqa: F401
    finally:
        del sys.modules["numpy"]


_import_sqlite_utils_without_numpy()
