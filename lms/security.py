"""Security headers on every response, proxy handling, and safe redirect targets."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, abort, current_app, g, request, session
from flask_babel import lazy_gettext as _l
from itsdangerous import BadData, URLSafeTimedSerializer
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=()",
}


def safe_next_url(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None (guards every ``next=``)."""
    if not target or len(target) > 2000:
        return None
    target = target.strip()
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    return target


_SECURITY_HEADERS_LOWER = [(name.lower(), name, value) for name, value in SECURITY_HEADERS.items()]


def _add_headers(response: Response) -> Response:
    """Adds each security header the response does not set itself. The names present are
    read in one pass: ``Headers.setdefault`` would scan the list twice per header."""
    headers = response.headers
    present = {name.lower() for name, _ in headers.items()}
    for lower, name, value in _SECURITY_HEADERS_LOWER:
        if lower not in present:
            headers.add(name, value)
    if "cache-control" not in present and response.mimetype == "text/html":
        # Pages carry personal data and one-time links: never keep them in shared caches.
        headers.add("Cache-Control", "no-store")
    if request.is_secure and "strict-transport-security" not in present:
        headers.add("Strict-Transport-Security", "max-age=31536000")
    return response


def _reject_nul_bytes() -> None:
    """NUL characters are never legitimate input, and PostgreSQL refuses to store them."""
    values = [request.path]
    values += [value for _, items in request.args.lists() for value in items]
    if request.method not in ("GET", "HEAD", "OPTIONS"):  # no form to read on a page view
        values += [value for _, items in request.form.lists() for value in items]
    if any("\x00" in value for value in values):
        abort(400, description=_l("The request contains characters that are not allowed."))


# The signed form of each session's CSRF token, per process (see ``_reuse_signed_csrf_token``).
_SIGNED: dict[tuple[str, str], str] = {}
SIGNED_MAX = 10_000
CSRF_SALT = "wtf-csrf-token"  # Flask-WTF's


def _csrf_names() -> tuple[str, str] | None:
    """The session key of the CSRF token and the signing secret, or None while tokens
    expire (a timestamp inside then matters)."""
    config = current_app.config
    if config.get("WTF_CSRF_TIME_LIMIT") is not None:
        return None
    return (
        config.get("WTF_CSRF_FIELD_NAME", "csrf_token"),
        config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key,
    )


def _reuse_signed_csrf_token() -> None:
    """Flask-WTF signs the session's CSRF token again on every request that shows one (a
    timestamped HMAC, its serializer built anew): every signed-in page does, in its layout.
    While tokens never expire (``WTF_CSRF_TIME_LIMIT`` None, config.py) the timestamp is
    never read, so the signature this process made earlier for the same token is as valid:
    it is put where Flask-WTF keeps the request's token (``g``), and the layout and the
    forms use it."""
    names = _csrf_names()
    if names is None or current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        return  # no session to read (reading it would add "Vary: Cookie" to the reply)
    field, secret = names
    raw = session.get(field)
    if isinstance(raw, str):
        token = _SIGNED.get((secret, raw))
        if token is not None:
            setattr(g, field, token)


def _keep_signed_csrf_token(response: Response) -> Response:
    """After a request that signed its session's token, keep the signature for the next
    ones (checked to be this token's: a sign-in may have replaced the session's token)."""
    names = _csrf_names()
    if names is None:
        return response
    field, secret = names
    token = g.get(field)
    if not isinstance(token, str):
        return response  # no token shown: the session is left unread
    raw = session.get(field)
    if isinstance(raw, str) and (secret, raw) not in _SIGNED:
        try:
            signed_raw = URLSafeTimedSerializer(secret, salt=CSRF_SALT).loads(token)
        except BadData:
            return response
        if signed_raw == raw:
            if len(_SIGNED) >= SIGNED_MAX:
                _SIGNED.clear()
            _SIGNED[(secret, raw)] = token
    return response


def check_csrf_on_unsafe_methods_only(app: Flask) -> bool:
    """Flask-WTF's check before every view first resolves the view's exemptions (blueprint
    and view look-ups) and only then sees that a GET is never checked: on every page. Its
    hook is wrapped so that requests of a method it does not check (``WTF_CSRF_METHODS``:
    POST, PUT, PATCH, DELETE) skip it; the others go through it as before. Returns whether
    the hook was found (a test fails if a new version renames it)."""
    funcs = app.before_request_funcs.setdefault(None, [])
    for index, func in enumerate(funcs):
        if func.__name__ == "csrf_protect" and func.__module__ == "flask_wtf.csrf":
            funcs[index] = _on_unsafe_methods(func)
            return True
    return False


def _on_unsafe_methods(check):
    def csrf_protect() -> None:
        if request.method in current_app.config["WTF_CSRF_METHODS"]:
            check()

    csrf_protect.wrapped = check
    return csrf_protect


def init_app(app: Flask) -> None:
    check_csrf_on_unsafe_methods_only(app)
    app.before_request(_reuse_signed_csrf_token)
    app.after_request(_keep_signed_csrf_token)
    hops = app.config["PROXY_FIX_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.before_request(_reject_nul_bytes)
    app.after_request(_add_headers)
