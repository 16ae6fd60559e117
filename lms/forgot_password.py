"""Self-service password reset by e-mail: the same answer whether or not an account uses the
address, and two limits (per network address and per e-mail address) so the form can
neither flood an inbox nor be used to probe many addresses quickly.

The link in the message is an ordinary reset link (lms/password_reset.py) with no creator.
The page hands the address to the job queue and answers at once: looking the account up and
writing the message happen in a worker, so the answer takes the same time either way.
"""

from __future__ import annotations

import logging
import math
import time
from datetime import timedelta

from flask import Response, current_app, render_template, request
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter import RequestLimit

from lms import accounts, jobs, mail, password_reset
from lms.extensions import db
from lms.forms import ForgotPasswordForm
from lms.service_error import ServiceError
from lms.text import normalise_email

KIND = "password_reset"
TASK = "lms.password_reset_request"
log = logging.getLogger(__name__)


def requested_email() -> str:
    raw = (request.form.get("email") or "").strip()
    try:
        return normalise_email(raw)
    except ServiceError:
        return raw.casefold()[:254]


def email_key() -> str:
    return f"forgot-email:{requested_email()}"


def throttled(limit: RequestLimit) -> Response:
    wait = max(1, math.ceil(limit.reset_at - time.time()))
    form = ForgotPasswordForm()
    form.form_errors.append(
        _(
            "Too many requests for a reset link. Try again in %(wait)s.",
            wait=format_timedelta(timedelta(seconds=wait), threshold=1, add_direction=False),
        )
    )
    page = render_template("auth/forgot_password.html", form=form, sent=False)
    response = current_app.make_response((page, 429))
    response.headers["Retry-After"] = str(wait)
    return response


def request_link(email: str) -> None:
    """Mail a reset link to the active account that uses ``email``, if there is one."""
    try:
        address = normalise_email(email)
    except ServiceError:
        return
    user = accounts.get_user_by_email(address)
    if user is None or not user.active:
        return
    token = password_reset.create_reset_token(user, created_by=None, commit=False)
    mail.send_mail(
        user,
        KIND,
        "password_reset",
        subject=_l("Set a new password"),
        user=user,
        reset_url=mail.absolute_url("auth.reset_password", token=token),
        hours=current_app.config["PASSWORD_RESET_HOURS"],
    )
    db.session.commit()


def _request_task(email: str, *, retries_left: int) -> None:
    request_link(email)


jobs.register_task(TASK, _request_task)


def ask_for_link(email: str) -> None:
    """What the page does: the queue does the rest. If the queue cannot be reached the work
    is done here instead (a working fallback; only its timing then differs)."""
    try:
        jobs.call_later(TASK, email)
    except Exception:
        log.exception("the queue is unreachable; the reset link is prepared in the request")
        request_link(email)
