"""Model answers: the form values that answer a frozen question right, or wrong on purpose.

An attempt freezes each question's presentation with opaque per-attempt ids, and its ``key``
maps them back to the definition. From the definition and that presentation,
:func:`answer_values` builds what a trainee would send for one question (the values that
``attempts.save_answer`` takes): the right answer, or one that earns nothing. Written answers
get the definition's model answer (or, wrong, a non-answer); a trainer still scores them.

The demo seeder answers attempts with it, and tests can too, without knowing each type.
"""

from __future__ import annotations

from decimal import Decimal

from quizzes.question_types.numeric import to_decimal

WRONG_TEXT = "I do not know."


def answer_values(
    question_type: str, definition: dict, presentation: dict, *, right: bool = True
) -> list[str]:
    """What to send for one frozen question so it scores all its points (``right``) or none.

    Raises ``ValueError`` for a type it does not know. (A multiple choice whose every option
    is correct has no wrong option to choose: wrong, it is left unanswered, which earns nothing.)
    """
    builder = _BUILDERS.get(question_type)
    if builder is None:
        raise ValueError(f"no model answer for question type {question_type!r}")
    return builder(definition, presentation, right)


def _choices(definition: dict, presentation: dict, right: bool) -> list[str]:
    options = definition["options"]
    key = presentation["key"]
    correct = [oid for oid, index in key.items() if options[index].get("correct")]
    wrong = [oid for oid, index in key.items() if not options[index].get("correct")]
    return correct if right else wrong


def _single_choice(definition: dict, presentation: dict, right: bool) -> list[str]:
    chosen = _choices(definition, presentation, right)
    return chosen[:1]


def _multiple_choice(definition: dict, presentation: dict, right: bool) -> list[str]:
    # Wrong: every wrong option and no right one scores (0 - wrong) / correct, clamped to 0.
    return sorted(_choices(definition, presentation, right))


def _true_false(definition: dict, presentation: dict, right: bool) -> list[str]:
    truth = bool(definition["answer"])
    return ["true" if truth == right else "false"]


def _short_text(definition: dict, presentation: dict, right: bool) -> list[str]:
    return [definition["accepted"][0] if right else WRONG_TEXT]


def _numeric(definition: dict, presentation: dict, right: bool) -> list[str]:
    answer = to_decimal(definition["answer"])
    if right:
        return [str(answer)]
    tolerance = to_decimal(definition.get("tolerance", 0)) or Decimal(0)
    return [str(answer + tolerance + 1)]


def _matching(definition: dict, presentation: dict, right: bool) -> list[str]:
    lefts = presentation["key"]["left"]  # left id -> pair index
    rights = {index: rid for rid, index in presentation["key"]["right"].items()}
    count = len(definition["pairs"])
    shift = 0 if right else 1  # each left to the next pair's right: none matched
    return [f"{lid}:{rights[(index + shift) % count]}" for lid, index in lefts.items()]


def _ordering(definition: dict, presentation: dict, right: bool) -> list[str]:
    # Reversed, no adjacent pair is in the right order: it scores nothing.
    return sorted(presentation["key"], key=lambda iid: presentation["key"][iid], reverse=not right)


def _free_text(definition: dict, presentation: dict, right: bool) -> list[str]:
    if not right:
        return [WRONG_TEXT]
    # The model answer, or else an answer that covers each rubric line in turn.
    model = (definition.get("model_answer") or "").strip()
    return [model or "\n".join(line["criterion"] for line in definition["rubric"])]


_BUILDERS = {
    "single_choice": _single_choice,
    "multiple_choice": _multiple_choice,
    "true_false": _true_false,
    "short_text": _short_text,
    "numeric": _numeric,
    "matching": _matching,
    "ordering": _ordering,
    "free_text": _free_text,
}
