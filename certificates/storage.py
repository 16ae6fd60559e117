"""Where certificate PDFs are kept (``lms.file_storage``, as ``certificates/<number>.pdf``),
and how many certificates are inserted at once.

A stored PDF is a copy: ``issuance.pdf_bytes`` renders it again from the signed facts when
the copy is missing and checks it against the recorded SHA-256."""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from sqlalchemy import insert
from sqlalchemy import inspect as sa_inspect

from certificates.models import Certificate, CertificateEvent
from lms import file_storage
from lms.extensions import db


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
    return inserted
