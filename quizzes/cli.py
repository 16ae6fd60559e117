"""`flask --app wsgi quizzes export|import`: a quiz and its questions as YAML."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from courses.models import Course
from lms.extensions import db
from quizzes import content_io
from quizzes.models import Quiz

quizzes_cli = AppGroup("quizzes", help="Quizzes and their questions as YAML.")


def _course(slug: str) -> Course:
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        raise click.ClickException(f"no course with slug {slug}")
    return course


@quizzes_cli.command("export")
@click.argument("course_slug")
@click.argument("quiz_slug")
@click.argument("path", type=click.Path(path_type=Path))
def export_command(course_slug: str, quiz_slug: str, path: Path):
    """Write the quiz QUIZ_SLUG of COURSE_SLUG with its questions to PATH (.yml)."""
    course = _course(course_slug)
    quiz = db.session.scalar(
        select(Quiz).where(Quiz.course_id == course.id, Quiz.slug == quiz_slug)
    )
    if quiz is None:
        raise click.ClickException(f"no quiz {quiz_slug} in {course_slug}")
    path.write_text(content_io.export_yaml(quiz), encoding="utf-8")
    click.echo(f"Exported {quiz_slug} to {path}")


@quizzes_cli.command("import")
@click.argument("course_slug")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--update", is_flag=True, help="Update a quiz with the same slug.")
def import_command(course_slug: str, path: Path, update: bool):
    """Import a quiz and its questions from PATH into COURSE_SLUG; all or nothing."""
    course = _course(course_slug)
    try:
        quiz = content_io.import_yaml(course, path.read_text(encoding="utf-8"), update=update)
    except content_io.QuizImportFailed as failure:
        for problem in failure.problems:
            click.echo(f"error: {problem}", err=True)
        raise click.ClickException("import aborted; nothing was changed") from None
    except UnicodeDecodeError:
        raise click.ClickException("the file is not UTF-8 text") from None
    click.echo(f"Imported quiz {quiz.slug} into {course_slug}.")


def init_app(app: Flask) -> None:
    app.cli.add_command(quizzes_cli)
