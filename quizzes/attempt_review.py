"""What the review of a finished attempt shows of each question, in the attempt's language:
the answer given and the right answer as lines of text (``answer_lines``), and where each
criterion of the attempt is taught (``teaching``: the modules trainers marked as teaching it,
else the courses whose bank gave its questions). Which of these a trainee sees is the review
policy's to say (``attempt_results.shown_to_trainee``)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from courses import module_criteria
from lms import content_translations
from quizzes import translations
from quizzes.models import Attempt, AttemptQuestion
from quizzes.translations import QuestionView


@dataclass(frozen=True)
class AnswerLines:
    given: list[str]  # empty: not answered
    right: list[str]  # empty: no fixed right answer (a written answer without a model)


def _option_texts(view: QuestionView) -> dict[str, str]:
    return {o["id"]: o.get("text", "") for o in (view.presentation or {}).get("options") or []}


def answer_lines(question: AttemptQuestion, view: QuestionView, language: str) -> AnswerLines:
    """The answer given and the right one as the trainee reads them (the shown words)."""
    kind = question.version.question.type
    definition = question.version.definition
    answer = question.answer
    texts = view.texts or {}
    shown = view.presentation or {}
    if kind in ("single_choice", "multiple_choice"):
        options = _option_texts(view)
        chosen = [answer] if isinstance(answer, str) else list(answer or [])
        given = [options.get(value, "") for value in chosen]
        right = [
            text
            for text, option in zip(texts.get("options") or [], definition["options"], strict=False)
            if option.get("correct")
        ]
        return AnswerLines(given, right)
    if kind == "true_false":
        words = {True: _("True"), False: _("False")}
        return AnswerLines([] if answer is None else [words[answer]], [words[definition["answer"]]])
    if kind == "ordering":
        items = {item["id"]: item.get("text", "") for item in shown.get("items") or []}
        given = [f"{n}. {items.get(i, '')}" for n, i in enumerate(answer or [], start=1)]
        right = [f"{n}. {text}" for n, text in enumerate(texts.get("items") or [], start=1)]
        return AnswerLines(given, right)
    if kind == "matching":
        lefts = {e["id"]: e.get("text", "") for e in shown.get("lefts") or []}
        rights = {e["id"]: e.get("text", "") for e in shown.get("rights") or []}
        given = [
            f"{lefts.get(left, '')} → {rights.get(right, '')}"
            for left, right in (answer or {}).items()
        ]
        right = [f"{p.get('left', '')} → {p.get('right', '')}" for p in texts.get("pairs") or []]
        return AnswerLines(given, right)
    if kind == "numeric":
        unit = texts.get("unit") or shown.get("unit") or ""
        expected = str(definition["answer"])
        if definition.get("tolerance") not in (None, 0, "0"):
            expected = f"{expected} ± {definition['tolerance']}"
        given = [] if answer is None else [f"{answer} {unit}".strip()]
        return AnswerLines(given, [f"{expected} {unit}".strip()])
    if kind == "short_text":
        accepted = translations.accepted_answers(question.version, language)
        return AnswerLines([] if not answer else [answer], list(dict.fromkeys(accepted)))
    # free_text: the trainer scores it; the model answer, if there is one, is the right one
    model = texts.get("model_answer") or ""
    return AnswerLines([] if not answer else [answer], [model] if model else [])


def teaching_courses(attempt: Attempt) -> dict[str, list]:
    """Per criterion code, the courses whose bank gave the attempt's questions of it: the
    course teaches what its questions ask."""
    courses: dict[str, list] = {}
    for q in attempt.questions:
        question = q.version.question
        listed = courses.setdefault(question.criterion.code, [])
        if question.course is not None and question.course not in listed:
            listed.append(question.course)
    return courses


@dataclass(frozen=True)
class Teaching:
    modules: list  # the modules to study again (empty: none is marked as teaching it)
    courses: list  # the courses whose questions asked it (the fallback: their modules list)


def teaching(attempt: Attempt) -> dict[str, Teaching]:
    """Per criterion code of the attempt, where it is taught: the published modules marked
    as teaching it (courses.module_criteria), those of the courses that gave its questions
    when any is, else those of any course; the courses themselves as the fallback. Titles
    are preloaded in the reader's language."""
    courses = teaching_courses(attempt)
    found = module_criteria.teaching_modules(courses)
    result: dict[str, Teaching] = {}
    for code, listed in courses.items():
        modules = found.get(code, [])
        own = [module for module in modules if module.course in listed]
        result[code] = Teaching(own or modules, listed)
    modules = {m for t in result.values() for m in t.modules}
    content_translations.preload(list(modules))
    content_translations.preload(list({m.course for m in modules}))
    return result
