"""Editions (issue 20): changes to a published course wait in a draft until the trainer
publishes them as the next edition; completions keep their edition; read marks stay."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from courses import authoring, editions, learning
from courses.models import CourseCompletion, Module, ModuleState
from lms.extensions import db
from lms.service_error import ServiceError


def _edit(client, course, module, title, source):
    return client.post_form(
        f"/manage/courses/{course.slug}/modules/{module.id}",
        {"title": title, "slug": module.slug, "source": source, "minutes": ""},
    )


def _read_all(client, course):
    for module in course.modules:
        response = client.post_form(f"/courses/{course.slug}/{module.slug}/complete")
        assert response.status_code in (302, 303), response.status_code


# --- through HTTP ---------------------------------------------------------------------------


def test_a_published_course_changes_for_trainees_only_when_the_edition_is_published(
    make_course, make_user, login, trainer_client
):
    course = make_course("Editions course", modules=3)
    first, second, third = course.modules
    completer, reader = make_user("trainee"), make_user("trainee")
    completer_client, reader_client = login(completer), login(reader)
    for browser in (completer_client, reader_client):
        assert browser.post_form(f"/courses/{course.slug}/enrol").status_code == 302
    _read_all(completer_client, course)
    dashboard = completer_client.get("/dashboard").get_data(as_text=True)
    assert "Every module read." in dashboard and "Completed edition 1 on" in dashboard
    for module in (first, second):  # the reader is mid-course
        reader_client.post_form(f"/courses/{course.slug}/{module.slug}/complete")

    # The trainer changes the second module's text, adds a module and removes the third.
    response = _edit(trainer_client, course, second, "Module 2", "Brand new wording of part two.")
    assert response.status_code == 302
    response = trainer_client.post_form(
        f"/manage/courses/{course.slug}/modules/new",
        {"title": "Late addition", "slug": "", "source": "Added text.", "minutes": ""},
    )
    assert response.status_code == 302
    trainer_client.post_form(f"/manage/courses/{course.slug}/modules/{third.id}/delete")
    edit_page = trainer_client.get(f"/manage/courses/{course.slug}").get_data(as_text=True)
    assert "Publish as edition 2" in edit_page and "new in the next edition" in edit_page
    editor = trainer_client.get(f"/manage/courses/{course.slug}/modules/{second.id}")
    assert "Brand new wording" in editor.get_data(as_text=True)

    # Trainees still see edition 1: old text, old module list, no new module.
    page = reader_client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "Late addition" not in page and "Module 3" in page
    text = reader_client.get(f"/courses/{course.slug}/{second.slug}").get_data(as_text=True)
    assert "Text of module 2" in text and "Brand new wording" not in text
    assert reader_client.get(f"/courses/{course.slug}/late-addition").status_code == 404

    # The publication page says what changes and whom it affects.
    page = trainer_client.get(f"/manage/courses/{course.slug}/edition").get_data(as_text=True)
    assert "Added: Late addition" in page and "Removed: Module 3" in page
    assert "Changed: Module 2" in page
    in_progress = page.split('id="affected-in-progress"')[1].split("</section>")[0]
    completed = page.split('id="affected-completed"')[1].split("</section>")[0]
    assert reader.email in in_progress and completer.email not in in_progress
    assert completer.email in completed and "completed edition 1" in completed

    response = trainer_client.post_form(f"/manage/courses/{course.slug}/edition")
    assert response.status_code == 302
    db.session.expire_all()
    assert course.edition == 2

    # Trainees now see edition 2.
    page = reader_client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "Late addition" in page and "Module 3" not in page
    assert page.count("Updated since you read it") == 1
    text = reader_client.get(f"/courses/{course.slug}/{second.slug}").get_data(as_text=True)
    assert "Brand new wording" in text
    # The reader keeps the mark of the unchanged module; the changed one shows as updated.
    progress = learning.course_progress(reader, course)
    assert progress.completed == {first.id: 1, second.id: 1}
    assert second.version == 2
    # The completer keeps their completion of edition 1 and sees what is new.
    completion = db.session.scalar(
        select(CourseCompletion).where(CourseCompletion.user_id == completer.id)
    )
    assert completion.edition == 1
    dashboard = completer_client.get("/dashboard").get_data(as_text=True)
    assert "Completed edition 1" in dashboard and "1 new module since" in dashboard


def test_publishing_with_nothing_pending_is_refused_and_discard_restores(
    make_course, trainer_client
):
    course = make_course("Nothing pending")
    first = course.modules[0]
    response = trainer_client.post_form(f"/manage/courses/{course.slug}/edition")
    assert response.status_code == 302
    page = trainer_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "There are no changes to publish." in page
    _edit(trainer_client, course, first, "Renamed", "Other text.")
    response = trainer_client.post_form(f"/manage/courses/{course.slug}/edition/discard")
    assert response.status_code == 302
    db.session.expire_all()
    assert first.title == "Module 1" and first.pending_version is None
    assert [r.version for r in first.revisions] == [1]
    assert course.edition == 1


def test_unpublishing_with_a_pending_draft_is_refused(make_course, trainer_client):
    course = make_course("Held")
    _edit(trainer_client, course, course.modules[0], "Renamed", "Other text.")
    response = trainer_client.post_form(
        f"/manage/courses/{course.slug}/status", {"status": "draft"}
    )
    page = trainer_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "unpublished changes" in page
    db.session.expire_all()
    assert course.is_published


def test_a_draft_course_is_edited_directly(make_course, trainer_client, trainer):
    course = make_course("Still a draft", status="draft")
    module = course.modules[0]
    _edit(trainer_client, course, module, "Module 1", "Direct text.")
    db.session.expire_all()
    assert module.source == "Direct text." and module.version == 2
    assert module.pending_version is None
    added = authoring.create_module(course, trainer, title="Another")
    assert added.state == ModuleState.LIVE
    assert course.edition == 0


def test_other_people_cannot_see_or_publish_an_edition(
    make_course, trainee_client, make_user, login
):
    course = make_course("Owned")
    other = login(make_user("trainer"))
    for browser in (trainee_client, other):
        assert browser.get(f"/manage/courses/{course.slug}/edition").status_code == 403
        assert browser.post_form(f"/manage/courses/{course.slug}/edition").status_code == 403


# --- services ---------------------------------------------------------------------------


def test_edits_of_a_published_module_rewrite_one_pending_revision(make_course, trainer):
    course = make_course("Pending")
    module = course.modules[0]
    assert authoring.update_module(module, trainer, title="A", slug=module.slug, source="x")
    assert authoring.update_module(module, trainer, title="B", slug=module.slug, source="y")
    assert module.pending_version == 2 and module.version == 1
    assert authoring.draft_text(module) == ("B", "y")
    assert [r.version for r in module.revisions] == [2, 1]
    # Saving the published text again drops the draft.
    assert authoring.update_module(
        module, trainer, title="Module 1", slug=module.slug, source=module.source
    )
    assert module.pending_version is None and not authoring.has_draft(course)


def test_reordering_a_published_course_waits_for_the_edition(make_course, trainer):
    course = make_course("Order", modules=3)
    ids = [m.id for m in course.modules]
    authoring.reorder_modules(course, list(reversed(ids)))
    assert [m.id for m in course.modules] == ids  # trainees' order
    assert [m.id for m in authoring.draft_modules(course)] == list(reversed(ids))
    assert editions.pending_changes(course).reordered
    assert editions.publish_edition(course) == 2
    assert [m.id for m in course.modules] == list(reversed(ids))


def test_an_edition_needs_a_module(make_course):
    course = make_course("Emptied", modules=1)
    authoring.delete_module(course.modules[0])
    with pytest.raises(ServiceError):
        editions.publish_edition(course)
    editions.discard_draft(course)
    assert len(course.modules) == 1


def test_completion_records_the_current_edition(make_course, trainer, trainee):
    course = make_course("Counted", modules=1)
    authoring.create_module(course, trainer, title="Second")
    editions.publish_edition(course)
    learning.enrol(trainee, course)
    for module in course.modules:
        learning.complete_module(trainee, module)
    record = db.session.scalar(
        select(CourseCompletion).where(CourseCompletion.user_id == trainee.id)
    )
    assert record.edition == 2 and record.modules_total == 2


def test_draft_modules_count_nowhere_for_trainees(make_course, trainer, trainee):
    course = make_course("Invisible", modules=1)
    learning.enrol(trainee, course)
    authoring.create_module(course, trainer, title="Draft only")
    learning.complete_module(trainee, course.modules[0])
    assert learning.module_counts([course.id])[course.id][0] == 1
    assert learning.my_learning(trainee)[0].progress.total == 1
    assert db.session.scalar(select(CourseCompletion.id)) is not None
    assert db.session.scalar(select(Module.id).where(Module.state == "added")) is not None
