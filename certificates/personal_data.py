"""The certificates part of a user's data download: each certificate's number, status, public
facts (as verification shows them) and signed Open Badges credential, the ethics declarations
they signed (text and language as signed), the identity confirmation they rest on, and the
continuing-education activities they submitted (issue 21). Deleting an account keeps
certificates verifiable as issued (their facts are signed and frozen, with the name as issued),
erases the date of birth of the identity confirmation, and deletes the submitted activities
with their evidence files."""

from __future__ import annotations

from contextlib import suppress

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from certificates.ce_models import CeActivity
from certificates.models import Certificate, EthicsDeclaration, IdentityConfirmation, Qualification
from certificates.public_record import public_facts
from lms import file_storage
from lms.account_deletion import register_erasure
from lms.extensions import db
from lms.models import User
from lms.personal_data import register_personal_data


def certificates_of(user: User) -> dict:
    certificates = db.session.scalars(
        select(Certificate)
        .where(Certificate.holder_id == user.id)
        .order_by(Certificate.id)
        .options(selectinload(Certificate.ob3_credential))
    ).all()
    identity = db.session.scalar(
        select(IdentityConfirmation).where(IdentityConfirmation.user_id == user.id)
    )
    signatures = db.session.execute(
        select(EthicsDeclaration, Qualification.slug)
        .join(Qualification, EthicsDeclaration.qualification_id == Qualification.id)
        .where(EthicsDeclaration.user_id == user.id)
        .order_by(EthicsDeclaration.id)
    ).all()
    return {
        "certificates": [
            {
                "number": row.number,
                "status": row.status,
                "issued_on": row.issued_on,
                "expires_on": row.expires_on,
                "facts": public_facts(row.facts),
                # The signed Open Badges 3.0 credential, as a wallet receives it.
                "open_badges_credential": row.ob3_credential.credential
                if row.ob3_credential is not None
                else None,
            }
            for row in certificates
        ],
        "declarations": [
            {
                "qualification": slug,
                "text": row.text,
                "language": row.language,
                "signed_name": row.signed_name,
                "signed_at": row.signed_at,
            }
            for row, slug in signatures
        ],
        "continuing_education": [
            {
                "qualification": activity.qualification.slug,
                "title": activity.title,
                "provider": activity.provider,
                "held_on": activity.held_on,
                "hours": str(activity.hours),
                "ethics": activity.ethics,
                "description": activity.description,
                "evidence_file": activity.evidence_filename,
                "status": activity.status,
                "review_reason": activity.review_reason,
            }
            for activity in db.session.scalars(
                select(CeActivity).where(CeActivity.holder_id == user.id).order_by(CeActivity.id)
            )
        ],
        "identity": None
        if identity is None
        else {
            "legal_name": identity.legal_name,
            "date_of_birth": identity.date_of_birth,
            "higher_education": identity.higher_education,
            "confirmed_at": identity.confirmed_at,
        },
    }


def erase(user: User) -> None:
    db.session.execute(
        update(IdentityConfirmation)
        .where(IdentityConfirmation.user_id == user.id)
        .values(date_of_birth=None)
    )
    for activity in db.session.scalars(select(CeActivity).where(CeActivity.holder_id == user.id)):
        with suppress(FileNotFoundError):
            file_storage.delete(activity.evidence_name)
        db.session.delete(activity)


def init_app(app: Flask) -> None:
    register_personal_data("certificates", certificates_of)
    register_erasure(erase)
