"""The gradebook of a quiz: every trainee's best and latest attempt, by criterion."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms import downloads
from lms.extensions import db
from lms.models import User
from quizzes.attempt_results import counts, criteria_info, result_of
from quizzes.attempts import attempt_loader_options
from quizzes.item_analysis import Response, analyse
from quizzes.models import Attempt, AttemptStatus, Quiz


@dataclass
class GradebookRow:
    user: User
    attempts: int
    best: Attempt
    latest: Attempt

    def criterion(self, attempt: Attempt, code: str) -> str:
        found = next((c for c in attempt.result.get("criteria", []) if c["code"] == code), None)
        return found["percent"] if found else ""


def rows(quiz: Quiz) -> tuple[list[str], list[GradebookRow]]:
    """The criteria codes met in the quiz's attempts, and one row per trainee (one query)."""
    finished = list(
        db.session.scalars(
            select(Attempt)
            .where(Attempt.quiz_id == quiz.id, Attempt.status != AttemptStatus.IN_PROGRESS.value)
            .options(joinedload(Attempt.user))
            .order_by(Attempt.user_id, Attempt.number)
        )
    )
    by_user: dict[int, list[Attempt]] = {}
    for attempt in finished:
        by_user.setdefault(attempt.user_id, []).append(attempt)
    codes = sorted({c["code"] for a in finished for c in a.result.get("criteria", [])})
    table = [
        GradebookRow(
            items[0].user,
            len(items),
            max(items, key=lambda a: (a.percent or 0, -a.number)),
            items[-1],
        )
        for items in by_user.values()
    ]
    table.sort(key=lambda row: row.user.full_name)
    return codes, table


def csv_text(quiz: Quiz) -> str:
    """The gradebook as CSV text, every cell safe for a spreadsheet."""
    codes, table = rows(quiz)
    header = [
        "Full name",
        "Email",
        "Attempts",
        "Best %",
        "Best passed",
        "Latest %",
        *[f"{code} % (best)" for code in codes],
    ]
    return downloads.csv_text(
        [
            header,
            *(
                [
                    row.user.full_name,
                    row.user.email,
                    row.attempts,
                    row.best.percent,
                    {True: "yes", False: "no", None: "pending"}[row.best.passed],
                    row.latest.percent,
                    *[row.criterion(row.best, code) for code in codes],
                ]
                for row in table
            ),
        ]
    )


def item_statistics(quiz: Quiz) -> list[tuple[object, object]]:
    """(question version, ItemStats) for every question seen in graded attempts."""
    return item_statistics_of([quiz.id])


def item_statistics_of(quiz_ids: list[int], since=None) -> list[tuple[object, object]]:
    """:func:`item_statistics` over the graded attempts of several quizzes (submitted at or
    after ``since`` if given), in a fixed number of queries however many attempts."""
    responses: dict[str, list[Response]] = {}
    versions: dict[str, object] = {}
    if not quiz_ids:
        return []
    query = (
        select(Attempt)
        .where(Attempt.quiz_id.in_(quiz_ids), Attempt.status == AttemptStatus.GRADED.value)
        .options(*attempt_loader_options())
        .order_by(Attempt.id)
    )
    if since is not None:
        query = query.where(Attempt.submitted_at >= since)
    info = criteria_info()
    for attempt in db.session.scalars(query).unique():
        result = result_of(attempt, info)
        total = result.earned / result.possible if result.possible else Fraction(0)
        for question, score in zip(attempt.questions, result.questions, strict=True):
            if not counts(question):  # withdrawn: no longer a measure of anything
                continue
            key = str(question.version.question_id)
            versions.setdefault(key, question.version)
            share = (score.earned or Fraction(0)) / score.possible if score.possible else 0
            chosen = question.answer
            # Options are counted for questions that have options (not an ordering's items).
            mapping = (
                question.presentation.get("key", {})
                if "options" in question.version.definition
                else {}
            )
            if not isinstance(chosen, list):  # one answer: an option id, true/false, a text
                chosen = [chosen]
            options = tuple(
                mapping[c]
                for c in chosen or []
                if isinstance(c, str)
                and isinstance(mapping, dict)
                and c in mapping
                and isinstance(mapping[c], int)
            )
            responses.setdefault(key, []).append(Response(total, Fraction(share), options))
    return [(versions[item.key], item) for item in analyse(responses)]
