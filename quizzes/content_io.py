"""A quiz with its questions as YAML: the demo bank's question format plus a ``quiz`` block.

Import is all-or-nothing and names the question and field of every problem; questions are
matched by key within the course (a changed question gets a new version). Export writes the
same bytes for the same quiz, so export -> import -> export is identical.

A drawn quiz lists every question it may draw: for ``bank_scope: all`` (a final exam) that
is the whole scope, and a question of another course than the quiz's carries ``course:``
(its slug), because keys are unique only within a course. Importing such a file matches
those questions in the course named and creates or revises them there, exactly as the
quiz's own (so a programme's exam carries its banks to another installation). Import is an
operator's command (``flask quizzes import``); a page offering it would have to check that
the person may edit every course the file names.
"""

from __future__ import annotations

import yaml
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from courses.models import Course
from lms import content_translations as ct
from lms import text_limits
from lms.database import committed
from lms.extensions import db
from lms.service_error import ServiceError
from lms.yaml_files import dump_readable, load_yaml, yaml_error
from quizzes import bank, translations
from quizzes.models import BankScope, DrawRule, Question, Quiz, QuizQuestion, ReviewPolicy
from quizzes.quiz_authoring import MAX_ATTEMPTS, MAX_TIME_LIMIT, MAX_WAIT, whole_number
from quizzes.selection import bank_questions, draw_problems

QUESTION_FIELDS = (
    "key",
    "course",  # only on questions of another course than the quiz's (bank_scope: all)
    "criterion",
    "type",
    "difficulty",
    "points",
    "fact_tag",
    "source",
    "verified_on",
    "possibly_amended",
    "stem",
    "feedback",
    "translations",  # {ru: {stem, feedback, options: [...], ...}} (quizzes.translations)
)
QUIZ_FIELDS = (
    "slug",
    "title",
    "instructions",
    "pass_mark",
    "time_limit_minutes",
    "attempts_allowed",
    "wait_minutes",
    "shuffle_questions",
    "shuffle_options",
    "review_policy",
    "selection",
    "bank_scope",
)


class QuizImportFailed(ServiceError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def _question_data(question: Question) -> dict:
    version = question.current
    data = {
        "key": question.key,
        "criterion": question.criterion.code,
        "type": question.type,
        "difficulty": version.difficulty,
        "points": version.points,
        "fact_tag": version.fact_tag,
        "source": version.source_reference,
        "verified_on": version.verified_on or None,  # null: not verified
        "possibly_amended": version.possibly_amended,
        "stem": version.stem_source,
        "feedback": version.feedback_source,
    }
    data.update(version.definition)
    return data


def _questions_of(quiz: Quiz) -> list[Question]:
    """The questions the quiz lists or may draw (its whole bank scope), in a stable order."""
    if quiz.selection == "fixed":
        return [link.question for link in quiz.fixed_questions]
    criteria = {rule.criterion_id for rule in quiz.draw_rules}
    return list(
        db.session.scalars(
            bank_questions(quiz, criteria)
            .join(Course, Question.course_id == Course.id)
            .options(selectinload(Question.course))
            .order_by(Question.key, Course.slug)
        )
    )


def _exported(question: Question, quiz: Quiz) -> dict:
    data = _question_data(question)
    carried = translations.question_file_values(question.current)
    if carried:
        data["translations"] = carried
    if question.course_id == quiz.course_id:
        return data
    return {"key": data.pop("key"), "course": question.course.slug, **data}


def _listed(question: Question, quiz: Quiz) -> str | dict:
    """A fixed list names its course's questions by key, others' by course and key."""
    if question.course_id == quiz.course_id:
        return question.key
    return {"course": question.course.slug, "key": question.key}


def export_yaml(quiz: Quiz) -> str:
    block = {name: getattr(quiz, name) for name in QUIZ_FIELDS}
    carried = ct.export(quiz)
    if carried:
        block["translations"] = carried
    if quiz.selection == "fixed":
        block["questions"] = [_listed(link.question, quiz) for link in quiz.fixed_questions]
    else:
        block["draw"] = [
            {"criterion": r.criterion.code, "count": r.count, "difficulty": r.difficulty}
            for r in sorted(quiz.draw_rules, key=lambda r: (r.criterion.code, r.difficulty or 0))
        ]
    data = {"quiz": block, "questions": [_exported(q, quiz) for q in _questions_of(quiz)]}
    return dump_readable(data)


def _problem(where: str, message: str) -> str:
    return f"{where}: {message}"


def import_yaml(course: Course, text: str, *, update: bool = False) -> Quiz:
    """Create or update the quiz and its questions in ``course``, or change nothing."""
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        line, reason = yaml_error(exc)
        where = f" (line {line})" if line else ""
        raise QuizImportFailed([f"invalid YAML{where}: {reason}"]) from None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("quiz"), dict)
        or not isinstance(data.get("questions", []), list)
    ):
        raise QuizImportFailed(["the file needs a 'quiz' block and a 'questions' list"])
    problems: list[str] = []
    with committed():
        quiz = _write(course, data, update, problems)
        if problems:
            raise QuizImportFailed(problems)
    return quiz


def _write(course: Course, data: dict, update: bool, problems: list[str]) -> Quiz:
    items = data.get("questions", [])
    named = [item for item in items if isinstance(item, dict)]
    listed = data["quiz"].get("questions") or []
    named += (
        [entry for entry in listed if isinstance(entry, dict)] if isinstance(listed, list) else []
    )
    slugs = {entry["course"] for entry in named if isinstance(entry.get("course"), str)}
    courses = {course.slug: course}
    if slugs - {course.slug}:
        courses.update(
            (other.slug, other)
            for other in db.session.scalars(select(Course).where(Course.slug.in_(slugs)))
        )
    existing = {
        (q.course_id, q.key): q
        for q in db.session.scalars(
            select(Question)
            .where(Question.course_id.in_([c.id for c in courses.values()]))
            .options(selectinload(Question.versions))
        )
    }
    seen: set[tuple[int, str]] = set()
    for number, item in enumerate(items, start=1):
        where = f"question {item.get('key', number) if isinstance(item, dict) else number}"
        if not isinstance(item, dict) or not isinstance(item.get("key"), str):
            problems.append(_problem(where, "needs a key"))
            continue
        slug = item.get("course", course.slug)
        home = courses.get(slug) if isinstance(slug, str) else None
        if home is None:
            problems.append(_problem(where, f"course: unknown course {item.get('course')!r}"))
            continue
        if home is not course:
            where = f"{where} (course {home.slug})"
        if (home.id, item["key"]) in seen:
            problems.append(_problem(where, "appears twice"))
            continue
        seen.add((home.id, item["key"]))
        criterion = bank.criterion_by_code(str(item.get("criterion")))
        if criterion is None:
            problems.append(_problem(where, f"criterion: unknown code {item.get('criterion')!r}"))
            continue
        content = {
            "stem": str(item.get("stem") or ""),
            "points": item.get("points", 1),
            "difficulty": item.get("difficulty", 1),
            "feedback": str(item.get("feedback") or ""),
            "source": str(item.get("source") or ""),
            "fact_tag": str(item.get("fact_tag") or ""),
            "verified_on": str(item.get("verified_on") or ""),
            "possibly_amended": bool(item.get("possibly_amended", False)),
            "definition": {k: v for k, v in item.items() if k not in QUESTION_FIELDS},
        }
        question = existing.get((home.id, item["key"]))
        try:
            if question is None:
                existing[(home.id, item["key"])] = bank.create_question(
                    home,
                    key=item["key"],
                    criterion=criterion,
                    type=str(item.get("type")),
                    commit=False,
                    **content,
                )
                db.session.flush()
            elif question.type != item.get("type"):
                problems.append(_problem(where, "type: differs from the existing question"))
            elif _question_data(question) != _item_data(item, criterion.code, content):
                bank.revise_question(question, commit=False, **content)
        except ServiceError as error:
            problems.append(_problem(where, str(error.message)))
            continue
        if "translations" in item:
            question = existing.get((home.id, item["key"]))
            try:
                db.session.flush()
                translations.import_question_values(question.current, item["translations"])
            except ServiceError as error:
                problems.append(_problem(where, f"translations: {error.message}"))
    return _quiz_from(course, data["quiz"], update, (courses, existing), problems)


def _item_data(item: dict, criterion: str, content: dict) -> dict:
    """The file's question in the shape of ``_question_data``, to tell if it changed."""
    data = {
        "key": item["key"],
        "criterion": criterion,
        "type": item.get("type"),
        "difficulty": content["difficulty"],
        "points": content["points"],
        "fact_tag": content["fact_tag"][:16],
        "source": content["source"][:300],
        "verified_on": content["verified_on"][:10] or None,
        "possibly_amended": content["possibly_amended"],
        "stem": content["stem"].strip(),
        "feedback": content["feedback"].strip(),
    }
    data.update(content["definition"])
    return data


def _listed_question(entry, course: Course, known) -> tuple[str, Question | None]:
    """A fixed list's entry (a key, or a course and key) and the question it names."""
    courses, questions = known
    if isinstance(entry, str):
        return entry, questions.get((course.id, entry))
    if isinstance(entry, dict) and isinstance(entry.get("key"), str):
        slug = entry.get("course", course.slug)
        home = courses.get(slug) if isinstance(slug, str) else None
        label = f"{slug}/{entry['key']}"
        return label, None if home is None else questions.get((home.id, entry["key"]))
    return repr(entry), None


def _whole(low: int, high: int, *, optional: bool = False):
    def check(value) -> str | None:
        if (optional and value is None) or whole_number(value, low, high):
            return None
        return f"must be a whole number from {low} to {high}" + (" or empty" if optional else "")

    return check


def _one_of(values, message: str):
    return lambda value: None if isinstance(value, str) and value in values else message


def _text(limit: int, *, required: bool = False):
    def check(value) -> str | None:
        if value is None and not required:
            return None
        if not isinstance(value, str) or (required and not value.strip()):
            return "is missing" if required else "must be text"
        if len(value) > limit:
            return f"{len(value)} characters, at most {limit}"
        return None

    return check


def _switch(value) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"


# What each setting of the quiz block may hold, checked before it is set: a value of another
# type would otherwise reach the database (a list, a number too big for a column) and fail
# there instead of being reported (issue 18's fuzzing).
QUIZ_CHECKS = {
    "title": _text(200, required=True),
    "instructions": _text(text_limits.QUIZ_INSTRUCTIONS),
    "pass_mark": _whole(0, 100),
    "time_limit_minutes": _whole(1, MAX_TIME_LIMIT, optional=True),
    "attempts_allowed": _whole(1, MAX_ATTEMPTS, optional=True),
    "wait_minutes": _whole(0, MAX_WAIT),
    "shuffle_questions": _switch,
    "shuffle_options": _switch,
    "review_policy": _one_of({p.value for p in ReviewPolicy}, "unknown value"),
    "selection": _one_of({"fixed", "draw"}, "must be fixed or draw"),
    "bank_scope": _one_of({s.value for s in BankScope}, "must be course or all"),
}


def _draw_rule_problem(rule) -> str | None:
    if not isinstance(rule, dict):
        return "must be a criterion and a count"
    if not whole_number(rule.get("count"), 1, 100):
        return "count: must be a whole number from 1 to 100"
    if rule.get("difficulty") is not None and not whole_number(rule["difficulty"], 1, 3):
        return "difficulty: must be 1, 2, 3 or empty"
    return None


def _quiz_from(course, block, update, known, problems) -> Quiz:
    slug = block.get("slug")
    if not isinstance(slug, str) or not slug:
        problems.append("quiz: slug: is missing")
        return None
    if len(slug) > 80:
        problems.append("quiz: slug: at most 80 characters")
        return None
    quiz = db.session.scalar(select(Quiz).where(Quiz.course_id == course.id, Quiz.slug == slug))
    if quiz is not None and not update:
        problems.append(f"quiz: slug: “{slug}” exists in this course; import with update")
        return quiz
    if quiz is None:
        quiz = Quiz(
            course_id=course.id,
            slug=slug,
            title="",
            published=False,
            bank_scope=BankScope.COURSE.value,  # files written before bank scopes existed
        )
        db.session.add(quiz)
    for name in QUIZ_FIELDS[1:]:
        if name not in block and not (name == "title" and not quiz.title):
            continue
        problem = QUIZ_CHECKS[name](block.get(name))
        if problem:
            problems.append(f"quiz: {name}: {problem}")
        else:
            value = block[name]
            setattr(quiz, name, "" if name == "instructions" and value is None else value)
    quiz.fixed_questions.clear()
    quiz.draw_rules.clear()
    db.session.flush()
    listed = block.get("questions") or []
    if not isinstance(listed, list):
        problems.append("quiz: questions: must be a list of question keys")
        listed = []
    for position, entry in enumerate(listed, start=1):
        label, question = _listed_question(entry, course, known)
        if question is None:
            problems.append(f"quiz: questions: “{label}” is not in the file or the course")
            continue
        if question.course_id != course.id and quiz.bank_scope != BankScope.ALL:
            problems.append(f"quiz: questions: “{label}” is another course's; use bank_scope: all")
            continue
        quiz.fixed_questions.append(QuizQuestion(question_id=question.id, position=position))
    rules = block.get("draw") or []
    if not isinstance(rules, list):
        problems.append("quiz: draw: must be a list of rules")
        rules = []
    for rule in rules:
        problem = _draw_rule_problem(rule)
        criterion = None if problem else bank.criterion_by_code(str(rule.get("criterion")))
        if criterion is None:
            shown = repr(rule)[:200]
            problems.append(f"quiz: draw: bad rule {shown}" + (f": {problem}" if problem else ""))
            continue
        quiz.draw_rules.append(
            DrawRule(
                criterion_id=criterion.id, count=rule["count"], difficulty=rule.get("difficulty")
            )
        )
    db.session.flush()
    if "translations" in block:
        try:
            translations.import_quiz_values(quiz, block["translations"])
        except ServiceError as error:
            problems.append(f"quiz: translations: {error.message}")
    if quiz.selection == "draw" and not problems:
        problems.extend(f"quiz: draw: {p}" for p in draw_problems(quiz))
    return quiz
