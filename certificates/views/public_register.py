"""The public register of mediators: ``/mediators`` (the searchable list), ``/mediators.json``
(the open feed) and the holder's own entry under ``/certificates/<id>/public-register``
(on the ``my_certificates`` blueprint). The rules are ``certificates.public_register``'s."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from certificates import public_register, regions, register_list
from certificates.issuance import verify_url
from certificates.models import Certificate
from certificates.register_forms import EntryForm
from certificates.views.holder import bp as holder_bp
from lms.forms import show_error
from lms.i18n import LANGUAGE_NAMES
from lms.pagination import page_url, paginate
from lms.public_reading import conditional, open_for_reading
from lms.routing import get_or_404
from lms.service_error import ServiceError

bp = Blueprint("mediators", __name__, template_folder="../templates")

PAGE_SIZE = 20
FEED_PAGE_SIZE = 50
FEED_MAX_PAGE_SIZE = 100


def _locale() -> str:
    return public_register.current_locale()


def _names(locale: str) -> dict:
    """What the entry template needs to write an entry in the reader's language."""
    return {
        "region_name": lambda code: regions.region_name(code, locale),
        "language_names": LANGUAGE_NAMES,
        "verify_url": verify_url,
    }


# --- the public list and its feed ---------------------------------------------------------


@bp.get("/mediators")
def index():
    filters, _unknown = register_list.Filters.of(request.args)  # unknown values: ignored
    found = paginate(register_list.listed(filters), per_page=PAGE_SIZE)
    locale = _locale()
    return render_template(
        "certificates/mediators/index.html",
        found=found,
        filters=filters,
        searched=any(vars(filters).values()),
        feed_args=filters.as_args(),
        region_choices=regions.choices(locale),
        qualifications=register_list.qualification_choices(),
        languages=register_list.LANGUAGES,
        **_names(locale),
    )


def _absolute(path: str) -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


@bp.route("/mediators.json", methods=["GET", "OPTIONS"])
def feed():
    """The open feed: the same filters as the page (``q``, ``region``, ``language``,
    ``qualification``), ``page`` and ``per_page`` (1-100), links to the other pages. Answers
    are revalidated every time (an entry goes the moment its certificate stops being valid),
    with an ETag of the body."""
    if request.method == "OPTIONS":
        return open_for_reading(current_app.response_class(status=204))
    filters, unknown = register_list.Filters.of(request.args)
    if unknown:
        message = _("Unknown value of: %(names)s.", names=", ".join(unknown))
        response = jsonify(error={"code": 400, "name": "bad_request", "message": message})
        response.status_code = 400
        return open_for_reading(response)
    per_page = request.args.get("per_page", FEED_PAGE_SIZE, type=int) or FEED_PAGE_SIZE
    per_page = min(max(per_page, 1), FEED_MAX_PAGE_SIZE)
    found = paginate(register_list.listed(filters), per_page=per_page)

    def link(page: int | None) -> str | None:
        return _absolute(page_url("mediators.feed", page)) if page else None

    body = {
        "items": [register_list.feed_item(entry, verify_url) for entry in found.items],
        "page": found.page,
        "per_page": per_page,
        "total": found.total,
        "pages": found.pages,
        "links": {
            "self": link(found.page),
            "first": link(1),
            "last": link(max(found.pages, 1)),
            "prev": link(found.prev_num if found.has_prev else None),
            "next": link(found.next_num if found.has_next else None),
            "html": _absolute(url_for("mediators.index", **filters.as_args())),
        },
    }
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-cache"
    response.add_etag()
    return open_for_reading(conditional(response))


# --- the holder's entry -----------------------------------------------------------------------


def _own_certificate(certificate_id: int) -> Certificate:
    return get_or_404(Certificate, certificate_id, holder_id=current_user.id)


def _entry_page(certificate: Certificate, form: EntryForm | None = None, *, status: int = 200):
    locale = _locale()
    entry = public_register.entry_of(current_user, certificate.qualification_id)
    problem = public_register.refusal(certificate)
    if form is None:
        form = EntryForm(formdata=None)
        if entry is not None:
            form.region.data = entry.region
            form.languages.data = entry.language_codes
            form.email.data, form.phone.data = entry.email, entry.phone
            form.website.data = entry.website
    form.fill_choices(locale)
    text = public_register.consent_text()
    form.consent_digest.data = public_register.digest(text)
    return render_template(
        "certificates/mine/register_entry.html",
        certificate=certificate,
        qualification=certificate.qualification,
        entry=entry,
        problem=problem,
        form=form,
        consent_text=text,
        **_names(locale),
    ), status


@holder_bp.get("/<id:certificate_id>/public-register")
@login_required
def register_entry(certificate_id: int):
    certificate = _own_certificate(certificate_id)
    problem = public_register.refusal(certificate)
    return _entry_page(certificate, status=409 if problem else 200)


@holder_bp.post("/<id:certificate_id>/public-register")
@login_required
def save_register_entry(certificate_id: int):
    certificate = _own_certificate(certificate_id)
    form = EntryForm()
    if not form.validate_on_submit():
        return _entry_page(certificate, form, status=400)
    if (problem := public_register.refusal(certificate)) is not None:
        form.form_errors.append(problem)
        return _entry_page(certificate, form, status=409)
    listed_before = public_register.entry_of(current_user, certificate.qualification_id)
    data = public_register.EntryData(
        region=form.region.data or "",
        languages=list(form.languages.data or []),
        email=form.email.data or "",
        phone=form.phone.data or "",
        website=form.website.data or "",
    )
    try:
        public_register.save(
            current_user,
            certificate,
            data,
            consent=bool(form.consent.data),
            shown_digest=form.consent_digest.data or "",
        )
    except ServiceError as error:
        show_error(form, error)
        return _entry_page(certificate, form, status=400)
    if listed_before is None:
        flash(_("You are listed in the public register of mediators."), "success")
    else:
        flash(_("Your entry in the public register was saved."), "success")
    return redirect(url_for("my_certificates.register_entry", certificate_id=certificate.id))


@holder_bp.post("/<id:certificate_id>/public-register/withdraw")
@login_required
def withdraw_register_entry(certificate_id: int):
    certificate = _own_certificate(certificate_id)
    if public_register.withdraw(current_user, certificate.qualification_id):
        flash(_("Your entry was removed from the public register."), "success")
    else:
        flash(_("You were not listed in the public register."), "info")
    return redirect(url_for("my_certificates.index", _anchor="public-register"))
