"""What assessments write to the audit log (lms/audit.py): a practical assessment's sign-off,
from the ``assessment_marked`` signal sent after its commit."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from assessments.models import Assessment
from assessments.signals import assessment_marked
from lms import audit

SIGNED_OFF = audit.register_action("assessment.signed_off", _l("Practical assessment signed off"))


@audit.receiver
def on_assessment_marked(sender: Flask, *, assessment: Assessment, by=None, **_) -> None:
    audit.record_after_commit(
        SIGNED_OFF,
        actor=by,
        subject=audit.Subject("assessment", assessment.id, assessment.rubric.title),
        details={"user_id": assessment.user_id, "seminar_id": assessment.seminar_id},
    )


def init_app(app: Flask) -> None:
    assessment_marked.connect(on_assessment_marked, weak=False)
