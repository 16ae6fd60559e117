"""The ZIP of a seminar's standing certificates (revoked and replaced ones left out): built in
a request (``zip_of``) or by a background job (``start_zip_job``, kind ``ZIP_JOB``) that
writes it into the instance folder with its progress."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from certificates.current import STANDING_STATUSES, current_certificates
from certificates.models import Certificate, Qualification
from certificates.rendering import pdf_bytes
from lms import jobs
from lms.extensions import db
from lms.job_models import JobRecord
from lms.models import User
from lms.routing import parse_id
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
    write_zip(buffer, certificates)
    return buffer.getvalue()


def write_zip(
    target, certificates: list[Certificate], progress: Callable[[int], None] | None = None
) -> None:
    """Write the ZIP into ``target`` (a path or a binary file), calling ``progress(n)`` after
    each certificate."""
    missing = []
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as archive:
        for done, certificate in enumerate(certificates, start=1):
            try:
                archive.writestr(f"{certificate.number}.pdf", pdf_bytes(certificate))
            except OSError:
                missing.append(certificate.number)
            if progress is not None:
                progress(done)
        if missing:
            current_app.logger.error("certificate PDFs missing from storage: %s", missing)
            archive.writestr("MISSING.txt", "\n".join(missing) + "\n")


# --- the background job -------------------------------------------------------------------

ZIP_JOB = "certificates.seminar_zip"


def zip_filename(seminar: Seminar) -> str:
    return f"seminar-{seminar.id}-certificates.zip"


def start_zip_job(seminar: Seminar, qualification: Qualification | None, by: User) -> JobRecord:
    """Record the job and commit; the worker builds the ZIP after the commit."""
    record = jobs.enqueue(
        ZIP_JOB,
        user=by,
        title=_("Certificates of %(title)s (ZIP)", title=seminar.title),
        seminar_id=seminar.id,
        qualification_id=qualification.id if qualification is not None else None,
    )
    db.session.commit()
    return record


def run_zip_job(record: JobRecord, progress: jobs.Progress) -> None:
    """Build the ZIP again from what stands now (running it twice gives the same file)."""
    args = jobs.args_of(record)
    seminar = db.session.get(Seminar, parse_id(args.get("seminar_id")) or 0)
    qualification = None
    if args.get("qualification_id") is not None:
        qualification = db.session.get(Qualification, parse_id(args["qualification_id"]) or 0)
        if qualification is None:
            raise jobs.JobFailed(jobs.N_("The qualification no longer exists."))
    if seminar is None:
        raise jobs.JobFailed(jobs.N_("The seminar no longer exists."))
    found = standing_certificates(seminar, qualification)
    if not found:
        raise jobs.JobFailed(jobs.N_("This seminar has no certificates to put in a ZIP."))
    progress(0, len(found))
    with jobs.result_file(record, zip_filename(seminar)) as path:
        write_zip(path, found, progress)
