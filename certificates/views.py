"""Public verification of certificate numbers (the page printed on every certificate)."""

from __future__ import annotations

from flask import Blueprint, render_template, request

bp = Blueprint("certificates", __name__, template_folder="templates")

MAX_NUMBER_LENGTH = 64


@bp.get("/verify")
@bp.get("/verify/<number>")
def verify(number: str | None = None):
    number = (number or request.args.get("number") or "").strip()[:MAX_NUMBER_LENGTH]
    # No certificate can exist before issuance is built, so every lookup is "not found".
    status = 404 if number else 200
    return render_template("certificates/verify.html", number=number), status
