"""Logs that rotate, and crash reports a user can hand to IT.

Logs go to the log dir (policy ``log_dir``, else the platform's), never the install folder:
``drillpad.log``, rotated at 1 MB, five kept. An unexpected error writes
``crash-YYYYmmdd-HHMMSS.txt`` (version, platform, traceback; no answers or names) there and
tells the user where it is — in the window when there is one, on stderr otherwise.
"""

from __future__ import annotations

import logging
import platform
import sys
import traceback
from collections.abc import Callable
from datetime import datetime, timezone
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType

from drillpad import __version__

LOG_FILE = "drillpad.log"
MAX_BYTES = 1_000_000
BACKUPS = 5


def setup_logging(log_dir: Path) -> Path:
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / LOG_FILE
    root = logging.getLogger("drillpad")
    if not any(isinstance(h, RotatingFileHandler) and Path(h.baseFilename) == path for h in root.handlers):
        handler = RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
        root.setLevel(logging.INFO)
    return path


def write_crash_report(log_dir: Path, exc_type: type[BaseException], exc: BaseException,
                       tb: TracebackType | None) -> Path:
    log_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    path = log_dir / f"crash-{stamp}.txt"
    path.write_text(
        f"DrillPad {__version__} crash report ({stamp} UTC)\n"
        f"python {platform.python_version()} on {platform.platform()}\n\n"
        + "".join(traceback.format_exception(exc_type, exc, tb)), encoding="utf-8")
    logging.getLogger("drillpad").error("crash: %s (report %s)", exc, path)
    return path


def install_crash_handler(log_dir: Path, tell: Callable[[str], object] | None = None) -> None:
    """Replace sys.excepthook: write the report, then tell the user where it is."""

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        try:
            path = write_crash_report(log_dir, exc_type, exc, tb)
            message = (f"DrillPad hit an unexpected problem and wrote a report to {path}. "
                       "Your answers so far are saved. Please give this file to IT.")
        except OSError as write_error:
            message = f"DrillPad hit an unexpected problem ({exc}); the report could not be written: {write_error}"
        print(message, file=sys.stderr)
        if tell is not None:
            tell(message)

    sys.excepthook = hook
