"""Certificates' facts are stored compressed with a preset dictionary of their qualification
and language (``FactsDictionary``): the second certificate of a qualification stores a fraction
of the first's bytes, reads back byte for byte, and keeps verifying."""

from __future__ import annotations

import zlib

from sqlalchemy import func, select

from certificates.keys import key_ring
from certificates.models import Certificate, FactsDictionary, pack_facts, unpack_facts
from certificates.signing import verify
from lms.extensions import db


def _dictionaries() -> int:
    return db.session.scalar(select(func.count()).select_from(FactsDictionary))


def test_the_next_certificates_of_a_qualification_store_only_what_differs(
    make_qualification, issue_to, make_user
):
    qualification = make_qualification()
    first = issue_to(qualification, make_user(full_name="Нұрлан Әбдіқадыров"), language="kk")
    others = [
        issue_to(qualification, make_user(full_name=name), language="kk")
        for name in ("Әсел Төлеуова", "Александра Преображенская", "Dana Seitkali")
    ]
    assert _dictionaries() == 1
    for certificate in [first, *others]:
        db.session.expire(certificate)
        stored = db.session.get(Certificate, certificate.id)
        assert stored.facts_dictionary == first.facts_dictionary
        facts, kid = verify(stored.jws, key_ring().jwks())
        assert facts == stored.facts and kid == stored.key_id
    for certificate in others:
        # Only the name, number, dates and results differ from the dictionary.
        assert len(certificate.facts_zlib) * 3 < len(
            zlib.compress(certificate.facts_json.encode(), 9)
        )
        assert len(certificate.facts_zlib) < 300


def test_each_language_has_its_dictionary(make_qualification, issue_to, make_user):
    qualification = make_qualification()
    kk = issue_to(qualification, make_user(), language="kk")
    ru = issue_to(qualification, make_user(), language="ru")
    assert kk.facts_dictionary != ru.facts_dictionary
    assert _dictionaries() == 2


def test_facts_that_no_longer_fit_the_dictionary_make_a_new_one(app, make_qualification):
    qualification = make_qualification()
    old = ('{"disclaimer":"' + "Бұл сертификат. " * 60 + '"}').encode()
    new = b'{"disclaimer":"' + b"An entirely different text, " * 30 + b'"}'
    first, _ = pack_facts(qualification.id, "kk", old)
    again, packed = pack_facts(qualification.id, "kk", old)
    assert again == first and unpack_facts(again, packed) == old
    other, packed = pack_facts(qualification.id, "kk", new)
    assert other != first and unpack_facts(other, packed) == new
    db.session.commit()
    assert _dictionaries() == 2
    # Certificates compressed with the older dictionary still read back.
    assert unpack_facts(first, pack_facts(qualification.id, "kk", old)[1]) == old


def test_certificates_stored_before_dictionaries_still_read(
    make_qualification, issue_to, make_user
):
    certificate = issue_to(make_qualification(), make_user(), language="en")
    text = certificate.facts_json
    token = certificate.jws
    db.session.execute(
        Certificate.__table__.update()
        .where(Certificate.id == certificate.id)
        .values(facts_dictionary=None, facts_zlib=zlib.compress(text.encode(), 9))
    )
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Certificate, certificate.id)
    assert stored.facts_json == text and stored.jws == token
