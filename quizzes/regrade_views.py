"""Withdrawing, reinstating and fixing questions, with regrading and its audit record."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint(
    "regrade", __name__, template_folder="templates", url_prefix="/manage/quizzes/questions"
)
