"""A certificate as an Open Badges 3.0 ``OpenBadgeCredential`` (a W3C VC 2.0 credential):
built from the certificate's frozen facts, in the certificate's language, shaped as the study
in ``shared/credentials`` §1.3 (which three independent verifiers accepted).

Choices where the specifications leave room:

- **The holder**: ``credentialSubject.identifier`` holds a salted SHA-256 of the holder's
  e-mail (``IdentityObject``, ``emailAddress``, a random salt per credential; a verifier who
  is given the address checks it with the salt), and ``credentialSubject.name`` the name on
  the certificate: ``name`` is a term of the OB 3.0.3 context (schema:name), which wallets
  show. Never the ИИН (12 digits are brute-forced even hashed).
- **Criteria**: each criterion the certificate states is a ``ResultDescription`` on the
  achievement (``resultType`` "Result", allowed values "met" / "not met") and a ``Result``
  on the subject naming it, besides a numbered narrative in ``criteria.narrative`` with the
  rule that applied. Hours are in the narrative and the description, never in
  ``creditsAvailable`` (academic credit).
- **The seminar**: ``activityStartDate`` / ``activityEndDate`` on the subject (its first and
  last day, midnight in the site's time zone) and an ``Evidence`` entry with its title.
- **Status**: two ``BitstringStatusListEntry`` objects, revocation and suspension, as an
  array. VC 2.0 allows any number of status entries; the OB 3.0 data model lists
  ``credentialStatus`` as 0..1, but DCC's verifier-core (the Learner Credential Wallet), the
  Digital Bazaar verifier and openbadgeslib each check every entry of an array. One entry
  cannot carry both purposes, and a suspension that wallets never see would tell them a
  suspended certificate is fine.
- **Dates**: ``validFrom`` is the day of issue at midnight in the site's time zone (the
  certificate is dated as people there see it), ``validUntil`` the midnight after the expiry
  day (a certificate is valid through that day), ``awardedDate`` the day the achievement was
  first certified (a reissue or renewal keeps the first one).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from urllib.parse import quote

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from certificates.ob3 import signer
from certificates.ob3.identity import email_identity
from certificates.ob3.status_list import entry
from certificates.public_record import rule_text
from lms.formatting import format_hours
from lms.timezone import site_zone

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CONTEXTS = [VC_V2, OB_V3]


def credential_url(number: str) -> str:
    """The credential's id, and the address it is served at (JSON)."""
    return f"{current_app.config['PUBLIC_URL']}/credentials/{number}.json"


def achievement_url(slug: str) -> str:
    return f"{current_app.config['PUBLIC_URL']}/credentials/achievements/{quote(slug, safe='')}"


def _midnight(day: date) -> str:
    return signer.timestamp(datetime.combine(day, time(0), tzinfo=site_zone()))


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _issuer(facts: dict) -> dict:
    issuer = {
        "id": signer.issuer_id(),
        "type": ["Profile"],
        "name": facts["issuer"],
        "url": current_app.config["PUBLIC_URL"],
    }
    email = current_app.config.get("CREDENTIAL_ISSUER_EMAIL")
    if email:
        issuer["email"] = email
    address = ((facts.get("design") or {}).get("address") or "").strip()
    if address:
        issuer["address"] = {"type": ["Address"], "streetAddress": address}
    return issuer


def _hours_text(hours: Decimal | None) -> str:
    if not hours:
        return ""
    return _("%(hours)s academic hours of training.", hours=format_hours(hours))


def _criteria(facts: dict, achievement_id: str) -> tuple[list, list, list[str]]:
    """(resultDescription, result, narrative lines) for the criteria the facts state."""
    descriptions, results, lines = [], [], []
    met, not_met = _("met"), _("not met")
    for row in facts.get("criteria") or []:
        code = row.get("code") or ""
        title = row.get("title") or code
        result_id = f"{achievement_id}/results/{quote(code, safe='')}"
        descriptions.append(
            {
                "id": result_id,
                "type": ["ResultDescription"],
                "name": title,
                "resultType": "Result",
                "allowedValue": [met, not_met],
            }
        )
        results.append(
            {
                "type": ["Result"],
                "resultDescription": result_id,
                "value": met if row.get("met") else not_met,
            }
        )
        rule = rule_text(row.get("rule"))
        lines.append(f"{title}: {rule}" if rule else title)
    return descriptions, results, lines


def achievement(facts: dict, hours: Decimal | None) -> tuple[dict, list]:
    """(the ``Achievement`` a certificate's ``facts`` state, the subject's ``Result`` list),
    in the facts' language. Its ``id`` is served as JSON too (``achievement_document``)."""
    language = facts["language"]
    number = facts["number"]
    qualification = facts["qualification"] or {}
    achievement_id = achievement_url(qualification.get("slug") or "certificate")
    with force_locale(language):
        descriptions, results, criteria_lines = _criteria(facts, achievement_id)
        hours_text = _hours_text(hours)
        seminar = facts.get("seminar") or None
        narrative = [_("Issued by %(issuer)s on this platform.", issuer=facts["issuer"])]
        if hours_text:
            narrative.append(hours_text)
        if seminar:
            narrative.append(_("Seminar: %(title)s.", title=seminar["title"]))
        narrative += [f"{n}. {line}" for n, line in enumerate(criteria_lines, 1)]
        found = {
            "id": achievement_id,
            "type": ["Achievement"],
            "achievementType": "Certificate",
            "name": qualification["title"],
            "description": " ".join(p for p in (qualification["title"] + ".", hours_text) if p),
            "criteria": {"id": f"{achievement_id}/criteria", "narrative": "\n".join(narrative)},
        }
        if number:
            found["humanCode"] = number
        found["inLanguage"] = language
        if descriptions:
            found["resultDescription"] = descriptions
    return found, results


def achievement_document(facts: dict, hours: Decimal | None) -> dict:
    """What an achievement's address answers: the ``Achievement`` alone, under the same
    contexts as the credentials (every criterion of the qualification, no holder)."""
    found, _results = achievement(facts, hours)
    return {"@context": list(CONTEXTS), **found}


def build(
    facts: dict,
    *,
    email: str,
    salt: str,
    hours: Decimal | None,
    awarded_on: date,
    slots: dict,
) -> dict:
    """The unsigned credential of a certificate's ``facts``. ``slots`` is {purpose: (status
    list, index)} (``status_list.allocate``); ``hours`` the qualification's required hours."""
    language = facts["language"]
    number = facts["number"]
    qualification = facts["qualification"] or {}
    found, results = achievement(facts, hours)
    with force_locale(language):
        hours_text = _hours_text(hours)
        seminar = facts.get("seminar") or None
        description = " ".join(
            part
            for part in (
                _(
                    "Certificate %(number)s: %(title)s.",
                    number=number,
                    title=qualification["title"],
                ),
                hours_text,
                facts.get("disclaimer") or "",
            )
            if part
        )
        subject = {
            "type": ["AchievementSubject"],
            "name": facts["holder"],
            "identifier": [email_identity(email, salt)],
            "achievement": found,
        }
        if results:
            subject["result"] = results
        evidence = []
        if seminar:
            starts, ends = _day(seminar.get("starts_on")), _day(seminar.get("ends_on"))
            if starts:
                subject["activityStartDate"] = _midnight(starts)
            if ends:
                subject["activityEndDate"] = _midnight(ends)
            evidence.append(
                {
                    "id": f"{credential_url(number)}#seminar",
                    "type": ["Evidence"],
                    "name": seminar["title"],
                    "description": _("The seminar the certificate was issued for."),
                }
            )
        credential = {
            "@context": list(CONTEXTS),
            "id": credential_url(number),
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "name": qualification["title"],
            "description": description,
            "issuer": _issuer(facts),
            "validFrom": _midnight(date.fromisoformat(facts["issued_on"])),
            "awardedDate": _midnight(awarded_on),
            "credentialSubject": subject,
            "credentialStatus": [
                entry(*slots[purpose]) for purpose in ("revocation", "suspension")
            ],
        }
    expires = _day(facts.get("expires_on"))
    if expires:
        credential["validUntil"] = _midnight(expires + timedelta(days=1))
    if evidence:
        credential["evidence"] = evidence
    return credential
