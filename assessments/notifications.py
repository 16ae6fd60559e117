"""The assessments feature's messages.

- ``work_marked`` (registered by ``quizzes.notifications``): when a trainer signs a practical
  assessment off (``signals.assessment_marked``), its trainee gets the rubric and the results
  by criterion as "My assessments" shows them, with the link to that page. Saving a draft
  sheet sends nothing: its scores may still change until the sign-off.
- ``trainer_digest`` (staff only): once a day, from ``DIGEST_HOUR`` site-local time, each
  active trainer and administrator gets the registrations made since the last digest in the
  seminars they manage, the written answers waiting for a score and the assessment drafts
  in the courses they edit; no message when there is nothing. It lives here because it
  reads both ``seminars`` and ``quizzes``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask import Flask, current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select

from assessments import combination, lifecycle, results
from assessments.dashboard import WaitingRubric, drafts_by_rubric
from assessments.models import AssessmentStatus
from assessments.signals import assessment_marked
from assessments.translations import RUBRIC
from courses.permissions import courses_edited_by_each
from lms import content_translations as ct
from lms.database import utcnow
from lms.extensions import db
from lms.formatting import format_date
from lms.job_models import OnceMark
from lms.jobs import claim_once, register_schedule
from lms.mail import absolute_url, register_mail_kind, send_mail
from lms.models import OutboxMessage, Role, User
from lms.timezone import site_zone
from quizzes.grading import display_percent
from quizzes.marking import WaitingQuiz, waiting_by_quiz
from quizzes.notifications import WORK_MARKED
from seminars.models import Registration, RegistrationStatus, Seminar, SeminarStatus
from seminars.permissions import managed_by_each
from seminars.registration import ACTIVE
from seminars.translations import SEMINAR

TRAINER_DIGEST = "trainer_digest"
DIGEST_HOUR = 8  # site-local: the day's digest goes at the first run from this hour
LOOKBACK = timedelta(days=7)  # the longest span a digest covers (after a long pause)
NAMES_PER_SEMINAR = 10  # registrations listed by name per seminar; the rest are counted

register_mail_kind(
    TRAINER_DIGEST,
    label=_l("A daily summary of new registrations and work waiting to be marked"),
    group=_l("For trainers"),
    staff_only=True,
)


# --- a signed-off assessment ----------------------------------------------------------------


def send_assessment_marked(assessment_id: int) -> OutboxMessage | None:
    """The trainee's message about a signed-off assessment (None: not signed off, or not
    sent)."""
    assessment = lifecycle.load_assessment(assessment_id)
    if assessment is None or assessment.status != AssessmentStatus.SIGNED_OFF:
        return None
    per_criterion = results.assessment_results(
        results.scored_lines(assessment, assessment.user.language),
        assessment.breach_criterion.code if assessment.breach_criterion else None,
    )
    subject = _l("Your practical assessment “%(rubric)s” was signed off")
    return send_mail(
        assessment.user,
        WORK_MARKED,
        "assessment_marked",
        subject=lambda: str(subject) % {"rubric": ct.text(assessment.rubric, "title")},
        assessment=assessment,
        results=[
            {
                "criterion": r.criterion,
                "instrument": combination.INSTRUMENT_LABELS.get(r.kind, r.kind),
                "percent": None if r.percent is None else display_percent(r.percent),
                "serious_breach": r.serious_breach,
                "below_minimum": r.lines_below_minimum,
            }
            for r in per_criterion
        ],
        signer=assessment.signed_off_by.full_name if assessment.signed_off_by else "",
        result_url=absolute_url("practical.my_assessments", _anchor=f"assessment-{assessment.id}"),
        standing_url=absolute_url("practical.my_standing"),
    )


def _on_assessment_marked(sender, assessment=None, by=None, **extra) -> None:
    try:
        send_assessment_marked(assessment.id)
    except Exception:  # a message that cannot be written must never fail the sign-off
        db.session.rollback()
        current_app.logger.exception("message about assessment %s failed", assessment.id)


# --- the trainers' daily digest -------------------------------------------------------------


@dataclass(frozen=True)
class NewRegistration:
    """A registration as the digest lists it: plain values, read once for every trainer
    (each trainer's commit expires loaded rows)."""

    name: str
    status: str  # a RegistrationStatus value

    @property
    def status_label(self) -> str:
        return RegistrationStatus(self.status).label  # in the language being rendered


@dataclass
class SeminarNews:
    seminar_id: int
    title: str
    registrations: list[NewRegistration] = field(default_factory=list)

    @property
    def listed(self) -> list[NewRegistration]:
        return self.registrations[:NAMES_PER_SEMINAR]

    @property
    def more(self) -> int:
        return max(0, len(self.registrations) - NAMES_PER_SEMINAR)


@dataclass
class Digest:
    since: datetime
    seminars: list[SeminarNews] = field(default_factory=list)
    to_mark: list[WaitingQuiz] = field(default_factory=list)
    drafts: list[WaitingRubric] = field(default_factory=list)
    # Translated titles of the seminars and rubrics named, {(kind, id, language): title}.
    titles: dict[tuple[str, int, str], str] = field(default_factory=dict)

    def title(self, kind: str, object_id: int, original: str, language: str) -> str:
        """A seminar's or rubric's title in ``language`` where translated."""
        return self.titles.get((kind, object_id, language), original)

    @property
    def empty(self) -> bool:
        return not (self.seminars or self.to_mark or self.drafts)


def digest_moment(day: date) -> datetime:
    """When ``day``'s digest is due: ``DIGEST_HOUR`` o'clock site-local, as a UTC moment."""
    zone = site_zone()
    return datetime.combine(day, time(DIGEST_HOUR), tzinfo=zone).astimezone(UTC)


def gather_digests(
    users: list[User], since: dict[int, datetime], until: datetime
) -> dict[int, Digest]:
    """Each user's digest: registrations made from ``since[user.id]`` until ``until`` (not
    cancelled, in seminars not cancelled) in the seminars the user manages, and the work
    waiting now in the courses the user edits. A fixed number of queries (six) whatever the
    number of users, seminars and courses."""
    digests = {user.id: Digest(since[user.id]) for user in users}
    if not users:
        return digests
    rows = db.session.execute(
        select(
            Registration.seminar_id,
            Seminar.course_id,
            Seminar.title,
            Registration.registered_at,
            User.full_name,
            Registration.status,
        )
        .join(Seminar, Registration.seminar_id == Seminar.id)
        .join(User, Registration.user_id == User.id)
        .where(
            Registration.registered_at >= min(since.values()),
            Registration.registered_at < until,
            Registration.status.in_(ACTIVE),
            Seminar.status != SeminarStatus.CANCELLED.value,
        )
        .order_by(Seminar.title, Seminar.id, User.full_name, Registration.id)
    ).all()
    to_mark, drafts = waiting_by_quiz(), drafts_by_rubric()
    managed = managed_by_each(users, {row.seminar_id: row.course_id for row in rows})
    edited = courses_edited_by_each(
        users, {q.course_id for q in to_mark} | {d.course_id for d in drafts}
    )
    for user in users:
        digest = digests[user.id]
        news: dict[int, SeminarNews] = {}
        for row in rows:
            if row.seminar_id not in managed[user.id] or row.registered_at < digest.since:
                continue
            if row.seminar_id not in news:
                news[row.seminar_id] = SeminarNews(row.seminar_id, row.title)
                digest.seminars.append(news[row.seminar_id])
            news[row.seminar_id].registrations.append(NewRegistration(row.full_name, row.status))
        digest.to_mark = [q for q in to_mark if q.course_id in edited[user.id]]
        digest.drafts = [d for d in drafts if d.course_id in edited[user.id]]
    titles = _translated_titles({row.seminar_id for row in rows}, {d.rubric_id for d in drafts})
    for digest in digests.values():
        digest.titles = titles
    return digests


def _translated_titles(seminar_ids: set[int], rubric_ids: set[int]) -> dict:
    """Every translation of these seminars' and rubrics' titles, in one query."""
    if not seminar_ids and not rubric_ids:
        return {}
    row = ct.ContentTranslation
    query = select(row.kind, row.object_id, row.locale, row.text).where(
        row.field == "title",
        or_(
            and_(row.kind == SEMINAR.name, row.object_id.in_(seminar_ids or [0])),
            and_(row.kind == RUBRIC.name, row.object_id.in_(rubric_ids or [0])),
        ),
    )
    return {
        (kind, object_id, locale): text
        for kind, object_id, locale, text in db.session.execute(query)
    }


def _digest_days(user_ids: list[int], today: date) -> dict[int, list[date]]:
    """The days within ``LOOKBACK`` (today included) whose digest each user already had
    decided (its ``claim_once`` mark), in one query."""
    days = [today - timedelta(days=n) for n in range(LOOKBACK.days + 1)]
    keys = {f"{user_id}:{day.isoformat()}": (user_id, day) for user_id in user_ids for day in days}
    claimed: dict[int, list[date]] = defaultdict(list)
    marks = select(OnceMark.key).where(OnceMark.kind == TRAINER_DIGEST, OnceMark.key.in_(keys))
    for key in db.session.scalars(marks):
        user_id, day = keys[key]
        claimed[user_id].append(day)
    return claimed


def staff_recipients() -> list[User]:
    """Who gets a digest: active trainers and administrators (the people who manage seminars
    and mark work), by id."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.active.is_(True), User.role.in_([Role.TRAINER.value, Role.ADMIN.value]))
            .order_by(User.id)
        )
    )


def send_trainer_digests(now: datetime | None = None) -> int:
    """Send the day's digests that are due (from ``DIGEST_HOUR`` site-local time); returns
    how many messages went. Each user's day is claimed once (``claim_once``), sent or not, so
    running again, or on several workers, sends nothing twice; a missed run is caught up by
    the next one, and the next day's digest starts where the last one ended."""
    now = now or utcnow()
    local = now.astimezone(site_zone())
    if local.hour < DIGEST_HOUR:
        return 0
    today = local.date()
    until = digest_moment(today)
    staff = staff_recipients()
    claimed = _digest_days([user.id for user in staff], today)
    staff = [user for user in staff if today not in claimed[user.id]]
    if not staff:
        return 0
    since = {
        user.id: digest_moment(max(claimed[user.id]))
        if claimed[user.id]
        else until - timedelta(days=1)
        for user in staff
    }
    digests = gather_digests(staff, since, until)
    sent = 0
    for user in staff:
        try:
            if not claim_once(TRAINER_DIGEST, f"{user.id}:{today.isoformat()}"):
                db.session.rollback()  # another worker decided this one
                continue
            digest = digests[user.id]
            if not digest.empty and _send_digest(user, digest, today) is not None:
                sent += 1
            db.session.commit()
        except Exception:  # one trainer's digest must not stop the others'
            db.session.rollback()
            current_app.logger.exception("trainer digest for user %s failed", user.id)
    return sent


def _send_digest(user: User, digest: Digest, today: date) -> OutboxMessage | None:
    return send_mail(
        user,
        TRAINER_DIGEST,
        "trainer_digest",
        subject=lambda: _("Your daily summary for %(day)s", day=format_date(today)),
        day=today,
        digest=digest,
        seminar_urls={
            news.seminar_id: absolute_url(
                "manage_seminars.participants", seminar_id=news.seminar_id
            )
            for news in digest.seminars
        },
        marking_url=absolute_url("manage_quizzes.marking_queue"),
        drafts_url=absolute_url("practical.assessments", status=AssessmentStatus.DRAFT.value),
    )


register_schedule(TRAINER_DIGEST, send_trainer_digests, minute="*/15")


def init_app(app: Flask) -> None:
    assessment_marked.connect(_on_assessment_marked)
