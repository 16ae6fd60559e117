"""Languages: the locale of each request and the list the switcher offers."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, session
from flask_login import current_user

from lms.extensions import babel

LANGUAGE_NAMES = {"en": "English", "ru": "Русский", "kk": "Қазақша"}
SESSION_KEY = "lang"


def select_locale() -> str:
    """The user's saved language, else the one chosen this visit, else the browser's."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    chosen = session.get(SESSION_KEY)
    if chosen in languages:
        return chosen
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)

    @app.context_processor
    def _languages() -> dict:
        return {"language_names": LANGUAGE_NAMES}
