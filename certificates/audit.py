"""What certificates write to the audit log (lms/audit.py): issue, suspend, reinstate,
revoke, reissue and renew, from the signals sent after each commit (certificates/signals.py).
Each receiver commits its own row; a failure is logged and never undoes the change."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from certificates.models import Certificate
from certificates.signals import (
    certificate_issued,
    certificate_replaced,
    certificate_status_changed,
)
from lms import audit
from lms.extensions import db
from lms.models import User

ISSUED = audit.register_action("certificate.issued", _l("Certificate issued"))
STATUS = {
    "suspend": audit.register_action("certificate.suspended", _l("Certificate suspended")),
    "reinstate": audit.register_action("certificate.reinstated", _l("Certificate reinstated")),
    "revoke": audit.register_action("certificate.revoked", _l("Certificate revoked")),
}
REPLACED = {
    "reissue": audit.register_action("certificate.reissued", _l("Certificate reissued")),
    "renew": audit.register_action("certificate.renewed", _l("Certificate renewed")),
}


def subject(certificate: Certificate) -> audit.Subject:
    return audit.Subject("certificate", certificate.id, certificate.number)


def _user(user_id: int | None) -> User | None:
    return db.session.get(User, user_id) if user_id is not None else None


@audit.receiver
def on_issued(sender: Flask, *, certificate: Certificate, **_) -> None:
    audit.record_after_commit(
        ISSUED,
        actor=_user(certificate.issued_by_id),
        subject=subject(certificate),
        details={
            "holder_id": certificate.holder_id,
            "qualification_id": certificate.qualification_id,
        },
    )


@audit.receiver
def on_status_changed(
    sender: Flask, *, certificate: Certificate, action: str, reason: str = "", by=None, **_
) -> None:
    if action in STATUS:
        audit.record_after_commit(
            STATUS[action],
            actor=by,
            subject=subject(certificate),
            details={"reason": reason, "holder_id": certificate.holder_id},
        )


@audit.receiver
def on_replaced(sender: Flask, *, old: Certificate, new: Certificate, action: str, **_) -> None:
    if action in REPLACED:
        audit.record_after_commit(
            REPLACED[action],
            actor=_user(new.issued_by_id),
            subject=subject(old),
            details={"new_number": new.number, "new_id": new.id, "holder_id": new.holder_id},
        )


def init_app(app: Flask) -> None:
    """Connect once (blinker keeps one list whatever the number of apps)."""
    certificate_issued.connect(on_issued, weak=False)
    certificate_status_changed.connect(on_status_changed, weak=False)
    certificate_replaced.connect(on_replaced, weak=False)
