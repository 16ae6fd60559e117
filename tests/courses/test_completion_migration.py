"""Migration 0008 records the completions of those who had already read every module."""

from __future__ import annotations

from types import SimpleNamespace

from flask_migrate import upgrade
from sqlalchemy import text

from courses.models import ModuleCompletion
from lms.database import utcnow
from lms.extensions import db


def test_existing_completions_are_backfilled(empty_app):
    upgrade(revision="0007_email_normalisation")

    def person(name, role="trainee"):
        # Written as the schema of 0007 has it: the User model of today has later columns.
        with db.engine.begin() as connection:
            user_id = connection.execute(
                text(
                    "INSERT INTO users (email, display_name, full_name, password_hash, role,"
                    " active, language, updated_at, created_at) VALUES (:email, :name, :name,"
                    " '!', :role, :active, 'en', :now, :now) RETURNING id"
                ),
                {
                    "email": f"{name}@example.kz",
                    "name": name,
                    "role": role,
                    "active": True,
                    "now": utcnow(),
                },
            ).scalar_one()
        return SimpleNamespace(id=user_id)

    def insert(sql, **values):
        # The course tables as 0007 has them (the models of today have later columns).
        with db.engine.begin() as connection:
            return SimpleNamespace(
                id=connection.execute(text(sql + " RETURNING id"), values).scalar_one()
            )

    trainer, done, half = person("trainer", "trainer"), person("done"), person("half")
    assert trainer.id
    course = insert(
        "INSERT INTO courses (slug, title, summary, language, cover_source, cover_html, status,"
        " updated_at, created_at) VALUES ('law', 'Law', '', 'en', '', '', 'published', :now,"
        " :now)",
        now=utcnow(),
    )
    modules = [
        insert(
            "INSERT INTO modules (course_id, position, title, slug, source, html, toc_json,"
            " minutes, version, updated_at, created_at) VALUES (:course, :n, :title, :title,"
            " 'Text.', '<p>Text.</p>', '[]', 1, 1, :now, :now)",
            course=course.id,
            n=n,
            title=f"m{n}",
            now=utcnow(),
        )
        for n in (1, 2)
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
