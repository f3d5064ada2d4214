"""Can Qt open a window here? Checked before Qt starts, because Qt aborts the process
(no Python exception) when its X11 platform plugin cannot load its system libraries."""

from __future__ import annotations

import ctypes
import importlib.util
import os
import re
import sys
from pathlib import Path

# Debian/Ubuntu packages Qt 6's xcb plugin needs beyond a basic desktop.
XCB_PACKAGES = ("libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1", "libxcb-image0",
                "libxcb-render-util0", "libxcb-xkb1", "libxkbcommon-x11-0", "libegl1", "libfontconfig1")


def missing_x11_library(env: dict[str, str] | None = None, *, even_without_display: bool = False) -> str | None:
    """The first system library Qt's xcb plugin cannot load, or None if it loads (or is not used).
    *even_without_display*: check for a window opened later (under Xvfb, say), not only this one."""
    env = os.environ if env is None else env
    if sys.platform != "linux" or env.get("QT_QPA_PLATFORM", "xcb") != "xcb":
        return None
    if not env.get("DISPLAY") and not even_without_display:
        return None
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    qt = Path(next(iter(spec.submodule_search_locations))) / "Qt"
    for lib in (qt / "lib" / "libQt6XcbQpa.so.6", qt / "plugins" / "platforms" / "libqxcb.so"):
        if not lib.exists():
            continue
        try:
            ctypes.CDLL(str(lib))
        except OSError as exc:
            found = re.search(r"(lib[\w.+-]+\.so[\w.]*)", str(exc).replace(str(lib), ""))
            return found.group(1) if found else str(exc)
    if importlib.util.find_spec("ctypes.util") and not _has("xcb-cursor"):
        return "libxcb-cursor.so.0"
    return None


def _has(name: str) -> bool:
    import ctypes.util

    return ctypes.util.find_library(name) is not None
