"""Which certificate is current: at most one per holder, qualification and seminar key (a
unique constraint on ``live``, see ``Certificate``), whatever its status. A current
certificate, even revoked, suspended or expired, is what stops a new issue; the issuing page,
the bulk issue, the seminar's ZIP, the spreadsheet's dry run and the holder's pages all ask
here. Whether it is *held* (valid today) is ``certificates.status.holds``.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import load_only

from certificates.models import Certificate, CertificateStatus, Qualification
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
    holder_ids: list[int], qualification: Qualification | None = None, *, brief: bool = False
) -> list[Certificate]:
    """Every current certificate of the holders (of ``qualification`` if given), whatever
    the seminar and status, oldest first: "does X hold one of Q at all". ``brief`` reads
    only what says which certificate it is and whether it is held (a holder may have
    dozens; the dashboard card needs no more)."""
    query = _current(holder_ids, qualification).order_by(Certificate.id)
    if brief:
        query = query.options(load_only(*BRIEF_COLUMNS))
    return list(db.session.scalars(query))


BRIEF_COLUMNS = (
    Certificate.number,
    Certificate.qualification_id,
    Certificate.holder_id,
    Certificate.seminar_key,
    Certificate.live,
    Certificate.status,
    Certificate.expires_on,
)


def current_certificate(
    holder: User, qualification: Qualification, seminar: Seminar | None
) -> Certificate | None:
    return current_certificates([holder.id], qualification, seminar).get(holder.id)


# Certificates that still stand: the ZIP of a seminar holds these (revoked, replaced left out).
STANDING_STATUSES = (CertificateStatus.VALID.value, CertificateStatus.SUSPENDED.value)
