"""A trainee's certificates: the eligibility checklists, the declaration, claiming, the PDFs."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import Row, select
from sqlalchemy.orm import selectinload

from certificates import continuing_education as ce
from certificates import (
    eligibility,
    guidance,
    issuance,
    lifecycle,
    public_register,
    rendering,
    status_reasons,
)
from certificates.current import brief_current_of, current_of, seminar_key
from certificates.forms import STATUS_LABELS, ClaimForm, DeclarationForm
from certificates.models import Certificate, EthicsDeclaration, Qualification
from certificates.ob3 import sharing
from certificates.qualifications import (
    all_qualifications,
    latest_declaration,
    load_requirements,
    sign_declaration,
)
from certificates.translations import declaration_for
from certificates.views.files import pdf_response
from lms import content_translations as ct
from lms.extensions import db
from lms.forms import show_error
from lms.models import Role, User
from lms.routing import get_or_404, parse_id
from lms.service_error import ServiceError, refused
from lms.timezone import site_today
from seminars.models import Seminar
from seminars.offer import open_offers
from seminars.registration import seminars_of

bp = Blueprint(
    "my_certificates", __name__, url_prefix="/certificates", template_folder="../templates"
)


@dataclass
class Checklist:
    seminar: Seminar | None
    result: eligibility.Eligibility
    certificate: Certificate | None  # the current one for this qualification and seminar
    steps: list[guidance.Step] = field(default_factory=list)  # the result in plain words


@dataclass
class Section:
    qualification: Qualification
    checklists: list[Checklist] = field(default_factory=list)
    declaration: EthicsDeclaration | None = None  # the latest signature
    declaration_met: bool = False
    declaration_form: DeclarationForm | None = None
    # What the trainee signs now, in their language where its translation is up to date.
    declaration_text: str = ""
    declaration_language: str = ""
    held: Certificate | None = None  # a valid certificate of the qualification
    # Open seminars that would give the hours and sessions missing (None: nothing missing).
    offers: list | None = None


def _declaration_prefix(qualification: Qualification) -> str:
    return f"declaration-{qualification.id}"


def _sections(user: User, forms: dict[int, DeclarationForm]) -> list[Section]:
    seminars = seminars_of(user)
    current, any_current = {}, {}
    for certificate in current_of([user.id]):
        current[(certificate.qualification_id, certificate.seminar_key)] = certificate
        any_current.setdefault(certificate.qualification_id, certificate)
    today = site_today()
    sections = []
    held = {}
    for certificate in current.values():
        if lifecycle.holds(certificate, today):
            held.setdefault(certificate.qualification_id, certificate)
    qualifications = all_qualifications(active_only=True)
    places = guidance.Places.of(user, qualifications)
    seated = {seminar.id for seminar in seminars}
    offers = None  # open seminars, read once when a qualification lacks hours or sessions
    for qualification in qualifications:
        section = Section(qualification, held=held.get(qualification.id))
        for seminar in (seminars or [None]) if qualification.per_seminar else [None]:
            evidence = eligibility.gather(user, qualification, seminar)
            result = eligibility.evaluate(qualification, evidence, today)
            section.checklists.append(
                Checklist(
                    seminar,
                    result,
                    current.get((qualification.id, seminar_key(qualification, seminar)))
                    if seminar
                    # Without a seminar, one certificate of the qualification is enough,
                    # whether claimed here or issued by a trainer for a seminar.
                    else any_current.get(qualification.id),
                    guidance.steps(qualification, seminar, evidence, result, places),
                )
            )
        lacking = not section.held and all(
            item.certificate is None
            and any(r.key in ("hours", "sessions") and not r.met for r in item.result.requirements)
            for item in section.checklists
        )
        if lacking:
            offers = open_offers() if offers is None else offers
            section.offers = guidance.filling_offers(qualification, offers, seated)
        if qualification.declaration_text:
            section.declaration = latest_declaration(user, qualification)
            section.declaration_met = any(
                r.key == "declaration" and r.met for r in section.checklists[0].result.requirements
            )
            section.declaration_text, section.declaration_language = declaration_for(
                qualification, ct.current_locale()
            )
            section.declaration_form = forms.get(qualification.id) or DeclarationForm(
                prefix=_declaration_prefix(qualification), formdata=None
            )
            section.declaration_form.text_digest.data = ct.digest(section.declaration_text)
        sections.append(section)
    return sections


def _page(*, forms: dict | None = None, error: str | None = None, status: int = 200):
    user = current_user
    mine = list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.holder_id == user.id)
            .options(
                selectinload(Certificate.qualification),
                selectinload(Certificate.seminar),
                selectinload(Certificate.ob3_credential),
            )
            .order_by(Certificate.issued_on.desc(), Certificate.id.desc())
        )
    )
    return render_template(
        "certificates/mine/index.html",
        sections=_sections(user, forms or {}),
        certificates=mine,
        error=error,
        status_of=lifecycle.public_status,
        status_labels=STATUS_LABELS,
        step_status=guidance.STATUS_WORDS,
        reason_label=status_reasons.reason_label,
        verify_url=issuance.verify_url,
        copy_languages=rendering.copy_languages,
        linkedin_url=sharing.linkedin_url,
        wallet_qr=sharing.wallet_qr,
        has_seminars=bool(seminars_of(user)),
        register_cards=public_register.cards_of(user),
        # Continuing education per current certificate that needs it (issue 21).
        ce_records={c.id: ce.ledger(c) for c in ce.current_certificates(user)},
    ), status


@bp.get("/")
@login_required
def index():
    return _page()


def _qualification(qualification_id: int) -> Qualification:
    return get_or_404(Qualification, qualification_id, active=True)


@bp.post("/qualifications/<id:qualification_id>/declaration")
@login_required
def sign(qualification_id: int):
    qualification = _qualification(qualification_id)
    form = DeclarationForm(prefix=_declaration_prefix(qualification))
    if form.validate_on_submit():
        try:
            sign_declaration(
                current_user,
                qualification,
                form.signed_name.data,
                shown_digest=form.text_digest.data or None,
            )
        except ServiceError as error:
            show_error(form, error)
        else:
            flash(_("Declaration signed. Thank you."), "success")
            return redirect(url_for(".index", _anchor=f"qualification-{qualification.id}"))
    return _page(forms={qualification.id: form}, status=400)


@bp.post("/claim")
@login_required
def claim():
    """Issue the trainee's own certificate when the qualification allows it; idempotent."""
    form = ClaimForm()
    if not form.validate_on_submit():
        abort(400)
    qualification_id = parse_id(form.qualification.data)
    if qualification_id is None:
        abort(400)
    qualification = _qualification(qualification_id)
    if not qualification.self_claim:
        abort(403)
    seminar = None
    seminar_id = parse_id(form.seminar.data)
    if qualification.per_seminar:
        seminar = next((s for s in seminars_of(current_user) if s.id == seminar_id), None)
        if seminar is None:
            abort(404)
    elif form.seminar.data:
        abort(400)
    held = [] if seminar else current_of([current_user.id], qualification)
    if held:
        flash(_("You already hold certificate %(number)s.", number=held[0].number), "info")
        return redirect(url_for(".index", _anchor="my-certificates"))
    language = None if seminar else current_user.language
    try:
        certificate, created = issuance.issue(
            qualification, current_user, seminar, by=current_user, language=language
        )
    except ServiceError as error:
        return _page(error=refused(error), status=400)
    if created:
        flash(_("Your certificate %(number)s was issued.", number=certificate.number), "success")
    else:
        flash(_("You already hold certificate %(number)s.", number=certificate.number), "info")
    return redirect(url_for(".index", _anchor="my-certificates"))


@bp.get("/<id:certificate_id>/pdf")
@login_required
def pdf(certificate_id: int):
    """The holder's own PDF, exactly as issued; anybody else's is "not found". With
    ``?language=``, the holder's copy in another language its facts hold texts in (the same
    signed facts, see ``rendering.copy_pdf``); another language is "not found"."""
    certificate = get_or_404(Certificate, certificate_id, holder_id=current_user.id)
    language = request.args.get("language") or certificate.language
    if language not in rendering.copy_languages(certificate):
        abort(404)
    try:
        data = rendering.copy_pdf(certificate, language)
    except FileNotFoundError:
        current_app.logger.error("PDF of certificate %s missing from storage", certificate.number)
        abort(
            404,
            description=_(
                "The PDF of this certificate is missing from storage. "
                "Please tell the training centre."
            ),
        )
    suffix = "" if language == certificate.language else f"-{language}"
    return pdf_response(data, f"{certificate.number}{suffix}.pdf")


def dashboard_panel(user: User) -> dict | None:
    """The dashboard card: for each qualification offered, the certificate the user holds
    ("held", valid until ...) or, for a trainee, the progress towards it; hidden when there
    is nothing to hold or earn (and, for staff, unless they hold one themselves)."""
    today = site_today()
    current = brief_current_of(user.id)
    valid = [c for c in current if lifecycle.holds(c, today)]
    if not valid and user.role != Role.TRAINEE:
        return None  # staff holding nothing: no card, and no qualification to read
    # Their courses and criteria only if a qualification is still to earn (see _progress).
    offered = all_qualifications(active_only=True, requirements=False)
    if not valid and not offered:
        return None
    return {
        "held": len(valid),
        "offered": len(offered),
        "progress": _progress(user, offered, current, today),
    }


def _progress(user: User, offered, current: list[Row], today) -> list[dict]:
    """One row per qualification offered: the valid certificate held (never a "not yet"
    for what the user holds), else the current one that is not valid (revoked, suspended,
    expired: issuing makes no other), else, for a trainee, how many requirements are met
    and what is still to do, on their latest seminar where it counts seminar hours (one
    eligibility check per qualification, however many seminars). ``current`` is the
    certificates' brief rows (``current.brief_current_of``); ``offered`` the qualifications
    without their courses and criteria, read here for all at once when the first
    eligibility check needs them."""
    held: dict[int, Row] = {}
    for certificate in current:
        if lifecycle.holds(certificate, today):
            held.setdefault(certificate.qualification_id, certificate)
    by_key = {(c.qualification_id, c.seminar_key): c for c in current}
    trainee = user.role == Role.TRAINEE
    latest: list = []  # their latest seminar, read once when a qualification asks for it
    places = None  # read once, with the requirements, for the first qualification to check
    rows = []
    for qualification in offered:
        if qualification.id in held:
            rows.append({"qualification": qualification, "held": held[qualification.id]})
            continue
        if not trainee:
            continue
        seminar = None
        if qualification.per_seminar:
            latest = latest or [next(iter(seminars_of(user)), None)]
            seminar = latest[0]
        standing = by_key.get((qualification.id, seminar_key(qualification, seminar)))
        if standing is not None:
            rows.append(
                {
                    "qualification": qualification,
                    "certificate": standing,
                    "status": lifecycle.STATUS_WORDS[lifecycle.public_status(standing, today)],
                }
            )
            continue
        if places is None:  # the first check: what every check reads, for all at once
            load_requirements(offered)
            places = guidance.Places.of(user, offered)
        evidence = eligibility.gather(user, qualification, seminar)
        result = eligibility.evaluate(qualification, evidence, today)
        requirements = result.requirements
        # What is left in plain words, each linked to where it is done (certificates.guidance).
        steps = guidance.steps(qualification, seminar, evidence, result, places)
        left = [line for step in steps for line in step.missing]
        rows.append(
            {
                "qualification": qualification,
                "met": sum(r.met for r in requirements),
                "total": len(requirements),
                "left": left,
            }
        )
    return rows
