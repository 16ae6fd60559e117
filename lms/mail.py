"""E-mail: every message is rendered in its recipient's language, recorded in the outbox and,
when ``MAIL_URL`` names an SMTP server, delivered by the job queue after the transaction that
asked for it commits, with retries.

``send_mail(user_or_address, kind, template, subject=..., **context)`` is the one way to send:

* Every kind is registered once (``register_mail_kind``) with a label for the user's
  preferences page; security kinds always go, the others only to active accounts that did not
  opt out (``MailOptOut``), with ``List-Unsubscribe`` (and RFC 8058 one-click) headers and an
  unsubscribe link in the footer.
* ``lms/templates/mail/<template>.txt`` and ``.html`` (or a feature's ``templates/mail/``) are
  rendered under the recipient's language, with ``site_name``, ``public_url`` and
  ``unsubscribe_url`` in the context; ``absolute_url()`` builds the links they carry.
* The message is added to the caller's database session as an ``OutboxMessage``; it is
  handed to the queue only once that session commits (nothing is sent on rollback; a row
  whose hand-over failed is found by the sweep). Called while the session has no uncommitted
  writes (outside a request, after a commit), it commits at once.
* Attachments are references (``register_attachment``), built when the message is sent.
* Without ``MAIL_URL`` the message stays in the outbox (state ``kept``), which administrators
  read at /admin/outbox. With it, the row becomes ``sent``, or stays ``queued`` with the error
  while the queue retries, then ``failed``: an SMTP server that is down never loses a message
  and never turns the request into a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from flask import Flask, current_app, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_mailman import EmailMultiAlternatives, Mail
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, select, update
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from lms import jobs
from lms.database import utcnow
from lms.extensions import db
from lms.models import MailOptOut, OutboxMessage, OutboxState, User

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MailKind:
    name: str
    label: Any  # lazy strings: shown on the preferences page in the reader's language
    group: Any
    security: bool = False
    staff_only: bool = False
    # Why a kind that always goes cannot be turned off (default: it keeps the account safe).
    always_note: Any = None


@dataclass(frozen=True)
class Attachment:
    filename: str
    mimetype: str
    data: bytes


MAIL_KINDS: dict[str, MailKind] = {}
ATTACHMENTS: dict[str, Callable[[Any], Attachment | None]] = {}
DELIVER_TASK = "lms.deliver_mail"
# A queued message untouched this long was never handed over (or its worker died).
SWEEP_AFTER = timedelta(minutes=5)


def register_mail_kind(
    name: str,
    *,
    label,
    group,
    security: bool = False,
    staff_only: bool = False,
    always_note=None,
) -> MailKind:
    """Declare a kind of message (once, at import time). Security kinds always go;
    ``always_note`` (lazy) says why on the preferences page when it is not the account's
    safety."""
    kind = MailKind(name, label, group, security, staff_only, always_note)
    MAIL_KINDS[name] = kind
    return kind


def register_attachment(kind: str, build: Callable[[Any], Attachment | None]) -> None:
    """``build(ref)`` makes the file when the message is sent; None: no longer available."""
    ATTACHMENTS[kind] = build


_ACCOUNT = _l("Your account")
register_mail_kind(
    "password_reset", label=_l("Links to set a new password"), group=_ACCOUNT, security=True
)
register_mail_kind(
    "email_confirmation",
    label=_l("Links to confirm your e-mail address"),
    group=_ACCOUNT,
    security=True,
)
register_mail_kind(
    "account_created",
    label=_l("Links to set the password of an account an administrator made for you"),
    group=_ACCOUNT,
    security=True,
)
register_mail_kind(
    "email_change_notice",
    label=_l("Notices that your e-mail address is being changed"),
    group=_ACCOUNT,
    security=True,
)


def is_security(kind: str) -> bool:
    return MAIL_KINDS[kind].security


def kinds_for(user: User) -> list[MailKind]:
    """The kinds a user may choose about, in registration order (staff kinds for staff)."""
    return [k for k in MAIL_KINDS.values() if not k.staff_only or user.is_trainer]


def opted_out(user: User, kind: str) -> bool:
    return db.session.get(MailOptOut, (user.id, kind)) is not None


def chosen_kinds(user: User) -> set[str]:
    """The kinds the user receives (every non-security kind not opted out of)."""
    out = set(db.session.scalars(select(MailOptOut.kind).where(MailOptOut.user_id == user.id)))
    return {k.name for k in kinds_for(user) if k.security or k.name not in out}


def set_preferences(user: User, wanted: Iterable[str]) -> None:
    """Receive exactly ``wanted`` of the optional kinds (the caller commits)."""
    wanted = set(wanted)
    for kind in kinds_for(user):
        if kind.security:
            continue
        row = db.session.get(MailOptOut, (user.id, kind.name))
        if kind.name in wanted and row is not None:
            db.session.delete(row)
        elif kind.name not in wanted and row is None:
            db.session.add(MailOptOut(user_id=user.id, kind=kind.name))


def unsubscribe(user: User, kind: str) -> bool:
    """Stop one kind for one user (the caller commits); False for a security or unknown kind."""
    known = MAIL_KINDS.get(kind)
    if known is None or known.security:
        return False
    if db.session.get(MailOptOut, (user.id, kind)) is None:
        db.session.add(MailOptOut(user_id=user.id, kind=kind))
    return True


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="lms-unsubscribe")


def unsubscribe_token(user: User, kind: str) -> str:
    """Long-lived on purpose: an unsubscribe link in an old message must still work."""
    return _serializer().dumps([user.id, kind])


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    try:
        user_id, kind = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(user_id, int) or kind not in MAIL_KINDS:
        return None
    return user_id, kind


_PENDING = "lms_mail_pending"
_WROTE = "lms_mail_wrote"  # the session has flushed writes that are not committed yet
mail = Mail()


class MailSettingsError(ValueError):
    """``MAIL_URL`` cannot be read."""


def smtp_settings(url: str) -> dict:
    """Flask-Mailman's SMTP backend arguments from ``smtp://user:pass@host:587?tls=starttls``
    (or ``smtps://...:465`` for TLS from the first byte)."""
    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
        raise MailSettingsError("the mail URL must look like smtp://user:password@host:587")
    query = parse_qs(parts.query)
    tls = (query.get("tls") or [""])[0].lower()
    ssl = parts.scheme == "smtps"
    return {
        "host": parts.hostname,
        "port": parts.port or (465 if ssl else 25),
        "username": unquote(parts.username) if parts.username else "",
        "password": unquote(parts.password) if parts.password else "",
        "use_ssl": ssl,
        "use_tls": not ssl and tls in {"starttls", "1", "true", "yes"},
        "timeout": current_app.config["MAIL_TIMEOUT_SECONDS"],
    }


def absolute_url(endpoint: str, **values) -> str:
    """The public address of a page (``PUBLIC_URL`` and its path), for links in messages."""
    if has_request_context():
        path = url_for(endpoint, **values)
    else:
        with current_app.test_request_context():
            path = url_for(endpoint, **values)
    return current_app.config["PUBLIC_URL"] + path


def _render(name: str, **context) -> str:
    """A mail template with only its own context: no page globals (no current user), which a
    message rendered outside a request does not have."""
    return current_app.jinja_env.get_template(name).render(**context)


def _recipient(user_or_address: User | str, to_address: str | None) -> tuple[str, str]:
    if isinstance(user_or_address, User):
        language = user_or_address.language
        address = to_address or user_or_address.email
    else:
        language, address = current_app.config["BABEL_DEFAULT_LOCALE"], user_or_address
    if language not in current_app.config["LANGUAGES"]:
        language = current_app.config["BABEL_DEFAULT_LOCALE"]
    return address, language


def send_mail(
    user_or_address: User | str,
    kind: str,
    template: str,
    *,
    subject: str | Callable[[], str],
    attachments: Iterable[tuple[str, Any]] = (),
    to_address: str | None = None,
    **context,
) -> OutboxMessage | None:
    """Render and record one message; it goes after the current transaction commits.

    ``subject`` is a lazy string (``_l(...)``) or a function, evaluated in the recipient's
    language. Returns None, recording nothing, for a user who opted out of the kind, a
    deactivated account (except security kinds), a deleted account or no address.
    ``to_address`` sends a user's message to another address of theirs (a new address
    waiting for confirmation), still in the user's language."""
    known = MAIL_KINDS.get(kind)
    if known is None:
        raise ValueError(f"unknown kind of message {kind!r}: register_mail_kind it first")
    user = user_or_address if isinstance(user_or_address, User) else None
    if user is not None and user.deleted_at is not None:
        return None  # a deleted account's address is a tombstone: nothing goes, not even security
    if user is not None and not known.security and (not user.active or opted_out(user, kind)):
        return None
    address, language = _recipient(user_or_address, to_address)
    if not address:
        return None
    attachments = [{"kind": name, "ref": ref} for name, ref in attachments]
    for item in attachments:
        if item["kind"] not in ATTACHMENTS:
            raise ValueError(f"unknown attachment {item['kind']!r}: register_attachment it")
    config = current_app.config
    headers: dict[str, str] = {}
    unsubscribe_url = None
    if user is not None and not known.security:
        unsubscribe_url = absolute_url("account.unsubscribe", token=unsubscribe_token(user, kind))
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    context = {
        "site_name": config["SITE_NAME"],
        "public_url": config["PUBLIC_URL"],
        "recipient": user,
        "language": language,
        "unsubscribe_url": unsubscribe_url,
        "preferences_url": absolute_url("account.notifications") if user is not None else None,
        **context,
    }
    with force_locale(language):
        # One line whatever the titles in it hold: a line break in a header would end it
        # (and could start another, such as Bcc). Other spaces (no-break ones in dates) stay.
        title = " ".join(str(subject() if callable(subject) else subject).splitlines())
        text = _render(f"mail/{template}.txt", subject=title, **context)
        html = _render(f"mail/{template}.html", subject=title, **context)
    smtp = bool(config["MAIL_URL"])
    message = OutboxMessage(
        to_address=address,
        subject=title[:300],
        text=text,
        html=html,
        kind=kind,
        language=language,
        headers=headers,
        user_id=user.id if user is not None else None,
        attachments=attachments,
        state=OutboxState.QUEUED if smtp else OutboxState.KEPT,
    )
    session = db.session()
    # Reads do not count: only writes not yet committed make the message wait for the commit.
    idle = not (session.new or session.dirty or session.deleted or session.info.get(_WROTE))
    session.add(message)
    if smtp:
        session.flush()
        session.info.setdefault(_PENDING, []).append(message.id)
    if idle:
        session.commit()
    return message


def build_attachments(message: OutboxMessage | dict) -> list[Attachment]:
    """The message's attachments, made now; those no longer available are left out."""
    items = message["attachments"] if isinstance(message, dict) else message.attachments
    built = []
    for item in items or []:
        build = ATTACHMENTS.get(item.get("kind"))
        made = build(item.get("ref")) if build is not None else None
        if made is not None:
            built.append(made)
    return built


class NotSentYet(Exception):
    """The SMTP server was down or refused; the queue tries again later."""


def deliver(message_id: int, *, final: bool = True) -> bool:
    """Send one queued outbox message through the SMTP server.

    Claims the row first (a message handed over twice goes once). On success the row is
    ``sent``; on failure it keeps the error in words and stays ``queued`` for the next try,
    or becomes ``failed`` when ``final``. Uses connections of its own, so it may run right
    after a commit. Returns whether the message went (or had already gone)."""
    table = OutboxMessage.__table__
    with db.engine.begin() as connection:
        row = connection.execute(table.select().where(table.c.id == message_id)).mappings().first()
        if row is None or row["state"] != OutboxState.QUEUED.value:
            return row is not None and row["state"] == OutboxState.SENT.value
        claimed = connection.execute(
            update(table)
            .where(
                table.c.id == message_id,
                table.c.state == OutboxState.QUEUED.value,
                table.c.attempts == row["attempts"],
            )
            .values(attempts=row["attempts"] + 1, updated_at=utcnow())
        ).rowcount
    if not claimed:
        return False
    config = current_app.config
    error = None
    try:
        connection_ = mail.get_connection(backend="smtp", **smtp_settings(config["MAIL_URL"]))
        email = EmailMultiAlternatives(
            subject=row["subject"],
            body=row["text"],
            from_email=config["MAIL_FROM"],
            to=[row["to_address"]],
            headers=dict(row["headers"] or {}),
            connection=connection_,
        )
        email.attach_alternative(row["html"], "text/html")
        for made in build_attachments(dict(row)):
            email.attach(made.filename, made.data, made.mimetype)
        email.send()
    except Exception as exc:  # any failure of the server or the network is kept, in words
        error = f"{type(exc).__name__}: {exc}"[:2000] or type(exc).__name__
        log.warning("mail %s to %s failed: %s", message_id, row["to_address"], error)
    if error is None:
        values = {"state": OutboxState.SENT.value, "sent_at": utcnow(), "error": None}
    elif final:
        values = {"state": OutboxState.FAILED.value, "error": error}
    else:
        values = {"error": error}
    values["updated_at"] = utcnow()
    with db.engine.begin() as connection:
        connection.execute(update(table).where(table.c.id == message_id).values(**values))
    return error is None


def _deliver_task(message_id: int, *, retries_left: int) -> None:
    if not deliver(message_id, final=retries_left <= 0):
        row = db.session.get(OutboxMessage, message_id)
        if row is not None and row.state == OutboxState.QUEUED:
            raise NotSentYet(row.error or "not sent")


jobs.register_task(DELIVER_TASK, _deliver_task)


def dispatch(message_id: int) -> None:
    """Hand one message to the queue (in tests, where the queue runs in-process, it goes now)."""
    jobs.call_later(DELIVER_TASK, message_id)


def send_again(message: OutboxMessage) -> bool:
    """An administrator's retry of a failed message: queued again, handed over after commit."""
    if message.state != OutboxState.FAILED or not current_app.config["MAIL_URL"]:
        return False
    message.state = OutboxState.QUEUED
    db.session.flush()
    db.session.info.setdefault(_PENDING, []).append(message.id)
    return True


def _sweep_outbox(now) -> int:
    """Queued messages nobody has touched for a while: their hand-over failed or their worker
    died. Touched, so each is handed over again at most once per sweep interval."""
    if not current_app.config["MAIL_URL"]:
        return 0
    ids = db.session.scalars(
        select(OutboxMessage.id).where(
            OutboxMessage.state == OutboxState.QUEUED.value,
            OutboxMessage.updated_at < now - SWEEP_AFTER,
        )
    ).all()
    if not ids:
        return 0
    db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(updated_at=now)
    )
    db.session.commit()
    for message_id in ids:
        try:
            dispatch(message_id)
        except Exception:
            log.exception("mail %s could not be handed to the queue", message_id)
    return len(ids)


jobs.register_sweeper(_sweep_outbox)


def clean_outbox(now=None) -> int:
    """Remove messages settled more than ``OUTBOX_KEEP_DAYS`` ago (sent, kept or failed;
    a message still queued stays whatever its age)."""
    now = now or utcnow()
    cutoff = now - timedelta(days=current_app.config["OUTBOX_KEEP_DAYS"])
    removed = db.session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.state != OutboxState.QUEUED.value, OutboxMessage.updated_at < cutoff
        )
    ).rowcount
    db.session.commit()
    return removed


jobs.register_schedule("outbox_clean_up", clean_outbox, minute="41", hour="3")


def _after_flush(session: Session, flush_context) -> None:
    session.info[_WROTE] = True


def _after_commit(session: Session) -> None:
    session.info.pop(_WROTE, None)
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    for message_id in pending:
        try:
            dispatch(message_id)
        except Exception:  # the row stays queued; the sweep hands it over later
            log.exception("mail %s could not be handed to the queue", message_id)


def _after_soft_rollback(session: Session, previous_transaction) -> None:
    if not previous_transaction.nested:
        session.info.pop(_PENDING, None)
        session.info.pop(_WROTE, None)


def init_app(app: Flask) -> None:
    mail.init_app(app)
    session_class = db.session.session_factory.class_
    if not sa_event.contains(session_class, "after_commit", _after_commit):
        sa_event.listen(session_class, "after_commit", _after_commit)
        sa_event.listen(session_class, "after_soft_rollback", _after_soft_rollback)
        sa_event.listen(session_class, "after_flush", _after_flush)
