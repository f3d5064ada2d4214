"""The Engine protocol: what DrillPad asks of a local language model, and what it gets back.

An engine loads in the background (``load(progress)`` returns at once), streams text that
can be cancelled within one token (``stream``), and returns structured answers only after
they validate against a pydantic model (``complete_json``, with bounded retries). It never
raises into the app for a missing or broken model: it reports ``state`` ``unavailable`` with
one clear ``reason``, and callers fall back to authored content. Calls on an unavailable
engine raise ``EngineUnavailable`` (an ``EngineError``), which callers catch like any other
expected outcome.

Every generation is recorded (see ``provenance``). ``BaseEngine`` holds what all engines
share — prompt rendering, seeds, validation, retries, provenance — so that ``FakeEngine``
(tests) and ``LlamaEngine`` (the real model) behave the same way around the model call.
"""

from __future__ import annotations

import json
import random
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, ValidationError

from drillpad.clock import Clock, SystemClock, to_iso
from drillpad.llm.provenance import Generation, Recorder, sha256_text
from drillpad.llm.template import TEMPLATES, ChatTemplate, Rendered

T = TypeVar("T", bound=BaseModel)

Progress = Callable[[float, str], object]
"""Called with (fraction done 0..1, what is happening); from the engine's worker thread."""

RETRY_MIN_TEMPERATURE = 0.6
"""A retry samples at least this warm (and with the next seed): a greedy retry repeats itself."""


class EngineState(StrEnum):
    UNLOADED = "unloaded"
    LOADING = "loading"
    READY = "ready"
    RESTARTING = "restarting"
    """The model's process stopped and is being started again (calls wait for it)."""
    UNAVAILABLE = "unavailable"


class EngineError(RuntimeError):
    """An expected failure of a generation; the caller shows authored content instead."""


class EngineUnavailable(EngineError):
    """There is no usable model (or it is not loaded yet); the message says why."""


class GenerationCancelled(EngineError):
    """``complete_json`` was cancelled before it had a valid answer."""


class EngineOutputError(EngineError):
    """The model gave no valid answer within the allowed attempts."""

    def __init__(self, message: str, problems: Sequence[str], last_output: str):
        super().__init__(message)
        self.problems = list(problems)
        self.last_output = last_output


class CancelToken:
    """Set once from any thread; generation stops before the next token.

    A token may have a parent: it is cancelled when its parent is.
    """

    def __init__(self, parent: "CancelToken | None" = None, *, patient: bool = False):
        self._event = threading.Event()
        self._parent = parent
        self._patient = patient

    @property
    def patient(self) -> bool:
        """A background job's token (pre-generating variants), or one made from it: its cancel lets the
        model's process stop at its next token, waiting out a prompt evaluation, instead of killing it
        after a moment — a killed model process must load again, which a busy PC pays for."""
        return self._patient or (self._parent is not None and self._parent.patient)

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set() or (self._parent is not None and self._parent.cancelled)


@dataclass(frozen=True)
class Prompt:
    user: str
    system: str = ""
    """Shared instructions (a drill's role, rules, source text); its evaluated state is cached."""
    purpose: str = ""
    """What the text is for (``drill.variation``, ``feedback``…), kept with the provenance record."""
    sources: tuple[str, ...] = ()
    """Ids of the approved content the prompt is grounded in, kept with the provenance record."""


@dataclass(frozen=True)
class Sampling:
    temperature: float = 0.7
    top_p: float = 0.9
    top_k: int = 40
    min_p: float = 0.05
    repeat_penalty: float = 1.1
    seed: int | None = None
    """None: the engine picks one (fixed in reproducible mode); it is recorded either way."""


JSON_SAMPLING = Sampling(temperature=0.2)


@dataclass(frozen=True)
class EngineInfo:
    name: str
    model_path: str | None
    sha256: str | None
    size: int | None
    context_length: int
    threads: int
    template: str
    template_sha256: str
    runtime: str
    state: EngineState
    reason: str | None = None


@dataclass(frozen=True)
class Request:
    """One generation, fully specified (the seed is resolved), as an engine runs it."""

    max_tokens: int
    stop: tuple[str, ...]
    sampling: Sampling
    json_schema: dict[str, Any] | None = None

    def params(self) -> dict[str, Any]:
        params = {**asdict(self.sampling), "max_tokens": self.max_tokens, "stop": list(self.stop)}
        if self.json_schema is not None:
            params["json_schema_sha256"] = sha256_text(_canonical(self.json_schema))
        return params


class RawStream(Protocol):
    """What an engine's model call yields: text chunks; then ``finish`` and ``tokens`` are set."""

    finish: str | None
    tokens: int

    def __iter__(self) -> Iterator[str]: ...

    def __next__(self) -> str: ...


class Engine(Protocol):
    @property
    def state(self) -> EngineState: ...

    @property
    def reason(self) -> str | None: ...

    def info(self) -> EngineInfo: ...

    def load(self, progress: Progress | None = None) -> Future[EngineInfo]: ...

    def stream(self, prompt: Prompt | str, *, max_tokens: int = 256, stop: Sequence[str] = (),
               cancel: CancelToken | None = None, sampling: Sampling | None = None) -> "TextStream": ...

    def complete_json(self, prompt: Prompt | str, schema: type[T], *, retries: int = 2, max_tokens: int = 384,
                      cancel: CancelToken | None = None, sampling: Sampling | None = None) -> T: ...

    def close(self) -> None: ...


class TextStream:
    """The text of one generation, chunk by chunk, as the model writes it.

    Iterate it to the end, or stop early with ``cancel()`` / ``close()`` (or a ``with``
    block): after ``cancel()`` no further chunk is delivered and the model stops within one
    token. When it ends, the generation is recorded and ``generation`` is set.
    """

    def __init__(self, chunks: RawStream, cancel: CancelToken,
                 on_end: Callable[[str, str, int], Generation]):
        self._chunks = chunks
        self._cancel = cancel
        self._on_end = on_end
        self._parts: list[str] = []
        self._done = False
        self.generation: Generation | None = None

    def __iter__(self) -> "TextStream":
        return self

    def __next__(self) -> str:
        if self._done:
            raise StopIteration
        if self._cancel.cancelled:
            self._finish()
            raise StopIteration
        try:
            chunk = next(self._chunks)
        except StopIteration:
            self._finish()
            raise
        except BaseException:
            self._finish(error=True)
            raise
        if self._cancel.cancelled:
            self._finish()
            raise StopIteration
        self._parts.append(chunk)
        return chunk

    @property
    def text(self) -> str:
        """What has been delivered so far."""
        return "".join(self._parts)

    def cancel(self) -> None:
        self._cancel.cancel()

    def close(self) -> None:
        if not self._done:
            self._cancel.cancel()
            self._finish()

    def __enter__(self) -> "TextStream":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:  # an abandoned stream still stops the model and is recorded
        if not getattr(self, "_done", True):
            self.close()

    def _finish(self, error: bool = False) -> None:
        self._done = True
        if not error:
            try:
                for _ in self._chunks:  # the model stops within one token once cancelled
                    pass
            except EngineError:
                error = True
        finish = "error" if error else ("cancelled" if self._cancel.cancelled else (self._chunks.finish or "stop"))
        self.generation = self._on_end(self.text, finish, self._chunks.tokens)


def as_prompt(prompt: Prompt | str) -> Prompt:
    return prompt if isinstance(prompt, Prompt) else Prompt(user=prompt)


class BaseEngine:
    """What every engine shares around the model call itself (``_open``)."""

    runtime = "unknown"

    def __init__(self, *, template: ChatTemplate, clock: Clock | None = None, recorder: Recorder | None = None,
                 reproducible: bool = False, seed: int = 1234):
        self.template = template
        self.clock = clock or SystemClock()
        self.recorder = recorder
        self.reproducible = reproducible
        self.seed = seed
        self._rng = random.Random()
        self.last_generation: Generation | None = None
        """The provenance of the last generation (its id goes with whatever was made from it)."""

    # --- to implement -------------------------------------------------------------------

    @property
    def state(self) -> EngineState:
        raise NotImplementedError

    @property
    def reason(self) -> str | None:
        raise NotImplementedError

    def info(self) -> EngineInfo:
        raise NotImplementedError

    def _check_usable(self) -> None:
        """Raise EngineUnavailable when a call cannot be served."""
        raise NotImplementedError

    def _open(self, rendered: Rendered, request: Request, cancel: CancelToken) -> RawStream:
        raise NotImplementedError

    # --- shared -------------------------------------------------------------------------

    def stream(self, prompt: Prompt | str, *, max_tokens: int = 256, stop: Sequence[str] = (),
               cancel: CancelToken | None = None, sampling: Sampling | None = None) -> TextStream:
        self._check_usable()
        prompt = as_prompt(prompt)
        rendered = self.template.render(prompt.system, prompt.user)
        request = Request(max_tokens, tuple(stop), self._resolve(sampling or Sampling(), 0))
        token = CancelToken(parent=cancel)
        started = self.clock.now()

        def on_end(text: str, finish: str, tokens: int) -> Generation:
            return self._record("text", prompt, rendered, request, text, finish, tokens, started)

        return TextStream(self._open(rendered, request, token), token, on_end)

    def complete_json(self, prompt: Prompt | str, schema: type[T], *, retries: int = 2, max_tokens: int = 384,
                      cancel: CancelToken | None = None, sampling: Sampling | None = None) -> T:
        """A validated instance of *schema*, or EngineOutputError after ``1 + retries`` attempts.

        Generation is constrained by a grammar made from the JSON schema (the equivalent of
        ``response_format={"type": "json_object", "schema": ...}``), but a grammar does not
        enforce lengths, counts or ranges: pydantic validation decides.
        """
        self._check_usable()
        prompt = as_prompt(prompt)
        rendered = self.template.render(prompt.system, prompt.user)
        json_schema = grammar_schema(schema.model_json_schema())
        base = sampling or JSON_SAMPLING
        token = CancelToken(parent=cancel)
        problems: list[str] = []
        text = ""
        for attempt in range(1 + max(0, retries)):
            request = Request(max_tokens, (), self._resolve(base, attempt), json_schema)
            started = self.clock.now()
            chunks = self._open(rendered, request, token)
            try:
                text = "".join(chunks)
            except EngineError:
                self._record("json", prompt, rendered, request, "", "error", chunks.tokens, started, "error")
                raise
            finish = "cancelled" if token.cancelled else (chunks.finish or "stop")
            if finish == "cancelled":
                self._record("json", prompt, rendered, request, text, finish, chunks.tokens, started, "cancelled")
                raise GenerationCancelled("the structured answer was cancelled")
            try:
                value = schema.model_validate_json(text)
            except ValidationError as exc:
                problem = _describe(exc, finish)
                problems.append(problem)
                self._record("json", prompt, rendered, request, text, finish, chunks.tokens, started,
                             f"invalid: {problem}")
                continue
            self._record("json", prompt, rendered, request, text, finish, chunks.tokens, started, "valid")
            return value
        raise EngineOutputError(
            f"the model gave no valid {schema.__name__} in {len(problems)} attempt(s); last problem: {problems[-1]}",
            problems, text)

    def _resolve(self, sampling: Sampling, attempt: int) -> Sampling:
        if sampling.seed is not None:
            seed = sampling.seed + attempt
        elif self.reproducible:
            seed = self.seed + attempt
        else:
            seed = self._rng.randrange(1, 2**31)
        resolved = replace(sampling, seed=seed)
        if attempt and resolved.temperature < RETRY_MIN_TEMPERATURE:
            resolved = replace(resolved, temperature=RETRY_MIN_TEMPERATURE)
        return resolved

    def _record(self, kind: str, prompt: Prompt, rendered: Rendered, request: Request, output: str, finish: str,
                tokens: int, started: Any, outcome: str | None = None) -> Generation:
        info = self.info()
        generation = Generation(
            id=str(uuid.uuid4()), kind=kind, model=info.name, model_sha256=info.sha256, runtime=info.runtime,
            template=info.template, template_sha256=info.template_sha256,
            params={**request.params(), "context_length": info.context_length, "threads": info.threads,
                    "reproducible": self.reproducible},
            prompt_sha256=sha256_text(rendered.text), output_sha256=sha256_text(output), tokens=tokens,
            finish=finish, started_at=to_iso(started), finished_at=to_iso(self.clock.now()), outcome=outcome,
            purpose=prompt.purpose, sources=tuple(prompt.sources),
        )
        self.last_generation = generation
        if self.recorder is not None:
            self.recorder(generation)
        return generation


def grammar_schema(value: Any) -> Any:
    """The schema without length and count limits, for the sampling grammar: llama.cpp unrolls
    ``maxLength`` into one rule per character and refuses long ones. Validation enforces them."""
    if isinstance(value, dict):
        return {k: grammar_schema(v) for k, v in value.items() if k not in ("maxLength", "maxItems")}
    if isinstance(value, list):
        return [grammar_schema(v) for v in value]
    return value


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _describe(exc: ValidationError, finish: str) -> str:
    errors = exc.errors()
    first = errors[0]
    where = ".".join(str(p) for p in first["loc"]) or "(answer)"
    text = f"{where}: {first['msg']}"
    if len(errors) > 1:
        text += f" (and {len(errors) - 1} more)"
    if finish == "length":
        text += "; the answer was cut off at max_tokens"
    return text


class UnavailableEngine(BaseEngine):
    """An engine without a model: every call raises EngineUnavailable with the reason."""

    runtime = "none"

    def __init__(self, reason: str, *, name: str = "(none)"):
        super().__init__(template=TEMPLATES["chatml"])
        self._reason = reason
        self.name = name

    @property
    def state(self) -> EngineState:
        return EngineState.UNAVAILABLE

    @property
    def reason(self) -> str | None:
        return self._reason

    def info(self) -> EngineInfo:
        return EngineInfo(self.name, None, None, None, 0, 0, self.template.id, self.template.sha256, self.runtime,
                          EngineState.UNAVAILABLE, self._reason)

    def load(self, progress: Progress | None = None) -> Future[EngineInfo]:
        future: Future[EngineInfo] = Future()
        future.set_result(self.info())
        return future

    def _check_usable(self) -> None:
        raise EngineUnavailable(self._reason)

    def close(self) -> None:
        pass
