"""FakeEngine: scripted replies behind the real Engine protocol, for tests everywhere else.

It shares ``BaseEngine`` with ``LlamaEngine`` (rendering, seeds, validation, retries,
provenance), so code tested against it meets the same behaviour with the real model. Its
"model call" runs in the caller's thread and yields each reply word by word, checking the
cancel token before every word as the real engine checks it before every token.

    engine = FakeEngine(['{"title": "Jam"}', "Stop the conveyor first."])
    engine.complete_json("...", Drill)        # the first reply, validated
    "".join(engine.stream("..."))              # the second reply

A reply may be an ``EngineError`` instance (raised when its turn comes). ``prompts`` keeps
every prompt the engine was asked, rendered as the model would see it.
"""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass

from drillpad.clock import Clock
from drillpad.llm.engine import (
    BaseEngine,
    CancelToken,
    EngineError,
    EngineInfo,
    EngineState,
    EngineUnavailable,
    Progress,
    Request,
)
from drillpad.llm.provenance import Recorder
from drillpad.llm.template import TEMPLATES, Rendered

FAKE_SHA256 = "sha256:" + "0" * 64
_WORDS = re.compile(r"\s*\S+|\s+")


@dataclass(frozen=True)
class Stall:
    """A reply that writes *text* word by word and then hangs for good, not looking at the cancel token:
    what a native call does (a long prompt evaluation, a deadlock). Only an engine in a child process
    (``ProcessEngine.fake``) should be given one: killing the child is what ends it."""

    text: str = ""


class _ScriptedStream:
    def __init__(self, reply: str | EngineError | Stall, request: Request, cancel: CancelToken):
        self.finish: str | None = None
        self.tokens = 0
        self._iter = self._run(reply, request, cancel)

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        return next(self._iter)

    def _run(self, reply: str | EngineError | Stall, request: Request, cancel: CancelToken) -> Iterator[str]:
        if isinstance(reply, EngineError):
            raise reply
        if isinstance(reply, Stall):
            yield from _WORDS.findall(reply.text)
            threading.Event().wait()  # hangs until the process is killed
        text = ""
        for word in _WORDS.findall(reply):
            if cancel.cancelled:
                self.finish = "cancelled"
                return
            if self.tokens >= request.max_tokens:
                self.finish = "length"
                return
            self.tokens += 1
            start = len(text)
            text += word
            hits = [i for s in request.stop if (i := text.find(s)) >= 0]
            if hits:
                if (cut := min(hits) - start) > 0:
                    yield word[:cut]
                self.finish = "stop"
                return
            yield word
        self.finish = "stop"


class FakeEngine(BaseEngine):
    runtime = "fake"

    def __init__(self, replies: Iterable[str | EngineError | Stall] = (), *, default: str | None = None,
                 unavailable: str | None = None, loaded: bool = True, name: str = "fake-model",
                 clock: Clock | None = None, recorder: Recorder | None = None, reproducible: bool = False,
                 seed: int = 1234, sha256: str = FAKE_SHA256, load_failure: str | None = None):
        super().__init__(template=TEMPLATES["chatml"], clock=clock, recorder=recorder,
                         reproducible=reproducible, seed=seed)
        self.replies: deque[str | EngineError | Stall] = deque(replies)
        self.default = default
        self.name = name
        self.sha256 = sha256
        self.prompts: list[str] = []
        self.requests: list[Request] = []
        self._unavailable = unavailable
        self._load_failure = load_failure
        """Unavailable for this reason once loaded (as a model whose runtime fails to load it)."""
        self._state = (EngineState.UNAVAILABLE if unavailable
                       else EngineState.READY if loaded else EngineState.UNLOADED)

    def add_replies(self, *replies: str | EngineError | Stall) -> None:
        self.replies.extend(replies)

    @property
    def state(self) -> EngineState:
        return self._state

    @property
    def reason(self) -> str | None:
        return self._unavailable

    def info(self) -> EngineInfo:
        return EngineInfo(self.name, None, self.sha256, 0, 2048, 1, self.template.id, self.template.sha256,
                          self.runtime, self._state, self._unavailable)

    def load(self, progress: Progress | None = None) -> Future[EngineInfo]:
        if self._load_failure is not None:
            self._state, self._unavailable = EngineState.UNAVAILABLE, self._load_failure
        if self._state is not EngineState.UNAVAILABLE:
            self._state = EngineState.READY
        if progress is not None:
            progress(1.0, "ready" if self._state is EngineState.READY else f"unavailable: {self._unavailable}")
        future: Future[EngineInfo] = Future()
        future.set_result(self.info())
        return future

    def close(self) -> None:
        pass

    def _check_usable(self) -> None:
        if self._state is EngineState.UNAVAILABLE:
            raise EngineUnavailable(self._unavailable or "unavailable")
        if self._state is EngineState.UNLOADED:
            raise EngineUnavailable("the model is not loaded yet")

    def _open(self, rendered: Rendered, request: Request, cancel: CancelToken) -> _ScriptedStream:
        self.prompts.append(rendered.text)
        self.requests.append(request)
        if self.replies:
            reply = self.replies.popleft()
        elif self.default is not None:
            reply = self.default
        else:
            raise EngineError("FakeEngine has no scripted reply left")
        return _ScriptedStream(reply, request, cancel)
