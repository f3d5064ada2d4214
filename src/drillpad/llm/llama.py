"""LlamaEngine: the local model through llama-cpp-python, owned by one worker thread.

A llama context is not thread-safe, so one dedicated daemon thread owns it: it loads the
model, evaluates prompts and samples tokens; every other thread only queues jobs and reads
results (plain ``threading`` and ``queue``: the UI adapts this with Qt signals). Calls are
served in order, so a cancelled generation simply lets the next one start.

- **Load** (``load(progress)`` returns a Future at once): the memory check (file size × 1.2
  against ``MemAvailable``), the sha256 check against the manifest (cached by size and
  mtime), importing llama-cpp-python, loading the weights. Any failure leaves the engine
  ``unavailable`` with one reason, logged once; nothing is raised into the app.
- **Streaming** with ``create_completion(stream=True)``; a stopping criterion checks the
  cancel token before each token is delivered, so cancel takes effect within one token.
- **System prompt cache**: the evaluated state of each recent system prompt (the template's
  prefix) is kept. A call whose prefix is still at the head of the context reuses it in
  place; one whose prefix was evaluated earlier restores it with ``llama_state_set_data``;
  only a new system prompt is evaluated, alone, and saved. The prefix is always evaluated
  the same way, so a fixed seed gives the same text whichever path was taken
  (reproducible mode). The state is saved with the C API rather than ``Llama.save_state``,
  which also copies n_tokens × n_vocab float logits (about 50 MB for a 250-token prompt
  with a 49k vocabulary) that sampling does not need.
- **Threads**: pinned by the ``model_threads`` policy key, else one less than the physical cores
  at load, then measured (``tune_threads``: tokens/s for 1..N threads, see ``threads``) and
  measured again when generation gets much slower (``observe_speed``). In the app this runs
  in the model's own process (``process.ProcessEngine``), never in the window's.
"""

from __future__ import annotations

import ctypes
import json
import logging
import os
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

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
from drillpad.llm.models import HashCache, ModelEntry, verify_entry
from drillpad.llm.provenance import Recorder
from drillpad.llm.template import TEMPLATES, Rendered
from drillpad.llm.threads import SpeedWatch, candidates, choose_threads

log = logging.getLogger(__name__)

DEFAULT_CONTEXT = 2048
MEMORY_FACTOR = 1.2
"""A model needs about its file size × this in free memory (weights, KV cache, buffers)."""
BATCH = 128
"""Prompt tokens evaluated per step. llama.cpp's default (512) sizes its compute buffers and the
logits array for 512 tokens; 128 saves ~12 MB of the model process's memory at no cost a
135M-parameter model notices."""
KV_CACHE_TYPE = "GGML_TYPE_Q8_0"
"""The attention cache (keys and values) is kept in 8 bits, with flash attention (which quantised
values need): ~24 MB less at 2048 tokens, and decoding was 10–30 % faster, not slower, on the
2-core test machine (alternated runs, 64 tokens). Outputs differ slightly from a 16-bit cache;
reproducible mode stays reproducible."""
PREFIX_STATES = 4
"""How many system prompts' evaluated states are kept (each a few MB for the embedded model)..."""
PREFIX_BYTES = 12_000_000
"""... within this many bytes (the newest is always kept): two 300-token prompts of the embedded
model; the model process stays within its share of the 350 MB memory budget."""


def physical_cores(cpus: Sequence[int] | None = None, sysfs: Path = Path("/sys/devices/system/cpu")) -> int:
    """Physical cores this process may run on: llama.cpp gains nothing from SMT siblings.

    On Linux: the distinct (package, core) pairs in sysfs among the CPUs in this process's
    affinity mask. Where that is unknown (Windows, macOS, no sysfs), a heuristic: the
    logical CPU count, halved when it is 4 or more (office PCs with 4+ logical CPUs almost
    always have 2-way SMT; with 2 or 3 we assume none). Never less than 1.
    """
    if cpus is None:
        try:
            cpus = sorted(os.sched_getaffinity(0))
        except AttributeError:  # not Linux
            cpus = list(range(os.cpu_count() or 1))
    cores: set[tuple[str, str]] = set()
    try:
        for cpu in cpus:
            topology = sysfs / f"cpu{cpu}" / "topology"
            cores.add(((topology / "physical_package_id").read_text().strip(),
                       (topology / "core_id").read_text().strip()))
    except OSError:
        cores = set()
    if cores:
        return len(cores)
    logical = len(cpus)
    return max(1, logical // 2 if logical >= 4 else logical)


def available_memory(meminfo: str | None = None) -> int | None:
    """Bytes of memory available to start new work (``MemAvailable``), or None if unknown."""
    if meminfo is None:
        try:
            meminfo = Path("/proc/meminfo").read_text()
        except OSError:
            return None
    for line in meminfo.splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
    return None


def memory_problem(size: int, available: int | None) -> str | None:
    need = int(size * MEMORY_FACTOR)
    if available is not None and need > available:
        return (f"the model needs about {need / 1e6:,.0f} MB of memory but only {available / 1e6:,.0f} MB are "
                "available; close other programs, or ask IT for a smaller model")
    return None


def _report(progress: Progress | None, fraction: float, message: str) -> None:
    if progress is not None:
        try:
            progress(fraction, message)
        except Exception:  # a broken progress display must not break loading
            log.exception("load progress callback failed")


def _import_llama() -> ModuleType:
    import llama_cpp

    return llama_cpp


class _Worker:
    """One daemon thread running jobs in order: the only thread that touches the llama context."""

    def __init__(self, name: str):
        self._jobs: queue.SimpleQueue[tuple[Future, Callable[..., Any], tuple] | None] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.thread.start()

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        future: Future = Future()
        self._jobs.put((future, fn, args))
        return future

    def stop(self) -> None:
        self._jobs.put(None)

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            future, fn, args = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn(*args))
            except BaseException as exc:  # delivered to whoever waits on the future
                future.set_exception(exc)


class _QueueStream:
    """Text produced on the worker thread, read in the consumer's thread."""

    def __init__(self) -> None:
        self.finish: str | None = None
        self.tokens = 0
        self._items: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self._ended = False

    # worker side
    def put(self, text: str) -> None:
        self._items.put(("text", text))

    def end(self, finish: str, tokens: int) -> None:
        self._items.put(("end", (finish, tokens)))

    def fail(self, exc: EngineError, tokens: int) -> None:
        self._items.put(("error", (exc, tokens)))

    # consumer side
    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if self._ended:
            raise StopIteration
        kind, value = self._items.get()
        if kind == "text":
            return value
        self._ended = True
        if kind == "end":
            self.finish, self.tokens = value
            raise StopIteration
        exc, self.tokens = value
        raise exc


class _StopOnCancel:
    """The stopping criterion: called once per sampled token (and once more at the end)."""

    def __init__(self, cancel: CancelToken):
        self.cancel = cancel
        self.calls = 0

    def __call__(self, input_ids: Any, logits: Any) -> bool:
        self.calls += 1
        return self.cancel.cancelled

    @property
    def tokens(self) -> int:
        return max(0, self.calls - 1)


@dataclass
class PrefixCacheStats:
    evaluated: int = 0
    """System prompts evaluated from scratch."""
    in_context: int = 0
    """Calls whose system prompt was still at the head of the context."""
    restored: int = 0
    """Calls whose system prompt state was restored from a saved copy."""


@dataclass
class _PrefixCache:
    llama_cpp: ModuleType
    capacity: int = PREFIX_STATES
    max_bytes: int = PREFIX_BYTES
    states: OrderedDict[tuple[int, ...], bytearray] = field(default_factory=OrderedDict)
    stats: PrefixCacheStats = field(default_factory=PrefixCacheStats)

    def prepare(self, llm: Any, prefix: list[int]) -> None:
        """Leave exactly *prefix* evaluated in the context, as cheaply as possible."""
        n = len(prefix)
        if n == 0:
            llm.reset()
            return
        if llm.n_tokens >= n and llm.input_ids[:n].tolist() == prefix:
            llm.n_tokens = n  # generate() drops the KV cells after it before evaluating the rest
            self.stats.in_context += 1
            return
        key = tuple(prefix)
        if (data := self.states.get(key)) is not None:
            self.states.move_to_end(key)
            buf = (ctypes.c_uint8 * len(data)).from_buffer(data)  # read in place: no copy of a few MB
            restored = self.llama_cpp.llama_state_set_data(llm.ctx, buf, len(data)) == len(data)
            del buf
            if restored:
                llm.input_ids[:n] = prefix
                llm.n_tokens = n
                self.stats.restored += 1
                return
            del self.states[key]
        llm.reset()
        llm.eval(prefix)
        size = self.llama_cpp.llama_state_get_size(llm.ctx)
        data = bytearray(size)
        buf = (ctypes.c_uint8 * size).from_buffer(data)
        written = self.llama_cpp.llama_state_get_data(llm.ctx, buf, size)
        del buf
        del data[written:]  # shrunk in place rather than copied
        self.states[key] = data
        while len(self.states) > 1 and (len(self.states) > self.capacity
                                        or sum(map(len, self.states.values())) > self.max_bytes):
            self.states.popitem(last=False)
        self.stats.evaluated += 1

    def clear(self) -> None:
        self.states.clear()


class LlamaEngine(BaseEngine):
    def __init__(self, entry: ModelEntry, *, hash_cache: HashCache | None = None, context_length: int | None = None,
                 threads: int | None = None, clock: Clock | None = None, recorder: Recorder | None = None,
                 reproducible: bool = False, seed: int = 1234):
        manifest = entry.manifest
        template = TEMPLATES.get(manifest.chat_template if manifest else "", TEMPLATES["chatml"])
        super().__init__(template=template, clock=clock, recorder=recorder, reproducible=reproducible, seed=seed)
        self.entry = entry
        self.hash_cache = hash_cache
        wanted = context_length or DEFAULT_CONTEXT
        self.context_length = min(wanted, manifest.context_length) if manifest else wanted
        self.cores = physical_cores()
        self.threads = threads or max(1, self.cores - 1)
        self.threads_source = "policy" if threads else "default (a core left for the window)"
        self.thread_rates: dict[int, float] = {}
        """Tokens/s measured per thread count by the last ``tune_threads``."""
        self.last_rate: float | None = None
        """Tokens/s of the last generation (after its first token)."""
        self._speed: SpeedWatch | None = None
        self.runtime = "llama-cpp-python"
        self._state = EngineState.UNLOADED
        self._reason: str | None = None
        self._lock = threading.Lock()
        self._load_future: Future[EngineInfo] | None = None
        self._worker: _Worker | None = None
        self._llm: Any = None
        self._prefixes: _PrefixCache | None = None
        self._llama_cpp: ModuleType | None = None
        self._grammars: dict[str, Any] = {}
        self._current: CancelToken | None = None
        self._closed = False
        if not entry.usable or manifest is None:
            self._fail(entry.problem or f"{entry.name} cannot be used")

    # --- state --------------------------------------------------------------------------

    @property
    def state(self) -> EngineState:
        return self._state

    @property
    def reason(self) -> str | None:
        return self._reason

    def info(self) -> EngineInfo:
        m = self.entry.manifest
        return EngineInfo(self.entry.name, str(self.entry.path), m.sha256 if m else None, m.size if m else None,
                          self.context_length, self.threads, self.template.id, self.template.sha256, self.runtime,
                          self._state, self._reason)

    def prefix_cache_stats(self) -> PrefixCacheStats:
        return PrefixCacheStats(**vars(self._prefixes.stats)) if self._prefixes else PrefixCacheStats()

    def _fail(self, reason: str) -> EngineInfo:
        self._state = EngineState.UNAVAILABLE
        self._reason = reason
        log.warning("local model %s is unavailable: %s", self.entry.name, reason)
        return self.info()

    # --- load ---------------------------------------------------------------------------

    def load(self, progress: Progress | None = None) -> Future[EngineInfo]:
        """Start loading on the worker thread; the Future gives the final info (never an exception)."""
        with self._lock:
            if self._load_future is None:
                if self._state is EngineState.UNAVAILABLE:
                    self._load_future = Future()
                    self._load_future.set_result(self.info())
                    _report(progress, 1.0, f"unavailable: {self._reason}")
                else:
                    self._state = EngineState.LOADING
                    self._worker = _Worker(f"drillpad-llm-{self.entry.name}")
                    self._load_future = self._worker.submit(self._load, progress)
            return self._load_future

    def _load(self, progress: Progress | None) -> EngineInfo:
        def report(fraction: float, message: str) -> None:
            _report(progress, fraction, message)

        try:
            info = self._load_steps(report)
        except Exception as exc:  # never raise into the app
            log.exception("unexpected failure while loading %s", self.entry.path)
            info = self._fail(f"unexpected error while loading {self.entry.path.name}: {exc}")
        report(1.0, "ready" if info.state is EngineState.READY else f"unavailable: {info.reason}")
        return info

    def _load_steps(self, report: Callable[[float, str], None]) -> EngineInfo:
        path = self.entry.path
        report(0.0, f"checking {path.name}")
        try:
            size = path.stat().st_size
        except OSError:
            return self._fail(f"{path.name} is missing ({path.parent})")
        if problem := memory_problem(size, available_memory()):
            return self._fail(problem)
        reported = [-1.0]

        def hashed(done: int, total: int) -> None:
            fraction = done / max(total, 1)
            if fraction - reported[0] >= 0.05 or done >= total:
                reported[0] = fraction
                report(0.05 + 0.6 * fraction, f"verifying {path.name}")

        trusted_cache = self.hash_cache is not None and self.hash_cache.get(path) is not None
        entry = verify_entry(self.entry, self.hash_cache, hashed)
        if not entry.usable:
            return self._fail(entry.problem or "verification failed")
        self.entry = entry
        recheck: Future[ModelEntry] = Future()
        if trusted_cache:  # a fast start trusted size+mtime: hash the bytes while the runtime loads, before READY
            threading.Thread(target=lambda: recheck.set_result(verify_entry(entry, self.hash_cache, fresh=True)),
                             name="drillpad-model-rehash", daemon=True).start()
        else:
            recheck.set_result(entry)
        report(0.7, "starting the model runtime")
        try:
            llama_cpp = _import_llama()
        except Exception as exc:
            return self._fail(f"the model runtime (llama-cpp-python) cannot be loaded: {exc}; run `make setup`")
        self.runtime = f"llama-cpp-python {getattr(llama_cpp, '__version__', '?')}"
        report(0.75, f"loading {path.name}")
        try:
            kv_type = getattr(llama_cpp, KV_CACHE_TYPE, None)
            cache = {"flash_attn": True, "type_k": kv_type, "type_v": kv_type} if kv_type is not None else {}
            llm = llama_cpp.Llama(model_path=str(path), n_ctx=self.context_length, n_threads=self.threads,
                                  n_threads_batch=self.threads, n_batch=BATCH, seed=self.seed, verbose=False,
                                  **cache)
        except Exception as exc:
            return self._fail(f"llama-cpp-python could not load {path.name}: {exc}")
        rechecked = recheck.result()
        if not rechecked.usable:
            del llm
            return self._fail(rechecked.problem or "verification failed")
        self._llm = llm
        self._prefixes = _PrefixCache(llama_cpp)
        self._llama_cpp = llama_cpp
        self._state = EngineState.READY
        return self.info()

    # --- generation ---------------------------------------------------------------------

    def _check_usable(self) -> None:
        if self._state is EngineState.UNLOADED:
            raise EngineUnavailable("the model is not loaded yet")
        if self._state is EngineState.LOADING and self._load_future is not None:
            self._load_future.result()  # the caller is off the main thread; the wait ends with the load
        if self._state is not EngineState.READY:
            raise EngineUnavailable(self._reason or f"the model is {self._state}")

    def _open(self, rendered: Rendered, request: Request, cancel: CancelToken) -> _QueueStream:
        worker = self._worker
        if worker is None:
            raise EngineUnavailable(self._reason or "the model was closed")
        stream = _QueueStream()
        worker.submit(self._generate, rendered, request, cancel, stream)
        return stream

    def generate_into(self, rendered: Rendered, request: Request, cancel: CancelToken, sink: Any) -> None:
        """Generate on the model's thread straight into *sink* (``put(text)``, ``end(finish, tokens)``,
        ``fail(error, tokens)``) and return when done: the model process writes each token to its pipe from
        the thread that made it, with no hand-over between threads (they cost on a busy machine)."""
        worker = self._worker
        if worker is None:
            raise EngineUnavailable(self._reason or "the model was closed")
        worker.submit(self._generate, rendered, request, cancel, sink).result()

    def _generate(self, rendered: Rendered, request: Request, cancel: CancelToken, stream: _QueueStream) -> None:
        llm = self._llm
        if llm is None or self._prefixes is None or self._closed:
            stream.fail(EngineUnavailable("the model was closed"), 0)
            return
        self._current = cancel
        stopper = _StopOnCancel(cancel)
        try:
            prefix = llm.tokenize(rendered.prefix.encode("utf-8"), add_bos=True, special=True)
            rest = llm.tokenize(rendered.rest.encode("utf-8"), add_bos=False, special=True)
            if len(prefix) + len(rest) >= self.context_length - 1:
                raise EngineError(f"the prompt is {len(prefix) + len(rest)} tokens; the model's context holds "
                                  f"{self.context_length}")
            if cancel.cancelled:
                stream.end("cancelled", 0)
                return
            self._prefixes.prepare(llm, prefix)
            s = request.sampling
            finish = "stop"
            first = last = 0.0
            for chunk in llm.create_completion(
                prefix + rest, max_tokens=request.max_tokens, temperature=s.temperature, top_p=s.top_p,
                top_k=s.top_k, min_p=s.min_p, repeat_penalty=s.repeat_penalty, seed=s.seed,
                stop=list(request.stop) + list(self.template.stop), stream=True,
                stopping_criteria=self._llama_cpp.StoppingCriteriaList([stopper]),
                grammar=self._grammar(request.json_schema),
            ):
                choice = chunk["choices"][0]
                if choice["text"]:
                    last = time.perf_counter()
                    first = first or last
                    stream.put(choice["text"])
                if choice["finish_reason"]:
                    finish = choice["finish_reason"]
            self.last_rate = (stopper.tokens - 1) / (last - first) if stopper.tokens > 8 and last > first else None
            stream.end("cancelled" if cancel.cancelled else finish, stopper.tokens)
        except Exception as exc:
            try:
                llm.reset()  # the context may be half-written; the next call starts clean
            except Exception:
                log.exception("could not reset the llama context")
            error = exc if isinstance(exc, EngineError) else EngineError(f"the model failed while generating: {exc}")
            stream.fail(error, stopper.tokens)
        finally:
            self._current = None

    def _grammar(self, schema: dict[str, Any] | None) -> Any:
        if schema is None:
            return None
        key = json.dumps(schema, sort_keys=True)
        if key not in self._grammars:
            from llama_cpp.llama_grammar import LlamaGrammar

            try:
                self._grammars[key] = LlamaGrammar.from_json_schema(key, verbose=False)
            except Exception as exc:
                raise EngineError(f"the JSON schema cannot be turned into a grammar: {exc}") from exc
        return self._grammars[key]

    # --- threads ------------------------------------------------------------------------

    def tune_threads(self, tokens: int = 10) -> int:
        """Measure tokens/s for 1..N threads and keep the best (see ``threads``); pinned threads stay.
        Blocks until done (the model process calls it after loading, between generations)."""
        if self.threads_source == "policy" or self._worker is None or self._llm is None:
            return self.threads
        return self._worker.submit(self._tune, tokens).result()

    def observe_speed(self) -> bool:
        """After a generation: measure the threads again if generation has become much slower."""
        rate, watch = self.last_rate, self._speed
        self.last_rate = None
        if rate is None or watch is None or not watch.slow(rate):
            return False
        log.info("generation slowed to %.1f tokens/s (was %.1f); measuring threads again", rate, watch.baseline)
        self.tune_threads()
        return True

    def status(self) -> dict[str, Any]:
        return {"threads": self.threads, "threads_source": self.threads_source, "cores": self.cores,
                "thread_rates": {n: round(r, 1) for n, r in self.thread_rates.items()},
                "prefix_cache": {**vars(self.prefix_cache_stats()),
                                 "bytes": sum(map(len, self._prefixes.states.values())) if self._prefixes else 0}}

    def _set_threads(self, n: int) -> None:
        self._llama_cpp.llama_set_n_threads(self._llm.ctx, n, n)
        self.threads = n

    def _tune(self, tokens: int) -> int:
        llm = self._llm
        prompt = llm.tokenize(self.template.render("", "Name three rules for lifting a heavy box.").text.encode(),
                              add_bos=True, special=True)
        rates: dict[int, float] = {}
        for n in candidates(self.cores):
            self._set_threads(n)
            llm.reset()
            stamps = [time.perf_counter() for chunk in llm.create_completion(
                prompt, max_tokens=tokens, temperature=0.0, stream=True) if chunk["choices"][0]["text"]]
            rates[n] = (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 2 and stamps[-1] > stamps[0] else 0.0
        llm.reset()  # the next call restores its system prompt from the cache
        chosen = choose_threads(rates, self.cores) if any(rates.values()) else self.threads
        self._set_threads(chosen)
        self.thread_rates = rates
        self.threads_source = "measured"
        self._speed = SpeedWatch(rates.get(chosen) or 1.0)
        log.info("model threads: %d of %d cores (tokens/s by threads: %s)", chosen, self.cores,
                 {n: round(r, 1) for n, r in rates.items()})
        return chosen

    # --- housekeeping -------------------------------------------------------------------

    def clear_prompt_cache(self) -> Future[None]:
        """Forget saved system prompts and empty the context (benchmarks, memory pressure)."""
        def clear() -> None:
            if self._prefixes is not None:
                self._prefixes.clear()
            if self._llm is not None:
                self._llm.reset()

        if self._worker is None:
            done: Future[None] = Future()
            done.set_result(None)
            return done
        return self._worker.submit(clear)

    def close(self) -> None:
        """Stop any generation, free the model on its thread, and end the thread."""
        with self._lock:
            worker, self._worker = self._worker, None
        if worker is None:
            return
        self._closed = True  # generations still queued end at once
        if (current := self._current) is not None:
            current.cancel()

        def free() -> None:
            if self._llm is not None:
                self._llm.close()
            self._llm = None
            self._prefixes = None

        worker.submit(free)
        worker.stop()
        if threading.current_thread() is not worker.thread:
            worker.thread.join()
        if self._state is not EngineState.UNAVAILABLE:
            self._state, self._reason = EngineState.UNAVAILABLE, "the model was closed"
