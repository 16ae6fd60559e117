"""Languages: the locale of each request and the list the switcher offers."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

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


def site_today(now: datetime | None = None) -> date:
    """Today's date in the site's time zone (certificates are dated as people there see it)."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return (now or datetime.now(zone)).astimezone(zone).date()


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)

    @app.context_processor
    def _languages() -> dict:
        return {"language_names": LANGUAGE_NAMES}
