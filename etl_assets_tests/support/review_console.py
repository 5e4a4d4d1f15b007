"""The review console under test: a warehouse with review pairs built by real runs, and the console
served by uvicorn on 127.0.0.1 (a real HTTP server; requests through urllib)."""

from __future__ import annotations

import http.cookiejar
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass

HEADER = "Operation #,Operation/Caregiver Name,Address,City,State,Zip,Phone,Type,Status\n"
# Three co-located pairs (one address, one phone, names too different to link by a rule): the
# church's preschool and its Mother's Day Out (one provider: ACCEPT), two centres of one chain on
# one lot (REJECT), and a pair whose registry name holds HTML.
SCRIPT_NAME = "<script>alert(1)</script> Sunshine Learning Center"
RECORDS = ("9001,Grace Methodist Preschool,12 Oak St,Austin,TX,78701,512-555-0142,Licensed Center,Full Permit\n"
           "9002,Grace Methodist Mothers Day Out,12 Oak St,Austin,TX,78701,512-555-0142,Licensed Center,Full Permit\n"
           f"9005,{SCRIPT_NAME},500 Cedar Blvd,Austin,TX,78704,512-555-0188,"
           "Licensed Center,Full Permit\n"
           "9006,Sunshine Kids Academy,500 Cedar Blvd,Austin,TX,78704,512-555-0188,Licensed Center,Full Permit\n"
           "9008,Bright Horizons Elm,90 Birch Ln,Austin,TX,78705,512-555-0190,Licensed Center,Full Permit\n"
           "9009,Bright Horizons Birch Lane,90 Birch Ln,Austin,TX,78705,512-555-0190,Licensed Center,Full Permit\n"
           "9003,Little Sprouts Learning Center,400 Elm Ave,Austin,TX,78702,512-555-0177,Licensed Center,Full Permit\n")
ACCEPT, REJECT, HTML_PAIR = ("9001", "9002"), ("9008", "9009"), ("9005", "9006")
FIRST_KEY, SECOND_KEY = "texas/07-01-2024 Texas.csv", "texas/07-08-2024 Texas.csv"
TOKEN = "console-test-token-7f3a"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(app):
    """``app`` under uvicorn on a free loopback port, in a thread; yields its base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the review console did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@dataclass
class Response:
    status: int
    text: str
    headers: dict


class Browser:
    """A cookie-keeping HTTP client that does not follow redirects (so a 303 is seen)."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def request(self, path: str, form: dict | None = None, headers: dict | None = None) -> Response:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        req = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        try:
            with self.opener.open(req, timeout=60) as resp:
                return Response(resp.status, resp.read().decode(), dict(resp.headers))
        except urllib.error.HTTPError as exc:
            return Response(exc.code, exc.read().decode(), dict(exc.headers))

    def csrf(self, path: str = "/") -> str:
        page = self.request(path)
        return re.search(r'<meta name="csrf-token" content="([^"]+)">', page.text).group(1)

    def sign_in(self, name: str = "Dana Reviewer", token: str = TOKEN) -> Response:
        return self.request("/signin", {"csrf": self.csrf("/signin"), "name": name, "token": token})
