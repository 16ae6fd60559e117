"""The public register of mediators (issue 21): holders of a current certificate of a
qualification (not of attendance) may ask to be listed at ``/mediators`` and in its open JSON
feed. Not to be confused with ``views/register.py``, the trainers' list of every certificate.

- **Who is shown** (``register_list.listed``): an entry is one holder and one qualification.
  The query joins it to the holder's *current* certificate of that qualification that is
  valid today (status valid, ``live``, not expired by the site's date:
  ``lms.timezone.site_today``), the newest if a per-seminar qualification gives several; an
  entry with none is not shown. So a revocation,
  a suspension or an expiry hides the entry at once, with no job, and a reinstatement or a
  renewal shows it again; after a renewal or a reissue it follows the new certificate (and a
  reissue with a corrected name renames it: ``register_privacy``).
- **Consent** is the text shown in the reader's language, stored exactly as shown with its
  language, ``CONSENT_VERSION`` and the time (``RegisterConsent``); the form carries the text's
  SHA-256 and a text changed meanwhile is refused. Editing an entry keeps its consent.
  Withdrawing deletes the entry at once and dates the consent's withdrawal.
- **What is published**: the name as on the certificate, the qualification, the region, the
  languages of mediation, the validity date, and only the contact details the holder typed.

The public list's query and the feed's items are ``register_list``'s.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.orm import contains_eager

from certificates import regions
from certificates.models import Certificate, Qualification, QualificationKind
from certificates.register_list import LANGUAGES
from certificates.register_models import RegisterConsent, RegisterEntry
from certificates.status import holds
from lms import audit
from lms.cleaning import clean_line
from lms.database import commit_or_refuse, utcnow
from lms.extensions import db
from lms.models import User
from lms.service_error import ServiceError
from lms.text import normalise_email
from lms.text_limits import too_long
from lms.timezone import site_today

CONSENT_VERSION = 1  # raise it whenever the consent's text changes

LISTED = audit.register_action("register.listed", _l("Listed in the public register"))
CHANGED = audit.register_action("register.changed", _l("Public register entry changed"))
WITHDRAWN = audit.register_action("register.withdrawn", _l("Withdrawn from the public register"))


def consent_text() -> str:
    """The consent, in the reader's language (the version is ``CONSENT_VERSION``)."""
    return _(
        "I agree that %(site)s publishes in its public register of mediators, on this site and "
        "in its open data feed, my name as on my certificate, the qualification, its validity "
        "date, my region, the languages I mediate in and the contact details I gave above, for "
        "anyone to see, search and copy. I may withdraw this consent at any time on the "
        "\u201cMy certificates\u201d page: my entry is then removed at once. Copies that "
        "others have already made cannot be recalled.",
        site=current_app.config["SITE_NAME"],
    )


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# --- who may be listed --------------------------------------------------------------------


def refusal(certificate: Certificate, today: date | None = None) -> str | None:
    """Why ``certificate`` cannot be the ground of an entry, or None when it can."""
    if certificate.qualification.kind != QualificationKind.QUALIFICATION:
        return _("Only certificates of completion can be listed, not certificates of attendance.")
    if certificate.live != 1 or not holds(certificate, today or site_today()):
        return _(
            "Only a current, valid certificate can be listed: this one is suspended, revoked, "
            "expired or replaced."
        )
    return None


# --- what the holder types ----------------------------------------------------------------


@dataclass
class EntryData:
    region: str = ""
    languages: list[str] = field(default_factory=list)
    email: str = ""
    phone: str = ""
    website: str = ""


_PHONE = re.compile(r"\+?[0-9][0-9 ()\-]*")
_HOST_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")


def clean_phone(value: str) -> str:
    text = " ".join((value or "").split())
    if not text:
        return ""
    if len(text) > 32:
        raise ServiceError(too_long(32), field="phone")
    digits = sum(c.isdigit() for c in text)
    if not _PHONE.fullmatch(text) or not 10 <= digits <= 15:
        raise ServiceError(
            _l("Enter a phone number with its code, e.g. +7 701 234 56 78."), field="phone"
        )
    return text


def clean_website(value: str) -> str:
    text = (value or "").strip()
    if not text:
        return ""
    if len(text) > 300:
        raise ServiceError(too_long(300), field="website")
    if "://" not in text:
        text = "https://" + text
    problem = _l("Enter the address of a web page, e.g. https://example.kz.")
    if any(c.isspace() or ord(c) < 32 or c in "<>\"'\\" for c in text):
        raise ServiceError(problem, field="website")
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").encode("idna").decode("ascii")
    except (ValueError, UnicodeError):
        raise ServiceError(problem, field="website") from None
    labels = host.split(".")
    if (
        parts.scheme.lower() not in ("http", "https")
        or parts.username is not None
        or len(labels) < 2
        or not all(_HOST_LABEL.fullmatch(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise ServiceError(problem, field="website")
    return text


def clean(data: EntryData) -> EntryData:
    """The holder's choices checked, or a ``ServiceError`` naming the field."""
    if data.region not in regions.BY_CODE:
        raise ServiceError(_l("Choose your region from the list."), field="region")
    chosen = [code for code in LANGUAGES if code in set(data.languages)]
    if not chosen or len(chosen) != len(set(data.languages)):
        raise ServiceError(_l("Choose at least one language you mediate in."), field="languages")
    email = clean_line(data.email, field="email", limit=254)
    return EntryData(
        region=data.region,
        languages=chosen,
        email=normalise_email(email, field="email") if email else "",
        phone=clean_phone(data.phone),
        website=clean_website(data.website),
    )


# --- the holder's entry ---------------------------------------------------------------------


def entries_of(user: User) -> dict[int, RegisterEntry]:
    """Qualification id -> the user's entry (shown or not), one query."""
    return {
        entry.qualification_id: entry
        for entry in db.session.scalars(
            select(RegisterEntry).where(RegisterEntry.user_id == user.id)
        )
    }


def entry_of(user: User, qualification_id: int) -> RegisterEntry | None:
    return db.session.scalar(
        select(RegisterEntry).where(
            RegisterEntry.user_id == user.id, RegisterEntry.qualification_id == qualification_id
        )
    )


def save(
    user: User,
    certificate: Certificate,
    data: EntryData,
    *,
    consent: bool = False,
    shown_digest: str = "",
    today: date | None = None,
) -> RegisterEntry:
    """List ``user`` on the ground of ``certificate`` (theirs), or change their entry. A new
    entry needs the consent ticked and the text shown (``shown_digest``) to be the one in
    force in the reader's language; a change keeps the consent given."""
    if certificate.holder_id != user.id:
        raise ServiceError(_l("This certificate is not yours."))
    if (problem := refusal(certificate, today)) is not None:
        raise ServiceError(problem)
    data = clean(data)
    entry = entry_of(user, certificate.qualification_id)
    values = {
        "region": data.region,
        "languages": "," + ",".join(data.languages) + ",",
        "email": data.email,
        "phone": data.phone,
        "website": data.website,
    }
    if entry is None:
        text = consent_text()
        if not consent:
            raise ServiceError(
                _l("Tick the box to consent to the publication, or leave this page."),
                field="consent",
            )
        if shown_digest != digest(text):
            raise ServiceError(
                _l("The consent text has changed since the page was opened. Read it again."),
                field="consent",
            )
        given = RegisterConsent(
            user_id=user.id,
            qualification_id=certificate.qualification_id,
            version=CONSENT_VERSION,
            language=str(current_locale()),
            text=text,
            given_at=utcnow(),
        )
        db.session.add(given)
        db.session.flush()
        entry = RegisterEntry(
            user_id=user.id,
            qualification_id=certificate.qualification_id,
            consent_id=given.id,
            name=certificate.facts["holder"],
            updated_at=utcnow(),
            **values,
        )
        db.session.add(entry)
        audit.record(LISTED, actor=user, subject=_subject(certificate), details=_about(entry))
    else:
        changed = sorted(k for k, v in values.items() if getattr(entry, k) != v)
        if changed:
            for key, value in values.items():
                setattr(entry, key, value)
            entry.updated_at = utcnow()
            details = {**_about(entry), "changed": changed}
            audit.record(CHANGED, actor=user, subject=_subject(certificate), details=details)
    commit_or_refuse(_l("You are already listed for this qualification."))
    return entry


def withdraw(user: User, qualification_id: int) -> bool:
    """Remove ``user``'s entry at once and date the consent's withdrawal; False when there
    was none."""
    entry = entry_of(user, qualification_id)
    if entry is None:
        return False
    db.session.execute(
        update(RegisterConsent)
        .where(RegisterConsent.id == entry.consent_id, RegisterConsent.withdrawn_at.is_(None))
        .values(withdrawn_at=utcnow())
    )
    details = _about(entry)
    db.session.delete(entry)
    audit.record(
        WITHDRAWN,
        actor=user,
        subject=audit.Subject("register_entry", entry.id, f"qualification {qualification_id}"),
        details=details,
    )
    db.session.commit()
    return True


def remove_all(user: User) -> None:
    """Account deletion: every entry goes, every open consent is dated withdrawn (in the
    session; the deletion commits)."""
    db.session.execute(
        update(RegisterConsent)
        .where(RegisterConsent.user_id == user.id, RegisterConsent.withdrawn_at.is_(None))
        .values(withdrawn_at=utcnow())
    )
    db.session.execute(delete(RegisterEntry).where(RegisterEntry.user_id == user.id))


def _subject(certificate: Certificate) -> audit.Subject:
    return audit.Subject("certificate", certificate.id, certificate.number)


def _about(entry: RegisterEntry) -> dict:
    """What the audit log keeps: never the contact details themselves."""
    return {"qualification_id": entry.qualification_id, "consent_id": entry.consent_id}


def current_locale() -> str:
    from flask_babel import get_locale

    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


# --- the holder's cards on "My certificates" --------------------------------------------------


@dataclass
class Card:
    qualification: Qualification
    certificate: Certificate  # the newest valid current one, else the newest current one
    entry: RegisterEntry | None
    shown: bool  # the entry is in the public list today
    refusal: str | None  # why the certificate cannot be listed (None: it can)


def cards_of(user: User, today: date | None = None) -> list[Card]:
    """One card per qualification (not attendance) the user holds a current certificate of:
    their entry, and whether it is shown today. Three queries."""
    today = today or site_today()
    current = db.session.scalars(
        select(Certificate)
        .join(Qualification, Qualification.id == Certificate.qualification_id)
        .where(
            Certificate.holder_id == user.id,
            Certificate.live == 1,
            Qualification.kind == QualificationKind.QUALIFICATION.value,
        )
        .options(contains_eager(Certificate.qualification))
        .order_by(Certificate.id)
    ).all()
    ground: dict[int, Certificate] = {}
    for certificate in current:  # oldest first: a later valid one wins
        chosen = ground.get(certificate.qualification_id)
        if chosen is None or holds(certificate, today) or not holds(chosen, today):
            ground[certificate.qualification_id] = certificate
    entries = entries_of(user) if ground else {}
    cards = []
    for qualification_id, certificate in ground.items():
        problem = refusal(certificate, today)
        entry = entries.get(qualification_id)
        shown = entry is not None and not problem
        cards.append(Card(certificate.qualification, certificate, entry, shown, problem))
    return cards
