"""A quiz with its questions as YAML: the demo bank's question format plus a ``quiz`` block.

Import is all-or-nothing and names the question and field of every problem; questions are
matched by key within the course (a changed question gets a new version). Export writes the
same bytes for the same quiz, so export -> import -> export is identical.
"""

from __future__ import annotations

import yaml
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from courses.content_io import _ReadableDumper
from courses.models import Course
from lms.extensions import db
from lms.service_error import ServiceError
from quizzes import bank
from quizzes.models import DrawRule, Question, Quiz, QuizQuestion, ReviewPolicy
from quizzes.selection import draw_problems

QUESTION_FIELDS = (
    "key",
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
        "verified_on": version.verified_on,
        "possibly_amended": version.possibly_amended,
        "stem": version.stem_source,
        "feedback": version.feedback_source,
    }
    data.update(version.definition)
    return data


def _questions_of(quiz: Quiz) -> list[Question]:
    if quiz.selection == "fixed":
        return [link.question for link in quiz.fixed_questions]
    criteria = {rule.criterion_id for rule in quiz.draw_rules}
    return list(
        db.session.scalars(
            select(Question)
            .where(
                Question.course_id == quiz.course_id,
                Question.criterion_id.in_(criteria),
                Question.active.is_(True),
            )
            .options(selectinload(Question.versions))
            .order_by(Question.key)
        )
    )


def export_yaml(quiz: Quiz) -> str:
    block = {name: getattr(quiz, name) for name in QUIZ_FIELDS}
    if quiz.selection == "fixed":
        block["questions"] = [link.question.key for link in quiz.fixed_questions]
    else:
        block["draw"] = [
            {"criterion": r.criterion.code, "count": r.count, "difficulty": r.difficulty}
            for r in sorted(quiz.draw_rules, key=lambda r: (r.criterion.code, r.difficulty or 0))
        ]
    data = {"quiz": block, "questions": [_question_data(q) for q in _questions_of(quiz)]}
    return yaml.dump(
        data,
        Dumper=_ReadableDumper,
        sort_keys=False,
        allow_unicode=True,
        width=1000,
        default_flow_style=False,
    )


def _problem(where: str, message: str) -> str:
    return f"{where}: {message}"


def import_yaml(course: Course, text: str, *, update: bool = False) -> Quiz:
    """Create or update the quiz and its questions in ``course``, or change nothing."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark else ""
        raise QuizImportFailed([f"invalid YAML{line}"]) from None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("quiz"), dict)
        or not isinstance(data.get("questions", []), list)
    ):
        raise QuizImportFailed(["the file needs a 'quiz' block and a 'questions' list"])
    problems: list[str] = []
    try:
        quiz = _write(course, data, update, problems)
        if problems:
            raise QuizImportFailed(problems)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return quiz


def _write(course: Course, data: dict, update: bool, problems: list[str]) -> Quiz:
    existing = {
        q.key: q
        for q in db.session.scalars(
            select(Question)
            .where(Question.course_id == course.id)
            .options(selectinload(Question.versions))
        )
    }
    seen: set[str] = set()
    for number, item in enumerate(data.get("questions", []), start=1):
        where = f"question {item.get('key', number) if isinstance(item, dict) else number}"
        if not isinstance(item, dict) or not isinstance(item.get("key"), str):
            problems.append(_problem(where, "needs a key"))
            continue
        if item["key"] in seen:
            problems.append(_problem(where, "appears twice"))
            continue
        seen.add(item["key"])
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
        question = existing.get(item["key"])
        try:
            if question is None:
                existing[item["key"]] = bank.create_question(
                    course,
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
    block = data["quiz"]
    quiz = _quiz_from(course, block, update, existing, problems)
    return quiz


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
        "verified_on": content["verified_on"][:10],
        "possibly_amended": content["possibly_amended"],
        "stem": content["stem"].strip(),
        "feedback": content["feedback"].strip(),
    }
    data.update(content["definition"])
    return data


def _quiz_from(course, block, update, questions, problems) -> Quiz:
    slug = block.get("slug")
    if not isinstance(slug, str) or not slug:
        problems.append("quiz: slug: is missing")
        return None
    quiz = db.session.scalar(select(Quiz).where(Quiz.course_id == course.id, Quiz.slug == slug))
    if quiz is not None and not update:
        problems.append(f"quiz: slug: “{slug}” exists in this course; import with update")
        return quiz
    if quiz is None:
        quiz = Quiz(course_id=course.id, slug=slug, title="", published=False)
        db.session.add(quiz)
    for name in QUIZ_FIELDS[1:]:
        if name in block:
            setattr(quiz, name, block[name])
    if not isinstance(quiz.title, str) or not quiz.title.strip():
        problems.append("quiz: title: is missing")
    if quiz.review_policy not in {p.value for p in ReviewPolicy}:
        problems.append("quiz: review_policy: unknown value")
    if quiz.selection not in ("fixed", "draw"):
        problems.append("quiz: selection: must be fixed or draw")
    if not isinstance(quiz.pass_mark, int) or not 0 <= quiz.pass_mark <= 100:
        problems.append("quiz: pass_mark: must be 0 to 100")
    quiz.fixed_questions.clear()
    quiz.draw_rules.clear()
    db.session.flush()
    for position, key in enumerate(block.get("questions") or [], start=1):
        if key not in questions:
            problems.append(f"quiz: questions: “{key}” is not in the file or the course")
            continue
        quiz.fixed_questions.append(QuizQuestion(question_id=questions[key].id, position=position))
    for rule in block.get("draw") or []:
        criterion = bank.criterion_by_code(str(rule.get("criterion")))
        if criterion is None or not isinstance(rule.get("count"), int) or rule["count"] < 1:
            problems.append(f"quiz: draw: bad rule {rule!r}")
            continue
        quiz.draw_rules.append(
            DrawRule(
                criterion_id=criterion.id, count=rule["count"], difficulty=rule.get("difficulty")
            )
        )
    db.session.flush()
    if quiz.selection == "draw" and not problems:
        problems.extend(f"quiz: draw: {p}" for p in draw_problems(quiz))
    return quiz
