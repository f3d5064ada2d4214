"""Faults between the manager's DrillPad and the LRS: down at start, 500s with Retry-After, slow answers, one
refused statement in a batch, 401, a conflicting id, and kill -9 of the sender at any moment (50 times).
Afterwards the LRS holds every statement exactly once and nothing is left behind."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import uuid
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
import requests

from drillpad.lrs import outbox
from drillpad.lrs.sender import Sender
from tests.lrs import servers
from tests.lrs.conftest import ORG
from tests.lrs.proxy import FaultProxy

REPO = Path(__file__).resolve().parents[2]


def many(manager, n: int) -> list[str]:
    """Queue *n* more statements: copies of the learner's lesson, recall and drill events with new event ids."""
    rows = manager.db.execute("SELECT kind, learner_id, payload, created_at FROM events WHERE kind IN "
                              "('lesson.read', 'review') ORDER BY seq").fetchall()
    events = [{"id": str(uuid.uuid4()), "kind": rows[i % len(rows)][0], "learner_id": rows[i % len(rows)][1],
               "payload": json.loads(rows[i % len(rows)][2]), "created_at": rows[i % len(rows)][3]} for i in range(n)]
    with manager.db.atomic():
        outbox.queue_events(manager.db, events, manager.lrs.config(), now=manager._now(), version="0.1.0")
    return [e["id"] for e in events]


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def sender(manager, site, url: str, sleeps: Sleeps | None = None, **config) -> Sender:
    cfg = replace(site.config(url), **config)
    return Sender(manager.db, cfg, now=manager._now, sleep=sleeps if sleeps is not None else Sleeps(),
                  rng=random.Random(7))


def all_ids(manager) -> list[str]:
    return [r[0] for r in manager.db.execute("SELECT id FROM lrs_outbox WHERE status != 'invalid'")]


def counts(manager) -> dict[str, int]:
    return outbox.status(manager.db)["counts"]


@pytest.fixture
def proxy(ralph):
    p = FaultProxy(ralph.url)
    yield p
    p.close()


def test_lrs_down_at_start_keeps_everything_queued_then_sends_once_it_is_up(team, site, ralph):
    device, manager, share, keys = team
    dead = servers.free_port()
    sleeps = Sleeps()
    report = sender(manager, site, f"http://127.0.0.1:{dead}/xAPI/", sleeps).send(max_failures=4)
    assert report.sent == 0 and report.remaining == 6 and "connection refused" in report.unreachable
    assert len(sleeps) == 3 and all(0 <= s <= 2 ** i for i, s in enumerate(sleeps))  # jittered back-off
    status = outbox.status(manager.db)
    assert status["unreachable"] and status["last_success"] is None and "cannot connect" in status["last_problem"]
    report = sender(manager, site, ralph.url).send()
    assert report.sent == 6 and not outbox.status(manager.db)["unreachable"]
    assert Counter(ralph.stored_ids())[all_ids(manager)[0]] == 1


def test_500s_are_retried_after_what_retry_after_asks_and_nothing_doubles(team, site, ralph, proxy):
    device, manager, share, keys = team
    many(manager, 40)
    proxy.rules.fail = [(500, {}), (503, {"Retry-After": "7"}), (500, {})]
    sleeps = Sleeps()
    report = sender(manager, site, proxy.url, sleeps, batch_size=10).send()
    assert report.sent == 46 and report.retries == 3 and report.remaining == 0
    assert sleeps[1] >= 7 and sleeps[0] <= 1 and sleeps[2] <= 4
    stored = Counter(ralph.stored_ids())
    assert all(stored[i] == 1 for i in all_ids(manager))


def test_a_slow_lrs_times_out_and_the_resend_is_harmless(team, site, ralph, proxy):
    device, manager, share, keys = team
    proxy.rules.hold_first = 1  # the LRS stores the first batch, but its answer comes too late
    report = sender(manager, site, proxy.url, read_timeout=0.5).send()
    proxy.rules.release.set()
    assert report.retries == 1 and "no answer within 0.5 s" in outbox.status(manager.db)["last_problem"]
    assert report.sent == 6 and counts(manager)["sent"] == 6
    stored = Counter(ralph.stored_ids())
    assert all(stored[i] == 1 for i in all_ids(manager))


def test_one_refused_statement_is_quarantined_with_the_lrs_message_and_the_rest_flow(team, site, ralph, proxy):
    device, manager, share, keys = team
    many(manager, 44)
    ids = all_ids(manager)
    bad = ids[17]
    proxy.rules.refuse_ids = {bad: "Statement object.definition is not valid: nope"}
    report = sender(manager, site, proxy.url).send()
    assert (report.sent, report.refused, report.remaining) == (49, 1, 0)
    assert proxy.posts <= 1 + 2 * 6  # bisection: log2(50) levels, not one request per statement
    row = outbox.status(manager.db)["problems"][0]
    assert row["id"] == bad and row["status"] == "refused"
    assert row["reason"] == "HTTP 400: Statement object.definition is not valid: nope"
    assert bad not in ralph.stored_ids()
    proxy.rules.refuse_ids = {}
    assert outbox.retry(manager.db) == 1
    assert sender(manager, site, proxy.url).send().sent == 1 and bad in ralph.stored_ids()


def test_a_401_stops_with_a_clear_message_and_marks_nothing(team, site, tmp_path):
    device, manager, share, keys = team
    wrong = servers.Ralph.start(tmp_path / "ralph-other", password="another-password")
    try:
        report = sender(manager, site, wrong.url).send()
    finally:
        wrong.stop()
    assert report.stopped and "refused DrillPad's credentials" in report.stopped
    assert "lrs_credentials_file" in report.stopped and report.sent == 0 and report.retries == 0
    assert counts(manager)["queued"] == 6 and outbox.status(manager.db)["stopped"] == report.stopped


def test_a_403_stops_with_the_authority_message_and_marks_nothing(team, site, ralph, proxy):
    device, manager, share, keys = team
    proxy.rules.fail = [(403, {})]
    report = sender(manager, site, proxy.url).send()
    assert report.stopped and "refused DrillPad's credentials (HTTP 403: injected 403)" in report.stopped
    assert "ask the LRS administrator to check its authority and scopes" in report.stopped
    assert report.sent == 0 and report.retries == 0 and proxy.posts == 1
    assert counts(manager)["queued"] == 6 and outbox.status(manager.db)["stopped"] == report.stopped
    assert outbox.retry(manager.db) == 0 and outbox.status(manager.db)["stopped"] is None  # IT fixed it: try again
    assert sender(manager, site, proxy.url).send().sent == 6


def test_a_different_statement_under_our_id_is_reported_as_a_conflict(team, site, ralph):
    device, manager, share, keys = team
    first = outbox.next_batch(manager.db, 1)[0]
    other = {**first.statement, "result": {"completion": False}}
    r = requests.post(ralph.url + "statements", json=[other], auth=(ralph.username, ralph.password),
                      headers={"X-Experience-API-Version": "1.0.3"}, timeout=30)
    assert r.status_code == 200
    report = sender(manager, site, ralph.url).send()
    assert (report.sent, report.conflicts) == (5, 1)
    row = outbox.status(manager.db)["problems"][0]
    assert row["status"] == "conflict" and row["id"] == first.id and "HTTP 409" in row["reason"]


@pytest.fixture
def own_ralph(tmp_path):
    server = servers.Ralph.start(tmp_path / "ralph-own")
    yield server
    server.stop()


def test_kill_9_of_the_sender_at_any_moment_loses_nothing_and_duplicates_nothing(team, site, own_ralph, tmp_path, request):
    """50 runs of `drillpad lrs send`, each killed with SIGKILL: when a batch arrives (not yet forwarded), right
    after the LRS stored a batch (before the sender heard), or at a random moment."""
    device, manager, share, keys = team
    ralph = own_ralph
    proxy = FaultProxy(ralph.url)
    request.addfinalizer(proxy.close)
    many(manager, 394)
    policy = tmp_path / "policy.toml"
    policy.write_text(f'lrs_url = "{proxy.url}"\nlrs_credentials_file = "{site.credentials}"\n'
                      f'lrs_org_iri = "{ORG}"\nlrs_site_id = "leeds-dc"\n')
    manager.db.conn.commit()
    rng = random.Random(2026)
    env = {**os.environ, "PYTHONPATH": str(REPO / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    killed_after_store = 0
    for run in range(50):
        child = subprocess.Popen([sys.executable, "-m", "drillpad", "--data-dir", str(manager.paths.data_dir),
                                  "--policy", str(policy), "lrs", "send", "--batch-size", "5", "--max-failures", "1"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        at = rng.randint(1, 3)
        mode = run % 3
        start = proxy.posts

        def kill(n: int, *, child=child, at=at, start=start) -> bool:
            if n - start == at:
                os.kill(child.pid, signal.SIGKILL)
                return True
            return False

        proxy.rules.before_forward = kill if mode == 0 else None
        proxy.rules.after_forward = kill if mode == 1 else None
        timer = threading.Timer(rng.uniform(0.05, 0.6), lambda c=child: c.poll() is None and c.kill()) \
            if mode == 2 else None
        if timer:
            timer.start()
        child.wait(timeout=60)
        if timer:
            timer.cancel()
        killed_after_store += mode == 1 and child.returncode == -signal.SIGKILL
    proxy.rules.before_forward = proxy.rules.after_forward = None
    assert killed_after_store >= 10  # the dangerous window (stored, not yet marked) was really hit
    report = sender(manager, site, proxy.url).send()
    assert report.remaining == 0 and report.refused == 0 and report.stopped is None
    stored = Counter(ralph.stored_ids())
    ids = all_ids(manager)
    assert len(ids) == 400 and counts(manager)["sent"] == 400
    assert {i: stored[i] for i in ids if stored[i] != 1} == {}
    assert set(stored) == set(ids)
