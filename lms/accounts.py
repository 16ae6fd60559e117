"""Account operations: sign-up, authentication, profile, passwords, roles and activation.

Plain functions that take explicit arguments and commit their own transaction; views and
the CLI call them. Failures raise ``AccountError`` with a translatable message.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import Select

from lms import audit, login_sessions, site_settings, text
from lms.database import column_rows, utcnow
from lms.extensions import db
from lms.models import LoginSession, PasswordResetToken, Role, User
from lms.passwords import burn_verification_time, hash_password, needs_rehash, verify_password
from lms.service_error import ServiceError

MAX_PASSWORD_LENGTH = 256


class AccountError(ServiceError):
    """A rule of the account domain was not met."""


class EmailNotConfirmed(AccountError):
    """The password is right, but the site requires a confirmed address and this one is not
    (said only after the right password, so it reveals nothing a stranger could learn)."""

    def __init__(self, email: str) -> None:
        super().__init__(
            _l(
                "Confirm your e-mail address before you log in: open the link we sent to "
                "%(email)s.",
                email=email,
            )
        )
        self.email = email


EMAIL_TAKEN = _l("An account with this email address already exists.")


def ensure_not_deleted(user: User) -> None:
    """A deleted account (lms/account_deletion.py) keeps its row but is never edited again."""
    if user.deleted_at is not None:
        raise AccountError(_l("This account is deleted: it cannot be changed."))


def normalise_email(raw: str) -> str:
    """The address as stored and compared (:func:`lms.text.normalise_email`)."""
    try:
        return text.normalise_email(raw)
    except ServiceError as error:
        raise AccountError(error.message, field=error.field) from None


def clean_name(raw: str, *, field: str, max_length: int, min_length: int = 1) -> str:
    """A person's name through the site's one normaliser (:mod:`lms.text`)."""
    try:
        return text.normalise_person_name(
            raw, field=field, max_length=max_length, min_length=min_length
        )
    except ServiceError as error:
        raise AccountError(error.message, field=error.field) from None


def clean_display_name(raw: str) -> str:
    return clean_name(raw, field="display_name", max_length=80)


def clean_full_name(raw: str) -> str:
    return clean_name(raw, field="full_name", max_length=200, min_length=2)


# zxcvbn's score: 3 means "safely unguessable" (about 10^8 to 10^10 guesses), beyond any online
# attack the login throttle allows and costly offline against argon2id; 4 would refuse many
# memorable passphrases of three plain words.
MIN_PASSWORD_SCORE = 3
ZXCVBN_MAX_LENGTH = 72  # zxcvbn refuses longer input; the first 72 characters decide
PASSWORD_HINTS = {
    "user_inputs": _l("Leave your name and email address out of it."),
    "passwords": _l("It is one of the passwords people use most."),
    "repeat": _l("Repeated characters or words are easy to guess."),
    "sequence": _l("Sequences such as abc or 6543 are easy to guess."),
    "spatial": _l("Rows of keys such as qwerty are easy to guess."),
    "date": _l("Dates and years are easy to guess."),
    "regex": _l("Dates and years are easy to guess."),
}
DEFAULT_PASSWORD_HINT = _l("Add another word or two; uncommon words are better.")


def _user_inputs(email: str, names: Iterable[str]) -> list[str]:
    words = [email, email.split("@")[0]] if email else []
    for name in names:
        words += [name, *(name or "").split()]
    return [word.lower() for word in words if word]


def _strength_hint(password: str, user_inputs: list[str]):
    """``None`` if zxcvbn scores the password high enough, else a hint in our own words."""
    from zxcvbn import zxcvbn  # its dictionaries take 13 MB: loaded at the first password set

    result = zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=user_inputs)
    if result["score"] >= MIN_PASSWORD_SCORE:
        return None
    matches = [m for m in result["sequence"] if m["pattern"] != "bruteforce"]
    if not matches:
        return DEFAULT_PASSWORD_HINT
    weakest = max(matches, key=lambda match: len(match["token"]))
    if weakest["pattern"] == "dictionary":
        source = weakest.get("dictionary_name")
        if source in PASSWORD_HINTS:
            return PASSWORD_HINTS[source]
        return DEFAULT_PASSWORD_HINT
    return PASSWORD_HINTS.get(weakest["pattern"], DEFAULT_PASSWORD_HINT)


def password_problem(password: str, *, email: str = "", names: Iterable[str] = ()) -> str | None:
    """The one password policy: a message if ``password`` is not acceptable, else None.

    Length first, then zxcvbn (offline dictionaries and patterns) with the person's own email
    and names as words an attacker would try first.
    """
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        return _l("Use at least %(n)d characters.", n=minimum)
    if len(password) > MAX_PASSWORD_LENGTH:
        return _l("Use at most %(n)d characters.", n=MAX_PASSWORD_LENGTH)
    if email and password.strip().lower() in {email.lower(), email.split("@")[0].lower()}:
        return _l("The password must not be your email address.")
    if len(set(password)) < 4:
        return _l("This password is too easy to guess.")
    hint = _strength_hint(password, _user_inputs(email, names))
    if hint is not None:
        return _l("This password is too easy to guess. %(hint)s", hint=hint)
    return None


def check_new_password(password: str, email: str, names: Iterable[str] = ()) -> None:
    """Raise AccountError when the password policy rejects ``password``."""
    problem = password_problem(password, email=email, names=names)
    if problem:
        raise AccountError(problem, field="password")


def check_language(language: str) -> str:
    if language not in current_app.config["LANGUAGES"]:
        raise AccountError(_l("Choose one of the offered languages."), field="language")
    return language


def get_user_by_email(email: str) -> User | None:
    try:
        normalised = normalise_email(email)
    except AccountError:
        return None
    return db.session.scalar(select(User).where(User.email == normalised))


def create_user(
    *,
    email: str,
    password: str,
    display_name: str,
    full_name: str,
    role: Role | str = Role.TRAINEE,
    language: str = "en",
    email_confirmed: bool = True,
) -> User:
    """A new account. Whoever creates it vouches for the address (an administrator, the
    command line, the demo), so it is confirmed unless ``email_confirmed=False`` (sign-up)."""
    email = normalise_email(email)
    check_new_password(password, email, (display_name, full_name))
    user = User(
        email=email,
        display_name=clean_display_name(display_name),
        full_name=clean_full_name(full_name),
        password_hash=hash_password(password),
        role=Role(role).value,
        language=check_language(language),
        active=True,
        email_confirmed_at=utcnow() if email_confirmed else None,
    )
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise AccountError(EMAIL_TAKEN, field="email") from None
    return user


def email_taken(email: str, *, by_other_than: User | None = None) -> bool:
    """Whether an account (other than ``by_other_than``) uses the normalised ``email``."""
    query = select(User.id).where(User.email == email)
    if by_other_than is not None:
        query = query.where(User.id != by_other_than.id)
    return db.session.scalar(query.limit(1)) is not None


def set_email(user: User, email: str, *, by: User | None = None) -> User:
    """Give ``user`` a new, confirmed address at once (an administrator's change, or a
    confirmed change of the owner's). Outstanding password links, sent to or handed out for
    the old address, stop working; a new address waiting for confirmation is dropped."""
    ensure_not_deleted(user)
    email = normalise_email(email)
    if email_taken(email, by_other_than=user):
        raise AccountError(EMAIL_TAKEN, field="email")
    old = user.email
    if email != old:
        spend_reset_links(user)
        audit.record(
            audit.EMAIL_CHANGED,
            actor=by or user,
            subject=audit.Subject("user", user.id, email),
            details={"from": old, "to": email},
        )
    user.email = email
    user.pending_email = None
    user.email_confirmed_at = utcnow()
    try:
        db.session.commit()
    except IntegrityError:  # taken a moment ago by another request
        db.session.rollback()
        raise AccountError(EMAIL_TAKEN, field="email") from None
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user whose email and password match and who may sign in, else None.

    The caller shows one message for every failure, so nobody learns which emails exist.
    Raises ``EmailNotConfirmed`` for the right password of an unconfirmed account while the
    site requires confirmation.
    """
    user = get_user_by_email(email)
    if user is None:
        burn_verification_time(password)
        # What was typed is not kept: it may be a password typed in the wrong field.
        _login_failed(None, "unknown")
        return None
    if not verify_password(user.password_hash, password):
        _login_failed(user, "password")
        return None
    if not user.active:
        _login_failed(user, "inactive")
        return None
    if not user.email_confirmed and site_settings.email_confirmation_required():
        raise EmailNotConfirmed(user.email)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    audit.record(audit.LOGIN, actor=user, subject=user)
    db.session.commit()
    return user


def _login_failed(user: User | None, reason: str) -> None:
    audit.record(
        audit.LOGIN_FAILED,
        subject=audit.user_subject(user) if user is not None else None,
        details={"reason": reason},
        commit=True,
    )


def update_profile(user: User, *, display_name: str, full_name: str, language: str) -> User:
    # Check everything before touching the user, so a refused edit changes nothing.
    cleaned = (
        clean_display_name(display_name),
        clean_full_name(full_name),
        check_language(language),
    )
    user.display_name, user.full_name, user.language = cleaned
    db.session.commit()
    return user


def set_language(user: User, language: str) -> None:
    user.language = check_language(language)
    db.session.commit()


def change_password(user: User, *, current: str, new: str, keep_session: str | None) -> int:
    """Change the password and end every other login session; returns how many ended."""
    if not verify_password(user.password_hash, current):
        raise AccountError(_l("The current password is not correct."), field="current_password")
    audit.record(audit.PASSWORD_CHANGED, actor=user, subject=user)
    return set_password(user, new, keep_session=keep_session)


def set_password(user: User, new: str, *, keep_session: str | None = None) -> int:
    check_new_password(new, user.email, (user.display_name, user.full_name))
    user.password_hash = hash_password(new)
    spend_reset_links(user)
    ended = login_sessions.end_other_sessions(user, keep_token=keep_session, commit=False)
    db.session.commit()
    return ended


def spend_reset_links(user: User) -> None:
    """Every outstanding password link of ``user`` stops working (flushed, not committed)."""
    db.session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=utcnow())
    )


def _change_keeping_an_admin(user: User, **values) -> None:
    """Apply ``values`` to ``user`` unless that leaves no active administrator.

    The check and the write are one UPDATE statement, after locking the administrators' rows
    (PostgreSQL; SQLite runs each statement alone), so two admins demoting each other at the
    same moment cannot both succeed.
    """
    db.session.flush()
    admins = select(User.id).where(User.role == Role.ADMIN.value, User.active.is_(True))
    db.session.execute(admins.with_for_update())
    others = (
        select(func.count(User.id))
        .where(User.role == Role.ADMIN.value, User.active.is_(True), User.id != user.id)
        .scalar_subquery()
    )
    result = db.session.execute(
        update(User).where(User.id == user.id, others >= 1).values(**values)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise AccountError(_l("The site needs at least one active administrator."), field="role")
    db.session.expire(user)


def ensure_another_admin(user: User) -> None:
    """Deactivate the administrator ``user`` unless no other active administrator remains
    (the same guarded statement as a demotion); refused with ``AccountError``."""
    _change_keeping_an_admin(user, active=False)


def _removes_an_admin(user: User, *, role: Role | None = None, active: bool | None = None) -> bool:
    if user.role != Role.ADMIN or not user.active:
        return False
    return (role is not None and role != Role.ADMIN) or active is False


def set_role(actor: User, user: User, role: Role | str) -> User:
    role = Role(role)
    ensure_not_deleted(user)
    if user.id == actor.id and role != Role.ADMIN:
        raise AccountError(_l("You cannot remove your own administrator role."), field="role")
    before = user.role
    if _removes_an_admin(user, role=role):
        _change_keeping_an_admin(user, role=role.value)
    else:
        user.role = role.value
    if before != role.value:
        audit.record(
            audit.ROLE_CHANGED,
            actor=actor,
            subject=user,
            details={"from": before, "to": role.value},
        )
    db.session.commit()
    return user


def set_active(actor: User, user: User, active: bool) -> User:
    ensure_not_deleted(user)
    if not active:
        if user.id == actor.id:
            raise AccountError(_l("You cannot deactivate your own account."))
        login_sessions.end_all_sessions(user, commit=False)
        spend_reset_links(user)
    was_active = user.active
    if _removes_an_admin(user, active=active):
        _change_keeping_an_admin(user, active=active)
    else:
        user.active = active
    if was_active != active:
        audit.record(audit.ACTIVATED if active else audit.DEACTIVATED, actor=actor, subject=user)
    db.session.commit()
    return user


# --- the administrators' list of users ---------------------------------------------------

STATUSES = ("active", "deactivated", "deleted")
SORTS = ("newest", "name", "email", "last_seen")


def _sessions_seen():
    """The latest ``last_seen_at`` of the user's live login sessions (a correlated subquery)."""
    return (
        select(func.max(LoginSession.last_seen_at))
        .where(LoginSession.user_id == User.id)
        .correlate(User)
        .scalar_subquery()
    )


def last_seen_expression():
    """SQL for :func:`last_seen`: the later of the last login and the sessions' last use."""
    seen = _sessions_seen()
    return case(
        (User.last_login_at.is_(None), seen),
        (seen.is_(None), User.last_login_at),
        (seen > User.last_login_at, seen),
        else_=User.last_login_at,
    )


def last_seen_of(users: Iterable[User]) -> dict[int, datetime | None]:
    """When each user was last seen: the later of their last login and the last use of any
    of their live login sessions (touched every ``login_sessions.TOUCH_INTERVAL``), so an
    account in use never reads "never". One query for the whole page."""
    users = list(users)
    ids = [user.id for user in users]
    sessions: dict[int, datetime] = {}
    if ids:
        sessions = dict(
            db.session.execute(
                select(LoginSession.user_id, func.max(LoginSession.last_seen_at))
                .where(LoginSession.user_id.in_(ids))
                .group_by(LoginSession.user_id)
            ).all()
        )
    seen: dict[int, datetime | None] = {}
    for user in users:
        moments = [m for m in (user.last_login_at, sessions.get(user.id)) if m is not None]
        seen[user.id] = max(moments) if moments else None
    return seen


def last_seen(user: User) -> datetime | None:
    return last_seen_of([user])[user.id]


def users_query(search: str = "", role: str = "", status: str = "", sort: str = "") -> Select:
    """Users matching a free-text search in email or names, optionally of one role and one
    status (``STATUSES``), in one of the ``SORTS`` (default: newest accounts first)."""
    query = select(User)
    search = " ".join(search.split())[:100]
    if search:
        lowered = search.lower()
        query = query.where(
            or_(
                func.lower(User.email).contains(lowered, autoescape=True),
                func.lower(User.display_name).contains(lowered, autoescape=True),
                func.lower(User.full_name).contains(lowered, autoescape=True),
            )
        )
    if role in {r.value for r in Role}:
        query = query.where(User.role == role)
    if status == "active":
        query = query.where(User.active.is_(True))
    elif status == "deactivated":
        query = query.where(User.active.is_(False), User.deleted_at.is_(None))
    elif status == "deleted":
        query = query.where(User.deleted_at.is_not(None))
    if sort == "name":
        order = [func.lower(User.full_name), User.id]
    elif sort == "email":
        order = [User.email, User.id]
    elif sort == "last_seen":
        order = [last_seen_expression().desc().nulls_last(), User.id.desc()]
    else:
        order = [User.created_at.desc(), User.id.desc()]
    return query.order_by(*order)


_STAFF_ROLES = tuple(role for role in Role if role != Role.TRAINEE)


@functools.cache
def _role_counts() -> Select:
    """All accounts, then each staff role's: built once per process (the admin's dashboard)."""
    return select(
        select(func.count()).select_from(User).scalar_subquery(),
        *(
            select(func.count()).select_from(User).where(User.role == role).scalar_subquery()
            for role in _STAFF_ROLES
        ),
    )


def role_counts() -> dict[str, int]:
    """How many accounts have each role, in one statement: the staff roles (few) counted
    from the index on ``users.role``, the trainees as the rest of all accounts (SQLite
    counts a whole table without reading its rows), never a GROUP BY over every account."""
    total, *staff_counts = column_rows(_role_counts()).one()
    result = dict(zip((role.value for role in _STAFF_ROLES), staff_counts, strict=True))
    result[Role.TRAINEE.value] = total - sum(staff_counts)
    return result
