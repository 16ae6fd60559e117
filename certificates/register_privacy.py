"""The public register's part in a user's data and its reactions to certificates' changes:
the data download holds the entries and the consent log; deleting an account removes the
entries (the consents are dated withdrawn, and hold no contacts); a reissue that corrects the
holder's name renames the entry it now grounds."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select, update

from certificates import public_register, regions
from certificates.models import Certificate, Qualification
from certificates.register_models import RegisterConsent, RegisterEntry
from certificates.signals import certificate_replaced
from lms.account_deletion import register_erasure
from lms.extensions import db
from lms.models import User
from lms.personal_data import register_personal_data


def register_data_of(user: User) -> dict:
    entries = db.session.execute(
        select(RegisterEntry, Qualification.slug)
        .join(Qualification, Qualification.id == RegisterEntry.qualification_id)
        .where(RegisterEntry.user_id == user.id)
        .order_by(RegisterEntry.id)
    ).all()
    consents = db.session.execute(
        select(RegisterConsent, Qualification.slug)
        .join(Qualification, Qualification.id == RegisterConsent.qualification_id)
        .where(RegisterConsent.user_id == user.id)
        .order_by(RegisterConsent.id)
    ).all()
    return {
        "entries": [
            {
                "qualification": slug,
                "name": entry.name,
                "region": entry.region,
                "region_name": regions.region_name(entry.region, "en"),
                "languages": entry.language_codes,
                "email": entry.email,
                "phone": entry.phone,
                "website": entry.website,
                "listed_since": entry.created_at,
                "updated_at": entry.updated_at,
            }
            for entry, slug in entries
        ],
        "consents": [
            {
                "qualification": slug,
                "version": consent.version,
                "language": consent.language,
                "text": consent.text,
                "given_at": consent.given_at,
                "withdrawn_at": consent.withdrawn_at,
            }
            for consent, slug in consents
        ],
    }


def on_replaced(sender: Flask, *, old: Certificate, new: Certificate, **_) -> None:
    """After a reissue or a renewal (committed): the entry names the holder as the new
    certificate does. Its own commit; a failure is logged, never undoing the replacement."""
    try:
        db.session.execute(
            update(RegisterEntry)
            .where(
                RegisterEntry.user_id == new.holder_id,
                RegisterEntry.qualification_id == new.qualification_id,
                RegisterEntry.name != new.facts["holder"],
            )
            .values(name=new.facts["holder"])
        )
        db.session.commit()
    except Exception:  # the replacement stands; the name waits for the next one
        db.session.rollback()
        sender.logger.exception("public register: renaming after %s failed", new.number)


def init_app(app: Flask) -> None:
    register_personal_data("public_register", register_data_of)
    register_erasure(public_register.remove_all)
    certificate_replaced.connect(on_replaced, weak=False)
