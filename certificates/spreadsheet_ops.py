"""Certificates from a spreadsheet: issue, reissue (a corrected name) and revoke, one row each.

Top-down: ``spreadsheet_io.read_sheet`` reads the file; :func:`plan` decides every row's
outcome and writes nothing (the dry run); :func:`apply` writes every change of a plan without
errors in one transaction, or none. Running the same file again changes nothing: a row whose
change is already there is "already done" (a holder with a current certificate of that
qualification and seminar that counts as held; a certificate already superseded by one
stating that name, or already stating it; a certificate already revoked).

A plan has a fingerprint (:meth:`Plan.fingerprint`): the file's SHA-256 and every row's
outcome with the ids and statuses it was decided on. The page keeps it with the file from the
dry run, and :func:`apply_file` plans again and refuses (:class:`PlanChanged`, with the new
plan) when anything differs: "Apply" applies exactly what was shown.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from certificates import lifecycle
from certificates.facts import draft
from certificates.issuance import create_signed
from certificates.keys import key_ring
from certificates.models import Certificate
from certificates.signals import certificate_issued
from certificates.spreadsheet_io import Sheet
from certificates.spreadsheet_plan import Plan, RowPlan, plan
from certificates.storage import discard_pdf, insert_all, store_pdfs
from lms import site_settings
from lms.extensions import db
from lms.models import User
from lms.service_error import ServiceError
from lms.timezone import site_today

__all__ = ["Plan", "PlanChanged", "apply", "apply_file", "plan"]

DONE = {"issue": "issued", "reissue": "reissued", "revoke": "revoked"}


class PlanChanged(ServiceError):
    """Something changed since the dry run: ``plan`` is the file planned again."""

    def __init__(self, plan: Plan) -> None:
        super().__init__(
            _l("Something changed since the dry run. Nothing was applied: check the new dry run.")
        )
        self.plan = plan


# --- apply -----------------------------------------------------------------------------------


def checked_plan(sheet: Sheet, sha256: str, by: User, expected: str, **kwargs) -> Plan:
    """``sheet`` planned again, if it is what the dry run showed (``expected``: its
    fingerprint); :class:`PlanChanged` otherwise."""
    planned = plan(sheet, sha256, by, **kwargs)
    if planned.fingerprint() != expected:
        raise PlanChanged(planned)
    return planned


def apply_file(sheet: Sheet, sha256: str, by: User, expected: str, **kwargs) -> Plan:
    """:func:`checked_plan`, then :func:`apply`."""
    return apply(checked_plan(sheet, sha256, by, expected, **kwargs), by, **kwargs)


def apply(
    planned: Plan,
    by: User,
    *,
    today: date | None = None,
    progress: Callable[..., None] | None = None,
) -> Plan:
    """Every change of ``planned``, in one transaction: all or nothing. Refused (nothing
    written) if any row has an error.

    Two passes: first each new certificate (issue, reissue) is numbered, signed and drawn
    without writing anything, and ``progress(done, total)`` (a background job's, which commits
    its record) is called after each; then every change is written and committed at once. Any
    failure rolls everything back and discards the PDFs already stored. Each change's event
    and message follow the commit."""
    if planned.errors:
        raise ServiceError(
            _l("Nothing was changed: %(n)d rows have errors. Correct them and try again.",
               n=len(planned.errors))
        )  # fmt: skip
    today = today or site_today()
    changes = planned.changes
    prepared: dict[int, Certificate] = {}
    try:
        with site_settings.held():
            _prepare(changes, prepared, by, today, progress)
            after = _write(changes, prepared, by, today)
            db.session.commit()
    except Exception as error:
        db.session.rollback()
        for certificate in prepared.values():
            discard_pdf(certificate)
        if isinstance(error, IntegrityError):
            raise ServiceError(
                _l("Someone changed these certificates meanwhile. Nothing was changed: run the "
                   "dry run again.")
            ) from None  # fmt: skip
        raise
    for row in changes:
        row.outcome = DONE[row.action]
    for announce in after:
        announce()
    return planned


def _prepare(changes: list[RowPlan], prepared: dict, by: User, today: date, progress) -> None:
    """Number, sign and draw each new certificate; nothing is written."""
    drawn = [row for row in changes if row.action in ("issue", "reissue")]
    if progress is not None:
        progress(0, len(drawn))
    key = key_ring().current() if drawn else None
    for done, row in enumerate(drawn, start=1):
        if row.action == "issue":
            plan_ = draft(row.qualification, row.seminar, today=today)
            certificate = create_signed(
                qualification=row.qualification,
                holder=row.holder,
                seminar=row.seminar,
                result=row.result,
                by=by,
                language=plan_.language,
                issued_on=plan_.issued_on,
                expires_on=plan_.expires_on,
                name=row.name,
                reason=row.reason,
                add=False,
                key=key,
            )
        else:
            certificate = lifecycle.prepare_replacement(
                row.certificate, by=by, reason=row.reason, action="reissue", name=row.name,
                expires_on=row.certificate.expires_on, today=today, key=key,
            )  # fmt: skip
        prepared[row.line] = certificate
        row.new_number = certificate.number
        if progress is not None:
            progress(done, len(drawn))


def _write(changes: list[RowPlan], prepared: dict, by: User, today: date) -> list[Callable]:
    """Every change in the session (the caller commits): reissues and revocations by their
    guarded UPDATEs, the new certificates of issues in two statements. A row that fails says
    which it was."""
    after: list[Callable[[], None]] = []
    issues = []
    app = current_app._get_current_object()
    for row in changes:
        try:
            if row.action == "issue":
                issues.append(prepared[row.line])
            elif row.action == "reissue":
                _, announce = lifecycle.stage_replacement(
                    row.certificate, by=by, reason=row.reason, action="reissue", name=row.name,
                    expires_on=row.certificate.expires_on, today=today, new=prepared[row.line],
                )  # fmt: skip
                after.append(announce)
            else:
                after.append(
                    lifecycle.revoke(row.certificate, row.code, by, note=row.reason,
                                     public_note=row.public_note, commit=False)
                )  # fmt: skip
        except ServiceError as error:
            raise ServiceError(
                _l("Row %(n)d: %(message)s Nothing was changed.", n=row.line,
                   message=error.message)
            ) from None  # fmt: skip
    if issues:
        inserted = insert_all(issues)
        store_pdfs([(certificate, certificate.rendered_pdf) for certificate in issues])
        after += [
            lambda c=certificate: certificate_issued.send(app, certificate=c)
            for certificate in inserted
        ]
    return after
