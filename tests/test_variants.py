"""Gated scenario variants: pre-generated with a FakeEngine, cached, shown once per learner, traced."""

from __future__ import annotations

import json

from drillpad.llm.engine import CancelToken
from drillpad.llm.fake import FAKE_SHA256, FakeEngine

from tests.test_gate import GOOD, QUESTION

GOOD_JSON = json.dumps({"situation": GOOD, "question": QUESTION})


def engine_for(ws, *replies, default=GOOD_JSON):
    engine = FakeEngine(replies, default=default, recorder=ws.ai.record_generation)
    ws.ai.engine = engine
    return engine


def rejected(ws):
    return [json.loads(r[0]) for r in ws.db.execute(
        "SELECT payload FROM events WHERE kind = 'drill.variant_rejected' ORDER BY seq")]


def test_pregenerate_keeps_what_passes_the_gate_and_logs_what_does_not(workspace):
    workspace.install_demo()
    engine = engine_for(workspace)
    report = workspace.ai.pregenerate(engine, learner_key="Sam Ortiz", per_drill=1, max_attempts=2)
    # the same retelling fits only the conveyor drill; the spill and delivery drills lose their facts
    assert (report.kept, report.rejected, report.attempts, report.drills) == (1, 4, 5, 3)
    assert report.reasons["facts"] == 4
    logged = rejected(workspace)
    assert {e["drill"] for e in logged} == {"spill-aisle-14", "warm-delivery"}
    assert all(e["gate"]["passed"] is False and e["generation"]["model_sha256"] == FAKE_SHA256 for e in logged)
    again = workspace.ai.pregenerate(engine, learner_key="Sam Ortiz", per_drill=1, max_attempts=2)
    assert again.kept == 0 and "jam-at-c2" not in {e["drill"] for e in rejected(workspace)[4:]}


def test_invalid_json_is_discarded_with_its_reason(workspace):
    workspace.install_demo()
    engine = engine_for(workspace, "nonsense", "still nonsense", default="{}")
    report = workspace.ai.pregenerate(engine, learner_key="Sam Ortiz", per_drill=1, max_attempts=1)
    assert report.kept == 0
    assert rejected(workspace)[0]["reasons"][0].startswith("invalid output: the model gave no valid VariantOut")


def test_a_cached_variant_is_shown_once_per_learner_with_its_provenance(workspace):
    workspace.install_demo()
    workspace.profiles.add_learner("Lena Park", "warehouse-associate")
    engine = engine_for(workspace)
    workspace.ai.pregenerate(engine, learner_key="Sam Ortiz", per_drill=1, max_attempts=1)

    first = workspace.start_drill("Sam Ortiz", "jam-at-c2")
    assert first.variant_id is not None and first.situation == GOOD
    assert first.note == "AI-adapted from SOP-WH-07 §3"
    prov = first.provenance
    assert prov["model_sha256"] == FAKE_SHA256 and prov["gate"]["passed"] is True
    assert "drill:jam-at-c2" in prov["sources"] and prov["template_version"] == "scenario/1"
    assert prov["generation_id"] in [g.id for g in workspace.ai.trace(GOOD_JSON)]  # the text traces to its generation

    second = workspace.start_drill("Sam Ortiz", "jam-at-c2")
    assert second.variant_id is None and second.note == "Written scenario from SOP-WH-07 §3"
    assert "Dock 3" in second.situation and "{" not in second.title
    assert workspace.start_drill("Lena Park", "jam-at-c2").variant_id == first.variant_id  # not seen by Lena yet


def test_an_attempt_on_a_variant_records_the_scenario_shown_and_its_provenance(workspace):
    workspace.install_demo()
    engine = engine_for(workspace)
    workspace.ai.pregenerate(engine, learner_key="Sam Ortiz", per_drill=1, max_attempts=1)
    view = workspace.start_drill("Sam Ortiz", "jam-at-c2")
    _, event_id = workspace.submit_drill("Sam Ortiz", "jam-at-c2", "Hit the e-stop and lock out the isolator.", 3,
                                         variant_id=view.variant_id)
    payload = json.loads(workspace.db["events"].get(event_id)["payload"])
    assert payload["scenario"]["variant"] == view.variant_id and payload["scenario"]["situation"] == GOOD
    assert payload["scenario"]["provenance"]["generation_id"] == view.provenance["generation_id"]


def test_variants_of_another_model_are_not_shown(workspace):
    workspace.install_demo()
    workspace.ai.pregenerate(engine_for(workspace), learner_key="Sam Ortiz", per_drill=1, max_attempts=1)
    workspace.ai.engine = FakeEngine(name="other", sha256="sha256:" + "1" * 64)
    assert workspace.start_drill("Sam Ortiz", "jam-at-c2").variant_id is None


def test_without_a_model_the_written_scenario_is_used(workspace):
    workspace.install_demo()
    view = workspace.start_drill("Sam Ortiz", "jam-at-c2")
    assert view.variant_id is None and view.provenance is None and "conveyor C2" in view.situation


def test_pregeneration_stops_when_cancelled(workspace):
    workspace.install_demo()
    cancel = CancelToken()
    cancel.cancel()
    report = workspace.ai.pregenerate(engine_for(workspace), learner_key="Sam Ortiz", cancel=cancel)
    assert report.cancelled and report.attempts == 0
