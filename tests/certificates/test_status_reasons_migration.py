"""Migration 0009: reasons typed as free text before reason codes existed become internal
notes, and the public is told "no reason published", never the old text."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from lms.extensions import db

OLD_REASON = "Complaint by a party about Mr X's conduct in caucus (old free text)"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _insert(connection, table: str, **values) -> int:
    columns = ", ".join(values)
    marks = ", ".join(f":{name}" for name in values)
    return connection.execute(
        text(f"INSERT INTO {table} ({columns}) VALUES ({marks}) RETURNING id"), values
    ).scalar_one()


def _certificate(connection, key: int, status: str, holder: int, qualification: int) -> int:
    return _insert(
        connection,
        "certificates",
        number=f"N-{status}",
        qualification_id=qualification,
        holder_id=holder,
        seminar_key=key,
        live=1 if status != "superseded" else None,
        status=status,
        status_reason=OLD_REASON if status != "valid" else "",
        status_changed_at=NOW,
        issued_on=date(2026, 1, 1),
        language="en",
        facts_json="{}",
        jws="x.y.z",
        key_id="k",
        pdf_path="",
        pdf_sha256="",
        created_at=NOW,
    )


def test_old_reasons_become_internal_notes(empty_app):
    upgrade(revision="0008_course_completions")
    with db.engine.begin() as connection:
        holder = _insert(
            connection,
            "users",
            email="holder@example.kz",
            display_name="H",
            full_name="Holder",
            password_hash="!",
            role="trainee",
            active=True,
            language="en",
            updated_at=NOW,
            created_at=NOW,
        )
        qualification = _insert(
            connection,
            "qualifications",
            slug="q",
            kind="attendance",
            titles_json='{"en": "Q"}',
            disclaimers_json='{"en": "D"}',
            required_session_topics="",
            declaration_text="",
            requires_identity=False,
            requires_higher_education=False,
            self_claim=False,
            active=True,
            created_at=NOW,
        )
        ids = {
            status: _certificate(connection, key, status, holder, qualification)
            for key, status in enumerate(("revoked", "suspended", "superseded", "valid"))
        }
        for status, action in (("revoked", "revoke"), ("suspended", "suspend")):
            _insert(
                connection,
                "certificate_events",
                certificate_id=ids[status],
                action=action,
                reason=OLD_REASON,
                at=NOW,
                created_at=NOW,
            )
    upgrade()
    with db.engine.connect() as connection:
        rows = {
            row.status: row
            for row in connection.execute(
                text(
                    "SELECT status, status_reason_code, status_public_note, status_note "
                    "FROM certificates"
                )
            )
        }
        events = connection.execute(
            text("SELECT action, reason_code, public_note, reason FROM certificate_events")
        ).all()
    for status in ("revoked", "suspended"):
        assert tuple(rows[status])[1:] == ("unspecified", "", OLD_REASON), status
    assert tuple(rows["superseded"])[1:] == ("", "", OLD_REASON)
    assert tuple(rows["valid"])[1:] == ("", "", "")
    assert sorted(tuple(event) for event in events) == [
        ("revoke", "unspecified", "", OLD_REASON),
        ("suspend", "unspecified", "", OLD_REASON),
    ]

    # What a verifier is told now: the status and "no reason published", not the old text.
    from certificates.models import Certificate
    from certificates.status_reasons import reason_label

    revoked = db.session.get(Certificate, ids["revoked"])
    assert reason_label(revoked.status_reason_code) == "No reason published"
    db.session.remove()  # its transaction would hold a lock the downgrade waits for

    downgrade(revision="0008_course_completions")
    with db.engine.connect() as connection:
        reasons = connection.execute(
            text("SELECT status, status_reason FROM certificates ORDER BY id")
        ).all()
    assert dict(reasons)["revoked"] == OLD_REASON
