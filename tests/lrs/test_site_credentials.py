"""docs/lrs.md's production rule, checked on a real Ralph LRS 5.1.0: one credential per site, restricted by
authority and scopes. A site writes statements whose authority is its own agent and reads only its own; another
site sees none of them; analytics (statements/read) reads all and may not write."""

from __future__ import annotations

from dataclasses import replace

import pytest

from drillpad.lrs.sender import Sender
from tests.lrs import servers
from tests.lrs.conftest import ORG
from tests.lrs.test_statements import decide, queued

SITE = ["statements/write", "statements/read/mine"]
USERS = [{"username": "site-leeds", "password": "pw-leeds", "scopes": SITE},
         {"username": "site-york", "password": "pw-york", "scopes": SITE},
         {"username": "analytics", "password": "pw-analytics", "scopes": ["statements/read"]},
         {"username": "site-hull", "password": "pw-hull", "scopes": ["statements/write"]}]


@pytest.fixture
def production_ralph(tmp_path):
    server = servers.Ralph.start(tmp_path / "ralph-sites", username="admin", password="pw-admin", users=USERS)
    yield server
    server.stop()


def as_user(server, username: str, password: str):
    return replace(server, username=username, password=password)


def test_one_credential_per_site_reads_only_its_own_and_analytics_reads_all_but_cannot_write(team, site,
                                                                                         production_ralph):
    device, manager, share, keys = team
    manager.lrs._config = replace(site.config(production_ralph.url), signature="extension")  # Ralph: no multipart
    decide(manager, keys)
    report = Sender(manager.db, manager.lrs._config, now=manager._now, sleep=lambda s: None).send()
    assert (report.sent, report.refused, report.stopped) == (9, 0, None), report.messages
    sent = {r["statement"]["id"] for r in queued(manager).values()}

    leeds = as_user(production_ralph, "site-leeds", "pw-leeds").get()
    assert {s["id"] for s in leeds} == sent
    assert {s["authority"]["account"]["name"] for s in leeds} == {"site-leeds"}
    assert {s["authority"]["account"]["homePage"] for s in leeds} == {ORG}
    assert as_user(production_ralph, "site-york", "pw-york").get() == []  # a leaked York credential: no Leeds data
    assert {s["id"] for s in as_user(production_ralph, "analytics", "pw-analytics").get()} == sent

    reader = replace(manager.lrs._config, username="analytics", password="pw-analytics")
    with manager.db.atomic():
        manager.db.execute("UPDATE lrs_outbox SET status = 'queued'")
    report = Sender(manager.db, reader, now=manager._now, sleep=lambda s: None).send()
    assert report.stopped and "ask the LRS administrator to check its authority and scopes" in report.stopped
    assert report.sent == 0 and report.retries == 0


def test_lrs_test_checks_that_the_credential_may_write_not_only_read(team, site, production_ralph):
    from drillpad.lrs.sender import LrsStopped

    device, manager, share, keys = team
    config = site.config(production_ralph.url)

    def verdict(username: str, password: str) -> str:
        try:
            return Sender(manager.db, replace(config, username=username, password=password), now=manager._now).test()
        except LrsStopped as exc:
            return f"NOT OK: {exc}"

    assert verdict("site-leeds", "pw-leeds").startswith("OK")
    assert verdict("site-hull", "pw-hull").startswith("OK")  # may write, may not read: sending works
    refused = verdict("analytics", "pw-analytics")  # may read, may not write: sending would stop
    assert refused.startswith("NOT OK") and "check its authority and scopes" in refused
    wrong = verdict("site-leeds", "not-the-password")
    assert wrong.startswith("NOT OK") and "Check username and password" in wrong
    assert production_ralph.get() == []  # the probe stores nothing
