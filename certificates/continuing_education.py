"""Renewal by continuing education (issue 21): the ledger of a certificate's period and the
holder's renewal.

A qualification with ``ce_hours`` asks for that many hours of continuing education in each
period of validity (``ce_ethics_hours`` of them on ethics). The ledger of a certificate is
computed when it is read, never stored, from what the platform already knows and what staff
approved, dated within the certificate's period (``period_start`` .. ``expires_on``):

- seminars attended: the signed-off hours (``seminars.attendance.attended_hours``) of every
  seminar whose sessions all fall in the period, except the seminar the certificate was
  issued for; ethics hours when the seminar is marked ethics (``ce_models.CeCredit``);
- courses completed in the period that count (a ``CeCredit`` with hours above 0: courses
  have no hours of their own), ethics when the row says so;
- external activities (``ce_models.CeActivity``) the holder submitted and staff approved;
  pending and rejected ones are listed, not counted.

A renewed certificate starts a new period the day after its issue: its ledger starts fresh
(a reissue, which keeps the expiry date, continues its predecessor's period).
Renewal (:func:`renew`) needs the hours met, a new signed declaration (when the qualification
has one) and a certificate that is valid or expired less than ``lifecycle.RENEWAL_GRACE_DAYS``
ago; it is ``lifecycle.renew`` (extending from the old expiry date).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select

from certificates import lifecycle
from certificates.ce_models import ActivityStatus, CeActivity, CeCredit
from certificates.models import Certificate, CertificateStatus, Qualification
from certificates.qualifications import latest_declaration
from certificates.translations import declarations_in_force, signature_in_force
from courses.models import Course, CourseCompletion
from lms.extensions import db
from lms.formatting import format_hours
from lms.models import User
from lms.service_error import ServiceError
from lms.timezone import site_today
from seminars.attendance import attended_hours
from seminars.models import Attendance, Seminar, SeminarSession

ZERO = Decimal("0")
GRACE_DAYS = lifecycle.RENEWAL_GRACE_DAYS
SOURCES = {
    "seminar": _l("Seminar on this platform"),
    "course": _l("Course on this platform"),
    "external": _l("External activity"),
}


def requires_hours(qualification: Qualification) -> bool:
    """Whether renewal of this qualification counts continuing-education hours."""
    return bool(qualification.ce_hours) and bool(qualification.validity_months)


@dataclass(frozen=True)
class Entry:
    source: str  # seminar, course, external
    title: str
    on: date
    hours: Decimal
    ethics: bool
    status: str  # "counted" (from the platform) or an ActivityStatus
    activity: CeActivity | None = None

    @property
    def counts(self) -> bool:
        return self.status in ("counted", ActivityStatus.APPROVED.value)

    @property
    def source_label(self) -> str:
        return str(SOURCES[self.source])


@dataclass
class Ledger:
    certificate: Certificate
    today: date
    entries: list[Entry] = field(default_factory=list)
    start: date | None = None  # the first day of the period (``period_start``)

    @property
    def qualification(self) -> Qualification:
        return self.certificate.qualification

    @property
    def required(self) -> Decimal:
        return Decimal(self.qualification.ce_hours or 0)

    @property
    def ethics_required(self) -> Decimal:
        return Decimal(self.qualification.ce_ethics_hours or 0)

    @property
    def counted(self) -> Decimal:
        return sum((e.hours for e in self.entries if e.counts), ZERO)

    @property
    def ethics_counted(self) -> Decimal:
        return sum((e.hours for e in self.entries if e.counts and e.ethics), ZERO)

    @property
    def left(self) -> Decimal:
        return max(self.required - self.counted, ZERO)

    @property
    def ethics_left(self) -> Decimal:
        return max(self.ethics_required - self.ethics_counted, ZERO)

    @property
    def met(self) -> bool:
        return self.left == ZERO and self.ethics_left == ZERO

    @property
    def deadline(self) -> date | None:
        return self.certificate.expires_on

    @property
    def grace_until(self) -> date | None:
        expires = self.certificate.expires_on
        return expires + timedelta(days=GRACE_DAYS) if expires else None

    @property
    def in_grace(self) -> bool:
        return bool(self.deadline and self.deadline < self.today <= self.grace_until)

    @property
    def open(self) -> bool:
        """The certificate may still be renewed: current, not suspended or revoked, and not
        expired beyond the grace period."""
        certificate = self.certificate
        return (
            certificate.live == 1
            and certificate.status == CertificateStatus.VALID.value
            and self.grace_until is not None
            and self.today <= self.grace_until
        )


def _local_day(moment) -> date:
    return site_today(moment)


def _seminar_entries(certificate: Certificate, start: date, end: date) -> list[Entry]:
    holder_id = certificate.holder_id
    attended = (
        select(SeminarSession.seminar_id)
        .join(Attendance, Attendance.session_id == SeminarSession.id)
        .where(Attendance.user_id == holder_id)
    )
    spans = db.session.execute(
        select(
            SeminarSession.seminar_id,
            func.min(SeminarSession.starts_at),
            func.max(SeminarSession.ends_at),
        )
        .where(SeminarSession.seminar_id.in_(attended))
        .group_by(SeminarSession.seminar_id)
    ).all()
    within = {
        seminar_id: _local_day(last)
        for seminar_id, first, last in spans
        if seminar_id != certificate.seminar_id
        and start <= _local_day(first)
        and _local_day(last) <= end
    }
    if not within:
        return []
    ethics = set(
        db.session.scalars(
            select(CeCredit.seminar_id).where(
                CeCredit.seminar_id.in_(within), CeCredit.ethics.is_(True)
            )
        )
    )
    entries = []
    for seminar in db.session.scalars(select(Seminar).where(Seminar.id.in_(within))):
        hours = attended_hours(seminar, [holder_id])[holder_id].signed_off
        if hours > 0:
            entries.append(
                Entry(
                    "seminar",
                    seminar.title,
                    within[seminar.id],
                    hours,
                    seminar.id in ethics,
                    "counted",
                )
            )
    return entries


def _course_entries(certificate: Certificate, start: date, end: date) -> list[Entry]:
    rows = db.session.execute(
        select(Course.title, CourseCompletion.completed_at, CeCredit.hours, CeCredit.ethics)
        .join(CourseCompletion, CourseCompletion.course_id == Course.id)
        .join(CeCredit, CeCredit.course_id == Course.id)
        .where(CourseCompletion.user_id == certificate.holder_id, CeCredit.hours > 0)
    ).all()
    return [
        Entry("course", title, _local_day(done), Decimal(hours), bool(ethics), "counted")
        for title, done, hours, ethics in rows
        if start <= _local_day(done) <= end
    ]


def activities_of(holder: User | int, qualification: Qualification) -> list[CeActivity]:
    holder_id = holder if isinstance(holder, int) else holder.id
    return list(
        db.session.scalars(
            select(CeActivity)
            .where(
                CeActivity.holder_id == holder_id,
                CeActivity.qualification_id == qualification.id,
            )
            .order_by(CeActivity.held_on.desc(), CeActivity.id.desc())
        )
    )


def period_start(certificate: Certificate) -> date:
    """The first day of the certificate's period. A reissue (same expiry date) continues its
    predecessor's period; a renewal starts a new one the day after it was issued (what was
    done on the renewal day counted for the renewed certificate); else the issue date."""
    current = certificate
    for _step in range(50):  # a bounded walk back along "replaces"
        if current.replaces_id is None:
            return current.issued_on
        previous = db.session.get(Certificate, current.replaces_id)
        if previous is None or previous.expires_on != current.expires_on:
            return current.issued_on + timedelta(days=1)
        current = previous
    return current.issued_on


def ledger(certificate: Certificate, today: date | None = None) -> Ledger:
    """The certificate's continuing education so far: every entry dated in its period."""
    today = today or site_today()
    result = Ledger(certificate, today)
    start = result.start = period_start(certificate)
    end = certificate.expires_on or date.max
    result.entries += _seminar_entries(certificate, start, end)
    result.entries += _course_entries(certificate, start, end)
    for activity in activities_of(certificate.holder_id, certificate.qualification):
        if start <= activity.held_on <= end:
            result.entries.append(
                Entry(
                    "external",
                    activity.title,
                    activity.held_on,
                    Decimal(activity.hours),
                    activity.ethics,
                    activity.status,
                    activity,
                )
            )
    result.entries.sort(key=lambda entry: entry.on, reverse=True)
    return result


@functools.cache
def _current_statement():
    """:func:`current_certificates`' statement, built once per process (it runs on every
    dashboard, for every role)."""
    return (
        select(Certificate)
        .join(Qualification, Qualification.id == Certificate.qualification_id)
        .where(
            Certificate.holder_id == bindparam("holder_id"),
            Certificate.live == 1,
            Certificate.expires_on.is_not(None),
            Qualification.ce_hours > 0,
        )
        .order_by(Certificate.expires_on, Certificate.id)
    )


def current_certificates(holder: User) -> list[Certificate]:
    """The holder's current certificates whose qualification counts continuing education."""
    return [
        certificate
        for certificate in db.session.scalars(_current_statement(), {"holder_id": holder.id})
        if requires_hours(certificate.qualification)
    ]


# --- renewal ------------------------------------------------------------------------------


def declaration_renewed(certificate: Certificate, today: date) -> bool:
    """Whether the holder signed the qualification's declaration again for this renewal: a
    signature in force, made since the certificate was issued and, when signatures lapse,
    recent enough. True when the qualification has no declaration."""
    qualification = certificate.qualification
    if not qualification.declaration_text:
        return True
    signature = latest_declaration(certificate.holder, qualification)
    if signature is None:
        return False
    texts = declarations_in_force(qualification)
    if not signature_in_force(texts, signature.text, signature.language):
        return False
    signed_on = site_today(signature.signed_at)
    days = qualification.declaration_valid_days
    if days is not None and signed_on + timedelta(days=days) < today:
        return False
    return signed_on >= period_start(certificate)


def renewal_problem(record: Ledger) -> str | None:
    """Why the holder may not renew now, in the reader's language (None: they may)."""
    if not requires_hours(record.qualification):
        return str(_l("This qualification is not renewed by continuing education."))
    if not record.open:
        return str(
            _l(
                "This certificate can no longer be renewed: renewal is possible until "
                "%(days)d days after it expires, while it is not suspended or revoked.",
                days=GRACE_DAYS,
            )
        )
    if not record.met:
        return str(
            _l(
                "Not enough hours yet: %(left)s more hours are needed, of which %(ethics)s on "
                "ethics.",
                left=format_hours(record.left, round_up_to_tenth=True),
                ethics=format_hours(record.ethics_left, round_up_to_tenth=True),
            )
        )
    if not declaration_renewed(record.certificate, record.today):
        return str(_l("Sign the ethics declaration again before renewing."))
    return None


def renew(certificate: Certificate, holder: User, today: date | None = None) -> Certificate:
    """The holder renews their own certificate once the requirements are met; the new
    certificate supersedes the old one and starts a new ledger."""
    if certificate.holder_id != holder.id:
        raise ServiceError(_l("Only the holder may renew this certificate here."))
    record = ledger(certificate, today)
    problem = renewal_problem(record)
    if problem is not None:
        raise ServiceError(problem)
    note = (
        f"Continuing education: {record.counted} h, of which {record.ethics_counted} h ethics; "
        "renewed by the holder"
    )
    return lifecycle.renew(certificate, reason=note, by=holder, today=record.today)
