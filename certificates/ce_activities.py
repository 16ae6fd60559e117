"""External continuing-education activities: the holder submits one with an evidence file,
staff approve it or reject it with a reason, and the holder is told (``ce_notifications``).

The evidence is a PDF (no scripts, not encrypted: ``courses.files.check_pdf``), a JPEG or a
PNG (judged by decoding the bytes, never by the name; camera metadata removed), at most
``EVIDENCE_MAX_MB``, stored through ``lms.file_storage`` under a random name; its download
name keeps the holder's own words, in any script (``readable_filename``: a Kazakh or Russian
name stays readable, sent as RFC 6266 ``filename*``), with the extension the bytes proved.
Only the holder and staff read it.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError
from sqlalchemy import update

from certificates.ce_models import ActivityStatus, CeActivity
from certificates.ce_notifications import send_decision
from certificates.continuing_education import period_start
from certificates.models import Certificate
from courses.files import check_pdf, strip_image_metadata
from lms import file_storage
from lms.cleaning import clean_line, clean_reason, clean_text
from lms.database import utcnow
from lms.extensions import db
from lms.formatting import format_date
from lms.models import Role, User
from lms.service_error import ServiceError
from lms.timezone import site_today

EVIDENCE_MAX_MB = 5
MAX_HOURS = Decimal("80")
TITLE_MAX = 200
DESCRIPTION_MAX = 2000
EVIDENCE_TYPES = {"PDF": ("pdf", "application/pdf"), "PNG": ("png", "image/png"),
                  "JPEG": ("jpg", "image/jpeg")}  # fmt: skip


@dataclass
class ActivityData:
    """An activity as typed in the form (checked by :func:`submit`)."""

    title: str
    provider: str
    held_on: date | None
    hours: str
    ethics: bool = False
    description: str = ""


def parse_hours(value) -> Decimal:
    """Hours as typed ("6", "1.5", "1,5"): more than 0, at most 80, in tenths."""
    message = _l("Give the hours as a number more than 0 and at most 80, such as 6 or 1.5.")
    try:
        hours = Decimal(str(value or "").replace(",", ".").strip())
    except (InvalidOperation, ValueError):
        raise ServiceError(message, field="hours") from None
    if not hours.is_finite() or not 0 < hours <= MAX_HOURS:
        raise ServiceError(message, field="hours")
    if hours != hours.quantize(Decimal("0.1")):
        raise ServiceError(_l("Give the hours to one decimal place at most."), field="hours")
    return hours


def check_evidence(data: bytes, filename: str) -> tuple[bytes, str, str, str]:
    """The evidence as it will be stored, its extension, content type and download name."""
    if not data:
        raise ServiceError(_l("Attach the evidence: a PDF, JPEG or PNG file."), field="evidence")
    if len(data) > EVIDENCE_MAX_MB * 1024 * 1024:
        raise ServiceError(
            _l("The file is larger than %(n)d MB.", n=EVIDENCE_MAX_MB), field="evidence"
        )
    if data.startswith(b"%PDF-"):
        try:
            check_pdf(data)
        except ServiceError as error:
            raise ServiceError(error.message, field="evidence") from None
        kind = "PDF"
    else:
        try:
            with Image.open(io.BytesIO(data)) as image:
                kind = image.format
                image.verify()
            if kind in ("PNG", "JPEG"):
                data = strip_image_metadata(data)
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
                Image.DecompressionBombError):  # fmt: skip
            kind = None
        if kind not in ("PNG", "JPEG"):
            raise ServiceError(
                _l("Only PDF, JPEG and PNG files are accepted as evidence."), field="evidence"
            )
    extension, content_type = EVIDENCE_TYPES[kind]
    return data, extension, content_type, readable_filename(filename, extension)


def readable_filename(name: str | None, extension: str) -> str:
    """The uploaded file's own name as a download name: the last path part, NFKC, letters and
    digits of any script kept, anything else (quotes, separators, controls, dots) a single
    dash, at most 80 characters; "evidence" when nothing is left; ``extension`` from the
    bytes, never from the name."""
    stem = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    stem = unicodedata.normalize("NFKC", stem)
    stem = re.sub(r"[^\w]+|_+", "-", stem).strip("-")[:80].strip("-")
    return f"{stem or 'evidence'}.{extension}"


def submit(
    certificate: Certificate,
    holder: User,
    data: ActivityData,
    evidence: bytes,
    filename: str,
    *,
    today: date | None = None,
) -> CeActivity:
    """Record an external activity of the certificate's period, waiting for review."""
    if certificate.holder_id != holder.id:
        raise ServiceError(_l("Only the holder may submit activities for this certificate."))
    today = today or site_today()
    title = clean_line(data.title, field="title", limit=TITLE_MAX, required=True)
    provider = clean_line(data.provider, field="provider", limit=TITLE_MAX, required=True)
    if data.held_on is None:
        raise ServiceError(_l("Give the date of the activity."), field="held_on")
    if data.held_on > today:
        raise ServiceError(_l("The date cannot be in the future."), field="held_on")
    if data.held_on < period_start(certificate):
        raise ServiceError(
            _l(
                "Only activities from %(date)s on count for this certificate's renewal.",
                date=format_date(period_start(certificate)),
            ),
            field="held_on",
        )
    hours = parse_hours(data.hours)
    description = clean_text(data.description, field="description", limit=DESCRIPTION_MAX)
    stored, extension, content_type, download_name = check_evidence(evidence, filename)
    name = file_storage.save_bytes(stored, extension)
    activity = CeActivity(
        holder_id=holder.id,
        qualification_id=certificate.qualification_id,
        title=title,
        provider=provider,
        held_on=data.held_on,
        hours=hours,
        ethics=bool(data.ethics),
        description=description,
        evidence_name=name,
        evidence_type=content_type,
        evidence_filename=download_name,
        status=ActivityStatus.PENDING.value,
    )
    db.session.add(activity)
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        file_storage.delete(name)
        raise
    return activity


def is_staff(user: User) -> bool:
    return bool(user.is_authenticated and user.active and user.role in (Role.TRAINER, Role.ADMIN))


def may_read_evidence(user: User, activity: CeActivity) -> bool:
    return activity.holder_id == user.id or is_staff(user)


def review(activity: CeActivity, by: User, *, approve: bool, reason: str = "") -> CeActivity:
    """Approve or reject a pending activity (a reason is required to reject). Guarded on
    the status, so two reviewers at once cannot both decide."""
    if not is_staff(by):
        raise ServiceError(_l("Only trainers and administrators review activities."))
    if approve:
        reason = clean_text(reason, field="reason", limit=DESCRIPTION_MAX)
    else:
        reason = clean_reason(reason)
    status = ActivityStatus.APPROVED if approve else ActivityStatus.REJECTED
    changed = db.session.execute(
        update(CeActivity)
        .where(CeActivity.id == activity.id, CeActivity.status == ActivityStatus.PENDING.value)
        .values(
            status=status.value,
            review_reason=reason,
            reviewed_by_id=by.id,
            reviewed_at=utcnow(),
        )
    ).rowcount
    if not changed:
        db.session.rollback()
        raise ServiceError(_l("This activity has already been reviewed."))
    db.session.commit()
    db.session.refresh(activity)
    try:
        send_decision(activity)
    except Exception:  # the decision is committed; a message that fails must not undo it
        db.session.rollback()
        current_app.logger.exception("ce decision mail for activity %s failed", activity.id)
    return activity
