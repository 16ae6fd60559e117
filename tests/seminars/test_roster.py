"""Roster import: parsing a CSV (encodings, delimiters, header, per-line errors), applying it
all or nothing (new trainee accounts with set-password links, seats then waitlist), and the
upload, preview and confirm pages."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from lms import accounts
from lms.extensions import db
from lms.models import PasswordResetToken, User
from lms.service_error import ServiceError
from seminars import registration, roster
from seminars.models import Registration
from tests.courses.conftest import png_bytes

NEW_PASSWORD = "a brand new passphrase"


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count(model.id)).where(*where))


def _rows(preview) -> list[tuple]:
    return [(line.line, line.full_name, line.email, line.organisation) for line in preview.lines]


def _errors(preview) -> dict[int, list[str]]:
    return {line.line: [str(e) for e in line.errors] for line in preview.lines if line.errors}


# --- parsing --------------------------------------------------------------------------------


def test_utf8_with_kazakh_letters_and_commas(app):
    data = "Әсел Қасымова,asel@example.kz,Ұлттық медиация орталығы\nИван Петров,ivan@example.kz\n"
    preview = roster.parse_roster(data.encode("utf-8"))
    assert preview.encoding == "UTF-8" and preview.ok
    assert _rows(preview) == [
        (1, "Әсел Қасымова", "asel@example.kz", "Ұлттық медиация орталығы"),
        (2, "Иван Петров", "ivan@example.kz", ""),
    ]


def test_utf8_with_bom_semicolons_and_a_header(app):
    data = "ФИО;Почта;Организация\nӘсел Қасымова;Asel@Example.KZ;ТОО Келісім\n"
    data += "Иван Петров;ivan@example.kz;ТОО Альфа\n"
    preview = roster.parse_roster(data.encode("utf-8-sig"))
    assert preview.encoding == "UTF-8" and preview.ok
    assert _rows(preview) == [
        (2, "Әсел Қасымова", "asel@example.kz", "ТОО Келісім"),
        (3, "Иван Петров", "ivan@example.kz", "ТОО Альфа"),
    ]


def test_windows_1251_with_semicolons(app):
    data = "Иванов Иван Иванович;ivanov@example.kz;ООО Ромашка\nПетрова Анна;petrova@example.kz;\n"
    preview = roster.parse_roster(data.encode("cp1251"))
    assert preview.encoding == "Windows-1251" and preview.ok
    assert _rows(preview) == [
        (1, "Иванов Иван Иванович", "ivanov@example.kz", "ООО Ромашка"),
        (2, "Петрова Анна", "petrova@example.kz", ""),
    ]


def test_windows_1251_with_an_english_header_and_commas(app):
    data = "Full name,Email\r\nСидорова Мария,maria@example.kz\r\nЁлкин Пётр,petr@example.kz\r\n"
    preview = roster.parse_roster(data.encode("cp1251"))
    assert preview.encoding == "Windows-1251" and preview.ok
    assert [(line.line, line.full_name) for line in preview.lines] == [
        (2, "Сидорова Мария"),
        (3, "Ёлкин Пётр"),
    ]


def test_a_single_person_without_a_header(app):
    preview = roster.parse_roster("Иван Петров;ivan@example.kz\n".encode())
    assert _rows(preview) == [(1, "Иван Петров", "ivan@example.kz", "")]


def test_semicolons_with_the_organisation_given_for_some_people_only(app):
    data = "Иванов Иван;ivan@example.kz;ТОО Альфа\nПетров Пётр;petr@example.kz\n"
    data += "Сидорова Анна;anna@example.kz;ТОО Бета\n"
    preview = roster.parse_roster(data.encode("utf-8"))
    assert _errors(preview) == {}
    assert [line.email for line in preview.lines] == [
        "ivan@example.kz",
        "petr@example.kz",
        "anna@example.kz",
    ]


def test_semicolons_with_commas_inside_the_organisation(app):
    data = "Иванов Иван;ivan@example.kz;ТОО «Альфа, Бета»\n"
    data += "Петров Пётр;petr@example.kz;Университет, факультет права\n"
    preview = roster.parse_roster(data.encode("utf-8"))
    assert _errors(preview) == {}
    assert [line.organisation for line in preview.lines] == [
        "ТОО «Альфа, Бета»",
        "Университет, факультет права",
    ]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_utf16_is_refused_with_a_clear_message(app, encoding):
    data = "Иван Петров,ivan@example.kz\n".encode(encoding)
    with pytest.raises(ServiceError, match="UTF-16") as error:
        roster.parse_roster(data)
    assert error.value.field == "file"


@pytest.mark.parametrize(
    "data",
    [b"", b"\n\n", "\ufeff".encode(), b"Full name,Email,Organisation\n", "ФИО;Почта\n".encode()],
    ids=["empty", "blank-lines", "bom-only", "header-only", "russian-header-only"],
)
def test_a_roster_without_people_is_refused(app, data):
    with pytest.raises(ServiceError, match="no participants"):
        roster.parse_roster(data)


def test_each_bad_line_is_reported_with_its_number(app, make_user):
    existing = make_user(email="known@example.kz", full_name="Known Person")
    lines = [
        "Ivan Petrov,ivan@example.kz,",  # 1: fine
        "Anna Smirnova,not-an-email,",  # 2
        ",nomail@example.kz,",  # 3
        "A,a@example.kz,",  # 4
        "Boris Ivanov,boris@example.kz,Org,extra",  # 5
        "",  # 6: blank, skipped
        "Ivan Second,IVAN@Example.kz,",  # 7: same email as line 1
        "Zero\u200bWidth,zero@example.kz,",  # 8
        "Known Person,KNOWN@example.kz,Mediation centre",  # 9: an existing account
    ]
    preview = roster.parse_roster("\n".join(lines).encode("utf-8"))
    assert not preview.ok
    assert [line.line for line in preview.lines] == [1, 2, 3, 4, 5, 7, 8, 9]
    errors = _errors(preview)
    assert set(errors) == {2, 3, 4, 5, 7, 8}
    assert errors[2] == ["Enter a valid email address."]
    assert errors[3] == ["This field is required."]
    assert errors[4] == ["Use at least 2 characters."]
    assert errors[5] == ["Too many columns: expected full name, email, organisation."]
    assert errors[7] == ["The same email is on line 1."]
    assert errors[8] == ["The name contains invisible control characters."]
    by_line = {line.line: line for line in preview.lines}
    assert by_line[9].existing_user_id == existing.id and by_line[9].email == "known@example.kz"
    assert by_line[1].existing_user_id is None


# --- applying ---------------------------------------------------------------------------------


def _roster(*people: tuple[str, str]) -> bytes:
    return "".join(f"{name};{email};Org of {name}\n" for name, email in people).encode()


THREE = (
    ("Әсел Қасымова", "asel@example.kz"),
    ("Иван Петров", "ivan@example.kz"),
    ("Дана Омарова", "dana@example.kz"),
)


def test_a_preview_with_errors_is_not_applied(app, make_seminar, trainer):
    seminar = make_seminar()
    users = _count(User)
    preview = roster.parse_roster(b"Good Name,good@example.kz\nBad Name,bad-email\n")
    with pytest.raises(ServiceError, match="nothing was imported"):
        roster.apply_roster(seminar, preview, trainer)
    assert _count(User) == users and _count(Registration) == 0


def test_apply_creates_trainee_accounts_that_need_their_link(app, make_seminar, trainer, client):
    seminar = make_seminar(capacity=5)
    result = roster.apply_roster(seminar, roster.parse_roster(_roster(*THREE)), trainer)
    assert (result.added, result.waitlisted, result.already) == (3, 0, 0)
    assert [user.email for user, _ in result.new_accounts] == [e for _, e in THREE]
    for user, _ in result.new_accounts:
        db.session.refresh(user)
        assert user.role == "trainee" and user.active and user.language == "ru"
        assert accounts.authenticate(user.email, user.password_hash) is None
        assert accounts.authenticate(user.email, "") is None
    asel = result.new_accounts[0][0]
    assert (asel.full_name, asel.display_name) == ("Әсел Қасымова", "Әсел")
    entries = db.session.scalars(select(Registration).order_by(Registration.id)).all()
    assert [(e.user_id, e.status, e.organisation) for e in entries] == [
        (user.id, "registered", f"Org of {user.full_name}") for user, _ in result.new_accounts
    ]
    assert _count(PasswordResetToken, PasswordResetToken.created_by_id == trainer.id) == 3

    # A stranger cannot log in with any password until the link is used.
    refused = client.post_form("/login", {"email": asel.email, "password": NEW_PASSWORD})
    assert refused.status_code != 302
    user, token = result.new_accounts[0]
    assert client.get(f"/reset/{token}").status_code == 200
    done = client.post_form(f"/reset/{token}", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and "/login" in done.headers["Location"]
    assert client.login(user.email, NEW_PASSWORD).status_code == 302
    assert client.get(f"/reset/{token}").status_code == 404  # the link works once


def test_apply_fills_seats_first_then_the_waitlist(app, make_seminar, make_user, trainer):
    seminar = make_seminar(capacity=2)
    registration.add_participant(seminar, make_user())
    result = roster.apply_roster(seminar, roster.parse_roster(_roster(*THREE)), trainer)
    assert (result.added, result.waitlisted, result.already) == (1, 2, 0)
    statuses = [
        registration.find_registration(seminar, user).status for user, _ in result.new_accounts
    ]
    assert statuses == ["registered", "waitlisted", "waitlisted"]
    ranks = [
        registration.waitlist_rank(registration.find_registration(seminar, user))
        for user, _ in result.new_accounts[1:]
    ]
    assert ranks == [1, 2]


def test_existing_accounts_are_used_not_duplicated(app, make_seminar, make_user, trainer):
    seminar = make_seminar()
    known = make_user(email="ivan@example.kz", full_name="Ivan Petrov Known")
    result = roster.apply_roster(seminar, roster.parse_roster(_roster(*THREE)), trainer)
    assert (result.added, result.already) == (3, 0)
    assert [user.email for user, _ in result.new_accounts] == [
        "asel@example.kz",
        "dana@example.kz",
    ]
    assert _count(User, User.email == "ivan@example.kz") == 1
    db.session.refresh(known)
    assert known.full_name == "Ivan Petrov Known"  # the roster does not rename people
    assert registration.find_registration(seminar, known).status == "registered"


def test_importing_the_same_roster_again_changes_nothing(app, make_seminar, trainer):
    seminar = make_seminar(capacity=2)
    data = _roster(*THREE)
    roster.apply_roster(seminar, roster.parse_roster(data), trainer)
    before = (
        _count(User),
        _count(PasswordResetToken),
        db.session.execute(
            select(Registration.user_id, Registration.status, Registration.waitlist_position)
        ).all(),
    )
    again = roster.parse_roster(data)
    assert all(line.existing_user_id for line in again.lines)
    result = roster.apply_roster(seminar, again, trainer)
    assert (result.added, result.waitlisted, result.already) == (0, 0, 3)
    assert result.new_accounts == []
    after = (
        _count(User),
        _count(PasswordResetToken),
        db.session.execute(
            select(Registration.user_id, Registration.status, Registration.waitlist_position)
        ).all(),
    )
    assert after == before


def test_a_failure_part_way_imports_nobody(app, make_seminar, trainer, monkeypatch):
    seminar = make_seminar()
    users = _count(User)
    real = registration.add_participant
    calls = []

    def failing(*args, **kwargs):
        calls.append(args)
        if len(calls) == 3:
            raise RuntimeError("database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr("seminars.registration.add_participant", failing)
    four = (*THREE, ("Болат Серіков", "bolat@example.kz"))
    with pytest.raises(RuntimeError):
        roster.apply_roster(seminar, roster.parse_roster(_roster(*four)), trainer)
    assert len(calls) == 3
    db.session.expire_all()
    assert _count(User) == users
    assert _count(Registration) == 0 and _count(PasswordResetToken) == 0


# --- the pages ---------------------------------------------------------------------------------


def _upload(client, seminar, data: bytes, name: str = "roster.csv"):
    return client.post_form(
        f"/manage/seminars/{seminar.id}/roster",
        {"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _roster_ref(page: str) -> str:
    match = re.search(r'name="roster_ref" value="([^"]+)"', page)
    assert match, "no confirm form on the page"
    return match.group(1)


def test_upload_shows_a_preview_and_imports_nothing_yet(app, make_seminar, trainer_client):
    seminar = make_seminar()
    users = _count(User)
    response = _upload(trainer_client, seminar, _roster(*THREE))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for name, email in THREE:
        assert name in page and email in page
    assert "Import 3 people" in page and _roster_ref(page)
    assert _count(User) == users and _count(Registration) == 0


def test_upload_with_errors_is_a_400_without_a_confirm_button(app, make_seminar, trainer_client):
    seminar = make_seminar()
    response = _upload(trainer_client, seminar, b"Good Name,good@example.kz\nA,bad-email\n")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "1 line has an error" in page and "Good Name" in page and "good@example.kz" in page
    assert "Use at least 2 characters." in page and "Enter a valid email address." in page
    assert "roster_ref" not in page and "Import 2 people" not in page


def test_confirm_adds_participants_and_shows_the_set_password_links(
    app, make_seminar, trainer_client, client
):
    seminar = make_seminar(capacity=2)
    ref = _roster_ref(_upload(trainer_client, seminar, _roster(*THREE)).get_data(as_text=True))
    response = trainer_client.post_form(
        f"/manage/seminars/{seminar.id}/roster/confirm", {"roster_ref": ref}
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Roster imported: 2 registered, 1 on the waitlist, 0 already there." in page
    tokens = re.findall(r"http://localhost/reset/([A-Za-z0-9_-]+)", page)
    assert len(tokens) == 3
    for name, email in THREE:
        assert email in page
        user = db.session.scalar(select(User).where(User.email == email))
        assert user.role == "trainee" and user.full_name == name
    assert _count(Registration) == 3
    assert client.get(f"/reset/{tokens[0]}").status_code == 200


def test_a_tampered_or_foreign_roster_reference_is_a_400(app, make_seminar, trainer_client):
    seminar = make_seminar("Target seminar")
    other = make_seminar("Other seminar")
    ref = _roster_ref(_upload(trainer_client, seminar, _roster(*THREE)).get_data(as_text=True))
    users = _count(User)
    url = f"/manage/seminars/{seminar.id}/roster/confirm"
    tampered = ref[:-3] + ("AAA" if not ref.endswith("AAA") else "BBB")
    assert trainer_client.post_form(url, {"roster_ref": tampered}).status_code == 400
    assert trainer_client.post_form(url, {"roster_ref": ""}).status_code == 400
    other_url = f"/manage/seminars/{other.id}/roster/confirm"
    assert trainer_client.post_form(other_url, {"roster_ref": ref}).status_code == 400
    assert _count(User) == users and _count(Registration) == 0
    # The genuine reference still works afterwards.
    assert trainer_client.post_form(url, {"roster_ref": ref}).status_code == 200
    assert _count(Registration) == 3


def test_confirming_twice_imports_once(app, make_seminar, trainer_client):
    seminar = make_seminar()
    ref = _roster_ref(_upload(trainer_client, seminar, _roster(*THREE)).get_data(as_text=True))
    url = f"/manage/seminars/{seminar.id}/roster/confirm"
    assert trainer_client.post_form(url, {"roster_ref": ref}).status_code == 200
    state = (_count(User), _count(Registration), _count(PasswordResetToken))
    again = trainer_client.post_form(url, {"roster_ref": ref}, follow_redirects=True)
    assert "This roster was already imported or has expired." in again.get_data(as_text=True)
    assert (_count(User), _count(Registration), _count(PasswordResetToken)) == state


def test_a_file_over_the_size_limit_is_refused(app, make_seminar, trainer_client):
    seminar = make_seminar()
    app.config["ROSTER_MAX_KB"] = 1
    people = [(f"Person Number{i}", f"person{i}@example.kz") for i in range(60)]
    data = _roster(*people)
    assert len(data) > 1024
    response = _upload(trainer_client, seminar, data)
    assert response.status_code == 400
    assert "The file is larger than 1 KB." in response.get_data(as_text=True)
    assert "roster_ref" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (png_bytes(), "UTF-16 or a binary file"),
        ("Иван Петров,ivan@example.kz\n".encode("utf-16"), "UTF-16 or a binary file"),
        (b"", "The file has no participants."),
    ],
    ids=["png", "utf-16", "empty"],
)
def test_unreadable_files_are_a_400_with_a_message(
    app, make_seminar, trainer_client, data, message
):
    seminar = make_seminar()
    response = _upload(trainer_client, seminar, data, name="roster.csv")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and "roster_ref" not in page
    assert _count(Registration) == 0


def test_an_upload_without_a_file_is_a_400(app, make_seminar, trainer_client):
    seminar = make_seminar()
    response = trainer_client.post_form(
        f"/manage/seminars/{seminar.id}/roster", {}, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert "Choose a .csv file." in response.get_data(as_text=True)


def test_a_deactivated_account_on_the_roster_is_a_line_error(app, make_user):
    user = make_user(email="gone@example.kz")
    user.active = False
    db.session.commit()
    preview = roster.parse_roster(b"Ivan Petrov,gone@example.kz\n")
    assert "deactivated" in " ".join(str(e) for e in _errors(preview)[1])
    assert not preview.ok


# --- encodings the trainer confirms (issue 14) ---------------------------------------------------

WESTERN = (("Jürgen Müller", "juergen@example.de"), ("José Peña", "jose@example.es"))
CYRILLIC = (("Иван Петров", "ivan@example.kz"), ("Мария Сидорова", "maria@example.kz"))
KAZAKH = (("Әсел Нұрланқызы", "asel@example.kz"), ("Ұлан Қасымов", "ulan@example.kz"))


def _western(encoding: str) -> bytes:
    return "".join(f'"{name}";{email}\n' for name, email in WESTERN).encode(encoding)


def _encoding_choice(page: str) -> str | None:
    """The encoding selected in the preview's choice, or None when there is no choice."""
    match = re.search(r'<select[^>]*name="encoding".*?</select>', page, re.S)
    if not match:
        return None
    return re.search(r'<option value="([^"]+)" selected', match.group(0)).group(1)


def _full_names() -> set[str]:
    db.session.expire_all()
    return {user.full_name for user in db.session.scalars(select(User))}


@pytest.mark.parametrize(
    ("data", "codec", "people"),
    [
        ("".join(f"{n};{e}\n" for n, e in WESTERN).encode("cp1252"), "cp1252", WESTERN),
        ("".join(f"{n};{e}\n" for n, e in CYRILLIC).encode("cp1251"), "cp1251", CYRILLIC),
        ("".join(f"{n};{e}\n" for n, e in CYRILLIC).encode("koi8_r"), "koi8_r", CYRILLIC),
    ],
    ids=["windows-1252", "windows-1251", "koi8-r"],
)
def test_an_8_bit_roster_is_read_in_its_likeliest_encoding_which_the_trainer_confirms(
    app, make_seminar, trainer_client, data, codec, people
):
    seminar = make_seminar()
    response = _upload(trainer_client, seminar, data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "its encoding cannot be told for sure" in page
    assert _encoding_choice(page) == codec
    for name, _ in people:
        assert f"<td>{name}</td>" in page
    assert f'name="encoding" value="{codec}"' in page  # the import uses what was shown
    ref = _roster_ref(page)
    response = trainer_client.post_form(
        f"/manage/seminars/{seminar.id}/roster/confirm", {"roster_ref": ref, "encoding": codec}
    )
    assert response.status_code == 200
    assert {name for name, _ in people} <= _full_names()


def test_the_trainer_reads_the_roster_again_in_another_encoding_and_imports_that(
    app, make_seminar, trainer_client
):
    """A Windows-1252 roster whose names fit Windows-1251 just as well: read as Windows-1251
    first, the trainer sees wrong letters, chooses Windows-1252 and imports that."""
    seminar = make_seminar()
    data = "Jürgen Müller;juergen@example.de\n".encode("cp1252")
    base = f"/manage/seminars/{seminar.id}"
    page = _upload(trainer_client, seminar, data).get_data(as_text=True)
    ref = _roster_ref(page)
    wrong = trainer_client.get(
        f"{base}/participants", query_string={"roster_ref": ref, "encoding": "cp1251"}
    )
    assert wrong.status_code == 200
    text = wrong.get_data(as_text=True)
    assert "<td>Jьrgen Mьller</td>" in text and _encoding_choice(text) == "cp1251"
    assert "Read as Windows-1251, as you chose." in text
    right = trainer_client.get(
        f"{base}/participants", query_string={"roster_ref": ref, "encoding": "cp1252"}
    )
    text = right.get_data(as_text=True)
    assert "<td>Jürgen Müller</td>" in text and 'name="encoding" value="cp1252"' in text
    not_utf8 = trainer_client.get(
        f"{base}/participants", query_string={"roster_ref": ref, "encoding": "utf-8"}
    )
    assert not_utf8.status_code == 400
    assert "The file cannot be read as UTF-8." in not_utf8.get_data(as_text=True)
    unknown = trainer_client.get(
        f"{base}/participants", query_string={"roster_ref": ref, "encoding": "ebcdic"}
    )
    assert unknown.status_code == 400
    assert "Choose one of the offered encodings." in unknown.get_data(as_text=True)
    assert _count(Registration) == 0
    confirm = f"{base}/roster/confirm"
    trainer_client.post_form(confirm, {"roster_ref": ref, "encoding": "cp1252"})
    assert "Jürgen Müller" in _full_names() and "Jьrgen Mьller" not in _full_names()


def test_another_seminars_roster_reference_is_refused(app, make_seminar, trainer_client):
    seminar, other = make_seminar("One"), make_seminar("Two")
    ref = _roster_ref(_upload(trainer_client, seminar, _western("cp1252")).get_data(as_text=True))
    response = trainer_client.get(
        f"/manage/seminars/{other.id}/participants", query_string={"roster_ref": ref}
    )
    assert response.status_code == 400


def test_a_utf8_roster_with_kazakh_letters_needs_no_confirmation(app, make_seminar, trainer_client):
    seminar = make_seminar()
    data = "".join(f"{name};{email}\n" for name, email in KAZAKH).encode("utf-8")
    page = _upload(trainer_client, seminar, data).get_data(as_text=True)
    assert _encoding_choice(page) is None and "cannot be told for sure" not in page
    for name, _ in KAZAKH:
        assert f"<td>{name}</td>" in page
    trainer_client.post_form(
        f"/manage/seminars/{seminar.id}/roster/confirm", {"roster_ref": _roster_ref(page)}
    )
    assert {name for name, _ in KAZAKH} <= _full_names()


def test_detection_picks_the_reading_that_looks_like_names(app):
    western = "Jürgen Müller;j@example.de\nJosé Peña;p@example.es\n"
    assert roster.decode(western.encode("cp1252"))[1:] == ("cp1252", False)
    cyrillic = "Иван Петров;i@example.kz\nМария Сидорова;m@example.kz\n"
    assert roster.decode(cyrillic.encode("cp1251"))[1:] == ("cp1251", False)
    assert roster.decode(cyrillic.encode("koi8_r"))[1:] == ("koi8_r", False)
    assert roster.decode("Әсел;a@example.kz\n".encode())[1:] == ("utf-8", True)
    assert roster.decode(b"Ivan Petrov;i@example.kz\n")[1:] == ("utf-8", True)


def test_roster_names_and_emails_go_through_the_sites_normalisers(app, make_user):
    existing = make_user(email="asel@example.kz")
    data = (
        "Әсел \u202eавоуелөТ;new@example.kz;\n"  # a right-to-left override, refused as on sign-up
        "Ａｓｅｌ Töleuova;ａｓｅｌ@example.kz;\n"  # full-width: the existing account, folded
    ).encode("utf-8")
    preview = roster.parse_roster(data)
    assert _errors(preview) == {1: ["The name contains invisible control characters."]}
    folded = preview.lines[1]
    assert (folded.full_name, folded.email) == ("Asel Töleuova", "asel@example.kz")
    assert folded.existing_user_id == existing.id
