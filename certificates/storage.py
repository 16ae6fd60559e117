"""Where certificate PDFs are kept (``lms.file_storage``, as ``certificates/<number>.pdf``),
and how many certificates are inserted at once.

A stored PDF is a copy: ``rendering.pdf_bytes`` renders it again from the signed facts when
the copy is missing and checks it against the recorded SHA-256."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import insert, select
from sqlalchemy import inspect as sa_inspect

from certificates.models import Certificate, CertificateEvent
from lms import file_storage
from lms.database import utcnow
from lms.extensions import db
from lms.jobs import register_schedule

# An issue writes its PDF to the folder before it commits the row: a process killed between
# the two leaves a file no certificate names. Older than this, such a file is removed.
ORPHAN_GRACE = timedelta(hours=1)


def pdf_folder() -> Path:
    """Where the folder backend keeps PDFs."""
    return Path(current_app.instance_path) / "certificates"


def _name(certificate: Certificate) -> str:
    if not certificate.pdf_path:
        raise FileNotFoundError(f"certificate {certificate.number} has no stored PDF")
    return f"certificates/{certificate.pdf_path}"


def store_pdf(certificate: Certificate, data: bytes) -> None:
    """Keep a copy of the PDF, unless ``LMS_CERTIFICATE_PDF_CACHE`` is off (with the
    database backend, in the caller's transaction)."""
    if current_app.config.get("CERTIFICATE_PDF_CACHE", True):
        file_storage.put(_name(certificate), data)


def store_pdfs(made: list[tuple[Certificate, bytes]]) -> None:
    """``store_pdf`` for many certificates at once (one statement with the database)."""
    if current_app.config.get("CERTIFICATE_PDF_CACHE", True):
        file_storage.put_many([(_name(certificate), data) for certificate, data in made])


def stored_pdf(certificate: Certificate) -> bytes:
    """The stored copy (FileNotFoundError if there is none)."""
    return file_storage.get(_name(certificate))


def discard_pdf(certificate: Certificate) -> None:
    if certificate.pdf_path:
        file_storage.remove(_name(certificate))


def insert_all(certificates: list[Certificate]) -> list[Certificate]:
    """Insert unattached certificates and their events in two statements (the unit of work
    would insert a self-referencing table row by row); the caller commits."""
    columns = [attribute.key for attribute in sa_inspect(Certificate).column_attrs]
    rows = [
        {key: certificate.__dict__[key] for key in columns if key in certificate.__dict__}
        for certificate in certificates
    ]
    by_number = {
        row.number: row
        for row in db.session.scalars(insert(Certificate).returning(Certificate), rows)
    }
    inserted = [by_number[certificate.number] for certificate in certificates]
    db.session.execute(
        insert(CertificateEvent),
        [
            {
                "certificate_id": row.id,
                "action": event.action,
                "reason": event.reason,
                "by_id": event.by_id,
            }
            for row, certificate in zip(inserted, certificates, strict=True)
            for event in certificate.events
        ],
    )
    # Their Open Badges credentials (``ob3.issuing.attach``), keyed by the new ids.
    from certificates.ob3.issuing import insert_rows

    insert_rows(
        [
            (row.id, certificate.__dict__["ob3_credential"])
            for row, certificate in zip(inserted, certificates, strict=True)
            if certificate.__dict__.get("ob3_credential") is not None
        ]
    )
    return inserted


def remove_orphan_pdfs(now: datetime | None = None) -> int:
    """Remove PDFs in the folder backend that no certificate names, once older than
    ``ORPHAN_GRACE`` (younger ones may belong to an issue not committed yet). Such a file is
    left by a worker killed between writing the PDF and committing its certificate; it was
    never served (a download names the file by its certificate). Returns how many."""
    folder = pdf_folder()
    if not folder.is_dir():
        return 0
    cutoff = ((now or utcnow()) - ORPHAN_GRACE).timestamp()
    old = {
        path.name: path
        for path in folder.glob("*.pdf")
        if path.is_file() and path.stat().st_mtime < cutoff
    }
    names = sorted(old)
    known: set[str] = set()
    for start in range(0, len(names), 500):
        chunk = names[start : start + 500]
        known.update(
            db.session.scalars(select(Certificate.pdf_path).where(Certificate.pdf_path.in_(chunk)))
        )
    orphans = [old[name] for name in names if name not in known]
    for path in orphans:
        path.unlink(missing_ok=True)
    return len(orphans)


register_schedule("certificate_orphan_pdfs", remove_orphan_pdfs, minute="41", hour="*")
