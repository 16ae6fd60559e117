"""Assessment: qualification criteria, question bank, quizzes, attempts and grading."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the feature's blueprints and commands (the pages come with the quiz models;
    the question types and pure grading in this package are already in use by tests)."""
