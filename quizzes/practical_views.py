"""Practical assessments: rubrics, scoring role-plays and drafting tasks, sign-off; a trainee's standing."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("practical", __name__, template_folder="templates")
