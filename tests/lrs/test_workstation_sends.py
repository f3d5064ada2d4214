"""Optionally (IT policy ``lrs_from_workstation = true``; off by default) the learner's own workstation also sends
its own evidence to the LRS. Statement ids come from event ids, so the fact the manager sends again after the
import is the same statement: the LRS holds each once, with no conflict."""

from __future__ import annotations

import random
from dataclasses import replace

from drillpad.lrs.config import from_policy
from drillpad.lrs.sender import Sender
from tests.lrs.test_statements import queued


def outbox_events(ws) -> set[str]:
    return {r[0] for r in ws.db.execute("SELECT event_id FROM lrs_outbox")}


def test_a_workstation_sends_nothing_unless_the_policy_says_so(team, site):
    device, manager, share, keys = team
    assert from_policy(site.policy().policy).from_workstation is False
    assert from_policy(site.policy(lrs_from_workstation=True).policy).from_workstation is True
    device.lrs._config = site.config()  # an LRS named in the policy every PC of the site gets
    device.read_lesson("Ana Lima", "lesson-jam", seconds=40)
    device.evidence.send_folder(share)
    assert outbox_events(device) == set() and device.lrs.status()["counts"]["queued"] == 0


def test_when_allowed_the_workstation_sends_its_own_facts_and_the_managers_resend_is_the_same(team, site,
                                                                                            xapi_statements):
    device, manager, share, keys = team
    device.lrs._config = replace(site.config(xapi_statements.url), from_workstation=True)
    manager.lrs._config = site.config(xapi_statements.url)
    device.read_lesson("Ana Lima", "lesson-jam", seconds=40)
    device.answer_prompt("Ana Lima", "jam-first", "Press the e-stop first", confidence=3, seconds=9)
    device.evidence.send_folder(share)  # the bundle is sealed: its facts are queued here, in the same step
    own = outbox_events(device)
    assert len(own) == 2 and {r["kind"] for r in queued(device).values()} == {"lesson", "recall"}
    report = device.lrs.send(max_failures=1)
    assert (report.sent, report.refused, report.conflicts) == (2, 0, 0), report.messages
    manager.evidence.import_folder(share, keys)
    assert own <= outbox_events(manager)
    for event_id in own:  # the same statement, byte for byte, from either PC
        assert queued(manager)[event_id]["statement"] == queued(device)[event_id]["statement"]
    report = Sender(manager.db, manager.lrs._config, now=manager._now, sleep=lambda s: None,
                    rng=random.Random(1)).send()
    assert (report.refused, report.conflicts, report.remaining) == (0, 0, 0), report.messages
    for event_id in own:
        assert len(xapi_statements.get(statementId=queued(manager)[event_id]["statement"]["id"])) == 1


def test_the_workstations_own_sync_sends_to_the_lrs_and_the_status_bar_says_when_it_cannot(qtbot, team, site,
                                                                                            xapi_statements):
    from drillpad.llm.fake import FakeEngine
    from drillpad.paths import Paths
    from drillpad.ui.app import MainWindow
    from drillpad.workspace import Workspace
    from tests.lrs import servers

    device, manager, share, keys = team
    device.read_lesson("Ana Lima", "lesson-jam", seconds=40)
    device.close()
    for url, sent in ((f"http://127.0.0.1:{servers.free_port()}/xAPI/", 0), (xapi_statements.url, 1)):
        ws = Workspace(Paths.resolve(device.paths.data_dir, env={}), clock=device.clock,
                       policy=site.policy(url, lrs_from_workstation=True))
        try:
            w = MainWindow(ws, engine_factory=lambda: FakeEngine(unavailable="test"), pregenerate=False)
            qtbot.addWidget(w)
            w._syncing = False
            w.sync_in_background()
            qtbot.waitUntil(lambda: not w._syncing, timeout=60_000)
            assert ws.lrs.status()["counts"]["sent"] == sent
            if not sent:
                assert "⚠ LRS unreachable, 1 statement(s) waiting" in w.sync_label.text()
                assert "cannot connect" in w.sync_label.toolTip()
            else:
                assert "LRS" not in w.sync_label.text()
            w.close()
        finally:
            ws.close()
