"""`flask --app wsgi courses import|export`: course content as folders or zips."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from courses import content_archive, content_bundle, content_io
from courses.models import Course
from lms import accounts
from lms.extensions import db
from lms.models import Role, User
from lms.service_error import ServiceError

courses_cli = AppGroup("courses", help="Course content: import and export.")


def _owner(email: str | None) -> User:
    query = select(User).where(User.active.is_(True))
    if email:
        user = accounts.get_user_by_email(email)
        if user is None or not user.active or user.role not in (Role.TRAINER, Role.ADMIN):
            raise click.ClickException(f"no active trainer or admin with email {email}")
        return user
    user = db.session.scalar(query.where(User.role == Role.ADMIN).order_by(User.id))
    if user is None:
        raise click.ClickException("no administrator exists: create one or pass --owner")
    return user


def read_path(path: Path) -> dict[str, bytes]:
    if path.is_file():
        return content_archive.read_zip(path.read_bytes())
    return content_archive.read_folder(path)


@courses_cli.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--update", is_flag=True, help="Update an existing course with new revisions.")
@click.option("--owner", help="Email of the trainer who owns a new course (default: first admin).")
def import_command(path: Path, update: bool, owner: str | None):
    """Import a course from a folder or a .zip; all or nothing."""
    try:
        bundle = content_bundle.parse_bundle(read_path(path))
        result = content_io.import_bundle(bundle, owner=_owner(owner), update=update)
    except content_archive.ImportFailed as failure:
        for problem in failure.problems:
            click.echo(f"error: {problem}", err=True)
        raise click.ClickException("import aborted; nothing was changed") from None
    verb = "created" if result.created else f"updated ({result.new_versions} new module versions)"
    click.echo(f"Course {result.course.slug} {verb}: {len(bundle.modules)} modules.")
    if result.kept_modules:
        click.echo("Kept modules that are not in the files: " + ", ".join(result.kept_modules))


@courses_cli.command("export")
@click.argument("slug")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--zip", "as_zip", is_flag=True, help="Write SLUG.zip into PATH instead of a folder.")
def export_command(slug: str, path: Path, as_zip: bool):
    """Export a course to PATH/SLUG (a folder) or PATH/SLUG.zip."""
    course = Course.by_slug(slug)
    if course is None:
        raise click.ClickException(f"no course with slug {slug}")
    path.mkdir(parents=True, exist_ok=True)
    if as_zip:
        target = path / f"{slug}.zip"
        target.write_bytes(content_io.export_zip(course))
    else:
        try:
            target = content_io.export_folder(course, path)
        except ServiceError as error:
            raise click.ClickException(str(error.message)) from None
    click.echo(f"Exported {slug} to {target}")


def init_app(app: Flask) -> None:
    app.cli.add_command(courses_cli)
