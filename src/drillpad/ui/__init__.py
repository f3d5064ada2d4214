"""The Qt window (PySide6). Importing this package makes one change to PySide6's start-up.

PySide6 wraps ``import`` to find modules that opt in to its ``__feature__`` switches
(snake_case, true_property): for every module imported after PySide6 it reads the module's whole
source through ``inspect.getsource``, which keeps every line in ``linecache``. In the window's
process that is ~150,000 lines of the standard library, DrillPad and its libraries — ~13 MB that
is never given back, a twentieth of the 350 MB the window and the model process share. DrillPad
uses no ``__feature__`` switch, so the check answers "no" without reading anything. Should a
later PySide6 rename the hook, nothing changes but the memory.
"""

from __future__ import annotations


def _skip_pyside_feature_scan() -> None:
    import PySide6  # noqa: F401 - installs the import hook patched below

    try:
        from shibokensupport import feature
    except ImportError:  # pragma: no cover - a PySide6 without the hook
        return
    if hasattr(feature, "_mod_uses_pyside"):
        feature._mod_uses_pyside = lambda module: False


_skip_pyside_feature_scan()
