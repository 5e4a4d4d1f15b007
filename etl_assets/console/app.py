"""The review console's routes: the queue, decisions (accept, reject, undo), sign-in, leads, the model.

Pages are rendered on the server with Jinja2, autoescape on (registry text is untrusted: a name
holding ``<script>`` shows as text); the only script is a few inline lines for keyboard shortcuts,
allowed by a per-response CSP nonce. Forms are URL-encoded and parsed here (no multipart: nothing
is uploaded). Every POST is checked for its CSRF value and the reviewer's sign-in (``security.py``).
"""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from etl_assets import settings
from etl_assets.console import pages, security
from etl_assets.console.outbox import Outbox
from etl_assets.console.store import NoWarehouse, Store, WarehouseBusy
from etl_assets.warehouse import console_queries as cq
from etl_assets.warehouse.review import UnknownPair

TEMPLATES = Path(__file__).parent / "templates"
FILTERS = ("source", "state", "band")
_env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined)
_env.filters["pct"] = lambda v: "—" if v is None else f"{float(v):.0%}"
_env.filters["num"] = lambda v, d=2: "—" if v is None else f"{float(v):.{d}f}"
_env.globals["bands"], _env.globals["states"] = cq.BANDS, cq.STATES


def _render(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
    session = request.state.session
    nonce = secrets.token_urlsafe(16)
    body = _env.get_template(template).render(
        csrf=security.csrf_token(session), nonce=nonce, writable=security.writable(),
        signed_in=security.signed_in(session, request.cookies.get(security.AUTH_COOKIE)),
        reviewer=request.cookies.get(security.NAME_COOKIE), where=request.app.state.store.describe(), **context)
    response = HTMLResponse(body, status_code=status)
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
    return response


def _refused(request: Request, exc: Exception) -> HTMLResponse:
    return _render(request, "message.html", status=403, title="Refused", message=str(exc), refresh=False)


def _reading(request: Request, template: str, build, **extra) -> HTMLResponse:
    """A page from the warehouse; while a run writes the DuckDB file, a page that reloads itself."""
    try:
        with request.app.state.store.read() as reader:
            context = build(reader)
    except WarehouseBusy:
        return _render(request, "message.html", status=503, title="A run is writing the warehouse",
                       message="The page reloads by itself in a few seconds; decisions made meanwhile wait "
                               "and are written when the run commits.", refresh=True)
    except NoWarehouse as exc:
        return _render(request, "message.html", status=503, title="No warehouse yet", message=str(exc), refresh=True)
    if context is None:
        return _render(request, "message.html", status=404, title="Not found", message="nothing of that name",
                       refresh=False)
    return _render(request, template, **context, **extra)


async def _form(request: Request) -> dict[str, str]:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
        raise security.Refused("forms only (application/x-www-form-urlencoded)")
    body = (await request.body())[:65536].decode("utf-8", errors="replace")
    return {k: v[-1] for k, v in parse_qs(body, keep_blank_values=True).items()}


def _filters(values) -> dict[str, str]:
    return {k: values[k] for k in FILTERS if values.get(k)}


def _back(form: dict[str, str]) -> RedirectResponse:
    query = urlencode(_filters(form))
    return RedirectResponse(f"/?{query}" if query else "/", status_code=303)


def queue_page(request: Request) -> Response:
    params = request.query_params
    state = params.get("state") or "open"
    band = params.get("band") or None
    if state not in cq.STATES or (band is not None and band not in cq.BANDS):
        return _render(request, "message.html", status=400, title="Bad filter", message="unknown state or band",
                       refresh=False)
    outbox = request.app.state.outbox
    return _reading(request, "queue.html", lambda r: pages.queue(
        r, source=params.get("source") or None, state=state, band=band, focus=params.get("pair"),
        skipped=params.getlist("skip")), outbox=outbox.pending(), failed=outbox.failed[-5:],
        filters=_filters({"source": params.get("source"), "state": state if state != "open" else None, "band": band}),
        skip=params.getlist("skip"))


async def decide(request: Request) -> Response:
    """Accept, reject (``decision``) or undo a pair's decision, through the CLI's path."""
    try:
        form = await _form(request)
        session = request.state.session
        security.check_csrf(session, form.get("csrf"))
        security.check_signed_in(session, request.cookies.get(security.AUTH_COOKIE))
        who = security.clean_name(request.cookies.get(security.NAME_COOKIE))
    except security.Refused as exc:
        return _refused(request, exc)
    decision, pair_id = form.get("decision"), form.get("pair_id") or ""
    if decision not in ("accept", "reject", "undo"):
        return _refused(request, security.Refused("decision must be accept, reject or undo"))
    store, outbox = request.app.state.store, request.app.state.outbox
    note = form.get("note") or None

    def write() -> None:  # blocking: in a worker thread, so pages keep serving while it waits
        pair = None
        if decision == "undo":  # a pair whose decision was applied has left the queue: name it from the decision
            with store.read() as reader:
                last = cq.last_decision(reader, pair_id)
            if last is None:
                raise UnknownPair(f"pair {pair_id!r} has no decision to undo")
            pair = {k: last[k] for k in ("source_l", "record_key_l", "source_r", "record_key_r")}
        outbox.flush()  # decisions waiting for the file go first: the order is the reviewer's
        try:
            store.decide(pair_id, decision, who, note, pair=pair)
        except WarehouseBusy:
            outbox.add(pair_id, decision, who, note, pair=pair)

    try:
        await run_in_threadpool(write)
    except WarehouseBusy:  # the undo's read: the file is held; the decision waits with the rest
        outbox.add(pair_id, decision, who, note)
    except UnknownPair as exc:
        return _render(request, "message.html", status=404, title="Unknown pair", message=str(exc), refresh=False)
    return _back(form)


def signin_page(request: Request) -> Response:
    return _render(request, "signin.html")


async def signin(request: Request) -> Response:
    try:
        form = await _form(request)
        session = request.state.session
        security.check_csrf(session, form.get("csrf"))
        security.check_token(form.get("token"))
        name = security.clean_name(form.get("name"))
    except security.Refused as exc:
        return _refused(request, exc)
    response = RedirectResponse("/", status_code=303)
    token = settings.review_token()
    response.set_cookie(security.AUTH_COOKIE, security.auth_value(token, session), httponly=True, samesite="strict")
    response.set_cookie(security.NAME_COOKIE, name, httponly=True, samesite="strict")
    return response


async def signout(request: Request) -> Response:
    try:
        security.check_csrf(request.state.session, (await _form(request)).get("csrf"))
    except security.Refused as exc:
        return _refused(request, exc)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(security.AUTH_COOKIE)
    return response


def lead_page(request: Request) -> Response:
    return _reading(request, "lead.html", lambda r: pages.lead(r, request.path_params["lead_id"]))


def leads_page(request: Request) -> Response:
    text = (request.query_params.get("q") or "").strip()
    return _reading(request, "leads.html", lambda r: {"q": text, "found": cq.find_leads(r, text) if text else []})


def model_page(request: Request) -> Response:
    return _reading(request, "model.html", pages.model)


class _Sessions:
    """Every browser gets a session id cookie on its first response (the CSRF value is bound to it)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        request = Request(scope)
        session = request.cookies.get(security.SESSION_COOKIE)
        fresh = session is None or len(session) > 64
        session = security.new_session() if fresh else session
        scope.setdefault("state", {})["session"] = session

        async def send_with_cookie(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if fresh:
                    cookie = f"{security.SESSION_COOKIE}={session}; HttpOnly; SameSite=Strict; Path=/"
                    headers.append((b"set-cookie", cookie.encode()))
                headers += [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"),
                            (b"cache-control", b"no-store")]
                message = {**message, "headers": headers}
            await send(message)

        return await self.app(scope, receive, send_with_cookie)


def create_app(store: Store | None = None, outbox: Outbox | None = None, allowed_hosts=("127.0.0.1", "localhost")):
    store = store or Store()
    app = Starlette(
        routes=[Route("/", queue_page), Route("/decide", decide, methods=["POST"]),
                Route("/signin", signin_page), Route("/signin", signin, methods=["POST"]),
                Route("/signout", signout, methods=["POST"]), Route("/lead/{lead_id}", lead_page),
                Route("/leads", leads_page), Route("/model", model_page)],
        middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts)), Middleware(_Sessions)],
    )
    app.state.store = store
    app.state.outbox = outbox or Outbox(settings.review_outbox_path(), store)
    return app
