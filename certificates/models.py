"""Qualifications, what trainees provide for them, certificates and their life, lookups."""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    event,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from certificates.signing import assemble
from courses.models import Course
from lms.database import TimestampMixin, UTCDateTime, utcnow
from lms.extensions import db
from lms.models import User
from quizzes.models import Criterion
from seminars.models import Seminar

HOURS = Numeric(6, 1)


class QualificationKind(StrEnum):
    QUALIFICATION = "qualification"  # certificate of qualification
    ATTENDANCE = "attendance"  # certificate of attendance for a seminar


def _localised(data: dict[str, str], locale: str) -> str:
    return data.get(locale) or data.get("en") or next(iter(data.values()), "")


class Qualification(TimestampMixin, db.Model):
    __tablename__ = "qualifications"
    __table_args__ = (
        CheckConstraint("kind IN ('qualification', 'attendance')", name="kind_known"),
        CheckConstraint(
            "compensable_average IS NULL OR compensable_average BETWEEN 0 AND 100",
            name="average_percent",
        ),
    )

    slug: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    titles_json: Mapped[str] = mapped_column(Text)  # {"en": ..., "ru": ..., "kk": ...}
    disclaimers_json: Mapped[str] = mapped_column(Text)  # printed on the certificate
    compensable_average: Mapped[int | None]
    min_hours: Mapped[Decimal | None] = mapped_column(HOURS)
    required_session_topics: Mapped[str] = mapped_column(Text, default="")  # one per line
    declaration_text: Mapped[str] = mapped_column(Text, default="")  # empty: none required
    declaration_valid_days: Mapped[int | None]
    requires_identity: Mapped[bool] = mapped_column(default=True)
    min_age: Mapped[int | None]
    requires_higher_education: Mapped[bool] = mapped_column(default=False)
    validity_months: Mapped[int | None]  # None: does not expire
    # Renewal by continuing education (migration 0028): hours needed in each period of
    # validity, of which ethics hours; None: renewal needs no hours (certificates.ce_models).
    ce_hours: Mapped[Decimal | None] = mapped_column(HOURS)
    ce_ethics_hours: Mapped[Decimal | None] = mapped_column(HOURS)
    self_claim: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    # The certificate's design (certificates.facts.TEMPLATES): "classic" or "bilingual".
    certificate_template: Mapped[str] = mapped_column(
        String(16), default="classic", server_default="classic"
    )

    courses: Mapped[list[Course]] = relationship(secondary="qualification_courses")
    criteria: Mapped[list[Criterion]] = relationship(secondary="qualification_criteria")

    @property
    def titles(self) -> dict[str, str]:
        return json.loads(self.titles_json)

    @property
    def disclaimers(self) -> dict[str, str]:
        return json.loads(self.disclaimers_json)

    def title(self, locale: str) -> str:
        return _localised(self.titles, locale)

    def disclaimer(self, locale: str) -> str:
        return _localised(self.disclaimers, locale)

    @property
    def session_topics(self) -> list[str]:
        return [t.strip() for t in self.required_session_topics.splitlines() if t.strip()]

    @property
    def per_seminar(self) -> bool:
        """Whether a certificate of this qualification is about one seminar (attendance, or
        hours or named sessions counted within one seminar): then a holder has one per
        seminar and eligibility is checked per seminar; otherwise one per holder, whichever
        seminar (if any) it was issued through. The one owner of this rule: issuance's
        ``seminar_key``, the issuing page, the ZIP and the holder's pages all ask it."""
        return (
            self.kind == QualificationKind.ATTENDANCE
            or self.min_hours is not None
            or bool(self.session_topics)
        )


class QualificationCourse(db.Model):
    __tablename__ = "qualification_courses"

    qualification_id: Mapped[int] = mapped_column(
        ForeignKey("qualifications.id", ondelete="CASCADE"), primary_key=True
    )
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True
    )


class QualificationCriterion(db.Model):
    __tablename__ = "qualification_criteria"

    qualification_id: Mapped[int] = mapped_column(
        ForeignKey("qualifications.id", ondelete="CASCADE"), primary_key=True
    )
    criterion_id: Mapped[int] = mapped_column(
        ForeignKey("criteria.id", ondelete="CASCADE"), primary_key=True
    )


class EthicsDeclaration(TimestampMixin, db.Model):
    """A trainee's signature under a qualification's declaration: the text as signed, in the
    language it was signed in (later edits of the declaration or its translations never change
    what was signed)."""

    __tablename__ = "ethics_declarations"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    qualification_id: Mapped[int] = mapped_column(
        ForeignKey("qualifications.id", ondelete="CASCADE")
    )
    text: Mapped[str] = mapped_column(Text)
    # The language of ``text``: the original's ("en") or a translation's (migration 0021).
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    signed_name: Mapped[str] = mapped_column(String(200))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IdentityConfirmation(TimestampMixin, db.Model):
    """What a trainer checked on an identity document. No document numbers are kept."""

    __tablename__ = "identity_confirmations"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    legal_name: Mapped[str] = mapped_column(String(200))  # as on the identity document
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    higher_education: Mapped[bool] = mapped_column(default=False)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    confirmed_by: Mapped[User | None] = relationship(foreign_keys=[confirmed_by_id])


class CertificateStatus(StrEnum):
    VALID = "valid"  # shown as "expired" once the expiry date has passed
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"


class FactsDictionary(db.Model):
    """A preset dictionary for compressing certificates' facts (zlib's ``zdict``): the facts of
    one certificate, which the next ones of its qualification and language repeat almost
    word for word (titles, criteria, rules, disclaimer), so each stores only what differs
    (about 100-200 bytes instead of about 1 KB). Rows are immutable and named by their
    content's SHA-256 (16 hex digits), so a process may keep them in memory for ever."""

    __tablename__ = "facts_dictionaries"

    digest: Mapped[str] = mapped_column(String(16), primary_key=True)
    qualification_id: Mapped[int | None] = mapped_column(
        ForeignKey("qualifications.id", ondelete="SET NULL"), index=True
    )
    language: Mapped[str] = mapped_column(String(8))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# A dictionary is replaced (for new certificates) once it no longer saves two thirds of what
# plain compression gives: the qualification's texts have changed.
DICTIONARY_GAIN = 3
_DICTIONARIES: dict[str, bytes] = {}  # digest -> data, for this process (content-addressed)


def _dictionary_data(digest: str) -> bytes:
    data = _DICTIONARIES.get(digest)
    if data is None:
        data = db.session.scalar(
            select(FactsDictionary.data).where(FactsDictionary.digest == digest)
        )
        if data is None:
            raise LookupError(f"facts dictionary {digest} is missing")
        _DICTIONARIES[digest] = data = bytes(data)
    return data


def _compress(raw: bytes, dictionary: bytes) -> bytes:
    packer = zlib.compressobj(9, zdict=dictionary)
    return packer.compress(raw) + packer.flush()


@event.listens_for(Session, "after_soft_rollback")
def _forget_current_dictionaries(session, previous_transaction) -> None:
    """A dictionary made in a transaction that was rolled back is gone: forget it as current."""
    session.info.pop("facts_dictionaries", None)


def _current_dictionary(qualification_id: int, language: str) -> str | None:
    cache = db.session.info.setdefault("facts_dictionaries", {})
    key = (qualification_id, language)
    if key not in cache:
        cache[key] = db.session.scalar(
            select(FactsDictionary.digest)
            .where(
                FactsDictionary.qualification_id == qualification_id,
                FactsDictionary.language == language,
            )
            .order_by(FactsDictionary.created_at.desc(), FactsDictionary.digest)
            .limit(1)
        )
    return cache[key]


def _new_dictionary(qualification_id: int, language: str, raw: bytes) -> str:
    digest = hashlib.sha256(raw).hexdigest()[:16]
    if db.session.get(FactsDictionary, digest) is None:
        try:
            with db.session.begin_nested():
                db.session.add(
                    FactsDictionary(
                        digest=digest,
                        qualification_id=qualification_id,
                        language=language,
                        data=raw,
                    )
                )
        except IntegrityError:  # another process stored the same one: the same content
            pass
    _DICTIONARIES[digest] = raw
    db.session.info.setdefault("facts_dictionaries", {})[(qualification_id, language)] = digest
    return digest


def pack_facts(qualification_id: int | None, language: str, raw: bytes) -> tuple[str | None, bytes]:
    """``raw`` (the signed facts) compressed for storage: with the current dictionary of its
    qualification and language, a new one made from ``raw`` itself when there is none or it
    no longer fits; plain zlib without a qualification."""
    plain = zlib.compress(raw, 9)
    if qualification_id is None:
        return None, plain
    digest = _current_dictionary(qualification_id, language)
    if digest is not None:
        packed = _compress(raw, _dictionary_data(digest))
        if len(packed) * DICTIONARY_GAIN <= len(plain):
            return digest, packed
    digest = _new_dictionary(qualification_id, language, raw)
    return digest, _compress(raw, raw)


def unpack_facts(digest: str | None, data: bytes) -> bytes:
    if digest is None:
        return zlib.decompress(data)
    unpacker = zlib.decompressobj(zdict=_dictionary_data(digest))
    return unpacker.decompress(data) + unpacker.flush()


class SignedFacts:
    """Reading what a stored certificate signed: its facts (canonical JSON, compressed in
    ``facts_zlib`` with the preset dictionary ``facts_dictionary``) and its compact JWS
    (rebuilt from ``key_id`` and ``jws_signature``, or ``jws_exact``). Shared by the ORM
    ``Certificate`` and the verification's read-only row (``verification.PublicCertificate``).

    The decompressed payload is kept on the object while ``facts_zlib`` is the same bytes
    object: a verification page reads it three or four times (signature, facts, token)."""

    facts_zlib: bytes | None
    facts_dictionary: str | None
    key_id: str
    jws_signature: str
    jws_exact: str | None

    def _payload(self) -> bytes:
        stored, digest = self.facts_zlib, self.facts_dictionary
        memo = self.__dict__.get("_payload_memo")
        if memo is not None and memo[0] is stored and memo[1] == digest:
            return memo[2]
        payload = unpack_facts(digest, stored)
        self.__dict__["_payload_memo"] = (stored, digest, payload)
        return payload

    def facts_payload(self) -> bytes | None:
        """The signed facts as canonical JSON bytes (the payload of the JWS)."""
        return None if self.facts_zlib is None else self._payload()

    @property
    def facts(self) -> dict:
        """The signed facts, a new dict on every call (callers may change their copy)."""
        return json.loads(self._payload())

    def signed_token(self) -> str:
        """The compact JWS of the certificate, exactly as signed at issue."""
        if self.jws_exact:
            return self.jws_exact
        return assemble(self.key_id, self._payload(), self.jws_signature)


class Certificate(SignedFacts, TimestampMixin, db.Model):
    """An issued certificate. ``facts_json`` is what it states, frozen and signed at issue.

    ``live`` is 1 while the certificate is the current one of its holder, qualification and
    seminar (``seminar_key`` is the seminar id or 0) and NULL once superseded, so the unique
    constraint allows one current certificate each, on every database, whatever the race.
    """

    __tablename__ = "certificates"
    __table_args__ = (
        UniqueConstraint("holder_id", "qualification_id", "seminar_key", "live"),
        CheckConstraint(
            "status IN ('valid', 'suspended', 'revoked', 'superseded')", name="status_known"
        ),
        CheckConstraint("live IS NULL OR live = 1", name="live_flag"),
    )

    number: Mapped[str] = mapped_column(String(40), unique=True)
    qualification_id: Mapped[int] = mapped_column(ForeignKey("qualifications.id"), index=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    seminar_id: Mapped[int | None] = mapped_column(
        ForeignKey("seminars.id", ondelete="SET NULL"), index=True
    )
    seminar_key: Mapped[int] = mapped_column(default=0)
    live: Mapped[int | None] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(16), default=CertificateStatus.VALID.value)
    # Why it was suspended or revoked: a code from ``status_reasons.STATUS_REASONS`` and an optional
    # note, both public; ``status_note`` is the trainer's own note, shown only to staff.
    status_reason_code: Mapped[str] = mapped_column(String(32), default="", server_default="")
    status_public_note: Mapped[str] = mapped_column(String(300), default="", server_default="")
    status_note: Mapped[str] = mapped_column(Text, default="")
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    issued_on: Mapped[date] = mapped_column(Date)
    # Indexed: the daily expiry reminders read only what expires within 60 days (0015).
    expires_on: Mapped[date | None] = mapped_column(Date, index=True)
    language: Mapped[str] = mapped_column(String(8))
    # The facts as canonical JSON, exactly what was signed, stored zlib-compressed (a 2.7 KB
    # record takes 1.1 KB; read and written as ``facts_json``). Migration 0016.
    facts_zlib: Mapped[bytes] = mapped_column(LargeBinary)
    # The preset dictionary ``facts_zlib`` was compressed with (``FactsDictionary``), if any:
    # certificates issued since migration 0019 store about 150 bytes of facts, not 1.1 KB.
    facts_dictionary: Mapped[str | None] = mapped_column(
        ForeignKey("facts_dictionaries.digest"), default=None
    )
    key_id: Mapped[str] = mapped_column(String(64))
    # The JWS is not stored twice: its payload is ``facts_json`` and its header the standard
    # one of ``key_id``, so only its signature (third part) is kept and ``jws`` rebuilds the
    # token byte for byte; ``jws_exact`` holds a whole token only when it cannot be rebuilt
    # (signed elsewhere with another header, or not over ``facts_json``). Migration 0016.
    jws_signature: Mapped[str] = mapped_column(String(128), default="", server_default="")
    jws_exact: Mapped[str | None] = mapped_column(Text)
    pdf_path: Mapped[str] = mapped_column(String(300), default="")
    pdf_sha256: Mapped[str] = mapped_column(String(64), default="")
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))

    qualification: Mapped[Qualification] = relationship()
    holder: Mapped[User] = relationship(foreign_keys=[holder_id])
    seminar: Mapped[Seminar | None] = relationship()
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])
    replaced_by: Mapped[Certificate | None] = relationship(
        foreign_keys=[replaced_by_id], remote_side="Certificate.id"
    )
    events: Mapped[list[CertificateEvent]] = relationship(
        order_by="CertificateEvent.id", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def facts_json(self) -> str | None:
        """The signed facts as canonical JSON (the payload of the JWS)."""
        if self.facts_zlib is None:
            return None
        return self._payload().decode()

    @facts_json.setter
    def facts_json(self, text: str) -> None:
        """Stored compressed with the dictionary of the certificate's qualification and
        language (set those first, as the constructor's keyword order does)."""
        self.facts_dictionary, self.facts_zlib = pack_facts(
            self.qualification_id, self.language or "", text.encode()
        )

    @property
    def jws(self) -> str:
        """The compact JWS of the certificate, exactly as signed at issue."""
        return self.signed_token()

    @jws.setter
    def jws(self, token: str) -> None:
        """Keep ``token``: as its signature alone when ``facts_json`` is its payload and its
        header the standard one (then ``key_id`` is the key it names), else whole."""
        parts = token.split(".")
        self.jws_signature = parts[-1] if len(parts) == 3 else ""
        self.jws_exact = token
        if len(parts) != 3 or self.facts_zlib is None:
            return
        padded = parts[0] + "=" * (-len(parts[0]) % 4)
        try:
            kid = json.loads(base64.urlsafe_b64decode(padded))["kid"]
        except (ValueError, TypeError, KeyError):
            return
        payload = self._payload()
        if isinstance(kid, str) and assemble(kid, payload, parts[2]) == token:
            self.key_id = kid
            self.jws_exact = None


class CertificateEvent(TimestampMixin, db.Model):
    """The audit trail of a certificate: issue, suspend, reinstate, revoke, reissue, renew."""

    __tablename__ = "certificate_events"

    certificate_id: Mapped[int] = mapped_column(
        ForeignKey("certificates.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")  # the trainer's note: staff only
    # Public (suspend, revoke). Server defaults: migration 0009 added the columns in place.
    reason_code: Mapped[str] = mapped_column(String(32), default="", server_default="")
    public_note: Mapped[str] = mapped_column(String(300), default="", server_default="")
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    by: Mapped[User | None] = relationship()


class VerificationLookup(TimestampMixin, db.Model):
    """Public lookups, counted without personal data: the IP only as a keyed hash. A row is
    ``count`` lookups of one kind in the window that began ``at``; rows are only inserted, in
    batches (``lookup_counts``), so the total of anything is the sum of ``count``."""

    __tablename__ = "verification_lookups"

    certificate_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificates.id", ondelete="SET NULL"), index=True
    )
    outcome: Mapped[str] = mapped_column(String(16))  # found, unknown, typo, malformed
    channel: Mapped[str] = mapped_column(String(8))  # page, api
    ip_hash: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(default=1, server_default="1")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
