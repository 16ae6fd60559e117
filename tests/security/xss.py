"""Hostile text in every field a user controls that the site shows, and how to tell from a
page (or an e-mail) that any of it became markup rather than text.

``plant()`` writes the payloads into the demo. Plain-text fields are written straight into
the database, so the test checks output encoding itself and not only the input cleaning in
front of it; Markdown fields go through the services, as they render and sanitise on save.
"""

from __future__ import annotations

import json
import re

from bs4 import BeautifulSoup
from sqlalchemy import select

from assessments.models import Assessment, Rubric
from courses import authoring, editions
from courses.models import Course
from lms import content_translations as ct
from lms.extensions import db
from lms.markdown_rendering import render_markdown
from lms.models import User
from quizzes import regrade
from quizzes.models import AttemptQuestion, Question, QuestionVersion, Quiz
from seminars.models import Seminar, SeminarSession

# Each at most 80 characters (the shortest column written, a display name).
PAYLOADS = [
    "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>q{{7*7}}q",
    '"><svg/onload=alert(3)>\'><iframe srcdoc="<script>alert(4)</script>">',
    "javascript:alert(5)//</textarea></title><script>alert(6)</script>",
    'q{{7*7}}q{% raw %}${7*7}<a href="javascript:alert(7)">x</a>',
]

MARKDOWN = "\n\n".join(
    [
        "[click me](javascript:alert(11)) and [data](data:text/html;base64,PHNjcmlwdD4=)",
        '![pic](javascript:alert(12)) ![pic2](x" onerror="alert(13))',
        "<script>alert(14)</script> <img src=x onerror=alert(15)> <svg onload=alert(16)>",
        '<a href="javascript:alert(17)">raw link</a> <iframe src="javascript:alert(18)">',
        "[ref][1] q{{7*7}}q\n\n[1]: javascript:alert(19)",
        "<details open ontoggle=alert(20)>x</details> <style>body{display:none}</style>",
    ]
)

TEMPLATE_RESULT = "q49q"  # what ``q{{7*7}}q`` would become if a template evaluated it
_URL_ATTRIBUTES = ("href", "src", "action", "formaction", "data", "xlink:href", "poster")
_UNSAFE_SCHEMES = re.compile(r"^\s*(javascript|vbscript|data:text/html)", re.IGNORECASE)


def findings(html: str) -> list[str]:
    """What in ``html`` came from a payload as markup: scripts, event handlers, script URLs,
    unsandboxed frames (and what a frame's ``srcdoc`` holds), or an evaluated template
    expression. The site's own ``<details>``, ``<svg>`` charts and QR codes are markup it
    makes; an event handler on any of them is still found."""
    soup = BeautifulSoup(html, "html.parser")
    found = []
    for element in soup.find_all(True):
        if element.name == "script" and "alert(" in element.get_text():
            found.append(f"<script> {element.get_text()[:60]!r}")
        if element.name in ("object", "embed", "base"):
            found.append(f"<{element.name}> {str(element)[:80]!r}")
        if element.name == "svg" and element.find("script"):
            found.append(f"<svg> with a script {str(element)[:80]!r}")
        if element.name == "iframe":
            # The site frames only e-mails for administrators, sandboxed with no permission.
            if element.get("sandbox") not in ("", []):
                found.append(f"<iframe> not fully sandboxed {str(element)[:80]!r}")
            found += [f"in a frame: {inner}" for inner in findings(element.get("srcdoc", ""))]
        if element.name == "style" and "display:none" in element.get_text():
            found.append("<style> from a payload")
        for name, value in element.attrs.items():
            value = " ".join(value) if isinstance(value, list) else str(value)
            if name.lower().startswith("on"):
                found.append(f"<{element.name} {name}={value[:40]!r}>")
            if name.lower() in _URL_ATTRIBUTES and _UNSAFE_SCHEMES.match(value):
                found.append(f"<{element.name} {name}={value[:40]!r}>")
    if TEMPLATE_RESULT in html:
        found.append("template expression evaluated")
    return found


def _payload(number: int) -> str:
    return PAYLOADS[number % len(PAYLOADS)]


def _by_email(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def plant() -> dict[str, str]:
    """Put the payloads into the demo; returns what was planted where (field -> payload)."""
    planted: dict[str, str] = {}

    def put(obj, field: str, number: int) -> None:
        value = _payload(number)
        setattr(obj, field, value)
        planted[f"{type(obj).__name__}.{field}#{getattr(obj, 'id', '')}"] = value

    for number, email in enumerate(["asel@example.kz", "ulan@example.kz", "maria@example.kz"]):
        user = _by_email(email)
        put(user, "display_name", number)
        put(user, "full_name", number + 1)
    trainer = _by_email("aigerim.trainer@example.kz")
    put(trainer, "full_name", 2)
    for number, course in enumerate(db.session.scalars(select(Course)).all()):
        put(course, "title", number)
        put(course, "summary", number + 1)
        for module in course.modules[:1]:
            authoring.update_module(
                module, trainer, title=_payload(number + 2)[:200], slug=module.slug,
                source=MARKDOWN + "\n\n" + module.source,
            )  # fmt: skip
            planted[f"Module.source#{module.id}"] = MARKDOWN
        if course.is_published:  # trainees see the text once it is the next edition
            editions.publish_edition(course)
    for number, seminar in enumerate(db.session.scalars(select(Seminar)).all()):
        put(seminar, "title", number)
        put(seminar, "venue", number + 1)
        put(seminar, "description", number + 2)
    for number, session in enumerate(db.session.scalars(select(SeminarSession)).all()):
        put(session, "topic", number)
    for number, quiz in enumerate(db.session.scalars(select(Quiz)).all()):
        put(quiz, "title", number)
        quiz.instructions_html = render_markdown(MARKDOWN).html
    rendered = render_markdown(MARKDOWN).html
    for version in db.session.scalars(select(QuestionVersion)).all():
        version.stem_source = version.feedback_source = MARKDOWN
        version.stem_html = version.feedback_html = rendered
    for number, rubric in enumerate(db.session.scalars(select(Rubric)).all()):
        put(rubric, "title", number)
    for number, assessment in enumerate(db.session.scalars(select(Assessment)).all()):
        put(assessment, "notes", number)
    essays = db.session.scalars(
        select(AttemptQuestion)
        .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.question_version_id)
        .join(Question, Question.id == QuestionVersion.question_id)
        .where(Question.type == "free_text", AttemptQuestion.answer_json.is_not(None))
    ).all()
    for essay in essays:
        essay.answer_json = json.dumps(_hostile(json.loads(essay.answer_json)))
    planted["AttemptQuestion.answer_json (essays)"] = str(len(essays))
    mirror_translations()
    db.session.commit()
    question = db.session.scalar(select(Question).order_by(Question.id))
    regrade.withdraw(question, _payload(0), trainer)
    planted[f"QuestionEvent.reason (withdrawn question {question.id})"] = _payload(0)
    db.session.commit()
    return planted


def mirror_translations() -> None:
    """Translations are fields a user controls too (lms.content_translations): each one-line
    or plain-text translation takes its original's (hostile) text, so readers in every
    language meet the payload where they would have met the original. The caller commits."""
    for row in db.session.scalars(select(ct.ContentTranslation)).all():
        kind = ct.kinds().get(row.kind)
        field = next((f for f in kind.fields if f.name == row.field), None) if kind else None
        obj = db.session.get(kind.model, row.object_id) if field and not field.markdown else None
        if obj is not None and getattr(obj, row.field):
            row.text = getattr(obj, row.field)


def _hostile(value):
    if isinstance(value, str):
        return _payload(1)
    if isinstance(value, list):
        return [_hostile(item) for item in value]
    if isinstance(value, dict):
        return {key: _hostile(item) for key, item in value.items()}
    return value
