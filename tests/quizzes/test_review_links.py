"""The review of an attempt links each missed criterion to the modules that teach it
(courses.module_criteria), in the trainee's language, and falls back to the course's list
of modules when no module is marked (issue 20)."""

from __future__ import annotations

from sqlalchemy import select

from courses import learning, module_criteria
from lms import content_translations
from lms.extensions import db
from quizzes.models import Attempt


def _wrong(question) -> str:
    key = question.presentation["key"]
    options = question.version.definition["options"]
    return next(i for i, index in key.items() if not options[index].get("correct"))


def _missed(make_quiz, trainee, login, course=None) -> tuple:
    """A trainee answers every question of a C3-ETH quiz wrongly; the result page's HTML."""
    quiz = make_quiz(questions=2, criterion="C3-ETH", review_policy="answers", course=course)
    learning.enrol(trainee, quiz.course)
    client = login(trainee)
    client.post_form(f"/quizzes/{quiz.id}/start")
    attempt = db.session.scalar(select(Attempt).where(Attempt.quiz_id == quiz.id))
    answers = {f"q{q.position}": _wrong(q) for q in attempt.questions}
    client.post_form(f"/quizzes/attempts/{attempt.id}", {**answers, "action": "submit"})
    return client, quiz, client.get(f"/quizzes/attempts/{attempt.id}/result")


def test_without_marked_modules_the_review_links_the_courses_module_list(make_quiz, trainee, login):
    _client, quiz, response = _missed(make_quiz, trainee, login)
    page = response.get_data(as_text=True)
    assert "Taught in:" in page and f"/courses/{quiz.course.slug}#modules" in page
    assert "Study again:" not in page


def test_the_review_links_the_module_that_teaches_the_missed_criterion(
    make_quiz, make_course, trainee, login, trainer
):
    course = make_course("Ethics course", modules=3)
    second = course.modules[1]
    module_criteria.set_codes(second, ["C3-ETH"])
    module_criteria.set_codes(course.modules[2], ["C1-LAW"])  # another criterion: not linked
    content_translations.save(second, "ru", {"title": "Беспристрастность"}, user=trainer)
    db.session.commit()
    _client, _quiz, response = _missed(make_quiz, trainee, login, course=course)
    page = response.get_data(as_text=True)
    link = f'href="/courses/{course.slug}/{second.slug}"'
    assert "Study again:" in page and link in page
    assert f"/courses/{course.slug}/{course.modules[2].slug}" not in page
    assert "Taught in:" not in page
    # In Russian, the module's Russian title is the link's text.
    trainee.language = "ru"
    db.session.commit()
    page = login(trainee).get(response.request.path).get_data(as_text=True)
    assert link in page and "Беспристрастность</a>" in page


def test_a_module_of_another_published_course_is_linked_when_the_quizs_course_has_none(
    make_quiz, make_course, trainee, login
):
    other = make_course("Another course", modules=1)
    module_criteria.set_codes(other.modules[0], ["C3-ETH"])
    draft = make_course("Unpublished course", modules=1, status="draft")
    module_criteria.set_codes(draft.modules[0], ["C3-ETH"])
    _client, _quiz, response = _missed(make_quiz, trainee, login)
    page = response.get_data(as_text=True)
    assert f'href="/courses/{other.slug}/{other.modules[0].slug}"' in page
    assert f"/courses/{draft.slug}/" not in page  # trainees cannot read a draft course
