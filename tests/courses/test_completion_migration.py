"""Migration 0008 records the completions of those who had already read every module."""

from __future__ import annotations

from flask_migrate import upgrade
from sqlalchemy import text

from courses import authoring
from courses.models import ModuleCompletion
from lms import accounts
from lms.database import utcnow
from lms.extensions import db


def test_existing_completions_are_backfilled(empty_app):
    upgrade(revision="0007_email_normalisation")

    def person(name, role="trainee"):
        return accounts.create_user(
            email=f"{name}@example.kz",
            password="correct horse battery staple 42",
            display_name=name,
            full_name=name,
            role=role,
        )

    trainer, done, half = person("trainer", "trainer"), person("done"), person("half")
    course = authoring.create_course(trainer, title="Law", slug="law", summary="", language="en")
    modules = [
        authoring.create_module(course, trainer, title=f"M{n}", source="Text.") for n in (1, 2)
    ]
    for user, read in ((done, modules), (half, modules[:1])):
        for module in read:
            db.session.add(
                ModuleCompletion(
                    user_id=user.id, module_id=module.id, module_version=1, completed_at=utcnow()
                )
            )
    db.session.commit()
    ids = (done.id, half.id, course.id)
    db.session.remove()

    upgrade()
    rows = db.session.execute(
        text("SELECT user_id, course_id, modules_total FROM course_completions")
    ).all()
    assert [tuple(row) for row in rows] == [(ids[0], ids[2], 2)]
