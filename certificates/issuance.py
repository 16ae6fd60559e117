"""Issuing certificates: gather, evaluate, then write (freeze the facts, number, sign, render
the PDF once, store its hash), for one holder or a whole seminar.

Issuing is idempotent: a holder has at most one current certificate per qualification and
seminar (a unique constraint, see ``Certificate``), so re-running a bulk issue, a double
click or two trainers issuing at once never makes a second one; the loser gets the existing
certificate back.

How a bulk issue for a seminar reads, top-down (``bulk_issue``):

1. **Gather** (:func:`gather`), once for the seminar: its participants with their users
   (``seminars.registration.participants``), their current certificates
   (:func:`current_certificates`), the evidence of all of them at once
   (``eligibility.gather_many``: courses, criteria, signed-off hours and sessions, latest
   declarations, identities). A fixed number of statements, whatever the number of
   participants; the issuing page shows the same gather.
2. **Evaluate**: ``eligibility.evaluate`` per participant without a current certificate,
   pure (no statement), once each; who already holds one and which current certificates are
   not held (revoked, suspended, expired) is decided here too, before anything is written.
3. **Write** (:func:`write`), once: :func:`draft` states the language and dates for all; per
   certificate a number, its facts, a signature and a PDF (no statement: the key is read once);
   then every certificate and its event are inserted in two statements and committed once;
   ``signals.certificate_issued`` is sent for each after that commit.

Before (main at the start of issue 15), the gather lived twice (the issuing page's view and
``bulk_issue``), the holder's name was re-read per issue, the signing key was read per
certificate, preview re-implemented the language and expiry, and after the commit the page's
summary re-loaded each participant's existing certificate (one statement each). Measured with
a participant holding one already and one not eligible: the service ran 16 statements for 2 and
for 6 eligible participants, the bulk-issue request 25, the issuing page 16 (see
``tests/certificates/test_bulk_issue_reads.py`` for the counts now).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from flask import current_app
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from certificates import eligibility
from certificates.facts import (
    Draft,
    add_months,
    build_facts,
    draft,
    keep,
    sample_facts,
    verify_url,
)
from certificates.keys import key_ring
from certificates.models import (
    Certificate,
    CertificateEvent,
    CertificateStatus,
    Qualification,
)
from certificates.numbers import new_number
from certificates.ob3 import issuing as open_badges
from certificates.qualifications import holder_name, name_on_certificate
from certificates.signals import certificate_issued
from certificates.signing import canonical_json, sign
from certificates.status import PublicStatus, holds, public_status
from certificates.storage import (
    discard_pdf,
    insert_all,
    pdf_folder,
    store_pdf,
    store_pdfs,
    stored_pdf,
)
from lms import site_settings
from lms.extensions import db
from lms.models import User
from lms.service_error import ServiceError
from seminars.models import Seminar
from seminars.registration import participants

# Kept here for their callers: what a certificate states, and where its PDF is.
__all__ = [
    "Draft",
    "add_months",
    "draft",
    "holder_name",
    "pdf_bytes",
    "pdf_folder",
    "verify_url",
]

PREVIEW_NUMBER = "PREVIEW"


def preview_pdf(
    qualification: Qualification, seminar: Seminar | None, holder: User, today: date | None = None
) -> bytes:
    """The certificate ``holder`` would get today, unsigned and unnumbered: nothing stored."""
    plan = draft(qualification, seminar, today=today)
    found = eligibility.gather(holder, qualification, seminar)
    facts = plan.facts(
        number=PREVIEW_NUMBER,
        holder=name_on_certificate(holder, found.identity),
        result=eligibility.evaluate(qualification, found, plan.issued_on),
    )
    # ``certificates.pdf``'s own renderer: tests stand in for this module's, never a preview's.
    from certificates import pdf

    return pdf.render_pdf(facts, verify_url(PREVIEW_NUMBER), "PREVIEW (not signed)", sample=True)


def design_preview_pdf(qualification: Qualification, template: str, language: str) -> bytes:
    """A SAMPLE certificate of ``qualification`` drawn with ``template`` and today's site
    settings, for a sample holder with every criterion met: nothing is signed or stored."""
    from certificates import pdf

    with force_locale("kk" if template == "bilingual" else language):
        holder = gettext("Sample Holder Name")
    facts = sample_facts(
        qualification, template=template, language=language, holder=holder, number=PREVIEW_NUMBER
    )
    return pdf.render_pdf(facts, verify_url(PREVIEW_NUMBER), "PREVIEW (not signed)", sample=True)


def render_pdf(facts: dict, url: str, token: str) -> bytes:
    """``certificates.pdf.render_pdf``, imported at the first PDF a process makes: with fpdf2
    and fontTools it takes about 30 MB, which a web worker that only verifies never needs."""
    from certificates import pdf

    return pdf.render_pdf(facts, url, token)


def copy_languages(certificate: Certificate) -> list[str]:
    """The languages the holder may download a copy of ``certificate`` in: its own first."""
    from certificates import pdf

    return pdf.copy_languages(certificate.facts)


def copy_pdf(certificate: Certificate, language: str) -> bytes:
    """The holder's copy in another language: the same signed facts (and the same attached
    JWS) drawn with the texts the facts hold in ``language`` and that language's labels.
    Rendered on each download, never stored, and not checked against the recorded SHA-256
    (which is the issue language's PDF's): the same facts, fonts and catalogs give the same
    bytes, but a release that improves a label changes a copy's bytes."""
    if language == certificate.language:
        return pdf_bytes(certificate)
    from certificates import pdf

    return pdf.render_pdf(
        certificate.facts, verify_url(certificate.number), certificate.jws, language=language
    )


def pdf_bytes(certificate: Certificate) -> bytes:
    """The certificate's PDF exactly as issued, whichever instance asks: the stored copy when
    its SHA-256 is the recorded one; otherwise rendered again from the signed facts, which
    gives the same bytes (``certificates.pdf`` fixes every date and id) and is checked against
    the recorded SHA-256. FileNotFoundError when neither gives the issued bytes: a certificate
    rendered by an older template (or library) whose stored copy is lost."""
    expected = certificate.pdf_sha256
    try:
        stored = stored_pdf(certificate)
    except FileNotFoundError:
        stored = None
    if stored is not None and hashlib.sha256(stored).hexdigest() == expected:
        return stored
    if stored is not None:
        current_app.logger.error(
            "stored PDF of certificate %s does not match its SHA-256", certificate.number
        )
    rendered = render_pdf(certificate.facts, verify_url(certificate.number), certificate.jws)
    if hashlib.sha256(rendered).hexdigest() == expected:
        return rendered
    raise FileNotFoundError(
        f"no PDF of certificate {certificate.number} matches its recorded SHA-256"
    )


def seminar_key(qualification: Qualification, seminar: Seminar | None) -> int:
    """One certificate per holder, qualification and seminar, where the qualification is
    about a seminar (``Qualification.per_seminar``); otherwise one per holder and
    qualification (key 0), whichever seminar it was issued through."""
    return seminar.id if (seminar is not None and qualification.per_seminar) else 0


def _current(holder_ids: list[int], qualification: Qualification | None):
    query = select(Certificate).where(Certificate.holder_id.in_(holder_ids), Certificate.live == 1)
    if qualification is not None:
        query = query.where(Certificate.qualification_id == qualification.id)
    return query


def current_certificates(
    holder_ids: list[int], qualification: Qualification, seminar: Seminar | None
) -> dict[int, Certificate]:
    """Holder id -> their current certificate of ``qualification`` for ``seminar`` (whatever
    its status: a current certificate, even revoked, suspended or expired, means issuing
    makes nothing new), in one query."""
    if not holder_ids:
        return {}
    return {
        certificate.holder_id: certificate
        for certificate in db.session.scalars(
            _current(holder_ids, qualification).where(
                Certificate.seminar_key == seminar_key(qualification, seminar)
            )
        )
    }


def current_of(
    holder_ids: list[int], qualification: Qualification | None = None
) -> list[Certificate]:
    """Every current certificate of the holders (of ``qualification`` if given), whatever
    the seminar and status, oldest first: "does X hold one of Q at all"."""
    return list(db.session.scalars(_current(holder_ids, qualification).order_by(Certificate.id)))


def current_certificate(
    holder: User, qualification: Qualification, seminar: Seminar | None
) -> Certificate | None:
    return current_certificates([holder.id], qualification, seminar).get(holder.id)


# Certificates that still stand: the ZIP of a seminar holds these (revoked, replaced left out).
STANDING_STATUSES = (CertificateStatus.VALID.value, CertificateStatus.SUSPENDED.value)


def create_signed(
    *,
    qualification: Qualification,
    holder: User,
    seminar: Seminar | None,
    result: eligibility.Eligibility,
    by: User | None,
    language: str,
    issued_on: date,
    expires_on: date | None,
    name: str,
    replaces: Certificate | None = None,
    action: str = "issue",
    reason: str = "",
    kept: dict | None = None,
    kept_translations: dict | None = None,
    add: bool = True,
    key=None,
    credential: bool = True,
) -> Certificate:
    """A signed certificate with its PDF written (the caller commits; no statement here).
    ``kept`` overrides facts, so a reissue or renewal states the same achievement as the
    certificate it replaces. ``add=False`` leaves it out of the session (bulk issue inserts
    many at once, and stores their PDFs: ``rendered_pdf``); ``key`` is the signing key when
    the caller read it once for many. The certificate's Open Badges credential is signed here
    too, with the same key, after the PDF (its status slot is the first write) and inserted
    with it; ``credential=False`` leaves that to the caller (a bulk issue draws every slot at
    once: ``ob3.issuing.attach_all``)."""
    number = new_number(current_app.config["CERTIFICATE_PREFIX"])
    facts = build_facts(
        number=number,
        qualification=qualification,
        holder=name,
        seminar=seminar,
        result=result,
        language=language,
        issued_on=issued_on,
        expires_on=expires_on,
    )
    if kept:
        keep(facts, kept, kept_translations)
    key = key or key_ring().current()
    token = sign(facts, key)
    data = render_pdf(facts, verify_url(number), token)
    filename = f"{number}.pdf"
    certificate = Certificate(
        number=number,
        qualification_id=qualification.id,
        holder_id=holder.id,
        seminar_id=seminar.id if seminar else None,
        seminar_key=seminar_key(qualification, seminar),
        live=1,
        issued_on=issued_on,
        expires_on=expires_on,
        language=language,
        facts_json=canonical_json(facts).decode(),
        key_id=key.thumbprint(),
        jws=token,  # kept as its signature only: the rest is facts_json and key_id
        pdf_path=filename,
        pdf_sha256=hashlib.sha256(data).hexdigest(),
        issued_by_id=by.id if by else None,
        replaces_id=replaces.id if replaces else None,
    )
    certificate.events.append(
        CertificateEvent(action=action, reason=reason, by_id=by.id if by else None)
    )
    certificate.signed_facts = facts  # not a column: for ob3.issuing.attach_all
    if credential:
        open_badges.attach(
            certificate,
            facts,
            holder=holder,
            qualification=qualification,
            replaces=replaces,
            key=key,
        )
    if add:
        store_pdf(certificate, data)
        db.session.add(certificate)
    else:
        certificate.rendered_pdf = data  # not a column: the bulk caller stores them at once
    return certificate


def _announce(certificates: list[Certificate]) -> None:
    """After the commit: one ``certificate_issued`` per certificate made."""
    app = current_app._get_current_object()
    for certificate in certificates:
        certificate_issued.send(app, certificate=certificate)


# --- gather ----------------------------------------------------------------------------------


@dataclass
class Gathered:
    """What issuing for a seminar reads, for every participant at once (:func:`gather`)."""

    qualification: Qualification
    seminar: Seminar | None
    people: list[User]
    current: dict[int, Certificate]  # holder id -> current certificate (any status)
    evidence: dict[int, eligibility.Evidence]

    def evaluate(self, person: User, today: date) -> eligibility.Eligibility:
        """``person``'s checklist (pure: no statement)."""
        return eligibility.evaluate(self.qualification, self.evidence[person.id], today)

    def name(self, person: User) -> str:
        return name_on_certificate(person, self.evidence[person.id].identity)


def gather(
    qualification: Qualification, seminar: Seminar, people: list[User] | None = None
) -> Gathered:
    """The seminar's participants (or ``people``), their current certificates and their
    evidence: a number of statements that does not depend on how many there are."""
    if people is None:
        people = [registration.user for registration in participants(seminar)]
    ids = [person.id for person in people]
    return Gathered(
        qualification,
        seminar,
        people,
        current_certificates(ids, qualification, seminar),
        eligibility.gather_many(people, qualification, seminar),
    )


# --- issue ---------------------------------------------------------------------------------


def _offered(qualification: Qualification) -> None:
    if not qualification.active:
        raise ServiceError(_l("This qualification is not offered any more."))


def issue(
    qualification: Qualification,
    holder: User,
    seminar: Seminar | None,
    *,
    by: User | None,
    language: str | None = None,
    today: date | None = None,
) -> tuple[Certificate, bool]:
    """The holder's certificate and whether it was made now; refused if not eligible."""
    existing = current_certificate(holder, qualification, seminar)
    if existing is not None:
        return existing, False
    _offered(qualification)
    plan = draft(qualification, seminar, language=language, today=today)
    found = eligibility.gather(holder, qualification, seminar)
    result = eligibility.evaluate(qualification, found, plan.issued_on)
    if not result.eligible:
        raise ServiceError(
            _l(
                "%(name)s is not eligible yet: %(missing)s",
                name=holder.full_name,
                missing="; ".join(result.missing),
            )
        )
    return _create(plan, holder, result, name_on_certificate(holder, found.identity), by=by)


def _create(
    plan: Draft,
    holder: User,
    result: eligibility.Eligibility,
    name: str,
    *,
    by: User | None,
    key=None,
) -> tuple[Certificate, bool]:
    """Sign, render and insert the certificate of an eligible holder; whoever inserts second
    (the unique constraint decides) gets the first one back and deletes its own PDF."""
    certificate = create_signed(
        qualification=plan.qualification,
        holder=holder,
        seminar=plan.seminar,
        result=result,
        by=by,
        language=plan.language,
        issued_on=plan.issued_on,
        expires_on=plan.expires_on,
        name=name,
        key=key,
    )
    try:
        db.session.commit()
    except Exception as error:
        # Whatever failed (the constraint, a lock timeout), no PDF stays without its row.
        db.session.rollback()
        discard_pdf(certificate)
        if not isinstance(error, IntegrityError):
            raise
        existing = current_certificate(holder, plan.qualification, plan.seminar)
        if existing is None:
            raise
        return existing, False
    _announce([certificate])
    return certificate, True


@dataclass
class BulkResult:
    issued: list[Certificate] = field(default_factory=list)
    # Participants with a current certificate (any status), so nothing was issued to them:
    # those who hold it (valid today), and the others' names with its status, decided before
    # anything was written.
    already: list[Certificate] = field(default_factory=list)
    held: list[Certificate] = field(default_factory=list)
    blocked: list[tuple[str, PublicStatus]] = field(default_factory=list)
    not_eligible: list[tuple[User, list[str]]] = field(default_factory=list)


def bulk_issue(
    qualification: Qualification,
    seminar: Seminar,
    *,
    by: User,
    today: date | None = None,
    progress: Callable[..., None] | None = None,
    since: datetime | None = None,
) -> BulkResult:
    """Issue to every eligible participant; running it again creates nothing twice.

    Gather, evaluate, write (see the module's docstring). Without ``progress``, every new
    certificate is inserted and committed at once; if another trainer issued to one of them
    meanwhile (the unique constraint says so), the new ones are written one by one instead,
    each getting the existing certificate back where it lost.

    With ``progress`` (the background job), each certificate is committed on its own and
    ``progress(done, total)`` is called after each, so a worker killed half-way leaves whole
    certificates only and running it again finishes the rest. Certificates ``by`` issued since
    ``since`` (an earlier attempt of the same job) count as issued now, not as held."""
    with site_settings.held():  # one read of the organisation and signatory for all
        return _bulk_issue(qualification, seminar, by=by, today=today, progress=progress,
                           since=since)  # fmt: skip


def _bulk_issue(qualification, seminar, *, by, today, progress, since) -> BulkResult:
    plan, outcome, eligible = plan_bulk(qualification, seminar, today=today)
    if since is not None:
        _count_earlier_attempt(outcome, by, since)
    if progress is None:
        if eligible:
            write(plan, eligible, by=by, into=outcome)
        return outcome
    done, total = len(outcome.issued), len(outcome.issued) + len(eligible)
    progress(done, total)
    key = key_ring().current() if eligible else None
    for person, result, name in eligible:
        certificate, created = _create(plan, person, result, name, by=by, key=key)
        if created:
            outcome.issued.append(certificate)
        else:  # another trainer's, valid
            outcome.already.append(certificate)
            outcome.held.append(certificate)
        done += 1
        progress(done, total)
    return outcome


def _count_earlier_attempt(outcome: BulkResult, by: User, since: datetime) -> None:
    earlier = [
        certificate
        for certificate in outcome.held
        if certificate.issued_by_id == by.id and _as_utc(certificate.created_at) >= _as_utc(since)
    ]
    for certificate in earlier:
        outcome.held.remove(certificate)
        outcome.already.remove(certificate)
        outcome.issued.append(certificate)


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def plan_bulk(
    qualification: Qualification, seminar: Seminar, *, today: date | None = None
) -> tuple[Draft, BulkResult, list]:
    """Gather and evaluate, writing nothing: the plan, the outcome so far (who holds one, whose
    current one is not held, who is not eligible) and the eligible (person, checklist, name)
    to write. Refused if the qualification is not offered any more."""
    _offered(qualification)
    outcome = BulkResult()
    plan = draft(qualification, seminar, today=today)
    gathered = gather(qualification, seminar)
    eligible = []
    for person in gathered.people:
        existing = gathered.current.get(person.id)
        if existing is not None:
            outcome.already.append(existing)
            if holds(existing, plan.issued_on):
                outcome.held.append(existing)
            else:
                status = public_status(existing, plan.issued_on)
                outcome.blocked.append((person.full_name, status))
            continue
        result = gathered.evaluate(person, plan.issued_on)
        if result.eligible:
            eligible.append((person, result, gathered.name(person)))
        else:
            outcome.not_eligible.append((person, result.missing))
    return plan, outcome, eligible


def write(plan: Draft, eligible: list, *, by: User, into: BulkResult) -> None:
    """The write pass: sign and render each of ``eligible`` (person, checklist, name), insert
    them all and commit once, then announce each."""
    key = key_ring().current()
    made = [
        create_signed(
            qualification=plan.qualification,
            holder=person,
            seminar=plan.seminar,
            result=result,
            by=by,
            language=plan.language,
            issued_on=plan.issued_on,
            expires_on=plan.expires_on,
            name=name,
            add=False,
            key=key,
            credential=False,
        )
        for person, result, name in eligible
    ]
    try:
        open_badges.attach_all(made, [person for person, _, _ in eligible], plan.qualification, key)
        inserted = insert_all(made)
        store_pdfs([(certificate, certificate.rendered_pdf) for certificate in made])
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        for certificate in made:
            discard_pdf(certificate)
        if not isinstance(error, IntegrityError):
            raise
        # Somebody issued to one of them meanwhile: one by one, with the results computed.
        for person, result, name in eligible:
            certificate, created = _create(plan, person, result, name, by=by)
            if created:
                into.issued.append(certificate)
            else:  # the other trainer's, valid
                into.already.append(certificate)
                into.held.append(certificate)
        return
    into.issued.extend(inserted)
    _announce(inserted)
