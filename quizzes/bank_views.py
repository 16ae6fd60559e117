"""The question bank: trainers list, write, preview and revise questions of their courses."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("quiz_bank", __name__, template_folder="templates", url_prefix="/manage/quizzes")
