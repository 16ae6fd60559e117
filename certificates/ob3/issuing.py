"""Issuing a certificate's Open Badges credential: with the certificate (``issuance.
create_signed`` calls :func:`attach`), or afterwards for certificates issued before this
feature (``flask issue-credentials``, :func:`issue_missing`).

The credential is signed once and stored frozen with its certificate (``ob3_credentials``,
keyed by the certificate's id); it is never signed again. Its status lives in the status
lists (``status_list``), which the signals below keep in line with the certificate.
"""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import select

from certificates.models import Certificate
from certificates.ob3 import credential as builder
from certificates.ob3 import signer, status_list
from certificates.ob3.identity import new_salt
from certificates.ob3.models import StoredCredential, pack_json
from certificates.ob3.safe import CredentialRefused
from certificates.signals import certificate_replaced, certificate_status_changed
from lms.extensions import db


def awarded_on(replaces: Certificate | None, issued_on: date) -> date:
    """The day the achievement was first certified: a reissue or renewal keeps its
    predecessor's (followed back to the first certificate, a bounded walk)."""
    first, seen = replaces, set()
    while first is not None and first.id not in seen:
        seen.add(first.id)
        if first.replaces_id is None:
            break
        first = db.session.get(Certificate, first.replaces_id)
    return first.issued_on if first is not None else issued_on


def make(
    certificate: Certificate,
    facts: dict,
    *,
    email: str,
    hours,
    replaces: Certificate | None,
    slot: dict,
    key=None,
) -> StoredCredential:
    """The signed credential of ``certificate`` (not yet in the session)."""
    document = builder.build(
        facts,
        email=email,
        salt=new_salt(),
        hours=hours,
        awarded_on=awarded_on(replaces, date.fromisoformat(facts["issued_on"])),
        slots=slot,
    )
    signed = signer.sign(document, key)
    (revocation_list, revocation_index) = slot["revocation"]
    (suspension_list, suspension_index) = slot["suspension"]
    return StoredCredential(
        credential_zlib=pack_json(signed),
        revocation_list_id=revocation_list.id,
        revocation_index=revocation_index,
        suspension_list_id=suspension_list.id,
        suspension_index=suspension_index,
    )


def attach(
    certificate: Certificate,
    facts: dict,
    *,
    holder,
    qualification,
    replaces: Certificate | None,
    key=None,
    slot: dict | None = None,
) -> None:
    """Sign ``certificate``'s credential and attach it (``certificate.ob3_credential``), so it
    is inserted with the certificate, in the caller's transaction. ``slot`` is a status slot
    the caller allocated (a bulk issue allocates all at once); else one is allocated here."""
    slot = slot or status_list.allocate(1)[0]
    certificate.ob3_credential = make(
        certificate,
        facts,
        email=holder.email,
        hours=qualification.min_hours,
        replaces=replaces,
        slot=slot,
        key=key,
    )


def attach_all(made: list[Certificate], holders: list, qualification, key) -> None:
    """:func:`attach` for certificates made without their credential (``create_signed(...,
    credential=False)``), their status slots drawn at once, after every PDF: the draw is the
    issue's first write (two bulk issues at once on SQLite would otherwise lock each other)."""
    slots = status_list.allocate(len(made))
    for certificate, holder, slot in zip(made, holders, slots, strict=True):
        attach(
            certificate,
            certificate.signed_facts,
            holder=holder,
            qualification=qualification,
            replaces=None,
            key=key,
            slot=slot,
        )


def insert_rows(pairs: list[tuple[int, StoredCredential]]) -> None:
    """Insert credentials of certificates inserted without the unit of work (bulk issue)."""
    from sqlalchemy import insert

    rows = [
        {
            "certificate_id": certificate_id,
            "credential_zlib": stored.credential_zlib,
            "revocation_list_id": stored.revocation_list_id,
            "revocation_index": stored.revocation_index,
            "suspension_list_id": stored.suspension_list_id,
            "suspension_index": stored.suspension_index,
        }
        for certificate_id, stored in pairs
    ]
    if rows:
        db.session.execute(insert(StoredCredential), rows)


def stored(certificate: Certificate) -> StoredCredential | None:
    return db.session.get(StoredCredential, certificate.id)


def issue_missing(batch: int = 200) -> tuple[int, list[str]]:
    """Credentials for certificates that have none (issued before this feature), whatever
    their status (their bits say it); idempotent. Each batch is one commit; then every list
    is brought in line. Returns how many were made, and the numbers of those whose facts
    cannot be signed (the safe-mode check's reason, in English, for the log)."""
    made, refused, skipped = 0, [], set()
    while True:
        query = (
            select(Certificate)
            .outerjoin(StoredCredential, StoredCredential.certificate_id == Certificate.id)
            .where(StoredCredential.certificate_id.is_(None))
            .order_by(Certificate.id)
            .limit(batch)
        )
        if skipped:
            query = query.where(Certificate.id.not_in(skipped))
        missing = db.session.scalars(query).all()
        if not missing:
            break
        slots = status_list.allocate(len(missing))
        for certificate, slot in zip(missing, slots, strict=True):
            replaces = (
                db.session.get(Certificate, certificate.replaces_id)
                if certificate.replaces_id
                else None
            )
            try:
                stored_credential = make(
                    certificate,
                    certificate.facts,
                    email=certificate.holder.email,
                    hours=certificate.qualification.min_hours,
                    replaces=replaces,
                    slot=slot,
                )
            except CredentialRefused as error:  # its slot stays taken, unused: harmless
                skipped.add(certificate.id)
                refused.append(f"{certificate.number}: {error.problem}")
                continue
            stored_credential.certificate_id = certificate.id
            db.session.add(stored_credential)
            made += 1
        db.session.commit()
    status_list.refresh()
    return made, refused


# --- keeping the status lists in line ------------------------------------------------------


def _refresh_for(*certificates: Certificate) -> None:
    """After a committed change: refresh the lists of these certificates' credentials. A
    failure is logged, not raised (the change stands; ``flask issue-credentials`` mends the
    lists)."""
    try:
        ids = set()
        for certificate in certificates:
            found = stored(certificate)
            if found is not None:
                ids.update({found.revocation_list_id, found.suspension_list_id})
        if ids:
            status_list.refresh(ids)
    except Exception:
        db.session.rollback()
        current_app.logger.exception("could not update the credential status lists")


def on_status_changed(app, certificate, **_kwargs) -> None:
    _refresh_for(certificate)


def on_replaced(app, old, new, **_kwargs) -> None:
    _refresh_for(old, new)


def init_app(app) -> None:
    # Not ``certificate_issued``: a certificate is valid when issued, its bits are already 0
    # (and reading it after the commit would cost a statement per certificate of a bulk issue).
    certificate_status_changed.connect(on_status_changed)
    certificate_replaced.connect(on_replaced)
