"""Languages: the locale of each request and the list the switcher offers."""

from __future__ import annotations

import functools

from babel import Locale
from flask import Flask, current_app, g, has_app_context, has_request_context, request, session
from flask_babel import Domain
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from lms.authentication import may_be_signed_in
from lms.extensions import babel

LANGUAGE_NAMES = {"en": "English", "ru": "Русский", "kk": "Қазақша"}
SESSION_KEY = "lang"


@functools.lru_cache(maxsize=256)
def _best_match(header: str, languages: tuple[str, ...]) -> str | None:
    """The browser's preferred language among ``languages``, per ``Accept-Language`` value
    (a handful of distinct values: parsed once a process, not on every visitor's page)."""
    return parse_accept_header(header, LanguageAccept).best_match(languages)


@functools.cache
def _locale(code: str) -> Locale:
    return Locale.parse(code)


def _request_locale() -> Locale:
    """Flask-Babel's locale selector: the chosen language as a Locale made once per
    language (Flask-Babel would parse the code into a new one on every request)."""
    return _locale(select_locale())


def select_locale() -> str:
    """The user's saved language, else the one chosen this visit, else the browser's."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    user = current_user if may_be_signed_in() else None  # no cookie: a visitor (no user read)
    if user and user.is_authenticated and user.language in languages:
        return user.language
    chosen = session.get(SESSION_KEY)
    if chosen in languages:
        return chosen
    header = request.environ.get("HTTP_ACCEPT_LANGUAGE", "")
    return _best_match(header, tuple(languages)) or current_app.config["BABEL_DEFAULT_LOCALE"]


class ContextDomain(Domain):
    """Flask-Babel's message domain, with the translations of the current context kept on
    Flask-Babel's own per-context namespace (``g._flask_babel.babel_translations``).

    Flask-Babel 4 finds them on every call: the context three times through proxies, the
    locale, and ``str(locale)`` as the key of its catalogue cache; a page makes 30-90 such
    calls (its template's and every lazy label's), about 6 microseconds each. Flask-Babel's
    ``refresh()`` deletes ``babel_translations`` and ``force_locale()`` clears then restores it,
    so a change of language within a request (a login, a mail in the recipient's language)
    is seen as before.
    """

    def get_translations(self):
        if has_app_context():
            namespace = g.get("_flask_babel")
            translations = getattr(namespace, "babel_translations", None)
            if translations is not None:
                return translations
        translations = super().get_translations()
        if has_app_context():
            namespace = g.get("_flask_babel")
            if namespace is not None:
                namespace.babel_translations = translations
        return translations


def _translations():
    return babel.domain_instance.get_translations()


SHOWN_LIMIT = 5000  # texts kept per catalogue (templates may translate computed strings)


@pass_context
def template_gettext(__context, __string: str, **variables):
    """Templates' ``_()`` and ``{% trans %}``, as Jinja's own newstyle gettext (escaped
    Markup when autoescaping; the text always %-formatted, so "%%" shows "%"), with the
    shown form of a text without variables kept per catalogue: a page's layout alone shows
    about thirty such texts, each otherwise translated, wrapped and formatted again."""
    # Catalogue texts are the site's own markup, as Jinja's gettext treats them; values
    # put in by %-formatting are escaped by Markup.
    translations = _translations()
    autoescape = __context.eval_ctx.autoescape
    if variables:
        text = translations.ugettext(__string)
        return (Markup(text) if autoescape else text) % variables  # noqa: S704
    shown = translations.__dict__.get("_lms_shown")
    if shown is None:
        shown = translations.__dict__.setdefault("_lms_shown", {})
    key = (__string, autoescape)
    value = shown.get(key)
    if value is None:
        text = translations.ugettext(__string)
        value = (Markup(text) if autoescape else text) % {}  # noqa: S704
        if len(shown) < SHOWN_LIMIT:
            shown[key] = value
    return value


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=_request_locale)
    # One domain object for every application (Flask-Babel makes it once per Babel too).
    if not isinstance(babel.__dict__.get("domain_instance"), ContextDomain):
        domain = app.extensions["babel"].default_domain
        babel.__dict__["domain_instance"] = ContextDomain(domain=domain)
    # Templates' _() and {% trans %}: Jinja's own wrappers (escaping, %-formatting) over
    # the context's translations, one lookup instead of Flask-Babel's chain.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.globals["gettext"] = template_gettext
    # ``_()`` straight to it (Jinja's alias would look ``gettext`` up and call it again).
    app.jinja_env.globals["_"] = template_gettext

    @app.context_processor
    def _languages() -> dict:
        return {"language_names": LANGUAGE_NAMES}
