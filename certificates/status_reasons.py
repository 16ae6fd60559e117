"""Why a certificate was suspended or revoked, as the public reads it: the reason codes
(:class:`StatusReason`), their wording (``STATUS_REASONS``), which a trainer may choose per
change (``REASON_CHOICES``), and the checks of what a trainer types with them (the public note,
the trainer's own note). ``certificates.lifecycle`` makes the changes; forms, messages, the
verification page and the spreadsheet read these without changing a status.
"""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l

from lms.cleaning import clean_line, clean_reason
from lms.service_error import ServiceError
from lms.text_limits import REASON


class StatusReason(StrEnum):
    """Why a certificate was suspended or revoked, as the public is told it."""

    ISSUED_IN_ERROR = "issued_in_error"
    REQUIREMENTS_NOT_MET = "requirements_not_met"
    SUPERSEDED = "superseded"
    HOLDER_REQUEST = "holder_request"
    UNDER_REVIEW = "under_review"
    ETHICS_BREACH = "ethics_breach"
    OTHER = "other"
    # Reasons typed as free text before codes existed (migration 0009): never published.
    UNSPECIFIED = "unspecified"


STATUS_REASONS = {
    StatusReason.ISSUED_IN_ERROR: _l("Issued in error"),
    StatusReason.REQUIREMENTS_NOT_MET: _l("The requirements were found not to be met"),
    StatusReason.SUPERSEDED: _l("Superseded by another certificate"),
    StatusReason.HOLDER_REQUEST: _l("At the holder's request"),
    StatusReason.UNDER_REVIEW: _l("A matter concerning the certificate is under review"),
    StatusReason.ETHICS_BREACH: _l("A breach of professional ethics was upheld"),
    StatusReason.OTHER: _l("Other reason"),
    StatusReason.UNSPECIFIED: _l("No reason published"),
}
# The reasons a trainer may choose, per change.
REASON_CHOICES = {
    "suspend": (StatusReason.UNDER_REVIEW, StatusReason.HOLDER_REQUEST, StatusReason.OTHER),
    "revoke": (
        StatusReason.ISSUED_IN_ERROR,
        StatusReason.REQUIREMENTS_NOT_MET,
        StatusReason.SUPERSEDED,
        StatusReason.HOLDER_REQUEST,
        StatusReason.ETHICS_BREACH,
        StatusReason.OTHER,
    ),
}
PUBLIC_NOTE_MAX = 300


def reason_label(code: str) -> str:
    """The public wording of a reason code in the reader's language ("" for none)."""
    try:
        return str(STATUS_REASONS[StatusReason(code)])
    except ValueError:
        return ""


def checked_note(text: str) -> str:
    """The trainer's own note: kept in the history, shown to staff only (an audit reason's
    limit, ``lms.text_limits.REASON``)."""
    return clean_line(text, field="reason", limit=REASON)


def checked_reason(text: str) -> str:
    """A reason the history must keep: a note that is required (reinstate, reissue, renew, a
    spreadsheet's rows)."""
    return clean_reason(checked_note(text))


def checked_public_reason(action: str, code: str, public_note: str) -> tuple[str, str]:
    """The code (of ``REASON_CHOICES[action]``) and public note of a suspension or
    revocation, checked."""
    if code not in REASON_CHOICES[action]:
        raise ServiceError(_l("Choose the reason to publish from the list."), "reason_code")
    public_note = " ".join((public_note or "").split())
    if len(public_note) > PUBLIC_NOTE_MAX:
        raise ServiceError(
            _l("Keep the public note under %(max)d characters.", max=PUBLIC_NOTE_MAX),
            "public_note",
        )
    return str(code), public_note
