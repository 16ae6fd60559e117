"""Confirming e-mail addresses: after sign-up, and before a change of address takes effect.

* **Links are signed, not stored** (itsdangerous with the site's secret key): a token names
  the account *and* the address it was mailed to, and expires after
  ``EMAIL_CONFIRMATION_HOURS``. It works only while that address is still the account's
  address (sign-up) or the new address the account waits for (change); after any change of
  address, older links do nothing. Opening a link twice is harmless (the second time the
  address is already confirmed), so no "used" record is kept.
* **A GET confirms**, as on every site: it confirms only the address the link was mailed to,
  and does it once; a mail scanner that opens the link proves what the link proves, that the
  message reached that mailbox.
* **Sign-up**: the account starts unconfirmed and gets a link. Whether it may log in before
  confirming is the site setting ``site_settings.email_confirmation_required``
  (``lms.accounts.authenticate`` enforces it); otherwise the dashboard and the account page
  ask for confirmation.
* **Change**: the new address waits in ``User.pending_email`` until the link mailed to it is
  opened; the old address gets a security notice at once. Uniqueness is checked again when
  the link is opened: the address may have been taken meanwhile.
* **Sending again** from the log-in page answers the same whether or not the address belongs
  to an account waiting for confirmation; the views rate-limit every way of sending.
"""

from __future__ import annotations

from enum import StrEnum

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from lms import accounts, audit, mail
from lms.database import utcnow
from lms.extensions import db
from lms.models import User
from lms.passwords import verify_password
from lms.service_error import ServiceError

KIND = "email_confirmation"
NOTICE_KIND = "email_change_notice"
SALT = "lms.email-confirmation"
MAX_TOKEN_LENGTH = 1000


class ConfirmationError(ServiceError):
    """A confirmation link cannot be used."""


class InvalidLink(ConfirmationError):
    def __init__(self, *, expired: bool = False) -> None:
        if expired:
            message = _l(
                "This confirmation link has expired: links work for %(hours)d hours.",
                hours=current_app.config["EMAIL_CONFIRMATION_HOURS"],
            )
        else:
            message = _l(
                "This confirmation link is not valid: it is incomplete, or the address it "
                "confirms is no longer the one your account uses or waits for."
            )
        super().__init__(message)
        self.expired = expired


class AddressTaken(ConfirmationError):
    def __init__(self, address: str, current: str) -> None:
        super().__init__(
            _l(
                "Another account started using %(new)s after you asked for the change, so "
                "your address stays %(old)s. Choose another address on your account page.",
                new=address,
                old=current,
            )
        )


class Outcome(StrEnum):
    CONFIRMED = "confirmed"  # the account's address is now confirmed
    ALREADY = "already"  # it was confirmed before (the link was opened again)
    CHANGED = "changed"  # the account now uses the new address


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT)


def make_token(user: User, address: str) -> str:
    return _serializer().dumps([user.id, address])


def send_link(user: User, address: str | None = None, *, by_admin: bool = False) -> None:
    """Mail a confirmation link for ``address`` (default: the account's own) to that address,
    in the user's language. Added to the session; sent when it commits. ``by_admin``: an
    administrator asked for the change (the message says so)."""
    address = address or user.email
    mail.send_mail(
        user,
        KIND,
        "email_confirmation",
        subject=_l("Confirm your e-mail address"),
        to_address=address,
        user=user,
        address=address,
        change=address != user.email,
        by_admin=by_admin,
        confirm_url=mail.absolute_url("auth.confirm_email", token=make_token(user, address)),
        hours=current_app.config["EMAIL_CONFIRMATION_HOURS"],
    )


def signed_up(user: User) -> None:
    """A new self-signed-up account: mail it its first link."""
    send_link(user)
    db.session.commit()


def resend(user: User) -> str | None:
    """Send the link again from the account page: to the new address if one waits, else to
    the account's address if it is not confirmed. Returns the address, or None if there is
    nothing to confirm."""
    if user.pending_email:
        address = user.pending_email
    elif not user.email_confirmed:
        address = user.email
    else:
        return None
    send_link(user, address)
    db.session.commit()
    return address


def resend_for_address(email: str) -> None:
    """Send the link again from the log-in page, to the active, unconfirmed account that uses
    ``email`` if there is one (the caller answers the same either way)."""
    user = accounts.get_user_by_email(email)
    if user is None or not user.active or user.email_confirmed:
        return
    send_link(user)
    db.session.commit()


def request_change(user: User, *, new_email: str, password: str) -> str:
    """Ask to change the account's address: nothing changes until the link mailed to the new
    address is opened; the old address hears of the request. Returns the new address."""
    if not verify_password(user.password_hash, password):
        raise accounts.AccountError(
            _l("The current password is not correct."), field="current_password"
        )
    address = accounts.normalise_email(new_email)
    if address == user.email:
        raise accounts.AccountError(_l("This is already your address."), field="email")
    _wait_for(user, address, by=user)
    mail.send_mail(
        user,
        NOTICE_KIND,
        "email_change_notice",
        subject=_l("A change of your e-mail address was requested"),
        user=user,
        new_address=address,
        account_url=mail.absolute_url("account.profile"),
        hours=current_app.config["EMAIL_CONFIRMATION_HOURS"],
    )
    db.session.commit()
    return address


def _wait_for(user: User, address: str, *, by: User) -> None:
    """Make ``address`` the one ``user`` waits for and mail it the link (not committed)."""
    if accounts.email_taken(address, by_other_than=user):
        raise accounts.AccountError(accounts.EMAIL_TAKEN, field="email")
    user.pending_email = address
    audit.record(
        audit.EMAIL_CHANGE_REQUESTED,
        actor=by,
        subject=audit.Subject("user", user.id, user.email),
        details={"from": user.email, "to": address},
    )
    send_link(user, address, by_admin=by.id != user.id)


def request_change_by_admin(user: User, *, new_email: str, by: User) -> str:
    """An administrator asks for a new address for ``user``: as on the account page, it
    replaces the old one only when the link mailed to it is opened, so a mistyped address
    never becomes the login. The old address gets no notice: the request comes from the
    site, and a mistyped old address would learn the person's right one. Returns it."""
    accounts.ensure_not_deleted(user)
    address = accounts.normalise_email(new_email)
    if address == user.email:
        raise accounts.AccountError(_l("This is already the account's address."), field="email")
    _wait_for(user, address, by=by)
    db.session.commit()
    return address


def cancel_change(user: User) -> None:
    """Forget the new address; links already mailed to it stop working."""
    user.pending_email = None
    db.session.commit()


def _read(token: str) -> tuple[int, str]:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidLink()
    hours = current_app.config["EMAIL_CONFIRMATION_HOURS"]
    try:
        value = _serializer().loads(token, max_age=hours * 3600)
    except SignatureExpired:
        raise InvalidLink(expired=True) from None
    except BadSignature:
        raise InvalidLink() from None
    match value:
        case [int() as user_id, str() as address]:
            return user_id, address
    raise InvalidLink()


def _drop_pending(user: User, address: str) -> AddressTaken:
    db.session.rollback()
    user.pending_email = None
    db.session.commit()
    return AddressTaken(address, user.email)


def confirm(token: str) -> tuple[User, Outcome]:
    """Open a confirmation link: confirm the account's address, or switch the account to the
    new address it waits for. Raises ``InvalidLink`` or ``AddressTaken``."""
    user_id, address = _read(token)
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        raise InvalidLink()
    if address == user.email:
        if user.email_confirmed:
            return user, Outcome.ALREADY
        user.email_confirmed_at = utcnow()
        db.session.commit()
        return user, Outcome.CONFIRMED
    if address != user.pending_email:
        raise InvalidLink()
    if accounts.email_taken(address, by_other_than=user):
        raise _drop_pending(user, address)
    try:
        accounts.set_email(user, address)
    except accounts.AccountError:  # taken by another request between the check and the write
        raise _drop_pending(user, address) from None
    return user, Outcome.CHANGED
