"""Error pages: HTML for people, JSON under /api/; never a stack trace."""

from __future__ import annotations

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException, InternalServerError

from lms.extensions import db, login_manager

ERROR_TEXTS = {
    400: (
        _l("Bad request"),
        _l("The request could not be understood. Check what you entered and try again."),
    ),
    403: (_l("Access denied"), _l("Your account does not have permission to open this page.")),
    404: (
        _l("Page not found"),
        _l("There is nothing at this address. It may have moved, or the link may be mistyped."),
    ),
    405: (_l("Method not allowed"), _l("This page cannot be used that way.")),
    413: (
        _l("File too large"),
        _l("The upload is larger than this site accepts. Choose a smaller file."),
    ),
    429: (
        _l("Too many attempts"),
        _l("You have tried this too often. Wait a few minutes, then try again."),
    ),
    500: (
        _l("Something went wrong"),
        _l("An unexpected error occurred on our side. It has been logged; please try again later."),
    ),
    503: (
        _l("Temporarily unavailable"),
        _l(
            "The site cannot reach its database at the moment. Please try again in a few "
            "minutes; if you were sending a form, send it again then."
        ),
    ),
}
ERROR_NAMES = {
    400: "bad_request",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    429: "too_many_requests",
    500: "internal_error",
    503: "service_unavailable",
}
CSRF_TEXT = _l("The form expired or was sent from another site. Reload the page and try again.")


# Paths whose errors are JSON: the API, and the machine-read Open Badges credentials and status
# lists (certificates/views/credentials.py).
JSON_PATHS = ("/api/", "/credentials/")


def wants_json() -> bool:
    """The API, the credentials and the other JSON addresses (``/mediators.json``, the JWKS)
    answer JSON."""
    return request.path.startswith(JSON_PATHS) or request.path.endswith(".json")


def error_response(code: int, message: str | None = None, headers=None):
    title, default_message = ERROR_TEXTS.get(code, ERROR_TEXTS[500])
    message = message or default_message
    if wants_json():
        body = jsonify(
            error={"code": code, "name": ERROR_NAMES.get(code, "error"), "message": str(message)}
        )
        return body, code, headers or {}
    return (
        render_template("errors/error.html", code=code, title=title, message=message),
        code,
        (headers or {}),
    )


def _allowed_headers(error: HTTPException) -> dict:
    # Keep Allow (405) and Retry-After (429) but let our template set its own content type.
    return {
        key: value
        for key, value in error.get_headers()
        if key.lower() in {"allow", "retry-after", "www-authenticate"}
    }


def handle_http_error(error: HTTPException):
    if error.code is None or error.code < 400:
        return error
    if isinstance(error, RateLimitExceeded) and error.response is not None:
        return error.response  # a limit's own page (the login form says how long to wait)
    message = None
    if error.code == 400 and error.description and error.description != type(error).description:
        message = error.description
    return error_response(error.code, message, _allowed_headers(error))


def handle_csrf_error(error: CSRFError):
    return error_response(400, CSRF_TEXT)


def database_unavailable(error: BaseException | None) -> bool:
    """Whether ``error`` says the database cannot be reached (refused, dropped, unable to
    open, locked, pool exhausted) rather than that the request itself was wrong."""
    if isinstance(error, (OperationalError, InterfaceError, PoolTimeoutError)):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def _forget_database_state() -> None:
    """Drop the failed transaction and connection so the next request starts afresh, and
    stop this request from reading the database again: the layout sees an anonymous visitor
    (the user cannot be loaded) and draws its minimal variant."""
    for step in (db.session.rollback, db.session.remove):
        try:
            step()
        except Exception:  # the connection is already gone
            current_app.logger.debug("cleaning up after the database failed", exc_info=True)
    g._login_user = login_manager.anonymous_user()  # what Flask-Login's current_user reads
    g.database_unavailable = True


def unavailable_response():
    """503 with Retry-After, in the visitor's language, without touching the database."""
    _forget_database_state()
    g.retry_after = str(current_app.config["RETRY_AFTER_SECONDS"])
    headers = {"Retry-After": g.retry_after}
    try:
        return error_response(503, headers=headers)
    except Exception:  # last resort: still a 503, still translated
        current_app.logger.exception("the 503 page could not be rendered")
        title, message = ERROR_TEXTS[503]
        body = f"<!doctype html><title>{escape(title)}</title><h1>{escape(title)}</h1>"
        body += f"<p>{escape(message)}</p><p>{escape(_('Error code: %(code)s', code=503))}</p>"
        return body, 503, headers


def handle_database_unavailable(error: Exception):
    current_app.logger.error("database unavailable: %s", error.__class__.__name__, exc_info=error)
    return unavailable_response()


def handle_server_error(error: InternalServerError):
    if database_unavailable(error.original_exception):
        # Raised outside a view (a hook, an error page reading the user): still a 503.
        return unavailable_response()
    # Flask has already logged the original exception; undo the half-done transaction.
    try:
        db.session.rollback()
    except Exception:
        current_app.logger.debug("rollback failed", exc_info=True)
    return error_response(500)


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_server_error)
    for unavailable in (OperationalError, InterfaceError, PoolTimeoutError):
        app.register_error_handler(unavailable, handle_database_unavailable)
