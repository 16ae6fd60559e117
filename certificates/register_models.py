"""The public register of mediators (``/mediators``): the entries holders ask for, and the log
of their consents (``certificates.public_register`` owns the rules).

An entry is one holder and one qualification, not one certificate: the register shows the
holder's current valid certificate of that qualification, so after a renewal or a reissue the
entry follows the new certificate, and an entry whose certificate is revoked, suspended or
expired is simply not shown (the query filters it out; nothing has to run for it to go)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from certificates.models import Qualification
from lms.database import TimestampMixin, UTCDateTime, utcnow
from lms.extensions import db


class RegisterConsent(TimestampMixin, db.Model):
    """A consent to be listed, as given: the exact text shown, its language and version, when
    it was given and when it was withdrawn. Kept after a withdrawal (what was agreed to, and
    until when); it holds no contact details."""

    __tablename__ = "register_consents"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    qualification_id: Mapped[int] = mapped_column(
        ForeignKey("qualifications.id", ondelete="CASCADE")
    )
    version: Mapped[int]
    language: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RegisterEntry(TimestampMixin, db.Model):
    """What a holder asked to publish about one qualification they hold. Contacts are empty
    strings unless the holder typed them; the account's own e-mail is never used."""

    __tablename__ = "register_entries"
    __table_args__ = (UniqueConstraint("user_id", "qualification_id"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    qualification_id: Mapped[int] = mapped_column(
        ForeignKey("qualifications.id", ondelete="CASCADE"), index=True
    )
    consent_id: Mapped[int] = mapped_column(ForeignKey("register_consents.id"))
    # The name as on the holder's certificate (kept here to be searched; a reissue with a
    # corrected name updates it).
    name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(32), index=True)  # certificates.regions code
    languages: Mapped[str] = mapped_column(String(16))  # ",kk,ru," (searchable with LIKE)
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    qualification: Mapped[Qualification] = relationship()
    consent: Mapped[RegisterConsent] = relationship()

    # Filled by the register's query (``public_register.listed``): the current certificate.
    certificate_number: Mapped[str | None] = query_expression()
    valid_until = query_expression()

    @property
    def language_codes(self) -> list[str]:
        return [code for code in self.languages.split(",") if code]
