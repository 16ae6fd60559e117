"""E-mail: every message is rendered in its recipient's language, recorded in the outbox and,
when ``MAIL_URL`` names an SMTP server, sent after the transaction that asked for it commits.

``send_mail(user_or_address, kind, template, subject=..., **context)`` is the one way to send:

* ``lms/templates/mail/<template>.txt`` and ``.html`` are rendered under the recipient's
  language (``User.language``; a bare address gets the site's default), with ``site_name``
  and ``public_url`` in the context; ``absolute_url()`` builds the links they carry.
* The message is added to the caller's database session as an ``OutboxMessage``; it is
  sent only once that session commits (nothing is sent on rollback). Called while the session
  has no uncommitted writes (outside a request, after a commit), it commits at once and so
  sends at once.
* Without ``MAIL_URL`` the message stays in the outbox (state ``kept``), which administrators
  read at /admin/outbox. With it, the row becomes ``sent`` or ``failed`` with the error in
  words: an SMTP server that is down or refuses never turns the request into a 500.
* Every kind except the security kinds carries a ``List-Unsubscribe`` header.

``deliver(message_id)`` sends one outbox row; the job queue can call it instead of the
after-commit hook (and retry it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import parse_qs, unquote, urlsplit

from flask import Flask, current_app, has_request_context, url_for
from flask_babel import force_locale
from flask_mailman import EmailMultiAlternatives, Mail
from sqlalchemy import event, update
from sqlalchemy.orm import Session

from lms.database import utcnow
from lms.extensions import db
from lms.models import OutboxMessage, OutboxState, User

log = logging.getLogger(__name__)

# Kinds that always go and never offer to unsubscribe.
SECURITY_KINDS = frozenset({"password_reset", "email_confirmation", "email_change_notice"})

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
    to_address: str | None = None,
    **context,
) -> OutboxMessage:
    """Render and record one message; it goes after the current transaction commits.

    ``subject`` is a lazy string (``_l(...)``) or a function, evaluated in the recipient's
    language. ``to_address`` sends a user's message to another address of theirs (a new
    address waiting for confirmation), still in the user's language."""
    address, language = _recipient(user_or_address, to_address)
    config = current_app.config
    headers: dict[str, str] = {}
    if kind not in SECURITY_KINDS:
        headers["List-Unsubscribe"] = f"<{absolute_url('account.profile')}>"
    context = {
        "site_name": config["SITE_NAME"],
        "public_url": config["PUBLIC_URL"],
        "recipient": user_or_address if isinstance(user_or_address, User) else None,
        "language": language,
        **context,
    }
    with force_locale(language):
        title = str(subject() if callable(subject) else subject)
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


def deliver(message_id: int) -> bool:
    """Send one outbox message through the SMTP server; record ``sent`` or ``failed``.

    Uses a connection of its own, so it may run right after a commit. Never raises for a
    mail server that is down or refuses: the row keeps the error."""
    table = OutboxMessage.__table__
    with db.engine.connect() as connection:
        row = connection.execute(table.select().where(table.c.id == message_id)).mappings().first()
    if row is None:
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
        email.send()
    except Exception as exc:  # any failure of the server or the network is kept, in words
        error = f"{type(exc).__name__}: {exc}"[:2000] or type(exc).__name__
        log.warning("mail %s to %s failed: %s", message_id, row["to_address"], error)
    values = (
        {"state": OutboxState.FAILED.value, "error": error}
        if error
        else {"state": OutboxState.SENT.value, "sent_at": utcnow(), "error": None}
    )
    with db.engine.begin() as connection:
        connection.execute(update(table).where(table.c.id == message_id).values(**values))
    return error is None


# The job queue replaces this with a function that enqueues ``deliver`` for each message.
dispatch: Callable[[int], object] = deliver


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
        except Exception:  # a failure after the commit must never fail the request
            log.exception("mail %s could not be dispatched", message_id)


def _after_soft_rollback(session: Session, previous_transaction) -> None:
    if not previous_transaction.nested:
        session.info.pop(_PENDING, None)
        session.info.pop(_WROTE, None)


def init_app(app: Flask) -> None:
    mail.init_app(app)
    session_class = db.session.session_factory.class_
    if not event.contains(session_class, "after_commit", _after_commit):
        event.listen(session_class, "after_commit", _after_commit)
        event.listen(session_class, "after_soft_rollback", _after_soft_rollback)
        event.listen(session_class, "after_flush", _after_flush)
