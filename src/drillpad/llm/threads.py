"""How many threads the model gets, from the machine as it is rather than its core count alone.

On shared workstations other programs (WMS client, browser, antivirus) keep cores busy. llama.cpp
threads wait for each other at every step, so one thread descheduled by another program stalls
them all: on a 2-core PC with other work running, n_threads=2 made 2.2 tokens/s and n_threads=1
13.8 tokens/s. So the model process measures tokens/s for 1..N threads (N = physical cores) just
after loading, keeps a core for the window unless using it too is clearly faster, and measures
again when generation gets much slower than it was (the load changed). IT can pin the number with
the ``model_threads`` policy key.
"""

from __future__ import annotations

ALL_CORES_GAIN = 1.25
"""Taking the last core from the window must be at least this much faster than leaving it."""
NEARLY_AS_FAST = 0.9
"""Fewer threads are preferred when they reach this share of the best speed."""
SLOW = 0.5
"""A generation this share of the measured speed (twice in a row) means the machine got busier."""


def candidates(cores: int) -> list[int]:
    return list(range(1, max(1, cores) + 1))


def choose_threads(rates: dict[int, float], cores: int) -> int:
    """The thread count to use from measured tokens/s per thread count."""
    fewer = {n: r for n, r in rates.items() if n < cores} or dict(rates)
    best = max(fewer.values())
    chosen = min(n for n, r in fewer.items() if r >= NEARLY_AS_FAST * best)
    if cores in rates and cores not in fewer and rates[cores] >= ALL_CORES_GAIN * best:
        return cores
    return chosen


class SpeedWatch:
    """Notices when generation has become much slower than when the threads were chosen."""

    def __init__(self, baseline: float):
        self.reset(baseline)

    def reset(self, baseline: float) -> None:
        self.baseline = baseline
        self._slow_in_a_row = 0

    def slow(self, rate: float) -> bool:
        self._slow_in_a_row = self._slow_in_a_row + 1 if rate < SLOW * self.baseline else 0
        if self._slow_in_a_row >= 2:
            self._slow_in_a_row = 0
            return True
        return False
