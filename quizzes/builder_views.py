"""The quiz builder: settings, a fixed list or per-criterion draw rules, publishing."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("quiz_builder", __name__, template_folder="templates", url_prefix="/manage/quizzes")
