"""The core's CLI commands, run through Flask's CLI runner."""

from __future__ import annotations

from sqlalchemy import func, select

from lms import accounts
from lms.demo import DEMO_PASSWORD, DEMO_USERS
from lms.extensions import db
from lms.models import Role, User


def test_create_user_reads_the_password_from_stdin(runner):
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "Trainer@Example.kz",
            "--name",
            "Айгерім",
            "--full-name",
            "Айгерім Нұрланқызы Жұмабаева",
            "--role",
            "trainer",
        ],
        input="a long trainer password\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created trainer trainer@example.kz" in result.output
    user = accounts.authenticate("trainer@example.kz", "a long trainer password")
    assert user is not None and user.role == Role.TRAINER
    assert user.full_name == "Айгерім Нұрланқызы Жұмабаева"


def test_create_user_has_no_password_argument(runner):
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "a@example.kz",
            "--name",
            "A",
            "--full-name",
            "A B",
            "--password",
            "secret secret",
        ],
    )
    assert result.exit_code == 2
    assert "No such option" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_create_user_reports_bad_input_without_a_traceback(runner, make_user):
    make_user(email="taken@example.kz")
    duplicate = runner.invoke(
        args=["create-user", "--email", "TAKEN@example.kz", "--name", "A", "--full-name", "A B"],
        input="a long enough password\n",
    )
    assert duplicate.exit_code == 1
    assert "already exists" in duplicate.output
    weak = runner.invoke(
        args=["create-user", "--email", "new@example.kz", "--name", "A", "--full-name", "A B"],
        input="short\n",
    )
    assert weak.exit_code == 1
    assert "at least 10 characters" in weak.output
    assert "Traceback" not in duplicate.output + weak.output


def test_seed_demo_is_idempotent_and_prints_the_logins(runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert f"{len(DEMO_USERS)} created" in first.output
    assert DEMO_PASSWORD in first.output
    for demo in DEMO_USERS:
        assert demo.email in first.output
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert f"0 created, {len(DEMO_USERS)} existed" in second.output
    assert db.session.scalar(select(func.count(User.id))) == len(DEMO_USERS)
    roles = db.session.execute(select(User.role, func.count()).group_by(User.role)).all()
    assert dict(roles) == {"admin": 1, "trainer": 2, "trainee": 5}
    assert any("қ" in demo.full_name or "ұ" in demo.full_name for demo in DEMO_USERS)
    assert accounts.authenticate(DEMO_USERS[0].email, DEMO_PASSWORD) is not None


def test_db_commands_are_available(runner):
    result = runner.invoke(args=["db", "--help"])
    assert result.exit_code == 0
    assert "upgrade" in result.output


def test_seed_demo_refuses_production(app, runner):
    app.config["NAME"] = "production"
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 1
    assert "refusing" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_create_user_refuses_an_unknown_language(runner):
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "a@example.kz",
            "--name",
            "A",
            "--full-name",
            "A B",
            "--language",
            "de",
        ],
        input="a long enough password\n",
    )
    assert result.exit_code == 1
    assert "languages" in result.output
