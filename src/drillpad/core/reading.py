"""Reading-time estimate for lessons: the one place this number is computed.

Frontline staff read SOPs slower than office workers skim; 180 words per minute is a
conservative plain-English rate. A lesson must be reviewable in under five minutes.
"""

from __future__ import annotations

import re

WORDS_PER_MINUTE = 180
MAX_LESSON_MINUTES = 5.0
WARN_LESSON_MINUTES = 4.0

_WORD = re.compile(r"[A-Za-z0-9À-ɏ]+(?:['’-][A-Za-z0-9À-ɏ]+)*")


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def reading_minutes(*texts: str) -> float:
    """Minutes to read the given texts at WORDS_PER_MINUTE, rounded to 0.1."""
    words = sum(word_count(t) for t in texts)
    return round(words / WORDS_PER_MINUTE, 1)
