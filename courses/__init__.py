"""Training delivery: courses, modules, enrolment, progress and seminars."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the feature's blueprints and commands (added with the courses issue)."""
