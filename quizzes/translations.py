"""Criteria, quizzes and questions in several languages (lms.content_translations).

Kinds:

- ``criterion``: title, description. Criteria are the programme's, written in English like
  shared/domain/qualification-criteria.md (``CRITERIA_LANGUAGE``).
- ``quiz``: title, instructions (Markdown, rendered like the original's). A quiz's original
  language is its course's.
- ``question``: keyed by the **question version** (``QuestionVersion``): stem and feedback
  (Markdown) and ``texts_json``, the definition's words as one JSON object in the shape of
  ``quizzes.question_texts`` (options, pairs, items, accepted answers, unit, rubric lines, model
  answer), validated against the original (same counts, lengths). An attempt keeps its version,
  so it keeps the translation it was taken in. A new version starts with the previous one's
  translations (``carry_over``), each still recording the original it was made from: those
  whose original text changed are *out of date* until a translator saves them again, and until
  then trainees see the original of that field (``current_only``), never a translation of
  other words.

An attempt records the trainee's language at the start (``Attempt.language``). Its questions
are shown in it field by field, the original where a field has no up-to-date translation
(``attempt_views``). Grading never reads a translation except for short answers, which accept
the original's accepted answers and those of the attempt's language (``accepted_answers``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, event, select

from courses.models import Course
from lms import content_translations as ct
from lms.extensions import db
from lms.markdown_rendering import render_markdown
from lms.service_error import ServiceError
from lms.text_limits import QUESTION_TEXT, QUIZ_INSTRUCTIONS
from quizzes import question_texts
from quizzes.models import Attempt, AttemptQuestion, Criterion, Question, QuestionVersion, Quiz

CRITERIA_LANGUAGE = "en"


def _render(obj, source: str):
    return render_markdown(source)


CRITERION = ct.register_kind(
    "criterion",
    Criterion,
    (
        ct.Field("title", _l("Title"), 200, required=True),
        ct.Field("description", _l("Description"), 5000, multiline=True),
    ),
    original_language=lambda criterion: CRITERIA_LANGUAGE,
)

QUIZ = ct.register_kind(
    "quiz",
    Quiz,
    (
        ct.Field("title", _l("Title"), 200, required=True),
        ct.Field("instructions", _l("Instructions"), QUIZ_INSTRUCTIONS, markdown=True),
    ),
    original_language=lambda quiz: quiz.course.language,
    render=_render,
    original_html=lambda quiz, field: quiz.instructions_html,
)


def _check_texts(version: QuestionVersion, text: str) -> str:
    return question_texts.check_texts(version.question.type, version.definition, text)


def _version_html(version: QuestionVersion, field: str) -> str:
    return version.stem_html if field == "stem_source" else version.feedback_html


QUESTION = ct.register_kind(
    "question",
    QuestionVersion,
    (
        ct.Field("stem_source", _l("Question text"), QUESTION_TEXT, markdown=True, required=True),
        ct.Field("feedback_source", _l("Feedback"), QUESTION_TEXT, markdown=True),
        ct.Field(
            "texts_json", _l("Options and other texts"), 100_000, multiline=True, check=_check_texts
        ),
    ),
    original_language=lambda version: version.question.course.language,
    render=_render,
    original_html=_version_html,
)

# The import and export formats (and the demo's files) name a question's fields as its
# original does: ``stem``, ``feedback`` and the definition's parts (options, pairs, ...).
QUESTION_FILE_FIELDS = {"stem": "stem_source", "feedback": "feedback_source"}


@event.listens_for(Question, "before_delete")
def _delete_version_translations(mapper, connection, question) -> None:
    """Versions go with their question by the database's cascade: their translations too."""
    connection.execute(
        delete(ct.ContentTranslation).where(
            ct.ContentTranslation.kind == QUESTION.name,
            ct.ContentTranslation.object_id.in_(
                select(QuestionVersion.id).where(QuestionVersion.question_id == question.id)
            ),
        )
    )


@event.listens_for(Course, "before_delete")
def _delete_course_translations(mapper, connection, course) -> None:
    """A course's quizzes and questions go with it by the database's cascade (no ORM delete
    event for each): their translations are removed here."""
    for kind, ids in (
        (QUIZ.name, select(Quiz.id).where(Quiz.course_id == course.id)),
        (
            QUESTION.name,
            select(QuestionVersion.id)
            .join(Question, Question.id == QuestionVersion.question_id)
            .where(Question.course_id == course.id),
        ),
    ):
        connection.execute(
            delete(ct.ContentTranslation).where(
                ct.ContentTranslation.kind == kind, ct.ContentTranslation.object_id.in_(ids)
            )
        )


def carry_over(previous: QuestionVersion, version: QuestionVersion) -> None:
    """Give a new version the previous one's translations, each with the digest of the
    original it was made from: unchanged fields stay up to date, changed ones are out of
    date. ``version`` must be flushed (it needs its id). The caller commits."""
    rows = db.session.scalars(
        select(ct.ContentTranslation).where(
            ct.ContentTranslation.kind == QUESTION.name,
            ct.ContentTranslation.object_id == previous.id,
        )
    )
    for row in list(rows):
        db.session.add(
            ct.ContentTranslation(
                kind=row.kind,
                object_id=version.id,
                field=row.field,
                locale=row.locale,
                text=row.text,
                html=row.html,
                toc_json=row.toc_json,
                source_digest=row.source_digest,
                updated_by_id=row.updated_by_id,
            )
        )


# ---------------------------------------------------------------- file format


def question_file_values(version: QuestionVersion) -> dict[str, dict]:
    """A version's translations as the import/export files and the demo's files write them:
    ``{locale: {stem, feedback, options: [...], ...}}``."""
    result: dict[str, dict] = {}
    for locale, fields in ct.export(version).items():
        entry: dict = {}
        for file_name, field in QUESTION_FILE_FIELDS.items():
            if field in fields:
                entry[file_name] = fields[field]
        entry.update(_file_parts(question_texts.loads(fields.get("texts_json"))))
        result[locale] = entry
    return result


def _file_parts(texts: dict) -> dict:
    """Rubric lines are written ``{criterion: text}`` as in the original's definition."""
    parts = dict(texts)
    if "rubric" in parts:
        parts["rubric"] = [{"criterion": line} for line in parts["rubric"]]
    return parts


def _stored_parts(parts: dict) -> dict:
    stored = dict(parts)
    if isinstance(stored.get("rubric"), list):
        stored["rubric"] = [
            line.get("criterion") if isinstance(line, dict) else line for line in stored["rubric"]
        ]
    return stored


def _check_file_languages(translations, obj) -> None:
    if not isinstance(translations, dict):
        raise ServiceError(_l("Translations must map languages to fields."), field="translations")
    original = ct.kind_of(obj).original_language(obj)
    for locale in translations:
        if locale not in ct.languages() or locale == original:
            raise ServiceError(
                _l(
                    "Unknown language to translate into: “%(language)s” (the site offers "
                    "%(languages)s, besides the original's).",
                    language=locale,
                    languages=", ".join(loc for loc in ct.languages() if loc != original),
                ),
                field="translations",
            )


def import_quiz_values(quiz: Quiz, translations, *, user=None) -> None:
    """Store a file's ``{locale: {title, instructions}}`` on ``quiz``; an unknown language or
    field is refused with a message naming it."""
    if translations:
        _check_file_languages(translations, quiz)
        ct.import_values(quiz, translations, user=user)


def import_question_values(version: QuestionVersion, translations, *, user=None) -> None:
    """Store ``{locale: {stem, feedback, options, ...}}`` from a file on ``version``; an
    unknown language or field is refused with a message naming it."""
    if not translations:
        return
    _check_file_languages(translations, version)
    parts = set(question_texts.original_texts(version.question.type, version.definition))
    converted: dict = {}
    for locale, values in translations.items():
        if not isinstance(values, dict):
            raise ServiceError(
                _l("Translations into %(language)s must map fields to text.", language=locale),
                field="translations",
            )
        unknown = sorted(str(k) for k in values if k not in QUESTION_FILE_FIELDS and k not in parts)
        if unknown:
            raise ServiceError(
                _l("Unknown field to translate: %(field)s.", field=", ".join(unknown)),
                field="translations",
            )
        entry = {QUESTION_FILE_FIELDS[k]: v for k, v in values.items() if k in QUESTION_FILE_FIELDS}
        texts = _stored_parts({k: v for k, v in values.items() if k in parts})
        if texts:
            entry["texts_json"] = question_texts.dumps(texts)
        converted[locale] = entry
    ct.import_values(version, converted, user=user)


# ---------------------------------------------------------------- reading


def attempt_language(attempt: Attempt) -> str:
    """The language an attempt's questions are shown in (attempts from before languages
    were recorded: the original's)."""
    return attempt.language or attempt.quiz.course.language


@dataclass
class QuestionView:
    """A question as a reader sees it in one language: each part translated where an
    up-to-date translation exists, else the original (``*_lang`` then names the original's
    language, for the ``lang`` attribute; None when shown in the language asked for)."""

    stem_html: str
    stem_lang: str | None
    feedback_html: str
    feedback_lang: str | None
    texts: dict  # question_texts.original_texts with the translated parts
    texts_lang: str | None
    presentation: dict | None  # the attempt's frozen presentation with the shown words

    @property
    def untranslated(self) -> str | None:
        """The original's language when some part is shown untranslated."""
        return self.stem_lang or self.feedback_lang or self.texts_lang


def version_view(
    version: QuestionVersion, locale: str, presentation: dict | None = None
) -> QuestionView:
    """``version`` as shown in ``locale`` (with ``presentation``'s words when given)."""

    def lang(field: str) -> str | None:
        if not (getattr(version, field) or "").strip():
            return None
        shown = ct.shown_language(version, field, locale, current_only=True)
        return None if shown == locale else shown

    definition = version.definition
    translated = question_texts.loads(ct.text(version, "texts_json", locale, current_only=True))
    texts = question_texts.merged(version.question.type, definition, translated)
    return QuestionView(
        stem_html=ct.html(version, "stem_source", locale, current_only=True),
        stem_lang=lang("stem_source"),
        feedback_html=ct.html(version, "feedback_source", locale, current_only=True),
        feedback_lang=lang("feedback_source"),
        texts=texts,
        texts_lang=lang("texts_json"),
        presentation=None if presentation is None else shown_presentation(presentation, texts),
    )


def shown_presentation(presentation: dict, texts: dict) -> dict:
    """A frozen presentation with the words of ``texts`` (by the indexes its key holds):
    what the page shows; grading keeps using the frozen presentation's ids."""
    shown = copy.deepcopy(presentation)
    key = shown.get("key") or {}
    if "options" in texts and isinstance(shown.get("options"), list):
        for option in shown["options"]:
            index = key.get(option.get("id"))
            if "text" in option and isinstance(index, int) and index < len(texts["options"]):
                option["text"] = texts["options"][index]
    if "pairs" in texts and isinstance(key.get("left"), dict):
        for side, part in (("lefts", "left"), ("rights", "right")):
            for entry in shown.get(side) or []:
                index = key[part].get(entry.get("id"))
                if isinstance(index, int) and index < len(texts["pairs"]):
                    entry["text"] = texts["pairs"][index][part]
    if "items" in texts and isinstance(shown.get("items"), list):
        for entry in shown["items"]:
            index = key.get(entry.get("id"))
            if isinstance(index, int) and index < len(texts["items"]):
                entry["text"] = texts["items"][index]
    if "unit" in shown and "unit" in texts:
        shown["unit"] = texts["unit"]
    return shown


def preload_attempt(
    attempt: Attempt, locale: str | None = None, also=(), only: set[int] | None = None
) -> None:
    """The translations of an attempt's questions (those numbered ``only``, from 1, when
    given) and of the objects ``also`` (e.g. its quiz when the page is in the attempt's
    language) in one query, pages of any length."""
    versions = [
        q.version
        for number, q in enumerate(attempt.questions, start=1)
        if only is None or number in only
    ]
    ct.preload([*also, *versions], locale or attempt_language(attempt))


def attempt_views(
    attempt: Attempt, locale: str | None = None, *, only: set[int] | None = None, also=()
) -> list[QuestionView | None]:
    """Each question of the attempt as shown in its language (or ``locale``), in order;
    with ``only`` (question numbers from 1) the others are None (a page showing one question
    builds one view, not twenty)."""
    locale = locale or attempt_language(attempt)
    preload_attempt(attempt, locale, also, only)
    return [
        version_view(q.version, locale, q.presentation) if only is None or number in only else None
        for number, q in enumerate(attempt.questions, start=1)
    ]


def item_view(item: AttemptQuestion, attempt: Attempt) -> QuestionView:
    return version_view(item.version, attempt_language(attempt), item.presentation)


def accepted_answers(version: QuestionVersion, locale: str | None) -> list[str]:
    """A short answer's accepted answers: the original's and, in an attempt taken in another
    language, that language's (an up-to-date translation's)."""
    accepted = list(version.definition.get("accepted") or [])
    if not locale or ct.shown_language(version, "texts_json", locale, current_only=True) != locale:
        return accepted
    translated = question_texts.loads(ct.text(version, "texts_json", locale, current_only=True))
    extra = translated.get("accepted")
    if isinstance(extra, list):
        accepted += [answer for answer in extra if isinstance(answer, str)]
    return accepted


def criterion_titles(locale: str | None = None) -> dict[str, str]:
    """Every criterion's title by code in the reader's language (one query for the
    translations)."""
    criteria = list(db.session.scalars(select(Criterion)))
    ct.preload(criteria, locale)
    return {c.code: ct.text(c, "title", locale) for c in criteria}


def active_criterion_titles() -> dict[str, str]:
    """The active criteria's titles by code, in code order, in the reader's language (what
    the module editor offers: courses.module_criteria.set_criteria_source)."""
    criteria = list(
        db.session.scalars(select(Criterion).where(Criterion.active).order_by(Criterion.code))
    )
    ct.preload(criteria)
    return {c.code: ct.text(c, "title") for c in criteria}
