"""A rubric's translations: the rubric and its lines side by side with the original
(``/manage/assessments/rubrics/<id>/translations``), for those who may edit the rubric."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from assessments.models import Rubric
from assessments.views.blueprint import bp, render_page
from assessments.views.rubrics import owned_rubric
from lms import content_translations as ct
from lms import translation_editor
from lms.permissions import trainer_required


def _items(rubric: Rubric) -> list:
    items = [("rubric", _l("Rubric"), rubric)]
    for line in rubric.lines:
        items.append((f"line-{line.id}", _l("Line %(n)d", n=line.position), line))
    return items


@bp.route("/manage/assessments/rubrics/<id:rubric_id>/translations", methods=["GET", "POST"])
@trainer_required
def rubric_translations(rubric_id: int):
    rubric = owned_rubric(rubric_id)
    offered = translation_editor.offered_locales([rubric])
    items = _items(rubric)
    posted, errors, status = None, {}, 200
    if request.method == "POST":
        language = request.form.get("language", "")
        if language not in offered:
            abort(400)
        _changed, errors = translation_editor.save_items(
            items, language, request.form, user=current_user
        )
        if not errors:
            flash(_("Translations saved."), "success")
            return redirect(
                url_for("practical.rubric_translations", rubric_id=rubric.id, language=language)
            )
        posted, status = request.form, 400
    else:
        language = request.args.get("language") or (offered[0] if offered else "")
        if language not in offered:
            abort(404)
    return render_page(
        "rubric_translations.html",
        status,
        rubric=rubric,
        language=language,
        coverage=ct.coverage([item[2] for item in items]),
        groups=translation_editor.groups(items, language, posted, errors),
        errors=errors,
    )
