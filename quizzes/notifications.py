"""The quizzes feature's messages and scheduled work.

- Kind ``work_marked`` ("My written answers or practical assessments were marked"): when a
  trainer's score completes an attempt's result (``signals.attempt_marked``), its trainee gets
  the quiz, the result as the result page shows it then (passed or not and the percent, unless
  the quiz shows results only after it closes) and the link to that page. ``assessments``
  sends its signed-off practical assessments under the same kind.
- Schedule ``close_expired_attempts`` (every 5 minutes): ``attempts.finish_expired`` hands in
  every attempt whose time ran out, as opening it would have.
"""

from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l

from lms import content_translations as ct
from lms.database import utcnow
from lms.extensions import db
from lms.jobs import register_schedule
from lms.mail import absolute_url, register_mail_kind, send_mail
from lms.models import OutboxMessage
from quizzes import attempts
from quizzes.attempt_results import shown_to_trainee
from quizzes.models import Attempt, AttemptStatus
from quizzes.signals import attempt_marked

WORK_MARKED = "work_marked"

register_mail_kind(
    WORK_MARKED,
    label=_l("My written answers or practical assessments were marked"),
    group=_l("Quizzes and assessments"),
)


def close_expired_attempts() -> None:
    """Hand in every attempt whose time (plus grace) ran out; idempotent."""
    count = attempts.finish_expired()
    if count:
        current_app.logger.info("handed in %d attempts whose time ran out", count)


register_schedule("close_expired_attempts", close_expired_attempts, minute="*/5")


def send_attempt_marked(attempt_id: int, *, now: datetime | None = None) -> OutboxMessage | None:
    """The trainee's message about a marked attempt (None: not graded, or not sent)."""
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.status != AttemptStatus.GRADED:
        return None
    quiz = attempt.quiz
    shown = shown_to_trainee(quiz, now or utcnow())
    # The quiz's title in the message's language (the trainee's profile language).
    title = ct.text(quiz, "title", attempt.user.language)
    return send_mail(
        attempt.user,
        WORK_MARKED,
        "quiz_marked",
        subject=_l("Your written answers in “%(quiz)s” were marked", quiz=title),
        quiz_title=title,
        attempt_number=attempt.number,
        show_score=shown.score,
        passed=bool(attempt.passed),
        percent=attempt.percent,
        pass_mark=quiz.pass_mark,
        result_url=absolute_url("quizzes.result", attempt_id=attempt.id),
    )


def _on_attempt_marked(sender, attempt=None, by=None, **extra) -> None:
    try:
        send_attempt_marked(attempt.id)
    except Exception:  # a message that cannot be written must never fail the marking
        db.session.rollback()
        current_app.logger.exception("message about marked attempt %s failed", attempt.id)


def init_app(app: Flask) -> None:
    attempt_marked.connect(_on_attempt_marked)
