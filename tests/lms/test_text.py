"""One name normaliser and one e-mail normaliser (lms.text) behind every entry point."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms import accounts
from lms.extensions import db
from lms.models import User
from lms.service_error import ServiceError
from lms.text import normalise_email, normalise_person_name
from tests.conftest import DEFAULT_PASSWORD

INVISIBLE = "The name contains invisible control characters."
# Every bidi control, the direction marks, zero-width characters and a filler letter.
REFUSED = [
    *(chr(code) for code in range(0x202A, 0x202F)),
    *(chr(code) for code in range(0x2066, 0x206A)),
    "\u200e",
    "\u200f",
    "\u061c",
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u00ad",
    "\u3164",
    "\ufe0f",
    "\x07",
    "\ue000",
]


def _name(raw: str) -> str:
    return normalise_person_name(raw, field="full_name", max_length=200, min_length=2)


@pytest.mark.parametrize("character", REFUSED, ids=lambda ch: f"U+{ord(ch):04X}")
def test_invisible_and_direction_characters_are_refused(character):
    with pytest.raises(ServiceError) as caught:
        _name(f"Әсел {character}Төлеуова")
    assert str(caught.value.message) == INVISIBLE
    assert caught.value.field == "full_name"


def test_kazakh_letters_survive_and_compatibility_forms_fold():
    kazakh = "Әсел Ғалымқызы Қожаұлы Ңң Өмір Ұлан Үміт Һ Ілияс"
    assert _name(kazakh) == kazakh
    latin = "Äsel Ğalymqyzy Şynar Ñ Öner Ūlan Ümıt"
    assert _name(latin) == latin
    # Full-width letters, a no-break space, a ligature and an ideographic space fold (NFKC).
    assert _name("Ａｓｅｌ\u00a0Toleuova") == "Asel Toleuova"
    assert _name("ﬁlip\u3000Nowak") == "filip Nowak"
    # Decomposed letters are composed: the stored name is the one a reader types.
    assert _name("A\u0306sel Toleuova") == "\u0102sel Toleuova"
    assert _name("  Әсел \t\n Төлеуова ") == "Әсел Төлеуова"


def test_lengths_are_kept():
    with pytest.raises(ServiceError, match="at least 2"):
        _name("Ａ")
    with pytest.raises(ServiceError, match="at most 200"):
        _name("a" * 201)
    with pytest.raises(ServiceError, match="required"):
        _name(" \u3000 ")


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("Asel@Example.KZ", "asel@example.kz"),
        ("ａｓｅｌ@example.kz", "asel@example.kz"),
        ("ＡＳＥＬ@ＥＸＡＭＰＬＥ．ＫＺ", "asel@example.kz"),
        ("  asel@example.kz ", "asel@example.kz"),
        ("Straße@example.de", "strasse@example.de"),
        ("Әсел@example.kz", "әсел@example.kz"),
    ],
)
def test_emails_fold_to_one_stored_form(raw, stored):
    assert normalise_email(raw) == stored
    assert normalise_email(stored) == stored  # stored values stay valid


@pytest.mark.parametrize("raw", ["asel\u200b@example.kz", "\u202easel@example.kz", "asel@", ""])
def test_bad_emails_are_refused(raw):
    with pytest.raises(ServiceError, match="valid email"):
        normalise_email(raw)


# --- every entry point ---------------------------------------------------------------------

SIGNUP = {
    "email": "asel@example.kz",
    "display_name": "Әсел",
    "full_name": "Әсел Төлеуова",
    "language": "kk",
    "password": DEFAULT_PASSWORD,
    "confirm": DEFAULT_PASSWORD,
}


def test_signup_refuses_a_right_to_left_override(client):
    response = client.post_form("/signup", {**SIGNUP, "full_name": "Әсел \u202eавоуелөТ"})
    assert response.status_code == 400
    assert INVISIBLE in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_a_full_width_look_alike_email_cannot_open_a_second_account(client, make_user):
    make_user(email="asel@example.kz")
    response = client.post_form("/signup", {**SIGNUP, "email": "ａｓｅｌ@example.kz"})
    assert response.status_code == 400
    assert "already exists" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_login_folds_the_email_the_same_way(client, make_user):
    make_user(email="asel@example.kz")
    assert client.login("ＡＳＥＬ@example.kz").status_code == 302


def test_signup_stores_the_folded_email_and_name(client):
    response = client.post_form(
        "/signup", {**SIGNUP, "email": "ＡＳＥＬ@Example.kz", "display_name": "Ａｓｅｌ"}
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User))
    assert (user.email, user.display_name) == ("asel@example.kz", "Asel")


def test_profile_refuses_bidi_isolates(trainee_client, trainee):
    before = trainee.full_name
    response = trainee_client.post_form(
        "/account",
        {"display_name": "Asel", "full_name": "\u2067Әсел Төлеуова\u2069", "language": "en"},
    )
    assert response.status_code == 400
    assert INVISIBLE in response.get_data(as_text=True)
    db.session.refresh(trainee)
    assert trainee.full_name == before


def test_create_user_command_refuses_a_direction_mark(runner):
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "ｔｒａｉｎｅｒ@example.kz",
            "--name",
            "Aigerim\u200f",
            "--full-name",
            "Aigerim Nurlanqyzy",
        ],
        input="a long trainer password\n",
    )
    assert result.exit_code == 1
    assert INVISIBLE in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_create_user_command_folds_the_email(runner):
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "ｔｒａｉｎｅｒ@example.kz",
            "--name",
            "Aigerim",
            "--full-name",
            "Aigerim Nurlanqyzy",
        ],
        input="a long trainer password\n",
    )
    assert result.exit_code == 0, result.output
    assert accounts.get_user_by_email("trainer@example.kz") is not None
