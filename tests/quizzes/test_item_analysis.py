"""Item analysis: facility, discrimination, option counts; and the trainer's page."""

from __future__ import annotations

from fractions import Fraction

from courses import learning
from quizzes import attempts
from quizzes.item_analysis import Response, analyse


def test_facility_discrimination_and_counts():
    good = [
        Response(Fraction(t, 10), Fraction(1 if t >= 5 else 0), (0 if t >= 5 else 1,))
        for t in range(10)
    ]
    inverted = [Response(Fraction(t, 10), Fraction(0 if t >= 5 else 1)) for t in range(10)]
    stats = {s.key: s for s in analyse({"good": good, "bad": inverted})}
    assert stats["good"].facility == Fraction(1, 2)
    assert stats["good"].discrimination == 1  # the best third all right, the weakest all wrong
    assert stats["good"].option_counts == {0: 5, 1: 5}
    assert stats["bad"].discrimination == -1  # stronger trainees get it wrong: check the key
    single = analyse({"one": [Response(Fraction(1), Fraction(1))]})[0]
    assert single.discrimination is None and single.facility == 1


def test_the_item_analysis_page(make_quiz, make_user, trainer_client, trainee_client):
    quiz = make_quiz(questions=2)
    for right in (True, True, False):
        person = make_user()
        learning.enrol(person, quiz.course)
        attempt = attempts.start(quiz, person)
        for question in attempt.questions:
            key = question.presentation["key"]
            wanted = next(
                i
                for i, n in key.items()
                if bool(question.version.definition["options"][n].get("correct")) == right
            )
            attempts.save_answer(attempt, question.position, [wanted])
        attempts.submit(attempt)
    page = trainer_client.get(f"/manage/quizzes/{quiz.id}/items").get_data(as_text=True)
    assert "Facility" in page and "0.67" in page
    assert "1: 2 ✓" in page
    assert trainee_client.get(f"/manage/quizzes/{quiz.id}/items").status_code == 403
