"""AI-adapted scenario variants: ask the local model, validate, gate, keep or discard.

The model is asked to retell a written scenario for the learner's own site, people and shift
(picked from the pack's context vocabulary), as JSON. Its answer is validated, then run
through the quality gate (``core.gate``). A variant that fails is discarded with the reasons;
the caller shows the written scenario instead. Nothing here writes to the database: the
workspace stores what passed and logs what did not.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints

from drillpad.core.cues import Synonyms
from drillpad.core.gate import TEMPLATE_VERSION, Candidate, GateResult, check
from drillpad.core.pack import Context, Drill
from drillpad.llm.engine import CancelToken, Engine, EngineError, Prompt, Sampling

SLOT_VOCABULARY = {"site": "sites", "person": "people", "shift": "shifts", "equipment": "equipment"}
"""Which context list may fill which slot. Equipment is only swapped when the drill allows it."""
VARIANT_SAMPLING = Sampling(temperature=0.8, top_p=0.95)

SYSTEM = (
    "You retell short workplace training scenarios for {role} staff. Rules: keep every fact listed; "
    "use only the names given; say what the worker sees and hears, never what they should do; "
    "plain words, at most 90 words; end with the question. Reply with JSON only: "
    '{{"situation": "...", "question": "...?"}}'
)
USER = (
    "Written scenario (approved, from {source}):\n{situation}\n\n"
    "Facts to keep:\n{facts}\n\n"
    "Retell it at {site_line}. Question to end with: {question}"
)


class VariantOut(BaseModel):
    model_config = ConfigDict(extra="ignore")
    situation: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1500)]
    question: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


@dataclass(frozen=True)
class Attempt:
    """One generation: the candidate (if the model gave valid JSON), the gate's verdict and why."""

    drill_id: str
    slots: dict[str, str]
    candidate: Candidate | None
    gate: GateResult | None
    error: str | None
    generation: dict[str, Any] = field(default_factory=dict)
    """The provenance of the generation (model, sha256, template, sampler, prompt hash…)."""

    @property
    def passed(self) -> bool:
        return self.candidate is not None and self.gate is not None and self.gate.passed

    @property
    def reasons(self) -> list[str]:
        if self.error:
            return [f"invalid output: {self.error}"]
        return self.gate.reasons if self.gate else []


def pick_slots(drill: Drill, context: Context, rng: random.Random) -> dict[str, str]:
    """New values for the drill's slots from the pack's context vocabulary (others keep their default)."""
    values = dict(drill.slots)
    for slot in drill.slots:
        options = [o for o in getattr(context, SLOT_VOCABULARY.get(slot, ""), []) if slot != "equipment"]
        if options:
            values[slot] = rng.choice(options)
    return values


def prompt_for(drill: Drill, slots: dict[str, str], role_title: str, pack_id: str) -> Prompt:
    site_line = ", ".join(f"{k} = {v}" for k, v in slots.items()) or "the same place"
    return Prompt(
        system=SYSTEM.format(role=role_title),
        user=USER.format(source=drill.source, situation=drill.situation_text(slots),
                         facts="\n".join(f"- {f.text}" for f in drill.fact), site_line=site_line,
                         question=drill.question),
        purpose="drill.variant", sources=(f"pack:{pack_id}", f"drill:{drill.id}", f"source:{drill.source}"))


def generate(engine: Engine, drill: Drill, *, pack_id: str, role_title: str, context: Context,
             synonyms: Synonyms | None = None, recent: Sequence[str] = (), personal_names: Iterable[str] = (),
             rng: random.Random | None = None, cancel: CancelToken | None = None) -> Attempt:
    """Ask for one variant and gate it. Raises only when cancelled or the engine is unavailable."""
    slots = pick_slots(drill, context, rng or random.Random())
    if not drill.fact:
        return Attempt(drill.id, slots, None, None, "the drill lists no facts; it is never varied")
    prompt = prompt_for(drill, slots, role_title, pack_id)
    try:
        out = engine.complete_json(prompt, VariantOut, retries=1, max_tokens=256, cancel=cancel,
                                   sampling=VARIANT_SAMPLING)
    except EngineError as exc:
        if type(exc).__name__ in ("GenerationCancelled", "EngineUnavailable"):
            raise
        return Attempt(drill.id, slots, None, None, str(exc).splitlines()[0][:300], _provenance(engine))
    candidate = Candidate(out.situation, out.question)
    names = set(personal_names) - set(slots.values())
    result = check(drill, candidate, synonyms=synonyms, context=context, recent=recent, personal_names=names)
    return Attempt(drill.id, slots, candidate, result, None, _provenance(engine))


def _provenance(engine: Engine) -> dict[str, Any]:
    generation = getattr(engine, "last_generation", None)
    info = engine.info()
    base = {"model": info.name, "model_sha256": info.sha256, "runtime": info.runtime, "template": info.template,
            "template_version": TEMPLATE_VERSION}
    if generation is not None:
        base.update(generation_id=generation.id, params=generation.params, prompt_sha256=generation.prompt_sha256,
                    output_sha256=generation.output_sha256, sources=list(generation.sources))
    return base


@dataclass(frozen=True)
class GenerationReport:
    """What a model is worth as a scenario writer on one pack: how much of its output passes the gate."""

    model: str
    model_sha256: str | None
    pack: str
    attempts: int
    passed: int
    per_drill: dict[str, tuple[int, int]]
    """drill id → (passed, attempts)"""
    failures: dict[str, int]
    """gate check (or ``invalid output``) → how many attempts failed it"""
    examples: list[dict[str, Any]]

    @property
    def pass_rate(self) -> float:
        return self.passed / self.attempts if self.attempts else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"model": self.model, "model_sha256": self.model_sha256, "pack": self.pack, "attempts": self.attempts,
                "passed": self.passed, "pass_rate": round(self.pass_rate, 3),
                "per_drill": {k: {"passed": p, "attempts": a} for k, (p, a) in self.per_drill.items()},
                "failures": self.failures, "examples": self.examples}


def evaluate_generation(engine: Engine, pack: Any, *, per_drill: int = 5, seed: int = 7,
                        cancel: CancelToken | None = None) -> GenerationReport:
    """Generate *per_drill* variants of every drill of *pack* (a loaded ``Pack``) and gate each one."""
    rng = random.Random(seed)
    synonyms = Synonyms([g.terms for g in pack.manifest.synonyms])
    role_of = {t.id: r.title for r in pack.roles for t in r.task}
    per: dict[str, tuple[int, int]] = {}
    failures: dict[str, int] = {}
    examples: list[dict[str, Any]] = []
    for drill in pack.drills:
        recent: list[str] = []
        ok = 0
        for _ in range(per_drill):
            attempt = generate(engine, drill, pack_id=pack.id, role_title=role_of.get(drill.task, "frontline"),
                               context=pack.manifest.context, synonyms=synonyms, recent=recent, rng=rng,
                               cancel=cancel)
            if attempt.passed:
                ok += 1
                assert attempt.candidate is not None
                recent.append(attempt.candidate.situation)
            for reason in attempt.reasons:
                key = reason.split(":")[0]
                failures[key] = failures.get(key, 0) + 1
            if len(examples) < 3 * len(pack.drills):
                examples.append({"drill": drill.id, "passed": attempt.passed, "reasons": attempt.reasons,
                                 "situation": attempt.candidate.situation if attempt.candidate else None})
        per[drill.id] = (ok, per_drill)
    info = engine.info()
    return GenerationReport(info.name, info.sha256, pack.id, sum(a for _, a in per.values()),
                            sum(p for p, _ in per.values()), per, failures, examples)
