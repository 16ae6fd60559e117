"""What seminars write to the audit log (lms/audit.py): a correction of a signed-off
attendance mark (``seminars.attendance.correct`` records it in its own transaction) and a
cancelled seminar (the ``seminar_cancelled`` signal, after its commit)."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from lms import audit
from seminars.models import Seminar
from seminars.signals import seminar_cancelled

ATTENDANCE_CORRECTED = audit.register_action(
    "seminar.attendance_corrected", _l("Attendance corrected")
)
CANCELLED = audit.register_action("seminar.cancelled", _l("Seminar cancelled"))


@audit.receiver
def on_seminar_cancelled(sender: Flask, *, seminar: Seminar, by=None, **_) -> None:
    audit.record_after_commit(
        CANCELLED, actor=by, subject=audit.Subject("seminar", seminar.id, seminar.title)
    )


def init_app(app: Flask) -> None:
    seminar_cancelled.connect(on_seminar_cancelled, weak=False)
