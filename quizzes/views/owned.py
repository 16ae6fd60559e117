"""What a trainer's page loads by the id in its URL: the row, else 404 (``get_or_404``), and
only when the signed-in user may edit its course, else 403 (``require_course_owner``)."""

from __future__ import annotations

from sqlalchemy.orm import selectinload

from courses.models import Course
from courses.permissions import require_course_owner
from lms.routing import get_or_404
from quizzes.models import Question, Quiz


def owned_course(course_id: int) -> Course:
    course = get_or_404(Course, course_id)
    require_course_owner(course)
    return course


def owned_quiz(quiz_id: int) -> Quiz:
    quiz = get_or_404(Quiz, quiz_id)
    require_course_owner(quiz.course)
    return quiz


def owned_question(question_id: int) -> Question:
    """The question with its versions loaded (its pages show or compare them)."""
    question = get_or_404(Question, question_id, options=[selectinload(Question.versions)])
    require_course_owner(question.course)
    return question
