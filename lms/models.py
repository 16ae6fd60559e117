"""Core tables: users, their login sessions, password-reset links, site settings and stored
files."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.database import TimestampMixin, UTCDateTime, utcnow
from lms.extensions import db


class Role(StrEnum):
    TRAINEE = "trainee"
    TRAINER = "trainer"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.TRAINEE: _l("Trainee"),
    Role.TRAINER: _l("Trainer"),
    Role.ADMIN: _l("Administrator"),
}

_ROLE_VALUES = ", ".join(f"'{role.value}'" for role in Role)


class User(UserMixin, TimestampMixin, db.Model):
    """A person with an account. ``full_name`` is printed on certificates exactly as stored."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(f"role IN ({_ROLE_VALUES})", name="role_known"),)

    # Stored by lms.text.normalise_email (NFKC, case-folded): uniqueness ignores case and width.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    # Indexed: the admin dashboard counts the staff roles without reading every account.
    role: Mapped[str] = mapped_column(String(16), default=Role.TRAINEE.value, index=True)
    active: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str] = mapped_column(String(8), default="en")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the owner proved the address is theirs (lms/email_confirmation.py); accounts an
    # administrator, the CLI or the demo creates count as confirmed from the start.
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A new address asked for on the account page; ``email`` changes only when the link sent
    # to it is opened. Not unique: the first account to confirm an address gets it.
    pending_email: Mapped[str | None] = mapped_column(String(254))
    # When the account was deleted (lms/account_deletion.py): its personal data is erased,
    # the row stays so that what it did (certificates, graded results) keeps its owner.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    login_sessions: Mapped[list[LoginSession]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    # The raw token of the login session this object was loaded for (never stored).
    session_token = None

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str | None:
        """Flask-Login keeps this in the cookie: the login session's token, not the user id,
        so that ending a session server-side really logs that cookie out."""
        return self.session_token

    def has_role(self, *roles: Role | str) -> bool:
        return self.role in {str(role) for role in roles}

    @property
    def email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_trainer(self) -> bool:
        return self.role in (Role.TRAINER, Role.ADMIN)

    @property
    def role_label(self) -> str:
        return Role(self.role).label

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


class LoginSession(TimestampMixin, db.Model):
    """One signed-in browser. The cookie carries a random token; only its hash is stored."""

    __tablename__ = "login_sessions"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    ip_address: Mapped[str] = mapped_column(String(45), default="")

    user: Mapped[User] = relationship(back_populates="login_sessions")


class PasswordResetToken(TimestampMixin, db.Model):
    """A single-use, expiring link an administrator hands to a user (no mail server needed)."""

    __tablename__ = "password_reset_tokens"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class SiteSetting(TimestampMixin, db.Model):
    """A setting an administrator changes at run time (e.g. whether self-sign-up is open)."""

    __tablename__ = "site_settings"

    key: Mapped[str] = mapped_column(String(64), unique=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class OutboxState(StrEnum):
    QUEUED = "queued"  # waiting for its transaction's commit, then for the SMTP server
    SENT = "sent"
    FAILED = "failed"  # the SMTP server was down or refused; ``error`` says why
    KEPT = "kept"  # no SMTP server is configured: the outbox is where the message lives


class OutboxMessage(TimestampMixin, db.Model):
    """Every e-mail the site sends or would send, with what became of it (lms/mail.py)."""

    __tablename__ = "outbox_messages"

    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    language: Mapped[str] = mapped_column(String(8))
    headers: Mapped[dict] = mapped_column(db.JSON, default=dict)
    state: Mapped[str] = mapped_column(String(12), default=OutboxState.QUEUED, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)
    # The account it was written for (None for a bare address, or once the account is gone).
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # What to attach, built when the message is sent: [{"kind": "certificate_pdf", "ref": 12}].
    attachments: Mapped[list] = mapped_column(db.JSON, default=list)
    attempts: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class MailOptOut(db.Model):
    """A kind of message a user chose not to receive (lms/mail.py; security kinds always go)."""

    __tablename__ = "mail_opt_outs"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FileBlob(db.Model):
    """A stored file when ``LMS_FILE_STORAGE=database`` (see ``lms.file_storage``): its name
    (``uploads/…``, ``certificates/…``, ``jobs/…``), bytes, size and SHA-256."""

    __tablename__ = "file_blobs"

    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=func.now()
    )


class AuditEvent(db.Model):
    """One security or integrity event (lms/audit.py). Append-only: the code has no path that
    changes or deletes a row, and migration 0017 adds triggers that refuse UPDATE and DELETE.

    Ids are plain integers, not foreign keys: the log outlives what it names, and a foreign
    key's ``SET NULL`` would be an UPDATE the triggers refuse. The e-mail and label are
    snapshots, so a row reads the same after the account or object changed."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor_email: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(48), index=True)
    subject_type: Mapped[str] = mapped_column(String(32), default="")
    subject_id: Mapped[int | None] = mapped_column(Integer)
    subject_label: Mapped[str] = mapped_column(String(300), default="")
    details: Mapped[dict] = mapped_column(db.JSON, default=dict)
    # HMAC-SHA256 of the client address keyed by SECRET_KEY, as verification lookups store it.
    ip_hash: Mapped[str] = mapped_column(String(64), default="")


class CalendarFeedToken(TimestampMixin, db.Model):
    """The secret of a user's personal calendar feed (one per user): only its SHA-256 is
    stored; making a new one replaces the row, so the old address stops working."""

    __tablename__ = "calendar_feed_tokens"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
