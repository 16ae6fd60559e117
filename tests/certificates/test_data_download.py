"""The certificates part of a user's data download: the ethics declarations they signed, with
the text and language as signed."""

from __future__ import annotations

from certificates.models import EthicsDeclaration
from lms.extensions import db


def test_the_download_holds_the_declarations_signed_as_signed(
    trainee_client, trainee, make_qualification
):
    qualification = make_qualification()
    db.session.add(
        EthicsDeclaration(
            user_id=trainee.id,
            qualification_id=qualification.id,
            text="Мен тараптарды қысым көрсетпеймін.",
            language="kk",
            signed_name=trainee.full_name,
        )
    )
    db.session.commit()
    document = trainee_client.post_form("/account/export").get_json()
    (signed,) = document["certificates"]["declarations"]
    assert signed["qualification"] == qualification.slug
    assert (signed["text"], signed["language"]) == ("Мен тараптарды қысым көрсетпеймін.", "kk")
    assert signed["signed_name"] == trainee.full_name and signed["signed_at"]
