"""Course files: who may cache them, image metadata removed, PDFs with scripts refused."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageSequence
from pypdf import PdfWriter
from sqlalchemy import func, select

from courses.models import CourseFile, CourseStatus
from lms.extensions import db
from tests.courses.conftest import pdf_bytes, png_bytes

GPS_IFD = 0x8825
ORIENTATION = 0x0112


@pytest.fixture
def course(make_course):
    return make_course("Owned course", modules=1)


def _upload(client, course, kind, data, name):
    return client.post_form(
        f"/manage/courses/{course.slug}/files/{kind}",
        {f"{kind}-file": (io.BytesIO(data), name), f"{kind}-title": ""},
        content_type="multipart/form-data",
    )


def _stored(client, course, kind="image") -> tuple[CourseFile, bytes]:
    record = db.session.scalar(select(CourseFile).order_by(CourseFile.id.desc()))
    served = client.get(f"/courses/{course.slug}/{kind}s/{record.filename}")
    assert served.status_code == 200
    data = served.data
    served.close()
    return record, data


def _exif(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make
    exif[0x0132] = "2026:12:01 10:00:00"
    exif.get_ifd(GPS_IFD)[2] = (43.0, 15.0, 0.0)  # latitude: where the photo was taken
    if orientation:
        exif[ORIENTATION] = orientation
    return exif


# --- caching -------------------------------------------------------------------------------


def test_only_images_of_published_courses_may_be_cached_publicly(
    make_course, trainer_client, client
):
    published = make_course("Published", modules=1)
    draft = make_course("Draft", modules=1, status=CourseStatus.DRAFT)
    for course in (published, draft):
        assert _upload(trainer_client, course, "image", png_bytes(), "x.png").status_code == 302
    public = client.get(f"/courses/{published.slug}/images/x.png")
    assert public.headers["Cache-Control"] == "public, max-age=3600"
    preview = trainer_client.get(f"/courses/{draft.slug}/images/x.png")
    assert preview.status_code == 200
    assert preview.headers["Cache-Control"] == "private, no-store"
    assert "Expires" not in preview.headers


def test_materials_are_never_kept_by_shared_caches(course, trainer_client, login, trainee):
    assert _upload(trainer_client, course, "material", pdf_bytes(), "guide.pdf").status_code == 302
    browser = login(trainee)
    browser.post_form(f"/courses/{course.slug}/enrol")
    download = browser.get(f"/courses/{course.slug}/materials/guide.pdf")
    assert download.status_code == 200
    assert download.headers["Cache-Control"] == "private, no-store"


# --- image metadata ------------------------------------------------------------------------


def test_a_photos_exif_is_removed_and_its_orientation_applied(course, trainer_client, client):
    photo = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(
        photo, "JPEG", exif=_exif(orientation=6), comment=b"holiday"
    )
    assert _upload(trainer_client, course, "image", photo.getvalue(), "p.jpg").status_code == 302
    record, served = _stored(client, course)
    with Image.open(io.BytesIO(served)) as image:
        assert image.format == "JPEG" and record.content_type == "image/jpeg"
        assert not image.getexif() and "exif" not in image.info and "comment" not in image.info
        assert image.size == (30, 40)  # turned upright (orientation 6) before the EXIF went
    assert record.size == len(served)


def test_a_transparent_png_keeps_its_alpha_and_loses_its_metadata(course, trainer_client, client):
    from PIL import PngImagePlugin

    picture = Image.new("RGBA", (4, 3), (10, 20, 30, 255))
    picture.putpixel((0, 0), (0, 0, 0, 0))
    text = PngImagePlugin.PngInfo()
    text.add_text("Author", "Asel Toleuova, +7 701 000 00 00")
    data = io.BytesIO()
    picture.save(data, "PNG", exif=_exif(), pnginfo=text)
    assert _upload(trainer_client, course, "image", data.getvalue(), "d.png").status_code == 302
    _, served = _stored(client, course)
    with Image.open(io.BytesIO(served)) as image:
        assert image.format == "PNG" and image.mode == "RGBA"
        assert not image.getexif() and not image.text
        assert image.getpixel((0, 0))[3] == 0 and image.getpixel((1, 1)) == (10, 20, 30, 255)


@pytest.mark.parametrize("image_format", ["WEBP", "PNG"])
def test_an_animation_stays_animated_without_its_metadata(
    course, trainer_client, client, image_format
):
    frames = [Image.new("RGBA", (8, 8), colour) for colour in ((255, 0, 0, 255), (0, 0, 255, 128))]
    data = io.BytesIO()
    frames[0].save(
        data,
        image_format,
        save_all=True,
        append_images=frames[1:],
        duration=[100, 300],
        loop=0,
        exif=_exif(),
    )
    with Image.open(io.BytesIO(data.getvalue())) as original:
        assert original.getexif()  # the upload really carries EXIF
    extension = image_format.lower()
    response = _upload(trainer_client, course, "image", data.getvalue(), f"a.{extension}")
    assert response.status_code == 302
    _, served = _stored(client, course)
    with Image.open(io.BytesIO(served)) as image:
        assert image.format == image_format and not image.getexif()
        assert getattr(image, "n_frames", 1) == 2
        durations = []
        for frame in ImageSequence.Iterator(image):
            frame.load()
            durations.append(frame.info.get("duration"))
        assert durations == [100, 300]


def test_an_image_without_metadata_is_stored_byte_for_byte(course, trainer_client, client):
    data = png_bytes(image_format="JPEG")
    assert _upload(trainer_client, course, "image", data, "plain.jpg").status_code == 302
    assert _stored(client, course)[1] == data


# --- PDF materials -------------------------------------------------------------------------

JS = b"<</S/JavaScript/JS(app.alert(1))>>"
SCRIPTED = {
    "open-action": {"catalog": b"/OpenAction" + JS},
    "escaped-names": {"catalog": b"/OpenAction<</S/J#61vaScript/J#53(app.alert(1))>>"},
    "names-tree": {
        "catalog": b"/Names<</JavaScript 4 0 R>>",
        "extra": (b"<</Names[(startup) 5 0 R]>>", JS),
    },
    "launch-link": {
        "page": b"/Annots[4 0 R]",
        "extra": (b"<</Type/Annot/Subtype/Link/Rect[0 0 9 9]/A<</S/Launch/F(calc.exe)>>>>",),
    },
    "page-open": {"page": b"/AA<</O 4 0 R>>", "extra": (JS,)},
    "catalogue-aa": {"catalog": b"/AA<</WC<</S/GoTo/D[3 0 R/Fit]>>>>"},
    "xfa-form": {"catalog": b"/AcroForm<</Fields[]/XFA 4 0 R>>", "extra": (b"<<>>",)},
}


@pytest.mark.parametrize("parts", SCRIPTED.values(), ids=SCRIPTED.keys())
def test_pdfs_with_scripts_or_launch_actions_are_refused(trainer_client, course, parts):
    response = _upload(trainer_client, course, "material", pdf_bytes(**parts), "guide.pdf")
    assert response.status_code == 400
    assert "PDF files with JavaScript or actions that open other programs" in (
        response.get_data(as_text=True)
    )
    assert db.session.scalar(select(func.count(CourseFile.id))) == 0


def test_a_pdf_with_ordinary_links_and_an_open_view_is_accepted(trainer_client, course):
    data = pdf_bytes(
        catalog=b"/OpenAction[3 0 R/Fit]",
        page=b"/Annots[4 0 R]",
        extra=(
            b"<</Type/Annot/Subtype/Link/Rect[0 0 9 9]/A<</S/URI/URI(https://adilet.zan.kz)>>>>",
        ),
    )
    assert _upload(trainer_client, course, "material", data, "guide.pdf").status_code == 302


def test_encrypted_and_unreadable_pdfs_are_refused(trainer_client, course, client):
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt("secret")
    locked = io.BytesIO()
    writer.write(locked)
    response = _upload(trainer_client, course, "material", locked.getvalue(), "locked.pdf")
    assert response.status_code == 400
    assert "Encrypted PDF files are not accepted" in response.get_data(as_text=True)

    broken = b"%PDF-1.7\nnot really a PDF at all\n%%EOF\n"
    response = _upload(trainer_client, course, "material", broken, "broken.pdf")
    assert response.status_code == 400
    assert "This PDF file could not be read" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(CourseFile.id))) == 0


def test_the_refusal_is_in_the_trainers_language(trainer_client, course):
    trainer_client.post_form("/language", {"language": "kk", "next": "/"})
    data = pdf_bytes(catalog=b"/OpenAction" + JS)
    response = _upload(trainer_client, course, "material", data, "guide.pdf")
    assert response.status_code == 400
    assert "JavaScript" in response.get_data(as_text=True)
    assert "PDF files with JavaScript" not in response.get_data(as_text=True)


def test_importing_a_photo_again_keeps_the_stored_file(app, trainer):
    from tests.courses.test_content_io import course_files, import_entries

    photo = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 30)).save(photo, "PNG", exif=_exif())
    entries = course_files(**{"images/diagram.png": photo.getvalue()})
    import_entries(entries, trainer)
    first = db.session.scalar(select(CourseFile).where(CourseFile.kind == "image"))
    stored_name = first.stored_name
    import_entries(entries, trainer, update=True)
    again = db.session.scalar(select(CourseFile).where(CourseFile.kind == "image"))
    assert again.stored_name == stored_name  # same picture: not replaced by a new copy
