"""The sender's waiting rules: full-jitter exponential back-off, never shorter than Retry-After."""

from __future__ import annotations

import email.utils
import random

from drillpad.lrs.sender import MAX_RETRY_AFTER, Sender, parse_retry_after


def test_retry_after_reads_seconds_and_http_dates_and_ignores_nonsense():
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("999999") == MAX_RETRY_AFTER
    now = 1_800_000_000.0
    assert parse_retry_after(email.utils.formatdate(now + 30, usegmt=True), now=now) == 30.0
    assert parse_retry_after(email.utils.formatdate(now - 30, usegmt=True), now=now) == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_back_off_doubles_its_ceiling_with_jitter_and_respects_retry_after():
    s = Sender.__new__(Sender)
    s.rng, s.base_delay, s.max_delay = random.Random(3), 1.0, 300.0
    waits = [[s.delay(n, None) for _ in range(200)] for n in (1, 2, 5, 12)]
    assert all(0 <= w <= c for ws, c in zip(waits, (1, 2, 16, 300)) for w in ws)
    assert max(waits[2]) > 8 and min(waits[2]) < 4  # spread over the whole range, not a fixed schedule
    assert all(s.delay(1, 42.0) >= 42.0 for _ in range(50))
