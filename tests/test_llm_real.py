"""LlamaEngine with the embedded model: load, stream, cancel, cache, JSON. Kept to seconds."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from drillpad.llm.engine import CancelToken, EngineState, Prompt, Sampling
from drillpad.llm.llama import LlamaEngine
from drillpad.llm.models import DEFAULT_MODEL, ModelCatalog

pytestmark = pytest.mark.model

REPO = Path(__file__).resolve().parents[1]
COACH = "You coach warehouse staff. Answer in one short sentence."


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("llm")
    catalog = ModelCatalog([("install", REPO / "models")], cache_file=tmp / "hashes.json",
                           choice_file=tmp / "choice.json")
    entry = catalog.find(DEFAULT_MODEL)
    if not entry.usable:
        pytest.fail(f"embedded model not usable ({entry.problem}): run `make model`")
    records = []
    engine = LlamaEngine(entry, hash_cache=catalog.hash_cache, recorder=records.append, reproducible=True)
    progress = []
    info = engine.load(lambda f, m: progress.append((f, m))).result()
    yield engine, info, progress, records
    engine.close()


def test_load_verifies_reports_progress_and_describes_the_engine(loaded):
    engine, info, progress, _ = loaded
    assert info.state is EngineState.READY, info.reason
    assert info.sha256 == "sha256:b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
    assert (info.template, info.runtime, info.context_length) == ("chatml/1", "llama-cpp-python 0.3.36", 2048)
    assert info.threads >= 1
    assert progress[0] == (0.0, f"checking {Path(info.model_path).name}") and progress[-1] == (1.0, "ready")


def test_stream_a_few_tokens(loaded):
    engine, _, _, records = loaded
    stream = engine.stream(Prompt("What should I check before lifting a box?", system=COACH), max_tokens=6)
    text = "".join(stream)
    assert text.strip()
    g = stream.generation
    assert g is records[-1] and 1 <= g.tokens <= 6 and g.finish in ("length", "stop")


def test_cancel_mid_stream_then_generate_again(loaded):
    engine, _, _, _ = loaded
    token = CancelToken()
    stream = engine.stream(Prompt("Tell me a long story about forklifts.", system=COACH), max_tokens=200,
                           cancel=token)
    first = next(stream)
    token.cancel()
    assert list(stream) == [] and stream.text == first
    assert stream.generation.finish == "cancelled" and stream.generation.tokens < 200
    again = engine.stream(Prompt("Name one piece of safety equipment.", system=COACH), max_tokens=8)
    assert "".join(again).strip() and again.generation.finish in ("length", "stop")


def test_a_shared_system_prompt_is_evaluated_once_and_the_seed_reproduces_the_text(loaded):
    engine, _, _, _ = loaded
    ask = Prompt("Why wear gloves?", system="You are a forklift instructor. Be concise.")
    before = engine.prefix_cache_stats()

    def run(prompt):
        return "".join(engine.stream(prompt, max_tokens=8, sampling=Sampling(temperature=0.9)))

    first = run(ask)
    second = run(Prompt("Why wear boots?", system=ask.system))
    run(Prompt("Why wear boots?", system="You audit safety records."))
    third = run(ask)  # its system prompt's state comes back from the saved copy
    stats = engine.prefix_cache_stats()
    assert stats.evaluated - before.evaluated == 2
    assert stats.in_context - before.in_context == 1 and stats.restored - before.restored == 1
    assert first == third and second


class Tip(BaseModel):
    tip: str = Field(min_length=3, max_length=300)
    important: bool


def test_json_with_a_schema_validates(loaded):
    engine, _, _, records = loaded
    tip = engine.complete_json(Prompt("Give one lifting safety tip as JSON.", system=COACH), Tip, max_tokens=80)
    assert isinstance(tip, Tip) and len(tip.tip) >= 3
    assert records[-1].kind == "json" and records[-1].outcome == "valid"


def test_a_file_that_passes_its_manifest_but_is_not_a_model_is_unavailable(tmp_path, fake_gguf):
    fake_gguf(tmp_path, "bogus", data=b"GGUF" + b"\0" * 64)
    catalog = ModelCatalog([("install", tmp_path)], cache_file=tmp_path / "h.json", choice_file=tmp_path / "c.json")
    engine = LlamaEngine(catalog.find("bogus"), hash_cache=catalog.hash_cache, threads=1)
    info = engine.load().result()
    engine.close()
    assert info.state is EngineState.UNAVAILABLE
    assert info.reason.startswith("llama-cpp-python could not load bogus.gguf")
