"""Where certificate PDFs are kept (the instance folder), and how many certificates are
inserted at once."""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from sqlalchemy import insert
from sqlalchemy import inspect as sa_inspect

from certificates.models import Certificate, CertificateEvent
from lms.extensions import db


def pdf_folder() -> Path:
    return Path(current_app.instance_path) / "certificates"


def pdf_bytes(certificate: Certificate) -> bytes:
    """The stored PDF, exactly as issued (FileNotFoundError if storage lost it)."""
    return (pdf_folder() / certificate.pdf_path).read_bytes()


def discard_pdf(certificate: Certificate) -> None:
    (pdf_folder() / certificate.pdf_path).unlink(missing_ok=True)


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
