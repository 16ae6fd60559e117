"""The site settings page: organisation, signatory, images, public address, sign-up policy."""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image
from sqlalchemy import event, select, update

from lms import file_storage, site_settings
from lms.extensions import db
from lms.models import AuditEvent, SiteSetting
from lms.service_error import ServiceError


def _image(kind: str = "PNG", size=(40, 20), **params) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "navy").save(buffer, format=kind, **params)
    return buffer.getvalue()


def _texts(**values) -> dict:
    return {"signup_open": "y", **values}


def test_the_page_has_its_sections_and_the_public_address_read_only(admin_client, app):
    page = admin_client.get("/admin/settings").get_data(as_text=True)
    for section in ("Organisation", "Signatory", "Images on certificates", "Public address",
                    "Sign-up policy"):  # fmt: skip
        assert section in page
    assert app.config["PUBLIC_URL"] in page
    assert 'name="public_url"' not in page  # shown, never a field
    assert 'name="organisation_name_kk"' in page and 'name="signatory_title_ru"' in page


def test_texts_are_saved_per_language_and_audited(admin_client, admin):
    response = admin_client.post_form(
        "/admin/settings",
        _texts(
            organisation_name_en="Almaty Mediation Centre",
            organisation_name_ru="Алматинский центр медиации",
            organisation_address_kk="Алматы қ., Абай даңғылы, 10",
            signatory_name_kk="Айгүл Серікова",
            signatory_title_kk="Директор",
        ),
    )
    assert response.status_code == 302
    assert site_settings.organisation_name("ru") == "Алматинский центр медиации"
    assert site_settings.organisation_name("kk") == "Almaty Mediation Centre"  # English fallback
    assert site_settings.text("organisation_address", "kk") == "Алматы қ., Абай даңғылы, 10"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "settings.changed"))
    assert event.actor_id == admin.id
    assert "organisation_name.ru" in event.details["changed"]
    # Saving the same again changes nothing and records nothing.
    admin_client.post_form(
        "/admin/settings",
        _texts(
            organisation_name_en="Almaty Mediation Centre",
            organisation_name_ru="Алматинский центр медиации",
            organisation_address_kk="Алматы қ., Абай даңғылы, 10",
            signatory_name_kk="Айгүл Серікова",
            signatory_title_kk="Директор",
        ),
    )
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "settings.changed")
    ).all()
    assert len(events) == 1


def test_a_blank_organisation_name_falls_back_to_the_configuration(app):
    assert site_settings.organisation_name("kk") == app.config["ORGANISATION_NAME"]


def test_bad_input_is_refused_with_a_message(admin_client):
    too_long = admin_client.post_form("/admin/settings", _texts(organisation_name_en="x" * 201))
    assert too_long.status_code == 400
    title_alone = admin_client.post_form("/admin/settings", _texts(signatory_title_ru="Директор"))
    assert title_alone.status_code == 400
    assert "Give the signatory" in title_alone.get_data(as_text=True)
    assert site_settings.text("signatory_title", "ru") == ""


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.4 not an image", "not a PNG or JPEG image"),
        (_image("GIF"), "Only PNG and JPEG"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * (2 * 1024 * 1024), "larger than 2 MB"),
    ],
    ids=["not-an-image", "gif", "too-large"],
)
def test_images_that_are_not_png_or_jpeg_or_too_large_are_refused(admin_client, data, message):
    response = admin_client.post_form(
        "/admin/settings",
        _texts(logo=(io.BytesIO(data), "logo.png")),
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert site_settings.image("logo") is None


def test_an_image_is_reencoded_stored_by_its_hash_and_shown(admin_client):
    with_metadata = _image("JPEG", size=(2400, 600), comment=b"secret place")
    response = admin_client.post_form(
        "/admin/settings",
        _texts(signature=(io.BytesIO(with_metadata), "sig.jpg")),
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    stored = site_settings.image("signature")
    data = site_settings.image_bytes(stored)
    assert stored == f"{file_storage.sha256(data)}.jpg"
    assert b"secret place" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert max(image.size) == site_settings.IMAGE_MAX_SIDE  # scaled down
    shown = admin_client.get("/admin/settings/images/signature")
    assert shown.status_code == 200 and shown.data == data
    assert shown.headers["Content-Type"] == "image/jpeg"
    # Removing it keeps the file: certificates issued with it still name it.
    admin_client.post_form("/admin/settings", _texts(remove_signature="y"))
    assert site_settings.image("signature") is None
    assert site_settings.image_bytes(stored) == data
    assert admin_client.get("/admin/settings/images/signature").status_code == 404
    assert admin_client.get("/admin/settings/images/other").status_code == 404


def test_a_stored_image_whose_bytes_changed_is_refused(app):
    stored = site_settings.store_image(_image())
    file_storage.put(site_settings.image_path(stored), _image(size=(41, 20)))
    with pytest.raises(FileNotFoundError):
        site_settings.image_bytes(stored)


def test_prepare_image_refuses_too_many_pixels(app, monkeypatch):
    monkeypatch.setattr(site_settings, "IMAGE_MAX_PIXELS", 100)
    with pytest.raises(ServiceError):
        site_settings.prepare_image(_image(size=(20, 20)))


def test_the_settings_page_is_translated(admin_client, admin):
    admin.language = "kk"
    db.session.commit()
    page = admin_client.get("/admin/settings").get_data(as_text=True)
    assert "Signatory" not in page and "Images on certificates" not in page


def test_a_post_without_its_token_is_refused(admin_client):
    response = admin_client.post("/admin/settings", data=_texts(organisation_name_en="X"))
    assert response.status_code == 400
    assert site_settings.stored_text("organisation_name", "en") == ""


def _footer(page: str) -> str:
    return page[page.index('<footer class="site-footer') :]


def test_the_footer_shows_the_organisation_name_from_the_settings_in_the_readers_language(
    admin_client, client, app
):
    configured = app.config["ORGANISATION_NAME"]
    assert f"<strong>{configured}</strong>" in _footer(client.get("/").get_data(as_text=True))
    admin_client.post_form(
        "/admin/settings",
        _texts(
            organisation_name_en="Almaty Mediation Centre",
            organisation_name_ru="Алматинский центр медиации",
        ),
    )
    footer = _footer(client.get("/").get_data(as_text=True))
    assert "<strong>Almaty Mediation Centre</strong>" in footer and configured not in footer
    russian = _footer(client.get("/", headers={"Accept-Language": "ru"}).get_data(as_text=True))
    assert "<strong>Алматинский центр медиации</strong>" in russian
    # A blank English name gives the configured one again.
    admin_client.post_form("/admin/settings", _texts(organisation_name_en=""))
    assert configured in _footer(client.get("/glossary").get_data(as_text=True))


@pytest.mark.parametrize(
    "language, name",
    [
        ("en", "Demo Mediation Training Centre"),
        ("ru", "Демонстрационный учебный центр медиации"),
        ("kk", "Медиацияға оқытатын демо оқу орталығы"),
    ],
)
def test_the_demo_names_its_centre_in_each_language(client, seed_demo, language, name):
    seed_demo()
    page = client.get("/", headers={"Accept-Language": language}).get_data(as_text=True)
    assert name in page


def test_pages_read_the_shown_settings_once_per_interval(app, client, monkeypatch):
    """The footer's name costs no query per page: read once, kept SHOWN_SECONDS per process,
    forgotten at once when this process saves a change."""
    statements: list[str] = []

    def counted(conn, cursor, statement, *args):
        statements.append(statement)

    client.get("/")
    event.listen(db.engine, "before_cursor_execute", counted)
    try:
        client.get("/")
    finally:
        event.remove(db.engine, "before_cursor_execute", counted)
    assert not [s for s in statements if "site_settings" in s]
    site_settings.save({**site_settings.current_values(), "organisation_name.en": "Centre A"})
    assert "Centre A" in client.get("/").get_data(as_text=True)
    # Another instance's change (written behind this process's back) shows after the interval.
    db.session.execute(
        update(SiteSetting)
        .where(SiteSetting.key == "organisation_name.en")
        .values(value="Centre B")
    )
    db.session.commit()
    assert "Centre A" in client.get("/").get_data(as_text=True)
    later = time.monotonic() + site_settings.SHOWN_SECONDS + 1
    monkeypatch.setattr(site_settings.time, "monotonic", lambda: later)
    assert "Centre B" in client.get("/").get_data(as_text=True)
