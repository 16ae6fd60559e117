"""Issuing one certificate: freeze the facts, number, sign, render the PDF once, store its
hash (:func:`create_signed`); :func:`issue` checks the holder's eligibility first.

Issuing is idempotent: a holder has at most one current certificate per qualification and
seminar (a unique constraint, see ``Certificate`` and ``certificates.current``), so a double
click or two trainers issuing at once never makes a second one; the loser gets the existing
certificate back (:func:`issue_eligible`). A whole seminar at once is
``certificates.bulk_issuance``; a certificate's PDFs afterwards, ``certificates.rendering``.
"""

from __future__ import annotations

import hashlib
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from certificates import eligibility, rendering
from certificates.current import current_certificate, seminar_key
from certificates.facts import (
    Draft,
    add_months,
    build_facts,
    draft,
    keep,
    verify_url,
)
from certificates.keys import key_ring
from certificates.models import Certificate, CertificateEvent, Qualification
from certificates.numbers import new_number
from certificates.ob3 import issuing as open_badges
from certificates.qualifications import holder_name, name_on_certificate
from certificates.signals import certificate_issued
from certificates.signing import canonical_json, sign
from certificates.storage import discard_pdf, pdf_folder, store_pdf
from lms.extensions import db
from lms.models import User
from lms.service_error import ServiceError
from seminars.models import Seminar

# Kept here for their callers: what a certificate states, and where its PDF is.
__all__ = [
    "Draft",
    "add_months",
    "draft",
    "holder_name",
    "pdf_folder",
    "verify_url",
]


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
    data = rendering.render_pdf(facts, verify_url(number), token)
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


def announce_issued(certificates: list[Certificate]) -> None:
    """After the commit: one ``certificate_issued`` per certificate made.

    Each receiver still commits its own rows (the mail and the audit event of one certificate),
    so a failing message loses nothing of the others'. While they run, a commit does not expire
    the session's objects: after a bulk issue the session holds every certificate and holder,
    and expiring (then reloading) them all at each of the 2 x n commits was a third of the
    announcements' time. They are expired once at the end instead, as a commit would have."""
    app = current_app._get_current_object()
    session = db.session()
    expire = session.expire_on_commit
    session.expire_on_commit = False
    try:
        for certificate in certificates:
            certificate_issued.send(app, certificate=certificate)
    finally:
        session.expire_on_commit = expire
        if expire:
            session.expire_all()


def check_offered(qualification: Qualification) -> None:
    """Refused if ``qualification`` is retired: nobody is issued one any more."""
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
    check_offered(qualification)
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
    return issue_eligible(plan, holder, result, name_on_certificate(holder, found.identity), by=by)


def issue_eligible(
    plan: Draft,
    holder: User,
    result: eligibility.Eligibility,
    name: str,
    *,
    by: User | None,
    key=None,
) -> tuple[Certificate, bool]:
    """Sign, render, insert and commit the certificate of an eligible holder, then announce
    it; whoever inserts second (the unique constraint decides) gets the first one back and
    deletes its own PDF."""
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
    announce_issued([certificate])
    return certificate, True
