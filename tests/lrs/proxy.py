"""A fault-injecting HTTP proxy on 127.0.0.1 in front of a real LRS: answers 500/401/400 instead of
forwarding, holds a forwarded request's answer past the client's timeout, tells the test when a batch
reached the LRS (so the sender can be killed right then), and counts requests."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests


@dataclass
class Rules:
    fail: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # answer these (status, headers) first
    refuse_ids: dict[str, str] = field(default_factory=dict)  # statement id → message (400 if a batch has it)
    hold_first: int = 0  # forward, then hold the answer of this many requests until released
    release: threading.Event = field(default_factory=threading.Event)
    after_forward: Callable[[int], None] | None = None  # called with the request number once the LRS stored it
    before_forward: Callable[[int], bool] | None = None  # called first; True drops the request unanswered


class FaultProxy:
    def __init__(self, upstream: str):
        from urllib.parse import urlsplit

        parts = urlsplit(upstream)
        self.upstream = f"{parts.scheme}://{parts.netloc}"
        self.rules = Rules()
        self.posts = 0
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):  # quiet
                pass

            def _reply(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client went away (killed, or timed out)

            def _forward(self, method: str) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length) if length else b""
                headers = {k: v for k, v in self.headers.items() if k.lower() in
                           ("authorization", "content-type", "x-experience-api-version")}
                with proxy.lock:
                    if method == "POST":
                        proxy.posts += 1
                    n = proxy.posts
                    fail = proxy.rules.fail.pop(0) if proxy.rules.fail and method == "POST" else None
                if method == "POST" and proxy.rules.before_forward is not None and proxy.rules.before_forward(n):
                    self.close_connection = True
                    return
                if fail is not None:
                    status, extra = fail
                    self._reply(status, json.dumps({"message": f"injected {status}"}).encode(),
                                {"Content-Type": "application/json", **extra})
                    return
                if method == "POST" and proxy.rules.refuse_ids:
                    text = body.decode(errors="replace")
                    hit = [m for i, m in proxy.rules.refuse_ids.items() if i in text]
                    if hit:
                        self._reply(400, json.dumps({"message": hit[0]}).encode(), {"Content-Type": "application/json"})
                        return
                upstream = requests.request(method, proxy.upstream + self.path, data=body, headers=headers,
                                            timeout=60)
                if method == "POST" and proxy.rules.after_forward is not None:
                    proxy.rules.after_forward(n)
                if method == "POST" and n <= proxy.rules.hold_first:
                    proxy.rules.release.wait(30)
                self._reply(upstream.status_code, upstream.content,
                            {"Content-Type": upstream.headers.get("Content-Type", "application/json")})

            def do_POST(self):
                self._forward("POST")

            def do_GET(self):
                self._forward("GET")

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):  # a killed client resets its connection: expected
                pass

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/xAPI/"

    def close(self) -> None:
        self.rules.release.set()
        self.server.shutdown()
        self.server.server_close()
