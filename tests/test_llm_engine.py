"""The Engine protocol through FakeEngine, LlamaEngine's failure handling, and provenance."""

from __future__ import annotations

import logging
import os
import sqlite3
import types

import pytest
from pydantic import BaseModel, Field

from drillpad.llm import llama as llama_module
from drillpad.llm import models
from drillpad.llm.engine import (
    RETRY_MIN_TEMPERATURE,
    CancelToken,
    EngineError,
    EngineOutputError,
    EngineState,
    EngineUnavailable,
    GenerationCancelled,
    Prompt,
    Sampling,
    UnavailableEngine,
)
from drillpad.llm.fake import FakeEngine
from drillpad.llm.llama import LlamaEngine, available_memory, memory_problem, physical_cores
from drillpad.llm.models import ModelCatalog
from drillpad.llm.provenance import GENERATION_EVENT, Generation, sha256_text
from drillpad.llm.template import TEMPLATES


class Hazard(BaseModel):
    hazard: str = Field(min_length=3, max_length=40)
    steps: list[str] = Field(min_length=1, max_length=3)


VALID = '{"hazard": "heavy box", "steps": ["test the weight", "bend the knees"]}'


# --- streaming and cancel --------------------------------------------------------------------


def test_stream_delivers_the_reply_and_records_what_produced_it(clock):
    records: list[Generation] = []
    engine = FakeEngine(["Press the e-stop, then lock out."], clock=clock, recorder=records.append)
    prompt = Prompt("What first?", system="You coach warehouse staff.", purpose="feedback", sources=("jam-c1",))
    stream = engine.stream(prompt, max_tokens=50)
    assert "".join(stream) == "Press the e-stop, then lock out."
    [g] = records
    assert stream.generation == g
    assert (g.kind, g.finish, g.tokens, g.purpose, g.sources) == ("text", "stop", 6, "feedback", ("jam-c1",))
    rendered = "<|im_start|>system\nYou coach warehouse staff.<|im_end|>\n<|im_start|>user\nWhat first?<|im_end|>\n" \
               "<|im_start|>assistant\n"
    assert engine.prompts == [rendered]
    assert g.prompt_sha256 == sha256_text(rendered)
    assert g.output_sha256 == sha256_text("Press the e-stop, then lock out.")
    assert (g.template, g.template_sha256) == ("chatml/1", TEMPLATES["chatml"].sha256)
    assert g.model_sha256.startswith("sha256:") and g.runtime == "fake"
    assert g.started_at == g.finished_at == "2026-03-02T08:30:00.000000+00:00"
    assert g.params["max_tokens"] == 50 and isinstance(g.params["seed"], int)


def test_cancel_stops_the_stream_before_the_next_chunk_and_the_engine_serves_the_next_call():
    records: list[Generation] = []
    engine = FakeEngine(["one two three four five", "next answer"], recorder=records.append)
    token = CancelToken()
    stream = engine.stream("go", cancel=token)
    assert [next(stream), next(stream)] == ["one", " two"]
    token.cancel()
    assert list(stream) == []
    assert stream.text == "one two"
    assert (records[0].finish, records[0].output_sha256) == ("cancelled", sha256_text("one two"))
    assert "".join(engine.stream("again")) == "next answer"
    assert [r.finish for r in records] == ["cancelled", "stop"]


def test_leaving_a_stream_early_cancels_it_and_still_records_it():
    records: list[Generation] = []
    engine = FakeEngine(["a b c d"], recorder=records.append)
    with engine.stream("go") as stream:
        assert next(stream) == "a"
    assert [(r.finish, r.output_sha256) for r in records] == [("cancelled", sha256_text("a"))]


def test_max_tokens_and_stop_sequences_end_a_stream():
    engine = FakeEngine(["w1 w2 w3 w4 w5", "Step one. END ignored"])
    s = engine.stream("x", max_tokens=3)
    assert "".join(s) == "w1 w2 w3" and s.generation.finish == "length"
    s = engine.stream("x", stop=["END"])
    assert "".join(s) == "Step one. " and s.generation.finish == "stop"


def test_an_error_during_generation_is_an_engine_error_and_is_recorded():
    records: list[Generation] = []
    engine = FakeEngine([EngineError("the model failed while generating: decode -1"), "fine"],
                        recorder=records.append)
    with pytest.raises(EngineError, match="decode -1"):
        list(engine.stream("x"))
    assert records[0].finish == "error"
    assert "".join(engine.stream("x")) == "fine"


# --- structured output -----------------------------------------------------------------------


def test_complete_json_retries_invalid_answers_then_returns_a_validated_object():
    records: list[Generation] = []
    engine = FakeEngine(["not json at all", '{"hazard": "ok", "steps": ["a"]}', VALID], recorder=records.append,
                        reproducible=True, seed=40)
    result = engine.complete_json("Describe the hazard.", Hazard, retries=2)
    assert result == Hazard(hazard="heavy box", steps=["test the weight", "bend the knees"])
    assert [r.outcome.split(":")[0] for r in records] == ["invalid", "invalid", "valid"]
    assert "hazard: String should have at least 3 characters" in records[1].outcome
    assert [r.params["seed"] for r in records] == [40, 41, 42]
    assert records[0].params["temperature"] == 0.2
    assert records[1].params["temperature"] == records[2].params["temperature"] == RETRY_MIN_TEMPERATURE
    assert records[0].params["json_schema_sha256"] == sha256_text(
        # the grammar's schema has no length/count limits (llama.cpp unrolls them); validation enforces them
        '{"properties":{"hazard":{"minLength":3,"title":"Hazard","type":"string"},"steps":{"items":'
        '{"type":"string"},"minItems":1,"title":"Steps","type":"array"}},"required":["hazard","steps"],'
        '"title":"Hazard","type":"object"}')
    assert all(r.kind == "json" for r in records)


def test_complete_json_gives_up_after_bounded_retries_with_a_clear_error():
    too_many = '{"hazard": "heavy box", "steps": ["a", "b", "c", "d"]}'
    engine = FakeEngine(['{"hazard": "heavy box"}', too_many, VALID])
    with pytest.raises(EngineOutputError, match=r"no valid Hazard in 2 attempt\(s\); last problem: steps: List "
                                                r"should have at most 3 items") as info:
        engine.complete_json("x", Hazard, retries=1)
    assert info.value.problems[0] == "steps: Field required"
    assert info.value.last_output == too_many
    assert list(engine.replies) == [VALID]  # the third answer was never asked for


def test_a_cut_off_answer_says_so():
    engine = FakeEngine(['{"hazard": "heavy box", "steps": ["lift'])
    with pytest.raises(EngineOutputError, match="cut off at max_tokens"):
        engine.complete_json("x", Hazard, retries=0, max_tokens=4)


def test_complete_json_can_be_cancelled():
    token = CancelToken()
    token.cancel()
    records: list[Generation] = []
    engine = FakeEngine([VALID], recorder=records.append)
    with pytest.raises(GenerationCancelled):
        engine.complete_json("x", Hazard, cancel=token)
    assert [r.outcome for r in records] == ["cancelled"]


def test_reproducible_mode_fixes_the_seed_and_an_explicit_seed_wins():
    engine = FakeEngine(default="ok", reproducible=True, seed=7)
    streams = [engine.stream("x"), engine.stream("x"), engine.stream("x", sampling=Sampling(seed=99))]
    for s in streams:
        list(s)
    seeds = [s.generation.params["seed"] for s in streams]
    assert seeds == [7, 7, 99]
    assert [r.sampling.seed for r in engine.requests] == [7, 7, 99]


# --- availability ----------------------------------------------------------------------------


def test_an_engine_without_a_model_says_why_and_never_loads():
    engine = UnavailableEngine("no usable model found in /opt/drillpad/models")
    info = engine.load().result()
    assert info.state is EngineState.UNAVAILABLE and info.reason.startswith("no usable model")
    with pytest.raises(EngineUnavailable, match="no usable model found"):
        engine.stream("x")
    with pytest.raises(EngineUnavailable, match="no usable model found"):
        engine.complete_json("x", Hazard)


def test_fake_engine_states():
    engine = FakeEngine(default="x", loaded=False)
    with pytest.raises(EngineUnavailable, match="not loaded yet"):
        engine.stream("x")
    progress = []
    assert engine.load(lambda f, m: progress.append((f, m))).result().state is EngineState.READY
    assert progress == [(1.0, "ready")]
    assert FakeEngine(unavailable="no memory").load().result().reason == "no memory"


def llama_engine_for(tmp_path, fake_gguf, **manifest):
    fake_gguf(tmp_path / "models", "tiny", **manifest)
    cat = ModelCatalog([("install", tmp_path / "models")], cache_file=tmp_path / "cache.json",
                       choice_file=tmp_path / "choice.json")
    return cat, LlamaEngine(cat.find("tiny"), hash_cache=cat.hash_cache, threads=1)


def load_failure(engine) -> tuple[str, list[tuple[float, str]]]:
    progress: list[tuple[float, str]] = []
    info = engine.load(lambda f, m: progress.append((f, m))).result()
    engine.close()
    assert info.state is EngineState.UNAVAILABLE and engine.state is EngineState.UNAVAILABLE
    assert progress[-1] == (1.0, f"unavailable: {info.reason}")
    with pytest.raises(EngineUnavailable):
        engine.stream("x")
    return info.reason, progress


def test_llama_engine_missing_file(tmp_path, fake_gguf):
    _, engine = llama_engine_for(tmp_path, fake_gguf)
    (tmp_path / "models" / "tiny.gguf").unlink()
    reason, _ = load_failure(engine)
    assert reason == f"tiny.gguf is missing ({tmp_path / 'models'})"


def test_llama_engine_truncated_file_is_unavailable_before_loading(tmp_path, fake_gguf):
    path = fake_gguf(tmp_path / "models", "tiny")
    path.write_bytes(path.read_bytes()[:-1])
    cat = ModelCatalog([("install", tmp_path / "models")], cache_file=tmp_path / "c.json",
                       choice_file=tmp_path / "choice.json")
    engine = LlamaEngine(cat.find("tiny"))
    assert engine.state is EngineState.UNAVAILABLE and "(truncated or a different file)" in engine.reason
    reason, progress = load_failure(engine)
    assert progress == [(1.0, f"unavailable: {reason}")]


def test_llama_engine_hash_mismatch_reports_progress_then_the_reason(tmp_path, fake_gguf):
    _, engine = llama_engine_for(tmp_path, fake_gguf)
    path = tmp_path / "models" / "tiny.gguf"
    data = bytearray(path.read_bytes())
    data[-1] ^= 1
    path.write_bytes(bytes(data))
    reason, progress = load_failure(engine)
    assert "damaged or replaced" in reason
    assert [m for _, m in progress[:2]] == ["checking tiny.gguf", "verifying tiny.gguf"]
    assert [f for f, _ in progress] == sorted(f for f, _ in progress)


def test_llama_engine_refuses_a_model_too_large_for_memory(tmp_path, fake_gguf, monkeypatch):
    _, engine = llama_engine_for(tmp_path, fake_gguf)
    monkeypatch.setattr(llama_module, "available_memory", lambda: 100)
    reason, _ = load_failure(engine)
    assert reason.startswith("the model needs about ") and "MB are available; close other programs" in reason


def test_llama_engine_without_the_runtime_says_how_to_fix_it(tmp_path, fake_gguf, monkeypatch, caplog):
    _, engine = llama_engine_for(tmp_path, fake_gguf)

    def missing():
        raise ImportError("No module named 'llama_cpp'")

    monkeypatch.setattr(llama_module, "_import_llama", missing)
    with caplog.at_level(logging.WARNING, logger="drillpad.llm.llama"):
        reason, _ = load_failure(engine)
    assert reason == ("the model runtime (llama-cpp-python) cannot be loaded: No module named 'llama_cpp'; "
                      "run `make setup`")
    assert [r.getMessage() for r in caplog.records] == [f"local model tiny is unavailable: {reason}"]


def test_llama_engine_when_llama_cannot_load_the_file(tmp_path, fake_gguf, monkeypatch):
    cat, engine = llama_engine_for(tmp_path, fake_gguf)

    class Llama:
        def __init__(self, **kwargs):
            raise ValueError(f"Failed to load model from file: {kwargs['model_path']}")

    monkeypatch.setattr(llama_module, "_import_llama", lambda: types.SimpleNamespace(Llama=Llama, __version__="9"))
    reason, _ = load_failure(engine)
    assert reason.startswith("llama-cpp-python could not load tiny.gguf: Failed to load model from file")
    assert cat.find("tiny").status is models.ModelStatus.VERIFIED  # the hash check passed and was cached


def test_a_model_trusted_from_the_cache_is_hashed_again_before_it_is_ready(tmp_path, fake_gguf, monkeypatch):
    cat, _ = llama_engine_for(tmp_path, fake_gguf)
    assert cat.verify("tiny")[0].status is models.ModelStatus.VERIFIED  # cached by size and mtime
    loaded = []

    class Llama:
        def __init__(self, **kwargs):
            loaded.append(kwargs["model_path"])

    monkeypatch.setattr(llama_module, "_import_llama", lambda: types.SimpleNamespace(Llama=Llama, __version__="9"))
    engine = LlamaEngine(cat.find("tiny"), hash_cache=cat.hash_cache, threads=1)
    assert engine.load().result().state is EngineState.READY
    engine.close()
    path = tmp_path / "models" / "tiny.gguf"
    st = path.stat()
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # size and mtime as before: the cache still says OK
    entry = cat.find("tiny")
    assert entry.status is models.ModelStatus.VERIFIED
    engine = LlamaEngine(entry, hash_cache=cat.hash_cache, threads=1)
    info = engine.load().result()
    engine.close()
    assert info.state is EngineState.UNAVAILABLE and "damaged or replaced" in info.reason
    assert len(loaded) == 2  # the runtime loaded while the bytes were hashed; READY waited for the hash


def test_a_failing_progress_callback_does_not_break_loading(tmp_path, fake_gguf, monkeypatch):
    _, engine = llama_engine_for(tmp_path, fake_gguf)
    monkeypatch.setattr(llama_module, "_import_llama", lambda: (_ for _ in ()).throw(ImportError("x")))

    def broken(fraction, message):
        raise RuntimeError("widget gone")

    info = engine.load(broken).result()
    engine.close()
    assert info.state is EngineState.UNAVAILABLE and "cannot be loaded: x" in info.reason


# --- machine facts ---------------------------------------------------------------------------


def test_physical_cores_from_sysfs_and_the_fallback_heuristic(tmp_path):
    for cpu, core in enumerate([0, 0, 1, 1]):
        topology = tmp_path / f"cpu{cpu}" / "topology"
        topology.mkdir(parents=True)
        (topology / "physical_package_id").write_text("0\n")
        (topology / "core_id").write_text(f"{core}\n")
    assert physical_cores([0, 1, 2, 3], tmp_path) == 2
    assert physical_cores([0, 2], tmp_path) == 2
    assert physical_cores([0, 1], tmp_path) == 1
    nowhere = tmp_path / "none"
    assert [physical_cores(list(range(n)), nowhere) for n in (1, 2, 3, 4, 8)] == [1, 2, 3, 2, 4]


def test_available_memory_and_the_memory_rule():
    assert available_memory("MemTotal: 8000 kB\nMemAvailable:    1000 kB\n") == 1_024_000
    assert available_memory("MemTotal: 8000 kB\n") is None
    assert memory_problem(100_000_000, 119_000_000) is not None
    assert memory_problem(100_000_000, 121_000_000) is None
    assert memory_problem(100_000_000, None) is None


# --- templates -------------------------------------------------------------------------------


def test_templates_split_the_system_prefix_from_the_rest():
    chatml = TEMPLATES["chatml"].render("Be brief.", "Hi")
    assert chatml.prefix == "<|im_start|>system\nBe brief.<|im_end|>\n"
    assert chatml.rest == "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
    assert TEMPLATES["chatml"].render("", "Hi").prefix == ""
    gemma = TEMPLATES["gemma"]
    assert gemma.render("Be brief.", "Hi").text == gemma.render("", "Be brief.\n\nHi").text
    assert len({t.sha256 for t in TEMPLATES.values()}) == len(TEMPLATES)


# --- through the workspace -------------------------------------------------------------------


def test_generations_are_stored_as_events_and_can_be_traced(workspace):
    engine = FakeEngine(["Lock out the isolator.", VALID], clock=workspace.clock,
                        recorder=workspace.ai.record_generation)
    shown = "".join(engine.stream(Prompt("What next?", purpose="feedback")))
    engine.complete_json("Hazard?", Hazard)
    rows = workspace.db.execute("SELECT kind, learner_id, created_at FROM events WHERE kind = ?",
                                [GENERATION_EVENT]).fetchall()
    assert rows == [(GENERATION_EVENT, None, "2026-03-02T08:30:00.000000+00:00")] * 2
    [traced] = workspace.ai.trace(shown)
    assert (traced.kind, traced.purpose, traced.output_sha256) == ("text", "feedback", sha256_text(shown))
    assert workspace.ai.trace("text nobody was shown") == []


def test_workspace_engine_without_a_model_falls_back_with_a_reason(workspace, monkeypatch, tmp_path):
    monkeypatch.setattr(models, "resources_dir", lambda: tmp_path / "empty-install")
    engine = workspace.ai.open_engine()
    assert engine.state is EngineState.UNAVAILABLE and engine.reason.startswith("no usable model found in ")
    with pytest.raises(EngineUnavailable):
        engine.stream("x")


def test_workspace_engine_uses_the_model_it_finds_without_loading_it(workspace, monkeypatch, tmp_path, fake_gguf):
    monkeypatch.setattr(models, "resources_dir", lambda: tmp_path / "install")
    fake_gguf(workspace.paths.user_models_dir, "mine")
    engine = workspace.ai.open_engine(reproducible=True)
    from drillpad.llm.process import ProcessEngine

    # the llama engine runs in its own process, started by load(): nothing is started yet
    assert isinstance(engine, ProcessEngine) and engine.recipe.kind == "llama" and engine.pid is None
    assert engine.state is EngineState.UNLOADED
    assert engine.info().name == "mine" and engine.reproducible and engine.recorder == workspace.ai.record_generation
    assert engine.recipe.options["reproducible"] and engine.recipe.options["threads"] is None


def test_a_generation_recorded_from_a_worker_survives_a_locked_database_at_close(workspace, monkeypatch):
    """A worker's generation is queued for the workspace's own thread; a write of it that fails (the
    database locked by another connection's write) keeps it queued and it is stored at the next try."""
    import threading

    from drillpad.store import events as event_store

    engine = FakeEngine(["Lock out the isolator."], clock=workspace.clock, recorder=workspace.ai.record_generation)
    worker = threading.Thread(target=lambda: "".join(engine.stream(Prompt("What next?", purpose="feedback"))))
    worker.start()
    worker.join()
    real, calls = event_store.append, []

    def locked_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise sqlite3.OperationalError("database is locked")
        return real(*args, **kwargs)

    monkeypatch.setattr(event_store, "append", locked_once)
    with pytest.raises(sqlite3.OperationalError):
        workspace.ai.flush_generations()
    workspace.ai.flush_generations()
    assert workspace.db.execute("SELECT count(*) FROM events WHERE kind = ?", [GENERATION_EVENT]).fetchone()[0] == 1
