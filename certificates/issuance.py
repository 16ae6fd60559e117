"""Issuing certificates: freeze the facts, number, sign, render the PDF once, store its hash.

Issuing is idempotent: a holder has at most one current certificate per qualification and
seminar (a unique constraint, see ``Certificate``), so re-running a bulk issue, a double
click or two trainers issuing at once never makes a second one; the loser gets the existing
certificate back.
"""

from __future__ import annotations

import calendar
import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import IntegrityError

from certificates import eligibility
from certificates.keys import key_ring
from certificates.models import (
    Certificate,
    CertificateEvent,
    CertificateStatus,
    IdentityConfirmation,
    Qualification,
    QualificationKind,
)
from certificates.numbers import new_number
from certificates.pdf import render_pdf
from certificates.public_record import FACTS_FORMAT, criterion_fact
from certificates.signing import canonical_json, sign
from lms.extensions import db
from lms.models import User
from lms.service_error import ServiceError
from lms.timezone import site_today
from seminars.models import Seminar
from seminars.registration import participants


def add_months(start: date, months: int) -> date:
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def verify_url(number: str) -> str:
    """The address printed on the certificate: the configured public URL, never the host of
    whichever request happened to issue it."""
    return f"{current_app.config['PUBLIC_URL']}/verify/{number}"


def holder_name(user: User) -> str:
    identity = db.session.scalar(
        select(IdentityConfirmation).where(IdentityConfirmation.user_id == user.id)
    )
    return identity.legal_name if identity else user.full_name


def _language(seminar: Seminar | None, language: str | None) -> str:
    languages = current_app.config["LANGUAGES"]
    for candidate in (language, seminar.language if seminar else None):
        if candidate in languages:
            return candidate
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def build_facts(
    *,
    number: str,
    qualification: Qualification,
    holder: str,
    seminar: Seminar | None,
    result: eligibility.Eligibility,
    language: str,
    issued_on: date,
    expires_on: date | None,
) -> dict:
    """What the certificate states, as plain JSON values (decimals as strings)."""
    seminar_facts = None
    if seminar is not None:
        # The days as people where the seminar ran saw them, not UTC dates.
        days = sorted(site_today(session.starts_at) for session in seminar.sessions)
        seminar_facts = {
            "title": seminar.title,
            "starts_on": days[0].isoformat() if days else None,
            "ends_on": days[-1].isoformat() if days else None,
        }
    # Only the public record is signed (certificates.public_record): criteria as met or not
    # with their rule, no percentages, no hours.
    criteria = []
    if result.criteria is not None and qualification.kind == QualificationKind.QUALIFICATION:
        average = result.criteria.compensable_average
        criteria = [criterion_fact(row, average) for row in result.criteria.criteria]
    return {
        "format": FACTS_FORMAT,
        "number": number,
        "kind": qualification.kind,
        "qualification": {"slug": qualification.slug, "title": qualification.title(language)},
        "holder": holder,
        "seminar": seminar_facts,
        "criteria": criteria,
        "issuer": current_app.config["ORGANISATION_NAME"],
        "issued_on": issued_on.isoformat(),
        "expires_on": expires_on.isoformat() if expires_on else None,
        "language": language,
        "disclaimer": qualification.disclaimer(language),
    }


def pdf_folder() -> Path:
    return Path(current_app.instance_path) / "certificates"


def pdf_bytes(certificate: Certificate) -> bytes:
    """The stored PDF, exactly as issued (FileNotFoundError if storage lost it)."""
    return (pdf_folder() / certificate.pdf_path).read_bytes()


def seminar_key(qualification: Qualification, seminar: Seminar | None) -> int:
    """One certificate per holder, qualification and seminar, where the qualification is
    about a seminar (``Qualification.per_seminar``); otherwise one per holder and
    qualification (key 0), whichever seminar it was issued through."""
    return seminar.id if (seminar is not None and qualification.per_seminar) else 0


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
            select(Certificate).where(
                Certificate.holder_id.in_(holder_ids),
                Certificate.qualification_id == qualification.id,
                Certificate.seminar_key == seminar_key(qualification, seminar),
                Certificate.live == 1,
            )
        )
    }


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
    add: bool = True,
) -> Certificate:
    """Insert a signed certificate with its PDF (the caller commits). ``kept`` overrides
    facts, so a reissue or renewal states the same achievement as the certificate it
    replaces. ``add=False`` leaves it out of the session (bulk issue inserts many at once)."""
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
    facts.update(kept or {})
    key = key_ring().current()
    token = sign(facts, key)
    data = render_pdf(facts, verify_url(number), token)
    folder = pdf_folder()
    folder.mkdir(parents=True, exist_ok=True)
    filename = f"{number}.pdf"
    (folder / filename).write_bytes(data)
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
        jws=token,
        key_id=key.thumbprint(),
        pdf_path=filename,
        pdf_sha256=hashlib.sha256(data).hexdigest(),
        issued_by_id=by.id if by else None,
        replaces_id=replaces.id if replaces else None,
    )
    certificate.events.append(
        CertificateEvent(action=action, reason=reason, by_id=by.id if by else None)
    )
    if add:
        db.session.add(certificate)
    return certificate


def _insert_all(certificates: list[Certificate]) -> list[Certificate]:
    """Insert unattached certificates and their events in two statements (the unit of work
    would insert a self-referencing table row by row); the caller commits."""
    columns = [attribute.key for attribute in sa_inspect(Certificate).column_attrs]
    rows = [
        {key: certificate.__dict__[key] for key in columns if key in certificate.__dict__}
        for certificate in certificates
    ]
    by_number = {
        row.number: row
        for row in db.session.scalars(insert(Certificate).returning(Certificate), rows)
    }
    inserted = [by_number[certificate.number] for certificate in certificates]
    db.session.execute(
        insert(CertificateEvent),
        [
            {
                "certificate_id": row.id,
                "action": event.action,
                "reason": event.reason,
                "by_id": event.by_id,
            }
            for row, certificate in zip(inserted, certificates, strict=True)
            for event in certificate.events
        ],
    )
    return inserted


def discard_pdf(certificate: Certificate) -> None:
    (pdf_folder() / certificate.pdf_path).unlink(missing_ok=True)


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
    today = today or site_today()
    result = eligibility.check(holder, qualification, seminar, today)
    if not result.eligible:
        raise ServiceError(
            _l(
                "%(name)s is not eligible yet: %(missing)s",
                name=holder.full_name,
                missing="; ".join(result.missing),
            )
        )
    return _create(qualification, holder, seminar, result, by=by, language=language, today=today)


def _offered(qualification: Qualification) -> None:
    if not qualification.active:
        raise ServiceError(_l("This qualification is not offered any more."))


def _create(
    qualification: Qualification,
    holder: User,
    seminar: Seminar | None,
    result: eligibility.Eligibility,
    *,
    by: User | None,
    language: str | None,
    today: date,
) -> tuple[Certificate, bool]:
    """Sign, render and insert the certificate of an eligible holder; whoever inserts second
    (the unique constraint decides) gets the first one back and deletes its own PDF."""
    expires = (
        add_months(today, qualification.validity_months) if qualification.validity_months else None
    )
    certificate = create_signed(
        qualification=qualification,
        holder=holder,
        seminar=seminar,
        result=result,
        by=by,
        language=_language(seminar, language),
        issued_on=today,
        expires_on=expires,
        name=holder_name(holder),
    )
    try:
        db.session.commit()
    except Exception as error:
        # Whatever failed (the constraint, a lock timeout), no PDF stays without its row.
        db.session.rollback()
        discard_pdf(certificate)
        if not isinstance(error, IntegrityError):
            raise
        existing = current_certificate(holder, qualification, seminar)
        if existing is None:
            raise
        return existing, False
    return certificate, True


@dataclass
class BulkResult:
    issued: list[Certificate] = field(default_factory=list)
    # Participants with a current certificate (any status), so nothing was issued to them.
    already: list[Certificate] = field(default_factory=list)
    not_eligible: list[tuple[User, list[str]]] = field(default_factory=list)


def bulk_issue(
    qualification: Qualification, seminar: Seminar, *, by: User, today: date | None = None
) -> BulkResult:
    """Issue to every eligible participant; running it again creates nothing twice.

    The evidence of every participant is read at once (a fixed number of queries), each is
    evaluated once, and the new certificates are written in one transaction. If another
    trainer issued to one of them meanwhile (the unique constraint says so), the new ones are
    written one by one instead, each getting the existing certificate back where it lost."""
    _offered(qualification)
    outcome = BulkResult()
    today = today or site_today()
    people = [registration.user for registration in participants(seminar)]
    existing = current_certificates([person.id for person in people], qualification, seminar)
    waiting = [person for person in people if person.id not in existing]
    evidence = eligibility.gather_many(waiting, qualification, seminar)
    eligible = []
    for person in people:
        if person.id in existing:
            outcome.already.append(existing[person.id])
            continue
        found = evidence[person.id]
        result = eligibility.evaluate(qualification, found, today)
        if not result.eligible:
            outcome.not_eligible.append((person, result.missing))
            continue
        name = found.identity.legal_name if found.identity else person.full_name
        eligible.append((person, result, name))
    if not eligible:
        return outcome
    language = _language(seminar, None)
    expires = (
        add_months(today, qualification.validity_months) if qualification.validity_months else None
    )
    made = [
        create_signed(
            qualification=qualification,
            holder=person,
            seminar=seminar,
            result=result,
            by=by,
            language=language,
            issued_on=today,
            expires_on=expires,
            name=name,
            add=False,
        )
        for person, result, name in eligible
    ]
    try:
        inserted = _insert_all(made)
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        for certificate in made:
            discard_pdf(certificate)
        if not isinstance(error, IntegrityError):
            raise
        # Somebody issued to one of them meanwhile: one by one, with the results computed.
        for person, result, _ in eligible:
            certificate, created = _create(
                qualification, person, seminar, result, by=by, language=None, today=today
            )
            (outcome.issued if created else outcome.already).append(certificate)
        return outcome
    outcome.issued.extend(inserted)
    return outcome
