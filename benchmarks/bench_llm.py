"""Local-model benchmark: LlamaEngine against raw llama-cpp-python on the embedded model.

- decode speed: tokens/s of ``LlamaEngine.stream`` ÷ raw ``Llama.create_completion(stream=True)``
  on the same model file, prompt tokens and sampler settings (same seed, same max_tokens),
  runs alternated, medians. Rate = tokens after the first ÷ time from first to last chunk, so
  that prompt evaluation (which the engine caches) does not flatter the engine. Raw counts
  tokens with a stopping criterion too (the usual way to count a stream);
- first-token latency: a new system prompt (evaluated), the same system prompt again (still
  at the head of the context), and one that comes back after another (restored state);
- load time: ``Llama()`` alone, and ``LlamaEngine.load()`` with the hash cache warm and cold;
- memory: RSS of a fresh process holding only the loaded engine, after a generation.

Timings on shared 2-core machines are noisy: read ratios from one run, not the decimals.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from drillpad.llm.engine import Prompt, Sampling
from drillpad.llm.llama import LlamaEngine, physical_cores
from drillpad.llm.models import DEFAULT_MODEL, ModelCatalog

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


def rss_mb() -> dict[str, float]:
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) / 1024
    return out


def _catalog(tmp: Path) -> ModelCatalog:
    return ModelCatalog([("install", MODELS)], cache_file=tmp / "hashes.json", choice_file=tmp / "choice.json")


def _engine(catalog: ModelCatalog) -> LlamaEngine:
    engine = LlamaEngine(catalog.find(DEFAULT_MODEL), hash_cache=catalog.hash_cache, reproducible=True)
    info = engine.load().result()
    if info.reason:
        raise SystemExit(f"error: the model is unavailable: {info.reason}")
    return engine


def _engine_decode(engine: LlamaEngine, prompt: Prompt, sampling: Sampling, max_tokens: int) -> dict:
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
    return (run["tokens"] - 1) / run["seconds"]


def decode_speed(engine: LlamaEngine, rounds: int, max_tokens: int) -> dict:
    import llama_cpp

    raw = llama_cpp.Llama(model_path=engine.entry.path.as_posix(), n_ctx=engine.context_length,
                          n_threads=engine.threads, n_threads_batch=engine.threads, seed=engine.seed, verbose=False)
    sampling = Sampling(seed=4321)
    prompt = Prompt(QUESTIONS[0], system=SYSTEM)
    rendered = engine.template.render(prompt.system, prompt.user)
    prefix = raw.tokenize(rendered.prefix.encode(), add_bos=True, special=True)
    tokens = prefix + raw.tokenize(rendered.rest.encode(), add_bos=False, special=True)
    stop = list(engine.template.stop)
    ours, theirs = [], []
    _engine_decode(engine, prompt, sampling, 8)  # warm both
    _raw_decode(raw, llama_cpp, tokens, sampling, 8, stop)
    for i in range(rounds):
        pair = [lambda: ours.append(_engine_decode(engine, prompt, sampling, max_tokens)),
                lambda: theirs.append(_raw_decode(raw, llama_cpp, tokens, sampling, max_tokens, stop))]
        for measure in (pair if i % 2 == 0 else pair[::-1]):
            measure()
    raw.close()
    engine_rate = statistics.median(_rate(r) for r in ours)
    raw_rate = statistics.median(_rate(r) for r in theirs)
    # Each round's two runs are adjacent in time, so their ratio cancels slow drifts in machine load.
    ratio = statistics.median(_rate(a) / _rate(b) for a, b in zip(ours, theirs))
    return {"engine_tokens_per_s": round(engine_rate, 1), "raw_tokens_per_s": round(raw_rate, 1),
            "ratio": round(ratio, 3), "ratio_of_medians": round(engine_rate / raw_rate, 3),
            "max_tokens": max_tokens, "rounds": rounds,
            "engine_runs": ours, "raw_runs": theirs, "prompt_tokens": len(tokens), "system_prompt_tokens": len(prefix)}


def first_token(engine: LlamaEngine, rounds: int) -> dict:
    def latency(prompt: Prompt) -> float:
        t = time.perf_counter()
        with engine.stream(prompt, max_tokens=4) as stream:
            next(stream)
            return time.perf_counter() - t

    uncached, in_context, restored = [], [], []
    for i in range(rounds):
        engine.clear_prompt_cache().result()
        uncached.append(latency(Prompt(QUESTIONS[i % 3], system=SYSTEM)))
        in_context.append(latency(Prompt(QUESTIONS[(i + 1) % 3], system=SYSTEM)))
        latency(Prompt("Why wear gloves?", system=OTHER_SYSTEM))
        restored.append(latency(Prompt(QUESTIONS[(i + 2) % 3], system=SYSTEM)))
    med = {k: statistics.median(v) * 1000 for k, v in
           (("uncached", uncached), ("in_context", in_context), ("restored", restored))}
    return {"first_token_ms_uncached": round(med["uncached"], 1),
            "first_token_ms_cached": round(med["in_context"], 1),
            "first_token_ms_restored": round(med["restored"], 1), "rounds": rounds}


def load_times(tmp: Path, rounds: int) -> dict:
    """The first engine load hashes the file; then raw and engine loads alternate."""
    import llama_cpp

    catalog = _catalog(tmp)
    path = catalog.find(DEFAULT_MODEL).path

    def raw_load() -> float:
        t = time.perf_counter()
        llm = llama_cpp.Llama(model_path=str(path), n_ctx=2048, n_threads=physical_cores(), verbose=False)
        seconds = time.perf_counter() - t
        llm.close()
        return seconds

    def engine_load() -> float:
        t = time.perf_counter()
        engine = _engine(catalog)
        seconds = time.perf_counter() - t
        engine.close()
        return seconds

    catalog.hash_cache.path.unlink(missing_ok=True)
    cold = engine_load()
    raw, warm = [], []
    for _ in range(rounds):
        raw.append(raw_load())
        warm.append(engine_load())
    return {"load_s_raw": round(statistics.median(raw), 3),
            "load_s_engine_hash_cached": round(statistics.median(warm), 3), "load_s_engine_hash_cold": round(cold, 3)}


def _memory_child() -> None:
    before = rss_mb()["VmRSS"]
    with tempfile.TemporaryDirectory() as tmp:
        engine = _engine(_catalog(Path(tmp)))
        loaded = rss_mb()["VmRSS"]
        "".join(engine.stream(Prompt(QUESTIONS[0], system=SYSTEM), max_tokens=64))
        after = rss_mb()
        engine.close()
    print(json.dumps({"rss_mb_python": round(before, 1), "rss_mb_loaded": round(loaded, 1),
                      "rss_mb_after_generation": round(after["VmRSS"], 1), "rss_mb_peak": round(after["VmHWM"], 1)}))


def memory() -> dict:
    proc = subprocess.run([sys.executable, __file__, "--memory-child"], capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


SMOKE = {"rounds": 1, "max_tokens": 12, "load_rounds": 1, "first_token_rounds": 1}
"""The tiny size `make bench-smoke` runs (seconds, no thresholds): a broken benchmark fails CI."""


def run(rounds: int = 15, max_tokens: int = 96, load_rounds: int = 5, first_token_rounds: int = 7) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        result = {"model": DEFAULT_MODEL, "threads": physical_cores()}
        result.update(load_times(tmp, load_rounds))
        result.update(memory())
        engine = _engine(_catalog(tmp))
        try:
            result["decode"] = decode_speed(engine, rounds, max_tokens)
            result.update(first_token(engine, first_token_rounds))
            result["llama_cpp_python"] = engine.runtime
        finally:
            engine.close()
    return result


def report(r: dict) -> list[tuple[str, str, str, str]]:
    d = r["decode"]
    return [
        ("decode tokens/s, LlamaEngine.stream", f"{d['engine_tokens_per_s']:.1f}/s", "≥ 0.95× raw",
         f"{d['ratio']:.3f}× raw llama-cpp-python ({d['raw_tokens_per_s']:.1f}/s), median of {d['rounds']} pairs"),
        ("first token, system prompt uncached", f"{r['first_token_ms_uncached']:.0f} ms", "",
         f"{d['system_prompt_tokens']}-token system prompt evaluated"),
        ("first token, system prompt cached", f"{r['first_token_ms_cached']:.0f} ms", "< uncached",
         f"{r['first_token_ms_uncached'] / r['first_token_ms_cached']:.1f}× faster than uncached"),
        ("first token, system prompt restored", f"{r['first_token_ms_restored']:.0f} ms", "< uncached",
         f"{r['first_token_ms_uncached'] / r['first_token_ms_restored']:.1f}× faster than uncached"),
        ("model load, LlamaEngine (hash cached)", f"{r['load_s_engine_hash_cached']:.2f} s", "",
         f"raw Llama() {r['load_s_raw']:.2f} s; first load with hashing {r['load_s_engine_hash_cold']:.2f} s"),
        ("process RSS, model loaded + generated", f"{r['rss_mb_after_generation']:.0f} MB", "< 350 MB",
         f"peak {r['rss_mb_peak']:.0f} MB; Python + imports alone {r['rss_mb_python']:.0f} MB"),
    ]


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--max-tokens", type=int, default=96)
    ap.add_argument("--memory-child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.memory_child:
        _memory_child()
        raise SystemExit(0)
    result = run(args.rounds, args.max_tokens)
    print(json.dumps({k: v for k, v in result.items() if k != "decode"}, indent=2))
    for row in report(result):
        print("  ".join(row))
