"""Demo criteria for `flask seed-demo`, from shared/domain/qualification-criteria.md, the
demo question bank and quizzes, and their Russian and Kazakh translations."""

from __future__ import annotations

from pathlib import Path

import yaml
from flask_babel import gettext as _
from sqlalchemy import select

from courses.models import Course
from lms import content_translations as ct
from lms.extensions import db
from lms.service_error import ServiceError
from quizzes import bank, translations
from quizzes.bank import ensure_criterion
from quizzes.models import BankScope, Criterion, DrawRule, Question, Quiz
from quizzes.selection import pool

# Keys of a question entry that are not part of its type's definition.
QUESTION_FIELDS = {
    "key",
    "course",
    "criterion",
    "type",
    "difficulty",
    "points",
    "fact_tag",
    "source",
    "possibly_amended",
    "stem",
    "feedback",
    "verified_on",
    "explanation",
}

# code, title, must-pass, floor, instrument thresholds (whole percent)
CRITERIA = (
    ("C1-LAW", "Knowledge of the legal framework", True, None, {"quiz": 80}),
    ("C2-PROC", "Conduct of the procedure", False, 60, {"quiz": 70, "rubric": 70}),
    ("C3-ETH", "Professional ethics", True, None, {"quiz": 90, "rubric": 75}),
    ("C4-COMM", "Communication", False, 60, {"rubric": 70}),
    ("C5-NEG", "Facilitation of negotiation", False, 60, {"rubric": 70}),
    (
        "C6-DRAFT",
        "Drafting settlement agreements",
        True,
        None,
        {"checklist": 100, "rubric": 70, "quiz": 70},
    ),
    ("C7-CULT", "Cultural competence and public-consent context", False, 60, {"quiz": 70}),
)


def seed_demo_criteria(app, users: dict, **_) -> None:
    for code, title, must_pass, floor, thresholds in CRITERIA:
        ensure_criterion(code, title, must_pass=must_pass, floor=floor, thresholds=thresholds)


QUESTIONS_FILE = Path(__file__).resolve().parent / "demo_content" / "questions.yml"


def seed_demo_questions(owner=None) -> int:
    """Add the team's demo questions to the banks of the demo courses (idempotent, all or
    nothing); returns how many were added."""
    data = yaml.safe_load(QUESTIONS_FILE.read_text(encoding="utf-8"))
    courses = {c.slug: c for c in db.session.scalars(select(Course))}
    existing = set(db.session.execute(select(Question.course_id, Question.key)).all())
    added = 0
    try:
        for item in data["questions"]:
            course = courses.get(item["course"])
            if course is None or (course.id, item["key"]) in existing:
                continue
            definition = {k: v for k, v in item.items() if k not in QUESTION_FIELDS}
            try:
                bank.create_question(
                    course,
                    key=item["key"],
                    criterion=bank.criterion_by_code(item["criterion"]),
                    type=item["type"],
                    author=owner,
                    commit=False,
                    stem=item["stem"],
                    definition=definition,
                    points=item.get("points", 1),
                    difficulty=item.get("difficulty", 1),
                    feedback=item.get("feedback", ""),
                    source=item.get("source", ""),
                    fact_tag=str(item.get("fact_tag", "")),
                    verified_on=str(item.get("verified_on") or ""),
                    possibly_amended=bool(item.get("possibly_amended", False)),
                )
            except ServiceError as error:
                raise ServiceError(
                    _("question %(key)s: %(message)s", key=item["key"], message=error.message)
                ) from None
            added += 1
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return added


def seed_demo(app, users: dict, **_) -> None:
    seed_demo_criteria(app, users)
    seed_demo_questions(users.get("trainer1"))
    seed_demo_quizzes()
    seed_final_exam()
    seed_demo_translations()


CONTENT = Path(__file__).resolve().parent / "demo_content"


def _translation_file(name: str, locale: str) -> dict:
    path = CONTENT / f"{name}.{locale}.yml"
    if not path.is_file():
        return {}
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def seed_demo_translations() -> None:
    """The hand-written translations of the demo's criteria, quizzes and questions
    (demo_content/{texts,questions}.<language>.yml, whichever exist) as translations of the
    originals (quizzes.translations). Idempotent: saving the same text changes nothing."""
    criteria = {c.code: c for c in db.session.scalars(select(Criterion))}
    quizzes = list(db.session.scalars(select(Quiz)))
    questions = {q.key: q for q in db.session.scalars(select(Question))}
    for locale in ct.languages():
        texts = _translation_file("texts", locale)
        for code, values in (texts.get("criteria") or {}).items():
            if code in criteria and locale != translations.CRITERIA_LANGUAGE:
                ct.save(criteria[code], locale, values)
        pattern = ((texts.get("patterns") or {}).get("course_quiz_title") or {}).get(
            "title_pattern"
        )
        for quiz in quizzes:
            if quiz.course.language == locale:
                continue
            values = dict((texts.get("quizzes") or {}).get(quiz.slug) or {})
            if "title" not in values and pattern and quiz.slug == "check-your-knowledge":
                values["title"] = pattern.format(course=ct.text(quiz.course, "title", locale))
            if values:
                ct.save(quiz, locale, values)
        for key, values in (_translation_file("questions", locale).get("questions") or {}).items():
            question = questions.get(key)
            if question is not None and question.course.language != locale:
                translations.import_question_values(question.current, {locale: values})
    db.session.commit()


# Course quizzes and the final exam count towards the demo qualification (its criteria are
# theirs), so they follow the domain's quiz rule (shared/domain/qualification-criteria.md;
# enforced on publishing by ``publishing.certification_problems``): questions drawn at
# random per criterion, at most half the criterion's bank, three attempts 24 hours apart.
ATTEMPTS = 3
WAIT_MINUTES = 24 * 60


def add_half_bank_rules(quiz: Quiz) -> None:
    """One draw rule per criterion of the quiz's bank scope with at least two questions, of
    half its bank (rounded down): the bank then holds at least twice the draw. A criterion
    with a single question is left to a wider bank (the final exam draws from every course)."""
    for code, *_rest in CRITERIA:
        criterion = bank.criterion_by_code(code)
        available = len(pool(quiz, criterion.id))
        if available >= 2:
            quiz.draw_rules.append(DrawRule(criterion_id=criterion.id, count=available // 2))


def seed_demo_quizzes() -> None:
    """One published quiz per demo course, drawn per criterion from the course's bank."""

    for course in db.session.scalars(select(Course).where(Course.status == "published")):
        if db.session.scalar(select(Quiz.id).where(Quiz.course_id == course.id)):
            continue
        quiz = Quiz(
            course_id=course.id,
            slug="check-your-knowledge",
            title=f"Check your knowledge: {course.title}",
            instructions="Questions are drawn at random from the course's bank, a set per "
            "qualification criterion, so each attempt asks different questions. Answer every "
            "question, then hand in. Each criterion has its own pass threshold; the result page "
            "shows which ones you met. Three attempts, 24 hours apart.",
            pass_mark=70,
            attempts_allowed=ATTEMPTS,
            wait_minutes=WAIT_MINUTES,
            selection="draw",
            bank_scope=BankScope.COURSE.value,
            published=True,
        )
        add_half_bank_rules(quiz)  # before it joins the session: a quiz without rules never does
        if quiz.draw_rules:
            db.session.add(quiz)
    db.session.commit()


# The final exam lives in Course C, the last course of the programme (curriculum.md), so the
# trainees who reach the end of the programme find it there; it draws from every course.
FINAL_EXAM_COURSE = "mediation-agreements"
FINAL_EXAM_SLUG = "final-exam"


def seed_final_exam() -> Quiz | None:
    """A published final exam drawn per criterion from the banks of every published course
    (idempotent), by the same rules as the course quizzes (``add_half_bank_rules``): half
    each criterion's bank ("items drawn at random from a bank at least twice the quiz
    length", shared/domain/qualification-criteria.md), three attempts 24 hours apart.
    Written answers can be drawn: an attempt that draws one waits for a trainer's score like
    any other."""
    course = db.session.scalar(select(Course).where(Course.slug == FINAL_EXAM_COURSE))
    if course is None:
        return None
    quiz = db.session.scalar(
        select(Quiz).where(Quiz.course_id == course.id, Quiz.slug == FINAL_EXAM_SLUG)
    )
    if quiz is not None:
        return quiz
    quiz = Quiz(
        course_id=course.id,
        slug=FINAL_EXAM_SLUG,
        title="Final exam: basic training for mediators",
        instructions="Questions are drawn at random from the banks of every course, a set per "
        "qualification criterion. Each criterion has its own pass threshold; the result page "
        "shows which ones you met. You have 90 minutes, three attempts, and 24 hours between "
        "attempts.",
        pass_mark=70,
        time_limit_minutes=90,
        attempts_allowed=ATTEMPTS,
        wait_minutes=WAIT_MINUTES,
        selection="draw",
        bank_scope=BankScope.ALL.value,
        published=True,
    )
    db.session.add(quiz)
    add_half_bank_rules(quiz)
    if not quiz.draw_rules:
        db.session.rollback()
        return None
    db.session.commit()
    return quiz
