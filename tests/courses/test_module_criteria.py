"""Which criteria a module teaches (issue 20): the module editor, course files (front matter
``criteria``) through import and export, and the demo content."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from courses import content_bundle, content_io, module_criteria
from courses.content_archive import read_folder
from courses.models import Course
from lms.extensions import db
from lms.service_error import ServiceError
from quizzes import bank
from quizzes.demo import CRITERIA
from tests.courses.test_content_io import course_files, import_entries, problems_of

DEMO = Path(__file__).resolve().parents[2] / "courses" / "demo_content"

INTRO_WITH_CRITERIA = """\
---
title: Introduction
slug: intro
minutes: 5
criteria:
  - C5-NEG
  - C1-LAW
---

## What is a conflict

A conflict is a disagreement that matters to both sides.

![Diagram](images/diagram.png)
"""


@pytest.fixture
def criteria(app):
    for code, title, must_pass, floor, thresholds in CRITERIA:
        bank.ensure_criterion(code, title, must_pass=must_pass, floor=floor, thresholds=thresholds)


def test_import_and_export_carry_the_criteria_both_ways(trainer):
    result = import_entries(course_files(**{"01-intro.md": INTRO_WITH_CRITERIA}), trainer)
    intro, practice = result.course.modules
    assert module_criteria.codes_of(intro) == ["C1-LAW", "C5-NEG"]
    assert module_criteria.codes_of(practice) == []
    exported = content_io.export_files(result.course)
    assert b"criteria:\n  - C1-LAW\n  - C5-NEG\n---\n" in exported["01-intro.md"]
    assert b"criteria" not in exported["02-practice.md"]  # none: the key is left out
    db.session.delete(result.course)
    db.session.commit()
    again = import_entries(exported, trainer).course
    assert [module_criteria.codes_of(m) for m in again.modules] == [["C1-LAW", "C5-NEG"], []]
    assert content_io.export_files(again) == exported


def test_an_update_import_sets_the_listed_criteria_and_keeps_them_when_the_key_is_absent(trainer):
    course = import_entries(course_files(**{"01-intro.md": INTRO_WITH_CRITERIA}), trainer).course
    intro = course.modules[0]
    one = INTRO_WITH_CRITERIA.replace("  - C5-NEG\n", "")
    import_entries(course_files(**{"01-intro.md": one}), trainer, update=True)
    assert module_criteria.codes_of(intro) == ["C1-LAW"]
    import_entries(course_files(), trainer, update=True)  # an older file without the key
    assert module_criteria.codes_of(intro) == ["C1-LAW"]
    cleared = one.replace("criteria:\n  - C1-LAW\n", "criteria: []\n")
    import_entries(course_files(**{"01-intro.md": cleared}), trainer, update=True)
    db.session.expire_all()
    assert module_criteria.codes_of(db.session.get(type(intro), intro.id)) == []


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("C1-LAW", "“criteria” must be a list"),
        ("[c1-law]", "“c1-law” in “criteria” is not a criterion code"),
        ("[C1-LAW, {a: 1}]", "“dict” in “criteria” is not a criterion code"),
    ],
)
def test_a_wrong_criteria_list_is_a_problem_at_its_line(app, value, message):
    text = INTRO_WITH_CRITERIA.replace(
        "criteria:\n  - C5-NEG\n  - C1-LAW\n", f"criteria: {value}\n"
    )
    problems = problems_of(course_files(**{"01-intro.md": text}))
    assert [(p.file, p.line) for p in problems] == [("01-intro.md", 5)]
    assert message in problems[0].message


def test_the_service_refuses_a_code_of_the_wrong_shape_or_not_offered(app):
    with pytest.raises(ServiceError) as caught:
        module_criteria.clean_codes(["C1-LAW", "drop table"])
    assert caught.value.field == "criteria"
    with pytest.raises(ServiceError):
        module_criteria.clean_codes(["C9-NEW"], allowed={"C1-LAW"})
    assert module_criteria.clean_codes(["C2-PROC", "C1-LAW", "C2-PROC"]) == ["C1-LAW", "C2-PROC"]


def test_the_editor_offers_the_sites_criteria_and_saves_the_ticked_ones(
    trainer_client, make_course, criteria
):
    course = make_course("Editor course", modules=1)
    module = course.modules[0]
    url = f"/manage/courses/{course.slug}/modules/{module.id}"
    page = trainer_client.get(url).get_data(as_text=True)
    assert 'name="criteria" type="checkbox" value="C3-ETH"' in page
    assert "Criteria this module teaches" in page
    form = {"title": module.title, "slug": module.slug, "source": module.source}
    response = trainer_client.post_form(url, {**form, "criteria": ["C3-ETH", "C4-COMM"]})
    assert response.status_code == 302
    assert module_criteria.codes_of(module) == ["C3-ETH", "C4-COMM"]
    page = trainer_client.get(url).get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="C3-ETH"', page)
    assert not re.search(r'<input checked[^>]*value="C1-LAW"', page)
    assert "the criteria this module teaches changed" in page  # the flash
    # A code the site has no criterion for is refused beside the field; nothing changes.
    response = trainer_client.post_form(url, {**form, "title": "Renamed", "criteria": ["C9-X"]})
    assert response.status_code == 400
    assert "There is no criterion “C9-X”." in response.get_data(as_text=True)
    db.session.expire_all()
    module = db.session.get(type(module), module.id)
    assert module.title != "Renamed" and module_criteria.codes_of(module) == ["C3-ETH", "C4-COMM"]


def test_the_editor_keeps_an_imported_code_the_site_does_not_know(
    trainer_client, trainer, criteria
):
    text = INTRO_WITH_CRITERIA.replace("  - C5-NEG\n", "  - X9-OTHER\n")
    course = import_entries(course_files(**{"01-intro.md": text}), trainer).course
    module = course.modules[0]
    url = f"/manage/courses/{course.slug}/modules/{module.id}"
    page = trainer_client.get(url).get_data(as_text=True)
    assert "X9-OTHER (no such criterion on this site)" in page
    form = {"title": module.title, "slug": module.slug, "source": module.source}
    trainer_client.post_form(url, {**form, "criteria": ["C1-LAW", "X9-OTHER"]})
    assert module_criteria.codes_of(module) == ["C1-LAW", "X9-OTHER"]


def test_every_demo_module_names_criteria_the_site_defines(app):
    known = {code for code, *_ in CRITERIA}
    for folder in sorted(p for p in DEMO.iterdir() if p.is_dir()):
        bundle = content_bundle.parse_bundle(read_folder(folder))
        for module in bundle.modules:
            assert module.criteria, f"{folder.name}/{module.filename} names no criteria"
            assert set(module.criteria) <= known, f"{folder.name}/{module.filename}"


def test_seed_demo_links_the_demo_modules(seed_demo):
    seed_demo()
    course = db.session.scalar(select(Course).where(Course.slug == "mediator-ethics"))
    first = course.modules[0]
    assert module_criteria.codes_of(first) == ["C3-ETH"]
    teaching = module_criteria.teaching_modules(["C7-CULT"])["C7-CULT"]
    assert {m.slug for m in teaching} >= {"public-mediator-community"}
