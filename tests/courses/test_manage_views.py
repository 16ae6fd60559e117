"""Trainer pages through the HTTP client: every route's permissions, then each workflow."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from courses import editions
from courses.models import Course, CourseFile, Module
from lms.extensions import db
from tests.courses.conftest import docx_bytes, odt_bytes, pdf_bytes, png_bytes


def _routes(course, module):
    slug, mid = course.slug, module.id
    gets = [
        f"/manage/courses/{slug}",
        f"/manage/courses/{slug}/modules/new",
        f"/manage/courses/{slug}/modules/{mid}",
        f"/manage/courses/{slug}/modules/{mid}/history",
        f"/manage/courses/{slug}/modules/{mid}/diff?from=1&to=1",
        f"/manage/courses/{slug}/files",
        f"/manage/courses/{slug}/export",
    ]
    posts = [
        (f"/manage/courses/{slug}", {"title": "Hacked", "language": "en"}),
        (f"/manage/courses/{slug}/status", {"status": "archived"}),
        (f"/manage/courses/{slug}/owners", {"email": "x@example.kz"}),
        (f"/manage/courses/{slug}/owners/1/remove", {}),
        (f"/manage/courses/{slug}/modules/new", {"title": "Hacked"}),
        (f"/manage/courses/{slug}/modules/{mid}", {"title": "Hacked", "source": "x"}),
        (f"/manage/courses/{slug}/modules/{mid}/move", {"direction": "down"}),
        (f"/manage/courses/{slug}/modules/{mid}/delete", {}),
        (f"/manage/courses/{slug}/modules/{mid}/revisions/1/restore", {}),
        (f"/manage/courses/{slug}/files/image", {}),
        (f"/manage/courses/{slug}/files/1/delete", {}),
    ]
    return gets, posts


@pytest.fixture
def course(make_course):
    return make_course("Owned course", modules=2)


def _unchanged(course):
    db.session.expire_all()
    fresh = db.session.get(Course, course.id)
    assert fresh.title == "Owned course" and fresh.status == "published"
    assert [m.title for m in fresh.modules] == ["Module 1", "Module 2"]


def test_another_trainer_gets_403_on_every_route(app, course, login, make_user):
    outsider = login(make_user("trainer"))
    gets, posts = _routes(course, course.modules[0])
    for url in gets:
        assert outsider.get(url).status_code == 403, url
    for url, data in posts:
        assert outsider.post_form(url, data).status_code == 403, url
    _unchanged(course)


def test_trainees_get_403_and_strangers_the_login_page(app, course, trainee_client, client):
    gets, posts = _routes(course, course.modules[0])
    for url in [*gets, "/manage/courses", "/manage/courses/new", "/manage/courses/import"]:
        assert trainee_client.get(url).status_code == 403, url
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    for url, data in posts:
        assert trainee_client.post_form(url, data).status_code == 403, url
    _unchanged(course)


def test_admins_may_edit_any_course(course, admin_client):
    gets, _ = _routes(course, course.modules[0])
    for url in gets:
        assert admin_client.get(url).status_code == 200, url


def test_owner_creates_a_course_and_its_first_module(trainer_client, trainer):
    response = trainer_client.post_form(
        "/manage/courses/new",
        {
            "title": "Медиация негіздері",
            "summary": "Кіріспе",
            "language": "kk",
            "cover_source": "**Welcome**",
        },
    )
    assert response.status_code == 302
    course = db.session.scalar(select(Course))
    assert course.slug == "mediatsiia-negizderi" and course.status == "draft"
    assert course.cover_html == "<p><strong>Welcome</strong></p>"
    assert response.headers["Location"].endswith(f"/manage/courses/{course.slug}/modules/new")
    response = trainer_client.post_form(
        f"/manage/courses/{course.slug}/modules/new",
        {"title": "Кіріспе", "source": "## Мақсаттар\n\nМәтін"},
    )
    assert response.status_code == 302
    module = db.session.scalar(select(Module))
    assert module.slug == "kirispe" and "<h2" in module.html


def test_new_course_with_bad_input_says_why(trainer_client):
    response = trainer_client.post_form(
        "/manage/courses/new", {"title": "", "slug": "Bad Slug", "language": "de"}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "This field is required" in page and "Not a valid choice" in page
    assert db.session.scalar(select(func.count(Course.id))) == 0


def test_preview_shows_rendered_text_without_saving(trainer_client, course):
    module = course.modules[0]
    response = trainer_client.post_form(
        f"/manage/courses/{course.slug}/modules/{module.id}",
        {
            "title": module.title,
            "slug": module.slug,
            "source": "## Preview heading\n\n<b>raw</b>",
            "preview": "Preview",
        },
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<h2 id="preview-heading">Preview heading</h2>' in page
    assert "&lt;b&gt;raw&lt;/b&gt;" in page
    db.session.refresh(module)
    assert module.version == 1 and "Preview heading" not in module.source


def test_live_preview_endpoint(trainer_client, trainee_client):
    response = trainer_client.post_form("/manage/preview", {"source": "**x** <script>"})
    assert response.get_json() == {"html": "<p><strong>x</strong> &lt;script&gt;</p>"}
    assert trainee_client.post_form("/manage/preview", {"source": "x"}).status_code == 403
    too_long = trainer_client.post_form("/manage/preview", {"source": "x" * 200_001})
    assert too_long.status_code == 413


def test_save_history_diff_and_restore(trainer_client, make_course):
    course = make_course("Draft course", modules=2, status="draft")  # edited directly
    module = course.modules[0]
    url = f"/manage/courses/{course.slug}/modules/{module.id}"
    response = trainer_client.post_form(
        url, {"title": module.title, "slug": module.slug, "source": "Second text", "note": "v2"}
    )
    assert response.status_code == 302
    history = trainer_client.get(url + "/history").get_data(as_text=True)
    assert "v2" in history and "current" in history
    diff = trainer_client.get(url + "/diff?from=1&to=2").get_data(as_text=True)
    assert '<span class="diff-add">+ Second text</span>' in diff
    assert trainer_client.get(url + "/diff?from=1&to=9").status_code == 404
    assert trainer_client.get(url + "/diff?from=x&to=2").status_code == 404
    response = trainer_client.post_form(url + "/revisions/1/restore")
    assert response.status_code == 302
    db.session.refresh(module)
    assert module.version == 3 and "Text of module 1" in module.source


def test_duplicate_module_slug_is_explained(trainer_client, course):
    first, second = course.modules
    response = trainer_client.post_form(
        f"/manage/courses/{course.slug}/modules/{second.id}",
        {"title": second.title, "slug": first.slug, "source": second.source},
    )
    assert response.status_code == 400
    assert "Another module of this course uses this slug" in response.get_data(as_text=True)
    db.session.refresh(second)
    assert second.slug != first.slug


def test_move_and_delete_modules(trainer_client, make_course):
    course = make_course("Draft course", modules=2, status="draft")  # edited directly
    first, second = course.modules
    trainer_client.post_form(
        f"/manage/courses/{course.slug}/modules/{first.id}/move", {"direction": "down"}
    )
    db.session.expire_all()
    assert [m.id for m in db.session.get(Course, course.id).modules] == [second.id, first.id]
    bad = trainer_client.post_form(
        f"/manage/courses/{course.slug}/modules/{first.id}/move", {"direction": "sideways"}
    )
    assert bad.status_code == 400
    trainer_client.post_form(f"/manage/courses/{course.slug}/modules/{first.id}/delete")
    assert db.session.scalar(select(func.count(Module.id))) == 1


def test_module_of_another_course_is_404(trainer_client, course, make_course):
    other = make_course("Other")
    module = other.modules[0]
    assert (
        trainer_client.get(f"/manage/courses/{course.slug}/modules/{module.id}").status_code == 404
    )


def test_publish_unpublish_archive(trainer_client, make_course):
    course = make_course("Draft course", modules=0, status="draft")
    url = f"/manage/courses/{course.slug}/status"
    page = trainer_client.post_form(url, {"status": "published"}, follow_redirects=True)
    assert "Add at least one module before publishing" in page.get_data(as_text=True)
    db.session.refresh(course)
    assert course.status == "draft"
    trainer_client.post_form(f"/manage/courses/{course.slug}/modules/new", {"title": "One"})
    for status in ("published", "draft", "archived"):
        assert trainer_client.post_form(url, {"status": status}).status_code == 302
        db.session.refresh(course)
        assert course.status == status
    assert trainer_client.post_form(url, {"status": "deleted"}).status_code == 400


def test_owners_can_be_added_and_removed(trainer_client, course, make_user, login):
    colleague = make_user("trainer", email="colleague@example.kz")
    response = trainer_client.post_form(
        f"/manage/courses/{course.slug}/owners", {"email": "Colleague@Example.kz"}
    )
    assert response.status_code == 302
    assert login(colleague).get(f"/manage/courses/{course.slug}").status_code == 200
    unknown = trainer_client.post_form(
        f"/manage/courses/{course.slug}/owners", {"email": "nobody@example.kz"}
    )
    assert unknown.status_code == 400
    assert "No active trainer" in unknown.get_data(as_text=True)
    trainer_client.post_form(f"/manage/courses/{course.slug}/owners/{colleague.id}/remove")
    assert login(colleague).get(f"/manage/courses/{course.slug}").status_code == 403


def _upload(client, course, kind, data, name, title=""):
    return client.post_form(
        f"/manage/courses/{course.slug}/files/{kind}",
        {f"{kind}-file": (io.BytesIO(data), name), f"{kind}-title": title},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize(
    ("data", "name", "stored", "content_type"),
    [
        (png_bytes(), "Схема этапов.PNG", "file.png", "image/png"),
        (png_bytes(image_format="JPEG"), "stages.jpeg", "stages.jpg", "image/jpeg"),
        (png_bytes(image_format="WEBP"), "diagram.webp", "diagram.webp", "image/webp"),
    ],
)
def test_images_are_checked_stored_and_served(
    trainer_client, client, course, data, name, stored, content_type
):
    response = _upload(trainer_client, course, "image", data, name, "Stages")
    assert response.status_code == 302
    record = db.session.scalar(select(CourseFile))
    assert record.filename == stored and record.content_type == content_type
    assert record.stored_name != stored  # random name on disk
    served = client.get(f"/courses/{course.slug}/images/{stored}")
    assert served.status_code == 200
    assert served.mimetype == content_type and served.data == data
    assert served.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"<svg onload=alert(1)></svg>", "evil.png", "not a PNG, JPEG or WebP image"),
        (b"GIF89a" + b"\x00" * 20, "anim.gif", "not a PNG, JPEG or WebP image"),
        (pdf_bytes(), "doc.png", "not a PNG, JPEG or WebP image"),
        (b"", "empty.png", "The file is empty"),
    ],
)
def test_bad_images_are_refused_with_a_message(trainer_client, course, data, name, message):
    response = _upload(trainer_client, course, "image", data, name)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(CourseFile.id))) == 0


def test_oversized_image_is_refused(app, trainer_client, course):
    app.config["COURSE_IMAGE_MAX_MB"] = 0
    response = _upload(trainer_client, course, "image", png_bytes(), "x.png")
    assert response.status_code == 400
    assert "larger than 0 MB" in response.get_data(as_text=True)


def test_missing_file_is_explained(trainer_client, course):
    response = trainer_client.post_form(f"/manage/courses/{course.slug}/files/image", {})
    assert response.status_code == 400
    assert "Choose a file to upload" in response.get_data(as_text=True)
    assert (
        trainer_client.post_form(f"/manage/courses/{course.slug}/files/video", {}).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("data", "name", "extension"),
    [
        (pdf_bytes(), "Методичка.pdf", "pdf"),
        (docx_bytes(), "handout.docx", "docx"),
        (odt_bytes(), "handout.odt", "odt"),
    ],
)
def test_materials_are_content_checked_and_downloaded_by_enrolled_trainees(
    trainer_client, course, login, trainee, client, data, name, extension
):
    assert _upload(trainer_client, course, "material", data, name, "Handout").status_code == 302
    record = db.session.scalar(select(CourseFile))
    assert record.filename.endswith("." + extension)
    url = f"/courses/{course.slug}/materials/{record.filename}"
    browser = login(trainee)
    assert browser.get(url).status_code == 403  # not enrolled yet
    browser.post_form(f"/courses/{course.slug}/enrol")
    page = browser.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "Handout" in page
    download = browser.get(url)
    assert download.status_code == 200 and download.data == data
    assert "attachment" in download.headers["Content-Disposition"]
    assert client.get(url).status_code == 302  # strangers log in first


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"%PDF-1.4 but truncated", "x.pdf"),
        (b"PK\x03\x04 not really a zip", "x.docx"),
        (png_bytes(), "x.pdf"),
        (b"MZ\x90\x00", "setup.exe"),
    ],
)
def test_bad_materials_are_refused(trainer_client, course, data, name):
    response = _upload(trainer_client, course, "material", data, name)
    assert response.status_code == 400
    assert "Only PDF, DOCX and ODT documents are accepted" in response.get_data(as_text=True)


def test_deleting_a_file_removes_it_from_disk(app, trainer_client, course):
    from lms import file_storage

    _upload(trainer_client, course, "image", png_bytes(), "x.png")
    record = db.session.scalar(select(CourseFile))
    path = file_storage.path_of(record.stored_name)
    assert path.exists()
    trainer_client.post_form(f"/manage/courses/{course.slug}/files/{record.id}/delete")
    assert not path.exists()
    assert db.session.scalar(select(func.count(CourseFile.id))) == 0


# --- images in the editor's preview resolve as on the module page (issue 14) ------------------


def _preview_image_urls(page_url: str, html: str) -> list[str]:
    """Each <img src> of the preview pane, resolved against the page's address as a
    browser would."""
    from urllib.parse import urljoin, urlsplit

    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    pane = soup.find(id="preview-pane") or soup
    return [urlsplit(urljoin(page_url, img["src"])).path for img in pane.find_all("img")]


@pytest.mark.parametrize("status", ["draft", "published"])
def test_the_editors_preview_shows_the_modules_images(
    app, trainer_client, make_course, make_user, login, trainee_client, status
):
    from urllib.parse import urljoin, urlsplit

    from bs4 import BeautifulSoup

    course = make_course("Images course", modules=1, status=status)
    image = png_bytes()
    assert _upload(trainer_client, course, "image", image, "x.png").status_code == 302
    module = course.modules[0]
    source = "## Stages\n\n![The stages](images/x.png)\n\n[Handout](materials/h.pdf)"
    edit = f"/manage/courses/{course.slug}/modules/{module.id}"
    form = {"title": module.title, "slug": module.slug, "source": source}
    assert trainer_client.post_form(edit, form).status_code == 302
    if status == "published":  # the change waits for the next edition
        editions.publish_edition(db.session.get(Course, course.id))
    expected = f"/courses/{course.slug}/images/x.png"

    page = trainer_client.get(edit)
    assert page.status_code == 200
    opened = _preview_image_urls(f"http://localhost{edit}", page.get_data(as_text=True))
    preview = trainer_client.post_form(edit, {**form, "preview": "Preview"})
    pressed = _preview_image_urls(f"http://localhost{edit}", preview.get_data(as_text=True))
    live = trainer_client.post_form(f"/manage/preview?course={course.slug}", {"source": source})
    typed = _preview_image_urls(f"http://localhost{edit}", live.get_json()["html"])
    assert opened == pressed == typed == [expected]
    assert f'href="/courses/{course.slug}/materials/h.pdf"' in live.get_json()["html"]

    served = trainer_client.get(expected)
    assert served.status_code == 200 and served.data == image
    # The module's own page resolves its stored relative links to the same address.
    module_page = f"/courses/{course.slug}/{module.slug}"
    html = trainer_client.get(module_page).get_data(as_text=True)
    body = BeautifulSoup(html, "html.parser").select_one(".module-body")
    srcs = [urlsplit(urljoin(f"http://localhost{module_page}", i["src"])).path for i in body("img")]
    assert srcs == [expected]

    # A draft course's images are its owners' only; a published one's are public.
    outsider = login(make_user("trainer"))
    expected_status = 404 if status == "draft" else 200
    assert outsider.get(expected).status_code == expected_status
    assert trainee_client.get(expected).status_code == expected_status
    # Nobody else may preview into the course.
    denied = outsider.post_form(f"/manage/preview?course={course.slug}", {"source": source})
    assert denied.status_code == 403


def test_the_files_page_leads_back_to_the_module_editor_it_was_opened_from(trainer_client, course):
    editor = f"/manage/courses/{course.slug}/modules/{course.modules[0].id}"
    page = trainer_client.get(editor).get_data(as_text=True)
    files_url = f"/manage/courses/{course.slug}/files?back={editor}"
    assert files_url in page and 'target="_blank"' in page  # the unsaved text stays open
    files = trainer_client.get(
        f"/manage/courses/{course.slug}/files", query_string={"back": editor}
    )
    assert f'href="{editor}"' in files.get_data(as_text=True)
    response = trainer_client.post_form(
        f"/manage/courses/{course.slug}/files/image?back={editor}",
        {"image-file": (io.BytesIO(png_bytes()), "scheme.png"), "image-title": "Scheme"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302 and "back=" in response.headers["Location"]
    after = trainer_client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'href="{editor}"' in after and "scheme.png" in after


@pytest.mark.parametrize("back", ["https://evil.example/", "//evil.example/x", "/verify/x"])
def test_the_back_link_only_goes_to_course_management_pages(trainer_client, course, back):
    files = trainer_client.get(f"/manage/courses/{course.slug}/files", query_string={"back": back})
    assert files.status_code == 200 and f'href="{back}"' not in files.get_data(as_text=True)
