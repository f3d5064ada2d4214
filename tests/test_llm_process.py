"""The model in its own process: ProcessEngine runs an engine in a child and survives its death.

These tests run the fake engine in a real child process (the same code path as the real model):
streaming, JSON validation, provenance, cancel while the child is stuck in "prompt evaluation",
kill -9 mid-stream and mid-judge, restart with back-off and AI off after repeated crashes.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

import pytest
from pydantic import BaseModel

from drillpad.llm.engine import (
    CancelToken,
    EngineError,
    EngineState,
    EngineUnavailable,
    GenerationCancelled,
    Prompt,
)
from drillpad.llm.fake import Stall
from drillpad.llm.process import ProcessEngine

WAIT = 30  # seconds a background step may take on a busy shared machine before the test fails


class Step(BaseModel):
    action: str


def kill9(pid: int) -> None:
    os.kill(pid, signal.SIGKILL if sys.platform != "win32" else signal.SIGTERM)


@pytest.fixture
def engine():
    records = []
    e = ProcessEngine.fake(restart_delays=(0, 0, 0), recorder=records.append)
    e.records = records
    yield e
    e.close()


def loaded(e: ProcessEngine) -> ProcessEngine:
    info = e.load().result(WAIT)
    assert info.state is EngineState.READY, info.reason
    return e


def test_streams_text_from_a_child_process_and_records_provenance(engine):
    engine.add_replies("Stop the belt first.")
    loaded(engine)
    assert engine.pid is not None and engine.pid != os.getpid()
    stream = engine.stream(Prompt("What first?", system="Coach.", purpose="feedback", sources=("sop-1",)))
    assert list(stream) == ["Stop", " the", " belt", " first."]
    g = stream.generation
    assert g is engine.records[-1] and (g.tokens, g.finish, g.runtime) == (4, "stop", "fake")
    assert g.sources == ("sop-1",) and g.model_sha256 == engine.info().sha256


def test_json_answers_are_validated_in_the_app_with_retries(engine):
    engine.add_replies('{"act": "x"}', '{"action": "e-stop"}')
    loaded(engine)
    assert engine.complete_json("Which step?", Step, retries=1).action == "e-stop"
    assert [r.outcome.split(":")[0] for r in engine.records] == ["invalid", "valid"]


def test_unavailable_model_says_why_and_never_starts_a_child():
    e = ProcessEngine.fake(unavailable="no model file")
    try:
        info = e.load().result(WAIT)
        assert (info.state, info.reason) == (EngineState.UNAVAILABLE, "no model file")
        with pytest.raises(EngineUnavailable, match="no model file"):
            e.stream("hi")
        assert e.pid is None
    finally:
        e.close()


def test_cancel_while_the_child_is_stuck_evaluating_the_prompt_kills_it_and_the_next_call_works(engine):
    engine.add_replies(Stall(), "Lock out the isolator.")
    loaded(engine)
    first_pid = engine.pid
    token = CancelToken()
    stream = engine.stream("A very long prompt", cancel=token)
    result: dict = {}

    def consume() -> None:
        result["text"] = "".join(stream)

    reader = threading.Thread(target=consume)
    reader.start()
    token.cancel()  # the child never looks at the token while "evaluating": only a kill stops it
    reader.join(WAIT)
    assert not reader.is_alive(), "cancel did not return while the child was stuck"
    assert result["text"] == "" and stream.generation.finish == "cancelled"
    assert "".join(engine.stream("Next")) == "Lock out the isolator."
    assert engine.pid != first_pid and engine.crashes == 0 and engine.cancel_kills == 1  # a cancel is not a crash


def test_kill_9_mid_stream_ends_that_stream_with_an_error_then_restarts(engine):
    engine.add_replies(Stall("Press the"), "Press the e-stop.")
    loaded(engine)
    states = []
    engine.watch(lambda state, text: states.append(state))
    stream = engine.stream("Scenario please")
    assert next(stream) == "Press"
    kill9(engine.pid)
    with pytest.raises(EngineError, match="model process stopped"):
        list(stream)
    assert stream.generation.finish == "error"
    assert "".join(engine.stream("Again")) == "Press the e-stop."  # waits for the restart, then works
    assert engine.crashes == 1 and EngineState.RESTARTING in states and states[-1] is EngineState.READY


def test_kill_9_during_a_judge_call_gives_an_opinion_error_not_a_crash(engine, minipack):
    from drillpad.drills import judge
    from drillpad.store.packs import load_pack_folder

    drill = load_pack_folder(minipack).drills[0]
    engine.add_replies(Stall(""))
    loaded(engine)
    result: dict = {}
    worker = threading.Thread(target=lambda: result.setdefault(
        "op", judge.opinion(engine, drill, "I press the e-stop.", pack_id="mini")))
    worker.start()
    engine.wait_busy(WAIT)  # the child has the judge prompt
    kill9(engine.pid)
    worker.join(WAIT)
    op = result["op"]
    assert op.verdicts is None and "model process stopped" in op.error


def test_repeated_crashes_turn_ai_off_with_the_reason():
    e = ProcessEngine.fake(restart_delays=(0, 0), max_crashes=2)
    try:
        loaded(e)
        e.add_replies(Stall("a"), Stall("b"))
        for _ in range(2):
            s = e.stream("x")
            next(s)
            kill9(e.pid)
            with pytest.raises(EngineError):
                list(s)
        e.wait_settled(WAIT)
        assert e.state is EngineState.UNAVAILABLE
        assert "crashed 2 times" in e.reason and "AI is off" in e.reason
        with pytest.raises(EngineUnavailable, match="crashed 2 times"):
            e.stream("y")
    finally:
        e.close()


def test_cancelled_json_raises_generation_cancelled(engine):
    engine.add_replies(Stall())
    loaded(engine)
    token = CancelToken()
    threading.Timer(0, token.cancel).start()
    with pytest.raises(GenerationCancelled):
        engine.complete_json("x", Step, cancel=token)


def test_close_stops_the_child(engine):
    loaded(engine)
    pid = engine.pid
    engine.close()
    assert engine.state is EngineState.UNAVAILABLE and engine.pid is None
    with pytest.raises(OSError):
        os.waitpid(pid, os.WNOHANG)  # already reaped: the child is gone


def test_memory_reports_both_processes(engine):
    loaded(engine)
    mem = engine.memory()
    assert mem["ui_rss_mb"] > 0 and mem["model_rss_mb"] > 0


def test_the_program_itself_serves_as_the_model_process_with_its_hidden_flag(monkeypatch):
    import drillpad.llm.process as process

    assert process.worker_command()[1:] == ["-m", "drillpad.llm.worker"]
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert process.worker_command() == [sys.executable, "--model-worker"]  # the packaged executable
    monkeypatch.setattr(process, "worker_command", lambda: [sys.executable, "-m", "drillpad", "--model-worker"])
    e = ProcessEngine.fake(["Ready."])
    try:
        loaded(e)
        assert "".join(e.stream("hi")) == "Ready."
    finally:
        e.close()


def test_a_patient_cancel_stops_the_model_at_its_next_token_without_a_restart():
    """Background pre-generation is cancelled by every lock: its token is patient, so the model's
    process stops by itself instead of being killed (and loading the model again on a busy PC)."""
    e = ProcessEngine.fake(restart_delays=(0, 0, 0), cancel_grace=0.0, patient_grace=WAIT)
    try:
        e.add_replies(" ".join(["word"] * 5000))
        loaded(e)
        pid = e.pid
        token = CancelToken(patient=True)
        stream = e.stream("Prepare a variant", cancel=token)
        first = next(stream)
        token.cancel()
        rest = "".join(stream)
        assert len((first + rest).split()) < 5000 and stream.generation.finish == "cancelled"
        assert e.pid == pid and e.cancel_kills == 0 and e.state is EngineState.READY
        assert e.grace_for(token) == WAIT and e.grace_for(CancelToken()) == 0.0  # a lock's cancel waits
    finally:
        e.close()
