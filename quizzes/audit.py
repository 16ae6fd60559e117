"""What quizzes write to the audit log (lms/audit.py): a written answer's marking that
completed an attempt (the ``attempt_marked`` signal, after its commit), and regrading,
withdrawing or reinstating a question (``quizzes.regrade`` records in its own transaction)."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from lms import audit
from quizzes.models import Attempt
from quizzes.signals import attempt_marked

MARKED = audit.register_action("quiz.attempt_marked", _l("Quiz attempt marked"))
QUESTION_ACTIONS = {
    "regrade": audit.register_action("quiz.question_regraded", _l("Question regraded")),
    "withdraw": audit.register_action("quiz.question_withdrawn", _l("Question withdrawn")),
    "reinstate": audit.register_action("quiz.question_reinstated", _l("Question reinstated")),
}


@audit.receiver
def on_attempt_marked(sender: Flask, *, attempt: Attempt, by=None, **_) -> None:
    audit.record_after_commit(
        MARKED,
        actor=by,
        subject=audit.Subject("attempt", attempt.id, f"{attempt.quiz.title} #{attempt.number}"),
        details={
            "user_id": attempt.user_id,
            "percent": str(attempt.percent) if attempt.percent is not None else None,
            "passed": attempt.passed,
        },
    )


def init_app(app: Flask) -> None:
    attempt_marked.connect(on_attempt_marked, weak=False)
