"""The demo in three languages (issue 19): every demo seminar, session, rubric, rubric line and
the ethics declaration has its Russian and Kazakh texts, up to date; a Kazakh trainee reads
the Kazakh seminar and signed the Kazakh declaration; a Russian trainee's seminar e-mail
names the seminar in Russian."""

from __future__ import annotations

from sqlalchemy import select

from assessments.models import Rubric
from certificates.demo import CPM_B_SLUG, DECLARATION_TRANSLATIONS
from certificates.models import EthicsDeclaration, Qualification
from lms import content_translations as ct
from lms.demo import DEMO_PASSWORD
from lms.extensions import db
from lms.models import OutboxMessage, User
from seminars.demo import demo_translations
from seminars.models import Seminar


def _complete(objects) -> None:
    coverage = ct.coverage(objects, ("ru", "kk"))
    for locale in ("ru", "kk"):
        assert coverage[locale].total > 0
        assert coverage[locale].complete, (locale, coverage[locale])


def test_every_demo_text_has_russian_and_kazakh(app, seed_demo):
    seed_demo()
    seminars = list(db.session.scalars(select(Seminar)))
    assert {s.title for s in seminars} == set(demo_translations())
    for seminar in seminars:
        _complete([seminar, *seminar.sessions])
    rubrics = list(db.session.scalars(select(Rubric)))
    assert len(rubrics) == 2
    for rubric in rubrics:
        _complete([rubric, *rubric.lines])
    cpm_b = db.session.scalar(select(Qualification).where(Qualification.slug == CPM_B_SLUG))
    _complete([cpm_b])
    assert set(DECLARATION_TRANSLATIONS) == {"ru", "kk"}


def test_a_kazakh_trainee_reads_kazakh_and_signed_the_kazakh_declaration(app, seed_demo, login):
    seed_demo()
    asel = db.session.scalar(select(User).where(User.email == "asel@example.kz"))
    assert asel.language == "kk"
    seminar = db.session.scalar(
        select(Seminar).where(Seminar.title == "Basic training for public mediators (demo)")
    )
    kazakh = ct.text(seminar, "title", "kk")
    assert kazakh != seminar.title
    page = login(asel, DEMO_PASSWORD).get(f"/seminars/{seminar.id}").get_data(as_text=True)
    assert f'<h1 class="h3">{kazakh}</h1>' in page
    signed = db.session.scalar(
        select(EthicsDeclaration).where(EthicsDeclaration.user_id == asel.id)
    )
    cpm_b = db.session.scalar(select(Qualification).where(Qualification.slug == CPM_B_SLUG))
    assert signed.language == "kk"
    assert signed.text == DECLARATION_TRANSLATIONS["kk"].strip()
    assert signed.text == ct.text(cpm_b, "declaration_text", "kk")


def test_a_russian_trainee_got_the_seminar_mail_in_russian(app, seed_demo):
    seed_demo()
    maria = db.session.scalar(select(User).where(User.email == "maria@example.kz"))
    assert maria.language == "ru"
    seminar = db.session.scalar(
        select(Seminar).where(Seminar.title == "Basic training for public mediators (demo)")
    )
    russian = ct.text(seminar, "title", "ru")
    messages = list(
        db.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.to_address == maria.email,
                OutboxMessage.kind == "seminar_registration",
            )
        )
    )
    assert messages, "the demo registration sent no message"
    assert any(russian in m.subject and russian in m.text for m in messages)
