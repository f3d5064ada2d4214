"""Local-model benchmark: the app's engine (the model in its own process) against raw llama-cpp-python.

- decode speed: tokens/s of ``ProcessEngine.stream`` (the model's process, threads as it chose
  them) ÷ raw ``Llama.create_completion(stream=True)`` in this process with the **best** thread
  count (1..N measured just before), same model file, cache settings, prompt tokens, sampler
  and seed; runs alternated, medians. Idle, then with a competing CPU-bound process on every
  core (the shared-workstation case). Rate = tokens after the first ÷ time from first to last
  chunk, so that prompt evaluation (which the engine caches) does not flatter the engine;
- first token: a new system prompt (evaluated), the same again (in the context), one that comes
  back after another (restored state);
- kill -9 of the model process → "AI ready" again (the engine's state READY);
- cancel latency during prompt evaluation: a ~1,500-token prompt, cancelled 50 ms after the
  model process started on it, until the stream has ended (goal < 200 ms);
- load time and the model process's memory (RSS) after generating.

    python benchmarks/bench_llm.py            # full (several minutes on 2 cores)
    python benchmarks/bench_llm.py --smoke    # a tiny run that checks the benchmark works

Timings on shared 2-core machines are noisy: read ratios from one run, not the decimals.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from drillpad.llm.engine import CancelToken, EngineState, Prompt, Sampling
from drillpad.llm.llama import BATCH, KV_CACHE_TYPE, physical_cores
from drillpad.llm.models import DEFAULT_MODEL, ModelCatalog
from drillpad.llm.process import ProcessEngine

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import competing_load  # noqa: E402 - benchmarks/load.py, shared with bench_ui

REPO = Path(__file__).resolve().parents[1]
MODELS = REPO / "models"

SYSTEM = (
    "You are DrillPad's scenario coach for warehouse associates at Northfield DC. Follow the approved SOP "
    "exactly and never invent steps. SOP WH-07 conveyor jams: 1. Press the nearest e-stop. 2. Lock out and tag "
    "the isolator with your own padlock. 3. Test for zero energy by trying the start button. 4. Clear the jam "
    "with the hook tool, never by hand. 5. Remove your lock only when everyone is clear, then restart and "
    "watch one full cycle. SOP WH-03 manual handling: test the weight first, keep the load close, bend the "
    "knees, no twisting, use a trolley or ask a colleague above 23 kg. SOP WH-11 spills: cordon the area, "
    "identify the substance from the label, use the spill kit for oils, call the supervisor for anything "
    "unknown. Write for a trainee: short sentences, second person, plain words, no lists longer than five items."
)
QUESTIONS = [
    "Write a new version of the conveyor-jam drill set on a night shift, in about 120 words.",
    "Write a new version of the manual-handling drill with a 30 kg box, in about 120 words.",
    "Write a new version of the spill drill with an unlabelled drum, in about 120 words.",
]
OTHER_SYSTEM = "You are a strict safety auditor. Answer in one sentence."
LONG_USER = "Summarise these shift notes in one sentence. " + " ".join(
    f"Note {i}: pallet {i} checked, straps tight, aisle {i % 7} clear, scanner charged." for i in range(70))


def _catalog(tmp: Path) -> ModelCatalog:
    return ModelCatalog([("install", MODELS)], cache_file=tmp / "hashes.json", choice_file=tmp / "choice.json")


def _engine(catalog: ModelCatalog) -> tuple[ProcessEngine, float]:
    t = time.perf_counter()
    engine = ProcessEngine.llama(catalog.find(DEFAULT_MODEL), hash_cache_path=catalog.hash_cache.path,
                                 reproducible=True, max_crashes=1000)  # kill_to_ready kills it on purpose
    info = engine.load().result()
    seconds = time.perf_counter() - t
    if info.reason:
        raise SystemExit(f"error: the model is unavailable: {info.reason}")
    engine.status()  # waits for the thread measurement that follows the load
    return engine, seconds


def _raw(engine: ProcessEngine):
    import llama_cpp

    kv = getattr(llama_cpp, KV_CACHE_TYPE)
    entry = engine.recipe.options["entry"]
    return llama_cpp, llama_cpp.Llama(model_path=str(entry.path), n_ctx=engine.info().context_length, n_threads=1,
                                      n_threads_batch=1, n_batch=BATCH, flash_attn=True, type_k=kv, type_v=kv,
                                      seed=engine.seed, verbose=False)


def _engine_decode(engine: ProcessEngine, prompt: Prompt, sampling: Sampling, max_tokens: int) -> dict:
    stamps = []
    stream = engine.stream(prompt, max_tokens=max_tokens, sampling=sampling)
    for _ in stream:
        stamps.append(time.perf_counter())
    g = stream.generation
    return {"tokens": g.tokens, "finish": g.finish, "seconds": stamps[-1] - stamps[0], "chunks": len(stamps)}


def _raw_decode(llm, llama_cpp, tokens: list[int], sampling: Sampling, max_tokens: int, stop: list[str]) -> dict:
    calls = [0]

    def count(input_ids, logits) -> bool:
        calls[0] += 1
        return False

    stamps, finish = [], None
    for chunk in llm.create_completion(
        tokens, max_tokens=max_tokens, temperature=sampling.temperature, top_p=sampling.top_p, top_k=sampling.top_k,
        min_p=sampling.min_p, repeat_penalty=sampling.repeat_penalty, seed=sampling.seed, stop=stop, stream=True,
        stopping_criteria=llama_cpp.StoppingCriteriaList([count]),
    ):
        choice = chunk["choices"][0]
        if choice["text"]:
            stamps.append(time.perf_counter())
        finish = choice["finish_reason"] or finish
    return {"tokens": calls[0] - 1, "finish": finish, "seconds": stamps[-1] - stamps[0], "chunks": len(stamps)}


def _rate(run: dict) -> float:
    return (run["tokens"] - 1) / run["seconds"] if run["seconds"] > 0 else 0.0


def decode_speed(engine: ProcessEngine, rounds: int, max_tokens: int) -> dict:
    llama_cpp, raw = _raw(engine)
    sampling = Sampling(seed=4321)
    prompt = Prompt(QUESTIONS[0], system=SYSTEM)
    rendered = engine.template.render(prompt.system, prompt.user)
    prefix = raw.tokenize(rendered.prefix.encode(), add_bos=True, special=True)
    tokens = prefix + raw.tokenize(rendered.rest.encode(), add_bos=False, special=True)
    stop = list(engine.template.stop)
    raw_by_threads = {}
    for n in range(1, physical_cores() + 1):  # the best thread count for raw llama-cpp, now
        llama_cpp.llama_set_n_threads(raw.ctx, n, n)
        raw_by_threads[n] = statistics.median(
            _rate(_raw_decode(raw, llama_cpp, tokens, sampling, max_tokens, stop)) for _ in range(2))
    best = max(raw_by_threads, key=raw_by_threads.get)
    llama_cpp.llama_set_n_threads(raw.ctx, best, best)
    for _ in range(3):  # warm; lets the engine notice a change in speed and measure its threads again
        _engine_decode(engine, prompt, sampling, max_tokens)
    ours, theirs = [], []
    for i in range(rounds):
        pair = [lambda: ours.append(_engine_decode(engine, prompt, sampling, max_tokens)),
                lambda: theirs.append(_raw_decode(raw, llama_cpp, tokens, sampling, max_tokens, stop))]
        for measure in (pair if i % 2 == 0 else pair[::-1]):
            measure()
    raw.close()
    engine_rate = statistics.median(_rate(r) for r in ours)
    raw_rate = statistics.median(_rate(r) for r in theirs)
    # Each round's two runs are adjacent in time, so their ratio cancels slow drifts in machine load.
    ratio = statistics.median(_rate(a) / _rate(b) for a, b in zip(ours, theirs) if _rate(b) > 0)
    status = engine.status()
    return {"engine_tokens_per_s": round(engine_rate, 1), "raw_tokens_per_s": round(raw_rate, 1),
            "ratio": round(ratio, 3), "ratio_of_medians": round(engine_rate / raw_rate, 3),
            "raw_best_threads": best, "raw_tokens_per_s_by_threads": {k: round(v, 1) for k, v in raw_by_threads.items()},
            "engine_threads": status.get("threads"), "engine_thread_rates": status.get("thread_rates"),
            "max_tokens": max_tokens, "rounds": rounds, "prompt_tokens": len(tokens),
            "system_prompt_tokens": len(prefix)}


def first_token(engine: ProcessEngine, rounds: int) -> dict:
    def latency(prompt: Prompt) -> float:
        t = time.perf_counter()
        with engine.stream(prompt, max_tokens=4) as stream:
            next(stream)
            return time.perf_counter() - t

    uncached, in_context, restored = [], [], []
    for i in range(rounds):
        system = f"{SYSTEM} (Bench round {i}.)"  # a system prompt the model process has not seen
        uncached.append(latency(Prompt(QUESTIONS[i % 3], system=system)))
        in_context.append(latency(Prompt(QUESTIONS[(i + 1) % 3], system=system)))
        latency(Prompt("Why wear gloves?", system=OTHER_SYSTEM))
        restored.append(latency(Prompt(QUESTIONS[(i + 2) % 3], system=system)))
    med = {k: statistics.median(v) * 1000 for k, v in
           (("uncached", uncached), ("in_context", in_context), ("restored", restored))}
    return {"first_token_ms_uncached": round(med["uncached"], 1),
            "first_token_ms_cached": round(med["in_context"], 1),
            "first_token_ms_restored": round(med["restored"], 1), "rounds": rounds}


def kill_to_ready(engine: ProcessEngine, rounds: int) -> dict:
    """kill -9 of the model process → the engine READY again (what the status bar shows as "AI ready")."""
    seconds = []
    for _ in range(rounds):
        "".join(engine.stream(Prompt("Say OK.", system=OTHER_SYSTEM), max_tokens=2))
        t = time.perf_counter()
        os.kill(engine.pid, signal.SIGKILL)
        while engine.state is EngineState.READY:  # until the engine has seen the death
            time.sleep(0.001)
        engine.wait_settled(120)
        seconds.append(time.perf_counter() - t)
    # the n-th crash within the crash window waits the n-th back-off delay before the restart
    return {"kill_to_ready_s": round(seconds[0], 2), "kill_to_ready_s_each": [round(x, 2) for x in seconds],
            "restart_delays_s": list(engine.restart_delays[:rounds])}


def cancel_latency(engine: ProcessEngine, rounds: int) -> dict:
    """Cancel 50 ms into a long prompt's evaluation; time until the stream has ended."""
    latencies, kills = [], engine.cancel_kills
    prompt = Prompt(LONG_USER, system=OTHER_SYSTEM)
    for _ in range(rounds):
        engine.wait_settled(120)
        token = CancelToken()
        ended = threading.Event()
        stream = engine.stream(prompt, max_tokens=16, cancel=token)
        def consume() -> None:
            try:
                "".join(stream)
            finally:
                ended.set()

        threading.Thread(target=consume, daemon=True).start()
        engine.wait_busy(60)
        time.sleep(0.05)
        t = time.perf_counter()
        token.cancel()
        ended.wait(60)
        latencies.append(time.perf_counter() - t)
    return {"cancel_ms_median": round(statistics.median(latencies) * 1000, 1),
            "cancel_ms_max": round(max(latencies) * 1000, 1), "cancel_killed_child": engine.cancel_kills - kills,
            "cancel_rounds": rounds}


SMOKE = {"rounds": 1, "max_tokens": 12, "smoke": True}
"""The tiny size `make bench-smoke` runs (seconds, no thresholds): a broken benchmark fails CI."""


def run(rounds: int = 11, max_tokens: int = 96, smoke: bool = False) -> dict:
    if smoke:
        rounds, max_tokens = 2, 24
    with tempfile.TemporaryDirectory() as tmp:
        engine, load_s = _engine(_catalog(Path(tmp)))
        try:
            result = {"model": DEFAULT_MODEL, "cores": physical_cores(), "load_s": round(load_s, 2),
                      "smoke": smoke, "llama_cpp_python": engine.runtime}
            result["decode"] = decode_speed(engine, rounds, max_tokens)
            result.update(first_token(engine, 2 if smoke else 5))
            result["model_rss_mb"] = round(engine.memory()["model_rss_mb"] or 0, 1)
            result["ui_side_rss_mb"] = round(engine.memory()["ui_rss_mb"] or 0, 1)
            with competing_load() as busy:
                result["decode_loaded"] = {**decode_speed(engine, rounds, max_tokens), "competing_processes": busy}
                result.update(cancel_latency(engine, 2 if smoke else 5))
            result.update(kill_to_ready(engine, 1 if smoke else 3))
        finally:
            engine.close()
    return result


def report(r: dict) -> list[tuple[str, str, str, str]]:
    d, dl = r["decode"], r["decode_loaded"]
    return [
        ("decode tokens/s, app engine (own process), idle", f"{d['engine_tokens_per_s']:.1f}/s", "≥ 0.95× raw",
         f"{d['ratio']:.3f}× raw llama-cpp-python with its best threads ({d['raw_best_threads']}: "
         f"{d['raw_tokens_per_s']:.1f}/s); engine threads {d['engine_threads']}; median of {d['rounds']} pairs"),
        ("decode tokens/s, every core busy", f"{dl['engine_tokens_per_s']:.1f}/s", "≥ 0.95× raw",
         f"{dl['ratio']:.3f}× raw with its best threads ({dl['raw_best_threads']}: {dl['raw_tokens_per_s']:.1f}/s; "
         f"by threads {dl['raw_tokens_per_s_by_threads']}); engine threads {dl['engine_threads']}"),
        ("cancel during prompt evaluation", f"{r['cancel_ms_median']:.0f} ms", "< 200 ms",
         f"max {r['cancel_ms_max']:.0f} ms; model process killed and restarted in {r['cancel_killed_child']} of "
         f"{r['cancel_rounds']}; every core busy"),
        ("kill -9 of the model process → AI ready", f"{r['kill_to_ready_s']:.2f} s", "",
         f"first crash, incl. {r['restart_delays_s'][0]} s back-off; crashes in a row: {r['kill_to_ready_s_each']} s "
         f"(back-off {r['restart_delays_s']} s)"),
        ("first token, system prompt uncached / cached / restored",
         f"{r['first_token_ms_uncached']:.0f} / {r['first_token_ms_cached']:.0f} / "
         f"{r['first_token_ms_restored']:.0f} ms", "cached < uncached", f"{d['system_prompt_tokens']}-token system prompt"),
        ("model load to ready (own process, threads measured after)", f"{r['load_s']:.2f} s", "", ""),
        ("model process RSS after generating", f"{r['model_rss_mb']:.0f} MB", "UI + model < 350 MB",
         "the UI process's RSS is measured by bench_ui"),
    ]


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=11)
    ap.add_argument("--max-tokens", type=int, default=96)
    ap.add_argument("--smoke", action="store_true", help="a tiny run that checks the benchmark works")
    args = ap.parse_args()
    result = run(args.rounds, args.max_tokens, args.smoke)
    print(json.dumps(result, indent=2))
    for row in report(result):
        print("  ".join(row))
