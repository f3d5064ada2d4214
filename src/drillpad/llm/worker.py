"""The model's own process: ``python -m drillpad.llm.worker`` (or ``DrillPad --model-worker`` when packaged).

It is started by ``ProcessEngine`` and talks to it over its stdin/stdout pipes only (no network
port), in frames of a 4-byte big-endian length and a pickle (parent and child are the same
program). It builds the engine from the recipe it is sent first, loads it, and serves
generations one at a time; a cancel message sets that generation's token at once (the reader
is its own thread). It never opens the database: it returns text and the app records it.
Stdout is kept for the frames; anything printed (llama.cpp, Python) goes to stderr.

Messages in:  recipe, ("load",), ("open", id, rendered, request, reply), ("cancel", id),
              ("call", id, name), ("close",)
Messages out: ("progress", fraction, text), ("loaded", info), ("info", info), ("busy", id),
              ("chunk", id, text), ("end", id, finish, tokens), ("error", id, kind, message, tokens),
              ("result", id, value)
"""

from __future__ import annotations

import os
import pickle
import queue
import struct
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

HEADER = struct.Struct(">I")


def write_frame(out: BinaryIO, message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(HEADER.pack(len(data)) + data)
    out.flush()


def read_frame(inp: BinaryIO) -> Any:
    """The next message, or None at the end of the pipe."""
    header = inp.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    size = HEADER.unpack(header)[0]
    data = inp.read(size)
    if len(data) < size:
        return None
    return pickle.loads(data)


@dataclass(frozen=True)
class Recipe:
    """How to build the engine in the child (and, unloaded, in the app to know its name and template)."""

    kind: str
    """``llama`` or ``fake``."""
    options: dict[str, Any] = field(default_factory=dict)

    def build(self) -> Any:
        if self.kind == "fake":
            from drillpad.llm.fake import FakeEngine

            return FakeEngine(**self.options)
        if self.kind == "llama":
            from drillpad.llm.llama import LlamaEngine
            from drillpad.llm.models import HashCache

            options = dict(self.options)
            cache = options.pop("hash_cache_path", None)
            return LlamaEngine(options.pop("entry"), hash_cache=HashCache(Path(cache)) if cache else None, **options)
        raise ValueError(f"unknown engine recipe {self.kind!r}")


def rss_mb(pid: int | str = "self") -> float | None:
    """Resident memory of a process in MB (Linux; None where /proc is missing)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    return None


class _Sink:
    """Where the model's thread writes one generation: straight into the pipe."""

    def __init__(self, server: "_Server", ident: int):
        self.server, self.ident = server, ident

    def put(self, text: str) -> None:
        self.server.send(("chunk", self.ident, text))

    def end(self, finish: str, tokens: int) -> None:
        self.server.send(("end", self.ident, finish, tokens))

    def fail(self, error: Exception, tokens: int) -> None:
        self.server.send(("error", self.ident, type(error).__name__, str(error), tokens))


class _Server:
    def __init__(self, out: BinaryIO):
        self.out = out
        self.write_lock = threading.Lock()
        self.jobs: queue.SimpleQueue[tuple | None] = queue.SimpleQueue()
        self.tokens: dict[int, Any] = {}
        self.engine: Any = None

    def send(self, message: Any) -> None:
        with self.write_lock:
            write_frame(self.out, message)

    def serve(self, inp: BinaryIO) -> None:
        from drillpad.llm.engine import CancelToken

        recipe = read_frame(inp)
        if recipe is None:
            return
        self.engine = recipe.build()
        runner = threading.Thread(target=self.run_jobs, name="drillpad-model-jobs", daemon=True)
        runner.start()
        while (message := read_frame(inp)) is not None:
            kind = message[0]
            if kind == "close":
                break
            if kind == "open":
                self.tokens[message[1]] = CancelToken()
            if kind == "cancel":
                if (token := self.tokens.get(message[1])) is not None:
                    token.cancel()
                continue
            self.jobs.put(message)
        self.jobs.put(None)
        runner.join(5)

    def run_jobs(self) -> None:
        while (job := self.jobs.get()) is not None:
            try:
                getattr(self, "do_" + job[0])(*job[1:])
            except BaseException as exc:  # noqa: BLE001 - reported to the app; this process carries on
                if job[0] == "open":
                    self.send(("error", job[1], "EngineError", f"the model failed: {exc}", 0))
                elif job[0] == "call":
                    self.send(("result", job[1], {"error": str(exc)}))
                else:
                    raise

    def do_load(self) -> None:
        info = self.engine.load(lambda fraction, text="": self.send(("progress", float(fraction), str(text)))).result()
        self.send(("loaded", info))
        if info.state.value == "ready" and hasattr(self.engine, "tune_threads"):
            self.engine.tune_threads()
            self.send(("info", self.engine.info()))

    def do_open(self, ident: int, rendered: Any, request: Any, reply: Any) -> None:
        from drillpad.llm.engine import EngineError

        token = self.tokens[ident]
        self.send(("busy", ident))
        tokens = 0
        try:
            if token.cancelled:
                self.send(("end", ident, "cancelled", 0))
                return
            if reply is not None:
                self.engine.add_replies(reply)
            if hasattr(self.engine, "generate_into"):
                self.engine.generate_into(rendered, request, token, _Sink(self, ident))
                if hasattr(self.engine, "observe_speed") and self.engine.observe_speed():
                    self.send(("info", self.engine.info()))  # threads re-chosen after a drop in speed
                return
            stream = self.engine._open(rendered, request, token)
            try:
                for chunk in stream:
                    self.send(("chunk", ident, chunk))
            finally:
                tokens = stream.tokens
            finish = "cancelled" if token.cancelled else (stream.finish or "stop")
            self.send(("end", ident, finish, tokens))
            if hasattr(self.engine, "observe_speed") and self.engine.observe_speed():
                self.send(("info", self.engine.info()))  # threads re-chosen after a drop in speed
        except EngineError as exc:
            self.send(("error", ident, type(exc).__name__, str(exc), tokens))
        finally:
            self.tokens.pop(ident, None)

    def do_call(self, ident: int, name: str) -> None:
        if name == "status":
            status = getattr(self.engine, "status", lambda: {})()
            self.send(("result", ident, {**status, "rss_mb": rss_mb(), "pid": os.getpid()}))
        else:
            self.send(("result", ident, {"error": f"unknown call {name!r}"}))


def main() -> int:
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # stray prints must not corrupt the frames
    sys.stdout = sys.stderr
    _Server(out).serve(sys.stdin.buffer)
    out.close()
    os._exit(0)  # do not wait for a generation still running: the app has gone or closed us


if __name__ == "__main__":
    raise SystemExit(main())
