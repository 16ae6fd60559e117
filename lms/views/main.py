"""Home, dashboard, language switch and the health check."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, session
from flask_login import current_user, login_required
from sqlalchemy import func, select

from lms import accounts, health
from lms.extensions import db
from lms.forms import LanguageForm
from lms.i18n import SESSION_KEY
from lms.layout import dashboard_panels
from lms.models import Role, User
from lms.security import safe_next_url

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    return render_template("main/home.html")


@bp.get("/dashboard")
@login_required
def dashboard():
    return render_template(
        "main/dashboard.html",
        role_counts=role_counts() if current_user.is_admin else {},
        Role=Role,
        panels=dashboard_panels(current_user),
    )


def role_counts() -> dict[str, int]:
    """How many accounts have each role, in one statement: the staff roles (few) counted
    from the index on ``users.role``, the trainees as the rest of all accounts (SQLite
    counts a whole table without reading its rows), never a GROUP BY over every account."""
    staff = [role for role in Role if role != Role.TRAINEE]
    counts = db.session.execute(
        select(
            select(func.count()).select_from(User).scalar_subquery(),
            *(
                select(func.count()).select_from(User).where(User.role == role).scalar_subquery()
                for role in staff
            ),
        )
    ).one()
    total, *staff_counts = counts
    result = dict(zip((role.value for role in staff), staff_counts, strict=True))
    result[Role.TRAINEE.value] = total - sum(staff_counts)
    return result


@bp.post("/language")
def set_language():
    form = LanguageForm()
    target = safe_next_url(form.next.data) or "/"
    if form.validate_on_submit() and form.language.data in current_app.config["LANGUAGES"]:
        session[SESSION_KEY] = form.language.data
        if current_user.is_authenticated:
            accounts.set_language(current_user, form.language.data)
    return redirect(target)


@bp.get("/healthz")
def healthz():
    document, status = health.report()
    response = jsonify(document)
    response.headers["Cache-Control"] = "no-store"
    return response, status
