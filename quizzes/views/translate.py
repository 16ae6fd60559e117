"""Translating a question, a quiz or a criterion side by side with its original
(lms.content_translations, kinds in quizzes.translations).

Who may translate is who may edit the original: a question's or a quiz's course staff
(``owned_question``, ``owned_quiz``: 403 otherwise), an administrator for criteria. The
language is ``?lang=`` (a form field when saving); a language the site does not offer, or the
original's own, is a 404. A question is translated in its current version.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms import content_translations as ct
from lms.extensions import db
from lms.permissions import admin_required, trainer_required
from lms.routing import get_or_404
from lms.service_error import ServiceError, refused
from quizzes import question_texts
from quizzes.models import Criterion
from quizzes.views.owned import owned_question, owned_quiz

bp = Blueprint(
    "quiz_translations",
    __name__,
    url_prefix="/manage/quizzes",
    template_folder="../templates",
)


def _locale(obj) -> str:
    original = ct.kind_of(obj).original_language(obj)
    others = [loc for loc in ct.languages() if loc != original]
    locale = request.values.get("lang") or (others[0] if others else "")
    if locale not in others:
        abort(404)
    return locale


# ---------------------------------------------------------------- the definition's words


def _part_rows(original: dict, translated: dict) -> list[dict]:
    """One row per word of the definition, for the side-by-side form: its form name, the
    original and the translation (accepted answers: one text area, one answer a line)."""
    rows = []
    for part, value in original.items():
        label = question_texts.PART_LABELS[part]
        given = translated.get(part)
        if part == "pairs":
            given = given if isinstance(given, list) and len(given) == len(value) else None
            sides = {"left": _("left"), "right": _("right")}
            for index, pair in enumerate(value):
                for side, side_label in sides.items():
                    rows.append(
                        {
                            "name": f"texts-pairs-{index}-{side}",
                            "label": f"{label} {index + 1} ({side_label})",
                            "original": pair[side],
                            "value": given[index][side] if given else "",
                            "multiline": False,
                        }
                    )
        elif part == "accepted":
            rows.append(
                {
                    "name": "texts-accepted",
                    "label": f"{label} ({_('one a line')})",
                    "original": "\n".join(value),
                    "value": "\n".join(given) if isinstance(given, list) else "",
                    "multiline": True,
                }
            )
        elif isinstance(value, list):
            given = given if isinstance(given, list) and len(given) == len(value) else None
            for index, text in enumerate(value):
                rows.append(
                    {
                        "name": f"texts-{part}-{index}",
                        "label": f"{label} {index + 1}",
                        "original": text,
                        "value": given[index] if given else "",
                        "multiline": part == "rubric",
                    }
                )
        else:
            rows.append(
                {
                    "name": f"texts-{part}",
                    "label": str(label),
                    "original": value,
                    "value": given if isinstance(given, str) else "",
                    "multiline": part == "model_answer",
                }
            )
    return rows


def _posted_texts(original: dict, form) -> str:
    """The definition's words as posted, in the stored shape (a part left wholly blank is
    left out: the original shows)."""
    texts: dict = {}
    for part, value in original.items():
        if part == "pairs":
            pairs = [
                {
                    "left": form.get(f"texts-pairs-{i}-left", ""),
                    "right": form.get(f"texts-pairs-{i}-right", ""),
                }
                for i in range(len(value))
            ]
            if any(p["left"].strip() or p["right"].strip() for p in pairs):
                texts[part] = pairs
        elif part == "accepted":
            lines = [line for line in form.get("texts-accepted", "").splitlines() if line.strip()]
            if lines:
                texts[part] = lines
        elif isinstance(value, list):
            items = [form.get(f"texts-{part}-{i}", "") for i in range(len(value))]
            if any(item.strip() for item in items):
                texts[part] = items
        elif form.get(f"texts-{part}", "").strip():
            texts[part] = form.get(f"texts-{part}")
    return question_texts.dumps(texts)


# ---------------------------------------------------------------- the page


def _page(obj, locale: str, *, title: str, back: str, action: str, error=None, typed=None):
    kind = ct.kind_of(obj)
    states = ct.states(obj, locale)
    fields, part_state = [], None
    for state in states:
        if state.field.name == "texts_json":
            part_state = state
            continue
        fields.append(state)
    parts = None
    if part_state is not None and part_state.original:
        version = obj
        original = question_texts.original_texts(version.question.type, version.definition)
        translated = question_texts.loads(part_state.translation)
        parts = {"state": part_state, "rows": _part_rows(original, translated)}
    return render_template(
        "quizzes/manage/translate.html",
        obj=obj,
        kind=kind,
        locale=locale,
        original_language=kind.original_language(obj),
        fields=fields,
        parts=parts,
        coverage=ct.coverage([obj]),
        title=title,
        back=back,
        action=action,
        error=error,
        typed=typed,
    ), (400 if error else 200)


def _save(obj, locale: str, render):
    values = {}
    for field in ct.kind_of(obj).fields:
        if field.name == "texts_json":
            if obj.texts_json:
                original = question_texts.original_texts(obj.question.type, obj.definition)
                values["texts_json"] = _posted_texts(original, request.form)
        else:
            values[field.name] = request.form.get(field.name, "")
    try:
        ct.save(obj, locale, values, user=current_user)
        db.session.commit()
    except ServiceError as error:
        db.session.rollback()
        return render(error=refused(error), typed=request.form)
    flash(_("Translation saved."), "success")
    return redirect(url_for(request.endpoint, **request.view_args, lang=locale))


@bp.route("/bank/<id:question_id>/translations", methods=["GET", "POST"])
@trainer_required
def question(question_id: int):
    q = owned_question(question_id)
    version = q.current
    locale = _locale(version)

    def render(**extra):
        return _page(
            version,
            locale,
            title=f"{q.key} ({_('version %(n)d', n=version.version)})",
            back=url_for("quiz_bank.question_page", question_id=q.id),
            action=url_for("quiz_translations.question", question_id=q.id, lang=locale),
            **extra,
        )

    return _save(version, locale, render) if request.method == "POST" else render()


@bp.route("/<id:quiz_id>/translations", methods=["GET", "POST"])
@trainer_required
def quiz(quiz_id: int):
    item = owned_quiz(quiz_id)
    locale = _locale(item)

    def render(**extra):
        return _page(
            item,
            locale,
            title=item.title,
            back=url_for("quiz_builder.settings", quiz_id=item.id),
            action=url_for("quiz_translations.quiz", quiz_id=item.id, lang=locale),
            **extra,
        )

    return _save(item, locale, render) if request.method == "POST" else render()


@bp.route("/criteria/<id:criterion_id>/translations", methods=["GET", "POST"])
@admin_required
def criterion(criterion_id: int):
    item = get_or_404(Criterion, criterion_id)
    locale = _locale(item)

    def render(**extra):
        return _page(
            item,
            locale,
            title=f"{item.code} – {item.title}",
            back=url_for("manage_quizzes.criteria"),
            action=url_for("quiz_translations.criterion", criterion_id=item.id, lang=locale),
            **extra,
        )

    return _save(item, locale, render) if request.method == "POST" else render()
