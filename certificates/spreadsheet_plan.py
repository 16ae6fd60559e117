"""Certificates from a spreadsheet, the dry run: :func:`plan` decides every row's outcome
(would issue, reissue or revoke; already done; an error with its reason in the reader's
language) and writes nothing. See ``certificates.spreadsheet_ops`` for the whole flow.

Everything the rows name is read once per kind (accounts by e-mail, qualifications by slug,
seminars, certificates by number); issue rows are judged per qualification and seminar with
one ``eligibility.gather_many`` and one look-up of current certificates, as a bulk issue is.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from certificates import eligibility, lifecycle, numbers, status_reasons
from certificates.current import current_certificates, seminar_key
from certificates.models import Certificate, Qualification
from certificates.qualifications import name_on_certificate
from certificates.spreadsheet_io import Sheet, action_words, fold
from certificates.status import holds, public_status
from courses.permissions import can_edit, is_staff
from lms.cleaning import clean_line
from lms.extensions import db
from lms.models import Role, User
from lms.routing import parse_id
from lms.service_error import ServiceError
from lms.text import normalise_email
from lms.text_limits import REASON
from lms.timezone import site_today
from seminars.models import Seminar
from seminars.permissions import can_manage
from seminars.registration import participants

CHANGES = ("issue", "reissue", "revoke")


class RowError(Exception):
    """What is wrong with one row (its message, in the reader's language)."""


@dataclass
class RowPlan:
    line: int
    cells: dict[str, str]
    action: str = ""
    outcome: str = "error"
    message: str = ""
    holder: User | None = None
    qualification: Qualification | None = None
    seminar: Seminar | None = None
    certificate: Certificate | None = None
    result: eligibility.Eligibility | None = None
    name: str = ""
    reason: str = ""
    code: str = ""
    public_note: str = ""
    new_number: str = ""

    def key(self) -> list:
        """What the outcome was decided on (no words: they follow the reader's language)."""
        certificate = self.certificate
        return [
            self.line,
            self.action,
            self.outcome,
            *(getattr(x, "id", None) for x in (self.holder, self.qualification, self.seminar)),
            certificate.id if certificate else None,
            certificate.status if certificate else None,
            certificate.replaced_by_id if certificate else None,
            self.name,
            self.reason,
            self.code,
            self.public_note,
        ]


@dataclass
class Plan:
    sha256: str
    rows: list[RowPlan] = field(default_factory=list)

    @property
    def counts(self) -> Counter:
        return Counter(row.outcome for row in self.rows)

    @property
    def errors(self) -> list[RowPlan]:
        return [row for row in self.rows if row.outcome == "error"]

    @property
    def changes(self) -> list[RowPlan]:
        return [row for row in self.rows if row.outcome in CHANGES]

    def fingerprint(self) -> str:
        rows = [row.key() for row in self.rows]
        return hashlib.sha256(json.dumps([self.sha256, rows]).encode()).hexdigest()


# --- who may do what ---------------------------------------------------------------------------


def _is_admin(user: User) -> bool:
    return is_staff(user) and user.role == Role.ADMIN


def may_issue(user: User, qualification: Qualification, seminar: Seminar | None) -> bool:
    """Admins any; a trainer for a seminar they manage or, without a seminar, a qualification
    one of whose courses they own (as the register's pages decide)."""
    if _is_admin(user):
        return True
    if seminar is not None:
        return can_manage(user, seminar)
    return any(can_edit(user, course) for course in qualification.courses)


def may_change(user: User, certificate: Certificate) -> bool:
    return may_issue(user, certificate.qualification, certificate.seminar)


def _allowed(found: dict, by: User, qualification: Qualification, seminar: Seminar | None):
    """``may_issue``, asked once per (qualification, seminar) of a file (a query each)."""
    key = (qualification.id, seminar.id if seminar else None)
    answers = found.setdefault("allowed", {})
    if key not in answers:
        answers[key] = may_issue(by, qualification, seminar)
    return answers[key]


# --- plan ------------------------------------------------------------------------------------


def plan(sheet: Sheet, sha256: str, by: User, *, today: date | None = None) -> Plan:
    """Every row's outcome; nothing is written."""
    today = today or site_today()
    rows = [RowPlan(row.line, row.cells) for row in sheet.rows]
    found = _lookups(rows)
    words = action_words()
    seen: dict = {}
    issues: list[RowPlan] = []
    for row, sheet_row in zip(rows, sheet.rows, strict=True):
        try:
            row.action = words.get(fold(row.cells["action"]), "")
            if not row.action:
                raise RowError(_l("Write the action: issue, reissue or revoke."))
            if sheet_row.extra:
                raise RowError(_l("Something is written beyond the template's columns."))
            if row.action == "issue":
                _check_issue(row, found, by, seen)
                issues.append(row)
            else:
                _check_change(row, found, by, seen, today)
        except (RowError, ServiceError) as error:
            row.outcome, row.message = "error", str(getattr(error, "message", error))
    _evaluate_issues(issues, today)
    return Plan(sha256, rows)


def _lookups(rows: list[RowPlan]) -> dict:
    """Everything the rows name, in one query per kind."""
    emails, slugs, seminar_ids, parsed = set(), set(), set(), set()
    prefix = current_app.config["CERTIFICATE_PREFIX"]
    for row in rows:
        cells = row.cells
        with contextlib.suppress(ServiceError):
            emails.add(normalise_email(cells["email"]))
        slugs.add(cells["qualification"].strip())
        seminar_ids.add(parse_id(cells["seminar"]))
        with contextlib.suppress(numbers.NumberError):
            parsed.add(str(numbers.parse(cells["number"], prefix)))
    seminar_ids.discard(None)

    def by(model, column, values, *options):
        if not values:
            return {}
        query = select(model).where(column.in_(values)).options(*options)
        return {getattr(item, column.key): item for item in db.session.scalars(query)}

    return {
        "users": by(User, User.email, emails),
        "qualifications": by(Qualification, Qualification.slug, slugs),
        "seminars": by(Seminar, Seminar.id, seminar_ids),
        "certificates": by(
            Certificate,
            Certificate.number,
            parsed,
            selectinload(Certificate.qualification),
            selectinload(Certificate.seminar),
            selectinload(Certificate.replaced_by),
        ),
    }


def _once(seen: dict, key, line: int) -> None:
    if key in seen:
        raise RowError(_l("The same change is on row %(n)d.", n=seen[key]))
    seen[key] = line


def _check_issue(row: RowPlan, found: dict, by: User, seen: dict) -> None:
    cells = row.cells
    if not cells["email"]:
        raise RowError(_l("Write the holder's e-mail."))
    holder = found["users"].get(normalise_email(cells["email"]))
    if holder is None or not holder.active:
        raise RowError(_l("No active account has this e-mail."))
    qualification = found["qualifications"].get(cells["qualification"].strip())
    if qualification is None:
        raise RowError(_l("No qualification has this short name (slug)."))
    if not qualification.active:
        raise RowError(_l("This qualification is not offered any more."))
    seminar = None
    if cells["seminar"]:
        seminar = found["seminars"].get(parse_id(cells["seminar"]))
        if seminar is None:
            raise RowError(_l("No seminar has this number."))
    elif qualification.per_seminar:
        raise RowError(_l("This qualification is given for a seminar: write the seminar's number."))
    if not _allowed(found, by, qualification, seminar):
        raise RowError(_l("You do not manage this seminar or qualification."))
    row.holder, row.qualification, row.seminar = holder, qualification, seminar
    row.reason = clean_line(cells["reason"], field="reason", limit=REASON)
    _once(seen, ("issue", holder.id, qualification.id, seminar_key(qualification, seminar)),
          row.line)  # fmt: skip


def _evaluate_issues(rows: list[RowPlan], today: date) -> None:
    """Per qualification and seminar: the current certificates and the evidence of all its
    rows' holders at once, then each checklist (pure)."""
    groups: dict[tuple, list[RowPlan]] = defaultdict(list)
    for row in rows:  # each passed its own checks (``_check_issue``)
        groups[(row.qualification.id, row.seminar.id if row.seminar else None)].append(row)
    for group in groups.values():
        qualification, seminar = group[0].qualification, group[0].seminar
        holders = [row.holder for row in group]
        ids = [holder.id for holder in holders]
        current = current_certificates(ids, qualification, seminar)
        seated = (
            {registration.user_id for registration in participants(seminar)} if seminar else None
        )
        evidence = eligibility.gather_many(holders, qualification, seminar)
        for row in group:
            existing = current.get(row.holder.id)
            if existing is not None:
                row.certificate = existing
                if holds(existing, today):
                    row.outcome = "skip"
                    row.message = str(_l("Holds it already: %(number)s.", number=existing.number))
                else:
                    row.outcome = "error"
                    row.message = str(
                        _l(
                            "Their current certificate %(number)s is %(status)s; a new one "
                            "cannot be issued.",
                            number=existing.number,
                            status=lifecycle.STATUS_WORDS[public_status(existing, today)],
                        )
                    )
                continue
            if seated is not None and row.holder.id not in seated:
                row.outcome, row.message = "error", str(_l("Not a participant of this seminar."))
                continue
            result = eligibility.evaluate(qualification, evidence[row.holder.id], today)
            if not result.eligible:
                row.outcome = "error"
                row.message = str(
                    _l("Not eligible: %(missing)s", missing="; ".join(result.missing))
                )
                continue
            row.result = result
            row.name = name_on_certificate(row.holder, evidence[row.holder.id].identity)
            row.outcome, row.message = "issue", ""


def _check_change(row: RowPlan, found: dict, by: User, seen: dict, today: date) -> None:
    cells = row.cells
    if not cells["number"]:
        raise RowError(_l("Write the certificate's number."))
    try:
        number = str(numbers.parse(cells["number"], current_app.config["CERTIFICATE_PREFIX"]))
    except numbers.NumberError:
        raise RowError(_l("This is not a certificate number (a typo?).")) from None
    certificate = found["certificates"].get(number)
    if certificate is None:
        raise RowError(_l("No certificate has this number."))
    if not _allowed(found, by, certificate.qualification, certificate.seminar):
        raise RowError(_l("You do not manage this certificate's seminar or qualification."))
    row.certificate = certificate
    _once(seen, ("certificate", certificate.id), row.line)
    row.reason = status_reasons.checked_reason(cells["reason"])
    if row.action == "reissue":
        _plan_reissue(row, certificate)
    else:
        _plan_revoke(row, certificate)


def _plan_reissue(row: RowPlan, certificate: Certificate) -> None:
    if not row.cells["name"]:
        raise RowError(_l("Write the name the new certificate states."))
    row.name = lifecycle.reissue_name(certificate, row.cells["name"])
    latest = certificate
    while latest.replaced_by is not None:
        latest = latest.replaced_by
    if latest is not certificate:
        if latest.facts.get("holder") == row.name:
            row.outcome = "skip"
            row.message = str(
                _l("Already reissued with this name as %(number)s.", number=latest.number)
            )
            return
        raise RowError(_l("Replaced by %(number)s: use that number.", number=latest.number))
    if certificate.status != "valid":
        raise RowError(_wrong_status(certificate))
    if certificate.facts.get("holder") == row.name:
        row.outcome, row.message = "skip", str(_l("The certificate already states this name."))
        return
    row.outcome = "reissue"


def _plan_revoke(row: RowPlan, certificate: Certificate) -> None:
    code = row.cells["reason_code"].strip()
    labels = {fold(str(label)): str(key) for key, label in status_reasons.STATUS_REASONS.items()}
    row.code, row.public_note = status_reasons.checked_public_reason(
        "revoke", labels.get(fold(code), code), row.cells["public_note"]
    )
    if certificate.status == "revoked":
        row.outcome = "skip"
        row.message = str(_l("Already revoked."))
        return
    if certificate.status not in ("valid", "suspended"):
        if certificate.replaced_by is not None:
            raise RowError(
                _l(
                    "Replaced by %(number)s: use that number.",
                    number=certificate.replaced_by.number,
                )
            )
        raise RowError(_wrong_status(certificate))
    row.outcome = "revoke"


def _wrong_status(certificate: Certificate) -> str:
    return str(
        _l(
            "This certificate is %(status)s; that change does not apply.",
            status=lifecycle.STATUS_WORDS[public_status(certificate)],
        )
    )
