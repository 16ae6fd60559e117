"""Assessment: qualification criteria, question bank, quizzes, attempts and grading."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the feature's blueprints and commands (added with the quizzes issue)."""
