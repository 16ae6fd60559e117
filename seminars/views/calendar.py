"""The seminars' calendar (``/seminars/calendar``: a month and the upcoming sessions, public)
and a user's personal feed (``/seminars/feed/<token>.ics``: the secret address made on the
account page, ``lms.calendar_feed``; a wrong or revoked token is a 404)."""

from __future__ import annotations

from flask import abort, make_response, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from lms import calendar_feed
from lms import content_translations as ct
from lms.timezone import site_today
from seminars import calendar
from seminars.files import personal_ics
from seminars.translations import preload_seminars
from seminars.views.public import bp


@bp.get("/calendar")
def calendar_page():
    first = calendar.parse_month(request.args.get("month", type=str), site_today())
    if first is None:
        abort(404)
    shown = calendar.month(first, current_user)
    upcoming, _mine = calendar.upcoming(current_user)
    sessions = list({s.id: s for w in shown.weeks for d in w for s in d.sessions}.values())
    sessions += [s for s in upcoming if s not in sessions]
    # Titles, venues, topics and course titles in the reader's language: a query per kind.
    preload_seminars(list({s.seminar_id: s.seminar for s in sessions}.values()))
    ct.preload(sessions)
    return render_template(
        "seminars/calendar.html",
        month=shown,
        upcoming=upcoming,
        mine=shown.mine,
        feed=current_user.is_authenticated and calendar_feed.feed_endpoint() is not None,
    )


@bp.get("/feed/<token>.ics")
def feed(token: str):
    user = calendar_feed.user_for_token(token)
    if user is None:
        abort(404)
    with force_locale(user.language):
        name = _("My seminars")
        body = personal_ics(
            calendar.feed_seminars(user),
            name=name,
            host=request.host.split(":")[0],
            locale=user.language,
        )
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    # Personal: never in a shared cache; calendar programs fetch it again on their schedule.
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
