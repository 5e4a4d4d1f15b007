"""Who may decide: the reviewer's sign-in (the token from ``ETL_REVIEW_TOKEN``) and the CSRF check.

A browser gets a random session id in an HttpOnly, SameSite=Strict cookie on its first page. Every
form carries ``csrf`` = HMAC(process secret, session id): a page of another origin can neither read
it nor compute it, so a forged POST fails even if the browser sends the cookies. Signing in with the
token stores HMAC(token, session id) in a second cookie (never the token itself); every decision
checks it against the token in the environment now, so unsetting or changing the token signs every
reviewer out. Without a token the console is read-only.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from etl_assets import settings

SESSION_COOKIE, AUTH_COOKIE, NAME_COOKIE = "review_session", "review_auth", "review_name"
MAX_NAME = 80
_PROCESS_SECRET = secrets.token_bytes(32)


class Refused(PermissionError):
    """A POST without a valid CSRF value, sign-in or token (HTTP 403)."""


def new_session() -> str:
    return secrets.token_urlsafe(24)


def _mac(key: bytes, session: str) -> str:
    return hmac.new(key, session.encode(), hashlib.sha256).hexdigest()


def csrf_token(session: str) -> str:
    return _mac(_PROCESS_SECRET, "csrf:" + session)


def auth_value(token: str, session: str) -> str:
    return _mac(token.encode(), "auth:" + session)


def writable() -> bool:
    """Decisions are possible: ``ETL_REVIEW_TOKEN`` is set."""
    return settings.review_token() is not None


def check_csrf(session: str | None, form_value: str | None) -> None:
    if not session or not form_value or not hmac.compare_digest(csrf_token(session), form_value):
        raise Refused("the form's CSRF value is missing or wrong: reload the page and try again")


def check_token(given: str | None) -> None:
    token = settings.review_token()
    if token is None:
        raise Refused("the console is read-only: ETL_REVIEW_TOKEN is not set where it runs")
    if not given or not hmac.compare_digest(token.encode(), given.encode()):
        raise Refused("wrong review token")


def signed_in(session: str | None, auth: str | None) -> bool:
    token = settings.review_token()
    return bool(token and session and auth and hmac.compare_digest(auth_value(token, session), auth))


def check_signed_in(session: str | None, auth: str | None) -> None:
    if settings.review_token() is None:
        raise Refused("the console is read-only: ETL_REVIEW_TOKEN is not set where it runs")
    if not signed_in(session, auth):
        raise Refused("sign in with the review token first")


def clean_name(name: str | None) -> str:
    """The reviewer's name as given at sign-in, trimmed; it is recorded as ``decided_by``."""
    cleaned = " ".join((name or "").split())[:MAX_NAME]
    if not cleaned:
        raise Refused("give your name: it is kept with every decision")
    return cleaned
