"""The Open Badges 3.0 credentials and their status lists, public and open to any origin.

- ``/credentials/<number>.json``: a certificate's signed ``OpenBadgeCredential``, frozen at
  issue (``application/vc+ld+json``, an ETag of its bytes, revalidated every time since the
  certificate could be withdrawn); ``?download=1`` as a file named after the number.
- ``/credentials/achievements/<slug>`` (and ``…/criteria``): what a credential's
  ``achievement.id`` names: the qualification as an ``Achievement`` with every criterion, in
  the reader's language where the qualification has it (``?lang=kk|ru|en``), unsigned (the
  signed copy is inside each credential).
- ``/credentials/status/<purpose>/<n>``: the signed ``BitstringStatusListCredential``, signed
  again only when a bit changes; ETag and Last-Modified of that change, one minute of caching
  (a verifier sees a revocation within a minute).
"""

from __future__ import annotations

import hashlib
import json

from flask import Blueprint, current_app, request
from flask_babel import gettext as _
from sqlalchemy import select

from certificates.facts import sample_facts
from certificates.models import Certificate
from certificates.numbers import NumberError, parse
from certificates.ob3 import credential as credential_builder
from certificates.ob3 import issuing, status_list
from certificates.qualifications import qualification_by_slug
from certificates.views.verify import verification_limit
from lms.downloads import content_disposition
from lms.errors import error_response
from lms.extensions import db
from lms.public_reading import conditional, open_for_reading
from lms.routing import parse_id

bp = Blueprint("credentials", __name__)

MEDIA_TYPE = "application/vc+ld+json"
STATUS_MAX_AGE = 60  # seconds


def _open_for_reading(response):
    response.headers["X-Robots-Tag"] = "noindex"  # a credential names its holder
    return open_for_reading(response)


def _not_found(message: str):
    body, code, headers = error_response(404, message)
    return _open_for_reading(current_app.make_response((body, code, headers)))


def _body(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=2).encode() + b"\n"


def _certificate(number: str) -> Certificate | None:
    try:
        canonical = str(parse(number[:200], current_app.config["CERTIFICATE_PREFIX"]))
    except NumberError:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.number == canonical))


@bp.route("/credentials/<path:number>.json", methods=["GET", "OPTIONS"])
@verification_limit
def credential(number: str):
    if request.method == "OPTIONS":
        return _open_for_reading(current_app.response_class(status=204))
    certificate = _certificate(number)
    stored = issuing.stored(certificate) if certificate is not None else None
    if stored is None:
        return _not_found(_("No Open Badges credential with this number was issued here."))
    data = _body(stored.credential)
    response = current_app.response_class(data, mimetype=MEDIA_TYPE)
    response.set_etag(hashlib.sha256(data).hexdigest()[:32])
    response.headers["Cache-Control"] = "no-cache"
    if request.args.get("download"):
        response.headers["Content-Disposition"] = content_disposition(
            f"{certificate.number}.credential.json"
        )
    return _open_for_reading(conditional(response))


@bp.route("/credentials/achievements/<slug>", methods=["GET", "OPTIONS"])
@bp.route("/credentials/achievements/<slug>/criteria", methods=["GET", "OPTIONS"])
def achievement(slug: str):
    if request.method == "OPTIONS":
        return _open_for_reading(current_app.response_class(status=204))
    qualification = qualification_by_slug(slug[:200])
    if qualification is None or not qualification.active:
        return _not_found(_("No qualification with this address is offered here."))
    languages = [
        code
        for code in current_app.config["LANGUAGES"]
        if (qualification.titles.get(code) or "").strip()
    ] or [current_app.config["BABEL_DEFAULT_LOCALE"]]
    asked = request.args.get("lang") or request.accept_languages.best_match(languages)
    language = asked if asked in languages else languages[0]
    facts = sample_facts(
        qualification,
        template=qualification.certificate_template,
        language=language,
        holder="",
        number="",
    )
    document = credential_builder.achievement_document(facts, qualification.min_hours)
    data = _body(document)
    response = current_app.response_class(data, mimetype="application/ld+json")
    response.set_etag(hashlib.sha256(data).hexdigest()[:32])
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Content-Language"] = language
    response.vary.add("Accept-Language")
    return _open_for_reading(conditional(response))


@bp.route("/credentials/status/<purpose>/<int:number>", methods=["GET", "OPTIONS"])
def status(purpose: str, number: int):
    if request.method == "OPTIONS":
        return _open_for_reading(current_app.response_class(status=204))
    # A number past any database integer is simply not a list (not an overflow error).
    found = status_list.published(purpose, number) if parse_id(number) else None
    if found is None or found.signed_zlib is None:
        return _not_found(_("There is no such status list."))
    response = current_app.response_class(_body(found.signed), mimetype=MEDIA_TYPE)
    response.set_etag(f"{found.id}-{found.version}")
    response.last_modified = found.updated_at
    response.headers["Cache-Control"] = f"public, max-age={STATUS_MAX_AGE}"
    return _open_for_reading(conditional(response))
