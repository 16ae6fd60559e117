"""The ZIP of a seminar's standing certificates (revoked and replaced ones left out)."""

from __future__ import annotations

import io
import zipfile

from flask import current_app
from sqlalchemy import select

from certificates.issuance import STANDING_STATUSES, current_certificates
from certificates.models import Certificate, Qualification
from certificates.storage import pdf_bytes
from lms.extensions import db
from seminars.attendance import participants
from seminars.models import Seminar


def standing_certificates(
    seminar: Seminar, qualification: Qualification | None
) -> list[Certificate]:
    """For a qualification, its participants' current ones, the same the issuing page lists
    (whichever seminar issued them where the qualification is not per seminar); without one,
    every certificate issued through this seminar. By number."""
    if qualification is not None:
        holders = [registration.user_id for registration in participants(seminar)]
        found = current_certificates(holders, qualification, seminar).values()
        return sorted((c for c in found if c.status in STANDING_STATUSES), key=lambda c: c.number)
    return list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.seminar_id == seminar.id, Certificate.status.in_(STANDING_STATUSES))
            .order_by(Certificate.number)
        )
    )


def zip_of(certificates: list[Certificate]) -> bytes:
    """Their PDFs as stored; any missing from storage are logged and listed in MISSING.txt."""
    buffer = io.BytesIO()
    missing = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for certificate in certificates:
            try:
                archive.writestr(f"{certificate.number}.pdf", pdf_bytes(certificate))
            except OSError:
                missing.append(certificate.number)
        if missing:
            current_app.logger.error("certificate PDFs missing from storage: %s", missing)
            archive.writestr("MISSING.txt", "\n".join(missing) + "\n")
    return buffer.getvalue()
