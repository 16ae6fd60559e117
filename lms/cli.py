"""Commands of the core, run as ``flask --app wsgi <command>``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from lms import accounts
from lms.demo import DEMO_PASSWORD, DEMO_USERS, run_demo_seeders, seed_demo_users
from lms.i18n import LANGUAGE_NAMES
from lms.models import Role


def _read_password() -> str:
    if not sys.stdin.isatty():
        # Piped in: the first line is the password (never a command-line argument).
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@click.command("create-user")
@click.option("--email", required=True, help="Login email (stored lower-case).")
@click.option("--name", "display_name", required=True, help="Display name.")
@click.option("--full-name", required=True, help="Full legal name, as printed on certificates.")
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    default=Role.TRAINEE.value,
    show_default=True,
)
@click.option("--language", default="en", show_default=True, help="One of the site's languages.")
@with_appcontext
def create_user_command(email, display_name, full_name, role, language):
    """Create an account. The password is asked for, or read from standard input."""
    password = _read_password()
    try:
        user = accounts.create_user(
            email=email,
            password=password,
            display_name=display_name,
            full_name=full_name,
            role=role,
            language=language,
        )
    except accounts.AccountError as error:
        raise click.ClickException(str(error.message)) from None
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")


@click.command("seed-demo")
@click.option(
    "--allow-production",
    is_flag=True,
    help="Load the demo even in production (its passwords are public).",
)
@with_appcontext
def seed_demo_command(allow_production: bool):
    """Load the demo accounts and content; running it again changes nothing."""
    if current_app.config.get("NAME") == "production" and not allow_production:
        raise click.ClickException(
            "refusing to create demo accounts with public passwords in production "
            "(pass --allow-production if you really mean it)"
        )
    users, created = seed_demo_users()
    run_demo_seeders(users)
    click.echo(f"Demo accounts: {len(created)} created, {len(users) - len(created)} existed.")
    click.echo("Demo logins (password for all: " + DEMO_PASSWORD + "):")
    for demo in DEMO_USERS:
        language = LANGUAGE_NAMES.get(demo.language, demo.language)
        click.echo(f"  {demo.role.value:<8} {demo.email:<28} {language:<8} {demo.full_name}")
    click.echo("Each account sees the site in its own language; the switcher changes it.")


@click.group("jobs")
def jobs_group():
    """Background work: schedules and the queue."""


@jobs_group.command("run-schedule")
@click.argument("name")
@with_appcontext
def run_schedule_command(name: str):
    """Run one schedule now, in this process (e.g. clean_up, or a reminder)."""
    from lms import jobs

    if name not in jobs.SCHEDULES:
        known = ", ".join(sorted(jobs.SCHEDULES)) or "none"
        raise click.ClickException(f"no schedule called {name!r} (known: {known})")
    result = jobs.run_schedule(name)
    click.echo(f"{name}: done" + (f" ({result})" if result is not None else ""))


@jobs_group.command("sweep")
@with_appcontext
def sweep_command():
    """Hand over again what is waiting too long (jobs, messages); a worker does it every minute."""
    from lms import jobs

    click.echo(f"handed over: {jobs.sweep()}")


@click.group("files")
def files_group():
    """Stored files: uploads, certificate PDFs, job results (LMS_FILE_STORAGE)."""


@files_group.command("move")
@click.option(
    "--to",
    "to",
    type=click.Choice(["database", "folder"]),
    required=True,
    help="Where the files go: the database (file_blobs) or the instance folder.",
)
@click.option("--quiet", is_flag=True, help="Print only the totals.")
@with_appcontext
def move_files_command(to: str, quiet: bool):
    """Move every stored file into one backend: each is copied, its SHA-256 checked against
    the source, committed, and only then deleted at the source. Safe to run again."""
    from lms import file_storage

    moved, problems = file_storage.move_all(to, report=None if quiet else click.echo)
    click.echo(f"moved to {to}: {moved}; problems: {problems}")
    if current_app.config["FILE_STORAGE"] != to:
        click.echo(f"Set LMS_FILE_STORAGE={to} on every instance and worker.")
    if problems:
        raise SystemExit(1)


@click.command("backup")
@click.argument("path", type=click.Path(path_type=Path))
@with_appcontext
def backup_command(path: Path):
    """Write a consistent copy of the database, the stored files and the signing keys to
    PATH (a .tar.gz with a manifest), while the site runs."""
    from lms import backup

    try:
        summary = backup.backup(path)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    manifest = summary.manifest
    click.echo(
        f"Backup written to {summary.path}: {manifest['backend']} database at revision "
        f"{manifest['alembic_revision'] or '(none)'}, {sum(manifest['counts'].values())} rows, "
        f"{len(manifest['parts'])} parts."
    )


@click.command("restore")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds rows.")
@with_appcontext
def restore_command(path: Path, force: bool):
    """Bring a backup back into this instance (checks every part's SHA-256 first)."""
    from lms import backup

    try:
        manifest = backup.restore(path, force=force, report=click.echo)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored the backup made at {manifest['created_at']}.")


def init_app(app: Flask) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(jobs_group)
    app.cli.add_command(files_group)


def main() -> None:
    """Console script ``mediator-lms``: the same commands as ``flask --app wsgi``."""
    from lms import create_app

    FlaskGroup(create_app=lambda: create_app())(prog_name="mediator-lms")
