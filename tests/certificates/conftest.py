"""Factories for qualifications and certificates."""

from __future__ import annotations

import pytest

from certificates.models import QualificationKind
from certificates.qualifications import QualificationData, save_qualification

DISCLAIMER = (
    "This certificate records training on this platform. It is not a state qualification and "
    "does not enter anyone in a register of mediators."
)


@pytest.fixture
def make_qualification(app):
    counter = iter(range(1, 1000))

    def factory(**overrides):
        number = next(counter)
        data = QualificationData(
            slug=overrides.pop("slug", f"qualification-{number}"),
            kind=overrides.pop("kind", QualificationKind.ATTENDANCE.value),
            titles=overrides.pop(
                "titles",
                {
                    "en": f"Mediation basics {number}",
                    "ru": f"Основы медиации {number}",
                    "kk": f"Медиация негіздері {number}",
                },
            ),
            disclaimers=overrides.pop(
                "disclaimers",
                {
                    "en": DISCLAIMER,
                    "ru": "Не является государственной квалификацией.",
                    "kk": "Мемлекеттік біліктілік емес.",
                },
            ),
            requires_identity=overrides.pop("requires_identity", False),
            validity_months=overrides.pop("validity_months", 36),
            **overrides,
        )
        return save_qualification(data)

    return factory


@pytest.fixture
def issue_to(app, trainer):
    """Issue a certificate of ``qualification`` to ``holder`` (no seminar unless given)."""
    from certificates import issuance

    def factory(qualification, holder, seminar=None, **kwargs):
        certificate, created = issuance.issue(qualification, holder, seminar, by=trainer, **kwargs)
        assert created
        return certificate

    return factory


@pytest.fixture
def without_certificate_mail(app):
    """The holder's "certificate issued" message left out, for tests that count the
    statements of issuing itself: a message is one per certificate by nature (its rows and
    its opt-out check), measured in test_notifications."""
    from certificates import audit, notifications
    from certificates.signals import certificate_issued

    certificate_issued.disconnect(notifications.on_issued)
    certificate_issued.disconnect(audit.on_issued)  # an audit row per certificate, likewise
    try:
        yield
    finally:
        certificate_issued.connect(notifications.on_issued)
        certificate_issued.connect(audit.on_issued, weak=False)


# ``with count_queries() as counted: ...``: the SQL statements run (tests/courses' counter).
from ..courses.conftest import count_queries  # noqa: E402, F401


@pytest.fixture
def held_jobs(app, monkeypatch):
    """Job ids handed to the queue, not run: a test runs them with ``lms.jobs.run``, so what a
    request does and what its job does can be measured apart."""
    from lms import jobs

    handed: list[int] = []
    monkeypatch.setattr(jobs.queue_of(app), "lms_run_job", handed.append)
    return handed
