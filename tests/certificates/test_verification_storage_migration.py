"""Migration 0016: a certificate keeps its signed facts once (only its token's signature
besides them) and every token comes back byte for byte, through the model and after a
downgrade; lookups counted in batches are expanded again on the way down."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from certificates.keys import KeyRing
from certificates.signing import canonical_json, sign
from lms.extensions import db

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _insert(connection, table: str, **values) -> int:
    columns = ", ".join(values)
    marks = ", ".join(f":{name}" for name in values)
    return connection.execute(
        text(f"INSERT INTO {table} ({columns}) VALUES ({marks}) RETURNING id"), values
    ).scalar_one()


def test_tokens_are_rebuilt_exactly_both_ways(empty_app, tmp_path):
    upgrade(revision="0013_mail_delivery")
    key = KeyRing(tmp_path / "keys").current()
    facts = {"number": "KZM-1", "holder": "Әсел Қанатқызы", "criteria": [], "format": 2}
    signed = sign(facts, key)
    tokens = {
        "KZM-1": (canonical_json(facts).decode(), signed),  # as issued here
        "KZM-2": ("{}", "x.y.z"),  # not a token of these facts: kept whole
        "KZM-3": (canonical_json({**facts, "holder": "Иван"}).decode(), signed),  # altered
    }
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
        ids = {}
        for seminar_key, (number, (facts_json, token)) in enumerate(tokens.items()):
            ids[number] = _insert(
                connection,
                "certificates",
                number=number,
                qualification_id=qualification,
                holder_id=holder,
                seminar_key=seminar_key,
                live=1,
                status="valid",
                status_reason_code="",
                status_public_note="",
                status_note="",
                issued_on=date(2026, 1, 1),
                language="en",
                facts_json=facts_json,
                jws=token,
                key_id=key.thumbprint(),
                pdf_path="",
                pdf_sha256="",
                created_at=NOW,
            )
        for outcome in ("found", "found", "typo"):
            _insert(
                connection,
                "verification_lookups",
                certificate_id=ids["KZM-1"] if outcome == "found" else None,
                outcome=outcome,
                channel="page",
                ip_hash="h" * 64,
                at=NOW,
                created_at=NOW,
            )

    upgrade()
    from certificates.models import Certificate

    stored = {
        row.number: (row.jws_signature, row.jws_exact)
        for row in db.session.execute(
            text("SELECT number, jws_signature, jws_exact FROM certificates")
        )
    }
    assert stored["KZM-1"] == (signed.split(".")[2], None)  # 86 characters instead of the token
    assert stored["KZM-2"][1] == "x.y.z"
    assert stored["KZM-3"][1] == signed  # facts altered after signing: the token kept whole
    certificates = {c.number: c for c in db.session.query(Certificate)}
    assert certificates["KZM-1"].jws == signed
    assert certificates["KZM-1"].facts == facts
    assert certificates["KZM-2"].jws == "x.y.z"
    assert certificates["KZM-3"].jws == signed  # and its signature check still fails:
    assert json.loads(certificates["KZM-3"].facts_json)["holder"] == "Иван"
    counts = db.session.execute(text("SELECT outcome, count FROM verification_lookups")).all()
    assert sorted(counts) == [("found", 1), ("found", 1), ("typo", 1)]
    db.session.execute(text("UPDATE verification_lookups SET count = 4 WHERE outcome = 'typo'"))
    db.session.commit()
    db.session.remove()  # its transaction would hold a lock the downgrade waits for

    downgrade(revision="0013_mail_delivery")
    with db.engine.connect() as connection:
        tokens_after = dict(connection.execute(text("SELECT number, jws FROM certificates")).all())
        facts_after = dict(
            connection.execute(text("SELECT number, facts_json FROM certificates")).all()
        )
        lookups = connection.execute(
            text("SELECT outcome, COUNT(*) FROM verification_lookups GROUP BY outcome")
        ).all()
    assert tokens_after == {"KZM-1": signed, "KZM-2": "x.y.z", "KZM-3": signed}
    assert facts_after == {number: facts_json for number, (facts_json, _) in tokens.items()}
    assert sorted(lookups) == [("found", 2), ("typo", 4)]
