"""Demo accounts for `flask seed-demo`: one admin, two trainers, five trainees."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy import select

from lms import accounts
from lms.extensions import db
from lms.models import Role, User

DEMO_PASSWORD = "mediation-demo-2026"  # noqa: S105 - printed for the demo, documented in README


@dataclass(frozen=True)
class DemoUser:
    key: str
    email: str
    display_name: str
    full_name: str
    role: Role
    language: str


DEMO_USERS = (
    DemoUser("admin", "admin@example.kz", "Алия", "Алия Сейтқалиқызы Бекова", Role.ADMIN, "ru"),
    DemoUser("trainer1", "aigerim.trainer@example.kz", "Айгерім",
             "Айгерім Нұрланқызы Жұмабаева", Role.TRAINER, "kk"),
    DemoUser("trainer2", "sergey.trainer@example.kz", "Sergey",
             "Сергей Петрович Иванов", Role.TRAINER, "en"),
    DemoUser("trainee1", "asel@example.kz", "Әсел", "Әсел Қанатқызы Төлеуова",
             Role.TRAINEE, "kk"),
    DemoUser("trainee2", "ulan@example.kz", "Ұлан", "Ұлан Серікұлы Бекмұханов",
             Role.TRAINEE, "kk"),
    DemoUser("trainee3", "maria@example.kz", "Мария", "Мария Викторовна Ким",
             Role.TRAINEE, "ru"),
    DemoUser("trainee4", "dmitry@example.kz", "Dmitry", "Дмитрий Андреевич Соколов",
             Role.TRAINEE, "en"),
    DemoUser("trainee5", "gulnur@example.kz", "Гүлнұр", "Гүлнұр Өмірзаққызы Ахметова",
             Role.TRAINEE, "ru"),
)  # fmt: skip


def seed_demo_users() -> tuple[dict[str, User], list[DemoUser]]:
    """Create the demo accounts that do not exist yet; returns all of them and the new ones."""
    users: dict[str, User] = {}
    created: list[DemoUser] = []
    for demo in DEMO_USERS:
        user = db.session.scalar(select(User).where(User.email == demo.email))
        if user is None:
            user = accounts.create_user(
                email=demo.email,
                password=DEMO_PASSWORD,
                display_name=demo.display_name,
                full_name=demo.full_name,
                role=demo.role,
                language=demo.language,
            )
            created.append(demo)
        users[demo.key] = user
    return users, created


SEEDERS_KEY = "lms.demo_seeders"


def add_demo_seeder(
    app: Flask, seeder: Callable[[Flask, dict[str, User]], None], order: int
) -> None:
    """Features add their demo content; seeders run by ``order`` (courses before the quizzes
    that use them), each idempotent."""
    app.extensions.setdefault(SEEDERS_KEY, []).append((order, seeder))


# The demo centre's name and address in each language (site settings an administrator
# changes at /admin/settings); certificates issued by the demo print them.
DEMO_SETTINGS = {
    "organisation_name.en": "Demo Mediation Training Centre",
    "organisation_name.ru": "Демонстрационный учебный центр медиации",
    "organisation_name.kk": "Медиацияға оқытатын демо оқу орталығы",
    "organisation_address.en": "12 Abai Avenue, Almaty (demo address)",
    "organisation_address.ru": "г. Алматы, пр. Абая, 12 (демонстрационный адрес)",
    "organisation_address.kk": "Алматы қ., Абай даңғылы, 12 (демо мекенжай)",
}


def seed_demo_settings() -> None:
    """Fill the demo centre's texts where the administrator has not set them (idempotent)."""
    from lms import site_settings

    current = site_settings.current_values()
    missing = {key: value for key, value in DEMO_SETTINGS.items() if not current.get(key)}
    if missing:
        site_settings.save({**current, **missing})


def run_demo_seeders(users: dict[str, User]) -> None:
    seed_demo_settings()
    app = current_app._get_current_object()
    for _, seeder in sorted(app.extensions.get(SEEDERS_KEY, []), key=lambda item: item[0]):
        seeder(app, users)
