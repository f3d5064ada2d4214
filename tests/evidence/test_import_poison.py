"""Poison bundles: malformed but really signed by an approved workstation's key. Each is quarantined with a
reason, nothing of it is applied, no exception escapes, and the import carries on with the next bundle."""

from __future__ import annotations

import io
import json
import tarfile
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drillpad.evidence import bundle as bundle_mod
from drillpad.evidence import schemas
from tests.evidence.conftest import enrol, event, forge, tar_of

ADDED = {"name": "Bo Chen", "pack": "mini-dock", "role": "dock-hand"}


def _jsonl(*events) -> bytes:
    return bundle_mod.events_jsonl(list(events))


def _raw(device, text: str) -> bytes:
    """One event line whose reflection text is the raw JSON *text* (for what json.dumps would never write)."""
    e = event(device, payload={"text": "@@"})
    return json.dumps(e).replace('"@@"', text).encode() + b"\n"


def _sparse_tar(device, body: bytes) -> bytes:
    header = {"format": 1}
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name, data in (("manifest.json", json.dumps(header).encode()), ("events.jsonl", body)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.type = tarfile.GNUTYPE_SPARSE
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


CASES = {
    "two events with one seq": (lambda d: {"events": [event(d), event(d)]}, "does not follow"),
    "seq true": (lambda d: {"events": [event(d, seq=True)]}, "seq"),
    "seq 2**63": (lambda d: {"events": [event(d, seq=2**63)]}, "out of range"),
    "upper-case id": (lambda d: {"events": [event(d, id=str(uuid.uuid4()).upper())]}, "id"),
    "braced id": (lambda d: {"events": [event(d, id="{" + str(uuid.uuid4()) + "}")]}, "id"),
    "NaN": (lambda d: {"body": _raw(d, "NaN")}, "NaN"),
    "Infinity score": (lambda d: {"body": _raw(d, "1e999")}, "not finite"),
    "blank learner name": (lambda d: {"events": [event(d, kind="learner.added", learner=str(uuid.uuid4()),
                                                       payload={**ADDED, "name": "   "})]}, "name"),
    "repeated learner name": (lambda d: {"events": [
        event(d, kind="learner.added", learner=str(uuid.uuid4()), payload=ADDED),
        event(d, 2, kind="learner.added", learner=str(uuid.uuid4()), payload=ADDED)]}, "Bo Chen"),
    "lone surrogate": (lambda d: {"body": _raw(d, '"\\ud800"')}, "surrogate"),
    "pack as a list": (lambda d: {"events": [event(d, kind="learner.added", learner=str(uuid.uuid4()),
                                                   payload={**ADDED, "pack": ["mini-dock"]})]}, "pack"),
    "nested 100,000 deep": (lambda d: {"body": _raw(d, "[" * 100_000 + "]" * 100_000)}, "nested deeper"),
    "duplicate keys": (lambda d: {"body": _raw(d, '{"a": 1, "a": 2}')}, "appears twice"),
    "tar sparse headers": (lambda d: {"plain": _sparse_tar(d, _jsonl(event(d))), "count": 1}, "sparse"),
    "created_at not a date": (lambda d: {"events": [event(d, created_at="not a date")]}, "created_at"),
    "learner with a null id": (lambda d: {"events": [event(d, kind="learner.added", learner=None,
                                                           payload=ADDED)]}, "learner_id"),
    "sign-off level abc": (lambda d: {"events": [event(d, kind="signoff", payload={
        "behaviour": "isolation", "level": "abc"})]}, "event 1"),
    "review decision without event": (lambda d: {"events": [event(d, kind="review.decision", payload={
        "passed": True})]}, "event 1"),
    "score abc": (lambda d: {"events": [event(d, kind="review", payload={
        "pack": "mini-dock", "task": "jam", "item_kind": "drill", "item": "jam-c1", "score": "abc",
        "correct": True, "confidence": 3, "rating": 3, "attempt": 1})]}, "score"),
    "payload a list": (lambda d: {"events": [event(d, payload=[1])]}, "payload"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_poison_bundle_is_quarantined_and_the_next_bundle_is_imported(pair, manager_keys, case):
    device, manager, share = pair
    keys = enrol(device, manager, share)
    make, expect = CASES[case]
    name = forge(device, share, **make(device))
    device.reflect("Ana Lima", "the genuine bundle after the poison one")
    device.evidence.send_folder(share)
    before = manager.db["events"].count
    outcomes = {o.file: o for o in manager.evidence.import_folder(share, keys)}
    bad = outcomes[name]
    assert bad.outcome == "refused" and expect in bad.reason, bad
    assert [o.outcome for f, o in outcomes.items() if f != name] == ["already", "imported"]
    assert manager.db["events"].count == before + 1  # only the genuine reflection
    assert not (share / name).exists()
    reason = next((manager.paths.data_dir / "quarantine").glob(f"*-{name}.reason.txt")).read_text()
    assert expect in reason
    assert manager.evidence.log(2)[1]["outcome"] == "refused"


def test_a_learner_name_taken_twice_here_gets_a_distinct_name_not_a_crash(pair, manager_keys):
    device, manager, share = pair
    keys = enrol(device, manager, share)
    manager.profiles.add_learner("Bo Chen", "dock-hand")
    first = event(device, kind="learner.added", learner=str(uuid.uuid4()), payload=ADDED)
    second = event(device, 2, kind="learner.added", learner=str(uuid.uuid4()), payload={**ADDED, "name": "Bo  Chen"})
    name = forge(device, share, events=[first])
    assert {o.file: o.outcome for o in manager.evidence.import_folder(share, keys)}[name] == "imported"
    names = sorted(lr.name for lr in manager.profiles.learners())
    assert names[:2] == ["Ana Lima", "Bo Chen"] and names[2].startswith("Bo Chen (")
    assert second  # the double space form is refused by the schema (names are normalised)
    with pytest.raises(schemas.EventInvalid):
        schemas.validate(second)


# --- the event schemas, by Hypothesis ------------------------------------------------------------------

_GOOD = {"id": "00000000-0000-4000-8000-000000000001", "device_id": "00000000-0000-4000-8000-000000000002",
         "seq": 3, "learner_id": "00000000-0000-4000-8000-000000000003", "kind": "review",
         "payload": {"pack": "mini-dock", "task": "jam", "item_kind": "drill", "item": "jam-c1", "score": 0.5,
                     "correct": False, "confidence": 3, "rating": 2, "attempt": 1, "missed": ["lockout"]},
         "created_at": "2026-03-02T08:30:00+00:00"}
_json = st.recursive(st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats() | st.text(max_size=20),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                     max_leaves=12)
_kinds = st.sampled_from(sorted(schemas.PAYLOADS) + ["note", "", "Review"])


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(_GOOD) + [f"payload.{k}" for k in _GOOD["payload"]]), _json, _kinds)
def test_an_event_with_any_field_spoiled_is_refused_with_a_reason_or_is_safe_to_store(field, value, kind):
    import sqlite3

    raw = json.loads(json.dumps(_GOOD))
    raw["kind"] = kind
    if field.startswith("payload."):
        raw["payload"][field.split(".", 1)[1]] = value
    else:
        raw[field] = value
    try:
        e = schemas.validate(raw)
    except schemas.EventInvalid as exc:
        assert str(exc)
        return
    # accepted: it must store and read back, and its fields have the types the views rely on
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE events (id TEXT, device_id TEXT, seq INTEGER, learner_id TEXT, kind TEXT, payload TEXT "
               "CHECK (json_valid(payload)), created_at TEXT)")
    db.execute("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?)", [e["id"], e["device_id"], e["seq"], e["learner_id"],
                                                                   e["kind"], json.dumps(e["payload"]), e["created_at"]])
    assert 1 <= e["seq"] <= schemas.MAX_SEQ and isinstance(e["seq"], int) and not isinstance(e["seq"], bool)
    assert schemas.check_stored(e["kind"], e["learner_id"], json.dumps(e["payload"]), e["created_at"]) is None


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400) | st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_the_event_reader_never_raises_anything_but_a_reason(data):
    try:
        schemas.validate(schemas.loads(data))
    except schemas.EventInvalid as exc:
        assert str(exc)


def test_every_kind_a_workstation_records_passes_its_schema(pair):
    device, _, _ = pair
    device.log_demonstration("Ana Lima", "jam", "Cleared a jam", source="peer")
    device.read_lesson("Ana Lima", "lesson-jam", 12.5)
    device.answer_prompt("Ana Lima", "jam-first", "stop the conveyor", 2, None)
    from drillpad.evidence.sync import _EVENT_SELECT, _event_dicts

    for e in _event_dicts(device.db.execute(_EVENT_SELECT).fetchall()):
        schemas.validate(e)


def test_a_refused_bundle_sent_again_and_again_is_kept_in_quarantine_once(pair, manager_keys):
    """A workstation keeps an unacknowledged bundle in its outbox and drops it into the folder at every sync (every
    few minutes): a refused one must not leave another copy in the manager's quarantine each time."""
    device, manager, share = pair
    keys = enrol(device, manager, share)
    name = forge(device, share, events=[event(device, seq=True)])
    sent = {p.name: p.read_bytes() for p in share.glob("aaa-forged.*")}
    quarantine = manager.paths.data_dir / "quarantine"
    for _ in range(5):
        for file, data in sent.items():
            (share / file).write_bytes(data)
        out = {o.file: o for o in manager.evidence.import_folder(share, keys)}[name]
        assert out.outcome == "refused" and "seq" in out.reason
        assert not (share / name).exists()
    kept = sorted(p.name for p in quarantine.iterdir())
    assert len([k for k in kept if k.endswith(".bundle")]) == 1, kept
    assert len([k for k in kept if k.endswith(".bundle.minisig")]) == 1, kept
    assert len([k for k in kept if k.endswith(".reason.txt")]) == 1, kept
