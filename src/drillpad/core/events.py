"""The event vocabulary that the learning engine reads (pure data, no storage).

Kinds and their payloads:

- ``lesson.read``   {pack, task, lesson, seconds}
- ``review``        {pack, task, item_kind: "prompt"|"drill", item, score 0..1, correct, confidence 1-4,
                     rating 1-4, seconds, attempt (1 = first ever attempt at the item), missed: [criterion ids]}
- ``demonstration`` {pack, task, behaviour, note, source: "self"|"peer"|"manager"}
- ``reflection``    {text}
- ``checkin``       {note, manager}
- ``level``         {pack, task, level 1-5, by}
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class EventView:
    id: str
    kind: str
    when: datetime
    payload: dict[str, Any]
    learner_id: str | None = None
