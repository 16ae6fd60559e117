"""Assessment: qualification criteria, question bank, quizzes, attempts and grading."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the feature's models (pages and commands follow in the next slice)."""
    from lms.demo import add_demo_seeder
    from quizzes import demo, models  # noqa: F401  (models: its tables belong to the schema)

    add_demo_seeder(app, demo.seed_demo, order=20)
