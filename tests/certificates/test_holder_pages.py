"""The trainee's "My certificates" page: checklists, the declaration, claiming, own PDFs."""

from __future__ import annotations

import hashlib
import html
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from certificates import issuance, lifecycle
from certificates.models import Certificate, EthicsDeclaration
from lms.database import utcnow
from lms.downloads import portable_filename
from lms.extensions import db
from seminars import attendance, authoring, registration

DECLARATION = "I will mediate only with the voluntary consent of the parties.\nI will be impartial."


def page_text(response) -> str:
    """The page as a reader hears it: tags removed, entities decoded, spaces collapsed."""
    body = response.get_data(as_text=True)
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def certificate_count() -> int:
    return db.session.scalar(select(func.count(Certificate.id)))


@pytest.fixture
def seminar_with(make_course, trainer):
    """A seminar of two 4-hour sessions; ``attended`` people were present at the first
    ``sessions`` of them, signed off."""

    def factory(attended=(), *, sessions: int = 1, title: str = "Basic training"):
        course = make_course(f"Course for {title}")
        seminar = authoring.create_seminar(
            course, [trainer], title=title, capacity=10, language="ru", venue="Astana"
        )
        start = utcnow().replace(microsecond=0) - timedelta(days=5)
        for number in range(2):
            authoring.add_session(
                seminar,
                starts_at=start + timedelta(days=number),
                ends_at=start + timedelta(days=number, hours=3),
                topic=f"Day {number + 1}",
                academic_hours=Decimal("4"),
                trainer=trainer,
            )
        for person in attended:
            registration.add_participant(seminar, person)
        db.session.refresh(seminar)
        for session in seminar.sessions[:sessions]:
            attendance.save_sheet(session, {p.id: ("present", "") for p in attended}, trainer)
            attendance.sign_off(session, trainer)
        db.session.refresh(seminar)
        return seminar

    return factory


def test_the_checklist_says_met_and_not_met_in_words_with_a_mark_and_what_is_left(
    trainee, trainee_client, make_qualification, seminar_with, trainer
):
    from certificates.qualifications import confirm_identity

    qualification = make_qualification(
        min_hours="6", declaration_text=DECLARATION, requires_identity=True
    )
    seminar = seminar_with([trainee], sessions=1)  # 4 of the 6 hours
    confirm_identity(
        trainee,
        legal_name=trainee.full_name,
        date_of_birth=None,
        higher_education=False,
        by=trainer,
    )
    response = trainee_client.get("/certificates/")
    assert response.status_code == 200
    text = page_text(response)
    assert f"Seminar: {seminar.title}" in text
    assert "Not eligible yet: 1 of 3 requirements met." in text
    # Each requirement in plain words with its status, what is missing in numbers and where.
    assert "… Attend 6 academic hours of one seminar in progress" in text
    assert f"“{seminar.title}”: 4 of 6 academic hours attended, 2 to go" in text
    assert "○ Sign the ethics declaration to do Sign the ethics declaration" in text
    assert "✓ Identity confirmed by the training centre done" in text
    body = response.get_data(as_text=True)
    assert f'href="/seminars/{seminar.id}"' in body
    assert f'href="#declaration-{qualification.id}"' in body
    # The declaration is shown in full before the trainee signs it.
    assert "I will mediate only with the voluntary consent of the parties." in text
    assert "I will be impartial." in text
    # A trainer issues this one: no claim button.
    assert "Claim my certificate" not in text


def test_without_a_seminar_the_hours_are_all_left(trainee_client, make_qualification):
    make_qualification(min_hours="36")
    text = page_text(trainee_client.get("/certificates/"))
    assert "36 academic hours to go: register for a seminar" in text


def test_signing_the_declaration_with_a_wrong_name_is_refused_then_the_right_name_meets_it(
    app, trainee, trainee_client, make_qualification
):
    qualification = make_qualification(declaration_text=DECLARATION)
    url = f"/certificates/qualifications/{qualification.id}/declaration"
    field = f"declaration-{qualification.id}-signed_name"
    wrong = trainee_client.post_form(url, {field: "Somebody Else"})
    assert wrong.status_code == 400
    body = wrong.get_data(as_text=True)
    assert f'id="{field}-error"' in body  # the message sits beside the field
    assert "Type your full name exactly as in your profile" in page_text(wrong)
    assert db.session.scalar(select(func.count(EthicsDeclaration.id))) == 0

    typed = "  " + trainee.full_name.upper().replace(" ", "   ") + " "
    right = trainee_client.post_form(url, {field: typed})
    assert right.status_code == 302
    signed = db.session.scalar(select(EthicsDeclaration))
    assert signed.user_id == trainee.id and signed.text == DECLARATION
    text = page_text(trainee_client.get("/certificates/"))
    assert "✓ Sign the ethics declaration done" in text
    assert "Signed on" in text
    assert "Sign the declaration" not in text  # the form is gone once it counts


def test_an_empty_name_and_an_unknown_or_inactive_qualification(trainee_client, make_qualification):
    qualification = make_qualification(declaration_text=DECLARATION)
    url = f"/certificates/qualifications/{qualification.id}/declaration"
    empty = trainee_client.post_form(url, {f"declaration-{qualification.id}-signed_name": ""})
    assert empty.status_code == 400
    assert (
        trainee_client.post_form("/certificates/qualifications/999999/declaration").status_code
        == 404
    )
    retired = make_qualification(declaration_text=DECLARATION, active=False)
    gone = trainee_client.post_form(f"/certificates/qualifications/{retired.id}/declaration")
    assert gone.status_code == 404
    assert db.session.scalar(select(func.count(EthicsDeclaration.id))) == 0


def test_claiming_is_idempotent(trainee, trainee_client, make_qualification):
    qualification = make_qualification(kind="qualification", self_claim=True)
    page = page_text(trainee_client.get("/certificates/"))
    assert "Eligible: every requirement is met." in page and "Claim my certificate" in page
    data = {"qualification": str(qualification.id), "seminar": ""}
    first = trainee_client.post_form("/certificates/claim", data)
    second = trainee_client.post_form("/certificates/claim", data)
    assert first.status_code == second.status_code == 302
    assert certificate_count() == 1
    certificate = db.session.scalar(select(Certificate))
    assert certificate.holder_id == trainee.id and certificate.issued_by_id == trainee.id
    assert certificate.language == trainee.language
    text = page_text(trainee_client.get("/certificates/"))
    assert f"You already hold certificate {certificate.number}" in text  # the second flash
    assert "Claim my certificate" not in text


def test_claiming_needs_self_claim_and_eligibility(trainee_client, make_qualification):
    trainer_issued = make_qualification(kind="qualification", self_claim=False)
    refused = trainee_client.post_form(
        "/certificates/claim", {"qualification": str(trainer_issued.id)}
    )
    assert refused.status_code == 403
    not_ready = make_qualification(
        kind="qualification", self_claim=True, declaration_text=DECLARATION
    )
    early = trainee_client.post_form("/certificates/claim", {"qualification": str(not_ready.id)})
    assert early.status_code == 400
    assert "is not eligible yet: Sign the ethics declaration" in page_text(early)
    assert certificate_count() == 0


def test_claiming_for_a_seminar_counts_only_the_trainees_own_seminar(
    trainee, trainee_client, make_qualification, seminar_with, make_user
):
    qualification = make_qualification(self_claim=True, min_hours="4")
    mine = seminar_with([trainee], sessions=1, title="Mine")
    other = seminar_with([make_user()], sessions=2, title="Someone else's")
    foreign = trainee_client.post_form(
        "/certificates/claim", {"qualification": str(qualification.id), "seminar": str(other.id)}
    )
    assert foreign.status_code == 404
    missing = trainee_client.post_form(
        "/certificates/claim", {"qualification": str(qualification.id), "seminar": ""}
    )
    assert missing.status_code == 404
    assert certificate_count() == 0
    claimed = trainee_client.post_form(
        "/certificates/claim", {"qualification": str(qualification.id), "seminar": str(mine.id)}
    )
    assert claimed.status_code == 302
    certificate = db.session.scalar(select(Certificate))
    assert certificate.seminar_id == mine.id
    assert certificate.facts["seminar"]["title"] == mine.title


@pytest.mark.parametrize(
    "data",
    [
        {"qualification": "abc"},
        {"qualification": ""},
        {"qualification": "1" * 40},
        {"qualification": "-1"},
        {"qualification": "²"},
        {"qualification": "١"},
    ],
)
def test_garbage_claims_are_400_not_500(trainee_client, make_qualification, data):
    make_qualification(self_claim=True)
    assert trainee_client.post_form("/certificates/claim", data).status_code == 400
    assert certificate_count() == 0


def test_a_claim_without_the_csrf_token_is_refused(trainee_client, make_qualification):
    qualification = make_qualification(self_claim=True)
    response = trainee_client.post("/certificates/claim", data={"qualification": qualification.id})
    assert response.status_code == 400
    assert certificate_count() == 0


def test_the_holder_downloads_their_own_pdf_and_nobody_elses(
    app, trainee, trainee_client, make_qualification, issue_to, login, make_user
):
    certificate = issue_to(make_qualification(), trainee)
    response = trainee_client.get(f"/certificates/{certificate.id}/pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    named = f'filename="{portable_filename(certificate.number)}.pdf"'
    assert named in response.headers["Content-Disposition"]
    assert hashlib.sha256(response.data).hexdigest() == certificate.pdf_sha256

    stranger = login(make_user("trainee"))
    assert stranger.get(f"/certificates/{certificate.id}/pdf").status_code == 404
    assert trainee_client.get("/certificates/999999/pdf").status_code == 404
    anonymous = app.test_client().get(f"/certificates/{certificate.id}/pdf")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_the_holder_sees_status_in_words_number_dates_and_a_share_link(
    app, trainee, trainee_client, make_qualification, issue_to, trainer
):
    certificate = issue_to(make_qualification(), trainee)
    lifecycle.suspend(
        certificate,
        "under_review",
        trainer,
        public_note="Pending a decision",
        note="Complaint from Mr Seitkali",
    )
    response = trainee_client.get("/certificates/")
    body = response.get_data(as_text=True)
    text = page_text(response)
    assert certificate.number in text
    assert "! Suspended" in text
    # The holder reads the published reason, not the trainer's internal note.
    assert "A matter concerning the certificate is under review — Pending a decision" in text
    assert "Seitkali" not in text
    share = issuance.verify_url(certificate.number)
    assert share.startswith(app.config["PUBLIC_URL"])
    assert f'value="{share}" readonly' in body  # works without JavaScript
    assert f'href="{share}"' in body
    assert f'data-copy="share-{certificate.number}"' in body and " hidden>" in body
    assert f"/certificates/{certificate.id}/pdf" in body


def test_a_superseded_certificate_is_not_offered_for_sharing(
    trainee, trainee_client, make_qualification, issue_to, trainer
):
    old = issue_to(make_qualification(), trainee)
    new = lifecycle.reissue(old, reason="Name misspelt", by=trainer, name="Әсел Төлеуова")
    body = trainee_client.get("/certificates/").get_data(as_text=True)
    assert f'data-copy="share-{new.number}"' in body
    assert f'data-copy="share-{old.number}"' not in body
    assert "Replaced" in body


def test_the_dashboard_leads_to_my_certificates(trainee_client, make_qualification):
    # The menu has "My certificates" for trainees (issue 20); the card comes with a
    # qualification to earn.
    body = trainee_client.get("/dashboard").get_data(as_text=True)
    assert body.count('href="/certificates/"') == 1 and ">My certificates</a>" in body
    make_qualification()
    body = trainee_client.get("/dashboard").get_data(as_text=True)
    assert body.count('href="/certificates/"') == 2


def test_the_dashboard_shows_progress_and_the_next_step_until_the_certificate_is_held(
    trainee, trainee_client, make_qualification, issue_to, trainer
):
    make_qualification(min_hours=Decimal("8"))
    ready = make_qualification(kind="qualification")  # nothing required
    page = trainee_client.get("/dashboard").get_data(as_text=True)
    assert "Mediation basics 1" in page and "Mediation basics 2" in page
    assert "Not eligible yet: 0 of 1 requirements met." in page
    # What is left in plain words and numbers, linked to where it is done.
    left = (
        '<li><a href="/seminars/">8 academic hours to go: register for a seminar (hours count '
        "within one seminar)</a></li>"
    )
    assert "Still to do:" in page and left in page
    assert "Eligible: every requirement is met." in page
    held = issue_to(ready, trainee)
    page = trainee_client.get("/dashboard").get_data(as_text=True)
    assert "You hold 1 certificate." in page
    # What is held is shown as held, never as progress towards it.
    assert "Mediation basics 2" in page and "Held: valid until" in page
    assert "Eligible: every requirement" not in page
    # A revoked certificate is not held: the card says so (issuing makes no other).
    lifecycle.revoke(held, "issued_in_error", trainer)
    page = trainee_client.get("/dashboard").get_data(as_text=True)
    assert "You hold" not in page and "Held:" not in page and "Mediation basics 2" in page
    assert f"Your certificate {held.number} is revoked." in page
    assert "Still to do:" in page and left in page


def test_the_dashboard_card_reads_courses_and_criteria_only_for_a_qualification_to_earn(
    app, trainee, trainer, make_qualification, make_course, issue_to, count_queries
):
    """Two statements while the user holds every qualification offered (issue 17): their
    current certificates as plain rows (a holder may have dozens) and the qualifications,
    without the courses and criteria that only an eligibility check reads. A trainee with a
    qualification to earn has those read once for every qualification (none one by one)."""
    from certificates.views.holder import dashboard_panel

    from .factories import demo_criteria

    def card(user):
        db.session.expire_all()
        assert user.role  # the signed-in user, read before the card as on the page
        with app.test_request_context(), count_queries() as counted:
            panel = dashboard_panel(user)
        return panel, counted.n

    demo_criteria()
    held = make_qualification(kind="qualification")
    for user in (trainee, trainer):
        number = issue_to(held, user).number
        panel, statements = card(user)
        assert panel["held"] == 1 and [row["held"].number for row in panel["progress"]] == [number]
        assert statements == 2
    course = make_course("Ethics in practice")
    make_qualification(kind="qualification", criterion_codes=["C3-ETH"], course_ids=[course.id])
    make_qualification(kind="qualification", criterion_codes=["C1-LAW"])
    panel, statements = card(trainee)
    assert [(row.get("met"), row.get("total")) for row in panel["progress"][1:]] == [
        (0, 2),
        (0, 1),
    ]
    assert statements == 21


def test_a_certificate_issued_for_a_seminar_is_not_claimed_again_without_one(
    trainee, trainee_client, make_qualification, seminar_with, issue_to
):
    # No hours, no sessions, not attendance: not per seminar.
    qualification = make_qualification(kind="qualification", self_claim=True)
    seminar = seminar_with([trainee])
    held = issue_to(qualification, trainee, seminar)
    text = page_text(trainee_client.get("/certificates/"))
    assert f"Your certificate {held.number}: ✓ Valid" in text
    assert "Claim my certificate" not in text
    again = trainee_client.post_form(
        "/certificates/claim", {"qualification": str(qualification.id)}
    )
    assert again.status_code == 302
    assert certificate_count() == 1


def test_the_declaration_name_goes_through_the_sites_name_normaliser(
    trainee, trainee_client, make_qualification
):
    qualification = make_qualification(declaration_text=DECLARATION)
    url = f"/certificates/qualifications/{qualification.id}/declaration"
    field = f"declaration-{qualification.id}-signed_name"
    hidden = trainee_client.post_form(url, {field: trainee.full_name + "\u200f"})
    assert hidden.status_code == 400
    assert "The name contains invisible control characters." in page_text(hidden)
    assert db.session.scalar(select(func.count(EthicsDeclaration.id))) == 0
    # Full-width letters are the same name (NFKC), as everywhere else on the site.
    full_width = "".join(
        chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in trainee.full_name
    )
    assert full_width != trainee.full_name
    assert trainee_client.post_form(url, {field: full_width}).status_code == 302
    assert db.session.scalar(select(EthicsDeclaration.signed_name)) == trainee.full_name
