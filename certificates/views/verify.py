"""Public verification: the page printed on every certificate, its JSON API and the keys."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml
from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _

from certificates.issuance import verify_url
from certificates.keys import key_ring
from certificates.lifecycle import PublicStatus, reason_label
from certificates.public_record import criteria_rows, public_facts
from certificates.verification import Outcome, as_json, lookup
from lms.errors import error_response
from lms.extensions import limiter

bp = Blueprint("certificates", __name__, template_folder="../templates")

MAX_NUMBER_LENGTH = 64
OPENAPI = Path(__file__).parent.parent / "openapi.yaml"


@bp.app_template_filter("iso_date")
def iso_date(value: str | None) -> str:
    """A date stored as ISO text in a certificate's facts, in the reader's language."""
    return format_date(date.fromisoformat(value), "long") if value else ""


def _limit() -> str:
    return current_app.config["VERIFY_LIMIT_PER_IP"]


@bp.after_request
def _not_for_search_engines(response):
    """Verification pages and records are for whoever holds a number, not for search
    engines: a holder's name should not become searchable through them."""
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _open_for_reading(response):
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Content-Type"
    response.headers["Access-Control-Max-Age"] = "86400"
    return response


@bp.get("/verify")
def verify():
    typed = (request.args.get("number") or "").strip()[:MAX_NUMBER_LENGTH]
    if typed:
        return redirect(url_for("certificates.verify_number", number=typed))
    return render_template("certificates/verify.html", number="", result=None)


# One budget per IP for the page and the API together.
verification_limit = limiter.shared_limit(_limit, scope="certificate-lookups", methods=["GET"])


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
        explained = result.status in (PublicStatus.REVOKED, PublicStatus.SUSPENDED)
        public = {
            "facts": public_facts(certificate.facts),
            "criteria": criteria_rows(certificate.facts, certificate.qualification),
            "reason": reason_label(certificate.status_reason_code) if explained else "",
            "public_note": certificate.status_public_note if explained else "",
        }
    return render_template(
        "certificates/verify.html",
        number=result.number,
        result=result,
        Outcome=Outcome,
        public=public,
    ), status


@bp.route("/api/v1/certificates/<path:number>", methods=["GET", "OPTIONS"])
@verification_limit
def api_certificate(number: str):
    if request.method == "OPTIONS":
        return _open_for_reading(current_app.response_class(status=204))
    result = lookup(number[:200], channel="api", address=request.remote_addr or "")
    if result.outcome == Outcome.FOUND:
        # The configured public address, never the Host header of this request.
        url = verify_url(result.number)
        return _open_for_reading(jsonify(as_json(result, url)))
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
    return _open_for_reading(response)


@bp.get("/.well-known/jwks.json")
def jwks():
    response = jsonify(key_ring().jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return _open_for_reading(response)


@bp.get("/api/v1/openapi.json")
def openapi():
    spec = yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))
    spec["servers"] = [{"url": current_app.config["PUBLIC_URL"]}]
    return _open_for_reading(jsonify(spec))
