"""DrillPad: offline-first training for frontline staff."""

__version__ = "0.1.0"
