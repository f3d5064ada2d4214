"""Smoke check of the local model runtime: load a GGUF and generate a few tokens.

It runs in a child process, so a llama build that crashes (the native build segfaults on
some CPUs) is reported as a clear failure instead of taking the caller down with it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

PROMPT = "<|im_start|>user\nName one thing to check before lifting a box.<|im_end|>\n<|im_start|>assistant\n"


class SmokeError(RuntimeError):
    pass


@dataclass(frozen=True)
class SmokeResult:
    model: str
    text: str
    tokens: int
    load_seconds: float
    generate_seconds: float
    llama_version: str


def _child(model_path: str, max_tokens: int) -> None:
    t0 = time.perf_counter()
    import llama_cpp

    llm = llama_cpp.Llama(model_path=model_path, n_ctx=256, n_threads=max(1, os.cpu_count() or 1),
                          seed=1, verbose=False)
    t1 = time.perf_counter()
    out = llm.create_completion(PROMPT, max_tokens=max_tokens, temperature=0.0)
    t2 = time.perf_counter()
    print(json.dumps({
        "text": out["choices"][0]["text"],
        "tokens": out["usage"]["completion_tokens"],
        "load_seconds": round(t1 - t0, 3),
        "generate_seconds": round(t2 - t1, 3),
        "llama_version": llama_cpp.__version__,
    }))


def run_smoke(model_path: Path, max_tokens: int = 8, timeout: float = 180.0) -> SmokeResult:
    if not model_path.is_file():
        raise SmokeError(f"model file not found: {model_path} (run `make model`)")
    cmd = [sys.executable, "-m", "drillpad.llm.smoke", str(model_path), str(max_tokens)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise SmokeError(f"the model did not answer within {timeout:.0f} s") from None
    if proc.returncode < 0:
        name = signal.Signals(-proc.returncode).name
        raise SmokeError(
            f"the llama runtime crashed ({name}) while loading or running {model_path.name}. "
            "This is what a non-portable llama-cpp-python build does on these CPUs: "
            "remove .venv/.llama-* and run `make setup` to reinstall the portable wheel."
        )
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        if "No module named 'llama_cpp'" in proc.stderr:
            last = "llama-cpp-python is not installed (run `make setup`)"
        raise SmokeError(f"the model smoke test failed: {last}")
    try:
        data = json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        raise SmokeError(f"the model smoke test printed no result: {proc.stdout[-200:]!r}") from None
    if data["tokens"] < 1 or not data["text"].strip():
        raise SmokeError("the model loaded but generated no text")
    return SmokeResult(model=model_path.name, **data)


if __name__ == "__main__":
    _child(sys.argv[1], int(sys.argv[2]))
