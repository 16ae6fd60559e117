"""The signed-in user's own pages: profile, e-mail address, password, login sessions."""

from __future__ import annotations

import json

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, logout_user

from lms import (
    account_deletion,
    accounts,
    audit,
    calendar_feed,
    email_confirmation,
    login_sessions,
    mail,
    personal_data,
)
from lms.downloads import download
from lms.extensions import csrf, db, limiter
from lms.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    DeleteAccountForm,
    NotificationsForm,
    ProfileForm,
    UnsubscribeForm,
    show_error,
)
from lms.models import User

bp = Blueprint("account", __name__, url_prefix="/account")


def _user_key() -> str:
    # Limits are checked before login_required turns a stranger away.
    who = current_user.id if current_user.is_authenticated else get_remote_address()
    return f"confirm-user:{who}"


def _sent(response) -> bool:
    """Only requests that sent a message count against the limit (they redirect)."""
    return response.status_code == 302


# Asking for a new address and sending the link again both mail someone: one budget per user.
_mail_limit = limiter.shared_limit(
    lambda: current_app.config["CONFIRM_LIMIT_PER_USER"],
    scope="confirm-user",
    key_func=_user_key,
    deduct_when=_sent,
)


def _profile_page(form: ProfileForm, email_form: ChangeEmailForm, status: int = 200):
    return render_template("account/profile.html", form=form, email_form=email_form), status


@bp.route("", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        try:
            accounts.update_profile(
                current_user,
                display_name=form.display_name.data,
                full_name=form.full_name.data,
                language=form.language.data,
            )
        except accounts.AccountError as error:
            show_error(form, error)
        else:
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("account.profile"))
    status = 400 if request.method == "POST" else 200
    return _profile_page(form, ChangeEmailForm(), status)


@bp.post("/email")
@login_required
@_mail_limit
def change_email():
    form = ChangeEmailForm()
    if form.validate_on_submit():
        try:
            address = email_confirmation.request_change(
                current_user, new_email=form.email.data, password=form.current_password.data
            )
        except accounts.AccountError as error:
            show_error(form, error)
        else:
            flash(
                _(
                    "Open the link we sent to %(email)s to make it your address. Until then "
                    "you keep using %(old)s.",
                    email=address,
                    old=current_user.email,
                ),
                "success",
            )
            return redirect(url_for("account.profile"))
    return _profile_page(ProfileForm(obj=current_user), form, 400)


@bp.post("/email/cancel")
@login_required
def cancel_email_change():
    if current_user.pending_email:
        email_confirmation.cancel_change(current_user)
        flash(
            _("The change is cancelled; your address stays %(email)s.", email=current_user.email),
            "success",
        )
    return redirect(url_for("account.profile"))


@bp.post("/email/resend")
@login_required
@_mail_limit
def resend_confirmation():
    address = email_confirmation.resend(current_user)
    if address is None:
        flash(_("Your e-mail address is already confirmed."), "info")
    else:
        flash(_("We sent a new link to %(email)s.", email=address), "success")
    return redirect(url_for("account.profile"))


def _names(user) -> tuple[str, str]:
    return (user.display_name, user.full_name)


def _security_page(password_form: ChangePasswordForm, status: int = 200):
    token = current_user.session_token
    sessions = [
        (item, login_sessions.is_current(item, token))
        for item in login_sessions.sessions_of(current_user)
    ]
    return (
        render_template(
            "account/security.html",
            password_form=password_form,
            sessions=sessions,
        ),
        status,
    )


@bp.get("/security")
@login_required
def security():
    return _security_page(
        ChangePasswordForm(user_email=current_user.email, user_names=_names(current_user))
    )


@bp.post("/password")
@login_required
def change_password():
    form = ChangePasswordForm(user_email=current_user.email, user_names=_names(current_user))
    if form.validate_on_submit():
        try:
            ended = accounts.change_password(
                current_user,
                current=form.current_password.data,
                new=form.password.data,
                keep_session=current_user.session_token,
            )
        except accounts.AccountError as error:
            show_error(form, error)
        else:
            flash(_("Your password is changed."), "success")
            if ended:
                flash(
                    ngettext(
                        "%(num)d other session was logged out.",
                        "%(num)d other sessions were logged out.",
                        ended,
                    ),
                    "info",
                )
            return redirect(url_for("account.security"))
    return _security_page(form, status=400)


@bp.post("/sessions/end-others")
@login_required
def end_other_sessions():
    ended = login_sessions.end_other_sessions(current_user, keep_token=current_user.session_token)
    flash(
        ngettext(
            "%(num)d other session was logged out.",
            "%(num)d other sessions were logged out.",
            ended,
        ),
        "success",
    )
    return redirect(url_for("account.security"))


@bp.route("/notifications", methods=["GET", "POST"])
@login_required
def notifications():
    """Which kinds of e-mail the user receives; security messages always go."""
    form = NotificationsForm()
    if form.validate_on_submit():
        mail.set_preferences(current_user, request.form.getlist("kind"))
        db.session.commit()
        flash(_("Your choice of e-mails is saved."), "success")
        return redirect(url_for("account.notifications"))
    groups: dict[str, list] = {}
    for kind in mail.kinds_for(current_user):
        groups.setdefault(str(kind.group), []).append(kind)
    status = 400 if request.method == "POST" else 200
    page = render_template(
        "account/notifications.html",
        form=form,
        groups=groups,
        chosen=mail.chosen_kinds(current_user),
    )
    return page, status


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str):
    """The link in every message that is not about security. GET asks (mail scanners open
    links); POST stops that kind: the button, or a mail client's RFC 8058 one-click POST."""
    found = mail.read_unsubscribe_token(token)
    user = db.session.get(User, found[0]) if found else None
    if user is None:
        page = render_template("account/unsubscribe.html", kind=None, done=False, form=None)
        return page, 400
    kind = mail.MAIL_KINDS[found[1]]
    form = UnsubscribeForm()
    done = False
    if request.method == "POST":
        if not mail.unsubscribe(user, kind.name):
            abort(400)
        db.session.commit()
        done = True
    elif mail.opted_out(user, kind.name):
        done = True
    return render_template("account/unsubscribe.html", kind=kind, done=done, form=form, user=user)


def _export_key() -> str:
    who = current_user.id if current_user.is_authenticated else get_remote_address()
    return f"export-user:{who}"


@bp.get("/data")
@login_required
def data():
    """What the site holds about you: download it, or delete the account."""
    return render_template("account/data.html", delete_form=DeleteAccountForm())


@bp.post("/export")
@login_required
@limiter.limit(
    lambda: current_app.config["EXPORT_LIMIT_PER_USER"], key_func=_export_key, scope="export-user"
)
def export():
    """Everything the site holds about the signed-in user, as one JSON file."""
    document = personal_data.export(current_user)
    audit.record(audit.DATA_EXPORTED, actor=current_user, subject=current_user)
    db.session.commit()
    body = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True)
    return download(body, f"my-data-{current_user.id}.json", "application/json")


@bp.post("/delete")
@login_required
def delete():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            account_deletion.delete_own_account(current_user, password=form.current_password.data)
        except accounts.AccountError as error:
            show_error(form, error)
        else:
            logout_user()
            flash(_("Your account is deleted. Your personal data is erased."), "info")
            return redirect(url_for("main.home"))
    return render_template("account/data.html", delete_form=form), 400


def _calendar_page(url: str | None = None):
    if calendar_feed.feed_endpoint() is None:
        abort(404)
    page = render_template(
        "account/calendar_feed.html", url=url, has_feed=calendar_feed.has_feed(current_user)
    )
    response = current_app.make_response(page)
    response.headers["Cache-Control"] = "no-store"  # the address is a secret
    return response


@bp.get("/calendar")
@login_required
def calendar():
    return _calendar_page()


@bp.post("/calendar/new")
@login_required
def new_calendar_feed():
    """A new secret address for the calendar feed, shown once; the old one stops working."""
    if calendar_feed.feed_endpoint() is None:
        abort(404)
    return _calendar_page(calendar_feed.feed_url(calendar_feed.regenerate(current_user)))


@bp.post("/calendar/revoke")
@login_required
def revoke_calendar_feed():
    calendar_feed.revoke(current_user)
    flash(_("Your calendar address no longer works."), "success")
    return redirect(url_for("account.calendar"))
