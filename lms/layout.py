"""What every page's layout needs: navigation by role and the site's names."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, g, has_request_context, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from jinja2 import nodes
from jinja2.ext import Extension
from sqlalchemy.exc import SQLAlchemyError

from lms import site_settings

# (endpoint, label, roles that see it); features append their own entries in init_app.
NAVIGATION_KEY = "lms.navigation"
DASHBOARD_KEY = "lms.dashboard_panels"


@dataclass(frozen=True)
class DashboardPanel:
    """A section of the dashboard that a feature contributes: a template and its data."""

    template: str
    context: Callable[[object], dict | None]  # given the user; None hides the panel
    roles: tuple[str, ...]
    order: int = 50
    column: str = "side"  # "main": the wide column, for a role's main work; "side": a card


def add_dashboard_panel(
    app: Flask,
    template: str,
    context: Callable[[object], dict | None],
    roles: tuple[str, ...],
    order: int = 50,
    column: str = "side",
) -> None:
    if column not in ("main", "side"):
        raise ValueError(f"column must be 'main' or 'side', not {column!r}")
    app.extensions.setdefault(DASHBOARD_KEY, []).append(
        DashboardPanel(template, context, roles, order, column)
    )


def dashboard_panels(user) -> dict[str, list[tuple[str, dict]]]:
    """For each column ("main", "side"), the (template, context) of each panel ``user``
    should see there, in order."""
    panels = sorted(current_app.extensions.get(DASHBOARD_KEY, []), key=lambda p: p.order)
    shown: dict[str, list[tuple[str, dict]]] = {"main": [], "side": []}
    for panel in panels:
        if user.role in panel.roles:
            context = panel.context(user)
            if context is not None:
                shown[panel.column].append((panel.template, context))
    return shown


def add_navigation(
    app: Flask, endpoint: str, label, roles: tuple[str, ...] | None, bar: str = "main"
) -> None:
    """Add a menu entry; ``roles`` None means everyone, () means signed-in users.

    ``bar`` "main" is the top menu; "teaching" is the staff's second bar under it; "footer"
    the links at the foot of every page.
    """
    app.extensions.setdefault(NAVIGATION_KEY, []).append((endpoint, label, roles, bar))


def navigation_items(bar: str = "main") -> list[tuple[str, object]]:
    user = current_user._get_current_object()  # once, not through the proxy per entry
    signed_in = user.is_authenticated
    role = user.role if signed_in else None
    return [
        (endpoint, label)
        for endpoint, label, roles, item_bar in current_app.extensions.get(NAVIGATION_KEY, [])
        if item_bar == bar and (roles is None or (signed_in and (not roles or role in roles)))
    ]


ADDRESSES_KEPT = 2000


def addresses_kept_once(app: Flask) -> Callable[..., str]:
    """``url_for`` for templates, keeping each address that takes no values (a menu entry)
    or only a static file's name, per script root: the layout alone asks for about twenty
    such addresses on every page, each otherwise built by the URL map again. Everything else
    (values, a blueprint-relative ".name", ``_external`` and the like, or no request) is
    built by Flask's ``url_for`` as before."""
    build = app.url_for
    kept: dict[tuple[str, str, str | None], str] = {}

    def url_for(endpoint: str, **values) -> str:
        if endpoint.startswith(".") or not has_request_context():
            return build(endpoint, **values)
        filename = None
        if values:
            if len(values) != 1 or "filename" not in values or not endpoint.endswith("static"):
                return build(endpoint, **values)
            filename = values["filename"]
        key = (request.script_root, endpoint, filename)
        address = kept.get(key)
        if address is None:
            address = build(endpoint, **values)
            if len(kept) < ADDRESSES_KEPT:
                kept[key] = address
        return address

    return url_for


FRAGMENTS_KEPT = 1000


class KeptFragments(Extension):
    """``{% kept key %}...{% endkept %}``: the body is rendered once per process and ``key``
    and shown as kept afterwards; a ``None`` key renders it every time.

    The layout's header (a visitor's) and footer are the same on every page of one address
    (endpoint) in one language and the same bar of menus, yet they cost a third of a light
    page's rendering: twenty addresses, thirty translated texts, the language buttons. The
    key must name everything the body shows: base.html keys them by language, endpoint,
    script root, the database-down layout and, for the footer, the role and the
    organisation's name (a setting). At most ``FRAGMENTS_KEPT`` per process; beyond that
    the body is rendered as if unkept. Nothing is kept across processes or written, nor
    while templates are reloaded on change (``TEMPLATES_AUTO_RELOAD``, debug): an edited
    layout shows at once."""

    tags = {"kept"}

    def __init__(self, environment) -> None:
        super().__init__(environment)
        self.kept: dict[tuple, str] = {}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        key = parser.parse_expression()
        body = parser.parse_statements(("name:endkept",), drop_needle=True)
        call = self.call_method("_shown", [key])
        return nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _shown(self, key, caller):
        if key is None or self.environment.auto_reload:
            return caller()
        shown = self.kept.get(key)
        if shown is None:
            shown = caller()
            if len(self.kept) < FRAGMENTS_KEPT:
                self.kept[key] = shown
        return shown


def init_app(app: Flask) -> None:
    app.jinja_env.add_extension(KeptFragments)
    app.jinja_env.globals["url_for"] = addresses_kept_once(app)
    add_navigation(app, "main.dashboard", _l("Dashboard"), ())
    add_navigation(app, "admin.users", _l("Users"), ("admin",), bar="teaching")
    add_navigation(app, "admin.settings", _l("Settings"), ("admin",), bar="teaching")
    add_navigation(app, "jobs.admin_jobs", _l("Jobs"), ("admin",), bar="teaching")
    add_navigation(app, "analytics.index", _l("Analytics"), ("trainer", "admin"), bar="teaching")

    @app.context_processor
    def _layout() -> dict:
        path = request.full_path.rstrip("?") if request else "/"
        # While the database is down (lms.errors) the layout reads nothing from it: no user,
        # no menus by role; brand, language switcher and footer only.
        minimal = bool(g.get("database_unavailable"))
        locale: list[str] = []

        def current_locale() -> str:
            # Asked seven times by the layout (the html element and each language button):
            # worked out once per rendering (force_locale makes its own rendering).
            if not locale:
                locale.append(str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"]))
            return locale[0]

        def organisation_name() -> str:
            # The footer's name: the administrators' setting in the page's language (read
            # at most every 30 seconds per process: no query per page), the configured
            # name while the database is down or when none is set.
            if minimal:
                return current_app.config["ORGANISATION_NAME"]
            try:
                return site_settings.shown_organisation_name(current_locale())
            except SQLAlchemyError:
                current_app.logger.warning("footer: site settings unreadable", exc_info=True)
                return current_app.config["ORGANISATION_NAME"]

        return {
            "minimal_layout": minimal,
            "navigation_items": [] if minimal else navigation_items(),
            "teaching_items": [] if minimal else navigation_items("teaching"),
            "footer_items": [] if minimal else navigation_items("footer"),
            "site_name": current_app.config["SITE_NAME"],
            "organisation_name": organisation_name,
            "current_path": path,
            "current_locale": current_locale,
        }
