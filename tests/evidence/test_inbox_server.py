"""The manager's HTTP inbox under load and abuse: concurrent clients, silent clients, refused bodies.

Servers run on 127.0.0.1 only, on a free port, started and stopped by each test. Clients are
threads with generous timeouts; nothing sleeps: a test waits on a socket or a thread, bounded.
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

from drillpad.evidence import bundle as bundle_mod
from drillpad.evidence.inbox import serve
from drillpad.evidence.sync import Evidence
from drillpad.workspace import Workspace
from tests.conftest import REPO
from tests.evidence.conftest import PASS
from tests.evidence.stations import approve, post, stations

SRC = REPO / "src"

TIMEOUT = 60  # seconds: a generous bound for anything that should take milliseconds


@contextlib.contextmanager
def serving(manager: Workspace, keys, **options):
    data_dir = manager.paths.data_dir
    server = serve(lambda: Workspace.open(data_dir, clock=manager.clock), keys, data_dir / "inbox", "127.0.0.1", 0,
                   **options)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(TIMEOUT)
        assert not thread.is_alive(), "the inbox did not stop"


def _address(server) -> tuple[str, int]:
    return tuple(server.server_address[:2])


def _files(folder: Path) -> list[str]:
    """Every file under *folder* except the database itself (its -wal/-shm too)."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.is_file() and not p.name.startswith("drillpad.db"))


def test_a_silent_connection_blocks_no_one(pair, manager_keys):
    device, manager, _ = pair
    keys = manager_keys(manager)
    team = manager.evidence.team()
    ready = stations(device, team, 3)
    approve(manager, ready)
    with serving(manager, keys) as server:
        with socket.create_connection(_address(server)) as silent, \
                socket.create_connection(_address(server)) as half:
            half.sendall(b"POST /v1/bundles HTTP/1.1\r\nHost: manager\r\nContent-Length: 1000\r\n\r\n0123")
            # both now say nothing more; every other workstation is still served
            for s in ready:
                status, reply = post(server.url, s.cipher, s.headers(), timeout=TIMEOUT)
                assert (status, reply["outcome"]) == (200, "imported"), reply
            assert device.evidence.send_http(server.url)["sent"] == 1


def test_the_inbox_closes_a_connection_that_goes_silent(pair, manager_keys):
    _, manager, _ = pair
    with serving(manager, manager_keys(manager), channel_timeout=1) as server:
        with socket.create_connection(_address(server)) as silent:
            silent.sendall(b"POST /v1/bundles HTTP/1.1\r\nHost: manager\r\n")  # half the headers, then nothing
            silent.settimeout(TIMEOUT)
            try:
                closed = silent.recv(1024) == b""
            except ConnectionResetError:
                closed = True
            assert closed, "the server answered a request it never received"


def test_200_simultaneous_posts_are_all_served_and_each_bundle_imported_once(pair, manager_keys):
    device, manager, _ = pair
    keys = manager_keys(manager)
    many = stations(device, manager.evidence.team(), 200)
    approve(manager, many)
    results: list[object] = [None] * len(many)
    start = threading.Barrier(len(many))

    def send(i: int) -> None:
        start.wait(TIMEOUT)
        try:
            results[i] = post(url, many[i].cipher, many[i].headers(), timeout=TIMEOUT)
        except OSError as exc:  # ConnectionResetError, refused, timed out
            results[i] = exc

    with serving(manager, keys) as server:
        url = server.url
        threads = [threading.Thread(target=send, args=(i,)) for i in range(len(many))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(TIMEOUT * 2)
    errors = [r for r in results if not isinstance(r, tuple)]
    assert errors == [], f"{len(errors)} of {len(many)} posts failed, e.g. {errors[0]!r}"
    assert {(status, reply["outcome"]) for status, reply in results} == {(200, "imported")}
    imported = manager.db.execute("SELECT device_id, count(*) FROM bundle_log WHERE outcome = 'imported' "
                                  "GROUP BY device_id").fetchall()
    assert len(imported) == len(many) and {count for _, count in imported} == {1}
    assert {d["last_seq"] for d in manager.evidence.devices()} == {1}
    names = {r[0] for r in manager.db.execute("SELECT name FROM learners")}
    assert {f"Station learner {i}" for i in range(len(many))} <= names


def test_refused_posts_leave_no_files_and_register_no_device(pair, manager_keys, monkeypatch):
    device, manager, _ = pair
    keys = manager_keys(manager)
    team = manager.evidence.team()
    data_dir = manager.paths.data_dir
    known = stations(device, team, 1)
    approve(manager, known)
    before = _files(data_dir)
    monkeypatch.setattr(bundle_mod, "MAX_BUNDLE_BYTES", 64 * 1024)
    elsewhere = stations(device, team, 5, team_id="south-dc-1a2b3c")
    strangers, impostors = stations(device, team, 5), stations(device, team, 10)
    tampered = bytearray(known[0].cipher)
    tampered[-1] ^= 1
    with serving(manager, keys) as server:
        replies = []
        for s in elsewhere:  # a valid bundle for another team, with its key
            replies.append(("other team", *post(server.url, s.cipher, s.headers())))
        for s in strangers:  # an unknown device that does not send its key
            replies.append(("no key", *post(server.url, s.cipher, s.headers(with_key=False))))
        for a, b in zip(impostors[::2], impostors[1::2]):  # one device's key, another's signature
            forged = {**a.headers(), "X-DrillPad-Device": b.headers()["X-DrillPad-Device"]}
            replies.append(("forged key", *post(server.url, a.cipher, forged)))
        replies.append(("tampered", *post(server.url, bytes(tampered), known[0].headers())))
        oversized = post(server.url, b"x" * (64 * 1024 + 1), known[0].headers())
        replies.append(("not a signature", *post(server.url, b"x" * 100, {"X-DrillPad-Signature": "bm90IGEgc2ln"})))
    outcomes = {(case, status, reply["outcome"]) for case, status, reply in replies}
    assert outcomes == {("other team", 409, "skipped"), ("no key", 422, "refused"), ("forged key", 422, "refused"),
                        ("tampered", 422, "refused"), ("not a signature", 422, "refused")}
    assert oversized[0] == 413 and "65537" in oversized[1]["reason"]  # waitress's own refusal, before the app
    assert _files(data_dir) == before, "refused posts left files behind"
    assert [(d["id"], d["status"]) for d in manager.evidence.devices()] == [(known[0].device_id, "approved")]
    assert manager.evidence.log() == [], "refused posts from outside reached the import log"


def test_answered_posts_leave_nothing_in_the_inbox_folder(pair, manager_keys):
    device, manager, _ = pair
    keys = manager_keys(manager)
    inbox = manager.paths.data_dir / "inbox"
    with serving(manager, keys) as server:
        assert device.evidence.send_http(server.url)["acknowledged"] == 0  # new device: pending
        manager.evidence.approve_device(device.device_id)
        assert device.evidence.send_http(server.url)["acknowledged"] == 1  # imported
        assert device.evidence.send_http(server.url)["sent"] == 0
    assert [d["status"] for d in manager.evidence.devices()] == ["approved"]
    assert _files(inbox) == [], "bundles stay in the inbox folder after their reply"


def test_the_inbox_imports_through_the_same_import_as_the_command_line(pair, manager_keys, monkeypatch):
    device, manager, _ = pair
    keys = manager_keys(manager)
    calls = []
    real = Evidence.import_bundle

    def counted(self, path, manager_keys_):
        calls.append(path.name)
        return real(self, path, manager_keys_)

    monkeypatch.setattr(Evidence, "import_bundle", counted)
    ready = stations(device, manager.evidence.team(), 3)
    approve(manager, ready)
    with serving(manager, keys) as server:
        for s in ready:
            assert post(server.url, s.cipher, s.headers())[0] == 200
    assert len(calls) == 3


def test_a_post_cut_off_by_a_crash_leaves_nothing_behind_at_the_next_start(pair, manager_keys):
    _, manager, _ = pair
    stale = manager.paths.data_dir / "inbox" / ".post-0a1b2c3d"
    stale.mkdir(parents=True)
    (stale / "x.bundle").write_bytes(b"half")
    with serving(manager, manager_keys(manager)):
        pass
    assert _files(manager.paths.data_dir / "inbox") == []


def test_inbox_serve_from_the_command_line_answers_and_stops_on_ctrl_c(pair, tmp_path):
    device, manager, _ = pair
    env = {**os.environ, "DRILLPAD_PASSPHRASE": PASS, "PYTHONPATH": str(SRC), "QT_QPA_PLATFORM": "offscreen"}
    # as from a terminal: a test run started in the background by a script inherits SIGINT ignored, and an
    # ignored signal stays ignored across exec, so Ctrl+C would never reach the inbox (a handler is reset to the
    # default instead)
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        proc = subprocess.Popen([sys.executable, "-m", "drillpad", "--data-dir", str(manager.paths.data_dir),
                                 "inbox", "serve", "--host", "127.0.0.1", "--port", "0"], env=env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    finally:
        signal.signal(signal.SIGINT, before)
    try:
        first = proc.stdout.readline()
        found = re.search(r"listening on (http://127\.0\.0\.1:\d+)", first)
        assert found, first + proc.stderr.read()
        assert device.evidence.send_http(found.group(1)) == {"sent": 1, "acknowledged": 0, "decisions": 0}
        assert [d["status"] for d in manager.evidence.devices()] == ["pending"]
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "Inbox stopped." in out


def test_a_body_claiming_more_than_the_limit_is_refused_before_it_is_sent(pair, manager_keys):
    _, manager, _ = pair
    with serving(manager, manager_keys(manager)) as server:
        with socket.create_connection(_address(server)) as client:
            client.sendall(b"POST /v1/bundles HTTP/1.1\r\nHost: manager\r\nContent-Length: 10000000000\r\n\r\n")
            client.settimeout(TIMEOUT)
            answer = client.recv(4096)  # no body sent: the answer cannot wait for 10 GB
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert _files(manager.paths.data_dir / "inbox") == []


def test_a_refused_bundle_posted_again_and_again_is_kept_in_quarantine_once(pair, manager_keys):
    """An approved workstation's bundle the import refuses (a manager decision it may not send) is quarantined;
    the workstation posts it again at every sync, which must not add a copy each time."""
    from tests.evidence.conftest import enrol, event, forge

    device, manager, share = pair
    keys = enrol(device, manager, share)
    name = forge(device, share, events=[event(device, kind="checkin", payload={"note": "forged"})])
    body, signature = (share / name).read_bytes(), (share / (name + ".minisig")).read_bytes()
    headers = {"Content-Type": "application/octet-stream",
               "X-DrillPad-Signature": base64.b64encode(signature).decode(),
               "X-DrillPad-Device": base64.b64encode(device.evidence.device_public_file()).decode()}
    with serving(manager, keys) as server:
        for _ in range(3):
            status, reply = post(server.url, body, headers)
            assert (status, reply["outcome"]) == (422, "refused") and "rule A2" in reply["reason"], reply
    kept = sorted(p.name for p in (manager.paths.data_dir / "quarantine").iterdir())
    assert len(kept) == 3 and sum(k.endswith(".bundle") for k in kept) == 1, kept
