"""How the records that programs read are answered: open to pages on any site (CORS), and
conditionally (an unchanged record is a ``304 Not Modified`` without a body).

The certificate API, the keys, the DID document, the credentials and the public register's
feed share these rules; each view says only what its record is.
"""

from __future__ import annotations

from flask import Response, request

# Every record here has an ETag, so a page elsewhere may send If-None-Match with its request.
_OPEN_FOR_READING = (
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Allow-Methods", "GET, OPTIONS"),
    ("Access-Control-Allow-Headers", "Content-Type, If-None-Match"),
    ("Access-Control-Max-Age", "86400"),
)

# The request headers that make an answer conditional (RFC 9110, 13.1; ranges, RFC 9110, 14).
_CONDITIONS = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
    "HTTP_IF_RANGE",
    "HTTP_RANGE",
)


def open_for_reading(response: Response) -> Response:
    """Any site's pages may read ``response`` (and send a preflight for it)."""
    response.headers.extend(_OPEN_FOR_READING)  # none of them is set before: no lookups
    return response


def conditional(response: Response) -> Response:
    """``response`` answered as the request's conditions ask (a 304 when its ETag still
    matches). A request without any condition, most of them, is answered as it is: Werkzeug's
    ``make_conditional`` would parse the absent headers first."""
    environ = request.environ
    if any(name in environ for name in _CONDITIONS):
        return response.make_conditional(request)
    return response
