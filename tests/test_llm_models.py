"""Model discovery, manifests, verification with a hash cache, and `drillpad model use`."""

from __future__ import annotations

import json
import os

import pytest

from drillpad.cli import main
from drillpad.llm import models
from drillpad.llm.models import DEFAULT_MODEL, ModelCatalog, ModelError, ModelStatus


@pytest.fixture
def dirs(tmp_path):
    return {"install": tmp_path / "install", "user": tmp_path / "user", "policy": tmp_path / "policy"}


def catalog(tmp_path, dirs, allowed=()) -> ModelCatalog:
    return ModelCatalog(list(dirs.items()), cache_file=tmp_path / "cache" / "hashes.json",
                        choice_file=tmp_path / "data" / "model-choice.json", allowed_models=allowed)


def by_name(entries):
    return {e.name: e for e in entries}


def test_models_are_found_in_all_three_folders_and_a_gguf_without_manifest_is_not_used(tmp_path, dirs, fake_gguf):
    fake_gguf(dirs["install"], "base")
    fake_gguf(dirs["install"], "stray", manifest=False)
    fake_gguf(dirs["user"], "mine")
    fake_gguf(dirs["policy"], "strong", intended_use=["generator", "judge"])
    entries = by_name(catalog(tmp_path, dirs).entries())
    assert {n: (e.source, e.status) for n, e in entries.items()} == {
        "base": ("install", ModelStatus.PENDING), "stray.gguf": ("install", ModelStatus.NO_MANIFEST),
        "mine": ("user", ModelStatus.PENDING), "strong": ("policy", ModelStatus.PENDING)}
    assert str(entries["stray.gguf"].status) == "unverified, no manifest"
    assert not entries["stray.gguf"].usable and "has no manifest" in entries["stray.gguf"].problem
    assert entries["strong"].manifest.intended_use == ["generator", "judge"]


@pytest.mark.parametrize("damage, status, message", [
    ("truncate", ModelStatus.WRONG_SIZE, "truncated or a different file"),
    ("delete", ModelStatus.MISSING, "is missing"),
    ("not-gguf", ModelStatus.NOT_GGUF, "not a GGUF file"),
])
def test_cheap_checks_name_the_problem(tmp_path, dirs, fake_gguf, damage, status, message):
    path = fake_gguf(dirs["install"], "base")
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[:-10])
    elif damage == "delete":
        path.unlink()
    else:
        path.write_bytes(b"XXXX" + data[4:])
    entry = catalog(tmp_path, dirs).find("base")
    assert entry.status is status and message in entry.problem and not entry.usable


def test_bad_manifest_unsupported_template_and_policy_allow_list(tmp_path, dirs, fake_gguf):
    fake_gguf(dirs["install"], "odd", chat_template="alpaca")
    fake_gguf(dirs["install"], "base")
    (dirs["install"] / "broken.manifest.json").write_text('{"name": "broken", "size": -1}')
    allowed = ("sha256:" + "a" * 64,)
    entries = by_name(catalog(tmp_path, dirs, allowed).entries())
    assert entries["odd"].status is ModelStatus.TEMPLATE and "'alpaca' is not supported" in entries["odd"].problem
    assert entries["broken"].status is ModelStatus.BAD_MANIFEST and "not a valid manifest" in entries["broken"].problem
    assert entries["base"].status is ModelStatus.NOT_ALLOWED and "allowed_models" in entries["base"].problem
    sha = entries["odd"].manifest.sha256
    assert catalog(tmp_path, dirs, (sha,)).find("odd").status is ModelStatus.TEMPLATE


def test_verify_detects_a_hash_mismatch(tmp_path, dirs, fake_gguf):
    path = fake_gguf(dirs["install"], "base")
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF  # same size, one byte flipped
    path.write_bytes(bytes(data))
    [entry] = catalog(tmp_path, dirs).verify("base")
    assert entry.status is ModelStatus.MISMATCH and "damaged or replaced" in entry.problem
    assert entry.actual_sha256 != entry.manifest.sha256


def test_verification_is_cached_by_size_and_mtime(tmp_path, dirs, fake_gguf, monkeypatch):
    path = fake_gguf(dirs["install"], "base")
    cat = catalog(tmp_path, dirs)
    hashed = []
    real = models.file_sha256
    monkeypatch.setattr(models, "file_sha256", lambda p, progress=None: hashed.append(p) or real(p, progress))
    assert [e.status for e in cat.verify()] == [ModelStatus.VERIFIED]
    assert cat.find("base").status is ModelStatus.VERIFIED  # listing knows without hashing
    assert len(hashed) == 1
    assert [e.status for e in cat.verify()] == [ModelStatus.VERIFIED]  # verify always reads the bytes
    assert len(hashed) == 2
    # The same bytes written again (new mtime) are hashed again; a damaged cache only costs a re-hash.
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert cat.find("base").status is ModelStatus.PENDING
    assert cat.verify("base")[0].status is ModelStatus.VERIFIED
    (tmp_path / "cache" / "hashes.json").write_text("{not json")
    assert cat.verify("base")[0].status is ModelStatus.VERIFIED
    assert len(hashed) == 4
    cached = json.loads((tmp_path / "cache" / "hashes.json").read_text())
    assert cached[str(path)]["sha256"].startswith("sha256:")


def test_use_persists_the_choice_and_refuses_a_broken_model(tmp_path, dirs, fake_gguf):
    fake_gguf(dirs["install"], DEFAULT_MODEL)
    fake_gguf(dirs["user"], "bigger")
    bad = fake_gguf(dirs["user"], "bad")
    bad.write_bytes(b"GGUF" + b"\0" * (bad.stat().st_size - 4))
    cat = catalog(tmp_path, dirs)
    assert cat.select().entry.name == DEFAULT_MODEL and not cat.select().chosen
    assert cat.use("bigger").status is ModelStatus.VERIFIED
    assert json.loads(cat.choice_file.read_text()) == {"model": "bigger"}
    assert [p.name for p in cat.choice_file.parent.iterdir()] == ["model-choice.json"]  # no temp files left
    fresh = catalog(tmp_path, dirs)
    assert fresh.select().entry.name == "bigger" and fresh.select().chosen
    with pytest.raises(ModelError, match=r"cannot use bad: bad.gguf hashes to sha256:.*\(damaged or replaced\)"):
        fresh.use("bad")
    with pytest.raises(ModelError, match="no model named 'nope'"):
        fresh.use("nope")
    assert fresh.chosen() == "bigger"
    (dirs["user"] / "bigger.gguf").unlink()
    selection = fresh.select()
    assert selection.entry.name == "bigger" and "bigger.gguf is missing" in selection.reason


def test_default_is_the_embedded_model_else_the_first_usable_generator(tmp_path, dirs, fake_gguf):
    fake_gguf(dirs["install"], "a-judge", intended_use=["judge"])
    cat = catalog(tmp_path, dirs)
    selection = cat.select()
    assert selection.entry is None and "no usable model found" in selection.reason
    fake_gguf(dirs["policy"], "z-writer")
    assert cat.select().entry.name == "z-writer"
    fake_gguf(dirs["user"], DEFAULT_MODEL)
    assert cat.select().entry.name == DEFAULT_MODEL


def test_a_chosen_model_that_was_removed_is_named(tmp_path, dirs, fake_gguf):
    fake_gguf(dirs["install"], "base")
    cat = catalog(tmp_path, dirs)
    cat.use("base")
    for p in dirs["install"].iterdir():
        p.unlink()
    selection = cat.select()
    assert selection.entry is None and "(base) is no longer installed" in selection.reason


def test_duplicate_names_keep_the_first_found(tmp_path, dirs, fake_gguf):
    fake_gguf(dirs["install"], "base")
    fake_gguf(dirs["policy"], "base", data=b"GGUF other")
    entries = catalog(tmp_path, dirs).entries()
    assert [(e.source, e.status) for e in entries] == [("install", ModelStatus.PENDING),
                                                      ("policy", ModelStatus.DUPLICATE)]
    assert catalog(tmp_path, dirs).find("base").source == "install"


def test_policy_models_dir_is_searched_relative_to_the_policy_file(tmp_path, fake_gguf, monkeypatch):
    from drillpad.paths import Paths
    from drillpad.policy import load_policy

    monkeypatch.setattr(models, "resources_dir", lambda: tmp_path / "install-root")
    fake_gguf(tmp_path / "it" / "models", "strong")
    policy_file = tmp_path / "it" / "policy.toml"
    policy_file.write_text('models_dir = "models"\n')
    paths = Paths.resolve(tmp_path / "data", load_policy(policy_file), env={})
    cat = ModelCatalog.for_paths(paths, load_policy(policy_file))
    assert [(e.name, e.source) for e in cat.entries()] == [("strong", "policy")]
    assert cat.choice_file == tmp_path / "data" / "model-choice.json"


def _tamper_keeping_size_and_mtime(path) -> None:
    st = path.stat()
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns


def test_verify_reads_the_bytes_even_when_size_and_mtime_were_put_back(tmp_path, dirs, fake_gguf):
    path = fake_gguf(dirs["install"], "base")
    cat = catalog(tmp_path, dirs)
    assert cat.verify("base")[0].status is ModelStatus.VERIFIED
    _tamper_keeping_size_and_mtime(path)
    assert cat.find("base").status is ModelStatus.VERIFIED  # the listing trusts the cache (fast start) …
    [entry] = cat.verify("base")  # … verify does not
    assert entry.status is ModelStatus.MISMATCH and "damaged or replaced" in entry.problem
    assert cat.find("base").status is ModelStatus.MISMATCH  # and the cache now knows


# --- the command line ------------------------------------------------------------------------


@pytest.fixture
def cli_models(tmp_path, monkeypatch, fake_gguf):
    """An install folder with the default model and a stray GGUF; caches in tmp."""
    monkeypatch.setattr(models, "resources_dir", lambda: tmp_path / "install-root")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    install = tmp_path / "install-root" / "models"
    fake_gguf(install, DEFAULT_MODEL)
    fake_gguf(install, "stray", manifest=False)
    return ["--data-dir", str(tmp_path / "data")]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_model_list_verify_use(capsys, cli_models, fake_gguf, tmp_path):
    d = cli_models
    code, out, _ = run(capsys, *d, "model", "list")
    assert code == 0
    assert f"* {DEFAULT_MODEL}  [not verified yet]" in out
    assert "  stray.gguf  [unverified, no manifest]" in out
    assert f"In use: {DEFAULT_MODEL} (default)" in out

    code, out, err = run(capsys, *d, "model", "verify")
    assert code == 1
    assert f"{DEFAULT_MODEL}: OK sha256:" in out
    assert "stray.gguf: unverified, no manifest" in err and "1 of 2 model(s) failed verification" in err
    code, out, _ = run(capsys, *d, "model", "verify", DEFAULT_MODEL)
    assert code == 0

    fake_gguf(tmp_path / "data" / "models", "bigger")
    code, out, _ = run(capsys, *d, "model", "use", "bigger")
    assert code == 0 and out.startswith("DrillPad will use bigger (sha256:")
    code, out, _ = run(capsys, *d, "model", "list", "--json")
    rows = {r["name"]: r for r in json.loads(out)}
    assert rows["bigger"]["in_use"] and rows["bigger"]["source"] == "user" and rows["bigger"]["status"] == "verified"
    assert not rows[DEFAULT_MODEL]["in_use"] and rows["stray.gguf"]["usable"] is False

    code, _, err = run(capsys, *d, "model", "use", "stray.gguf")
    assert code == 1 and "cannot use stray.gguf" in err


def test_cli_model_verify_finds_changed_bytes_behind_a_restored_mtime(capsys, cli_models, tmp_path):
    d = cli_models
    assert run(capsys, *d, "model", "verify", DEFAULT_MODEL)[0] == 0
    _tamper_keeping_size_and_mtime(tmp_path / "install-root" / "models" / f"{DEFAULT_MODEL}.gguf")
    code, out, err = run(capsys, *d, "model", "verify", DEFAULT_MODEL)
    assert code == 1 and "hash mismatch" in err and "OK" not in out


def test_cli_model_info_says_why_a_model_cannot_run(capsys, cli_models):
    code, out, err = run(capsys, *cli_models, "model", "info")  # the fake GGUF fails to load in the model process
    assert code == 1 and err.startswith("AI off: ") and "could not load" in err
