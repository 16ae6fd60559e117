"""Issuing to a whole seminar at once, top-down (:func:`bulk_issue`):

1. **Gather** (:func:`gather`), once for the seminar: its participants with their users
   (``seminars.registration.participants``), their current certificates
   (``certificates.current``), the evidence of all of them at once
   (``eligibility.gather_many``: courses, criteria, signed-off hours and sessions, latest
   declarations, identities). A fixed number of statements, whatever the number of
   participants; the issuing page shows the same gather.
2. **Evaluate** (:func:`plan_bulk`): ``eligibility.evaluate`` per participant without a
   current certificate, pure (no statement), once each; who already holds one and which
   current certificates are not held (revoked, suspended, expired) is decided here too, before
   anything is written.
3. **Write** (:func:`write`), once: ``facts.draft`` states the language and dates for all; per
   certificate a number, its facts, a signature and a PDF (``issuance.create_signed``, no
   statement: the key is read once); then every certificate and its event are inserted in two
   statements and committed once; ``signals.certificate_issued`` is sent for each after that
   commit.

Like one issue (``certificates.issuance``), it is idempotent: running it again, or two
trainers at once, never makes a second certificate for anyone.

Before (main at the start of issue 15), the gather lived twice (the issuing page's view and
``bulk_issue``), the holder's name was re-read per issue, the signing key was read per
certificate, preview re-implemented the language and expiry, and after the commit the page's
summary re-loaded each participant's existing certificate (one statement each). Measured with
a participant holding one already and one not eligible: the service ran 16 statements for 2 and
for 6 eligible participants, the bulk-issue request 25, the issuing page 16 (see
``tests/certificates/test_bulk_issue_reads.py`` for the counts now).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy.exc import IntegrityError

from certificates import eligibility, issuance
from certificates.current import current_certificates
from certificates.facts import Draft, draft
from certificates.keys import key_ring
from certificates.models import Certificate, Qualification
from certificates.ob3 import issuing as open_badges
from certificates.qualifications import name_on_certificate
from certificates.status import PublicStatus, holds, public_status
from certificates.storage import discard_pdf, insert_all, store_pdfs
from lms import site_settings
from lms.extensions import db
from lms.models import User
from seminars.models import Seminar
from seminars.registration import participants


@dataclass
class Gathered:
    """What issuing for a seminar reads, for every participant at once (:func:`gather`)."""

    qualification: Qualification
    seminar: Seminar | None
    people: list[User]
    current: dict[int, Certificate]  # holder id -> current certificate (any status)
    evidence: dict[int, eligibility.Evidence]

    def evaluate(self, person: User, today: date) -> eligibility.Eligibility:
        """``person``'s checklist (pure: no statement)."""
        return eligibility.evaluate(self.qualification, self.evidence[person.id], today)

    def name(self, person: User) -> str:
        return name_on_certificate(person, self.evidence[person.id].identity)


def gather(
    qualification: Qualification, seminar: Seminar, people: list[User] | None = None
) -> Gathered:
    """The seminar's participants (or ``people``), their current certificates and their
    evidence: a number of statements that does not depend on how many there are."""
    if people is None:
        people = [registration.user for registration in participants(seminar)]
    ids = [person.id for person in people]
    return Gathered(
        qualification,
        seminar,
        people,
        current_certificates(ids, qualification, seminar),
        eligibility.gather_many(people, qualification, seminar),
    )


@dataclass
class BulkResult:
    issued: list[Certificate] = field(default_factory=list)
    # Participants with a current certificate (any status), so nothing was issued to them:
    # those who hold it (valid today), and the others' names with its status, decided before
    # anything was written.
    already: list[Certificate] = field(default_factory=list)
    held: list[Certificate] = field(default_factory=list)
    blocked: list[tuple[str, PublicStatus]] = field(default_factory=list)
    not_eligible: list[tuple[User, list[str]]] = field(default_factory=list)


def bulk_issue(
    qualification: Qualification,
    seminar: Seminar,
    *,
    by: User,
    today: date | None = None,
    progress: Callable[..., None] | None = None,
    since: datetime | None = None,
) -> BulkResult:
    """Issue to every eligible participant; running it again creates nothing twice.

    Gather, evaluate, write (see the module's docstring). Without ``progress``, every new
    certificate is inserted and committed at once; if another trainer issued to one of them
    meanwhile (the unique constraint says so), the new ones are written one by one instead,
    each getting the existing certificate back where it lost.

    With ``progress`` (the background job), each certificate is committed on its own and
    ``progress(done, total)`` is called after each, so a worker killed half-way leaves whole
    certificates only and running it again finishes the rest. Certificates ``by`` issued since
    ``since`` (an earlier attempt of the same job) count as issued now, not as held."""
    with site_settings.held():  # one read of the organisation and signatory for all
        return _bulk_issue(qualification, seminar, by=by, today=today, progress=progress,
                           since=since)  # fmt: skip


def _bulk_issue(qualification, seminar, *, by, today, progress, since) -> BulkResult:
    plan, outcome, eligible = plan_bulk(qualification, seminar, today=today)
    if since is not None:
        _count_earlier_attempt(outcome, by, since)
    if progress is None:
        if eligible:
            write(plan, eligible, by=by, into=outcome)
        return outcome
    done, total = len(outcome.issued), len(outcome.issued) + len(eligible)
    progress(done, total)
    key = key_ring().current() if eligible else None
    for person, result, name in eligible:
        certificate, created = issuance.issue_eligible(plan, person, result, name, by=by, key=key)
        if created:
            outcome.issued.append(certificate)
        else:  # another trainer's, valid
            outcome.already.append(certificate)
            outcome.held.append(certificate)
        done += 1
        progress(done, total)
    return outcome


def _count_earlier_attempt(outcome: BulkResult, by: User, since: datetime) -> None:
    earlier = [
        certificate
        for certificate in outcome.held
        if certificate.issued_by_id == by.id and _as_utc(certificate.created_at) >= _as_utc(since)
    ]
    for certificate in earlier:
        outcome.held.remove(certificate)
        outcome.already.remove(certificate)
        outcome.issued.append(certificate)


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def plan_bulk(
    qualification: Qualification, seminar: Seminar, *, today: date | None = None
) -> tuple[Draft, BulkResult, list]:
    """Gather and evaluate, writing nothing: the plan, the outcome so far (who holds one, whose
    current one is not held, who is not eligible) and the eligible (person, checklist, name)
    to write. Refused if the qualification is not offered any more."""
    issuance.check_offered(qualification)
    outcome = BulkResult()
    plan = draft(qualification, seminar, today=today)
    gathered = gather(qualification, seminar)
    eligible = []
    for person in gathered.people:
        existing = gathered.current.get(person.id)
        if existing is not None:
            outcome.already.append(existing)
            if holds(existing, plan.issued_on):
                outcome.held.append(existing)
            else:
                status = public_status(existing, plan.issued_on)
                outcome.blocked.append((person.full_name, status))
            continue
        result = gathered.evaluate(person, plan.issued_on)
        if result.eligible:
            eligible.append((person, result, gathered.name(person)))
        else:
            outcome.not_eligible.append((person, result.missing))
    return plan, outcome, eligible


def write(plan: Draft, eligible: list, *, by: User, into: BulkResult) -> None:
    """The write pass: sign and render each of ``eligible`` (person, checklist, name), insert
    them all and commit once, then announce each."""
    key = key_ring().current()
    made = [
        # Through the module, as ``issuance.issue_eligible`` calls it: one stand-in serves both.
        issuance.create_signed(
            qualification=plan.qualification,
            holder=person,
            seminar=plan.seminar,
            result=result,
            by=by,
            language=plan.language,
            issued_on=plan.issued_on,
            expires_on=plan.expires_on,
            name=name,
            add=False,
            key=key,
            credential=False,
        )
        for person, result, name in eligible
    ]
    try:
        open_badges.attach_all(made, [person for person, _, _ in eligible], plan.qualification, key)
        inserted = insert_all(made)
        store_pdfs([(certificate, certificate.rendered_pdf) for certificate in made])
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        for certificate in made:
            discard_pdf(certificate)
        if not isinstance(error, IntegrityError):
            raise
        # Somebody issued to one of them meanwhile: one by one, with the results computed.
        for person, result, name in eligible:
            certificate, created = issuance.issue_eligible(plan, person, result, name, by=by)
            if created:
                into.issued.append(certificate)
            else:  # the other trainer's, valid
                into.already.append(certificate)
                into.held.append(certificate)
        return
    into.issued.extend(inserted)
    issuance.announce_issued(inserted)
