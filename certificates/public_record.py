"""What the public is told about a certificate: one list of fields, used by the verification
page, the JSON API, the OpenAPI description and the PDF.

A certificate's public record is the number, the holder's name, the kind of certificate and
the qualification's title, the seminar (title and dates) where the certificate is about one,
each qualification criterion as met or not met with the rule that applied (never the
percentages), the issuer, the issue and expiry dates, the language and the disclaimer; and
since format 3 the certificate's design and its texts in other languages (the template, the
organisation's address, the signatory's name and title, the content addresses of the images
printed: see ``certificates.facts``); and its status today: valid, expired, suspended,
revoked or replaced, with the published reason (a code from ``status_reasons.STATUS_REASONS``
and an optional public note) and the replacing number. Nothing else: not the hours
attended, not a percentage, not the trainer's own notes, not the holder's account.

Certificates issued since facts format 2 sign exactly these facts (``public_facts(f) == f``),
so the JWS the API publishes holds nothing more. Format 1 records (issued before) also
signed the hours and each criterion's percent: their signatures stay as they are (the holder's
PDF carries them and ``verify-offline`` shows all that was signed), but the page and the API
show only the public part and the API does not publish their JWS.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from assessments.combination import INSTRUMENT_LABELS
from lms.extensions import db
from lms.formatting import format_percent
from quizzes.models import Criterion

FACTS_FORMAT = 3

# The signed facts that are public, and the parts of the nested ones.
PUBLIC_FACTS = (
    "format",
    "number",
    "kind",
    "qualification",
    "holder",
    "seminar",
    "criteria",
    "issuer",
    "issued_on",
    "expires_on",
    "language",
    "disclaimer",
    "design",
    "translations",
)
# Public facts a record has only since a format (absent, not null, from older ones).
OPTIONAL_FACTS = ("design", "translations")
QUALIFICATION_FIELDS = ("slug", "title")
SEMINAR_FIELDS = ("title", "starts_on", "ends_on")
CRITERION_FIELDS = ("code", "title", "met", "rule")
# What the API says about a certificate besides its facts (the status as of today).
PUBLIC_STATUS = (
    "status",
    "status_reason",
    "status_reason_text",
    "public_note",
    "status_changed_at",
    "replaced_by",
)
API_FIELDS = (
    "number",
    *PUBLIC_STATUS,
    "facts",
    "jws",
    "signature",
    "verify_url",
    "credential",
)


def _pick(value: dict | None, fields: tuple[str, ...]) -> dict | None:
    if not isinstance(value, dict):
        return None
    return {key: value[key] for key in fields if key in value}


def public_facts(facts: dict) -> dict:
    """The public part of a certificate's signed facts (all of them since format 2)."""
    public = {
        key: facts.get(key) for key in PUBLIC_FACTS if key in facts or key not in OPTIONAL_FACTS
    }
    public["qualification"] = _pick(facts.get("qualification"), QUALIFICATION_FIELDS)
    public["seminar"] = _pick(facts.get("seminar"), SEMINAR_FIELDS)
    public["criteria"] = [_pick(row, CRITERION_FIELDS) for row in facts.get("criteria") or []]
    return public


def signs_only_public(facts: dict) -> bool:
    """True when the signed facts hold nothing beyond the public record."""
    return public_facts(facts) == facts


def criterion_fact(row, compensable_average: int | None) -> dict:
    """One criterion as a certificate states it: met or not, and the rule that applied, from
    a ``assessments.standing.CriterionStanding``."""
    rule = row.rule
    compensable = not rule.must_pass and rule.floor is not None
    return {
        "code": rule.code,
        "title": rule.title,
        "met": bool(row.met),
        "rule": {
            "must_pass": bool(rule.must_pass),
            "thresholds": {i.kind: int(i.threshold) for i in rule.instruments},
            "floor": rule.floor if compensable else None,
            "average": compensable_average if compensable else None,
        },
    }


def _current_rule(code: str, qualification) -> dict | None:
    """The rule of a criterion as it stands now (for format 1 records, which did not sign
    it), or None when the criterion is gone."""
    criterion = db.session.scalar(select(Criterion).where(Criterion.code == code))
    if criterion is None:
        return None
    compensable = not criterion.must_pass and criterion.floor is not None
    average = qualification.compensable_average if qualification is not None else None
    return {
        "must_pass": criterion.must_pass,
        "thresholds": {i.kind: i.threshold for i in criterion.instruments},
        "floor": criterion.floor if compensable else None,
        "average": average if compensable else None,
    }


def rule_text(rule: dict | None) -> str:
    """The rule under which a criterion counts as met, in the reader's language."""
    if not rule:
        return ""
    thresholds = ", ".join(
        f"{INSTRUMENT_LABELS.get(kind, kind)} ≥ {format_percent(value)}"
        for kind, value in (rule.get("thresholds") or {}).items()
    )
    if rule.get("must_pass"):
        return _(
            "Must be met on its own, with no compensation: %(thresholds)s.", thresholds=thresholds
        )
    if rule.get("floor") is not None and rule.get("average") is not None:
        return _(
            "%(thresholds)s; or at least %(floor)s when the criteria that may compensate "
            "each other average at least %(average)s.",
            thresholds=thresholds,
            floor=format_percent(rule["floor"]),
            average=format_percent(rule["average"]),
        )
    if rule.get("floor") is not None:
        return _(
            "%(thresholds)s; or at least %(floor)s through compensation.",
            thresholds=thresholds,
            floor=format_percent(rule["floor"]),
        )
    return _("Required: %(thresholds)s.", thresholds=thresholds)


def criteria_rows(facts: dict, qualification=None) -> list[dict]:
    """The public criteria of ``facts``, each with the sentence explaining its rule.
    ``qualification`` (or a function returning it, so that it is read only when needed) is
    asked only for a format 1 record, whose facts do not hold the rules."""
    rows = []
    for row in public_facts(facts)["criteria"]:
        rule = row.get("rule")
        if not rule:
            if callable(qualification):
                qualification = qualification()
            rule = _current_rule(row.get("code", ""), qualification)
        rows.append({**row, "rule_text": rule_text(rule)})
    return rows
