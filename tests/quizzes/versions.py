"""A question's current version as the keyword arguments ``bank.revise_question`` takes, so a
test can change one field and keep the rest."""

from __future__ import annotations

from quizzes.models import Question


def current_content(question: Question, **changes) -> dict:
    version = question.current
    content = {
        "stem": version.stem_source,
        "definition": version.definition,
        "points": version.points,
        "difficulty": version.difficulty,
        "feedback": version.feedback_source,
        "source": version.source_reference,
        "fact_tag": version.fact_tag,
        "verified_on": version.verified_on,
        "possibly_amended": version.possibly_amended,
    }
    content.update(changes)
    return content
