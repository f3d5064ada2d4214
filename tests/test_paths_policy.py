"""Where DrillPad writes, and how the IT policy is found and checked."""

from __future__ import annotations

import re
from pathlib import Path

import platformdirs

from drillpad.paths import Paths
from drillpad.policy import POLICY_KEYS, LoadedPolicy, Policy, find_policy, load_policy


def test_default_data_dir_is_the_platform_user_data_dir():
    paths = Paths.resolve(env={})
    assert paths.data_dir == platformdirs.user_data_path("DrillPad", appauthor=False)
    assert paths.log_dir == platformdirs.user_log_path("DrillPad", appauthor=False)
    assert paths.data_dir_source == "default"


def test_resolution_order_flag_then_env_then_policy(tmp_path):
    policy = LoadedPolicy(Policy(data_dir=tmp_path / "from-policy"), tmp_path / "policy.toml")
    env = {"DRILLPAD_DATA_DIR": str(tmp_path / "from-env")}
    assert Paths.resolve(tmp_path / "from-flag", policy, env).data_dir == tmp_path / "from-flag"
    assert Paths.resolve(None, policy, env).data_dir == tmp_path / "from-env"
    resolved = Paths.resolve(None, policy, {})
    assert resolved.data_dir == tmp_path / "from-policy"
    assert resolved.log_dir == tmp_path / "from-policy" / "logs"
    assert resolved.db_path == tmp_path / "from-policy" / "drillpad.db"


def test_relative_policy_paths_are_relative_to_the_policy_file(tmp_path):
    (tmp_path / "policy.toml").write_text('data_dir = "shared-data"\nlog_dir = "logs"\n')
    loaded = load_policy(tmp_path / "policy.toml")
    paths = Paths.resolve(None, loaded, {})
    assert paths.data_dir == tmp_path / "shared-data"
    assert paths.log_dir == tmp_path / "logs"


def test_policy_search_order(tmp_path, monkeypatch):
    import drillpad.policy as pol

    install = tmp_path / "install"
    system = tmp_path / "etc"
    install.mkdir()
    system.mkdir()
    monkeypatch.setattr(pol, "executable_dir", lambda: install)
    monkeypatch.setattr(pol.platformdirs, "site_config_path", lambda *a, **k: system)
    assert find_policy(env={}).source is None
    (system / "policy.toml").write_text("idle_lock_minutes = 5\n")
    assert find_policy(env={}).policy.idle_lock_minutes == 5
    (install / "policy.toml").write_text("idle_lock_minutes = 3\n")
    assert find_policy(env={}).policy.idle_lock_minutes == 3
    explicit = tmp_path / "mine.toml"
    explicit.write_text("idle_lock_minutes = 9\n")
    assert find_policy(env={"DRILLPAD_POLICY": str(explicit)}).policy.idle_lock_minutes == 9
    assert find_policy(explicit, env={}).source == explicit


def test_a_named_policy_that_is_missing_is_reported(tmp_path):
    loaded = find_policy(tmp_path / "nope.toml", env={})
    assert loaded.policy == Policy()
    assert "does not exist" in str(loaded.problems[0])


def test_bad_keys_fall_back_to_defaults_and_are_named(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text('idle_lock_minutes = 0\nallow_self_enrol = false\nsync_url = "ftp://x"\nidle_lok = 3\n'
                    'allowed_models = ["md5:abc"]\n')
    loaded = load_policy(path)
    assert loaded.policy.idle_lock_minutes == 2
    assert loaded.policy.allow_self_enrol is False  # the good key is kept
    assert loaded.policy.sync_url is None
    assert loaded.policy.allowed_models == ()
    named = {p.key for p in loaded.problems}
    assert named == {"idle_lock_minutes", "sync_url", "idle_lok", "allowed_models"}
    assert any("unknown key" in p.message for p in loaded.problems if p.key == "idle_lok")


def test_invalid_toml_policy_gives_defaults_and_says_why(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text("idle_lock_minutes = \n")
    loaded = load_policy(path)
    assert loaded.policy == Policy()
    assert "not valid TOML" in str(loaded.problems[0])


def test_workspace_creates_data_and_log_dirs_only_where_told(tmp_path, clock):
    from drillpad.workspace import Workspace

    with Workspace(Paths.resolve(tmp_path / "d", env={}), clock=clock) as ws:
        assert ws.paths.db_path.exists()
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == ["drillpad.db", "logs"]


def test_frozen_app_refuses_a_data_dir_inside_its_install_folder(tmp_path, monkeypatch):
    import sys

    import pytest

    import drillpad.paths as paths_mod

    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(paths_mod, "executable_dir", lambda: tmp_path)
    paths = Paths.resolve(tmp_path / "data", env={})
    with pytest.raises(paths_mod.InstallDirWriteError, match="never writes there"):
        paths.ensure()
    assert not (tmp_path / "data").exists()


def test_the_documented_example_policy_is_valid():
    example = Path(__file__).resolve().parents[1] / "packaging" / "policy.example.toml"
    loaded = load_policy(example)
    assert loaded.problems == ()
    assert loaded.policy.allowed_models[0].startswith("sha256:b179c952")
    documented = (example.parent / "README.md").read_text()
    for key in POLICY_KEYS:
        assert f"`{key}`" in documented, f"policy key {key} is not documented in packaging/README.md"


def test_the_example_policy_explains_every_key_with_a_comment():
    lines = (Path(__file__).resolve().parents[1] / "packaging" / "policy.example.toml").read_text().splitlines()
    setting = re.compile(r"^#?\s*(\w+)\s*=")
    for key in POLICY_KEYS:
        at = next((i for i, line in enumerate(lines) if (m := setting.match(line)) and m[1] == key), None)
        assert at is not None, f"policy key {key} is missing from policy.example.toml"
        while at > 0 and setting.match(lines[at - 1]):  # several example values share one comment
            at -= 1
        assert at > 0 and lines[at - 1].startswith("# "), f"policy key {key} has no comment above it"


def test_each_bad_value_is_named_with_what_is_expected(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text('idle_lock_minutes = true\ndaily_budget_minutes = 61\ndata_dir = 3\nallow_self_enrol = "no"\n'
                    'models_dir = "/opt/models"\nsync_url = "https://inbox.example:8443/drillpad"\n')
    loaded = load_policy(path)
    problems = {p.key: p.message for p in loaded.problems}
    assert problems == {
        "idle_lock_minutes": "must be a whole number of minutes from 1 to 120 (got True); using the default",
        "daily_budget_minutes": "must be a whole number of minutes from 1 to 60 (got 61); using the default",
        "data_dir": "must be a folder path in quotes (got 3); using the default",
        "allow_self_enrol": "must be true or false (no quotes) (got 'no'); using the default",
    }
    assert loaded.policy == Policy(models_dir=Path("/opt/models"), sync_url="https://inbox.example:8443/drillpad")


def test_reading_the_policy_does_not_load_pydantic():
    """The policy is read before the first screen; pydantic (~0.2 s) must wait until after it."""
    import subprocess
    import sys

    code = ("import sys, drillpad.cli, drillpad.policy as p; p.find_policy(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'pydantic_core', 'numpy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
