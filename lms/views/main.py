"""Home, dashboard, language switch and the health check."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session
from flask_login import current_user, login_required

from lms import accounts, health
from lms.forms import LanguageForm
from lms.i18n import SESSION_KEY
from lms.layout import dashboard_panels
from lms.models import Role
from lms.public_pages import for_visitors
from lms.security import safe_next_url

bp = Blueprint("main", __name__)


@bp.get("/")
@for_visitors
def home():
    return render_template("main/home.html")


@bp.get("/dashboard")
@login_required
def dashboard():
    return render_template(
        "main/dashboard.html",
        role_counts=accounts.role_counts() if current_user.is_admin else {},
        Role=Role,
        panels=dashboard_panels(current_user),
    )


@bp.post("/language")
def set_language():
    """A signed-in user's choice: saved to the account too, so a POST with a CSRF token."""
    form = LanguageForm()
    target = safe_next_url(form.next.data) or "/"
    if form.validate_on_submit() and form.language.data in current_app.config["LANGUAGES"]:
        session[SESSION_KEY] = form.language.data
        if current_user.is_authenticated:
            accounts.set_language(current_user, form.language.data)
    return redirect(target)


@bp.get("/language")
def choose_language():
    """A visitor's choice, for this browser only: a plain link (no form token), so public
    pages carry no token and set no cookie until a visitor chooses. A signed-in user's
    language belongs to the account and changes only by the POST above."""
    target = safe_next_url(request.args.get("next")) or "/"
    language = request.args.get("language")
    if language in current_app.config["LANGUAGES"] and not current_user.is_authenticated:
        session[SESSION_KEY] = language
    return redirect(target)


@bp.get("/healthz")
def healthz():
    document, status = health.report()
    response = jsonify(document)
    response.headers["Cache-Control"] = "no-store"
    return response, status
