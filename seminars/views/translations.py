"""The seminar's translations: the seminar and its sessions side by side with the original
(``/manage/seminars/<id>/translations``), for those who may edit the seminar."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from lms import content_translations as ct
from lms import translation_editor
from lms.permissions import trainer_required
from lms.service_error import ServiceError, refused
from seminars.models import Seminar
from seminars.views.blueprint import bp, managed_seminar


def _items(seminar: Seminar) -> list:
    items = [("seminar", _l("Seminar"), seminar)]
    for number, session in enumerate(seminar.sessions, start=1):
        items.append((f"session-{session.id}", _l("Session %(n)d", n=number), session))
    return items


def _language(seminar: Seminar, value: str | None) -> str:
    offered = translation_editor.offered_locales([seminar])
    if not offered:
        abort(404)
    if not value:
        return offered[0]
    if value not in offered:
        abort(404)
    return value


@bp.route("/<id:seminar_id>/translations", methods=["GET", "POST"])
@trainer_required
def translations(seminar_id: int):
    seminar = managed_seminar(seminar_id)
    items = _items(seminar)
    posted, errors, status = None, {}, 200
    if request.method == "POST":
        language = request.form.get("language", "")
        if language not in translation_editor.offered_locales([seminar]):
            abort(400)
        try:
            _changed, errors = translation_editor.save_items(
                items, language, request.form, user=current_user
            )
        except ServiceError as error:
            flash(refused(error), "danger")
            abort(400)
        if not errors:
            flash(_("Translations saved."), "success")
            return redirect(
                url_for("manage_seminars.translations", seminar_id=seminar.id, language=language)
            )
        posted, status = request.form, 400
    else:
        language = _language(seminar, request.args.get("language"))
    return render_template(
        "seminars/manage/translations.html",
        seminar=seminar,
        language=language,
        coverage=ct.coverage([item[2] for item in items]),
        groups=translation_editor.groups(items, language, posted, errors),
        errors=errors,
    ), status
