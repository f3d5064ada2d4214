"""The setup smoke check of the local model runtime."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from drillpad.llm import smoke
from drillpad.llm.smoke import SmokeError, run_smoke

REPO = Path(__file__).resolve().parents[1]
EMBEDDED = REPO / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"


@pytest.mark.model
def test_embedded_model_generates_tokens():
    if not EMBEDDED.exists():
        pytest.fail("embedded model missing: run `make model`")
    result = run_smoke(EMBEDDED, max_tokens=6)
    assert 1 <= result.tokens <= 6
    assert result.text.strip()
    assert result.llama_version == "0.3.36"


def test_missing_model_file(tmp_path):
    with pytest.raises(SmokeError, match="model file not found"):
        run_smoke(tmp_path / "none.gguf")


def test_a_file_that_is_not_a_model_fails_clearly(tmp_path):
    bogus = tmp_path / "bogus.gguf"
    bogus.write_bytes(b"GGUF" + b"\0" * 64)
    with pytest.raises(SmokeError, match="smoke test failed"):
        run_smoke(bogus)


def test_a_crashing_runtime_is_named_with_the_fix(tmp_path, monkeypatch):
    model = tmp_path / "m.gguf"
    model.write_bytes(b"x")
    monkeypatch.setattr(smoke.subprocess, "run",
                        lambda *a, **k: subprocess.CompletedProcess(a, -11, stdout="", stderr=""))
    with pytest.raises(SmokeError, match=r"crashed \(SIGSEGV\).*portable"):
        run_smoke(model)
