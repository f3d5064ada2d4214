"""Threads for the model chosen from the machine as it is: measured, a core left to the UI, pinned by policy."""

from __future__ import annotations

from drillpad.llm.threads import SpeedWatch, candidates, choose_threads
from drillpad.policy import load_policy


def test_candidates_are_one_to_the_physical_cores():
    assert candidates(1) == [1] and candidates(2) == [1, 2] and candidates(6) == [1, 2, 3, 4, 5, 6]


def test_on_a_busy_two_core_pc_one_thread_wins():
    # measured on the 2-core workstation with other work running: 13.8 vs 2.2 tokens/s
    assert choose_threads({1: 13.8, 2: 2.2}, cores=2) == 1


def test_all_cores_only_when_clearly_faster_than_leaving_one_to_the_ui():
    assert choose_threads({1: 60.0, 2: 66.0}, cores=2) == 1  # 10 % faster is not worth a frozen window
    assert choose_threads({1: 40.0, 2: 80.0}, cores=2) == 2
    assert choose_threads({1: 20.0, 2: 38.0, 3: 50.0, 4: 52.0}, cores=4) == 3


def test_fewer_threads_when_nearly_as_fast():
    assert choose_threads({1: 30.0, 2: 50.0, 3: 51.0, 4: 20.0}, cores=4) == 2


def test_a_drop_in_speed_asks_for_a_new_measurement_once():
    watch = SpeedWatch(baseline=50.0)
    assert not watch.slow(48.0) and not watch.slow(20.0)  # one slow generation is noise
    assert watch.slow(19.0)  # two in a row: measure again
    watch.reset(baseline=20.0)
    assert not watch.slow(19.0) and not watch.slow(18.0)


def test_policy_can_pin_the_threads(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text("model_threads = 1\n")
    assert load_policy(path).policy.model_threads == 1
    path.write_text("model_threads = 0\n")
    loaded = load_policy(path)
    assert loaded.policy.model_threads is None and "model_threads" in str(loaded.problems[0])


def test_the_pinned_threads_reach_the_model_process(tmp_path, monkeypatch, fake_gguf):
    from drillpad.llm import models
    from drillpad.paths import Paths
    from drillpad.policy import LoadedPolicy, Policy
    from drillpad.workspace import Workspace

    monkeypatch.setattr(models, "resources_dir", lambda: tmp_path / "install")
    with Workspace(Paths.resolve(tmp_path / "data", env={}),
                   policy=LoadedPolicy(Policy(model_threads=1))) as ws:
        fake_gguf(ws.paths.user_models_dir, "mine")
        engine = ws.ai.open_engine()
        assert engine.recipe.options["threads"] == 1
        assert engine.recipe.build().threads_source == "policy"


def test_the_llama_engine_measures_again_after_two_slow_generations(tmp_path, fake_gguf):
    from drillpad.llm.llama import LlamaEngine
    from drillpad.llm.models import ModelCatalog

    fake_gguf(tmp_path / "models", "tiny")
    catalog = ModelCatalog([("install", tmp_path / "models")], cache_file=tmp_path / "h.json",
                           choice_file=tmp_path / "c.json")
    engine = LlamaEngine(catalog.find("tiny"))
    measured = []
    engine.tune_threads = lambda: measured.append(True) or 1
    engine._speed = SpeedWatch(baseline=60.0)
    for rate in (58.0, 20.0):
        engine.last_rate = rate
        assert not engine.observe_speed()
    engine.last_rate = 21.0
    assert engine.observe_speed() and measured == [True]
    assert not engine.observe_speed()  # nothing new generated since
