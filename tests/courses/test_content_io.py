"""Courses as files: safe reading of zips and folders, strict parsing with file and line,
all-or-nothing import, deterministic export, and the CLI and web entry points."""

from __future__ import annotations

import functools
import io
import struct
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from courses import authoring, content_archive, content_bundle, content_io, files
from courses.content_archive import ImportFailed, Problem
from courses.models import Course, CourseFile, CourseOwner, Module, ModuleRevision
from lms.extensions import db
from lms.service_error import ServiceError
from tests.courses.conftest import pdf_bytes, png_bytes

SLUG = "conflict-basics"
IMPORT_URL = "/manage/courses/import"

# Line numbers below are relied on by the tests: keep them stable.
COURSE_YML = """\
slug: conflict-basics
title: Conflict basics
language: en
summary: A short course about everyday conflicts.
cover: |
  Welcome to the course. Қош келдіңіз!

  It has **two** modules.
status: draft
modules:
  - 01-intro.md
  - 02-practice.md
materials:
  - file: guide.pdf
    title: Guide
"""
MODULES_LINE = 10
MATERIALS_LINE = 13

INTRO_MD = """\
---
title: Introduction
slug: intro
minutes: 5
---

## What is a conflict

A conflict is a disagreement that matters to both sides.

![Diagram](images/diagram.png)
"""

PRACTICE_MD = """\
---
title: Practice
slug: practice
minutes: 10
---

## Exercise

Describe a conflict you have seen and how it ended.
"""


def course_files(**changes: bytes | str | None) -> dict[str, bytes]:
    """A small valid course as {relative path: bytes}.

    ``changes`` add or replace files (None removes one); paths have slashes and dots, so pass
    them as ``course_files(**{"images/x.png": b"..."})``.
    """
    entries: dict[str, bytes] = {
        "course.yml": COURSE_YML.encode(),
        "01-intro.md": INTRO_MD.encode(),
        "02-practice.md": PRACTICE_MD.encode(),
        "images/diagram.png": png_bytes(),
        "materials/guide.pdf": pdf_bytes(),
    }
    for name, data in changes.items():
        if data is None:
            entries.pop(name, None)
        else:
            entries[name] = data.encode() if isinstance(data, str) else data
    return entries


def zip_files(
    entries: dict[str, bytes],
    *,
    top: str | None = None,
    compression: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    """Zip ``entries``, optionally inside one top folder."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in entries.items():
            archive.writestr(f"{top}/{name}" if top else name, data)
    return buffer.getvalue()


def _zip_with(first: zipfile.ZipInfo | str, data: bytes, *, top: str | None = None) -> bytes:
    """A valid course zip with one extra entry written first."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(first, data)
        for name, content in course_files().items():
            archive.writestr(f"{top}/{name}" if top else name, content)
    return buffer.getvalue()


# --- hostile archives ------------------------------------------------------------------------

BOMB_BYTES = 50 * 1024 * 1024


@functools.cache
def _zip_bomb(size: int = BOMB_BYTES) -> bytes:
    """One entry of ``size`` zeros, deflated (about a thousandth of its size)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.md", bytes(size))
    return buffer.getvalue()


def _first_entry_headers(data: bytes) -> tuple[int, int]:
    """Offsets of the first entry's local header and central directory record."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        local = archive.infolist()[0].header_offset
        central = archive.start_dir
    assert data[local : local + 4] == b"PK\x03\x04"
    assert data[central : central + 4] == b"PK\x01\x02"
    return local, central


def _encrypted_entry_zip() -> bytes:
    """zipfile clears flag_bits when writing, so set the 'encrypted' bit in the headers."""
    data = bytearray(_zip_with("secret.md", b"---\ntitle: S\nslug: s\n---\n"))
    local, central = _first_entry_headers(bytes(data))
    data[local + 6] |= 0x1
    data[central + 8] |= 0x1
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        assert archive.infolist()[0].flag_bits & 0x1
    return bytes(data)


def _lying_size_zip() -> bytes:
    """A bomb whose headers claim it unpacks to 1000 bytes."""
    data = bytearray(_zip_bomb(20 * 1024 * 1024))
    local, central = _first_entry_headers(bytes(data))
    struct.pack_into("<I", data, local + 22, 1000)
    struct.pack_into("<I", data, central + 24, 1000)
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        assert archive.infolist()[0].file_size == 1000
    return bytes(data)


def _symlink_zip() -> bytes:
    info = zipfile.ZipInfo("images/link.png")
    info.external_attr = 0o120777 << 16
    return _zip_with(info, b"/etc/passwd")


def _too_many_entries_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in course_files().items():
            archive.writestr(name, content)
        for number in range(content_archive.MAX_ENTRIES + 1 - len(course_files())):
            archive.writestr(f"images/extra-{number}.txt", b"x")
    return buffer.getvalue()


def _duplicate_entry_zip() -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Duplicate name: ..."
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, content in course_files().items():
                archive.writestr(name, content)
            archive.writestr("01-intro.md", b"---\ntitle: Evil twin\nslug: intro\n---\n")
    return buffer.getvalue()


# (id, builder of the archive, the file the problem must name, a part of its message)
HOSTILE_ARCHIVES: list[tuple[str, Callable[[], bytes], str, str]] = [
    ("dotdot", lambda: _zip_with("../evil.md", b"x"), "../evil.md", "leaves the course folder"),
    (
        "nested-dotdot",
        lambda: _zip_with("a/../../evil.md", b"x"),
        "a/../../evil.md",
        "leaves the course folder",
    ),
    ("absolute", lambda: _zip_with("/etc/passwd", b"x"), "/etc/passwd", "absolute"),
    ("windows-drive", lambda: _zip_with("C:\\x", b"x"), "C:\\x", "absolute"),
    (
        "backslashes",
        lambda: _zip_with("images\\..\\..\\evil.png", b"x"),
        "images\\..\\..\\evil.png",
        "malformed",
    ),
    ("symlink", _symlink_zip, "images/link.png", "symbolic links"),
    ("encrypted", _encrypted_entry_zip, "secret.md", "encrypted"),
    ("zip-bomb", _zip_bomb, "bomb.md", "too large"),
    ("too-many-entries", _too_many_entries_zip, "(archive)", "more than 500 entries"),
    ("duplicate-entry", _duplicate_entry_zip, "01-intro.md", "appears twice"),
    ("not-a-zip", lambda: b"hello", "(archive)", "not a valid .zip"),
]


# --- helpers -----------------------------------------------------------------------------------


def problems_of(entries: dict[str, bytes]) -> list[Problem]:
    with pytest.raises(ImportFailed) as caught:
        content_bundle.parse_bundle(entries)
    return caught.value.problems


def zip_problems(data: bytes) -> list[Problem]:
    with pytest.raises(ImportFailed) as caught:
        content_archive.read_zip(data)
    return caught.value.problems


def import_entries(entries: dict[str, bytes], owner, *, update: bool = False):
    return content_io.import_bundle(
        content_bundle.parse_bundle(entries), owner=owner, update=update
    )


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def stored_files(app) -> set[str]:
    folder = Path(app.instance_path) / "uploads"
    return {path.name for path in folder.iterdir()} if folder.exists() else set()


def assert_nothing_imported(app) -> None:
    db.session.expire_all()
    assert count(Course) == 0
    assert count(CourseOwner) == 0
    assert count(Module) == 0
    assert count(ModuleRevision) == 0
    assert count(CourseFile) == 0
    assert stored_files(app) == set()


def the_course(slug: str = SLUG) -> Course:
    db.session.expire_all()
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    assert course is not None
    return course


def upload(client, data: bytes, *, update: str = "no", name: str = "course.zip"):
    return client.post_form(
        IMPORT_URL,
        {"file": (io.BytesIO(data), name), "update": update},
        content_type="multipart/form-data",
    )


def write_folder(folder: Path, entries: dict[str, bytes]) -> Path:
    for name, data in entries.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return folder


# --- reading zips -------------------------------------------------------------------------


def test_read_zip_returns_the_files_with_or_without_a_top_folder():
    entries = course_files()
    assert content_archive.read_zip(zip_files(entries)) == entries
    assert content_archive.read_zip(zip_files(entries, top="my-course")) == entries


def test_read_zip_needs_course_yml_at_the_top():
    entries = {f"one/{k}": v for k, v in course_files().items()} | {"two/readme.md": b"x"}
    problems = zip_problems(zip_files(entries))
    assert [(p.file, p.message) for p in problems] == [
        ("course.yml", "not found at the top of the archive")
    ]


@pytest.mark.parametrize(
    ("build", "file", "message"),
    [case[1:] for case in HOSTILE_ARCHIVES],
    ids=[case[0] for case in HOSTILE_ARCHIVES],
)
def test_read_zip_refuses_hostile_archives_naming_the_entry(build, file, message):
    problems = zip_problems(build())
    assert any(p.file == file and message in p.message for p in problems), problems


@pytest.fixture
def entries_unpacked(monkeypatch) -> list[str]:
    """The names of the zip entries opened for reading while the test runs."""
    opened: list[str] = []
    real_open = zipfile.ZipFile.open

    def spy_open(self, name, mode="r", *args, **kwargs):
        if mode == "r":
            opened.append(getattr(name, "filename", name))
        return real_open(self, name, mode, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy_open)
    return opened


def test_read_zip_refuses_a_zip_bomb_without_unpacking_it(entries_unpacked):
    bomb = _zip_bomb()
    assert len(bomb) < BOMB_BYTES / 500
    problems = zip_problems(bomb)
    assert [p.file for p in problems] == ["bomb.md"]
    assert entries_unpacked == []


def test_read_zip_refuses_a_high_compression_ratio_below_the_size_limit(entries_unpacked):
    size = 20 * 1024 * 1024  # under MAX_ENTRY_BYTES: only the ratio gives it away
    assert size < content_archive.MAX_ENTRY_BYTES
    problems = zip_problems(_zip_bomb(size))
    assert [(p.file, p.message) for p in problems] == [
        ("bomb.md", "suspicious compression ratio (zip bomb?)")
    ]
    assert entries_unpacked == []


def test_read_zip_accepts_well_compressed_small_files():
    """The ratio rule must not refuse ordinary text that compresses well."""
    entries = course_files(**{"02-practice.md": PRACTICE_MD + "\nSame line again.\n" * 20_000})
    assert content_archive.read_zip(zip_files(entries)) == entries


def test_read_zip_does_not_trust_a_size_header_that_lies():
    problems = zip_problems(_lying_size_zip())
    assert [p.file for p in problems] == ["bomb.md"]
    assert "cannot be read" in problems[0].message


def test_read_zip_stops_when_the_archive_unpacks_to_too_much(monkeypatch):
    monkeypatch.setattr(content_archive, "MAX_TOTAL_BYTES", 500)
    problems = zip_problems(zip_files(course_files()))
    assert len(problems) == 1
    assert "too much data" in problems[0].message


def test_read_zip_reports_every_unsafe_entry():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../one.md", b"x")
        archive.writestr("/two.md", b"x")
        for name, content in course_files().items():
            archive.writestr(name, content)
    problems = zip_problems(buffer.getvalue())
    assert {p.file for p in problems} == {"../one.md", "/two.md"}


# --- reading folders -------------------------------------------------------------------------


def test_read_folder_returns_posix_relative_paths(tmp_path):
    entries = course_files()
    assert content_archive.read_folder(write_folder(tmp_path / "c", entries)) == entries


def test_read_folder_refuses_symbolic_links(tmp_path):
    folder = write_folder(tmp_path / "c", course_files())
    secret = tmp_path / "secret.txt"
    secret.write_text("password")
    (folder / "images" / "leak.png").symlink_to(secret)
    with pytest.raises(ImportFailed) as caught:
        content_archive.read_folder(folder)
    assert [(p.file, p.message) for p in caught.value.problems] == [
        ("images/leak.png", "symbolic links are not allowed")
    ]


def test_read_folder_refuses_what_is_not_a_folder(tmp_path):
    with pytest.raises(ImportFailed) as caught:
        content_archive.read_folder(tmp_path / "missing")
    assert caught.value.problems[0].message == "is not a folder"


def test_read_folder_refuses_large_files_and_too_many_files(tmp_path, monkeypatch):
    entries = course_files()
    folder = write_folder(tmp_path / "c", entries)
    monkeypatch.setattr(content_archive, "MAX_ENTRY_BYTES", 150)
    with pytest.raises(ImportFailed) as caught:
        content_archive.read_folder(folder)
    too_large = {name for name, data in entries.items() if len(data) > 150}
    assert too_large
    assert {p.file for p in caught.value.problems} == too_large
    assert {p.message for p in caught.value.problems} == {"file is too large"}
    monkeypatch.undo()
    monkeypatch.setattr(content_archive, "MAX_ENTRIES", 3)
    with pytest.raises(ImportFailed) as caught:
        content_archive.read_folder(folder)
    assert "more than 3 files" in caught.value.problems[0].message


# --- parsing: every problem with its file and line ---------------------------------------------


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


# (id, changes to the valid course, file, acceptable lines, part of the message)
CONTENT_PROBLEMS = [
    (
        "course-yml-invalid-yaml",
        {"course.yml": "slug: x\ntitle: [unclosed\nlanguage: en\n"},
        "course.yml",
        {2, 3},
        "invalid YAML",
    ),
    ("course-yml-missing", {"course.yml": None}, "course.yml", {None}, "is missing"),
    ("course-yml-not-a-mapping", {"course.yml": "- a\n- b\n"}, "course.yml", {1}, "mapping"),
    (
        "course-yml-not-utf8",
        {"course.yml": b"slug: x\ntitle: \xff\xfe\n"},
        "course.yml",
        {2},
        "UTF-8",
    ),
    (
        "front-matter-invalid-yaml",
        {"02-practice.md": "---\ntitle: [unclosed\nslug: practice\n---\n\nText\n"},
        "02-practice.md",
        {2, 3, 4},
        "invalid YAML",
    ),
    (
        "no-front-matter",
        {"02-practice.md": "# Practice\n\nText\n"},
        "02-practice.md",
        {1},
        "front matter",
    ),
    ("listed-module-missing", {"02-practice.md": None}, "02-practice.md", {None}, "missing"),
    (
        "md-file-not-listed",
        {"03-extra.md": "---\ntitle: Extra\nslug: extra\n---\n\nText\n"},
        "03-extra.md",
        {None},
        "not listed",
    ),
    (
        "module-name-leaves-folder",
        {"course.yml": _replace(COURSE_YML, "02-practice.md", "../practice.md")},
        "course.yml",
        {MODULES_LINE},
        "../practice.md",
    ),
    (
        "duplicate-module-slug",
        {"02-practice.md": _replace(PRACTICE_MD, "slug: practice", "slug: intro")},
        "02-practice.md",
        {2, 3},
        "duplicate slug “intro” (also in 01-intro.md)",
    ),
    (
        "missing-title",
        {"02-practice.md": _replace(PRACTICE_MD, "title: Practice\n", "")},
        "02-practice.md",
        {2},
        "“title” is missing",
    ),
    (
        "bad-slug",
        {"02-practice.md": _replace(PRACTICE_MD, "slug: practice", "slug: Bad Slug")},
        "02-practice.md",
        {3},
        "“slug”",
    ),
    (
        "reserved-slug",
        {"02-practice.md": _replace(PRACTICE_MD, "slug: practice", "slug: images")},
        "02-practice.md",
        {3},
        "“slug”",
    ),
    (
        "minutes-zero",
        {"02-practice.md": _replace(PRACTICE_MD, "minutes: 10", "minutes: 0")},
        "02-practice.md",
        {4},
        "“minutes” must be 1 to 600",
    ),
    (
        "minutes-not-a-number",
        {"02-practice.md": _replace(PRACTICE_MD, "minutes: 10", "minutes: ten")},
        "02-practice.md",
        {4},
        "“minutes” must be 1 to 600",
    ),
    (
        "unknown-front-matter-key",
        {"02-practice.md": _replace(PRACTICE_MD, "minutes: 10\n", "minutes: 10\nauthor: Me\n")},
        "02-practice.md",
        {5},
        "unknown front matter key “author”",
    ),
    (
        "module-not-utf8",
        {"02-practice.md": b"---\ntitle: Practice\nslug: practice\n---\n\n\xff\xfe text\n"},
        "02-practice.md",
        {6},
        "UTF-8",
    ),
    (
        "unknown-course-key",
        {"course.yml": COURSE_YML + "author: Me\n"},
        "course.yml",
        {16},
        "unknown key “author”",
    ),
    (
        "unknown-language",
        {"course.yml": _replace(COURSE_YML, "language: en", "language: de")},
        "course.yml",
        {3},
        "language must be one of en, ru, kk",
    ),
    (
        "unknown-status",
        {"course.yml": _replace(COURSE_YML, "status: draft", "status: secret")},
        "course.yml",
        {9},
        "unknown status",
    ),
    (
        "bad-course-slug",
        {"course.yml": _replace(COURSE_YML, "slug: conflict-basics", "slug: Conflict Basics")},
        "course.yml",
        {1},
        "slug is not valid",
    ),
    (
        "title-not-text",
        {"course.yml": _replace(COURSE_YML, "title: Conflict basics", "title: [a, b]")},
        "course.yml",
        {2},
        "“title” must be a str",
    ),
    (
        "image-not-an-image",
        {"images/x.png": b"not a png"},
        "images/x.png",
        {None},
        "not a PNG, JPEG or WebP image",
    ),
    (
        "jpeg-named-png",
        {"images/photo.png": png_bytes(image_format="JPEG")},
        "images/photo.png",
        {None},
        "content is JPG",
    ),
    (
        "missing-image",
        {"01-intro.md": INTRO_MD + "\n![Gone](images/missing.png)\n"},
        "01-intro.md",
        {None, 13},
        "images/missing.png",
    ),
    (
        "material-not-a-document",
        {"materials/notes.pdf": b"hello"},
        "materials/notes.pdf",
        {None},
        "Only PDF, DOCX and ODT",
    ),
    (
        "listed-material-missing",
        {"materials/guide.pdf": None},
        "course.yml",
        {MATERIALS_LINE},
        "material “guide.pdf” is not in the materials/ folder",
    ),
    ("unexpected-folder", {"scripts/run.sh": b"rm -rf /"}, "scripts/run.sh", {None}, "unexpected"),
    (
        "uppercase-asset-name",
        {"images/Diagram.png": png_bytes()},
        "images/Diagram.png",
        {None},
        "lowercase",
    ),
    (
        "asset-in-a-subfolder",
        {"images/sub/x.png": png_bytes()},
        "images/sub/x.png",
        {None},
        "lowercase",
    ),
]


@pytest.mark.parametrize(
    ("changes", "file", "lines", "message"),
    [case[1:] for case in CONTENT_PROBLEMS],
    ids=[case[0] for case in CONTENT_PROBLEMS],
)
def test_content_problem_is_reported_with_its_file_and_line(app, changes, file, lines, message):
    problems = problems_of(course_files(**changes))
    matching = [p for p in problems if p.file == file and message in p.message]
    assert matching, problems
    assert matching[0].line in lines, matching[0]
    if None not in lines:
        assert str(matching[0]).startswith(f"{file}:{matching[0].line}: ")


def test_the_valid_course_parses(app):
    bundle = content_bundle.parse_bundle(course_files())
    assert (bundle.slug, bundle.title, bundle.language, bundle.status) == (
        SLUG,
        "Conflict basics",
        "en",
        "draft",
    )
    assert [(m.filename, m.slug, m.title, m.minutes) for m in bundle.modules] == [
        ("01-intro.md", "intro", "Introduction", 5),
        ("02-practice.md", "practice", "Practice", 10),
    ]
    assert bundle.images == {"diagram.png": png_bytes()}
    assert bundle.materials == [("guide.pdf", "Guide", pdf_bytes())]


def test_several_problems_in_one_archive_are_all_reported(app):
    problems = problems_of(
        course_files(
            **{
                "02-practice.md": _replace(PRACTICE_MD, "minutes: 10", "minutes: 0"),
                "images/x.png": b"not a png",
                "course.yml": COURSE_YML + "author: Me\n",
            }
        )
    )
    assert len(problems) >= 3
    assert {"02-practice.md", "images/x.png", "course.yml"} <= {p.file for p in problems}
    failure = ImportFailed(problems)
    assert "02-practice.md:4: " in str(failure)


@pytest.mark.parametrize(
    ("changes", "file"),
    [
        ({"course.yml": COURSE_YML + "1: one\nextra: two\n"}, "course.yml"),
        (
            {"02-practice.md": _replace(PRACTICE_MD, "minutes: 10\n", "minutes: 10\n1: x\nb: y\n")},
            "02-practice.md",
        ),
    ],
    ids=["course-yml", "front-matter"],
)
def test_unknown_keys_of_mixed_types_are_reported_not_a_crash(app, changes, file):
    problems = problems_of(course_files(**changes))
    assert any(p.file == file and "unknown" in p.message for p in problems)


def test_duplicate_module_slug_points_at_the_slug_line(app):
    problems = problems_of(
        course_files(**{"02-practice.md": _replace(PRACTICE_MD, "slug: practice", "slug: intro")})
    )
    [problem] = [p for p in problems if "duplicate slug" in p.message]
    assert problem.line == 3  # "slug: intro" is the third line of 02-practice.md


def test_missing_image_reference_is_reported_with_its_line(app):
    problems = problems_of(
        course_files(**{"01-intro.md": INTRO_MD + "\n![Gone](images/missing.png)\n"})
    )
    [problem] = [p for p in problems if "images/missing.png" in p.message]
    assert (problem.file, problem.line) == ("01-intro.md", 13)


def test_too_long_module_title_is_reported_against_the_module_file(app):
    long_title = _replace(PRACTICE_MD, "title: Practice", "title: " + "P" * 201)
    problems = problems_of(course_files(**{"02-practice.md": long_title}))
    assert any(p.file == "02-practice.md" and p.line == 2 for p in problems)


# --- importing -----------------------------------------------------------------------------------


def test_import_creates_the_course_its_modules_files_and_owner(app, trainer):
    result = import_entries(course_files(), trainer)
    assert result.created
    assert (result.new_versions, result.kept_modules) == (0, [])
    course = the_course()
    assert (course.title, course.language, course.status) == ("Conflict basics", "en", "draft")
    assert course.summary == "A short course about everyday conflicts."
    assert course.cover_source == (
        "Welcome to the course. Қош келдіңіз!\n\nIt has **two** modules."
    )
    assert "<strong>two</strong>" in course.cover_html
    assert [o.user_id for o in course.ownerships] == [trainer.id]
    assert [(m.position, m.slug, m.title, m.minutes, m.version) for m in course.modules] == [
        (1, "intro", "Introduction", 5, 1),
        (2, "practice", "Practice", 10, 1),
    ]
    assert course.modules[1].source == (
        "## Exercise\n\nDescribe a conflict you have seen and how it ended."
    )
    assert "<h2" in course.modules[0].html
    assert all(len(m.revisions) == 1 for m in course.modules)
    records = db.session.scalars(select(CourseFile).order_by(CourseFile.kind)).all()
    assert [(r.kind, r.filename, r.title) for r in records] == [
        ("image", "diagram.png", "diagram.png"),
        ("material", "guide.pdf", "Guide"),
    ]
    assert (Path(app.instance_path) / "uploads" / records[0].stored_name).read_bytes() == (
        png_bytes()
    )
    assert stored_files(app) == {r.stored_name for r in records}


def test_import_publishes_a_course_marked_published(app, trainer):
    yml = _replace(COURSE_YML, "status: draft", "status: published")
    import_entries(course_files(**{"course.yml": yml}), trainer)
    course = the_course()
    assert course.status == "published"
    assert course.published_at is not None


def test_import_refuses_an_existing_slug_without_update(app, trainer):
    import_entries(course_files(), trainer)
    changed = course_files(**{"course.yml": _replace(COURSE_YML, "Conflict basics", "New")})
    with pytest.raises(ImportFailed) as caught:
        import_entries(changed, trainer)
    assert "already exists" in caught.value.problems[0].message
    assert the_course().title == "Conflict basics"
    assert count(Course) == 1
    assert count(CourseFile) == 2


def test_update_by_a_trainer_who_does_not_own_the_course_is_refused(app, trainer, make_user):
    import_entries(course_files(), trainer)
    stranger = make_user("trainer")
    changed = course_files(**{"course.yml": _replace(COURSE_YML, "Conflict basics", "Mine")})
    with pytest.raises(ImportFailed) as caught:
        import_entries(changed, stranger, update=True)
    assert "may not edit" in caught.value.problems[0].message
    assert the_course().title == "Conflict basics"


def test_an_admin_may_update_any_course(app, trainer, admin):
    import_entries(course_files(), trainer)
    changed = course_files(**{"course.yml": _replace(COURSE_YML, "Conflict basics", "Renamed")})
    result = import_entries(changed, admin, update=True)
    assert not result.created
    assert the_course().title == "Renamed"


# --- round trip and deterministic export ---------------------------------------------------------


def test_export_import_export_is_byte_identical(app, trainer):
    import_entries(course_files(), trainer)
    exported = content_io.export_files(the_course())
    assert set(exported) == {
        "course.yml",
        "01-intro.md",
        "02-practice.md",
        "images/diagram.png",
        "materials/guide.pdf",
    }
    assert exported["images/diagram.png"] == png_bytes()
    assert exported["materials/guide.pdf"] == pdf_bytes()
    files_before = stored_files(app)
    revisions_before = count(ModuleRevision)

    result = import_entries(exported, trainer, update=True)
    assert not result.created
    assert (result.new_versions, result.kept_modules) == (0, [])
    again = content_io.export_files(the_course())
    assert again == exported
    assert list(again) == list(exported)
    assert count(ModuleRevision) == revisions_before
    assert stored_files(app) == files_before
    assert count(CourseFile) == 2


def test_export_zip_is_deterministic_and_reads_back(app, trainer):
    import_entries(course_files(), trainer)
    course = the_course()
    first = content_io.export_zip(course)
    second = content_io.export_zip(the_course())
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        infos = archive.infolist()
    assert all(info.filename.startswith(f"{SLUG}/") for info in infos)
    assert {info.date_time for info in infos} == {content_io.ZIP_DATE}
    assert content_archive.read_zip(first) == content_io.export_files(the_course())


def test_exported_folder_imports_through_the_cli_as_another_course(app, trainer, runner, tmp_path):
    import_entries(course_files(), trainer)
    original = content_io.export_files(the_course())
    folder = content_io.export_folder(the_course(), tmp_path / "out")
    assert folder == tmp_path / "out" / SLUG
    assert content_archive.read_folder(folder) == original

    course_yml = folder / "course.yml"
    course_yml.write_text(
        _replace(course_yml.read_text(), f"slug: {SLUG}\n", "slug: conflict-basics-copy\n")
    )
    result = runner.invoke(args=["courses", "import", str(folder), "--owner", trainer.email])
    assert result.exit_code == 0, result.output
    assert "Course conflict-basics-copy created: 2 modules." in result.output

    copy = content_io.export_files(the_course("conflict-basics-copy"))
    assert set(copy) == set(original)
    for name in original:
        if name != "course.yml":
            assert copy[name] == original[name], name
    assert copy["course.yml"] == original["course.yml"].replace(
        f"slug: {SLUG}\n".encode(), b"slug: conflict-basics-copy\n"
    )
    # Two courses, each with its own stored copy of each file.
    assert count(CourseFile) == 4
    assert len(stored_files(app)) == 4


def test_a_course_without_modules_round_trips(app, trainer):
    course = authoring.create_course(trainer, title="Empty for now", slug="empty-for-now")
    exported = content_io.export_files(course)
    exported["course.yml"] = exported["course.yml"].replace(b"empty-for-now", b"empty-copy")
    result = import_entries(exported, trainer)
    assert result.created


def test_reimporting_an_unchanged_export_keeps_web_uploaded_images(app, trainer):
    import_entries(course_files(), trainer)
    uploaded = files.add_file(
        the_course(),
        kind="image",
        data=png_bytes(size=(6, 6)),
        original_name="Stages.png",
        uploaded_by=trainer,
        title="Stages of mediation",
    )
    stored_name = uploaded.stored_name
    import_entries(content_io.export_files(the_course()), trainer, update=True)
    db.session.expire_all()
    image = db.session.scalar(select(CourseFile).where(CourseFile.filename == "stages.png"))
    assert (image.title, image.stored_name) == ("Stages of mediation", stored_name)


def test_export_folder_refuses_a_folder_that_is_not_empty(app, trainer, tmp_path):
    import_entries(course_files(), trainer)
    (tmp_path / SLUG).mkdir()
    (tmp_path / SLUG / "notes.txt").write_text("mine")
    with pytest.raises(ServiceError):
        content_io.export_folder(the_course(), tmp_path)
    assert [p.name for p in (tmp_path / SLUG).iterdir()] == ["notes.txt"]


# --- updating ------------------------------------------------------------------------------------


def _updated_course() -> dict[str, bytes]:
    """Renamed; practice changed and first; intro unchanged; a new closing module; new image."""
    yml = _replace(COURSE_YML, "title: Conflict basics", "title: Conflict basics, revised")
    yml = _replace(
        yml,
        "  - 01-intro.md\n  - 02-practice.md\n",
        "  - 02-practice.md\n  - 01-intro.md\n  - 03-closing.md\n",
    )
    return course_files(
        **{
            "course.yml": yml,
            "02-practice.md": PRACTICE_MD + "\nThen describe one you resolved.\n",
            "03-closing.md": "---\ntitle: Closing\nslug: closing\n---\n\nWell done.\n",
            "images/diagram.png": png_bytes(size=(8, 8)),
        }
    )


def test_update_makes_versions_only_for_changed_modules_and_keeps_the_others_last(app, trainer):
    import_entries(course_files(), trainer)
    course = the_course()
    authoring.create_module(course, trainer, title="Trainer notes", slug="notes", source="Mine")
    material_before = db.session.scalar(select(CourseFile).where(CourseFile.kind == "material"))
    material_stored = material_before.stored_name

    result = import_entries(_updated_course(), trainer, update=True)
    assert not result.created
    assert result.new_versions == 1
    assert result.kept_modules == ["Trainer notes"]

    course = the_course()
    assert course.title == "Conflict basics, revised"
    assert [(m.position, m.slug, m.version, len(m.revisions)) for m in course.modules] == [
        (1, "practice", 2, 2),
        (2, "intro", 1, 1),
        (3, "closing", 1, 1),
        (4, "notes", 1, 1),
    ]
    practice = course.modules[0]
    assert practice.source.endswith("Then describe one you resolved.")
    assert practice.revisions[0].note == "Imported"
    assert practice.revisions[0].author_id == trainer.id
    assert course.modules[2].minutes == 1  # no minutes given: estimated from the text

    images = db.session.scalars(select(CourseFile).where(CourseFile.kind == "image")).all()
    assert [i.filename for i in images] == ["diagram.png"]
    assert (Path(app.instance_path) / "uploads" / images[0].stored_name).read_bytes() == (
        png_bytes(size=(8, 8))
    )
    material = db.session.scalar(select(CourseFile).where(CourseFile.kind == "material"))
    assert material.stored_name == material_stored  # same bytes and title: not stored again

    exported = content_io.export_files(course)
    assert exported["images/diagram.png"] == png_bytes(size=(8, 8))
    assert sorted(n for n in exported if n.endswith(".md")) == [
        "01-practice.md",
        "02-intro.md",
        "03-closing.md",
        "04-notes.md",
    ]


def test_update_removes_the_stored_bytes_of_a_replaced_image(app, trainer):
    import_entries(course_files(), trainer)
    import_entries(_updated_course(), trainer, update=True)
    records = db.session.scalars(select(CourseFile)).all()
    assert stored_files(app) == {r.stored_name for r in records}


# --- all or nothing ------------------------------------------------------------------------------


def _failing_on_materials(monkeypatch) -> list[str]:
    """Make storing a material fail after images were stored; returns the kinds attempted."""
    real_add_file = files.add_file
    attempted: list[str] = []

    def add_file(course, *, kind, **kwargs):
        attempted.append(kind)
        if kind == "material":
            raise ServiceError("The disk is full.")
        return real_add_file(course, kind=kind, **kwargs)

    monkeypatch.setattr(files, "add_file", add_file)
    return attempted


def test_a_failure_while_storing_files_leaves_nothing_behind(app, trainer, monkeypatch):
    attempted = _failing_on_materials(monkeypatch)
    with pytest.raises(ImportFailed) as caught:
        import_entries(course_files(), trainer)
    assert attempted == ["image", "material"]  # the image was stored before the failure
    assert caught.value.problems == [Problem("course.yml", None, "The disk is full.")]
    assert_nothing_imported(app)


def test_a_failure_while_updating_leaves_the_course_as_it_was(app, trainer, monkeypatch):
    import_entries(course_files(), trainer)
    before_files = stored_files(app)
    before_export = content_io.export_files(the_course())
    changed = _updated_course()
    changed["course.yml"] = changed["course.yml"].replace(b"title: Guide", b"title: Guide v2")
    _failing_on_materials(monkeypatch)
    with pytest.raises(ImportFailed):
        import_entries(changed, trainer, update=True)
    monkeypatch.undo()
    assert content_io.export_files(the_course()) == before_export
    assert stored_files(app) == before_files
    assert count(Module) == 2
    assert count(ModuleRevision) == 2


def test_a_module_refused_at_write_time_leaves_nothing_behind(app, trainer):
    too_long = _replace(PRACTICE_MD, "title: Practice", "title: " + "P" * 201)
    with pytest.raises(ImportFailed) as caught:
        import_entries(course_files(**{"02-practice.md": too_long}), trainer)
    assert "200" in caught.value.problems[0].message
    assert_nothing_imported(app)


def test_an_unexpected_error_while_writing_leaves_nothing_behind(app, trainer, monkeypatch):
    def broken_order(course, ids):
        raise RuntimeError("database went away")

    monkeypatch.setattr(content_io, "_set_order", broken_order)
    with pytest.raises(RuntimeError):
        import_entries(course_files(), trainer)
    assert_nothing_imported(app)


# --- the command line ----------------------------------------------------------------------------


def test_cli_import_creates_refuses_a_second_time_and_updates(app, trainer, runner, tmp_path):
    folder = write_folder(tmp_path / "course", course_files())
    command = ["courses", "import", str(folder), "--owner", trainer.email]

    created = runner.invoke(args=command)
    assert created.exit_code == 0, created.output
    assert f"Course {SLUG} created: 2 modules." in created.output
    assert [o.user_id for o in the_course().ownerships] == [trainer.id]

    (folder / "02-practice.md").write_text(PRACTICE_MD + "\nA new paragraph.\n")
    refused = runner.invoke(args=command)
    assert refused.exit_code == 1
    assert "already exists" in refused.output
    assert "nothing was changed" in refused.output
    assert "Traceback" not in refused.output
    practice = the_course().modules[1]
    assert (practice.version, len(practice.revisions)) == (1, 1)

    updated = runner.invoke(args=[*command, "--update"])
    assert updated.exit_code == 0, updated.output
    assert "updated (1 new module versions): 2 modules." in updated.output
    course = the_course()
    practice = course.modules[1]
    assert (practice.slug, practice.version, len(practice.revisions)) == ("practice", 2, 2)
    assert practice.source.endswith("A new paragraph.")
    assert course.modules[0].version == 1
    assert count(Course) == 1


def test_cli_import_reads_zips_and_reports_problems(app, trainer, runner, tmp_path):
    bad = tmp_path / "bad.zip"
    bad.write_bytes(_zip_with("../evil.md", b"x"))
    refused = runner.invoke(args=["courses", "import", str(bad), "--owner", trainer.email])
    assert refused.exit_code == 1
    assert "error: ../evil.md: path leaves the course folder" in refused.output
    assert_nothing_imported(app)

    good = tmp_path / "good.zip"
    good.write_bytes(zip_files(course_files(), top=SLUG))
    created = runner.invoke(args=["courses", "import", str(good), "--owner", trainer.email])
    assert created.exit_code == 0, created.output
    assert count(Course) == 1


def test_cli_import_needs_a_valid_owner(app, runner, tmp_path, trainee):
    folder = write_folder(tmp_path / "course", course_files())
    no_admin = runner.invoke(args=["courses", "import", str(folder)])
    assert no_admin.exit_code == 1
    assert "no administrator exists" in no_admin.output
    not_trainer = runner.invoke(args=["courses", "import", str(folder), "--owner", trainee.email])
    assert not_trainer.exit_code == 1
    assert "no active trainer or admin" in not_trainer.output
    assert count(Course) == 0


def test_cli_import_defaults_to_the_first_admin(app, runner, tmp_path, admin):
    folder = write_folder(tmp_path / "course", course_files())
    result = runner.invoke(args=["courses", "import", str(folder)])
    assert result.exit_code == 0, result.output
    assert [o.user_id for o in the_course().ownerships] == [admin.id]


def test_cli_export_writes_a_folder_or_a_zip(app, trainer, runner, tmp_path):
    import_entries(course_files(), trainer)
    expected = content_io.export_files(the_course())

    as_folder = runner.invoke(args=["courses", "export", SLUG, str(tmp_path / "out")])
    assert as_folder.exit_code == 0, as_folder.output
    assert f"Exported {SLUG} to" in as_folder.output
    assert content_archive.read_folder(tmp_path / "out" / SLUG) == expected

    again = runner.invoke(args=["courses", "export", SLUG, str(tmp_path / "out")])
    assert again.exit_code == 1
    assert "not empty" in again.output

    as_zip = runner.invoke(args=["courses", "export", SLUG, str(tmp_path / "zips"), "--zip"])
    assert as_zip.exit_code == 0, as_zip.output
    data = (tmp_path / "zips" / f"{SLUG}.zip").read_bytes()
    assert data == content_io.export_zip(the_course())
    assert content_archive.read_zip(data) == expected

    unknown = runner.invoke(args=["courses", "export", "no-such-course", str(tmp_path / "x")])
    assert unknown.exit_code == 1
    assert "no course with slug no-such-course" in unknown.output
    assert not (tmp_path / "x" / "no-such-course").exists()


# --- the web pages -------------------------------------------------------------------------------


def test_trainer_imports_a_zip_and_owns_the_course(app, trainer, trainer_client):
    response = upload(trainer_client, zip_files(course_files(), top=SLUG))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].endswith(f"/manage/courses/{SLUG}")
    course = the_course()
    assert [o.user_id for o in course.ownerships] == [trainer.id]
    assert [m.slug for m in course.modules] == ["intro", "practice"]

    exported = trainer_client.get(f"/manage/courses/{SLUG}/export")
    assert exported.status_code == 200
    assert exported.headers["Content-Type"] == "application/zip"
    assert f'filename="{SLUG}.zip"' in exported.headers["Content-Disposition"]
    assert exported.data == content_io.export_zip(the_course())


def test_import_and_export_are_for_trainers_who_own_the_course(
    app, trainer, trainee_client, make_user, login
):
    assert trainee_client.get(IMPORT_URL).status_code == 403
    assert upload(trainee_client, zip_files(course_files())).status_code == 403
    assert count(Course) == 0

    import_entries(course_files(), trainer)
    assert trainee_client.get(f"/manage/courses/{SLUG}/export").status_code == 403
    stranger = login(make_user("trainer"))
    assert stranger.get(f"/manage/courses/{SLUG}/export").status_code == 403


def test_import_of_a_broken_course_shows_every_problem(app, trainer_client):
    entries = course_files(
        **{
            "02-practice.md": _replace(PRACTICE_MD, "minutes: 10", "minutes: 0"),
            "images/x.png": b"not a png",
        }
    )
    response = upload(trainer_client, zip_files(entries))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "nothing was changed" in page
    assert "02-practice.md:4: “minutes” must be 1 to 600" in page
    assert "images/x.png: This file is not a PNG, JPEG or WebP image." in page
    assert_nothing_imported(app)


def test_import_refuses_every_hostile_archive_and_changes_nothing(app, trainer_client):
    for label, build, file, message in HOSTILE_ARCHIVES:
        response = upload(trainer_client, build())
        assert response.status_code == 400, label
        page = response.get_data(as_text=True)
        assert file in page, label
        assert message in page, label
    assert_nothing_imported(app)


def test_import_over_http_updates_only_when_asked_and_allowed(
    app, trainer, trainer_client, make_user, login
):
    assert upload(trainer_client, zip_files(course_files())).status_code == 302
    changed = zip_files(_updated_course())

    refused = upload(trainer_client, changed, update="no")
    assert refused.status_code == 400
    assert "already exists" in refused.get_data(as_text=True)
    assert the_course().title == "Conflict basics"

    stranger = login(make_user("trainer"))
    forbidden = upload(stranger, changed, update="yes")
    assert forbidden.status_code == 400
    assert "you may not edit the existing course" in forbidden.get_data(as_text=True)
    assert the_course().title == "Conflict basics"

    updated = upload(trainer_client, changed, update="yes")
    assert updated.status_code == 302
    assert the_course().title == "Conflict basics, revised"
    assert [m.version for m in the_course().modules] == [2, 1, 1]
