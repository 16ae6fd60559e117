"""Login throttling that an attacker cannot turn into a lock-out of the account's owner.

Three Flask-Limiter limits guard ``POST /login``; each counts failed attempts only (a
successful login is a redirect and is never deducted, nor is the 403 of the right password
for an account that must confirm its e-mail address first):

* per account **and** address (``LOGIN_LIMIT_PER_ACCOUNT_AND_IP``): guessing one account's
  password from one address. Only that pair waits: the owner elsewhere is not affected.
* per address (``LOGIN_LIMIT_PER_IP``): one address trying many accounts (password spraying).
* per account across every address (``LOGIN_LIMIT_PER_ACCOUNT``), much higher, and **only for
  browsers that have never logged into the account**: guessing from many addresses at once.
  A browser that has logged in as the account carries a signed cookie naming it (by a hash),
  so the owner's usual browser never meets this limit, whatever strangers do.

A throttled request gets 429 with ``Retry-After`` and the login page saying how long to wait;
no request handler sleeps.
"""

from __future__ import annotations

import hashlib
import math
import time
from datetime import timedelta

from flask import Response, current_app, render_template, request
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_limiter import RequestLimit
from flask_limiter.util import get_remote_address
from itsdangerous import BadSignature, URLSafeTimedSerializer

from lms.forms import LoginForm
from lms.service_error import ServiceError
from lms.text import normalise_email

DEVICE_COOKIE = "lms_login_device"
DEVICE_SALT = "lms.login-device"
DEVICE_DAYS = 365
MAX_DEVICE_ACCOUNTS = 10  # accounts one browser remembers (shared family or office computer)


def login_account() -> str:
    """The account a login request is for, in its stored form (raw text if it is no address)."""
    raw = (request.form.get("email") or "").strip()
    try:
        return normalise_email(raw)
    except ServiceError:
        return raw.casefold()[:254]


def account_key() -> str:
    return f"login-account:{login_account()}"


def account_and_ip_key() -> str:
    return f"login-pair:{login_account()}|{get_remote_address()}"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=DEVICE_SALT)


def _tag(email: str) -> str:
    return hashlib.sha256(f"login-device:{email}".encode()).hexdigest()[:32]


def _device_tags() -> list[str]:
    value = request.cookies.get(DEVICE_COOKIE)
    if not value:
        return []
    try:
        tags = _serializer().loads(value, max_age=DEVICE_DAYS * 86400)
    except BadSignature:
        return []
    return [tag for tag in tags if isinstance(tag, str)] if isinstance(tags, list) else []


def known_device() -> bool:
    """Whether this browser has logged into the account of this request before."""
    return _tag(login_account()) in _device_tags()


def remember_device(response: Response, email: str) -> Response:
    """After a successful login: this browser is now known for ``email`` (newest first)."""
    tag = _tag(email)
    tags = [tag, *(other for other in _device_tags() if other != tag)][:MAX_DEVICE_ACCOUNTS]
    response.set_cookie(
        DEVICE_COOKIE,
        _serializer().dumps(tags),
        max_age=DEVICE_DAYS * 86400,
        path=request.path,  # only the login form ever needs it
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
    return response


def failed(response: Response) -> bool:
    """Only failed attempts count against the limits; a successful login redirects, and the
    right password of an account waiting for e-mail confirmation is answered 403."""
    return response.status_code not in (302, 403)


def wait_seconds(limit: RequestLimit) -> int:
    return max(1, math.ceil(limit.reset_at - time.time()))


def _wait_text(limit: RequestLimit) -> str:
    return format_timedelta(
        timedelta(seconds=wait_seconds(limit)), threshold=1, add_direction=False
    )


def _throttled(message: str, limit: RequestLimit) -> Response:
    form = LoginForm()
    form.form_errors.append(message)
    response = current_app.make_response((render_template("auth/login.html", form=form), 429))
    response.headers["Retry-After"] = str(wait_seconds(limit))
    return response


def throttled_account_and_ip(limit: RequestLimit) -> Response:
    message = _(
        "Too many failed attempts to log in to this account from your network. "
        "Try again in %(wait)s.",
        wait=_wait_text(limit),
    )
    return _throttled(message, limit)


def throttled_ip(limit: RequestLimit) -> Response:
    message = _(
        "Too many failed logins from your network. Try again in %(wait)s.",
        wait=_wait_text(limit),
    )
    return _throttled(message, limit)


def throttled_account(limit: RequestLimit) -> Response:
    message = _(
        "This account has had too many failed attempts from browsers it has never been "
        "used in. Log in from a browser where you have logged in before, or try again "
        "in %(wait)s.",
        wait=_wait_text(limit),
    )
    return _throttled(message, limit)
