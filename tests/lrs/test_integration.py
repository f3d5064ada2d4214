"""Against real LRS servers on 127.0.0.1: Learning Locker's statement service (strict validation, signed
statements) and Ralph LRS (file backend). What was sent is read back and compared."""

from __future__ import annotations

import base64
import json
import random
from collections import Counter

import pytest

from drillpad.lrs import outbox
from drillpad.lrs.sender import Sender
from tests.lrs.test_statements import decide, queued

IGNORED = ("stored", "authority", "version", "attachments")


def sender_for(manager, server, site, **kw) -> Sender:
    config = site.config(server.url)
    return Sender(manager.db, config, now=manager._now, sleep=lambda s: None, rng=random.Random(1), **kw)


def comparable(statement: dict) -> dict:
    s = {k: v for k, v in statement.items() if k not in IGNORED}
    return json.loads(json.dumps(s).replace("+00:00", "Z"))


def assert_same(sent: dict, stored: dict) -> None:
    a, b = comparable(sent), comparable(stored)
    a["timestamp"] = a["timestamp"][:19]
    b["timestamp"] = b["timestamp"][:19]
    assert a == b


def test_everything_reaches_learning_lockers_statement_service_and_reads_back_the_same(team, site, xapi_statements):
    device, manager, share, keys = team
    decide(manager, keys)
    report = sender_for(manager, xapi_statements, site).send()
    assert (report.sent, report.refused, report.remaining, report.stopped) == (9, 0, 0, None), report.messages
    rows = queued(manager)
    assert {r["status"] for r in rows.values()} == {"sent"}
    for row in rows.values():
        got = xapi_statements.get(statementId=row["statement"]["id"])
        assert len(got) == 1
        assert_same(row["statement"], got[0])
    signoff = next(r for r in rows.values() if r["kind"] == "signoff")
    assert xapi_statements.get(statementId=signoff["statement"]["id"])[0]["attachments"][0]["usageType"] \
        .endswith("/signature")
    assert outbox.status(manager.db)["last_success"] is not None


def test_a_tampered_signed_statement_is_refused_with_the_lrs_message_and_the_rest_flow(team, site, xapi_statements):
    device, manager, share, keys = team
    signoff = decide(manager, keys)
    statement = json.loads(manager.db.execute("SELECT statement FROM lrs_outbox WHERE event_id = ?",
                                              [signoff.id]).fetchone()[0])
    statement["result"]["score"]["raw"] = 5  # changed after it was signed
    with manager.db.atomic():
        manager.db.execute("UPDATE lrs_outbox SET statement = ? WHERE event_id = ?", [json.dumps(statement), signoff.id])
    report = sender_for(manager, xapi_statements, site).send()
    assert (report.sent, report.refused, report.remaining) == (8, 1, 0)
    row = queued(manager)[signoff.id]
    assert row["status"] == "refused" and row["reason"].startswith("HTTP 400")
    assert xapi_statements.get(statementId=statement["id"]) == []
    assert outbox.status(manager.db)["problems"][0]["reason"] == row["reason"]


def test_ralph_holds_every_statement_and_answers_by_registration_agent_and_since(team, site, ralph):
    device, manager, share, keys = team
    decide(manager, keys)
    report = sender_for(manager, ralph, site).send()
    rows = queued(manager)
    assert (report.sent, report.remaining, report.stopped) == (8, 0, None), report.messages
    # Ralph 5.1.0 reads JSON bodies only: the signed sign-off (multipart/mixed, xAPI §4.4) is refused with its
    # message, quarantined, and the other statements flow (docs/lrs.md, "Signed sign-offs and Ralph").
    signoff = next(r for r in rows.values() if r["kind"] == "signoff")
    assert signoff["status"] == "refused" and signoff["reason"] == "HTTP 400: Invalid JSON body"
    sent = {r["statement"]["id"]: r["statement"] for r in rows.values() if r["status"] == "sent"}
    stored = Counter(ralph.stored_ids())  # the server is shared by the session's tests
    assert len(sent) == 8 and all(stored[i] == 1 for i in sent) and stored[signoff["statement"]["id"]] == 0
    drill = next(r["statement"] for r in rows.values() if r["kind"] == "drill")
    by_registration = ralph.get(registration=drill["context"]["registration"])
    assert [s["id"] for s in by_registration] == [drill["id"]]
    assert_same(drill, by_registration[0])
    agent = json.dumps(drill["actor"])
    assert {s["id"] for s in ralph.get(agent=agent)} >= {s for s, st in sent.items() if st["actor"] == drill["actor"]}
    assert {s["id"] for s in ralph.get(since="2000-01-01T00:00:00Z")} >= set(sent)


@pytest.mark.parametrize("server_name", ["xapi_statements", "ralph"])
def test_drillpad_lrs_test_says_ok_against_a_running_lrs_and_status_shows_the_queue(server_name, request, team, site,
                                                                                    tmp_path, capsys):
    from drillpad.cli import main
    from tests.lrs.conftest import ORG

    server = request.getfixturevalue(server_name)
    device, manager, share, keys = team
    manager.db.conn.commit()
    policy = tmp_path / "policy.toml"
    policy.write_text(f'lrs_url = "{server.url}"\nlrs_credentials_file = "{site.credentials}"\n'
                      f'lrs_org_iri = "{ORG}"\nlrs_site_id = "leeds-dc"\n')
    base = ["--data-dir", str(manager.paths.data_dir), "--policy", str(policy), "lrs"]
    assert main(base + ["test"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"OK: {server.url} answers xAPI") and "'site-leeds'" in out
    assert ("versions 1.0.3" if server_name == "xapi_statements" else "versions not stated") in out  # Ralph: no /about
    assert main(base + ["status"]) == 0
    assert capsys.readouterr().out.startswith("queued 6, sent 0")
    assert main(base + ["send"]) == 0
    assert "6 sent, 0 refused, 0 conflict(s), 0 still queued" in capsys.readouterr().out
    creds = tmp_path / "wrong.toml"
    creds.write_text(site.credentials.read_text().replace("pw-leeds", "not-the-password"))
    policy.write_text(policy.read_text().replace(str(site.credentials), str(creds)))
    if server_name == "ralph":  # xapi-statements' test mode takes any credentials
        assert main(base + ["test"]) == 1
        assert "NOT OK" in capsys.readouterr().out


def test_with_lrs_signature_extension_ralph_takes_the_signed_signoff_and_it_verifies(team, site, ralph):
    from dataclasses import replace

    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from jwcrypto import jwk, jws

    from drillpad.lrs.signing import canonical
    from tests.lrs.conftest import ORG

    device, manager, share, keys = team
    manager.lrs._config = replace(site.config(ralph.url), signature="extension")
    signoff = decide(manager, keys)
    report = Sender(manager.db, manager.lrs._config, now=manager._now, sleep=lambda s: None).send()
    assert (report.sent, report.refused, report.remaining) == (9, 0, 0), report.messages
    sid = queued(manager)[signoff.id]["statement"]["id"]
    stored = ralph.get(statementId=sid)[0]
    ext = f"{ORG}/drillpad/xapi/extensions/jws"
    token = jws.JWS()
    token.deserialize(stored["result"]["extensions"][ext])
    header = json.loads(base64.urlsafe_b64decode(stored["result"]["extensions"][ext].split(".")[0] + "=="))
    cert = x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0]))
    token.verify(jwk.JWK.from_pem(cert.public_key().public_bytes(serialization.Encoding.PEM,
                                                                 serialization.PublicFormat.SubjectPublicKeyInfo)))
    sent = queued(manager)[signoff.id]["statement"]
    unsigned = json.loads(json.dumps(sent))
    del unsigned["result"]["extensions"][ext]
    assert token.payload == canonical(unsigned)
