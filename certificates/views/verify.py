"""Public verification: the page printed on every certificate, its JSON API and the keys."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

import yaml
from flask import (
    Blueprint,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

import lms
from certificates.issuance import verify_url
from certificates.keys import key_ring
from certificates.lifecycle import PublicStatus
from certificates.ob3 import did as ob3_did
from certificates.public_record import criteria_rows, public_facts
from certificates.status_reasons import reason_label
from certificates.verification import Outcome, as_json, lookup
from lms.errors import error_response
from lms.leased_limits import LeasedLimit
from lms.public_pages import for_visitors
from lms.public_reading import conditional, open_for_reading

bp = Blueprint("certificates", __name__, template_folder="../templates")

MAX_NUMBER_LENGTH = 64
OPENAPI = Path(__file__).parent.parent / "openapi.yaml"


@bp.after_request
def _not_for_search_engines(response):
    """Verification pages and records are for whoever holds a number, not for search
    engines: a holder's name should not become searchable through them."""
    response.headers["X-Robots-Tag"] = "noindex"
    return response


# Caching. A certificate's status can change at any time (suspended, revoked, replaced,
# expired), so nothing here may be served from a cache without asking: the page and the API
# say "no-cache" (store, but revalidate every time) with an ETag, and a conditional GET whose
# ETag still matches is answered 304 with no body. The page's ETag is computed from what it
# shows before rendering it (so a 304 costs the lookup but no template); it also covers the
# language, the signed-in user and the session's CSRF token the layout carries, and the page
# is "private" (never kept by a shared cache). The JWKS changes only when a key is added:
# public, five minutes, with an ETag.
VARY = ("Accept-Language", "Cookie")


def _templates_version() -> str:
    """Changes when the page's templates or the translations change: read once a process,
    or on every request while templates reload (development)."""
    if current_app.debug or current_app.config.get("TEMPLATES_AUTO_RELOAD"):
        return _read_templates_version()
    return _cached_templates_version()


def _read_templates_version() -> str:
    lms_folder = Path(lms.__file__).parent
    files = [
        Path(__file__).parent.parent / "templates" / "certificates" / "verify.html",
        lms_folder / "templates" / "base.html",
        lms_folder / "templates" / "macros" / "forms.html",
        *sorted((lms_folder / "translations").glob("*/LC_MESSAGES/messages.mo")),
    ]
    digest = hashlib.sha256()
    for path in files:
        if path.exists():
            stat = path.stat()
            digest.update(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()


_cached_templates_version = cache(_read_templates_version)


def _page_etag(result, public: dict) -> str | None:
    """The ETag of a found certificate's page, from everything the page shows; None when it
    would show a one-time message (a flash) and must not be validated."""
    if session.get("_flashes"):
        return None
    certificate = result.certificate
    signed_in = current_user.is_authenticated
    shown = [
        _templates_version(),
        str(get_locale()),
        request.full_path,
        f"{current_user.id}:{current_user.role}" if signed_in else "",
        session.get("csrf_token", ""),
        result.number,
        result.status.value,
        str(certificate.expires_on),
        str(certificate.status_changed_at),
        result.replacement.number if result.replacement else "",
        result.replaced_by.number if result.replaced_by else "",
        result.replaces.number if result.replaces else "",
        str(result.signature_valid),
        str(result.listed),
        result.key_id,
        str(certificate.has_credential),  # the link to its Open Badges credential
        json.dumps(public, sort_keys=True, ensure_ascii=False, default=str),
    ]
    return hashlib.sha256("\x1f".join(shown).encode()).hexdigest()[:32]


def _revalidate_every_time(response, *, private: bool = False):
    headers = response.headers
    headers["Cache-Control"] = "private, no-cache" if private else "no-cache"
    if "Vary" in headers:  # merged with what is there
        for header in VARY:
            response.vary.add(header)
    else:  # most answers: set as it is (parsing the absent header costs more than the rest)
        headers["Vary"] = ", ".join(VARY)
    return response


@bp.get("/verify")
@for_visitors
def verify():
    typed = (request.args.get("number") or "").strip()[:MAX_NUMBER_LENGTH]
    if typed:
        return redirect(url_for("certificates.verify_number", number=typed))
    return render_template("certificates/verify.html", number="", result=None)


# One budget per IP for the page and the API together.
verification_limit = LeasedLimit("VERIFY_LIMIT_PER_IP", scope="certificate-lookups")


@bp.get("/verify/<path:number>")
@verification_limit
def verify_number(number: str):
    result = lookup(number[:200], channel="page", address=request.remote_addr or "")
    if result.outcome == Outcome.FOUND and result.number != number:
        # One address per certificate: lower case or spaces redirect to the canonical form.
        return redirect(url_for("certificates.verify_number", number=result.number), 301)
    status = {Outcome.FOUND: 200, Outcome.UNKNOWN: 404}.get(result.outcome, 400)
    public = {}
    if result.certificate is not None:
        certificate = result.certificate
        facts = result.facts
        explained = result.status in (PublicStatus.REVOKED, PublicStatus.SUSPENDED)
        public = {
            "facts": public_facts(facts),
            "criteria": criteria_rows(facts, lambda: certificate.qualification),
            "reason": reason_label(certificate.status_reason_code) if explained else "",
            "public_note": certificate.status_public_note if explained else "",
        }
    etag = _page_etag(result, public) if result.certificate is not None else None
    if etag is not None and request.if_none_match.contains(etag):
        response = current_app.response_class(status=304)
    else:
        html = render_template(
            "certificates/verify.html",
            number=result.number,
            result=result,
            Outcome=Outcome,
            public=public,
        )
        response = make_response(html, status)
    if etag is not None:
        response.set_etag(etag)
    return _revalidate_every_time(response, private=True)


@bp.route("/api/v1/certificates/<path:number>", methods=["GET", "OPTIONS"])
@verification_limit
def api_certificate(number: str):
    if request.method == "OPTIONS":
        return open_for_reading(current_app.response_class(status=204))
    result = lookup(number[:200], channel="api", address=request.remote_addr or "")
    if result.outcome == Outcome.FOUND:
        # The configured public address, never the Host header of this request.
        url = verify_url(result.number)
        response = _revalidate_every_time(jsonify(as_json(result, url)))
        response.add_etag()
        return open_for_reading(conditional(response))
    if result.outcome == Outcome.UNKNOWN:
        body, code, headers = error_response(
            404, _("No certificate with this number was issued by this platform.")
        )
    elif result.outcome == Outcome.TYPO:
        body, code, headers = error_response(
            400, _("The check character does not match: the number was probably mistyped.")
        )
    else:
        body, code, headers = error_response(400, _("This is not a certificate number."))
    response = current_app.make_response((body, code, headers))
    return open_for_reading(response)


@bp.get("/.well-known/jwks.json")
def jwks():
    published = key_ring().published()  # parsed once per process, re-read when a key is added
    response = current_app.response_class(published.body, mimetype="application/json")
    response.set_etag(published.etag)
    response.headers["Cache-Control"] = "public, max-age=300"
    return open_for_reading(conditional(response))


@bp.get("/.well-known/did.json")
@bp.get("/did.json")  # where resolvers look when LMS_PUBLIC_URL has a path (did:web:host:path)
def did_document():
    """The site's did:web document: every signing key as a Multikey (certificates.ob3.did)."""
    published = ob3_did.published()  # built once per process and state of the key ring
    response = current_app.response_class(published.body, mimetype="application/json")
    response.set_etag(published.etag)
    response.headers["Cache-Control"] = "public, max-age=300"
    return open_for_reading(conditional(response))


@bp.get("/api/v1/openapi.json")
def openapi():
    spec = yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))
    spec["servers"] = [{"url": current_app.config["PUBLIC_URL"]}]
    return open_for_reading(jsonify(spec))
