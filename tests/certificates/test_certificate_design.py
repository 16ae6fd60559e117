"""The designed certificate: the template chosen per qualification with its SAMPLE preview,
the organisation, signatory and images frozen at issue (a PDF renders again byte for byte
after the settings change), criterion names instead of codes, and the holder's copies in
other languages."""

from __future__ import annotations

import hashlib
import io

import pypdfium2
import pytest
from PIL import Image
from pypdf import PdfReader

from certificates import rendering
from certificates.models import Qualification
from certificates.qualifications import confirm_identity
from certificates.storage import discard_pdf
from lms import file_storage, site_settings
from lms.downloads import portable_filename
from lms.extensions import db

from .factories import complete, demo_criteria, graded_attempt, make_seminar, seat

pytestmark = pytest.mark.real_pdf


def _png(colour: str, size=(60, 60)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def _text(data: bytes) -> str:
    return PdfReader(io.BytesIO(data)).pages[0].extract_text()


def _image_count(data: bytes) -> int:
    document = pypdfium2.PdfDocument(data)
    try:
        return sum(1 for obj in document[0].get_objects() if obj.type == 3)  # images
    finally:
        document.close()


@pytest.fixture
def designed_settings(app):
    images = {
        f"image.{name}": site_settings.store_image(_png(colour))
        for name, colour in (("logo", "navy"), ("signature", "black"), ("seal", "blue"))
    }
    site_settings.save(
        {
            **images,
            "organisation_name.kk": "Алматы медиация орталығы",
            "organisation_name.ru": "Алматинский центр медиации",
            "organisation_address.kk": "Алматы қ., Абай даңғылы, 10",
            "signatory_name.kk": "Айгүл Серікова",
            "signatory_title.kk": "Оқу орталығының директоры",
            "signatory_name.ru": "Айгуль Серикова",
            "signatory_title.ru": "Директор учебного центра",
        }
    )
    return images


@pytest.fixture
def owned(make_course, make_qualification):
    """A qualification of criteria C1-LAW, on a course the ``trainer`` fixture owns."""
    demo_criteria()
    course = make_course("Mediation law", modules=1)
    return course, make_qualification(
        kind="qualification", criterion_codes=["C1-LAW"], course_ids=[course.id]
    )


@pytest.fixture
def achieved(owned, trainee, trainer, issue_to, designed_settings):
    course, qualification = owned
    complete(trainee, course)
    graded_attempt(course, trainee, [("C1-LAW", 17, True), ("C1-LAW", 3, False)])
    confirm_identity(
        trainee, legal_name="Әсел Төлеуова", date_of_birth=None, higher_education=False, by=trainer
    )
    return issue_to(qualification, trainee, language="kk")


def test_an_issued_certificate_prints_the_settings_and_criterion_names_and_no_sample(achieved):
    data = rendering.pdf_bytes(achieved)
    text = _text(data)
    for printed in ("Алматы медиация орталығы", "Айгүл Серікова", "Оқу орталығының директоры",
                    "Алматы қ., Абай даңғылы, 10", "Әсел Төлеуова"):  # fmt: skip
        assert printed in text
    assert "Knowledge of the legal" in text and "C1-LAW" not in text
    assert "SAMPLE" not in text and "ҮЛГІ" not in text
    assert _image_count(data) == 4  # logo, signature, seal, QR code
    design = achieved.facts["design"]
    assert design["template"] == "classic"
    assert set(design["images"]) == {"logo", "signature", "seal"}


def test_the_pdf_renders_again_byte_for_byte_after_the_settings_change(achieved, designed_settings):
    issued = rendering.pdf_bytes(achieved)
    site_settings.save(
        {
            "image.logo": site_settings.store_image(_png("red")),
            "image.seal": "",
            "organisation_name.kk": "Жаңа атау",
            "signatory_name.kk": "Басқа адам",
        }
    )
    discard_pdf(achieved)  # the stored copy is gone: the PDF is drawn from the facts
    db.session.commit()
    again = rendering.pdf_bytes(achieved)
    assert again == issued
    assert hashlib.sha256(again).hexdigest() == achieved.pdf_sha256
    # The images are found by the SHA-256 the facts name; without them nothing matches.
    file_storage.remove(site_settings.image_path(designed_settings["image.seal"]))
    with pytest.raises(FileNotFoundError):
        rendering.pdf_bytes(achieved)


def test_the_trainers_preview_of_a_participant_is_marked_sample(
    trainer_client, trainer, owned, make_user
):
    course, qualification = owned
    person = make_user(full_name="Аида Жумабаева")
    seminar = make_seminar(course, trainer, [("Day 1", 4)])
    seat(seminar, person)
    response = trainer_client.get(
        f"/manage/certificates/seminars/{seminar.id}/preview/{person.id}",
        query_string={"qualification": qualification.id},
    )
    assert response.status_code == 200
    assert "SAMPLE" in _text(response.data) or "ОБРАЗЕЦ" in _text(response.data)


def test_the_design_page_saves_the_template_and_previews_it(
    trainer_client, owned, designed_settings
):
    _, qualification = owned
    url = f"/manage/certificates/qualifications/{qualification.id}/design"
    page = trainer_client.get(url)
    assert page.status_code == 200
    assert "preview.png" in page.get_data(as_text=True)
    png = trainer_client.get(f"{url}/preview.png", query_string={"template": "bilingual"})
    assert png.status_code == 200 and png.headers["Content-Type"] == "image/png"
    assert png.data.startswith(b"\x89PNG")
    sample = trainer_client.get(
        f"{url}/preview.pdf", query_string={"template": "bilingual", "language": "ru"}
    )
    text = _text(sample.data)
    # Both languages on one page, the criterion by its name, and the SAMPLE mark.
    assert "Медиация негіздері" in text and "Основы медиации" in text
    assert "C1-LAW" not in text and "Knowledge of the legal" in text
    assert "SAMPLE" in text or ("ҮЛГІ" in text and "ОБРАЗЕЦ" in text)
    # An unknown template or language previews the saved one; saving a bad one is a 400.
    assert trainer_client.get(f"{url}/preview.png?template=fancy&language=xx").status_code == 200
    assert trainer_client.post_form(url, {"template": "fancy"}).status_code == 400
    assert trainer_client.post_form(url, {"template": "bilingual"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Qualification, qualification.id).certificate_template == "bilingual"


def test_a_bilingual_certificate_prints_kazakh_and_russian(
    owned, trainee, trainer, issue_to, designed_settings
):
    course, qualification = owned
    qualification.certificate_template = "bilingual"
    db.session.commit()
    complete(trainee, course)
    graded_attempt(course, trainee, [("C1-LAW", 17, True), ("C1-LAW", 3, False)])
    certificate = issue_to(qualification, trainee, language="ru")
    text = "".join(_text(rendering.pdf_bytes(certificate)).split())  # lines wrap anywhere
    for printed in ("Медиация негіздері", "Основы медиации", "Айгүл Серікова", "Айгуль Серикова",
                    "Алматы медиация орталығы", "Алматинский центр медиации"):  # fmt: skip
        assert "".join(printed.split()) in text
    assert "SAMPLE" not in text and "ОБРАЗЕЦ" not in text
    # Kazakh and Russian are on the page: the only other copy is English.
    assert rendering.copy_languages(certificate) == ["ru", "en"]


def test_a_trainer_who_owns_none_of_its_courses_may_not_design_it(owned, make_user, login):
    _, qualification = owned
    other = login(make_user("trainer"))
    url = f"/manage/certificates/qualifications/{qualification.id}/design"
    assert other.get(url).status_code == 403
    assert other.get(f"{url}/preview.png").status_code == 403
    assert other.post_form(url, {"template": "bilingual"}).status_code == 403


def test_the_holder_downloads_a_copy_in_another_language(achieved, login, trainee):
    holder = login(trainee)
    page = holder.get("/certificates/").get_data(as_text=True)
    assert f"/certificates/{achieved.id}/pdf?language=ru" in page
    copy = holder.get(f"/certificates/{achieved.id}/pdf?language=ru")
    assert copy.status_code == 200
    assert f"{portable_filename(achieved.number)}-ru.pdf" in copy.headers["Content-Disposition"]
    text = _text(copy.data)
    assert "Основы медиации" in text and "Алматинский центр медиации" in text
    assert "Айгуль Серикова" in text and "Әсел Төлеуова" in text
    # The same signed record travels with it, and the copy is the same each time.
    reader = PdfReader(io.BytesIO(copy.data))
    assert reader.attachments["certificate.jws"][0].decode() == achieved.jws
    assert holder.get(f"/certificates/{achieved.id}/pdf?language=ru").data == copy.data
    # The recorded PDF stays the issue language's.
    own = holder.get(f"/certificates/{achieved.id}/pdf")
    assert hashlib.sha256(own.data).hexdigest() == achieved.pdf_sha256
    assert holder.get(f"/certificates/{achieved.id}/pdf?language=de").status_code == 404


def test_no_copy_in_a_language_the_qualification_has_no_title_in(owned, trainee, issue_to, login):
    course, qualification = owned
    qualification.titles_json = '{"en": "Mediation basics", "kk": "Медиация негіздері"}'
    db.session.commit()
    complete(trainee, course)
    graded_attempt(course, trainee, [("C1-LAW", 17, True), ("C1-LAW", 3, False)])
    certificate = issue_to(qualification, trainee, language="kk")
    assert rendering.copy_languages(certificate) == ["kk", "en"]
    holder = login(trainee)
    assert holder.get(f"/certificates/{certificate.id}/pdf?language=ru").status_code == 404
