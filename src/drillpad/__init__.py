"""DrillPad: offline-first training for frontline staff."""

import os

__version__ = "0.1.0"

# DrillPad uses no pydantic plugins; without this, importing pydantic scans every installed
# package's entry points (~40 ms of every start).
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
