"""Site-wide conventions, checked on every page a visitor can reach by following links.

A crawler walks the site through the HTTP client as a stranger and as each demo role, on
the demo content and on a brand-new, empty site. On every page it reaches:

- no link the visitor is shown is broken for them (no 4xx or 5xx);
- every empty state says what to do next: it holds a link or a button (or, where the
  visitor can do nothing, a sentence marked ``data-next-step`` saying who acts next);
- every form that sends a destructive action asks for confirmation first.

Which POST endpoints are destructive is decided here, once, for every endpoint of the
application: a new endpoint fails ``test_every_post_endpoint_is_classified`` until someone
decides whether it needs a confirmation.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select
from werkzeug.exceptions import MethodNotAllowed, NotFound

from assessments.models import Assessment
from certificates import ce_activities
from certificates.models import Certificate
from courses import authoring, files
from courses.models import Course
from lms import calendar_feed
from lms.database import utcnow
from lms.demo import DEMO_PASSWORD
from lms.extensions import db
from lms.models import User
from quizzes import attempts, bank, quiz_authoring, regrade
from quizzes.models import Question, Quiz
from seminars import authoring as seminar_authoring
from seminars import registration

# Destructive: deletes, removes someone, revokes, cancels, or fixes something for good. The
# value is None when every use of the endpoint is destructive, or the set of values of the
# submit button's ``name=action``/``name=status`` that are.
DESTRUCTIVE: dict[str, frozenset[str] | None] = {
    "account.delete": None,
    "account.new_calendar_feed": None,  # the old calendar address stops working
    "account.revoke_calendar_feed": None,
    "admin.delete_user": None,
    "admin.deactivate": None,
    "manage.delete_file": None,
    "manage.delete_module": None,
    "manage.discard_edition": None,
    "manage.remove_owner": None,
    "manage.restore": None,
    "manage.set_status": frozenset({"draft", "archived"}),
    "manage_seminars.cancel_participant": None,
    "manage_seminars.delete_session": None,
    "manage_seminars.set_status": frozenset({"cancelled", "completed"}),
    "manage_seminars.sign_off": None,
    "manage_certificates.bulk_issue": None,
    "manage_certificates.change": None,
    "my_certificates.withdraw_register_entry": None,  # the entry is gone at once
    "manage_certificates.ce_decide": None,  # approving or rejecting an activity is final
    "manage_certificates.spreadsheet_apply": None,  # issues and revokes for good
    "practical.sign_off": None,
    "regrade.withdraw": None,
    "regrade.reinstate": None,
    "regrade.regrade_attempts": None,
    "seminars.cancel": None,
    "quizzes.save": frozenset({"submit"}),
}

# Not destructive: reversible in one click, or only adds, saves or previews.
NOT_DESTRUCTIVE = {
    # The next edition's page (GET) lists what changes and whom it affects before this POST.
    "manage.publish_edition",
    "manage.keep_module",  # takes back a pending removal
    "account.export",  # a download of one's own data
    "account.cancel_email_change",  # the address stays as it was; asking again is one form
    "account.change_email",
    "account.change_password",
    "account.end_other_sessions",
    "account.notifications",
    "account.profile",
    # Reversible on the preferences page; the GET already asks before this POST.
    "account.unsubscribe",
    "admin.outbox_send_again",
    "account.resend_confirmation",
    "admin.activate",
    "admin.change_email",
    "admin.change_role",
    "admin.create_user",
    "admin.edit_details",
    "admin.reset_link",
    "admin.settings",
    "auth.forgot",
    "manage_certificates.prepare_zip",
    "manage_certificates.spreadsheet_dry_run",  # a dry run: nothing changes
    "auth.login",
    "auth.logout",
    "auth.resend_confirmation",
    "auth.reset_password",
    "auth.signup",
    "courses.complete",
    "courses.enrol",
    "main.set_language",
    "manage.add_owner",
    "manage.edit_course",
    "manage.edit_module",
    "manage.import_course",
    "manage.move_module",
    "manage.new_course",
    "manage.new_module",
    "manage.preview",
    "manage.translate_course",
    "manage.translate_module",
    "manage.upload",
    "manage_certificates.declaration_translations",  # saves translations, as an edit does
    "manage_certificates.edit_qualification",
    "manage_certificates.identity",
    "manage_certificates.new_qualification",
    "manage_certificates.qualification_design",  # the template of new certificates: an edit
    "manage_quizzes.edit_criterion",
    "manage_quizzes.mark",
    "manage_seminars.add_participant",
    "manage_seminars.attendance_sheet",
    "manage_seminars.capacity",
    "manage_seminars.correct",
    "manage_seminars.detail",
    "manage_seminars.edit_session",
    "manage_seminars.new",
    "manage_seminars.new_session",
    "manage_seminars.roster_confirm",
    "manage_seminars.roster_preview",
    "manage_seminars.translations",  # saves translations; a blank one shows the original again
    "my_certificates.claim",
    "my_certificates.save_register_entry",  # lists or edits; withdrawing is one click away
    # The holder's renewal adds the new certificate; the old number stays and points to it.
    "my_certificates.renew",
    "my_certificates.submit_activity",
    "manage_certificates.ce_credits",  # what counts: an edit
    "my_certificates.sign",
    "practical.copy_rubric",
    "practical.edit_rubric",
    "practical.rubric_translations",
    "practical.new_assessment",
    "practical.new_rubric",
    "practical.sheet",
    "quiz_bank.edit_question",
    "quiz_bank.new_question",
    "quiz_bank.set_active",
    "quiz_builder.add_questions",
    "quiz_builder.add_rule",
    "quiz_builder.move_question",
    "quiz_builder.new_quiz",
    "quiz_builder.publish",
    "quiz_builder.remove_question",
    "quiz_builder.remove_rule",
    "quiz_builder.settings",
    "quiz_translations.criterion",  # saves a translation; the original is untouched
    "quiz_translations.question",
    "quiz_translations.quiz",
    "quizzes.autosave",
    "quizzes.start",
    "seminars.check_in",
    "seminars.register",
}

SKIPPED_PATHS = ("/logout", "/static/")
SAME_SHAPE_LIMIT = 3  # pages of one URL shape (ids and numbers aside) visited per crawl
PAGE_LIMIT = 400


@dataclass
class Crawl:
    visited: list[str] = field(default_factory=list)
    broken: list[tuple[str, str, int]] = field(default_factory=list)  # url, linked from, status
    empty_states_without_next_step: list[tuple[str, str]] = field(default_factory=list)
    unconfirmed: list[tuple[str, str]] = field(default_factory=list)
    destructive_seen: set[str] = field(default_factory=set)
    empty_states: int = 0


def _shape(url: str) -> str:
    parts = urlsplit(url)
    path = re.sub(r"\d+", "#", parts.path)
    path = re.sub(r"/verify/[^/]+", "/verify/*", path)
    keys = sorted(pair.split("=")[0] for pair in parts.query.split("&") if pair)
    return path + "?" + "&".join(keys)


def _endpoint(app, action: str) -> str | None:
    path = urlsplit(action).path
    try:
        endpoint, _ = app.url_map.bind("localhost").match(path, method="POST")
    except (NotFound, MethodNotAllowed):
        return None
    return endpoint


def _destructive_values(form) -> set[str]:
    values = {
        button.get("value", "")
        for button in form.select("button[name=action], button[name=status]")
        + form.select("input[type=submit][name=action], input[type=submit][name=status]")
    }
    values |= {field.get("value", "") for field in form.select("input[type=hidden][name=status]")}
    return values


def _check_forms(app, url: str, soup, crawl: Crawl) -> None:
    for form in soup.find_all("form"):
        if form.get("method", "get").lower() != "post":
            continue
        endpoint = _endpoint(app, urljoin(url, form.get("action") or url))
        if endpoint not in DESTRUCTIVE:
            continue
        wanted = DESTRUCTIVE[endpoint]
        if wanted is not None and not (wanted & _destructive_values(form)):
            continue
        crawl.destructive_seen.add(endpoint)
        # The form asks for every button, or else each destructive button asks for itself.
        asks = bool((form.get("data-confirm") or "").strip())
        if wanted is not None and not asks:
            asks = all(
                (button.get("data-confirm") or "").strip()
                for button in form.find_all("button")
                if button.get("value") in wanted
            )
        if not asks:
            crawl.unconfirmed.append((url, endpoint))


def _check_empty_states(url: str, soup, crawl: Crawl) -> None:
    for box in soup.select(".empty-state"):
        crawl.empty_states += 1
        # A link or a button to the next step, or a sentence naming who acts next.
        said = any(element.get_text(strip=True) for element in box.select("[data-next-step]"))
        if not (box.select("a[href], button") or said):
            crawl.empty_states_without_next_step.append((url, box.get_text(" ", strip=True)))


def crawl(app, client, *starts: str) -> Crawl:
    result = Crawl()
    queue = [(start, "") for start in starts]
    seen_urls = set(starts)
    shapes: Counter[str] = Counter()
    while queue and len(result.visited) < PAGE_LIMIT:
        url, referrer = queue.pop(0)
        response = client.get(url)
        result.visited.append(url)
        if response.status_code >= 400:
            result.broken.append((url, referrer, response.status_code))
            continue
        if response.status_code >= 300 or response.mimetype != "text/html":
            continue
        soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
        _check_forms(app, url, soup, result)
        _check_empty_states(url, soup, result)
        for link in soup.select("a[href]"):
            target = urljoin(url, link["href"]).split("#")[0]
            parts = urlsplit(target)
            if parts.netloc not in ("", "localhost") or parts.scheme not in ("", "http"):
                continue
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if not local or local in seen_urls or local.startswith(SKIPPED_PATHS):
                continue
            seen_urls.add(local)
            if shapes[_shape(local)] >= SAME_SHAPE_LIMIT:
                continue
            shapes[_shape(local)] += 1
            queue.append((local, url))
    return result


ROLES = {
    None: "/",
    "asel@example.kz": "/dashboard",
    "ulan@example.kz": "/dashboard",
    "maria@example.kz": "/dashboard",
    "aigerim.trainer@example.kz": "/dashboard",
    "sergey.trainer@example.kz": "/dashboard",
    "admin@example.kz": "/dashboard",
}


@pytest.fixture
def config_overrides():
    return {"VERIFY_LIMIT_PER_IP": "10000 per minute"}


def _client_for(app, email):
    client = app.test_client()
    if email:
        response = client.login(email, DEMO_PASSWORD)
        assert response.status_code == 302, f"demo login failed for {email}"
    return client


def _assert_conventions(results: dict[str | None, Crawl]) -> None:
    def lines(attribute: str) -> list[str]:
        return sorted(
            {
                f"{who or 'stranger'}: {row}"
                for who, r in results.items()
                for row in getattr(r, attribute)
            }
        )

    for attribute, rule in (
        ("broken", "links must not answer with an error for the visitor who sees them"),
        ("empty_states_without_next_step", "empty states must say what to do next (a link)"),
        ("unconfirmed", "destructive forms must ask for confirmation (data-confirm)"),
    ):
        found = lines(attribute)
        assert not found, "\n".join([rule, *found])


@pytest.mark.parametrize("email", list(ROLES), ids=lambda email: email or "stranger")
def test_demo_site_keeps_the_conventions(app, seed_demo, email):
    seed_demo()
    results = {email: crawl(app, _client_for(app, email), ROLES[email])}
    for who, result in results.items():
        assert len(result.visited) > 10, f"the crawl as {who} reached almost nothing"
    _assert_conventions(results)


def _list_in_the_public_register(holder: User, trainer: User) -> None:
    """A certificate of a qualification for ``holder``, listed in the public register of
    mediators, so that "Withdraw and remove my entry" is shown."""
    from certificates import issuance, public_register
    from certificates.qualifications import QualificationData, save_qualification

    qualification = save_qualification(
        QualificationData(
            slug="register-crawl",
            kind="qualification",
            titles={"en": "Mediation basics", "ru": "Основы медиации", "kk": "Медиация негіздері"},
            disclaimers={"en": "Not a state qualification.", "ru": "Не гос.", "kk": "Емес."},
            requires_identity=False,
            validity_months=36,
        )
    )
    certificate, _ = issuance.issue(qualification, holder, None, by=trainer)
    text = public_register.consent_text()
    public_register.save(
        holder,
        certificate,
        public_register.EntryData(region="almaty", languages=["kk"]),
        consent=True,
        shown_digest=public_register.digest(text),
    )


def _show_every_destructive_form() -> list[str]:
    """Add to the demo what it lacks for every destructive form to appear somewhere: a file,
    a second owner, a module revision, an open seminar with a seated trainee and an
    unsigned sheet, a withdrawn and a revised question, a quiz attempt in progress, an entry
    in the public register of mediators.
    Returns the attempt page, the draft assessment's sheet and the two questions' pages."""

    def user(email):
        return db.session.scalar(select(User).where(User.email == email))

    trainer, ulan = user("aigerim.trainer@example.kz"), user("ulan@example.kz")
    course = db.session.scalar(select(Course).where(Course.slug == "mediation-agreements"))
    module = course.modules[0]
    authoring.update_module(
        module, trainer, title=module.title, slug=module.slug, source=module.source + "\n\nMore."
    )
    files.add_file(
        course, kind="image", data=_png(), original_name="diagram.png", uploaded_by=trainer
    )
    authoring.add_owner(course, "sergey.trainer@example.kz")
    calendar_feed.regenerate(trainer)  # so that "Stop the address" is shown
    seminar = seminar_authoring.create_seminar(
        course, [trainer], title="Spring seminar", capacity=5
    )
    start = utcnow().replace(microsecond=0) - timedelta(hours=2)
    seminar_authoring.add_session(
        seminar,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        topic="Day 1",
        academic_hours=Decimal("1"),
        trainer=trainer,
    )
    seminar_authoring.add_session(
        seminar,
        starts_at=start + timedelta(days=9),
        ends_at=start + timedelta(days=9, hours=1),
        topic="Day 2",
        academic_hours=Decimal("1"),
        trainer=trainer,
    )
    seminar_authoring.set_status(seminar, "open")
    registration.register(seminar, ulan)
    _list_in_the_public_register(ulan, trainer)
    questions = db.session.scalars(
        select(Question).where(Question.course_id == course.id).order_by(Question.id)
    ).all()
    regrade.withdraw(questions[0], "Its key was wrong.", trainer)
    current = questions[1].current
    bank.revise_question(
        questions[1],
        author=trainer,
        stem=current.stem_source,
        definition=json.loads(current.definition_json),
        points=current.points,
        difficulty=current.difficulty,
        feedback=current.feedback_source + " Reworded.",
        source=current.source_reference,
        fact_tag=current.fact_tag,
        verified_on=current.verified_on,
        possibly_amended=current.possibly_amended,
    )
    quiz = db.session.scalar(select(Quiz).where(Quiz.course_id == course.id).order_by(Quiz.id))
    attempt = attempts.start(quiz, ulan)
    draft = db.session.scalar(select(Assessment).where(Assessment.status == "draft"))
    bank_pages = [f"/manage/quizzes/bank/{question.id}" for question in questions[:2]]
    # A continuing-education activity waiting for review (issue 21), on Asel's certificate.
    asel = user("asel@example.kz")
    held = db.session.scalar(select(Certificate).where(Certificate.holder_id == asel.id))
    ce_activities.submit(
        held, asel, ce_activities.ActivityData("Conference", "Chamber", held.issued_on, "4"),
        _png(), "scan.png", today=held.issued_on,
    )  # fmt: skip
    return f"/quizzes/attempts/{attempt.id}", f"/manage/assessments/{draft.id}", bank_pages


def _score_every_line(client, sheet: str) -> str:
    """Give every line of a draft assessment its top score through the sheet's form and ask
    for the sign-off page, as a trainer would; returns that page's address."""
    page = BeautifulSoup(client.get(sheet).get_data(as_text=True), "html.parser")
    form = next(form for form in page.find_all("form") if form.select("input[type=radio]"))
    data: dict[str, str] = {}
    for radio in form.select("input[type=radio]"):
        data[radio["name"]] = max(data.get(radio["name"], ""), radio["value"])
    for box in form.select("input[type=checkbox]"):
        if box["name"] != "breach":
            data[box["name"]] = box.get("value", "y")
    data["csrf_token"] = form.find("input", attrs={"name": "csrf_token"})["value"]
    data["action"] = "review"
    response = client.post(sheet, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return urlsplit(response.headers["Location"]).path


def _png() -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def _dry_run_with_a_change(client) -> str:
    """The dry run of a file revoking one of the trainer's demo certificates (nothing changes
    before "Apply", whose form is then met)."""
    from io import BytesIO

    from certificates.models import Certificate
    from certificates.spreadsheet_plan import may_change

    trainer = db.session.scalar(select(User).where(User.email == "aigerim.trainer@example.kz"))
    certificate = next(
        certificate
        for certificate in db.session.scalars(
            select(Certificate).where(Certificate.status == "valid").order_by(Certificate.id)
        )
        if may_change(trainer, certificate)
    )
    data = f"Action,Certificate number,Reason,Reason code\nrevoke,{certificate.number},test,other\n"
    response = client.post_form(
        "/manage/certificates/spreadsheet", {"file": (BytesIO(data.encode()), "changes.csv")}
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    parts = urlsplit(response.headers["Location"])
    return f"{parts.path}?{parts.query}"


def test_every_destructive_form_asks_first(app, seed_demo):
    seed_demo()
    attempt_page, sheet, bank_pages = _show_every_destructive_form()
    trainer = _client_for(app, "aigerim.trainer@example.kz")
    sign_off_page = _score_every_line(trainer, sheet)
    dry_run = _dry_run_with_a_change(trainer)
    results = {
        "aigerim.trainer@example.kz": crawl(
            app, trainer, "/dashboard", sign_off_page, dry_run, *bank_pages
        ),
        "ulan@example.kz": crawl(
            app,
            _client_for(app, "ulan@example.kz"),
            "/dashboard",
            attempt_page,
            f"{attempt_page}/summary",  # hand-in is on the summary
        ),
        "admin@example.kz": crawl(app, _client_for(app, "admin@example.kz"), "/dashboard"),
    }
    _assert_conventions(results)
    seen = set().union(*(r.destructive_seen for r in results.values()))
    # Every destructive form was met, so the confirmation check covered each of them.
    assert set(DESTRUCTIVE) - seen == set()


def test_an_empty_site_says_what_to_do_next_everywhere(app, make_user):
    people = {
        "trainee": make_user("trainee", email="new.trainee@example.kz", password=DEMO_PASSWORD),
        "trainer": make_user("trainer", email="new.trainer@example.kz", password=DEMO_PASSWORD),
        "admin": make_user("admin", email="new.admin@example.kz", password=DEMO_PASSWORD),
    }
    # The trainer's first steps: a draft course with a module, a quiz with no questions and a
    # seminar with no sessions, so the pages of each empty thing are met too.
    course = authoring.create_course(people["trainer"], title="First course", summary="")
    authoring.create_module(course, people["trainer"], title="Welcome", source="Hello.")
    quiz_authoring.create_quiz(course, title="First quiz")
    seminar_authoring.create_seminar(course, [people["trainer"]], title="First seminar", capacity=5)
    results = {None: crawl(app, app.test_client(), "/")}
    for user in people.values():
        results[user.email] = crawl(app, _client_for(app, user.email), "/dashboard")
    _assert_conventions(results)
    counted = {who: r.empty_states for who, r in results.items()}
    # Each signed-in role meets several empty states on a new site: the check had work.
    assert all(counted[user.email] >= 3 for user in people.values()), counted


def test_every_empty_state_in_the_templates_names_a_next_step():
    """The same rule read in the templates, for empty states no crawl happens to meet."""
    root = Path(__file__).resolve().parents[1]
    bare = []
    for path in sorted(root.glob("*/templates/**/*.html")):
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        for box in soup.select(".empty-state"):
            if not box.select("a[href], button, [data-next-step]"):
                bare.append(f"{path.relative_to(root)}: {box.get_text(' ', strip=True)[:80]}")
    assert not bare, "\n".join(["empty states without a next step:", *bare])


def test_every_post_endpoint_is_classified(app):
    posting = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "POST" in (rule.methods or ()) and not rule.endpoint.startswith("static")
    }
    unclassified = posting - set(DESTRUCTIVE) - NOT_DESTRUCTIVE
    assert unclassified == set(), "decide whether these need a confirmation"
    assert posting >= set(DESTRUCTIVE) | NOT_DESTRUCTIVE, "stale names"


def test_the_crawler_notices_a_missing_confirmation_and_a_bare_empty_state(app):
    """The checks themselves: a destructive form without data-confirm and an empty state
    without a next step are both reported."""
    soup = BeautifulSoup(
        '<form method="post" action="/manage/courses/x/modules/3/delete"><button>Delete</button>'
        '</form><div class="empty-state"><p>Nothing here.</p></div>'
        '<form method="post" action="/manage/courses/x/status">'
        '<button name="status" value="published">Publish</button></form>'
        '<form method="post" action="/manage/seminars/4/status">'
        '<button name="status" value="cancelled" data-confirm="Cancel?">Cancel</button>'
        '<button name="status" value="completed">Mark completed</button></form>',
        "html.parser",
    )
    result = Crawl()
    _check_forms(app, "/page", soup, result)
    _check_empty_states("/page", soup, result)
    assert result.unconfirmed == [
        ("/page", "manage.delete_module"),
        ("/page", "manage_seminars.set_status"),
    ]
    assert result.empty_states_without_next_step == [("/page", "Nothing here.")]
