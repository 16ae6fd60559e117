# ruff: noqa: F811  (the quiz factories are imported as fixtures and named as parameters)
"""Quiz attempts under hostile conditions (issue 18, "not yet tried"): the draw and every
shuffle come from a seed taken from ``secrets`` and are stored when the attempt starts; a
form token refused in the middle of a long quiz loses no answer."""

from __future__ import annotations

import json
import random

from lms.extensions import db
from quizzes import attempts, selection
from quizzes.models import Attempt

from ..quizzes.conftest import add_draw_rule, criteria, make_question, make_quiz  # noqa: F401


def _right(question) -> str:
    """The shown value of the right option of a single-choice attempt question."""
    key = json.loads(question.presentation_json)["key"]
    return next(value for value, index in key.items() if index == 0)


def test_draws_and_shuffles_are_seeded_from_secrets_and_stored_at_the_start(
    app, make_quiz, make_question, add_draw_rule, criteria, trainee, monkeypatch
):
    quiz = make_quiz(questions=0, shuffle_questions=True, shuffle_options=True)
    for _ in range(8):
        make_question(quiz.course)
    add_draw_rule(quiz, criteria["C1-LAW"], 5)
    seeds = []

    def randbits(bits: int) -> int:
        seeds.append(random.SystemRandom().getrandbits(bits))
        return seeds[-1]

    def no_global_random(*args, **kwargs):
        raise AssertionError("the module-level random generator was used")

    monkeypatch.setattr(attempts.secrets, "randbits", randbits)
    for name in ("random", "shuffle", "sample", "choice", "randint"):
        monkeypatch.setattr(random, name, no_global_random)

    attempt = attempts.start(quiz, trainee)
    assert len(seeds) == 1 and attempt.seed == seeds[0]
    stored = [(q.question_version_id, q.presentation_json) for q in attempt.questions]
    assert len(stored) == 5

    # The stored draw and option order are the seed's: reproducible from it alone ...
    rng = random.Random(attempt.seed)
    versions = selection.select_versions(quiz, rng)
    assert [v.id for v in versions] == [vid for vid, _ in stored]
    # ... and read back, not drawn again, however the attempt is resumed.
    make_question(quiz.course)  # the bank changes under the running attempt
    again = attempts.start(quiz, trainee)
    assert again.id == attempt.id and len(seeds) == 1
    db.session.expire_all()
    reread = db.session.get(Attempt, attempt.id)
    assert [(q.question_version_id, q.presentation_json) for q in reread.questions] == stored


def test_a_refused_form_token_mid_quiz_loses_no_answer(app, make_quiz, trainee, login):
    quiz = make_quiz(questions=4, shuffle_questions=False)
    attempt = attempts.start(quiz, trainee)
    questions = sorted(attempt.questions, key=lambda q: q.position)
    browser = login(trainee)
    url = f"/quizzes/attempts/{attempt.id}"
    page = browser.get(url)
    assert page.status_code == 200
    form = {f"q{q.position}": _right(q) for q in questions[:2]}
    assert browser.post_form(f"{url}/autosave", form).get_json() == {"saved": True}

    # The trainee signs in again in another tab of the same browser: the token in the long
    # open page no longer matches the session, and the next autosave is refused.
    stale = browser.csrf_token()
    browser.post_form("/logout")
    assert browser.login(trainee.email).status_code == 302
    form.update({f"q{q.position}": _right(q) for q in questions[2:]})
    refused = browser.post(f"{url}/autosave", data={**form, "csrf_token": stale})
    assert refused.status_code == 400
    db.session.expire_all()
    saved = db.session.get(Attempt, attempt.id)
    assert [
        q.answer_json is not None for q in sorted(saved.questions, key=lambda q: q.position)
    ] == [True, True, False, False]  # what was saved before stays saved

    # The page's script fetches a fresh token and saves everything typed since.
    fresh = browser.get(f"{url}/token").get_json()["csrf_token"]
    again = browser.post(f"{url}/autosave", data={**form, "csrf_token": fresh})
    assert again.get_json() == {"saved": True}
    handed_in = browser.post(url, data={**form, "action": "submit", "csrf_token": fresh})
    assert handed_in.status_code == 302
    db.session.expire_all()
    graded = db.session.get(Attempt, attempt.id)
    assert graded.passed is True and graded.percent == 100
