"""Rubrics and their lines in several languages (issue 19): the marking sheet, sign-off, the
trainee's results and the e-mail in the reader's language, scores belonging to the line
whatever the language; the side-by-side editor and copies that keep up-to-date translations."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from assessments import lifecycle, rubrics, scoring
from assessments.rubrics import LineSpec
from courses import learning
from lms import content_translations as ct
from lms.extensions import db
from lms.models import OutboxMessage

Q, C = "quality", "checklist"


@pytest.fixture
def rubric(criteria, make_course):
    rubric = rubrics.create_rubric(
        make_course("Practice"),
        title="Assessed role-play",
        kind="role_play",
        instructions="Score every line.",
        lines=[
            LineSpec("Opening", criteria["C2-PROC"].id, Q, guidance="Explains the aims."),
            LineSpec("Neutral language", criteria["C3-ETH"].id, Q, 3),
            LineSpec("Signatures of the parties", criteria["C6-DRAFT"].id, C),
        ],
    )
    ct.save(
        rubric, "kk", {"title": "Бағаланатын рөлдік ойын", "instructions": "Әр жолды бағалаңыз."}
    )
    ct.save(rubric.lines[0], "kk", {"label": "Ашу", "guidance": "Мақсаттарын түсіндіреді."})
    ct.save(rubric.lines[1], "kk", {"label": "Бейтарап тіл"})
    db.session.commit()
    return rubric


@pytest.fixture
def learner(make_user, rubric):
    person = make_user(language="kk")
    learning.enrol(person, rubric.course)
    return person


def _page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return response.get_data(as_text=True)


def test_a_kazakh_assessor_marks_on_the_kazakh_lines(app, rubric, learner, trainer, login):
    trainer.language = "kk"
    db.session.commit()
    assessment = lifecycle.start_assessment(rubric, learner, trainer)
    page = _page(login(trainer), f"/manage/assessments/{assessment.id}")
    assert "Бағаланатын рөлдік ойын" in page and "Әр жолды бағалаңыз." in page
    assert "1. <span>Ашу</span>" in page and "Мақсаттарын түсіндіреді." in page
    # The third line has no Kazakh text: the original, marked as English, and said once.
    assert '3. <span lang="en">Signatures of the parties</span>' in page
    assert page.count("translation-note") == 1


def test_scores_belong_to_the_line_whatever_the_language(app, rubric, learner, trainer, login):
    assessment = lifecycle.start_assessment(rubric, learner, trainer)
    scoring.score_lines(assessment, {line.id: 3 for line in rubric.lines[:2]}, trainer)
    scoring.score_lines(assessment, {rubric.lines[2].id: 1}, trainer)
    lifecycle.sign_off(assessment, trainer)
    page = _page(login(learner), "/assessments/")
    assert "Бағаланатын рөлдік ойын" in page and "Ашу" in page and "Бейтарап тіл" in page
    english = _page(login(trainer), f"/manage/assessments/{assessment.id}")
    assert "Opening" in english and "Ашу" not in english
    # The trainee's message is in Kazakh, the rubric's title in it too.
    [message] = db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.to_address == learner.email, OutboxMessage.kind == "work_marked"
        )
    )
    assert "Бағаланатын рөлдік ойын" in message.subject
    assert "Бағаланатын рөлдік ойын" in message.text


def test_the_rubric_editor_saves_and_marks_what_is_out_of_date(app, rubric, trainer_client):
    url = f"/manage/assessments/rubrics/{rubric.id}/translations"
    page = _page(trainer_client, url + "?language=ru")
    assert "Score every line." in page and "0 of 6 translated" in page
    line = rubric.lines[2]
    response = trainer_client.post_form(
        url,
        {
            "language": "ru",
            f"line-{line.id}-label": "Подписи сторон",
            "rubric-title": "Ролевая игра",
        },
    )
    assert response.status_code == 302
    assert ct.text(line, "label", "ru") == "Подписи сторон"
    assert "2 of 6 translated" in _page(trainer_client, url + "?language=ru")

    # The rubric's own page says where its translations are, and a wording change of the
    # original marks them out of date.
    assert url in _page(trainer_client, f"/manage/assessments/rubrics/{rubric.id}")
    rubrics.update_rubric(
        rubric,
        title="Assessed role-play",
        kind="role_play",
        instructions="Score every line.",
        active=True,
        lines=[
            LineSpec(
                x.label if x is not line else "Both parties sign",
                x.criterion_id,
                x.kind,
                x.minimum,
                x.guidance,
                x.id,
            )
            for x in rubric.lines
        ],
    )
    assert "1 out of date" in _page(trainer_client, url + "?language=ru")


def test_only_the_course_owner_edits_the_rubric_translations(app, rubric, make_user, login):
    url = f"/manage/assessments/rubrics/{rubric.id}/translations"
    other = login(make_user("trainer"))
    assert other.get(url).status_code == 403
    assert other.post_form(url, {"language": "ru", "rubric-title": "X"}).status_code == 403
    assert ct.text(rubric, "title", "ru") == "Assessed role-play"


def test_a_copy_keeps_the_up_to_date_translations_of_its_lines(app, rubric):
    rubric.lines[1].label = "Neutral, even-handed language"  # its Kazakh label is now out of date
    db.session.commit()
    copy = rubrics.copy_rubric(rubric, title="Assessed role-play, 2027")
    assert ct.text(copy.lines[0], "label", "kk") == "Ашу"
    assert ct.text(copy, "instructions", "kk") == "Әр жолды бағалаңыз."
    assert ct.text(copy.lines[1], "label", "kk") == "Neutral, even-handed language"
    assert ct.text(copy, "title", "kk") == "Assessed role-play, 2027"  # a new title: untranslated


def test_deleting_a_line_removes_its_translations(app, rubric):
    line_id = rubric.lines[2].id
    ct.save(rubric.lines[2], "ru", {"label": "Подписи"})
    db.session.commit()
    rubrics.update_rubric(
        rubric,
        title=rubric.title,
        kind=rubric.kind,
        instructions=rubric.instructions,
        active=True,
        lines=[
            LineSpec(x.label, x.criterion_id, x.kind, x.minimum, x.guidance, x.id)
            for x in rubric.lines[:2]
        ],
    )
    left = db.session.scalars(
        select(ct.ContentTranslation).where(
            ct.ContentTranslation.kind == "rubric_line", ct.ContentTranslation.object_id == line_id
        )
    ).all()
    assert left == []


def test_the_trainers_digest_names_rubrics_in_the_trainers_language(app, rubric, learner, trainer):
    from datetime import timedelta

    from assessments import notifications
    from lms.timezone import site_today

    trainer.language = "kk"
    db.session.commit()
    lifecycle.start_assessment(rubric, learner, trainer)  # a draft waits for the trainer
    due = notifications.digest_moment(site_today())
    assert notifications.send_trainer_digests(now=due + timedelta(minutes=1)) == 1
    [message] = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "trainer_digest")
    )
    assert "Бағаланатын рөлдік ойын" in message.text and "Assessed role-play" not in message.text
