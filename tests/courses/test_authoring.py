"""Authoring services: slugs, versions and revisions, diff, restore, ordering, publishing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from courses import authoring, permissions
from courses.models import CourseStatus, Module, ModuleRevision
from lms.extensions import db
from lms.service_error import ServiceError


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Mediation basics", "mediation-basics"),
        ("Медиация туралы заң", "mediatsiia-turaly-zan"),
        ("Этика медиатора!", "etika-mediatora"),
        ("  ---  ", ""),
    ],
)
def test_slugify(title, slug):
    assert authoring.slugify(title) == slug


def test_a_course_needs_a_usable_slug(app, trainer):
    with pytest.raises(ServiceError) as error:
        authoring.create_course(trainer, title="!!!")
    assert error.value.field == "slug"


def test_duplicate_course_slug_is_refused(app, trainer, make_course):
    make_course("Ethics", slug="ethics")
    with pytest.raises(ServiceError, match="already uses"):
        authoring.create_course(trainer, title="Ethics again", slug="ethics")


def test_module_html_is_rendered_when_saved(app, make_course, trainer):
    course = make_course(modules=0, status=CourseStatus.DRAFT)
    module = authoring.create_module(
        course, trainer, title="Principles", source="## Voluntariness\r\n\r\n<script>x</script>\r\n"
    )
    assert module.source == "## Voluntariness\n\n<script>x</script>"
    assert '<h2 id="voluntariness">Voluntariness</h2>' in module.html
    assert "<script>" not in module.html
    assert module.toc == [
        {"level": 2, "id": "voluntariness", "name": "Voluntariness", "children": []}
    ]
    assert module.minutes == 1


def test_saving_changed_text_makes_a_new_version_with_its_author(
    app, make_course, trainer, make_user
):
    course = make_course(modules=1, status=CourseStatus.DRAFT)  # edited directly
    module = course.modules[0]
    editor = make_user("trainer")
    changed = authoring.update_module(
        module, editor, title=module.title, slug=module.slug, source="New text", note="fix"
    )
    assert changed and module.version == 2
    revisions = {r.version: r for r in module.revisions}
    assert revisions[1].author_id == trainer.id and "Text of module 1" in revisions[1].source
    assert revisions[2].author_id == editor.id and revisions[2].source == "New text"
    assert revisions[2].note == "fix"


def test_saving_the_same_text_makes_no_version(app, make_course, trainer):
    module = make_course(modules=1).modules[0]
    changed = authoring.update_module(
        module, trainer, title=module.title, slug=module.slug, source=module.source + "\r\n"
    )
    assert not changed and module.version == 1


def test_restore_makes_a_new_version_and_keeps_history(app, make_course, trainer):
    module = make_course(modules=1, status=CourseStatus.DRAFT).modules[0]
    original = module.source
    authoring.update_module(module, trainer, title="Renamed", slug=module.slug, source="v2")
    authoring.restore_revision(module, 1, trainer)
    assert module.version == 3
    assert module.source == original and module.title == "Module 1"
    assert db.session.scalar(select(func.count(ModuleRevision.id))) == 3
    with pytest.raises(ServiceError):
        authoring.restore_revision(module, 3, trainer)  # already the current text
    with pytest.raises(ServiceError):
        authoring.restore_revision(module, 42, trainer)


def test_diff_shows_added_and_removed_lines(app, make_course, trainer):
    module = make_course(modules=1).modules[0]
    authoring.update_module(
        module,
        trainer,
        title="Module 1",
        slug=module.slug,
        source=module.source.replace("Done.", "Finished."),
    )
    old, new = authoring.revision(module, 1), authoring.revision(module, 2)
    lines = authoring.diff_revisions(old, new)
    assert ("remove", "Done.") in [(line.kind, line.text) for line in lines]
    assert ("add", "Finished.") in [(line.kind, line.text) for line in lines]


def test_reorder_and_move_keep_positions_unique(app, make_course):
    course = make_course(modules=3, status=CourseStatus.DRAFT)
    first, second, third = (m.id for m in course.modules)
    authoring.reorder_modules(course, [third, first, second])
    db.session.expire_all()
    assert [m.id for m in course.modules] == [third, first, second]
    assert [m.position for m in course.modules] == [1, 2, 3]
    authoring.move_module(db.session.get(Module, third), +1)
    db.session.expire_all()
    assert [m.id for m in course.modules] == [first, third, second]
    authoring.move_module(db.session.get(Module, first), -1)  # already first: nothing moves
    db.session.expire_all()
    assert [m.id for m in course.modules] == [first, third, second]
    with pytest.raises(ServiceError):
        authoring.reorder_modules(course, [first, second])


def test_publishing_an_empty_course_is_refused(app, make_course):
    course = make_course(modules=0, status=CourseStatus.DRAFT)
    with pytest.raises(ServiceError, match="at least one module"):
        authoring.set_status(course, CourseStatus.PUBLISHED)
    assert course.status == "draft"


def test_deleting_modules_of_a_draft_course_closes_the_gaps(app, make_course):
    course = make_course(modules=2, status=CourseStatus.DRAFT)
    authoring.delete_module(course.modules[0])
    db.session.expire_all()
    assert [m.position for m in course.modules] == [1]
    authoring.delete_module(course.modules[0])
    db.session.expire_all()
    assert course.modules == [] and course.status == "draft"


def test_deleting_a_module_of_a_published_course_waits_for_the_edition(app, make_course):
    course = make_course(modules=2)
    authoring.delete_module(course.modules[0])
    db.session.expire_all()
    assert [m.state for m in course.modules] == ["removed", "live"]
    assert course.status == "published"


def test_reserved_module_slugs_are_refused(app, make_course, trainer):
    course = make_course(modules=0, status=CourseStatus.DRAFT)
    with pytest.raises(ServiceError, match="reserved"):
        authoring.create_module(course, trainer, title="Images", slug="images")


def test_owners(app, make_course, trainer, make_user, trainee):
    course = make_course()
    colleague = make_user("trainer")
    assert not permissions.can_edit(colleague, course)
    authoring.add_owner(course, colleague.email.upper())
    assert permissions.can_edit(colleague, course)
    with pytest.raises(ServiceError):
        authoring.add_owner(course, trainee.email)  # trainees cannot edit courses
    authoring.remove_owner(course, trainer.id)
    with pytest.raises(ServiceError, match="at least one trainer"):
        authoring.remove_owner(course, colleague.id)
