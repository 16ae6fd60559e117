"""What the site search (``lms.search``) finds in the question bank: questions whose current
version's text (original or translated) or key contains the words. For the staff who may
edit the question's course only (``courses.permissions.owns_course``): a trainee, a visitor
or another course's trainer never gets a question's text or key, not even a count."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import contains_eager

from courses.models import Course
from courses.permissions import is_staff, owns_course
from lms import content_translations as ct
from lms.search import Hit, contains, snippet, translated_ids
from quizzes.models import Question, QuestionVersion
from quizzes.translations import QUESTION


def query(user, words: str) -> Select | None:
    if not is_staff(user):
        return None
    current = (QuestionVersion.question_id == Question.id) & (
        QuestionVersion.version == Question.current_version
    )
    return (
        select(QuestionVersion)
        .join(Question, current)
        .join(Course, Question.course_id == Course.id)
        .where(
            owns_course(user, Question.course_id),
            or_(
                contains(Question.key, words),
                contains(QuestionVersion.stem_source, words),
                QuestionVersion.id.in_(translated_ids(QUESTION.name, ("stem_source",), words)),
            ),
        )
        .options(contains_eager(QuestionVersion.question).contains_eager(Question.course))
        .order_by(Course.title, Question.key)
    )


def hits(versions: list[QuestionVersion]) -> list[Hit]:
    ct.preload(versions)
    ct.preload([*{v.question.course_id: v.question.course for v in versions}.values()])
    return [
        Hit(
            snippet(ct.text(version, "stem_source"), "", 120) or version.question.key,
            url_for("quiz_bank.question_page", question_id=version.question_id),
            f"{version.question.key} · {ct.text(version.question.course, 'title')}",
        )
        for version in versions
    ]
