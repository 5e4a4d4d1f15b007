"""A small misbehaving HTTP proxy in front of the local S3 server, for fault-injection tests.

Runs ``http.server`` in a thread on 127.0.0.1 (a free port), forwards every request to the moto
server and answers with its response, except where the failure plan says otherwise:

    proxy.plan("GET", "texas/", ["503", "503"])   # the next two GETs of a matching path: SlowDown
    proxy.plan("GET", "texas/", ["drop"])         # send half the body, then close the connection
    proxy.plan("GET", "texas/", ["delete"])       # delete the object at the server, then forward
    proxy.plan("GET", "texas/", ["500"] * 99)     # every attempt: InternalError

Each rule is consumed one action per matching request, in order. ``proxy.log`` records
(method, path, what happened) for every request, so tests can count attempts.
"""

from __future__ import annotations

import http.client
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

from etl_assets.devtools import local_s3

HOST = "127.0.0.1"

_ERRORS = {
    "503": (503, "SlowDown", "Please reduce your request rate."),
    "500": (500, "InternalError", "We encountered an internal error. Please try again."),
}


@dataclass
class _Rule:
    method: str
    path_contains: str
    actions: deque = field(default_factory=deque)


class FaultyProxy:
    def __init__(self, upstream: str):
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname, parts.port)
        self.rules: list[_Rule] = []
        self.log: list[tuple[str, str, str]] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                action = proxy._next_action(self.command, self.path)
                if action in _ERRORS:
                    status, code, message = _ERRORS[action]
                    payload = (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
                               f"<Message>{message}</Message></Error>").encode()
                    # recorded before the client can see the answer, so a test reading the log after
                    # its call returns never misses it
                    proxy._record(self.command, self.path, action)
                    self.send_response(status)
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                if action == "delete":  # path-style request: /<bucket>/<key>
                    bucket, _, key = unquote(self.path.split("?")[0]).lstrip("/").partition("/")
                    local_s3.client(upstream).delete_object(Bucket=bucket, Key=key)
                status, headers, data = proxy._forward(self.command, self.path, dict(self.headers), body)
                proxy._record(
                    self.command, self.path,
                    "drop" if action == "drop" else str(status) + (" after delete" if action == "delete" else ""),
                )
                self.send_response(status)
                for name, value in headers:
                    if name.lower() not in ("transfer-encoding", "connection", "server", "date"):
                        self.send_header(name, value)
                if action == "drop":  # promise the whole body, send half, hang up
                    self.end_headers()
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle

        self.server = ThreadingHTTPServer((HOST, 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def plan(self, method: str, path_contains: str, actions: list[str]) -> None:
        with self._lock:
            self.rules.append(_Rule(method, path_contains, deque(actions)))

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()
            self.log.clear()

    def requests(self, method: str, path_contains: str) -> list[str]:
        return [what for m, p, what in self.log if m == method and path_contains in p]

    def _next_action(self, method: str, path: str) -> str | None:
        with self._lock:
            for rule in self.rules:
                if rule.method == method and rule.path_contains in unquote(path) and rule.actions:
                    return rule.actions.popleft()
        return None

    def _record(self, method: str, path: str, what: str) -> None:
        with self._lock:
            self.log.append((method, unquote(path), what))

    def _forward(self, method: str, path: str, headers: dict, body: bytes):
        connection = http.client.HTTPConnection(*self.upstream, timeout=30)
        try:
            headers = {k: v for k, v in headers.items() if k.lower() not in ("connection", "proxy-connection")}
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()

    def __enter__(self) -> FaultyProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
