"""Administration: users (search, role, activation, reset links), site settings and the mail
outbox."""

from __future__ import annotations

import os
from datetime import datetime, time, timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms import (
    account_deletion,
    accounts,
    audit,
    email_confirmation,
    mail,
    password_reset,
    site_settings,
    user_admin,
)
from lms.downloads import csv_text, download
from lms.extensions import db
from lms.forms import (
    SETTING_LANGUAGES,
    AdminCreateUserForm,
    AdminDeleteAccountForm,
    AdminDetailsForm,
    AdminEmailForm,
    AuditFilterForm,
    RoleForm,
    SendAgainForm,
    SiteSettingsForm,
    UserSearchForm,
    show_error,
)
from lms.models import OutboxMessage, User
from lms.pagination import paginate
from lms.permissions import admin_required
from lms.routing import get_or_404, parse_id
from lms.service_error import ServiceError
from lms.timezone import to_utc

bp = Blueprint("admin", __name__, url_prefix="/admin")

PER_PAGE = 25


def _user_or_404(user_id: int) -> User:
    return get_or_404(User, user_id)


def _editable_or_409(user_id: int) -> User:
    """The user to change; a deleted account answers 409 with its page saying why."""
    user = _user_or_404(user_id)
    if user.deleted_at is not None:
        refusal = _("This account is deleted: it cannot be changed.")
        abort(make_response(_user_page(user, refusal=refusal, status=409)))
    return user


@bp.get("/users")
@admin_required
def users():
    form = UserSearchForm(request.args)
    form.validate()
    # Each filter on its own: one unknown value (an old link) does not drop the others.
    chosen = {name: (form[name].data or "") if not form[name].errors else "" for name in form.data}
    pagination = paginate(
        accounts.users_query(chosen["q"], chosen["role"], chosen["status"], chosen["sort"]),
        per_page=PER_PAGE,
    )
    return render_template(
        "admin/users.html",
        form=form,
        pagination=pagination,
        last_seen=accounts.last_seen_of(pagination.items),
    )


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def create_user():
    form = AdminCreateUserForm()
    if form.validate_on_submit():
        try:
            user = user_admin.create_user(
                current_user,
                email=form.email.data,
                display_name=form.display_name.data,
                full_name=form.full_name.data,
                role=form.role.data,
                language=form.language.data,
            )
        except accounts.AccountError as error:
            show_error(form, error)
        else:
            flash(
                _(
                    "The account of %(name)s is created. A link to choose a password is sent "
                    "to %(email)s.",
                    name=user.display_name,
                    email=user.email,
                ),
                "success",
            )
            if not mail_url():
                flash(
                    _(
                        "No mail server is set up: the message waits in the outbox. Pass the "
                        "link on yourself, or create a password link below."
                    ),
                    "warning",
                )
            return redirect(url_for("admin.user_detail", user_id=user.id))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/user_new.html", form=form), status


def _user_page(
    user: User,
    *,
    role_form: RoleForm | None = None,
    email_form: AdminEmailForm | None = None,
    details_form: AdminDetailsForm | None = None,
    reset_url: str | None = None,
    delete_form: AdminDeleteAccountForm | None = None,
    refusal: str | None = None,
    status: int = 200,
):
    return (
        render_template(
            "admin/user.html",
            user=user,
            refusal=refusal,
            last_seen=accounts.last_seen(user),
            role_form=role_form or RoleForm(role=user.role),
            email_form=email_form or AdminEmailForm(email=user.email),
            details_form=details_form or AdminDetailsForm(obj=user, formdata=None),
            reset_url=reset_url,
            delete_form=delete_form or AdminDeleteAccountForm(),
        ),
        status,
    )


@bp.get("/users/<id:user_id>")
@admin_required
def user_detail(user_id: int):
    return _user_page(_user_or_404(user_id))


@bp.post("/users/<id:user_id>/details")
@admin_required
def edit_details(user_id: int):
    user = _editable_or_409(user_id)
    form = AdminDetailsForm()
    if form.validate_on_submit():
        try:
            changed = user_admin.update_details(
                current_user,
                user,
                display_name=form.display_name.data,
                full_name=form.full_name.data,
                language=form.language.data,
            )
        except accounts.AccountError as error:
            show_error(form, error)
        else:
            if changed:
                flash(_("The details of %(name)s are saved.", name=user.display_name), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for("admin.user_detail", user_id=user.id))
    return _user_page(user, details_form=form, status=400)


@bp.post("/users/<id:user_id>/role")
@admin_required
def change_role(user_id: int):
    user = _editable_or_409(user_id)
    form = RoleForm()
    if form.validate_on_submit():
        try:
            accounts.set_role(current_user, user, form.role.data)
        except accounts.AccountError as error:
            form.role.errors = [*form.role.errors, error.message]
        else:
            flash(
                _(
                    "The role of %(name)s is now %(role)s.",
                    name=user.display_name,
                    role=user.role_label,
                ),
                "success",
            )
            return redirect(url_for("admin.user_detail", user_id=user.id))
    return _user_page(user, role_form=form, status=400)


@bp.post("/users/<id:user_id>/email")
@admin_required
def change_email(user_id: int):
    """A link goes to the new address, which replaces the old one when it is opened; or, with
    "at once", the address changes now and counts as confirmed (the administrator vouches)."""
    user = _editable_or_409(user_id)
    form = AdminEmailForm()
    if form.validate_on_submit():
        try:
            if form.at_once.data:
                accounts.set_email(user, form.email.data, by=current_user)
            else:
                address = email_confirmation.request_change_by_admin(
                    user, new_email=form.email.data, by=current_user
                )
        except accounts.AccountError as error:
            show_error(form, error)
        else:
            if form.at_once.data:
                message = _(
                    "The e-mail address of %(name)s is now %(email)s.",
                    name=user.display_name,
                    email=user.email,
                )
            else:
                message = _(
                    "A link is sent to %(email)s. The address of %(name)s changes when it is "
                    "opened; until then it stays %(old)s.",
                    email=address,
                    name=user.display_name,
                    old=user.email,
                )
            flash(message, "success")
            return redirect(url_for("admin.user_detail", user_id=user.id))
    return _user_page(user, email_form=form, status=400)


def _set_active(user_id: int, active: bool):
    user = _editable_or_409(user_id)
    try:
        accounts.set_active(current_user, user, active)
    except accounts.AccountError as error:
        flash(error.message, "danger")
    else:
        if active:
            flash(_("%(name)s can log in again.", name=user.display_name), "success")
        else:
            flash(
                _("%(name)s is deactivated and logged out everywhere.", name=user.display_name),
                "success",
            )
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.post("/users/<id:user_id>/deactivate")
@admin_required
def deactivate(user_id: int):
    return _set_active(user_id, False)


@bp.post("/users/<id:user_id>/activate")
@admin_required
def activate(user_id: int):
    return _set_active(user_id, True)


@bp.post("/users/<id:user_id>/reset-link")
@admin_required
def reset_link(user_id: int):
    user = _editable_or_409(user_id)
    if not user.active:
        flash(_("Activate the account before creating a reset link."), "warning")
        return redirect(url_for("admin.user_detail", user_id=user.id))
    token = password_reset.create_reset_token(user, created_by=current_user)
    url = url_for("auth.reset_password", token=token, _external=True)
    return _user_page(user, reset_url=url)


def _settings_values(form: SiteSettingsForm) -> dict[str, str]:
    """The posted form as settings (images stored as they are read; ServiceError names the
    field of a refused image)."""
    values = {
        site_settings.text_key(name, language): form[f"{name}_{language}"].data or ""
        for name in site_settings.TEXTS
        for language in SETTING_LANGUAGES
    }
    for name in site_settings.IMAGES:
        upload = form[name].data
        if form[f"remove_{name}"].data:
            values[f"image.{name}"] = ""
        elif upload and getattr(upload, "filename", ""):
            values[f"image.{name}"] = site_settings.store_image(upload.read(), field=name)
    values[site_settings.SIGNUP_OPEN] = "1" if form.signup_open.data else "0"
    values[site_settings.EMAIL_CONFIRMATION_REQUIRED] = (
        "1" if form.email_confirmation_required.data else "0"
    )
    return values


@bp.route("/settings", methods=["GET", "POST"])
@admin_required
def settings():
    form = SiteSettingsForm()
    if request.method == "GET":
        stored = site_settings.current_values()
        for name in site_settings.TEXTS:
            for language in SETTING_LANGUAGES:
                form[f"{name}_{language}"].data = stored[site_settings.text_key(name, language)]
        form.signup_open.data = site_settings.signup_open()
        form.email_confirmation_required.data = site_settings.email_confirmation_required()
    if form.validate_on_submit():
        try:
            changed = site_settings.save(_settings_values(form), actor=current_user)
        except ServiceError as error:
            show_error(form, error)
        else:
            flash(_("Settings saved.") if changed else _("Nothing changed."), "success")
            return redirect(url_for("admin.settings"))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "admin/settings.html",
        form=form,
        languages=SETTING_LANGUAGES,
        images={name: site_settings.image(name) for name in site_settings.IMAGES},
        public_url=current_app.config["PUBLIC_URL"],
        configured_name=current_app.config["ORGANISATION_NAME"],
        public_url_from_environment=bool(os.environ.get("LMS_PUBLIC_URL")),
    ), status


@bp.get("/settings/images/<name>")
@admin_required
def settings_image(name: str):
    """The stored logo, signature or seal, for the settings page."""
    if name not in site_settings.IMAGES:
        abort(404)
    stored = site_settings.image(name)
    if stored is None:
        abort(404)
    try:
        data = site_settings.image_bytes(stored)
    except FileNotFoundError:
        abort(404)
    response = current_app.response_class(data, mimetype=site_settings.image_content_type(stored))
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/outbox")
@admin_required
def outbox():
    query = select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    return render_template("admin/outbox.html", pagination=paginate(query, per_page=PER_PAGE))


@bp.get("/outbox/<id:message_id>")
@admin_required
def outbox_message(message_id: int):
    message = get_or_404(OutboxMessage, message_id)
    return render_template(
        "admin/outbox_message.html", message=message, form=SendAgainForm(), can_retry=mail_url()
    )


def mail_url() -> bool:
    return bool(current_app.config["MAIL_URL"])


@bp.get("/outbox/<id:message_id>/attachments/<int:index>")
@admin_required
def outbox_attachment(message_id: int, index: int):
    """An attachment as it would be sent now (attachments are made when a message goes)."""
    message = get_or_404(OutboxMessage, message_id)
    items = message.attachments or []
    if index >= len(items):
        abort(404)
    made = mail.build_attachments({"attachments": [items[index]]})
    if not made:
        abort(404)
    return download(made[0].data, made[0].filename, made[0].mimetype)


@bp.post("/outbox/<id:message_id>/send-again")
@admin_required
def outbox_send_again(message_id: int):
    message = get_or_404(OutboxMessage, message_id)
    if not SendAgainForm().validate_on_submit():
        abort(400)
    if mail.send_again(message):
        db.session.commit()
        flash(_("The message is queued again."), "success")
    else:
        flash(
            _("Only a failed message can be sent again, and only with a mail server set."),
            "warning",
        )
    return redirect(url_for("admin.outbox_message", message_id=message.id), 303)


@bp.post("/users/<id:user_id>/delete")
@admin_required
def delete_user(user_id: int):
    """Delete an account: personal data erased, certificates kept verifiable (see
    lms/account_deletion.py)."""
    user = _user_or_404(user_id)
    form = AdminDeleteAccountForm()
    if user.id == current_user.id:
        flash(_("Delete your own account on your account page."), "warning")
        return redirect(url_for("admin.user_detail", user_id=user.id))
    if form.validate_on_submit():
        try:
            account_deletion.delete_account(user, by=current_user)
        except accounts.AccountError as error:
            show_error(form, error)
        else:
            flash(_("The account is deleted; its personal data is erased."), "success")
            return redirect(url_for("admin.user_detail", user_id=user.id))
    return _user_page(user, delete_form=form, status=400)


AUDIT_CSV_LIMIT = 50_000


def _audit_filters(form: AuditFilterForm) -> dict:
    """The filters as ``audit.events_query`` takes them; dates are the site's calendar days."""
    data = form.data
    since = to_utc(datetime.combine(data["since"], time())) if data.get("since") else None
    until = (
        to_utc(datetime.combine(data["until"] + timedelta(days=1), time()))
        if data.get("until")
        else None
    )
    return {
        "action": data.get("action") or "",
        "actor": data.get("actor") or "",
        "subject_type": data.get("subject_type") or "",
        "subject_id": parse_id(data.get("subject_id") or ""),
        "since": since,
        "until": until,
    }


@bp.get("/audit")
@admin_required
def audit_log():
    form = AuditFilterForm(request.args)
    filters = _audit_filters(form) if form.validate() else {}
    pagination = paginate(audit.events_query(**filters), per_page=50)
    return render_template(
        "admin/audit.html", form=form, pagination=pagination, label=audit.action_label
    )


@bp.get("/audit.csv")
@admin_required
def audit_csv():
    form = AuditFilterForm(request.args)
    filters = _audit_filters(form) if form.validate() else {}
    events = db.session.scalars(audit.events_query(**filters).limit(AUDIT_CSV_LIMIT))
    body = csv_text([audit.CSV_HEADER, *(audit.as_row(event) for event in events)])
    return download(body, "audit-log.csv", "text/csv")
