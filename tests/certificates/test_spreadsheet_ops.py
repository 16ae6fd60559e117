"""Certificates from a spreadsheet, as services: reading CSV and XLSX (encodings, delimiters,
headers in three languages, hostile files), the dry run writing nothing, applying all or
nothing, running the same file again, a plan that changed since the dry run, permissions, and
result files without formulas."""

from __future__ import annotations

import hashlib
import io
import zipfile
from types import SimpleNamespace

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select, update

from certificates import lifecycle, spreadsheet_io, spreadsheet_ops
from certificates.models import Certificate, CertificateEvent
from lms import file_storage
from lms.downloads import csv_text, xlsx_bytes
from lms.extensions import db
from lms.models import AuditEvent
from lms.service_error import ServiceError

from .factories import complete
from .sheets import (
    assert_no_formula_in_csv,
    assert_no_formula_in_xlsx,
    csv_bytes,
    read_csv,
    read_xlsx,
    row,
)
from .sheets import xlsx_bytes as workbook


@pytest.fixture
def world(make_qualification, make_course, make_user, trainer, issue_to):
    """A trainer's course and its qualification (one per holder, no seminar); two trainees who
    completed it, one not yet; a certificate already held by the first."""
    course = make_course("Mediation law", modules=1)
    qualification = make_qualification(kind="qualification", course_ids=[course.id])
    ready, fresh, unready = (make_user(email=f"{n}@example.kz") for n in ("ready", "fresh", "lazy"))
    for person in (ready, fresh):
        complete(person, course)
    held = issue_to(qualification, ready)
    return SimpleNamespace(
        qualification=qualification, ready=ready, fresh=fresh, unready=unready, held=held
    )


def counts() -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count()).select_from(Certificate)),
        db.session.scalar(select(func.count()).select_from(CertificateEvent)),
    )


def planned(data: bytes, by, name: str = "file.csv"):
    sheet = spreadsheet_io.read_sheet(data, name)
    return spreadsheet_ops.plan(sheet, hashlib.sha256(data).hexdigest(), by)


def outcomes(plan) -> list[tuple[str, str]]:
    return [(line.outcome, line.message) for line in plan.rows]


# --- reading ---------------------------------------------------------------------------------


def test_csv_with_bom_semicolons_and_russian_headers(app, world, trainer):
    header = ["Действие", "E-mail держателя", "Квалификация", "Причина"]
    data = csv_bytes(
        [["выдать", world.fresh.email, world.qualification.slug, "группа 3"]],
        header=header,
        delimiter=";",
        bom=True,
    )
    plan = planned(data, trainer)
    assert [(line.action, line.outcome, line.message) for line in plan.rows] == [
        ("issue", "issue", "")
    ]
    assert plan.rows[0].holder.id == world.fresh.id and plan.rows[0].reason == "группа 3"


def test_csv_in_windows_1251_is_read(app, world, trainer):
    header = ["Действие", "Электронная почта", "Квалификация", "ФИО"]
    data = csv_bytes(
        [["Выдать", world.fresh.email, world.qualification.slug, "Иванова Мария Петровна"]],
        header=header,
        delimiter=";",
        encoding="cp1251",
    )
    plan = planned(data, trainer)
    assert plan.rows[0].cells["name"] == "Иванова Мария Петровна"
    assert plan.rows[0].outcome == "issue"


def test_kazakh_headers_and_actions_of_the_template(app, world, trainer):
    with force_locale("kk"):
        header = spreadsheet_io.template_rows()[0]
        issue_word = spreadsheet_io.action_labels()["issue"]
    assert header[0] != "Action" and issue_word != "issue"  # translated
    line = row(issue_word, email=world.fresh.email, qualification=world.qualification.slug)
    plan = planned(csv_bytes([line], header=header), trainer)
    assert plan.rows[0].outcome == "issue"


def test_xlsx_is_read_and_a_formula_is_never_evaluated(app, world, trainer):
    lines = [
        row("issue", email=world.fresh.email, qualification=world.qualification.slug),
        row("issue", email="placeholder", qualification=world.qualification.slug),
    ]
    # A formula cell (no value saved by a spreadsheet program) reads as empty, never run.
    data = workbook(lines, formulas={"C3": '=HYPERLINK("http://evil.example","x")'})
    plan = planned(data, trainer, "file.xlsx")
    assert plan.rows[0].outcome == "issue"
    assert plan.rows[1].cells["email"] == "" and plan.rows[1].outcome == "error"


def test_a_text_starting_with_equals_is_data(app, world, trainer):
    data = csv_bytes(
        [row("issue", email="=cmd|' /C calc'!A0", qualification=world.qualification.slug)]
    )
    plan = planned(data, trainer)
    assert plan.rows[0].cells["email"].startswith("=") and plan.rows[0].outcome == "error"


def _zip(files: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


HOSTILE = {
    "png": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "photo.csv"),
    "pdf_named_xlsx": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "file.xlsx"),
    "xlsm_name": (b"PK\x03\x04whatever", "macros.xlsm"),
    "vba_inside": (
        _zip(
            {"xl/workbook.xml": "<workbook/>", "xl/vbaProject.bin": "MZ", "[Content_Types].xml": ""}
        ),
        "file.xlsx",
    ),
    "broken_xlsx": (_zip({"xl/workbook.xml": "<not really", "[Content_Types].xml": ""}), "f.xlsx"),
    "zip_not_xlsx": (_zip({"readme.txt": "hello"}), "file.zip"),
    "old_xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "file.xls"),
    "html": (b"<!DOCTYPE html><html><body><table><tr><td>Action</td></tr></table>", "f.xls"),
    "html_csv": (b"<html><body><script>alert(1)</script>", "f.csv"),
    "utf16": ("Action\r\nissue\r\n".encode("utf-16"), "f.csv"),
    "huge": (b"Action\n" + b"issue\n" * (2 * 1024 * 1024 // 6 + 10), "big.csv"),
    "too_many_rows": (b"Action\n" + b"issue\n" * 5001, "rows.csv"),
    "empty": (b"  \n", "e.csv"),
    "header_only": (b"Action,Holder e-mail\n", "h.csv"),
    "unknown_column": (b"Action,Salary\nissue,100\n", "u.csv"),
    "no_action_column": (b"Holder e-mail\nx@example.kz\n", "n.csv"),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_what_is_not_a_usable_spreadsheet_is_refused_in_words(app, kind):
    data, name = HOSTILE[kind]
    with pytest.raises(ServiceError) as refused:
        spreadsheet_io.read_sheet(data, name)
    assert refused.value.field == "file" and str(refused.value.message)


def test_five_thousand_rows_are_read(app):
    sheet = spreadsheet_io.read_sheet(b"Action\n" + b"revoke\n" * 5000, "rows.csv")
    assert len(sheet.rows) == 5000 and sheet.rows[-1].line == 5001


# --- the dry run --------------------------------------------------------------------------------


def test_the_dry_run_shows_every_outcome_and_writes_nothing(
    app, world, trainer, make_qualification
):
    before = counts()
    data = csv_bytes(
        [
            row("issue", email=world.fresh.email, qualification=world.qualification.slug),
            row("issue", email=world.ready.email, qualification=world.qualification.slug),
            row("issue", email="nobody@example.kz", qualification=world.qualification.slug),
            row("issue", email=world.unready.email, qualification=world.qualification.slug),
            row("issue", email=world.fresh.email, qualification=world.qualification.slug),
            row("issue", email=world.fresh.email, qualification="no-such-slug"),
            row("reissue", number=world.held.number, name="Әсел Төлеуқызы"),
            row("revoke", number="KZM-0000-0000-0000-0000-0", reason="x", code="issued_in_error"),
            row("fly", email=world.fresh.email),
        ]
    )
    plan = planned(data, trainer)
    assert counts() == before
    got = [line.outcome for line in plan.rows]
    assert got == ["issue", "skip", "error", "error", "error", "error", "error", "error", "error"]
    messages = [line.message for line in plan.rows]
    assert world.held.number in messages[1]
    assert "No active account" in messages[2]
    assert messages[3].startswith("Not eligible:") and "Mediation law" in messages[3]
    assert "row 2" in messages[4]  # the duplicate names the first
    assert "slug" in messages[5]
    assert "reason" in messages[6].lower()  # a reissue needs a reason
    assert "typo" in messages[7] or "No certificate" in messages[7]
    assert "issue, reissue or revoke" in messages[8]


# --- apply ---------------------------------------------------------------------------------------


def _mixed_file(world) -> bytes:
    return csv_bytes(
        [
            row(
                "issue",
                email=world.fresh.email,
                qualification=world.qualification.slug,
                reason="batch 7",
            ),
            row(
                "reissue",
                number=world.held.number,
                name="Асель Толеуова",
                reason="typo in the name",
            ),
        ]
    )


def test_apply_makes_every_change_then_the_same_file_changes_nothing(app, world, trainer):
    data = _mixed_file(world)
    plan = planned(data, trainer)
    done = spreadsheet_ops.apply_file(
        spreadsheet_io.read_sheet(data, "f.csv"), plan.sha256, trainer, plan.fingerprint()
    )
    assert [line.outcome for line in done.rows] == ["issued", "reissued"]
    logged = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.actor_id == trainer.id).order_by(AuditEvent.id)
    ).all()
    assert sorted(logged[-2:]) == ["certificate.issued", "certificate.reissued"]
    db.session.expire_all()
    assert db.session.get(Certificate, world.held.id).status == "superseded"
    new = db.session.scalar(
        select(Certificate).where(Certificate.number == done.rows[1].new_number)
    )
    assert new.facts["holder"] == "Асель Толеуова" and new.replaces_id == world.held.id
    assert (
        db.session.scalar(
            select(Certificate).where(Certificate.number == done.rows[0].new_number)
        ).holder_id
        == world.fresh.id
    )
    after = counts()

    again = planned(data, trainer)
    assert [line.outcome for line in again.rows] == ["skip", "skip"]
    spreadsheet_ops.apply(again, trainer)
    assert counts() == after


def test_one_bad_row_and_nothing_is_applied(app, world, trainer):
    before = counts()
    data = (
        _mixed_file(world)
        + f"issue,,{world.unready.email},{world.qualification.slug},,,,,\n".encode()
    )
    plan = planned(data, trainer)
    with pytest.raises(ServiceError):
        spreadsheet_ops.apply(plan, trainer)
    assert counts() == before


def test_a_row_failing_while_applying_leaves_nothing_not_even_pdfs(app, world, trainer):
    data = _mixed_file(world) + f"revoke,{world.held.number},,,,,dup,issued_in_error,\n".encode()
    plan = planned(data, trainer)
    assert plan.rows[2].outcome == "error"  # the same certificate twice: caught in the dry run
    data = _mixed_file(world)
    plan = planned(data, trainer)
    before, pdfs = counts(), set(file_storage.backend().names())
    # Another trainer revokes the certificate between the dry run and "Apply".
    # (on a connection of its own: this session still holds the certificate as valid)
    with db.engine.begin() as other:
        other.execute(
            update(Certificate).where(Certificate.id == world.held.id).values(status="revoked")
        )
    before = counts()
    with pytest.raises(ServiceError) as refused:
        spreadsheet_ops.apply(plan, trainer)
    message = str(refused.value.message)
    assert message.startswith("Row 3:") and "revoked" in message
    assert message.endswith("Nothing was changed.")
    assert counts() == before
    assert set(file_storage.backend().names()) == pdfs  # the issued row's PDF was discarded
    db.session.expire_all()
    assert (
        db.session.scalar(select(func.count()).where(Certificate.holder_id == world.fresh.id)) == 0
    )


def test_apply_is_refused_when_anything_changed_since_the_dry_run(app, world, trainer):
    data = _mixed_file(world)
    plan = planned(data, trainer)
    lifecycle.revoke(world.held, "issued_in_error", trainer, note="meanwhile")
    before = counts()
    with pytest.raises(spreadsheet_ops.PlanChanged) as changed:
        spreadsheet_ops.apply_file(
            spreadsheet_io.read_sheet(data, "f.csv"), plan.sha256, trainer, plan.fingerprint()
        )
    assert changed.value.plan.rows[1].outcome == "error"
    assert counts() == before


def test_revoke_then_revoke_again_is_already_done(app, world, trainer):
    line = row("revoke", number=world.held.number, reason="complaint", code="ethics_breach")
    line[-1] = "See the decision of 1 May"
    data = csv_bytes([line])
    spreadsheet_ops.apply(planned(data, trainer), trainer)
    db.session.expire_all()
    revoked = db.session.get(Certificate, world.held.id)
    assert (revoked.status, revoked.status_reason_code) == ("revoked", "ethics_breach")
    assert revoked.status_public_note == "See the decision of 1 May"
    assert outcomes(planned(data, trainer)) == [("skip", "Already revoked.")]


# --- permissions ------------------------------------------------------------------------------


def test_a_trainer_acts_only_on_what_they_manage(app, world, make_user):
    other = make_user("trainer")
    plan = planned(_mixed_file(world), other)
    assert [line.outcome for line in plan.rows] == ["error", "error"]
    assert all("do not manage" in line.message for line in plan.rows)
    admin = make_user("admin")
    assert [line.outcome for line in planned(_mixed_file(world), admin).rows] == [
        "issue",
        "reissue",
    ]


# --- files the site writes -----------------------------------------------------------------------


HOSTILE_CELLS = ["=1+1", "+7 701", "-2", "@SUM(A1)", "\t=x", "\r=x", " =1", "＝1", "plain"]


def test_csv_and_xlsx_the_site_writes_hold_no_formula(app):
    rows = [["header"], HOSTILE_CELLS, [5, 1.5, None, True]]
    assert_no_formula_in_csv(read_csv(csv_text(rows).encode()))
    cells = read_xlsx(xlsx_bytes(rows))
    assert_no_formula_in_xlsx(cells)
    assert [cell.value for cell in cells[1]] == HOSTILE_CELLS
    assert cells[2][0].value == 5 and cells[2][0].data_type == "n"


def test_the_result_file_keeps_every_row_and_no_formula(app, world, trainer):
    slug = world.qualification.slug
    data = csv_bytes(
        [
            row("issue", email=world.fresh.email, qualification=slug, reason="=2+2"),
            row("issue", email='=HYPERLINK("http://evil")', qualification="@x", note="-1"),
        ]
    )
    plan = planned(data, trainer)
    rows = spreadsheet_io.result_rows(plan)
    assert len(rows) == 3 and rows[1][0] == 2
    assert_no_formula_in_csv(read_csv(csv_text(rows).encode()))
    assert_no_formula_in_xlsx(read_xlsx(xlsx_bytes(rows)))


def test_the_dry_run_reads_as_much_for_many_rows_as_for_few(
    app, world, trainer, make_user, issue_to, count_queries
):
    people = [make_user() for _ in range(6)]
    course = world.qualification.courses[0]
    for person in people:
        complete(person, course)
    revocable = [issue_to(world.qualification, person) for person in people[3:]]

    def statements(issued, revoked) -> int:
        lines = [
            row("issue", email=p.email, qualification=world.qualification.slug) for p in issued
        ]
        lines += [row("revoke", number=c.number, reason="r", code="other") for c in revoked]
        data = csv_bytes(lines)
        db.session.expire_all()
        with count_queries() as counted:
            plan = planned(data, trainer)
        assert {line.outcome for line in plan.rows} == {"issue", "revoke"}
        return counted.n

    assert statements(people[:1], revocable[:1]) == statements(people[:3], revocable)
