"""The words of a question's definition a trainee or trainer reads (options, pairs, items,
accepted answers, unit, rubric lines, model answer), apart from what grading uses (which
option is correct, the number, the points), so that they can be translated.

``original_texts`` takes them from a definition as one object per question:

- single_choice, multiple_choice: ``{"options": [text, ...]}`` in the definition's order
- matching: ``{"pairs": [{"left": text, "right": text}, ...]}``
- ordering: ``{"items": [text, ...]}`` in the right order
- short_text: ``{"accepted": [text, ...]}`` (a translation lists its language's own accepted
  answers, as many as it needs: they are accepted besides the original's)
- numeric: ``{"unit": text}`` when the question has a unit
- free_text: ``{"rubric": [line text, ...], "model_answer": text}``
- true_false: nothing

A translation has the same shape (``check_texts``): the same number of options, pairs, items
and rubric lines, in the original's order, so option 2 in Kazakh is option 2 in English and
grading never depends on the language. Each part may be left out (the original shows).
"""

from __future__ import annotations

import json

from flask_babel import lazy_gettext as _l

from lms.service_error import ServiceError
from quizzes.question_types.short_text import MAX_ANSWER, normalise

LIST_PARTS = {"options": 500, "items": 500, "rubric": 300}
MAX_ACCEPTED = 20
UNIT_LIMIT = 40
MODEL_ANSWER_LIMIT = 20_000

PART_LABELS = {
    "options": _l("Options"),
    "pairs": _l("Pairs"),
    "items": _l("Items"),
    "accepted": _l("Accepted answers"),
    "unit": _l("Unit"),
    "rubric": _l("Rubric lines"),
    "model_answer": _l("Model answer"),
}


def original_texts(question_type: str, definition: dict) -> dict:
    """The definition's user-visible words (see the module's docstring)."""
    if question_type in ("single_choice", "multiple_choice"):
        return {"options": [o.get("text", "") for o in definition.get("options") or []]}
    if question_type == "matching":
        return {
            "pairs": [
                {"left": p.get("left", ""), "right": p.get("right", "")}
                for p in definition.get("pairs") or []
            ]
        }
    if question_type == "ordering":
        return {"items": list(definition.get("items") or [])}
    if question_type == "short_text":
        return {"accepted": list(definition.get("accepted") or [])}
    if question_type == "numeric":
        return {"unit": definition["unit"]} if definition.get("unit") else {}
    if question_type == "free_text":
        texts = {"rubric": [line.get("criterion", "") for line in definition.get("rubric") or []]}
        if definition.get("model_answer"):
            texts["model_answer"] = definition["model_answer"]
        return texts
    return {}


def dumps(texts: dict) -> str:
    """The stored form: "" for nothing to translate, else canonical JSON (so its digest only
    changes when a word does)."""
    return json.dumps(texts, ensure_ascii=False, sort_keys=True) if texts else ""


def loads(text: str | None) -> dict:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _refuse(message) -> ServiceError:
    return ServiceError(message, field="texts")


def _strings(part: str, value, count: int | None, limit: int) -> list[str]:
    label = PART_LABELS[part]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _refuse(_l("“%(part)s”: give a list of texts.", part=label))
    value = [" ".join(v.split()) if part != "rubric" else v.strip() for v in value]
    if count is not None and (len(value) != count or not all(value)):
        raise _refuse(
            _l(
                "“%(part)s”: translate all %(count)d of the original's, in its order, or none.",
                part=label,
                count=count,
            )
        )
    if any(len(v) > limit for v in value):
        raise _refuse(
            _l(
                "“%(part)s”: each text may have at most %(limit)d characters.",
                part=label,
                limit=limit,
            )
        )
    return value


def check_texts(question_type: str, definition: dict, text: str) -> str:
    """A translation of ``original_texts`` as JSON: validated against the original and
    returned in the stored form; ServiceError saying what to fix otherwise."""
    original = original_texts(question_type, definition)
    try:
        given = json.loads(text)
    except ValueError:
        raise _refuse(_l("The translated texts are not valid JSON.")) from None
    if not isinstance(given, dict):
        raise _refuse(_l("The translated texts must be an object of parts."))
    unknown = sorted(set(given) - set(original))
    if unknown:
        raise _refuse(
            _l("This question has nothing to translate called %(part)s.", part=", ".join(unknown))
        )
    checked: dict = {}
    for part, value in given.items():
        if value in (None, "", []):
            continue  # left out: the original shows
        label = PART_LABELS[part]
        if part in LIST_PARTS:
            checked[part] = _strings(part, value, len(original[part]), LIST_PARTS[part])
            if part == "items" and len(set(checked[part])) != len(checked[part]):
                raise _refuse(_l("“%(part)s”: every text must be different.", part=label))
        elif part == "pairs":
            if not isinstance(value, list) or not all(isinstance(p, dict) for p in value):
                raise _refuse(_l("“%(part)s”: give a list of texts.", part=label))
            lefts = _strings(part, [p.get("left") for p in value], len(original[part]), 500)
            rights = _strings(part, [p.get("right") for p in value], len(original[part]), 500)
            if len(set(rights)) != len(rights):
                raise _refuse(_l("“%(part)s”: every text must be different.", part=label))
            checked[part] = [{"left": a, "right": b} for a, b in zip(lefts, rights, strict=True)]
        elif part == "accepted":
            answers = _strings(part, value, None, MAX_ANSWER)
            answers = [a for a in answers if a]
            if len(answers) > MAX_ACCEPTED or any(not normalise(a) for a in answers):
                raise _refuse(
                    _l(
                        "“%(part)s”: at most %(count)d answers, each with letters or digits.",
                        part=label,
                        count=MAX_ACCEPTED,
                    )
                )
            if answers:
                checked[part] = answers
        else:  # unit, model_answer: one text
            limit = UNIT_LIMIT if part == "unit" else MODEL_ANSWER_LIMIT
            if not isinstance(value, str):
                raise _refuse(_l("“%(part)s”: give a text.", part=label))
            value = value.strip() if part == "model_answer" else " ".join(value.split())
            if len(value) > limit:
                raise _refuse(
                    _l(
                        "“%(part)s”: each text may have at most %(limit)d characters.",
                        part=label,
                        limit=limit,
                    )
                )
            if value:
                checked[part] = value
    return dumps(checked)


def merged(question_type: str, definition: dict, translated: dict) -> dict:
    """``original_texts`` with each part the translation gives (a translation that no longer
    fits, e.g. after the options changed, gives nothing)."""
    texts = original_texts(question_type, definition)
    for part, value in translated.items():
        if part not in texts:
            continue
        if (
            isinstance(texts[part], list)
            and part != "accepted"
            and (not isinstance(value, list) or len(value) != len(texts[part]))
        ):
            continue
        texts[part] = value
    return texts
