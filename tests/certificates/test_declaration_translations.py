"""The declaration in several languages (issue 19): a trainee signs it in their language where
its translation is up to date, and the signature keeps the exact text and language signed, so
later edits never change what was signed; administrators edit the translations beside the
original. Required seminar sessions keep being found by the original topics."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from certificates.eligibility import check
from certificates.models import EthicsDeclaration
from certificates.qualifications import sign_declaration
from certificates.translations import declaration_for
from lms import content_translations as ct
from lms.extensions import db
from lms.service_error import ServiceError

from .factories import attend, make_seminar, seat

DECLARATION = "I will mediate only with the voluntary consent of the parties."
KK = "Мен медиацияны тараптардың ерікті келісімімен ғана жүргіземін."
RU = "Я буду проводить медиацию только с добровольного согласия сторон."


@pytest.fixture
def qualification(make_qualification):
    qualification = make_qualification(declaration_text=DECLARATION)
    ct.save(qualification, "kk", {"declaration_text": KK})
    ct.save(qualification, "ru", {"declaration_text": RU})
    db.session.commit()
    return qualification


def _only(result, key):
    return next(r for r in result.requirements if r.key == key)


def _signatures() -> list[EthicsDeclaration]:
    db.session.expire_all()
    return list(db.session.scalars(select(EthicsDeclaration).order_by(EthicsDeclaration.id)))


def test_a_kazakh_trainee_reads_and_signs_the_kazakh_declaration(
    app, qualification, make_user, login
):
    person = make_user(language="kk")
    browser = login(person)
    page = browser.get("/certificates/").get_data(as_text=True)
    assert KK in page and DECLARATION not in page
    field = f"declaration-{qualification.id}-signed_name"
    response = browser.post_form(
        f"/certificates/qualifications/{qualification.id}/declaration",
        {field: person.full_name, f"declaration-{qualification.id}-text_digest": ct.digest(KK)},
    )
    assert response.status_code == 302
    [signed] = _signatures()
    assert (signed.text, signed.language, signed.user_id) == (KK, "kk", person.id)
    assert _only(check(person, qualification, None), "declaration").met
    # What was signed is shown as signed (no form left), in the page's language.
    page = browser.get("/certificates/").get_data(as_text=True)
    assert f'<blockquote class="cert-declaration mt-2">{KK}</blockquote>' in page
    assert "cert-sign-form" not in page


def test_a_signature_keeps_its_text_when_the_translation_changes_later(
    app, qualification, make_user
):
    person = make_user(language="kk")
    sign_declaration(person, qualification, person.full_name, locale="kk")
    ct.save(qualification, "kk", {"declaration_text": KK + " Мен бейтарап боламын."})
    db.session.commit()
    [signed] = _signatures()
    assert signed.text == KK and signed.language == "kk"  # never rewritten
    # The Kazakh text in force changed: the trainee signs again, like after an English edit.
    assert _only(check(person, qualification, None), "declaration").left == (
        "The declaration has changed since you signed it: sign it again",
    )


def test_an_out_of_date_translation_is_not_offered_and_no_longer_counts(
    app, qualification, make_user, login
):
    person = make_user(language="ru")
    sign_declaration(person, qualification, person.full_name, locale="ru")
    assert check(person, qualification, None).eligible
    qualification.declaration_text = DECLARATION + " I will keep confidences."
    db.session.commit()
    # The Russian text was made from the old original: the new English one is what is signed.
    assert declaration_for(qualification, "ru") == (qualification.declaration_text, "en")
    assert not _only(check(person, qualification, None), "declaration").met
    page = login(person).get("/certificates/").get_data(as_text=True)
    assert 'lang="en">' + qualification.declaration_text in page
    assert "translation-note" in page
    signed = sign_declaration(person, qualification, person.full_name, locale="ru")
    assert (signed.language, signed.text) == ("en", qualification.declaration_text)
    assert check(person, qualification, None).eligible


def test_signing_a_text_that_changed_while_it_was_read_is_refused(app, qualification, make_user):
    person = make_user(language="kk")
    with pytest.raises(ServiceError):
        sign_declaration(
            person, qualification, person.full_name, locale="kk", shown_digest=ct.digest(RU)
        )
    assert _signatures() == []


def test_an_english_signature_still_counts_for_a_russian_reader(app, qualification, make_user):
    person = make_user(language="en")
    sign_declaration(person, qualification, person.full_name, locale="en")
    person.language = "ru"
    db.session.commit()
    with force_locale("ru"):
        assert check(person, qualification, None).eligible


def test_administrators_edit_the_translations_beside_the_declaration(
    app, qualification, admin_client, trainer_client
):
    url = f"/manage/certificates/qualifications/{qualification.id}/translations"
    page = admin_client.get(url + "?language=kk").get_data(as_text=True)
    assert DECLARATION in page and KK in page and 'lang="en"' in page
    assert url in admin_client.get(
        f"/manage/certificates/qualifications/{qualification.id}"
    ).get_data(as_text=True)
    response = admin_client.post_form(
        url, {"language": "kk", "qualification-declaration_text": KK + " Түзетілген."}
    )
    assert response.status_code == 302
    assert declaration_for(qualification, "kk") == (KK + " Түзетілген.", "kk")
    assert trainer_client.get(url).status_code == 403
    refused = trainer_client.post_form(
        url, {"language": "kk", "qualification-declaration_text": "X"}
    )
    assert refused.status_code == 403
    assert admin_client.post_form(url, {"language": "en"}).status_code == 400


def test_required_sessions_are_found_by_the_original_topic_for_every_reader(
    app, make_qualification, make_course, trainee, trainer
):
    seminar = make_seminar(make_course(), trainer, [("Day 4: Ethics", 4), ("Day 5: Assessment", 4)])
    seat(seminar, trainee)
    for session, topic in zip(
        seminar.sessions, ("День 4: этика", "День 5: оценивание"), strict=True
    ):
        ct.save(session, "ru", {"topic": topic})
    db.session.commit()
    for session in seminar.sessions:
        attend(session, trainer, {trainee: "present"})
    qualification = make_qualification(required_session_topics="Day 4: ethics\nassessment")
    for locale in ("en", "ru", "kk"):
        with force_locale(locale):
            assert _only(check(trainee, qualification, seminar), "sessions").met, locale


def test_a_certificate_names_the_seminar_in_its_own_language_for_good(
    app, make_qualification, make_course, trainee, trainer
):
    from certificates import issuance

    seminar = make_seminar(make_course(), trainer, [("Day 1", 4)])
    seat(seminar, trainee)
    ct.save(seminar, "ru", {"title": "Базовая подготовка"})
    db.session.commit()
    certificate, created = issuance.issue(
        make_qualification(), trainee, seminar, by=trainer, language="ru"
    )
    assert created and certificate.facts["seminar"]["title"] == "Базовая подготовка"
    ct.save(seminar, "ru", {"title": "Другое название"})
    db.session.commit()
    db.session.expire_all()
    assert certificate.facts["seminar"]["title"] == "Базовая подготовка"  # signed, frozen
