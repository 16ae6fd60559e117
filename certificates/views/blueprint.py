"""The blueprint of the trainer and admin pages for certificates (``/manage/certificates``),
and what its pages share: who may see which seminars, the page's language (PDF and ZIP
replies: ``views.files``).

The pages: issuing per seminar and identity (``issuing_views``), the register and one
certificate's life (``register_views``), the qualifications (``qualification_views``).

Who may do what: admins everything; a trainer what concerns the seminars they may manage
(``seminars.permissions.can_manage``: its trainers and its course's owners) and, for
certificates issued without a seminar, the qualifications whose courses they own. Every route
looks its object up first (404 for an unknown id) and then checks permission (403).
"""

from __future__ import annotations

from flask import Blueprint, current_app
from flask_babel import get_locale
from sqlalchemy.sql import Select

from lms.models import User
from seminars.permissions import managed_query

bp = Blueprint(
    "manage_certificates",
    __name__,
    url_prefix="/manage/certificates",
    template_folder="../templates",
)


def page_locale() -> str:
    """The language the page is shown in (titles of qualifications are chosen by it)."""
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def managed_seminars_query(user: User) -> Select:
    """The seminars ``user`` may issue for (``seminars.permissions.managed_query``)."""
    return managed_query(user)
