"""ProcessEngine: the local model in its own child process, behind the ordinary Engine protocol.

The llama context lives in a child (``drillpad.llm.worker``) that talks to the app over its
stdin/stdout pipes (no network port). The app keeps everything that is not the model call:
prompt rendering, seeds, JSON validation and retries, provenance (``BaseEngine``). So:

- the UI process never imports llama-cpp-python or loads its shared libraries;
- a native crash, an out-of-memory kill or a ``kill -9`` of the child never takes the window or
  an answer with it: the generation in flight ends with an ``EngineError`` (callers fall back
  to written content), the state turns ``restarting`` ("AI restarting…"), and the child is
  started again after a back-off (``restart_delays``). After ``max_crashes`` crashes within
  ``crash_window`` seconds, AI turns off with the reason;
- cancel is sent to the child, which stops before its next token; if it has not stopped within
  ``cancel_grace`` (it may be inside a long prompt evaluation, one native call), the child is
  killed and started again — a cancel always returns within about ``cancel_grace`` + one poll;
- calls made while the child (re)starts wait for it (callers are worker threads, never the
  main thread).

``watch(callback)`` tells the UI about state changes (from a background thread).
"""

from __future__ import annotations

import itertools
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from dataclasses import replace
from pathlib import Path
from typing import Any

from drillpad.clock import Clock
from drillpad.llm import engine as engine_mod
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
from drillpad.llm.template import Rendered
from drillpad.llm.worker import Recipe, read_frame, rss_mb, write_frame

log = logging.getLogger(__name__)

RESTART_DELAYS = (0.5, 2.0, 8.0)
"""Seconds before the 1st, 2nd, 3rd… restart after a crash (the last repeats)."""
MAX_CRASHES = 3
CRASH_WINDOW = 600.0
CANCEL_GRACE = 0.1
"""Seconds the child has to stop a cancelled generation by itself before it is killed."""
PATIENT_GRACE = 20.0
"""The same for a patient (background) cancel: a prompt evaluation on a busy PC, after which the child is
killed all the same."""
POLL = 0.01

Watcher = Callable[[EngineState, str], object]


def worker_command() -> list[str]:
    """How to start the model process: the packaged program with a hidden flag, or this Python."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "--model-worker"]
    return [sys.executable, "-m", "drillpad.llm.worker"]


def _worker_env() -> dict[str, str]:
    env = dict(os.environ)
    if not getattr(sys, "frozen", False):  # the child imports the same drillpad as this process
        src = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join([src, *filter(None, [env.get("PYTHONPATH")])])
    return env


def describe_exit(returncode: int | None, stderr_tail: Sequence[str] = ()) -> str:
    if returncode is None:
        text = "it stopped answering"
    elif returncode < 0:
        try:
            text = f"killed by signal {signal.Signals(-returncode).name}"
        except ValueError:
            text = f"killed by signal {-returncode}"
    else:
        text = f"exit code {returncode}"
    last = next((line for line in reversed(stderr_tail) if line.strip()), "")
    return f"{text}: {last.strip()[:200]}" if last else text


class _Child:
    """One model process and the thread that reads what it says."""

    def __init__(self, owner: "ProcessEngine", recipe: Recipe):
        self.owner = owner
        self.proc = subprocess.Popen(worker_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=_worker_env(), bufsize=0)
        self.pid = self.proc.pid
        self.streams: dict[int, _ChildStream] = {}
        self.intentional = False
        """Killed on purpose (cancel, close): not a crash."""
        self.stderr_tail: deque[str] = deque(maxlen=20)
        self._send_lock = threading.Lock()
        self.send(recipe)
        threading.Thread(target=self._drain_stderr, name=f"drillpad-model-{self.pid}-stderr", daemon=True).start()
        threading.Thread(target=self._read, name=f"drillpad-model-{self.pid}", daemon=True).start()

    def send(self, message: Any) -> bool:
        try:
            with self._send_lock:
                write_frame(self.proc.stdin, message)
            return True
        except (OSError, ValueError):  # the child has gone: the reader reports it
            return False

    def kill(self) -> None:
        try:
            self.proc.kill()
        except OSError:
            pass

    def _drain_stderr(self) -> None:
        for raw in iter(self.proc.stderr.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip()
            self.stderr_tail.append(line)
            log.debug("model process %s: %s", self.pid, line)

    def _read(self) -> None:
        try:
            while (message := read_frame(self.proc.stdout)) is not None:
                self.owner._on_message(self, message)
        except Exception:  # a broken frame is treated like a dead child
            log.exception("bad message from the model process %s", self.pid)
            self.kill()
        returncode = self.proc.wait()
        self.owner._on_exit(self, returncode)


class _ChildStream:
    """The chunks of one generation as the child sends them (the RawStream of BaseEngine)."""

    def __init__(self, owner: "ProcessEngine", child: _Child, ident: int, cancel: CancelToken):
        self.owner, self.child, self.ident, self.cancel = owner, child, ident, cancel
        self.finish: str | None = None
        self.tokens = 0
        self.items: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self._ended = False
        self._cancel_sent: float | None = None

    def __iter__(self) -> "_ChildStream":
        return self

    def __next__(self) -> str:
        while not self._ended:
            if self.cancel.cancelled:
                now = time.monotonic()
                if self._cancel_sent is None:
                    self._cancel_sent = now
                    self.child.send(("cancel", self.ident))
                elif now - self._cancel_sent > self.owner.grace_for(self.cancel):  # stuck in a native call: kill it
                    self.owner._kill_for_cancel(self.child)
                    self._end("cancelled")
                    break
            try:
                kind, value = self.items.get(timeout=POLL)
            except queue.Empty:
                continue
            if kind == "chunk":
                return value
            if kind == "end":
                self.tokens = value[1]
                self._end(value[0])
                break
            self._end("error")
            if kind == "error":
                name, message, self.tokens = value
                raise getattr(engine_mod, name, EngineError)(message)
            raise EngineError(value)  # "died"
        raise StopIteration

    def _end(self, finish: str) -> None:
        self._ended = True
        self.finish = finish
        self.owner._forget(self.child, self.ident)


class ProcessEngine(BaseEngine):
    def __init__(self, recipe: Recipe, *, clock: Clock | None = None, recorder: Recorder | None = None,
                 reproducible: bool = False, seed: int = 1234, restart_delays: Sequence[float] = RESTART_DELAYS,
                 max_crashes: int = MAX_CRASHES, crash_window: float = CRASH_WINDOW,
                 cancel_grace: float = CANCEL_GRACE, patient_grace: float = PATIENT_GRACE,
                 replies: Iterable[Any] | None = None):
        shadow = recipe.build()  # not loaded: the model's name and template, or why it cannot be used
        super().__init__(template=shadow.template, clock=clock, recorder=recorder, reproducible=reproducible,
                         seed=seed)
        self.recipe = recipe
        self.runtime = shadow.runtime
        self._info = shadow.info()
        self._state = EngineState.UNAVAILABLE if self._info.state is EngineState.UNAVAILABLE else EngineState.UNLOADED
        self._reason = self._info.reason
        self.restart_delays = tuple(restart_delays) or (0.0,)
        self.max_crashes = max_crashes
        self.crash_window = crash_window
        self.cancel_grace = cancel_grace
        self.patient_grace = patient_grace
        self.crashes = 0
        self.cancel_kills = 0
        """Children killed to end a cancelled generation they did not stop by themselves."""
        self._crash_times: deque[float] = deque()
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._child: _Child | None = None
        self._load_future: Future[EngineInfo] | None = None
        self._ready: Future[None] = Future()
        self._progress: Progress | None = None
        self._watchers: list[Watcher] = []
        self._ids = itertools.count(1)
        self._busy = threading.Event()
        self._calls: dict[int, Future] = {}
        self._closed = False
        self._replies: deque[Any] | None = deque(replies) if replies is not None else None
        self._default_reply: Any = None

    @classmethod
    def fake(cls, replies: Iterable[Any] = (), *, default: str | None = None, unavailable: str | None = None,
             load_failure: str | None = None, **kwargs: Any) -> "ProcessEngine":
        """A FakeEngine in a child process. Replies are kept here and sent with each call, so a restarted
        child carries on with the next one. *load_failure*: the child reports this reason when loading."""
        options = {"unavailable": unavailable, "loaded": False, "load_failure": load_failure}
        engine = cls(Recipe("fake", options), replies=replies, **kwargs)
        engine._default_reply = default
        return engine

    @classmethod
    def llama(cls, entry: Any, *, hash_cache_path: Path | None = None, threads: int | None = None,
              context_length: int | None = None, reproducible: bool = False, seed: int = 1234,
              **kwargs: Any) -> "ProcessEngine":
        """The llama-cpp engine for *entry* in a child process (*threads*: pinned by policy, else chosen there)."""
        options = {"entry": entry, "hash_cache_path": str(hash_cache_path) if hash_cache_path else None,
                   "threads": threads, "context_length": context_length, "reproducible": reproducible, "seed": seed}
        return cls(Recipe("llama", options), reproducible=reproducible, seed=seed, **kwargs)

    # --- state ----------------------------------------------------------------------------

    @property
    def state(self) -> EngineState:
        return self._state

    @property
    def reason(self) -> str | None:
        return self._reason

    @property
    def pid(self) -> int | None:
        child = self._child
        return child.pid if child is not None else None

    def info(self) -> EngineInfo:
        return replace(self._info, state=self._state, reason=self._reason)

    def watch(self, callback: Watcher) -> None:
        """Call *callback(state, text)* on every change of state (from a background thread)."""
        self._watchers.append(callback)

    def add_replies(self, *replies: Any) -> None:
        if self._replies is None:
            raise TypeError("only a fake engine takes scripted replies")
        self._replies.extend(replies)

    def _set(self, state: EngineState, reason: str | None, text: str) -> None:
        with self._lock:
            self._state, self._reason = state, reason
            self._changed.notify_all()
        for watcher in list(self._watchers):
            try:
                watcher(state, text)
            except Exception:  # a broken display must not break the engine
                log.exception("engine watcher failed")

    def _settle(self) -> None:
        """The (re)start has ended, ready or not: release whoever waits."""
        with self._lock:
            ready = self._ready
            info = self.info()
            load = self._load_future
        if not ready.done():
            ready.set_result(None)
        if load is not None and not load.done():
            load.set_result(info)

    # --- load, restart ----------------------------------------------------------------------

    def load(self, progress: Progress | None = None) -> Future[EngineInfo]:
        with self._lock:
            if self._load_future is not None:
                return self._load_future
            self._load_future = Future()
            if self._state is EngineState.UNAVAILABLE:
                self._load_future.set_result(self.info())
                if progress is not None:
                    progress(1.0, f"unavailable: {self._reason}")
                return self._load_future
            self._progress = progress
            self._state = EngineState.LOADING
            future = self._load_future
        threading.Thread(target=self._start, name="drillpad-model-start", daemon=True).start()
        return future

    def _start(self) -> None:
        """Start a child and ask it to load (in a background thread: starting a process takes a moment)."""
        with self._lock:
            if self._closed:
                return
            try:
                child = _Child(self, self.recipe)
            except OSError as exc:
                reason = f"the model process could not be started: {exc}"
                log.error(reason)
                self._state, self._reason = EngineState.UNAVAILABLE, reason
                child = None
            else:
                self._child = child
        if child is None:
            self._set(EngineState.UNAVAILABLE, self._reason, f"AI off — {self._reason}")
            self._settle()
            return
        child.send(("load",))

    def _on_message(self, child: _Child, message: tuple) -> None:
        kind = message[0]
        if kind == "progress":
            if self._progress is not None and not (self._load_future and self._load_future.done()):
                try:
                    self._progress(message[1], message[2])
                except Exception:
                    log.exception("load progress callback failed")
        elif kind == "loaded":
            info: EngineInfo = message[1]
            with self._lock:
                if child is not self._child:
                    return
                self._info = info
                self.runtime = info.runtime
            if info.state is EngineState.READY:
                self._set(EngineState.READY, None, f"AI ready ({info.name})")
            else:
                self._set(EngineState.UNAVAILABLE, info.reason, f"AI off — {info.reason}")
                with self._lock:
                    self._child = None
                child.intentional = True
                child.send(("close",))
            self._settle()
        elif kind == "info":
            with self._lock:
                if child is self._child:
                    self._info = message[1]
        elif kind == "busy":
            self._busy.set()
        elif kind == "result":
            future = self._calls.pop(message[1], None)
            if future is not None:
                future.set_result(message[2])
        elif (stream := child.streams.get(message[1])) is not None:  # chunk, end, error
            stream.items.put((kind, message[2] if len(message) == 3 else message[2:]))

    def _on_exit(self, child: _Child, returncode: int) -> None:
        what = describe_exit(returncode, child.stderr_tail)
        off_reason = None
        with self._lock:
            current = child is self._child
            if current:
                self._child = None
            pending = list(child.streams.values())
            child.streams.clear()
            calls, self._calls = list(self._calls.values()), {}
            closed = self._closed
            crash = current and not child.intentional and not closed
            recent = 0
            if crash:  # the state changes before anyone hears of the crash: their next call waits for the restart
                self.crashes += 1
                now = time.monotonic()
                self._crash_times.append(now)
                while self._crash_times and now - self._crash_times[0] > self.crash_window:
                    self._crash_times.popleft()
                recent = len(self._crash_times)
                if recent >= self.max_crashes:
                    minutes = max(1, round(self.crash_window / 60))
                    off_reason = (f"the model process crashed {recent} times in {minutes} minutes (last: {what}); "
                                  "AI is off until DrillPad restarts")
                    self._state, self._reason = EngineState.UNAVAILABLE, off_reason
                else:
                    self._state = EngineState.RESTARTING
                    if self._ready.done():
                        self._ready = Future()
        message = ("the model was closed" if closed else
                   "the model was restarted" if not crash else
                   f"the model process stopped ({what}); the written content is used while it restarts")
        for stream in pending:
            stream.items.put(("died", message))
        for future in calls:
            future.set_result({"error": message})
        if closed or not current:
            return
        if not crash:  # killed to end a cancelled generation: start again at once
            log.info("model process %s stopped to end a cancelled generation; starting a new one", child.pid)
            self._start()
            return
        log.error("model process %s crashed (%s)", child.pid, what)
        if off_reason is not None:
            self._set(EngineState.UNAVAILABLE, off_reason, f"AI off — {off_reason}")
            self._settle()
            return
        self._set(EngineState.RESTARTING, None, "AI restarting…")
        delay = self.restart_delays[min(recent, len(self.restart_delays)) - 1]
        timer = threading.Timer(delay, self._start)
        timer.daemon = True
        timer.start()

    def grace_for(self, cancel: CancelToken) -> float:
        """How long a cancelled generation may take to stop by itself before its process is killed."""
        return self.patient_grace if cancel.patient else self.cancel_grace

    def _kill_for_cancel(self, child: _Child) -> None:
        with self._lock:
            if child is not self._child or child.intentional:
                return
            child.intentional = True
            self.cancel_kills += 1
            if self._ready.done():
                self._ready = Future()
            self._state = EngineState.RESTARTING
        self._set(EngineState.RESTARTING, None, "AI restarting…")
        child.kill()

    def _forget(self, child: _Child, ident: int) -> None:
        child.streams.pop(ident, None)
        if not child.streams:
            self._busy.clear()

    # --- generation -------------------------------------------------------------------------

    def _check_usable(self) -> None:
        state = self._state
        if state is EngineState.UNLOADED:
            raise EngineUnavailable("the model is not loaded yet")
        if state in (EngineState.LOADING, EngineState.RESTARTING):
            self._ready.result()  # callers are worker threads: the wait ends with the (re)start
        if self._state is not EngineState.READY:
            raise EngineUnavailable(self._reason or f"the model is {self._state}")

    def _open(self, rendered: Rendered, request: Request, cancel: CancelToken) -> _ChildStream:
        reply = None
        if self._replies is not None:
            if self._replies:
                reply = self._replies.popleft()
            elif self._default_reply is not None:
                reply = self._default_reply
            else:
                raise EngineError("FakeEngine has no scripted reply left")
        with self._lock:
            child = self._child
            if child is None or self._state is not EngineState.READY:
                raise EngineUnavailable(self._reason or "the model process is restarting")
            ident = next(self._ids)
            stream = _ChildStream(self, child, ident, cancel)
            child.streams[ident] = stream
        child.send(("open", ident, rendered, request, reply))
        return stream

    # --- status -----------------------------------------------------------------------------

    def status(self, timeout: float = 60.0) -> dict[str, Any]:
        """What the model process says about itself (threads and how they were chosen, its memory);
        it answers after any generation or thread measurement in progress."""
        with self._lock:
            child = self._child
            if child is None:
                return {}
            ident = next(self._ids)
            future: Future = Future()
            self._calls[ident] = future
        child.send(("call", ident, "status"))
        return future.result(timeout)

    def memory(self) -> dict[str, float | None]:
        """Resident memory (MB) of this process (without the model) and of the model's process."""
        pid = self.pid
        return {"ui_rss_mb": rss_mb(), "model_rss_mb": rss_mb(pid) if pid else None}

    def wait_busy(self, timeout: float | None = None) -> bool:
        """Wait until the child has started on a generation (for tests and benchmarks)."""
        return self._busy.wait(timeout)

    def wait_settled(self, timeout: float | None = None) -> EngineState:
        """Wait until the engine is ready or off (no (re)start in progress)."""
        with self._changed:
            self._changed.wait_for(lambda: self._state in (EngineState.READY, EngineState.UNAVAILABLE), timeout)
            return self._state

    def close(self) -> None:
        with self._lock:
            self._closed = True
            child, self._child = self._child, None
            if self._state is not EngineState.UNAVAILABLE:
                self._state, self._reason = EngineState.UNAVAILABLE, "the model was closed"
            self._changed.notify_all()
        self._settle()
        if child is None:
            return
        child.intentional = True
        child.send(("close",))
        try:
            child.proc.wait(1.0)
        except subprocess.TimeoutExpired:
            child.kill()
            child.proc.wait()
