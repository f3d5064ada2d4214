"""The workstation's side of ``send --url``: it waits a bounded time and says plainly what went wrong.

Every "server" here is on 127.0.0.1 and started by the test: a socket that listens but never answers,
a closed port, and a small stdlib server that is not the DrillPad inbox.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from drillpad.evidence.sync import SyncError


@contextlib.contextmanager
def other_server(status: int, content_type: str, body: bytes):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(30)


def _failure(device, url: str, **kw) -> str:
    with pytest.raises(SyncError) as err:
        device.evidence.send_http(url, **kw)
    assert device.evidence.status()["unacked_bundles"] == 1, "the bundle must stay in the outbox"
    return str(err.value)


def test_an_inbox_that_takes_the_connection_but_never_answers_is_given_up_on(pair):
    device, _, _ = pair
    with socket.socket() as listener:  # the kernel completes connections; nobody ever reads or answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        message = _failure(device, url, timeout=1)
    assert "did not answer within 1 s" in message and "1 bundle(s) stay in the outbox" in message


def test_nothing_listening_says_the_inbox_is_not_running(pair):
    device, _, _ = pair
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # free once closed: nothing listens there
    message = _failure(device, f"http://127.0.0.1:{port}")
    assert f"nothing is listening at 127.0.0.1:{port}" in message and "drillpad inbox serve" in message


def test_an_address_that_is_not_the_inbox_says_so(pair):
    device, _, _ = pair
    with other_server(200, "text/html", b"<html>Welcome to the intranet</html>") as url:
        message = _failure(device, url)
    assert f"{url} answered HTTP 200 with something that is not a DrillPad inbox reply" in message


def test_an_inbox_that_cannot_take_the_bundle_now_says_why_and_keeps_it(pair):
    device, _, _ = pair
    reply = json.dumps({"outcome": "error", "reason": "the manager's data is being backed up"}).encode()
    with other_server(503, "application/json", reply) as url:
        message = _failure(device, url)
    assert "could not take bundle 1" in message and "being backed up" in message


def test_an_address_that_is_not_http_is_refused_before_anything_is_sent(pair):
    device, _, _ = pair
    message = _failure(device, "manager-pc:8765")
    assert "is not an inbox address" in message and "http://" in message


@pytest.mark.parametrize("body", [b"[" * 100_000 + b"]" * 100_000, b'{"outcome": NaN}'], ids=["nested", "NaN"])
def test_a_reply_that_is_not_plain_json_is_not_the_inbox_and_never_a_crash(pair, body):
    """Plain HTTP on a site network: whoever answers in the inbox's place must not crash the workstation's sync
    (a reply nested 100,000 deep raised RecursionError out of send --url)."""
    device, _, _ = pair
    with other_server(200, "application/json", body) as url:
        message = _failure(device, url)
    assert "not a DrillPad inbox reply" in message
