"""Demo rubrics and assessments for `flask seed-demo`, after qualification-criteria.md.

A role-play rubric for the course the demo seminar delivers (process, ethics, communication and
negotiation lines; ethics lines need at least 3) and a drafting-task rubric for the drafting
course (the settlement agreement's required contents as a checklist, plus quality lines). One
trainee's role-play is signed off, another's is a draft. Running it again changes nothing.
The ten-day demo programme (``seminars.demo.GENERAL_SESSIONS``) names these two rubrics as
the ones its role-plays, drafting workshop and assessment sessions lead to.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy import select

from assessments.lifecycle import sign_off, start_assessment
from assessments.models import Assessment, LineKind, Rubric
from assessments.rubrics import LineSpec, create_rubric
from assessments.scoring import save_sheet
from courses.models import Course
from lms import content_translations as ct
from lms.extensions import db
from quizzes.models import Criterion
from seminars.demo import ASSESSED_ROLE_PLAY, DEMO_SEMINAR_TITLE, DRAFTING_TASK
from seminars.models import Seminar

Q, C = LineKind.QUALITY.value, LineKind.CHECKLIST.value

# (criterion, kind, minimum, label, guidance)
ROLE_PLAY_LINES = (
    ("C2-PROC", Q, None, "Opening: explains the aims of mediation and the parties' rights and "
     "duties before starting", "The Law “On Mediation” (Art. 10) asks the mediator to explain "
     "these before the procedure begins."),
    ("C2-PROC", Q, None, "Structure and stages: checks that both parties take part voluntarily "
     "and moves through the stages in order", ""),
    ("C2-PROC", Q, None, "Separate meetings: calls them for a reason and brings the parties "
     "back together smoothly", ""),
    ("C2-PROC", Q, None, "Time: keeps the session within the time agreed", ""),
    ("C2-PROC", Q, None, "Closing: ends with a settlement or on a ground for ending the "
     "mediation, and says what happens next", "The grounds for ending a mediation are listed "
     "in Art. 26 of the Law."),
    ("C3-ETH", Q, 3, "Neutral language and equal time for both parties", ""),
    ("C3-ETH", Q, 3, "No pressure on the outcome: the parties decide", ""),
    ("C3-ETH", Q, 3, "Information from a separate meeting is shared only with the permission "
     "of the party who gave it", ""),
    ("C3-ETH", Q, 3, "Discloses any connection with a party or interest in the outcome", ""),
    ("C4-COMM", Q, None, "Active listening", ""),
    ("C4-COMM", Q, None, "Paraphrasing and summarising", ""),
    ("C4-COMM", Q, None, "Reframing loaded statements", ""),
    ("C4-COMM", Q, None, "Open questions", ""),
    ("C4-COMM", Q, None, "Acknowledging and calming emotions", ""),
    ("C5-NEG", Q, None, "From positions to interests", ""),
    ("C5-NEG", Q, None, "Helping the parties find options", ""),
    ("C5-NEG", Q, None, "Using objective criteria", ""),
    ("C5-NEG", Q, None, "Testing proposals against reality", ""),
    ("C5-NEG", Q, None, "Handling an impasse without deciding for the parties", ""),
)  # fmt: skip

DRAFTING_LINES = (
    ("C6-DRAFT", C, None, "Written form", ""),
    ("C6-DRAFT", C, None, "Details of the parties", ""),
    ("C6-DRAFT", C, None, "Subject of the dispute", ""),
    ("C6-DRAFT", C, None, "The mediator or mediators", ""),
    ("C6-DRAFT", C, None, "The terms the parties agreed", ""),
    ("C6-DRAFT", C, None, "How and by when each term is to be performed", ""),
    ("C6-DRAFT", C, None, "Consequences of not performing the terms", ""),
    ("C6-DRAFT", C, None, "Signatures of the parties", ""),
    ("C6-DRAFT", Q, None, "Obligations are specific and measurable", ""),
    ("C6-DRAFT", Q, None, "Consistent with the law and with the rights of third persons",
     "Law “On Mediation” Art. 5(4)."),
    ("C6-DRAFT", Q, None, "In a family case, the child's interests are protected",
     "Law “On Mediation” Art. 25. Where no child is concerned, score how well the terms "
     "respect the interests of other people they affect."),
    ("C6-DRAFT", Q, None, "Clear, plain wording", ""),
    ("C6-DRAFT", Q, None, "Nothing said in a separate meeting is disclosed without the consent "
     "of the party who said it", ""),
)  # fmt: skip

ROLE_PLAY = {
    "course": "mediator-ethics",
    "slug": ASSESSED_ROLE_PLAY,
    "title": "Assessed role-play (seminar, day 5)",
    "kind": "role_play",
    "instructions": "The trainee leads a 45–60 minute role-play as the mediator. Score every "
    "line from 1 (not shown) to 4 (strong); each ethics line needs at least 3. Whatever the "
    "scores, a serious breach fails professional ethics (C3-ETH): for example revealing what a "
    "party said in a separate meeting without permission, taking sides, or pressing the "
    "parties into a settlement. Record it with what happened.",
    "lines": ROLE_PLAY_LINES,
}

DRAFTING = {
    "course": "mediation-agreements",
    "slug": DRAFTING_TASK,
    "title": "Drafting task: settlement agreement",
    "kind": "drafting",
    "instructions": "From the case file, the trainee drafts the settlement agreement. The "
    "checklist holds the contents the Law “On Mediation” requires of it (Art. 27): each must "
    "be present. Quality lines are scored 1–4. If the agreement is to go to a court, also "
    "check that it has no suspensive condition, says who bears the costs and comes in one "
    "copy per party plus one for the court (Civil Procedure Code Art. 176).",
    "lines": DRAFTING_LINES,
}

# Points per role-play line: a signed-off result (ethics all at least 3, negotiation a little
# under its threshold but over the floor) and a draft scored halfway.
SIGNED_OFF_POINTS = (3, 3, 4, 3, 3, 3, 4, 3, 3, 3, 3, 2, 3, 3, 3, 2, 3, 3, 2)
DRAFT_POINTS = (3, 2, 3, 3)


def _rubric(spec: dict, codes: dict[str, Criterion]) -> Rubric | None:
    course = db.session.scalar(select(Course).where(Course.slug == spec["course"]))
    if course is None:
        return None
    existing = db.session.scalar(
        select(Rubric).where(Rubric.course_id == course.id, Rubric.slug == spec["slug"])
    )
    if existing is not None:
        return existing
    lines = [
        LineSpec(label, codes[code].id, kind, minimum, guidance)
        for code, kind, minimum, label, guidance in spec["lines"]
    ]
    return create_rubric(
        course,
        title=spec["title"],
        slug=spec["slug"],
        kind=spec["kind"],
        instructions=spec["instructions"],
        lines=lines,
    )


DEMO_CONTENT = Path(__file__).resolve().parent / "demo_content"


def demo_translations() -> dict[str, dict[str, dict]]:
    """``{slug: {language: {title, instructions, lines: [{label, guidance}]}}}`` from the
    files that exist (``rubrics.ru.yml``, ``rubrics.kk.yml``)."""
    found: dict[str, dict[str, dict]] = {}
    for path in sorted(DEMO_CONTENT.glob("rubrics.*.yml")):
        locale = path.name.split(".")[1]
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for slug, entry in (data.get("rubrics") or {}).items():
            found.setdefault(slug, {})[locale] = entry or {}
    return found


def load_translations(rubric: Rubric) -> None:
    """Store the demo translations of ``rubric`` (by its short name) and of its lines, in
    order; running it again changes nothing."""
    original = rubric.course.language
    for locale, entry in demo_translations().get(rubric.slug, {}).items():
        if locale == original or locale not in ct.languages():
            continue
        ct.save(
            rubric,
            locale,
            {name: entry[name] for name in ("title", "instructions") if name in entry},
        )
        for line, texts in zip(rubric.lines, entry.get("lines") or (), strict=False):
            ct.save(
                line,
                locale,
                {name: texts[name] for name in ("label", "guidance") if name in (texts or {})},
            )
    db.session.commit()


def _assess(rubric, trainee, trainer, seminar, points, notes: str, *, finish: bool) -> None:
    if db.session.scalar(
        select(Assessment.id).where(
            Assessment.rubric_id == rubric.id, Assessment.user_id == trainee.id
        )
    ):
        return
    assessment = start_assessment(rubric, trainee, trainer, seminar=seminar)
    scores = {line.id: value for line, value in zip(rubric.lines, points, strict=False)}
    save_sheet(assessment, trainer, scores=scores, notes=notes, breach=None)
    if finish:
        sign_off(assessment, trainer)


def seed_demo(app, users: dict, **_) -> None:
    codes = {c.code: c for c in db.session.scalars(select(Criterion))}
    if any(code not in codes for code in ("C2-PROC", "C3-ETH", "C4-COMM", "C5-NEG", "C6-DRAFT")):
        return
    trainer = users["trainer1"]
    role_play = _rubric(ROLE_PLAY, codes)
    drafting = _rubric(DRAFTING, codes)
    for rubric in (role_play, drafting):
        if rubric is not None:
            load_translations(rubric)
    seminar = db.session.scalar(select(Seminar).where(Seminar.title == DEMO_SEMINAR_TITLE))
    if role_play is None or seminar is None:
        return
    _assess(
        role_play,
        users["trainee1"],
        trainer,
        seminar,
        SIGNED_OFF_POINTS,
        "A calm, well-structured session. Work on reality-testing: ask each party how a "
        "proposal would work in practice before moving on.",
        finish=True,
    )
    _assess(role_play, users["trainee2"], trainer, seminar, DRAFT_POINTS, "", finish=False)
