"""What a quiz needs before trainees may take it: questions to give (or a draw the bank can
satisfy) and, when its results count towards a qualification, the certification quiz rule.
A published quiz must stay clear of these problems; ``quiz_authoring`` and
``question_authoring`` refuse the changes that cause one.
"""

from __future__ import annotations

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.extensions import db
from quizzes.models import Criterion, Quiz
from quizzes.selection import draw_problems, given_links, held_back_problems, pool


def question_count(quiz: Quiz) -> int:
    """How many questions an attempt gets."""
    if quiz.selection == "draw":
        return sum(rule.count for rule in quiz.draw_rules)
    return len(given_links(quiz))


def giving_problems(quiz: Quiz) -> list[str]:
    """Why trainees could not take the quiz as it is, or, when its results count towards a
    qualification, why it would not measure fairly (``certification_problems``). A published
    quiz must stay clear of these: changes that cause one are refused."""
    if quiz.selection == "draw":
        if not quiz.draw_rules:
            return [str(_l("Add at least one draw rule first."))]
        problems = draw_problems(quiz)
    elif not question_count(quiz):
        return [str(_l("Add at least one active question first."))]
    else:
        problems = []
    return problems or certification_problems(quiz)


# --- quizzes whose results count towards a qualification -------------------------------------
#
# The domain rule (shared/domain/qualification-criteria.md): items drawn at random from a bank
# at least twice the quiz length, and 24 hours between attempts, so a must-pass threshold is
# not met by retaking the same questions after reading their feedback. A quiz counts when it
# measures a criterion that a qualification judges: eligibility (certificates) takes the best
# result per criterion from every quiz. Which criteria those are is the certificates' to say;
# they register a function returning the criterion ids (``register_counted_criteria``), so this
# package never imports them. Without one registered, no quiz counts.

COUNTED_CRITERIA = "quizzes.counted_criteria"


def register_counted_criteria(app: Flask, provider) -> None:
    """``provider()`` returns the ids of the criteria a qualification judges."""
    app.extensions[COUNTED_CRITERIA] = provider


def counted_criterion_ids() -> set[int]:
    provider = current_app.extensions.get(COUNTED_CRITERIA)
    return set(provider()) if provider else set()


def quiz_criterion_ids(quiz: Quiz) -> set[int]:
    """The criteria a quiz measures: its draw rules', or its fixed questions'."""
    if quiz.selection == "draw":
        return {rule.criterion_id for rule in quiz.draw_rules}
    return {
        link.question.criterion_id
        for link in quiz.fixed_questions
        if link.question.active and link.question.withdrawn_at is None
    }


def counted_criteria(quiz: Quiz) -> list[Criterion]:
    """The criteria of ``quiz`` that count towards a qualification (none: the quiz is
    practice as far as eligibility goes)."""
    ids = quiz_criterion_ids(quiz) & counted_criterion_ids()
    if not ids:
        return []
    return list(db.session.scalars(select(Criterion).where(Criterion.id.in_(ids))))


def min_wait_minutes() -> int:
    return current_app.config.get("CERTIFICATION_QUIZ_WAIT_HOURS", 24) * 60


def certification_problems(quiz: Quiz) -> list[str]:
    """Why a quiz whose results count towards a qualification breaks the quiz rule: a fixed
    list; a criterion (or one difficulty of it) whose bank holds fewer than twice the
    questions drawn; less than the configured wait between attempts."""
    criteria = sorted(counted_criteria(quiz), key=lambda criterion: criterion.code)
    if not criteria:
        return []
    codes = ", ".join(criterion.code for criterion in criteria)
    if quiz.selection != "draw":
        return [
            str(
                _l(
                    "Its results count towards a qualification (%(codes)s), so it must draw "
                    "its questions at random from the bank, not give a fixed list.",
                    codes=codes,
                )
            )
        ]
    problems = []
    for criterion in criteria:
        rules = [rule for rule in quiz.draw_rules if rule.criterion_id == criterion.id]
        checks = [(None, sum(rule.count for rule in rules))]
        checks += [(rule.difficulty, rule.count) for rule in rules if rule.difficulty]
        for difficulty, drawn in checks:
            available = len(pool(quiz, criterion.id, difficulty))
            if available < 2 * drawn:
                level = str(_l(", difficulty %(n)d", n=difficulty)) if difficulty else ""
                problems.append(
                    str(
                        _l(
                            "%(code)s%(level)s counts towards a qualification: the bank needs "
                            "at least twice the %(count)d questions drawn (%(needed)d), it has "
                            "%(available)d. Draw fewer or add questions.",
                            code=criterion.code,
                            level=level,
                            count=drawn,
                            needed=2 * drawn,
                            available=available,
                        )
                    )
                )
    least = min_wait_minutes()
    if (quiz.wait_minutes or 0) < least:
        problems.append(
            str(
                _l(
                    "Its results count towards a qualification (%(codes)s), so attempts must "
                    "be at least %(hours)d hours (%(minutes)d minutes) apart.",
                    codes=codes,
                    hours=least // 60,
                    minutes=least,
                )
            )
        )
    return problems


def publish_problems(quiz: Quiz) -> list[str]:
    """Why the quiz may not be published: what keeps trainees from taking it, and a fixed
    list holding a question held back from its must-pass criterion."""
    problems = giving_problems(quiz)
    if quiz.selection == "fixed":
        problems += held_back_problems(quiz)
    return problems
