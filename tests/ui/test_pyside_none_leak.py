"""The suite stays clear of PySide6 6.12.0's lost reference to None in ``processEvents()`` (see tests/conftest.py)."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication


def test_ten_thousand_process_events_calls_do_not_use_up_none(qapp):
    before = sys.getrefcount(None)
    for _ in range(10_000):
        QApplication.processEvents()
    assert sys.getrefcount(None) > 100_000, (before, sys.getrefcount(None))
