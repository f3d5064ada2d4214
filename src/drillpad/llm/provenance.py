"""Provenance: what produced a piece of AI text, recorded for every generation.

A ``Generation`` names the model (sha256), the runtime, the chat template (version and
hash), the sampler settings including the seed, and the hashes of the prompt the model saw
and of the text the reader saw, with start and end times from the Clock. Engines hand each
record to a *recorder*; the workspace stores it as an append-only ``llm.generation`` event,
so any AI text shown to a trainee or a manager can be traced back: hash the text, find the
event. The texts themselves are not stored here (they may contain a learner's answer).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

GENERATION_EVENT = "llm.generation"


def sha256_text(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Generation:
    id: str
    """A UUID, so that a gate decision or a grade can refer to the generation it used."""
    kind: str
    """``text`` (streamed) or ``json`` (one attempt of a structured answer)."""
    model: str
    model_sha256: str | None
    runtime: str
    template: str
    template_sha256: str
    params: dict[str, Any]
    prompt_sha256: str
    output_sha256: str
    tokens: int
    finish: str
    """``stop`` (the model ended), ``length`` (max_tokens), ``cancelled`` or ``error``."""
    started_at: str
    finished_at: str
    outcome: str | None = None
    """For ``json``: ``valid``, or ``invalid: <why>``."""
    purpose: str = ""
    sources: tuple[str, ...] = field(default=())

    def to_payload(self) -> dict[str, Any]:
        payload = asdict(self)
        payload["sources"] = list(self.sources)
        return payload

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> "Generation":
        return cls(**{**payload, "sources": tuple(payload.get("sources", ()))})


Recorder = Callable[[Generation], object]
"""Receives each Generation, in the thread that consumed the generation (never the engine's)."""
