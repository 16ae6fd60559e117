"""Which certificate is current: at most one per holder, qualification and seminar key (a
unique constraint on ``live``, see ``Certificate``), whatever its status. A current
certificate, even revoked, suspended or expired, is what stops a new issue; the issuing page,
the bulk issue, the seminar's ZIP, the spreadsheet's dry run and the holder's pages all ask
here. Whether it is *held* (valid today) is ``certificates.status.holds``.
"""

from __future__ import annotations

import functools

from sqlalchemy import Row, bindparam, select

from certificates.models import Certificate, CertificateStatus, Qualification
from lms.database import column_rows
from lms.extensions import db
from lms.models import User
from seminars.models import Seminar


def seminar_key(qualification: Qualification, seminar: Seminar | None) -> int:
    """One certificate per holder, qualification and seminar, where the qualification is
    about a seminar (``Qualification.per_seminar``); otherwise one per holder and
    qualification (key 0), whichever seminar it was issued through."""
    return seminar.id if (seminar is not None and qualification.per_seminar) else 0


def _current(holder_ids: list[int], qualification: Qualification | None):
    query = select(Certificate).where(Certificate.holder_id.in_(holder_ids), Certificate.live == 1)
    if qualification is not None:
        query = query.where(Certificate.qualification_id == qualification.id)
    return query


def current_certificates(
    holder_ids: list[int], qualification: Qualification, seminar: Seminar | None
) -> dict[int, Certificate]:
    """Holder id -> their current certificate of ``qualification`` for ``seminar`` (whatever
    its status: a current certificate, even revoked, suspended or expired, means issuing
    makes nothing new), in one query."""
    if not holder_ids:
        return {}
    return {
        certificate.holder_id: certificate
        for certificate in db.session.scalars(
            _current(holder_ids, qualification).where(
                Certificate.seminar_key == seminar_key(qualification, seminar)
            )
        )
    }


def current_of(
    holder_ids: list[int], qualification: Qualification | None = None
) -> list[Certificate]:
    """Every current certificate of the holders (of ``qualification`` if given), whatever
    the seminar and status, oldest first: "does X hold one of Q at all"."""
    return list(db.session.scalars(_current(holder_ids, qualification).order_by(Certificate.id)))


# What says which current certificate it is and whether it is held (``status.holds`` and
# ``status.public_status`` read the status and the expiry), with its number.
BRIEF_COLUMNS = ("number", "qualification_id", "seminar_key", "status", "expires_on")


@functools.cache
def _brief_statement():
    """:func:`brief_current_of`'s statement, built once per process (SQLAlchemy then finds
    its compiled form by the statement's cache key)."""
    table = Certificate.__table__
    return (
        select(*(table.c[name] for name in BRIEF_COLUMNS))
        .where(table.c.holder_id == bindparam("holder_id"), table.c.live == 1)
        .order_by(table.c.id)
    )


def brief_current_of(holder_id: int) -> list[Row]:
    """The holder's current certificates as :func:`current_of` gives them, as plain rows of
    ``BRIEF_COLUMNS`` (attributes by those names): a holder may have dozens, and the
    dashboard card needs no more, so no ORM object is built for them."""
    return column_rows(_brief_statement(), {"holder_id": holder_id}).all()


def current_certificate(
    holder: User, qualification: Qualification, seminar: Seminar | None
) -> Certificate | None:
    return current_certificates([holder.id], qualification, seminar).get(holder.id)


# Certificates that still stand: the ZIP of a seminar holds these (revoked, replaced left out).
STANDING_STATUSES = (CertificateStatus.VALID.value, CertificateStatus.SUSPENDED.value)
